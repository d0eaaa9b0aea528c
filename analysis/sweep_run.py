"""Running a sweep file: every (point, seed) of its design, on one machine or
over MPI ranks, resumable; then the summary table.

Layout of ``--out DIR`` (docs/sweeps.md):

* ``sweep.json`` — the resolved sweep: parameters, design, points, seeds,
  statistics (written first; :func:`analysis.open_sweep` reads it);
* ``runs/p0003_s2.h5`` — the results file of point 3, seed 2 (written by
  ``pfsim run``, which publishes it by renaming only once complete);
* ``runs/p0003_s2.json`` — the run's record: status, message, statistics and
  the hash of what the run depends on; written atomically after the results
  file. A run counts as finished when its record says ``ok``, its hash matches
  the current sweep and its results file exists with the recorded size;
* ``warmups/s2.ckpt.h5`` (``from: warmup``) — seed 2's checkpoint at the end of
  the spin-up, written once (``pfsim run --steps 0 --checkpoint-every 1``)
  before that seed's runs, which start from it (``pfsim run --from``);
  ``warmups/s2.json`` is its record, kept like a run's (reused while it is ok,
  matches the sweep and the file has its recorded size);
* ``summary.csv`` / ``summary.h5`` — one row per (point, seed): ``point``,
  the parameter values, ``seed``, ``status``, ``message`` and every statistic.

A run's results depend only on its point and seed: how many workers or ranks
run the sweep changes the threads per run, which the engine's results do not
depend on (same scenario + seed → bit-identical at any thread count).
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import math
import os
import pathlib
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import numpy as np

from ._cli import find_pfsim, format_value
from ._pfsim import hdf5_lock
from .designs import make_design
from .sweep_file import SweepSpec, load_sweep

__all__ = ["run_sweep", "SweepInterrupted", "EXIT_RUNS_FAILED"]

EXIT_RUNS_FAILED = 4
RECORD_VERSION = 1


class SweepInterrupted(RuntimeError):
    """SIGINT / SIGTERM stopped the sweep; finished runs are kept."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"stopped by signal {signum}")


# --- one run ---------------------------------------------------------------------------------------


def run_id(point: int, seed: int) -> str:
    return f"p{point:04d}_s{seed}"


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


class _Context:
    """What every run of a sweep shares (picklable: sent to MPI ranks as tasks' context)."""

    def __init__(self, spec: SweepSpec, out: pathlib.Path, threads: int, pfsim: str):
        self.scenario = str(spec.scenario)
        self.scenario_digest = spec.scenario_digest()
        self.fixed = spec.fixed
        self.steps = spec.steps
        self.timeout = spec.timeout
        self.record = spec.record
        self.out = out
        self.threads = threads
        self.pfsim = pfsim
        self.record_digest = _digest([vars(s) for s in spec.record])
        self.start_from = spec.start_from
        self.checkpoints = {s: spec.checkpoint_file(s) for s in spec.seeds}
        self._checkpoint_digests: dict = {}

    def warmup_digest(self, seed: int) -> str:
        """What a warm-up depends on: the economy (scenario, `set:`) and the seed."""
        return _digest({"scenario": self.scenario_digest, "set": self.fixed, "seed": seed, "warmup": 1})

    def checkpoint_for(self, seed: int) -> pathlib.Path | None:
        """The checkpoint the runs of ``seed`` start from (None: day 0)."""
        if self.start_from is None:
            return None
        if self.start_from["kind"] == "warmup":
            return self.out / "warmups" / f"s{seed}.ckpt.h5"
        return self.checkpoints[seed]

    def _from_digest(self, seed: int):
        if self.start_from is None:
            return None
        if self.start_from["kind"] == "warmup":
            return self.warmup_digest(seed)  # a warm-up written again is the same state (deterministic)
        path = self.checkpoints[seed]
        if path not in self._checkpoint_digests:
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            self._checkpoint_digests[path] = h.hexdigest()[:16]
        return self._checkpoint_digests[path]

    def run_digest(self, values: dict, seed: int) -> str:
        what = {
            "scenario": self.scenario_digest,
            "set": self.fixed,
            "values": values,
            "seed": seed,
            "steps": self.steps,
        }
        if self.start_from is not None:
            what["from"] = self._from_digest(seed)
        return _digest(what)


