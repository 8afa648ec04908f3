#!/usr/bin/env bash
# The agent on Windows, from this Linux machine (`make test-windows`):
#   1. installs what is missing: the x86_64-pc-windows-gnu Rust target, Debian's mingw-w64
#      C compiler and Wine (wine64, 8.0);
#   2. builds the test-only bcryptprimitives.dll shim (scripts/windows/bcryptprimitives.c:
#      Wine 8.0 lacks ProcessPrng, which Rust's std needs; never shipped);
#   3. cross-builds seqhealth-agent.exe and the agent's tests, and runs the tests under
#      Wine (Cargo's runner for the target: scripts/windows/wine-runner.sh); then the
#      reboot test, in two phases around a reboot of the prefix (step 3b);
#   4. checks that `seqhealth-agent.exe summarize <MiSeq run> --json`, given a Windows
#      path, prints byte for byte what the Linux build prints, for every MiSeq folder in
#      ../shared/interop/runs (said and skipped when that folder is absent);
#   5. prints the figures: build times, tests passed, the reboot test, folders compared.
# PROFILE=server builds and compares the optimised builds the instruments get (default:
# the tests' dev profile, already built by step 3). Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
TARGET=x86_64-pc-windows-gnu
PROFILE=${PROFILE:-dev}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
case $CARGO_TARGET_DIR in /*) ;; *) CARGO_TARGET_DIR=$PWD/$CARGO_TARGET_DIR ;; esac
scratch=$CARGO_TARGET_DIR/wine
mkdir -p "$scratch"
say() { printf '%s\n' "windows: $*" >&2; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# 1. Tools, only what is missing.
if ! rustup target list --installed | grep -qx "$TARGET"; then
    say "adding the Rust target $TARGET"
    rustup target add "$TARGET"
fi
missing=()
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
[ -x /usr/lib/wine/wine64 ] || missing+=(wine64)
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} (Debian)"
    sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get install -y "${missing[@]}" >/dev/null 2>&1 \
        || { $sudo apt-get update >/dev/null && $sudo apt-get install -y "${missing[@]}" >/dev/null; }
fi
say "$(rustc --version); $(x86_64-w64-mingw32-gcc --version | head -1); $(/usr/lib/wine/wine64 --version)"

# 2. The shim, rebuilt when its sources change.
shim=$scratch/bcryptprimitives.dll
src=scripts/windows/bcryptprimitives.c
def=scripts/windows/bcryptprimitives.def
if [ ! -f "$shim" ] || [ "$src" -nt "$shim" ] || [ "$def" -nt "$shim" ]; then
    x86_64-w64-mingw32-gcc -O2 -shared -o "$shim" "$src" "$def" -ladvapi32
fi
export SEQHEALTH_WINE_SHIM=$shim
export SEQHEALTH_WINE_PREFIX=$scratch/prefix
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$PWD/scripts/windows/wine-runner.sh
cleanup() { WINEPREFIX=$SEQHEALTH_WINE_PREFIX /usr/lib/wine/wineserver -k 2>/dev/null || true; }
trap cleanup EXIT
# A new prefix boots once, fully, before the tests: on its first session Wine's service
# manager stays locked (ERROR_SERVICE_DATABASE_LOCKED) while it sets itself up.
if [ ! -d "$SEQHEALTH_WINE_PREFIX/dosdevices" ]; then
    say "making the Wine prefix $SEQHEALTH_WINE_PREFIX"
    mkdir -p "$SEQHEALTH_WINE_PREFIX"
    WINEPREFIX=$SEQHEALTH_WINE_PREFIX WINEDEBUG=-all /usr/lib/wine/wine64 wineboot --init >/dev/null 2>&1 || true
    WINEPREFIX=$SEQHEALTH_WINE_PREFIX /usr/lib/wine/wineserver -w 2>/dev/null || true
fi

# 3. Cross-build, then the tests under Wine.
t0=$(now)
cargo test --locked -p seqhealth-agent --target "$TARGET" --no-run 2>&1 | grep -v '^  Executable' >&2
t1=$(now)
log=$scratch/tests.log
set +e
cargo test --locked -p seqhealth-agent --target "$TARGET" "$@" 2>&1 | tee "$log" | grep -E '^(test result|failures:|    [a-z_:]+$|---- )' >&2
status=${PIPESTATUS[0]}
set -e
t2=$(now)
read -r passed failed ignored < <(awk '/^test result:/ { for (i = 1; i <= NF; i++) {
    if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) g += $i } }
    END { print p + 0, f + 0, g + 0 }' "$log")
suites=$(grep -c '^test result:' "$log" || true)

# 3b. A reboot mid-spool (issue #24). The test that installs the service cannot reboot the
# prefix it runs in (`wineserver -k` would end it too), so it runs twice around a reboot:
# `spool` installs the service (automatic start) and leaves its runs spooled (the server
# is down); here every process of the prefix ends at once (`wineserver -k`, no Stop or
# Shutdown for the service) and `wineboot` boots it again: Wine's service manager starts
# the automatic-start services; `deliver` starts the server and checks that the service
# sent everything once, by itself; it uninstalls it.
reboot_test=the_service_starts_at_boot_and_sends_what_it_spooled_before_a_reboot
reboot_log=$scratch/reboot.log
: >"$reboot_log"
phase() {
    SEQHEALTH_REBOOT_PHASE=$1 cargo test --locked -p seqhealth-agent --target "$TARGET" \
        --test platform -- --exact "$reboot_test" >>"$reboot_log" 2>&1
}
wine_in_prefix() {
    WINEPREFIX=$SEQHEALTH_WINE_PREFIX WINEDEBUG=-all WINEDLLOVERRIDES="mscoree=;mshtml=" "$@"
}
reboot=FAILED
t5=$(now) t6=$t5 t7=$t5 running=0
# The prefix stays up after `spool` ends (wineserver -p), so the service is still running,
# between two attempts to send, when it is ended.
wine_in_prefix /usr/lib/wine/wineserver -w 2>/dev/null || true
wine_in_prefix /usr/lib/wine/wineserver -p 2>/dev/null || true
if phase spool; then
    t6=$(now)
    running=$(pgrep -fc 'seqhealth-agent\.exe service run --name seqhealth-agent-reboot-' || true)
    wine_in_prefix /usr/lib/wine/wineserver -k 2>/dev/null || true
    wine_in_prefix /usr/lib/wine/wineserver -w 2>/dev/null || true
    # The booted prefix stays up (until the trap's -k), as a PC does between logins.
    wine_in_prefix /usr/lib/wine/wineserver -p 2>/dev/null || true
    wine_in_prefix /usr/lib/wine/wine64 wineboot >/dev/null 2>&1 || true
    t7=$(now)
    if [ "$running" = 1 ]; then
        phase deliver && reboot=passed
    else
        say "the service was not running when the prefix was ended ($running process(es))"
    fi
fi
t8=$(now)
[ "$reboot" = passed ] || { grep -E '^(---- |thread|  left|  right)' "$reboot_log" >&2 || true; }

# 4. Byte for byte: Windows (a Windows path) and Linux `summarize --json`.
dir=debug; [ "$PROFILE" = dev ] || dir=$PROFILE
t3=$(now)
if [ "$PROFILE" != dev ]; then
    cargo build --locked --profile "$PROFILE" -p seqhealth-agent --target "$TARGET" >&2
fi
t4=$(now)
cargo build --locked --profile "$PROFILE" -p seqhealth-agent >&2
exe=$CARGO_TARGET_DIR/$TARGET/$dir/seqhealth-agent.exe
linux=$CARGO_TARGET_DIR/$dir/seqhealth-agent
compared=0 differ=0
runs=../shared/interop/runs
if [ -d "$runs" ]; then
    for run in "$runs"/*miseq*; do
        [ -d "$run" ] || continue
        abs=$(cd "$run" && pwd)
        winpath="Z:${abs//\//\\}"
        # Stdout and the exit status must match (stderr names the folder, each its way).
        lrc=0 wrc=0
        "$linux" summarize "$abs" --json >"$scratch/linux.json" 2>/dev/null || lrc=$?
        "$CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER" "$exe" summarize "$winpath" --json \
            >"$scratch/windows.json" 2>/dev/null || wrc=$?
        compared=$((compared + 1))
        if cmp -s "$scratch/linux.json" "$scratch/windows.json" && [ "$lrc" = "$wrc" ]; then
            say "identical ($(wc -c <"$scratch/linux.json") bytes, exit $lrc): summarize $winpath --json"
        else
            differ=$((differ + 1))
            say "DIFFERENT (exit $lrc on Linux, $wrc on Windows): summarize $(basename "$run") --json"
            diff "$scratch/linux.json" "$scratch/windows.json" | head -20 >&2 || true
        fi
    done
    comparison="$compared MiSeq folder(s) compared, $differ different"
else
    comparison="skipped: $runs is absent (the shared real run folders are not on this machine)"
fi

# 5. The figures.
cat <<REPORT
== the agent on Windows (x86_64-pc-windows-gnu, under $(/usr/lib/wine/wine64 --version))
cross-build of the agent and its tests: $(secs "$t0" "$t1") s
tests under Wine:                      $passed passed, $failed failed, $ignored ignored ($suites test binaries, $(secs "$t1" "$t2") s)
reboot mid-spool, start at boot:       $reboot (installed and spooled $(secs "$t5" "$t6") s, wineserver -k and wineboot $(secs "$t6" "$t7") s, sent once $(secs "$t7" "$t8") s; $reboot_log)
summarize --json, Windows vs Linux:    $comparison (profile $PROFILE)
the .exe:                              $exe ($(du -h "$exe" | cut -f1))
REPORT
[ "$PROFILE" = dev ] || echo "optimised cross-build ($PROFILE):       $(secs "$t3" "$t4") s"
[ "$status" = 0 ] && [ "$failed" = 0 ] && [ "$differ" = 0 ] && [ "$reboot" = passed ] || { say "FAILED (see $log, $reboot_log)"; exit 1; }
