"""pfsim analysis: results → xarray / pandas, comparisons, figures, reports, sweeps.

The package is the folder ``analysis/`` of the pfsim repository, imported as
``analysis`` with the repository root on ``sys.path`` (``PYTHONPATH=<repo>``,
which the CI sets). It needs Debian's numpy, pandas, xarray, h5py, matplotlib
and scipy, and the ``pfsim`` Python package of a build (found on ``sys.path``,
else in ``$PFSIM_BUILD_DIR/python`` or ``<repo>/build/python``): results files
are read with its reader, scenario parameters with its path parser and the
contagion models run through its wrappers, so the two packages never disagree.
Simulations (``run_scenario``, ``sweep``) run through the ``pfsim`` CLI.

    import analysis as pa
    ds = pa.open_results("results/baseline.h5")          # xarray Dataset
    df = pa.to_tidy(["a.h5", "b.h5"])                    # long pandas frame
    pa.headline_effects("shock.h5", baseline="baseline.h5")
    pa.credit_by_funder("shock.h5", baseline="baseline.h5")   # a Figure
    pa.build_report("shock.h5", "baseline.h5", out="report.html")
    runs = pa.sweep("baseline", {"platform.own_funding_share": [0.02, 0.3]}, seeds=range(3), steps=120)
    pa.sweep_bands(runs)
    ds, summary = pa.open_sweep("out/cofunding")           # a `pfsim sweep` folder

Command line: ``python3 -m analysis report RESULTS.h5 [--baseline B.h5] -o report.html``.
See ``docs/analysis.md``.
"""

from ._cli import PfsimError, downscale, find_pfsim, find_scenario, has_subcommand, repo_root, resolve, run_scenario
from .compare import (
    HEADLINE_INDICATORS,
    MismatchError,
    check_comparable,
    compare,
    difference,
    headline_effects,
    look_at,
    ratio,
    window_summary,
)
from .contagion import (
    ContagionInputError,
    core_periphery_network,
    debtrank,
    debtrank_rounds,
    eisenberg_noe,
    furfine,
    furfine_rounds,
    has_contagion,
    run_contagion,
)
from .figures import (
    FIGURES,
    bank_capital,
    contagion,
    credit_by_funder,
    defaults_by_lender,
    fund_flows,
    plot_bands,
    plot_indicators,
    platform_finances,
    scenario_parameter,
)
from .network import (
    animate_cascade,
    draw_network,
    layout,
    liabilities_matrix,
    network_dates,
    plot_cascade,
    plot_network,
    plot_network_snapshot,
    read_network,
)
from .report import build_report
from .results import events, indicator_table, metadata, open_many, open_results, to_tidy
from .stats import mean_ci, seed_bands
from .sensitivity import ISHIGAMI_INDICES, ishigami, morris_effects, sobol_indices
from .sweep_file import SweepFileError, load_sweep
from .sweep_results import OpenSweep, build_sweep_report, open_sweep, read_summary, sweep_sensitivity
from .sweep_run import run_sweep
from .sweep import SweepError, expand_grid, files_by_variant, summarize, sweep, sweep_bands, variant_label

__all__ = [
    # results
    "open_results",
    "open_many",
    "to_tidy",
    "indicator_table",
    "metadata",
    "events",
    # comparisons and statistics
    "HEADLINE_INDICATORS",
    "difference",
    "ratio",
    "compare",
    "window_summary",
    "headline_effects",
    "look_at",
    "check_comparable",
    "MismatchError",
    "mean_ci",
    "seed_bands",
    # figures
    "FIGURES",
    "credit_by_funder",
    "defaults_by_lender",
    "bank_capital",
    "fund_flows",
    "platform_finances",
    "contagion",
    "plot_indicators",
    "plot_bands",
    "scenario_parameter",
    # networks and contagion
    "liabilities_matrix",
    "layout",
    "draw_network",
    "plot_network",
    "network_dates",
    "read_network",
    "plot_network_snapshot",
    "plot_cascade",
    "animate_cascade",
    "has_contagion",
    "run_contagion",
    "ContagionInputError",
    "eisenberg_noe",
    "debtrank",
    "debtrank_rounds",
    "furfine",
    "furfine_rounds",
    "core_periphery_network",
    # report
    "build_report",
    # running the CLI and sweeps
    "PfsimError",
    "find_pfsim",
    "find_scenario",
    "has_subcommand",
    "repo_root",
    "run_scenario",
    "resolve",
    "downscale",
    "SweepError",
    "expand_grid",
    "variant_label",
    "sweep",
    "summarize",
    "sweep_bands",
    "files_by_variant",
    # sweep files (pfsim sweep), sensitivity
    "load_sweep",
    "SweepFileError",
    "run_sweep",
    "open_sweep",
    "OpenSweep",
    "read_summary",
    "sweep_sensitivity",
    "build_sweep_report",
    "sobol_indices",
    "morris_effects",
    "ishigami",
    "ISHIGAMI_INDICES",
]
