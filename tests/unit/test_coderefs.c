/* The scan for the map type descriptors a function's code loads (lib/binary/coderefs.c):
 * amd64 RIP-relative LEAQs and 386 absolute LEALs and MOVLs of known addresses, bytes of
 * real Go code (go tool objdump of holders_truth.go's main.spin and main.sumHot), and no
 * byte read outside the code given (every buffer is allocated to its exact length, so an
 * ASan build catches an overread; the encodings cut short at the end are not taken). */
#include <stdlib.h>
#include <string.h>

#include "coderefs.h"
#include "harness.h"

/* A copy of n bytes in an allocation of exactly n. */
static uint8_t *exact(const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);

	if (b && n)
		memcpy(b, p, n);
	return b;
}

static bool has(const uint64_t *a, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] == v)
			return true;
	return false;
}

static void amd64(void)
{
	/* at 0x4b2000: MOVQ 0x10(R14), ...; LEAQ type(SB), AX (48 8d 05, to 0x4c3a20);
	 * LEAQ other(SB), R8 (4c 8d 05, to 0x4c3b40); LEAQ 0x18(SP), DI (48 8d 7c 24 18: mod 01,
	 * not RIP-relative); LEAQ of an address no map type has (to 0x500000); CALL */
	const uint64_t base = 0x4b2000;
	uint8_t code[] = {0x49, 0x3b, 0x66, 0x10,              /* CMPQ SP, 0x10(R14) */
	                  0x48, 0x8d, 0x05, 0,    0,    0, 0,  /* 4: LEAQ t1, AX */
	                  0x4c, 0x8d, 0x05, 0,    0,    0, 0,  /* 11: LEAQ t2, R8 */
	                  0x48, 0x8d, 0x7c, 0x24, 0x18,        /* 18: LEAQ 0x18(SP), DI */
	                  0x48, 0x8d, 0x0d, 0,    0,    0, 0,  /* 23: LEAQ other, CX */
	                  0xe8, 0x00, 0x00, 0x00, 0x00,        /* 30: CALL */
	                  0x48, 0x8d, 0x05, 0,    0,    0, 0}; /* 35: LEAQ t1 again */
	uint64_t targets[] = {0x4c3a20, 0x4c3b40, 0x4c3c00}, out[8];
	int32_t d;
	size_t n;
	uint8_t *b;

	d = (int32_t)(0x4c3a20 - (base + 4 + 7));
	memcpy(code + 7, &d, 4);
	d = (int32_t)(0x4c3b40 - (base + 11 + 7));
	memcpy(code + 14, &d, 4);
	d = (int32_t)(0x500000 - (base + 23 + 7));
	memcpy(code + 26, &d, 4);
	d = (int32_t)(0x4c3a20 - (base + 35 + 7));
	memcpy(code + 38, &d, 4);
	b = exact(code, sizeof(code));
	n = ms_code_refs(MS_ARCH_AMD64, b, sizeof(code), base, targets, 3, out, 8);
	CHECK_U64(n, 2, "amd64: two of the three known addresses are loaded, each counted once");
	CHECK(n == 2 && out[0] == 0x4c3a20 && out[1] == 0x4c3b40,
	      "amd64: LEAQ sym(SB), AX and LEAQ sym(SB), R8, RIP-relative from the next "
	      "instruction, in the order met");
	n = ms_code_refs(MS_ARCH_AMD64, b, sizeof(code), base + 1, targets, 3, out, 8);
	CHECK_U64(n, 0, "amd64: the same bytes elsewhere load other addresses: none known");
	n = ms_code_refs(MS_ARCH_386, b, sizeof(code), base, targets, 3, out, 8);
	CHECK_U64(n, 0, "amd64 code read as 386: no absolute operand is a known address");
	n = ms_code_refs(MS_ARCH_AMD64, b, sizeof(code), base, targets, 3, out, 1);
	CHECK(n == 1 && out[0] == 0x4c3a20, "amd64: at most max written");
	free(b);
	/* cut inside the second LEAQ: only what lies whole in the buffer counts */
	for (size_t len = 0; len <= 18; len++) {
		b = exact(code, len);
		n = ms_code_refs(MS_ARCH_AMD64, b, len, base, targets, 3, out, 8);
		if (len < 11)
			CHECK_U64(n, 0, "amd64: %zu bytes: the first LEAQ is not whole", len);
		else if (len < 18)
			CHECK(n == 1 && out[0] == 0x4c3a20, "amd64: %zu bytes: the first LEAQ only",
			      len);
		else
			CHECK_U64(n, 2, "amd64: 18 bytes: both LEAQs");
		free(b);
	}
}

