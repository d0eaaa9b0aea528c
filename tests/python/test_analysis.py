"""The analysis package (analysis/): reading, comparing, figures, networks, the report.

Runs real small simulations with the CLI (session fixture, ≤ 120 days); skips
when the CLI is not built. Figures use the Agg backend.
"""
import html.parser
import json
import math
import os
import pathlib
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import analysis as pa  # noqa: E402

SMALL = {"consumers.count": 20000, "smes.count": 2000}
STEPS = 120


@pytest.fixture(scope="session")
def runs(pfsim_exe, tmp_path_factory):
    """Baseline and a co-funding shock (own share 0.30), seeds 1 and 2, 120 days."""
    folder = tmp_path_factory.mktemp("analysis")
    out = {"baseline": [], "shock": []}
    for seed in (1, 2):
        out["baseline"].append(
            pa.run_scenario(
                "baseline",
                folder / f"base_{seed}.h5",
                seed=seed,
                steps=STEPS,
                overrides=SMALL,
                threads=2,
                pfsim=pfsim_exe,
            )
        )
        out["shock"].append(
            pa.run_scenario(
                "baseline",
                folder / f"shock_{seed}.h5",
                seed=seed,
                steps=STEPS,
                overrides={**SMALL, "platform.own_funding_share": 0.3, "run.name": "cofunding30"},
                threads=2,
                pfsim=pfsim_exe,
            )
        )
    return out


@pytest.fixture(scope="session")
def reduced(runs, tmp_path_factory):
    """A copy of a results file without any platform_* or fund_* indicator (an older or leaner engine)."""
    path = tmp_path_factory.mktemp("reduced") / "reduced.h5"
    path.write_bytes(runs["shock"][0].read_bytes())
    with h5py.File(path, "r+") as f:
        for name in list(f["timeseries"]):
            if name.startswith(("platform_", "fund_")):
                del f["timeseries"][name]
    return path


# ---------------------------------------------------------------- reading


def test_open_results_reads_every_indicator_with_units(runs):
    ds = pa.open_results(runs["baseline"][0])
    assert isinstance(ds, xr.Dataset)
    assert ds.sizes["date"] == STEPS
    assert np.issubdtype(ds["date"].dtype, np.datetime64)
    assert (np.diff(ds["date"].values) == np.timedelta64(1, "D")).all()
    with h5py.File(runs["baseline"][0]) as f:
        names = {n for n in f["timeseries"] if n != "date"}
        assert set(ds.data_vars) == names
        for n in names:
            units = f["timeseries"][n].attrs["units"]
            assert ds[n].attrs["units"] == (units.decode() if isinstance(units, bytes) else units)
            assert ds[n].dtype == np.float64
    assert ds.attrs["seed"] == 1
    assert ds.attrs["scenario"] == "baseline"
    assert "consumers:" in ds.attrs["scenario_yaml"]
    assert ds.attrs["program_version"]
    assert pa.open_results(runs["shock"][0]).attrs["scenario"] == "cofunding30"


def test_open_results_matches_xarray_h5netcdf(runs):
    ours = pa.open_results(runs["baseline"][0])
    ref = xr.open_dataset(runs["baseline"][0], group="timeseries", engine="h5netcdf")
    try:
        np.testing.assert_array_equal(ours["date"].values, ref["date"].values)
        for n in ref.data_vars:
            np.testing.assert_array_equal(ours[n].values, ref[n].values)
    finally:
        ref.close()


def test_open_results_rejects_non_results_file(tmp_path):
    p = tmp_path / "x.h5"
    with h5py.File(p, "w") as f:
        f["a"] = [1, 2]
    with pytest.raises(ValueError, match="not a pfsim results file"):
        pa.open_results(p)


def test_open_many_stacks_runs(runs):
    paths = runs["baseline"] + runs["shock"]
    ds = pa.open_many(paths)
    assert ds.sizes["run"] == 4 and ds.sizes["date"] == STEPS
    assert list(ds["scenario"].values) == ["baseline", "baseline", "cofunding30", "cofunding30"]
    assert list(ds["seed"].values) == [1, 2, 1, 2]
    assert len(set(ds["run"].values)) == 4
    assert ds["consumption"].attrs["units"] == "RMB/day"


