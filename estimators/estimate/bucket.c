/* SPDX-License-Identifier: MIT */
/*
 * Classic bucket maps: runtime/map.go in Go 1.19-1.23 and map_noswiss.go in
 * 1.24/1.25 built with GOEXPERIMENT=noswissmap.
 *
 * The estimate replays the runtime's insert path (mapassign, hashGrow,
 * growWork, evacuate, newoverflow, makeBucketArray) on entry counts instead of
 * keys. With no deletes before the last insert, a chain of c entries fills
 * exactly ceil(c/8) buckets, and an entry's hash bits that the map has not
 * used yet are independent fair coins, so splitting a chain on evacuation is a
 * Binomial(c, 1/2) draw taken entry by entry. That makes each simulated run a
 * faithful sample of what the runtime does for one random hash seed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimator.h"

/* One bucket chain: entries and the overflow buckets hanging off it. */
struct chain {
	uint32_t count;
	uint16_t novf;
	uint16_t pre; /* bit i: overflow bucket i came from the preallocated tail */
};

struct array {
	struct chain *c;
	unsigned B;
	uint64_t nbuckets; /* allocated, including preallocated overflow */
	uint64_t prealloc_left;
	uint64_t ovf_used; /* overflow buckets in use: preallocated + separate */
	uint64_t sep_live; /* separately allocated overflow buckets still reachable */
	bool slice;        /* pointer-free: mapextra.overflow slice exists */
	uint64_t slice_len, slice_cap;
	bool single; /* B = 0 bucket from newobject, not an array */
};

struct sim {
	const struct ms_est_ctx *ctx;
	struct ms_rng rng;
	uint64_t bucket_bytes;
	bool bucket_ptrs;
	struct array cur, old;
	bool allocated, growing, same_size, extra;
	uint8_t *evacuated;
	uint64_t nevacuate, count, noverflow;
	uint64_t peak;
};

uint64_t ms_bucket_bytes(const struct ms_est_ctx *ctx)
{
	/* tophash [8]uint8; keys [8]K'; elems [8]V'; overflow *bmap: never padded */
	return MS_BUCKET_SLOTS + MS_BUCKET_SLOTS * (ctx->kslot_bytes + ctx->vslot_bytes) +
	       ctx->ptr_bytes;
}

/* makeBucketArray: 2^B buckets, plus 2^(B-4) and allocator rounding for B >= 4. */
uint64_t ms_bucket_array_len(const struct ms_est_ctx *ctx, unsigned B, uint64_t bucket_bytes,
                             bool ptrs)
{
	uint64_t nb = (uint64_t)1 << B;

	if (B >= 4) {
		uint64_t sz, up;

		nb += (uint64_t)1 << (B - 4);
		sz = nb * bucket_bytes;
		up = ms_alloc_roundup(ctx->go, ctx->arch, sz, ptrs);
		if (up != sz)
			nb = up / bucket_bytes;
	}
	return nb;
}

static struct ms_error *make_array(struct sim *s, unsigned B, struct array *ret)
{
	uint64_t base = (uint64_t)1 << B;
	uint64_t nb = ms_bucket_array_len(s->ctx, B, s->bucket_bytes, s->bucket_ptrs);
	struct array a = {.B = B};

	a.c = calloc(base, sizeof(*a.c));
	if (!a.c)
		return &ms_error_nomem;
	a.nbuckets = nb;
	a.prealloc_left = nb - base;
	*ret = a;
	return NULL;
}

static uint64_t array_total(const struct sim *s, const struct array *a)
{
	uint64_t t = ms_est_alloc(s->ctx, a->nbuckets * s->bucket_bytes, s->bucket_ptrs);
	uint64_t ptr = s->ctx->ptr_bytes;

	t += a->sep_live * ms_est_alloc(s->ctx, s->bucket_bytes, s->bucket_ptrs);
	if (a->slice) {
		t += ms_est_alloc(s->ctx, 3 * ptr, true);
		t += ms_est_alloc(s->ctx, a->slice_cap * ptr, true);
	}
	return t;
}

