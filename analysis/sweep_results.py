"""Reading a sweep folder: the runs as one xarray Dataset, the summary table,
sensitivity indices and the sweep report (``pfsim report --sweep DIR``)."""

from __future__ import annotations

import base64
import html
import io
import json
import pathlib
from typing import Iterable, NamedTuple

import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["OpenSweep", "open_sweep", "read_summary", "sweep_manifest", "sweep_sensitivity", "build_sweep_report"]


class OpenSweep(NamedTuple):
    """``dataset``: every run, dims (point, seed, time); ``summary``: the summary table."""

    dataset: xr.Dataset
    summary: pd.DataFrame


def sweep_manifest(folder) -> dict:
    """The resolved sweep (``DIR/sweep.json``)."""
    path = pathlib.Path(folder) / "sweep.json"
    if not path.is_file():
        raise FileNotFoundError(f"{folder}: not a sweep folder (no sweep.json; run `pfsim sweep SWEEP.yaml --out DIR`)")
    return json.loads(path.read_text(encoding="utf-8"))


def read_summary(folder) -> pd.DataFrame:
    """``DIR/summary.h5`` as a DataFrame (columns in file order)."""
    import h5py

    path = pathlib.Path(folder) / "summary.h5"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no summary (the sweep has not finished; run the same command again)")
    from ._pfsim import hdf5_lock

    with hdf5_lock(), h5py.File(path, "r") as f:
        g = f["summary"]
        cols = json.loads(g.attrs["columns"])
        data = {}
        for c in cols:
            v = g[c][()]
            if v.dtype.kind in "OS":
                v = np.array([x.decode() if isinstance(x, bytes) else str(x) for x in v], dtype=object)
            data[c] = v
    return pd.DataFrame(data, columns=cols)


def open_sweep(folder, *, indicators: Iterable[str] | None = None) -> OpenSweep:
    """Opens a sweep folder.

    Returns ``(dataset, summary)``: ``dataset`` has one variable per indicator
    over dims ``(point, seed, time)`` (NaN for runs that failed), coordinates
    ``point``, ``seed``, ``time`` and one per parameter (over ``point``), the
    resolved sweep in ``attrs["sweep"]`` (JSON); ``summary`` is
    ``summary.h5`` as a DataFrame.

    Args:
        folder: the ``--out`` folder of ``pfsim sweep``.
        indicators: which to read (default: the recorded ones; all if none).
    """
    from .results import open_results

    folder = pathlib.Path(folder)
    manifest = sweep_manifest(folder)
    summary = read_summary(folder)
    if indicators is None:
        indicators = list(dict.fromkeys(r["indicator"] for r in manifest["record"])) or None
    points, seeds = manifest["points"], manifest["seeds"]
    arrays: dict = {}
    time = None
    attrs: dict = {}
    ok = summary.set_index(["point", "seed"])["status"].to_dict()
    for p in range(len(points)):
        for k, s in enumerate(seeds):
            if ok.get((p, s)) != "ok":
                continue
            ds = open_results(folder / "runs" / f"p{p:04d}_s{s}.h5", indicators=indicators)
            if time is None:
                time = ds["date"].values
                for name in ds.data_vars:
                    arrays[name] = np.full((len(points), len(seeds), len(time)), np.nan)
                    attrs[name] = dict(ds[name].attrs)
            for name in arrays:
                if name in ds:
                    arrays[name][p, k, :] = ds[name].values
    if time is None:
        time = np.array([], dtype="datetime64[ns]")
    coords = {"point": np.arange(len(points)), "seed": np.array(seeds), "time": time}
    for prm in manifest["parameters"]:
        coords[prm["path"]] = ("point", np.array([pt[prm["path"]] for pt in points], dtype=object))
    data_vars = {n: (("point", "seed", "time"), a, attrs[n]) for n, a in arrays.items()}
    ds = xr.Dataset(data_vars, coords=coords)
    for prm in manifest["parameters"]:
        try:
            ds.coords[prm["path"]] = ds.coords[prm["path"]].astype("float64")
        except (TypeError, ValueError):
            pass
    ds.attrs["sweep"] = json.dumps(manifest, default=str)
    ds.attrs["name"] = manifest.get("name", "")
    return OpenSweep(ds, summary)


