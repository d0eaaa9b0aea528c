"""Finding and running the ``pfsim`` command-line program.

The analysis package never links to the engine: it runs the CLI in
subprocesses, so it works whether or not the ``pfsim`` Python bindings are
built.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
from typing import Iterable, Mapping

__all__ = [
    "PfsimError",
    "repo_root",
    "find_pfsim",
    "find_scenario",
    "format_value",
    "run_scenario",
    "has_subcommand",
    "resolve",
    "downscale",
]


class PfsimError(RuntimeError):
    """The ``pfsim`` CLI failed; the message carries its exit code and stderr."""

    def __init__(self, args: Iterable[str], returncode: int, stderr: str):
        self.args_list = list(map(str, args))
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"pfsim {' '.join(self.args_list[1:])} failed (exit {returncode}):\n{stderr.strip()}")


def repo_root() -> pathlib.Path:
    """The pfsim working tree this package lives in (the parent of ``analysis/``)."""
    return pathlib.Path(__file__).resolve().parents[1]


def find_pfsim(pfsim: str | os.PathLike | None = None) -> pathlib.Path:
    """Locates the ``pfsim`` executable.

    Looks, in order, at: the ``pfsim`` argument (a file or a build directory),
    the ``PFSIM`` environment variable (the executable), ``PFSIM_BUILD_DIR``
    (``$PFSIM_BUILD_DIR/bin/pfsim``, the variable the test-suite uses),
    ``<repo>/build/bin/pfsim`` and finally ``pfsim`` on ``PATH``.

    Raises:
        FileNotFoundError: no executable was found; the message lists where it
            looked and how to build one.
    """
    candidates: list[pathlib.Path] = []
    if pfsim is not None:
        p = pathlib.Path(pfsim).expanduser()
        candidates.append(p / "bin" / "pfsim" if p.is_dir() else p)
    else:
        if os.environ.get("PFSIM"):
            candidates.append(pathlib.Path(os.environ["PFSIM"]).expanduser())
        if os.environ.get("PFSIM_BUILD_DIR"):
            candidates.append(pathlib.Path(os.environ["PFSIM_BUILD_DIR"]).expanduser() / "bin" / "pfsim")
        candidates.append(repo_root() / "build" / "bin" / "pfsim")
        on_path = shutil.which("pfsim")
        if on_path:
            candidates.append(pathlib.Path(on_path))
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c.resolve()
    looked = ", ".join(str(c) for c in candidates) or "(nowhere)"
    raise FileNotFoundError(
        f"pfsim executable not found (looked at: {looked}). Build it with "
        "`bash scripts/run-baseline.sh`, or set PFSIM=/path/to/pfsim or PFSIM_BUILD_DIR=<build dir>."
    )


def find_scenario(scenario: str | os.PathLike) -> pathlib.Path:
    """Resolves a scenario argument: an existing YAML path, or a bare name
    such as ``"baseline"`` looked up in ``<repo>/scenarios/``."""
    p = pathlib.Path(scenario).expanduser()
    if p.is_file():
        return p.resolve()
    for name in (p.name, p.name + ".yaml", p.name + ".yml"):
        q = repo_root() / "scenarios" / name
        if q.is_file():
            return q
    raise FileNotFoundError(f"scenario {scenario!s} not found (nor in {repo_root() / 'scenarios'})")


def format_value(value) -> str:
    """Formats a Python value for ``--set PATH=VALUE`` (YAML scalar syntax)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def run_scenario(
    scenario: str | os.PathLike,
    out: str | os.PathLike,
    *,
    seed: int | None = None,
    steps: int | None = None,
    overrides: Mapping[str, object] | None = None,
    threads: int | None = None,
    pfsim: str | os.PathLike | None = None,
    timeout: float | None = None,
) -> pathlib.Path:
    """Runs one scenario with the CLI and returns the results path.

    Equivalent to ``pfsim run SCENARIO --out OUT -q --force [--seed S]
    [--steps N] [--threads T] [--set path=value ...]``: an existing ``out`` is
    replaced, as a program that names its outputs expects.

    Args:
        scenario: a YAML file, or a name in ``<repo>/scenarios`` (``"baseline"``).
        out: the results file to write (its folder must exist).
        seed: overrides ``run.seed``.
        steps: days to simulate (default: the scenario's ``run.days``).
        overrides: ``{"consumers.count": 20000, ...}``, passed as ``--set``.
        threads: worker threads of the run (default: all cores).
        pfsim: the executable or its build directory (see :func:`find_pfsim`).
        timeout: seconds before the run is killed.

    Raises:
        PfsimError: the run failed (bad scenario, bad override, ...).
    """
    exe = find_pfsim(pfsim)
    args = [str(exe), "run", str(find_scenario(scenario)), "--out", str(out), "-q", "--force"]
    if seed is not None:
        args += ["--seed", str(int(seed))]
    if steps is not None:
        args += ["--steps", str(int(steps))]
    if threads is not None:
        args += ["--threads", str(int(threads))]
    for key, value in (overrides or {}).items():
        args += ["--set", f"{key}={format_value(value)}"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise PfsimError(args, proc.returncode, proc.stderr)
    return pathlib.Path(out)


def has_subcommand(name: str, pfsim: str | os.PathLike | None = None) -> bool:
    """True when ``pfsim --help`` lists the subcommand ``name`` (e.g. ``"contagion"``)."""
    try:
        exe = find_pfsim(pfsim)
    except FileNotFoundError:
        return False
    proc = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=30)
    text = proc.stdout + proc.stderr
    return any(line.split()[:1] == [name] for line in text.splitlines())


def resolve(scenario: str | os.PathLike, overrides: Mapping[str, object] | None = None, *, pfsim=None) -> str:
    """The fully resolved scenario text (``pfsim resolve SCENARIO [--set ...]``)."""
    exe = find_pfsim(pfsim)
    args = [str(exe), "resolve", str(find_scenario(scenario))]
    for key, value in (overrides or {}).items():
        args += ["--set", f"{key}={format_value(value)}"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise PfsimError(args, proc.returncode, proc.stderr)
    return proc.stdout


def downscale(scenario: str | os.PathLike, consumers: int, smes: int | None = None, *, pfsim=None) -> dict:
    """``--set`` overrides that run a scenario with fewer agents but the same economy.

    Returns ``{"consumers.count": consumers, "smes.count": ..., "run.scale": ...}``
    with ``run.scale`` raised so that consumers × scale (the real population
    the agents stand for) is unchanged — economy-wide totals and amounts set
    economy-wide (e.g. the platform's initial equity) then keep their
    proportions. SMEs shrink in the same ratio unless ``smes`` is given.
    The scenario's own counts and scale are read with ``pfsim resolve``.
    """
    text = resolve(scenario, pfsim=pfsim)
    from .results import yaml_value

    count = float(yaml_value(text, "consumers.count"))
    scale = float(yaml_value(text, "run.scale") or 1.0)
    sme_count = yaml_value(text, "smes.count")
    factor = count / float(consumers)
    out = {"consumers.count": int(consumers)}
    if smes is not None:
        out["smes.count"] = int(smes)
    elif sme_count is not None:
        out["smes.count"] = max(1, int(round(float(sme_count) / factor)))
    new_scale = scale * factor
    out["run.scale"] = int(new_scale) if float(new_scale).is_integer() else new_scale
    return out
