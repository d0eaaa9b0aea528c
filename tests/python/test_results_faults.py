"""Results files under faults (issue 13): one writer per path, full disks, planted
symlinks and devices, SIGTERM, damaged files, recovery, interventions.

Every subprocess has a timeout: a hang is a failure here, not a stuck CI job.
The disk-full tests mount a small tmpfs (needs root; skipped otherwise).
"""

import json
import os
import pathlib
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

import pytest

from conftest import (PYDIR, ROOT, SMALL, KillWriter, require_built, require_module, require_pfsim,
                      run_pfsim)

np = require_module("numpy")
h5py = require_module("h5py")

PFSIM = require_built("pfsim")
BASELINE = ROOT / "scenarios" / "baseline.yaml"
TINY = ["--set", "consumers.count=2000", "--set", "smes.count=200", "--force"]  # --force: tests reuse paths
T = 60  # seconds: the most any one subprocess here may take

pytestmark = [pytest.mark.filterwarnings("ignore:numpy.ndarray size changed")]


def pfsim(*args, timeout=T, **kwargs):
    return run_pfsim(*args, check=False, timeout=timeout, **kwargs)


def start_run(out, *extra, steps=36500):
    """A `pfsim run` that goes on for a long time; returns once its `.partial` exists."""
    proc = subprocess.Popen(
        [str(PFSIM), "run", str(BASELINE), "--out", str(out), "--steps", str(steps), "-q",
         "--set", "run.flush_every_steps=5", *TINY, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    partial = pathlib.Path(str(out) + ".partial")
    deadline = time.monotonic() + T
    while not partial.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no .partial appeared"
        time.sleep(0.01)
    return proc


def stop(proc, sig=signal.SIGKILL):
    if proc.poll() is None:
        proc.send_signal(sig)
    out, err = proc.communicate(timeout=T)
    return proc.returncode, out, err


def h5_files_equal(a, b):
    return pathlib.Path(a).read_bytes() == pathlib.Path(b).read_bytes()


def days_in(path):
    with h5py.File(path, "r") as f:
        return f["timeseries/date"].shape[0]


# -- 1. one writer per output path ---------------------------------------------------------


def test_second_run_on_a_live_path_is_refused_at_once_naming_the_first(tmp_path):
    out = tmp_path / "r.h5"
    w = KillWriter(out, "--flush-every", 2, "--sleep-ms", 20)
    try:
        w.wait_for_flushes(2)
        t0 = time.monotonic()
        proc = pfsim("run", BASELINE, "--out", out, "--steps", 5, *TINY)
        assert time.monotonic() - t0 < 10
        assert proc.returncode == 2, proc.stderr
        assert f"pid {w.proc.pid}" in proc.stderr
        assert "being written by another process" in proc.stderr
        # The first writer is untouched: it goes on flushing into its own file.
        before = w.rows
        w.wait_for_flushes(2)
        assert w.rows > before
    finally:
        w.kill()
    with h5py.File(w.partial, "r", swmr=True) as f:
        assert f["timeseries/date"].shape[0] >= w.rows


def test_two_pfsim_runs_on_one_path_leave_one_good_file(tmp_path):
    out = tmp_path / "r.h5"
    first = start_run(out, steps=400)
    second = pfsim("run", BASELINE, "--out", out, "--steps", 30, *TINY)
    assert second.returncode == 2, second.stderr
    assert f"pid {first.pid}" in second.stderr
    code, _, err = stop(first, signal.SIGTERM) if first.poll() is None else (first.wait(), "", "")
    if code == 143:  # stopped by us: recover it
        proc = pfsim("recover", str(out) + ".partial")
        assert proc.returncode == 0, proc.stderr
    assert days_in(out) > 0
    assert not (tmp_path / "r.h5.lock").exists()


def test_two_simulations_with_one_out_raise_a_clear_error(tmp_path):
    pfsim_mod = require_pfsim()
    out = tmp_path / "r.h5"
    sc = pfsim_mod.Scenario(BASELINE)
    sc["consumers.count"] = 2000
    sc["smes.count"] = 200
    a = pfsim_mod.Simulation(sc, out=out)
    with pytest.raises(pfsim_mod.ScenarioError, match="this process"):
        pfsim_mod.Simulation(sc, out=out)
    a.step(3)
    a.close()
    assert days_in(out) == 3
    # The lock went with the first writer: the path can be written again.
    b = pfsim_mod.Simulation(sc, out=out)
    b.close()


def test_a_reader_never_blocks_a_writer(tmp_path):
    out = tmp_path / "r.h5"
    w = KillWriter(out, "--flush-every", 2, "--sleep-ms", 1)
    w.wait_for_flushes(2)
    w.kill()
    with h5py.File(w.partial, "r", swmr=True) as held:  # a reader of the stale .partial
        proc = pfsim("run", BASELINE, "--out", out, "--steps", 10, *TINY)
        assert proc.returncode == 0, proc.stderr
        assert held["timeseries/date"].shape[0] >= 4  # still reads its (old) file
    assert days_in(out) == 10
    # And a reader of the finished file does not block the next run either.
    with h5py.File(out, "r"):
        proc = pfsim("run", BASELINE, "--out", out, "--steps", 12, *TINY)
        assert proc.returncode == 0, proc.stderr
    assert days_in(out) == 12


def test_stale_lock_file_of_a_killed_run_is_taken_over(tmp_path):
    out = tmp_path / "r.h5"
    w = KillWriter(out, "--flush-every", 2)
    w.wait_for_flushes(1)
    w.kill()
    assert (tmp_path / "r.h5.lock").exists()  # SIGKILL: nobody deleted it, nobody holds it
    proc = pfsim("run", BASELINE, "--out", out, "--steps", 4, *TINY)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.h5"]


# -- 2. full disks -----------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """Mounts tmpfs filesystems of a given size under tmp_path; unmounts them all."""
    mounts = []

    def mount(size):
        where = tmp_path / f"disk{len(mounts)}"
        where.mkdir()
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                              capture_output=True, text=True, timeout=T)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs (needs root): {proc.stderr.strip()}")
        mounts.append(where)
        return where

    yield mount
    for where in mounts:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=T)


