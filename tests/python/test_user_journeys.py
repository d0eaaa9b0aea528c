"""What users tripped on (issue 17): reports that answer the scenario's
question, guarded comparisons, --population, one-pass validation and the
`pfsim headline` / `pfsim tidy` subcommands.

Three seeds of the classroom co-funding scenario and of the baseline at the
same size (--population 5000), 300 days each (the rule comes on day 258).
"""
import html.parser
import json
import math
import sys

import numpy as np
import pytest

from conftest import ROOT, run_pfsim

sys.path.insert(0, str(ROOT))
import analysis as pa  # noqa: E402

STEPS = 300
SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def runs(pfsim_exe, tmp_path_factory):
    folder = tmp_path_factory.mktemp("journeys")
    out = {"shock": [], "baseline": []}
    for seed in SEEDS:
        shock, base = folder / f"shock_{seed}.h5", folder / f"base_{seed}.h5"
        common = ["--steps", STEPS, "--seed", seed, "--threads", 2, "-q"]
        run_pfsim("run", ROOT / "scenarios/classroom_cofunding.yaml", "--out", shock, *common)
        proc = run_pfsim("run", ROOT / "scenarios/baseline.yaml", "--out", base, "--population", 5000, *common)
        assert "warning" not in proc.stderr
        out["shock"].append(shock)
        out["baseline"].append(base)
    out["folder"] = folder
    return out


