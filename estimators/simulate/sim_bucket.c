/* SPDX-License-Identifier: MIT */
/*
 * Classic bucket maps, key by key: runtime/map.go of Go 1.19-1.23 and
 * map_noswiss.go of 1.24/1.25 noswissmap (mapassign, mapdelete, mapclear,
 * hashGrow, growWork, evacuate, advanceEvacuationMark, newoverflow,
 * makeBucketArray, incrnoverflow). Buckets hold key ids; an array's
 * buckets are one vector: [0, 2^B) main, then the preallocated overflow
 * buckets, then the ones allocated one by one.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct bkt {
	uint64_t key[MS_BUCKET_SLOTS]; /* key id + 1; 0: empty (calloc gives empty buckets) */
	uint64_t ovf;                  /* index + 1 of the next bucket in the same array; 0: none */
};

struct arr {
	struct bkt *b;
	unsigned B;
	uint64_t nmain, nalloc; /* 2^B; main + preallocated */
	uint64_t len, cap;      /* vector: nalloc + separately allocated */
	uint64_t next_pre;      /* next preallocated bucket; nalloc when none is left */
	uint64_t sep_live;      /* separately allocated buckets still reachable */
	uint64_t ovf_used;
	bool slice; /* pointer-free: h.extra.overflow (or oldoverflow) slice */
	uint64_t slice_len, slice_cap;
	uint64_t array_bytes, slice_bytes; /* heap bytes of the array and of the slice's backing */
};

struct ms_sim_map {
	const struct ms_est_ctx *ctx;
	struct ms_rng *rng;
	uint64_t bucket_bytes;
	bool ptrs;
	unsigned hash_bits;
	uint64_t seed; /* h.hash0 */
	struct arr cur, old;
	bool allocated, growing, same_size, extra;
	uint8_t *evac;
	uint64_t nevacuate, count, noverflow;
	uint64_t struct_bytes; /* everything but out-of-line keys/values; kept current */
	uint64_t peak;
	/* heap bytes of one object of each fixed size */
	uint64_t hmap_bytes, extra_bytes, bucket_obj_bytes, slice_hdr_bytes;
};

static uint64_t array_total(const struct ms_sim_map *m, const struct arr *a)
{
	uint64_t t = a->array_bytes + a->sep_live * m->bucket_obj_bytes;

	if (a->slice)
		t += m->slice_hdr_bytes + a->slice_bytes;
	return t;
}

static uint64_t held(const struct ms_sim_map *m)
{
	return m->struct_bytes + m->count * (m->ctx->key_obj_bytes + m->ctx->elem_obj_bytes);
}

/* Recompute the structure's bytes after it changed, and the peak. */
static void restructure(struct ms_sim_map *m)
{
	uint64_t t = m->hmap_bytes;

	if (m->extra)
		t += m->extra_bytes;
	if (m->allocated)
		t += array_total(m, &m->cur);
	if (m->growing)
		t += array_total(m, &m->old);
	m->struct_bytes = t;
	if (held(m) > m->peak)
		m->peak = held(m);
}

static struct ms_error *make_array(struct ms_sim_map *m, unsigned B, struct arr *ret)
{
	uint64_t nalloc = ms_bucket_array_len(m->ctx, B, m->bucket_bytes, m->ptrs);
	struct arr a = {.B = B, .nmain = (uint64_t)1 << B, .nalloc = nalloc};

	a.cap = nalloc + nalloc / 8 + 1;
	a.b = calloc(a.cap, sizeof(*a.b));
	if (!a.b)
		return &ms_error_nomem;
	a.array_bytes = ms_est_alloc(m->ctx, nalloc * m->bucket_bytes, m->ptrs);
	a.len = nalloc;
	a.next_pre = a.nmain;
	*ret = a;
	return NULL;
}

/* newoverflow: a bucket after cur.b[last]; its index. */
static struct ms_error *new_overflow(struct ms_sim_map *m, uint64_t last, uint64_t *ret)
{
	struct arr *a = &m->cur;
	uint64_t idx;

