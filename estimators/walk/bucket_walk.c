/* SPDX-License-Identifier: MIT */
/*
 * Walk a classic bucket map (runtime/map.go up to go1.23, map_noswiss.go in
 * 1.24/1.25): the header, the bucket array with its preallocated overflow
 * buckets, every overflow chain, the old array while growing, the overflow
 * slices of pointer-free maps, and out-of-line keys and values.
 */
#include <stdlib.h>

#include "gover.h"
#include "walk.h"

/* runtime/map.go tophash values */
#define EMPTY_REST      0
#define EMPTY_ONE       1
#define EVACUATED_X     2
#define EVACUATED_EMPTY 4
#define MIN_TOPHASH     5
#define SAME_SIZE_GROW  8
#define HASH_WRITING    4  /* a write in progress (runtime/map.go hashWriting) */
#define MAX_B           48 /* 2^48 buckets cannot exist in any address space */
#define MAX_CHAIN_STEPS (1ull << 32)
#define CHUNK_BYTES     (512u << 10)
#define MAX_NOTED       (1u << 18) /* overflow words noted per array (4 MiB) */

struct bwalk {
	struct ms_walk *w;
	uint64_t bs, ptr;
	uint64_t arr, nb; /* the array being walked */
	uint8_t *visited; /* buckets of the array already on a chain */
	/* what the pass over the array saw of the main buckets' overflow words, for the
	 * pass over their chains: which are not nil, and the first MAX_NOTED of those
	 * (index, word) in order; a bucket past them is read again */
	uint8_t *has_ovf;
	struct noted_ovf {
		uint64_t idx, ovf;
	} * noted;
	size_t nnoted, cap_noted;
	uint8_t *chunk; /* up to CHUNK_BYTES of the array being read */
	uint64_t chunk_bytes;
	uint64_t steps;
	bool ctrl_only; /* no slot needs more than its tophash (see slots_of) */
	uint8_t buf[4096];
};

/* Classify the 8 slots of a bucket; return how many are occupied. */
static unsigned slots_of(struct bwalk *b, uint64_t addr, const uint8_t *bucket, enum ms_hold h,
                         bool old)
{
	struct ms_walk *w = b->w;
	const struct ms_map_geom *g = w->g;
	uint64_t slot = g->kslot + g->vslot;
	unsigned live = 0;

	ms_walk_part(w, h, old ? MS_HELD_GROWTH : MS_HELD_TOPHASH, MS_BUCKET_SLOTS);
	ms_walk_part(w, h, old ? MS_HELD_GROWTH : MS_HELD_OVF_PTRS, b->ptr);
	if (b->ctrl_only) {
		/* no slot callback, keys and values in line: the same sums, counted */
		unsigned deleted = 0, empty;

		for (unsigned i = 0; i < MS_BUCKET_SLOTS; i++) {
			live += bucket[i] >= MIN_TOPHASH;
			deleted += bucket[i] == EMPTY_ONE;
		}
		empty = MS_BUCKET_SLOTS - live - deleted;
		ms_walk_part(w, h, MS_HELD_LIVE, live * slot);
		if (old) {
			ms_walk_part(w, h, MS_HELD_GROWTH, (deleted + empty) * slot);
		} else {
			w->d->deleted_slots += deleted;
			w->d->empty_slots += empty;
			ms_walk_part(w, h, MS_HELD_DELETED, deleted * slot);
			ms_walk_part(w, h, MS_HELD_EMPTY, empty * slot);
		}
	}
	for (unsigned i = 0; i < MS_BUCKET_SLOTS && !b->ctrl_only; i++) {
		uint8_t top = bucket[i];

		if (top >= MIN_TOPHASH) {
			live++;
			ms_walk_live_slot(w, h, addr, i);
		} else if (old) {
			ms_walk_part(w, h, MS_HELD_GROWTH, slot);
		} else if (top == EMPTY_ONE) {
			w->d->deleted_slots++;
			ms_walk_part(w, h, MS_HELD_DELETED, slot);
		} else {
			w->d->empty_slots++;
			ms_walk_part(w, h, MS_HELD_EMPTY, slot);
		}
	}
	/* the padding-free bucket: tophash, slots, overflow pointer */
	if (g->unit_bytes > 8 + 8 * slot + b->ptr)
		ms_walk_part(w, h, old ? MS_HELD_GROWTH : MS_HELD_PADDING,
		             g->unit_bytes - 8 - 8 * slot - b->ptr);
	return live;
}

