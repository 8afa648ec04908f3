#!/usr/bin/env python3
"""Cross-check seqhealth's InterOp summary against Illumina's own library.

DEVELOPER-ONLY: not part of `make test` or CI. It needs Illumina's InterOp library from
PyPI (`interop`, 1.9.0, GPL-3.0; a wrapper of the C++ library), which the project does
not depend on:

    python3 -m venv /tmp/iopvenv && /tmp/iopvenv/bin/pip install interop
    /tmp/iopvenv/bin/python scripts/crosscheck-interop.py [--out DIR] [--keep] [preset ...]

What it does:
  1. builds `seqhealth-agent` and the example `write_synthetic` (cargo, `server` profile;
     CARGO_TARGET_DIR is honoured);
  2. writes synthetic run folders with seqhealth's own InterOp writer
     (`crates/interop/src/write.rs`): Q v5/v6/v7 binned and unbinned, QMetrics2030Out v2
     and v6, Tile v2/v3, Error v3/v4, Extraction v2/v3, each with a RunInfo.xml
     (`write_synthetic list` names them);
  3. summarises each folder with the official library (the calls that produced
     ../shared/interop/reference) and with `seqhealth-agent summarize --json`;
  4. compares total, non-index, per-read and per-read-x-lane figures with the parity
     tolerances of issue 3: %>=Q30 within 0.01 points, yield within 0.1 %, density, %PF,
     error rate, intensity and phasing within 1e-4 relative. NaN (official) and null
     (ours) both mean "no such metric" and match each other.
     A folder the official library refuses is reported as such (with our figures), not
     counted as a disagreement: Q v7 without bins is one (the library computes the record
     size from the bin count, 8 bytes, and refuses the 50-count records its own format
     documentation describes; seqhealth reads them, taking the record size as given).

Exit status 0 when every figure of every folder agrees, 1 otherwise.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def target_dir():
    return os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))


def build():
    for args in (["-p", "seqhealth-agent", "--bin", "seqhealth-agent"],
                 ["-p", "seqhealth-interop", "--example", "write_synthetic"]):
        subprocess.run(["cargo", "build", "--quiet", "--locked", "--profile", "server", *args],
                       cwd=REPO, check=True)
    base = os.path.join(target_dir(), "server")
    return os.path.join(base, "seqhealth-agent"), os.path.join(base, "examples", "write_synthetic")


def official(folder):
    """The official summary, as plain numbers (NaN where the library has none)."""
    from interop import py_interop_run, py_interop_run_metrics, py_interop_summary

    rm = py_interop_run_metrics.run_metrics()
    valid = py_interop_run.uchar_vector(py_interop_run.MetricCount, 0)
    py_interop_run_metrics.list_summary_metrics_to_load(valid, py_interop_run.NovaSeq)
    rm.read(folder, valid)
    s = py_interop_summary.run_summary()
    py_interop_summary.summarize_run_metrics(rm, s)

    def group(g):
        return {"yield_g": g.yield_g(), "percent_gt_q30": g.percent_gt_q30(),
                "error_rate": g.error_rate(), "first_cycle_intensity": g.first_cycle_intensity()}

    out = {"total": group(s.total_summary()), "nonindex": group(s.nonindex_summary()),
           "reads": {}, "lanes": {}}
    for r in range(s.size()):
        read = s.at(r)
        number = read.read().number()
        out["reads"][number] = group(read.summary())
        for i in range(read.size()):
            lane = read.at(i)
            out["lanes"][(number, lane.lane())] = {
                "density": lane.density().mean() / 1000.0,  # ours is K/mm2
                "percent_pf": lane.percent_pf().mean(),
                "percent_gt_q30": lane.percent_gt_q30(),
                "error_rate": lane.error_rate().mean(),
                "first_cycle_intensity": lane.first_cycle_intensity().mean(),
                "yield_g": lane.yield_g(),
                "phasing": lane.phasing().mean(),
                "prephasing": lane.prephasing().mean(),
            }
    return out


def ours(agent, folder):
    text = subprocess.run([agent, "summarize", "--json", folder], check=True,
                          capture_output=True, text=True).stdout
    j = json.loads(text)
    return {
        "total": j["total"], "nonindex": j["nonindex"],
        "reads": {r["read"]: r for r in j["reads"]},
        "lanes": {(l["read"], l["lane"]): l for l in j["lanes"]},
        "warnings": j.get("warnings", []),
    }


def tolerance(key):
    if key == "percent_gt_q30":
        return ("abs", 0.01)
    if key == "yield_g":
        return ("rel", 1e-3)
    return ("rel", 1e-4)


def compare(off, our):
    """Yields (where, key, official, ours, deviation, ok) for every figure."""
    def pairs():
        for g in ("total", "nonindex"):
            for k, v in off[g].items():
                yield g, k, v, our[g].get(k)
        for n, figs in off["reads"].items():
            for k, v in figs.items():
                yield f"read {n}", k, v, our["reads"].get(n, {}).get(k)
        for (n, lane), figs in off["lanes"].items():
            for k, v in figs.items():
                yield f"read {n} lane {lane}", k, v, our["lanes"].get((n, lane), {}).get(k)

    for where, key, o, u in pairs():
        o_missing = o is None or (isinstance(o, float) and math.isnan(o))
        if o_missing or u is None:
            yield where, key, o, u, 0.0, o_missing and u is None
            continue
        kind, tol = tolerance(key)
        dev = abs(o - u) if kind == "abs" else abs(o - u) / max(abs(o), 1e-12)
        if kind == "rel" and abs(o - u) < 1e-9:
            dev = 0.0
        yield where, key, o, u, dev, dev <= tol


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="where to write the synthetic folders (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the folders afterwards")
    ap.add_argument("presets", nargs="*", help="presets of write_synthetic (default: all)")
    a = ap.parse_args()
    try:
        import interop  # noqa: F401
    except ImportError:
        sys.exit("the official library is missing: pip install interop (see this script's header)")

    agent, writer = build()
    out = a.out or tempfile.mkdtemp(prefix="seqhealth-crosscheck-")
    listing = subprocess.run([writer, "list"], check=True, capture_output=True, text=True).stdout
    descriptions = dict(line.split(": ", 1) for line in listing.splitlines())
    presets = a.presets or [p for p in descriptions if p != "big"]
    subprocess.run([writer, out, *presets], check=True, capture_output=True)

    failures = refused = 0
    print(f"official library: interop {getattr(interop, '__version__', '1.9.0')}; folders in {out}")
    for p in presets:
        folder = os.path.join(out, p)
        our = ours(agent, folder)
        try:
            off = official(folder)
        except Exception as e:  # the library's own exceptions (bad_format_exception, ...)
            refused += 1
            msg = str(e).splitlines()[0]
            print(f"OFFICIAL REFUSES {p}: {msg}; ours summarises it: total %>=Q30 "
                  f"{our['total']['percent_gt_q30']:.4f}, yield {our['total']['yield_g']:.4f} Gb, "
                  f"{len(our['warnings'])} warning(s)  [{descriptions.get(p, '')}]")
            continue
        rows = list(compare(off, our))
        bad = [r for r in rows if not r[5]]
        worst = {}
        for where, key, o, u, dev, ok in rows:
            kind, _ = tolerance(key)
            name = "Q30 abs" if key == "percent_gt_q30" else ("yield rel" if key == "yield_g" else "other rel")
            worst[name] = max(worst.get(name, 0.0), dev)
        status = "PASS" if not bad else "FAIL"
        failures += bool(bad)
        print(f"{status} {p}: {len(rows)} figures; worst deviation "
              + ", ".join(f"{k} {v:.2g}" for k, v in sorted(worst.items()))
              + f"; total %>=Q30 official {off['total']['percent_gt_q30']:.4f} ours "
              f"{our['total']['percent_gt_q30']:.4f}  [{descriptions.get(p, '')}]")
        for w in our["warnings"]:
            print(f"     our warning: {w}")
        for where, key, o, u, dev, ok in bad[:20]:
            print(f"     MISMATCH {where} {key}: official {o!r} ours {u!r} (deviation {dev:.3g})")
    if not a.keep and not a.out:
        shutil.rmtree(out, ignore_errors=True)
    print(("all compared figures agree" if failures == 0 else f"{failures} folder(s) disagree")
          + (f"; the official library refused {refused} folder(s)" if refused else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
