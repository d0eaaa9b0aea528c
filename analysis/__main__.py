"""Command line: ``python3 -m analysis report RESULTS.h5 [--baseline B.h5] -o report.html``.

``pfsim report``, ``pfsim headline`` and ``pfsim tidy`` call exactly this
entry point with the same arguments (and work from any folder).
Other subcommands: ``headline`` (the headline-effects table as text or CSV)
and ``tidy`` (results in long form as CSV). Exit codes: 0 success, 2 bad input.
"""

from __future__ import annotations

import argparse
import os
import sys


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python3 -m analysis", description="pfsim results analysis")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("report", help="one self-contained HTML report of a run (optionally against a baseline)")
    r.add_argument("results", nargs="*", help="results file(s) of the scenario (several = several seeds)")
    r.add_argument("--sweep", default=None, metavar="DIR", help="report on a sweep folder (pfsim sweep --out DIR)")
    r.add_argument("--baseline", nargs="+", default=None, metavar="B.h5", help="baseline results file(s)")
    r.add_argument("-o", "--out", default="report.html", help="HTML file to write (default report.html)")
    r.add_argument("--title", default=None, help="page title")
    r.add_argument("--last-days", type=int, default=30, help="headline window: mean over the last N days (30)")
    r.add_argument("--svg", action="store_true", help="embed figures as inline SVG instead of PNG")
    r.add_argument("--figures", default=None, help="comma-separated figure names (default: all; see analysis.FIGURES)")
    r.add_argument("--window", type=int, default=None, metavar="DAYS",
                   help="also draw the look_at indicators DAYS either side of each event")

    h = sub.add_parser("headline", help="print the headline-effects table")
    h.add_argument("results", nargs="+")
    h.add_argument("--baseline", nargs="+", default=None, metavar="B.h5")
    h.add_argument("--last-days", type=int, default=30)
    h.add_argument("--csv", action="store_true", help="CSV instead of a text table")
    for q in (r, h):
        q.add_argument("--indicators", default=None,
                       help="comma-separated indicators (default: the scenario's look_at, then the standard list)")
        q.add_argument("--allow-mismatch", action="store_true",
                       help="compare with a baseline of other dates, length, scale or agent counts")

    w = sub.add_parser("sweep", help="run a sweep file (docs/sweeps.md)")
    w.add_argument("sweep_file", help="the sweep file (YAML)")
    w.add_argument("--out", "-o", default=None, metavar="DIR", help="folder for the runs and the summary")
    w.add_argument("--workers", type=int, default=None, help="runs at once on this machine (default: cores / 2)")
    w.add_argument("--threads", type=int, default=None, help="engine threads per run (default: cores / runs at once)")
    w.add_argument("--check", action="store_true", help="only check the sweep file and print its size")
    w.add_argument("-q", "--quiet", action="store_true", help="no progress")

    sub.add_parser("sweep-schema", help="print the JSON Schema of sweep files")

    t = sub.add_parser("tidy", help="write results in long form (run, scenario, seed, date, indicator, value, units)")
    t.add_argument("results", nargs="+")
    t.add_argument("-o", "--out", default="-", help="CSV file (default: stdout)")
    return p


