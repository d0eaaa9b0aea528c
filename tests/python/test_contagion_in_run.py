"""Contagion inside the run (issue 14): term interbank exposures exist, a failure
reaches creditors the same day through the chosen clearing, the in-run
Eisenberg-Noe clearing equals `pfsim contagion eisenberg_noe` on the day's
exported network, the audit stays exact and results stay bit-identical across
thread counts. Same scenario and seed with and without each knob; every run is
the small classroom economy cut to 280 days (the failure is on day 267), about
2 s each; the file takes about 30 s.
"""
import json

import h5py
import numpy as np
import pytest

from conftest import ROOT, cached_runs, require_module, run_pfsim, timeseries

BANK_FAILURE = ROOT / "scenarios" / "classroom_bank_failure.yaml"
TOPOLOGY = ROOT / "scenarios" / "classroom_topology.yaml"
DAY = 267  # 2019-09-25, the failure


@pytest.fixture(scope="module")
def run(pfsim_exe, tmp_path_factory):
    """run(scenario, *sets, threads=2, audit="default"): the results file of one run, cached."""
    return cached_runs(tmp_path_factory.mktemp("contagion"), "run.days=280")


series = timeseries


def failures(path):
    return int(series(path, "bank_failures").sum())


def snapshot(path, network, day):
    """(nodes: dict of arrays, edges: (source, target, weight)) of one /networks snapshot."""
    with h5py.File(path, "r") as f:
        g = f["networks"][network]
        k = list(g["day"][()]).index(day)
        ns, nc = g["node_start"][k], g["node_count"][k]
        es, ec = g["edge_start"][k], g["edge_count"][k]
        nodes = {
            key: g["nodes"][key][ns : ns + nc]
            for key in g["nodes"]
            if key not in ("node_kind", "node_kind_t", "snapshot", "row")
        }
        edges = tuple(
            g["edges"][key][es : es + ec] for key in ("source", "target", "weight")
        )
    return nodes, edges


def test_exposures_exist_every_day(run):
    # Term loans and NCDs between partners: the interbank network is never empty.
    path = run(BANK_FAILURE)
    with h5py.File(path, "r") as f:
        counts = f["networks"]["interbank"]["edge_count"][()]
    assert len(counts) > 5 and counts.min() >= 200
    assert series(path, "interbank_term_loans").min() > 0


def test_cascade_by_round(run):
    path = run(BANK_FAILURE)
    fails = series(path, "bank_failures")
    assert (
        fails[:DAY].sum() == 0 and fails[DAY] >= 3
    )  # the shocked bank and its creditors
    rounds = [
        series(path, f"contagion_defaults_round_{k}")[DAY]
        for k in ("0", "1", "2", "3_plus")
    ]
    assert rounds[0] == 1 and rounds[1] >= 2
    assert sum(rounds) == fails[DAY]  # every failure is counted in one round
    assert series(path, "contagion_interbank_losses")[DAY] > 0


def test_more_capital_fewer_failures(run):
    base = failures(run(BANK_FAILURE))
    assert failures(run(BANK_FAILURE, "banks.tiers[1].capital_ratio=0.15")) < base


def interbank_losses(path):
    return float(series(path, "contagion_interbank_losses").sum())


def test_larger_exposures_more_failures(run):
    # Joint-stock banks' term interbank funding at 30% of deposits (the
    # scenario), half of it, and a sixth: the losses their failures pass on
    # shrink with the exposures, and the failures with them once the
    # exposures are small next to equity (seed 1: 4, 4 and 3 failures).
    base = run(BANK_FAILURE)
    half = run(BANK_FAILURE, "banks.tiers[1].term_interbank_share=0.15")
    small = run(BANK_FAILURE, "banks.tiers[1].term_interbank_share=0.05")
    assert interbank_losses(base) > interbank_losses(half) > interbank_losses(small)
    assert failures(base) >= failures(half) > failures(small)
    lgd = run(BANK_FAILURE, "interbank.lgd=0.3")
    assert failures(lgd) < failures(base)
    assert interbank_losses(lgd) < interbank_losses(base)


def test_no_contagion_no_spread(run):
    path = run(BANK_FAILURE, "interbank.contagion=none")
    assert failures(path) == 1 and series(path, "contagion_interbank_losses").sum() == 0


