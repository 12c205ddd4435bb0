/* SPDX-License-Identifier: MIT */
/*
 * The Go heap of a target: address -> span -> object, through
 * mheap_.arenas[L1][L2].spans[page] (runtime/mheap.go, malloc.go), with the
 * span structures' offsets from DWARF. Decoded spans are cached.
 */
#include <stdlib.h>
#include <string.h>

#include "gover.h"
#include "target.h"

#define PAGE_BYTES   8192u
#define CACHE_SLOTS  4096u
#define MSPAN_MAX    512u /* bytes of runtime.mspan we read */
#define MSPAN_INUSE  1u   /* mSpanInUse */
#define MAX_ALLSPANS (1ull << 28)

struct span {
	uint64_t addr; /* the mspan itself; 0 = empty cache slot */
	uint64_t start, npages, freeindex, nelems, alloc_bits, elemsize;
	uint8_t spanclass, state;
	bool ok;
};

struct ms_span_cache {
	struct span slots[CACHE_SLOTS];
	uint64_t l2_addr[4]; /* mheap_.arenas[l1] for l1 < 4; 0 unknown, 1 nil */
	uint64_t arena_idx[64], arena_addr[64];
};

void ms_span_cache_destroy(struct ms_span_cache *c);
void ms_span_cache_destroy(struct ms_span_cache *c)
{
	free(c);
}

static bool heap_known(const struct ms_target *t)
{
	const struct ms_rt *rt = &t->rt;

	return rt->mheap.addr != UINT64_MAX && rt->mheap.arenas != UINT64_MAX &&
	       rt->mheap.l2_count && rt->mheap.l2_count != UINT64_MAX &&
	       rt->arena.spans != UINT64_MAX && rt->arena_bytes && rt->span.start != UINT64_MAX &&
	       rt->span.elemsize != UINT64_MAX && rt->span.size != UINT64_MAX &&
	       rt->span.size <= MSPAN_MAX;
}

static uint64_t field(const struct ms_target *t, const uint8_t *buf, uint64_t off, unsigned n)
{
	if (off == UINT64_MAX || off + n > t->rt.span.size)
		return 0;
	return ms_source_decode(t->mem, buf + off, n);
}

static bool decode_span(struct ms_target *t, uint64_t addr, struct span *s)
{
	const struct ms_rt *rt = &t->rt;
	uint8_t buf[MSPAN_MAX];
	struct ms_error *err = ms_source_read(t->mem, addr, buf, rt->span.size);

	memset(s, 0, sizeof(*s));
	s->addr = addr;
	if (err) {
		ms_error_destroy(err);
		return false;
	}
	s->start = field(t, buf, rt->span.start, t->ptr);
	s->npages = field(t, buf, rt->span.npages, t->ptr);
	s->freeindex = field(t, buf, rt->span.freeindex, rt->span.freeindex_bytes);
	s->nelems = field(t, buf, rt->span.nelems, rt->span.nelems_bytes);
	s->alloc_bits = field(t, buf, rt->span.alloc_bits, t->ptr);
	s->elemsize = field(t, buf, rt->span.elemsize, t->ptr);
	s->spanclass = (uint8_t)field(t, buf, rt->span.spanclass, 1);
	s->state = (uint8_t)field(t, buf, rt->span.state, 1);
	s->ok = s->state == MSPAN_INUSE && s->elemsize > 0 && s->npages > 0 &&
	        s->npages < (1ull << 40) && s->start + s->npages * PAGE_BYTES > s->start;
	if (s->ok && s->spanclass >> 1) {
		/* a span of small objects has its class's object size and pages: one that
		 * says otherwise is damaged (65535 pages of 16-byte objects made 33 million
		 * heap graph nodes of a 35 MB core) */
		uint64_t elemsize, npages;

		s->ok = ms_size_class_span(s->spanclass >> 1, &elemsize, &npages) &&
		        s->elemsize == elemsize && s->npages == npages;
	}
	return true;
}

static const struct span *span_at(struct ms_target *t, uint64_t span_addr)
{
	struct ms_span_cache *c = t->spans;
	struct span *s = &c->slots[(span_addr >> 4) % CACHE_SLOTS];

	if (s->addr != span_addr && !decode_span(t, span_addr, s))
		return NULL;
	return s->ok ? s : NULL;
}

