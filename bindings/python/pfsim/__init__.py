"""pfsim — drive the platform-finance simulator from Python.

The engine is C++ (the private extension ``pfsim._core``); this package is a
thin layer over it with numpy, pandas and xarray conveniences::

    import pfsim

    sc = pfsim.Scenario("scenarios/baseline.yaml")
    sc["consumers.count"] = 20_000            # validated at once
    sim = pfsim.Simulation(sc, seed=1, threads=2)
    sim.step(30)                              # 30 days; Ctrl-C stops at a day boundary
    sim.consumers.deposit                     # zero-copy numpy view (fen)
    pfsim.fen_to_rmb(sim.consumers.deposit)   # the same in RMB (float64)
    sim.run(until="2019-12-31", progress=True)
    df = sim.results.to_pandas()              # one row per simulated day
    sim.save("results/run.h5")                # HDF5, opens in h5py and xarray

Main names: :class:`Scenario`, :class:`Simulation` (with :class:`Store` and
:class:`Ledger`), :class:`Results`, :func:`open_results` and :func:`recover`. Interbank
contagion models (the engine's, as ``pfsim contagion``): :func:`contagion`,
:func:`eisenberg_noe`, :func:`debtrank`, :func:`furfine`, :func:`fire_sale`. Errors:
:class:`ScenarioError` (bad input) and :class:`InternalError` (a bug), both
subclasses of :class:`Error`. See docs/python.md.
"""

from . import _core
from ._contagion import contagion, debtrank, eisenberg_noe, fire_sale, furfine
from ._core import Error, InternalError, ScenarioError
from ._ledger import Ledger
from ._money import FEN_PER_RMB, fen_to_rmb
from ._results import Results, hdf5_lock, indicators, open_results, recover
from ._scenario import Scenario, schema, shock_types
from ._simulation import ColumnInfo, Columns, Simulation, Store

__version__: str = _core.__version__
__git_commit__: str = _core.git_commit

__all__ = [
    "ColumnInfo",
    "Columns",
    "Error",
    "InternalError",
    "Ledger",
    "Results",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "Store",
    "contagion",
    "debtrank",
    "eisenberg_noe",
    "fen_to_rmb",
    "FEN_PER_RMB",
    "fire_sale",
    "furfine",
    "hdf5_lock",
    "indicators",
    "open_results",
    "recover",
    "schema",
    "shock_types",
    "__version__",
]
