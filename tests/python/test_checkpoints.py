"""Checkpoints, resume and branches (issue 12; docs/checkpoints.md).

* resume equality: a run stopped at a day and resumed at 1, 2 and 4 threads
  writes /timeseries, /events and /networks byte for byte as the uninterrupted
  run — on the baseline and on the crackdown library scenario with the
  checkpoint among its events (some fired, ramps under way, some to come);
* fork equality: a branch (`run --from`) from day D with a scenario whose
  events are all after D equals that scenario run from day 0; frozen
  parameters and past events are refused, naming each;
* the five malformed checkpoints: exit 2, the file and the problem named,
  nothing written;
* SIGTERM / SIGINT: exit 143 / 130, `.partial` and checkpoint left, `pfsim
  resume` completes a run equal to the uninterrupted one. The 20-signal soak
  runs with PFSIM_CHECKPOINT_SOAK=1 (off in CI);
* Python: save_checkpoint / Simulation.load continue a run exactly, with its
  waiting shocks and interventions.
"""

import os
import random
import shutil
import signal
import subprocess
import time

import pytest

from conftest import PFSIM, ROOT, require_built, require_module, require_pfsim, run_pfsim

np = require_module("numpy")
h5py = require_module("h5py")
require_built("pfsim")

BASELINE = ROOT / "scenarios" / "baseline.yaml"
CRACKDOWN = ROOT / "scenarios" / "crackdown_2020_2021.yaml"
# Small and quick: 500 consumers, a 20-day spin-up, network snapshots every 4 days.
SMALL = ["--population", 500, "--set", "run.spinup_days=20", "--set", "interbank.snapshot_every_days=4", "-q"]


def datasets(path):
    """Every dataset of /timeseries, /events and /networks: name → (dtype, shape, bytes)."""
    out = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and name.split("/")[0] in ("timeseries", "events", "networks"):
                data = obj[()]
                raw = (
                    data.tobytes()
                    if getattr(data, "dtype", None) is not None and data.dtype.kind != "O"
                    else repr(data).encode()
                )
                out[name] = (obj.dtype.str, obj.shape, raw)

        f.visititems(visit)
    return out


def assert_same(a, b):
    da, db = datasets(a), datasets(b)
    assert da.keys() == db.keys()
    assert any(k.startswith("timeseries/") for k in da)
    different = [k for k in da if da[k] != db[k]]
    assert not different, f"{a} and {b} differ in {different}"


def run(scenario, out, *extra):
    return run_pfsim("run", scenario, "--out", out, *SMALL, *extra)


@pytest.fixture(scope="module")
def baseline_full(tmp_path_factory):
    d = tmp_path_factory.mktemp("baseline")
    run(BASELINE, d / "full.h5", "--steps", 12, "--threads", 2)
    return d / "full.h5"


@pytest.mark.parametrize("stop_day", [1, 5, 9])
def test_resume_equals_the_uninterrupted_baseline_at_any_thread_count(tmp_path, baseline_full, stop_day):
    run(BASELINE, tmp_path / "part.h5", "--steps", stop_day, "--threads", 2, "--checkpoint-every", 100)
    ckpt = tmp_path / "part.ckpt.h5"
    assert ckpt.exists()
    with h5py.File(ckpt, "r") as f:
        assert f.attrs["format"] == b"pfsim-checkpoint" or f.attrs["format"] == "pfsim-checkpoint"
        assert int(f["world/step"][0]) == 20 + stop_day
    assert "networks" in h5py.File(baseline_full, "r")
    for threads in (1, 2, 4):
        out = tmp_path / f"resumed{threads}.h5"
        run_pfsim("resume", ckpt, "--out", out, "--threads", threads, "--steps", 12 - stop_day, "-q")
        assert_same(baseline_full, out)


