#!/usr/bin/env bash
# The dependency check (deny.toml): licenses, banned crates and sources, offline from the
# registries this project reaches; then security advisories where the RustSec database
# (on GitHub) can be fetched, and a line saying they were skipped where it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo deny --workspace --offline check licenses bans sources
if timeout 60 cargo deny --workspace check advisories >/tmp/seqhealth-advisories.log 2>&1; then
  echo "deny: advisories ok"
elif grep -q "failed to fetch advisory database" /tmp/seqhealth-advisories.log \
     || [ ! -s /tmp/seqhealth-advisories.log ]; then
  echo "deny: advisories skipped: the RustSec database (github.com/rustsec/advisory-db) cannot be fetched from this machine"
else
  cat /tmp/seqhealth-advisories.log
  exit 1
fi