	if (a->next_pre < a->nalloc) {
		idx = a->next_pre++;
	} else {
		if (a->len == a->cap) {
			uint64_t cap = a->cap * 2;
			struct bkt *b = realloc(a->b, cap * sizeof(*b));

			if (!b)
				return &ms_error_nomem;
			a->b = b;
			a->cap = cap;
		}
		idx = a->len++;
		memset(&a->b[idx], 0, sizeof(a->b[idx]));
		a->sep_live++;
	}
	a->b[last].ovf = idx + 1;
	a->ovf_used++;
	m->noverflow += ms_classic_overflow_counts(m->cur.B, m->rng);
	if (!m->ptrs) {
		/* createOverflow, then append(*h.extra.overflow, ovf) */
		m->extra = true;
		a->slice = true;
		if (a->slice_len == a->slice_cap) {
			uint64_t ptr = m->ctx->ptr_bytes;
			uint64_t cap = ms_go_next_slice_cap(a->slice_len + 1, a->slice_cap);

			a->slice_cap =
			    ms_alloc_roundup(m->ctx->go, m->ctx->arch, cap * ptr, true) / ptr;
			a->slice_bytes = ms_est_alloc(m->ctx, a->slice_cap * ptr, true);
		}
		a->slice_len++;
	}
	restructure(m);
	*ret = idx;
	return NULL;
}

static void free_old(struct ms_sim_map *m)
{
	free(m->old.b);
	free(m->evac);
	memset(&m->old, 0, sizeof(m->old));
	m->evac = NULL;
	m->growing = false;
	m->same_size = false;
}

/* A pointerful map's evacuated main bucket loses its overflow link: the chain
 * dies, except what hangs from a preallocated bucket inside the old array. */
static uint64_t dead_after_evacuation(const struct arr *o, uint64_t main)
{
	uint64_t dead = 0, i = o->b[main].ovf;
	bool alive = false;

	for (; i; i = o->b[i - 1].ovf) {
		bool pre = i - 1 < o->nalloc;

		alive = alive || pre;
		if (!alive)
			dead++;
	}
	return dead;
}

struct dst {
	uint64_t b;
	unsigned i;
};

static struct ms_error *evacuate(struct ms_sim_map *m, uint64_t ob)
{
	uint64_t oldn = m->old.nmain;
	struct ms_error *err;

	if (!m->evac[ob]) {
		struct dst x = {ob, 0}, y = {ob + oldn, 0};

		for (uint64_t i = ob + 1; i; i = m->old.b[i - 1].ovf) {
			for (unsigned j = 0; j < MS_BUCKET_SLOTS; j++) {
				uint64_t k = m->old.b[i - 1].key[j];
				struct dst *d = &x;

				if (k == 0)
					continue;
				if (!m->same_size &&
				    (ms_sim_hash(k - 1, m->seed, m->hash_bits) & oldn))
					d = &y;
				if (d->i == MS_BUCKET_SLOTS) {
					if ((err = new_overflow(m, d->b, &d->b)))
						return err;
					d->i = 0;
				}
				m->cur.b[d->b].key[d->i++] = k;
			}
		}
		if (m->ptrs) {
			m->old.sep_live -= dead_after_evacuation(&m->old, ob);
			m->old.b[ob].ovf = 0;
		}
		m->evac[ob] = 1;
		if (m->ptrs)
			restructure(m);
	}
	if (ob == m->nevacuate) {
		/* advanceEvacuationMark looks ahead at most 1024 buckets */
		uint64_t stop = m->nevacuate + 1024 < oldn ? m->nevacuate + 1024 : oldn;

		while (m->nevacuate != stop && m->evac[m->nevacuate])
			m->nevacuate++;
		if (m->nevacuate == oldn) {
			free_old(m);
			restructure(m);
		}
	}
	return NULL;
}

static struct ms_error *grow_work(struct ms_sim_map *m, uint64_t bucket)
{
	struct ms_error *err = evacuate(m, bucket & (m->old.nmain - 1));

