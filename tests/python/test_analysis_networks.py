"""Networks recorded by a simulation (/networks): read back and drawn."""
import numpy as np
import pytest

import analysis as pa


def test_snapshots_are_monthly_and_consistent_with_the_ledger(small_run):
    dates = pa.network_dates(small_run, "interbank")
    # 120 days, a snapshot every 30 days from day 0 (interbank.snapshot_every_days).
    assert [str(d) for d in dates] == ["2019-01-01", "2019-01-31", "2019-03-02", "2019-04-01"]
    for name in ("interbank", "colending", "fund_placements"):
        nodes, edges, when = pa.read_network(small_run, name)
        assert when == dates[-1]
        assert (nodes["node_kind"] == "bank").sum() == 48
        assert set(nodes.columns) >= {"equity", "capital_ratio", "failed", "tier", "node_index"}
        assert (edges["weight"] > 0).all()
        assert edges["source"].between(0, len(nodes) - 1).all()
        assert edges["target"].between(0, len(nodes) - 1).all()
    # Co-lending: every edge runs from the platform node to a bank.
    nodes, edges, _ = pa.read_network(small_run, "colending")
    assert set(nodes.loc[edges["source"], "node_kind"]) == {"platform"}
    assert set(nodes.loc[edges["target"], "node_kind"]) == {"bank"}
    # Supplier links: one per active SME with sales, buyer → supplier, among SMEs.
    nodes, edges, _ = pa.read_network(small_run, "suppliers")
    assert set(nodes["node_kind"]) == {"sme"}
    assert len(edges) > 0.5 * len(nodes)
    assert (edges["source"] != edges["target"]).all()
    # Fund placements add up to the fund's deposits: every edge ends at the fund.
    nodes, edges, _ = pa.read_network(small_run, "fund_placements")
    assert set(nodes.loc[edges["target"], "node_kind"]) == {"fund"}


def test_a_snapshot_by_date_and_errors(small_run):
    _, _, when = pa.read_network(small_run, "interbank", "2019-02-15")
    assert str(when) == "2019-01-31"
    with pytest.raises(ValueError, match="on or before"):
        pa.read_network(small_run, "interbank", "2018-12-31")
    with pytest.raises(KeyError):
        pa.read_network(small_run, "no_such_network")


def test_the_snapshot_is_drawn_coloured_by_distress(small_run):
    fig = pa.plot_network_snapshot(small_run, "fund_placements")
    assert "fund_placements network" in fig.axes[0].get_title()
    assert len(fig.axes[0].collections) >= 1
    assert np.isfinite(fig.get_size_inches()).all()
