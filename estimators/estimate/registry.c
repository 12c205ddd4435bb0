/* SPDX-License-Identifier: MIT */
/*
 * The estimator table, and the one place that turns per-seed outcomes into an
 * estimate: the naive formula plus named corrections that add up exactly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimator.h"

static const struct ms_estimator *const estimators[MS_IMPL__COUNT] = {
    [MS_IMPL_CLASSIC] = &ms_estimator_bucket,
    [MS_IMPL_SWISS] = &ms_estimator_swiss,
    [MS_IMPL_SWISS_SPLIT] = &ms_estimator_swiss,
};

const struct ms_corr_info ms_corr_info[MS_CORR__COUNT] = {
    [MS_CORR_TOPHASH] = {"tophash-bytes", "8 tophash bytes per bucket of the real 2^B buckets"},
    [MS_CORR_CONTROL] = {"control-bytes", "an 8-byte control word per group instead of tophash"},
    [MS_CORR_PADDING] = {"kv-padding", "padding between keys and values inside slots and groups"},
    [MS_CORR_EMPTY] = {"empty-slots", "slots allocated but never filled (load limit, sizing)"},
    [MS_CORR_DELETED] = {"deleted-slots", "slots of deleted entries: maps never shrink"},
    [MS_CORR_OVF_PTRS] = {"overflow-pointers", "the overflow pointer at the end of each bucket"},
    [MS_CORR_OOL_KEYS] = {"indirect-keys",
                          "keys over 128 bytes: a pointer in the slot plus an object each"},
    [MS_CORR_OOL_ELEMS] = {"indirect-values",
                           "values over 128 bytes: a pointer in the slot plus an object each"},
    [MS_CORR_PREALLOC] = {"preallocated-overflow",
                          "overflow buckets allocated with the array (B >= 4, rounding)"},
    [MS_CORR_OVF_BUCKETS] = {"overflow-buckets",
                             "overflow buckets allocated one by one for colliding hashes"},
    [MS_CORR_OVF_SLICE] = {"overflow-slice",
                           "pointer-free maps keep overflow buckets alive through a slice"},
    [MS_CORR_GROWTH] = {"growth-copy",
                        "the old bucket array still held while growth is in progress"},
    [MS_CORR_HEADERS] = {"header-structs", "map header, mapextra and table structs"},
    [MS_CORR_DIRECTORY] = {"directory", "the directory of table pointers"},
    [MS_CORR_ROUNDING] = {"size-class-rounding", "allocator size classes and page rounding"},
    [MS_CORR_MALLOC_HDR] = {"malloc-headers",
                            "8-byte type header of pointerful objects over 512 bytes (1.22+)"},
};

/* Which corrections each implementation reports (a stable set, zeros included). */
static bool corr_applies(enum ms_map_impl impl, enum ms_corr c)
{
	switch (c) {
	case MS_CORR_TOPHASH:
	case MS_CORR_OVF_PTRS:
	case MS_CORR_PREALLOC:
	case MS_CORR_OVF_BUCKETS:
	case MS_CORR_OVF_SLICE:
	case MS_CORR_GROWTH:
		return impl == MS_IMPL_CLASSIC;
	case MS_CORR_CONTROL:
	case MS_CORR_PADDING:
	case MS_CORR_DIRECTORY:
		return impl != MS_IMPL_CLASSIC;
	default:
		return true;
	}
}

static unsigned auto_seeds(uint64_t len)
{
	uint64_t n = len ? ((uint64_t)1 << 25) / len : 128;
	uint64_t min = len <= ((uint64_t)1 << 20) ? 24 : len <= ((uint64_t)1 << 22) ? 4 : 2;

	if (n < min)
		n = min;
	if (n > 128)
		n = 128;
	return (unsigned)n;
}

/* Weighted outcomes (simulated seeds or the analytic model's) turned into an estimate. */
struct accum {
	double w, sum[MS_CORR__COUNT], tot_sum, tot_sq, peak_sum, cap_sum;
	uint64_t lo, hi, peak_lo, peak_hi;
	unsigned n;
	struct ms_estimate_shape shape_sum;
};