static bool rd_ptr(struct ms_target *t, uint64_t addr, uint64_t *ret)
{
	return ms_source_try_ptr(t->mem, addr, ret);
}

static uint64_t read_ptr_or0(struct ms_target *t, uint64_t addr)
{
	uint64_t v = 0;

	return ms_source_try_ptr(t->mem, addr, &v) ? v : 0;
}

/* The heapArena of addr, or 0. */
static uint64_t arena_of(struct ms_target *t, uint64_t addr)
{
	const struct ms_rt *rt = &t->rt;
	struct ms_span_cache *c = t->spans;
	uint64_t idx = (addr - rt->arena_base_offset) / rt->arena_bytes;
	uint64_t l2count = rt->mheap.l2_count;
	uint64_t l1 = idx / l2count, l2 = idx % l2count, l2addr, slot = idx % 64;

	if (c->arena_idx[slot] == idx + 1)
		return c->arena_addr[slot];
	if (l1 >= rt->mheap.l1_count || l1 >= 4)
		return 0;
	if (!c->l2_addr[l1]) {
		uint64_t p = read_ptr_or0(t, rt->mheap.addr + rt->mheap.arenas + l1 * t->ptr);
		c->l2_addr[l1] = p ? p : 1;
	}
	l2addr = c->l2_addr[l1];
	if (l2addr == 1)
		return 0;
	c->arena_idx[slot] = idx + 1;
	c->arena_addr[slot] = read_ptr_or0(t, l2addr + l2 * t->ptr);
	return c->arena_addr[slot];
}

bool ms_heap_arena(struct ms_target *t, uint64_t addr, uint64_t *ret_arena, uint64_t *ret_lo,
                   uint64_t *ret_hi)
{
	const struct ms_rt *rt = &t->rt;
	uint64_t idx;

	if (!heap_known(t))
		return false;
	if (!t->spans) {
		t->spans = calloc(1, sizeof(*t->spans));
		if (!t->spans)
			return false;
	}
	/* arenaIndex: modular (arenaBaseOffset wraps on amd64) */
	idx = (addr - rt->arena_base_offset) / rt->arena_bytes;
	*ret_arena = arena_of(t, addr);
	*ret_lo = rt->arena_base_offset + idx * rt->arena_bytes;
	*ret_hi = *ret_lo + rt->arena_bytes;
	return *ret_arena != 0;
}

static bool span_has_headers(const struct ms_target *t, const struct span *s)
{
	/* malloc.go (1.22+): pointerful small objects over ptr*ptr*8 bytes carry a header */
	return ms_go_facts(&t->go)->malloc_headers && !(s->spanclass & 1) &&
	       (s->spanclass >> 1) != 0 && s->elemsize > (uint64_t)t->ptr * t->ptr * 8;
}

static void object_of(const struct ms_target *t, const struct span *s, uint64_t idx,
                      struct ms_heap_obj *ret)
{
	ret->base = s->start + idx * s->elemsize;
	ret->elemsize = s->elemsize;
	ret->span_start = s->start;
	ret->span_bytes = s->npages * PAGE_BYTES;
	ret->spanclass = s->spanclass;
	ret->noscan = s->spanclass & 1;
	ret->malloc_header = span_has_headers(t, s);
	ret->allocated = true;
}

static bool alloc_bit(struct ms_target *t, const struct span *s, uint64_t idx)
{
	uint8_t byte;
	struct ms_error *err;

	if (idx < s->freeindex)
		return true;
	if (!s->alloc_bits)
		return false;
	err = ms_source_read(t->mem, s->alloc_bits + idx / 8, &byte, 1);
	if (err) {
		ms_error_destroy(err);
		return true; /* cannot tell: trust the pointer that led here */
	}
	return byte & (1u << (idx % 8));
}

