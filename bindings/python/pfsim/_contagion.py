"""Interbank contagion models (the engine's ``sim/contagion/``), numpy in and out.

Every function goes through the same JSON front end as ``pfsim contagion MODEL
-`` (``_core.contagion_json``), so keys, checks, error messages and numbers are
those of the command line, bit for bit. Conventions (docs/contagion.md): banks
are numbered from 0; ``liabilities[i][j]`` is what bank i owes bank j (j's
exposure to i); the diagonal is ignored. Bad input raises ``ValueError``
naming the key and what was expected.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

import numpy as np

from . import _core

__all__ = ["MODELS", "contagion", "eisenberg_noe", "debtrank", "furfine", "fire_sale"]

#: The model names :func:`contagion` accepts.
MODELS = ("eisenberg_noe", "debtrank", "furfine", "fire_sale")

# Output keys holding bank indices (returned as int64 arrays by the helpers).
_INDEX_KEYS = ("defaulted", "default_round")


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (range, tuple)):
        return list(x)
    if hasattr(x, "to_numpy"):  # pandas DataFrame / Series
        return x.to_numpy().tolist()
    if hasattr(x, "toarray"):  # scipy.sparse
        return x.toarray().tolist()
    raise TypeError(f"cannot convert {type(x).__name__} to a contagion input (use numbers, lists or numpy arrays)")


def contagion(model: str, inputs: Mapping[str, Any] | str) -> dict[str, Any]:
    """Runs one contagion model, exactly like ``pfsim contagion MODEL -``.

    Args:
        model: ``"eisenberg_noe"``, ``"debtrank"``, ``"furfine"`` or ``"fire_sale"``.
        inputs: the model's input keys (docs/contagion.md, "JSON front end") as a
            dict — numpy arrays, lists and numbers are fine — or as JSON text.
            A matrix is dense (n rows of n numbers) or sparse
            ``{"size": n, "entries": [[row, col, value], ...]}``.

    Returns:
        The answer as plain Python values (lists, floats, ints), e.g. for
        ``eisenberg_noe``: ``payments``, ``defaulted``, ``equity``,
        ``net_worth``, ``iterations``.

    Raises:
        ValueError: bad input (unknown model or key, wrong shape, value out of
            range, invalid JSON); the message names the key.
    """
    text = inputs if isinstance(inputs, str) else json.dumps(inputs, default=_jsonable)
    return json.loads(_core.contagion_json(str(model), text))


def _arrays(answer: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in answer.items():
        if isinstance(value, list):
            out[key] = np.asarray(value, dtype=np.int64 if key in _INDEX_KEYS else np.float64)
        else:
            out[key] = value
    return out


def _vector(x: Any) -> Any:
    return np.asarray(x, dtype=np.float64)


def eisenberg_noe(
    liabilities: Any,
    external_assets: Any,
    external_liabilities: Any = None,
    *,
    bankruptcy_costs: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Greatest clearing vector of Eisenberg & Noe (2001).

    Args:
        liabilities: n × n, ``liabilities[i, j]`` = what bank i owes bank j.
        external_assets: outside assets per bank (>= 0).
        external_liabilities: debts to creditors outside the network, paid pari
            passu with the interbank ones (default none).
        bankruptcy_costs: ``(alpha, beta)`` selects Rogers & Veraart (2013): a
            defaulting bank realises only ``alpha`` of its outside assets and
            ``beta`` of its interbank receipts.

    Returns:
        ``payments``, ``equity``, ``net_worth`` (float arrays), ``defaulted``
        (int array, increasing; a bank whose cash exactly equals its
        obligations is solvent) and ``iterations``.
    """
    inputs: dict[str, Any] = {"liabilities": liabilities, "external_assets": _vector(external_assets)}
    if external_liabilities is not None:
        inputs["external_liabilities"] = _vector(external_liabilities)
    if bankruptcy_costs is not None:
        alpha, beta = bankruptcy_costs
        inputs["bankruptcy_costs"] = {"alpha": float(alpha), "beta": float(beta)}
    return _arrays(contagion("eisenberg_noe", inputs))


def debtrank(
    h0: Any,
    *,
    impact_matrix: Any = None,
    liabilities: Any = None,
    equity: Any = None,
    weights: Any = None,
    variant: str = "battiston2012",
    tolerance: float | None = None,
    max_steps: int | None = None,
) -> dict[str, Any]:
    """DebtRank: Battiston et al. (2012) or the differential variant of Bardoscia et al. (2015).

    Give either ``impact_matrix`` (``W[i, j]`` = relative equity loss of j if i
    defaults) or ``liabilities`` and ``equity`` (then ``W[i, j] = L[i, j] / E[j]``).

    Args:
        h0: initial distress per bank, in [0, 1].
        weights: economic weight per bank (>= 0, normalised; default uniform).
        variant: ``"battiston2012"`` or ``"differential"``.
        tolerance, max_steps: stopping rule of the differential variant.

    Returns:
        ``h_final`` (float array), ``debtrank`` (induced distress, in [0, 1]),
        ``defaulted`` (int array: banks with ``h = 1``) and ``steps``.
    """
    inputs: dict[str, Any] = {"h0": _vector(h0), "variant": variant}
    if impact_matrix is not None:
        inputs["impact_matrix"] = impact_matrix
    if liabilities is not None:
        inputs["liabilities"] = liabilities
    if equity is not None:
        inputs["equity"] = _vector(equity)
    if weights is not None:
        inputs["weights"] = _vector(weights)
    if tolerance is not None:
        inputs["tolerance"] = float(tolerance)
    if max_steps is not None:
        inputs["max_steps"] = int(max_steps)
    return _arrays(contagion("debtrank", inputs))


def furfine(
    liabilities: Any,
    capital: Any,
    initial_defaults: Sequence[int],
    *,
    lgd: float = 1.0,
    tie: str = "strict",
) -> dict[str, Any]:
    """Furfine (2003) sequential defaults.

    Args:
        liabilities: n × n, ``liabilities[i, j]`` = what bank i owes bank j.
        capital: capital per bank (>= 0).
        initial_defaults: the banks that fail in round 0 (distinct indices).
        lgd: loss given default, in [0, 1].
        tie: ``"strict"`` (fail when loss > capital) or ``"inclusive"`` (loss >= capital > 0).

    Returns:
        ``defaulted`` and ``default_round`` (int arrays; round -1 = survives),
        ``rounds`` and ``losses`` (float array).
    """
    inputs = {
        "liabilities": liabilities,
        "capital": _vector(capital),
        "initial_defaults": [int(i) for i in np.asarray(initial_defaults).ravel()],
        "lgd": float(lgd),
        "tie": tie,
    }
    return _arrays(contagion("furfine", inputs))


def fire_sale(holdings: Any, prices: Any, debt: Any, **options: Any) -> dict[str, Any]:
    """Fire sales through common holdings (Greenwood et al. 2015; Cifuentes et al. 2005).

    Args:
        holdings: banks × assets, units held.
        prices: pre-shock price per asset.
        debt: debt per bank.
        **options: ``cash``, ``price_shock``, ``price_impact``,
            ``impact_function`` (``"linear"`` or ``"exponential"``),
            ``target_leverage``, ``max_rounds``, ``tolerance`` (docs/contagion.md).

    Returns:
        ``prices``, ``losses``, ``units_sold`` (float arrays), ``price_path``
        (rounds × assets), ``defaulted`` (int array), ``rounds``, ``converged``.
    """
    inputs = {"holdings": holdings, "prices": _vector(prices), "debt": _vector(debt), **options}
    return _arrays(contagion("fire_sale", inputs))
