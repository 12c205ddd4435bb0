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

/*
 * The operand of an encoding at code[i] (len - i bytes left), or 0 if none starts there.
 * data: also the loads and stores of a word at an address (coderefs.h, the users of a
 * global), not only the address taken.
 */
static uint64_t operand_at(enum ms_arch arch, const uint8_t *code, size_t len, size_t i,
                           uint64_t base, bool data)
{
	const uint8_t *p = code + i;
	size_t left = len - i;

	if (arch == MS_ARCH_AMD64) {
		/* REX.W [R] op /r, mod 00 rm 101: RIP-relative from the next instruction */
		if (left < 7 || (p[0] & 0xf8) != 0x48 || (p[2] & 0xc7) != 0x05)
			return 0;
		if (p[1] == 0x8d || (data && (p[1] == 0x8b || p[1] == 0x89)))
			return base + i + 7 + (uint64_t)(int64_t)(int32_t)le32(p + 3);
		if (data && p[1] == 0x83 && (p[2] & 0x38) == 0x38 && left >= 8) /* CMPQ $i8, m */
			return base + i + 8 + (uint64_t)(int64_t)(int32_t)le32(p + 3);
		if (data && p[1] == 0xc7 && (p[2] & 0x38) == 0 && left >= 11) /* MOVQ $i32, m */
			return base + i + 11 + (uint64_t)(int64_t)(int32_t)le32(p + 3);
		return 0;
	}
	if (arch != MS_ARCH_386)
		return 0;
	if (left >= 6 && (p[0] == 0x8d || (data && (p[0] == 0x8b || p[0] == 0x89))) &&
	    (p[1] & 0xc7) == 0x05) /* LEAL sym, reg; MOVL sym, reg; MOVL reg, sym */
		return le32(p + 2);
	if (data && left >= 5 && (p[0] == 0xa1 || p[0] == 0xa3)) /* MOVL sym, AX; MOVL AX, sym */
		return le32(p + 1);
	if (data && left >= 7 && p[0] == 0x83 && p[1] == 0x3d) /* CMPL sym, $i8 */
		return le32(p + 2);
	if (left >= 5 && p[0] >= 0xb8 && p[0] <= 0xbf) /* MOVL $imm32, reg */
		return le32(p + 1);
	if (left >= 7 && p[0] == 0xc7 && p[1] == 0x04 && p[2] == 0x24) /* MOVL $imm32, (SP) */
		return le32(p + 3);
	if (left >= 8 && p[0] == 0xc7 && p[1] == 0x44 && p[2] == 0x24) /* MOVL $imm32, d8(SP) */
		return le32(p + 4);
	return 0;
}

