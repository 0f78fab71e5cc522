// Opens the web console at URL in Debian's chromium and checks what a
// person would: the tenant's pipeline is drawn with its components' names,
// the edge into a stalled consumer turns red (grade high), clicking a
// component opens its panel with charts, and a healthy tenant's edges are
// graded but not red; when the URL carries #token=…, the page opened
// without it asks for the token. Saves a screenshot of the stalled tenant
// with the panel open. Prints one JSON line with what it saw; exits
// non-zero with the reason when a check fails.
//
//   node web/console/console-test.mjs URL SCREENSHOT [EXPECT]
//
// EXPECT is JSON: {"tenant": "jam", "nodes": ["gen", ...], "high":
// "per_key->stalled", "click": "stalled", "healthy": "calm"} (the values
// shown are the defaults). The URL may carry #token=… for a server that
// wants a bearer token.
import { chromium } from "../node_modules/playwright-core/index.mjs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, shot, expectArg] = process.argv.slice(2);
if (!url || !shot) {
  console.error("usage: node console-test.mjs URL SCREENSHOT [EXPECT]");
  process.exit(2);
}
const want = {
  tenant: "jam",
  nodes: ["gen", "per_key", "stalled"],
  high: "per_key->stalled",
  click: "stalled",
  healthy: "calm",
  ...(expectArg ? JSON.parse(expectArg) : {}),
};

