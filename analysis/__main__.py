"""Command line: ``python3 -m analysis report RESULTS.h5 [--baseline B.h5] -o report.html``.

``pfsim report``, ``pfsim headline`` and ``pfsim tidy`` call exactly this
entry point with the same arguments (and work from any folder).
Other subcommands: ``headline`` (the headline-effects table as text or CSV)
and ``tidy`` (results in long form as CSV). Exit codes: 0 success, 2 bad input.
"""

from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python3 -m analysis", description="pfsim results analysis")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("report", help="one self-contained HTML report of a run (optionally against a baseline)")
    r.add_argument("results", nargs="+", help="results file(s) of the scenario (several = several seeds)")
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

    t = sub.add_parser("tidy", help="write results in long form (run, scenario, seed, date, indicator, value, units)")
    t.add_argument("results", nargs="+")
    t.add_argument("-o", "--out", default="-", help="CSV file (default: stdout)")
    return p


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
            df.to_csv(sys.stdout if args.out == "-" else args.out, index=False)
    except BrokenPipeError:  # e.g. `... headline | head`
        sys.stderr.close()
        return 0
    except (OSError, ValueError, KeyError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
