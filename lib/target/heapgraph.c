/* SPDX-License-Identifier: MIT */
/*
 * The heap graph and its dominator tree (see heapgraph.h).
 *
 * Nodes: every object slot of every in-use span, numbered in address order
 * (a free slot is a node without size or edges), then one root above all
 * roots, then one virtual node per map whose header is not a heap object.
 * Edges: compressed rows (CSR), built in one pass over the heap. Pointer-free
 * spans (noscan) have no edges; the others' pointer words come from the
 * runtime's own bitmaps: the heap arenas' (1.19 to 1.21), the malloc header's
 * type, the span's heap bits or a large span's type (1.22+). Where there is
 * none to read (a GC program, a mask not built yet) every aligned word that
 * holds the address of an allocated object is taken for a pointer
 * (conservative: it can only add paths: retained can only come out smaller,
 * payload larger). Roots: data and bss words the GC's bitmaps mark, frames'
 * live pointer slots by their stack maps, the specials the GC scans (a finalizer's
 * object's out edges and funcval, a cleanup's and a weak handle's words). Dominators:
 * Lengauer-Tarjan's semi-dominators with path compression, the immediate dominators by the semi-NCA
 * rule; all arrays are uint32 by node.
 */
#include "heapgraph.h"

#include <stdlib.h>
#include <string.h>

#include "gover.h"
#include "grow.h"
#include "unwind.h"

#define PAGE_BYTES     8192u
#define NONE           UINT32_MAX
#define MAX_PAGE_TABLE (1ull << 26) /* pages of address range indexed directly */
#define CHUNK          (1u << 20)

struct hspan {
	uint64_t start, end, elemsize;
	uint64_t freeindex, alloc_bits; /* the runtime's, to read the allocation bits */
	uint32_t first, nslots;
	bool noscan, large; /* large: size class 0, one object */
};

struct roots {
	uint32_t *ids;
	size_t n, cap;
};

struct graph {
	struct ms_target *t;
	unsigned ptr;
	struct hspan *spans;
	size_t nspans, spans_cap;
	uint64_t lo, hi; /* heap address range */
	uint32_t *pages; /* page -> span index + 1, or NULL */
	uint32_t *sizes; /* node -> elemsize (UINT32_MAX: look it up), or NULL */
	uint64_t npages; /* entries of pages */
	uint8_t *alloc;  /* allocation bit by object */
	uint32_t nobj;   /* object nodes */
	uint32_t root;   /* = nobj */
	uint32_t nnodes; /* objects + root + virtual map nodes */
	uint32_t *off;   /* out edges: [off[v], off[v+1]) */
	uint32_t *dst;
	uint64_t ndst, dst_cap;
	uint64_t bytes; /* peak memory, roughly */
	struct ms_error *err;
	bool headers; /* 1.22+: malloc headers, span heap bits, large objects' types */
	struct tcache {
		uint64_t addr, size, ptrbytes;
		uint8_t *mask; /* NULL: unknown (conservative) */
	} * types;
	uint64_t precise, conservative; /* objects scanned each way */
	/* root words read conservatively (a running goroutine's innermost frame, the
	 * registers asyncPreempt saved, a stack the unwinder could not walk, data without
	 * a GC bitmap): what they point to, roots only for what nothing else reaches */
	bool weak_mode;
	struct roots weak;
};

#define TCACHE   4096u
#define MAX_MASK (1u << 16)

/* The pointer mask of the type at addr (ms_rtype_ptr_mask), cached. */
static const struct tcache *type_mask(struct graph *g, uint64_t addr)
{
	struct tcache *c;
	uint8_t kind;

	if (!g->types) {
		g->types = calloc(TCACHE, sizeof(*g->types));
		if (!g->types)
			return NULL;
	}
	c = &g->types[(addr >> 3) % TCACHE];
	if (c->addr == addr)
		return c;
	free(c->mask);
	memset(c, 0, sizeof(*c));
	c->addr = addr;
	if (!ms_rtype_ptr_mask(g->t, addr, MAX_MASK, &c->size, &c->ptrbytes, &kind, &c->mask))
		c->size = c->ptrbytes = 0;
	return c;
}

static bool bit(const uint8_t *b, uint64_t i)
{
	return b[i / 8] & (1u << (i % 8));
}

static bool add_span(void *arg, const struct ms_heap_span *s)
{
	struct graph *g = arg;
	struct hspan *h;
	uint64_t bytes = s->npages * PAGE_BYTES, n;

	if (!s->elemsize || bytes / s->elemsize == 0 || s->npages > (1ull << 28) ||
	    s->start + bytes < s->start)
		return true; /* not a span of a real heap (2 TiB): no nodes */
	n = (s->spanclass >> 1) == 0 ? 1 : bytes / s->elemsize;
	if (s->nelems && s->nelems < n)
		n = s->nelems;
	if (g->nspans == g->spans_cap) {
		size_t cap = g->spans_cap ? g->spans_cap * 2 : 1024;
		struct hspan *p = realloc(g->spans, cap * sizeof(*p));

		if (!p) {
			g->err = &ms_error_nomem;
			return false;
		}
		g->spans = p;
		g->spans_cap = cap;
	}
	h = &g->spans[g->nspans++];
	h->start = s->start;
	h->end = s->start + bytes;
	h->elemsize = (s->spanclass >> 1) == 0 ? bytes : s->elemsize;
	h->nslots = (uint32_t)n;
	h->noscan = s->spanclass & 1;
	h->large = (s->spanclass >> 1) == 0;
	h->freeindex = s->freeindex;
	h->alloc_bits = s->alloc_bits;
	h->first = 0;
	return true;
}