static uint64_t overflow_of(const struct bwalk *b, const uint8_t *bucket)
{
	return ms_source_decode(b->w->t->mem, bucket + b->bs - b->ptr, (unsigned)b->ptr);
}

/* The bucket at addr: in place in the source (*ret), or read into buf. */
static struct ms_error *bucket_at(struct bwalk *b, uint64_t addr, uint8_t *buf, const char *what,
                                  const uint8_t **ret)
{
	const uint8_t *p = ms_source_view(b->w->t->mem, addr, b->bs);

	if (p) {
		*ret = p;
		return NULL;
	}
	*ret = buf;
	return ms_walk_read(b->w, addr, buf, b->bs, what);
}

/* Main bucket idx has overflow word ovf (see bwalk.has_ovf). */
static void note_overflow(struct bwalk *b, uint64_t idx, uint64_t ovf)
{
	if (!ovf)
		return;
	b->has_ovf[idx / 8] |= (uint8_t)(1u << (idx % 8));
	if (b->nnoted == b->cap_noted && b->cap_noted < MAX_NOTED) {
		size_t cap = b->cap_noted ? 2 * b->cap_noted : 64;
		struct noted_ovf *p = realloc(b->noted, cap * sizeof(*p));

		if (p) { /* else the bucket is read again */
			b->noted = p;
			b->cap_noted = cap;
		}
	}
	if (b->nnoted < b->cap_noted) {
		b->noted[b->nnoted].idx = idx;
		b->noted[b->nnoted++].ovf = ovf;
	}
}

static bool in_array(const struct bwalk *b, uint64_t p, uint64_t *ret_idx)
{
	if (p < b->arr || p - b->arr >= b->nb * b->bs || (p - b->arr) % b->bs)
		return false;
	*ret_idx = (p - b->arr) / b->bs;
	return true;
}

/*
 * Follow the chain hanging from a bucket whose overflow word is ovf. Returns
 * its length and the entries in chained buckets allocated on their own
 * (preallocated ones are counted with their array).
 */
static struct ms_error *chain(struct bwalk *b, uint64_t ovf, bool old, uint64_t *ret_len,
                              uint64_t *ret_live)
{
	struct ms_walk *w = b->w;
	uint64_t len = 0, live = 0, idx;
	struct ms_error *err;

	while (ovf) {
		const uint8_t *bk;
		enum ms_hold h;

		if (++b->steps > MAX_CHAIN_STEPS)
			return ms_error_create(MS_ERR_FORMAT, "overflow chains do not end");
		if (in_array(b, ovf, &idx)) {
			/* a preallocated bucket: its slots were counted with the array */
			if (b->visited[idx / 8] & (1u << (idx % 8)))
				return ms_error_create(MS_ERR_FORMAT,
				                       "overflow chain cycle at bucket 0x%llx",
				                       (unsigned long long)ovf);
			b->visited[idx / 8] |= (uint8_t)(1u << (idx % 8));
			err = bucket_at(b, ovf, b->buf, "overflow bucket", &bk);
			if (err)
				return err;
		} else {
			err = bucket_at(b, ovf, b->buf, "overflow bucket", &bk);
			if (err)
				return err;
			h = ms_walk_hold(w, ovf, b->bs, NULL);
			if (h == MS_HOLD_DUP)
				return ms_error_create(
				    MS_ERR_FORMAT,
				    "overflow bucket 0x%llx is on two chains (cycle)",
				    (unsigned long long)ovf);
			if (h == MS_HOLD_OTHER)
				return ms_error_create(
				    MS_ERR_FORMAT, "overflow bucket 0x%llx is not a heap object",
				    (unsigned long long)ovf);
			if (!old)
				w->d->overflow_alloc++;
			live += slots_of(b, ovf, bk, h, old);
		}
		len++;
		ovf = overflow_of(b, bk);
	}
	*ret_len = len;
	*ret_live = live;
	return NULL;
}

/* Buckets in the array object at arr for B: 2^B, or what makeBucketArray fitted (B >= 4). */
static struct ms_error *array_size(struct ms_walk *w, uint64_t arr, unsigned B, uint64_t bs,
                                   struct ms_heap_obj *obj, bool *heap, uint64_t *ret_nb)
{
	uint64_t nb = 1ull << B, usable;

