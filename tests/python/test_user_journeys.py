"""What users tripped on (issue 17): reports that answer the scenario's
question, guarded comparisons, --population, one-pass validation and the
`pfsim headline` / `pfsim tidy` subcommands.

Three seeds of the classroom co-funding scenario and of the baseline at the
same size (--population 5000), 300 days each (the rule comes on day 258).
"""
import html.parser
import math
import sys

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
    run_pfsim("report", *runs["shock"], "--baseline", *runs["baseline"], "-o", out, "--figures", "bank_capital",
              "--svg", timeout=600)
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
    assert table.loc["approval_rate_bank", "interval_scale"] == "logit"
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
    proc = run_pfsim("run", ROOT / "scenarios/classroom_cofunding.yaml", "--out", tmp_path / "x.h5",
                     "--population", 200000000, check=False)
    assert proc.returncode == 2 and "run.scale" in proc.stderr


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
