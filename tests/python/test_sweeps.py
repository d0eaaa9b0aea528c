"""pfsim sweep (issue 15): sweep files checked with positions, equal summaries
for any number of workers or MPI ranks, resuming after a kill, failed runs
recorded, open_sweep, the sensitivity estimators (Ishigami, Morris) and the
sweep report. Tiny runs: 500 consumers, 12 days, no spin-up."""

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import PFSIM, ROOT, missing, require_module, require_pfsim

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

require_pfsim()
require_module("scipy")
require_module("jsonschema")
require_module("yaml")
import analysis as pa  # noqa: E402
from analysis.__main__ import main as analysis_main  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.yaml"

BASE_LINES = [
    f"scenario: {BASELINE}",
    "set: {consumers.count: 500, smes.count: 50, run.spinup_days: 0}",
    "steps: 12",
    "parameters:",
    "  platform.own_funding_share: {levels: [0.02, 0.3]}",
    "  central_bank.bureau_signal_sigma: {levels: [2.5, 0.8]}",
    "design: {type: grid}",
    "seeds: [1, 2]",
    "record:",
    "  consumer_credit_balance: {mean: [2019-01-03, 2019-01-10]}",
    "  bank_failures: {max: all}",
]
SMALL = "\n".join(BASE_LINES) + "\n"
RUNS = 8  # 2 × 2 points × 2 seeds
MPI_ENV = {
    "OMPI_ALLOW_RUN_AS_ROOT": "1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    "OMPI_MCA_rmaps_base_oversubscribe": "1",
}


def _sweep_text(replace=None, append=(), drop=()):
    lines = list(BASE_LINES)
    for number, text in (replace or {}).items():
        lines[number - 1] = text
    lines = [ln for i, ln in enumerate(lines, 1) if i not in drop]
    return "\n".join(lines + list(append)) + "\n"


def _pfsim_sweep(*args, env=None, timeout=240, mpi=0):
    """Runs `[mpirun -n N] pfsim sweep ARGS` in its own session (killed as a group on timeout)."""
    cmd = [str(PFSIM), "sweep", *map(str, args)]
    if mpi:
        cmd = ["mpirun", "-n", str(mpi), "--oversubscribe", "--bind-to", "none", *cmd]
    full_env = {**os.environ, **MPI_ENV, **(env or {})}
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"{' '.join(cmd)} did not finish in {timeout} s")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _require_mpi():
    if shutil.which("mpirun") is None:
        missing("mpirun is not installed (Debian openmpi-bin)")
    require_module("mpi4py")


# --- malformed files -----------------------------------------------------------------------------------