# 40k-1m: refused at the start (no room for the 1 MiB reserve); 1100k-4m: the disk
# fills during the run or while the final copy is written; 8m: enough.
@pytest.mark.parametrize("size", ["40k", "400k", "1m", "1100k", "1300k", "1600k", "2000k",
                                  "2400k", "2700k", "3m", "3500k", "4m", "8m"])
def test_full_disk_ends_with_exit_2_and_a_message_never_a_signal(small_disk, size):
    disk = small_disk(size)
    out = disk / "r.h5"
    proc = pfsim("run", BASELINE, "--out", out, "--steps", 400, *TINY)
    assert proc.returncode in (0, 2), (proc.returncode, proc.stderr)
    if proc.returncode == 2:
        assert "error:" in proc.stderr and "No space left on device" in proc.stderr, proc.stderr
        assert "internal error" not in proc.stderr
        assert "HDF5-DIAG" not in proc.stderr and "infinite loop" not in proc.stderr
        assert not out.exists()
        assert not (disk / "r.h5.lock").exists()
        partial = disk / "r.h5.partial"
        if partial.exists():  # whatever was flushed can be recovered
            rec = pfsim("recover", partial, "-o", disk.parent / f"rec{size}.h5")
            assert rec.returncode == 0, rec.stderr
    else:
        assert days_in(out) == 400


def test_full_disk_never_touches_the_previous_good_file(small_disk, tmp_path):
    disk = small_disk("2600k")
    out = disk / "r.h5"
    assert pfsim("run", BASELINE, "--out", out, "--steps", 5, *TINY).returncode == 0
    good = tmp_path / "good.h5"
    shutil.copyfile(out, good)
    proc = pfsim("run", BASELINE, "--out", out, "--steps", 1000, *TINY)
    assert proc.returncode == 2, proc.stderr
    assert "No space left on device" in proc.stderr
    assert h5_files_equal(out, good)