def _outputs(manifest, summary, outputs):
    if outputs:
        return list(outputs)
    cols = [r["column"] for r in manifest["record"] if r["stat"] != "first_crossing"]
    return [c for c in cols if c in summary.columns]


def sweep_sensitivity(
    folder, outputs=None, *, bootstrap: int | None = None, level: float | None = None
) -> pd.DataFrame:
    """Sensitivity indices of a sweep's recorded statistics, on their mean
    across seeds at each point.

    A ``sobol`` design with ``sensitivity: {method: sobol}`` gives first-order
    and total Sobol' indices with bootstrap intervals
    (:func:`analysis.sensitivity.sobol_indices`); a ``morris`` design gives
    elementary effects (:func:`analysis.sensitivity.morris_effects`). One row
    per (output, parameter).
    """
    from .sensitivity import morris_effects, sobol_indices

    folder = pathlib.Path(folder)
    manifest = sweep_manifest(folder)
    summary = read_summary(folder)
    design = manifest["design"]
    sens = manifest.get("sensitivity") or {}
    outputs = _outputs(manifest, summary, outputs or sens.get("outputs"))
    names = [p["path"] for p in manifest["parameters"]]
    bootstrap = bootstrap or int(sens.get("bootstrap", 1000))
    level = level or float(sens.get("level", 0.95))
    means = summary[summary["status"] == "ok"].groupby("point")[outputs].mean(numeric_only=True)
    means = means.reindex(range(len(manifest["points"])))
    frames = []
    for o in outputs:
        y = means[o].to_numpy(dtype="float64")
        if design["kind"] == "saltelli":
            info = design["info"]
            df = sobol_indices(y, info["N"], info["d"], names, bootstrap=bootstrap, level=level)
        elif design["kind"] == "morris":
            df = morris_effects(y, np.array(manifest["unit"]), len(names), names)
        else:
            raise ValueError(
                f"{folder}: sensitivity indices need a sobol design with sensitivity: {{method: sobol}} or a morris "
                f"design; this sweep's design is {design['type']}"
            )
        df.insert(0, "output", o)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out.attrs.update({"method": design["kind"], "bootstrap": bootstrap, "level": level})
    return out


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _point_label(point: dict, order) -> str:
    from ._cli import format_value

    parts = []
    for k in order:  # the sweep file's order (sweep.json stores points with sorted keys)
        v = point[k]
        v = float(f"{v:.4g}") if isinstance(v, float) else v
        parts.append(f"{k.rsplit('.', 1)[-1]}={format_value(v)}")
    return ", ".join(parts) or "default"


def _indices_figure(table: pd.DataFrame, method: str):
    from matplotlib.figure import Figure

    outputs = list(dict.fromkeys(table["output"]))
    fig = Figure(figsize=(5.5 * min(2, len(outputs)), 3.2 * int(np.ceil(len(outputs) / 2)) + 0.4), layout="constrained")
    axes = fig.subplots(int(np.ceil(len(outputs) / 2)), min(2, len(outputs)), squeeze=False).ravel()
    for ax, o in zip(axes, outputs):
        sub = table[table["output"] == o]
        x = np.arange(len(sub))
        if method == "saltelli":
            for off, key, color in ((-0.18, "S1", "#1f77b4"), (0.18, "ST", "#d62728")):
                err = np.vstack([sub[key] - sub[f"{key}_low"], sub[f"{key}_high"] - sub[key]]).clip(min=0)
                ax.bar(x + off, sub[key], width=0.36, color=color, label=key, yerr=err, capsize=3)
            ax.set_ylabel("index", fontsize=9)
        else:
            ax.bar(x - 0.18, sub["mu_star"], width=0.36, label="μ*")
            ax.bar(x + 0.18, sub["sigma"], width=0.36, label="σ")
            ax.set_ylabel("elementary effect", fontsize=9)
        ax.set_xticks(x, [p.rsplit(".", 1)[-1] for p in sub["parameter"]], fontsize=8)
        ax.set_title(o, fontsize=10, loc="left")
        ax.legend(fontsize=8, frameon=False)
        ax.grid(True, axis="y", linewidth=0.4, alpha=0.5)
    for ax in axes[len(outputs) :]:
        fig.delaxes(ax)
    return fig


