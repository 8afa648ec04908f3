#!/usr/bin/env bash
# Load held (issue 6): AGENTS agents pushing telemetry and USERS dashboard users reading at
# once, on loopback, for DURATION, measured by wrk. Builds the server (profile `server`),
# starts it on a fresh demo database (a year of history for the 14 simulated instruments),
# enrolls AGENTS new instruments through the API and logs USERS sessions in, runs both wrk
# loads at the same time, then checks that no request failed and no acknowledged reading
# is missing (rows counted, buckets recomputed), and prints the figures as Markdown.
#   scripts/load.sh                       # 50 + 50 for 20 s
#   DURATION=30s AGENTS=50 USERS=50 scripts/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20s}
AGENTS=${AGENTS:-50}
USERS=${USERS:-50}
THREADS=${THREADS:-2}
PORT=${PORT:-18089}
TARGET=${CARGO_TARGET_DIR:-target}
BASE="http://127.0.0.1:$PORT"

if ! command -v wrk >/dev/null; then
    echo "installing wrk (Debian)…" >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
    else sudo apt-get install -y wrk >/dev/null; fi
fi
cargo build --locked --profile server -p seqhealth-demo --bin seqhealth-demo >&2

work=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "starting the server on a fresh demo database (pushing a year of history)…" >&2
"$TARGET/server/seqhealth-demo" --addr "127.0.0.1:$PORT" \
    --database-url "sqlite://$work/load.db" --dist /nonexistent >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 600); do
    grep -q "demo is running" "$work/server.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; exit 1; }
    sleep 0.5
done
grep -q "demo is running" "$work/server.out" || { echo "the demo did not start" >&2; exit 1; }

# Enroll the load's instruments, log the users in, list the dashboard's reads.
python3 - "$BASE" "$work" "$AGENTS" "$USERS" <<'PY'
import json, sqlite3, sys, urllib.request
base, work, agents, users = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def call(method, path, body=None, cookie=None):
    req = urllib.request.Request(base + "/api/v1" + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **({"Cookie": cookie} if cookie else {})})
    with urllib.request.urlopen(req) as r:
        return r.headers.get("Set-Cookie"), json.loads(r.read() or b"null")
def login(email):
    c, _ = call("POST", "/session", {"email": email, "password": "seqhealth-demo"})
    return c.split(";")[0]
manager = login("ada@northgate.example")
tokens, ids = [], []
for i in range(agents):
    _, code = call("POST", "/instruments", {"model": "MiSeq", "serial": f"LOAD{i:04d}",
                   "nickname": f"Load {i}", "site": "load test"}, manager)
    _, e = call("POST", "/enroll", {"code": code["code"]})
    tokens.append(e["token"]); ids.append(e["instrument_id"])
open(f"{work}/tokens", "w").write("\n".join(tokens) + "\n")
open(f"{work}/load_ids", "w").write(",".join(map(str, ids)))
emails = ["ada@northgate.example", "grace@northgate.example"]
open(f"{work}/cookies", "w").write("\n".join(login(emails[i % 2]) for i in range(users)) + "\n")
db = sqlite3.connect(f"file:{work}/load.db?mode=ro", uri=True)
lab = db.execute("SELECT lab_id FROM users WHERE email = ?", (emails[0],)).fetchone()[0]
paths = ["/api/v1/fleet", "/api/v1/warnings"]
for (iid,) in db.execute("SELECT id FROM instruments WHERE lab_id = ? AND serial NOT LIKE 'LOAD%'", (lab,)):
    paths += [f"/api/v1/instruments/{iid}", f"/api/v1/instruments/{iid}/runs",
              f"/api/v1/instruments/{iid}/predictions"]
    for (sensor,) in db.execute("SELECT sensor FROM sensor_latest WHERE instrument_id = ? LIMIT 2", (iid,)):
        paths.append(f"/api/v1/instruments/{iid}/telemetry?metric={sensor}")
open(f"{work}/paths", "w").write("\n".join(paths) + "\n")
print(f"{agents} instruments enrolled, {users} sessions, {len(paths)} dashboard reads", file=sys.stderr)
PY

echo "load: $AGENTS agents pushing and $USERS users reading for $DURATION…" >&2
export LOAD_TOKENS="$work/tokens" LOAD_THREADS="$THREADS" LOAD_BASE=$(( $(date +%s) - 5 * 86400 ))
export LOAD_PATHS="$work/paths" LOAD_COOKIES="$work/cookies"
LOAD_OUT="$work/push.txt" wrk -t"$THREADS" -c"$AGENTS" -d"$DURATION" --timeout 10s \
    -s scripts/load/push.lua "$BASE" >"$work/push.wrk" &