	*heap = ms_heap_find(w->t, arr, obj);
	if (!*heap) {
		/* only a non-escaping map's single bucket lives outside the heap (its stack) */
		if (B != 0 || arr < w->stack_lo || arr + bs > w->stack_hi)
			return ms_error_create(MS_ERR_FORMAT,
			                       "bucket array 0x%llx (B=%u) is not a heap object",
			                       (unsigned long long)arr, B);
		*ret_nb = 1;
		return NULL;
	}
	usable = obj->base + obj->elemsize - arr;
	if (usable / bs < nb)
		return ms_error_create(MS_ERR_FORMAT,
		                       "bucket array 0x%llx holds %llu bytes, B=%u needs %llu",
		                       (unsigned long long)arr, (unsigned long long)usable, B,
		                       (unsigned long long)(nb * bs));
	/* map.go makeBucketArray: from B = 4 the array is rounded up to whole buckets */
	*ret_nb = B >= 4 ? usable / bs : nb;
	/* a damaged span can make the object (and so the array) absurdly large */
	if (!ms_source_has(w->t->mem, arr, *ret_nb * bs))
		return ms_error_create(MS_ERR_FORMAT,
		                       "bucket array 0x%llx of %llu buckets is not all in memory",
		                       (unsigned long long)arr, (unsigned long long)*ret_nb);
	if (w->strict) {
		uint64_t want = nb;

		if (B >= 4)
			want = ms_alloc_roundup(&w->t->go, w->t->arch, (nb + (nb >> 4)) * bs,
			                        w->g->has_pointers) /
			       bs;
		if (!ms_walk_storage_fits(w, obj, want * bs))
			return ms_error_create(MS_ERR_FORMAT, "bucket array does not fit the type");
	}
	return NULL;
}

/* Walk one bucket array (current or old) with its chains. */
static struct ms_error *walk_array(struct bwalk *b, uint64_t arr, unsigned B, bool old,
                                   uint64_t *ret_live, uint64_t *ret_evacuated)
{
	struct ms_walk *w = b->w;
	struct ms_map_detail *d = w->d;
	uint64_t nmain = 1ull << B, nb = 0, live = 0, evacuated = 0, chunk = CHUNK_BYTES / b->bs;
	struct ms_heap_obj obj;
	bool heap;
	enum ms_hold h;
	struct ms_error *err = array_size(w, arr, B, b->bs, &obj, &heap, &nb);

	if (err)
		return err;
	b->arr = arr;
	b->nb = nb;
	free(b->visited);
	free(b->has_ovf);
	b->visited = calloc((size_t)(nb / 8 + 1), 1);
	b->has_ovf = calloc((size_t)(nmain / 8 + 1), 1);
	if (!b->visited || !b->has_ovf)
		return &ms_error_nomem;
	b->nnoted = 0;
	if (!old)
		d->buckets_alloc = nb;
	if (nb < chunk)
		chunk = nb; /* a buffer of the array's size: most maps are small */
	h = ms_walk_hold(w, arr, nb * b->bs, NULL);
	/* every bucket of the object: main ones, then preallocated overflow */
	/* in place where the source has them mapped, else read in big pieces: a memory
	 * source moves those fastest */
	for (uint64_t i = 0; i < nb; i += chunk) {
		uint64_t n = nb - i < chunk ? nb - i : chunk;
		const uint8_t *p;

		if (ms_cancelled())
			return ms_error_create(MS_ERR_LIMIT, "stopped: the time limit was reached");
		p = ms_source_view(w->t->mem, arr + i * b->bs, n * b->bs);
		if (!p) {
			if (chunk * b->bs > b->chunk_bytes) {
				free(b->chunk);
				b->chunk_bytes = chunk * b->bs;
				b->chunk = malloc(b->chunk_bytes);
				if (!b->chunk)
					return &ms_error_nomem;
			}
			err = ms_walk_read(w, arr + i * b->bs, b->chunk, n * b->bs, "bucket array");
			if (err)
				return err;
			p = b->chunk;
		}
		for (uint64_t k = 0; k < n; k++) {
			const uint8_t *bucket = p + k * b->bs;
			uint64_t addr = arr + (i + k) * b->bs;

			if (old && i + k < nmain && bucket[0] >= EVACUATED_X &&
			    bucket[0] <= EVACUATED_EMPTY)
				evacuated++;
			live += slots_of(b, addr, bucket, h, old);
			if (i + k < nmain)
				note_overflow(b, i + k, overflow_of(b, bucket));
		}
	}
	/* chains from the main buckets, in order: their overflow words as noted above, so
	 * that the array is not read a second time */
	for (uint64_t i = 0, j = 0; i < nmain; i++) {
		uint64_t len, clive, ovf = 0;
		uint8_t buf[4096];
		const uint8_t *bucket;

		err = NULL;
		if (!(b->has_ovf[i / 8] & (1u << (i % 8))))
			ovf = 0;
		else if (j < b->nnoted && b->noted[j].idx == i)
			ovf = b->noted[j++].ovf;
		else if (!(err = bucket_at(b, arr + i * b->bs, buf, "bucket", &bucket)))
			ovf = overflow_of(b, bucket);
		if (!err)
			err = chain(b, ovf, old, &len, &clive);
		if (err)
			return err;
		if (!old) {
			uint32_t *ch =
			    &d->chain_hist[len < MS_CHAIN_HIST ? len : MS_CHAIN_HIST - 1];

			*ch += *ch < UINT32_MAX;
			d->overflow_buckets += len;
			d->buckets_with_overflow += len > 0;
			if (len > d->max_chain)
				d->max_chain = len;
		}
		live += clive;
	}
	/*
	 * Preallocated buckets on no main chain can still link to buckets of
	 * their own (an evacuated chain whose head was cleared): the GC keeps
	 * those alive, so they are held too.
	 */
	for (uint64_t i = nmain; i + 1 < nb; i++) {
		uint64_t len, clive, next, idx;
		uint8_t buf[4096];
		const uint8_t *bucket;

		if (b->visited[i / 8] & (1u << (i % 8)))
			continue;
		err = bucket_at(b, arr + i * b->bs, buf, "bucket", &bucket);
		if (err)
			return err;
		next = overflow_of(b, bucket);
		if (!next || in_array(b, next, &idx))
			continue;
		err = chain(b, next, true, &len, &clive);
		if (err)
			return err;
		live += clive;
	}
	*ret_live = live;
	*ret_evacuated = evacuated;
	return NULL;
}

