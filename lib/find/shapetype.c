/* SPDX-License-Identifier: MIT */
/*
 * Typing a map by the shape of its memory (see shapetype.h): the pointer bits the GC
 * keeps for its bucket or group array, and what its pointer keys and values point at.
 */
#include "shapetype.h"

#include <stdlib.h>
#include <string.h>

#define KIND_BOOL      1    /* abi.Bool */
#define KIND_ARRAY     17   /* abi.Array */
#define KIND_INTERFACE 20   /* abi.Interface */
#define KIND_MAP       21   /* abi.Map */
#define KIND_POINTER   22   /* abi.Pointer */
#define KIND_STRUCT    25   /* abi.Struct */
#define KIND_LAST      26   /* abi.UnsafePointer: the last kind */
#define MAX_WORDS      512u /* words of a unit or a pointee compared */
#define MAX_SLOTS      8u   /* pointer keys or values looked at per candidate */
#define MAX_UNITS      16u  /* buckets or groups looked at for them */
#define MAX_DEPTH      3u   /* structs and arrays in a key or value looked into */
#define MAX_FIELDS     32u  /* fields of a struct looked at */
#define MAX_ELEMS      8u   /* elements of an array looked at */
#define MAX_VALUES     64u  /* values (fields, elements) looked at per key or value */

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

/* The pointer bits of the memory at p in a heap object, its first MAX_WORDS words at most. */
struct membits {
	uint8_t bits[MAX_WORDS / 8];
	uint64_t room;  /* bytes from p to the object's end */
	uint64_t words; /* words whose bits are known */
	bool known;
};

static void read_bits(struct ms_target *t, const struct ms_heap_obj *o, uint64_t p,
                      struct membits *mb)
{
	mb->room = o->base + o->elemsize > p ? o->base + o->elemsize - p : 0;
	mb->words = mb->room / t->ptr < MAX_WORDS ? mb->room / t->ptr : MAX_WORDS;
	mb->known = mb->words && ms_heap_ptr_bits(t, o, p, mb->words, mb->bits);
}

/*
 * Memory whose bits are mb, as the GC sees it: 1 if its pointer bits match the type
 * descriptor at rtype (its mask, scalars after its pointer bytes), 0 if they do not or a
 * value of the type does not fit there, -1 if unknown (no bits there, the type's mask
 * is not known).
 */
static int matches_type(struct ms_target *t, const struct membits *mb, uint64_t rtype)
{
	uint64_t size, ptrbytes, nwords;
	uint8_t kind, *mask = NULL;
	int ret = -1;

	if (!ms_rtype_ptr_mask(t, rtype, MAX_WORDS / 8, &size, &ptrbytes, &kind, &mask))
		return -1;
	nwords = size / t->ptr;
	if (size > mb->room)
		ret = 0; /* a value of the type does not fit in the object from p */
	else if (nwords && nwords <= mb->words && mb->known && (mask || !ptrbytes)) {
		ret = 1;
		for (uint64_t i = 0; i < nwords && ret; i++)
			if (bit(mb->bits, i) != (i < ptrbytes / t->ptr && bit(mask, i)))
				ret = 0;
	}
	free(mask);
	return ret;
}

struct slots {
	uint64_t at[MAX_SLOTS]; /* key or value addresses */
	size_t n;
};

/*
 * The addresses of the first keys (or values) of the occupied slots in the first units
 * (buckets, groups) of the storage array at data (heap object store), laid out as g says:
 * a classic bucket's slot is occupied when its tophash is at least minTopHash (5), a
 * group's when its control byte is full (high bit clear). No walk: a few reads.
 */
static void first_slots(struct ms_target *t, const struct ms_map_geom *g, uint64_t data,
                        const struct ms_heap_obj *store, bool elem, struct slots *s)
{
	uint64_t end = store->base + store->elemsize;

	s->n = 0;
	if (!g->unit_bytes || data < store->base || data >= end)
		return;
	for (uint64_t u = data;
	     u + g->unit_bytes <= end && u < data + MAX_UNITS * g->unit_bytes && s->n < MAX_SLOTS;
	     u += g->unit_bytes) {
		uint8_t tags[8];

		if (!ms_source_try_read(t->mem, u, tags, sizeof(tags)))
			return;
		for (unsigned i = 0; i < 8 && s->n < MAX_SLOTS; i++) {
			bool full = g->impl == MS_IMPL_CLASSIC ? tags[i] >= 5 : !(tags[i] & 0x80);

			if (full)
				s->at[s->n++] = elem ? u + g->elems_off + i * g->elem_stride
				                     : u + g->keys_off + i * g->key_stride;
		}
	}
}