# (id, sweep text, expected "line:column: key path", a word of the message)
MALFORMED = [
    ("unknown-top-key", _sweep_text(append=["desin: {type: grid}"]), "12:1: desin", "did you mean `design`"),
    ("design-type", _sweep_text({7: "design: {type: latin_hypercub}"}), "7:16: design.type", "latin_hypercube"),
    ("no-scenario", _sweep_text(drop={1}), "1:1: (top)", "'scenario' is a required property"),
    ("scenario-missing", _sweep_text({1: "scenario: nothere.yaml"}), "1:11: scenario", "not found"),
    (
        "parameter-path",
        _sweep_text({5: "  platform.own_funding_shar: {levels: [0.02, 0.3]}"}),
        "5:3: parameters.platform.own_funding_shar",
        "did you mean `platform.own_funding_share`",
    ),
    (
        "level-out-of-range",
        _sweep_text({5: "  platform.own_funding_share: {levels: [0.02, 1.5]}"}),
        "5:47: parameters.platform.own_funding_share.levels[1]",
        "rejected by the scenario",
    ),
    (
        "levels-and-range",
        _sweep_text({5: "  platform.own_funding_share: {levels: [0.02], range: [0, 1]}"}),
        "5:31: parameters.platform.own_funding_share",
        "exactly one",
    ),
    (
        "range-reversed",
        _sweep_text(
            {
                5: "  platform.own_funding_share: {range: [0.3, 0.02]}",
                6: "  central_bank.bureau_signal_sigma: {range: [0.8, 2.5]}",
                7: "design: {type: sobol, points: 8}",
            }
        ),
        "5:39: parameters.platform.own_funding_share.range",
        "low end must be below",
    ),
    (
        "log-range-not-positive",
        _sweep_text(
            {
                5: "  platform.own_funding_share: {range: [0, 0.3], scale: log}",
                6: "  central_bank.bureau_signal_sigma: {range: [0.8, 2.5]}",
                7: "design: {type: latin_hypercube, points: 8}",
            }
        ),
        "5:39: parameters.platform.own_funding_share.range",
        "log-scale range must be positive",
    ),
    (
        "sampled-without-points",
        _sweep_text(
            {
                5: "  platform.own_funding_share: {range: [0.02, 0.3]}",
                6: "  central_bank.bureau_signal_sigma: {range: [0.8, 2.5]}",
                7: "design: {type: latin_hypercube}",
            }
        ),
        "7:9: design",
        "needs `points:`",
    ),
    (
        "grid-range-without-steps",
        _sweep_text({5: "  platform.own_funding_share: {range: [0.02, 0.3]}"}),
        "5:31: parameters.platform.own_funding_share",
        "needs levels",
    ),
    ("seeds-repeated", _sweep_text({8: "seeds: [1, 1]"}), "8:8: seeds", "not valid"),
    ("seeds-text", _sweep_text({8: "seeds: many"}), "8:8: seeds", "not valid"),
    (
        "record-unknown-indicator",
        _sweep_text({10: "  consumer_credit_balanc: {mean: all}"}),
        "10:3: record.consumer_credit_balanc",
        "did you mean `consumer_credit_balance`",
    ),
    (
        "record-unknown-statistic",
        _sweep_text({11: "  bank_failures: {maximum: all}"}),
        "11:19: record.bank_failures.maximum",
        "unknown key",
    ),
    (
        "date-outside-run",
        _sweep_text({10: "  consumer_credit_balance: {mean: [2019-01-03, 2020-06-01]}"}),
        "10:48: record.consumer_credit_balance.mean[1]",
        "outside the run",
    ),
    (
        "window-reversed",
        _sweep_text({10: "  consumer_credit_balance: {mean: [2019-01-10, 2019-01-03]}"}),
        "10:35: record.consumer_credit_balance.mean",
        "ends",
    ),
    (
        "not-a-date",
        _sweep_text({10: "  consumer_credit_balance: {at: 2019-13-01}"}),
        "10:33: record.consumer_credit_balance.at",
        "not a date",
    ),
    (
        "two-thresholds",
        _sweep_text({11: "  bank_failures: {first_crossing: {above: 1, below: 2}}"}),
        "11:35: record.bank_failures.first_crossing",
        "one threshold",
    ),
    ("duplicate-key", _sweep_text(append=["seeds: [3]"]), "12:1: seeds", "duplicate key"),
    ("set-path", _sweep_text({2: "set: {consumers.cnt: 500}"}), "2:7: set.consumers.cnt", "not a parameter"),
    ("set-value", _sweep_text({2: "set: {consumers.count: -5}"}), "2:24: set.consumers.count", "rejected"),
    (
        "from-checkpoint-missing",
        _sweep_text(append=["from: {checkpoint: warm.ckpt.h5}"]),
        "12:20: from.checkpoint",
        "not found",
    ),
    ("from-warmup-false", _sweep_text(append=["from: {warmup: false}"]), "12:7: from", "not valid"),
    (
        "from-frozen-parameter",
        _sweep_text({6: "  regions.count: {levels: [1, 2]}"}, append=["from: warmup"]),
        "6:3: parameters.regions.count",
        "cannot be swept from a checkpoint",
    ),
    (
        "from-event-out-of-range",
        _sweep_text({6: "  events[3].share: {levels: [0.1, 0.2]}"}, append=["from: warmup"]),
        "6:3: parameters.events[3].share",
        "the scenario has 0 events",
    ),
    (
        "sobol-needs-sobol-design",
        _sweep_text(append=["sensitivity: {method: sobol}"]),
        "12:23: sensitivity.method",
        "design",
    ),
    (
        "swept-and-fixed",
        _sweep_text({2: "set: {consumers.count: 500, platform.own_funding_share: 0.1}"}),
        "5:3: parameters.platform.own_funding_share",
        "both swept and fixed",
    ),
    ("steps-zero", _sweep_text({3: "steps: 0"}), "3:8: steps", "minimum"),
    ("not-a-mapping", "- a\n- b\n", "1:1: (top)", "must be a mapping"),
    ("empty", "\n", "1:1: (top)", "empty"),
    (
        "list-unequal-levels",
        _sweep_text({6: "  central_bank.bureau_signal_sigma: {levels: [2.5]}", 7: "design: {type: list}"}),
        "5:3: parameters",
        "as many levels",
    ),
    ("grid-seed", _sweep_text({7: "design: {type: grid, seed: 3}"}), "7:22: design.seed", "no effect"),
    (
        "text-level-for-number",
        _sweep_text({6: "  central_bank.bureau_signal_sigma: {levels: [high, 0.8]}"}),
        "6:47: parameters.central_bank.bureau_signal_sigma.levels[0]",
        "rejected",
    ),
]