bool ms_heap_find(struct ms_target *t, uint64_t addr, struct ms_heap_obj *ret)
{
	const struct ms_rt *rt = &t->rt;
	const struct span *s;
	uint64_t arena, span_addr, idx;
	struct ms_heap_obj scratch;

	if (!ret)
		ret = &scratch;
	if (t->heap_find)
		return addr && t->heap_find(t, addr, ret);
	if (!heap_known(t) || addr == 0)
		return false;
	if (!t->spans) {
		t->spans = calloc(1, sizeof(*t->spans));
		if (!t->spans)
			return false;
	}
	arena = arena_of(t, addr);
	if (!arena)
		return false;
	span_addr = read_ptr_or0(t, arena + rt->arena.spans +
	                                ((addr / PAGE_BYTES) % rt->arena.spans_count) * t->ptr);
	if (!span_addr)
		return false;
	s = span_at(t, span_addr);
	if (!s || addr < s->start || addr - s->start >= s->npages * PAGE_BYTES)
		return false;
	idx = (addr - s->start) / s->elemsize;
	if (s->nelems && idx >= s->nelems)
		return false;
	object_of(t, s, idx, ret);
	ret->allocated = alloc_bit(t, s, idx);
	return true;
}

uint64_t ms_heap_large_type(struct ms_target *t, uint64_t addr)
{
	const struct ms_rt *rt = &t->rt;
	struct ms_heap_obj o;
	uint64_t arena, span_addr;

	if (rt->span.large_type == UINT64_MAX || !ms_heap_find(t, addr, &o) || o.spanclass >> 1)
		return 0;
	arena = arena_of(t, addr);
	span_addr =
	    arena ? read_ptr_or0(t, arena + rt->arena.spans +
	                                ((addr / PAGE_BYTES) % rt->arena.spans_count) * t->ptr)
	          : 0;
	return span_addr ? read_ptr_or0(t, span_addr + rt->span.large_type) : 0;
}

/* Call fn(span) for each in-use span in mheap_.allspans. */
static struct ms_error *each_span(struct ms_target *t, bool (*fn)(void *, const struct span *),
                                  void *arg)
{
	const struct ms_rt *rt = &t->rt;
	uint64_t arr, len;
	struct ms_error *err;

	if (!heap_known(t) || rt->mheap.allspans == UINT64_MAX)
		return ms_error_create(MS_ERR_UNSUPPORTED, "the heap layout is unknown");
	if (!t->spans) {
		t->spans = calloc(1, sizeof(*t->spans));
		if (!t->spans)
			return &ms_error_nomem;
	}
	err = ms_source_read_ptr(t->mem, rt->mheap.addr + rt->mheap.allspans, &arr);
	if (!err)
		err =
		    ms_source_read_ptr(t->mem, rt->mheap.addr + rt->mheap.allspans + t->ptr, &len);
	if (err)
		return ms_error_prefix(err, "runtime.mheap_.allspans");
	if (len > MAX_ALLSPANS)
		return ms_error_create(MS_ERR_FORMAT, "runtime.mheap_.allspans has %llu spans",
		                       (unsigned long long)len);
	for (uint64_t i = 0; i < len; i += 512) {
		uint8_t buf[512 * 8];
		uint64_t n = len - i < 512 ? len - i : 512;

		err = ms_source_read(t->mem, arr + i * t->ptr, buf, n * t->ptr);
		if (err)
			return ms_error_prefix(err, "runtime.mheap_.allspans");
		for (uint64_t k = 0; k < n; k++) {
			struct span s;
			uint64_t p = ms_source_decode(t->mem, buf + k * t->ptr, t->ptr);

			if (p && decode_span(t, p, &s) && s.ok && !fn(arg, &s))
				return NULL;
		}
	}
	return NULL;
}

static bool add_inuse(void *arg, const struct span *s)
{
	*(uint64_t *)arg += s->npages * PAGE_BYTES;
	return true;
}

struct ms_error *ms_heap_inuse(struct ms_target *t, uint64_t *ret_bytes)
{
	uint64_t total = 0;
	struct ms_error *err = each_span(t, add_inuse, &total);

	if (!err)
		*ret_bytes = total;
	return err;
}

struct each_span_pub {
	bool (*fn)(void *arg, const struct ms_heap_span *s);
	void *arg;
};

static bool pub_span(void *arg, const struct span *s)
{
	struct each_span_pub *e = arg;
	struct ms_heap_span hs = {s->start,     s->npages,     s->elemsize, s->nelems,
	                          s->freeindex, s->alloc_bits, s->spanclass};

	return e->fn(e->arg, &hs);
}

struct ms_error *ms_heap_each_span(struct ms_target *t,
                                   bool (*fn)(void *arg, const struct ms_heap_span *s), void *arg)
{
	struct each_span_pub e = {fn, arg};

	return each_span(t, pub_span, &e);
}

