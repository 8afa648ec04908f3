/* Test-only shim, never shipped: Wine 8.0's bcryptprimitives.dll lacks ProcessPrng,
 * which Rust's standard library (since 1.78) imports for its random seeds, so every
 * Rust .exe exits 53 under it. Placed beside the .exe by scripts/windows/wine-runner.sh,
 * this fills the buffer through advapi32's SystemFunction036 (RtlGenRandom), whose
 * length is a ULONG: in chunks below 2 GiB. Real Windows (10 and later) has its own. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
