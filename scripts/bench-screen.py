#!/usr/bin/env python3
"""Time to a useful screen (issue 7, benchmark 2); a benchmark that prints figures, never a test.

Headless Chromium, driven by chromedriver over the W3C WebDriver protocol (plain HTTP from
the standard library), loads the dashboard from `seqhealth-server` on loopback, serving a
copy of a database kept by `seqhealth-bench --keep DIR` (and a copy of dist/, so a rebuild
meanwhile changes nothing), and measures navigation start → a useful screen:

- the fleet page `/`: `performance.mark("seqhealth:fleet-rendered")`, which the app sets on
  the frame after the fleet table has rendered with data;
- an instrument page `/instruments/<id>` (default: the fleet's first instrument with the
  latest run): `performance.mark("seqhealth:instrument-rendered")`, set once its summary
  (configuration and health) is on screen, and also "every section loaded": the first
  time the DOM has the runs (table or empty state) and every sensor chart, and no
  "Loading …" left, recorded by a MutationObserver that is installed before the page's own
  scripts (Page.addScriptToEvaluateOnNewDocument, through chromedriver's `goog/cdp/execute`).

A build whose wasm does not carry the mark names is timed by the observer alone (fleet: the
first time `table.fleet` has a body row). The output says what was used (--signal chooses).

Each page is timed with the browser's HTTP cache warm (one browser: a warm-up load, then
--runs repeat visits) and cold (a fresh browser with a new, empty --user-data-dir per load,
logged in through the API from a non-app URL so nothing of the app is cached; one such load
is discarded first). The server is the same process throughout, so its own caches are warm;
its periodic sweep is put off (--sweep-secs 86400) so it does not write mid-run. Per load, a
breakdown from the Navigation and Resource Timing entries: the document, the wasm downloaded
(or read from the cache), the app started (its first API request), the data received (the
last API response before the screen), render (the screen − that), and the start of the next
frame after the screen: the mark is set in a requestAnimationFrame callback, before that
frame's style, layout and paint, so the next frame bounds when the page was on screen.

    scripts/bench-screen.py --db /tmp/big [--server-bin target/server/seqhealth-server]
        [--dist dist] [--runs 7] [--screenshot /tmp/screen-fleet.png]
"""

import argparse
import base64
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar

FLEET_MARK = "seqhealth:fleet-rendered"
INSTRUMENT_MARK = "seqhealth:instrument-rendered"

# Installed before any page script when the build has no marks: records the first time
# the rendered page is in the DOM, in the same clock as performance marks.
FALLBACK_OBSERVER = r"""
(() => {
  const done = {};
  const checks = {
    fleet: () => document.querySelector('table.fleet tbody tr') !== null,
    // Every section has loaded: the heading, the runs (a table or an empty state), each
    // sensor chart drawn (or empty, or failed), and no "Loading …" left anywhere.
    instrument: () => {
      if (document.querySelector('h1') === null) return false;
      const trend = document.querySelector('section[aria-labelledby="trend-heading"]');
      if (!trend || !trend.querySelector('#runs-table, .state.empty, .state.error')) return false;
      const sensors = [...document.querySelectorAll('figure.chart.sensor')];
      if (!sensors.length || sensors.some(f => !f.querySelector('.svg, .state.empty, .state.error'))) return false;
      return document.querySelector('.state.loading') === null;
    },
  };
  const check = () => {
    for (const [k, f] of Object.entries(checks)) {
      if (done[k] === undefined && f()) window.__seqhealthScreen[k] = performance.now();
    }
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true});
  // The next frame's start after a screen (a mark, or the DOM check): by then the frame
  // that showed it has had its style, layout and paint done on the main thread.
  const frames = {};
  window.__seqhealthFrame = frames;
  const nextFrame = name => requestAnimationFrame(() => { frames[name] = performance.now(); });
  new PerformanceObserver(l => {
    for (const e of l.getEntries()) if (e.name.startsWith('seqhealth:')) nextFrame(e.name);
  }).observe({type: 'mark'});
  const found = done;
  window.__seqhealthScreen = new Proxy(found, {set(o, k, v) { o[k] = v; nextFrame(k); return true; }});
})();
"""