/* Pointer-free maps keep their overflow buckets alive through mapextra slices. */
static struct ms_error *overflow_slice(struct bwalk *b, uint64_t sp, bool old)
{
	struct ms_walk *w = b->w;
	uint8_t hdr[24];
	uint64_t arr, len, cap;
	enum ms_hold h;
	struct ms_heap_obj obj;
	struct ms_error *err;

	if (!sp)
		return NULL;
	err = ms_walk_read(w, sp, hdr, 3 * b->ptr, "overflow slice");
	if (err)
		return err;
	h = ms_walk_hold(w, sp, 3 * b->ptr, NULL);
	ms_walk_part(w, h, MS_HELD_OVF_SLICE, 3 * b->ptr);
	arr = ms_source_decode(w->t->mem, hdr, (unsigned)b->ptr);
	len = ms_source_decode(w->t->mem, hdr + b->ptr, (unsigned)b->ptr);
	cap = ms_source_decode(w->t->mem, hdr + 2 * b->ptr, (unsigned)b->ptr);
	if (!arr)
		return NULL;
	if (len > cap || !ms_heap_find(w->t, arr, &obj) || cap * b->ptr > obj.elemsize)
		return ms_error_create(MS_ERR_FORMAT, "overflow slice 0x%llx is damaged",
		                       (unsigned long long)sp);
	h = ms_walk_hold(w, arr, cap * b->ptr, NULL);
	ms_walk_part(w, h, MS_HELD_OVF_SLICE, cap * b->ptr);
	for (uint64_t i = 0; i < len; i++) {
		uint64_t p, idx;
		uint8_t bucket[4096];

		err = ms_source_read_ptr(w->t->mem, arr + i * b->ptr, &p);
		if (err) {
			ms_error_destroy(err);
			return ms_error_create(MS_ERR_FAULT, "overflow slice element is missing");
		}
		if (!p || in_array(b, p, &idx))
			continue;
		/* not on any chain (e.g. after evacuation), yet kept alive by the slice */
		if (ms_source_try_read(w->t->mem, p, bucket, b->bs)) {
			h = ms_walk_hold(w, p, b->bs, NULL);
			if (h == MS_HOLD_HEAP)
				slots_of(b, p, bucket, h, true);
		}
	}
	(void)old;
	return NULL;
}

