/* SPDX-License-Identifier: MIT */
/*
 * Swiss-table maps: internal/runtime/maps in Go 1.24 and later, with the
 * default interleaved group layout or 1.27's GOEXPERIMENT=mapsplitgroup.
 *
 * Without deletes a table's fill is just a count: it rehashes when used
 * reaches capacity*7/8, doubling up to 1024 slots and then splitting in two on
 * the next hash bit (Binomial(used, 1/2) per side). Which table a new key
 * lands in is its top hash bits, drawn at random, so each simulated run is a
 * sample of the runtime's behaviour for one hash seed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimator.h"

struct table {
	uint32_t used, cap;
	uint8_t depth;
	uint64_t index; /* first directory entry pointing here */
};

struct sim {
	const struct ms_est_ctx *ctx;
	struct ms_rng rng;
	uint64_t group_bytes;
	bool group_ptrs;
	bool small, group_alloc;
	uint64_t used;
	struct table *tables;
	size_t ntables, tables_cap;
	uint32_t *dir;
	uint64_t dir_len;
	unsigned depth;
	uint64_t tables_bytes; /* sum of table_total() over all tables, kept current */
	uint64_t peak;
};

static uint64_t align_up(uint64_t n, uint64_t a)
{
	return a ? (n + a - 1) / a * a : n;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* GroupSize and, for the interleaved layout, SlotSize (cmd/compile reflectdata/map.go). */
void ms_swiss_group_layout(const struct ms_est_ctx *ctx, uint64_t *ret_group, uint64_t *ret_slot)
{
	uint64_t k = ctx->kslot_bytes, v = ctx->vslot_bytes;
	uint64_t ka = ctx->kslot_align ? ctx->kslot_align : 1;
	uint64_t va = ctx->vslot_align ? ctx->vslot_align : 1;
	/* ctrl is a uint64: 8-aligned on 64-bit targets, 4-aligned on 32-bit ones */
	uint64_t ctrl_align = ctx->ptr_bytes;
	uint64_t galign = max_u64(ctrl_align, max_u64(ka, va));
	uint64_t group, slot = 0;

	if (ms_go_map_impl(ctx->go) == MS_IMPL_SWISS_SPLIT) {
		/* { ctrl uint64; keys [8]K'; elems [8]V' } */
		uint64_t elems = align_up(8 + MS_GROUP_SLOTS * k, va);

		group = elems + MS_GROUP_SLOTS * v;
		if (v == 0) /* a nonzero-size struct ending in a zero-size field: +1 */
			group++;
	} else {
		/* { ctrl uint64; slots [8]struct{ key K'; elem V' } } */
		slot = align_up(k, va) + v;
		if (v == 0 && slot > 0)
			slot++;
		slot = align_up(slot, max_u64(ka, va));
		group = 8 + MS_GROUP_SLOTS * slot;
		if (slot == 0)
			group++;
	}
	*ret_group = align_up(group, galign);
	*ret_slot = slot;
}

static uint64_t limit(uint32_t cap)
{
	/* maxAvgGroupLoad 7/8; a one-group table keeps one slot empty */
	return cap <= MS_GROUP_SLOTS ? cap - 1 : (uint64_t)cap * 7 / 8;
}

static uint64_t pow2_at_least(uint64_t n)
{
	uint64_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* NewMap: the directory and tables a hint asks for; false if the hint is ignored. */
bool ms_swiss_hint_layout(const struct ms_est_ctx *ctx, uint64_t hint, uint64_t group_bytes,
                          uint64_t *ret_dir, uint64_t *ret_cap)
{
	uint64_t target, dir, mem;

	if (hint <= MS_GROUP_SLOTS)
		return false;
	if (!ms_mul_u64(hint, MS_GROUP_SLOTS, &target))
		return false;
	target /= 7;
	dir = pow2_at_least((target + MS_MAX_TABLE_SLOTS - 1) / MS_MAX_TABLE_SLOTS);
	if (!ms_mul_u64(dir, MS_MAX_TABLE_SLOTS, &mem) || !ms_mul_u64(mem, group_bytes, &mem) ||
	    mem > ms_go_max_alloc(ctx->arch))
		return false;
	*ret_dir = dir;
	*ret_cap = pow2_at_least(max_u64(target / dir, MS_GROUP_SLOTS));
	return true;
}

static uint64_t table_total(const struct sim *s, uint64_t cap)
{
	return ms_swiss_table_alloc(s->ctx, cap, s->group_bytes, s->group_ptrs);
}

static uint64_t live_bytes(const struct sim *s)
{
	const struct ms_est_ctx *ctx = s->ctx;
	uint64_t t = ms_est_alloc(s->ctx, ms_go_swiss_map_bytes(ctx->arch), true);

	if (s->small) {
		if (s->group_alloc)
			t += ms_est_alloc(s->ctx, s->group_bytes, s->group_ptrs);
	} else {
		t += ms_est_alloc(s->ctx, s->dir_len * ctx->ptr_bytes, true);
		t += s->tables_bytes;
	}
	return t + s->used * (ctx->key_obj_bytes + ctx->elem_obj_bytes);
}

static void note_peak(struct sim *s, uint64_t extra)
{
	uint64_t t = live_bytes(s) + extra;

	if (t > s->peak)
		s->peak = t;
}

static struct ms_error *add_table(struct sim *s, uint32_t cap, uint8_t depth, uint64_t index,
                                  size_t *ret)
{
	if (s->ntables == s->tables_cap) {
		size_t n = s->tables_cap ? 2 * s->tables_cap : 16;
		struct table *t = realloc(s->tables, n * sizeof(*t));

		if (!t)
			return &ms_error_nomem;
		s->tables = t;
		s->tables_cap = n;
	}
	s->tables[s->ntables] = (struct table){0, cap, depth, index};
	s->tables_bytes += table_total(s, cap);
	*ret = s->ntables++;
	return NULL;
}

static struct ms_error *set_dir(struct sim *s, uint64_t len)
{
	uint32_t *d = calloc(len, sizeof(*d));

	if (!d)
		return &ms_error_nomem;
	free(s->dir);
	s->dir = d;
	s->dir_len = len;
	return NULL;
}

/* installTableSplit: double the directory if needed, then point it at both halves. */
static struct ms_error *split(struct sim *s, uint32_t ti)
{
	struct table *t = &s->tables[ti];
	uint64_t left_used = ms_rng_binomial_half(&s->rng, t->used), entries;
	uint8_t depth = t->depth;
	size_t ri;
	struct ms_error *err;

	note_peak(s, 2 * table_total(s, MS_MAX_TABLE_SLOTS) +
	                 (depth == s->depth
	                      ? ms_est_alloc(s->ctx, 2 * s->dir_len * s->ctx->ptr_bytes, true)
	                      : 0));
	if (depth == s->depth) {
		uint32_t *old = s->dir;
		uint64_t n = s->dir_len;

		s->dir = NULL;
		err = set_dir(s, 2 * n);
		if (err) {
			s->dir = old;
			return err;
		}
		for (uint64_t i = 0; i < n; i++)
			s->dir[2 * i] = s->dir[2 * i + 1] = old[i];
		free(old);
		for (size_t i = 0; i < s->ntables; i++)
			s->tables[i].index *= 2;
		s->depth++;
	}
	err = add_table(s, MS_MAX_TABLE_SLOTS, (uint8_t)(depth + 1), 0, &ri);
	if (err)
		return err;
	t = &s->tables[ti]; /* add_table may move the array */
	entries = (uint64_t)1 << (s->depth - depth - 1);
	s->tables[ri].index = t->index + entries;
	s->tables[ri].used = (uint32_t)(t->used - left_used);
	t->used = (uint32_t)left_used;
	s->tables_bytes += table_total(s, MS_MAX_TABLE_SLOTS) - table_total(s, t->cap);
	t->cap = MS_MAX_TABLE_SLOTS;
	t->depth = (uint8_t)(depth + 1);
	for (uint64_t i = 0; i < entries; i++)
		s->dir[s->tables[ri].index + i] = (uint32_t)ri;
	return NULL;
}

static struct ms_error *grow_to_table(struct sim *s)
{
	size_t ti;
	struct ms_error *err;

	note_peak(s, table_total(s, 2 * MS_GROUP_SLOTS) +
	                 ms_est_alloc(s->ctx, s->ctx->ptr_bytes, true));
	err = add_table(s, 2 * MS_GROUP_SLOTS, 0, 0, &ti);
	if (err)
		return err;
	err = set_dir(s, 1);
	if (err)
		return err;
	s->tables[ti].used = (uint32_t)s->used;
	s->small = false;
	s->depth = 0;
	return NULL;
}

static struct ms_error *insert(struct sim *s)
{
	uint64_t hash = ms_rng_next(&s->rng);
	struct ms_error *err;

	if (s->small) {
		if (!s->group_alloc) {
			s->group_alloc = true;
			note_peak(s, 0);
		}
		if (s->used < MS_GROUP_SLOTS) {
			s->used++;
			return NULL;
		}
		err = grow_to_table(s);
		if (err)
			return err;
	}
	for (;;) {
		uint64_t idx = s->depth ? hash >> (64 - s->depth) : 0;
		uint32_t ti = s->dir[idx];
		struct table *t = &s->tables[ti];

		if (t->used < limit(t->cap)) {
			t->used++;
			s->used++;
			return NULL;
		}
		if (t->cap * 2 <= MS_MAX_TABLE_SLOTS) {
			note_peak(s, table_total(s, t->cap * 2));
			s->tables_bytes += table_total(s, t->cap * 2) - table_total(s, t->cap);
			t->cap *= 2;
		} else {
			err = split(s, ti);
			if (err)
				return err;
		}
	}
}

static void describe(const struct ms_est_ctx *ctx, struct ms_estimate_shape *ret)
{
	ms_swiss_group_layout(ctx, &ret->group_bytes, &ret->slot_bytes);
	ret->key_indirect = ctx->key_indirect;
	ret->elem_indirect = ctx->elem_indirect;
}

static bool seed_dependent(const struct ms_est_ctx *ctx)
{
	uint64_t group, slot, dir, cap;

	ms_swiss_group_layout(ctx, &group, &slot);
	if (ms_swiss_hint_layout(ctx, ctx->params->has_hint ? ctx->params->hint : 0, group, &dir,
	                         &cap) &&
	    dir > 1)
		return ctx->params->len > limit((uint32_t)cap);
	/* one table never splits below 897 entries */
	return ctx->params->len > limit(MS_MAX_TABLE_SLOTS);
}

/* count allocations of ngroups groups each */
static void tally_groups(struct ms_tally *t, const struct sim *s, uint64_t ngroups, uint64_t count)
{
	const struct ms_est_ctx *ctx = s->ctx;
	uint64_t kv = MS_GROUP_SLOTS * (ctx->kslot_bytes + ctx->vslot_bytes);

	ms_tally_alloc(t, ctx, ngroups * s->group_bytes, s->group_ptrs, MS_CORR__COUNT, count);
	t->corr[MS_CORR_CONTROL] += (int64_t)(count * ngroups * 8);
	t->corr[MS_CORR_PADDING] += (int64_t)(count * ngroups * (s->group_bytes - 8 - kv));
}

/* count tables of cap slots each: their structs and group arrays */
static void tally_tables(struct ms_tally *t, const struct sim *s, uint64_t cap, uint64_t count)
{
	ms_tally_alloc(t, s->ctx, ms_go_swiss_table_bytes(s->ctx->arch), true, MS_CORR_HEADERS,
	               count);
	tally_groups(t, s, cap / MS_GROUP_SLOTS, count);
}

static void tally_finish(const struct sim *s, struct ms_tally *t, uint64_t slots, uint64_t groups)
{
	ms_tally_slots(t, s->ctx, slots);
	ms_tally_out_of_line(t, s->ctx);
	t->shape.small = s->small;
	t->shape.dir_len = (double)s->dir_len;
	t->shape.groups = (double)groups;
	t->shape.capacity_slots = slots;
	t->peak_bytes = s->peak > t->total_bytes ? s->peak : t->total_bytes;
}

static void tally(const struct sim *s, struct ms_tally *t)
{
	const struct ms_est_ctx *ctx = s->ctx;
	uint64_t slots = 0, groups = 0;

	ms_tally_alloc(t, ctx, ms_go_swiss_map_bytes(ctx->arch), true, MS_CORR_HEADERS, 1);
	if (s->small) {
		if (s->group_alloc) {
			tally_groups(t, s, 1, 1);
			slots = MS_GROUP_SLOTS;
			groups = 1;
		}
	} else {
		ms_tally_alloc(t, ctx, s->dir_len * ctx->ptr_bytes, true, MS_CORR_DIRECTORY, 1);
		for (size_t i = 0; i < s->ntables; i++) {
			tally_tables(t, s, s->tables[i].cap, 1);
			groups += s->tables[i].cap / MS_GROUP_SLOTS;
			slots += s->tables[i].cap;
		}
	}
	t->shape.tables = (double)s->ntables;
	tally_finish(s, t, slots, groups);
}

static struct ms_error *run(const struct ms_est_ctx *ctx, uint64_t seed, struct ms_tally *ret)
{
	struct sim s = {.ctx = ctx, .small = true};
	struct ms_error *err = NULL;
	uint64_t slot, dir, cap;

	ms_rng_seed(&s.rng, seed);
	ms_swiss_group_layout(ctx, &s.group_bytes, &slot);
	s.group_ptrs = ctx->slot_has_pointers;
	if (ms_swiss_hint_layout(ctx, ctx->params->has_hint ? ctx->params->hint : 0, s.group_bytes,
	                         &dir, &cap)) {
		err = set_dir(&s, dir);
		for (uint64_t i = 0; i < dir && !err; i++) {
			size_t ti;

			err = add_table(&s, (uint32_t)cap, 0, i, &ti);
			if (!err)
				s.dir[i] = (uint32_t)ti;
		}
		s.small = false;
		while (((uint64_t)1 << s.depth) < dir)
			s.depth++;
		for (size_t i = 0; i < s.ntables; i++)
			s.tables[i].depth = (uint8_t)s.depth;
	}
	for (uint64_t i = 0; i < ctx->params->len && !err; i++)
		err = insert(&s);
	s.used = ctx->live; /* deletes free only out-of-line keys and values */
	if (!err) {
		note_peak(&s, 0);
		tally(&s, ret);
	}
	free(s.tables);
	free(s.dir);
	return err;
}

/*
 * The analytic model. A table splits when its 897th entry arrives, and its
 * halves split on the next hash bit, so at the end a hash prefix of depth d is
 * a split (internal) node exactly when at least 897 keys share it: a node's
 * count is Binomial(len, 2^-d). Tables are the leaves, the directory 2^D for
 * the deepest leaf. Unsplit tables of the first level keep the capacity their
 * own count grew them to.
 */
#define SPLIT_AT 896 /* limit(MS_MAX_TABLE_SLOTS): a table splits above this */

static struct ms_error *analytic(const struct ms_est_ctx *ctx, struct ms_tally *ret, double *ret_w,
                                 unsigned *ret_n)
{
	struct sim s = {.ctx = ctx};
	double n = (double)ctx->params->len, ntab, var = 0, dvar = 0, deriv = 0;
	double caps[12] = {0}, pd[65] = {0}, dprob[65], pmax = 0;
	uint64_t slot, dir0 = 1, cap0 = 2 * MS_GROUP_SLOTS;
	unsigned d0 = 0, k = 0, dmax = 64;

	ms_swiss_group_layout(ctx, &s.group_bytes, &slot);
	s.group_ptrs = ctx->slot_has_pointers;
	if (!ms_swiss_hint_layout(ctx, ctx->params->has_hint ? ctx->params->hint : 0, s.group_bytes,
	                          &dir0, &cap0)) {
		dir0 = 1;
		cap0 = 2 * MS_GROUP_SLOTS;
	}
	while (((uint64_t)1 << d0) < dir0)
		d0++;
	/* internal nodes by depth: E = sum 2^d p_d */
	ntab = (double)dir0;
	for (unsigned d = d0; d <= 64; d++) {
		double nodes = ldexp(1, (int)d),
		       p = ms_binom_tail_gt(n, ldexp(1, -(int)d), SPLIT_AT);

		pd[d] = p;
		ntab += nodes * p;
		var += nodes * p * (1 - p);
		deriv += ms_binom_pmf(n, ldexp(1, -(int)d), SPLIT_AT);
		if (n * ldexp(1, -(int)d) < SPLIT_AT && nodes * p < 1e-12) {
			dmax = d;
			break;
		}
	}
	/* a node and each descendant: Cov = P(descendant splits) (1 - P(node splits)) */
	for (unsigned d = d0; d < dmax; d++)
		for (unsigned e = d + 1; e <= dmax; e++)
			dvar += ldexp(1, (int)e) * pd[e] * (1 - pd[d]);
	var += 2 * dvar - n * deriv * deriv; /* Poissonized, then len fixed */
	if (var < 0)
		var = 0;
	/* unsplit first-level tables: capacity from their own count */
	{
		double q = ldexp(1, -(int)d0);
		unsigned ci = 0;
		uint64_t cap = cap0, lo = 0;

		for (; cap < MS_MAX_TABLE_SLOTS; cap *= 2, ci++) {
			double p = 0;

			for (uint64_t c = lo; c <= limit((uint32_t)cap) && (double)c <= n; c++)
				p += ms_binom_pmf(n, q, c);
			caps[ci] = (double)dir0 * p;
			lo = limit((uint32_t)cap) + 1;
		}
	}
	/* the directory: P(D <= m) = P(no node of depth m splits) */
	for (unsigned m = d0; m <= dmax; m++) {
		double le = exp(ldexp(1, (int)m) * log1p(-pd[m]));
		double below = m > d0 ? exp(ldexp(1, (int)(m - 1)) * log1p(-pd[m - 1])) : 0;

		if (m > d0 && pd[m - 1] >= 1)
			below = 0;
		dprob[m] = (pd[m] >= 1 ? 0 : le) - below;
		if (dprob[m] > pmax)
			pmax = dprob[m];
	}
	s.small = false;
	for (unsigned m = d0; m <= dmax; m++) {
		double wsum = 0;

		if (dprob[m] < 1e-3 * pmax)
			continue;
		for (unsigned j = d0; j <= dmax; j++)
			wsum += dprob[j] >= 1e-3 * pmax ? dprob[j] : 0;
		for (int z = 0; z < 3 && k < MS_EST_MAX_OUTCOMES; z++) {
			struct ms_tally *t = &ret[k];
			uint64_t total = (uint64_t)llround(ntab + ms_gh3_z[z] * sqrt(var)),
			         rest = total;
			uint64_t slots = 0, groups = 0, cap = cap0;
			uint64_t top = MS_MAX_TABLE_SLOTS, tbytes;

			ms_tally_alloc(t, ctx, ms_go_swiss_map_bytes(ctx->arch), true,
			               MS_CORR_HEADERS, 1);
			s.dir_len = (uint64_t)1 << m;
			ms_tally_alloc(t, ctx, s.dir_len * ctx->ptr_bytes, true, MS_CORR_DIRECTORY,
			               1);
			for (unsigned ci = 0; cap < MS_MAX_TABLE_SLOTS; cap *= 2, ci++) {
				uint64_t c = (uint64_t)llround(caps[ci]);

				c = c < rest ? c : rest;
				tally_tables(t, &s, cap, c);
				rest -= c;
				slots += c * cap;
				groups += c * cap / MS_GROUP_SLOTS;
			}
			tally_tables(t, &s, top, rest);
			slots += rest * top;
			groups += rest * top / MS_GROUP_SLOTS;
			/* the peak: a split's two new tables beside the old one, a directory
			 * doubling beside the old directory */
			tbytes = table_total(&s, MS_MAX_TABLE_SLOTS);
			s.peak = 0;
			t->shape.tables = (double)total;
			tally_finish(&s, t, slots, groups);
			t->peak_bytes =
			    t->total_bytes + (n > SPLIT_AT ? tbytes : 0) +
			    (m > d0 ? ms_est_alloc(ctx, (s.dir_len / 2) * ctx->ptr_bytes, true)
			            : 0);
			ret_w[k++] = dprob[m] / wsum * ms_gh3_w[z];
		}
	}
	*ret_n = k;
	return NULL;
}

const struct ms_estimator ms_estimator_swiss = {
    .name = "swiss",
    .impl = MS_IMPL_SWISS,
    .describe = describe,
    .seed_dependent = seed_dependent,
    .run = run,
    .analytic = analytic,
};