def test_topology_ring_spreads_complete_absorbs(run):
    ring = run(TOPOLOGY)
    complete = run(TOPOLOGY, "interbank.topology=complete")
    assert failures(ring) >= 4 and series(ring, "contagion_defaults_round_2")[DAY] >= 1
    assert failures(complete) == 1
    # The same claims in total: the topology, not the size, decides.
    assert series(complete, "interbank_term_loans")[DAY - 1] == pytest.approx(
        series(ring, "interbank_term_loans")[DAY - 1], rel=0.05
    )


@pytest.mark.parametrize("mode", ["eisenberg_noe", "rogers_veraart"])
def test_in_run_clearing_equals_cli(run, tmp_path, mode):
    path = run(BANK_FAILURE, f"interbank.contagion={mode}", "events[0].loss_share=0.3")
    nodes, (source, target, weight) = snapshot(path, "interbank_clearing", DAY)
    n = len(nodes["node_index"])
    liabilities = np.zeros((n, n))
    np.add.at(liabilities, (source, target), weight)
    e, el = nodes["external_assets"], nodes["external_liabilities"]
    query = {
        "liabilities": liabilities.tolist(),
        "external_assets": e.tolist(),
        "external_liabilities": el.tolist(),
    }
    if mode == "rogers_veraart":
        query["bankruptcy_costs"] = {"alpha": 0.9, "beta": 1.0}  # the defaults
    (tmp_path / "q.json").write_text(json.dumps(query))
    answer = json.loads(
        run_pfsim("contagion", "eisenberg_noe", tmp_path / "q.json").stdout
    )
    p = np.asarray(answer["payments"])
    owed = liabilities.sum(axis=1)
    shortfall = np.where(owed > 0, owed * np.clip(1 - p / (owed + el), 0, 1), 0).sum()
    assert shortfall > 0
    assert series(path, "contagion_clearing_loss")[DAY] == pytest.approx(
        shortfall, rel=1e-9
    )
    # The write-offs are the clearing's shortfalls, in whole fen.
    assert series(path, "contagion_interbank_losses")[DAY] == pytest.approx(
        shortfall, rel=1e-6
    )
    # The defaulters of the clearing are the day's failed banks.
    failed_after, _ = snapshot(path, "interbank", DAY)
    assert set(answer["defaulted"]) == set(np.nonzero(failed_after["failed"])[0])


def test_audit_exact_on_cascade_days(run):
    # --audit step checks every balance sheet and the stock-flow identities after each day.
    for scenario in (BANK_FAILURE, TOPOLOGY):
        assert failures(run(scenario, audit="step")) >= 3


def test_bit_identical_across_threads(run):
    one = run(
        BANK_FAILURE,
        "interbank.contagion=eisenberg_noe",
        "events[0].loss_share=0.3",
        threads=1,
    )
    two = run(
        BANK_FAILURE,
        "interbank.contagion=eisenberg_noe",
        "events[0].loss_share=0.3",
        threads=2,
    )
    with h5py.File(one, "r") as a, h5py.File(two, "r") as b:
        for name in a["timeseries"]:
            assert np.array_equal(
                a["timeseries"][name][()], b["timeseries"][name][()], equal_nan=True
            ), name
        for network in ("interbank", "interbank_clearing"):
            for key in ("source", "target", "weight"):
                assert np.array_equal(
                    a["networks"][network]["edges"][key][()],
                    b["networks"][network]["edges"][key][()],
                ), (network, key)


def test_sim_networks_today(pfsim_exe):
    # A running Simulation hands out today's networks: pandas edge tables and
    # scipy.sparse matrices that agree with each other and with the ledger.
    pfsim = require_module("pfsim")
    scipy_sparse = require_module("scipy.sparse")
    sc = pfsim.Scenario(BANK_FAILURE)
    sim = pfsim.Simulation(sc, threads=2)
    sim.step(10)
    nets = sim.networks
    assert {"interbank", "colending", "fund_placements", "suppliers"} <= set(nets)
    assert "interbank_clearing" not in nets  # no failure today
    ib = nets["interbank"]
    assert len(ib.edges) >= 200 and (ib.edges["weight"] > 0).all()
    m = ib.matrix()
    assert scipy_sparse.issparse(m) and m.shape == (len(ib.nodes),) * 2
    assert m.sum() == pytest.approx(ib.edges["weight"].sum())
    # Σ claims = overnight + term interbank loans outstanding (RMB), today.
    books = sim.ledger.books()
    total = sum(
        int(books.loc[name, "total"])
        for name in ("bank.interbank_loans", "bank.term_interbank_loans")
    )
    scale = sc["run.scale"]
    assert m.sum() == pytest.approx(total / 100 * scale, rel=1e-12)