def build_sweep_report(folder, out="report.html", *, title: str | None = None, max_points: int = 12) -> pathlib.Path:
    """One self-contained HTML page of a sweep: bands across seeds of each
    recorded indicator, one line per point (the first ``max_points``), the
    summary by point, and the sensitivity indices when the design has them."""
    import matplotlib

    matplotlib.use("Agg")
    from .figures import plot_bands
    from .stats import seed_bands

    folder = pathlib.Path(folder)
    ds, summary = open_sweep(folder)
    manifest = json.loads(ds.attrs["sweep"])
    title = title or f"Sweep {manifest.get('name', folder.name)}"
    points = manifest["points"]
    shown = list(range(min(len(points), max_points)))
    order = [prm["path"] for prm in manifest["parameters"]]
    parts = [f"<h1>{html.escape(title)}</h1>"]
    n_ok = int((summary["status"] == "ok").sum())
    parts.append(
        f"<p>{len(points)} points × {len(manifest['seeds'])} seeds = {len(summary)} runs ({n_ok} ok) of "
        f"<code>{html.escape(manifest['scenario'])}</code>; "
        f"design <b>{html.escape(manifest['design']['type'])}</b>.</p>"
    )
    if ds.data_vars and ds.sizes["time"]:
        frames = []
        for p in shown:
            sub = ds.isel(point=p)
            for name in ds.data_vars:
                vals = sub[name].values  # seed × time
                for k, s in enumerate(ds["seed"].values):
                    if np.all(np.isnan(vals[k])):
                        continue
                    frames.append(
                        pd.DataFrame(
                            {
                                "variant": f"{p}: {_point_label(points[p], order)}",
                                "seed": int(s),
                                "date": ds["time"].values,
                                "indicator": name,
                                "units": ds[name].attrs.get("units", ""),
                                "value": vals[k],
                            }
                        )
                    )
        if frames:
            bands = seed_bands(pd.concat(frames, ignore_index=True))
            note = f" (first {len(shown)} of {len(points)} points)" if len(shown) < len(points) else ""
            fig = plot_bands(bands, by="variant", title=f"Mean across seeds per point{note}")
            parts.append(f'<h2>Bands per point</h2><img alt="bands" src="{_png(fig)}">')
    stat_cols = [r["column"] for r in manifest["record"] if r["stat"] != "first_crossing"]
    if stat_cols:
        ok = summary[summary["status"] == "ok"]
        table = ok.groupby("point")[stat_cols].agg(["mean", "std"]).head(50)
        parts.append("<h2>Statistics by point (mean and std across seeds)</h2>" + table.to_html(float_format="%.4g"))
    failed = summary[summary["status"] != "ok"]
    if len(failed):
        parts.append("<h2>Failed runs</h2>" + failed[["point", "seed", "message"]].to_html(index=False))
    if manifest["design"].get("kind") in ("saltelli", "morris") and stat_cols and n_ok:
        try:
            ind = sweep_sensitivity(folder)
            fig = _indices_figure(ind, manifest["design"]["kind"])
            head = (
                "Sobol' indices (Saltelli / Jansen; bootstrap CI)"
                if manifest["design"]["kind"] == "saltelli"
                else ("Morris elementary effects")
            )
            parts.append(f'<h2>{head}</h2><img alt="indices" src="{_png(fig)}">')
            parts.append(ind.to_html(index=False, float_format="%.3f"))
        except ValueError as err:
            parts.append(f"<p>Sensitivity indices not computed: {html.escape(str(err))}</p>")
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
        + html.escape(title)
        + "</title><style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
        "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}"
        "img{max-width:100%}</style></head><body>" + "\n".join(parts) + "</body></html>"
    )
    out = pathlib.Path(out)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