class _Rows(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.look_at, self.figures = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-indicator" in a:
            self.rows.append(a["data-indicator"])
            if "look-at" in (a.get("class") or ""):
                self.look_at.append(a["data-indicator"])
        if tag == "figure":
            self.figures.append(a.get("id"))


def _rows(path):
    page = _Rows()
    page.feed(path.read_text(encoding="utf-8"))
    return page


LOOK_AT = [
    "policy_own_funding_share", "platform_own_funding_share", "platform_funded_balance", "platform_leverage",
    "consumer_credit_balance", "sme_credit_balance", "colent_bank_funded_balance", "bank_consumer_loan_balance",
    "new_loans_bank",
]


# ---------------------------------------------------------------- reports


def test_report_defaults_to_the_scenarios_look_at_list(runs, tmp_path):
    out = tmp_path / "r.html"
    run_pfsim("report", *runs["shock"], "--baseline", *runs["baseline"], "-o", out, "--figures",
              "look_at,bank_capital", "--svg", timeout=600)
    page = _rows(out)
    assert page.rows[: len(LOOK_AT)] == LOOK_AT
    assert page.look_at == LOOK_AT
    assert page.figures[0] == "fig-look_at"
    text = out.read_text(encoding="utf-8")
    # events are labelled, the warm-up is marked, seeds drawn as bands
    assert 'id="event-label' in text and "cofunding_floor" in text
    assert 'id="warmup' in text and "warm-up" in text
    assert 'id="band:' in text
    assert "logit scale" in text  # the note says how intervals are built


def test_report_indicators_and_window(runs, tmp_path):
    out = tmp_path / "w.html"
    run_pfsim("report", *runs["shock"], "--baseline", *runs["baseline"], "-o", out, "--figures", "bank_capital",
              "--indicators", "new_loan_pd_bank,approval_rate_bank", "--window", 30, timeout=600)
    page = _rows(out)
    assert page.rows == ["new_loan_pd_bank", "approval_rate_bank"]
    assert "fig-window-0" in page.figures and "2019-09-16" in out.read_text(encoding="utf-8")
    bad = run_pfsim("report", *runs["shock"], "-o", tmp_path / "x.html", "--indicators", "nope", check=False,
                    timeout=600)
    assert bad.returncode == 2 and "nope" in bad.stderr


def test_intervals_stay_within_the_range_of_the_quantity(runs):
    table = pa.headline_effects(runs["shock"], runs["baseline"], last_days=30)
    assert (table["n"] == 3).all()
    checked = 0
    for name, row in table.iterrows():
        scale = row["interval_scale"]
        for side in ("scenario", "baseline"):
            lo, m, hi = row[f"{side}_ci_low"], row[side], row[f"{side}_ci_high"]
            if math.isnan(lo):
                continue
            assert lo <= m + 1e-9 * abs(m) and m <= hi + 1e-9 * abs(m), (name, side)
            if scale in ("log", "logit"):
                assert lo >= 0, (name, side, lo)
                checked += 1
            if scale == "logit":
                assert hi <= 1, (name, side, hi)
        if scale in ("log", "logit") and not math.isnan(row["pct_change_ci_low"]):
            assert row["pct_change_ci_low"] >= -100, name
    assert checked > 10
    assert table.loc["consumer_dpd90_ratio", "interval_scale"] == "logit"
    assert table.loc["consumption", "interval_scale"] == "log"
    # a hand example: three non-negative values whose t-interval would go below 0
    m, lo, hi, n = pa.mean_ci([0.0, 10.0, 300.0], lower=0)
    assert lo > 0 and hi > m and n == 3
    m, lo, hi, n = pa.mean_ci([0.02, 0.9, 0.99], lower=0, upper=1)
    assert 0 < lo < m < hi < 1
    m, lo0, hi0, n = pa.mean_ci([0.0, 10.0, 300.0])
    assert lo0 < 0  # the plain Student-t interval is what users tripped on


def test_a_mismatched_baseline_is_refused(runs, tmp_path):
    other = tmp_path / "short.h5"
    run_pfsim("run", ROOT / "scenarios/baseline.yaml", "--out", other, "--population", 5000, "--steps", 200,
              "-q", "--threads", 2)
    for cmd in (["report", "-o", tmp_path / "m.html"], ["headline"]):
        proc = run_pfsim(*cmd, runs["shock"][0], "--baseline", other, check=False, timeout=600)
        assert proc.returncode == 2, proc.stderr
        assert "300 days vs 200 days" in proc.stderr and "--allow-mismatch" in proc.stderr
    assert not (tmp_path / "m.html").exists()
    big = tmp_path / "big.h5"
    run_pfsim("run", ROOT / "scenarios/baseline.yaml", "--out", big, "--set", "consumers.count=6000",
              "--steps", STEPS, "-q", "--threads", 2, "--set", "run.scale=200000", "--set", "smes.count=500")
    proc = run_pfsim("headline", runs["shock"][0], "--baseline", big, check=False, timeout=600)
    assert proc.returncode == 2 and "consumers.count 5000 vs 6000" in proc.stderr
    ok = run_pfsim("headline", runs["shock"][0], "--baseline", other, "--allow-mismatch", timeout=600)
    assert "consumption" in ok.stdout


def test_headline_and_tidy_subcommands_work_from_any_folder(runs, tmp_path):
    proc = run_pfsim("headline", *runs["shock"], "--baseline", *runs["baseline"], "--csv", cwd=tmp_path,
                     timeout=600)
    first = proc.stdout.splitlines()[1].split(",")[0]
    assert first == LOOK_AT[0]
    out = tmp_path / "tidy.csv"
    run_pfsim("tidy", runs["shock"][0], "-o", out, cwd=tmp_path, timeout=600)
    head = out.read_text().splitlines()[0]
    assert head == "run,scenario,seed,date,indicator,value,units"
    assert len(out.read_text().splitlines()) > STEPS * 50


# ---------------------------------------------------------------- the command line


def test_population_keeps_consumption_per_capita(pfsim_exe, tmp_path):
    def mean_consumption(*args):
        out = tmp_path / f"p{len(list(tmp_path.iterdir()))}.h5"
        proc = run_pfsim("run", ROOT / "scenarios/classroom_cofunding.yaml", "--out", out, "--steps", 120, "-q",
                         "--threads", 2, *args)
        return float(pa.open_results(out)["consumption"][-60:].mean()), proc.stderr

    # consumption is economy-wide (agents × run.scale): the same economy gives the same total
    ref, _ = mean_consumption()
    doubled, err = mean_consumption("--population", 10000)
    assert err == ""
    assert abs(doubled / ref - 1) < 0.02
    # what users did before: one count alone — a warning, and a different economy
    alone, err = mean_consumption("--set", "consumers.count=10000")
    assert "warning" in err and "--population" in err
    assert alone / ref > 1.5


def test_population_out_of_range_is_bad_input(pfsim_exe, tmp_path):
    # 5,000 agents standing for one person each: 10,000 agents would need run.scale 0.5
    proc = run_pfsim("run", ROOT / "scenarios/classroom_cofunding.yaml", "--out", tmp_path / "x.h5",
                     "--set", "run.scale=1", "--population", 10000, check=False, timeout=60)
    assert proc.returncode == 2 and "run.scale" in proc.stderr and not (tmp_path / "x.h5").exists()
    assert run_pfsim("run", ROOT / "scenarios/classroom_cofunding.yaml", "--population", 0, check=False).returncode == 2


def test_validate_reports_everything_in_one_pass(pfsim_exe, tmp_path):
    path = tmp_path / "typos.yaml"
    path.write_text(
        "extends: " + str(ROOT / "scenarios/baseline.yaml") + "\n"
        "run: {dyas: 1096}\n"
        "look_at: [consumptoin]\n"
        "events:\n"
        "  - {when: 'consumer_dpd90_ratoi > 0.02', type: data_sharing, shared_fraction: 0.5}\n"
        "  - {date: 2019-06-01, type: cofunding_floor, share: 40%}\n"
        "  - {date: 2019-06-01, type: cofunding_floor, share: 40}\n"
    )
    proc = run_pfsim("validate", path, check=False)
    assert proc.returncode == 2
    err = proc.stderr
    for expected in (
        "run.dyas: unknown key 'dyas' (did you mean 'days'?)",
        "look_at[0]: unknown indicator 'consumptoin' in look_at (did you mean 'consumption'?)",
        "unknown indicator 'consumer_dpd90_ratoi' in the condition (did you mean 'consumer_dpd90_ratio'?)",
        "unknown shock type 'data_sharing' (did you mean 'data_sharing_mandate'?)",
        "write shares as fractions: 0.4 for 40%",
    ):
        assert expected in err, err
    assert "outside the run" not in err
    assert err.count("error:") == 6, err


# ---------------------------------------------------------------- figure bugs (synthetic runs)


def _synthetic(seed=1, days=400, name="cofunding"):
    import pandas as pd
    import xarray as xr

    rng = np.random.default_rng(seed)
    dates = pd.date_range("2019-01-01", periods=days, freq="D").values
    month_end = pd.DatetimeIndex(dates).is_month_end
    rule = np.where(np.arange(days) >= 300, 0.3, 0.02)

    def var(values, units):
        return xr.DataArray(np.asarray(values, float), dims=("date",), attrs={"units": units, "description": ""})

    data = {
        "platform_own_funding_share": var(rule * 0.9 + rng.normal(0, 0.001, days), "1"),
        "policy_own_funding_share": var(rule, "1"),
        "platform_revenue_credit": var(np.where(month_end, 3e9 + rng.normal(0, 1e8, days), 0.0), "RMB/day"),
        "platform_revenue_total": var(np.where(month_end, 9e9, 0.0), "RMB/day"),
        "fund_confidence": var(1 - np.where(np.arange(days) == 200, 3e-4, 0.0), "1"),
        "platform_leverage": var(np.full(days, 2.0), "1"),
        "bank_failures": var(np.where(np.arange(days) == 250, 1.0, 0.0), "count/day"),
        "bank_resolution_cost": var(np.where(np.arange(days) == 250, 5e9, 0.0), "RMB/day"),
    }
    events = json.dumps([{"date": "2019-10-28", "type": "cofunding_floor", "parameters": "{}", "condition": ""}])
    return xr.Dataset(data, coords={"date": dates},
                      attrs={"scenario": name, "seed": seed, "events": events, "scenario_yaml": f"run: {{name: {name}}}\n"})


def test_figure_bugs_are_fixed():
    from analysis import figures
    from analysis.report import _mean_run, _scale

    runs = [_synthetic(s) for s in SEEDS]
    bases = [_synthetic(s, name="baseline") for s in SEEDS]
    main, base = _mean_run(runs), _mean_run(bases)

    fig = pa.credit_by_funder(main, baseline=base)
    share = next(a for a in fig.axes if a.get_gid() == "panel:share")
    # the rule line follows the policy series (0.02 → 0.3), not the fixed parameter
    rule = next(ln for ln in share.get_lines() if ln.get_gid() == "reference")
    assert min(rule.get_ydata()) == pytest.approx(2.0) and max(rule.get_ydata()) == pytest.approx(30.0)
    # three seeds: a band around the mean; the baseline named once
    assert any(c.get_gid() == "band:platform_own_funding_share" for c in share.collections)
    labels = [t.get_text() for t in share.get_legend().get_texts()]
    assert "baseline (mean of 3 seeds)" in labels and not any("baseline (baseline" in t for t in labels)
    assert share.get_legend().get_texts()[0].get_fontsize() >= 9
    # events labelled, warm-up marked
    assert any(t.get_gid() == "event-label" and "cofunding_floor" in t.get_text() for t in share.texts)
    assert any(p.get_gid() == "warmup" for p in share.patches)

    plat = pa.platform_finances(main)
    rev = next(a for a in plat.axes if a.get_gid() == "panel:revenue")
    credit = next(ln for ln in rev.get_lines() if ln.get_gid() == "platform_revenue_credit")
    y = np.asarray(credit.get_ydata())[31:]  # after the first month end
    assert (y > 0).all(), "a 30-day rolling mean of a month-end flow drops to 0 in 31-day months"

    funds = pa.fund_flows(main)
    conf = next(a for a in funds.axes if a.get_gid() == "panel:confidence")
    lo, hi = conf.get_ylim()
    assert lo <= 0 and hi >= 100  # a 0.03% dip is not drawn as a crash

    cont = pa.contagion(main)
    failures = next(a for a in cont.axes if a.get_gid() == "panel:failures")
    cost = next(a for a in cont.axes if a.get_gid() == "panel:resolution")
    assert "/day" not in failures.get_ylabel() and "/day" not in cost.get_ylabel()

    # leverage 2.0 is "2 ×", a share stays in %
    assert _scale("1", 2.0, share=False) == (1.0, "×")
    assert _scale("1", 0.3, share=True) == (100.0, "%")
    table = pa.headline_effects(runs, indicators=["platform_leverage", "platform_own_funding_share"])
    assert table.loc["platform_leverage", "interval_scale"] == "log"
    assert table.loc["platform_own_funding_share", "interval_scale"] == "logit"
    page = pa.build_report(runs, figures=["platform_finances"], indicators=["platform_leverage"])
    row = page.split('data-indicator="platform_leverage"', 1)[1].split("</tr>", 1)[0]
    assert "<td>×</td>" in row and "200" not in row