/* Bytes the map holds right now (garbage assumed collected). */
static uint64_t live_bytes(const struct sim *s)
{
	const struct ms_est_ctx *ctx = s->ctx;
	uint64_t t = ms_est_alloc(s->ctx, ms_go_hmap_bytes(ctx->go, ctx->arch), true);

	if (s->extra)
		t += ms_est_alloc(s->ctx, ms_go_mapextra_bytes(ctx->arch), true);
	if (s->allocated)
		t += array_total(s, &s->cur);
	if (s->growing)
		t += array_total(s, &s->old);
	t += s->count * (ctx->key_obj_bytes + ctx->elem_obj_bytes);
	return t;
}

static void note_peak(struct sim *s)
{
	uint64_t t = live_bytes(s);

	if (t > s->peak)
		s->peak = t;
}

static void new_overflow(struct sim *s, struct chain *ch)
{
	struct array *a = &s->cur;

	if (a->prealloc_left) {
		a->prealloc_left--;
		if (ch->novf < 16)
			ch->pre |= (uint16_t)(1u << ch->novf);
	} else {
		a->sep_live++;
	}
	ch->novf++;
	a->ovf_used++;
	s->noverflow += ms_classic_overflow_counts(s->cur.B, &s->rng);
	if (!s->bucket_ptrs) {
		/* createOverflow + append(*h.extra.overflow, ovf) */
		s->extra = true;
		a->slice = true;
		if (a->slice_len == a->slice_cap) {
			uint64_t cap = ms_go_next_slice_cap(a->slice_len + 1, a->slice_cap);
			uint64_t ptr = s->ctx->ptr_bytes;

			a->slice_cap =
			    ms_alloc_roundup(s->ctx->go, s->ctx->arch, cap * ptr, true) / ptr;
		}
		a->slice_len++;
	}
}

static void chain_add(struct sim *s, struct chain *ch)
{
	if (ch->count >= MS_BUCKET_SLOTS * (1u + ch->novf))
		new_overflow(s, ch);
	ch->count++;
}

/*
 * Separately allocated overflow buckets of an evacuated old chain that die: the
 * runtime clears the main bucket's overflow link (pointerful maps only), but a
 * preallocated overflow bucket inside the old array keeps its own link.
 */
static uint64_t dead_after_evacuation(const struct chain *ch)
{
	uint64_t dead = 0;
	bool prev_alive = false; /* the main bucket's link is cleared */

	for (unsigned i = 0; i < ch->novf; i++) {
		bool pre = i < 16 && (ch->pre >> i & 1);
		bool alive = pre || prev_alive;

		if (!pre && !alive)
			dead++;
		/* a preallocated bucket is alive (it is the array), and links on */
		prev_alive = pre || alive;
	}
	return dead;
}

static void finish_growth(struct sim *s)
{
	note_peak(s);
	free(s->old.c);
	free(s->evacuated);
	memset(&s->old, 0, sizeof(s->old));
	s->evacuated = NULL;
	s->growing = false;
	s->same_size = false;
}

static void evacuate(struct sim *s, uint64_t oldbucket)
{
	uint64_t oldn = (uint64_t)1 << s->old.B;

	if (!s->evacuated[oldbucket]) {
		struct chain *oc = &s->old.c[oldbucket];
		struct chain *x = &s->cur.c[oldbucket];
		struct chain *y = s->same_size ? x : &s->cur.c[oldbucket + oldn];
		uint64_t bits = 0;

		for (uint32_t i = 0; i < oc->count; i++) {
			if (i % 64 == 0)
				bits = ms_rng_next(&s->rng);
			chain_add(s, (bits >> (i % 64) & 1) ? y : x);
		}
		if (s->bucket_ptrs)
			s->old.sep_live -= dead_after_evacuation(oc);
		s->evacuated[oldbucket] = 1;
	}
	if (oldbucket == s->nevacuate) {
		/* advanceEvacuationMark looks ahead at most 1024 buckets */
		uint64_t stop = s->nevacuate + 1024;

		if (stop > oldn)
			stop = oldn;
		while (s->nevacuate != stop && s->evacuated[s->nevacuate])
			s->nevacuate++;
		if (s->nevacuate == oldn)
			finish_growth(s);
	}
}

static void grow_work(struct sim *s, uint64_t bucket)
{
	evacuate(s, bucket & (((uint64_t)1 << s->old.B) - 1));
	if (s->growing)
		evacuate(s, s->nevacuate);
}

