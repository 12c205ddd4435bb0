/* Fuzz the scan for map type descriptors in a function's code (lib/binary/coderefs.c):
 * any bytes as amd64 and 386 code, the targets every 4-byte window of them could load
 * (so that matches happen); it must read nothing outside the bytes and find only
 * targets. */
#include <stdlib.h>
#include <string.h>

#include "coderefs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact copy: an overread past it is ASan's to see */
	uint8_t *code = malloc(size ? size : 1);
	uint64_t targets[256], out[64];
	const uint64_t base = 0x401000;

	if (!code)
		return 0;
	if (size)
		memcpy(code, data, size);
	for (int a = 0; a < 2; a++) {
		enum ms_arch arch = a ? MS_ARCH_386 : MS_ARCH_AMD64;
		size_t nt = 0, n;

		for (size_t i = 0; i + 4 <= size && nt < 256; i++) {
			uint32_t v = (uint32_t)code[i] | (uint32_t)code[i + 1] << 8 |
			             (uint32_t)code[i + 2] << 16 | (uint32_t)code[i + 3] << 24;

			targets[nt++] = a ? v : base + i + 4 + (uint64_t)(int64_t)(int32_t)v;
		}
		qsort(targets, nt, sizeof(*targets), cmp);
		n = ms_code_refs(arch, code, size, base, targets, nt, out, 64);
		for (size_t i = 0; i < n; i++)
			if (!bsearch(&out[i], targets, nt, sizeof(*targets), cmp))
				abort();
		n = ms_code_uses(arch, code, size, base, targets, nt, out, 64);
		for (size_t i = 0; i < n; i++)
			if (!bsearch(&out[i], targets, nt, sizeof(*targets), cmp))
				abort();
	}
	free(code);
	return 0;
}