def test_resume_of_the_crackdown_with_events_either_side_of_the_checkpoint(tmp_path):
    # 14 days from 2020-10-28 (to Nov 10): the Nov-2 rules (phased in over a year)
    # fire before the checkpoint (after day 6), the Nov-3 IPO halt after it.
    window = ["--set", "run.start_date=2020-10-28", "--set", "run.days=170"]  # every event inside
    run(CRACKDOWN, tmp_path / "full.h5", *window, "--threads", 2, "--steps", 14)
    run(CRACKDOWN, tmp_path / "part.h5", *window, "--threads", 2, "--steps", 6, "--checkpoint-every", 6)
    with h5py.File(tmp_path / "part.ckpt.h5", "r") as f:
        assert len(f["world/shocks/ramps/target"]) > 0  # ramps under way
        assert len(f["sim/events/day"]) >= 2
    with h5py.File(tmp_path / "full.h5", "r") as f:
        days = sorted(set(int(d) for d in f["events/day"][()]))
    assert min(days) < 6 <= max(days), days  # events either side
    for threads in (1, 2, 4):
        out = tmp_path / f"resumed{threads}.h5"
        run_pfsim("resume", tmp_path / "part.ckpt.h5", "--out", out, "--threads", threads, "--steps", 8, "-q")
        assert_same(tmp_path / "full.h5", out)


