/* A stand-in for Windows' bcryptprimitives.dll, for running MacinMeter's Windows build
 * under Wine 8, which lacks that DLL. Rust's standard library imports one function
 * from it, ProcessPrng, to seed HashMap keys; nothing measured depends on those bytes.
 * Here they come from RtlGenRandom (advapi32's SystemFunction036), which Wine has.
 * Built by tests/windows-bits.sh with mingw-w64; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