static int cmp_span(const void *a, const void *b)
{
	const struct hspan *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static const struct hspan *span_of_addr(const struct graph *g, uint64_t a)
{
	size_t lo = 0, hi = g->nspans;

	if (a < g->lo || a >= g->hi)
		return NULL;
	if (g->pages) {
		uint32_t k = g->pages[(a - g->lo) / PAGE_BYTES];
		const struct hspan *s = k ? &g->spans[k - 1] : NULL;

		return s && a >= s->start && a < s->end ? s : NULL;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->spans[mid].end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->nspans && a >= g->spans[lo].start ? &g->spans[lo] : NULL;
}

/* The allocated object holding a, or NONE. */
static uint32_t node_of(const struct graph *g, uint64_t a)
{
	const struct hspan *s = span_of_addr(g, a);
	uint64_t idx;
	uint32_t id;

	if (!s)
		return NONE;
	idx = (a - s->start) / s->elemsize;
	if (idx >= s->nslots)
		return NONE;
	id = s->first + (uint32_t)idx;
	return bit(g->alloc, id) ? id : NONE;
}

static const struct hspan *span_of_node(const struct graph *g, uint32_t id)
{
	size_t lo = 0, hi = g->nspans;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->spans[mid].first + g->spans[mid].nslots <= id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return &g->spans[lo];
}

static uint64_t node_size(const struct graph *g, uint32_t id)
{
	if (id >= g->nobj || !bit(g->alloc, id))
		return 0;
	if (g->sizes && g->sizes[id] != UINT32_MAX)
		return g->sizes[id];
	return span_of_node(g, id)->elemsize;
}

/* Every node's size at once (a binary search per node is most of the time otherwise). */
static void fill_sizes(struct graph *g)
{
	g->sizes = malloc(((uint64_t)g->nobj + 1) * sizeof(*g->sizes));
	if (!g->sizes)
		return; /* node_size() searches instead */
	g->bytes += ((uint64_t)g->nobj + 1) * sizeof(*g->sizes);
	for (size_t i = 0; i < g->nspans; i++)
		for (uint32_t k = 0; k < g->spans[i].nslots; k++)
			g->sizes[g->spans[i].first + k] = g->spans[i].elemsize < UINT32_MAX
			                                      ? (uint32_t)g->spans[i].elemsize
			                                      : UINT32_MAX;
}

static bool push_edge(struct graph *g, uint32_t to)
{
	if (g->ndst == g->dst_cap) {
		uint64_t cap = g->dst_cap ? g->dst_cap + g->dst_cap / 2 : (1u << 20);
		uint32_t *p;

		if (cap > UINT32_MAX)
			cap = UINT32_MAX;
		if (g->ndst == cap) {
			g->err =
			    ms_error_create(MS_ERR_LIMIT, "the heap graph has over 2^32 edges");
			return false;
		}
		p = realloc(g->dst, cap * sizeof(*p));
		if (!p) {
			g->err = &ms_error_nomem;
			return false;
		}
		g->dst = p;
		g->dst_cap = cap;
	}
	g->dst[g->ndst++] = to;
	return true;
}

/* The edge a pointer word v of node self makes, unless it repeats the last one. */
static bool edge_to(struct graph *g, uint64_t v, uint32_t self, uint32_t *last)
{
	uint32_t id;

	if (v < g->lo || v >= g->hi)
		return true;
	id = node_of(g, v);
	if (id == NONE || id == self || id == *last)
		return true;
	*last = id;
	return push_edge(g, id);
}

/* Edges out of the words of buf (len bytes) for the node being added; self excluded. */
static bool scan_words(struct graph *g, const uint8_t *buf, uint64_t len, uint32_t self)
{
	uint32_t last = NONE;

	for (uint64_t o = 0; o + g->ptr <= len; o += g->ptr)
		if (!edge_to(g, ms_source_decode(g->t->mem, buf + o, g->ptr), self, &last))
			return false;
	return true;
}

/* Edges out of the words of buf (len bytes, at addr) that the type says are pointers:
 * elements of ty->size bytes from elem0, each with ty->ptrbytes of masked words. */
static bool scan_typed(struct graph *g, const uint8_t *buf, uint64_t addr, uint64_t len,
                       uint64_t elem0, const struct tcache *ty, uint32_t self)
{
	uint32_t last = NONE;

	for (uint64_t o = 0; o + g->ptr <= len; o += g->ptr) {
		uint64_t a = addr + o, w;

		if (a < elem0)
			continue;
		w = ((a - elem0) % ty->size) / g->ptr;
		if (w * g->ptr >= ty->ptrbytes || !bit(ty->mask, w))
			continue;
		if (!edge_to(g, ms_source_decode(g->t->mem, buf + o, g->ptr), self, &last))
			return false;
	}
	return true;
}

/* Spans do not overlap: of two that do, one is damaged (a large span whose npages was
 * overwritten covers its neighbours); the smaller stays. Then no page is filled twice. */
static void drop_overlaps(struct graph *g)
{
	size_t u = 0;

	for (size_t i = 0; i < g->nspans; i++) {
		if (u && g->spans[i].start < g->spans[u - 1].end) {
			if (g->spans[i].end - g->spans[i].start <
			    g->spans[u - 1].end - g->spans[u - 1].start)
				g->spans[u - 1] = g->spans[i];
			continue;
		}
		g->spans[u++] = g->spans[i];
	}
	g->nspans = u;
}

static bool number_nodes(struct graph *g)
{
	uint64_t total = 0;

	qsort(g->spans, g->nspans, sizeof(*g->spans), cmp_span);
	drop_overlaps(g);
	for (size_t i = 0; i < g->nspans; i++) {
		g->spans[i].first = (uint32_t)total;
		total += g->spans[i].nslots;
		if (total >= UINT32_MAX / 2) {
			g->err =
			    ms_error_create(MS_ERR_LIMIT, "the heap has over 2^31 object slots");
			return false;
		}
	}
	g->nobj = (uint32_t)total;
	if (!g->nspans)
		return true;
	g->lo = g->spans[0].start;
	for (size_t i = 0; i < g->nspans; i++)
		if (g->spans[i].end > g->hi)
			g->hi = g->spans[i].end;
	g->npages = (g->hi - g->lo) / PAGE_BYTES;
	if (g->npages <= MAX_PAGE_TABLE) {
		g->pages = calloc(g->npages ? g->npages : 1, sizeof(*g->pages));
		if (!g->pages) {
			g->err = &ms_error_nomem;
			return false;
		}
		g->bytes += g->npages * sizeof(*g->pages);
		for (size_t i = 0; i < g->nspans; i++)
			for (uint64_t p = (g->spans[i].start - g->lo) / PAGE_BYTES;
			     p < (g->spans[i].end - g->lo) / PAGE_BYTES; p++)
				g->pages[p] = (uint32_t)i + 1;
	}
	return true;
}

static bool read_alloc_bits(struct graph *g)
{
	uint64_t nbytes = ((uint64_t)g->nobj + 7) / 8 + 1;

	g->alloc = calloc(nbytes, 1);
	if (!g->alloc) {
		g->err = &ms_error_nomem;
		return false;
	}
	g->bytes += nbytes;
	for (size_t i = 0; i < g->nspans; i++) {
		const struct hspan *h = &g->spans[i];
		uint64_t n = ((uint64_t)h->nslots + 7) / 8;
		uint8_t *bits = malloc(n ? n : 1);
		struct ms_error *err;

		if (!bits) {
			g->err = &ms_error_nomem;
			return false;
		}
		/* no readable allocBits: every slot counts (trust the pointers that lead there) */
		err = h->alloc_bits ? ms_source_read(g->t->mem, h->alloc_bits, bits, n)
		                    : ms_error_create(MS_ERR_FORMAT, "no allocBits");
		for (uint32_t k = 0; k < h->nslots; k++)
			if (k < h->freeindex || err || bit(bits, k))
				g->alloc[(h->first + k) / 8] |=
				    (uint8_t)(1u << ((h->first + k) % 8));
		ms_error_destroy(err);
		free(bits);
	}
	return true;
}

/* The span's heap bits (1.22+, objects up to ptr*ptr*8 bytes, no header): one bit per
 * word of the span, at its end. NULL if not there. */
static uint8_t *span_heap_bits(struct graph *g, const struct hspan *h)
{
	uint64_t bytes = h->end - h->start, nbits = bytes / g->ptr, n = nbits / 8;
	uint64_t at = h->end - n - ms_heap_inline_mark_bytes(g->t, h->elemsize);
	uint8_t *bits;

	/* a damaged span can be absurdly large: its bits must be in memory before they are
	 * allocated (a 386 core's made one of 41 GB: ASan out of memory) */
	if (!g->headers || h->noscan || h->elemsize > (uint64_t)g->ptr * g->ptr * 8 || h->large ||
	    n > bytes || !ms_source_has(g->t->mem, at, n))
		return NULL;
	bits = malloc(n);
	if (bits && !ms_source_try_read(g->t->mem, at, bits, n)) {
		free(bits);
		bits = NULL;
	}
	return bits;
}

/*
 * Go 1.19-1.21: the pointer bits of [base, base + size) from the heap arenas' bitmaps
 * (runtime/mbitmap.go of each): 1.20 and 1.21 one bit per word (heapArena.bitmap, then
 * noMorePtrs: one bit per bitmap word, set when the object has no pointer after it);
 * 1.19 two bits per word (a byte for four words: pointer bits low, scan bits high; a
 * clear scan bit ends the object's pointers). [base, base + size) is a piece of the object
 * (obj_start its start). Edges pushed; 1: go on with the next piece, 0: the object has no
 * more pointers, -1: the bitmap cannot be read (the caller scans the piece word by word).
 */
static int scan_arena_bits(struct graph *g, uint32_t id, uint64_t obj_start, uint64_t base,
                           uint64_t size, const uint8_t *buf)
{
	uint64_t nwords = size / g->ptr;
	uint8_t small[512];
	uint8_t *bits = nwords / 8 + 1 <= sizeof(small) ? small : malloc(nwords / 8 + 1);
	uint32_t last = NONE;
	int more;

	if (!bits) {
		g->err = &ms_error_nomem;
		return 0;
	}
	more = ms_heap_arena_ptr_bits(g->t, obj_start, base, nwords, bits);
	for (uint64_t i = 0; more >= 0 && i < nwords; i++)
		if (bit(bits, i) &&
		    !edge_to(g, ms_source_decode(g->t->mem, buf + i * g->ptr, g->ptr), id, &last)) {
			more = 0;
			break;
		}
	if (bits != small)
		free(bits);
	return more;
}

/* One object's edges: by the runtime's pointer bitmaps where it has them (1.22+), else
 * every word. */
static void scan_object(struct graph *g, const struct hspan *h, uint32_t id, uint64_t base,
                        const uint8_t *heap_bits, uint8_t *buf, const uint8_t *pre)
{
	bool large = h->large;
	bool header = g->headers && !large && h->elemsize > (uint64_t)g->ptr * g->ptr * 8;
	const struct tcache *ty = NULL;
	uint64_t elem0 = base;
	/* before 1.22: the arenas' bitmaps (1.19 to 1.21 known) */
	bool arena_bits = !g->headers && g->t->go.minor >= 19 && g->t->go.minor <= 21;

	if (g->headers && (large || header)) {
		uint64_t taddr = 0;

		if (header) {
			ms_source_try_ptr(g->t->mem, base, &taddr);
			elem0 = base + 8;
		} else {
			taddr = ms_heap_large_type(g->t, base);
		}
		ty = taddr ? type_mask(g, taddr) : NULL;
		if (ty && !ty->mask)
			ty = NULL;
		if (!taddr && header)
			return; /* no type yet (an object being allocated): nothing to scan */
	}
	if (ty || arena_bits || (heap_bits && !large && !header))
		g->precise++;
	else
		g->conservative++;
	for (uint64_t o = 0; o < h->elemsize && !g->err; o += CHUNK) {
		uint64_t n = h->elemsize - o < CHUNK ? h->elemsize - o : CHUNK;
		struct ms_error *err;

		if (ty &&
		    o >= (elem0 - base) + ty->size * ((h->elemsize - (elem0 - base)) / ty->size))
			break;
		if (pre) { /* the span was read at once */
			buf = (uint8_t *)pre;
		} else {
			err = ms_source_read(g->t->mem, base + o, buf, n);
			if (err) {
				ms_error_destroy(err); /* not in the core: no edges from there */
				return;
			}
		}
		if (arena_bits) {
			int more = scan_arena_bits(g, id, base, base + o, n, buf);

			if (more == 0)
				break;
			if (more < 0)
				scan_words(g, buf, n, id);
		} else if (ty) {
			scan_typed(g, buf, base + o, n, elem0, ty, id);
		} else if (heap_bits && !large && !header) {
			uint32_t last = NONE;

			for (uint64_t k = 0; k + g->ptr <= n; k += g->ptr)
				if (bit(heap_bits, (base + o + k - h->start) / g->ptr) &&
				    !edge_to(g, ms_source_decode(g->t->mem, buf + k, g->ptr), id,
				             &last))
					return;
		} else {
			scan_words(g, buf, n, id);
		}
	}
}

/* Out edges of every object, in node order. */
static bool scan_heap(struct graph *g, struct ms_heapgraph_stats *st)
{
	uint8_t *buf = malloc(CHUNK);

	g->off = calloc((uint64_t)g->nobj + 64, sizeof(*g->off));
	if (!buf || !g->off) {
		free(buf);
		g->err = &ms_error_nomem;
		return false;
	}
	g->headers = ms_go_facts(&g->t->go)->malloc_headers;
	for (size_t i = 0; i < g->nspans && !g->err; i++) {
		const struct hspan *h = &g->spans[i];
		uint8_t *heap_bits = span_heap_bits(g, h);
		/* a span of small objects: read at once (into the second half of buf) */
		const uint8_t *whole = NULL;

		if (!h->noscan && !h->large && h->end - h->start <= CHUNK / 2) {
			struct ms_error *err =
			    ms_source_read(g->t->mem, h->start, buf + CHUNK / 2, h->end - h->start);

			if (!err)
				whole = buf + CHUNK / 2;
			ms_error_destroy(err);
		}

		for (uint32_t k = 0; k < h->nslots && !g->err; k++) {
			uint32_t id = h->first + k;

			g->off[id] = (uint32_t)g->ndst;
			if (!bit(g->alloc, id))
				continue;
			st->objects++;
			if (!h->noscan)
				scan_object(g, h, id, h->start + (uint64_t)k * h->elemsize,
				            heap_bits, buf,
				            whole ? whole + (uint64_t)k * h->elemsize : NULL);
		}
		free(heap_bits);
	}
	free(buf);
	g->off[g->nobj] = (uint32_t)g->ndst;
	return !g->err;
}

struct vrange {
	uint64_t lo, hi;
	uint32_t node;
	const struct ms_heapgraph_map *map;
};

static int cmp_vrange(const void *a, const void *b)
{
	const struct vrange *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool in_vrange(const struct vrange *v, size_t n, uint64_t a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].hi <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && a >= v[lo].lo;
}

/* The root word w read at a: an edge of the root if it points to an allocated object (but
 * for the words of the virtual headers). */
static bool root_word(struct graph *g, struct roots *r, const struct vrange *v, size_t nv,
                      uint64_t a, uint64_t w, struct ms_heapgraph_stats *st)
{
	uint32_t id;

	if (w < g->lo || w >= g->hi || (id = node_of(g, w)) == NONE || in_vrange(v, nv, a))
		return true;
	if (g->weak_mode)
		r = &g->weak;
	if (!ms_grow((void **)&r->ids, &r->cap, r->n, sizeof(*r->ids))) {
		g->err = &ms_error_nomem;
		return false;
	}
	r->ids[r->n++] = id;
	st->root_words++;
	return true;
}

/* Root words of [lo, hi) of memory (conservative), but for the virtual headers'. */
static bool root_range(struct graph *g, struct roots *r, const struct vrange *v, size_t nv,
                       uint64_t lo, uint64_t hi, struct ms_heapgraph_stats *st)
{
	uint8_t *buf = malloc(hi - lo < CHUNK ? hi - lo + 8 : CHUNK);

	if (!buf) {
		g->err = &ms_error_nomem;
		return false;
	}
	lo = (lo + g->ptr - 1) / g->ptr * g->ptr;
	for (uint64_t a = lo; a < hi; a += CHUNK) {
		uint64_t n = hi - a < CHUNK ? hi - a : CHUNK;
		struct ms_error *err = ms_source_read(g->t->mem, a, buf, n);

		if (err) { /* a part not in the core (a bss page never written): word by word */
			ms_error_destroy(err);
			for (uint64_t o = 0; o + g->ptr <= n; o += g->ptr)
				if (!ms_source_try_read(g->t->mem, a + o, buf + o, g->ptr))
					memset(buf + o, 0, g->ptr);
		}
		for (uint64_t o = 0; o + g->ptr <= n; o += g->ptr)
			if (!root_word(g, r, v, nv, a + o,
			               ms_source_decode(g->t->mem, buf + o, g->ptr), st)) {
				free(buf);
				return false;
			}
	}
	free(buf);
	return true;
}

/* A goroutine's frames: the words their stack maps say are live pointers, and the
 * stack objects those words reach (runtime scanstack: an address-taken local holding
 * pointers is no live slot of its own; it is scanned when a live word, or another
 * such object scanned, points into it). */
struct sobj {
	uint64_t addr, size, ptrbytes, gcdata; /* gcdata 0: every word may be a pointer */
	bool scanned;
};

struct frame_roots {
	struct graph *g;
	struct roots *r;
	const struct vrange *v;
	size_t nv;
	struct ms_heapgraph_stats *st;
	uint64_t low;      /* the lowest address not covered yet (the last frame's fp) */
	uint64_t slo, shi; /* the goroutine's stack */
	struct sobj *objs; /* its frames' stack objects */
	size_t nobjs, objs_cap;
	uint64_t *sptrs; /* live words pointing into the stack, to follow */
	size_t nsptrs, sptrs_cap;
	/* the next frame stopped at an arbitrary pc (a running goroutine's innermost, or
	 * the one runtime.asyncPreempt interrupted): no stack map holds there */
	bool conservative;
};

/* A root word at a (live, or in a scanned stack object): into the heap, or into the
 * goroutine's own stack (a stack object to scan). */
static void live_word(struct frame_roots *fw, uint64_t a)
{
	struct graph *g = fw->g;
	uint8_t w[8];
	uint64_t v;

	if (!ms_source_try_read(g->t->mem, a, w, g->ptr))
		return;
	v = ms_source_decode(g->t->mem, w, g->ptr);
	if (v >= fw->slo && v < fw->shi) {
		if (!ms_grow((void **)&fw->sptrs, &fw->sptrs_cap, fw->nsptrs, sizeof(*fw->sptrs))) {
			g->err = &ms_error_nomem;
			return;
		}
		fw->sptrs[fw->nsptrs++] = v;
		return;
	}
	root_word(g, fw->r, fw->v, fw->nv, a, v, fw->st); /* the word read once */
}

static void frame_objects(struct frame_roots *fw, const struct ms_frame *fr)
{
	struct graph *g = fw->g;
	struct ms_stack_object so;
	uint64_t n = 0;

	for (uint64_t i = 0;
	     !g->err && ms_binary_stack_object(g->t->exe, fr->fn.stack_objects, i, &n, &so); i++) {
		uint64_t at =
		    so.off < 0 ? fr->varp - (uint64_t)-so.off : fr->argp + (uint64_t)so.off;

		/* below sp: not allocated in the frame yet (runtime scanframeworker) */
		if (!so.size || at < fr->sp || at < fw->slo || at >= fw->shi ||
		    so.size > fw->shi - at)
			continue;
		if (!ms_grow((void **)&fw->objs, &fw->objs_cap, fw->nobjs, sizeof(*fw->objs))) {
			g->err = &ms_error_nomem;
			return;
		}
		fw->objs[fw->nobjs++] = (struct sobj){at, so.size, so.ptrbytes, so.gcdata, false};
	}
}

static bool frame_word(void *arg, const struct ms_frame *fr)
{
	struct frame_roots *fw = arg;
	struct graph *g = fw->g;
	uint64_t hi = fr->argp + (uint64_t)fr->narg_words * g->ptr;

	/* asyncPreempt's frame holds the registers of the frame it interrupted */
	bool preempt = strcmp(fr->fn.name, "runtime.asyncPreempt") == 0;

	if (hi < fr->fp)
		hi = fr->fp;
	if (fw->conservative || preempt) {
		/* every word of its locals and arguments, as the GC's scanConservative does
		 * (runtime/mgcmark.go scanframeworker); the frames above it are at calls */
		uint64_t top = fr->argp + (fr->fn.args > 0 ? (uint64_t)fr->fn.args : 0);

		g->weak_mode = true;
		for (uint64_t a = fr->sp; a < (top > fr->fp ? top : fr->fp) && !g->err; a += g->ptr)
			live_word(fw, a);
		g->weak_mode = false;
	} else if (!fr->maps_known) { /* no stack maps: every word of the frame */
		g->weak_mode = true;
		root_range(g, fw->r, fw->v, fw->nv, fr->sp, fr->fp, fw->st);
		g->weak_mode = false;
	} else {
		for (uint64_t a = fr->sp; a < hi && !g->err; a += g->ptr)
			if (ms_frame_live(fr, a, g->ptr, g->ptr))
				live_word(fw, a);
		frame_objects(fw, fr);
	}
	fw->conservative = preempt;
	fw->low = fr->fp;
	return !g->err;
}

static int cmp_sobj(const void *a, const void *b)
{
	const struct sobj *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The stack objects the live words reach, and what they reach, scanned by their masks. */
static void scan_stack_objects(struct frame_roots *fw)
{
	struct graph *g = fw->g;

	if (!fw->nobjs)
		return;
	qsort(fw->objs, fw->nobjs, sizeof(*fw->objs), cmp_sobj);
	while (fw->nsptrs && !g->err) {
		uint64_t p = fw->sptrs[--fw->nsptrs];
		size_t lo = 0, hi = fw->nobjs;
		struct sobj *o;

		while (lo < hi) { /* the last object starting at or below p */
			size_t mid = lo + (hi - lo) / 2;

			if (fw->objs[mid].addr <= p)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!lo)
			continue;
		o = &fw->objs[lo - 1];
		if (o->scanned || p >= o->addr + o->size)
			continue;
		o->scanned = true;
		fw->st->stack_objects++;
		for (uint64_t w = 0; w < o->ptrbytes / g->ptr && !g->err; w++) {
			uint8_t m;

			if (o->gcdata &&
			    (!ms_source_try_read(g->t->exe->mem, o->gcdata + w / 8, &m, 1) ||
			     !(m >> (w % 8) & 1)))
				continue;
			live_word(fw, o->addr + w * g->ptr);
		}
	}
}

/* The specials the GC takes for roots (runtime/mgcmark.go markrootSpans): a finalizer's
 * funcval and what its object points to (not the object: it is what the finalizer waits
 * for), a cleanup's funcval (1.26+: cleanupFn's call, fn and arg), a weak handle. */
struct special_roots {
	struct graph *g;
	struct roots *r;
	const struct vrange *v;
	size_t nv;
	struct ms_heapgraph_stats *st;
	uint8_t *done; /* objects whose edges were taken (a damaged list can repeat one) */
};

static bool special_root(void *arg, const struct ms_heap_special *sp)
{
	struct special_roots *sr = arg;
	struct graph *g = sr->g;

	for (unsigned k = 0; k < sp->nwords && !g->err; k++) {
		uint8_t w[8];

		if (ms_source_try_read(g->t->mem, sp->words[k], w, g->ptr))
			root_word(g, sr->r, sr->v, sr->nv, sp->words[k],
			          ms_source_decode(g->t->mem, w, g->ptr), sr->st);
	}
	if (sp->kind == MS_SPECIAL_FINALIZER && !sp->noscan && !g->err) {
		uint32_t id = node_of(g, sp->obj);

		if (id == NONE || bit(sr->done, id))
			return true;
		sr->done[id / 8] |= (uint8_t)(1u << (id % 8));
		/* its out edges, as scan_heap found them */
		for (uint32_t e = g->off[id]; e < g->off[id + 1]; e++) {
			if (!ms_grow((void **)&sr->r->ids, &sr->r->cap, sr->r->n,
			             sizeof(*sr->r->ids))) {
				g->err = &ms_error_nomem;
				break;
			}
			sr->r->ids[sr->r->n++] = g->dst[e];
		}
	}
	return !g->err;
}

/* The root's edges (data, bss, stacks, specials) and the virtual nodes' edges. */
static bool add_roots(struct graph *g, struct vrange *v, size_t nv, struct ms_heapgraph_stats *st)
{
	struct roots r = {0};
	struct ms_stack *stacks = NULL;
	size_t nstacks = 0;
	uint64_t ranges[2][2];
	const char *names[2] = {".data", ".bss"};
	struct ms_error *err;

	struct ms_rtmeta rm;
	uint8_t *masks[2] = {NULL, NULL};

	memcpy(ranges, g->t->globals, sizeof(ranges));
	ms_target_rtmeta(g->t, &rm);
	err = ms_rtmeta_gc_masks(&rm, ranges, masks);
	if (err && ms_error_code(err) == MS_ERR_NOMEM) {
		g->err = err;
		return false;
	}
	ms_error_destroy(err);
	for (int k = 0; k < 2; k++) {
		const struct ms_section *s;

		if (ranges[k][1] > ranges[k][0])
			continue;
		s = ms_binary_section(g->t->exe, names[k]);
		ranges[k][0] = s ? s->addr : 0;
		ranges[k][1] = s ? s->addr + s->size : 0;
	}
	for (int k = 0; k < 2 && !g->err; k++) {
		if (ranges[k][1] <= ranges[k][0] || ranges[k][1] - ranges[k][0] >= (1ull << 34))
			continue;
		if (!masks[k]) { /* no bitmap: every word */
			st->conservative_globals = true;
			g->weak_mode = true;
			root_range(g, &r, v, nv, ranges[k][0], ranges[k][1], st);
			g->weak_mode = false;
			continue;
		}
		for (uint64_t a = ranges[k][0]; a + g->ptr <= ranges[k][1] && !g->err;) {
			uint64_t w = (a - ranges[k][0]) / g->ptr, end = a;

			if (!bit(masks[k], w)) {
				a += g->ptr;
				continue;
			}
			while (end + g->ptr <= ranges[k][1] &&
			       bit(masks[k], (end - ranges[k][0]) / g->ptr))
				end += g->ptr;
			root_range(g, &r, v, nv, a, end, st);
			a = end;
		}
	}
	free(masks[0]);
	free(masks[1]);
	err = ms_target_stacks(g->t, &stacks, &nstacks);
	if (err && ms_error_code(err) == MS_ERR_NOMEM)
		g->err = err;
	else
		ms_error_destroy(err);
	if (nstacks)
		ms_target_thread_stacks(g->t, stacks, nstacks);
	for (size_t i = 0; i < nstacks && !g->err; i++) {
		/* its frames by their stack maps, from its saved sp or its thread's (what
		 * the unwinder cannot reach: every word); every word of a running one whose
		 * thread is not known */
		struct frame_roots fw = {.g = g,
		                         .r = &r,
		                         .v = v,
		                         .nv = nv,
		                         .st = st,
		                         .low = stacks[i].lo,
		                         .slo = stacks[i].lo,
		                         .shi = stacks[i].hi};
		bool in = stacks[i].sp > stacks[i].lo && stacks[i].sp < stacks[i].hi;
		bool running = (stacks[i].status & ~0x1000u) == 2; /* _Grunning, maybe _Gscan */
		/* on its M's system stack: its own stack is at a call (g.sched), unwound as
		 * a waiting one's, by its stack maps (word by word, dead words of
		 * sysspin's frames kept m's groups alive); on its thread: from the thread's
		 * pc and sp, its innermost frame word by word, the frames above it by their
		 * stack maps at their calls (all words from the thread's sp kept a map's
		 * groups alive through dead words of main.spin's frame) */
		bool on_thread = running && stacks[i].on_thread && !stacks[i].on_system_stack;
		bool saved = in && (!running || stacks[i].on_system_stack || on_thread);
		unsigned nframes = 0;
		bool complete = false;

		if (saved) {
			struct ms_error *e;

			fw.low = stacks[i].sp;
			fw.conservative = on_thread;
			e = ms_target_unwind(g->t, &stacks[i], frame_word, &fw, &nframes,
			                     &complete);
			if (e && ms_error_code(e) == MS_ERR_NOMEM)
				g->err = e;
			else
				ms_error_destroy(e);
			if (!complete)
				st->conservative_stacks++;
			scan_stack_objects(&fw);
			free(fw.objs);
			free(fw.sptrs);
		} else {
			st->conservative_stacks++;
		}
		if (!complete && fw.low < stacks[i].hi) {
			g->weak_mode = true;
			root_range(g, &r, v, nv, fw.low, stacks[i].hi, st);
			g->weak_mode = false;
		}
	}
	free(stacks);
	if (!g->err) {
		struct special_roots sr = {g, &r, v, nv, st, calloc((uint64_t)g->nobj / 8 + 1, 1)};

		if (!sr.done) {
			g->err = &ms_error_nomem;
		} else {
			err = ms_heap_each_special(g->t, special_root, &sr);
			ms_error_destroy(err); /* no layout of the specials: none */
		}
		free(sr.done);
	}
	if (!g->err && r.n) {
		size_t u = 0;

		qsort(r.ids, r.n, sizeof(*r.ids), cmp_u32);
		for (size_t i = 0; i < r.n; i++)
			if (!u || r.ids[u - 1] != r.ids[i])
				r.ids[u++] = r.ids[i];
		r.n = u;
	}
	g->off[g->root] = (uint32_t)g->ndst;
	for (size_t i = 0; i < r.n && !g->err; i++)
		push_edge(g, r.ids[i]);
	free(r.ids);
	/* virtual nodes, in node order: the root points to each, each to its header's
	 * pointer words */
	for (size_t i = 0; i < nv && !g->err; i++)
		push_edge(g, g->root + 1 + (uint32_t)i);
	for (uint32_t k = 0; k < nv && !g->err; k++) {
		size_t i = 0;

		while (v[i].node != g->root + 1 + k)
			i++;
		g->off[v[i].node] = (uint32_t)g->ndst;
		for (unsigned j = 0; j < v[i].map->nptr && !g->err; j++) {
			uint8_t w[8];
			uint32_t last = NONE;

			if (v[i].map->ptr_off[j] < v[i].hi - v[i].lo &&
			    v[i].map->ptr_off[j] + g->ptr <= v[i].hi - v[i].lo &&
			    ms_source_try_read(g->t->mem, v[i].lo + v[i].map->ptr_off[j], w,
			                       g->ptr))
				edge_to(g, ms_source_decode(g->t->mem, w, g->ptr), NONE, &last);
		}
	}
	g->off[g->nnodes] = (uint32_t)g->ndst;
	return !g->err;
}

struct dom {
	uint32_t n;       /* reached nodes */
	uint32_t *num;    /* node -> preorder + 1; 0 unreached */
	uint32_t *vertex; /* preorder -> node */
	uint32_t *idom;   /* preorder -> preorder of the immediate dominator */
};

static void dfs_from(const struct graph *g, struct dom *d, uint32_t start, uint32_t parent_pre,
                     uint32_t *parent, uint32_t *stk, uint32_t *pos)
{
	size_t top = 0;

	d->num[start] = ++d->n;
	d->vertex[d->n - 1] = start;
	parent[d->n - 1] = parent_pre;
	stk[top] = start;
	pos[top++] = g->off[start];
	while (top) {
		uint32_t v = stk[top - 1];

		if (pos[top - 1] == g->off[v + 1]) {
			top--;
			continue;
		}
		{
			uint32_t w = g->dst[pos[top - 1]++];

			if (d->num[w])
				continue;
			d->num[w] = ++d->n;
			d->vertex[d->n - 1] = w;
			parent[d->n - 1] = d->num[v] - 1;
			stk[top] = w;
			pos[top++] = g->off[w];
		}
	}
}

/*
 * The objects only conservative words reach (g->weak), once the precise roots' are
 * numbered: a stale register or a dead slot read conservatively is no holder of what
 * a precise root reaches too, or the retained size of a map whose storage such a word
 * still points at would shrink to its header (an asyncPreempt frame's registers held
 * the groups of a map its goroutine had ranged over). Of those, the ones no other such
 * object reaches become roots of their own (into extra; the count), in the order met,
 * then whatever a cycle among them left. stk and pos are dfs_from's work space; the
 * marks of the first pass are d->idom's, which dfs_from overwrites after.
 */
static size_t weak_sources(const struct graph *g, struct dom *d, uint32_t *extra, uint32_t *stk,
                           uint32_t *pos)
{
	uint8_t *mark = calloc((uint64_t)g->nnodes / 8 + 1, 1);
	size_t nextra = 0;

	if (!mark) { /* no marks: each unreached one is a root, as met */
		for (size_t k = 0; k < g->weak.n; k++)
			if (!d->num[g->weak.ids[k]]) {
				extra[nextra++] = g->weak.ids[k];
				dfs_from(g, d, g->weak.ids[k], 0, d->idom, stk, pos);
			}
		return nextra;
	}
	/* mark what the unreached ones reach through at least one edge */
	for (size_t k = 0; k < g->weak.n; k++) {
		size_t top = 0;

		if (d->num[g->weak.ids[k]])
			continue;
		stk[top] = g->weak.ids[k];
		pos[top++] = g->off[g->weak.ids[k]];
		while (top) {
			uint32_t v = stk[top - 1], w;

			if (pos[top - 1] == g->off[v + 1]) {
				top--;
				continue;
			}
			w = g->dst[pos[top - 1]++];
			if (d->num[w] || bit(mark, w))
				continue;
			mark[w / 8] |= (uint8_t)(1u << (w % 8));
			stk[top] = w;
			pos[top++] = g->off[w];
		}
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < g->weak.n; k++) {
			uint32_t w = g->weak.ids[k];

			if (d->num[w] || (pass == 0 && bit(mark, w)))
				continue;
			extra[nextra++] = w;
			dfs_from(g, d, w, 0, d->idom, stk, pos);
		}
	free(mark);
	return nextra;
}

/* Lengauer-Tarjan's eval: the node of least semi-dominator on v's path to the root of
 * its tree in the forest being linked, with path compression (iterative). */
static uint32_t eval(uint32_t *anc, uint32_t *label, const uint32_t *semi, uint32_t *path,
                     uint32_t v)
{
	size_t np = 0;
	uint32_t x = v;

	if (anc[v] == NONE)
		return v;
	while (anc[anc[x]] != NONE) {
		path[np++] = x;
		x = anc[x];
	}
	while (np) {
		uint32_t y = path[--np];

		if (semi[label[anc[y]]] < semi[label[y]])
			label[y] = label[anc[y]];
		anc[y] = anc[anc[y]];
	}
	return label[v];
}

/* Immediate dominators by Lengauer-Tarjan (simple linking, path compression). */
static bool dominators(struct graph *g, struct dom *d, const uint32_t *extra, size_t nextra)
{
	uint32_t n = d->n, *pred_off, *pred, *semi, *label, *anc, *path, *bhead, *bnext;
	bool ok = false;
	uint64_t npred = nextra;

	pred_off = calloc((uint64_t)n + 2, sizeof(*pred_off));
	if (!pred_off)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = d->vertex[i];

		for (uint32_t e = g->off[v]; e < g->off[v + 1]; e++)
			if (d->num[g->dst[e]]) {
				pred_off[d->num[g->dst[e]]]++;
				npred++;
			}
	}
	for (size_t k = 0; k < nextra; k++)
		pred_off[d->num[extra[k]]]++;
	for (uint32_t i = 0; i < n; i++)
		pred_off[i + 1] += pred_off[i];
	pred = malloc((npred ? npred : 1) * sizeof(*pred));
	semi = malloc((uint64_t)n * sizeof(*semi));
	label = malloc((uint64_t)n * sizeof(*label));
	anc = malloc((uint64_t)n * sizeof(*anc));
	path = malloc((uint64_t)n * sizeof(*path));
	bhead = malloc((uint64_t)n * sizeof(*bhead));
	bnext = malloc((uint64_t)n * sizeof(*bnext));
	if (!pred || !semi || !label || !anc || !path || !bhead || !bnext)
		goto out;
	g->bytes += (npred + 7ull * n) * 4;
	{ /* fill: pred_off[i] is the next free place of i's list, then back to its start */
		for (uint32_t i = 0; i < n; i++) {
			uint32_t v = d->vertex[i];

			for (uint32_t e = g->off[v]; e < g->off[v + 1]; e++) {
				uint32_t w = d->num[g->dst[e]];

				if (w)
					pred[pred_off[w - 1]++] = i;
			}
		}
		for (size_t k = 0; k < nextra; k++)
			pred[pred_off[d->num[extra[k]] - 1]++] = 0;
		memmove(pred_off + 1, pred_off, (uint64_t)n * sizeof(*pred_off));
		pred_off[0] = 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		semi[i] = i;
		label[i] = i;
		anc[i] = NONE;
		bhead[i] = NONE;
	}
	/* Lengauer-Tarjan: semi-dominators in reverse preorder; each node waits in its
	 * semi-dominator's bucket until that one's subtree is linked, then gets its
	 * immediate dominator or a node with the same one (fixed in preorder after) */
	for (uint32_t i = n - 1; i >= 1; i--) {
		uint32_t par = d->idom[i];

		for (uint32_t e = pred_off[i]; e < pred_off[i + 1]; e++) {
			uint32_t u = eval(anc, label, semi, path, pred[e]);

			if (semi[u] < semi[i])
				semi[i] = semi[u];
		}
		bnext[i] = bhead[semi[i]];
		bhead[semi[i]] = i;
		anc[i] = par; /* link to the DFS parent */
		for (uint32_t v = bhead[par]; v != NONE; v = bnext[v]) {
			uint32_t u = eval(anc, label, semi, path, v);

			d->idom[v] = semi[u] < semi[v] ? u : par; /* v > i: its parent is used */
		}
		bhead[par] = NONE;
	}
	d->idom[0] = 0;
	for (uint32_t i = 1; i < n; i++)
		if (d->idom[i] != semi[i])
			d->idom[i] = d->idom[d->idom[i]];
	ok = true;
out:
	free(pred_off);
	free(pred);
	free(semi);
	free(label);
	free(anc);
	free(path);
	free(bhead);
	free(bnext);
	return ok;
}

bool ms_dominator_tree(uint32_t n, const uint32_t *off, const uint32_t *dst, uint32_t root,
                       uint32_t *ret_idom)
{
	struct graph g = {.off = (uint32_t *)off, .dst = (uint32_t *)dst};
	struct dom d = {0};
	uint32_t *stk = malloc((n ? n : 1) * sizeof(*stk)),
	         *pos = malloc((n ? n : 1) * sizeof(*pos));
	bool ok = false;

	d.num = calloc(n ? n : 1, sizeof(*d.num));
	d.vertex = malloc((n ? n : 1) * sizeof(*d.vertex));
	d.idom = malloc((n ? n : 1) * sizeof(*d.idom));
	if (stk && pos && d.num && d.vertex && d.idom && root < n) {
		dfs_from(&g, &d, root, 0, d.idom, stk, pos);
		ok = dominators(&g, &d, NULL, 0);
	}
	for (uint32_t v = 0; ok && v < n; v++)
		ret_idom[v] = d.num[v] ? d.vertex[d.idom[d.num[v] - 1]] : NONE;
	free(stk);
	free(pos);
	free(d.num);
	free(d.vertex);
	free(d.idom);
	return ok;
}

/* Each map's node: the heap object of its header, or a virtual node. */
static bool map_nodes(struct graph *g, struct ms_heapgraph_map *maps, size_t n, uint32_t *node,
                      struct vrange **ret_v, size_t *ret_nv)
{
	struct vrange *v = calloc(n ? n : 1, sizeof(*v));
	size_t nv = 0;

	if (!v) {
		g->err = &ms_error_nomem;
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		node[i] = node_of(g, maps[i].addr);
		if (node[i] != NONE)
			continue;
		node[i] = g->root + 1 + (uint32_t)nv;
		v[nv].lo = maps[i].addr;
		v[nv].hi = maps[i].addr + maps[i].hdr_bytes;
		v[nv].node = node[i];
		v[nv].map = &maps[i];
		nv++;
	}
	if (nv)
		qsort(v, nv, sizeof(*v), cmp_vrange);
	*ret_v = v;
	*ret_nv = nv;
	return true;
}

static void graph_free(struct graph *g)
{
	if (g->types)
		for (size_t i = 0; i < TCACHE; i++)
			free(g->types[i].mask);
	free(g->types);
	free(g->spans);
	free(g->pages);
	free(g->sizes);
	free(g->alloc);
	free(g->off);
	free(g->dst);
}

/* Payload of every map: what its node reaches, less its own storage. */
static void payloads(struct graph *g, struct ms_heapgraph_map *maps, size_t n, const uint32_t *node,
                     uint32_t *stamp, uint32_t *queue, struct ms_heapgraph_stats *st)
{
	uint64_t budget = 64ull * g->nnodes + (1ull << 24);

	memset(stamp, 0, (uint64_t)g->nnodes * sizeof(*stamp));
	for (size_t i = 0; i < n; i++) {
		uint64_t bytes = 0;
		size_t qh = 0, qt = 0;

		if (st->payload_visits > budget) {
			st->payload_budget_hit = true;
			break;
		}
		stamp[node[i]] = (uint32_t)i + 1;
		queue[qt++] = node[i];
		while (qh < qt) {
			uint32_t v = queue[qh++];

			bytes += node_size(g, v);
			for (uint32_t e = g->off[v]; e < g->off[v + 1]; e++) {
				uint32_t w = g->dst[e];

				if (stamp[w] != (uint32_t)i + 1) {
					stamp[w] = (uint32_t)i + 1;
					queue[qt++] = w;
				}
			}
		}
		st->payload_visits += qt;
		maps[i].payload_bytes = bytes > maps[i].held_bytes ? bytes - maps[i].held_bytes : 0;
		maps[i].payload_known = true;
	}
}

struct ms_error *ms_heapgraph_measure(struct ms_target *t, struct ms_heapgraph_map *maps, size_t n,
                                      struct ms_heapgraph_stats *ret_stats)
{
	struct graph g = {.t = t, .ptr = t->ptr};
	struct dom d = {0};
	struct vrange *v = NULL;
	size_t nv = 0, nextra = 0;
	uint32_t *node = NULL, *stk = NULL, *pos = NULL, *extra = NULL;
	uint64_t *sz = NULL;
	uint8_t *under = NULL;
	struct ms_heapgraph_stats st = {0};
	struct ms_error *err;

	for (size_t i = 0; i < n; i++) {
		maps[i].payload_known = maps[i].retained_known = maps[i].nested = false;
		maps[i].payload_bytes = maps[i].retained_bytes = 0;
	}
	err = ms_heap_each_span(t, add_span, &g);
	if (err || g.err)
		goto out;
	if (!number_nodes(&g) || !read_alloc_bits(&g) || !scan_heap(&g, &st))
		goto out;
	st.edges = g.ndst;
	node = malloc((n ? n : 1) * sizeof(*node));
	if (!node) {
		g.err = &ms_error_nomem;
		goto out;
	}
	g.root = g.nobj;
	if (!map_nodes(&g, maps, n, node, &v, &nv))
		goto out;
	g.nnodes = g.nobj + 1 + (uint32_t)nv;
	{
		uint32_t *p = realloc(g.off, ((uint64_t)g.nnodes + 1) * sizeof(*p));

		if (!p) {
			g.err = &ms_error_nomem;
			goto out;
		}
		g.off = p;
	}
	if (!add_roots(&g, v, nv, &st))
		goto out;
	g.bytes += ((uint64_t)g.nnodes + 1) * 4 + g.dst_cap * 4;
	d.num = calloc(g.nnodes, sizeof(*d.num));
	d.vertex = malloc((uint64_t)g.nnodes * sizeof(*d.vertex));
	d.idom = malloc((uint64_t)g.nnodes * sizeof(*d.idom));
	stk = malloc((uint64_t)g.nnodes * sizeof(*stk));
	pos = malloc((uint64_t)g.nnodes * sizeof(*pos));
	extra = malloc((n + g.weak.n ? n + g.weak.n : 1) * sizeof(*extra));
	if (!d.num || !d.vertex || !d.idom || !stk || !pos || !extra) {
		g.err = &ms_error_nomem;
		goto out;
	}
	g.bytes += (uint64_t)g.nnodes * 20;
	dfs_from(&g, &d, g.root, 0, d.idom, stk, pos);
	nextra = weak_sources(&g, &d, extra, stk, pos);
	st.reached = d.n - 1 - nv;
	/* a map no root word reaches (a root mapsize does not know: a register, the
	 * finalizer queue) is a root of its own */
	for (size_t i = 0; i < n; i++)
		if (!d.num[node[i]]) {
			extra[nextra++] = node[i];
			dfs_from(&g, &d, node[i], 0, d.idom, stk, pos);
		}
	free(pos);
	pos = NULL;
	if (!dominators(&g, &d, extra, nextra)) {
		g.err = &ms_error_nomem;
		goto out;
	}
	fill_sizes(&g);
	sz = calloc(d.n, sizeof(*sz));
	under = calloc(d.n, 1);
	if (!sz || !under) {
		g.err = &ms_error_nomem;
		goto out;
	}
	g.bytes += (uint64_t)d.n * 9;
	for (uint32_t i = 0; i < d.n; i++)
		sz[i] = node_size(&g, d.vertex[i]);
	for (uint32_t i = d.n - 1; i >= 1; i--)
		sz[d.idom[i]] += sz[i];
	for (size_t i = 0; i < n; i++)
		under[d.num[node[i]] - 1] |= 1;
	for (uint32_t i = 1; i < d.n; i++)
		if (under[d.idom[i]])
			under[i] |= 2;
	for (size_t i = 0; i < n; i++) {
		uint32_t p = d.num[node[i]] - 1;

		maps[i].retained_bytes = sz[p];
		maps[i].retained_known = true;
		maps[i].nested = under[p] & 2;
	}
	/* payloads by address: maps of one node (none should share) visit in order */
	payloads(&g, maps, n, node, d.num, d.vertex, &st);
out:
	st.graph_bytes = g.bytes;
	st.precise = g.precise;
	st.conservative = g.conservative;
	if (ret_stats)
		*ret_stats = st;
	if (!err)
		err = g.err;
	free(v);
	free(node);
	free(stk);
	free(pos);
	free(extra);
	free(g.weak.ids);
	free(sz);
	free(under);
	free(d.num);
	free(d.vertex);
	free(d.idom);
	graph_free(&g);
	return err;
}