	if (!err && m->growing)
		err = evacuate(m, m->nevacuate);
	return err;
}

static struct ms_error *hash_grow(struct ms_sim_map *m)
{
	bool bigger = ms_go_classic_overloaded(m->ctx->go, m->count + 1, m->cur.B);
	struct ms_error *err;

	m->old = m->cur;
	m->evac = calloc(m->old.nmain, 1);
	if (!m->evac)
		return &ms_error_nomem;
	if ((err = make_array(m, m->old.B + bigger, &m->cur)))
		return err;
	if (m->cur.next_pre < m->cur.nalloc)
		m->extra = true;
	m->growing = true;
	m->same_size = !bigger;
	m->nevacuate = 0;
	m->noverflow = 0;
	restructure(m);
	return NULL;
}

static struct ms_error *create(const struct ms_est_ctx *ctx, struct ms_rng *rng, uint64_t hint,
                               struct ms_sim_map **ret)
{
	struct ms_sim_map *m = calloc(1, sizeof(*m));
	struct ms_error *err;
	unsigned B;

	if (!m)
		return &ms_error_nomem;
	m->ctx = ctx;
	m->rng = rng;
	m->bucket_bytes = ms_bucket_bytes(ctx);
	m->ptrs = ctx->slot_has_pointers;
	m->hash_bits = ctx->ptr_bytes * 8;
	m->seed = ms_rng_next(rng);
	m->hmap_bytes = ms_est_alloc(m->ctx, ms_go_hmap_bytes(ctx->go, ctx->arch), true);
	m->extra_bytes = ms_est_alloc(m->ctx, ms_go_mapextra_bytes(ctx->arch), true);
	m->bucket_obj_bytes = ms_est_alloc(m->ctx, m->bucket_bytes, m->ptrs);
	m->slice_hdr_bytes = ms_est_alloc(m->ctx, 3 * ctx->ptr_bytes, true);
	B = ms_bucket_hint_B(ctx, hint == MS_SIM_NO_HINT ? 0 : hint, m->bucket_bytes);
	/* B = 0: makemap_small, the bucket comes with the first insert */
	if ((err = make_array(m, B, &m->cur))) {
		free(m);
		return err;
	}
	if (B > 0) {
		m->allocated = true;
		m->extra = m->cur.next_pre < m->cur.nalloc;
	}
	restructure(m);
	*ret = m;
	return NULL;
}

static void destroy(struct ms_sim_map *m)
{
	if (!m)
		return;
	free(m->cur.b);
	free_old(m);
	free(m);
}

static struct ms_error *assign(struct ms_sim_map *m, uint64_t key, bool *ret_new)
{
	uint64_t hash = ms_sim_hash(key, m->seed, m->hash_bits), kk = key + 1;
	struct ms_error *err;

	if (!m->allocated) {
		m->allocated = true; /* h.buckets = newobject(t.bucket) */
		restructure(m);
	}
	for (;;) {
		uint64_t b = hash & (m->cur.nmain - 1), ins = UINT64_MAX, last = b;
		unsigned ins_i = 0;

		if (m->growing && (err = grow_work(m, b)))
			return err;
		for (uint64_t i = b + 1; i; i = m->cur.b[i - 1].ovf) {
			const struct bkt *bk = &m->cur.b[i - 1];

			for (unsigned j = 0; j < MS_BUCKET_SLOTS; j++) {
				if (bk->key[j] == kk) {
					*ret_new = false;
					return NULL;
				}
				if (bk->key[j] == 0 && ins == UINT64_MAX) {
					ins = i - 1;
					ins_i = j;
				}
			}
			last = i - 1;
		}
		if (!m->growing && (ms_go_classic_overloaded(m->ctx->go, m->count + 1, m->cur.B) ||
		                    ms_go_classic_too_many_overflow(m->noverflow, m->cur.B))) {
			if ((err = hash_grow(m)))
				return err;
			continue; /* goto again */
		}
		if (ins == UINT64_MAX) {
			if ((err = new_overflow(m, last, &ins)))
				return err;
			ins_i = 0;
		}
		m->cur.b[ins].key[ins_i] = kk;
		m->count++;
		if (held(m) > m->peak)
			m->peak = held(m);
		*ret_new = true;
		return NULL;
	}
}

