#!/usr/bin/env python3
"""What one caller can do to the server, two builds side by side (issue "Security, second
round", items 1 and 3). Not a test: it prints figures.

    scripts/bench-security.py --db demo.db --server target/server/seqhealth-server \
        --baseline /tmp/old-seqhealth-server [--rounds 3]

`--db` is a database with the demo's users (a `make demo` database, stopped); it is
copied for each run, and 100 extra users (with the demo password) are added to the copy.

1. Memory: 1,500 requests to /replacements, each spelling the same instrument filter with
   a different number of leading zeros (6–7.5 KB URLs, under the 8 KiB URI limit): the
   server's RSS before and after.
2. Logins: GET /fleet latency alone, then while 100 users log in at once from 100
   loopback addresses (127.0.0.2…): p50 / p95, and how long the logins took.
3. Connections (`--drips`): 2,000 connections that drip a header byte every second (1,000
   from 127.0.0.2, 1,000 over 127.0.0.3–10), held 20 s: how many the server still holds
   then, and GET /fleet latency from 127.0.0.1 meanwhile.
Rounds alternate between the two builds, since these machines are noisy.
"""
import argparse, http.client, http.cookiejar, json, os, shutil, socket, sqlite3
import subprocess, tempfile, threading, time, urllib.request

PASSWORD = "seqhealth-demo"


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024


class Server:
    def __init__(self, binary, db_src, work):
        self.db = os.path.join(work, "bench.db")
        shutil.copy(db_src, self.db)
        c = sqlite3.connect(self.db)
        lab, h, role = c.execute(
            "SELECT lab_id, password_hash, role FROM users WHERE email = 'ada@northgate.example'").fetchone()
        for i in range(100):
            c.execute("INSERT INTO users (lab_id, email, name, role, password_hash) VALUES (?, ?, ?, ?, ?)",
                      (lab, f"bench{i}@northgate.example", f"Bench {i}", role, h))
        c.commit()
        c.close()
        s = socket.socket(); s.bind(("127.0.0.1", 0)); self.port = s.getsockname()[1]; s.close()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [binary, "--addr", f"127.0.0.1:{self.port}", "--database-url", f"sqlite://{self.db}",
             "--dist", "/nonexistent", "--sweep-secs", "86400"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port)).close()
                break
            except OSError:
                time.sleep(0.05)

    def login(self, email, src="127.0.0.1"):
        c = http.client.HTTPConnection("127.0.0.1", self.port, source_address=(src, 0), timeout=120)
        c.request("POST", "/api/v1/session", body=json.dumps({"email": email, "password": PASSWORD}),
                  headers={"Content-Type": "application/json", "Origin": self.base})
        r = c.getresponse(); r.read()
        return r.status, r.getheader("set-cookie", "").split(";")[0]

    def get(self, path, cookie):
        req = urllib.request.Request(self.base + path, headers={"Cookie": cookie})
        with urllib.request.urlopen(req, timeout=120) as r:
            r.read()

    def stop(self):
        self.proc.terminate(); self.proc.wait()


def memory(server):
    _, cookie = server.login("grace@northgate.example")
    fleet = json.loads(urllib.request.urlopen(urllib.request.Request(
        server.base + "/api/v1/fleet", headers={"Cookie": cookie})).read())
    iid = fleet["instruments"][0]["id"]
    server.get("/api/v1/replacements", cookie)
    before = rss_mb(server.proc.pid)
    for i in range(1500):
        server.get(f"/api/v1/replacements?instrument={'0' * (6000 + i)}{iid}", cookie)
    return before, rss_mb(server.proc.pid)


def logins(server):
    _, cookie = server.login("ada@northgate.example")
    def fleet(n, out):
        for _ in range(n):
            t = time.perf_counter(); server.get("/api/v1/fleet", cookie); out.append((time.perf_counter() - t) * 1000)
    alone, busy, status = [], [], []
    fleet(50, alone)
    threads = [threading.Thread(target=lambda i=i: status.append(server.login(f"bench{i}@northgate.example", f"127.0.0.{i + 2}")[0]))
               for i in range(100)]
    done = threading.Event()
    def read_while_logging_in():
        # Reads for as long as the logins last, so every one of them is measured beside hashing.
        while not done.is_set():
            fleet(1, busy)
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    reader = threading.Thread(target=read_while_logging_in); reader.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - t0
    done.set()
    reader.join()
    q = lambda xs, f: sorted(xs)[int(f * (len(xs) - 1))]
    return q(alone, .5), q(alone, .95), q(busy, .5), q(busy, .95), took, sum(s == 200 for s in status)


def drips(server, n=2000, hold=20):
    import selectors
    conns = []
    for i in range(n):
        src = "127.0.0.2" if i < n // 2 else f"127.0.0.{3 + i % 8}"
        c = socket.socket()
        c.bind((src, 0))
        try:
            c.connect(("127.0.0.1", server.port))
            c.sendall(b"GET /api/v1/fleet HTTP/1.1\r\nX-Drip: ")
            c.setblocking(False)
            conns.append(c)
        except OSError:
            c.close()
    _, cookie = server.login("ada@northgate.example")
    lat = []
    t0 = time.time()
    while time.time() - t0 < hold:
        for c in conns:
            if c.fileno() < 0:
                continue
            try:
                if c.recv(512) == b"":
                    c.close()
                    continue
            except BlockingIOError:
                pass
            except OSError:
                c.close()
                continue
            try:
                c.send(b"x")
            except BlockingIOError:
                pass
            except OSError:
                c.close()
        t = time.perf_counter(); server.get("/api/v1/fleet", cookie); lat.append((time.perf_counter() - t) * 1000)
        time.sleep(1)
    held = sum(c.fileno() >= 0 for c in conns)
    for c in conns:
        c.close()
    return held, max(lat)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--drips", action="store_true", help="only the connections figure (3)")
    a = ap.parse_args()
    for r in range(a.rounds):
        for name, binary in [("baseline", a.baseline), ("this build", a.server)]:
            with tempfile.TemporaryDirectory() as work:
                s = Server(binary, a.db, work)
                if a.drips:
                    try:
                        held, worst = drips(s)
                    finally:
                        s.stop()
                    print(f"round {r + 1} {name:10}: 2,000 dripping connections, still held after 20 s: "
                          f"{held}; GET /fleet meanwhile at worst {worst:.1f} ms", flush=True)
                    continue
                try:
                    before, after = memory(s)
                    am, a95, bm, b95, took, ok = logins(s)
                finally:
                    s.stop()
            print(f"round {r + 1} {name:10}: 1,500 spellings RSS {before:.0f} → {after:.0f} MB | "
                  f"GET /fleet alone p50 {am:.1f} / p95 {a95:.1f} ms, during 100 logins p50 {bm:.1f} / "
                  f"p95 {b95:.1f} ms ({ok} logged in, {took:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
