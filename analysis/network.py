"""Drawing interbank networks coloured by distress (matplotlib + numpy only).

Conventions follow ``docs/contagion.md``: banks are numbered from 0 and
``L[i, j]`` is what bank i owes bank j — j's exposure to i — so losses travel
along the edge i → j. An edge is drawn from debtor to creditor, its width
growing with the amount. Distress is a number per bank in [0, 1] (DebtRank's
``h``, a loss / capital ratio, or 0/1 for failed); 1 is drawn with a thick
black outline (defaulted).

Layouts are deterministic: the same matrix and seed give the same picture.
"""

from __future__ import annotations

import pathlib
from typing import Sequence

import numpy as np
from matplotlib import animation
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

__all__ = [
    "liabilities_matrix",
    "circular_layout",
    "shell_layout",
    "spring_layout",
    "layout",
    "draw_network",
    "plot_network",
    "plot_cascade",
    "animate_cascade",
    "network_dates",
    "read_network",
    "plot_network_snapshot",
]


def liabilities_matrix(liabilities, n: int | None = None) -> np.ndarray:
    """A dense ``n × n`` float matrix from any of the accepted forms.

    Accepts a dense matrix (nested lists or array), the contagion JSON sparse
    form ``{"size": n, "entries": [[i, j, amount], ...]}``, or an edge list
    ``[(i, j, amount), ...]`` (then ``n`` defaults to the largest index + 1).
    Duplicate edges are summed and the diagonal is dropped. A square array is
    always read as a matrix: pass an edge list of exactly three edges in the
    sparse form.
    """
    if isinstance(liabilities, dict):
        n = int(liabilities["size"])
        edges = np.asarray(liabilities["entries"], dtype="float64").reshape(-1, 3)
    else:
        arr = np.asarray(liabilities, dtype="float64")
        if arr.ndim == 2 and arr.shape[0] == arr.shape[1]:
            m = arr.copy()
            np.fill_diagonal(m, 0.0)
            return m
        if arr.ndim != 2 or arr.shape[1] != 3:
            raise ValueError(f"liabilities: expected a square matrix or (i, j, amount) rows, found shape {arr.shape}")
        edges = arr
    if n is None:
        n = int(edges[:, :2].max()) + 1 if len(edges) else 0
    m = np.zeros((n, n))
    np.add.at(m, (edges[:, 0].astype(int), edges[:, 1].astype(int)), edges[:, 2])
    np.fill_diagonal(m, 0.0)
    return m


def circular_layout(n: int, *, start: float = np.pi / 2) -> np.ndarray:
    """Banks evenly spaced on the unit circle, bank 0 at the top, counter-clockwise."""
    angles = start + 2 * np.pi * np.arange(n) / max(n, 1)
    return np.column_stack([np.cos(angles), np.sin(angles)])


def shell_layout(groups: Sequence[Sequence[int]], n: int | None = None) -> np.ndarray:
    """Concentric circles, one per group of banks (e.g. core inside, periphery outside)."""
    n = n if n is not None else max(max(g) for g in groups if len(g)) + 1
    pos = np.zeros((n, 2))
    for k, g in enumerate(groups):
        g = list(g)
        if not g:
            continue
        radius = 0.0 if (k == 0 and len(g) == 1) else (k + 1) / len(groups)
        pos[g] = radius * circular_layout(len(g), start=np.pi / 2 + 0.3 * k)
    return pos


def spring_layout(liabilities, *, seed: int = 0, iterations: int = 200) -> np.ndarray:
    """Fruchterman-Reingold force-directed layout on the undirected exposure
    graph, computed with numpy; deterministic for a given ``seed``.

    Starts from the circular layout plus a small seeded jitter; attraction
    along edges grows with log(1 + amount / median amount).
    """
    m = liabilities_matrix(liabilities)
    n = m.shape[0]
    if n <= 2:
        return circular_layout(n)
    w = m + m.T
    positive = w[w > 0]
    if positive.size:
        w = np.log1p(w / np.median(positive))
    rng = np.random.default_rng(seed)
    pos = circular_layout(n) + 0.05 * rng.standard_normal((n, 2))
    k = np.sqrt(1.0 / n)
    temperature = 0.1
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((delta**2).sum(-1))
        np.fill_diagonal(dist, 1.0)
        dist = np.maximum(dist, 1e-3)
        force = (k * k / dist**2 - w * dist / k)[:, :, None] * delta
        disp = force.sum(axis=1)
        length = np.maximum(np.sqrt((disp**2).sum(-1)), 1e-9)
        pos += disp / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature = max(temperature * 0.98, 0.002)
    pos -= pos.mean(axis=0)
    scale = np.abs(pos).max()
    return pos / scale if scale > 0 else pos


