// Opens the live-tables page greenwave serves at URL in Debian's
// chromium and checks that it shows the served tables and that a row's
// values change. Prints one JSON line with what it saw; exits non-zero
// with the reason when a check fails.
//
//   node web/page-test.mjs http://127.0.0.1:8090/ [screenshot.png]
import { chromium } from "playwright-core";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, shot] = process.argv.slice(2);
if (!url) {
  console.error("usage: node page-test.mjs URL [screenshot.png]");
  process.exit(2);
}
const profile = await mkdtemp(join(tmpdir(), "greenwave-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = "";
const seen = {};
try {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('section[data-table="totals"] tbody tr', { timeout: 20000 });
  seen.tables = await page.$$eval("section[data-table]", (ss) => ss.map((s) => s.dataset.table));
  const cell = 'section[data-table="totals"] tbody tr:first-child td[data-col="events"]';
  seen.before = await page.textContent(cell);
  await page.waitForFunction(([sel, before]) => {
    const td = document.querySelector(sel);
    return td && td.textContent !== before;
  }, [cell, seen.before], { timeout: 10000 });
  seen.after = await page.textContent(cell);
  seen.rows = await page.$$eval('section[data-table="totals"] tbody tr', (rs) => rs.length);
  seen.status = await page.textContent('section[data-table="totals"] .status');
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  if (errors.length) failed = `page errors: ${errors.join("; ")}`;
  if (!/^\d+$/.test(seen.before) || !/^\d+$/.test(seen.after) || Number(seen.after) <= Number(seen.before)) {
    failed ||= `the events cell went from ${seen.before} to ${seen.after}, not up`;
  }
} catch (e) {
  failed = String(e);
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(seen));
if (failed) {
  console.error(failed);
  process.exit(1);
}