static struct ms_error *remove_key(struct ms_sim_map *m, uint64_t key, bool *ret_found)
{
	uint64_t hash, b;
	struct ms_error *err;

	*ret_found = false;
	if (m->count == 0)
		return NULL;
	hash = ms_sim_hash(key, m->seed, m->hash_bits);
	b = hash & (m->cur.nmain - 1);
	if (m->growing && (err = grow_work(m, b)))
		return err;
	for (uint64_t i = b + 1; i; i = m->cur.b[i - 1].ovf) {
		struct bkt *bk = &m->cur.b[i - 1];

		for (unsigned j = 0; j < MS_BUCKET_SLOTS; j++) {
			if (bk->key[j] == key + 1) {
				bk->key[j] = 0;
				if (--m->count == 0)
					m->seed = ms_rng_next(m->rng);
				*ret_found = true;
				return NULL;
			}
		}
	}
	return NULL;
}

/* mapclear: same array, zeroed, preallocated overflow re-armed; the rest is garbage. */
static struct ms_error *clear(struct ms_sim_map *m)
{
	struct arr *a = &m->cur;

	if (m->count == 0)
		return NULL;
	if (m->growing)
		free_old(m);
	m->nevacuate = 0;
	m->noverflow = 0;
	m->count = 0;
	m->seed = ms_rng_next(m->rng);
	memset(a->b, 0, a->nalloc * sizeof(*a->b));
	a->len = a->nalloc;
	a->next_pre = a->nmain;
	a->sep_live = 0;
	a->ovf_used = 0;
	a->slice = false;
	a->slice_len = a->slice_cap = a->slice_bytes = 0;
	restructure(m);
	return NULL;
}

static void bytes(const struct ms_sim_map *m, uint64_t *ret_held, uint64_t *ret_peak)
{
	*ret_held = held(m);
	*ret_peak = m->peak;
}

static void shape(const struct ms_sim_map *m, struct ms_sim_shape *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->len = m->count;
	ret->held_bytes = held(m);
	ret->B = m->cur.B;
	ret->overflow_buckets = m->cur.ovf_used;
	/* the old array's chains that are still linked (a pointerful map's evacuated
	 * buckets lose their links), as a walk of the real map counts them */
	for (uint64_t i = 0; m->growing && i < m->old.nmain; i++)
		for (uint64_t j = m->old.b[i].ovf; j; j = m->old.b[j - 1].ovf)
			ret->overflow_buckets++;
	ret->growing = m->growing;
	ret->same_size = m->same_size;
	ret->nevacuate = m->nevacuate;
	ret->capacity_slots = m->allocated ? m->cur.nmain * MS_BUCKET_SLOTS : 0;
}

static void prefetch(const struct ms_sim_map *m, uint64_t key)
{
	uint64_t hash = ms_sim_hash(key, m->seed, m->hash_bits);

	const struct bkt *b = &m->cur.b[hash & (m->cur.nmain - 1)];

	/* a bucket is 72 bytes: both of its cache lines */
	__builtin_prefetch(b);
	__builtin_prefetch((const char *)b + sizeof(*b) - 1);
	if (m->growing) {
		/* growWork will evacuate the key's old bucket into both halves */
		uint64_t ob = hash & (m->old.nmain - 1);

		__builtin_prefetch(&m->old.b[ob]);
		if (!m->same_size)
			__builtin_prefetch(&m->cur.b[(hash & (m->cur.nmain - 1)) ^ m->old.nmain]);
	}
}

const struct ms_sim_model ms_sim_bucket = {
    .name = "bucket",
    .create = create,
    .destroy = destroy,
    .assign = assign,
    .remove = remove_key,
    .clear = clear,
    .bytes = bytes,
    .shape = shape,
    .prefetch = prefetch,
};
