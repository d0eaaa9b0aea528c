"""Running the engine's contagion algorithms through ``pfsim contagion``.

``pfsim contagion MODEL -`` reads one JSON object on stdin and prints one JSON
object; the models and keys are in ``docs/contagion.md`` (Eisenberg-Noe /
Rogers-Veraart clearing, DebtRank, Furfine cascades, fire sales). This module
converts numpy inputs to that JSON, runs the CLI and converts the answer back.
It implements no contagion algorithm itself: the helpers that give a
round-by-round picture either ask the CLI for each round (DebtRank, via
``max_steps``) or replay the CLI's answer (Furfine's ``default_round``).
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Sequence

import numpy as np

from ._cli import PfsimError, find_pfsim, has_subcommand
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


def has_contagion(pfsim: str | os.PathLike | None = None) -> bool:
    """True when the ``pfsim`` executable has the ``contagion`` subcommand."""
    return has_subcommand("contagion", pfsim)


def _jsonable(x):
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, range):
        return list(x)
    raise TypeError(f"cannot convert {type(x).__name__} to JSON")


def run_contagion(model: str, inputs: dict, *, pfsim=None, timeout: float = 120) -> dict:
    """Runs ``pfsim contagion MODEL -`` with ``inputs`` as JSON on stdin.

    Args:
        model: ``"eisenberg_noe"``, ``"debtrank"``, ``"furfine"`` or ``"fire_sale"``.
        inputs: the model's input keys (numpy arrays are fine).
        pfsim: the executable or its build directory (see :func:`analysis.find_pfsim`).

    Returns:
        The parsed JSON answer (lists, numbers).

    Raises:
        PfsimError: the CLI rejected the input (its message names the key).
    """
    exe = find_pfsim(pfsim)
    args = [str(exe), "contagion", model, "-"]
    proc = subprocess.run(
        args, input=json.dumps(inputs, default=_jsonable), capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        raise PfsimError(args, proc.returncode, proc.stderr)
    return json.loads(proc.stdout)


def _arrays(answer: dict) -> dict:
    return {k: np.asarray(v) if isinstance(v, list) else v for k, v in answer.items()}


def eisenberg_noe(
    liabilities,
    external_assets,
    external_liabilities=None,
    *,
    bankruptcy_costs: tuple[float, float] | None = None,
    pfsim=None,
) -> dict:
    """Eisenberg-Noe clearing (Rogers-Veraart with ``bankruptcy_costs=(alpha, beta)``).

    Returns ``payments``, ``defaulted``, ``equity``, ``net_worth`` (numpy
    arrays) and ``iterations``.
    """
    inputs = {"liabilities": liabilities_matrix(liabilities), "external_assets": np.asarray(external_assets, float)}
    if external_liabilities is not None:
        inputs["external_liabilities"] = np.asarray(external_liabilities, float)
    if bankruptcy_costs is not None:
        inputs["bankruptcy_costs"] = {"alpha": float(bankruptcy_costs[0]), "beta": float(bankruptcy_costs[1])}
    return _arrays(run_contagion("eisenberg_noe", inputs, pfsim=pfsim))


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
    """DebtRank from an impact matrix or from ``liabilities`` + ``equity``.

    Returns ``h_final`` (numpy array), ``debtrank``, ``defaulted`` and ``steps``.
    """
    inputs: dict = {"h0": np.asarray(h0, float), "variant": variant}
    if impact_matrix is not None:
        inputs["impact_matrix"] = np.asarray(impact_matrix, float)
    else:
        inputs["liabilities"] = liabilities_matrix(liabilities)
        inputs["equity"] = np.asarray(equity, float)
    if weights is not None:
        inputs["weights"] = np.asarray(weights, float)
    if max_steps is not None:
        inputs["max_steps"] = int(max_steps)
    return _arrays(run_contagion("debtrank", inputs, pfsim=pfsim))


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
    """Furfine sequential defaults. Returns ``defaulted``, ``default_round``
    (−1 = survives), ``rounds`` and ``losses`` (numpy arrays where lists)."""
    inputs = {
        "liabilities": liabilities_matrix(liabilities),
        "capital": np.asarray(capital, float),
        "initial_defaults": [int(i) for i in initial_defaults],
        "lgd": float(lgd),
        "tie": tie,
    }
    return _arrays(run_contagion("furfine", inputs, pfsim=pfsim))


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
