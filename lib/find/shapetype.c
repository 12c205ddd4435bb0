/* SPDX-License-Identifier: MIT */
/*
 * Typing a map by the shape of its memory (see shapetype.h): the pointer bits the GC
 * keeps for its bucket or group array, and what its pointer keys and values point at.
 */
#include "shapetype.h"

#include <stdlib.h>
#include <string.h>

#include "walk.h"

#define KIND_MAP     21   /* abi.Map */
#define KIND_POINTER 22   /* abi.Pointer */
#define MAX_WORDS    512u /* words of a unit or a pointee compared */
#define MAX_SLOTS    8u   /* pointer keys or values looked at per candidate */

/* abi.MapType: the abi.Type prefix, then Key, Elem and the bucket or group type. */
static uint64_t type_bytes(const struct ms_target *t)
{
	return t->ptr == 8 ? 48 : 32;
}

static bool rd_ptr(struct ms_target *t, uint64_t addr, uint64_t *ret)
{
	return ms_source_try_ptr(t->mem, addr, ret);
}

static bool bit(const uint8_t *b, uint64_t i)
{
	return b[i / 8] & (1u << (i % 8));
}

/*
 * The memory at p, nwords words, as the GC sees it: 1 if its pointer bits match the
 * type descriptor at rtype (its mask, scalars after its pointer bytes), 0 if they do not,
 * -1 if unknown (no bits there, or the type's mask is not known).
 */
static int matches_type(struct ms_target *t, const struct ms_heap_obj *o, uint64_t p,
                        uint64_t rtype)
{
	uint64_t size, ptrbytes, nwords;
	uint8_t kind, *mask = NULL, bits[MAX_WORDS / 8];
	int ret = -1;

	if (!ms_rtype_ptr_mask(t, rtype, MAX_WORDS / 8, &size, &ptrbytes, &kind, &mask))
		return -1;
	nwords = size / t->ptr;
	if (p + size > o->base + o->elemsize)
		ret = 0; /* a value of the type does not fit in the object from p */
	else if (nwords && nwords <= MAX_WORDS && (mask || !ptrbytes) &&
	         ms_heap_ptr_bits(t, o, p, nwords, bits)) {
		ret = 1;
		for (uint64_t i = 0; i < nwords && ret; i++)
			if (bit(bits, i) != (i < ptrbytes / t->ptr && bit(mask, i)))
				ret = 0;
	}
	free(mask);
	return ret;
}

struct slots {
	uint64_t at[MAX_SLOTS]; /* key or value addresses */
	size_t n;
	bool elem; /* collect values, else keys */
};

static void on_slot(void *arg, uint64_t key_addr, uint64_t elem_addr)
{
	struct slots *s = arg;

	if (s->n < MAX_SLOTS)
		s->at[s->n++] = s->elem ? elem_addr : key_addr;
}

/* The addresses of the first keys (or values) of the map at addr walked with g. */
static bool first_slots(struct ms_target *t, const struct ms_map_geom *g, uint64_t addr,
                        uint64_t lo, uint64_t hi, struct slots *s)
{
	struct ms_map_report r;
	struct ms_walk w = {0};
	struct ms_error *err;

	memset(&r, 0, sizeof(r));
	w.t = t;
	w.g = g;
	w.r = &r;
	w.stack_lo = lo;
	w.stack_hi = hi;
	w.strict = true;
	w.slot = on_slot;
	w.arg = s;
	err = g->impl == MS_IMPL_CLASSIC ? ms_walk_classic(&w, addr) : ms_walk_swiss(&w, addr);
	ms_error_destroy(err);
	free(r.error);
	free(r.tables);
	ms_addrset_deinit(&w.seen);
	return !err;
}

/*
 * Does what the keys (or values) of type rtype point at disprove the candidate? A pointer
 * *T at an object that cannot hold a T there, or whose pointer bits are not T's; a map at
 * memory no walk of that map type accepts.
 */
static bool pointees_disprove(struct ms_target *t, const struct ms_shape_check *c, uint64_t addr,
                              const struct ms_map_geom *g, bool elem, uint64_t rtype)
{
	const struct ms_dtype *d = elem ? g->elem : g->key;
	struct slots s = {.elem = elem};
	uint64_t size, ptrbytes, target = 0;
	uint8_t kind, *mask = NULL;

	if (!rtype || !ms_rtype_ptr_mask(t, rtype, 0, &size, &ptrbytes, &kind, &mask))
		return false;
	free(mask);
	if ((elem ? g->elem_indirect : g->key_indirect) || size != t->ptr ||
	    (kind == KIND_POINTER && !rd_ptr(t, rtype + type_bytes(t), &target)) ||
	    (kind == KIND_MAP && !ms_types_is_map(d)) || (kind != KIND_MAP && kind != KIND_POINTER))
		return false;
	if (!first_slots(t, g, addr, c->stack_lo, c->stack_hi, &s))
		return false;
	for (size_t i = 0; i < s.n; i++) {
		struct ms_heap_obj o;
		uint64_t p;

		if (!rd_ptr(t, s.at[i], &p) || !p || !ms_heap_find(t, p, &o) || !o.allocated)
			continue; /* nil, or not in the heap: nothing to tell */
		if (kind == KIND_MAP ? !c->validate(c->arg, p, d)
		                     : matches_type(t, &o, p, target) == 0)
			return true;
	}
	return false;
}

/* Do the pointer bits of the map's storage object disprove the map type (descriptor mt)? */
static bool storage_disproves(struct ms_target *t, const struct ms_heap_obj *store, uint64_t data,
                              uint64_t mt)
{
	uint64_t unit;

	if (!rd_ptr(t, mt + type_bytes(t) + 2ull * t->ptr, &unit) || !unit)
		return false;
	return matches_type(t, store, data, unit) == 0;
}

size_t ms_shape_narrow(struct ms_target *t, struct ms_types *ty, const struct ms_shape_check *c,
                       const struct ms_dtype **fits, size_t nfits)
{
	bool out[MS_MAX_TYPE_CANDIDATES] = {false};
	struct ms_heap_obj store;
	bool store_known = c->data && ms_heap_find(t, c->data, &store);
	size_t n = 0;

	if (nfits < 2 || nfits > MS_MAX_TYPE_CANDIDATES)
		return nfits;
	for (size_t i = 0; i < nfits; i++) {
		const struct ms_map_geom *g;
		struct ms_error *err = ms_types_geom(ty, fits[i], &g);
		uint64_t mt, key, elem;

		if (err || !fits[i]->runtime_type) {
			ms_error_destroy(err);
			continue;
		}
		mt = t->rt.types_base + fits[i]->runtime_type;
		if (!rd_ptr(t, mt + type_bytes(t), &key) ||
		    !rd_ptr(t, mt + type_bytes(t) + t->ptr, &elem))
			continue;
		out[i] = (store_known && storage_disproves(t, &store, c->data, mt)) ||
		         pointees_disprove(t, c, c->addr, g, false, key) ||
		         pointees_disprove(t, c, c->addr, g, true, elem);
	}
	for (size_t i = 0; i < nfits; i++)
		n += !out[i];
	if (n == 0 || n == nfits)
		return nfits; /* every one disproved: the checks know less than they think */
	n = 0;
	for (size_t i = 0; i < nfits; i++)
		if (!out[i])
			fits[n++] = fits[i];
	return n;
}