static struct ms_error *hash_grow(struct sim *s)
{
	bool bigger = ms_go_classic_overloaded(s->ctx->go, s->count + 1, s->cur.B);
	struct ms_error *err;

	s->old = s->cur;
	s->evacuated = calloc((size_t)1 << s->old.B, 1);
	if (!s->evacuated)
		return &ms_error_nomem;
	err = make_array(s, s->old.B + bigger, &s->cur);
	if (err)
		return err;
	if (s->cur.prealloc_left)
		s->extra = true;
	s->growing = true;
	s->same_size = !bigger;
	s->nevacuate = 0;
	s->noverflow = 0;
	note_peak(s);
	return NULL;
}

static struct ms_error *insert(struct sim *s)
{
	uint64_t hash = ms_rng_next(&s->rng);
	struct ms_error *err;
	uint64_t b;

	if (!s->allocated) {
		/* h.buckets = newobject(t.bucket): cur already models that B = 0 bucket */
		s->cur.single = true;
		s->allocated = true;
	}
again:
	b = hash & (((uint64_t)1 << s->cur.B) - 1);
	if (s->growing)
		grow_work(s, b);
	if (!s->growing && (ms_go_classic_overloaded(s->ctx->go, s->count + 1, s->cur.B) ||
	                    ms_go_classic_too_many_overflow(s->noverflow, s->cur.B))) {
		err = hash_grow(s);
		if (err)
			return err;
		goto again;
	}
	chain_add(s, &s->cur.c[b]);
	s->count++;
	return NULL;
}

/*
 * Delete one uniformly chosen entry. Only matters while growth is in progress:
 * mapdelete calls growWork, which may finish the growth and free the old array.
 */
static void delete_one(struct sim *s, uint32_t wmax)
{
	uint64_t oldn = (uint64_t)1 << s->old.B, mask = ((uint64_t)1 << s->cur.B) - 1;

	for (;;) {
		uint64_t r = ms_rng_next(&s->rng), b = r & mask, o = b & (oldn - 1);
		/* accept with probability weight/wmax, where an unevacuated old chain's
		 * entries are shared by the two new buckets it splits into */
		bool same_size = s->same_size; /* evacuate() may end the growth */
		uint64_t scale = same_size ? 1 : 2;
		uint64_t draw = (r >> 40) % ((uint64_t)wmax * scale);

		if (!s->evacuated[o]) {
			if (draw >= s->old.c[o].count)
				continue;
			evacuate(s, o);
			if (!same_size) {
				uint64_t nx = s->cur.c[o].count, ny = s->cur.c[o + oldn].count;
				b = (ms_rng_next(&s->rng) % (nx + ny)) < nx ? o : o + oldn;
			} else {
				b = o;
			}
		} else if (draw >= s->cur.c[b].count * scale) {
			continue;
		}
		if (s->growing)
			evacuate(s, s->nevacuate);
		s->cur.c[b].count--;
		s->count--;
		return;
	}
}

static uint32_t max_chain(const struct sim *s)
{
	uint32_t m = 1;

	for (uint64_t i = 0; i < ((uint64_t)1 << s->cur.B); i++)
		m = s->cur.c[i].count > m ? s->cur.c[i].count : m;
	for (uint64_t i = 0; s->growing && i < ((uint64_t)1 << s->old.B); i++)
		m = s->old.c[i].count > m ? s->old.c[i].count : m;
	return m;
}

unsigned ms_bucket_hint_B(const struct ms_est_ctx *ctx, uint64_t hint, uint64_t bucket_size)
{
	uint64_t mem;
	unsigned B = 0;

	/* makemap: a hint whose buckets would overflow maxAlloc is ignored */
	if (!ms_mul_u64(hint, bucket_size, &mem) || mem > ms_go_max_alloc(ctx->arch))
		hint = 0;
	while (B < 62 && ms_go_classic_overloaded(ctx->go, hint, B))
		B++;
	return B;
}

static void describe(const struct ms_est_ctx *ctx, struct ms_estimate_shape *ret)
{
	ret->bucket_bytes = ms_bucket_bytes(ctx);
	ret->key_indirect = ctx->key_indirect;
	ret->elem_indirect = ctx->elem_indirect;
}

