"""One self-contained HTML report of a run (optionally against a baseline).

The page embeds every figure (base64 PNG, or inline SVG), the headline-effects
table, the events, the resolved scenario text and the provenance (seed,
program version, git commit). It references no external file, font, script
or URL, so it can be mailed or archived as is.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import json
import math
import os
import pathlib
from typing import Iterable, Sequence

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from ._output import check_output, write_text_output
from .compare import headline_effects, look_at
from .figures import FIGURES, WARMUP_DAYS, plot_indicators
from .stats import INTERVAL_NOTE
from .results import as_datasets, events, indicator_table, scenario_name

__all__ = ["build_report", "figure_html", "format_value", "scenario_changes"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1100px;
color:#222;line-height:1.45;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;
margin-top:2rem}
.meta{color:#555;margin-top:0}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{padding:.25rem .6rem;border-bottom:1px solid #e5e5e5;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
thead th{border-bottom:2px solid #999;background:#f7f7f7}
td.ci{color:#666;font-size:.78rem}
tr.role th{background:#f7f7f7;border-bottom:2px solid #999}
tr.look-at th{font-weight:700}tr.look-at{background:#fffbe6}
figure{margin:1.2rem 0}figure img,figure svg{max-width:100%;height:auto}
figcaption{color:#555;font-size:.85rem}
pre{background:#f6f8fa;padding:.8rem;overflow:auto;font-size:.8rem;max-height:40rem}
.note{color:#666;font-size:.85rem}
"""


def _scale(units: str, magnitude: float, share: bool = True) -> tuple[float, str]:
    """Display factor and unit label for a table row. A dimensionless quantity
    is shown in % only when it is a share (``share``); a ratio such as
    leverage 2.0 stays "2.00 ×", not "200%"."""
    if units == "1" and not share:
        return 1.0, "×"
    if units in ("1", "1/year"):
        return 100.0, "%" if units == "1" else "% /yr"
    if units.startswith("RMB"):
        base, _, per = units.partition("/")
        suffix = f"/{per}" if per else ""
        for factor, name in ((1e12, "tn"), (1e9, "bn"), (1e6, "mn")):
            if magnitude >= factor:
                return 1.0 / factor, f"{base} {name}{suffix}"
    return 1.0, units