def test_to_tidy_has_one_row_per_run_date_indicator(runs):
    paths = runs["baseline"] + runs["shock"][:1]
    df = pa.to_tidy(paths)
    assert list(df.columns) == ["run", "scenario", "seed", "date", "indicator", "value", "units"]
    n_ind = len(pa.open_results(paths[0]).data_vars)
    assert len(df) == 3 * STEPS * n_ind
    assert not df.duplicated(["run", "date", "indicator"]).any()
    one = df[(df["run"] == df["run"].iloc[0]) & (df["indicator"] == "consumption")]
    np.testing.assert_array_equal(one["value"].to_numpy(), pa.open_results(paths[0])["consumption"].values)
    assert set(one["units"]) == {"RMB/day"}
    # the same through open_many, a mapping, and an indicator subset
    assert len(pa.to_tidy(pa.open_many(paths))) == len(df)
    sub = pa.to_tidy({"a": paths[0]}, indicators=["consumption", "no_such_indicator"])
    assert set(sub["indicator"]) == {"consumption"} and set(sub["run"]) == {"a"}


def test_indicator_table_and_metadata(runs):
    table = pa.indicator_table(runs["baseline"][0])
    assert table.loc["consumption", "units"] == "RMB/day"
    assert table.loc["consumption", "description"]
    meta = pa.metadata(runs["baseline"][0])
    assert meta["seed"] == 1 and isinstance(meta["events"], list)
    assert list(pa.events(runs["baseline"][0]).columns[:2]) == ["date", "type"]


# ---------------------------------------------------------------- comparing


def test_difference_and_ratio(runs):
    base, shock = runs["baseline"][0], runs["shock"][0]
    d = pa.difference(shock, base)
    r = pa.ratio(shock, base)
    b, s = pa.open_results(base), pa.open_results(shock)
    np.testing.assert_allclose(
        d["platform_funded_balance"], s["platform_funded_balance"] - b["platform_funded_balance"]
    )
    assert d["consumption"].attrs["units"] == "RMB/day"
    expected = s["consumption"].values / np.where(b["consumption"].values != 0, b["consumption"].values, np.nan)
    np.testing.assert_allclose(r["consumption"].values, expected)
    assert np.isnan(pa.ratio(base, base)["bank_failures"].values).all()  # 0 / 0 is no information
    # the rule: the shock funds a larger share itself
    assert float(d["platform_own_funding_share"][-30:].mean()) > 0


def test_compare_tidy(runs):
    df = pa.compare(runs["shock"], runs["baseline"][0], indicators=["consumption", "bank_equity"])
    assert {"difference", "ratio", "baseline", "value"} <= set(df.columns)
    assert len(df) == 2 * 2 * STEPS
    np.testing.assert_allclose(df["difference"], df["value"] - df["baseline"])


def test_mean_ci_student_t():
    m, lo, hi, n = pa.mean_ci([1.0, 2.0, 3.0, np.nan])
    assert (m, n) == (2.0, 3)
    # t(0.975, 2) = 4.302652729911275; s = 1
    assert math.isclose(hi - m, 4.302652729911275 / math.sqrt(3), rel_tol=1e-9)
    assert math.isclose(m - lo, hi - m)
    m, lo, hi, n = pa.mean_ci([5.0])
    assert m == 5.0 and math.isnan(lo) and math.isnan(hi) and n == 1


