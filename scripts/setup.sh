#!/usr/bin/env bash
# Installs what building seqhealth needs, skipping whatever is already there at the right
# version. Usage: scripts/setup.sh [--browser]
#   always:     the wasm32 target, trunk 0.21.14, wasm-bindgen-cli = Cargo.lock's
#               wasm-bindgen, wasm-opt (binaryen 132 from npm, into .tools/)
#   --browser:  what the tests need too: Debian's chromium and chromium-driver (end-to-end
#               tests), brotli, postgresql, cargo-deny 0.20.2 (the dependency check),
#               aiosmtpd from PyPI (the tests' SMTP server) and axe-core 4.14.1 from npm
#               into .tools/axe (the end-to-end tests' accessibility audit)
# Nothing is downloaded from GitHub: only crates.io, npm and Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

TRUNK_VERSION=0.21.14
CARGO_DENY_VERSION=0.20.2
BINARYEN_VERSION=132.0.0
TERSER_VERSION=5.51.2
AXE_CORE_VERSION=4.14.1
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "setup: no wasm-bindgen in Cargo.lock" >&2; exit 1; }

say() { printf 'setup: %s\n' "$*"; }
export PATH="$root/.tools/binaryen/node_modules/.bin:$HOME/.cargo/bin:$PATH"

command -v cargo >/dev/null || { echo "setup: cargo (rustup) is required" >&2; exit 1; }

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "wasm32 target: present"
else
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null || true)" = "trunk $TRUNK_VERSION" ]; then
  say "trunk $TRUNK_VERSION: present"
else
  # Trunk 0.22 needs a newer rustc than this toolchain; --locked keeps its tested deps.
  say "installing trunk $TRUNK_VERSION (takes minutes)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

if [ "$(wasm-bindgen --version 2>/dev/null || true)" = "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  say "wasm-bindgen $WASM_BINDGEN_VERSION: present"
else
  # Without --locked: its own lockfile pins a crate version the registry no longer has.
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes minutes)"
  cargo install --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ "$(wasm-opt --version 2>/dev/null | awk '{print $3}')" = "${BINARYEN_VERSION%%.*}" ]; then
  say "wasm-opt (binaryen ${BINARYEN_VERSION%%.*}): present"
else
  # Debian's binaryen (v108) yields a wasm that fails at start; use npm's.
  say "installing binaryen $BINARYEN_VERSION from npm into .tools/"
  mkdir -p .tools/binaryen
  npm install --silent --no-audit --no-fund --prefix .tools/binaryen "binaryen@$BINARYEN_VERSION"
fi

# terser minifies the wasm-bindgen JS glue in scripts/postbuild.mjs (first-load budget).
if [ "$(node -e "console.log(require('$root/.tools/binaryen/node_modules/terser/package.json').version)" 2>/dev/null)" = "$TERSER_VERSION" ]; then
  say "terser $TERSER_VERSION: present"
else
  say "installing terser $TERSER_VERSION from npm into .tools/"
  mkdir -p .tools/binaryen
  npm install --silent --no-audit --no-fund --prefix .tools/binaryen "terser@$TERSER_VERSION"
fi

if [ "${1:-}" = "--browser" ]; then
  if [ "$(cargo-deny --version 2>/dev/null || true)" = "cargo-deny $CARGO_DENY_VERSION" ]; then
    say "cargo-deny $CARGO_DENY_VERSION: present"
  else
    say "installing cargo-deny $CARGO_DENY_VERSION (takes minutes)"
    cargo install --locked cargo-deny --version "$CARGO_DENY_VERSION"
  fi

  # The tests' browser, and the PostgreSQL the API suite runs against a second time.
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && command -v brotli >/dev/null \
     && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    say "chromium, chromedriver, brotli, postgresql: present"
  else
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing chromium, chromium-driver, brotli and postgresql from Debian"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver brotli \
      postgresql >/dev/null
  fi

  # The tests' SMTP server (scripts/smtp-sink.py): Python's aiosmtpd from PyPI.
  if .tools/smtp-venv/bin/python -c 'import aiosmtpd' 2>/dev/null; then
    say "aiosmtpd (the tests' SMTP server): present"
  else
    say "installing aiosmtpd 1.4.6 (the tests' SMTP server) into .tools/smtp-venv"
    python3 -m venv .tools/smtp-venv
    .tools/smtp-venv/bin/pip install --quiet aiosmtpd==1.4.6
  fi

  # The e2e suite's WCAG audit (tests/e2e/harness.rs, Browser::assert_accessible).
  if [ "$(node -e "console.log(require('$root/.tools/axe/node_modules/axe-core/package.json').version)" 2>/dev/null)" = "$AXE_CORE_VERSION" ]; then
    say "axe-core $AXE_CORE_VERSION: present"
  else
    say "installing axe-core $AXE_CORE_VERSION from npm into .tools/axe"
    mkdir -p .tools/axe
    npm install --silent --no-audit --no-fund --prefix .tools/axe "axe-core@$AXE_CORE_VERSION"
  fi
fi
say "ready"