_children: set = set()
_children_lock = threading.Lock()
_stopping = threading.Event()


def _stop_children() -> None:
    with _children_lock:
        procs = list(_children)
    for p in procs:
        with contextlib.suppress(OSError):
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for p in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        if p.poll() is None:
            p.kill()


def _run_pfsim(ctx: _Context, out: pathlib.Path, values: dict, seed: int, warmup: bool = False) -> tuple[int, str]:
    args = [ctx.pfsim, "run", ctx.scenario, "--out", str(out), "-q", "--force", "--seed", str(seed)]
    args += ["--threads", str(ctx.threads)]
    if warmup:  # the spin-up only, then a checkpoint (docs/checkpoints.md)
        args += ["--steps", "0", "--checkpoint-every", "1"]
    else:
        if ctx.steps is not None:
            args += ["--steps", str(ctx.steps)]
        ckpt = ctx.checkpoint_for(seed)
        if ckpt is not None:
            args += ["--from", str(ckpt)]
    for key, value in {**ctx.fixed, **values}.items():
        text = json.dumps(value) if isinstance(value, list) else format_value(value)
        args += ["--set", f"{key}={text}"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with _children_lock:
        _children.add(proc)
    try:
        _, err = proc.communicate(timeout=ctx.timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return -1, f"timed out after {ctx.timeout:g} s (timeout_seconds)"
    finally:
        with _children_lock:
            _children.discard(proc)
    return proc.returncode, err


def _window_mask(dates: np.ndarray, window) -> np.ndarray:
    if window is None:
        return np.ones(dates.shape, dtype=bool)
    lo, hi = (np.datetime64(w, "D") for w in window)
    return (dates >= lo) & (dates <= hi)


def compute_statistics(path, record) -> dict:
    """The recorded statistics of one results file: ``{INDICATOR.STAT: value}``
    (a number, or for ``first_crossing`` an ISO date, ``""`` when never)."""
    from .results import open_results

    ds = open_results(path, indicators={s.indicator for s in record})
    dates = ds["date"].values.astype("datetime64[D]")
    out: dict = {}
    for s in record:
        if s.indicator not in ds:
            raise KeyError(f"indicator {s.indicator} is not in the results file (record.indicators of the scenario?)")
        v = ds[s.indicator].values.astype("float64")
        if s.stat == "at":
            hit = np.nonzero(dates == np.datetime64(s.date, "D"))[0]
            out[s.column] = float(v[hit[0]]) if hit.size else math.nan
            continue
        m = _window_mask(dates, s.window)
        w, wd = v[m], dates[m]
        finite = np.isfinite(w)
        if s.stat == "first_crossing":
            hits = np.nonzero(finite & ((w > s.above) if s.above is not None else (w < s.below)))[0]
            out[s.column] = str(wd[hits[0]]) if hits.size else ""
        elif not finite.any():
            out[s.column] = math.nan
        elif s.stat == "mean":
            out[s.column] = float(np.mean(w[finite]))
        elif s.stat == "sum":
            out[s.column] = float(np.sum(w[finite]))
        elif s.stat == "min":
            out[s.column] = float(np.min(w[finite]))
        elif s.stat == "max":
            out[s.column] = float(np.max(w[finite]))
    return out


def _write_json(path: pathlib.Path, obj) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, sort_keys=True, default=str)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _read_json(path: pathlib.Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _short_error(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.lower().startswith(("error", "internal error"))]
    text = " | ".join(errors or lines[-3:])
    return text[:2000] or "no message"


def warmup_paths(ctx: _Context, seed: int) -> tuple[pathlib.Path, pathlib.Path, pathlib.Path]:
    """A warm-up's results file, checkpoint and record."""
    d = ctx.out / "warmups"
    return d / f"s{seed}.h5", d / f"s{seed}.ckpt.h5", d / f"s{seed}.json"


def execute_warmup(seed: int, ctx: _Context) -> dict | None:
    """Writes seed's checkpoint at the end of the spin-up and its record (None:
    the sweep is being stopped)."""
    h5, ckpt, rec_path = warmup_paths(ctx, seed)
    h5.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    with contextlib.suppress(FileNotFoundError):
        ckpt.unlink()  # a stale one must not pass for this warm-up's
    record = {"version": RECORD_VERSION, "kind": "warmup", "id": f"warmup_s{seed}", "seed": seed}
    record["digest"] = ctx.warmup_digest(seed)

    def check() -> tuple[str, dict]:
        return ("" if ckpt.is_file() else f"pfsim run wrote no checkpoint {ckpt.name}"), {}

    return _run_and_record(record, rec_path, started, lambda: _run_pfsim(ctx, h5, {}, seed, warmup=True), check, ckpt)


def _run_and_record(
    record: dict, rec_path: pathlib.Path, started: float, run, check, output: pathlib.Path
) -> dict | None:
    """Runs ``run()`` (→ pfsim's exit code and stderr); after exit 0, ``check()``
    says what is wrong with the output ("" if nothing) and adds fields to the
    record. Writes the record with the outcome, the time taken and ``output``'s
    size, and returns it; None when the sweep is being stopped (an interrupted
    run is not recorded, so it reruns)."""
    extra: dict = {}
    try:
        code, err = run()
        if _stopping.is_set():
            return None
        if code != 0:
            status, message = "failed", (f"exit {code}: " if code > 0 else "") + _short_error(err)
        else:
            message, extra = check()
            status = "failed" if message else "ok"
    except Exception as err:  # a damaged file, a missing indicator...: this run fails, the sweep goes on
        if _stopping.is_set():
            return None
        status, message = "failed", f"{type(err).__name__}: {err}"
    record.update(extra)
    record.update(
        {
            "status": status,
            "message": message,
            "seconds": round(time.time() - started, 3),
            "file_size": output.stat().st_size if status == "ok" else None,
        }
    )
    _write_json(rec_path, record)
    return record


def finished_warmup(seed: int, ctx: _Context) -> dict | None:
    """The record of a good warm-up of this sweep for ``seed`` (None: write it)."""
    _, ckpt, rec_path = warmup_paths(ctx, seed)
    rec = _read_json(rec_path)
    if not rec or rec.get("version") != RECORD_VERSION or rec.get("status") != "ok":
        return None
    if rec.get("digest") != ctx.warmup_digest(seed):
        return None
    try:
        return rec if ckpt.stat().st_size == rec.get("file_size") else None
    except OSError:
        return None


def failed_by_warmup(task: dict, ctx: _Context, warm: dict) -> dict:
    """The record of a run not run because its seed's warm-up failed (it reruns next time)."""
    rid = run_id(task["point"], task["seed"])
    record = {
        "version": RECORD_VERSION,
        "id": rid,
        "point": task["point"],
        "seed": task["seed"],
        "values": task["values"],
        "run_digest": ctx.run_digest(task["values"], task["seed"]),
        "record_digest": ctx.record_digest,
        "status": "failed",
        "message": f"the warm-up of seed {task['seed']} failed: {warm.get('message', '')}",
        "statistics": {},
        "seconds": 0.0,
        "file_size": None,
    }
    _write_json(ctx.out / "runs" / f"{rid}.json", record)
    return record


def execute_task(task: dict, ctx: _Context) -> dict | None:
    """A warm-up or a run (the unit of work handed to workers and ranks)."""
    if task.get("kind") == "warmup":
        return execute_warmup(task["seed"], ctx)
    return execute(task, ctx)


def execute(task: dict, ctx: _Context) -> dict | None:
    """Runs one (point, seed), writes its record and returns it (None when the
    sweep is being stopped: an interrupted run is not recorded, so it reruns)."""
    rid = run_id(task["point"], task["seed"])
    runs = ctx.out / "runs"
    h5, rec_path = runs / f"{rid}.h5", runs / f"{rid}.json"
    started = time.time()
    record = {
        "version": RECORD_VERSION,
        "id": rid,
        "point": task["point"],
        "seed": task["seed"],
        "values": task["values"],
        "run_digest": ctx.run_digest(task["values"], task["seed"]),
        "record_digest": ctx.record_digest,
        "host": socket.gethostname(),
        "threads": ctx.threads,
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    record["statistics"] = {}

    def statistics() -> tuple[str, dict]:
        return "", {"statistics": compute_statistics(h5, ctx.record)}

    return _run_and_record(
        record, rec_path, started, lambda: _run_pfsim(ctx, h5, task["values"], task["seed"]), statistics, h5
    )


def finished_record(task: dict, ctx: _Context) -> dict | None:
    """The record of a run already done for this sweep (None: run it). When only
    the statistics asked for changed, they are recomputed from the results file."""
    rid = run_id(task["point"], task["seed"])
    h5, rec_path = ctx.out / "runs" / f"{rid}.h5", ctx.out / "runs" / f"{rid}.json"
    rec = _read_json(rec_path)
    if not rec or rec.get("version") != RECORD_VERSION or rec.get("status") != "ok":
        return None
    if rec.get("run_digest") != ctx.run_digest(task["values"], task["seed"]):
        return None
    try:
        if h5.stat().st_size != rec.get("file_size"):
            return None
    except OSError:
        return None
    if rec.get("record_digest") != ctx.record_digest:
        try:
            rec["statistics"] = compute_statistics(h5, ctx.record)
        except Exception:
            return None
        rec["record_digest"] = ctx.record_digest
        _write_json(rec_path, rec)
    return rec


# --- progress ----------------------------------------------------------------------------------------


class Progress:
    """A progress line on stderr: runs done / total, failures, elapsed, ETA."""

    def __init__(self, total: int, skipped: int, quiet: bool):
        self.total, self.done, self.failed = total, skipped, 0
        self.todo = total - skipped
        self.ran = 0
        self.t0 = time.monotonic()
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.last_print = 0.0

    @staticmethod
    def _clock(seconds: float) -> str:
        seconds = int(round(seconds))
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"

    def update(self, rec: dict) -> None:
        self.done += 1
        self.ran += 1
        self.failed += rec["status"] != "ok"
        if self.quiet:
            return
        elapsed = time.monotonic() - self.t0
        eta = elapsed / self.ran * (self.todo - self.ran)
        width = 30
        filled = int(width * self.done / max(1, self.total))
        bar = "#" * filled + "." * (width - filled)
        failed = f", {self.failed} failed" if self.failed else ""
        text = (
            f"[{bar}] {self.done}/{self.total} runs{failed}  elapsed {self._clock(elapsed)}" f"  ETA {self._clock(eta)}"
        )
        if self.tty:
            sys.stderr.write("\r" + text + ("\n" if self.done == self.total else ""))
        else:
            detail = f"{rec['id']} {rec['status']} ({rec.get('seconds', 0):.1f} s)"
            sys.stderr.write(f"{text}  {detail}\n")
        sys.stderr.flush()


# --- the sweep -----------------------------------------------------------------------------------------


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _mpi_size() -> int:
    for var in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return 1


def _manifest(spec: SweepSpec, design, tasks) -> dict:
    return {
        "format": "pfsim-sweep/1",
        "name": spec.name,
        "sweep_file": str(spec.file),
        "sweep_text": spec.text,
        "scenario": str(spec.scenario),
        "set": spec.fixed,
        "steps": spec.steps,
        "start_date": spec.start_date,
        "days": spec.days,
        "parameters": [
            {"path": p.path, "levels": p.levels, "low": p.low, "high": p.high, "scale": p.scale}
            for p in spec.parameters
        ],
        "design": {**spec.design, "kind": design.kind, "info": design.info},
        "unit": None if design.unit is None else design.unit.tolist(),
        "points": design.points,
        "seeds": spec.seeds,
        "record": [{**vars(s), "column": s.column} for s in spec.record],
        "sensitivity": spec.sensitivity,
        "from": spec.start_from,
        "runs": len(tasks),
    }


def _summary_frame(spec: SweepSpec, tasks, records: dict):
    import pandas as pd

    rows = []
    stat_cols = [s.column for s in spec.record]
    for t in tasks:
        rec = records.get((t["point"], t["seed"])) or {"status": "failed", "message": "not run", "statistics": {}}
        row = {"point": t["point"], **t["values"], "seed": t["seed"], "status": rec["status"]}
        row["message"] = rec.get("message", "")
        for c in stat_cols:
            row[c] = rec.get("statistics", {}).get(c, "" if c.endswith(".first_crossing") else math.nan)
        rows.append(row)
    cols = ["point", *[p.path for p in spec.parameters], "seed", "status", "message", *stat_cols]
    df = pd.DataFrame(rows, columns=cols).sort_values(["point", "seed"], kind="stable").reset_index(drop=True)
    return df


def write_summary(out: pathlib.Path, df, manifest: dict) -> None:
    """``summary.csv`` and ``summary.h5`` (group ``/summary``: one dataset per
    column, in the attribute ``columns``' order), each written to a temporary
    name and renamed."""
    import h5py

    tmp = out / "summary.csv.tmp"
    df.to_csv(tmp, index=False)
    os.replace(tmp, out / "summary.csv")
    tmp = out / "summary.h5.tmp"
    with hdf5_lock(), h5py.File(tmp, "w") as f:
        g = f.create_group("summary")
        g.attrs["columns"] = json.dumps(list(df.columns))
        for c in df.columns:
            col = df[c]
            if col.dtype.kind in "fiub":
                g.create_dataset(c, data=col.to_numpy())
            else:
                g.create_dataset(c, data=[str(v) for v in col], dtype=h5py.string_dtype())
        f.attrs["sweep"] = json.dumps(manifest, default=str)
        f.attrs["format"] = "pfsim-sweep-summary/1"
    os.replace(tmp, out / "summary.h5")


def _install_signals():
    def handler(signum, _frame):
        if not _stopping.is_set():
            _stopping.set()
            raise SweepInterrupted(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    return old


def run_sweep(
    sweep_file,
    out,
    *,
    workers: int | None = None,
    threads: int | None = None,
    quiet: bool = False,
    pfsim=None,
    spec: SweepSpec | None = None,
) -> tuple[object, int]:
    """Runs a sweep file (see the module docstring); returns ``(summary, failed)``
    — the summary DataFrame and the number of failed runs — or, on an MPI
    rank other than 0, ``(None, 0)``.

    ``workers`` runs at once on this machine (default: one per 2 cores, at
    least 1); each run gets ``threads`` engine threads (default: the cores
    divided by the concurrent runs on this machine). Under ``mpirun -n N``
    every rank runs one run at a time and rank 0 hands runs out as ranks free.

    Raises:
        SweepFileError, FileNotFoundError: a bad sweep file (nothing run).
        SweepInterrupted: SIGINT / SIGTERM; finished runs are kept.
    """
    spec = spec or load_sweep(sweep_file)
    _stopping.clear()  # an earlier sweep of this process may have been interrupted
    out = pathlib.Path(out)
    exe = str(find_pfsim(pfsim))
    size = _mpi_size()
    if size > 1:
        return _run_mpi(spec, out, threads, quiet, exe)
    cores = _cores()
    workers = max(1, workers if workers is not None else max(1, cores // 2))
    threads = threads or max(1, cores // workers)
    return _run_local(spec, out, workers, threads, quiet, exe)


def _prepare(spec: SweepSpec, out: pathlib.Path, threads: int, exe: str):
    design = make_design(spec)
    tasks = [{"point": i, "seed": s, "values": values} for i, values in enumerate(design.points) for s in spec.seeds]
    (out / "runs").mkdir(parents=True, exist_ok=True)
    ctx = _Context(spec, out, threads, exe)
    manifest = _manifest(spec, design, tasks)
    _write_json(out / "sweep.json", manifest)
    records, pending = {}, []
    for t in tasks:
        rec = finished_record(t, ctx)
        if rec is None:
            pending.append(t)
        else:
            records[(t["point"], t["seed"])] = rec
    return ctx, manifest, tasks, records, pending


class _Plan:
    """Which task to hand out next. With ``from: warmup`` a seed's warm-up goes
    first and its runs wait for it; only seeds with runs to do are warmed up, and
    a good warm-up from an earlier attempt is reused."""

    def __init__(self, ctx: _Context, pending: list):
        self.ctx = ctx
        self.warm_state: dict = {}  # seed → "todo" / "running" / "ok" / "failed"
        self.warm_reused = 0
        if ctx.start_from is not None and ctx.start_from["kind"] == "warmup":
            for seed in dict.fromkeys(t["seed"] for t in pending):
                if finished_warmup(seed, ctx) is not None:
                    self.warm_state[seed] = "ok"
                    self.warm_reused += 1
                else:
                    self.warm_state[seed] = "todo"
        self.ready: collections.deque = collections.deque()  # runs that can start now, in order
        self.waiting: dict = {}  # seed → its runs, until its warm-up is done
        for t in pending:
            if self.warm_state.get(t["seed"], "ok") == "ok":
                self.ready.append(t)
            else:
                self.waiting.setdefault(t["seed"], []).append(t)

    @property
    def warmups_to_do(self) -> int:
        return sum(1 for v in self.warm_state.values() if v == "todo")

    def next(self) -> dict | None:
        """A task that can start now, or None (none left, or the rest wait for warm-ups)."""
        for seed, state in self.warm_state.items():
            if state == "todo":
                self.warm_state[seed] = "running"
                return {"kind": "warmup", "seed": seed}
        return self.ready.popleft() if self.ready else None

    def empty(self) -> bool:
        return not self.ready and not self.waiting

    def warmup_done(self, rec: dict) -> list:
        """Notes a finished warm-up; returns the records of the runs it failed."""
        seed = rec["seed"]
        runs = self.waiting.pop(seed, [])
        if rec["status"] == "ok":
            self.warm_state[seed] = "ok"
            self.ready.extend(runs)
            return []
        self.warm_state[seed] = "failed"
        return [failed_by_warmup(t, self.ctx, rec) for t in runs]


@contextlib.contextmanager
def _lock(out: pathlib.Path):
    out.mkdir(parents=True, exist_ok=True)
    f = open(out / ".sweep.lock", "w")
    try:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OSError(f"{out}: another pfsim sweep is writing this folder; wait for it or use another --out")
        yield
    finally:
        f.close()


def _announce(quiet, tasks, pending, where, plan=None):
    if not quiet:
        done = len(tasks) - len(pending)
        skip = f" ({done} already finished, skipped)" if done else ""
        warm = ""
        if plan is not None and plan.warm_state:
            reused = f", {plan.warm_reused} reused" if plan.warm_reused else ""
            warm = f", after {plan.warmups_to_do} warm-up(s) (one per seed{reused}, in warmups/)"
        print(f"pfsim sweep: {len(pending)} of {len(tasks)} runs to do{warm}{skip}; {where}", file=sys.stderr)


def _note_done(task_rec, plan, records, progress, quiet) -> None:
    """Books a finished task's record: a run into the summary, a warm-up into the plan."""
    if task_rec is None:
        return
    if task_rec.get("kind") == "warmup":
        if not quiet:
            what = "ok" if task_rec["status"] == "ok" else f"FAILED: {task_rec['message']}"
            print(
                f"pfsim sweep: warm-up of seed {task_rec['seed']} {what} ({task_rec['seconds']:.1f} s)", file=sys.stderr
            )
        for rec in plan.warmup_done(task_rec):
            records[(rec["point"], rec["seed"])] = rec
            progress.update(rec)
        return
    records[(task_rec["point"], task_rec["seed"])] = task_rec
    progress.update(task_rec)


def _finish(spec, out, manifest, tasks, records, quiet):
    df = _summary_frame(spec, tasks, records)
    write_summary(out, df, manifest)
    failed = int((df["status"] != "ok").sum())
    if not quiet:
        note = f"; {failed} failed (see the status and message columns)" if failed else ""
        print(f"pfsim sweep: wrote {out / 'summary.csv'} and summary.h5 ({len(df)} runs{note})", file=sys.stderr)
    return df, failed


def _run_local(spec, out, workers, threads, quiet, exe):
    with _lock(out):
        ctx, manifest, tasks, records, pending = _prepare(spec, out, threads, exe)
        plan = _Plan(ctx, pending)
        _announce(quiet, tasks, pending, f"{workers} at a time, {threads} thread(s) each", plan)
        progress = Progress(len(tasks), len(tasks) - len(pending), quiet)
        old = _install_signals()
        pool = ThreadPoolExecutor(max_workers=workers)
        futures: dict = {}
        try:
            while True:
                while len(futures) < workers:
                    task = plan.next()
                    if task is None:
                        break
                    futures[pool.submit(execute_task, task, ctx)] = task
                if not futures:
                    break  # nothing running and nothing can start: every task is done
                done, _ = wait(set(futures), timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in done:
                    futures.pop(fut)
                    _note_done(fut.result(), plan, records, progress, quiet)
        except SweepInterrupted:
            for fut in futures:
                fut.cancel()
            _stop_children()
            pool.shutdown(wait=True)
            raise
        finally:
            pool.shutdown(wait=True)
            for s, h in old.items():
                signal.signal(s, h)
        return _finish(spec, out, manifest, tasks, records, quiet)


# --- MPI ---------------------------------------------------------------------------------------------------

_READY, _DONE = "ready", "done"


def _run_mpi(spec, out, threads, quiet, exe):
    try:
        from mpi4py import MPI
    except ImportError as err:
        raise OSError(
            f"running under mpirun needs mpi4py ({err}); install Debian's python3-mpi4py (apt-get install "
            "python3-mpi4py openmpi-bin)"
        ) from err
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    local = int(os.environ.get("OMPI_COMM_WORLD_LOCAL_SIZE") or os.environ.get("MPI_LOCALNRANKS") or size)
    threads = threads or max(1, _cores() // max(1, local))
    if rank != 0:
        _mpi_worker(comm, spec, out, threads, exe)
        return None, 0
    old = _install_signals()
    try:
        with _lock(out):
            ctx, manifest, tasks, records, pending = _prepare(spec, out, threads, exe)
            plan = _Plan(ctx, pending)
            where = f"{size} MPI ranks, one run each at a time, {threads} thread(s) per run"
            _announce(quiet, tasks, pending, where, plan)
            progress = Progress(len(tasks), len(tasks) - len(pending), quiet)
            waiting: list = []  # ranks asking for a task (runs may wait for a warm-up)
            stopped = 0
            pool = ThreadPoolExecutor(max_workers=1)  # rank 0 runs too, in one slot
            local_future = None
            status = MPI.Status()
            try:
                while stopped < size - 1 or local_future is not None or not plan.empty():
                    idle = True
                    if local_future is None:
                        task = plan.next()
                        if task is not None:
                            local_future = pool.submit(execute_task, task, ctx)
                    if local_future is not None and local_future.done():
                        rec = local_future.result()
                        local_future = None
                        idle = False
                        _note_done(rec, plan, records, progress, quiet)
                    while comm.Iprobe(source=MPI.ANY_SOURCE, tag=MPI.ANY_TAG, status=status):
                        src = status.Get_source()
                        kind, rec = comm.recv(source=src, tag=MPI.ANY_TAG)
                        idle = False
                        if kind == _DONE:
                            _note_done(rec, plan, records, progress, quiet)
                        waiting.append(src)
                    for src in list(waiting):
                        task = plan.next()
                        if task is not None:
                            comm.send(task, dest=src)
                        elif plan.empty():
                            comm.send(None, dest=src)
                            stopped += 1
                        else:
                            continue  # its task waits for a warm-up still running
                        waiting.remove(src)
                        idle = False
                    if idle:
                        time.sleep(0.01)  # poll: a blocking receive would spin a core
            finally:
                pool.shutdown(wait=True)
            return _finish(spec, out, manifest, tasks, records, quiet)
    except SweepInterrupted:
        _stop_children()
        comm.Abort(130)
        raise
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _mpi_worker(comm, spec, out, threads, exe):
    old = _install_signals()
    try:
        ctx = _Context(spec, out, threads, exe)
        comm.send((_READY, None), dest=0)
        while True:
            req = comm.irecv(source=0)
            while True:
                done, task = req.test()
                if done:
                    break
                time.sleep(0.01)
            if task is None:
                return
            rec = execute_task(task, ctx)
            comm.send((_DONE, rec), dest=0)
    except SweepInterrupted:
        _stop_children()
        raise
    except Exception as err:  # a bug: stop every rank rather than hang
        print(f"pfsim sweep: rank {comm.Get_rank()}: {type(err).__name__}: {err}", file=sys.stderr)
        comm.Abort(3)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
