/*
 * bcryptprimitives.dll for Wine 8.0, which has none: Go's runtime (1.22
 * and later) loads it from system32 for ProcessPrng, its source of random
 * bytes, and a Go program for Windows dies without it. This one exports
 * ProcessPrng and fills the buffer with RtlGenRandom (SystemFunction036
 * of advapi32), which Wine has. Package wine builds it with
 * x86_64-w64-mingw32-gcc for the Wine prefix of the tests; it is never
 * shipped.
 */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!RtlGenRandom(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