def test_seed_bands_groups_everything_but_the_seed():
    df = pd.DataFrame(
        {
            "variant": ["a"] * 3 + ["b"] * 3,
            "seed": [1, 2, 3] * 2,
            "indicator": "x",
            "value": [1.0, 2.0, 3.0, 10.0, 10.0, 10.0],
        }
    )
    bands = pa.seed_bands(df, bounded=False)
    assert list(bands["variant"]) == ["a", "b"]
    assert list(bands["mean"]) == [2.0, 10.0] and list(bands["n"]) == [3, 3]
    a = bands.iloc[0]
    assert math.isclose(a["ci_high"] - a["mean"], 4.302652729911275 / math.sqrt(3))
    assert bands.iloc[1]["ci_low"] == bands.iloc[1]["ci_high"] == 10.0
    # bounded (the default): the same as mean_ci with the range the values show
    bounded = pa.seed_bands(df)
    assert list(bounded["scale"]) == ["log", "log"]
    m, lo, hi, _ = pa.mean_ci([1.0, 2.0, 3.0], lower=0.0)
    assert math.isclose(bounded.iloc[0]["ci_low"], lo) and math.isclose(bounded.iloc[0]["ci_high"], hi)


def test_seed_bands_stay_within_the_range_of_the_quantity():
    # 3 seeds, the cases: a count near 0 and an approval rate near its bounds
    df = pd.DataFrame(
        {
            "seed": [1, 2, 3] * 4,
            "date": ["d1"] * 3 + ["d2"] * 3 + ["d1"] * 3 + ["d2"] * 3,
            "indicator": ["write_offs_bank"] * 6 + ["approval_rate_bank"] * 6,
            "units": ["RMB"] * 6 + ["1"] * 6,
            "value": [0.0, 0.0, 306.0, 10.0, 12.0, 11.0, 0.02, 0.0, 0.9, 1.0, 0.5, 0.98],
        }
    )
    bands = pa.seed_bands(df)
    rates = bands[bands["indicator"] == "approval_rate_bank"]
    counts = bands[bands["indicator"] == "write_offs_bank"]
    assert set(rates["scale"]) == {"logit"} and set(counts["scale"]) == {"log"}
    assert (rates["ci_low"] >= 0).all() and (rates["ci_high"] <= 1).all()
    assert (counts["ci_low"] >= 0).all()
    assert ((bands["ci_low"] <= bands["mean"]) & (bands["mean"] <= bands["ci_high"])).all()
    plain = pa.seed_bands(df, bounded=False)
    assert (plain["ci_low"] < 0).any()  # what the Student-t band would have said
    # a quantity that can be negative keeps the symmetric band
    diff = df.assign(indicator="d", units="RMB", value=df["value"] - 0.5)
    assert set(pa.seed_bands(diff)["scale"]) == {"linear"}


def test_headline_effects_paired_by_seed(runs):
    table = pa.headline_effects(runs["shock"], runs["baseline"], last_days=30)
    for name in ("consumption", "platform_funded_balance", "colent_bank_funded_balance", "bank_capital_ratio"):
        assert name in table.index
    # the scenario's look_at list first, then the standard list
    focus = pa.look_at(runs["shock"])
    assert list(table.index[: len(focus)]) == focus
    assert set(table.index) <= set(pa.HEADLINE_INDICATORS) | set(focus)
    for col in (
        "baseline",
        "scenario",
        "difference",
        "pct_change",
        "difference_ci_low",
        "difference_ci_high",
        "pct_change_ci_low",
        "pct_change_ci_high",
        "scenario_ci_low",
        "baseline_ci_high",
    ):
        assert col in table.columns
    assert table["paired"].all() and (table["n"] == 2).all()
    row = table.loc["platform_funded_balance"]
    # the numbers agree with a hand computation from the files
    per_seed = []
    for b, s in zip(runs["baseline"], runs["shock"]):
        bv = float(pa.open_results(b)["platform_funded_balance"][-30:].mean())
        sv = float(pa.open_results(s)["platform_funded_balance"][-30:].mean())
        per_seed.append((bv, sv))
    assert math.isclose(row["baseline"], np.mean([p[0] for p in per_seed]), rel_tol=1e-12)
    assert math.isclose(row["difference"], np.mean([p[1] - p[0] for p in per_seed]), rel_tol=1e-9)
    assert math.isclose(row["pct_change"], np.mean([100 * (p[1] - p[0]) / p[0] for p in per_seed]), rel_tol=1e-9)
    assert row["difference_ci_low"] <= row["difference"] <= row["difference_ci_high"]
    assert row["difference"] > 0  # the shock funds more itself