def test_full_disk_in_python_raises_and_exits_normally(small_disk):
    require_pfsim()  # skips without the Python module
    disk = small_disk("2000k")
    code = f"""
import sys
sys.path.insert(0, {str(PYDIR)!r})
import pfsim
sc = pfsim.Scenario({str(BASELINE)!r})
sc["consumers.count"] = 2000
sc["smes.count"] = 200
try:
    sim = pfsim.Simulation(sc, out={str(disk / 'r.h5')!r})
    sim.step(1000)
    sim.close()
except pfsim.ScenarioError as e:
    print("ScenarioError:", e)
    sys.exit(5)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=T)
    assert proc.returncode == 5, (proc.returncode, proc.stdout, proc.stderr)
    assert "No space left on device" in proc.stdout


def limit_file_size(kib):
    """preexec_fn: the child's file size limit, as `ulimit -f` (Slurm passes it on)."""
    import resource

    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (kib * 1024, kib * 1024))

    return apply


# 100k: hit while the file's layout is written; 600k, 1100k: while streaming;
# 4000k: enough.
@pytest.mark.parametrize("kib", [100, 600, 1100, 4000])
def test_file_size_limit_ends_with_exit_2_and_a_message_never_sigxfsz(tmp_path, kib):
    out = tmp_path / "r.h5"
    assert pfsim("run", BASELINE, "--out", out, "--steps", 2, *TINY).returncode == 0
    good = tmp_path / "good.h5"
    shutil.copyfile(out, good)
    proc = pfsim("run", BASELINE, "--out", out, "--steps", 300, *TINY,
                 preexec_fn=limit_file_size(kib))
    assert proc.returncode in (0, 2), (proc.returncode, proc.stderr)  # never -SIGXFSZ
    if proc.returncode == 0:
        assert days_in(out) == 300
        return
    assert "File too large" in proc.stderr and "ulimit -f" in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr and "HDF5-DIAG" not in proc.stderr
    assert h5_files_equal(out, good)  # the previous good file is untouched
    assert not (tmp_path / "r.h5.lock").exists()
    partial = tmp_path / "r.h5.partial"
    if partial.exists():  # whatever was flushed can be recovered
        rec = pfsim("recover", partial, "-o", tmp_path / "rec.h5")
        assert rec.returncode == 0, rec.stderr


# -- 3. safe paths -----------------------------------------------------------------------


def test_out_refuses_a_fifo(tmp_path):
    fifo = tmp_path / "out.h5"
    os.mkfifo(fifo)
    proc = pfsim("run", BASELINE, "--out", fifo, "--steps", 3, *TINY, timeout=20)
    assert proc.returncode == 2
    assert "not a regular file" in proc.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root could overwrite a device")
def test_out_refuses_a_character_device(tmp_path):
    dev = tmp_path / "null"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a private /dev/null
    proc = pfsim("run", BASELINE, "--out", dev, "--steps", 3, *TINY)
    assert proc.returncode == 2
    assert "not a regular file" in proc.stderr
    assert stat.S_ISCHR(os.lstat(dev).st_mode)


def test_out_refuses_the_input_scenario(tmp_path):
    scenario = tmp_path / "mine.yaml"
    shutil.copyfile(BASELINE, scenario)
    before = scenario.read_bytes()
    proc = pfsim("run", scenario, "--out", scenario, "--steps", 3, *TINY)
    assert proc.returncode == 2
    assert "would overwrite the input scenario" in proc.stderr
    assert scenario.read_bytes() == before


@pytest.mark.parametrize("planted", ["r.h5.partial", "r.h5.finishing", "r.h5", "r.h5.lock"])
def test_planted_symlinks_are_never_followed(tmp_path, planted):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    (tmp_path / planted).symlink_to(target)
    proc = pfsim("run", BASELINE, "--out", tmp_path / "r.h5", "--steps", 3, *TINY)
    assert proc.returncode == 2, proc.stderr
    assert "symbolic link" in proc.stderr
    assert target.read_text() == "keep me"
    assert (tmp_path / planted).is_symlink()


def test_save_refuses_non_regular_files(tmp_path):
    pf = require_pfsim()
    sc = pf.Scenario(BASELINE)
    sc["consumers.count"] = 2000
    sc["smes.count"] = 200
    sim = pf.Simulation(sc)
    sim.step(2)
    fifo = tmp_path / "fifo.h5"
    os.mkfifo(fifo)
    with pytest.raises(pf.ScenarioError, match="not a regular file"):
        sim.save(fifo)
    link = tmp_path / "link.h5"
    link.symlink_to(tmp_path / "elsewhere.h5")
    with pytest.raises(pf.ScenarioError, match="symbolic link"):
        sim.save(link)
    assert not (tmp_path / "elsewhere.h5").exists()
    with pytest.raises(pf.ScenarioError, match="is a directory"):
        sim.save(tmp_path)
    assert sim.save(tmp_path / "ok.h5") == str(tmp_path / "ok.h5")