/*
 * Does what the keys (or values) of type rtype point at disprove the candidate? A pointer
 * *T at an object that cannot hold a T there, or whose pointer bits are not T's; a map at
 * memory no walk of that map type accepts.
 */
static bool pointees_disprove(struct ms_target *t, const struct ms_shape_check *c,
                              const struct ms_heap_obj *store, const struct ms_map_geom *g,
                              bool elem, uint64_t rtype)
{
	const struct ms_dtype *d = elem ? g->elem : g->key;
	struct slots s;
	uint64_t size, ptrbytes, target = 0;
	uint8_t kind, *mask = NULL;

	if (!rtype || !ms_rtype_ptr_mask(t, rtype, 0, &size, &ptrbytes, &kind, &mask))
		return false;
	free(mask);
	if ((elem ? g->elem_indirect : g->key_indirect) || size != t->ptr ||
	    (kind == KIND_POINTER && !rd_ptr(t, rtype + type_bytes(t), &target)) ||
	    (kind == KIND_MAP && !ms_types_is_map(d)) || (kind != KIND_MAP && kind != KIND_POINTER))
		return false;
	first_slots(t, g, c->data, store, elem, &s);
	for (size_t i = 0; i < s.n; i++) {
		struct ms_heap_obj o;
		struct membits mb;
		uint64_t p;

		if (!rd_ptr(t, s.at[i], &p) || !p || !ms_heap_find(t, p, &o) || !o.allocated)
			continue; /* nil, or not in the heap: nothing to tell */
		if (kind == KIND_MAP) {
			if (!c->validate(c->arg, p, d))
				return true;
			continue;
		}
		read_bits(t, &o, p, &mb);
		if (matches_type(t, &mb, target) == 0)
			return true;
	}
	return false;
}

/*
 * Is the word w, the first of an interface in memory, not one? nil (an empty interface, or
 * one being written: the runtime sets a slot's tophash before a fast assign or an
 * evacuation copies the key), else the address of what it must be: for an empty interface
 * a type descriptor (the kind in its Kind_ byte a real one), for one with methods an itab
 * whose first word (inter) points at an interface type's descriptor. Type descriptors and
 * itabs live in the binary's data or in memory the runtime allocated (reflect, getitab's
 * persistentalloc): readable either way; a scalar that the other layout keeps in this
 * word (a length, packed small keys) is none of these.
 */
static bool not_iface_word(struct ms_target *t, uint64_t w, bool empty)
{
	uint64_t inter;
	uint8_t kind;

	if (!w)
		return false;
	if (w % t->ptr)
		return true;
	if (!empty) {
		if (!rd_ptr(t, w, &inter) || !inter || inter % t->ptr)
			return true;
		w = inter;
	}
	if (!ms_source_try_read(t->mem, w + 2ull * t->ptr + 7, &kind, 1))
		return true;
	kind &= 0x1f;
	return empty ? kind == 0 || kind > KIND_LAST : kind != KIND_INTERFACE;
}

/*
 * Does the value of the type at rtype at addr hold a word that no such value holds? A bool
 * is 0 or 1; an interface's first word is what not_iface_word wants; the fields of a
 * struct and the first elements of an array are looked at alike (depth levels down, at
 * most *budget values in all). A
 * value being stored is no worry: each byte, each aligned word (the runtime's memmove
 * copies those whole) is either the old value's or the new one's.
 */