const started = Date.now();
const since = () => (Date.now() - started) / 1000;
const profile = await mkdtemp(join(tmpdir(), "greenwave-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 800 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const seen = { launched_s: since() };
let failed = "";
let page;
const errors = [];
try {
  page = await context.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("dialog", (d) => { errors.push("unexpected dialog: " + d.message()); d.dismiss(); });

  const u = new URL(url);
  const frag = new URLSearchParams(u.hash.slice(1));
  frag.set("tenant", want.tenant);
  u.hash = frag.toString();
  await page.goto(u.toString());

  // The tenant list and the DAG, with the components' names as text.
  await page.waitForSelector(`nav button[data-tenant="${want.tenant}"][aria-current="true"]`, { timeout: 10000 });
  seen.tenants = await page.$$eval("nav button[data-tenant]", (bs) => bs.map((b) => b.dataset.tenant));
  for (const n of want.nodes) {
    await page.waitForSelector(`#graph g.node[data-node="${n}"]`, { timeout: 10000 });
  }
  seen.nodes = await page.$$eval("#graph g.node", (gs) => gs.map((g) => g.querySelector("text.name").textContent));
  for (const n of want.nodes) {
    if (!seen.nodes.includes(n)) throw new Error(`component ${n} is not drawn with its name (drawn: ${seen.nodes})`);
  }
  seen.edges = await page.$$eval("#graph g.edge", (gs) => gs.map((g) => g.dataset.edge));
  seen.drawn_s = since();
  if (!seen.edges.includes(want.high)) throw new Error(`no edge ${want.high} drawn (edges: ${seen.edges})`);

  // The edge into the stalled consumer turns red.
  const high = `#graph g.edge[data-edge="${want.high}"]`;
  await page.waitForSelector(`${high}[data-grade="high"]`, { timeout: 10000 }).catch(async () => {
    const g = await page.getAttribute(high, "data-grade");
    throw new Error(`edge ${want.high} stayed ${g}, not high`);
  });
  seen.high_s = since();
  seen.high_label = await page.textContent(`${high} text`);
  seen.high_colour = await page.$eval(`${high} path`, (p) => getComputedStyle(p).stroke);
  if (seen.high_colour !== "rgb(211, 47, 47)") throw new Error(`edge ${want.high} is graded high but drawn ${seen.high_colour}`);
  if (!/fill \d+% · batch \d+\/\d+ · drops \d+/.test(seen.high_label)) throw new Error(`edge label ${JSON.stringify(seen.high_label)} lacks fill, batch and drops`);
  seen.grades = await page.$$eval("#graph g.edge", (gs) => Object.fromEntries(gs.map((g) => [g.dataset.edge, g.dataset.grade])));

  // Clicking a component opens its panel with charts that fill in.
  await page.click(`#graph g.node[data-node="${want.click}"]`);
  await page.waitForSelector("#panel:not([hidden])", { timeout: 5000 });
  seen.panel = await page.textContent("#panel-title");
  if (seen.panel !== want.click) throw new Error(`panel shows ${seen.panel}, not ${want.click}`);
  await page.waitForSelector('#panel [data-chart="throughput"] .uplot canvas', { timeout: 5000 });
  seen.charts = await page.$$eval("#panel .chart:not([hidden]) .uplot", (cs) => cs.map((c) => c.parentElement.dataset.chart));
  seen.figures = await page.$$eval("#panel-figures tr", (rs) => Object.fromEntries(rs.map((r) => [r.querySelector("th").textContent, r.querySelector("td").textContent])));
  if (!("busy" in seen.figures && "back-pressured" in seen.figures && "events in / s" in seen.figures)) {
    throw new Error(`panel figures lack throughput or busy/back-pressured time: ${JSON.stringify(seen.figures)}`);
  }
  // The sink's latency percentiles come from the sampled history.
  await page.waitForFunction(() => [...document.querySelectorAll("#panel-figures th")]
    .some((th) => th.textContent === "latency p99" && th.nextElementSibling.textContent !== "–"), null, { timeout: 5000 })
    .catch(() => { throw new Error("the panel shows no latency p99 for " + want.click); });
  seen.latency_p99 = await page.$eval("#panel-figures", (t) => [...t.querySelectorAll("th")].find((th) => th.textContent === "latency p99").nextElementSibling.textContent);
  // Wait for another poll so that the charts have points to draw.
  await page.waitForTimeout(1200);
  seen.panel_s = since();
  await page.screenshot({ path: shot, fullPage: true });

  // A healthy tenant: its edges are graded from its figures, none red.
  if (want.healthy) {
    await page.click(`nav button[data-tenant="${want.healthy}"]`);
    await page.waitForSelector("#panel", { state: "hidden", timeout: 5000 });
    await page.waitForFunction(() => {
      const es = [...document.querySelectorAll("#graph g.edge")];
      return es.length > 0 && es.every((e) => e.dataset.grade !== "none") &&
        document.querySelector("#tenant-title").textContent.startsWith(new URLSearchParams(location.hash.slice(1)).get("tenant") + " ");
    }, null, { timeout: 10000 });
    await page.waitForTimeout(1100);
    seen.healthy_grades = await page.$$eval("#graph g.edge", (gs) => Object.fromEntries(gs.map((g) => [g.dataset.edge, g.dataset.grade])));
    const red = Object.entries(seen.healthy_grades).filter(([, g]) => g === "high");
    if (red.length) throw new Error(`healthy tenant ${want.healthy} has red edges: ${JSON.stringify(seen.healthy_grades)}`);
  }
  // Without the token in the address, the page asks for it.
  const token = new URLSearchParams(new URL(url).hash.slice(1)).get("token");
  if (token) {
    const p2 = await context.newPage();
    let asked = "";
    p2.on("dialog", (d) => { asked = d.message(); d.accept(token); });
    const bare = new URL(url);
    bare.hash = "";
    await p2.goto(bare.toString());
    await p2.waitForSelector(`nav button[data-tenant="${want.tenant}"]`, { timeout: 5000 });
    if (!asked) throw new Error("the page showed the tenants without asking for the token");
    seen.prompted = asked;
    await p2.close();
  }
  if (errors.length) throw new Error("page errors: " + errors.join("; "));
  seen.total_s = since();
} catch (e) {
  failed = e.message || String(e);
  if (errors.length) failed += "; page errors: " + errors.join("; ");
  if (page) {
    seen.status = await page.textContent("#status").catch(() => undefined);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
  }
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
console.log(JSON.stringify({ ok: !failed, error: failed || undefined, screenshot: shot, ...seen }));
process.exit(failed ? 1 : 0);
