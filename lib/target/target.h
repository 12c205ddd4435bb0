/* SPDX-License-Identifier: MIT */
/*
 * A Go process to inspect: its memory (a source), its executable, the
 * executable's DWARF, and the runtime structure layouts taken from that DWARF
 * (the version model fills what DWARF lacks).
 */
#ifndef MS_TARGET_H
#define MS_TARGET_H

#include "binary.h"
#include "godwarf.h"
#include "rtlayout.h"
#include "rtmeta.h"
#include "source.h"

/* One heap object, as the allocator sees it. */
struct ms_heap_obj {
	uint64_t base;     /* first byte of the slot (the malloc header, if any) */
	uint64_t elemsize; /* what the object really occupies */
	uint64_t span_start;
	uint8_t spanclass; /* sizeclass*2 + noscan; class 0 = large object */
	bool noscan;
	bool allocated;
	bool malloc_header;  /* 1.22+: 8-byte type header before the data */
	uint64_t span_bytes; /* the span's size (npages * 8 KiB); 0 unknown */
};

struct ms_span_cache;

struct ms_target {
	struct ms_source *mem;  /* owned: the process's memory */
	struct ms_binary *exe;  /* owned */
	struct ms_dwarf *dwarf; /* owned; NULL without DWARF */
	struct ms_go_version go;
	enum ms_arch arch;
	unsigned ptr;
	struct ms_rt rt;
	bool classic_layout; /* the binary's maps are classic (DWARF: hash<K,V>) */
	/* No DWARF: the module's data and bss ranges [lo, hi), where globals live. */
	uint64_t globals[2][2];
	struct ms_span_cache *spans; /* owned */
	struct ms_warnings warnings;
	/* goroutine frames (ms_find_maps): goroutines whose stacks were read, running
	 * ones, of those the ones found on a thread, and of those the ones whose thread
	 * was on its M's system stack; the goroutines unwound to their last frame */
	struct ms_goroutine_stats {
		uint64_t count, running, on_thread, on_system_stack, unwound;
	} goroutines;
	/* A heap without span structures (fuzz/fuzz_walk.c feeds walkers raw memory):
	 * when set, ms_heap_find() asks this instead of the runtime's spans. */
	bool (*heap_find)(struct ms_target *t, uint64_t addr, struct ms_heap_obj *ret);
};

/* Open flags: ignore the executable's DWARF, use the runtime's metadata (rtmeta.h). */
#define MS_TARGET_NO_DWARF 1u

/*
 * Open a core and its executable, check that they match, read the layouts:
 * from DWARF, or from the runtime's own metadata when the executable has none
 * (or flags say MS_TARGET_NO_DWARF). exe_path NULL: the executable the core
 * names (NT_FILE), which must exist and match the core, else MS_ERR_USAGE
 * naming that path. Owned: ms_target_destroy().
 */
MS_MUST_CHECK struct ms_error *ms_target_open_core(const char *core_path, const char *exe_path,
                                                   unsigned flags, struct ms_target **ret);
/* The same for a running process (see ms_source_live_create); exe_path may be NULL. */
MS_MUST_CHECK struct ms_error *ms_target_open_live(int pid, const char *exe_path,
                                                   enum ms_live_method method, unsigned flags,
                                                   struct ms_target **ret);
