/* SPDX-License-Identifier: MIT */
/*
 * The Go runtime's own metadata, for executables without DWARF (stripped with
 * -ldflags=-s -w or strip, as distributions ship them): runtime structure
 * layouts from the version model (rtlayout.h), the module data, the type
 * descriptors it holds, and the runtime globals the heap walk needs.
 */
#ifndef MS_RTMETA_H
#define MS_RTMETA_H

#include "binary.h"
#include "godwarf.h"
#include "rtlayout.h"
#include "source.h"
#include "warn.h"

/*
 * What the reader of the runtime's metadata works on, borrowed from the target
 * that owns them (lib/target fills the first part), and what it finds.
 */
struct ms_rtmeta {
	struct ms_source *mem; /* borrowed: the process's memory */
	struct ms_binary *exe; /* borrowed */
	struct ms_go_version go;
	enum ms_arch arch;
	unsigned ptr;
	struct ms_warnings *warnings; /* borrowed: where warnings go */
	bool classic_layout;          /* the maps are classic; set by ms_rtmeta_load */
	/* Filled by ms_rtmeta_load. */
	struct ms_rt rt;
	struct ms_dwarf *dwarf; /* owned by the caller, also after an error; NULL until made */
	uint64_t globals[2][2]; /* the module's data and bss ranges [lo, hi) */
	uint64_t gofunc;        /* moduledata.gofunc (funcdata's base); 0 if unreadable */
	uint64_t rodata;        /* moduledata.rodata (stack objects' gcdata base); 0 likewise */
};

/*
 * Fill t->rt, t->dwarf (a type graph built from the runtime type descriptors
 * of every map type and of what its keys and values lead to, in the shape
 * the DWARF loader gives; no variables and no functions), t->globals and
 * t->rt.mheap.addr / t->rt.g.allgs (found by what their contents must be).
 * MS_ERR_UNSUPPORTED when the version model has no layouts for the binary's
 * Go version and architecture; MS_ERR_FORMAT naming the executable when its
 * runtime metadata is damaged (no module data, no type region, no heap).
 */
MS_MUST_CHECK struct ms_error *ms_rtmeta_load(struct ms_rtmeta *t);

/*
 * The module's data and bss ranges and the GC's pointer bitmaps of them
 * (moduledata.gcdatamask, gcbssmask: bit i says word i holds a pointer). Needs t's
 * mem, exe, go, arch and ptr. masks[k] is NULL (owned otherwise) when unreadable.
 */
MS_MUST_CHECK struct ms_error *ms_rtmeta_gc_masks(struct ms_rtmeta *t, uint64_t ranges[2][2],
                                                  uint8_t *masks[2]);

/*
 * The type graph of the type region [types, etypes) of t->mem, as ms_rtmeta_load()
 * makes it once it has found the module data: every map type descriptor of the
 * region and the types it leads to, each named as DWARF names it (package paths;
 * the descriptor's str where a name cannot be made). Needs t's mem, go and ptr;
 * sets t->classic_layout, t->rt.types_base and t->dwarf (owned by the caller, also
 * after an error). *ret_nmaps: the map types found. Any bytes may be in the region:
 * a fuzz target (fuzz/fuzz_rtmeta.c) feeds it random ones.
 */
MS_MUST_CHECK struct ms_error *ms_rtmeta_types(struct ms_rtmeta *t, uint64_t types, uint64_t etypes,
                                               size_t *ret_nmaps);

/*
 * Geometry of a map type from its runtime type descriptor at addr (key and
 * value slot sizes, offsets and strides, bucket or group size, indirection):
 * the fields of g that build_geom in gotype.c would take from DWARF. Needs
 * t's mem, go, ptr and classic_layout.
 */
MS_MUST_CHECK struct ms_error *ms_rtmeta_geom(const struct ms_rtmeta *t, uint64_t addr,
                                              struct ms_map_geom *g);

#endif
