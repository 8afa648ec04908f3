#!/usr/bin/env python3
"""A snapshot of the API's answers, to compare two builds of the server on one database.

    scripts/api-snapshot.py --server-bin A --db demo.db --out /tmp/snap-a
    scripts/api-snapshot.py --server-bin B --db demo.db --out /tmp/snap-b
    diff -r /tmp/snap-a /tmp/snap-b

Copies the database (a `make demo` database, or any with the demo's users), starts the
server on it on a free loopback port, logs in as each demo user, and saves the status
and body of every endpoint of the endpoint table that can be read without changing
anything: each GET with each of the lab's ids and filters, and refused writes (bad ids,
bad bodies, a viewer's attempts). Times that follow the clock (`evaluated_at`, a window ending now, an
iCalendar's DTSTAMP) are blanked so two runs minutes apart compare equal. A developer's
tool for refactors (not a test: it needs a filled database).
"""
import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

USERS = [
    "ada@northgate.example",
    "grace@northgate.example",
    "rosalind@riverside.example",
    "barbara@riverside.example",
]
PASSWORD = "seqhealth-demo"
SENSORS = None  # from the first telemetry 400's message


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Client:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Origin", self.base)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")


def blank_clock(text):
    text = re.sub(r'"evaluated_at":"[^"]*"', '"evaluated_at":"-"', text)
    text = re.sub(r"DTSTAMP:\d{8}T\d{6}Z", "DTSTAMP:-", text)
    # A window that ends "now" (no `to` asked) ends at the request's clock, to the ns.
    text = re.sub(r'"(to|from)":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d+Z"', r'"\1":"-"', text)
    return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server-bin", required=True)
    ap.add_argument("--db", required=True, help="a demo database (SQLite file)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    work = tempfile.mkdtemp()
    db = os.path.join(work, "snap.db")
    shutil.copy(a.db, db)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [a.server_bin, "--addr", f"127.0.0.1:{port}", "--database-url", f"sqlite://{db}",
         "--dist", "/nonexistent", "--sweep-secs", "86400"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        shutil.rmtree(a.out, ignore_errors=True)
        os.makedirs(a.out)
        count = 0

        def save(who, c, method, path, body=None):
            nonlocal count
            status, text = c.call(method, path, body)
            name = re.sub(r"[^A-Za-z0-9._=-]+", "_", f"{who}_{method}_{path}")[:180]
            with open(os.path.join(a.out, name), "w") as f:
                f.write(f"{status}\n{blank_clock(text)}\n")
            count += 1
            return status, text

        anon = Client(base)
        save("anon", anon, "GET", "/api/v1/fleet")
        save("anon", anon, "GET", "/api/v1/nope")
        save("anon", anon, "POST", "/api/v1/session", {"email": "x@y", "password": "wrong"})
        save("anon", anon, "POST", "/api/v1/enroll", {"code": "not-a-code"})
        save("anon", anon, "GET", "/api/v1/calendar/deadbeef.ics")
        save("anon", anon, "POST", "/api/v1/ingest/runs", {})
        for email in USERS:
            who = email.split("@")[0]
            c = Client(base)
            status, _ = c.call("POST", "/api/v1/session", {"email": email, "password": PASSWORD})
            assert status == 200, (email, status)
            save(who, c, "GET", "/api/v1/session")
            _, fleet = save(who, c, "GET", "/api/v1/fleet")
            ids = [i["id"] for i in json.loads(fleet)["instruments"]]
            for path in ["/api/v1/instruments/abc", "/api/v1/instruments/99999",
                         "/api/v1/warnings?status=bogus", "/api/v1/replacements?status=bogus",
                         "/api/v1/instruments/1/runs?from=yesterday"]:
                save(who, c, "GET", path)
            _, bad = save(who, c, "GET", f"/api/v1/instruments/{ids[0]}/telemetry?metric=nope")
            sensors = re.findall(r"[a-z][a-z0-9_]+", bad.split("one of", 1)[-1].split(", not")[0])
            for i in ids:
                save(who, c, "GET", f"/api/v1/instruments/{i}")
                save(who, c, "GET", f"/api/v1/instruments/{i}/runs?from=2020-01-01")
                save(who, c, "GET", f"/api/v1/instruments/{i}/predictions")
                for s in sensors:
                    save(who, c, "GET", f"/api/v1/instruments/{i}/telemetry?metric={s}&from=2020-01-01")
                save(who, c, "GET", f"/api/v1/planned-runs?instrument={i}")
                save(who, c, "GET", f"/api/v1/audit?instrument={i}")
                save(who, c, "GET", f"/api/v1/replacements?instrument={i}")
                save(who, c, "GET", f"/api/v1/warnings?status=all&instrument={i}")
            for st in ["open", "active", "acknowledged", "resolved", "all"]:
                save(who, c, "GET", f"/api/v1/warnings?status={st}")
            for sev in ["info", "warning", "critical"]:
                save(who, c, "GET", f"/api/v1/warnings?status=all&severity={sev}")
            for sub in ["optical", "mechanical", "thermal", "fluidics"]:
                save(who, c, "GET", f"/api/v1/warnings?status=all&subsystem={sub}")
            for st in ["all", "open", "recommended", "scheduled", "completed", "cancelled"]:
                save(who, c, "GET", f"/api/v1/replacements?status={st}")
            for path in ["/api/v1/planned-runs", "/api/v1/replacements.csv", "/api/v1/replacements.ics",
                         "/api/v1/audit", "/api/v1/audit.csv", "/api/v1/calendar"]:
                save(who, c, "GET", path)
            # Refused writes: nothing changes, the error body is the API's.
            save(who, c, "POST", "/api/v1/warnings/abc/acknowledge", {"reason": "x"})
            save(who, c, "POST", "/api/v1/warnings/1/acknowledge", {"reason": ""})
            save(who, c, "POST", "/api/v1/replacements/abc/schedule", {})
            save(who, c, "POST", "/api/v1/replacements/1/cancel", {"reason": ""})
            save(who, c, "POST", "/api/v1/instruments", {"model": "Nope", "serial": "X", "nickname": "n", "site": ""})
            save(who, c, "DELETE", "/api/v1/planned-runs/abc")
        print(f"api-snapshot: {count} answers in {a.out}")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
