#!/usr/bin/env bash
# Cargo's runner for x86_64-pc-windows-gnu (CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER):
# runs a Windows .exe under Wine in a scratch prefix, quietly, with the test-only
# bcryptprimitives.dll shim (see bcryptprimitives.c) beside it and beside the agent's .exe
# the tests spawn. Drive D: of the prefix is a scratch folder, so tests can use paths such
# as D:\Illumina\MiSeqOutput (SEQHEALTH_TEST_DRIVE=D: tells them it is there).
#   SEQHEALTH_WINE_SHIM   the built shim DLL (required)
#   SEQHEALTH_WINE_PREFIX the scratch prefix (default /tmp/seqhealth-wine)
set -euo pipefail
exe=$1
shift
shim=${SEQHEALTH_WINE_SHIM:?build the shim first: scripts/windows.sh}
export WINEPREFIX=${SEQHEALTH_WINE_PREFIX:-/tmp/seqhealth-wine}
export WINEDEBUG=-all
# Wine's own bcryptprimitives is builtin: prefer the one beside the .exe.
export WINEDLLOVERRIDES="bcryptprimitives=n,b;mscoree=;mshtml="
dir=$(dirname "$exe")
for d in "$dir" "$dir/.."; do
    cmp -s "$shim" "$d/bcryptprimitives.dll" 2>/dev/null || cp "$shim" "$d/bcryptprimitives.dll"
done
if [ ! -d "$WINEPREFIX/dosdevices" ]; then
    mkdir -p "$WINEPREFIX"
    /usr/lib/wine/wine64 wineboot --init >/dev/null 2>&1 || true
fi
mkdir -p "$WINEPREFIX/drive_d"
[ -e "$WINEPREFIX/dosdevices/d:" ] || ln -s ../drive_d "$WINEPREFIX/dosdevices/d:"
export SEQHEALTH_TEST_DRIVE=D:
exec /usr/lib/wine/wine64 "$exe" "$@"