@pytest.mark.parametrize("case,text,where,words", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_sweep_file_is_located(tmp_path, case, text, where, words):
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = analysis_main(["sweep", str(path), "--check"])
    message = err.getvalue()
    assert code == 2, message
    assert f"{path}:{where}:" in message, message
    assert words in message, message
    assert "nothing was run" in message


def test_malformed_file_through_the_cli_exits_2_with_position(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(_sweep_text({5: "  platform.own_funding_share: {levels: [0.02, 1.5]}"}))
    proc = _pfsim_sweep(path, "--out", tmp_path / "out", timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert f"{path}:5:47: parameters.platform.own_funding_share.levels[1]:" in proc.stderr
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_schema_and_the_issue_minimal_file(tmp_path):
    import jsonschema
    import yaml

    proc = subprocess.run([str(PFSIM), "schema", "--sweep"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    # The issue's minimal file, word for word, next to a scenarios/ folder.
    (tmp_path / "scenarios").mkdir()
    shutil.copy(BASELINE, tmp_path / "scenarios" / "baseline.yaml")
    (tmp_path / "sweeps").mkdir()
    minimal = tmp_path / "sweeps" / "minimal.yaml"
    minimal.write_text(
        "scenario: ../scenarios/baseline.yaml      # relative to the sweep file\n"
        "set: {consumers.count: 20000}             # fixed overrides, as --set\n"
        "parameters:\n"
        "  platform.own_funding_share: {levels: [0.02, 0.3]}\n"
        "  central_bank.bureau_signal_sigma: {levels: [2.5, 0.8]}  # any scenario path\n"
        "design: {type: grid}                      # or latin_hypercube / sobol / random\n"
        "seeds: [1, 2]\n"
        "record:\n"
        "  consumer_credit_balance: {mean: [2019-10-01, 2019-12-31]}\n"
        "  bank_failures: {max: all}\n"
    )
    data = yaml.safe_load(minimal.read_text())
    data["record"]["consumer_credit_balance"]["mean"] = [
        str(d) for d in data["record"]["consumer_credit_balance"]["mean"]
    ]
    jsonschema.validate(data, schema)
    proc = _pfsim_sweep(minimal, "--check", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "4 points × 2 seeds = 8 runs" in proc.stdout
    for example in sorted((ROOT / "examples" / "sweeps").glob("*.yaml")):
        proc = _pfsim_sweep(example, "--check", timeout=60)
        assert proc.returncode == 0, f"{example}: {proc.stderr}"


# --- running: workers, MPI ranks, resuming, failures ------------------------------------------------------


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweeps")
    path = folder / "small.yaml"
    path.write_text(SMALL)
    proc = _pfsim_sweep(path, "--out", folder / "w1", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    return path, folder


def test_summary_layout_and_open_sweep(small_sweep):
    path, folder = small_sweep
    out = folder / "w1"
    import pandas as pd

    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == [
        "point",
        "platform.own_funding_share",
        "central_bank.bureau_signal_sigma",
        "seed",
        "status",
        "message",
        "consumer_credit_balance.mean",
        "bank_failures.max",
    ]
    assert len(summary) == RUNS and set(summary["status"]) == {"ok"}
    assert sorted(zip(summary["point"], summary["seed"])) == [(p, s) for p in range(4) for s in (1, 2)]
    assert len(list((out / "runs").glob("*.h5"))) == RUNS
    ds, table = pa.open_sweep(out)
    assert ds["consumer_credit_balance"].dims == ("point", "seed", "time")
    assert ds.sizes == {"point": 4, "seed": 2, "time": 12}
    assert list(ds["platform.own_funding_share"].values) == [0.02, 0.02, 0.3, 0.3]
    # The statistic is the mean of the series over the window, as recorded.
    window = ds["consumer_credit_balance"].sel(time=slice("2019-01-03", "2019-01-10")).mean("time")
    by_key = table.set_index(["point", "seed"])["consumer_credit_balance.mean"]
    for p in range(4):
        for k, s in enumerate((1, 2)):
            assert by_key[(p, s)] == pytest.approx(float(window.values[p, k]), rel=1e-12)
    pd.testing.assert_frame_equal(table.drop(columns="message"), summary.drop(columns="message"), check_dtype=False)


@pytest.mark.parametrize("how", ["workers2", "mpi2", "mpi3"])
def test_summary_identical_for_any_workers_or_ranks(small_sweep, how):
    path, folder = small_sweep
    out = folder / how
    if how.startswith("mpi"):
        _require_mpi()
        proc = _pfsim_sweep(path, "--out", out, mpi=int(how[-1]), timeout=300)
    else:
        proc = _pfsim_sweep(path, "--out", out, "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    reference = sorted((folder / "w1" / "summary.csv").read_text().splitlines())
    assert sorted((out / "summary.csv").read_text().splitlines()) == reference
    if how.startswith("mpi"):
        assert f"{how[-1]} MPI ranks" in proc.stderr


def test_kill_halfway_then_rerun_runs_only_the_missing(small_sweep, tmp_path):
    path, folder = small_sweep
    out = tmp_path / "killed"
    cmd = [str(PFSIM), "sweep", str(path), "--out", str(out), "--workers", "1", "--threads", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(list((out / "runs").glob("*.json"))) < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # the worst case: no chance to tidy up
    finally:
        proc.wait(timeout=30)
    done = sorted((out / "runs").glob("*.json"))
    assert 3 <= len(done) < RUNS, "the sweep finished before it could be killed"
    assert not (out / "summary.csv").exists()
    # A results file that is not complete does not count as finished.
    damaged = done[0].with_suffix(".h5")
    with open(damaged, "r+b") as f:
        f.truncate(damaged.stat().st_size // 2)
    before = {p.name: json.loads(p.read_text())["started"] for p in done}
    proc = _pfsim_sweep(path, "--out", out, "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    missing_runs = RUNS - len(done) + 1
    assert f"{missing_runs} of {RUNS} runs to do ({len(done) - 1} already finished, skipped)" in proc.stderr
    for name, started in before.items():
        now = json.loads((out / "runs" / name).read_text())["started"]
        if name == done[0].name:
            continue
        assert now == started, f"{name} was run again"
    reference = (folder / "w1" / "summary.csv").read_text()
    assert (out / "summary.csv").read_text() == reference


def test_failed_run_is_recorded_and_rerun(small_sweep, tmp_path):
    path, folder = small_sweep
    # A pfsim that fails the runs of seed 2 at own_funding_share 0.3.
    wrapper = tmp_path / "flaky-pfsim"
    wrapper.write_text(
        "#!/bin/sh\n"
        'case "$*" in *"--seed 2"*"own_funding_share=0.3"*) echo "error: planted failure" >&2; exit 2;; esac\n'
        f'exec {PFSIM} "$@"\n'
    )
    wrapper.chmod(0o755)
    out = tmp_path / "flaky"
    proc = _pfsim_sweep(path, "--out", out, "--workers", "2", env={"PFSIM": str(wrapper)})
    assert proc.returncode == 4, proc.stderr
    import pandas as pd

    summary = pd.read_csv(out / "summary.csv", keep_default_na=False)
    failed = summary[summary["status"] == "failed"]
    assert sorted(failed["point"]) == [2, 3] and set(failed["seed"]) == {2}
    assert all("planted failure" in m for m in failed["message"])
    assert (summary[summary["status"] == "ok"]["message"] == "").all()
    # The same command with a working pfsim redoes only the failed runs.
    proc = _pfsim_sweep(path, "--out", out, "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert f"2 of {RUNS} runs to do ({RUNS - 2} already finished, skipped)" in proc.stderr
    assert (out / "summary.csv").read_text() == (folder / "w1" / "summary.csv").read_text()


def test_sobol_sweep_indices_and_report(tmp_path):
    # Each policy indicator is its own parameter's value: whatever the model
    # does, the other parameter's indices must be exactly 0 and its own > 0.
    path = tmp_path / "sobol.yaml"
    path.write_text(
        _sweep_text(
            {
                5: "  platform.own_funding_share: {range: [0.02, 0.3]}",
                6: "  central_bank.bureau_signal_sigma: {range: [0.5, 3.0], scale: log}",
                7: "design: {type: sobol, points: 4, seed: 11}",
                8: "seeds: [1]",
                10: "  policy_own_funding_share: {mean: all}",
                11: "  policy_bureau_signal_sigma: {at: 2019-01-05}",
            },
            append=["  consumer_credit_balance: {max: all}", "sensitivity: {method: sobol, bootstrap: 100}"],
        )
    )
    out = tmp_path / "out"
    proc = _pfsim_sweep(path, "--out", out, "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["design"]["kind"] == "saltelli" and len(manifest["points"]) == 4 * (2 + 2)
    sigma = [p["central_bank.bureau_signal_sigma"] for p in manifest["points"]]
    assert min(sigma) >= 0.5 and max(sigma) <= 3.0
    table = pa.sweep_sensitivity(out, ["policy_own_funding_share.mean", "policy_bureau_signal_sigma.at"])
    share, sigma_ = "platform.own_funding_share", "central_bank.bureau_signal_sigma"
    for output, own, other in (
        ("policy_own_funding_share.mean", share, sigma_),
        ("policy_bureau_signal_sigma.at", sigma_, share),
    ):
        rows = table[table["output"] == output].set_index("parameter")
        assert list(rows.index) == [share, sigma_]
        assert rows.loc[other, ["S1", "ST", "S1_low", "S1_high", "ST_low", "ST_high"]].tolist() == [0.0] * 6
        assert rows.loc[own, "ST"] > 0 and rows.loc[own, "ST_low"] <= rows.loc[own, "ST"] <= rows.loc[own, "ST_high"]
    report = tmp_path / "report.html"
    proc = subprocess.run(
        [str(PFSIM), "report", "--sweep", str(out), "-o", str(report)], capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, proc.stderr
    page = report.read_text()
    assert "Bands per point" in page and "Sobol' indices" in page and page.count("data:image/png") == 2


# --- estimators --------------------------------------------------------------------------------------------

ISHIGAMI_N = 4096  # base samples: N (d + 2) = 20480 evaluations


def test_sobol_estimators_on_ishigami():
    from analysis.designs import saltelli_unit

    unit = saltelli_unit(ISHIGAMI_N, 3, seed=2024)
    y = pa.ishigami(-np.pi + 2 * np.pi * unit)
    got = pa.sobol_indices(y, ISHIGAMI_N, 3, bootstrap=500, level=0.95, seed=1)
    exact = pa.ISHIGAMI_INDICES
    for key in ("S1", "ST"):
        inside = (got[f"{key}_low"] <= exact[key]) & (exact[key] <= got[f"{key}_high"])
        assert inside.all(), f"{key}: {got[[key, f'{key}_low', f'{key}_high']]} vs {exact[key].tolist()}"
        assert (got[f"{key}_high"] - got[f"{key}_low"] < 0.12).all()  # and the intervals say something
    # A level far above the spread (money in RMB) changes nothing: the outputs are centred.
    shifted = pa.sobol_indices(y + 1e12, ISHIGAMI_N, 3, bootstrap=50, seed=1)
    assert shifted[["S1", "ST"]].to_numpy() == pytest.approx(got[["S1", "ST"]].to_numpy(), abs=1e-3)
    assert exact["S1"].round(4).tolist() == [0.3139, 0.4424, 0.0]
    assert exact["ST"].round(4).tolist() == [0.5576, 0.4424, 0.2437]


def test_morris_effects_of_a_linear_function():
    from analysis.designs import morris_unit

    unit = morris_unit(trajectories=12, d=3, levels=4, seed=5)
    assert unit.shape == (12 * 4, 3)
    coefficients = np.array([3.0, -1.0, 0.0])
    lows, highs = np.array([0.0, 10.0, -1.0]), np.array([2.0, 20.0, 1.0])
    x = lows + unit * (highs - lows)
    effects = pa.morris_effects(x @ coefficients, unit, 3, ["a", "b", "c"])
    expected = coefficients * (highs - lows)  # per whole range
    assert effects["mu"].to_numpy() == pytest.approx(expected)
    assert effects["mu_star"].to_numpy() == pytest.approx(np.abs(expected))
    assert effects["sigma"].to_numpy() == pytest.approx([0, 0, 0], abs=1e-9)
    assert (effects["r"] == 12).all()


def _design(tmp_path, parameters, design, name="d"):
    from analysis.designs import make_design

    path = tmp_path / f"{name}.yaml"
    path.write_text(_sweep_text({2: "set: {consumers.count: 500}", 5: parameters[0], 6: parameters[1], 7: design}))
    return make_design(pa.load_sweep(path))


def test_designs_from_sweep_files(tmp_path):
    share = "  platform.own_funding_share: {range: [0.02, 0.3]}"
    sigma = "  central_bank.bureau_signal_sigma: {range: [0.5, 3.0], scale: log}"
    levels = ["  platform.own_funding_share: {levels: [0.02, 0.3]}", "  smes.count: {levels: [40, 60]}"]
    grid = _design(tmp_path, levels, "design: {type: grid}")
    assert grid.points == [{"platform.own_funding_share": a, "smes.count": b} for a in (0.02, 0.3) for b in (40, 60)]
    zipped = _design(tmp_path, levels, "design: {type: list}")
    assert zipped.points == [
        {"platform.own_funding_share": 0.02, "smes.count": 40},
        {"platform.own_funding_share": 0.3, "smes.count": 60},
    ]
    explicit = _design(
        tmp_path,
        ["  platform.own_funding_share: {}", "  smes.count: {}"],
        "design: {type: list, points: [{platform.own_funding_share: 0.1, smes.count: 45}]}",
    )
    assert explicit.points == [{"platform.own_funding_share": 0.1, "smes.count": 45}]
    stepped = _design(tmp_path, [share.replace("]}", "], steps: 3}"), levels[1]], "design: {type: grid}")
    assert [p["platform.own_funding_share"] for p in stepped.points[::2]] == pytest.approx([0.02, 0.16, 0.3])
    lhs = _design(tmp_path, [share, sigma], "design: {type: latin_hypercube, points: 16, seed: 3}")
    assert len(lhs.points) == 16
    for column in lhs.unit.T:  # one point in each of the 16 strata of every parameter
        assert sorted((column * 16).astype(int)) == list(range(16))
    logs = np.log([p["central_bank.bureau_signal_sigma"] for p in lhs.points])
    strata = ((logs - np.log(0.5)) / (np.log(3.0) - np.log(0.5)) * 16).astype(int)
    assert sorted(strata) == list(range(16))  # log scale: uniform in log
    again = _design(tmp_path, [share, sigma], "design: {type: latin_hypercube, points: 16, seed: 3}")
    assert again.points == lhs.points
    other = _design(tmp_path, [share, sigma], "design: {type: latin_hypercube, points: 16, seed: 4}")
    assert other.points != lhs.points
    sobol = _design(tmp_path, [share, sigma], "design: {type: sobol, points: 8, seed: 1}")
    assert len(sobol.points) == 8 and sobol.kind == "plain"
    rnd = _design(tmp_path, [share, "  smes.count: {range: [40, 60]}"], "design: {type: random, points: 5, seed: 9}")
    assert all(isinstance(p["smes.count"], int) and 40 <= p["smes.count"] <= 60 for p in rnd.points)
    morris = _design(tmp_path, [share, sigma], "design: {type: morris, trajectories: 3, levels: 4, seed: 2}")
    assert len(morris.points) == 3 * (2 + 1) and morris.kind == "morris"
    steps = np.abs(np.diff(morris.unit.reshape(3, 3, 2), axis=1))
    assert np.allclose(np.sort(steps, axis=2), [[0, 4 / 6]] * 2)  # one factor moves by Δ per step


# --- from: one warm-up per seed, or a given checkpoint ---------------------------------------------------


def _event_scenario(folder):
    """The baseline with a co-funding floor on 2019-01-06 (after the warm-up's day) and a short spin-up."""
    path = folder / "floor.yaml"
    path.write_text(
        f"extends: {BASELINE}\n"
        "run: {spinup_days: 6}\n"
        "events:\n"
        "  - {date: 2019-01-06, type: cofunding_floor, share: 0.1}\n"
    )
    return path


def _from_sweep(folder, scenario, start_from=None, seeds="[1, 2]"):
    lines = [
        f"scenario: {scenario}",
        "set: {consumers.count: 500, smes.count: 50}",
        "steps: 12",
        "parameters:",
        "  events[0].share: {levels: [0.1, 0.3]}",
        "  central_bank.policy_rate: {levels: [0.0385]}",
        f"seeds: {seeds}",
        "record:",
        "  platform_funded_balance: {mean: all, at: 2019-01-12}",
        "  consumer_credit_balance: {mean: all}",
    ]
    if start_from:
        lines.append(f"from: {start_from}")
    name = "scratch" if not start_from else "warm" if start_from == "warmup" else "given"
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _datasets(path, group):
    import h5py

    out = {}
    with h5py.File(path, "r") as f:
        f[group].visititems(lambda name, obj: out.__setitem__(name, obj[()]) if hasattr(obj, "shape") else None)
    return out


def test_from_warmup_equals_from_scratch_and_reruns_only_what_is_missing(tmp_path):
    import pandas as pd

    scenario = _event_scenario(tmp_path)
    scratch, warm = _from_sweep(tmp_path, scenario), _from_sweep(tmp_path, scenario, "warmup")
    proc = _pfsim_sweep(warm, "--check")
    assert proc.returncode == 0 and "2 warm-up(s) first" in proc.stdout, proc.stdout + proc.stderr
    proc = _pfsim_sweep(scratch, "--out", tmp_path / "scratch", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    proc = _pfsim_sweep(warm, "--out", tmp_path / "warm", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert "after 2 warm-up(s)" in proc.stderr and "warm-up of seed 1 ok" in proc.stderr, proc.stderr
    assert sorted(p.name for p in (tmp_path / "warm" / "warmups").glob("*.ckpt.h5")) == ["s1.ckpt.h5", "s2.ckpt.h5"]
    # The event comes after the checkpoint's day, so every branch equals its run from day 0, byte for byte.
    a = pd.read_csv(tmp_path / "scratch" / "summary.csv")
    b = pd.read_csv(tmp_path / "warm" / "summary.csv")
    pd.testing.assert_frame_equal(a, b)
    assert a["platform_funded_balance.at"].nunique() == 4  # the share and the seed both matter
    for h5 in sorted((tmp_path / "scratch" / "runs").glob("*.h5")):
        mine = _datasets(tmp_path / "warm" / "runs" / h5.name, "timeseries")
        theirs = _datasets(h5, "timeseries")
        assert mine.keys() == theirs.keys() and len(mine) > 10
        for name in theirs:
            assert mine[name].tobytes() == theirs[name].tobytes(), (h5.name, name)  # byte for byte
    manifest = json.loads((tmp_path / "warm" / "sweep.json").read_text())
    assert manifest["from"] == {"kind": "warmup"}
    # Over 3 MPI ranks (runs wait for their seed's warm-up on another rank): the same summary.
    _require_mpi()
    proc = _pfsim_sweep(warm, "--out", tmp_path / "mpi", mpi=3, timeout=300)
    assert proc.returncode == 0 and "after 2 warm-up(s)" in proc.stderr, proc.stderr
    assert (tmp_path / "mpi" / "summary.csv").read_text() == (tmp_path / "warm" / "summary.csv").read_text()

    # Rerun: nothing to do. Lose one run: only it runs, from the kept warm-up.
    proc = _pfsim_sweep(warm, "--out", tmp_path / "warm", "--workers", "2")
    assert proc.returncode == 0 and "0 of 4 runs to do" in proc.stderr, proc.stderr
    ckpt = tmp_path / "warm" / "warmups" / "s2.ckpt.h5"
    stamp = ckpt.stat().st_mtime_ns
    (tmp_path / "warm" / "runs" / "p0001_s2.json").unlink()
    proc = _pfsim_sweep(warm, "--out", tmp_path / "warm", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert "1 of 4 runs to do, after 0 warm-up(s) (one per seed, 1 reused" in proc.stderr, proc.stderr
    assert ckpt.stat().st_mtime_ns == stamp  # reused, not written again
    # A damaged warm-up (wrong size) is written again before the runs that need it.
    with open(ckpt, "ab") as f:
        f.write(b"x")
    (tmp_path / "warm" / "runs" / "p0000_s2.json").unlink()
    proc = _pfsim_sweep(warm, "--out", tmp_path / "warm", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert "1 of 4 runs to do, after 1 warm-up(s)" in proc.stderr and "warm-up of seed 2 ok" in proc.stderr
    pd.testing.assert_frame_equal(a, pd.read_csv(tmp_path / "warm" / "summary.csv"))


def test_failed_warmup_fails_its_seeds_runs_then_reruns(tmp_path):
    scenario = _event_scenario(tmp_path)
    warm = _from_sweep(tmp_path, scenario, "warmup")
    # A stand-in pfsim that fails the warm-up of seed 2 (and only that), then the real one.
    fake = tmp_path / "pfsim"
    fake.write_text(
        "#!/bin/sh\n"
        'case "$*" in *"--seed 2"*"--steps 0"*) echo "error: disk full" >&2; exit 1;; esac\n'
        f'exec {PFSIM} "$@"\n'
    )
    fake.chmod(0o755)
    proc = _pfsim_sweep(warm, "--out", tmp_path / "out", "--workers", "2", env={"PFSIM": str(fake)})
    assert proc.returncode == 4, proc.stderr
    import pandas as pd

    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    bad = summary[summary["seed"] == 2]
    assert list(bad["status"]) == ["failed", "failed"]
    assert all("warm-up of seed 2 failed" in m and "disk full" in m for m in bad["message"])
    assert set(summary[summary["seed"] == 1]["status"]) == {"ok"}
    proc = _pfsim_sweep(warm, "--out", tmp_path / "out", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert "2 of 4 runs to do, after 1 warm-up(s) (one per seed, 1 reused" not in proc.stderr  # seed 1 needs none
    assert "2 of 4 runs to do, after 1 warm-up(s)" in proc.stderr, proc.stderr
    assert set(pd.read_csv(tmp_path / "out" / "summary.csv")["status"]) == {"ok"}


def test_from_a_given_checkpoint(tmp_path):
    import pandas as pd

    scenario = _event_scenario(tmp_path)
    ckpt_base = tmp_path / "given.h5"
    proc = subprocess.run(
        [
            str(PFSIM),
            "run",
            str(scenario),
            "--set",
            "consumers.count=500",
            "--set",
            "smes.count=50",
            "--seed",
            "2",
            "--steps",
            "0",
            "--checkpoint-every",
            "1",
            "--out",
            str(ckpt_base),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    # Its seed is 2: seeds other than 2 cannot start from it, and say why, where.
    given = _from_sweep(tmp_path, scenario, "given.ckpt.h5")
    proc = _pfsim_sweep(given, "--check")
    assert proc.returncode == 2
    assert f"{given}:7:8: seeds:" in proc.stderr and "seeds [1] cannot start from it" in proc.stderr, proc.stderr
    # Without seeds: the checkpoint's seed. A frozen `set:` value that differs from the checkpoint's is refused.
    text = given.read_text().replace("seeds: [1, 2]\n", "")
    given.write_text(text.replace("consumers.count: 500", "consumers.count: 400"))
    proc = _pfsim_sweep(given, "--check")
    assert proc.returncode == 2
    assert f"{given}:2:7: set.consumers.count:" in proc.stderr and "is 400 here but 500" in proc.stderr, proc.stderr
    given.write_text(text)
    proc = _pfsim_sweep(given, "--out", tmp_path / "given", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    warm = _from_sweep(tmp_path, scenario, "warmup", seeds="[2]")
    proc = _pfsim_sweep(warm, "--out", tmp_path / "warm", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    a = pd.read_csv(tmp_path / "given" / "summary.csv")
    assert list(a["seed"]) == [2, 2]
    pd.testing.assert_frame_equal(a, pd.read_csv(tmp_path / "warm" / "summary.csv"))
