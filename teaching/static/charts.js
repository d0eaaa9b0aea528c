// Line charts in plain SVG (no library: the page works offline). One chart =
// a few series over the days simulated so far; the baseline of each series is
// drawn dashed in the same colour; events are vertical lines.
(function () {
"use strict";

const PALETTES = {
  // Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
  cb: ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000"],
  classic: ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#7f7f7f"],
};
// Dash patterns of the live series, so lines differ without colour too.
const LIVE_DASH = ["", "", "", "", "", "", ""];
const SVGNS = "http://www.w3.org/2000/svg";

function svgEl(name, attrs, parent) {
  const el = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

function niceTicks(lo, hi, n) {
  if (!(hi > lo)) { hi = lo + 1; }
  const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(s => s >= raw) || raw;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

function fmt(v) {
  const a = Math.abs(v);
  if (a >= 1000) return v.toLocaleString("en", { maximumFractionDigits: 0 });
  if (a >= 10) return v.toFixed(0);
  if (a >= 1) return v.toFixed(1);
  return v.toPrecision(2);
}

// series: [{name, label, live:[...], base:[...]}], dates: ISO strings,
// events: [{date, type}], opts: {palette, showBaseline, startDate, endDate, unit}
function drawChart(svg, series, dates, events, opts) {
  const W = 400, H = 170, L = 44, R = 8, T = 8, B = 20;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("preserveAspectRatio", "none");
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const colours = PALETTES[opts.palette] || PALETTES.cb;
  const t0 = Date.parse(opts.startDate), t1 = Math.max(Date.parse(opts.endDate) - 864e5, t0 + 864e5);
  const x = d => L + (Date.parse(d) - t0) / (t1 - t0) * (W - L - R);
  let lo = Infinity, hi = -Infinity;
  for (const s of series) {
    for (const arr of opts.showBaseline ? [s.live, s.base] : [s.live]) {
      for (const v of arr) { if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; } }
    }
  }
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  if (lo > 0 && lo < hi * 0.5) lo = 0;
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 1;
  lo -= lo === 0 ? 0 : pad; hi += pad;
  const y = v => T + (hi - v) / (hi - lo) * (H - T - B);
  for (const t of niceTicks(lo, hi, 4)) {
    svgEl("line", { x1: L, x2: W - R, y1: y(t), y2: y(t), stroke: "var(--grid)", "stroke-width": 1 }, svg);
    const lab = svgEl("text", { x: L - 4, y: y(t) + 3, "text-anchor": "end", "font-size": 9, fill: "var(--muted)" }, svg);
    lab.textContent = fmt(t);
  }
  // month ticks: every quarter
  const sd = new Date(opts.startDate);
  for (let m = 0; m < 60; m += 3) {
    const d = new Date(Date.UTC(sd.getUTCFullYear(), sd.getUTCMonth() + m, 1));
    if (d.getTime() > t1) break;
    if (d.getTime() < t0) continue;
    const xx = x(d.toISOString().slice(0, 10));
    svgEl("line", { x1: xx, x2: xx, y1: H - B, y2: H - B + 3, stroke: "var(--muted)" }, svg);
    const lab = svgEl("text", { x: xx, y: H - 5, "text-anchor": "middle", "font-size": 9, fill: "var(--muted)" }, svg);
    lab.textContent = d.toISOString().slice(0, 7);
  }
  for (const e of events) {
    const xx = x(e.date);
    const g = svgEl("g", { class: "event-marker", "data-type": e.type }, svg);
    svgEl("line", { x1: xx, x2: xx, y1: T, y2: H - B, stroke: "#444", "stroke-width": 1, "stroke-dasharray": "2 2" }, g);
    const lab = svgEl("text", { x: xx + 2, y: T + 8, "font-size": 8, fill: "#444" }, g);
    lab.textContent = e.type;
    svgEl("title", {}, g).textContent = `${e.date}: ${e.type}`;
  }
  const widthScale = document.body.classList.contains("projector") ? 2 : 1;
  series.forEach((s, i) => {
    const c = colours[i % colours.length];
    const path = arr => arr.map((v, k) => Number.isFinite(v) ? `${x(dates[k]).toFixed(1)},${y(v).toFixed(1)}` : null)
      .filter(p => p).join(" ");
    if (opts.showBaseline) {
      svgEl("polyline", { points: path(s.base), fill: "none", stroke: c, "stroke-width": 1.2 * widthScale,
        "stroke-dasharray": "4 3", opacity: 0.8, class: "baseline", "data-series": s.name }, svg);
    }
    svgEl("polyline", { points: path(s.live), fill: "none", stroke: c, "stroke-width": 1.8 * widthScale,
      "stroke-dasharray": LIVE_DASH[i % LIVE_DASH.length], class: "live", "data-series": s.name }, svg);
  });
  svgEl("line", { x1: L, x2: L, y1: T, y2: H - B, stroke: "var(--muted)" }, svg);
}

window.pfsimCharts = { drawChart, PALETTES, svgEl };
})();