static size_t scan_refs(enum ms_arch arch, const uint8_t *code, size_t len, uint64_t base,
                        const uint64_t *targets, size_t ntargets, uint64_t *out, size_t max,
                        bool data)
{
	size_t n = 0;

	if (!code || !ntargets)
		return 0;
	for (size_t i = 0; i < len && n < max; i++) {
		uint64_t a = operand_at(arch, code, len, i, base, data);
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

size_t ms_code_refs(enum ms_arch arch, const uint8_t *code, size_t len, uint64_t base,
                    const uint64_t *targets, size_t ntargets, uint64_t *out, size_t max)
{
	return scan_refs(arch, code, len, base, targets, ntargets, out, max, false);
}

size_t ms_code_uses(enum ms_arch arch, const uint8_t *code, size_t len, uint64_t base,
                    const uint64_t *targets, size_t ntargets, uint64_t *out, size_t max)
{
	return scan_refs(arch, code, len, base, targets, ntargets, out, max, true);
}

/* ---- per function, cached ---- */

struct func_refs {
	uint64_t entry; /* 0: an empty slot */
	uint64_t *refs; /* owned; NULL when none */
	size_t n;
	bool ok; /* the code was read */
};

struct user {
	uint64_t addr, entry;
};

struct ms_coderefs {
	struct ms_binary *b;
	uint64_t *targets; /* sorted */
	size_t ntargets;
	struct func_refs *slots; /* open addressing by entry, at most half full */
	size_t cap, used;
	uint8_t *buf; /* a function's code */
	size_t buf_cap;
	struct user *users; /* ms_coderefs_index_users: by address, then entry */
	size_t nusers;
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
	free(c->users);
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

/* ---- the functions that use a global ---- */

static int cmp_user(const void *a, const void *b)
{
	const struct user *x = a, *y = b;

	if (x->addr != y->addr)
		return (x->addr > y->addr) - (x->addr < y->addr);
	return (x->entry > y->entry) - (x->entry < y->entry);
}

#define TEXT_WINDOW  (1u << 20)
#define TEXT_OVERLAP 16u /* the longest encoding scanned, rounded up */

struct ms_error *ms_coderefs_index_users(struct ms_coderefs *c, const uint64_t *addrs, size_t n)
{
	const struct ms_section *text = ms_binary_section(c->b, ".text");
	uint64_t *sorted;
	size_t cap = 0, nsorted = 0;
	uint8_t *win;

	free(c->users);
	c->users = NULL;
	c->nusers = 0;
	if (!n || !text || !text->size)
		return NULL;
	sorted = malloc(n * sizeof(*sorted));
	win = malloc(TEXT_WINDOW + TEXT_OVERLAP);
	if (!sorted || !win) {
		free(sorted);
		free(win);
		return &ms_error_nomem;
	}
	memcpy(sorted, addrs, n * sizeof(*addrs));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	for (size_t i = 0; i < n; i++)
		if (!nsorted || sorted[nsorted - 1] != sorted[i])
			sorted[nsorted++] = sorted[i];
	for (uint64_t at = 0; at < text->size; at += TEXT_WINDOW) {
		uint64_t want = text->size - at, last_entry = 0, last_addr = 0;
		size_t len, scan;

		want = want > TEXT_WINDOW + TEXT_OVERLAP ? TEXT_WINDOW + TEXT_OVERLAP : want;
		len = (size_t)want;
		if (!ms_source_try_read(c->b->mem, text->addr + at, win, len))
			continue;
		/* an encoding starting in the overlap is the next window's */
		scan = len > TEXT_WINDOW ? TEXT_WINDOW : len;
		for (size_t i = 0; i < scan; i++) {
			uint64_t a = operand_at(c->b->arch, win, len, i, text->addr + at, true);
			struct ms_func_at fa;

			if (!a || !is_target(sorted, nsorted, a) ||
			    !ms_binary_func_at(c->b, text->addr + at + i, &fa) || !fa.entry ||
			    (fa.entry == last_entry && a == last_addr))
				continue;
			if (c->nusers == cap) {
				size_t ncap = cap ? 2 * cap : 256;
				struct user *nu = realloc(c->users, ncap * sizeof(*nu));

				if (!nu) {
					free(sorted);
					free(win);
					return &ms_error_nomem;
				}
				c->users = nu;
				cap = ncap;
			}
			c->users[c->nusers++] = (struct user){a, fa.entry};
			last_entry = fa.entry;
			last_addr = a;
		}
	}
	free(sorted);
	free(win);
	qsort(c->users, c->nusers, sizeof(*c->users), cmp_user);
	{
		size_t k = 0;

		for (size_t i = 0; i < c->nusers; i++)
			if (!k || c->users[k - 1].addr != c->users[i].addr ||
			    c->users[k - 1].entry != c->users[i].entry)
				c->users[k++] = c->users[i];
		c->nusers = k;
	}
	return NULL;
}

size_t ms_coderefs_users(const struct ms_coderefs *c, uint64_t addr, uint64_t *ret, size_t max)
{
	size_t lo = 0, hi = c->nusers, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->users[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < c->nusers && c->users[lo].addr == addr; lo++, n++)
		if (n < max)
			ret[n] = c->users[lo].entry;
	return n;
}
