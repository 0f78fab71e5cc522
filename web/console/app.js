// The greenwave web console: the tenants of a run, each tenant's pipeline
// laid out with dagre and drawn as SVG, every edge coloured by its
// producer's back-pressure (Flink's grades) and labelled with its fill,
// largest batch and drops, and for a clicked component its figures over
// the last minutes in uPlot charts. It polls the admin server's JSON API
// once a second. When the server wants a bearer token, the page takes it
// from the address's #token= fragment, or asks for it.
"use strict";
(() => {
  const POLL_MS = 1000;
  const HISTORY_SECONDS = 300;
  const SVG = "http://www.w3.org/2000/svg";
  // Interval figures are per reader: this page reads as a reader of its own.
  const reader = "console-" + Math.random().toString(36).slice(2, 10);

  const $ = (sel) => document.querySelector(sel);
  const st = {
    token: "",
    asked: false,
    tenants: [],
    tenant: "", // selected tenant id
    detail: null,
    planKey: "",
    nodes: new Map(), // component name -> {g, stat, comp}
    edges: new Map(), // edge id -> {g, text, bg, edge}
    selected: "", // component whose panel is open
    history: [], // samples of the selected tenant
    charts: {},
  };

  // ---- token and address fragment ----

  // readFragment takes the token from the address's fragment (and removes
  // it from the address) or from this tab's storage, and returns the
  // tenant the fragment names.
  function readFragment() {
    const f = new URLSearchParams(location.hash.slice(1));
    const tok = f.get("token");
    if (tok) {
      st.token = tok;
      try { sessionStorage.setItem("greenwave_token", tok); } catch (_) { /* private mode */ }
      f.delete("token");
      history.replaceState(null, "", location.pathname + location.search + (f.toString() ? "#" + f : ""));
    } else {
      try { st.token = sessionStorage.getItem("greenwave_token") || ""; } catch (_) { /* private mode */ }
    }
    return f.get("tenant") || "";
  }

  function writeFragment() {
    const f = new URLSearchParams();
    if (st.tenant) f.set("tenant", st.tenant);
    history.replaceState(null, "", location.pathname + location.search + "#" + f);
  }

  class Unauthorized extends Error {}

  async function api(path) {
    const headers = st.token ? { Authorization: "Bearer " + st.token } : {};
    const r = await fetch(path, { headers, cache: "no-store" });
    if (r.status === 401) {
      if (!st.asked) {
        st.asked = true;
        const t = window.prompt("This greenwave admin server needs its bearer token:");
        if (t && t.trim()) {
          st.token = t.trim();
          st.asked = false;
          try { sessionStorage.setItem("greenwave_token", st.token); } catch (_) { /* private mode */ }
          return api(path);
        }
      }
      throw new Unauthorized("the server wants a bearer token: open the page with #token=… in its address");
    }
    if (!r.ok) {
      let msg = r.status + " " + r.statusText;
      try { msg = (await r.json()).error || msg; } catch (_) { /* not JSON */ }
      throw new Error(path + ": " + msg);
    }
    return r.json();
  }

  // ---- figures ----

  const grades = ["none", "ok", "low", "high"];
  // Flink's grades of a back-pressured share of time.
  const grade = (ratio) => (ratio <= 0.1 ? "ok" : ratio <= 0.5 ? "low" : "high");

  function fmtNum(v) {
    if (v == null || !isFinite(v)) return "–";
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(1) + "G";
    if (a >= 1e6) return (v / 1e6).toFixed(1) + "M";
    if (a >= 1e4) return (v / 1e3).toFixed(1) + "k";
    if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
    return v.toFixed(1);
  }
  const fmtPct = (r) => (r == null ? "–" : Math.round(r * 100) + "%");
  function fmtSec(s) {
    if (s == null || !isFinite(s)) return "–";
    if (s >= 1) return s.toFixed(2) + " s";
    if (s >= 1e-3) return (s * 1e3).toFixed(1) + " ms";
    return (s * 1e6).toFixed(0) + " µs";
  }

  const edgeId = (e) => e.from + (e.output ? "." + e.output : "") + "->" + e.to;

  // The actors that run a component (its head or fused instances).
  const actorsOf = (m, name) => (m ? m.actors.filter((a) => a.components.includes(name)) : []);

  // A component's figures in one metrics tree: the sums of its actors'
  // rates, their mean busy / back-pressured / idle time, and its sink
  // latency over the interval (the worst instance's percentiles).
  function componentFigures(m, name) {
    const as = actorsOf(m, name);
    const f = { actors: as.length, in: 0, out: 0, busy: 0, bp: 0, idle: 0, bpMax: 0, p50: null, p90: null, p99: null, hasLatency: false };
    for (const a of as) {
      f.in += a.in_per_sec;
      f.out += a.out_per_sec;
      f.busy += a.busy_ms_per_sec / as.length;
      f.bp += a.backpressured_ms_per_sec / as.length;
      f.idle += a.idle_ms_per_sec / as.length;
      f.bpMax = Math.max(f.bpMax, a.backpressured_ms_per_sec / 1000);
      // Only sinks measure latency; a fused sink is its actor's last component.
      if (a.latency && a.components[a.components.length - 1] === name) {
        f.hasLatency = true;
        const w = a.latency.interval;
        if (w && w.count > 0) {
          f.p50 = Math.max(f.p50 ?? 0, w.p50_seconds);
          f.p90 = Math.max(f.p90 ?? 0, w.p90_seconds);
          f.p99 = Math.max(f.p99 ?? 0, w.p99_seconds);
        }
      }
    }
    return f;
  }

  // A logical edge's figures: its rings' largest fill and batch, their
  // drops, and its grade: Flink's grade of its producer's back-pressured
  // share (its most back-pressured instance), high when a ring of a drop
  // edge dropped in the interval. An edge whose producer has no figures
  // is "none".
  function edgeFigures(m, e) {
    const f = { rings: 0, fill: 0, maxBatch: 0, dropped: 0, droppedPerSec: 0, capacity: e.capacity, grade: "none" };
    if (!m) return f;
    const prod = actorsOf(m, e.from);
    if (prod.length) {
      f.grade = grade(Math.max(...prod.map((a) => a.backpressured_ms_per_sec / 1000)));
    }
    for (const r of m.edges) {
      if (r.from !== e.from || r.to !== e.to || (r.output || "") !== (e.output || "")) continue;
      f.rings++;
      f.fill = Math.max(f.fill, r.fill_ratio);
      f.maxBatch = Math.max(f.maxBatch, r.max_batch);
      f.dropped += r.dropped_total;
      f.droppedPerSec += r.dropped_per_sec;
      if (r.dropped_per_sec > 0) f.grade = "high";
    }
    return f;
  }

  // ---- tenant list ----

  function renderTenants(list) {
    const ul = $("#tenants ul");
    ul.replaceChildren();
    for (const t of list.tenants) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.tenant = t.id;
      b.setAttribute("aria-current", String(t.id === st.tenant));
      b.textContent = t.id;
      const s = document.createElement("span");
      s.className = "state " + t.state;
      s.textContent = t.state + (t.version > 1 ? " · v" + t.version : "");
      b.append(s);
      b.addEventListener("click", () => selectTenant(t.id));
      li.append(b);
      ul.append(li);
    }
    if (!list.tenants.length) {
      const li = document.createElement("li");
      li.textContent = "no tenants";
      ul.append(li);
    }
  }

  function selectTenant(id) {
    if (id === st.tenant) return;
    st.tenant = id;
    st.detail = null;
    st.planKey = "";
    closePanel();
    writeFragment();
    poll.now();
  }

  // ---- the graph ----

  function el(name, attrs, parent) {
    const n = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, v);
    if (parent) parent.append(n);
    return n;
  }

  // layout lays out the tenant's plan with dagre and draws it afresh.
  function layout(plan) {
    const g = new dagre.graphlib.Graph({ multigraph: true });
    // Top to bottom: pipelines are long chains, and a page scrolls down.
    g.setGraph({ rankdir: "TB", nodesep: 50, ranksep: 40, edgesep: 30, marginx: 20, marginy: 20 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const c of plan.components) {
      const w = Math.max(200, 9 * Math.max(c.name.length, c.type.length + 4) + 24);
      g.setNode(c.name, { width: w, height: 62, comp: c });
    }
    for (const e of plan.edges) {
      g.setEdge(e.from, e.to, { width: 200, height: 16, labelpos: "r", labeloffset: 8, edge: e }, edgeId(e));
    }
    dagre.layout(g);

    const svg = $("#graph");
    svg.replaceChildren();
    const gg = g.graph();
    // Scaled down to fit its box, but no further than stays readable:
    // past that, the box scrolls.
    svg.setAttribute("viewBox", `0 0 ${Math.ceil(gg.width)} ${Math.ceil(gg.height)}`);
    svg.setAttribute("width", "100%");
    svg.style.maxWidth = Math.ceil(gg.width) + "px";
    svg.style.minWidth = Math.ceil(gg.width * 0.8) + "px";
    const defs = el("defs", {}, svg);
    for (const gr of grades) {
      const mk = el("marker", { id: "arrow-" + gr, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 10, markerHeight: 10, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" }, defs);
      el("path", { d: "M0,0 L10,5 L0,10 z", style: `fill: var(--${gr})` }, mk);
    }
    st.nodes.clear();
    st.edges.clear();
    const edgeLayer = el("g", { class: "edges" }, svg);
    const nodeLayer = el("g", { class: "nodes" }, svg);

    for (const ge of g.edges()) {
      const lab = g.edge(ge);
      const e = lab.edge;
      const id = edgeId(e);
      const eg = el("g", { class: "edge", "data-edge": e.from + "->" + e.to, "data-grade": "none" }, edgeLayer);
      if (e.output) eg.setAttribute("data-output", e.output);
      const pts = lab.points;
      let d = `M${pts[0].x},${pts[0].y}`;
      for (let i = 1; i < pts.length - 1; i++) {
        const mx = (pts[i].x + pts[i + 1].x) / 2;
        const my = (pts[i].y + pts[i + 1].y) / 2;
        d += ` Q${pts[i].x},${pts[i].y} ${i === pts.length - 2 ? pts[i + 1].x : mx},${i === pts.length - 2 ? pts[i + 1].y : my}`;
      }
      if (pts.length === 2) d += ` L${pts[1].x},${pts[1].y}`;
      const path = el("path", { d, "marker-end": "url(#arrow-none)" }, eg);
      const title = el("title", {}, eg);
      const bg = el("rect", { class: "label-bg", rx: 3 }, eg);
      // The label sits beside the edge's middle, where dagre made room.
      const text = el("text", { x: lab.x - lab.width / 2, y: lab.y + 4, "text-anchor": "start" }, eg);
      st.edges.set(id, { g: eg, path, title, bg, text, edge: e });
    }

    for (const name of g.nodes()) {
      const n = g.node(name);
      const c = n.comp;
      const x = n.x - n.width / 2;
      const y = n.y - n.height / 2;
      const ng = el("g", { class: "node " + c.kind, "data-node": c.name, "data-kind": c.kind, tabindex: 0, role: "button", "aria-pressed": "false", transform: `translate(${x},${y})` }, nodeLayer);
      el("rect", { width: n.width, height: n.height }, ng);
      const nameText = el("text", { class: "name", x: 10, y: 18 }, ng);
      nameText.textContent = c.name;
      const type = el("text", { class: "type", x: 10, y: 34 }, ng);
      type.textContent = c.type + (c.parallelism > 1 ? " ×" + c.parallelism : "") + (c.keyed ? " · keyed" : "");
      const stat = el("text", { class: "stat", x: 10, y: 51 }, ng);
      ng.addEventListener("click", () => openPanel(c.name));
      ng.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") {
          ev.preventDefault();
          openPanel(c.name);
        }
      });
      st.nodes.set(c.name, { g: ng, stat, comp: c });
    }
  }

  // paint updates the drawn graph's figures and colours.
  function paint(m) {
    for (const [name, n] of st.nodes) {
      const f = componentFigures(m, name);
      const rate = n.comp.kind === "source" ? `${fmtNum(f.out)}/s out` : `${fmtNum(f.in)}/s in`;
      const txt = f.actors ? `${rate} · busy ${fmtPct(f.busy / 1000)} · bp ${fmtPct(f.bp / 1000)}` : "no figures";
      n.stat.textContent = txt;
      n.g.setAttribute("aria-label", `${name} (${n.comp.kind} ${n.comp.type}): ${txt}`);
      n.g.setAttribute("data-grade", f.actors ? grade(f.bpMax) : "none");
    }
    for (const [, e] of st.edges) {
      const f = edgeFigures(m, e.edge);
      e.g.setAttribute("data-grade", f.grade);
      e.g.dataset.fill = f.fill.toFixed(3);
      e.g.dataset.maxBatch = f.maxBatch;
      e.g.dataset.dropped = f.dropped;
      e.path.setAttribute("marker-end", `url(#arrow-${f.grade})`);
      const label = f.rings
        ? `fill ${fmtPct(f.fill)} · batch ${f.maxBatch}/${f.capacity} · drops ${fmtNum(f.dropped)}`
        : "fused";
      e.text.textContent = label;
      e.title.textContent = `${e.edge.from} → ${e.edge.to}: ${f.grade} back-pressure; ${label}; policy ${e.edge.policy}`;
      const bb = e.text.getBBox();
      e.bg.setAttribute("x", bb.x - 3);
      e.bg.setAttribute("y", bb.y - 1);
      e.bg.setAttribute("width", bb.width + 6);
      e.bg.setAttribute("height", bb.height + 2);
    }
  }

  function renderTenant(d) {
    $("#tenant-title").textContent = `${d.id} · v${d.version} · ${d.state}`;
    const m = d.metrics;
    $("#tenant-figures").textContent = m
      ? `${fmtNum(m.in_per_sec)} events/s in · ${fmtNum(m.out_per_sec)} out · ${fmtNum(m.dropped_total)} dropped · up ${Math.round(m.elapsed_seconds)} s` + (d.file ? ` · ${d.file}` : "")
      : "";
    const key = JSON.stringify([d.plan.components, d.plan.edges]);
    if (key !== st.planKey) {
      st.planKey = key;
      layout(d.plan);
      if (st.selected && !st.nodes.has(st.selected)) closePanel();
    }
    paint(m);
    const errs = $("#errors");
    errs.replaceChildren();
    for (const ev of (d.error ? [{ text: d.error }] : []).concat(d.errors.slice(-5))) {
      const li = document.createElement("li");
      li.textContent = ev.text;
      errs.append(li);
    }
  }

  // ---- the side panel ----

  function openPanel(name) {
    st.selected = name;
    for (const [n, v] of st.nodes) v.g.setAttribute("aria-pressed", String(n === name));
    const p = $("#panel");
    p.hidden = false;
    p.dataset.component = name;
    $("#panel-title").textContent = name;
    const c = st.nodes.get(name)?.comp;
    $("#panel-kind").textContent = c ? `${c.kind} · ${c.type}` + (c.parallelism > 1 ? ` · parallelism ${c.parallelism}` : "") : "";
    for (const ch of Object.values(st.charts)) ch.destroy();
    st.charts = {};
    st.history = [];
    loadHistory(HISTORY_SECONDS).then(renderPanel, showError);
  }

  function closePanel() {
    st.selected = "";
    for (const [, v] of st.nodes) v.g.setAttribute("aria-pressed", "false");
    $("#panel").hidden = true;
    for (const ch of Object.values(st.charts)) ch.destroy();
    st.charts = {};
    st.history = [];
  }

  // loadHistory appends the selected tenant's samples of the last seconds
  // newer than those it has.
  async function loadHistory(seconds) {
    const id = st.tenant;
    const got = await api(`api/tenants/${encodeURIComponent(id)}/history?seconds=${seconds}`);
    if (id !== st.tenant) return;
    const last = st.history.length ? st.history[st.history.length - 1].t : 0;
    for (const s of got) {
      const t = Date.parse(s.at) / 1000;
      if (t > last) st.history.push({ t, f: componentFigures(s.tenant, st.selected) });
    }
    const keep = Date.now() / 1000 - HISTORY_SECONDS;
    while (st.history.length && st.history[0].t < keep) st.history.shift();
  }

  const chartSpecs = {
    throughput: { series: [["in", "#1565c0"], ["out", "#2e7d32"]], y: (f) => [f.in, f.out] },
    time: { series: [["busy", "#6a1b9a"], ["back-pressured", "#d32f2f"], ["idle", "#9e9e9e"]], y: (f) => [f.busy, f.bp, f.idle] },
    latency: { series: [["p50", "#2e7d32"], ["p90", "#e08600"], ["p99", "#d32f2f"]], y: (f) => [f.p50, f.p90, f.p99].map((v) => (v == null ? null : v * 1000)) },
  };

  function renderPanel() {
    if (!st.selected) return;
    const h = st.history;
    const cur = componentFigures(st.detail && st.detail.metrics, st.selected);
    const rows = [
      ["instances", fmtNum(cur.actors)],
      ["events in / s", fmtNum(cur.in)],
      ["events out / s", fmtNum(cur.out)],
      ["busy", fmtNum(cur.busy) + " ms/s"],
      ["back-pressured", fmtNum(cur.bp) + " ms/s"],
      ["idle", fmtNum(cur.idle) + " ms/s"],
    ];
    // The live reads are cheap ones without interval percentiles; the
    // sampled history has them.
    const lat = h.length && h[h.length - 1].f.p50 != null ? h[h.length - 1].f : cur;
    if (cur.hasLatency) rows.push(["latency p50", fmtSec(lat.p50)], ["latency p90", fmtSec(lat.p90)], ["latency p99", fmtSec(lat.p99)]);
    const tb = $("#panel-figures tbody");
    tb.replaceChildren();
    for (const [k, v] of rows) {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.textContent = k;
      const td = document.createElement("td");
      td.textContent = v;
      tr.append(th, td);
      tb.append(tr);
    }
    const hasLatency = cur.hasLatency || h.some((s) => s.f.hasLatency);
    $("#panel-latency-note").hidden = hasLatency;
    for (const [name, spec] of Object.entries(chartSpecs)) {
      const box = document.querySelector(`#panel [data-chart="${name}"]`);
      box.hidden = name === "latency" && !hasLatency;
      if (box.hidden) continue;
      const data = [h.map((s) => s.t)];
      spec.series.forEach((_, i) => data.push(h.map((s) => spec.y(s.f)[i])));
      if (!st.charts[name]) {
        st.charts[name] = new uPlot({
          width: Math.max(300, box.clientWidth || 400),
          height: 140,
          legend: { show: true },
          scales: { y: { range: (u, lo, hi) => [0, Math.max(hi, name === "time" ? 1000 : 1)] } },
          series: [{}].concat(spec.series.map(([label, stroke]) => ({ label, stroke, width: 1.5, spanGaps: false }))),
          axes: [{}, { size: 56, values: (u, vals) => vals.map(fmtNum) }],
        }, data, box);
      } else {
        st.charts[name].setData(data);
      }
    }
  }

  // ---- polling ----

  function showError(err) {
    const s = $("#status");
    s.textContent = err.message || String(err);
    s.className = "error";
  }

  async function tick() {
    const list = await api("api/tenants");
    st.tenants = list.tenants;
    if (!list.tenants.some((t) => t.id === st.tenant)) {
      if (st.tenant) closePanel();
      st.tenant = list.tenants.length ? list.tenants[0].id : "";
      st.planKey = "";
    }
    renderTenants(list);
    if (!st.tenant) {
      $("#tenant-title").textContent = "no tenant";
      $("#graph").replaceChildren();
      return;
    }
    const d = await api(`api/tenants/${encodeURIComponent(st.tenant)}?reader=${reader}`);
    if (d.id !== st.tenant) return;
    st.detail = d;
    renderTenant(d);
    if (st.selected) {
      await loadHistory(10);
      renderPanel();
    }
  }

  const poll = {
    timer: 0,
    running: false,
    async run() {
      clearTimeout(this.timer);
      if (this.running) return;
      this.running = true;
      try {
        await tick();
        const s = $("#status");
        s.textContent = "live · updated " + new Date().toLocaleTimeString();
        s.className = "";
      } catch (err) {
        showError(err);
      } finally {
        this.running = false;
        this.timer = setTimeout(() => this.run(), POLL_MS);
      }
    },
    now() { this.run(); },
  };

  st.tenant = readFragment();
  $("#panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") closePanel(); });
  window.addEventListener("hashchange", () => {
    const id = readFragment();
    if (id) selectTenant(id);
  });
  poll.now();
})();
