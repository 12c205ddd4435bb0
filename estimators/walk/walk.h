/* SPDX-License-Identifier: MIT */
/*
 * Walkers: measure one map in a target's memory. One per implementation
 * (bucket_walk.c, swiss_walk.c); they share the accounting in walk.c.
 *
 * Every loop is bounded by what the target's memory really holds: a walker
 * never allocates or loops according to a size read from the target without
 * first checking it against the heap object that holds it.
 */
#ifndef MS_WALK_H
#define MS_WALK_H

#include "gotype.h"

/* A set of addresses (open addressing); memory proportional to its contents. */
struct ms_addrset {
	uint64_t *slots;
	size_t n, cap;
};
/* Add addr; true if it was new. false also when out of memory (*nomem set). */
bool ms_addrset_add(struct ms_addrset *s, uint64_t addr, bool *nomem);
bool ms_addrset_has(const struct ms_addrset *s, uint64_t addr);
void ms_addrset_deinit(struct ms_addrset *s);
/* Empty it, keeping its slots for the next use while they are few (at most max_cap). */
void ms_addrset_clear(struct ms_addrset *s, size_t max_cap);

struct ms_walk {
	struct ms_target *t;
	const struct ms_map_geom *g;
	struct ms_map_report *r; /* its core */
	struct ms_map_detail *d; /* and its detail (a struct ms_map_draft's) */
	/* Called for each occupied slot with the key's and value's addresses (the
	 * objects themselves when stored out of line). May be NULL. */
	void (*slot)(void *arg, uint64_t key_addr, uint64_t elem_addr);
	void *arg;
	struct ms_addrset seen;      /* heap objects already counted */
	uint64_t stack_lo, stack_hi; /* the stack holding the header, if any */
	/* Typing memory by its layout: also require that every bucket array and
	 * groups object has exactly the size and pointerness the runtime gives
	 * this type's storage (runtime/malloc.go), so a wrong type fails fast. */
	bool strict;
};

/* In strict mode: is the heap object obj exactly what the runtime allocates for
 * req_bytes of this map's storage? */
bool ms_walk_storage_fits(const struct ms_walk *w, const struct ms_heap_obj *obj,
                          uint64_t req_bytes);

/* Where an object lives, once held. */
enum ms_hold { MS_HOLD_HEAP, MS_HOLD_STACK, MS_HOLD_OTHER, MS_HOLD_DUP };

/*
 * Count the object at addr whose requested size is req_bytes: on the heap its
 * element size goes to held_bytes, with the slack and malloc header as their
 * parts (the caller splits req_bytes itself); on the walk's stack, to
 * stack_bytes. MS_HOLD_DUP when already counted. *ret_obj gets the heap object.
 */
enum ms_hold ms_walk_hold(struct ms_walk *w, uint64_t addr, uint64_t req_bytes,
                          struct ms_heap_obj *ret_obj);
/* Add bytes to a part if the object they belong to is held on the heap. */
static inline void ms_walk_part(struct ms_walk *w, enum ms_hold h, enum ms_held_part part,
                                uint64_t bytes)
{
	if (h == MS_HOLD_HEAP)
		w->d->held[part] += bytes;
}
/*
 * An occupied slot i of the bucket or group at addr: count its bytes as live,
 * hold its out-of-line key and value, and pass it to the slot callback.
 */
void ms_walk_live_slot(struct ms_walk *w, enum ms_hold h, uint64_t addr, unsigned i);
/* Out-of-line key or value of an occupied slot: hold its object, return its address. */
uint64_t ms_walk_indirect(struct ms_walk *w, uint64_t slot_addr, bool key);

/* Read len bytes or fail with the map's address in the message. */
MS_MUST_CHECK struct ms_error *ms_walk_read(struct ms_walk *w, uint64_t addr, void *buf, size_t len,
                                            const char *what);

MS_MUST_CHECK struct ms_error *ms_walk_classic(struct ms_walk *w, uint64_t addr);
MS_MUST_CHECK struct ms_error *ms_walk_swiss(struct ms_walk *w, uint64_t addr);

/*
 * The sync.Map at addr (its struct, not a header) into w->r (w->g unused; w->d->sync
 * allocated here, its impl set): see syncmap_walk.c. inner: the geometry of
 * map[interface {}]*sync.entry (Go <= 1.23; NULL when unknown). expunged: the value
 * of sync.expunged (0 when unknown: an entry whose cell holds nil is taken for it).
 * entry_cb (may be NULL) gets the addresses of each live entry's key and value
 * interfaces, for following them.
 */
MS_MUST_CHECK struct ms_error *
ms_walk_syncmap(struct ms_walk *w, uint64_t addr, const struct ms_map_geom *inner,
                uint64_t expunged,
                void (*entry_cb)(void *arg, uint64_t key_iface, uint64_t value_iface), void *arg);

#endif