static void i386(void)
{
	/* main.spin (go1.22 GOARCH=386): LEAL 0x8110aa0, DX (8d 15 a0 0a 11 08); MOVL DX,
	 * 0(SP); LEAL 0x36(SP), BP (8d 6c 24 36: mod 01); then MOVL $0x8110b00, AX
	 * (b8 imm32), MOVL $0x8110c00, (SP) (c7 04 24 imm32), MOVL $0x8110d00, 0x4(SP)
	 * (c7 44 24 04 imm32) */
	const uint8_t code[] = {0x8d, 0x15, 0xa0, 0x0a, 0x11, 0x08, 0x89, 0x14, 0x24, 0x8d,
	                        0x6c, 0x24, 0x36, 0xb8, 0x00, 0x0b, 0x11, 0x08, 0xc7, 0x04,
	                        0x24, 0x00, 0x0c, 0x11, 0x08, 0xc7, 0x44, 0x24, 0x04, 0x00,
	                        0x0d, 0x11, 0x08, 0xe8, 0x41, 0x7f, 0xf5, 0xff};
	uint64_t targets[] = {0x8110aa0, 0x8110b00, 0x8110c00, 0x8110d00, 0x8110e00}, out[8];
	uint8_t *b = exact(code, sizeof(code));
	size_t n = ms_code_refs(MS_ARCH_386, b, sizeof(code), 0x80fe191, targets, 5, out, 8);

	CHECK(n == 4 && out[0] == 0x8110aa0 && out[1] == 0x8110b00 && out[2] == 0x8110c00 &&
	          out[3] == 0x8110d00,
	      "386: LEAL sym, DX; MOVL $sym, AX; MOVL $sym, (SP); MOVL $sym, 4(SP): absolute, "
	      "wherever the code is (%zu found)",
	      n);
	n = ms_code_refs(MS_ARCH_AMD64, b, sizeof(code), 0x80fe191, targets, 5, out, 8);
	CHECK_U64(n, 0, "386 code read as amd64: none");
	free(b);
	for (size_t len = 0; len < 6; len++) {
		b = exact(code, len);
		n = ms_code_refs(MS_ARCH_386, b, len, 0x80fe191, targets, 5, out, 8);
		CHECK_U64(n, 0, "386: %zu bytes: the LEAL is not whole", len);
		free(b);
	}
}

/* Random bytes, every address they could load a target: whatever is found is a target,
 * once, and nothing outside the exact allocation is read (ASan). */
static void random_code(void)
{
	unsigned bad = 0;

	srand(7);
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)(rand() % 64);
		uint8_t *b = malloc(len ? len : 1);
		uint64_t targets[16], out[16];
		size_t nt = 0, n;
		enum ms_arch arch = round & 1 ? MS_ARCH_386 : MS_ARCH_AMD64;

		for (size_t i = 0; i < len; i++)
			b[i] = round % 3 ? (uint8_t)(rand() & 0xff)
			                 : (uint8_t[]){0x48, 0x8d, 0x05, 0x8d, 0x15,
			                               0xb8, 0xc7, 0x04, 0x24, 0x44}[rand() % 10];
		for (size_t i = 0; i + 4 <= len && nt < 16; i += 3) {
			uint32_t v;

			memcpy(&v, b + i, 4);
			targets[nt++] = arch == MS_ARCH_386 ? v : 0x1000 + i + (uint64_t)(int32_t)v;
		}
		for (size_t i = 1; i < nt; i++) /* sorted, as asked */
			for (size_t k = i; k > 0 && targets[k - 1] > targets[k]; k--) {
				uint64_t x = targets[k];

				targets[k] = targets[k - 1];
				targets[k - 1] = x;
			}
		n = ms_code_refs(arch, b, len, 0x1000, targets, nt, out, 16);
		for (size_t i = 0; i < n; i++)
			if (!has(targets, nt, out[i]) || has(out, i, out[i]))
				bad++;
		free(b);
	}
	CHECK_U64(bad, 0, "2000 random buffers: every address found is a target, each once");
	CHECK_U64(ms_code_refs(MS_ARCH_AMD64, NULL, 0, 0, NULL, 0, NULL, 0), 0,
	          "no code, no targets: none");
}

/* The users of a global (ms_code_uses): the loads, stores and compares of its word, as
 * Go's compilers emit them for a package-level map variable. */
