#!/usr/bin/env bash
# Runs a command with a real PostgreSQL beside it: a throwaway cluster (Debian's
# postgresql, installed if missing) in a temporary directory, listening on loopback only,
# stopped and removed afterwards. The command finds the server's URL in
# SEQHEALTH_TEST_POSTGRES. Without a command: the server's API test suite against it.
#   scripts/with-postgres.sh [command args…]
set -euo pipefail
cd "$(dirname "$0")/.."

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
    echo "with-postgres: installing Debian's postgresql"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
BIN=$(pg_bin)

dir=$(mktemp -d /tmp/seqhealth-pg.XXXXXX)
# PostgreSQL will not run as root: as root, the cluster belongs to Debian's postgres user.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop() {
    as_pg "$BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT
as_pg "$BIN/initdb" -D "$dir/data" -U seqhealth --auth=trust -E UTF8 >/dev/null
# fsync off by default: a throwaway cluster for tests, whose durability is not what they
# test. PG_FSYNC=on for benchmarks.
as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=${PG_FSYNC:-off}" \
    start >/dev/null
url="postgres://seqhealth@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

export SEQHEALTH_TEST_POSTGRES="$url"
if [ $# -eq 0 ]; then
    set -- cargo test --locked -p seqhealth-server --test api
fi
"$@"
