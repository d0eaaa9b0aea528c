// The teaching page: one session (engine) per tab, driven over a small JSON
// API, fed by a server-sent-event stream (teaching/server.py).
"use strict";

const $ = id => document.getElementById(id);
const { drawChart, PALETTES, svgEl } = window.pfsimCharts;
const pfsim = window.pfsim = { sessionId: null, info: null, history: [], state: null, config: null };
const DAY_MS = 864e5;

// --- the link: scenario, seed and every shock with its date ---------------------------------
// A shock is written type@date:key=value,key=value (e.g. fund_run@2019-09-16:redemption_share=0.5,days=2).
function encodeShock(s) {
  const params = Object.entries(s).filter(([k]) => !["type", "date"].includes(k)).map(([k, v]) => `${k}=${v}`);
  return `${s.type}@${s.date}` + (params.length ? ":" + params.join(",") : "");
}
function decodeShock(text) {
  const m = /^([a-z_]+)@(\d{4}-\d{2}-\d{2})(?::(.*))?$/.exec(text);
  if (!m) throw new Error(`link: cannot read the shock "${text}" (expected type@YYYY-MM-DD:key=value,...)`);
  const shock = { type: m[1], date: m[2] };
  for (const kv of (m[3] || "").split(",").filter(Boolean)) {
    const [k, v] = kv.split("=");
    shock[k] = v !== undefined && v !== "" && !isNaN(Number(v)) ? Number(v) : v;
  }
  return shock;
}
function linkFor() {
  const p = new URLSearchParams();
  p.set("scenario", pfsim.info.scenario);
  p.set("seed", pfsim.info.seed);
  for (const s of (pfsim.state || pfsim.info).shocks) p.append("s", encodeShock(s));
  if ($("projector").checked) p.set("projector", "1");
  if ($("palette").value !== "cb") p.set("palette", $("palette").value);
  return `${location.origin}${location.pathname}?${p.toString()}`;
}
function syncUrl() { if (pfsim.info) history.replaceState(null, "", linkFor()); }

// --- messages ---------------------------------------------------------------------------------
function showMessage(text, kind) {
  const m = $("message");
  m.textContent = text;
  m.className = kind || "";
  m.hidden = !text;
}

