/* SPDX-License-Identifier: MIT */
/* Accounting shared by the walkers: held objects, their real sizes, parts. */
#include "walk.h"

#include <stdlib.h>

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static bool set_insert(uint64_t *slots, size_t cap, uint64_t addr)
{
	size_t i = (size_t)mix(addr) & (cap - 1);

	while (slots[i]) {
		if (slots[i] == addr)
			return false;
		i = (i + 1) & (cap - 1);
	}
	slots[i] = addr;
	return true;
}

bool ms_addrset_add(struct ms_addrset *s, uint64_t addr, bool *nomem)
{
	if (addr == 0)
		return false;
	if ((s->n + 1) * 4 > s->cap * 3) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		uint64_t *slots = calloc(cap, sizeof(*slots));

		if (!slots) {
			*nomem = true;
			return false;
		}
		for (size_t i = 0; i < s->cap; i++)
			if (s->slots[i])
				set_insert(slots, cap, s->slots[i]);
		free(s->slots);
		s->slots = slots;
		s->cap = cap;
	}
	if (!set_insert(s->slots, s->cap, addr))
		return false;
	s->n++;
	return true;
}

bool ms_addrset_has(const struct ms_addrset *s, uint64_t addr)
{
	size_t i;

	if (!s->cap || !addr)
		return false;
	for (i = (size_t)mix(addr) & (s->cap - 1); s->slots[i]; i = (i + 1) & (s->cap - 1))
		if (s->slots[i] == addr)
			return true;
	return false;
}

void ms_addrset_deinit(struct ms_addrset *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

void ms_addrset_clear(struct ms_addrset *s, size_t max_cap)
{
	if (s->cap > max_cap)
		ms_addrset_deinit(s);
	else if (s->n)
		memset(s->slots, 0, s->cap * sizeof(*s->slots));
	s->n = 0;
}

enum ms_hold ms_walk_hold(struct ms_walk *w, uint64_t addr, uint64_t req_bytes,
                          struct ms_heap_obj *ret_obj)
{
	struct ms_heap_obj o;
	uint64_t hdr, usable;
	bool nomem = false;

	if (addr >= w->stack_lo && addr < w->stack_hi) {
		w->d->stack_bytes += req_bytes;
		return MS_HOLD_STACK;
	}
	if (!ms_heap_find(w->t, addr, &o))
		return MS_HOLD_OTHER;
	if (ret_obj)
		*ret_obj = o;
	if (!ms_addrset_add(&w->seen, o.base, &nomem))
		return MS_HOLD_DUP;
	hdr = o.malloc_header ? 8 : 0;
	usable = o.elemsize - hdr;
	w->d->nobjects++;
	w->r->held_bytes += o.elemsize;
	w->d->held[MS_HELD_MALLOC_HDR] += hdr;
	/* a request larger than its object means the geometry is off: say so, stay exact */
	if (req_bytes > usable) {
		if (!w->r->error)
			w->r->error = strdup("an object is smaller than its layout says");
		w->d->held[MS_HELD_ROUNDING] -= req_bytes - usable;
	} else {
		w->d->held[MS_HELD_ROUNDING] += usable - req_bytes;
	}
	return MS_HOLD_HEAP;
}

bool ms_walk_storage_fits(const struct ms_walk *w, const struct ms_heap_obj *obj,
                          uint64_t req_bytes)
{
	struct ms_alloc a = ms_alloc_object(&w->t->go, w->t->arch, req_bytes, w->g->has_pointers);

	return obj->noscan == !w->g->has_pointers && obj->elemsize == a.total_bytes;
}

uint64_t ms_walk_indirect(struct ms_walk *w, uint64_t slot_addr, bool key)
{
	uint64_t p = 0;
	struct ms_error *err = ms_source_read_ptr(w->t->mem, slot_addr, &p);
	uint64_t bytes = key ? w->g->key_bytes : w->g->elem_bytes;

	if (err) {
		ms_error_destroy(err);
		return 0;
	}
	if (!p) {
		/* an occupied slot of a map with out-of-line keys or values always has one */
		if (w->strict && !w->r->error)
			w->r->error = strdup("an out-of-line key or value pointer is nil");
	} else {
		struct ms_heap_obj o = {0};
		enum ms_hold h = ms_walk_hold(w, p, bytes, &o);

		ms_walk_part(w, h, key ? MS_HELD_OOL_KEYS : MS_HELD_OOL_ELEMS, bytes);
		/* strict: the runtime's newobject of the key or value type, its own object */
		if (w->strict && !w->r->error &&
		    ((h != MS_HOLD_HEAP && h != MS_HOLD_DUP) || o.base != p ||
		     o.elemsize !=
		         ms_alloc_object(&w->t->go, w->t->arch, bytes, !o.noscan).total_bytes))
			w->r->error =
			    strdup("an out-of-line key or value is not an object of its size");
	}
	return p;
}

void ms_walk_live_slot(struct ms_walk *w, enum ms_hold h, uint64_t addr, unsigned i)
{
	const struct ms_map_geom *g = w->g;
	uint64_t k = addr + g->keys_off + i * g->key_stride;
	uint64_t e = addr + g->elems_off + i * g->elem_stride;

	ms_walk_part(w, h, MS_HELD_LIVE, g->kslot + g->vslot);
	if (g->key_indirect)
		k = ms_walk_indirect(w, k, true);
	if (g->elem_indirect)
		e = ms_walk_indirect(w, e, false);
	if (w->slot)
		w->slot(w->arg, k, e);
}

struct ms_error *ms_walk_read(struct ms_walk *w, uint64_t addr, void *buf, size_t len,
                              const char *what)
{
	struct ms_error *err = ms_source_read(w->t->mem, addr, buf, len);

	if (err) {
		ms_error_destroy(err);
		return ms_error_create(MS_ERR_FAULT, "%s at 0x%llx is not in the memory image",
		                       what, (unsigned long long)addr);
	}
	return NULL;
}
