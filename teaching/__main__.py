"""``python3 -m teaching [SCENARIO] [--port P] [--host H]`` — what ``pfsim serve``
runs: the teaching page's server (docs/teaching.md). Exit codes: 0 stopped,
2 bad input (scenario, port in use)."""

from __future__ import annotations

import argparse
import importlib
import os
import pathlib
import signal
import sys
from typing import Any

REPO = pathlib.Path(__file__).resolve().parents[1]


def _pfsim():
    """The pfsim bindings: importable, or in $PFSIM_BUILD_DIR/python or <repo>/build/python."""
    try:
        return importlib.import_module("pfsim")
    except ImportError as first:
        dirs = [pathlib.Path(os.environ["PFSIM_BUILD_DIR"]) / "python"] if os.environ.get("PFSIM_BUILD_DIR") else []
        dirs.append(REPO / "build" / "python")
        for d in dirs:
            if any((d / "pfsim").glob("_core*.so")):
                sys.path.insert(0, str(d))
                return importlib.import_module("pfsim")
        raise SystemExit(f"error: pfsim serve needs the pfsim Python bindings ({first}); looked in "
                         f"{', '.join(map(str, dirs))}. Build them (scripts/build.sh release) or set "
                         "PFSIM_BUILD_DIR=<build dir>.")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pfsim serve", description="the teaching page: run the economy live in a browser")
    p.add_argument("scenario", nargs="?", default=str(REPO / "scenarios" / "classroom_live.yaml"),
                   help="scenario the page opens (default scenarios/classroom_live.yaml); the page may "
                        "also open the other scenarios of its folder by name")
    p.add_argument("--port", type=int, default=8765, help="TCP port (default 8765; 0: any free port)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--population", type=int, default=None,
                   help="consumer agents standing for the same economy (like pfsim run --population)")
    p.add_argument("--max-sessions", type=int, default=4,
                   help="engines at once, one per open tab (default 4); a tab beyond gets a message")
    p.add_argument("--threads", type=int, default=1, help="worker threads per engine (default 1)")
    p.add_argument("--grace", type=float, default=10.0,
                   help="seconds a session lives on after its tab closes (default 10)")
    p.add_argument("--verbose", action="store_true", help="log every request")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    pfsim = _pfsim()
    from .server import TeachingServer
    from .sessions import SessionManager

    default = pathlib.Path(args.scenario)
    if not default.exists() and (REPO / "scenarios" / f"{args.scenario}.yaml").exists():
        default = REPO / "scenarios" / f"{args.scenario}.yaml"
    if not default.is_file():
        print(f"error: {args.scenario}: scenario file not found", file=sys.stderr)
        return 2
    for name, value, low in (("--max-sessions", args.max_sessions, 1), ("--threads", args.threads, 0),
                             ("--population", args.population or 1, 1)):
        if value < low:
            print(f"error: {name} must be at least {low}, got {value}", file=sys.stderr)
            return 2
    # The page may open the given file or any scenario of its folder, by name only.
    scenarios = {p.stem: p for p in sorted(default.parent.glob("*.yaml"))}
    scenarios[default.stem] = default

    def load(name: str | None) -> tuple[Any, str]:
        from .sessions import SessionError

        name = name or default.stem
        if name not in scenarios:
            raise SessionError(f"scenario {name!r} is not served here (served: {', '.join(sorted(scenarios))})")
        try:
            sc = pfsim.Scenario(str(scenarios[name]))
            if args.population:
                sc.set_population(args.population)
        except pfsim.ScenarioError as err:
            raise SessionError(str(err)) from None
        return sc, name

    try:
        load(default.stem)  # a wrong scenario stops here with the CLI's message
    except Exception as err:  # SessionError
        print(f"error: {err}", file=sys.stderr)
        return 2
    sessions = SessionManager(pfsim, load, max_sessions=args.max_sessions, threads=args.threads,
                              grace_s=args.grace)
    try:
        server = TeachingServer((args.host, args.port), sessions, scenarios, default.stem, args.verbose)
    except OSError as err:
        print(f"error: cannot listen on {args.host}:{args.port}: {err.strerror or err}. "
              "Choose another --port (0: any free one).", file=sys.stderr)
        return 2
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in str(host) else host
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {args.host}: other machines can reach this page and start engines",
              file=sys.stderr)
    print(f"pfsim serve: http://{shown}:{port}/  (scenario {default.stem}; Ctrl-C stops)", flush=True)

    def stop(signum, frame):  # SIGTERM as Ctrl-C: free every engine, exit 0
        server.stop()

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.stopping = True
        sessions.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
