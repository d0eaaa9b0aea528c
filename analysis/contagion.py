"""Contagion models for analysis: the ``pfsim`` package's wrappers of the
engine's algorithms, plus round-by-round pictures.

The models (Eisenberg-Noe / Rogers-Veraart clearing, DebtRank, Furfine
cascades, fire sales; keys in ``docs/contagion.md``) run in the engine through
``pfsim.contagion`` and friends — the same JSON front end as ``pfsim contagion
MODEL -``, so keys, checks, messages and numbers are those of the command line.
This module adds what analysis needs on top: liabilities given as an edge
list, and the helpers that give a round-by-round picture, which either ask the
engine for each round (DebtRank, via ``max_steps``) or replay its answer
(Furfine's ``default_round``). It implements no contagion algorithm itself.

The ``pfsim=`` arguments (the CLI these functions once ran) are accepted and
ignored: the models run in-process.
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from ._cli import PfsimError, has_subcommand
from ._pfsim import pfsim as _pfsim
from .network import liabilities_matrix

__all__ = [
    "has_contagion",
    "run_contagion",
    "eisenberg_noe",
    "debtrank",
    "debtrank_rounds",
    "furfine",
    "furfine_rounds",
    "core_periphery_network",
]


class ContagionInputError(PfsimError, ValueError):
    """Bad contagion input; the message names the key. A ValueError, as the
    pfsim package raises, and a :class:`PfsimError`, as these functions raised
    when they ran the ``pfsim contagion`` command."""

    def __init__(self, model: str, err: Exception):
        super().__init__(["pfsim", "contagion", model, "-"], 2, str(err))


def has_contagion(pfsim: str | os.PathLike | None = None) -> bool:
    """True when the ``pfsim`` executable has the ``contagion`` subcommand."""
    return has_subcommand("contagion", pfsim)


def run_contagion(model: str, inputs: dict, *, pfsim=None, timeout: float | None = None) -> dict:
    """Runs one contagion model, exactly like ``pfsim contagion MODEL -``
    (through ``pfsim.contagion``, in-process).

    Args:
        model: ``"eisenberg_noe"``, ``"debtrank"``, ``"furfine"`` or ``"fire_sale"``.
        inputs: the model's input keys (numpy arrays are fine).
        pfsim, timeout: ignored (kept for callers of the CLI-based version).

    Returns:
        The parsed JSON answer (lists, numbers).

    Raises:
        ContagionInputError: bad input (its message names the key).
    """
    try:
        return _pfsim().contagion(model, inputs)
    except ValueError as err:
        raise ContagionInputError(model, err) from err


def _call(model: str, fn, *args, **kwargs) -> dict:
    """A pfsim contagion wrapper, its input errors as :class:`ContagionInputError`."""
    try:
        return fn(*args, **kwargs)
    except ValueError as err:
        raise ContagionInputError(model, err) from err


def eisenberg_noe(
    liabilities,
    external_assets,
    external_liabilities=None,
    *,
    bankruptcy_costs: tuple[float, float] | None = None,
    pfsim=None,
) -> dict:
    """Eisenberg-Noe clearing (Rogers-Veraart with ``bankruptcy_costs=(alpha, beta)``),
    ``pfsim.eisenberg_noe`` with liabilities in any form :func:`liabilities_matrix` takes.

    Returns ``payments``, ``defaulted``, ``equity``, ``net_worth`` (numpy
    arrays) and ``iterations``.
    """
    return _call(
        "eisenberg_noe",
        _pfsim().eisenberg_noe,
        liabilities_matrix(liabilities),
        external_assets,
        external_liabilities,
        bankruptcy_costs=bankruptcy_costs,
    )


def debtrank(
    h0,
    *,
    liabilities=None,
    equity=None,
    impact_matrix=None,
    weights=None,
    variant: str = "battiston2012",
    max_steps: int | None = None,
    pfsim=None,
) -> dict:
    """DebtRank from an impact matrix or from ``liabilities`` + ``equity``
    (``pfsim.debtrank``).

    Returns ``h_final`` (numpy array), ``debtrank``, ``defaulted`` and ``steps``.
    """
    if impact_matrix is None:
        liabilities = None if liabilities is None else liabilities_matrix(liabilities)
    else:
        liabilities = equity = None
    return _call(
        "debtrank",
        _pfsim().debtrank,
        h0,
        impact_matrix=impact_matrix,
        liabilities=liabilities,
        equity=equity,
        weights=weights,
        variant=variant,
        max_steps=max_steps,
    )


def debtrank_rounds(
    liabilities,
    equity,
    h0,
    *,
    max_rounds: int = 12,
    pfsim=None,
) -> np.ndarray:
    """Distress round by round for the differential DebtRank (Bardoscia et al. 2015).

    Asks the CLI for ``h(t)`` with ``max_steps = t`` for t = 1, 2, ... until the
    iteration converges or ``max_rounds`` rounds are collected.

    Returns:
        An array ``rounds × banks``: row 0 is the initial shock ``h0``
        (``h(1)``), row t is ``h(t + 1)``.
    """
    full = debtrank(h0, liabilities=liabilities, equity=equity, variant="differential", pfsim=pfsim)
    last = min(int(full["steps"]), int(max_rounds))
    rows = []
    for t in range(1, last + 1):
        if t == int(full["steps"]):
            rows.append(np.asarray(full["h_final"], float))
        else:
            step = debtrank(
                h0, liabilities=liabilities, equity=equity, variant="differential", max_steps=t, pfsim=pfsim
            )
            rows.append(np.asarray(step["h_final"], float))
    return np.vstack(rows)


def furfine(
    liabilities, capital, initial_defaults: Sequence[int], *, lgd: float = 1.0, tie: str = "strict", pfsim=None
) -> dict:
    """Furfine sequential defaults (``pfsim.furfine``). Returns ``defaulted``,
    ``default_round`` (−1 = survives), ``rounds`` and ``losses`` (numpy arrays where lists)."""
    return _call(
        "furfine", _pfsim().furfine, liabilities_matrix(liabilities), capital, initial_defaults, lgd=lgd, tie=tie
    )


def furfine_rounds(
    liabilities, capital, initial_defaults: Sequence[int], *, lgd: float = 1.0, tie: str = "strict", pfsim=None
) -> np.ndarray:
    """Distress after each round of a Furfine cascade run by the CLI.

    Row k shows the banks failed by round k with distress 1, and every other
    bank's loss from the banks that failed *before* round k over its capital,
    ``lgd × Σ_{i failed in rounds < k} L[i, j] / capital_j`` (capped at 1) —
    the rule that decides round k (see ``docs/contagion.md``). The last row
    is the end state: every survivor's loss from all failed banks.

    Returns:
        An array ``(rounds + 2) × banks``: row 0 = the initial defaults,
        rows 1 … rounds = the cascade, last row = the end state.
    """
    m = liabilities_matrix(liabilities)
    cap = np.asarray(capital, float)
    answer = furfine(m, cap, initial_defaults, lgd=lgd, tie=tie, pfsim=pfsim)
    rnd = np.asarray(answer["default_round"], int)
    out = []
    for k in range(int(answer["rounds"]) + 2):
        before = (rnd >= 0) & (rnd < k)
        failed = (rnd >= 0) & (rnd <= k)
        loss = lgd * m[before].sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            h = np.where(cap > 0, np.minimum(1.0, loss / cap), np.where(loss > 0, 1.0, 0.0))
        h[failed] = 1.0
        out.append(h)
    return np.vstack(out)


def core_periphery_network(
    n_core: int,
    n_periphery: int,
    *,
    seed: int = 0,
    core_density: float = 1.0,
    links_up: int = 2,
    core_size: tuple[float, float] = (5.0, 10.0),
    link_size: tuple[float, float] = (1.0, 3.0),
) -> tuple[np.ndarray, list[list[int]]]:
    """A small two-tier interbank network for teaching (numpy, seeded).

    Core banks ``0 … n_core-1`` owe each other with probability
    ``core_density`` per ordered pair, amounts uniform in ``core_size``; each
    periphery bank has ``links_up`` exposures to distinct core banks, amounts
    in ``link_size``, direction by a fair coin (it borrows or lends). The
    engine's own generators (``sim/contagion/graph.hpp``) follow the same
    scheme; this one only makes input data for pictures.

    Returns:
        ``(L, groups)``: the liabilities matrix and ``[core, periphery]``
        bank lists (ready for ``pos="shell"``).
    """
    rng = np.random.default_rng(seed)
    n = n_core + n_periphery
    m = np.zeros((n, n))
    for i in range(n_core):
        for j in range(n_core):
            if i != j and rng.random() < core_density:
                m[i, j] = rng.uniform(*core_size)
    for p in range(n_core, n):
        for c in rng.choice(n_core, size=min(links_up, n_core), replace=False):
            amount = rng.uniform(*link_size)
            if rng.random() < 0.5:
                m[p, c] += amount
            else:
                m[c, p] += amount
    return m, [list(range(n_core)), list(range(n_core, n))]