static bool seed_dependent(const struct ms_est_ctx *ctx)
{
	/* up to 8 entries never overflow a bucket, and B = 0 never grows */
	return ctx->params->len > MS_BUCKET_SLOTS;
}

static void tally(const struct sim *s, struct ms_tally *t)
{
	const struct ms_est_ctx *ctx = s->ctx;
	uint64_t ptr = ctx->ptr_bytes;

	ms_tally_alloc(t, ctx, ms_go_hmap_bytes(ctx->go, ctx->arch), true, MS_CORR_HEADERS, 1);
	if (s->extra)
		ms_tally_alloc(t, ctx, ms_go_mapextra_bytes(ctx->arch), true, MS_CORR_HEADERS, 1);
	if (s->allocated) {
		const struct array *a = &s->cur;
		uint64_t main = (uint64_t)1 << a->B;

		ms_tally_alloc(t, ctx, a->nbuckets * s->bucket_bytes, s->bucket_ptrs,
		               MS_CORR__COUNT, 1);
		t->corr[MS_CORR_TOPHASH] += (int64_t)(main * MS_BUCKET_SLOTS);
		t->corr[MS_CORR_OVF_PTRS] += (int64_t)(main * ptr);
		t->corr[MS_CORR_PREALLOC] += (int64_t)((a->nbuckets - main) * s->bucket_bytes);
		ms_tally_slots(t, ctx, main * MS_BUCKET_SLOTS);
		ms_tally_alloc(t, ctx, s->bucket_bytes, s->bucket_ptrs, MS_CORR_OVF_BUCKETS,
		               a->sep_live);
		if (a->slice) {
			ms_tally_alloc(t, ctx, 3 * ptr, true, MS_CORR_OVF_SLICE, 1);
			ms_tally_alloc(t, ctx, a->slice_cap * ptr, true, MS_CORR_OVF_SLICE, 1);
		}
		t->shape.B = a->B;
		t->shape.buckets = main;
		t->shape.prealloc_overflow = a->nbuckets - main;
		t->shape.overflow_buckets = (double)a->ovf_used;
		t->shape.capacity_slots = main * MS_BUCKET_SLOTS;
	} else {
		ms_tally_slots(t, ctx, 0);
		t->shape.B = s->cur.B;
		t->shape.buckets = (uint64_t)1 << s->cur.B;
	}
	if (s->growing) {
		uint64_t old = array_total(s, &s->old);

		t->corr[MS_CORR_GROWTH] += (int64_t)old;
		t->total_bytes += old;
		t->shape.growing_probability = 1;
	}
	ms_tally_out_of_line(t, ctx);
	t->peak_bytes = s->peak > t->total_bytes ? s->peak : t->total_bytes;
}

static struct ms_error *run(const struct ms_est_ctx *ctx, uint64_t seed, struct ms_tally *ret)
{
	struct sim s = {.ctx = ctx};
	struct ms_error *err = NULL;
	unsigned B;

	ms_rng_seed(&s.rng, seed);
	s.bucket_bytes = ms_bucket_bytes(ctx);
	s.bucket_ptrs = ctx->slot_has_pointers;
	B = ms_bucket_hint_B(ctx, ctx->params->has_hint ? ctx->params->hint : 0, s.bucket_bytes);
	err = make_array(&s, B, &s.cur);
	if (err)
		return err;
	if (B > 0) {
		s.allocated = true;
		s.extra = s.cur.prealloc_left > 0;
	}
	for (uint64_t i = 0; i < ctx->params->len && !err; i++)
		err = insert(&s);
	if (!err && s.growing && ctx->params->deleted) {
		uint32_t wmax = max_chain(&s);

		for (uint64_t i = 0; i < ctx->params->deleted && s.growing; i++)
			delete_one(&s, wmax);
	}
	s.count = ctx->live;
	if (!err) {
		note_peak(&s);
		tally(&s, ret);
	}
	free(s.cur.c);
	free(s.old.c);
	free(s.evacuated);
	return err;
}

/*
 * The analytic model. Without deletes before the last insert a chain of c
 * entries holds ceil(c/8) - 1 overflow buckets whatever the order, and the
 * entries of 2^B buckets are multinomial (Poisson(n/2^B) each); growth starts
 * at fixed counts; evacuation follows a fluid law (ms_evac_var_per_bucket). So
 * the final state is: B, overflow buckets in use (a normal around a Poisson
 * mean), and, inside a growth window, how far evacuation went.
 */

