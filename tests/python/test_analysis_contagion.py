"""analysis.contagion: the `pfsim contagion MODEL -` front end, round-by-round distress, pictures.

Needs a `pfsim` with the `contagion` subcommand (skips only when no pfsim is built).
"""
import pathlib
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import analysis as pa  # noqa: E402

RING = np.array([[0, 10, 0], [0, 0, 10], [4, 0, 0]], float)


@pytest.fixture(scope="module")
def cli(pfsim_exe):
    assert pa.has_contagion(pfsim_exe), f"{pfsim_exe} has no `contagion` subcommand: rebuild it"
    return pfsim_exe


def test_eisenberg_noe_ring_from_the_docs(cli):
    # docs/contagion.md, "JSON front end": the three-bank ring
    out = pa.eisenberg_noe(RING, [2, 3, 1], pfsim=cli)
    np.testing.assert_allclose(out["payments"], [6, 9, 4])
    assert list(out["defaulted"]) == [0, 1]
    np.testing.assert_allclose(out["equity"], [0, 0, 6])


def test_bad_input_raises_with_the_cli_message(cli):
    with pytest.raises(pa.PfsimError, match="external_assets"):
        pa.eisenberg_noe(RING, [-1, 3, 1], pfsim=cli)


def test_debtrank_rounds_grow_to_the_final_distress(cli):
    m, _ = pa.core_periphery_network(3, 8, seed=4)
    equity = 0.3 * m.sum(axis=0) + 1.0
    h0 = np.zeros(len(m))
    h0[0] = 1.0
    rounds = pa.debtrank_rounds(m, equity, h0, max_rounds=50, pfsim=cli)
    np.testing.assert_array_equal(rounds[0], h0)
    assert (np.diff(rounds, axis=0) >= -1e-12).all()  # distress never falls
    final = pa.debtrank(h0, liabilities=m, equity=equity, variant="differential", pfsim=cli)
    if len(rounds) == final["steps"]:
        np.testing.assert_allclose(rounds[-1], final["h_final"])


def test_furfine_rounds_replay_the_cascade(cli):
    m, _ = pa.core_periphery_network(3, 8, seed=4)
    capital = 0.2 * m.sum(axis=0) + 0.5
    out = pa.furfine(m, capital, [0], pfsim=cli)
    rounds = pa.furfine_rounds(m, capital, [0], pfsim=cli)
    assert rounds.shape == (out["rounds"] + 2, len(m))
    assert rounds[0][0] == 1.0 and rounds[0].sum() == 1.0
    failed = np.asarray(out["default_round"]) >= 0
    np.testing.assert_array_equal(rounds[-1][failed], 1.0)
    assert (rounds[-1][~failed] < 1.0).all()
    fig = pa.plot_cascade(m, rounds)
    assert sum(1 for ax in fig.axes if (ax.get_gid() or "").startswith("round:")) == len(rounds)
