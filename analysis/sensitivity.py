"""Global sensitivity analysis: Sobol' indices and Morris elementary effects.

* :func:`sobol_indices` — first-order indices by Saltelli et al. (2010, eq. b
  of table 2: ``mean(f_B (f_ABi − f_A)) / V``) and total indices by Jansen
  (1999: ``mean((f_A − f_ABi)²) / 2V``) from Saltelli's sampling
  (:func:`analysis.designs.saltelli_unit`), with percentile bootstrap
  confidence intervals (rows of A, B and AB_i resampled together).
* :func:`morris_effects` — elementary effects along Morris trajectories
  (:func:`analysis.designs.morris_unit`): μ, μ* (mean absolute effect, Campolongo
  et al. 2007) and σ, in output units per unit of the factor's range.
* :func:`ishigami` and :data:`ISHIGAMI_INDICES` — the test function and its
  analytic indices, to check the estimators.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

__all__ = ["sobol_indices", "morris_effects", "ishigami", "ishigami_indices", "ISHIGAMI_INDICES"]


def _estimates(fa, fb, fab):
    var = np.var(np.concatenate([fa, fb]), ddof=1)
    if not var > 0:
        nan = np.full(fab.shape[0], np.nan)
        return nan, nan
    first = np.mean(fb[None, :] * (fab - fa[None, :]), axis=1) / var
    total = 0.5 * np.mean((fa[None, :] - fab) ** 2, axis=1) / var
    return first, total


def sobol_indices(
    y,
    n: int,
    d: int,
    names=None,
    *,
    bootstrap: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol' indices from Saltelli's sampling.

    Args:
        y: outputs in the row order of :func:`analysis.designs.saltelli_unit`:
            A (n), B (n), AB_1 (n), ..., AB_d (n) — ``n (d + 2)`` values.
        n, d: base samples and parameters.
        names: parameter names (default ``x1``, ``x2``, ...).
        bootstrap: resamples for the confidence intervals.
        level: confidence level.
        seed: seed of the bootstrap resampling.

    Returns:
        One row per parameter: ``parameter``, ``S1``, ``S1_low``, ``S1_high``,
        ``ST``, ``ST_low``, ``ST_high``. NaN when the output does not vary.
    """
    y = np.asarray(y, dtype="float64")
    if y.shape != (n * (d + 2),):
        raise ValueError(f"expected {n * (d + 2)} outputs (n (d + 2) with n={n}, d={d}), found {y.size}")
    if not np.all(np.isfinite(y)):
        raise ValueError("outputs must be finite (a failed run leaves a hole: rerun it or drop the output)")
    names = list(names) if names is not None else [f"x{i + 1}" for i in range(d)]
    # Centred and scaled (as SALib does): the indices are unchanged in
    # expectation, but f_B (f_ABi − f_A) no longer carries the output's mean,
    # which for a level like 1e12 RMB swamps the estimator's variance.
    spread = np.std(y[: 2 * n])
    y = (y - np.mean(y[: 2 * n])) / (spread if spread > 0 else 1.0)
    fa, fb = y[:n], y[n : 2 * n]
    fab = y[2 * n :].reshape(d, n)
    first, total = _estimates(fa, fb, fab)
    rng = np.random.default_rng(seed)
    boot_first = np.empty((bootstrap, d))
    boot_total = np.empty((bootstrap, d))
    for b in range(bootstrap):
        idx = rng.integers(0, n, n)
        boot_first[b], boot_total[b] = _estimates(fa[idx], fb[idx], fab[:, idx])
    alpha = (1 - level) / 2
    q = [alpha, 1 - alpha]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a constant output: NaN, said in the docstring
        f_lo, f_hi = np.nanquantile(boot_first, q, axis=0) if bootstrap else (first, first)
        t_lo, t_hi = np.nanquantile(boot_total, q, axis=0) if bootstrap else (total, total)
    out = pd.DataFrame(
        {"parameter": names, "S1": first, "S1_low": f_lo, "S1_high": f_hi, "ST": total, "ST_low": t_lo, "ST_high": t_hi}
    )
    out.attrs.update({"n": n, "bootstrap": bootstrap, "level": level})
    return out


def morris_effects(y, unit, d: int, names=None) -> pd.DataFrame:
    """Morris elementary effects.

    Args:
        y: outputs of the rows of ``unit`` (trajectories of d + 1 rows each).
        unit: the design in the unit cube (:func:`analysis.designs.morris_unit`).
        d: parameters.
        names: parameter names.

    Returns:
        One row per parameter: ``parameter``, ``mu``, ``mu_star`` (mean |EE|),
        ``sigma`` (standard deviation of EE), ``r`` (effects averaged). An
        effect is Δy / Δu with u the factor's position in its range (0 → 1),
        so it is the change of the output over the whole range.
    """
    y = np.asarray(y, dtype="float64")
    unit = np.asarray(unit, dtype="float64")
    names = list(names) if names is not None else [f"x{i + 1}" for i in range(d)]
    if unit.shape[0] % (d + 1) or y.shape[0] != unit.shape[0]:
        raise ValueError(f"expected trajectories of {d + 1} rows and one output per row")
    effects: list[list[float]] = [[] for _ in range(d)]
    for t in range(unit.shape[0] // (d + 1)):
        rows = slice(t * (d + 1), (t + 1) * (d + 1))
        u, f = unit[rows], y[rows]
        for k in range(d):
            step = u[k + 1] - u[k]
            i = int(np.argmax(np.abs(step)))
            if step[i] != 0 and np.isfinite(f[k + 1]) and np.isfinite(f[k]):
                effects[i].append((f[k + 1] - f[k]) / step[i])
    rows = []
    for name, ee in zip(names, effects):
        ee = np.asarray(ee)
        rows.append(
            {
                "parameter": name,
                "mu": float(ee.mean()) if ee.size else np.nan,
                "mu_star": float(np.abs(ee).mean()) if ee.size else np.nan,
                "sigma": float(ee.std(ddof=1)) if ee.size > 1 else np.nan,
                "r": int(ee.size),
            }
        )
    return pd.DataFrame(rows)


def ishigami(x, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """Ishigami's function of x (rows × 3) with every x_i in [−π, π]."""
    x = np.asarray(x, dtype="float64")
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> pd.DataFrame:
    """The analytic first-order and total indices of :func:`ishigami`."""
    pi4, pi8 = math.pi**4, math.pi**8
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a * a / 8
    v13 = 8 * b * b * pi8 / 225
    var = v1 + v2 + v13
    return pd.DataFrame(
        {
            "parameter": ["x1", "x2", "x3"],
            "S1": [v1 / var, v2 / var, 0.0],
            "ST": [(v1 + v13) / var, v2 / var, v13 / var],
        }
    )


ISHIGAMI_INDICES = ishigami_indices()