def layout(liabilities, kind="circular", *, seed: int = 0, groups=None) -> np.ndarray:
    """Node positions: ``kind`` is ``"circular"``, ``"spring"``, ``"shell"``
    (needs ``groups``) or an ``n × 2`` array (returned as is)."""
    if not isinstance(kind, str):
        return np.asarray(kind, dtype="float64")
    m = liabilities_matrix(liabilities)
    if kind == "circular":
        return circular_layout(m.shape[0])
    if kind == "spring":
        return spring_layout(m, seed=seed)
    if kind == "shell":
        if groups is None:
            raise ValueError("layout 'shell' needs groups=[[core banks], [periphery banks], ...]")
        return shell_layout(groups, m.shape[0])
    raise ValueError(f"layout: expected circular, spring, shell or an array, found {kind!r}")


def _node_sizes(m: np.ndarray, sizes) -> np.ndarray:
    n = m.shape[0]
    if sizes is not None:
        s = np.asarray(sizes, dtype="float64")
    else:
        s = m.sum(axis=0) + m.sum(axis=1)  # interbank assets + liabilities
    top = s.max() if s.size and s.max() > 0 else 1.0
    return 60.0 + 440.0 * np.sqrt(np.clip(s, 0, None) / top) if n else s


def draw_network(
    ax,
    liabilities,
    distress=None,
    *,
    pos="circular",
    groups=None,
    sizes=None,
    labels: bool | Sequence[str] = True,
    cmap: str = "YlOrRd",
    vmin: float = 0.0,
    vmax: float = 1.0,
    arrows: bool | None = None,
    title: str | None = None,
    seed: int = 0,
):
    """Draws the network on an existing Axes and returns the node
    ``PathCollection`` (for a colorbar). See :func:`plot_network` for the arguments."""
    m = liabilities_matrix(liabilities)
    n = m.shape[0]
    xy = layout(m, pos, seed=seed, groups=groups)
    h = np.zeros(n) if distress is None else np.clip(np.asarray(distress, dtype="float64"), vmin, vmax)
    if h.shape != (n,):
        raise ValueError(f"distress: expected {n} numbers (one per bank), found {h.shape}")
    src, dst = np.nonzero(m)
    amounts = m[src, dst]
    widths = 0.4 + 2.6 * amounts / amounts.max() if amounts.size else amounts
    if arrows is None:
        arrows = len(src) <= 300
    node_area = _node_sizes(m, sizes)
    if arrows:
        radius_pts = np.sqrt(node_area) / 2  # scatter size is the marker's area in pt²
        for i, j, lw in zip(src, dst, widths):
            patch = FancyArrowPatch(
                xy[i],
                xy[j],
                arrowstyle="-|>",
                mutation_scale=7 + 2 * lw,
                linewidth=lw,
                color="0.55",
                alpha=0.6,
                shrinkA=radius_pts[i],
                shrinkB=radius_pts[j] + 1,
                connectionstyle="arc3,rad=0.12",
                zorder=1,
            )
            patch.set_gid("edge")
            ax.add_patch(patch)
    else:
        segments = np.stack([xy[src], xy[dst]], axis=1)
        lc = LineCollection(segments, linewidths=widths, colors="0.55", alpha=0.5, zorder=1)
        lc.set_gid("edges")
        ax.add_collection(lc)
    failed = h >= vmax
    nodes = ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=node_area,
        c=h,
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        zorder=2,
        edgecolors=np.where(failed, "black", "0.3"),
        linewidths=np.where(failed, 2.2, 0.7),
    )
    nodes.set_gid("nodes")
    if labels is not False:
        names = [str(k) for k in range(n)] if labels is True else [str(x) for x in labels]
        dark = (h - vmin) / (vmax - vmin if vmax > vmin else 1.0) > 0.6
        for k in range(n):
            ax.annotate(
                names[k], xy[k], ha="center", va="center", fontsize=7, zorder=3, color="white" if dark[k] else "black"
            )
    ax.set_aspect("equal")
    pad = 0.15
    ax.set_xlim(xy[:, 0].min() - pad, xy[:, 0].max() + pad) if n else None
    ax.set_ylim(xy[:, 1].min() - pad, xy[:, 1].max() + pad) if n else None
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title, fontsize=10)
    return nodes


