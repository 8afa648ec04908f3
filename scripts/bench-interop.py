#!/usr/bin/env python3
"""Benchmark: `seqhealth-agent summarize` against Illumina's InterOp library.

Not a test (never part of `make test`); `make bench-interop` runs it. Needs Python with
Illumina's `interop` package from PyPI (1.9.0, a wrapper of the C++ library):

    python3 -m venv .tools/interop-venv && .tools/interop-venv/bin/pip install interop==1.9.0
    .tools/interop-venv/bin/python scripts/bench-interop.py [--reps 5] [--big-dir DIR] [--no-big]

For every folder of ../shared/interop/runs that the official library accepts, plus a
synthetic folder written by our own writer with a ~1 GB QMetricsOut.bin (created once in
--big-dir, default /tmp/seqhealth-bench-interop; delete it afterwards), it runs, in
alternation, each side as a separate process, --reps times:

  ours      seqhealth-agent summarize --json <folder>   (server profile build)
  official  python: run_metrics.read(folder, summary metrics) + summarize_run_metrics

and reports the median wall time and the peak resident memory (GNU time's %M) of each
process. The official child also reports the time spent inside the library calls
alone (no interpreter start, no import), and the ratio is given against both. Files are
read from a warm page cache (each folder is read once before timing).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_RUNS = os.path.join(REPO, "..", "shared", "interop", "runs")


def official_child(folder):
    """Runs in the child process: import, read, summarise; prints library-only seconds."""
    from interop import py_interop_run, py_interop_run_metrics, py_interop_summary

    t0 = time.perf_counter()
    rm = py_interop_run_metrics.run_metrics()
    valid = py_interop_run.uchar_vector(py_interop_run.MetricCount, 0)
    py_interop_run_metrics.list_summary_metrics_to_load(valid, py_interop_run.NovaSeq)
    rm.read(folder, valid)
    s = py_interop_summary.run_summary()
    py_interop_summary.summarize_run_metrics(rm, s)
    q30 = s.total_summary().percent_gt_q30()
    print(f"{time.perf_counter() - t0:.6f} {q30:.4f}")


def measure(cmd):
    """(wall seconds, peak RSS MiB, exit status, stdout) of one child process.

    Peak RSS comes from GNU time (`%M`), not from wait4 here: a child forked from this
    Python process would report Python's own RSS from before its exec."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        text = rss.read().split()
    kib = float(text[-1]) if text and text[-1].isdigit() else float("nan")
    return wall, kib / 1024.0, p.returncode, p.stdout


def build():
    for args in (["-p", "seqhealth-agent", "--bin", "seqhealth-agent"],
                 ["-p", "seqhealth-interop", "--example", "write_synthetic"]):
        subprocess.run(["cargo", "build", "--quiet", "--locked", "--profile", "server", *args],
                       cwd=REPO, check=True)
    base = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "server")
    return os.path.join(base, "seqhealth-agent"), os.path.join(base, "examples", "write_synthetic")


def interop_bytes(folder):
    d = os.path.join(folder, "InterOp")
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)) if os.path.isdir(d) else 0


def warm(folder):
    d = os.path.join(folder, "InterOp")
    for f in os.listdir(d) if os.path.isdir(d) else []:
        with open(os.path.join(d, f), "rb") as fh:
            while fh.read(1 << 24):
                pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=5, help="runs per side and folder (big: min(reps, 3))")
    ap.add_argument("--big-dir", default="/tmp/seqhealth-bench-interop")
    ap.add_argument("--no-big", action="store_true", help="skip the ~1 GB synthetic folder")
    ap.add_argument("--official-child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.official_child:
        official_child(a.official_child)
        return 0
    try:
        import interop  # noqa: F401
    except ImportError:
        sys.exit("Illumina's interop package is missing (see this script's header)")

    agent, writer = build()
    folders = []
    if os.path.isdir(SHARED_RUNS):
        folders = [os.path.join(SHARED_RUNS, f) for f in sorted(os.listdir(SHARED_RUNS))]
    if not a.no_big:
        big = os.path.join(a.big_dir, "big")
        if not os.path.isfile(os.path.join(big, "InterOp", "QMetricsOut.bin")):
            print(f"writing {big} (about 1.2 GB) ...", file=sys.stderr)
            subprocess.run([writer, a.big_dir, "big"], check=True, stdout=subprocess.DEVNULL)
        folders.append(big)

    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start; "
          f"median of {a.reps} runs per side (big folder: {min(a.reps, 3)}), alternating, warm page cache\n")
    print("| run folder | InterOp bytes | ours ms | official ms (process) | official ms (library calls) "
          "| ratio official/ours (process) | ratio (library calls) | ours peak RSS MiB | official peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    imp = [sys.executable, "-c", "import interop.py_interop_run_metrics, interop.py_interop_summary"]
    baseline = sorted(measure(imp)[:2] for _ in range(max(a.reps, 3)))[max(a.reps, 3) // 2]
    for folder in folders:
        name = os.path.basename(folder)
        warm(folder)
        reps = min(a.reps, 3) if folder.startswith(a.big_dir) else a.reps
        ours, off, off_lib = [], [], []
        refused = None
        for _ in range(reps):
            w, rss, rc, _ = measure([agent, "summarize", "--json", folder])
            ours.append((w, rss, rc))
            w, rss2, rc2, out = measure([sys.executable, os.path.abspath(__file__), "--official-child", folder])
            if rc2 != 0:
                refused = "refused by the official library"
                continue
            off.append((w, rss2))
            off_lib.append(float(out.split()[0]))
        o_ms = statistics.median(x[0] for x in ours) * 1000
        o_rss = max(x[1] for x in ours)
        if refused or not off:
            print(f"| {name} | {interop_bytes(folder):,} | {o_ms:.1f} | {refused} | | | | {o_rss:.1f} | |")
            continue
        f_ms = statistics.median(x[0] for x in off) * 1000
        f_lib = statistics.median(off_lib) * 1000
        f_rss = max(x[1] for x in off)
        print(f"| {name} | {interop_bytes(folder):,} | {o_ms:.1f} | {f_ms:.1f} | {f_lib:.1f} | "
              f"{f_ms / o_ms:.1f}× | {f_lib / o_ms:.1f}× | {o_rss:.1f} | {f_rss:.1f} |")
    print(f"\nofficial baseline (python + import interop, no folder): {baseline[0] * 1000:.0f} ms, "
          f"{baseline[1]:.1f} MiB peak RSS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