static void uses(void)
{
	/* amd64 at 0x4b3000, the global at 0x5a1f28: MOVQ main.quota(SB), AX (48 8b 05);
	 * MOVQ AX, main.quota(SB) (48 89 05); CMPQ main.quota(SB), $0 (48 83 3d .. 00);
	 * MOVQ $0, main.quota(SB) (48 c7 05 .. imm32); LEAQ main.quota(SB), DI (48 8d 3d);
	 * MOVQ main.quota(SB), R9 (4c 8b 0d); MOVL main.quota(SB), AX (8b 05: 32 bits, no
	 * REX.W: no use of a pointer word) */
	const uint64_t base = 0x4b3000, g = 0x5a1f28;
	uint8_t code[] = {0x48, 0x8b, 0x05, 0, 0, 0, 0,                /* 0 */
	                  0x48, 0x89, 0x05, 0, 0, 0, 0,                /* 7 */
	                  0x48, 0x83, 0x3d, 0, 0, 0, 0, 0x00,          /* 14 */
	                  0x48, 0xc7, 0x05, 0, 0, 0, 0, 0,    0, 0, 0, /* 22 */
	                  0x48, 0x8d, 0x3d, 0, 0, 0, 0,                /* 33 */
	                  0x4c, 0x8b, 0x0d, 0, 0, 0, 0,                /* 40 */
	                  0x8b, 0x05, 0,    0, 0, 0};                  /* 47 */
	const size_t at[] = {0, 7, 14, 22, 33, 40}, next[] = {7, 14, 22, 33, 40, 47};
	uint64_t targets[] = {g}, out[8];
	uint8_t *b;
	size_t n, total = 0;

	for (size_t k = 0; k < 6; k++) {
		int32_t d = (int32_t)(g - (base + next[k]));

		memcpy(code + at[k] + 3, &d, 4);
	}
	{
		int32_t d = (int32_t)(g - (base + 53));

		memcpy(code + 49, &d, 4);
	}
	for (size_t k = 0; k < 6; k++) {
		b = exact(code + at[k], next[k] - at[k]);
		n = ms_code_uses(MS_ARCH_AMD64, b, next[k] - at[k], base + at[k], targets, 1, out,
		                 8);
		CHECK(n == 1 && out[0] == g, "amd64 use at +%zu: the global's word", at[k]);
		total += n;
		free(b);
	}
	CHECK_U64(total, 6, "amd64: loads, stores, compares and the address of the word");
	b = exact(code + 47, 6);
	CHECK_U64(ms_code_uses(MS_ARCH_AMD64, b, 6, base + 47, targets, 1, out, 8), 0,
	          "amd64: a 32-bit load is no use of a pointer word");
	free(b);
	b = exact(code, 7);
	CHECK_U64(ms_code_refs(MS_ARCH_AMD64, b, 7, base, targets, 1, out, 8), 0,
	          "amd64: a load is a use, not an address taken (ms_code_refs)");
	free(b);
	{
		/* 386, the global at 0x8154a20: MOVL main.quota, CX (8b 0d); MOVL AX, main.quota
		 * (a3); MOVL main.quota, AX (a1); MOVL DX, main.quota (89 15); CMPL main.quota,
		 * $0 (83 3d .. 00) */
		const uint8_t c386[] = {0x8b, 0x0d, 0x20, 0x4a, 0x15, 0x08, 0xa3, 0x20, 0x4a, 0x15,
		                        0x08, 0xa1, 0x20, 0x4a, 0x15, 0x08, 0x89, 0x15, 0x20, 0x4a,
		                        0x15, 0x08, 0x83, 0x3d, 0x20, 0x4a, 0x15, 0x08, 0x00};
		const size_t at386[] = {0, 6, 11, 16, 22, 29};
		uint64_t t386[] = {0x8154a20};

		for (size_t k = 0; k < 5; k++) {
			size_t len = at386[k + 1] - at386[k];

			b = exact(c386 + at386[k], len);
			n = ms_code_uses(MS_ARCH_386, b, len, 0x80fe191, t386, 1, out, 8);
			CHECK(n == 1 && out[0] == 0x8154a20, "386 use at +%zu: the global's word",
			      at386[k]);
			free(b);
			b = exact(c386 + at386[k], len - 1);
			CHECK_U64(ms_code_uses(MS_ARCH_386, b, len - 1, 0x80fe191, t386, 1, out, 8),
			          0, "386 use at +%zu cut short: none", at386[k]);
			free(b);
		}
	}
}

int main(void)
{
	uses();
	amd64();
	i386();
	random_code();
	return tap_done();
}
