// Short names for the wasm's imports and exports, in the wasm and in its JS glue alike.
// wasm-bindgen names each import `__wbg_<name>_<16 hex digits>` and some exports
// `wasm_bindgen__convert__closures_____invoke__h<16 hex digits>`: hashes that no
// compressor can shrink, written twice (the wasm names what it imports, the glue defines
// it). The glue only uses these names as property keys and after `.`, never built from
// parts, so renaming every whole-word occurrence is enough; `memory` keeps its name.

const leb = (bytes, at) => {
  let value = 0, shift = 0, b;
  do {
    b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, at];
};
const uleb = (n) => {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
};
const enc = new TextEncoder(), dec = new TextDecoder();
const name = (s) => { const b = enc.encode(s); return [...uleb(b.length), ...b]; };

// Base-52/62 names: a, b, …, Z, aa, ab, …; never a JS keyword-like clash since they are
// only property names (and `__proto__` cannot come out).
const short = (i) => {
  const first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const rest = first + "0123456789_$";
  let s = first[i % 52];
  i = Math.floor(i / 52);
  while (i > 0) { i -= 1; s += rest[i % 64]; i = Math.floor(i / 64); }
  return s;
};

/** Returns { wasm, js, renamed } with the imports of `module` and the exports renamed. */
export function minifyNames(wasm, js, module) {
  const renames = new Map();
  const taken = new Set(["memory"]);
  let next = 0;
  const fresh = () => { let s; do s = short(next++); while (taken.has(s)); return s; };
  const out = [wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    let [size, body] = leb(wasm, at + 1);
    const end = body + size;
    if (id !== 2 && id !== 7) {
      out.push(wasm.subarray(at, end));
      at = end;
      continue;
    }
    const sec = [];
    let [count, p] = leb(wasm, body);
    sec.push(...uleb(count));
    for (let k = 0; k < count; k++) {
      if (id === 2) {
        let [ml, q] = leb(wasm, p);
        const mod = dec.decode(wasm.subarray(q, q + ml));
        q += ml;
        let [nl, r] = leb(wasm, q);
        const old = dec.decode(wasm.subarray(r, r + nl));
        r += nl;
        // The import's description: kind, then its index or type.
        const kind = wasm[r];
        let descEnd = r + 1;
        const limits = (at) => {
          const flags = wasm[at];
          at = leb(wasm, at + 1)[1];
          return flags & 1 ? leb(wasm, at)[1] : at;
        };
        if (kind === 0) descEnd = leb(wasm, descEnd)[1]; // a function: its type
        else if (kind === 1) descEnd = limits(descEnd + 1); // a table: its type, limits
        else if (kind === 2) descEnd = limits(descEnd); // a memory
        else if (kind === 3) descEnd += 2; // a global: its type, mutability
        else throw new Error(`minify-names: import ${old} of unknown kind ${kind}`);
        let neu = old;
        if (mod === module) {
          if (!renames.has(old)) renames.set(old, fresh());
          neu = renames.get(old);
        }
        sec.push(...name(mod), ...name(neu), ...wasm.subarray(r, descEnd));
        p = descEnd;
      } else {
        let [nl, q] = leb(wasm, p);
        const old = dec.decode(wasm.subarray(q, q + nl));
        q += nl;
        const kind = wasm[q];
        const descEnd = leb(wasm, q + 1)[1];
        let neu = old;
        // Exports the glue never names (`main`, run by `__wbindgen_start`; globals) keep
        // their names.
        if (old !== "memory" && new RegExp(`[.]${old.replace(/\$/g, "\\$")}\\b`).test(js)) {
          if (renames.has(old)) throw new Error(`minify-names: ${old} both imported and exported`);
          neu = fresh();
          renames.set(old, neu);
        }
        sec.push(...name(neu), kind, ...wasm.subarray(q + 1, descEnd));
        p = descEnd;
      }
    }
    if (p !== end) throw new Error("minify-names: section not read to its end");
    out.push(Uint8Array.from([id, ...uleb(sec.length), ...sec]));
    at = end;
  }
  // Whole words only: a name is never part of a longer identifier in the glue.
  let count = 0;
  const text = js.replace(/[A-Za-z_$][A-Za-z0-9_$]*/g, (w, i) => {
    const r = renames.get(w);
    if (r === undefined) return w;
    // Only as a property: `obj.name` or a key `name:` (or `"name":`); anything else
    // (a variable, a string built from it) and the renaming is not known to be safe.
    const before = js[i - 1], after = js[i + w.length];
    if (before !== "." && after !== ":" && !(before === '"' && js[i + w.length + 1] === ":")) {
      throw new Error(`minify-names: ${w} used other than as a property in the JS glue`);
    }
    count += 1;
    return r;
  });
  for (const [old] of renames) {
    if (!new RegExp(`\\b${old.replace(/\$/g, "\\$")}\\b`).test(js)) {
      // An import the glue does not define would fail at instantiation: stop here.
      throw new Error(`minify-names: ${old} is not in the JS glue`);
    }
  }
  return { wasm: Buffer.concat(out), js: text, renamed: renames.size, uses: count };
}