def _sweep(args) -> int:
    """``pfsim sweep``: 0 every run ok, 4 some runs failed (recorded), 2 bad
    input, 130 / 143 interrupted (finished runs kept)."""
    from .sweep_file import SweepFileError, load_sweep
    from .sweep_run import EXIT_RUNS_FAILED, SweepInterrupted, _mpi_size, run_sweep

    rank0 = _mpi_size() == 1 or os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("PMI_RANK", "0")) == "0"
    for name in ("workers", "threads"):
        value = getattr(args, name)
        if value is not None and value < 1:
            print(f"error: --{name}: expected a number ≥ 1, found {value}", file=sys.stderr)
            return 2
    try:
        spec = load_sweep(args.sweep_file)
    except SweepFileError as err:
        if rank0:
            n = len(err.problems)
            print(f"{err}\n{n} problem{'s' if n != 1 else ''} in {args.sweep_file}; nothing was run", file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        if rank0:
            print(f"error: {err}", file=sys.stderr)
        return 2
    if args.check:
        from .designs import make_design

        d = make_design(spec)
        start = ""
        if spec.start_from and spec.start_from["kind"] == "warmup":
            start = f", each from its seed's warm-up: {len(spec.seeds)} warm-up(s) first"
        elif spec.start_from:
            start = f", each from the checkpoint {spec.start_from['path']}"
        print(
            f"{args.sweep_file}: valid ({len(d.points)} points × {len(spec.seeds)} seeds = "
            f"{len(d.points) * len(spec.seeds)} runs of {spec.days} days{start})"
        )
        return 0
    if args.out is None:
        print("error: --out DIR is required (the folder for the runs and the summary)", file=sys.stderr)
        return 2
    if args.workers is not None and _mpi_size() > 1 and rank0:
        print("note: under mpirun each rank runs one run at a time; --workers is ignored", file=sys.stderr)
    try:
        _, failed = run_sweep(args.sweep_file, args.out, workers=args.workers, threads=args.threads,
                              quiet=args.quiet, spec=spec)
    except SweepInterrupted as err:
        print(f"\npfsim sweep: interrupted; finished runs are kept in {args.out}: run the same command again "
              "to do the rest", file=sys.stderr)
        return 128 + err.signum
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return EXIT_RUNS_FAILED if failed else 0


def main(argv=None) -> int:
    """Runs the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    from . import build_report, headline_effects, to_tidy

    indicators = None
    if getattr(args, "indicators", None):
        indicators = [n.strip() for n in args.indicators.split(",") if n.strip()]
    try:
        if getattr(args, "window", None) is not None and args.window < 1:
            raise ValueError("--window: expected a number of days ≥ 1")
        if args.command == "sweep":
            return _sweep(args)
        if args.command == "sweep-schema":
            from .sweep_file import sweep_schema_json

            print(sweep_schema_json())
            return 0
        if args.command == "report" and args.sweep is not None:
            if args.results:
                raise ValueError("give either results files or --sweep DIR, not both")
            from .sweep_results import build_sweep_report

            out = args.out if args.out != "report.html" else str(__import__("pathlib").Path(args.sweep) / "report.html")
            build_sweep_report(args.sweep, out, title=args.title)
            print(f"wrote {out}", file=sys.stderr)
            return 0
        if args.command == "report" and not args.results:
            raise ValueError("report: give results file(s), or --sweep DIR")
        if args.command == "report":
            figures = None
            if args.figures:
                from . import FIGURES

                figures = [f.strip() for f in args.figures.split(",") if f.strip()]
                unknown = [f for f in figures if f not in FIGURES and f != "look_at"]
                if unknown:
                    raise ValueError(f"--figures: unknown {', '.join(unknown)} (known: look_at, {', '.join(FIGURES)})")
            build_report(
                args.results,
                args.baseline,
                out=args.out,
                title=args.title,
                last_days=args.last_days,
                image_format="svg" if args.svg else "png",
                figures=figures,
                indicators=indicators,
                window=args.window,
                allow_mismatch=args.allow_mismatch,
                strict=True,
            )
            print(f"wrote {args.out}", file=sys.stderr)
        elif args.command == "headline":
            table = headline_effects(
                args.results, args.baseline, last_days=args.last_days, indicators=indicators,
                allow_mismatch=args.allow_mismatch, strict=True,
            )
            if args.csv:
                table.to_csv(sys.stdout)
            else:
                import pandas as pd

                with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_columns", None):
                    print(table.drop(columns=["description"]).to_string(float_format=lambda v: f"{v:.4g}"))
        elif args.command == "tidy":
            df = to_tidy(args.results)
            if args.out == "-":
                df.to_csv(sys.stdout, index=False)
            else:
                from ._output import write_text_output

                write_text_output(args.out, df.to_csv(index=False), inputs=args.results)
    except BrokenPipeError:  # e.g. `... headline | head`
        sys.stderr.close()
        return 0
    except (OSError, ValueError, KeyError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    # A crash in a native library (HDF5, h5py, the engine) prints every
    # thread's Python stack to stderr, where pfsim's callers keep it.
    import faulthandler

    faulthandler.enable()
    sys.exit(main())