def plot_network(liabilities, distress=None, *, colorbar: bool = True, figsize=(6, 5.5), **kwargs) -> Figure:
    """One interbank network coloured by distress.

    Args:
        liabilities: ``L[i, j]`` = what bank i owes bank j (dense matrix,
            edge list or contagion-JSON sparse form; see :func:`liabilities_matrix`).
        distress: per-bank distress in [0, 1] (default all 0).
        pos: ``"circular"`` (default), ``"spring"``, ``"shell"`` (with
            ``groups``) or an ``n × 2`` array of positions.
        groups: banks per shell for ``pos="shell"``.
        sizes: per-bank node size weights (default: interbank assets + liabilities).
        labels: True (bank numbers), False, or a list of names.
        cmap, vmin, vmax: distress colour scale.
        arrows: draw arrowheads (default when ≤ 300 edges).
        title: axes title.
        colorbar: add a distress colour bar.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    nodes = draw_network(ax, liabilities, distress, **kwargs)
    if colorbar:
        fig.colorbar(nodes, ax=ax, shrink=0.7, label="distress")
    return fig


def plot_cascade(
    liabilities,
    rounds: Sequence,
    *,
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    pos="circular",
    groups=None,
    seed: int = 0,
    panel_size: float = 3.0,
    suptitle: str | None = None,
    **kwargs,
) -> Figure:
    """Small multiples across a contagion episode: one panel per round.

    Args:
        liabilities: as in :func:`plot_network`.
        rounds: a sequence of distress vectors (one per round), or an
            ``rounds × banks`` array.
        titles: per-panel titles (default ``"round k"``).
        ncols: panels per row.
        pos, groups, seed: the layout, computed once and shared by all panels.
        suptitle: figure title.
        **kwargs: passed to :func:`draw_network` (``labels``, ``cmap``, ...).
    """
    m = liabilities_matrix(liabilities)
    xy = layout(m, pos, seed=seed, groups=groups)
    rounds = [np.asarray(r, dtype="float64") for r in rounds]
    k = len(rounds)
    ncols = max(1, min(ncols, k))
    nrows = int(np.ceil(k / ncols))
    fig = Figure(figsize=(panel_size * ncols + 0.8, panel_size * nrows + 0.4), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    nodes = None
    for r, (ax, h) in enumerate(zip(axes, rounds)):
        title = titles[r] if titles is not None else f"round {r}"
        nodes = draw_network(ax, m, h, pos=xy, title=title, **kwargs)
        ax.set_gid(f"round:{r}")
    for ax in axes[k:]:
        fig.delaxes(ax)
    if nodes is not None:
        fig.colorbar(nodes, ax=list(axes[:k]), shrink=0.6, label="distress")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def animate_cascade(
    liabilities,
    rounds: Sequence,
    *,
    interval: int = 900,
    pos="circular",
    groups=None,
    seed: int = 0,
    titles: Sequence[str] | None = None,
    figsize=(5.5, 5),
    **kwargs,
) -> animation.FuncAnimation:
    """An animation of a contagion episode, one frame per round.

    Widget-free: in a notebook show it with
    ``IPython.display.HTML(anim.to_jshtml())``; save with
    ``anim.save("cascade.gif", writer="pillow")``.
    """
    m = liabilities_matrix(liabilities)
    xy = layout(m, pos, seed=seed, groups=groups)
    rounds = [np.asarray(r, dtype="float64") for r in rounds]
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    nodes = draw_network(ax, m, rounds[0], pos=xy, **kwargs)
    fig.colorbar(nodes, ax=ax, shrink=0.7, label="distress")
    vmax = kwargs.get("vmax", 1.0)

    def update(frame):
        h = np.clip(rounds[frame], kwargs.get("vmin", 0.0), vmax)
        nodes.set_array(h)
        failed = h >= vmax
        nodes.set_edgecolors(np.where(failed, "black", "0.3"))
        nodes.set_linewidths(np.where(failed, 2.2, 0.7))
        ax.set_title(titles[frame] if titles is not None else f"round {frame}", fontsize=10)
        return (nodes,)

    update(0)
    return animation.FuncAnimation(fig, update, frames=len(rounds), interval=interval, blit=False)


# -- snapshots recorded by a simulation (/networks in a results file) ----------


def _snapshots(path, name: str) -> dict:
    """``{date: (nodes, edges)}`` of network ``name``, read with the pfsim
    package's reader (``pfsim.Results.networks``). KeyError for a network the
    file does not hold."""
    from .results import _read

    return _read(pathlib.Path(path)).networks(name)


def network_dates(path, name: str = "interbank"):
    """The dates (``numpy.datetime64[D]``) of the snapshots of network ``name``
    in results file ``path`` (see docs/results-format.md, ``/networks``)."""
    return np.array([np.datetime64(d.date(), "D") for d in _snapshots(path, name)], dtype="datetime64[D]")


def read_network(path, name: str = "interbank", date=None):
    """One snapshot of network ``name``: ``(nodes, edges, date)``.

    ``nodes`` is a DataFrame (``node_kind``, ``node_index`` and the node
    attributes, e.g. equity, capital_ratio, failed, tier), ``edges`` one with
    ``source``, ``target`` (positions in ``nodes``; source owes target) and
    ``weight`` (RMB). ``date`` picks the last snapshot on or before it (default:
    the last one). Raises KeyError for an unknown network and ValueError when no
    snapshot is that early.
    """
    snapshots = _snapshots(path, name)
    dates = np.array([np.datetime64(d.date(), "D") for d in snapshots], dtype="datetime64[D]")
    if len(dates) == 0:
        raise ValueError(f"network {name!r} has no snapshot in {path}")
    if date is None:
        k = len(dates) - 1
    else:
        k = int(np.searchsorted(dates, np.datetime64(str(date)[:10], "D"), side="right")) - 1
        if k < 0:
            raise ValueError(f"no snapshot of {name!r} on or before {date} (first: {dates[0]})")
    nodes, edges = list(snapshots.values())[k]
    return nodes, edges, dates[k]


def plot_network_snapshot(path, name: str = "interbank", date=None, *, baseline_date=None, **kwargs) -> Figure:
    """Draws a recorded network coloured by distress (see :func:`plot_network`).

    A bank's distress is 1 when it has failed, else the share of its equity
    lost since the snapshot at ``baseline_date`` (default: the first one),
    clipped to [0, 1]. Other nodes (the platform, the fund) have distress 0.
    """
    nodes, edges, when = read_network(path, name, date)
    first, _, _ = read_network(path, name, baseline_date if baseline_date is not None else network_dates(path, name)[0])
    n = len(nodes)
    L = np.zeros((n, n))
    np.add.at(L, (edges["source"].to_numpy(), edges["target"].to_numpy()), edges["weight"].to_numpy())
    distress = np.zeros(n)
    if "equity" in nodes and len(first) == n:
        e0 = first["equity"].to_numpy()
        e1 = nodes["equity"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            lost = np.where(e0 > 0, 1.0 - e1 / e0, 0.0)
        distress = np.clip(np.nan_to_num(lost), 0.0, 1.0)
    if "failed" in nodes:
        distress = np.where(nodes["failed"].to_numpy() > 0, 1.0, distress)
    kinds = nodes["node_kind"].tolist() if "node_kind" in nodes else ["bank"] * n
    labels = [f"{k[0]}{i}" for k, i in zip(kinds, nodes.get("node_index", range(n)))]
    kwargs.setdefault("labels", labels if n <= 60 else False)
    fig = plot_network(L, distress, **kwargs)
    fig.axes[0].set_title(f"{name} network, {when}")
    return fig
