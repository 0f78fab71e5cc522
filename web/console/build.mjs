// Builds the admin server's web console into internal/admin/console (or
// the folder given as the first argument): index.html, app.css and app.js
// from this folder, and vendor.js and vendor.css from the browser builds
// of the npm packages it uses (dagre for the layout, uPlot for the
// charts), with their licence notices. The output is committed, so that
// building greenwave needs no npm; a test in internal/admin fails when it
// differs from what this script makes.
//
//   npm ci --prefix web/console && node web/console/build.mjs
import { readFile, writeFile, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] || join(here, "..", "..", "internal", "admin", "console");
const mod = (p) => join(here, "node_modules", p);

async function text(p) {
  try {
    return await readFile(p, "utf8");
  } catch (e) {
    if (e.code === "ENOENT" && p.includes("node_modules")) {
      throw new Error(`missing ${p}: run \`npm ci --prefix web/console\` first`);
    }
    throw e;
  }
}

// Source maps are not shipped, so their references go.
const noMap = (s) => s.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");

async function version(pkg) {
  return JSON.parse(await text(mod(join(pkg, "package.json")))).version;
}

const vendors = [
  { pkg: "@dagrejs/dagre", js: "dist/dagre.min.js", license: "dist/dagre.min.js.LEGAL.txt" },
  { pkg: "uplot", js: "dist/uPlot.iife.min.js", css: "dist/uPlot.min.css", license: "LICENSE" },
];

let js = "";
let css = "";
for (const v of vendors) {
  const head = `/*! ${v.pkg} ${await version(v.pkg)}\n${(await text(mod(join(v.pkg, v.license)))).trim().replaceAll("*/", "* /")}\n*/\n`;
  js += head + noMap(await text(mod(join(v.pkg, v.js)))).trim() + "\n";
  if (v.css) css += head + (await text(mod(join(v.pkg, v.css)))).trim() + "\n";
}

const files = {
  "index.html": await text(join(here, "index.html")),
  "app.css": await text(join(here, "app.css")),
  "app.js": await text(join(here, "app.js")),
  "vendor.js": js,
  "vendor.css": css,
};

await mkdir(out, { recursive: true });
for (const f of await readdir(out)) {
  if (!(f in files)) await rm(join(out, f), { recursive: true });
}
for (const [name, body] of Object.entries(files)) {
  await writeFile(join(out, name), body);
}
console.log(`built the console into ${out}: ${Object.keys(files).join(", ")}`);
