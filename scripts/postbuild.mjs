// After `trunk build`: make dist/ fit a strict Content-Security-Policy and serve fast.
//  1. Trunk inlines the module that starts the wasm; CSP `script-src 'self'` forbids inline
//     script, so it moves to its own hashed file and index.html loads it by src.
//  2. .br and .gz siblings of text and wasm files, so the server sends them precompressed
//     (brotli at maximum quality: done once per build, not per request).
// Usage: node scripts/postbuild.mjs dist
import { readdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const dir = process.argv[2] ?? "dist";

const indexPath = join(dir, "index.html");
let html = readFileSync(indexPath, "utf8");
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

const kinds = /\.(wasm|js|css|html|svg)$/;
for (const name of readdirSync(dir)) {
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
