# seqhealth — `make demo` runs the demo, `make test` runs every test. Both set up first.
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/binaryen/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

ADDR ?= 127.0.0.1:8080
DEMO_DB ?= demo.db

.PHONY: demo test bench setup setup-browser build server lint clean install

## demo: install what is missing, build, and run the server with a fresh simulated fleet
demo: setup build server
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	./target/server/seqhealth-demo --addr $(ADDR) --database-url sqlite://$(DEMO_DB) --dist dist --demo-run-folders ../shared/interop/runs

## test: install what is missing (with Chromium and PostgreSQL), lint, install into
## target/install (an e2e test runs that binary alone), and run unit, API and end-to-end
## tests; then the server's API suite again on a throwaway PostgreSQL cluster, and the
## agent's tests cross-built for Windows and run under Wine (scripts/windows.sh)
test: setup-browser build lint
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/target/install
	cargo test --workspace --locked
	scripts/with-postgres.sh
	scripts/windows.sh

## bench: performance figures (ingest, API latency under load, first-load sizes); not a test
BENCH_ARGS ?= --instruments 100 --days 365 --clients 50 --requests 2000
bench: setup build
	cargo run --locked --profile server -p seqhealth-demo --bin seqhealth-bench -- $(BENCH_ARGS) --dist dist

## bench-postgres: the ingest and API benchmark on SQLite, then on PostgreSQL (a throwaway
## cluster on loopback, fsync on), with the same fleet
.PHONY: bench-postgres
bench-postgres: setup build
	cargo build --locked --profile server -p seqhealth-demo --bin seqhealth-bench
	./target/server/seqhealth-bench $(BENCH_ARGS) --dist dist
	PG_FSYNC=on scripts/with-postgres.sh sh -c './target/server/seqhealth-bench $(BENCH_ARGS) --dist dist --database-url "$$SEQHEALTH_TEST_POSTGRES"'

## bench-notify: notification figures (issue 25): a critical reading to its email at a real
## SMTP server on loopback, and the deliveries per second the worker sends
.PHONY: bench-notify
bench-notify: setup-browser
	cargo run --locked --profile server -p seqhealth-demo --bin seqhealth-bench-notify -- --events 1000

setup:
	scripts/setup.sh

setup-browser:
	scripts/setup.sh --browser

## build: the dashboard's release build (Trunk → dist/)
build:
	trunk build --release
	node scripts/postbuild.mjs dist

server:
	cargo build --locked --profile server -p seqhealth-server -p seqhealth-demo

## install: the server (the dashboard built in) and the agent under PREFIX (default
## /usr/local): bin/, the systemd unit in lib/systemd/system/, the docs (and the
## common-password list's licence) in share/doc/seqhealth/
PREFIX ?= /usr/local
install: setup build
	cargo build --locked --profile server -p seqhealth-server -p seqhealth-agent
	install -D -m 755 target/server/seqhealth-server $(DESTDIR)$(PREFIX)/bin/seqhealth-server
	install -D -m 755 target/server/seqhealth-agent $(DESTDIR)$(PREFIX)/bin/seqhealth-agent
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)$(PREFIX)/share/doc/seqhealth
	sed 's|@PREFIX@|$(PREFIX)|g' deploy/seqhealth.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/seqhealth.service
	install -m 644 README.md SECURITY.md ARCHITECTURE.md $(DESTDIR)$(PREFIX)/share/doc/seqhealth/
	# The common-password list is built into the binary; its licence ships beside it.
	install -m 644 crates/server/data/common-passwords.LICENSE $(DESTDIR)$(PREFIX)/share/doc/seqhealth/
	@echo "installed under $(DESTDIR)$(PREFIX): bin/seqhealth-server (dashboard built in), bin/seqhealth-agent, lib/systemd/system/seqhealth.service"

lint:
	python3 scripts/check-architecture.py
	scripts/deny.sh
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo clippy -p seqhealth --target wasm32-unknown-unknown --locked -- -D warnings

clean:
	cargo clean
	rm -rf dist

## test-windows: the agent cross-built for Windows (x86_64-pc-windows-gnu) and its tests run
## under Wine; `summarize --json` compared byte for byte with the Linux build's (installs
## what is missing: the Rust target, mingw-w64, wine64)
.PHONY: test-windows
test-windows: ; scripts/windows.sh

## bench-interop: seqhealth-agent summarize vs Illumina's InterOp library (PyPI `interop`, in
## .tools/interop-venv) on ../shared/interop/runs and a ~1 GB synthetic folder in /tmp; not a test
.PHONY: bench-interop
INTEROP_VENV ?= .tools/interop-venv
bench-interop:
	test -x $(INTEROP_VENV)/bin/python || python3 -m venv $(INTEROP_VENV)
	$(INTEROP_VENV)/bin/python -c 'import interop' 2>/dev/null || $(INTEROP_VENV)/bin/pip install --quiet interop==1.9.0
	$(INTEROP_VENV)/bin/python scripts/bench-interop.py $(BENCH_INTEROP_ARGS)

## load: 50 agents pushing telemetry and 50 dashboard users reading at once for 20 s (wrk on
## loopback; DURATION, AGENTS, USERS override); fails on any error or lost reading; not a test
.PHONY: load
load:
	scripts/load.sh

## bench-at-rest: what encryption at rest costs — ingest readings/s and API read latency on a
## plain and an SQLCipher database, alternating in one run (BENCH_AT_REST_ARGS override); not a test
.PHONY: bench-at-rest
BENCH_AT_REST_ARGS ?= --instruments 20 --days 120 --rounds 5 --clients 20 --requests 400
bench-at-rest:
	cargo run --locked --profile server -p seqhealth-demo --bin seqhealth-bench-at-rest -- $(BENCH_AT_REST_ARGS)

## bench-screen: time to a useful screen (issue 7) — headless Chromium loads the fleet page and an
## instrument page of a big lab from the server on loopback, warm and cold browser cache, and
## prints min/median/max against the 500 ms budget. SCREEN_DB is a `seqhealth-bench --keep` dir,
## made when missing (SCREEN_INSTRUMENTS × SCREEN_DAYS); SCREEN_ARGS go to the script; not a test
.PHONY: bench-screen
SCREEN_INSTRUMENTS ?= 1000
SCREEN_DAYS ?= 730
SCREEN_DB ?= target/bench-screen/lab-$(SCREEN_INSTRUMENTS)x$(SCREEN_DAYS)
bench-screen: setup-browser build
	cargo build --locked --profile server -p seqhealth-server --bin seqhealth-server -p seqhealth-demo --bin seqhealth-bench
	test -d $(SCREEN_DB) || { rm -rf $(SCREEN_DB).part && \
	  ./target/server/seqhealth-bench --instruments $(SCREEN_INSTRUMENTS) --days $(SCREEN_DAYS) \
	    --clients 10 --requests 100 --dist dist --keep $(SCREEN_DB).part && \
	  mv $(SCREEN_DB).part $(SCREEN_DB); }
	python3 scripts/bench-screen.py --server-bin target/server/seqhealth-server --db $(SCREEN_DB) --dist dist $(SCREEN_ARGS)

## bench-security: what one caller can make the server keep or wait for (1,500 spellings of a
## filter: RSS; GET /fleet during 100 logins at once), this build beside BASELINE (another
## commit's seqhealth-server) on DB (a stopped `make demo` database); not a test
.PHONY: bench-security
DB ?= demo.db
bench-security: server
	python3 scripts/bench-security.py --db $(DB) --server target/server/seqhealth-server --baseline $(BASELINE)
