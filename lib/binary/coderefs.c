/* SPDX-License-Identifier: MIT */
/* Which map type descriptors a function's code loads (coderefs.h). */
#include "coderefs.h"

#include <stdlib.h>
#include <string.h>

/* A function's code read at most this far (Go's biggest are a few hundred KB). */
#define MAX_FUNC_BYTES (16u << 20)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool is_target(const uint64_t *targets, size_t n, uint64_t a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (targets[mid] == a)
			return true;
		if (targets[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* The operand of an encoding at code[i] (len - i bytes left), or 0 if none starts there. */
static uint64_t operand_at(enum ms_arch arch, const uint8_t *code, size_t len, size_t i,
                           uint64_t base)
{
	const uint8_t *p = code + i;
	size_t left = len - i;

	if (arch == MS_ARCH_AMD64) {
		/* REX.W [R] 8D /r, mod 00 rm 101: RIP-relative from the next instruction */
		if (left >= 7 && (p[0] & 0xf8) == 0x48 && p[1] == 0x8d && (p[2] & 0xc7) == 0x05)
			return base + i + 7 + (uint64_t)(int64_t)(int32_t)le32(p + 3);
		return 0;
	}
	if (arch != MS_ARCH_386)
		return 0;
	if (left >= 6 && p[0] == 0x8d && (p[1] & 0xc7) == 0x05) /* LEAL sym, reg */
		return le32(p + 2);
	if (left >= 5 && p[0] >= 0xb8 && p[0] <= 0xbf) /* MOVL $imm32, reg */
		return le32(p + 1);
	if (left >= 7 && p[0] == 0xc7 && p[1] == 0x04 && p[2] == 0x24) /* MOVL $imm32, (SP) */
		return le32(p + 3);
	if (left >= 8 && p[0] == 0xc7 && p[1] == 0x44 && p[2] == 0x24) /* MOVL $imm32, d8(SP) */
		return le32(p + 4);
	return 0;
}

size_t ms_code_refs(enum ms_arch arch, const uint8_t *code, size_t len, uint64_t base,
                    const uint64_t *targets, size_t ntargets, uint64_t *out, size_t max)
{
	size_t n = 0;

	if (!code || !ntargets)
		return 0;
	for (size_t i = 0; i < len && n < max; i++) {
		uint64_t a = operand_at(arch, code, len, i, base);
		bool seen = false;

		if (!a || !is_target(targets, ntargets, a))
			continue;
		for (size_t k = 0; k < n && !seen; k++)
			seen = out[k] == a;
		if (!seen)
			out[n++] = a;
	}
	return n;
}

/* ---- per function, cached ---- */

struct func_refs {
	uint64_t entry; /* 0: an empty slot */
	uint64_t *refs; /* owned; NULL when none */
	size_t n;
	bool ok; /* the code was read */
};

struct ms_coderefs {
	struct ms_binary *b;
	uint64_t *targets; /* sorted */
	size_t ntargets;
	struct func_refs *slots; /* open addressing by entry, at most half full */
	size_t cap, used;
	uint8_t *buf; /* a function's code */
	size_t buf_cap;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

struct ms_error *ms_coderefs_create(struct ms_binary *b, const uint64_t *targets, size_t ntargets,
                                    struct ms_coderefs **ret)
{
	struct ms_coderefs *c = calloc(1, sizeof(*c));

	if (!c || !(c->targets = malloc((ntargets ? ntargets : 1) * sizeof(*targets))) ||
	    !(c->slots = calloc(64, sizeof(*c->slots)))) {
		ms_coderefs_destroy(c);
		return &ms_error_nomem;
	}
	if (ntargets)
		memcpy(c->targets, targets, ntargets * sizeof(*targets));
	qsort(c->targets, ntargets, sizeof(*targets), cmp_u64);
	c->ntargets = ntargets;
	c->b = b;
	c->cap = 64;
	*ret = c;
	return NULL;
}

void ms_coderefs_destroy(struct ms_coderefs *c)
{
	if (!c)
		return;
	for (size_t i = 0; c->slots && i < c->cap; i++)
		free(c->slots[i].refs);
	free(c->slots);
	free(c->targets);
	free(c->buf);
	free(c);
}

static size_t slot_of(const struct ms_coderefs *c, uint64_t entry)
{
	size_t i = (size_t)((entry * 0x9e3779b97f4a7c15ull) >> 20) & (c->cap - 1);

	while (c->slots[i].entry && c->slots[i].entry != entry)
		i = (i + 1) & (c->cap - 1);
	return i;
}

static bool rehash(struct ms_coderefs *c)
{
	struct func_refs *old = c->slots;
	size_t old_cap = c->cap;

	if (!(c->slots = calloc(2 * old_cap, sizeof(*c->slots)))) {
		c->slots = old;
		return false;
	}
	c->cap = 2 * old_cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].entry)
			c->slots[slot_of(c, old[i].entry)] = old[i];
	free(old);
	return true;
}

/* Scan the function [entry, end) into fr. false only when out of memory. */
static bool scan_func(struct ms_coderefs *c, uint64_t entry, uint64_t end, struct func_refs *fr)
{
	size_t len = end - entry > MAX_FUNC_BYTES ? MAX_FUNC_BYTES : (size_t)(end - entry);
	uint64_t found[64];
	size_t n;

	*fr = (struct func_refs){entry, NULL, 0, false};
	if (len > c->buf_cap) {
		uint8_t *nb = realloc(c->buf, len);

		if (!nb)
			return false;
		c->buf = nb;
		c->buf_cap = len;
	}
	if (!len || !ms_source_try_read(c->b->mem, entry, c->buf, len))
		return true;
	fr->ok = true;
	n = ms_code_refs(c->b->arch, c->buf, len, entry, c->targets, c->ntargets, found,
	                 sizeof(found) / sizeof(found[0]));
	if (!n)
		return true;
	if (!(fr->refs = malloc(n * sizeof(*fr->refs))))
		return false;
	memcpy(fr->refs, found, n * sizeof(*found));
	fr->n = n;
	return true;
}

bool ms_coderefs_func(struct ms_coderefs *c, uint64_t pc, const uint64_t **ret, size_t *ret_n,
                      struct ms_error **err)
{
	struct ms_func_at fa;
	struct func_refs *fr;
	size_t i;

	*ret = NULL;
	*ret_n = 0;
	if (!ms_binary_func_at(c->b, pc, &fa) || !fa.entry || fa.end <= fa.entry)
		return false;
	i = slot_of(c, fa.entry);
	if (!c->slots[i].entry) {
		if (2 * (c->used + 1) > c->cap) {
			if (!rehash(c)) {
				*err = &ms_error_nomem;
				return false;
			}
			i = slot_of(c, fa.entry);
		}
		if (!scan_func(c, fa.entry, fa.end, &c->slots[i])) {
			c->slots[i] = (struct func_refs){0};
			*err = &ms_error_nomem;
			return false;
		}
		c->used++;
	}
	fr = &c->slots[i];
	*ret = fr->refs;
	*ret_n = fr->n;
	return fr->ok;
}