struct each_special {
	struct ms_target *t;
	bool (*fn)(void *arg, const struct ms_heap_special *s);
	void *arg;
	unsigned fin, weak, cleanup; /* the version's kinds */
	bool stop;
};

static bool special_span(void *arg, const struct span *s)
{
	struct each_special *e = arg;
	struct ms_target *t = e->t;
	const struct ms_rt *rt = &t->rt;
	uint64_t p = read_ptr_or0(t, s->addr + rt->span.specials);
	uint64_t bytes = s->npages * PAGE_BYTES, nslots = s->elemsize ? bytes / s->elemsize : 0;
	/* a slot has at most a few specials (one of each kind), a span at most 1024 slots:
	 * more is a damaged list (a cycle) */
	uint64_t limit = nslots && nslots < 2048 ? 8 * nslots : 8 * 2048;

	uint64_t saved = 0, power = 1, lam = 0; /* Brent's cycle detection */

	for (uint64_t n = 0; p && n < limit && !e->stop; n++) {
		struct ms_heap_special sp = {.addr = p, .noscan = s->spanclass & 1};
		uint64_t off = 0, kind = 0;

		if (!ms_source_try_uint(t->mem, p + rt->special.offset, rt->special.offset_bytes,
		                        &off) ||
		    !ms_source_try_uint(t->mem, p + rt->special.kind, 1, &kind) || !s->elemsize ||
		    off >= bytes)
			break;
		sp.obj = s->start + off / s->elemsize * s->elemsize;
		if (kind == e->fin && rt->special.finalizer_fn != UINT64_MAX) {
			sp.kind = MS_SPECIAL_FINALIZER;
			sp.words[sp.nwords++] = p + rt->special.finalizer_fn;
			if (rt->special.finalizer_ot != UINT64_MAX)
				sp.ot = read_ptr_or0(t, p + rt->special.finalizer_ot);
		} else if (e->cleanup && kind == e->cleanup &&
		           rt->special.cleanup_fn != UINT64_MAX) {
			sp.kind = MS_SPECIAL_CLEANUP;
			for (uint64_t w = 0; w < rt->special.cleanup_words && w < 3; w++)
				sp.words[sp.nwords++] = p + rt->special.cleanup_fn + w * t->ptr;
		} else if (e->weak && kind == e->weak && rt->special.weak_handle != UINT64_MAX) {
			sp.kind = MS_SPECIAL_WEAK;
			sp.words[sp.nwords++] = p + rt->special.weak_handle;
		}
		if (sp.nwords && !e->fn(e->arg, &sp))
			e->stop = true;
		p = read_ptr_or0(t, p + rt->special.next);
		if (p == saved) /* a damaged list's cycle: seen once is enough */
			break;
		if (++lam == power) {
			saved = p;
			power *= 2;
			lam = 0;
		}
	}
	return !e->stop;
}

struct ms_error *ms_heap_each_special(struct ms_target *t,
                                      bool (*fn)(void *arg, const struct ms_heap_special *s),
                                      void *arg)
{
	struct each_special e = {t, fn, arg, 0, 0, 0, false};
	const struct ms_rt *rt = &t->rt;

	if (rt->span.specials == UINT64_MAX || rt->special.next == UINT64_MAX ||
	    rt->special.offset == UINT64_MAX || rt->special.kind == UINT64_MAX ||
	    !rt->special.offset_bytes || rt->special.offset_bytes > 8)
		return ms_error_create(MS_ERR_UNSUPPORTED,
		                       "the layout of runtime.special is unknown");
	ms_go_special_kinds(&t->go, &e.fin, &e.weak, &e.cleanup);
	return each_span(t, special_span, &e);
}

struct each_obj {
	struct ms_target *t;
	uint64_t elemsize;
	bool (*fn)(void *arg, const struct ms_heap_obj *obj);
	void *arg;
	bool stop;
};

static bool visit_span_objects(void *arg, const struct span *s)
{
	struct each_obj *e = arg;
	uint64_t n = s->nelems;

	if (s->elemsize != e->elemsize || (s->spanclass >> 1) == 0)
		return true;
	if (!n || n > s->npages * PAGE_BYTES / s->elemsize)
		n = s->npages * PAGE_BYTES / s->elemsize;
	for (uint64_t i = 0; i < n; i++) {
		struct ms_heap_obj o;

		if (!alloc_bit(e->t, s, i))
			continue;
		object_of(e->t, s, i, &o);
		if (!e->fn(e->arg, &o)) {
			e->stop = true;
			return false;
		}
	}
	return true;
}