# Read after the screen: when each phase ended, in ms since navigation start.
BREAKDOWN = r"""
// mode: 'mark' (the app's mark), 'dom' (the observer's), 'both' (the mark; wait for the DOM too)
const mark = arguments[0], key = arguments[1], mode = arguments[2];
const m = performance.getEntriesByName(mark);
const marked = m.length ? m[0].startTime : null;
const dom = window.__seqhealthScreen && window.__seqhealthScreen[key] !== undefined
  ? window.__seqhealthScreen[key] : null;
if ((mode !== 'dom' && marked === null) || (mode !== 'mark' && dom === null)) return null;
const t = mode === 'dom' ? dom : marked;
const frames = window.__seqhealthFrame || {};
const frame = frames[mode === 'dom' ? key : mark] ?? null, dom_frame = frames[key] ?? null;
if (mode !== 'mark' && (frame === null || dom_frame === null)) return null;  // a frame to come
const nav = performance.getEntriesByType('navigation')[0];
const res = performance.getEntriesByType('resource');
const wasm = res.find(r => r.name.endsWith('_bg.wasm'));
// The path and its first query parameter (the sensor's metric): enough to tell them apart.
const short = r => { const u = new URL(r.name); return u.pathname + u.search.split('&')[0]; };
// The API requests answered by time `until`: when they began and ended, their sizes.
const api = until => {
  const l = res.filter(r => new URL(r.name).pathname.startsWith('/api/') && r.responseEnd <= until + 0.5);
  const big = l.reduce((a, r) => (!a || r.decodedBodySize > a.decodedBodySize ? r : a), null);
  const slow = l.reduce((a, r) => (!a || r.duration > a.duration ? r : a), null);
  return {
    app: l.length ? Math.min(...l.map(r => r.startTime)) : null,
    data: l.length ? Math.max(...l.map(r => r.responseEnd)) : null,
    requests: l.length,
    bytes: l.reduce((s, r) => s + r.decodedBodySize, 0),
    transfer: l.reduce((s, r) => s + r.encodedBodySize, 0),
    biggest: big ? [short(big), big.decodedBodySize, big.encodedBodySize] : null,
    slowest: slow ? [short(slow), slow.duration] : null,
  };
};
return {
  t, dom,
  frame, dom_frame,
  document: nav ? nav.responseEnd : null,
  wasm: wasm ? wasm.responseEnd : null,
  wasm_transfer: wasm ? wasm.transferSize : null,
  api_t: api(t),
  api_dom: dom === null ? null : api(dom),
};
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, timeout=120):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{method} {url}: {e.code} {e.read()[:500]!r}") from None


def wait_http(url, what, proc, log, timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            with open(log, errors="replace") as f:
                tail = "".join(f.readlines()[-10:])
            raise RuntimeError(f"{what} exited with {proc.returncode}; its log ends:\n{tail}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer at {url} within {timeout} s (log: {log})")


def proc_stat(pid):
    """(parent pid, start time) of a process, from /proc; None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[1]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def descendants(pid):
    """Every process below pid (chromedriver's browsers), as (pid, start time)."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_stat(int(d))
            if st:
                children.setdefault(st[0], []).append((int(d), st[1]))
    out, todo = [], [pid]
    while todo:
        for c, start in children.get(todo.pop(), []):
            out.append((c, start))
            todo.append(c)
    return out


class Browser:
    """One WebDriver session: one Chromium with its own fresh profile."""

    def __init__(self, driver, chromium, window):
        self.driver = driver
        self.profile = tempfile.mkdtemp(prefix="bench-screen-profile-")
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                f"--window-size={window}", f"--user-data-dir={self.profile}"]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        }}}
        self.id = http("POST", f"{driver}/session", caps)["value"]["sessionId"]
        self.url = f"{driver}/session/{self.id}"

    def cdp(self, cmd, params=None):
        return http("POST", f"{self.url}/goog/cdp/execute", {"cmd": cmd, "params": params or {}})

    def go(self, url):
        http("POST", f"{self.url}/url", {"url": url})

    def js(self, script, *args):
        return http("POST", f"{self.url}/execute/sync", {"script": script, "args": list(args)})["value"]

    def js_async(self, script, *args):
        return http("POST", f"{self.url}/execute/async", {"script": script, "args": list(args)})["value"]

    def screenshot(self, path):
        png = http("GET", f"{self.url}/screenshot")["value"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))

    def close(self):
        try:
            http("DELETE", self.url, timeout=30)
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def login(b, base, email, password):
    # A same-origin document that is not the app, so nothing of the app gets cached.
    b.go(f"{base}/api/v1/session")
    status = b.js_async(
        "const done = arguments[arguments.length - 1];"
        "fetch('/api/v1/session', {method: 'POST', headers: {'content-type': 'application/json'},"
        " body: JSON.stringify({email: arguments[0], password: arguments[1]})})"
        ".then(r => done(r.status), e => done(String(e)));",
        email, password)
    if status != 200:
        raise RuntimeError(f"login as {email} answered {status}")


def load(b, url, mark, key, mode, timeout):
    """Navigate, wait for the screen, return the breakdown (ms since navigation start)."""
    b.go(url)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = b.js(BREAKDOWN, mark, key, mode)
        if r is not None:
            return r
        time.sleep(0.05)
    state = b.js("return location.pathname + ': ' + [...document.querySelectorAll('.state')]"
                 ".map(e => e.textContent.trim()).join(' | ')")
    raise RuntimeError(f"{url}: no screen ({mode}: {mark} / DOM) within {timeout} s; at {state}")


def fmt(ms):
    return "–" if ms is None else f"{ms:,.0f}"


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def main():
    sys.stdout.reconfigure(line_buffering=True)
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server-bin", default=os.path.join(root, "target/server/seqhealth-server"))
    p.add_argument("--db", required=True,
                   help="a `seqhealth-bench --keep` directory, or its bench.db; copied before use")
    p.add_argument("--dist", default=os.path.join(root, "dist"), help="the built dashboard; copied before use")
    p.add_argument("--instrument", help="serial or id of the instrument page (default: the fleet's first with runs)")
    p.add_argument("--runs", type=int, default=7, help="timed loads per page and cache state (after 1 warm-up)")
    p.add_argument("--budget", type=float, default=500.0, help="median budget, ms")
    p.add_argument("--email", default="bench@lab.example")
    p.add_argument("--password", default="bench-password")
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    p.add_argument("--window", default="1280,900", help="window size, as Chromium's --window-size")
    p.add_argument("--signal", choices=["auto", "mark", "dom"], default="auto",
                   help="auto: the app's performance marks when the build has them, else the DOM fallback")
    p.add_argument("--cold", choices=["yes", "no"], default="yes", help="also time cold-cache loads")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for one screen")
    p.add_argument("--screenshot", help="save a PNG of the fleet page here (after the warm runs)")
    p.add_argument("--keep-tmp", action="store_true", help="keep the copied database and logs")
    a = p.parse_args()

    db = a.db if a.db.endswith(".db") else os.path.join(a.db, "bench.db")
    if not os.path.exists(db):
        sys.exit(f"bench-screen: no database at {db}")
    tmp = tempfile.mkdtemp(prefix="bench-screen-")
    procs = []
    try:
        # Copies: the server runs migrations and writes; a dashboard rebuild meanwhile must
        # not change what is being timed.
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                shutil.copy(db + suffix, os.path.join(tmp, "bench.db" + suffix))
        dist = os.path.join(tmp, "dist")
        shutil.copytree(a.dist, dist)
        wasm = sorted(f for f in os.listdir(dist) if f.endswith("_bg.wasm"))
        if not wasm:
            sys.exit(f"bench-screen: no wasm in {a.dist}; run `make build`")
        with open(os.path.join(dist, wasm[0]), "rb") as f:
            blob = f.read()
        has_marks = FLEET_MARK.encode() in blob and INSTRUMENT_MARK.encode() in blob
        if a.signal == "auto":
            mode = "both" if has_marks else "dom"
        else:
            mode = a.signal
        if a.signal == "mark" and not has_marks:
            print(f"note: {wasm[0]} does not contain the mark names; waiting for them anyway", file=sys.stderr)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server_log_path = os.path.join(tmp, "server.log")
        server_log = open(server_log_path, "wb")
        server = subprocess.Popen(
            [a.server_bin, "--addr", f"127.0.0.1:{port}",
             "--database-url", f"sqlite://{os.path.join(tmp, 'bench.db')}",
             "--dist", dist, "--sweep-secs", "86400"],
            stdout=server_log, stderr=subprocess.STDOUT)
        procs.append(server)
        wait_http(f"{base}/api/v1/session", "seqhealth-server", server, server_log_path)

        # What the lab looks like, through the API.
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        opener.open(urllib.request.Request(
            f"{base}/api/v1/session", method="POST", headers={"content-type": "application/json"},
            data=json.dumps({"email": a.email, "password": a.password}).encode()), timeout=60).read()
        fleet = json.loads(opener.open(f"{base}/api/v1/fleet", timeout=300).read())
        instruments = fleet["instruments"]
        if not instruments:
            sys.exit("bench-screen: the lab has no instruments")
        with_runs = [i for i in instruments if i.get("last_run_at")]
        if a.instrument:
            pick = [i for i in instruments if a.instrument in (str(i["id"]), i["serial"])]
            if not pick:
                sys.exit(f"bench-screen: no instrument {a.instrument} in the lab")
            first = pick[0]
        else:
            # The first with the latest run: a full history where some instruments have less.
            latest = max((i["last_run_at"] for i in with_runs), default=None)
            first = next((i for i in with_runs if i["last_run_at"] == latest), instruments[0])
        pages = [
            ("fleet", "/", FLEET_MARK, "fleet"),
            (f"instrument {first['serial']}", f"/instruments/{first['id']}", INSTRUMENT_MARK, "instrument"),
        ]

        dport = free_port()
        driver = f"http://127.0.0.1:{dport}"
        driver_log_path = os.path.join(tmp, "chromedriver.log")
        driver_log = open(driver_log_path, "wb")
        chromedriver = subprocess.Popen([a.chromedriver, f"--port={dport}"],
                                        stdout=driver_log, stderr=subprocess.STDOUT)
        procs.append(chromedriver)
        wait_http(f"{driver}/status", "chromedriver", chromedriver, driver_log_path)

        def open_browser():
            b = Browser(driver, a.chromium, a.window)
            if mode != "mark":
                b.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": FALLBACK_OBSERVER})
            login(b, base, a.email, a.password)
            return b

        load_before = os.getloadavg()
        results = []  # (page, cache, [breakdown])
        for name, path, mark, key in pages:
            b = open_browser()
            try:
                load(b, base + path, mark, key, mode, a.timeout)  # warm-up: fills the HTTP cache
                runs = [load(b, base + path, mark, key, mode, a.timeout) for _ in range(a.runs)]
                if a.screenshot and key == "fleet":
                    b.screenshot(a.screenshot)
            finally:
                b.close()
            results.append((name, key, "warm", runs))
            print(f"  {name}, warm: " + " ".join(fmt(r["t"]) for r in runs) + " ms", file=sys.stderr)
        if a.cold == "yes":
            for name, path, mark, key in pages:
                runs = []
                for i in range(a.runs + 1):
                    b = open_browser()
                    try:
                        r = load(b, base + path, mark, key, mode, a.timeout)
                    finally:
                        b.close()
                    if i > 0:  # the first, discarded, warms the server and the OS page cache
                        runs.append(r)
                results.append((name, key, "cold", runs))
                print(f"  {name}, cold: " + " ".join(fmt(r["t"]) for r in runs) + " ms", file=sys.stderr)
        load_after = os.getloadavg()

        via = {
            "mark": f"the app's performance marks (`{FLEET_MARK}`, `{INSTRUMENT_MARK}`)",
            "both": f"the app's performance marks (`{FLEET_MARK}`, `{INSTRUMENT_MARK}`); "
                    "for the instrument page also every section loaded (runs, sensor charts; "
                    "first time in the DOM, by a MutationObserver)",
            "dom": "the DOM fallback, the build has no marks: the first time the fleet table has a row, "
                   "or every section of the instrument page has loaded, is in the DOM (MutationObserver)",
        }
        print("## Time to a useful screen\n")
        print(f"Lab: {len(instruments):,} instruments, {len(with_runs):,} of them with runs "
              f"(database {db}, copied); "
              f"instrument page: {first['nickname']} ({first['serial']}, id {first['id']}); "
              f"dashboard {wasm[0]} ({len(blob):,} bytes raw).")
        print(f"Screen timed by: {via[mode]}.")
        print(f"{a.runs} loads per row after 1 warm-up; warm = repeat visits in one browser, "
              f"cold = a fresh browser profile per load. Load average before/after: "
              f"{load_before[0]:.2f} / {load_after[0]:.2f} ({os.cpu_count()} CPUs).\n")
        print(f"| page | cache | runs | min ms | median ms | max ms | budget (median) | verdict |")
        print("|---|---|---|---|---|---|---|---|")
        rows = []  # (label, cache, runs, time key, API key)
        for name, key, cache, runs in results:
            if mode == "dom":
                label = name + (" (every section loaded)" if key == "instrument" else "")
                rows.append((label, cache, runs, "t", "api_t"))
            else:
                label = name + (" (summary: mark)" if key == "instrument" else "")
                rows.append((label, cache, runs, "t", "api_t"))
                if mode == "both" and key == "instrument":
                    rows.append((name + " (every section loaded)", cache, runs, "dom", "api_dom"))
        for label, cache, runs, tk, _ in rows:
            ts = [r[tk] for r in runs]
            med = statistics.median(ts)
            verdict = "within" if med <= a.budget else f"over by {med - a.budget:,.0f} ms"
            print(f"| {label} | {cache} | {len(ts)} | {fmt(min(ts))} | {fmt(med)} | {fmt(max(ts))} "
                  f"| {a.budget:,.0f} ms | {verdict} |")
        print("\nWhere the time goes (medians, ms since navigation start; each phase ends at the time shown):\n")
        print("| page | cache | document | wasm downloaded | app started (1st API request) "
              "| data received (last API response) | in the DOM (observer) | screen | render (screen − data) "
              "| next frame (laid out, painted) "
              "| API requests | API bytes (JSON / on the wire) | biggest response | slowest response |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name, cache, runs, tk, ak in rows:
            fk = "dom_frame" if tk == "dom" else "frame"
            m = {k: median([r[k] for r in runs]) for k in ("document", "wasm", "dom", fk, tk)}
            app = median([r[ak]["app"] for r in runs])
            data = median([r[ak]["data"] for r in runs])
            render = median([r[tk] - r[ak]["data"] for r in runs if r[ak]["data"] is not None])
            last = runs[-1][ak]
            big = last["biggest"]
            big = f"{big[0]} {big[1]:,} B ({big[2]:,} on the wire)" if big else "–"
            slow = median([r[ak]["slowest"][1] for r in runs if r[ak]["slowest"]])
            slow = f"{last['slowest'][0]} {fmt(slow)} ms" if last["slowest"] else "–"
            print(f"| {name} | {cache} | {fmt(m['document'])} | {fmt(m['wasm'])} | {fmt(app)} "
                  f"| {fmt(data)} | {fmt(m['dom'])} | {fmt(m[tk])} | {fmt(render)} | {fmt(m[fk])} | {last['requests']} "
                  f"| {last['bytes']:,} / {last['transfer']:,} | {big} | {slow} |")
        if a.screenshot:
            print(f"\nScreenshot of the fleet page: {a.screenshot}")
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                kids = descendants(proc.pid)
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                for k, start in kids:  # a browser chromedriver left behind (the same process)
                    st = proc_stat(k)
                    if st and st[1] == start:
                        try:
                            os.kill(k, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
        if a.keep_tmp:
            print(f"(kept {tmp})", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