/* Set a's overflow bookkeeping for ovf buckets in use, none of them freed. */
static void array_set_overflow(const struct sim *s, struct array *a, uint64_t ovf, uint64_t dead)
{
	uint64_t pre = a->nbuckets - ((uint64_t)1 << a->B);

	a->ovf_used = ovf;
	a->prealloc_left = ovf < pre ? pre - ovf : 0;
	a->sep_live = ovf > pre ? ovf - pre - (dead < ovf - pre ? dead : ovf - pre) : 0;
	a->slice = !s->bucket_ptrs && ovf > 0;
	a->slice_len = a->slice_cap = 0;
	if (a->slice) {
		uint64_t ptr = s->ctx->ptr_bytes;

		/* appends one at a time: the capacity is the first of the sequence >= ovf */
		a->slice_len = ovf;
		while (a->slice_cap < ovf) {
			uint64_t cap = ms_go_next_slice_cap(a->slice_cap + 1, a->slice_cap);

			a->slice_cap =
			    ms_alloc_roundup(s->ctx->go, s->ctx->arch, cap * ptr, true) / ptr;
		}
	}
}

static void array_init(const struct sim *s, struct array *a, unsigned B)
{
	memset(a, 0, sizeof(*a));
	a->B = B;
	a->nbuckets = ms_bucket_array_len(s->ctx, B, s->bucket_bytes, s->bucket_ptrs);
}

static uint64_t round_count(double x)
{
	return x <= 0 ? 0 : (uint64_t)llround(x);
}

/* First count at which an insert starts growth from B (count+1 is overloaded). */
static uint64_t grow_trigger(const struct ms_est_ctx *ctx, unsigned B)
{
	uint64_t limit =
	    (uint64_t)ms_go_facts(ctx->go)->classic_load_num * (((uint64_t)1 << B) / 2);

	return limit > MS_BUCKET_SLOTS ? limit : MS_BUCKET_SLOTS;
}

/*
 * The live bytes while growth from B-1 to B starts (count n0, new array empty,
 * old array full) and, when finished, as it finishes (count nf, every old chain
 * evacuated: a pointerful map's separate overflow buckets are dead by then).
 */
static double growth_peak(const struct sim *s, unsigned B, uint64_t n0, double nf, bool finished)
{
	uint64_t N = (uint64_t)1 << (B - 1);
	struct ms_pois_moments m;
	struct sim f = *s;
	double peak;

	f.growing = true;
	array_init(s, &f.cur, B);
	array_init(s, &f.old, B - 1);
	ms_pois_moments((double)n0 / (double)N, MS_BUCKET_SLOTS, &m);
	array_set_overflow(s, &f.old, round_count((double)N * m.mean), 0);
	f.count = n0;
	peak = (double)live_bytes(&f);
	if (finished) {
		ms_pois_moments(nf / (double)(2 * N), MS_BUCKET_SLOTS, &m);
		array_set_overflow(s, &f.cur, round_count((double)(2 * N) * m.mean), 0);
		array_set_overflow(s, &f.old, f.old.ovf_used, s->bucket_ptrs ? UINT64_MAX : 0);
		f.count = (uint64_t)nf;
		if ((double)live_bytes(&f) > peak)
			peak = (double)live_bytes(&f);
	}
	return peak;
}