struct ms_error *ms_heap_each_object(struct ms_target *t, uint64_t elemsize,
                                     bool (*fn)(void *arg, const struct ms_heap_obj *obj),
                                     void *arg)
{
	struct each_obj e = {t, elemsize, fn, arg, false};

	return each_span(t, visit_span_objects, &e);
}

/* [lo, hi) of the stack of the goroutine at gaddr; false if unknown */
static bool g_stack(struct ms_target *t, uint64_t gaddr, uint64_t *lo, uint64_t *hi)
{
	return gaddr && rd_ptr(t, gaddr + t->rt.g.stack_lo, lo) &&
	       rd_ptr(t, gaddr + t->rt.g.stack_hi, hi) && *lo < *hi && *hi - *lo <= (1ull << 30);
}

/* The M (thread) of the running goroutine at g: its system and signal stacks,
 * thread id and vDSO state, if its m.curg is g (runtime/runtime2.go). */
static void running_thread(struct ms_target *t, uint64_t g, struct ms_stack *st)
{
	const struct ms_rt *rt = &t->rt;
	uint64_t m, curg, g0, gsignal, v;

	if (rt->g.m == UINT64_MAX || rt->m.g0 == UINT64_MAX || rt->m.curg == UINT64_MAX ||
	    !rd_ptr(t, g + rt->g.m, &m) || !m || !rd_ptr(t, m + rt->m.curg, &curg) || curg != g ||
	    !rd_ptr(t, m + rt->m.g0, &g0) || !g_stack(t, g0, &st->g0_lo, &st->g0_hi))
		return;
	if (rt->m.gsignal != UINT64_MAX && rd_ptr(t, m + rt->m.gsignal, &gsignal) &&
	    !g_stack(t, gsignal, &st->gsignal_lo, &st->gsignal_hi))
		st->gsignal_lo = st->gsignal_hi = 0;
	if (rt->m.procid != UINT64_MAX && !ms_source_try_uint(t->mem, m + rt->m.procid, 8, &v))
		v = 0;
	st->procid = rt->m.procid != UINT64_MAX ? v : 0;
	if (rt->m.vdso_sp != UINT64_MAX && rt->m.vdso_pc != UINT64_MAX &&
	    rd_ptr(t, m + rt->m.vdso_sp, &st->vdso_sp) && st->vdso_sp &&
	    !rd_ptr(t, m + rt->m.vdso_pc, &st->vdso_pc))
		st->vdso_sp = st->vdso_pc = 0;
}

struct ms_error *ms_target_stacks(struct ms_target *t, struct ms_stack **ret, size_t *ret_n)
{
	const struct ms_rt *rt = &t->rt;
	uint64_t arr, len, glen = 0;
	struct ms_stack *stacks;
	size_t n = 0;
	struct ms_error *err;