def format_value(value: float, factor: float = 1.0, digits: int = 3) -> str:
    """A number for a table cell: 3 significant digits, thousands separators, "—" for NaN."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    v = float(value) * factor
    if v == 0:
        return "0"
    mag = math.floor(math.log10(abs(v)))
    decimals = max(0, digits - 1 - mag)
    return f"{v:,.{decimals}f}"


def figure_html(
    fig: Figure, name: str, title: str, *, image_format: str = "png", dpi: int = 90, caption: str = ""
) -> str:
    """A ``<figure id="fig-NAME">`` element embedding ``fig`` (base64 PNG or inline SVG)."""
    buf = io.BytesIO()
    if image_format == "svg":
        fig.savefig(buf, format="svg")
        svg = buf.getvalue().decode("utf-8")
        svg = svg[svg.index("<svg") :]  # drop the XML prologue and doctype
        svg = svg.replace(
            "<svg ",
            f'<svg id="svg-{html.escape(name)}" role="img" aria-label="{html.escape(name)}: ' f'{html.escape(title)}" ',
            1,
        )
        body = svg
    elif image_format == "png":
        fig.savefig(buf, format="png", dpi=dpi)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        body = f'<img alt="{html.escape(name)}: {html.escape(title)}" src="data:image/png;base64,{data}">'
    else:
        raise ValueError(f"image_format: expected png or svg, found {image_format!r}")
    cap = f"<figcaption>{html.escape(title)}{(' — ' + html.escape(caption)) if caption else ''}</figcaption>"
    return f'<figure id="fig-{html.escape(name)}">{body}{cap}</figure>'


def _mean_run(sets: Sequence[xr.Dataset]) -> xr.Dataset:
    """The mean over seeds of several runs of one scenario (attrs of the first)."""
    if len(sets) == 1:
        return sets[0]
    stacked = xr.concat(
        [ds.copy() for ds in sets], dim="run", join="outer", combine_attrs="override", fill_value=np.nan
    )
    mean = stacked.mean("run", keep_attrs=True, skipna=True)
    lo, hi = stacked.min("run", skipna=True), stacked.max("run", skipna=True)
    for name in list(mean.data_vars):  # the range over seeds, drawn as a band
        mean[f"{name}__seed_min"] = lo[name]
        mean[f"{name}__seed_max"] = hi[name]
    mean.attrs = dict(sets[0].attrs)
    mean.attrs["seeds"] = len(sets)
    return mean


def scenario_changes(baseline_yaml: str, scenario_yaml: str) -> str:
    """The lines of the resolved scenario text that differ from the baseline's
    (a unified diff without context; ``-`` baseline, ``+`` scenario)."""
    import difflib

    diff = difflib.unified_diff(
        baseline_yaml.splitlines(), scenario_yaml.splitlines(), "baseline", "scenario", n=1, lineterm=""
    )
    return "\n".join(line for line in diff if not line.startswith(("---", "+++")))


def _stem(ds: xr.Dataset) -> str:
    src = str(ds.attrs.get("source") or "")
    return pathlib.Path(src).stem if src else scenario_name(ds)


def _provenance_rows(sets: Sequence[xr.Dataset], role: str) -> list[tuple[str, str]]:
    first = sets[0]
    dates = first["date"].values
    rows = [
        ("scenario", scenario_name(first)),
        ("results files", ", ".join(str(ds.attrs.get("source", "")) for ds in sets)),
        ("seeds", ", ".join(str(ds.attrs.get("seed", "?")) for ds in sets)),
        (
            "days",
            f"{len(dates)} ({np.datetime_as_string(dates[0], unit='D')} … "
            f"{np.datetime_as_string(dates[-1], unit='D')})"
            if len(dates)
            else "0",
        ),
        ("program version", ", ".join(sorted({str(ds.attrs.get("program_version", "?")) for ds in sets}))),
        ("git commit", ", ".join(sorted({str(ds.attrs.get("git_commit", "?")) for ds in sets}))),
    ]
    if first.attrs.get("scenario_path"):
        rows.append(("scenario file", str(first.attrs["scenario_path"])))
    return [(role, None)] + rows


def _table_html(table, has_baseline: bool) -> str:
    def cell(v, factor):
        return f"<td>{format_value(v, factor)}</td>"

    def ci(lo, hi, factor):
        if not (isinstance(lo, float) and math.isfinite(lo)):
            return '<td class="ci"></td>'
        return f'<td class="ci">[{format_value(lo, factor)}, {format_value(hi, factor)}]</td>'

    head = ["Indicator", "Units"]
    if has_baseline:
        head += ["Baseline", "", "Scenario", "", "Change", "", "% change", ""]
    else:
        head += ["Mean", "95% CI"]
    out = ['<table id="headline-effects"><thead><tr>' + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    for name, row in table.iterrows():
        mags = [
            abs(row.get(k))
            for k in ("scenario", "baseline")
            if isinstance(row.get(k), float) and math.isfinite(row.get(k))
        ]
        share = row.get("interval_scale") == "logit" or str(row["units"]) != "1"
        factor, unit = _scale(str(row["units"]), max(mags) if mags else 0.0, share)
        desc = html.escape(str(row.get("description", "")))
        tds = [f'<th title="{desc}">{html.escape(str(name))}</th>', f"<td>{html.escape(unit)}</td>"]
        if has_baseline:
            tds += [cell(row["baseline"], factor), ci(row["baseline_ci_low"], row["baseline_ci_high"], factor)]
            tds += [cell(row["scenario"], factor), ci(row["scenario_ci_low"], row["scenario_ci_high"], factor)]
            d = row["difference"]
            tds += [cell(d, factor), ci(row["difference_ci_low"], row["difference_ci_high"], factor)]
            tds += [cell(row["pct_change"], 1.0), ci(row["pct_change_ci_low"], row["pct_change_ci_high"], 1.0)]
        else:
            tds += [cell(row["scenario"], factor), ci(row["scenario_ci_low"], row["scenario_ci_high"], factor)]
        cls = ' class="look-at"' if bool(row.get("look_at", False)) else ""
        out.append(f'<tr data-indicator="{html.escape(str(name))}"{cls}>' + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def build_report(
    results,
    baseline=None,
    *,
    out: str | os.PathLike | None = None,
    title: str | None = None,
    last_days: int | None = 30,
    indicators: Iterable[str] | None = None,
    figures: Iterable[str] | None = None,
    image_format: str = "png",
    dpi: int = 90,
    window: int | None = None,
    allow_mismatch: bool = False,
    strict: bool = False,
) -> str:
    """Builds the HTML report and returns it (and writes it to ``out`` if given).

    Args:
        results: the scenario's results — one file, or several seeds of it
            (paths or Datasets). Figures show the mean over seeds.
        baseline: optional baseline run(s) to compare against.
        out: where to write the page.
        title: page title (default ``"pfsim report — <scenario>"``).
        last_days: the headline window (mean over the last N days of each run).
        indicators: headline-table rows (default: the scenario's ``look_at:``
            list, then :data:`analysis.HEADLINE_INDICATORS`, those the files have).
            The first figure ("Look at") draws these, or the ``look_at`` list.
        figures: names from :data:`analysis.FIGURES` to include, and
            ``"look_at"`` (default: all of them).
        window: also draw the look-at indicators over ``window`` days either
            side of each event (one figure per event date).
        allow_mismatch: compare with a baseline of other dates, length, scale
            or agent counts (else :class:`analysis.compare.MismatchError`).
        strict: refuse ``indicators`` the files lack (``ValueError``).
        image_format: ``"png"`` (base64 ``<img>``) or ``"svg"`` (inline ``<svg>``).
        dpi: PNG resolution.

    ``out`` is refused (``ValueError``) before any work when it is a symlink,
    not a regular file, or one of the input files; it is written whole or not
    at all.
    """
    inputs = [i for x in (results, baseline) for i in (x if isinstance(x, (list, tuple)) else [x])
              if isinstance(i, (str, os.PathLike))]
    if out is not None:
        check_output(out, inputs)
    sets = as_datasets(results)
    bsets = as_datasets(baseline) if baseline is not None else []
    if not sets:
        raise ValueError("build_report: no results given")
    name = scenario_name(sets[0])
    base_name = scenario_name(bsets[0]) if bsets else None
    if bsets and base_name == name:  # one scenario file run with --set overrides: name the runs by file
        name, base_name = _stem(sets[0]), _stem(bsets[0])
    title = title or f"pfsim report — {name}" + (f" vs {base_name}" if bsets else "")
    if indicators is not None:
        indicators = list(indicators)
    table = headline_effects(
        sets, bsets or None, indicators=indicators, last_days=last_days, allow_mismatch=allow_mismatch, strict=strict
    )
    focus = indicators if indicators is not None else look_at(sets)
    main = _mean_run(sets)
    base = _mean_run(bsets) if bsets else None
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{html.escape(title)}</h1>",
        f'<p class="meta">Scenario <b>{html.escape(name)}</b>, '
        f"seed{'s' if len(sets) > 1 else ''} {html.escape(', '.join(str(ds.attrs.get('seed', '?')) for ds in sets))}, "
        f"pfsim {html.escape(str(sets[0].attrs.get('program_version', '?')))}"
        + (f", baseline <b>{html.escape(base_name)}</b>" if bsets else "")
        + "</p></header>",
    ]
    # provenance
    rows = _provenance_rows(sets, "Scenario run(s)" if bsets else "Run(s)")
    if bsets:
        rows += _provenance_rows(bsets, "Baseline run(s)")
    parts.append('<section id="provenance"><h2>Run</h2><table id="run-info"><tbody>')
    for k, v in rows:
        if v is None:
            parts.append(f'<tr class="role"><th colspan="2">{html.escape(k)}</th></tr>')
        else:
            parts.append(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>")
    parts.append("</tbody></table></section>")
    # headline table
    span = window
    window = f"the last {last_days} days" if last_days else "the whole run"
    if bsets:
        how = (
            ("paired by seed (common random numbers)" if bool(table["paired"].all()) else "unpaired (Welch)")
            if len(table)
            else ""
        )
        note = (
            f"Mean over {window} of each run; across seeds: mean and 95% confidence interval "
            f"(blank with one seed). Change = scenario − baseline, {how}."
        )
    else:
        note = f"Mean over {window}; across seeds: mean and 95% confidence interval (blank with one seed)."
    note += " Intervals: " + INTERVAL_NOTE
    if focus:
        note += " Highlighted rows: the scenario's look_at list."
    parts.append(f'<section id="headline"><h2>Headline effects</h2><p class="note">{html.escape(note)}</p>')
    parts.append(_table_html(table, bool(bsets)) if len(table) else "<p>No headline indicators recorded.</p>")
    parts.append("</section>")
    # figures
    parts.append('<section id="figures"><h2>Figures</h2>')
    if len(sets) > 1:
        parts.append(
            f'<p class="note">Lines show the mean of {len(sets)} seeds; the shaded band, the range over seeds.</p>'
        )
    parts.append(
        f'<p class="note">Grey area: the first {WARMUP_DAYS} days (warm-up: balances and arrears build up from '
        "zero). Vertical lines: events, labelled with their type.</p>"
    )
    focus_present = [n for n in focus if n in main.data_vars]
    if focus_present and (figures is None or "look_at" in figures):
        fig = plot_indicators(main, focus_present, baseline=base, title="Look at")
        parts.append(
            figure_html(fig, "look_at", "The scenario's look_at indicators", image_format=image_format, dpi=dpi,
                        caption="dashed: baseline" if base is not None else "")
        )
    if span:
        shown = focus_present or [n for n in table.index if n in main.data_vars][:6]
        dates = sorted({e["date"] for e in json.loads(main.attrs.get("events", "[]"))})
        for k, day in enumerate(dates):
            lo = np.datetime64(day) - np.timedelta64(int(span), "D")
            hi = np.datetime64(day) + np.timedelta64(int(span), "D")
            cut = main.sel(date=slice(lo, hi))
            cut_base = base.sel(date=slice(lo, hi)) if base is not None else None
            fig = plot_indicators(cut, shown, baseline=cut_base, title=f"{span} days either side of {day}")
            parts.append(
                figure_html(fig, f"window-{k}", f"Around the event(s) of {day} (±{span} days)",
                            image_format=image_format, dpi=dpi)
            )
    chosen = [f for f in figures if f != "look_at"] if figures is not None else list(FIGURES)
    for key in chosen:
        fn, fig_title = FIGURES[key]
        fig = fn(main, baseline=base)
        parts.append(
            figure_html(
                fig,
                key,
                fig_title,
                image_format=image_format,
                dpi=dpi,
                caption="dashed: baseline" if base is not None else "",
            )
        )
    parts.append("</section>")
    # events
    parts.append('<section id="events"><h2>Events</h2>')
    ev = events(sets[0])
    if len(ev):
        cols = list(ev.columns)
        parts.append(
            '<table id="events-table"><thead><tr>'
            + "".join(f"<th>{html.escape(c)}</th>" for c in cols)
            + "</tr></thead><tbody>"
        )
        for _, r in ev.iterrows():
            cells = [r[c].strftime("%Y-%m-%d") if c == "date" else str(r[c]) for c in cols]
            parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        parts.append("</tbody></table>")
    else:
        parts.append("<p>No shocks fired in this run.</p>")
    parts.append("</section>")
    # scenario text
    parts.append('<section id="scenario"><h2>Scenario</h2>')
    parts.append(
        f'<pre id="scenario-text">{html.escape(str(sets[0].attrs.get("scenario_yaml", "(not recorded)")))}</pre>'
    )
    if bsets:
        changed = scenario_changes(
            str(bsets[0].attrs.get("scenario_yaml", "")), str(sets[0].attrs.get("scenario_yaml", ""))
        )
        parts.append("<h3>Changes from the baseline</h3>")
        parts.append(f'<pre id="scenario-diff">{html.escape(changed or "(none: same scenario text)")}</pre>')
        parts.append("<details><summary>Baseline scenario</summary>")
        parts.append(
            f'<pre id="baseline-scenario-text">{html.escape(str(bsets[0].attrs.get("scenario_yaml", "")))}</pre>'
        )
        parts.append("</details>")
    parts.append("</section>")
    # glossary
    glossary = indicator_table(sets[0])
    parts.append(
        '<section id="indicators"><h2>Indicators</h2><details><summary>All recorded indicators '
        f"({len(glossary)})</summary><table><thead><tr><th>Name</th><th>Units</th><th>Description</th>"
        "</tr></thead><tbody>"
    )
    for n, r in glossary.iterrows():
        parts.append(
            f"<tr><td>{html.escape(n)}</td><td>{html.escape(r['units'])}</td>"
            f"<td style=\"text-align:left\">{html.escape(r['description'])}</td></tr>"
        )
    parts.append("</tbody></table></details></section>")
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    parts.append(
        f'<footer class="note"><p>Made by <code>python3 -m analysis report</code> on {stamp}. '
        "Money is economy-wide RMB; NaN (—) means no observation.</p></footer>"
    )
    parts.append(f'<script type="application/json" id="report-data">{_json_blob(table)}</script>')
    parts.append("</body></html>")
    text = "\n".join(parts)
    if out is not None:
        write_text_output(out, text, inputs=inputs)
    return text


def _json_blob(table) -> str:
    """The headline table as JSON (machine-readable; ``</`` escaped for HTML)."""
    records = json.loads(table.reset_index().to_json(orient="records"))
    return json.dumps(
        {"headline_effects": records, "attrs": {k: v for k, v in table.attrs.items()}}, default=str
    ).replace("</", "<\\/")
