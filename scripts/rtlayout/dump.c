/* SPDX-License-Identifier: MIT */
/*
 * Print one row of lib/binary/rt_layouts.c: the runtime layouts that mapsize reads
 * from the DWARF of the Go executable argv[1], for the row key argv[2]
 * ("24, false, false, MS_ARCH_AMD64"). Used by scripts/gen-rt-layouts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "rtlayout.h"
#include "target.h"

static void pr(const char *name, uint64_t v)
{
	if (v == UINT64_MAX)
		printf("\t     .%s = U,\n", name);
	else
		printf("\t     .%s = %lluull,\n", name, (unsigned long long)v);
}

static uint64_t member(const struct ms_dtype *s, const char *name)
{
	const struct ms_dmember *m = s ? ms_dtype_member(s, name) : NULL;

	return m ? m->offset : UINT64_MAX;
}

int main(int argc, char **argv)
{
	struct ms_target t = {0};
	struct ms_error *err;
	const struct ms_dtype *md;

	if (argc != 3)
		return 2;
	err = ms_binary_open(argv[1], &t.exe);
	if (!err)
		err = ms_dwarf_load(argv[1], &t.dwarf);
	if (err) {
		fprintf(stderr, "%s\n", ms_error_message(err));
		return 1;
	}
	t.ptr = t.exe->ptr_bytes;
	t.arch = t.exe->arch;
	t.go = t.exe->go;
	t.mem = t.exe->mem;
	err = ms_target_layouts_from_dwarf(&t);
	if (err) {
		fprintf(stderr, "%s\n", ms_error_message(err));
		return 1;
	}
	printf("    {%s,\n", argv[2]);
	printf("     {\n");
#define R(f) pr(#f, t.rt.f)
	R(hmap.size);
	R(hmap.count);
	R(hmap.flags);
	R(hmap.B);
	R(hmap.noverflow);
	R(hmap.hash0);
	R(hmap.buckets);
	R(hmap.oldbuckets);
	R(hmap.nevacuate);
	R(hmap.extra);
	R(mapextra.size);
	R(mapextra.overflow);
	R(mapextra.oldoverflow);
	R(mapextra.next_overflow);
	R(smap.size);
	R(smap.used);
	R(smap.seed);
	R(smap.dir_ptr);
	R(smap.dir_len);
	R(smap.global_depth);
	R(smap.global_shift);
	R(smap.writing);
	R(table.size);
	R(table.used);
	R(table.capacity);
	R(table.growth_left);
	R(table.local_depth);
	R(table.index);
	R(table.groups_data);
	R(table.groups_mask);
	R(span.size);
	R(span.start);
	R(span.npages);
	R(span.freeindex);
	R(span.nelems);
	R(span.alloc_bits);
	R(span.spanclass);
	R(span.state);
	R(span.elemsize);
	R(span.limit);
	R(span.large_type);
	R(span.freeindex_bytes);
	R(span.nelems_bytes);
	R(span.specials);
	R(special.next);
	R(special.offset);
	R(special.kind);
	R(special.offset_bytes);
	R(special.finalizer_fn);
	R(special.finalizer_ot);
	R(special.cleanup_fn);
	R(special.cleanup_words);
	R(special.weak_handle);
	R(mheap.arenas);
	R(mheap.allspans);
	R(mheap.l1_count);
	R(mheap.l2_count);
	R(arena.spans);
	R(arena.spans_count);
	R(arena_bytes);
	R(arena_base_offset);
	R(g.stack_lo);
	R(g.stack_hi);
	R(g.status);
	R(g.goid);
	R(g.sched_sp);
	R(g.sched_pc);
	R(g.syscallsp);
	R(g.syscallpc);
	R(g.m);
	R(m.g0);
	R(m.gsignal);
	R(m.curg);
	R(m.procid);
	R(m.vdso_sp);
	R(m.vdso_pc);
	printf("     },\n     {\n");
	md = ms_dwarf_type_by_name(t.dwarf, "runtime.moduledata");
	pr("size", md ? md->size : UINT64_MAX);
#define M(f, n) pr(#f, member(md, n))
	M(pcheader, "pcHeader");
	M(text, "text");
	M(etext, "etext");
	M(noptrdata, "noptrdata");
	M(enoptrdata, "enoptrdata");
	M(data, "data");
	M(edata, "edata");
	M(bss, "bss");
	M(ebss, "ebss");
	M(noptrbss, "noptrbss");
	M(enoptrbss, "enoptrbss");
	M(end, "end");
	M(gcdata, "gcdata");
	M(gcbss, "gcbss");
	M(types, "types");
	M(etypes, "etypes");
	M(rodata, "rodata");
	M(typelinks, "typelinks");
	M(itablinks, "itablinks");
	M(gcdatamask, "gcdatamask");
	M(gcbssmask, "gcbssmask");
	M(next, "next");
	printf("     }},\n");
	return 0;
}
