// Writes .br and .gz siblings of the dashboard's text and wasm files, so the server can
// send them precompressed (brotli at maximum quality: done once per build, not per request).
// Usage: node scripts/compress.mjs dist
import { readdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const dir = process.argv[2] ?? "dist";
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
