"""pfsim and Python threads: the GIL is released while stepping, concurrent
misuse is refused, and Ctrl-C stops a long run cleanly at a day boundary."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np

from conftest import PYDIR, ROOT, require_pfsim

pfsim = require_pfsim()

BASELINE = ROOT / "scenarios" / "baseline.yaml"


def make(consumers=5000, days=365, threads=1, **kw):
    sc = pfsim.Scenario(
        BASELINE,
        {"consumers.count": consumers, "smes.count": consumers // 10, "run.days": days},
    )
    return pfsim.Simulation(sc, seed=1, threads=threads, **kw)


def test_a_python_thread_runs_while_the_engine_steps():
    sim = make(consumers=20000)
    ticks = []
    stop = threading.Event()

    def watchdog():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.001)

    t = threading.Thread(target=watchdog)
    t.start()
    try:
        time.sleep(0.01)
        t0 = time.monotonic()
        sim.step(100)  # ~0.3 s of C++ on an idle machine
        t1 = time.monotonic()
    finally:
        stop.set()
        t.join()
    during = [x for x in ticks if t0 < x < t1]
    assert (
        len(during) >= 10
    ), f"watchdog ran {len(during)} times in {t1 - t0:.2f} s of stepping"


def test_two_simulations_step_concurrently_from_two_threads():
    long, short = make(consumers=20000), make(consumers=5000)
    reference = make(consumers=5000)
    reference.step(10)
    started, times = threading.Event(), {}

    def step_long():
        started.set()
        long.step(200)
        times["long_done"] = time.monotonic()

    def step_short():
        started.wait()
        time.sleep(0.05)  # the long step is under way
        short.step(10)
        times["short_done"] = time.monotonic()

    threads = [threading.Thread(target=step_long), threading.Thread(target=step_short)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # With the GIL held, the short step could not start before the long one ended.
    assert times["short_done"] < times["long_done"]
    assert long.days_done == 200 and short.days_done == 10
    # Stepping in a thread gives the same results as anywhere else.
    assert short.results.to_pandas().equals(reference.results.to_pandas())


def test_concurrent_use_of_one_simulation_is_refused():
    sim = make(consumers=20000)
    inside = threading.Event()
    errors = []

    def stepper():
        inside.set()
        sim.step(150)

    t = threading.Thread(target=stepper)
    t.start()
    inside.wait()
    deadline = time.monotonic() + 5
    while not sim._core.busy and time.monotonic() < deadline:
        time.sleep(0.001)
    for attempt in (
        lambda: sim.consumers.deposit,
        lambda: sim.step(1),
        lambda: sim.ledger.audit(),
    ):
        try:
            attempt()
        except RuntimeError as e:
            errors.append(str(e))
    t.join()
    assert len(errors) == 3 and all("another thread" in e for e in errors), errors
    assert sim.days_done == 150 and sim.ledger.audit() == []



def _saved_run(tmp_path, name="run.h5"):
    """A short run with a shock (events: text columns) saved to a results file."""
    sim = make(consumers=2000, days=60)
    sim.step(20)
    sim.apply_shock({"type": "house_price_shock", "change": -0.2, "region": 0})
    sim.step(10)
    path = tmp_path / name
    sim.save(path)
    return path


def test_results_files_read_from_threads_take_turns(tmp_path, monkeypatch):
    # h5py crashes (SIGSEGV) under concurrent use from threads, and a sweep
    # reads its runs' files on worker threads: pfsim's reads must not overlap.
    path = _saved_run(tmp_path)
    reference = pfsim.open_results(path).to_pandas()
    real_read = pfsim._results._read_results
    inside, most, lock = [0], [0], threading.Lock()

    def slow_read(p):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        try:
            time.sleep(0.02)  # long enough for another thread to arrive
            return real_read(p)
        finally:
            with lock:
                inside[0] -= 1

    monkeypatch.setattr(pfsim._results, "_read_results", slow_read)
    frames, errors = [], []

    def reader():
        try:
            for _ in range(4):
                frames.append(pfsim.open_results(path).to_pandas())
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert most[0] == 1, f"{most[0]} reads of results files ran at once"
    assert len(frames) == 16 and all(f.equals(reference) for f in frames)


def test_many_threads_reading_results_files_get_what_one_reads(tmp_path):
    paths = [_saved_run(tmp_path, f"run{k}.h5") for k in range(2)]
    reference = [pfsim.open_results(p) for p in paths]
    errors = []

    def reader(k):
        try:
            for i in range(15):
                got = pfsim.open_results(paths[(i + k) % 2])
                want = reference[(i + k) % 2]
                assert got.to_pandas().equals(want.to_pandas())
                assert got.events.equals(want.events) and len(got.events) >= 1
                with pfsim.hdf5_lock:  # a user's own h5py read beside pfsim's
                    import h5py

                    with h5py.File(paths[k % 2], "r") as f:
                        assert f["timeseries/date"].shape[0] == len(want.days)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


CHILD = textwrap.dedent(
    """
    import gc, json, signal, sys, time
    # A shell that starts a job in the background makes it ignore SIGINT, and
    # Python then installs no KeyboardInterrupt handler: restore the default.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import pfsim
    sc = pfsim.Scenario(sys.argv[1], {"consumers.count": 20000, "smes.count": 2000,
                                      "run.days": 36500})
    sim = pfsim.Simulation(sc, seed=1, threads=2, out=sys.argv[2])
    sim.step(1)
    print("ready", flush=True)
    try:
        sim.run()
        print(json.dumps({"interrupted": False}), flush=True)
    except KeyboardInterrupt:
        stopped = time.monotonic()
        days = sim.days_done
        report = {"interrupted": True, "days": days, "stopped": stopped,
                  "problems": sim.ledger.audit(), "rows": len(sim.results)}
        sim.step(1)  # the run can go on
        report["after"] = sim.days_done
        del sim
        gc.collect()  # frees the engine: the .partial gets every simulated day
        print(json.dumps(report), flush=True)
    """
)


def test_ctrl_c_stops_a_long_run_at_a_day_boundary(tmp_path):
    out = tmp_path / "long.h5"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PYDIR), str(ROOT)]))
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(BASELINE), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # as from a non-interactive background shell: SIGINT ignored when the child starts
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        time.sleep(1.0)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    report = json.loads(stdout.strip().splitlines()[-1])
    assert report["interrupted"], "the run ended before the signal"
    assert report["stopped"] - sent < 2.0, "KeyboardInterrupt came late"
    assert 1 < report["days"] < 36500
    assert report["problems"] == []
    assert report["rows"] == report["days"] and report["after"] == report["days"] + 1
    partial = pfsim.open_results(out)  # out does not exist: reads out.partial
    assert partial.source.endswith(".partial") and len(partial) == report["after"]
    assert np.all(np.diff(partial.days) == 1)


TERM_CHILD = textwrap.dedent(
    """
    import sys
    import pfsim
    sc = pfsim.Scenario(sys.argv[1], {"consumers.count": 20000, "smes.count": 2000,
                                      "run.days": 36500, "run.spinup_days": 0,
                                      "run.flush_every_steps": 1000})
    sim = pfsim.Simulation(sc, seed=1, threads=2, out=sys.argv[2])
    sim.step(1)
    print("ready", flush=True)
    sim.run()
    print("not stopped", flush=True)
    """
)


def test_sigterm_while_stepping_flushes_every_day_and_exits_143(tmp_path):
    out = tmp_path / "long.h5"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PYDIR), str(ROOT)]))
    proc = subprocess.Popen([sys.executable, "-c", TERM_CHILD, str(BASELINE), str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        time.sleep(1.5)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 143, stderr
    assert "not stopped" not in stdout
    assert "stopped by SIGTERM after" in stderr and "pfsim recover" in stderr
    days = int(stderr.split("stopped by SIGTERM after ")[1].split()[0])
    assert days > 1
    # flush_every_steps is 1000: without the handler only day 1 would be on disk
    partial = pfsim.open_results(out)
    assert partial.source.endswith(".partial") and len(partial) == days
    assert np.all(np.diff(partial.days) == 1)
    # ... and a checkpoint beside it that continues the run (docs/checkpoints.md)
    assert "pfsim resume" in stderr
    resumed = pfsim.Simulation.load(tmp_path / "long.ckpt.h5", threads=1)
    assert resumed.days_done == days and len(resumed.results) == days