	*ret = NULL;
	*ret_n = 0;
	if (rt->g.allgs == UINT64_MAX || rt->g.stack_lo == UINT64_MAX)
		return ms_error_create(MS_ERR_UNSUPPORTED, "runtime.allgs is unknown");
	err = ms_source_read_ptr(t->mem, rt->g.allgs, &arr);
	if (!err)
		err = ms_source_read_ptr(t->mem, rt->g.allgs + t->ptr, &len);
	if (err)
		return ms_error_prefix(err, "runtime.allgs");
	if (rt->g.allglen != UINT64_MAX) {
		ms_error_destroy(ms_source_read_ptr(t->mem, rt->g.allglen, &glen));
		if (glen && glen < len)
			len = glen;
	}
	if (len > (1u << 24))
		return ms_error_create(MS_ERR_FORMAT, "runtime.allgs has %llu goroutines",
		                       (unsigned long long)len);
	stacks = calloc(len ? len : 1, sizeof(*stacks));
	if (!stacks)
		return &ms_error_nomem;
	for (uint64_t i = 0; i < len; i++) {
		uint64_t g, lo, hi, status = 0, goid = 0;

		if (!rd_ptr(t, arr + i * t->ptr, &g) || !g)
			continue;
		if (!rd_ptr(t, g + rt->g.stack_lo, &lo) || !rd_ptr(t, g + rt->g.stack_hi, &hi) ||
		    lo >= hi || hi - lo > (1ull << 30))
			continue;
		if (rt->g.status != UINT64_MAX)
			ms_error_destroy(ms_source_read_uint(t->mem, g + rt->g.status, 4, &status));
		if (rt->g.goid != UINT64_MAX)
			ms_error_destroy(ms_source_read_uint(t->mem, g + rt->g.goid, 8, &goid));
		if (ms_go_gstatus_dead(&t->go, (uint32_t)status))
			continue;
		if (rt->g.sched_sp != UINT64_MAX && !rd_ptr(t, g + rt->g.sched_sp, &stacks[n].sp))
			stacks[n].sp = 0;
		if (rt->g.sched_pc != UINT64_MAX && !rd_ptr(t, g + rt->g.sched_pc, &stacks[n].pc))
			stacks[n].pc = 0;
		/* runtime/traceback.go (unwinder.initAt, 1.21+; gentraceback before):
		 * a goroutine in a system call is unwound from g.syscallsp/syscallpc */
		if (rt->g.syscallsp != UINT64_MAX && rt->g.syscallpc != UINT64_MAX) {
			uint64_t ssp, spc;

			if (rd_ptr(t, g + rt->g.syscallsp, &ssp) && ssp &&
			    rd_ptr(t, g + rt->g.syscallpc, &spc) && spc) {
				stacks[n].sp = ssp;
				stacks[n].pc = spc;
			}
		}
		if ((status & ~0x1000u) == 2 /* _Grunning (maybe _Gscan) */)
			running_thread(t, g, &stacks[n]);
		stacks[n].lo = lo;
		stacks[n].hi = hi;
		stacks[n].goid = goid;
		stacks[n].status = (uint32_t)status;
		n++;
	}
	*ret = stacks;
	*ret_n = n;
	return NULL;
}

uint64_t ms_heap_inline_mark_bytes(const struct ms_target *t, uint64_t elemsize)
{
	const char *v = t->exe && t->exe->go_version_text ? t->exe->go_version_text : "";
	bool on = t->go.minor >= 26
	              ? !strstr(v, "nogreenteagc")
	              : t->go.minor == 25 && strstr(v, "greenteagc") && !strstr(v, "nogreenteagc");

	return on && elemsize >= 16 ? 128 : 0;
}

