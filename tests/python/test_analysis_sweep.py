"""analysis.sweep: a grid × seeds run with the CLI in parallel (2 variants × 2 seeds × 60 days)."""
import math
import pathlib
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import analysis as pa  # noqa: E402

SMALL = {"consumers.count": 20000, "smes.count": 2000}
GRID = {"platform.own_funding_share": [0.02, 0.3]}
STEPS = 60


@pytest.fixture(scope="module")
def swept(pfsim_exe, tmp_path_factory):
    work = tmp_path_factory.mktemp("sweep")
    df = pa.sweep(
        "baseline", GRID, seeds=[1, 2], steps=STEPS, overrides=SMALL, processes=2, pfsim=pfsim_exe, workdir=work
    )
    return df, work


def test_expand_grid_and_labels():
    assert pa.expand_grid(None) == [{}]
    assert pa.expand_grid({"a.x": [1, 2], "b": [3]}) == [{"a.x": 1, "b": 3}, {"a.x": 2, "b": 3}]
    assert pa.expand_grid([{"a": 1}, {"a": 2, "b": 0}]) == [{"a": 1}, {"a": 2, "b": 0}]
    assert pa.variant_label({"platform.own_funding_share": 0.3}) == "own_funding_share=0.3"
    assert pa.variant_label({"a.limit": 1, "b.limit": 2}) == "a.limit=1, b.limit=2"
    assert pa.variant_label({}) == "default"


def test_sweep_tidy_rows(swept):
    df, work = swept
    n_ind = df["indicator"].nunique()
    assert n_ind >= 10
    assert len(df) == 2 * 2 * STEPS * n_ind
    assert list(df.columns) == ["variant", "platform.own_funding_share", "seed", "date", "indicator", "value", "units"]
    assert sorted(df["variant"].unique()) == ["own_funding_share=0.02", "own_funding_share=0.3"]
    assert sorted(df["seed"].unique()) == [1, 2]
    assert not df.duplicated(["variant", "seed", "date", "indicator"]).any()
    # files were kept in the work folder, and the frame holds exactly their values
    assert len(df.attrs["files"]) == 4
    f = df.attrs["files"][("own_funding_share=0.3", 2)]
    assert pathlib.Path(f).parent == work
    ds = pa.open_results(f)
    assert ds.attrs["seed"] == 2 and ds.sizes["date"] == STEPS
    part = df[(df["variant"] == "own_funding_share=0.3") & (df["seed"] == 2) & (df["indicator"] == "consumption")]
    np.testing.assert_array_equal(part["value"].to_numpy(), ds["consumption"].values)
    assert "own_funding_share: 0.3" in ds.attrs["scenario_yaml"]


def test_sweep_bands_have_ci_columns(swept):
    df, _ = swept
    bands = pa.sweep_bands(df)
    for col in (
        "variant",
        "platform.own_funding_share",
        "date",
        "indicator",
        "units",
        "mean",
        "std",
        "n",
        "ci_low",
        "ci_high",
    ):
        assert col in bands.columns
    assert "seed" not in bands.columns
    assert len(bands) == 2 * STEPS * df["indicator"].nunique()
    assert (bands["n"] <= 2).all()
    ok = bands.dropna(subset=["ci_low"])
    assert len(ok) > 0 and (ok["ci_low"] <= ok["mean"] + 1e-9 * ok["mean"].abs()).all()
    assert (ok["ci_high"] >= ok["mean"] - 1e-9 * ok["mean"].abs()).all()
    # the band is the Student-t interval of the two seeds on the log scale
    # (consumption cannot be negative), as mean_ci gives it
    row = bands[(bands["indicator"] == "consumption")].iloc[-1]
    assert row["scale"] == "log"
    vals = df[(df["variant"] == row["variant"]) & (df["date"] == row["date"]) & (df["indicator"] == "consumption")]
    m, lo, hi, n = pa.mean_ci(vals["value"], lower=0.0)
    assert n == 2 and math.isclose(row["mean"], m) and math.isclose(row["ci_low"], lo)
    assert math.isclose(row["ci_high"], hi)
    shares = bands[bands["units"] == "1"].dropna(subset=["ci_low"])
    assert (shares[shares["scale"] == "logit"]["ci_high"] <= 1).all()


def test_sweep_summary_form(swept):
    df, _ = swept
    summary = pa.summarize(df, last_days=30)
    assert list(summary.columns) == ["variant", "platform.own_funding_share", "seed", "indicator", "units", "value"]
    assert len(summary) == 2 * 2 * df["indicator"].nunique()
    bands = pa.sweep_bands(summary)
    assert len(bands) == 2 * df["indicator"].nunique()
    share = bands[bands["indicator"] == "platform_own_funding_share"].set_index("variant")["mean"]
    assert share["own_funding_share=0.3"] > share["own_funding_share=0.02"]  # the rule binds in the model
    fig = pa.plot_bands(pa.sweep_bands(df), ["platform_funded_balance", "colent_bank_funded_balance"])
    assert len(fig.axes) == 2


def test_sweep_summary_directly_and_temp_files_removed(pfsim_exe):
    df = pa.sweep(
        "baseline",
        [{"platform.leverage_limit": 5}],
        seeds=[3],
        steps=10,
        overrides=SMALL,
        processes=1,
        pfsim=pfsim_exe,
        form="summary",
        last_days=5,
        indicators=["consumption", "bank_equity"],
    )
    assert list(df["indicator"]) == ["consumption", "bank_equity"]
    assert list(df.columns) == ["variant", "platform.leverage_limit", "seed", "indicator", "units", "value"]
    assert df.attrs["files"] == {}  # a temporary folder, already removed


def test_sweep_reports_failed_runs(pfsim_exe):
    with pytest.raises(pa.SweepError, match="no_such_parameter"):
        pa.sweep(
            "baseline",
            {"platform.no_such_parameter": [1]},
            seeds=[1],
            steps=5,
            overrides=SMALL,
            processes=1,
            pfsim=pfsim_exe,
        )
