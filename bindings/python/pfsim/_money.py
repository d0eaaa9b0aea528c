"""Money: the engine keeps every amount as int64 fen (sim/core/money.hpp);
people read RMB, economy-wide."""

from __future__ import annotations

from typing import Any

import numpy as np

#: Fen per RMB (yuan), as ``fen_per_yuan`` in sim/core/money.hpp.
FEN_PER_RMB = 100


def fen_to_rmb(fen: Any, scale: float = 1.0) -> Any:
    """RMB from fen: a number or a numpy array (e.g. an agent column such as
    ``sim.consumers.deposit``), as float64.

    ``scale``: how many real agents one simulated agent stands for (the
    scenario's ``run.scale``). With it the result is economy-wide RMB, computed
    as the indicators compute it (fen / 100 × scale, in double precision)::

        pfsim.fen_to_rmb(sim.consumers.deposit.sum(), sim.scenario["run.scale"])
    """
    rmb = np.asarray(fen, dtype=np.float64) / float(FEN_PER_RMB) * float(scale)
    return rmb.item() if rmb.ndim == 0 else rmb