static bool value_disproved(struct ms_target *t, uint64_t rtype, uint64_t addr, unsigned depth,
                            unsigned *budget)
{
	uint64_t size, ptrbytes, w, n, at;
	uint8_t kind, b, *mask = NULL;
	uint64_t ext = rtype + type_bytes(t); /* what follows the abi.Type */

	if (!rtype || !*budget || !ms_rtype_ptr_mask(t, rtype, 0, &size, &ptrbytes, &kind, &mask))
		return false;
	free(mask);
	--*budget;
	switch (kind) {
	case KIND_BOOL:
		return size == 1 && ms_source_try_read(t->mem, addr, &b, 1) && b > 1;
	case KIND_INTERFACE:
		/* abi.InterfaceType: PkgPath, then its methods (a slice): none for the empty
		 * interface, whose first word is a type, not an itab */
		return size == 2ull * t->ptr && rd_ptr(t, ext + 2ull * t->ptr, &n) &&
		       rd_ptr(t, addr, &w) && not_iface_word(t, w, n == 0);
	case KIND_STRUCT:
		/* abi.StructType: PkgPath, then Fields, a slice of {Name, Typ, Offset} */
		if (!depth || !rd_ptr(t, ext + t->ptr, &at) || !rd_ptr(t, ext + 2ull * t->ptr, &n))
			return false;
		for (uint64_t i = 0; i < n && i < MAX_FIELDS; i++) {
			uint64_t f = at + i * 3ull * t->ptr, ftype, off;

			if (rd_ptr(t, f + t->ptr, &ftype) && rd_ptr(t, f + 2ull * t->ptr, &off) &&
			    off < size && value_disproved(t, ftype, addr + off, depth - 1, budget))
				return true;
		}
		return false;
	case KIND_ARRAY: {
		/* abi.ArrayType: Elem, Slice, Len */
		uint64_t esize, eptrbytes;
		uint8_t ekind;

		if (!depth || !rd_ptr(t, ext, &at) || !rd_ptr(t, ext + 2ull * t->ptr, &n) ||
		    !ms_rtype_ptr_mask(t, at, 0, &esize, &eptrbytes, &ekind, &mask))
			return false;
		free(mask);
		for (uint64_t i = 0; i < n && i < MAX_ELEMS && (i + 1) * esize <= size; i++)
			if (value_disproved(t, at, addr + i * esize, depth - 1, budget))
				return true;
		return false;
	}
	default:
		return false;
	}
}

/*
 * Do the keys (or values) of type rtype, read in the first occupied slots, disprove the
 * candidate by words that no value of the type holds (value_disproved)? An occupied
 * slot's bytes are the value's, or zero until it is stored: the runtime clears a deleted
 * slot's key (if it has pointers) and value, new storage is zeroed, and it stores a key
 * before the slot's tophash or control byte, or (a fast assign, an evacuation) right after
 * it, into zeroed bytes. Scalars that another candidate keeps there (int8s of 2, string
 * lengths) are none.
 */
static bool scalars_disprove(struct ms_target *t, const struct ms_shape_check *c,
                             const struct ms_heap_obj *store, const struct ms_map_geom *g,
                             bool elem, uint64_t rtype)
{
	struct slots s;

	if (!rtype || (elem ? g->elem_indirect : g->key_indirect))
		return false;
	first_slots(t, g, c->data, store, elem, &s);
	for (size_t i = 0; i < s.n; i++) {
		unsigned budget = MAX_VALUES;

		if (value_disproved(t, rtype, s.at[i], MAX_DEPTH, &budget))
			return true;
	}
	return false;
}

/* Do the pointer bits of the map's storage object disprove the map type (descriptor mt)? */
static bool storage_disproves(struct ms_target *t, const struct membits *store, uint64_t mt)
{
	uint64_t unit;

	if (!rd_ptr(t, mt + type_bytes(t) + 2ull * t->ptr, &unit) || !unit)
		return false;
	return matches_type(t, store, unit) == 0;
}

size_t ms_shape_narrow(struct ms_target *t, struct ms_types *ty, const struct ms_shape_check *c,
                       const struct ms_dtype **fits, size_t nfits)
{
	bool out[MS_MAX_TYPE_CANDIDATES] = {false};
	struct ms_heap_obj store;
	struct membits store_bits;
	bool store_known;
	size_t n = 0;

	/* at most: more may fit, the true one among those left out; leaving one here
	 * would be a guess */
	if (nfits < 2 || nfits >= MS_MAX_TYPE_CANDIDATES)
		return nfits;
	/* the storage's bits are read once, for every candidate */
	store_known = c->data && ms_heap_find(t, c->data, &store);
	if (store_known)
		read_bits(t, &store, c->data, &store_bits);
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
		out[i] = (store_known && storage_disproves(t, &store_bits, mt)) ||
		         (store_known && (pointees_disprove(t, c, &store, g, false, key) ||
		                          pointees_disprove(t, c, &store, g, true, elem) ||
		                          scalars_disprove(t, c, &store, g, false, key) ||
		                          scalars_disprove(t, c, &store, g, true, elem)));
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