static void add_shape(struct accum *a, const struct ms_estimate_shape *s, double w)
{
	struct ms_estimate_shape *sum = &a->shape_sum;

	sum->overflow_buckets += w * s->overflow_buckets;
	sum->growing_probability += w * s->growing_probability;
	sum->tables += w * s->tables;
	sum->dir_len += w * s->dir_len;
	sum->groups += w * s->groups;
	a->cap_sum += w * (double)s->capacity_slots;
}

static struct ms_error *accumulate(struct accum *a, const struct ms_estimator *e,
                                   const struct ms_est_ctx *ctx, const struct ms_estimate *est,
                                   struct ms_tally *t, double w)
{
	int64_t check;

	if (e->impl == MS_IMPL_CLASSIC)
		t->corr[MS_CORR_TOPHASH] -= (int64_t)ctx->naive_tophash_bytes;
	else
		t->corr[MS_CORR_CONTROL] -= (int64_t)ctx->naive_tophash_bytes;
	check = (int64_t)est->naive_bytes;
	for (int c = 0; c < MS_CORR__COUNT; c++) {
		check += t->corr[c];
		a->sum[c] += w * (double)t->corr[c];
	}
	if (check != (int64_t)t->total_bytes)
		return ms_error_create(
		    MS_ERR_INTERNAL,
		    "%s estimator: corrections add up to %lld, allocations to %llu", e->name,
		    (long long)check, (unsigned long long)t->total_bytes);
	a->w += w;
	a->n++;
	a->tot_sum += w * (double)t->total_bytes;
	a->tot_sq += w * (double)t->total_bytes * (double)t->total_bytes;
	a->peak_sum += w * (double)t->peak_bytes;
	a->peak_lo = t->peak_bytes < a->peak_lo ? t->peak_bytes : a->peak_lo;
	a->peak_hi = t->peak_bytes > a->peak_hi ? t->peak_bytes : a->peak_hi;
	a->lo = t->total_bytes < a->lo ? t->total_bytes : a->lo;
	a->hi = t->total_bytes > a->hi ? t->total_bytes : a->hi;
	add_shape(a, &t->shape, w);
	return NULL;
}

/* Simulate when asked, or when the analytic model is unavailable or not accurate
 * enough: under MS_ANALYTIC_MIN_LEN entries (small B, discrete growth steps), unless
 * asked for it; a small seed-independent estimate is one quick exact run. */
static bool use_analytic(const struct ms_estimator *e, const struct ms_estimate_params *params,
                         bool exact)
{
	if (!e->analytic || params->model == MS_MODEL_SIMULATED)
		return false;
	if (params->len >= MS_ANALYTIC_MIN_LEN)
		return true;
	return params->model == MS_MODEL_ANALYTIC && !exact;
}

static struct ms_error *run_outcomes(const struct ms_estimator *e, const struct ms_est_ctx *ctx,
                                     struct ms_estimate *est, struct accum *a,
                                     struct ms_tally *last)
{
	const struct ms_estimate_params *params = ctx->params;
	struct ms_error *err;