def test_interventions_as_scenario_writes_only_regular_files_and_never_its_own_scenario(tmp_path):
    pf = require_pfsim()
    mine = tmp_path / "mine.yaml"
    mine.write_text("extends: " + str(BASELINE) + "\nconsumers: {count: 2000}\nsmes: {count: 200}\n")
    sim = pf.Simulation(pf.Scenario(mine))
    sim.step(1)
    before = mine.read_bytes()
    # Over the scenario it extends: it would extend itself, and the original is gone.
    with pytest.raises(pf.ScenarioError, match="would overwrite the scenario this run came from"):
        sim.interventions_as_scenario(mine)
    assert mine.read_bytes() == before
    # A planted symlink: neither the link nor its target changes.
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(victim)
    with pytest.raises(pf.ScenarioError, match="symbolic link"):
        sim.interventions_as_scenario(link)
    assert link.is_symlink() and victim.read_text() == "keep me\n"
    # A FIFO (a reader is held open so that a write would not block) stays a FIFO.
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(pf.ScenarioError, match="not a regular file"):
            sim.interventions_as_scenario(fifo)
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    # A regular file is replaced whole, with no temporary file left behind.
    out = tmp_path / "replay.yaml"
    out.write_text("old\n")
    assert sim.interventions_as_scenario(out) == str(out)
    assert "extends:" in out.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fifo.yaml", "link.yaml", "mine.yaml", "replay.yaml", "victim.txt"]
    assert pf.Scenario(out)["consumers.count"] == 2000


def test_tidy_and_report_outputs_refuse_their_inputs_links_and_fifos(tmp_path):
    sys.path.insert(0, str(ROOT))
    from analysis._output import write_text_output

    out = tmp_path / "r.h5"
    assert pfsim("run", BASELINE, "--out", out, "--steps", 3, *TINY).returncode == 0
    good = out.read_bytes()
    # `pfsim tidy r.h5 --out r.h5` would replace the results with their own table.
    proc = pfsim("tidy", out, "--out", out)
    assert proc.returncode == 2 and "would overwrite the input" in proc.stderr, proc.stderr
    assert out.read_bytes() == good
    # The writer behind tidy --out and report --out (analysis/_output.py):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    link = tmp_path / "link.csv"
    link.symlink_to(victim)
    with pytest.raises(ValueError, match="symbolic link"):
        write_text_output(link, "x\n")
    assert link.is_symlink() and victim.read_text() == "keep me\n"
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a write would not block
    try:
        with pytest.raises(ValueError, match="not a regular file"):
            write_text_output(fifo, "x\n")
    finally:
        os.close(reader)
    with pytest.raises(ValueError, match="is a directory"):
        write_text_output(tmp_path, "x\n")
    # A regular file is replaced whole; nothing temporary is left behind.
    table = tmp_path / "table.csv"
    table.write_text("old\n")
    write_text_output(table, "new\n", inputs=[out])
    assert table.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fifo.csv", "link.csv", "r.h5", "table.csv", "victim.txt"]


# -- 4. SIGTERM ---------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_is_handled_like_sigint(tmp_path, sig):
    out = tmp_path / "r.h5"
    proc = start_run(out)
    time.sleep(0.5)
    code, _, err = stop(proc, sig)
    assert code == 128 + sig, err
    match = re.search(r"after (\d+) steps", err)
    assert match, err
    done = int(match.group(1))
    assert f"pfsim recover {out}.partial" in err
    assert not (tmp_path / "r.h5.lock").exists()
    # Every simulated day is in the .partial: nothing lost to the flush interval.
    rec = pfsim("recover", f"{out}.partial")
    assert rec.returncode == 0, rec.stderr
    assert f"recovered {done} days" in rec.stdout
    assert days_in(out) == done


# The soak proper (PFSIM_FAULT_SOAK=1: 50 random moments, or =N for N) runs by
# hand; CI runs the first 8 of its moments as a smoke test (about 10 s).
SOAK_TRIALS = {"": 8, "0": 8, "1": 50}.get(os.environ.get("PFSIM_FAULT_SOAK", ""))
if SOAK_TRIALS is None:
    SOAK_TRIALS = int(os.environ["PFSIM_FAULT_SOAK"])