static struct ms_error *analytic(const struct ms_est_ctx *ctx, struct ms_tally *ret, double *ret_w,
                                 unsigned *ret_n)
{
	struct sim s = {.ctx = ctx, .allocated = true, .extra = true};
	uint64_t n = ctx->params->len, d = ctx->params->deleted, n0 = 0;
	unsigned B, k = 0;
	bool grew = false;
	double pgrow = 0, jvar = ms_evac_var_per_bucket(M_LN2);
	double x = 0, xe = 0, jdone = 0; /* this growth: x = inserts/N, xe with deletes */
	uint64_t N = 0;

	s.bucket_bytes = ms_bucket_bytes(ctx);
	s.bucket_ptrs = ctx->slot_has_pointers;
	B = ms_bucket_hint_B(ctx, ctx->params->has_hint ? ctx->params->hint : 0, s.bucket_bytes);
	/* growth steps: each ends about N ln 2 inserts after it starts */
	for (;;) {
		uint64_t trig = grow_trigger(ctx, B);
		double sd;

		if (n <= trig || B >= 62)
			break;
		N = (uint64_t)1 << B;
		n0 = trig;
		x = (double)(n - trig) / (double)N;
		xe = (double)(n - trig + d) / (double)N;
		sd = sqrt((double)N * jvar);
		pgrow = 1 - ms_normal_cdf(((double)(n - trig + d) - (double)N * M_LN2) /
		                          (sd > 0 ? sd : 1));
		jdone = (double)N * M_LN2;
		grew = true;
		B++;
		if (pgrow >= 1e-3)
			break;
		pgrow = 0;
	}
	if (pgrow > 1 - 1e-3)
		pgrow = 1;
	/* two branches: growth finished (or none) and growth in progress */
	for (int growing = 0; growing < 2; growing++) {
		double w = growing ? pgrow : 1 - pgrow, mean, var, peak_other = 0, evac = 1;
		double old_mean = 0, old_sd = 0;

		if (w <= 0)
			continue;
		if (!growing) {
			uint64_t nb = (uint64_t)1 << B;
			struct ms_pois_moments m;

			ms_pois_moments((double)n / (double)nb, MS_BUCKET_SLOTS, &m);
			mean = (double)nb * m.mean;
			var = (double)nb * m.var;
			if (grew)
				peak_other = growth_peak(&s, B, n0, (double)n0 + jdone, true);
		} else {
			/* N old buckets: a share swept by nevacuate, the others evacuated when
			 * hit; an evacuated one's halves hold its n0/N old keys and x new ones */
			double lam0 = (double)n0 / (double)N, swept = exp(xe) - 1, unevac;
			struct ms_pois_moments m1, m0, mo;

			if (swept > 1)
				swept = 1;
			ms_pois_moments((lam0 + x) / 2, MS_BUCKET_SLOTS, &m1);
			ms_pois_moments(lam0 / 2, MS_BUCKET_SLOTS, &m0);
			unevac = (1 - swept) * exp(-xe);
			evac = 1 - unevac;
			mean = (double)N * (2 * m1.mean - unevac * 2 * m0.mean);
			var = 2 * evac * (double)N * m1.var +
			      4 * m1.mean * m1.mean * (double)N * ms_evac_var_per_bucket(xe);
			ms_pois_moments(lam0, MS_BUCKET_SLOTS, &mo);
			old_mean = (double)N * mo.mean;
			old_sd = sqrt((double)N * mo.var);
			peak_other = growth_peak(&s, B, n0, (double)n0, false);
		}
		/* the old array's chains feed the new one's: one z for both */
		for (int z = 0; z < 3; z++) {
			struct sim o = s;

			array_init(&s, &o.cur, B);
			array_set_overflow(&s, &o.cur, round_count(mean + ms_gh3_z[z] * sqrt(var)),
			                   0);
			o.growing = growing;
			if (growing) {
				uint64_t oldovf = round_count(old_mean + ms_gh3_z[z] * old_sd), pre,
				         dead = 0;

				array_init(&s, &o.old, B - 1);
				pre = o.old.nbuckets - N;
				/* pointerful: an evacuated chain's separate overflow buckets die */
				if (s.bucket_ptrs && oldovf > pre) {
					double sep = (double)(oldovf - pre);

					dead = round_count(evac * sep -
					                   ms_gh3_z[z] *
					                       sqrt(sep * evac * (1 - evac)));
				}
				array_set_overflow(&s, &o.old, oldovf, dead);
			}
			o.count = ctx->live;
			o.peak = live_bytes(&o);
			if ((double)o.peak < peak_other)
				o.peak = (uint64_t)peak_other;
			tally(&o, &ret[k]);
			ret_w[k++] = w * ms_gh3_w[z];
		}
	}
	*ret_n = k;
	return NULL;
}

const struct ms_estimator ms_estimator_bucket = {
    .name = "bucket",
    .impl = MS_IMPL_CLASSIC,
    .describe = describe,
    .seed_dependent = seed_dependent,
    .run = run,
    .analytic = analytic,
};
