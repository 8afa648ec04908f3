// After `trunk build`: make dist/ fit a strict Content-Security-Policy and serve fast.
//  1. Trunk inlines the module that starts the wasm; CSP `script-src 'self'` forbids inline
//     script, so it moves to its own hashed file and index.html loads it by src.
//  2. The JS glue (and public/'s keys.js and theme.js) minified with terser (.tools/,
//     from npm), the wasm's import and export names shortened in the glue and in the wasm,
//     and the stylesheet stripped of comments and spaces, their integrity hashes in
//     index.html updated: the first load's budget is 250 KB brotli.
//  3. .br and .gz siblings of text and wasm files, so the server sends them precompressed
//     (brotli at maximum quality: done once per build, not per request).
// Usage: node scripts/postbuild.mjs dist
import { readdirSync, readFileSync, writeFileSync, statSync, unlinkSync } from "node:fs";
import { join, dirname } from "node:path";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { minifyNames } from "./minify-names.mjs";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const dir = process.argv[2] ?? "dist";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const indexPath = join(dir, "index.html");
let html = readFileSync(indexPath, "utf8");

// 2. Minify, and say the new content's hash where index.html pins it.
const sri = (bytes) => "sha384-" + createHash("sha384").update(bytes).digest("base64");
const repin = (name, text) => {
  writeFileSync(join(dir, name), text);
  const pinned = new RegExp(`(href="/${name.replace(/[.]/g, "[.]")}"[^>]*integrity=")sha384-[^"]+`);
  if (pinned.test(html)) html = html.replace(pinned, `$1${sri(text)}`);
};
let terser;
try {
  terser = createRequire(join(root, ".tools/binaryen/package.json"))("terser");
} catch {
  console.error("postbuild: terser is missing: run scripts/setup.sh");
  process.exit(1);
}
for (let name of readdirSync(dir)) {
  if (/^(seqhealth-[0-9a-f]+|keys|theme)\.js$/.test(name)) {
    const before = readFileSync(join(dir, name), "utf8");
    const out = await terser.minify(before, { module: true, compress: { passes: 2 }, mangle: true });
    let code = out.code;
    console.log(`${name}: minified ${before.length} → ${code.length} B`);
    // The wasm's import and export names shortened in both files (scripts/minify-names.mjs).
    const wasmName = name.replace(/\.js$/, "_bg.wasm");
    const wasm = name.startsWith("seqhealth-") ? readFileSync(join(dir, wasmName)) : null;
    if (wasm && WebAssembly.Module.imports(new WebAssembly.Module(wasm)).some((i) => i.name.startsWith("__wb"))) {
      const m = minifyNames(wasm, code, "./seqhealth_bg.js");
      // Trunk's hash is of the wasm before wasm-opt and this step: the pair gets a name
      // from its final bytes, so a browser never holds (cached for a year) a glue and a
      // wasm from different builds of the same code under one name.
      const hash = createHash("sha256").update(m.wasm).update(m.js).digest("hex").slice(0, 16);
      const base = name.replace(/\.js$/, "");
      const renamed = `seqhealth-${hash}`;
      html = html.split(base).join(renamed);
      code = m.js.split(base).join(renamed);
      unlinkSync(join(dir, name));
      unlinkSync(join(dir, wasmName));
      name = `${renamed}.js`;
      repin(`${renamed}_bg.wasm`, m.wasm);
      console.log(`${wasmName}: ${m.renamed} import and export names shortened → ${m.wasm.length} B, now ${renamed}_bg.wasm`);
    }
    repin(name, code);
  } else if (/^main-[0-9a-f]+\.css$/.test(name)) {
    const before = readFileSync(join(dir, name), "utf8");
    // Our own stylesheet: no strings with these characters in it, so this is safe.
    const css = before
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\s+/g, " ")
      .replace(/\s*([{};,>])\s*/g, "$1")
      .replace(/;}/g, "}")
      .trim();
    repin(name, css);
    console.log(`${name}: minified ${before.length} → ${css.length} B`);
  }
}
let moved = 0;
html = html.replace(/<script type="module">([\s\S]*?)<\/script>/g, (_, body) => {
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 16);
  const name = `boot-${hash}.js`;
  writeFileSync(join(dir, name), body);
  moved += 1;
  return `<script type="module" src="/${name}"></script>`;
});
if (/<script(?![^>]*\bsrc=)[^>]*>/.test(html)) {
  console.error("postbuild: index.html still has an inline script; the CSP would block it");
  process.exit(1);
}
writeFileSync(indexPath, html);
console.log(`index.html: ${moved} inline module script(s) moved to files`);

const kinds = /\.(wasm|js|css|html|json|svg)$/;
// The language catalogs (dist/i18n, fetched in Italian or Spanish only): compressed too,
// and not part of the first load (the sum of dist/*.br).
const i18n = join(dir, "i18n");
const catalogs = statSync(i18n, { throwIfNoEntry: false })?.isDirectory()
  ? readdirSync(i18n).map((n) => `i18n/${n}`)
  : [];
for (const name of [...readdirSync(dir), ...catalogs]) {
  const path = join(dir, name);
  if (!kinds.test(name) || !statSync(path).isFile()) continue;
  const raw = readFileSync(path);
  const br = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
  const gz = gzipSync(raw, { level: 9 });
  writeFileSync(path + ".br", br);
  writeFileSync(path + ".gz", gz);
  console.log(`${name}: ${raw.length} B raw, ${gz.length} B gzip, ${br.length} B brotli`);
}

// The first load: every file of dist/ itself (not the catalogs), as a browser fetches them.
const first = readdirSync(dir)
  .filter((n) => n.endsWith(".br"))
  .reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);
console.log(`first load: ${first} B brotli (budget 250000 B${first > 250000 ? ": OVER BUDGET" : ""})`);