	if (use_analytic(e, params, est->exact)) {
		struct ms_tally t[MS_EST_MAX_OUTCOMES];
		double w[MS_EST_MAX_OUTCOMES];
		unsigned n = 0;

		memset(t, 0, sizeof(t));
		for (unsigned i = 0; i < MS_EST_MAX_OUTCOMES; i++)
			t[i].shape = est->shape;
		err = e->analytic(ctx, t, w, &n);
		if (err)
			return err; /* cppcheck-suppress returnDanglingLifetime */
		for (unsigned i = 0; i < n; i++) {
			err = accumulate(a, e, ctx, est, &t[i], w[i]);
			if (err)
				return err;
		}
		*last = t[0];
		est->model = MS_MODEL_ANALYTIC;
		return NULL;
	}
	if (params->len > MS_MAX_SIM_LEN)
		return ms_error_create(
		    MS_ERR_USAGE, "len %llu is over the 2^32 entries a simulated estimate runs",
		    (unsigned long long)params->len);
	est->model = MS_MODEL_SIMULATED;
	est->nseeds = 1;
	if (!est->exact)
		est->nseeds = params->nseeds ? params->nseeds : auto_seeds(params->len);
	for (unsigned s = 0; s < est->nseeds; s++) {
		memset(last, 0, sizeof(*last));
		last->shape = est->shape;
		err = e->run(ctx, params->seed * 1000003u + s, last);
		/* errors are heap or static objects, never ctx or t */
		if (err)
			return err; /* cppcheck-suppress returnDanglingLifetime */
		err = accumulate(a, e, ctx, est, last, 1.0 / est->nseeds);
		if (err)
			return err;
	}
	return NULL;
}

struct ms_error *ms_estimate(const struct ms_map_type *type, const struct ms_go_version *v,
                             enum ms_arch arch, const struct ms_estimate_params *params,
                             struct ms_estimate *ret)
{
	struct ms_est_ctx ctx;
	struct ms_estimate est;
	const struct ms_estimator *e;
	struct ms_tally t;
	struct accum a = {.lo = UINT64_MAX, .peak_lo = UINT64_MAX};
	struct ms_error *err;
	double mean, var, sd;

	if (!ms_go_facts(v) || !ms_arch_info(arch))
		return ms_error_create(MS_ERR_UNSUPPORTED, "unsupported Go version or arch");
	if (params->deleted > params->len)
		return ms_error_create(MS_ERR_USAGE, "cannot delete %llu of %llu entries",
		                       (unsigned long long)params->deleted,
		                       (unsigned long long)params->len);
	if (params->len > MS_MAX_ESTIMATE_LEN)
		return ms_error_create(MS_ERR_USAGE, "len %llu is over the supported 2^40",
		                       (unsigned long long)params->len);
	memset(&est, 0, sizeof(est));
	ms_est_ctx_init(&ctx, type, v, arch, params);
	est.go = *v;
	est.arch = arch;
	est.impl = ms_go_map_impl(v);
	est.len = ctx.live;
	ms_naive(type, ctx.live, &est.naive_bytes, &est.naive_buckets);
	est.live_kv_bytes = ctx.live * (type->key.size_bytes + type->elem.size_bytes);
	e = estimators[est.impl];
	e->describe(&ctx, &est.shape);
	est.exact = !e->seed_dependent(&ctx);
	err = run_outcomes(e, &ctx, &est, &a, &t);
	if (err)
		return err;
	/* Expected corrections, rounded each; the total is their exact sum. */
	est.total_bytes = est.naive_bytes;
	for (int c = 0; c < MS_CORR__COUNT; c++) {
		struct ms_correction *corr;
		int64_t bytes = (int64_t)llround(a.sum[c] / a.w);

		if (!corr_applies(est.impl, (enum ms_corr)c))
			continue;
		corr = &est.corrections[est.ncorrections++];
		corr->id = ms_corr_info[c].id;
		corr->reason = ms_corr_info[c].reason;
		corr->bytes = bytes;
		est.total_bytes = (uint64_t)((int64_t)est.total_bytes + bytes);
	}
	mean = a.tot_sum / a.w;
	var = a.tot_sq / a.w - mean * mean;
	if (est.model == MS_MODEL_SIMULATED && a.n > 1)
		var *= (double)a.n / (a.n - 1);
	sd = var > 0 ? sqrt(var) : 0;
	if (a.n > 1 && a.lo != a.hi) {
		double l = mean - 3 * sd, h = mean + 3 * sd;

		/* The sampled range, widened towards mean -/+ 3 sd by at most one sd. */
		if (l < (double)a.lo - sd)
			l = (double)a.lo - sd;
		if (h > (double)a.hi + sd)
			h = (double)a.hi + sd;
		est.total_low_bytes = l < (double)a.lo ? (uint64_t)(l < 0 ? 0 : l) : a.lo;
		est.total_high_bytes = h > (double)a.hi ? (uint64_t)ceil(h) : a.hi;
		est.total_max_bytes = a.hi;
		est.total_sd_bytes = (uint64_t)ceil(sd);
		if (est.total_low_bytes > est.total_bytes)
			est.total_low_bytes = est.total_bytes;
		if (est.total_high_bytes < est.total_bytes)
			est.total_high_bytes = est.total_bytes;
	} else {
		est.total_low_bytes = est.total_high_bytes = est.total_bytes;
		est.total_max_bytes = est.total_bytes;
	}
	if (est.model == MS_MODEL_ANALYTIC || a.n < 2)
		est.nseeds = 0; /* no seeds behind it, or one deterministic run */
	est.peak_bytes = (uint64_t)llround(a.peak_sum / a.w);
	/* the peaks seeds (or the analytic model's outcomes) gave, around the expectation */
	est.peak_low_bytes = a.peak_lo < est.peak_bytes ? a.peak_lo : est.peak_bytes;
	est.peak_high_bytes = a.peak_hi > est.peak_bytes ? a.peak_hi : est.peak_bytes;
	est.payload_bytes = (uint64_t)llround(
	    (double)ctx.live *
	    (ms_alloc_average(v, arch, params->key_payload_bytes, params->key_payload_pointers) +
	     ms_alloc_average(v, arch, params->elem_payload_bytes, params->elem_payload_pointers)));
	/* B, bucket and group geometry and small-map form never depend on the seed */
	est.shape.B = t.shape.B;
	est.shape.buckets = t.shape.buckets;
	est.shape.prealloc_overflow = t.shape.prealloc_overflow;
	est.shape.small = t.shape.small;
	est.shape.overflow_buckets = a.shape_sum.overflow_buckets / a.w;
	est.shape.growing_probability = a.shape_sum.growing_probability / a.w;
	est.shape.tables = a.shape_sum.tables / a.w;
	est.shape.dir_len = a.shape_sum.dir_len / a.w;
	est.shape.groups = a.shape_sum.groups / a.w;
	est.shape.capacity_slots = (uint64_t)llround(a.cap_sum / a.w);
	*ret = est;
	return NULL;
}