void ms_target_destroy(struct ms_target *t);
/* Fill t->rt from t->dwarf (t->ptr and t->arch set); scripts/gen-rt-layouts uses it too. */
MS_MUST_CHECK struct ms_error *ms_target_layouts_from_dwarf(struct ms_target *t);
/* Add a warning to the target (formatted); out of memory drops it. */
void ms_target_warn(struct ms_target *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* What the runtime metadata reader borrows from t (rtmeta.h), and the layouts known so far. */
void ms_target_rtmeta(struct ms_target *t, struct ms_rtmeta *ret);

/*
 * Find the heap object containing addr. false if addr is not in an in-use
 * span of the Go heap (a stack, a global, garbage, or not mapped). ret may be NULL.
 */
bool ms_heap_find(struct ms_target *t, uint64_t addr, struct ms_heap_obj *ret);
/* The type a large object's span records (1.22+, pointerful objects); 0 if none. */
uint64_t ms_heap_large_type(struct ms_target *t, uint64_t addr);
/* The runtime.heapArena of addr and the arena's range [lo, hi); false if none. */
bool ms_heap_arena(struct ms_target *t, uint64_t addr, uint64_t *ret_arena, uint64_t *ret_lo,
                   uint64_t *ret_hi);
/* Green Tea GC (1.26+, 1.25 with GOEXPERIMENT=greenteagc): bytes of mark bits at the end
 * of a span of objects of elemsize (spanInlineMarkBits, 128 bytes), 0 where there are none. */
uint64_t ms_heap_inline_mark_bytes(const struct ms_target *t, uint64_t elemsize);
/*
 * Go 1.19-1.21: the pointer bits of the nwords words from base (a piece of the object at
 * obj_start) from the heap arenas' bitmaps into bits (bit i: word i holds a pointer;
 * (nwords + 7) / 8 bytes, cleared first). 1: read, 0: read up to a word after which the
 * object has no more pointers (the rest is clear), -1: the first word's bits cannot be read.
 */
int ms_heap_arena_ptr_bits(struct ms_target *t, uint64_t obj_start, uint64_t base, uint64_t nwords,
                           uint8_t *bits);
/*
 * The pointer bits of the nwords words at addr, inside heap object o, as the GC sees them
 * (bits as above): none for a pointer-free object, the arenas' bitmaps (1.19-1.21), a
 * small object's span heap bits (1.22+). false where the runtime keeps no bits (an object
 * with a malloc header or a large one: its recorded type has them) or they cannot be read.
 */
bool ms_heap_ptr_bits(struct ms_target *t, const struct ms_heap_obj *o, uint64_t addr,
                      uint64_t nwords, uint8_t *bits);
/*
 * The runtime type descriptor at addr (abi.Type: Size_, PtrBytes, Hash, TFlag, Align_,
 * FieldAlign_, Kind_, Equal, GCData): its size, pointer bytes, kind (Kind_ & 0x1f) and, if
 * it has pointers, its pointer mask (one bit per word of the first ptrbytes; malloc'ed into
 * *ret_mask, NULL when the mask is a GC program (1.22, 1.23), built on demand (1.24+) and
 * not yet, or above max_bytes). false if the descriptor cannot be read or makes no sense.
 */
bool ms_rtype_ptr_mask(struct ms_target *t, uint64_t addr, uint64_t max_bytes, uint64_t *ret_size,
                       uint64_t *ret_ptrbytes, uint8_t *ret_kind, uint8_t **ret_mask);
/* Bytes in in-use heap spans (mSpanInUse), from mheap_.allspans. */
MS_MUST_CHECK struct ms_error *ms_heap_inuse(struct ms_target *t, uint64_t *ret_bytes);
/* Visit every allocated object of every in-use span with the given spanclass>>1 size class. */
MS_MUST_CHECK struct ms_error *
ms_heap_each_object(struct ms_target *t, uint64_t elemsize,
                    bool (*fn)(void *arg, const struct ms_heap_obj *obj), void *arg);

/* An in-use span of the heap, as mheap_.allspans lists it. */
struct ms_heap_span {
	uint64_t start, npages, elemsize, nelems, freeindex, alloc_bits;
	uint8_t spanclass; /* sizeclass*2 + noscan; class 0 = one large object */
};
/* Call fn for each in-use span (order of allspans) until it returns false. */
MS_MUST_CHECK struct ms_error *
ms_heap_each_span(struct ms_target *t, bool (*fn)(void *arg, const struct ms_heap_span *s),
                  void *arg);

/* A special of a span that the GC takes for a root (runtime/mgcmark.go markrootSpans). */
enum ms_special_kind { MS_SPECIAL_FINALIZER, MS_SPECIAL_CLEANUP, MS_SPECIAL_WEAK };
struct ms_heap_special {
	enum ms_special_kind kind;
	uint64_t addr;     /* the special record (off the heap) */
	uint64_t obj;      /* the object it is set on (its start) */
	bool noscan;       /* its span has no pointers */
	uint64_t words[3]; /* addresses of its root words: the finalizer's or cleanup's funcval
	                      (1.26+: cleanupFn's call, fn, arg), the weak handle */
	unsigned nwords;
	uint64_t ot; /* a finalizer's *ptrtype of the object, else 0 */
};
/* Call fn for each special of every in-use span that holds roots, until it returns false.
 * A damaged list ends at a cycle, a word not in memory, or 8 specials per slot. */
MS_MUST_CHECK struct ms_error *
ms_heap_each_special(struct ms_target *t, bool (*fn)(void *arg, const struct ms_heap_special *s),
                     void *arg);

/* Is [lo, hi) a goroutine stack? Filled by ms_target_stacks(). */
struct ms_stack {
	uint64_t lo, hi, goid;
	uint64_t sp, pc; /* g.sched.sp and .pc: valid for a goroutine that is not running;
	                    for a running one, its thread's (ms_target_thread_stacks) */
	uint32_t status;
	bool on_thread; /* running (_Grunning): sp and pc are its thread's, not g.sched's */
	/* A running goroutine's thread (its M, g.m) when the memory was read: the M's
	 * system stack (g0's) and signal stack (gsignal's), 0 if unknown; its thread
	 * id (m.procid); m.vdsoSP and m.vdsoPC (0 unless in a vDSO call). */
	uint64_t g0_lo, g0_hi, gsignal_lo, gsignal_hi, procid, vdso_sp, vdso_pc;
	/* on_thread, but the thread was on its M's system stack (systemstack,
	 * morestack, mcall, a vDSO call): sp and pc are where the goroutine left its
	 * own stack (g.sched, or m.vdsoSP/vdsoPC), not the thread's */
	bool on_system_stack;
	bool pc_return; /* pc is a return address (the call is the instruction before it) */
};
MS_MUST_CHECK struct ms_error *ms_target_stacks(struct ms_target *t, struct ms_stack **ret,
                                                size_t *ret_n);

#endif