def variant(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(f"extends: {BASELINE}\n{body}")
    return path


def test_a_branch_with_events_after_the_checkpoint_equals_the_scenario_from_day_0(tmp_path):
    later = variant(
        tmp_path,
        "later.yaml",
        "events:\n"
        "  - {date: 2019-01-07, type: policy_rate, rate: 0.06}\n"
        "  - {date: 2019-01-09, type: antitrust_fine, yuan: 1.0e+9}\n"
        "  - {when: 'step >= 10', type: cofunding_floor, share: 0.2}\n",
    )
    run(later, tmp_path / "direct.h5", "--steps", 12, "--threads", 2)
    run(BASELINE, tmp_path / "warm.h5", "--steps", 4, "--checkpoint-every", 4, "--threads", 2)
    proc = run(later, tmp_path / "branch.h5", "--from", tmp_path / "warm.ckpt.h5", "--steps", 8, "--threads", 4)
    assert "from" in proc.stdout
    assert_same(tmp_path / "direct.h5", tmp_path / "branch.h5")
    with h5py.File(tmp_path / "branch.h5", "r") as f:
        assert len(f["events/day"]) == 3


def test_a_branch_refuses_frozen_parameters_and_past_events_naming_each(tmp_path):
    run(BASELINE, tmp_path / "warm.h5", "--steps", 4, "--checkpoint-every", 4)
    ckpt = tmp_path / "warm.ckpt.h5"
    frozen = variant(
        tmp_path,
        "frozen.yaml",
        "interbank:\n  topology: erdos_renyi\nrun:\n  seed: 99\nrecord:\n  indicators: [consumption]\n"
        "events:\n  - {date: 2019-01-02, type: policy_rate, rate: 0.06}\n",
    )
    proc = run_pfsim("run", frozen, "--from", ckpt, "--out", tmp_path / "x.h5", *SMALL, check=False)
    assert proc.returncode == 2, proc.stderr
    for key in ("interbank.topology", "run.seed", "record.indicators", "events[0]"):
        assert key in proc.stderr
    assert "interbank network is drawn" in proc.stderr and "before the checkpoint" in proc.stderr
    proc = run_pfsim(
        "run",
        BASELINE,
        "--from",
        ckpt,
        "--out",
        tmp_path / "y.h5",
        "--population",
        600,
        "--set",
        "run.spinup_days=20",
        "--set",
        "interbank.snapshot_every_days=4",
        check=False,
    )
    assert proc.returncode == 2 and "consumers.count" in proc.stderr
    assert not list(tmp_path.glob("x.h5*")) and not list(tmp_path.glob("y.h5*"))
    # A live parameter may change: it takes effect from the branch's first day.
    live = variant(tmp_path, "live.yaml", "central_bank:\n  policy_rate: 0.06\n")
    run(live, tmp_path / "live.h5", "--from", ckpt, "--steps", 3)
    run(BASELINE, tmp_path / "same.h5", "--from", ckpt, "--steps", 3)
    with h5py.File(tmp_path / "live.h5", "r") as a, h5py.File(tmp_path / "same.h5", "r") as b:
        names = [n for n in a["timeseries"] if "rate" in n and a["timeseries"][n].ndim == 1]
        assert any(not np.array_equal(a["timeseries"][n][()], b["timeseries"][n][()]) for n in names)


def test_malformed_checkpoints_exit_2_naming_the_file_and_write_nothing(tmp_path):
    run(BASELINE, tmp_path / "good.h5", "--steps", 3, "--checkpoint-every", 3)
    good = tmp_path / "good.ckpt.h5"
    cases = {}
    cases["truncated"] = tmp_path / "truncated.ckpt.h5"
    cases["truncated"].write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    cases["corrupt"] = tmp_path / "corrupt.ckpt.h5"
    shutil.copy(good, cases["corrupt"])
    with h5py.File(good, "r") as f:
        offset = f["world/consumers/monthly_wage"].id.get_offset()
    with open(cases["corrupt"], "r+b") as f:
        f.seek(offset + 64)
        f.write(b"\xa5" * 16)
    cases["format version"] = tmp_path / "version.ckpt.h5"
    shutil.copy(good, cases["format version"])
    with h5py.File(cases["format version"], "r+") as f:
        f.attrs.modify("format_version", 99)
    cases["not a pfsim checkpoint"] = tmp_path / "good.h5"  # a results file: foreign HDF5
    cases["not an HDF5 file"] = tmp_path / "text.ckpt.h5"
    cases["not an HDF5 file"].write_text("run:\n  days: 3\n")
    for problem, path in cases.items():
        out = tmp_path / f"out-{path.stem}.h5"
        proc = run_pfsim("resume", path, "--out", out, check=False)
        assert proc.returncode == 2, (problem, proc.stderr)
        assert str(path) in proc.stderr and problem.split()[0] in proc.stderr, (problem, proc.stderr)
        assert not list(tmp_path.glob(f"out-{path.stem}*")), problem
        proc = run_pfsim("run", BASELINE, "--from", path, "--out", out, *SMALL, check=False)
        assert proc.returncode == 2 and str(path) in proc.stderr, (problem, proc.stderr)
        assert not list(tmp_path.glob(f"out-{path.stem}*")), problem


def test_a_failed_checkpoint_write_keeps_the_last_good_one(tmp_path):
    run(BASELINE, tmp_path / "r.h5", "--steps", 2, "--checkpoint-every", 2)
    ckpt = tmp_path / "r.ckpt.h5"
    before = ckpt.read_bytes()
    (tmp_path / "r.ckpt.h5.tmp").mkdir()  # the temp file cannot be created:
    (tmp_path / "r.ckpt.h5.tmp" / "keep").write_text("")  # a folder that is not empty
    proc = run_pfsim("resume", ckpt, "--out", tmp_path / "r.h5", "--force", "--steps", 2, "--checkpoint-every", 1)
    assert "checkpoint not written" in proc.stderr
    assert ckpt.read_bytes() == before


def signalled_runs(tmp_path, full, signals, rng, scenario_args):
    """Runs to the end, sending `signals` stop signals at random moments (each
    run or resume stopped once); returns how many were delivered."""
    out = tmp_path / "r.h5"
    ckpt = tmp_path / "r.ckpt.h5"
    sent = 0
    command = [str(PFSIM), "run", BASELINE, "--out", out, *scenario_args]
    while True:
        proc = subprocess.Popen([str(c) for c in command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            partial = tmp_path / "r.h5.partial"
            deadline = time.monotonic() + 60
            while not partial.exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            if sent < signals and proc.poll() is None:
                time.sleep(rng.uniform(0, 0.25))
                signo = rng.choice([signal.SIGTERM, signal.SIGINT])
                proc.send_signal(signo)
                sent += 1
            else:
                signo = None
            _, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode == 0:
            break
        assert signo is not None and proc.returncode == 128 + signo, err
        assert ckpt.exists() and partial.exists() and "pfsim resume" in err, err
        # The resume writes the whole results again (from the checkpoint): its
        # own .partial appearing says it is stepping, with its handlers in place.
        partial.unlink()
        command = [PFSIM, "resume", ckpt, "--out", out, "--threads", rng.choice([1, 2, 4]), "-q"]
    assert_same(full, out)
    return sent


LONG = [
    "--set",
    "run.days=60",
    "--population",
    3000,
    "--set",
    "run.spinup_days=5",
    "--set",
    "interbank.snapshot_every_days=4",
    "-q",
]


@pytest.fixture(scope="module")
def long_full(tmp_path_factory):
    d = tmp_path_factory.mktemp("long")
    run_pfsim("run", BASELINE, "--out", d / "full.h5", *LONG, "--threads", 2)
    return d / "full.h5"


@pytest.mark.parametrize("seed", [1, 2])
def test_sigterm_and_sigint_leave_a_checkpoint_that_resumes_to_the_same_results(tmp_path, long_full, seed):
    assert signalled_runs(tmp_path, long_full, 2, random.Random(seed), LONG) >= 1


@pytest.mark.skipif(os.environ.get("PFSIM_CHECKPOINT_SOAK") != "1", reason="soak: PFSIM_CHECKPOINT_SOAK=1")
def test_soak_twenty_signals(tmp_path, long_full):
    rng = random.Random(2026)
    sent = 0
    for chain in range(20):
        d = tmp_path / f"chain{chain}"
        d.mkdir()
        sent += signalled_runs(d, long_full, 1 + chain % 2, rng, LONG)
        if sent >= 20:
            break
    assert sent >= 20


# --- Python -------------------------------------------------------------------------


def small_scenario(pfsim):
    sc = pfsim.Scenario(BASELINE)
    sc.set_population(500)
    sc["run.spinup_days"] = 20
    sc["run.days"] = 12
    return sc


def test_python_save_checkpoint_and_load_continue_the_run_exactly(tmp_path):
    pfsim = require_pfsim()
    sc = small_scenario(pfsim)
    whole = pfsim.Simulation(sc, threads=2)
    whole.apply_shock({"type": "policy_rate", "rate": 0.05, "date": "2019-01-08"})
    whole.run()
    sim = pfsim.Simulation(sc, threads=2)
    sim.apply_shock({"type": "policy_rate", "rate": 0.05, "date": "2019-01-08"})
    sim.step(4)
    path = sim.save_checkpoint(tmp_path / "sim.ckpt.h5")
    loaded = pfsim.Simulation.load(path, threads=1)
    assert loaded.days_done == 4 and loaded.seed == sim.seed
    assert loaded.interventions == sim.interventions
    assert loaded.scenario.source == sc.source  # the file still gives the same scenario
    loaded.run()
    a, b = whole.results.to_pandas(), loaded.results.to_pandas()
    assert a.equals(b)
    assert list(loaded.events["type"]) == ["policy_rate"]
    # A checkpoint is not a results file, and a results file is not a checkpoint.
    loaded.save(tmp_path / "results.h5")
    with pytest.raises(pfsim.ScenarioError, match="not a pfsim checkpoint"):
        pfsim.Simulation.load(tmp_path / "results.h5")


def test_python_load_streams_every_day_to_out(tmp_path):
    pfsim = require_pfsim()
    sc = small_scenario(pfsim)
    pfsim.Simulation(sc, threads=2, out=tmp_path / "whole.h5").run()
    sim = pfsim.Simulation(sc, threads=2)
    sim.step(5)
    sim.save_checkpoint(tmp_path / "c.ckpt.h5")
    with pfsim.Simulation.load(tmp_path / "c.ckpt.h5", threads=4, out=tmp_path / "rest.h5") as loaded:
        loaded.run()
    assert_same(tmp_path / "whole.h5", tmp_path / "rest.h5")