async function api(method, path, body) {
  const res = await fetch(path, { method, headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw new Error(data.error || `${res.status}`);
  return data;
}

// --- session ----------------------------------------------------------------------------------
let stream = null;
async function startSession(scenario, seed, shocks) {
  closeSession();
  pfsim.history = []; pfsim.state = null;
  try {
    pfsim.info = await api("POST", "/api/sessions", { scenario, seed, shocks });
  } catch (err) {
    pfsim.info = null;
    showMessage(err.message);
    setEnabled(false);
    return false;
  }
  pfsim.sessionId = pfsim.info.id;
  $("seed").value = pfsim.info.seed;
  $("scenario").value = pfsim.info.scenario;
  $("export").href = `/api/sessions/${pfsim.sessionId}/export`;
  $("export").setAttribute("download", `pfsim-lesson-${pfsim.info.scenario}-seed${pfsim.info.seed}.yaml`);
  buildKnobs();
  buildCharts();
  setEnabled(true);
  stream = new EventSource(`/api/sessions/${pfsim.sessionId}/stream`);
  stream.addEventListener("days", e => {
    const msg = JSON.parse(e.data);
    pfsim.history.splice(msg.from, Infinity, ...msg.days);
    scheduleRender();
  });
  stream.addEventListener("state", e => { pfsim.state = JSON.parse(e.data); scheduleRender(); });
  stream.addEventListener("closed", () => {
    showMessage("This session has ended (the server stopped it). Reload the page to start again.");
    stream.close(); setEnabled(false);
  });
  stream.onerror = () => {
    if (stream.readyState === EventSource.CLOSED) {
      showMessage("Lost the connection to pfsim serve. Is it still running? Reload the page to start again.");
      setEnabled(false);
    }
  };
  syncUrl();
  return true;
}
function closeSession() {
  if (stream) { stream.close(); stream = null; }
  if (pfsim.sessionId) navigator.sendBeacon(`/api/sessions/${pfsim.sessionId}/close`, "{}");
  pfsim.sessionId = null;
}
window.addEventListener("pagehide", closeSession);

function setEnabled(on) {
  for (const el of document.querySelectorAll("#run,#pause,#step-day,#step-month,#speed,#knob-list input,#knob-list button"))
    el.disabled = !on;
}

async function control(action, extra) {
  if (!pfsim.sessionId) return;
  try {
    pfsim.state = await api("POST", `/api/sessions/${pfsim.sessionId}/control`, { action, ...extra });
    scheduleRender();
  } catch (err) { showMessage(err.message); }
}

async function fire(body) {
  if (!pfsim.sessionId) return false;
  try {
    const r = await api("POST", `/api/sessions/${pfsim.sessionId}/shock`, body);
    pfsim.state = r.state;
    showMessage(`${r.event.type} fires on ${r.event.date}.`, "info");
    scheduleRender();
    return true;
  } catch (err) { showMessage(err.message); return false; }
}

// --- knobs ------------------------------------------------------------------------------------
function buildKnobs() {
  const list = $("knob-list");
  list.textContent = "";
  for (const [name, k] of Object.entries(pfsim.info.knobs)) {
    const div = document.createElement("div");
    div.className = "knob";
    if (k.param === null) {  // an action without a value: IPO halt
      const b = document.createElement("button");
      b.textContent = k.label; b.id = `knob-${name}`; b.dataset.testid = `knob-${name}`;
      b.addEventListener("click", () => fire({ knob: name }));
      div.appendChild(b);
    } else {
      const label = document.createElement("label");
      label.textContent = k.label + " ";
      const input = document.createElement("input");
      input.type = "number"; input.step = k.step; input.value = k.value;
      input.id = `knob-${name}`; input.dataset.testid = `knob-${name}`;
      label.appendChild(input);
      const unit = document.createElement("span"); unit.className = "unit"; unit.textContent = ` ${k.unit}`;
      label.appendChild(unit);
      div.appendChild(label);
      const isAction = name === "fund_run" || name === "bank_failure";
      let extraInput = null;
      if (k.extra) {
        for (const [ek, ev] of Object.entries(k.extra)) {
          const l2 = document.createElement("label"); l2.textContent = `over ${ek} `;
          extraInput = document.createElement("input"); extraInput.type = "number"; extraInput.value = ev;
          extraInput.id = `knob-${name}-${ek}`; extraInput.dataset.testid = `knob-${name}-${ek}`;
          extraInput.dataset.key = ek;
          l2.appendChild(extraInput); div.appendChild(l2);
        }
      }
      const send = () => {
        const extra = {};
        if (extraInput) extra[extraInput.dataset.key] = extraInput.value;
        return fire({ knob: name, value: input.value, extra });
      };
      if (isAction) {
        const b = document.createElement("button");
        b.textContent = name === "fund_run" ? "Start the run" : "Fail this bank";
        b.dataset.testid = `knob-${name}-apply`; b.id = `knob-${name}-apply`;
        b.addEventListener("click", send);
        div.appendChild(b);
      } else {
        input.addEventListener("change", send);  // a new level of a rule: fires at once
      }
    }
    list.appendChild(div);
  }
}

// --- charts -----------------------------------------------------------------------------------
function buildCharts() {
  const box = $("charts");
  box.textContent = "";
  const colours = PALETTES[$("palette").value];
  for (const [name, c] of Object.entries(pfsim.info.charts)) {
    const fig = document.createElement("figure");
    fig.dataset.testid = `chart-${name}`; fig.id = `chart-${name}`; fig.dataset.days = "0";
    const cap = document.createElement("figcaption");
    cap.textContent = `${c.title} (${c.unit})`;
    fig.appendChild(cap);
    fig.appendChild(svgEl("svg", { role: "img", "aria-label": c.title }));
    const legend = document.createElement("div"); legend.className = "legend";
    c.series.filter(s => pfsim.info.indicators.includes(s)).forEach((s, i) => {
      const span = document.createElement("span");
      span.style.setProperty("--c", colours[i % colours.length]);
      span.textContent = s.replace(/_/g, " ");
      legend.appendChild(span);
    });
    fig.appendChild(legend);
    box.appendChild(fig);
  }
}

function chartSeries(chart, key) {
  const out = [];
  for (const name of chart.series) {
    const idx = pfsim.info.indicators.indexOf(name);
    if (idx < 0) continue;
    const s = { name, live: [], base: [] };
    let cl = 0, cb = 0;
    for (const day of pfsim.history) {
      let lv = day.live[idx] * chart.scale, bv = day.base[idx] * chart.scale;
      if (chart.cumulative) { cl += lv; cb += bv; lv = cl; bv = cb; }
      s.live.push(lv); s.base.push(bv);
    }
    out.push(s);
  }
  return out;
}

// --- network ----------------------------------------------------------------------------------
function bankColour(b) {
  // distress = capital ratio / requirement; colour-blind-safe steps (Okabe-Ito).
  if (b.failed) return "#000000";
  if (b.capital_ratio === null || b.requirement === null) return "#999999";  // not defined (no assets)
  const r = b.requirement > 0 ? b.capital_ratio / b.requirement : 2;
  const cb = $("palette").value === "cb";
  if (r < 1) return cb ? "#D55E00" : "#d62728";
  if (r < 1.25) return cb ? "#E69F00" : "#ff7f0e";
  if (r < 1.6) return cb ? "#56B4E9" : "#aec7e8";
  return cb ? "#0072B2" : "#1f77b4";
}
const LEGEND = [["≥ 1.6× requirement", { capital_ratio: 2, requirement: 1 }],
  ["1.25–1.6×", { capital_ratio: 1.4, requirement: 1 }], ["1–1.25× (close)", { capital_ratio: 1.1, requirement: 1 }],
  ["below requirement", { capital_ratio: 0.5, requirement: 1 }], ["failed (×)", { failed: 1 }]];

let networkLayout = null;
function drawNetwork() {
  const svg = $("network");
  const banks = pfsim.state && pfsim.state.banks;
  if (!banks) return;
  const nodes = banks.nodes;
  if (!networkLayout || networkLayout.n !== nodes.length) {
    // rings by tier: the large state banks inside, the small city banks outside
    const tiers = [...new Set(nodes.map(b => b.tier))].sort();
    const pos = {};
    for (const t of tiers) {
      const ring = nodes.filter(b => b.tier === t);
      const radius = 25 + 70 * (tiers.indexOf(t) / Math.max(1, tiers.length - 1));
      ring.forEach((b, k) => {
        const a = 2 * Math.PI * k / ring.length + t * 0.3;
        pos[b.id] = [radius * Math.cos(a), radius * Math.sin(a)];
      });
    }
    networkLayout = { n: nodes.length, pos };
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svgEl("g", { id: "edges" }, svg);
    const g = svgEl("g", { id: "nodes" }, svg);
    for (const b of nodes) {
      const [x, y] = pos[b.id];
      const node = svgEl("g", { class: "bank-node", transform: `translate(${x},${y})` }, g);
      const r = b.tier === 0 ? 7 : b.tier === 1 ? 5 : 3.6;
      const c = svgEl("circle", { r, class: "bank", id: `bank-${b.id}`, "data-testid": `bank-${b.id}` }, node);
      svgEl("title", {}, c);
      svgEl("path", { d: `M${-r * .6},${-r * .6}L${r * .6},${r * .6}M${-r * .6},${r * .6}L${r * .6},${-r * .6}`,
        stroke: "#fff", "stroke-width": 1.2, class: "cross", visibility: "hidden", "pointer-events": "none" }, node);
      c.addEventListener("click", () => fire({ knob: "bank_failure", value: b.id }));
      c.addEventListener("mouseenter", () => { $("bank-detail").textContent = bankText(b.id); });
    }
    const legend = $("network-legend");
    legend.textContent = "";
    for (const [text, b] of LEGEND) {
      const span = document.createElement("span");
      span.style.setProperty("--c", bankColour(b)); span.textContent = text; legend.appendChild(span);
    }
  }
  const edges = svg.querySelector("#edges");
  while (edges.firstChild) edges.removeChild(edges.firstChild);
  const cascades = pfsim.state.cascades || [];
  const hit = cascades.flatMap(c => c.claims_hit);
  const maxW = Math.max(1, ...banks.edges.map(e => e[2]), ...hit.map(e => e[2]));
  const width = w => 0.3 + 2.2 * w / maxW;
  for (const [a, b, w] of banks.edges) {
    const [x1, y1] = networkLayout.pos[a], [x2, y2] = networkLayout.pos[b];
    svgEl("line", { x1, y1, x2, y2, class: "edge", "stroke-width": width(w), opacity: 0.25 + 0.5 * w / maxW }, edges);
  }
  for (const [a, b, w] of hit) {  // what the failed banks' creditors lost, drawn over today's claims
    const [x1, y1] = networkLayout.pos[a], [x2, y2] = networkLayout.pos[b];
    svgEl("line", { x1, y1, x2, y2, class: "edge-hit", "stroke-width": width(w), stroke: lossColour() }, edges);
  }
  const round = failureRounds();
  for (const b of nodes) {
    const c = document.getElementById(`bank-${b.id}`);
    c.setAttribute("fill", bankColour(b));
    c.dataset.failed = b.failed;
    c.dataset.capitalRatio = b.capital_ratio === null ? "" : b.capital_ratio.toFixed(4);
    const f = round[b.id];
    c.dataset.round = f && f.round !== null ? f.round : "";
    c.parentNode.querySelector(".cross").setAttribute("visibility", b.failed ? "visible" : "hidden");
    let label = c.parentNode.querySelector(".round");
    if (f && !label) label = svgEl("text", { class: "round", x: 5, y: -5, "pointer-events": "none" }, c.parentNode);
    if (label) label.textContent = f ? (f.round === null ? "R?" : `R${f.round}`) : "";
    c.querySelector("title").textContent = bankText(b.id);
  }
  drawCascades(cascades);
}
function lossColour() { return $("palette").value === "cb" ? "#CC79A7" : "#d62728"; }
// bank id → {date, round, cause} of its failure, from the cascades the server noted.
function failureRounds() {
  const out = {};
  for (const c of (pfsim.state.cascades || []))
    for (const b of c.banks) out[b.id] = { date: c.date, round: b.round, cause: b.cause };
  return out;
}
function drawCascades(cascades) {
  const list = $("cascade");
  list.textContent = "";
  if (!cascades.length) {
    const li = document.createElement("li"); li.className = "none"; li.textContent = "No bank has failed.";
    list.appendChild(li);
    return;
  }
  for (const c of cascades) {
    const li = document.createElement("li");
    const parts = [];
    for (let r = 0; r < c.rounds.length; ++r) {
      if (!c.rounds[r]) continue;
      const ids = c.banks.filter(b => b.round === r).map(b => b.id);
      const label = r === c.rounds.length - 1 ? `round ${r}+` : `round ${r}`;
      parts.push(`${label}: ${c.rounds[r]} bank${c.rounds[r] > 1 ? "s" : ""}${ids.length ? ` (${ids.join(", ")})` : ""}`);
    }
    const unplaced = c.banks.filter(b => b.round === null).map(b => b.id);
    if (unplaced.length) parts.push(`later rounds: banks ${unplaced.join(", ")}`);
    const bn = v => `RMB ${(v / 1e9).toFixed(0)} bn`;
    li.textContent = `${c.date} — ${parts.join("; ")}; interbank losses ${bn(c.interbank_losses_yuan)}` +
      (c.fire_sale_losses_yuan > 0 ? `, fire-sale losses ${bn(c.fire_sale_losses_yuan)}` : "");
    list.appendChild(li);
  }
}
function bankText(id) {
  const b = pfsim.state.banks.nodes[id];
  const tier = pfsim.info.tiers[b.tier] || b.tier;
  const lent = pfsim.state.banks.edges.filter(e => e[0] === id).reduce((s, e) => s + e[2], 0);
  const owes = pfsim.state.banks.edges.filter(e => e[1] === id).reduce((s, e) => s + e[2], 0);
  const pct = v => v === null ? "n/a" : `${(100 * v).toFixed(1)}%`;
  const f = failureRounds()[id];
  const failed = !b.failed ? "" : f ? `, FAILED on ${f.date} (${f.round === null ? "a later round" : `round ${f.round}`}` +
    `, ${f.cause})` : ", FAILED";
  return `Bank ${id} (${tier}): capital ratio ${pct(b.capital_ratio)} ` +
    `(requirement ${pct(b.requirement)})${failed}; ` +
    `interbank lent RMB ${(lent / 1e9).toFixed(1)} bn, owes RMB ${(owes / 1e9).toFixed(1)} bn. Click to fail it.`;
}

// A rule's knob shows the level last set on this page (the scenario's until then).
function syncKnobs(st) {
  for (const [name, k] of Object.entries(pfsim.info.knobs)) {
    if (!k.param || name === "fund_run" || name === "bank_failure") continue;
    const input = document.getElementById(`knob-${name}`);
    if (!input || input === document.activeElement) continue;
    const set = st.shocks.filter(s => s.type === k.type && s[k.param] !== undefined);
    input.value = set.length ? set[set.length - 1][k.param] : k.value;
  }
}

// --- render -----------------------------------------------------------------------------------
let renderPending = false;
function scheduleRender() {
  if (!renderPending) { renderPending = true; requestAnimationFrame(render); }
}
function render() {
  renderPending = false;
  if (!pfsim.info) return;
  const st = pfsim.state;
  if (st) {
    $("date").textContent = st.date;
    $("date").dateTime = st.date;
    $("run").classList.toggle("active", st.running);
    $("pause").classList.toggle("active", !st.running);
    $("speed").value = String(st.speed);
    if (st.days_remaining === 0) showMessage(`The scenario ends here (${st.date}). Export the lesson, or Restart.`, "info");
  }
  const dates = pfsim.history.map(d => d.date);
  const events = st ? st.events : [];
  const opts = { palette: $("palette").value, showBaseline: $("show-baseline").checked,
    startDate: pfsim.info.start_date, endDate: pfsim.info.end_date };
  for (const [name, c] of Object.entries(pfsim.info.charts)) {
    const fig = document.getElementById(`chart-${name}`);
    if (!fig) continue;
    drawChart(fig.querySelector("svg"), chartSeries(c), dates, events, opts);
    fig.dataset.days = String(dates.length);
  }
  drawNetwork();
  const log = $("event-log");
  log.textContent = "";
  for (const e of events) {
    const li = document.createElement("li");
    li.dataset.type = e.type;
    li.textContent = `${e.date} ${e.type} ${e.parameters === "{}" ? "" : e.parameters} (${e.condition || "scenario"})`;
    log.appendChild(li);
  }
  if (st) syncKnobs(st);
  if (st) {  // shocks waiting for their date
    for (const s of st.shocks.filter(s => s.date && s.date >= st.date)) {
      const li = document.createElement("li");
      li.className = "pending";
      li.textContent = `${s.date} ${encodeShock(s)} (waiting)`;
      log.appendChild(li);
    }
  }
  syncUrl();
}

function setProjector(on) {  // rem units follow the root's font size
  document.documentElement.classList.toggle("projector", on);
  document.body.classList.toggle("projector", on);
}

// --- start ------------------------------------------------------------------------------------
async function main() {
  const params = new URLSearchParams(location.search);
  try { pfsim.config = await api("GET", "/api/config"); } catch (err) { showMessage(err.message); return; }
  for (const name of pfsim.config.scenarios) {
    const o = document.createElement("option"); o.value = o.textContent = name; $("scenario").appendChild(o);
  }
  for (const s of pfsim.config.speeds) {
    const o = document.createElement("option"); o.value = String(s);
    o.textContent = s >= 365 ? "fastest" : `${s} days/s`; $("speed").appendChild(o);
  }
  $("projector").checked = params.get("projector") === "1";
  setProjector($("projector").checked);
  if (params.get("palette") && PALETTES[params.get("palette")]) $("palette").value = params.get("palette");
  let shocks = [];
  try { shocks = params.getAll("s").map(decodeShock); } catch (err) { showMessage(err.message); return; }
  const ok = await startSession(params.get("scenario") || pfsim.config.default_scenario, params.get("seed"), shocks);
  if (!ok) return;
  if (params.get("speed")) await control("speed", { speed: Number(params.get("speed")) });
  if (params.get("until")) {  // open the lesson at its key moment, paused
    const days = Math.round((Date.parse(params.get("until")) - Date.parse(pfsim.info.date)) / DAY_MS);
    for (let left = days; left > 0; left -= 366) await control("step", { days: Math.min(366, left) });
  }
  if (params.get("run") === "1") await control("run");
}

$("run").addEventListener("click", () => control("run"));
$("pause").addEventListener("click", () => control("pause"));
$("step-day").addEventListener("click", () => control("step", { days: 1 }));
$("step-month").addEventListener("click", () => {
  const d = new Date((pfsim.state || pfsim.info).date);
  const next = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()));
  control("step", { days: Math.round((next - d) / DAY_MS) });
});
$("speed").addEventListener("change", () => control("speed", { speed: Number($("speed").value) }));
$("restart").addEventListener("click", () => { showMessage(""); startSession($("scenario").value, $("seed").value, []); });
$("scenario").addEventListener("change", () => { showMessage(""); startSession($("scenario").value, $("seed").value, []); });
$("projector").addEventListener("change", () => {
  setProjector($("projector").checked); scheduleRender();
});
$("palette").addEventListener("change", () => { buildCharts(); networkLayout = null; scheduleRender(); });
$("show-baseline").addEventListener("change", scheduleRender);
$("share").addEventListener("click", async () => {
  const link = linkFor();
  try { await navigator.clipboard.writeText(link); showMessage(`Link copied: ${link}`, "info"); }
  catch (err) { showMessage(`The link to this lesson: ${link}`, "info"); }
});
main();