int ms_heap_arena_ptr_bits(struct ms_target *t, uint64_t obj_start, uint64_t base, uint64_t nwords,
                           uint8_t *bits)
{
	bool two_bits = t->go.minor <= 19;
	uint64_t arena = 0, lo = 1, hi = 0, nomore_off = 0;
	uint8_t win[512], more = 0;
	uint64_t win_word = UINT64_MAX, win_words = 0; /* the words win[] holds */

	memset(bits, 0, (nwords + 7) / 8);
	for (uint64_t i = 0; i < nwords; i++) {
		uint64_t a = base + i * t->ptr, w, idx;
		bool ptr_bit;

		if (a < lo || a >= hi) {
			if (!ms_heap_arena(t, a, &arena, &lo, &hi))
				return i > 0 ? 1 : -1;
			nomore_off = (hi - lo) / t->ptr / 8; /* bitmap bytes (one bit per word) */
			win_word = UINT64_MAX;
		}
		w = (a - lo) / t->ptr;
		if (win_word == UINT64_MAX || w < win_word || w >= win_word + win_words) {
			uint64_t first = w / 64 * 64, byte = two_bits ? first / 4 : first / 8;
			/* what the words left need, whole 64-word blocks (a few bytes for a bucket)
			 */
			uint64_t left = (w - first) + (nwords - i) + 63, need;

			need = (left / 64) * (two_bits ? 16 : 8);
			if (need > sizeof(win))
				need = sizeof(win);
			if (!ms_source_try_read(t->mem, arena + byte, win, need))
				return i > 0 ? 1 : -1;
			win_word = first;
			win_words = need * (two_bits ? 4 : 8);
		}
		if (two_bits) {
			uint8_t b = win[(w - win_word) / 4];

			if (!(b & (1u << (4 + w % 4))))
				return 0; /* dead: no more pointers (1.19 scanobject) */
			ptr_bit = b & (1u << (w % 4));
		} else {
			idx = w / 64; /* the bitmap word */
			if (w % 64 == 0 && a > obj_start) {
				/* entering a new bitmap word: the previous one may say no more */
				if (ms_source_try_read(t->mem, arena + nomore_off + (idx - 1) / 8,
				                       &more, 1) &&
				    (more & (1u << ((idx - 1) % 8))))
					return 0;
			}
			ptr_bit = win[(w - win_word) / 8] & (1u << (w % 8));
		}
		if (ptr_bit)
			bits[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	return 1;
}

bool ms_heap_ptr_bits(struct ms_target *t, const struct ms_heap_obj *o, uint64_t addr,
                      uint64_t nwords, uint8_t *bits)
{
	uint64_t first, nbytes, span_bits, at;
	uint8_t win[256];

	memset(bits, 0, (nwords + 7) / 8);
	if (addr < o->base || addr + nwords * t->ptr > o->base + o->elemsize)
		return false;
	if (o->noscan)
		return true;
	if (!ms_go_facts(&t->go)->malloc_headers) {
		if (t->go.minor < 19 || t->go.minor > 21)
			return false;
		return ms_heap_arena_ptr_bits(t, o->base, addr, nwords, bits) >= 0;
	}
	/* 1.22+ (runtime/mbitmap.go heapBitsSmallForAddr): one bit per word of the span, at
	 * its end, for objects of up to ptr*ptr*8 bytes */
	if (o->malloc_header || !(o->spanclass >> 1) || !o->span_bytes ||
	    o->elemsize > (uint64_t)t->ptr * t->ptr * 8)
		return false;
	span_bits = o->span_bytes / t->ptr;
	first = (addr - o->span_start) / t->ptr;
	nbytes = (first + nwords + 7) / 8 - first / 8;
	if (nbytes > sizeof(win))
		return false;
	at = o->span_start + o->span_bytes - span_bits / 8 -
	     ms_heap_inline_mark_bytes(t, o->elemsize) + first / 8;
	if (!ms_source_try_read(t->mem, at, win, nbytes))
		return false;
	for (uint64_t i = 0; i < nwords; i++) {
		uint64_t w = first + i - first / 8 * 8;

		if (win[w / 8] & (1u << (w % 8)))
			bits[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	return true;
}

#define KIND_ARRAY  17u /* abi.Array */
#define KIND_STRUCT 25u /* abi.Struct */

/*
 * The pointer bits of the type at addr, ORed into mask (nbits bits) from bit off, as
 * runtime/type.go buildGCMask makes them for a type whose mask is built on demand
 * (TFlagGCMaskOnDemand, 1.24+: arrays and structs; their parts have masks of their
 * own, or are built the same way). *budget bounds the types visited. false when a
 * descriptor cannot be read or does not fit.
 */
static bool build_gc_mask(struct ms_target *t, uint64_t addr, uint8_t *mask, uint64_t nbits,
                          uint64_t off, unsigned depth, uint64_t *budget)
{
	unsigned p = t->ptr;
	uint64_t tsize = 4ull * p + 16; /* sizeof(abi.Type) */
	uint8_t head[64], bytes[64];
	uint64_t size, ptrbytes, gcdata, words;
	uint8_t tflag, kind;

	if (depth > 64 || !*budget || !ms_source_try_read(t->mem, addr, head, 4 * p + 8))
		return false;
	(*budget)--;
	size = ms_source_decode(t->mem, head, p);
	ptrbytes = ms_source_decode(t->mem, head + p, p);
	tflag = head[2 * p + 4];
	kind = head[2 * p + 7] & 0x1f;
	gcdata = ms_source_decode(t->mem, head + 3 * p + 8, p);
	if (!ptrbytes)
		return true;
	words = ptrbytes / p;
	if (ptrbytes > size || off > nbits || words > nbits - off)
		return false;
	if (!(tflag & 0x10)) { /* its own mask: copy it */
		for (uint64_t w = 0; w < words; w += 8 * sizeof(bytes)) {
			uint64_t n = words - w < 8 * sizeof(bytes) ? words - w : 8 * sizeof(bytes);

			if (!gcdata ||
			    !ms_source_try_read(t->mem, gcdata + w / 8, bytes, (n + 7) / 8))
				return false;
			for (uint64_t i = 0; i < n; i++)
				if (bytes[i / 8] & (1u << (i % 8)))
					mask[(off + w + i) / 8] |=
					    (uint8_t)(1u << ((off + w + i) % 8));
		}
		return true;
	}
	if (kind == KIND_ARRAY) { /* abi.ArrayType: Type; Elem, Slice *Type; Len uintptr */
		uint64_t elem, len, esize;
		uint8_t eh[16];

		if (!ms_source_try_ptr(t->mem, addr + tsize, &elem) ||
		    !ms_source_try_uint(t->mem, addr + tsize + 2ull * p, p, &len) ||
		    !ms_source_try_read(t->mem, elem, eh, 2 * p))
			return false;
		esize = ms_source_decode(t->mem, eh, p);
		if (!esize || esize % p || len > size / esize)
			return false;
		if (!ms_source_decode(t->mem, eh + p, p))
			return true;
		for (uint64_t i = 0; i < len; i++)
			if (!build_gc_mask(t, elem, mask, nbits, off + i * (esize / p), depth + 1,
			                   budget))
				return false;
		return true;
	}
	if (kind == KIND_STRUCT) { /* abi.StructType: Type; PkgPath Name; Fields []StructField */
		uint64_t fields, nfields;

		if (!ms_source_try_ptr(t->mem, addr + tsize + p, &fields) ||
		    !ms_source_try_uint(t->mem, addr + tsize + 2ull * p, p, &nfields) ||
		    nfields > size)
			return false;
		for (uint64_t i = 0; i < nfields; i++) { /* StructField: Name; Typ *Type; Offset */
			uint64_t ft, foff, at = fields + i * 3ull * p;

			if (!ms_source_try_ptr(t->mem, at + p, &ft) ||
			    !ms_source_try_uint(t->mem, at + 2ull * p, p, &foff) || foff % p ||
			    foff > size)
				return false;
			if (!build_gc_mask(t, ft, mask, nbits, off + foff / p, depth + 1, budget))
				return false;
		}
		return true;
	}
	return false;
}

bool ms_rtype_ptr_mask(struct ms_target *t, uint64_t addr, uint64_t max_bytes, uint64_t *ret_size,
                       uint64_t *ret_ptrbytes, uint8_t *ret_kind, uint8_t **ret_mask)
{
	uint8_t head[64];
	uint64_t gcdata, nbytes, size, ptrbytes;
	unsigned p = t->ptr;

	*ret_mask = NULL;
	if (!addr || !ms_source_try_read(t->mem, addr, head, 4 * p + 8))
		return false;
	size = ms_source_decode(t->mem, head, p);
	ptrbytes = ms_source_decode(t->mem, head + p, p);
	gcdata = ms_source_decode(t->mem, head + 3 * p + 8, p);
	if (!size || ptrbytes > size)
		return false;
	*ret_size = size;
	*ret_ptrbytes = ptrbytes;
	*ret_kind = head[2 * p + 7] & 0x1f;
	if ((head[2 * p + 7] & 0x40) && t->go.minor < 24)
		return true; /* a GC program */
	nbytes = (ptrbytes / p + 7) / 8;
	/* built on demand: GCData points at the word where the runtime keeps the mask once
	 * built (a GC has scanned such an object since it was made: it is there); else it
	 * is built here as the runtime would (no GC ran yet: GOGC=off) */
	if ((head[2 * p + 4] & 0x10) && t->go.minor >= 24) {
		uint64_t budget = 1u << 16;

		if (!ms_source_try_ptr(t->mem, gcdata, &gcdata))
			return true;
		if (!gcdata && nbytes <= max_bytes) {
			*ret_mask = calloc(nbytes ? nbytes : 1, 1);
			if (*ret_mask &&
			    !build_gc_mask(t, addr, *ret_mask, ptrbytes / p, 0, 0, &budget)) {
				free(*ret_mask);
				*ret_mask = NULL;
			}
			return true;
		}
	}
	if (!gcdata || nbytes > max_bytes)
		return true;
	*ret_mask = malloc(nbytes ? nbytes : 1);
	if (*ret_mask && nbytes && !ms_source_try_read(t->mem, gcdata, *ret_mask, nbytes)) {
		free(*ret_mask);
		*ret_mask = NULL;
	}
	return true;
}