def test_headline_effects_single_run_and_unpaired(runs):
    one = pa.headline_effects(runs["baseline"][0], indicators=["consumption", "not_recorded"], last_days=10)
    assert list(one.index) == ["consumption"]
    assert math.isnan(one.loc["consumption", "scenario_ci_low"])
    unpaired = pa.headline_effects(runs["shock"][:1], runs["baseline"], indicators=["consumption"])
    assert not unpaired["paired"].any()
    assert math.isnan(unpaired.loc["consumption", "difference_ci_low"])  # one scenario seed: no interval


# ---------------------------------------------------------------- figures

EXPECTED_PANELS = {
    "credit_by_funder": {
        "panel:funder": ["platform_funded_balance", "colent_bank_funded_balance"],
        "panel:borrower": ["consumer_credit_balance", "sme_credit_balance"],
        "panel:share": ["platform_own_funding_share"],
        "panel:new": ["new_loans_platform", "new_loans_bank"],
    },
    "defaults_by_lender": {
        "panel:dpd30": ["consumer_dpd30_ratio", "sme_dpd30_ratio"],
        "panel:dpd90": ["consumer_dpd90_ratio", "bank_npl_ratio"],
        "panel:writeoffs": ["write_offs_platform", "write_offs_bank"],
        "panel:loss": ["loss_rate_platform", "loss_rate_bank"],
    },
    "bank_capital": {
        "panel:ratios": [
            "bank_capital_ratio",
            "bank_capital_ratio_min",
            "bank_capital_ratio_p10",
            "bank_capital_ratio_median",
        ],
        "panel:equity": ["bank_equity"],
    },
    "fund_flows": {
        "panel:assets": ["fund_assets"],
        "panel:flows": ["fund_subscriptions", "fund_redemptions"],
        "panel:yield": ["fund_yield"],
        "panel:confidence": ["fund_confidence"],
    },
    "platform_finances": {
        "panel:revenue": [
            "platform_revenue_payments",
            "platform_revenue_credit",
            "platform_revenue_investment",
            "platform_revenue_total",
        ],
        "panel:equity": ["platform_equity", "platform_valuation"],
        "panel:leverage": ["platform_leverage"],
    },
    "contagion": {
        "panel:failures": ["bank_failures"],
        "panel:resolution": ["bank_resolution_cost"],
        "panel:liquidity": ["central_bank_lending"],
    },
}


def _lines(ax):
    return [ln.get_gid() for ln in ax.get_lines()]


@pytest.mark.parametrize("name", list(EXPECTED_PANELS))
def test_standard_figure_has_expected_panels_and_lines(runs, name):
    fn, title = pa.FIGURES[name]
    fig = fn(runs["shock"][0], baseline=runs["baseline"][0])
    assert isinstance(fig, Figure)
    axes = {ax.get_gid(): ax for ax in fig.axes if ax.get_gid()}
    for panel, indicators in EXPECTED_PANELS[name].items():
        assert panel in axes, f"{name}: no {panel} in {list(axes)}"
        gids = _lines(axes[panel])
        for ind in indicators:
            assert ind in gids, f"{name}/{panel}: no line for {ind}"
            assert f"baseline:{ind}" in gids, f"{name}/{panel}: no baseline line for {ind}"
            line = next(ln for ln in axes[panel].get_lines() if ln.get_gid() == ind)
            assert len(line.get_xdata()) == STEPS
    assert fig._suptitle is not None and title.split()[0] in fig._suptitle.get_text()


def test_capital_figure_draws_the_requirement(runs):
    fig = pa.bank_capital(runs["baseline"][0])
    ax = next(a for a in fig.axes if a.get_gid() == "panel:ratios")
    assert "reference" in _lines(ax)  # banks.capital_minimum read from the scenario text