def test_kill_and_sigterm_soak(tmp_path):
    """Random moments: SIGTERM loses nothing, SIGKILL nothing beyond the last flush;
    every file left behind is readable or recoverable."""
    rng = random.Random(13)
    torn = []  # SIGKILLed files whose metadata was torn (see below)
    figures = {"finished": 0, "renamed": 0, "creating": 0, "recovered": 0, "torn": 0}
    for trial in range(SOAK_TRIALS):
        out = tmp_path / f"s{trial}.h5"
        sig = signal.SIGTERM if trial % 2 == 0 else signal.SIGKILL
        steps = rng.randint(20, 400)
        proc = start_run(out, steps=steps)
        time.sleep(rng.uniform(0.0, 0.4))
        code, stdout, err = stop(proc, sig)
        if code == 0:  # the run ended first
            assert days_in(out) > 0
            figures["finished"] += 1
            continue
        assert code in (128 + sig, -sig), (code, err)
        partial = pathlib.Path(f"{out}.partial")
        if out.exists():  # killed after the rename, before the exit
            assert days_in(out) == steps
            figures["renamed"] += 1
            continue
        if not partial.exists():
            # Killed while the file's layout was being created: no day was
            # simulated into it, and only a `.creating` file may be left.
            assert sig == signal.SIGKILL
            assert {p.name for p in tmp_path.glob(f"s{trial}.h5*")} <= {
                f"s{trial}.h5.creating", f"s{trial}.h5.lock"}
            figures["creating"] += 1
            continue
        t0 = time.monotonic()
        rec = pfsim("recover", partial, "-o", tmp_path / f"rec{trial}.h5")
        if rec.returncode != 0 and sig == signal.SIGKILL and "checksum" in rec.stderr:
            # Known and rare (2 of about 700 SIGKILLs while this was written):
            # an object header whose checksum fails for good. Likely cause, not
            # yet proven: a SIGKILL that lands while the kernel copies a
            # metadata block spanning two pages stops the write between them;
            # no HDF5 retry repairs that. It must fail fast and name the file;
            # SIGTERM (the handled stop) never leaves it.
            assert time.monotonic() - t0 < 10 and str(partial) in rec.stderr
            torn.append(trial)
            figures["torn"] += 1
            partial.unlink()
            continue
        assert rec.returncode == 0, rec.stderr
        n = days_in(tmp_path / f"rec{trial}.h5")
        if sig == signal.SIGTERM:
            assert n == int(re.search(r"after (\d+) steps", err).group(1))
        else:
            # Whole flushes of 5 days, or every day when killed inside finish()
            # (after the last rows were flushed and the file closed).
            assert n % 5 == 0 or n == steps
        figures["recovered"] += 1
        partial.unlink()
        (tmp_path / f"rec{trial}.h5").unlink()
    print(f"soak of {SOAK_TRIALS} moments: {figures}")
    assert len(torn) <= max(2, SOAK_TRIALS // 50), f"torn .partial after SIGKILL in trials {torn}"


# -- 5. recovery for users -----------------------------------------------------------------


def test_pfsim_recover_cli_and_python(tmp_path):
    pf = require_pfsim()
    out = tmp_path / "r.h5"
    w = KillWriter(out, "--flush-every", 3)
    w.wait_for_flushes(4)
    w.kill()
    proc = pfsim("recover", w.partial)
    assert proc.returncode == 0, proc.stderr
    assert days_in(out) >= w.rows
    assert pf.recover(w.partial, tmp_path / "py.h5") == str(tmp_path / "py.h5")
    assert days_in(tmp_path / "py.h5") == days_in(out)
    # Output refused when it is the input or not a regular file.
    proc = pfsim("recover", w.partial, "-o", w.partial)
    assert proc.returncode == 2 and "over its input" in proc.stderr
    os.mkfifo(tmp_path / "fifo.h5")
    proc = pfsim("recover", w.partial, "-o", tmp_path / "fifo.h5", timeout=20)
    assert proc.returncode == 2 and "not a regular file" in proc.stderr
    proc = pfsim("recover", tmp_path / "fifo.h5", "-o", tmp_path / "x.h5", timeout=20)
    assert proc.returncode == 2 and "not a regular file" in proc.stderr
    proc = pfsim("recover", tmp_path / "nothing.h5")
    assert proc.returncode == 2 and "-o" in proc.stderr


def test_recovering_a_live_run_is_refused(tmp_path):
    out = tmp_path / "r.h5"
    w = KillWriter(out, "--flush-every", 2, "--sleep-ms", 20)
    try:
        w.wait_for_flushes(1)
        proc = pfsim("recover", w.partial, "-o", tmp_path / "copy.h5")
        assert proc.returncode == 2
        assert f"pid {w.proc.pid}" in proc.stderr
    finally:
        w.kill()


@pytest.mark.parametrize("keep", [0.05, 0.2, 0.5, 0.8, 0.95])
def test_damaged_files_fail_fast(tmp_path, keep):
    """Truncated `.partial` and finished files: recover and open_results fail within
    seconds, naming the file (they used to retry for many minutes)."""
    pf = require_pfsim()
    out = tmp_path / "r.h5"
    w = KillWriter(out, "--flush-every", 2, "--indicators", 40, "--sleep-ms", 0)
    w.wait_for_flushes(200)
    w.kill()
    data = w.partial.read_bytes()
    cut = tmp_path / "cut.h5.partial"
    cut.write_bytes(data[: int(len(data) * keep)])
    t0 = time.monotonic()
    proc = pfsim("recover", cut, timeout=30)
    assert time.monotonic() - t0 < 15
    assert proc.returncode in (0, 2), proc.stderr
    if proc.returncode == 2:
        assert str(cut) in proc.stderr
    t0 = time.monotonic()
    try:
        pf.open_results(cut)
    except pf.ScenarioError as e:
        assert str(cut) in str(e)
    assert time.monotonic() - t0 < 15
    # A finished file cut short.
    assert pfsim("recover", w.partial, "-o", tmp_path / "full.h5").returncode == 0
    full = (tmp_path / "full.h5").read_bytes()
    cut_final = tmp_path / "cut_final.h5"
    cut_final.write_bytes(full[: int(len(full) * keep)])
    t0 = time.monotonic()
    with pytest.raises(pf.ScenarioError, match=re.escape(str(cut_final))):
        pf.open_results(cut_final)
    assert time.monotonic() - t0 < 15


def test_open_results_names_a_foreign_hdf5_file(tmp_path):
    pf = require_pfsim()
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(pf.ScenarioError, match="not a complete pfsim results file"):
        pf.open_results(foreign)
    garbage = tmp_path / "garbage.h5"
    garbage.write_bytes(b"not hdf5 at all" * 100)
    with pytest.raises(pf.ScenarioError, match=re.escape(str(garbage))):
        pf.open_results(garbage)


# -- 6. interventions written by the engine ----------------------------------------------


def test_interventions_are_in_the_file_when_it_appears(tmp_path):
    pf = require_pfsim()
    sc = pf.Scenario(BASELINE)
    sc["consumers.count"] = 2000
    sc["smes.count"] = 200
    sc["run.days"] = 6
    out = tmp_path / "r.h5"
    sim = pf.Simulation(sc, out=out)
    sim.run()  # the last day closes the file
    assert sim.out is None
    with h5py.File(out, "r") as f:
        stored = json.loads(f["metadata/interventions"][()])
        assert f["metadata/interventions"].attrs["long_name"].startswith(b"interventions")
    assert stored == sim.interventions
    assert {i["path"] for i in stored} >= {"consumers.count", "smes.count", "run.days"}
    res = pf.open_results(out)
    assert res.interventions == sim.interventions
    saved = sim.save(tmp_path / "saved.h5")
    assert pf.open_results(saved).interventions == sim.interventions


def test_cli_files_have_no_interventions_dataset(tmp_path):
    out = tmp_path / "r.h5"
    assert pfsim("run", BASELINE, "--out", out, "--steps", 3, *TINY).returncode == 0
    with h5py.File(out, "r") as f:
        assert "interventions" not in f["metadata"]


# -- 7. smaller items ----------------------------------------------------------------------


def test_empty_out_is_refused(tmp_path):
    proc = pfsim("run", BASELINE, "--out", "", "--steps", 3, *TINY, cwd=tmp_path)
    assert proc.returncode == 2
    assert "--out is empty" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_kill_writer_help_creates_no_file(tmp_path):
    exe = require_built("pfsim_kill_writer")
    proc = subprocess.run([str(exe), "--help"], capture_output=True, text=True, cwd=tmp_path,
                          timeout=T)
    assert proc.returncode == 64
    assert "usage" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_python_step_limit_equals_the_cli(tmp_path):
    pf = require_pfsim()
    sc = pf.Scenario(BASELINE)
    sc["consumers.count"] = 2000
    sc["smes.count"] = 200
    sim = pf.Simulation(sc)
    with pytest.raises(ValueError, match="at most 36500"):
        sim.step(10**12)
    assert sim.days_done == 0


def test_scenario_that_is_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    for command in ("validate", "resolve", "run"):
        proc = pfsim(command, fifo, timeout=20)
        assert proc.returncode == 2, (command, proc.stderr)
        assert "not a regular file" in proc.stderr


def test_symlink_loop_in_extends_is_named(tmp_path):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    top = tmp_path / "top.yaml"
    top.write_text("extends: a.yaml\n")
    proc = pfsim("validate", top)
    assert proc.returncode == 2
    assert "symbolic links" in proc.stderr and "no such file" not in proc.stderr


def contagion_stdin(model, text):
    return subprocess.run([str(PFSIM), "contagion", model, "-"], input=text, capture_output=True,
                          text=True, timeout=T)


def test_contagion_overflow_is_an_error_not_null():
    proc = contagion_stdin("eisenberg_noe", json.dumps(
        {"liabilities": [[0, 1e308], [0, 0]], "external_assets": [1e308, 1e308]}))
    assert proc.returncode == 2, proc.stdout
    assert proc.stdout == ""
    assert "not a finite number" in proc.stderr


def test_contagion_json_is_strict():
    ring = '{"liabilities": [[0, 10], [4, 0]], "external_assets": [2, 3]}'
    assert contagion_stdin("eisenberg_noe", ring).returncode == 0
    dup = '{"liabilities": [[0, 10], [4, 0]], "external_assets": [2, 3], "external_assets": [9, 9]}'
    proc = contagion_stdin("eisenberg_noe", dup)
    assert proc.returncode == 2 and "appears twice" in proc.stderr
    proc = contagion_stdin("eisenberg_noe", ring + "\0")
    assert proc.returncode == 2 and "NUL byte" in proc.stderr
    huge_key = "k" * 10_000_000
    proc = contagion_stdin("eisenberg_noe", '{"%s": 1, %s' % (huge_key, ring[1:]))
    assert proc.returncode == 2 and "unknown key" in proc.stderr
    assert len(proc.stderr) < 2000


def test_python_messages_for_nat_nan_and_negative_seed():
    pf = require_pfsim()
    pd = require_module("pandas")
    sc = pf.Scenario(BASELINE)
    sc["consumers.count"] = 2000
    sc["smes.count"] = 200
    with pytest.raises(ValueError, match="seed must be between 0 and 2\\*\\*53"):
        pf.Simulation(sc, seed=-1)
    sim = pf.Simulation(sc)
    with pytest.raises(ValueError, match="NaT"):
        sim.run(until=pd.NaT)
    with pytest.raises(ValueError, match="NaT"):
        sim.run(until=np.datetime64("NaT"))
    with pytest.raises(ValueError, match="'yuan' is nan; shock parameters must be finite"):
        sim.apply_shock({"type": "antitrust_fine", "yuan": float("nan")})
    assert sim.days_done == 0


def test_report_names_a_file_that_is_not_hdf5(tmp_path):
    garbage = tmp_path / "garbage.h5"
    garbage.write_text("garbage")
    proc = pfsim("report", garbage, "-o", tmp_path / "r.html", timeout=120)
    assert proc.returncode == 2
    assert str(garbage) in proc.stderr


def test_open_results_reads_the_partial_of_a_live_run(tmp_path):
    pf = require_pfsim()
    w = KillWriter(tmp_path / "r.h5", "--flush-every", 2, "--sleep-ms", 0)
    try:
        for _ in range(20):  # while the writer appends flat out
            w.wait_for_flushes(1)
            res = pf.open_results(tmp_path / "r.h5")
            assert len(res) >= 2
    finally:
        w.kill()