push_pid=$!
LOAD_OUT="$work/read.txt" wrk -t"$THREADS" -c"$USERS" -d"$DURATION" --timeout 10s \
    -s scripts/load/read.lua "$BASE" >"$work/read.wrk"
wait "$push_pid"
sleep 1 # requests in flight when wrk stopped finish

python3 - "$work" "$AGENTS" "$USERS" "$DURATION" <<'PY'
import sqlite3, sys
work, agents, users, duration = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
def kv(name):
    return {k: float(v) for k, v in (l.split("=") for l in open(f"{work}/{name}").read().split())}
push, read = kv("push.txt"), kv("read.txt")
ids = open(f"{work}/load_ids").read()
db = sqlite3.connect(f"file:{work}/load.db?mode=ro", uri=True)
rows = db.execute(f"SELECT COUNT(*) FROM sensor_readings WHERE instrument_id IN ({ids})").fetchone()[0]
batches = db.execute(f"SELECT COUNT(*), TOTAL(readings) FROM telemetry_batches WHERE instrument_id IN ({ids})").fetchone()
diff = db.execute(f"""
  WITH r AS (SELECT instrument_id, sensor, w.width, (at / w.width) * w.width AS start, COUNT(*) AS n,
                    TOTAL(value) AS sum, MIN(value) AS min, MAX(value) AS max
             FROM sensor_readings, (SELECT 3600 AS width UNION ALL SELECT 86400) AS w
             WHERE instrument_id IN ({ids}) GROUP BY 1, 2, 3, 4)
  SELECT COUNT(*) FROM r LEFT JOIN sensor_buckets b USING (instrument_id, sensor, width, start)
  WHERE b.n IS NOT r.n OR b.min IS NOT r.min OR b.max IS NOT r.max OR ABS(b.sum - r.sum) > 1e-6 * ABS(r.sum) + 1e-9
""").fetchone()[0]
buckets = db.execute(f"SELECT COUNT(*) FROM sensor_buckets WHERE instrument_id IN ({ids})").fetchone()[0]
groups = db.execute(f"""SELECT COUNT(*) FROM (SELECT 1 FROM sensor_readings,
  (SELECT 3600 AS width UNION ALL SELECT 86400) AS w WHERE instrument_id IN ({ids})
  GROUP BY instrument_id, sensor, w.width, at / w.width)""").fetchone()[0]
problems = []
if push["errors"] or push["refused"]: problems.append(f"push: {push['errors']:.0f} errors, {push['refused']:.0f} refused")
if read["errors"] or read["not_ok"]: problems.append(f"read: {read['errors']:.0f} errors, {read['not_ok']:.0f} not 200")
if rows < push["readings"]: problems.append(f"{push['readings'] - rows:.0f} acknowledged readings missing")
if rows != batches[1]: problems.append(f"{rows} readings stored for batches that carried {batches[1]:.0f}")
if diff or buckets != groups: problems.append(f"{diff} buckets differ from a recomputation ({buckets} stored, {groups} recomputed)")
print(f"""
| {agents} agents pushing + {users} users reading, {duration} on loopback (wrk) | pushes (20 readings each) | dashboard reads |
|---|---|---|
| requests | {push['requests']:,.0f} | {read['requests']:,.0f} |
| throughput | {push['requests']/push['seconds']:,.0f} req/s = {push['readings']/push['seconds']:,.0f} readings/s | {read['requests']/read['seconds']:,.0f} req/s |
| latency p50 / p95 / p99 / max (ms) | {push['p50_ms']} / {push['p95_ms']} / {push['p99_ms']} / {push['max_ms']} | {read['p50_ms']} / {read['p95_ms']} / {read['p99_ms']} / {read['max_ms']} |
| errors (socket, timeout, non-200) | {push['errors'] + push['refused']:.0f} | {read['errors'] + read['not_ok']:.0f} |

Readings acknowledged {push['readings']:,.0f}; stored {rows:,} (in {batches[0]:,} batches; the
difference is requests in flight when wrk stopped, stored after); buckets recomputed from the
rows: {diff} differ.""")
if problems:
    print("FAILED: " + "; ".join(problems)); sys.exit(1)
print("OK: no error, no lost reading")
PY