struct ms_error *ms_estimate_capacity(const struct ms_map_type *type, const struct ms_go_version *v,
                                      enum ms_arch arch, const struct ms_estimate_params *params,
                                      uint64_t budget_bytes, uint64_t *ret_len)
{
	struct ms_estimate_params p = *params;
	struct ms_estimate est;
	struct ms_error *err;
	uint64_t lo = 0, hi = 1;

	p.deleted = 0;
	p.has_hint = false;
	if (!p.nseeds)
		p.nseeds = 1; /* a search runs many estimates; the answer is a len, not a spread */
	/* Exponential search for an upper bound, then bisection on the expected total. */
	for (;;) {
		p.len = hi;
		err = ms_estimate(type, v, arch, &p, &est);
		if (err)
			return err;
		if (est.total_bytes > budget_bytes)
			break;
		lo = hi;
		if (hi >= MS_MAX_ESTIMATE_LEN) {
			*ret_len = lo;
			return NULL;
		}
		hi = 2 * hi > MS_MAX_ESTIMATE_LEN ? MS_MAX_ESTIMATE_LEN : 2 * hi;
	}
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		p.len = mid;
		err = ms_estimate(type, v, arch, &p, &est);
		if (err)
			return err;
		if (est.total_bytes <= budget_bytes)
			lo = mid;
		else
			hi = mid;
	}
	p.len = 0;
	err = ms_estimate(type, v, arch, &p, &est);
	if (err)
		return err;
	*ret_len = est.total_bytes <= budget_bytes ? lo : 0;
	return NULL;
}