def test_figures_degrade_when_indicators_are_missing(reduced):
    fig = pa.platform_finances(reduced)
    empty = {ax.get_gid() for ax in fig.axes if [t.get_text() for t in ax.texts] == ["not recorded"]}
    assert empty == {"panel:revenue", "panel:equity", "panel:leverage"}
    payments = next(a for a in fig.axes if a.get_gid() == "panel:payments")
    assert _lines(payments) == ["mobile_payment_share_platform"]
    fig = pa.credit_by_funder(reduced)
    funder = next(a for a in fig.axes if a.get_gid() == "panel:funder")
    assert _lines(funder) == ["colent_bank_funded_balance"]
    table = pa.headline_effects(reduced)
    assert "consumption" in table.index and "platform_equity" not in table.index


def test_plot_indicators_and_overlay_of_several_runs(runs):
    fig = pa.plot_indicators(
        {"base": runs["baseline"][0], "shock": runs["shock"][0]}, ["consumption", "money_supply", "missing_one"]
    )
    axes = {ax.get_gid(): ax for ax in fig.axes}
    assert _lines(axes["panel:consumption"]) == ["consumption", "shock:consumption"]
    assert [t.get_text() for t in axes["panel:missing_one"].texts] == ["not recorded"]


def test_plot_bands_draws_mean_and_band():
    dates = pd.date_range("2019-01-01", periods=5)
    df = pd.DataFrame(
        [
            {"variant": v, "seed": s, "date": d, "indicator": "x", "units": "RMB", "value": 1e9 * (k + s)}
            for v in ("a", "b")
            for s in (1, 2, 3)
            for k, d in enumerate(dates)
        ]
    )
    fig = pa.plot_bands(pa.seed_bands(df))
    (ax,) = fig.axes[:1]
    assert _lines(ax) == ["a:x", "b:x"]
    assert len(ax.collections) == 2  # one CI band per variant


# ---------------------------------------------------------------- networks (no CLI needed)


def _ring():
    return np.array([[0, 10, 0], [0, 0, 10], [4, 0, 0]], float)


def test_liabilities_matrix_forms():
    dense = _ring()
    assert (pa.liabilities_matrix(dense) == dense).all()
    edges = [(0, 1, 10), (1, 2, 4), (1, 2, 6), (2, 0, 4), (1, 1, 5)]
    assert (pa.liabilities_matrix(edges) == dense).all()  # duplicates summed, diagonal dropped
    sparse = {"size": 3, "entries": [[0, 1, 10], [1, 2, 10], [2, 0, 4]]}
    assert (pa.liabilities_matrix(sparse) == dense).all()


@pytest.mark.parametrize("kind", ["circular", "spring", "shell"])
def test_layouts_are_deterministic(kind):
    m, groups = pa.core_periphery_network(3, 9, seed=5)
    a = pa.layout(m, kind, groups=groups, seed=1)
    b = pa.layout(m, kind, groups=groups, seed=1)
    assert a.shape == (12, 2) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)


def test_plot_network_colours_nodes_by_distress():
    h = np.array([1.0, 0.4, 0.0])
    fig = pa.plot_network(_ring(), h, title="ring")
    ax = fig.axes[0]
    nodes = next(c for c in ax.collections if c.get_gid() == "nodes")
    np.testing.assert_array_equal(nodes.get_array(), h)
    assert sum(p.get_gid() == "edge" for p in ax.patches) == 3
    assert len(fig.axes) == 2  # the network and its colour bar
    big = pa.plot_network(np.ones((30, 30)), np.zeros(30), colorbar=False)  # 870 edges: one LineCollection
    assert any(c.get_gid() == "edges" for c in big.axes[0].collections)
    with pytest.raises(ValueError, match="distress"):
        pa.plot_network(_ring(), [0.0, 1.0])


def test_plot_cascade_small_multiples_and_animation():
    rounds = [[1, 0, 0], [1, 0.5, 0], [1, 1, 0.2]]
    fig = pa.plot_cascade(_ring(), rounds, ncols=2)
    gids = [ax.get_gid() for ax in fig.axes]
    assert [g for g in gids if g and g.startswith("round:")] == ["round:0", "round:1", "round:2"]
    anim = pa.animate_cascade(_ring(), rounds)
    html_text = anim.to_jshtml()
    assert "<img" in html_text and "data:image/png;base64" in html_text


