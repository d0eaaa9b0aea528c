"""`pfsim report RESULTS.h5 [--baseline B.h5] -o report.html`: runs
`/usr/bin/python3 -m analysis report` (analysis/__main__.py) with the repository
on PYTHONPATH and passes its exit code on.

Two short runs of the baseline (a shock with a higher platform own-funding
share, and the baseline itself), then reports on them.
"""
import html.parser
import os
import sys

import pytest

from conftest import ROOT, run_pfsim

sys.path.insert(0, str(ROOT))
import analysis as pa  # noqa: E402

STEPS = 60
SMALL = ["--set", "consumers.count=5000", "--set", "smes.count=500"]


class _Page(html.parser.HTMLParser):
    """The figures (with their embedded images) and headline-table rows of a report."""

    def __init__(self):
        super().__init__()
        self.figures, self.images, self.svgs, self.rows, self.ids = [], [], [], [], set()
        self._figure = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "figure":
            self._figure = a.get("id")
            self.figures.append(a.get("id"))
        if tag == "img":
            self.images.append((self._figure, a.get("src", "")))
        if tag == "svg":
            self.svgs.append(self._figure)
        if tag == "tr" and "data-indicator" in a:
            self.rows.append(a["data-indicator"])

    def handle_endtag(self, tag):
        if tag == "figure":
            self._figure = None


def _page(path):
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def runs(pfsim_exe, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report-runs")
    base, shock = folder / "base.h5", folder / "shock.h5"
    common = ["--steps", STEPS, "--seed", 1, "--threads", 2, "-q", *SMALL]
    run_pfsim("run", ROOT / "scenarios/baseline.yaml", "--out", base, *common)
    run_pfsim(
        "run", ROOT / "scenarios/baseline.yaml", "--out", shock, *common,
        "--set", "platform.own_funding_share=0.3", "--set", "run.name=cofunding30",
    )
    return {"baseline": base, "shock": shock}


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "PFSIM_PYTHON"}
    env.update(extra)
    return env


def test_help_lists_the_subcommand(pfsim_exe):
    assert any(line.split()[:1] == ["report"] for line in run_pfsim("--help").stdout.splitlines())
    sub = run_pfsim("report", "--help").stdout
    assert "--baseline" in sub and "-o" in sub


def test_report_against_a_baseline_has_every_figure_and_the_table(runs, tmp_path):
    out = tmp_path / "report.html"
    # From another folder, with a PYTHONPATH that does not hold the package: pfsim adds the repository.
    proc = run_pfsim(
        "report", runs["shock"], "--baseline", runs["baseline"], "-o", out,
        cwd=tmp_path, env=_clean_env(PYTHONPATH=str(tmp_path)), timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "wrote" in proc.stderr
    text = out.read_text(encoding="utf-8")
    page = _page(out)
    for name in pa.FIGURES:
        assert f"fig-{name}" in page.figures, name
        images = [src for fig, src in page.images if fig == f"fig-{name}"]
        assert len(images) == 1 and images[0].startswith("data:image/png;base64,"), name
    assert "headline-effects" in page.ids
    assert page.rows == pa.headline_effects(runs["shock"], runs["baseline"]).index.tolist()
    assert "consumption" in page.rows
    assert "own_funding_share: 0.3" in text and "scenario-diff" in page.ids


def test_report_options_are_passed_on(runs, tmp_path):
    out = tmp_path / "svg.html"
    proc = run_pfsim(
        "report", runs["baseline"], "--out", out, "--svg", "--figures", "bank_capital,fund_flows",
        "--title", "Baseline check", "--last-days", 20, env=_clean_env(), timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    page = _page(out)
    assert page.figures == ["fig-bank_capital", "fig-fund_flows"]
    assert page.svgs == ["fig-bank_capital", "fig-fund_flows"] and page.images == []
    text = out.read_text(encoding="utf-8")
    assert "Baseline check" in text and "last 20 days" in text
    assert "consumption" in page.rows


def test_relative_paths_and_default_output_name(runs, tmp_path):
    (tmp_path / "r.h5").write_bytes(runs["baseline"].read_bytes())
    proc = run_pfsim("report", "r.h5", "--figures", "bank_capital", cwd=tmp_path, env=_clean_env(), timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "report.html").is_file()


def test_the_exit_code_of_the_analysis_is_passed_on(pfsim_exe, tmp_path):
    missing = tmp_path / "missing.h5"
    proc = run_pfsim("report", missing, "-o", tmp_path / "x.html", check=False, env=_clean_env(), timeout=300)
    assert proc.returncode == 2
    assert "error" in proc.stderr and "missing.h5" in proc.stderr
    assert not (tmp_path / "x.html").exists()


def test_unknown_figure_is_bad_input(runs, tmp_path):
    proc = run_pfsim(
        "report", runs["baseline"], "-o", tmp_path / "x.html", "--figures", "nope",
        check=False, env=_clean_env(), timeout=300,
    )
    assert proc.returncode == 2 and "nope" in proc.stderr


def test_missing_python_is_a_clear_error(runs, tmp_path):
    python = tmp_path / "no-python3"
    proc = run_pfsim(
        "report", runs["baseline"], "-o", tmp_path / "x.html",
        check=False, env=_clean_env(PFSIM_PYTHON=str(python)), timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert str(python) in proc.stderr and "python3-matplotlib" in proc.stderr
    assert not (tmp_path / "x.html").exists()


def test_no_results_is_a_usage_error(pfsim_exe):
    proc = run_pfsim("report", check=False)
    assert proc.returncode == 2 and proc.stdout == ""