struct ms_error *ms_walk_classic(struct ms_walk *w, uint64_t addr)
{
	const struct ms_rt *rt = &w->t->rt;
	struct ms_map_report *r = w->r;
	struct ms_map_detail *d = w->d;
	struct bwalk *b = calloc(1, sizeof(*b));
	uint8_t hdr[128], extra[64];
	uint64_t buckets, oldbuckets, extra_p = 0, live = 0, old_live = 0, evac = 0;
	uint64_t ovf_slice = 0, oldovf_slice = 0;
	struct ms_error *err;
	enum ms_hold h;
	unsigned flags;

	if (!b)
		return &ms_error_nomem;
	b->w = w;
	b->bs = w->g->unit_bytes;
	b->ptr = w->t->ptr;
	b->ctrl_only = !w->slot && !w->g->key_indirect && !w->g->elem_indirect;
	if (b->bs > sizeof(b->buf) || rt->hmap.size > sizeof(hdr)) {
		err = ms_error_create(MS_ERR_UNSUPPORTED, "bucket of %llu bytes",
		                      (unsigned long long)b->bs);
		goto out;
	}
	err = ms_walk_read(w, addr, hdr, rt->hmap.size, "map header");
	if (err)
		goto out;
	h = ms_walk_hold(w, addr, rt->hmap.size, NULL);
	ms_walk_part(w, h, MS_HELD_HEADERS, rt->hmap.size);
	r->len = ms_source_decode(w->t->mem, hdr + rt->hmap.count, b->ptr);
	flags = hdr[rt->hmap.flags];
	d->B = hdr[rt->hmap.B];
	d->noverflow = ms_source_decode(w->t->mem, hdr + rt->hmap.noverflow, 2);
	buckets = ms_source_decode(w->t->mem, hdr + rt->hmap.buckets, b->ptr);
	oldbuckets = ms_source_decode(w->t->mem, hdr + rt->hmap.oldbuckets, b->ptr);
	d->nevacuate = ms_source_decode(w->t->mem, hdr + rt->hmap.nevacuate, b->ptr);
	if (rt->hmap.extra != UINT64_MAX)
		extra_p = ms_source_decode(w->t->mem, hdr + rt->hmap.extra, b->ptr);
	d->bucket_bytes = b->bs;
	d->same_size_grow = flags & SAME_SIZE_GROW;
	d->writing = flags & HASH_WRITING;
	d->growing = oldbuckets != 0;
	if (d->B > MAX_B || flags >= 16) {
		err =
		    ms_error_create(MS_ERR_FORMAT, "absurd header (B=%u, flags=%#x)", d->B, flags);
		goto out;
	}
	d->buckets = 1ull << d->B;
	d->capacity = d->buckets * MS_BUCKET_SLOTS;
	if (extra_p) {
		err = ms_walk_read(w, extra_p, extra, rt->mapextra.size, "mapextra");
		if (err)
			goto out;
		h = ms_walk_hold(w, extra_p, rt->mapextra.size, NULL);
		ms_walk_part(w, h, MS_HELD_HEADERS, rt->mapextra.size);
		ovf_slice = ms_source_decode(w->t->mem, extra + rt->mapextra.overflow, b->ptr);
		oldovf_slice =
		    ms_source_decode(w->t->mem, extra + rt->mapextra.oldoverflow, b->ptr);
	}
	if (buckets) {
		err = walk_array(b, buckets, d->B, false, &live, &evac);
		if (!err && !w->g->has_pointers)
			err = overflow_slice(b, ovf_slice, false);
		if (err)
			goto out;
	}
	if (oldbuckets) {
		unsigned oldB = d->same_size_grow ? d->B : d->B - 1u;

		if (d->B == 0 && !d->same_size_grow) {
			err = ms_error_create(MS_ERR_FORMAT, "growing with B=0");
			goto out;
		}
		d->old_buckets = 1ull << oldB;
		err = walk_array(b, oldbuckets, oldB, true, &old_live, &d->evacuated);
		if (!err && !w->g->has_pointers)
			err = overflow_slice(b, oldovf_slice, true);
		if (err)
			goto out;
	}
	d->old_entries = old_live;
	d->occupied = live + old_live;
out:
	if (b) {
		free(b->visited);
		free(b->has_ovf);
		free(b->noted);
		free(b->chunk);
	}
	free(b);
	return err;
}