def test_core_periphery_network_shape():
    m, (core, periphery) = pa.core_periphery_network(4, 10, seed=2, links_up=2)
    assert m.shape == (14, 14) and (np.diag(m) == 0).all() and (m >= 0).all()
    assert core == [0, 1, 2, 3] and periphery == list(range(4, 14))
    for p in periphery:  # two core counterparties, none in the periphery
        assert np.count_nonzero(m[p, :4] + m[:4, p]) == 2
        assert not (m[p, 4:] + m[4:, p]).any()


# ---------------------------------------------------------------- the report


class _Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.figures, self.images, self.svgs, self.rows, self.ids, self.links = [], [], [], [], set(), []
        self._figure = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "figure":
            self._figure = a.get("id")
            self.figures.append(a.get("id"))
        if tag == "img":
            self.images.append((self._figure, a.get("alt", ""), a.get("src", "")))
        if tag == "svg":
            self.svgs.append((self._figure, a.get("aria-label", "")))
        if tag == "tr" and "data-indicator" in a:
            self.rows.append(a["data-indicator"])
        for key in ("href", "src"):
            if key in a and tag in ("link", "script", "img", "a"):
                self.links.append(a[key])

    def handle_endtag(self, tag):
        if tag == "figure":
            self._figure = None


def test_report_is_self_contained_with_every_figure_and_the_table(runs, tmp_path):
    out = tmp_path / "report.html"
    text = pa.build_report(runs["shock"], runs["baseline"], out=out, last_days=30)
    assert out.read_text(encoding="utf-8") == text
    page = _Page()
    page.feed(text)
    for name in pa.FIGURES:
        assert f"fig-{name}" in page.figures
        img = [i for i in page.images if i[0] == f"fig-{name}"]
        assert len(img) == 1 and img[0][1].startswith(name) and img[0][2].startswith("data:image/png;base64,")
    expected = pa.headline_effects(runs["shock"], runs["baseline"]).index.tolist()
    assert page.rows == expected and "consumption" in page.rows
    assert "headline-effects" in page.ids and "scenario-text" in page.ids
    assert all(link.startswith("data:") for link in page.links)  # nothing external
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text
    assert "own_funding_share: 0.3" in text  # the resolved scenario text
    diff = text.split('<pre id="scenario-diff">', 1)[1].split("</pre>", 1)[0]
    assert "-  own_funding_share: 0.02" in diff and "+  own_funding_share: 0.3" in diff
    assert "seeds 1, 2" in text
    blob = text.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    assert [r["indicator"] for r in json.loads(blob)["headline_effects"]] == expected


def test_report_svg_and_without_baseline(runs):
    text = pa.build_report(runs["baseline"][0], image_format="svg", figures=["bank_capital", "fund_flows"])
    page = _Page()
    page.feed(text)
    assert [f for f in page.figures] == ["fig-bank_capital", "fig-fund_flows"]
    assert [s[0] for s in page.svgs] == ["fig-bank_capital", "fig-fund_flows"]
    assert page.images == []
    assert "consumption" in page.rows


