/* SPDX-License-Identifier: MIT */
/*
 * Small objects of one lifetime pattern, bump-allocated in aligned chunks that go
 * back to malloc as soon as all of their objects are freed. The found maps and their
 * packed reports (300,000 of each on a server's core) are allocated while the maps
 * are found and freed, in about that order, while the inspect report takes them:
 * one by one with malloc, their freed memory stayed in the process as holes between
 * the path strings that live on, too small for the reports that replace them.
 */
#ifndef MS_SLAB_H
#define MS_SLAB_H

#include <stddef.h>

struct ms_slab_chunk;

struct ms_slab {
	struct ms_slab_chunk *cur; /* bump-allocated; NULL before the first object */
};

/* SIZE zeroed bytes, aligned for any object (SIZE at most a few KiB); NULL when out of
 * memory. */
void *ms_slab_alloc(struct ms_slab *s, size_t size);
/* Free one object of any slab (NULL: nothing): its chunk goes when it holds no other. */
void ms_slab_free(void *p);
/* Let go of the current chunk: freed now if empty, else with its last object. */
void ms_slab_deinit(struct ms_slab *s);

#endif
