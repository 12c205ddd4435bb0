/* SPDX-License-Identifier: MIT */
#include "slab.h"

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES ((size_t)256 << 10) /* a power of two: a chunk is found by masking */

struct ms_slab_chunk {
	size_t live;  /* objects not yet freed */
	size_t used;  /* bytes bumped, this header included */
	bool retired; /* no longer the current chunk: freed with its last object */
	alignas(max_align_t) unsigned char data[];
};

static struct ms_slab_chunk *chunk_of(void *p)
{
	return (struct ms_slab_chunk *)((uintptr_t)p & ~(uintptr_t)(CHUNK_BYTES - 1));
}

static void retire(struct ms_slab_chunk *c)
{
	if (!c)
		return;
	c->retired = true;
	if (!c->live)
		free(c);
}

void *ms_slab_alloc(struct ms_slab *s, size_t size)
{
	size_t need = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	struct ms_slab_chunk *c = s->cur;
	void *p;

	if (need > CHUNK_BYTES - offsetof(struct ms_slab_chunk, data))
		return NULL;
	if (!c || c->used + need > CHUNK_BYTES) {
		c = aligned_alloc(CHUNK_BYTES, CHUNK_BYTES);
		if (!c)
			return NULL;
		c->live = 0;
		c->used = offsetof(struct ms_slab_chunk, data);
		c->retired = false;
		retire(s->cur);
		s->cur = c;
	}
	p = (unsigned char *)c + c->used;
	c->used += need;
	c->live++;
	memset(p, 0, size);
	return p;
}

void ms_slab_free(void *p)
{
	struct ms_slab_chunk *c;

	if (!p)
		return;
	c = chunk_of(p);
	if (!--c->live && c->retired)
		free(c);
}

void ms_slab_deinit(struct ms_slab *s)
{
	retire(s->cur);
	s->cur = NULL;
}