def test_report_command_line(runs, tmp_path):
    out = tmp_path / "cli.html"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "report",
            str(runs["shock"][0]),
            "--baseline",
            str(runs["baseline"][0]),
            "-o",
            str(out),
            "--figures",
            "bank_capital,contagion",
            "--last-days",
            "20",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    page = _Page()
    page.feed(out.read_text(encoding="utf-8"))
    assert page.figures == ["fig-bank_capital", "fig-contagion"]
    assert "consumption" in page.rows and "last 20 days" in out.read_text(encoding="utf-8")
    bad = subprocess.run(
        [sys.executable, "-m", "analysis", "report", str(tmp_path / "missing.h5"), "-o", str(tmp_path / "x.html")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert bad.returncode == 2 and "error" in bad.stderr


def test_report_on_a_file_missing_indicators(reduced, tmp_path):
    text = pa.build_report(reduced, figures=["platform_finances", "credit_by_funder"])
    page = _Page()
    page.feed(text)
    assert "platform_equity" not in page.rows and "consumption" in page.rows


@pytest.fixture(scope="session")
def with_events(runs, tmp_path_factory):
    """A results file with two events written in the documented /events layout
    (the engine may not record shocks yet; the reader must not depend on it)."""
    path = tmp_path_factory.mktemp("events") / "events.h5"
    path.write_bytes(runs["shock"][0].read_bytes())
    with h5py.File(path, "r+") as f:
        g = f["events"]
        for name in g:
            g[name].resize((2,))
        g["event"][:] = [0, 1]
        g["day"][:] = [10, 40]
        g["type"][:] = ["cofunding_floor", "bank_failure"]
        g["parameters"][:] = ['{"share": 0.3}', '{"bank": 3}']
        g["condition"][:] = ["", "step > 30"]
    return path


def test_events_are_read_drawn_and_reported(with_events):
    ev = pa.events(with_events)
    assert list(ev["type"]) == ["cofunding_floor", "bank_failure"]
    assert list(ev["date"].dt.strftime("%Y-%m-%d")) == ["2019-01-11", "2019-02-10"]
    assert json.loads(ev["parameters"][0]) == {"share": 0.3}
    assert list(ev["condition"]) == ["", "step > 30"]
    fig = pa.credit_by_funder(with_events)
    funder = next(a for a in fig.axes if a.get_gid() == "panel:funder")
    assert _lines(funder).count("event") == 2
    text = pa.build_report(with_events, figures=["contagion"])
    table = text.split('<table id="events-table">', 1)[1].split("</table>", 1)[0]
    assert "cofunding_floor" in table and "2019-02-10" in table and "step &gt; 30" in table


def test_open_results_reads_a_killed_runs_partial_file(pfsim_exe, tmp_path):
    import signal
    import time

    out = tmp_path / "killed.h5"
    args = [
        str(pfsim_exe),
        "run",
        str(ROOT / "scenarios/baseline.yaml"),
        "--out",
        str(out),
        "-q",
        "--steps",
        "3000",
        "--threads",
        "1",
        "--set",
        "consumers.count=5000",
        "--set",
        "smes.count=500",
        "--set",
        "run.flush_every_steps=10",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    partial = tmp_path / "killed.h5.partial"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.3)
            if partial.exists():
                try:
                    if pa.open_results(partial).sizes["date"] >= 20:
                        break
                except (OSError, ValueError, KeyError):
                    pass  # the writer is still setting the file up
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    if not partial.exists():
        pytest.skip("the run finished or wrote no .partial before it could be killed")
    ds = pa.open_results(partial)
    assert ds.sizes["date"] >= 20 and ds.sizes["date"] % 10 == 0  # whole flushes only
    assert np.isfinite(ds["consumption"].values).all()
    assert ds.attrs["scenario"] == "baseline"


def pfsim_scenario(ds):
    return pa._pfsim.pfsim().Scenario.from_yaml(ds.attrs["scenario_yaml"])


@pytest.mark.parametrize("have_yaml", [True, False])
def test_scenario_parameters_with_and_without_pyyaml(runs, monkeypatch, have_yaml):
    if not have_yaml:
        monkeypatch.setitem(sys.modules, "yaml", None)  # `import yaml` raises ImportError
    ds = pa.open_results(runs["shock"][0])
    assert ds.attrs["scenario"] == "cofunding30"
    assert pa.scenario_parameter(ds, "platform.own_funding_share") == 0.3
    assert pa.scenario_parameter(ds, "consumers.count") == 20000
    assert isinstance(pa.scenario_parameter(ds, "banks.capital_minimum"), float)
    assert pa.scenario_parameter(ds, "no.such.key") is None
    # read with pfsim.Scenario's key-path parser, list items included
    assert pa.scenario_parameter(ds, "banks.tiers[1].count") == pfsim_scenario(ds)["banks.tiers[1].count"]
    fig = pa.bank_capital(ds)
    ax = next(a for a in fig.axes if a.get_gid() == "panel:ratios")
    assert _lines(ax).count("reference") >= 1
