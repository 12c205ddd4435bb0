/* SPDX-License-Identifier: MIT */
/*
 * The DWARF of a Go executable, reduced to what mapsize needs: every type DIE
 * (with struct members and array counts), every package-level variable, and
 * every function with its locals and where in the stack frame they live.
 *
 * Only lib/binary/dwarf.c includes libdwarf.h: supporting a newer libdwarf API
 * (0.9+, Debian 13, Fedora) is a change to that one file.
 */
#ifndef MS_DWARF_H
#define MS_DWARF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mapsize.h"

/* Go's own DWARF attributes (cmd/internal/dwarf). */
#define MS_DW_AT_GO_KIND           0x2900
#define MS_DW_AT_GO_KEY            0x2901
#define MS_DW_AT_GO_ELEM           0x2902
#define MS_DW_AT_GO_EMBEDDED_FIELD 0x2903
#define MS_DW_AT_GO_RUNTIME_TYPE   0x2904

/* Go kinds (internal/abi Kind), as DW_AT_go_kind spells them. */
enum ms_go_kind {
	MS_KIND_INVALID = 0,
	MS_KIND_BOOL = 1,
	MS_KIND_INT = 2,
	MS_KIND_UINTPTR = 12,
	MS_KIND_FLOAT64 = 14,
	MS_KIND_COMPLEX128 = 16,
	MS_KIND_ARRAY = 17,
	MS_KIND_CHAN = 18,
	MS_KIND_FUNC = 19,
	MS_KIND_INTERFACE = 20,
	MS_KIND_MAP = 21,
	MS_KIND_PTR = 22,
	MS_KIND_SLICE = 23,
	MS_KIND_STRING = 24,
	MS_KIND_STRUCT = 25,
	MS_KIND_UNSAFE_POINTER = 26,
};

/* The DWARF tags a Go type can have (values of DW_TAG_*). */
enum ms_dtag {
	MS_DTAG_ARRAY = 0x01,
	MS_DTAG_POINTER = 0x0f,
	MS_DTAG_STRUCT = 0x13,
	MS_DTAG_SUBROUTINE = 0x15,
	MS_DTAG_TYPEDEF = 0x16,
	MS_DTAG_BASE = 0x24,
	MS_DTAG_UNSPECIFIED = 0x3b,
};

struct ms_dmember {
	char *name;        /* owned; "" if absent */
	uint64_t offset;   /* DW_AT_data_member_location */
	uint64_t type_off; /* DIE offset of the member's type; 0 if none */
	bool embedded;     /* DW_AT_go_embedded_field */
};

struct ms_dtype {
	uint64_t off;          /* global .debug_info offset of the DIE */
	uint16_t tag;          /* DW_TAG_* (enum ms_dtag values) */
	uint8_t go_kind;       /* DW_AT_go_kind & 0x1f, 0 if absent */
	char *name;            /* owned; NULL if absent */
	uint64_t size;         /* DW_AT_byte_size; UINT64_MAX if absent */
	uint64_t type_off;     /* DW_AT_type: pointer target, typedef target, array element */
	uint64_t key_off;      /* DW_AT_go_key (map typedefs) */
	uint64_t elem_off;     /* DW_AT_go_elem (map typedefs, slices, chans) */
	uint64_t runtime_type; /* DW_AT_go_runtime_type: offset in the type section; 0 none */
	uint64_t count;        /* arrays: element count (from the subrange) */
	size_t nmembers;
	struct ms_dmember *members; /* owned; structs only */
	/* Built from a runtime type descriptor (rtmeta.c, no DWARF): size, alignment
	 * and pointerness are the descriptor's, not computed from members. */
	bool rt_layout, rt_pointers;
	uint8_t rt_align;
};

struct ms_dvar {
	char *name;        /* owned: "main.cache" */
	uint64_t addr;     /* DW_OP_addr of the location */
	uint64_t type_off; /* DIE offset of its type */
};

/* Where a local lives for the pcs [lo, hi): at CFA + cfa_off (Go's frame base is the CFA). */
struct ms_dloc {
	uint64_t lo, hi;
	int64_t cfa_off;
};

/*
 * A local variable or parameter of a function. Its locations come from
 * DW_AT_location: a location list (DWARF 4 .debug_loc, DWARF 5 .debug_loclists)
 * gives one range per entry that puts the whole variable in the stack frame
 * (DW_OP_fbreg k when the function's frame base is DW_OP_call_frame_cfa, as
 * Go's always is, DW_OP_call_frame_cfa, or pieces of those that follow each
 * other in memory); adjacent entries at the same offset are merged. A single
 * expression is one range [0, UINT64_MAX). Registers, absent pieces and other
 * operations are not kept; at most MS_DWARF_MAX_LOCS ranges per local.
 */
/* A pc range [lo, hi). */
struct ms_drange {
	uint64_t lo, hi;
};

/*
 * A call inlined into a function (DW_TAG_inlined_subroutine, nested ones
 * included): the function inlined (named by its DW_AT_abstract_origin) and the
 * pcs of the caller's code that are its body (DW_AT_low_pc/high_pc or
 * DW_AT_ranges). Its locals are in the caller's locals[], pointing here.
 */
struct ms_dinline {
	char *name; /* owned: "main.fill" */
	size_t nranges;
	struct ms_drange *ranges; /* owned */
};

struct ms_dlocal {
	char *name;        /* owned (from DW_AT_abstract_origin where the DIE has none) */
	uint64_t type_off; /* DIE offset of its type */
	bool is_param;     /* DW_TAG_formal_parameter */
	size_t nlocs;
	struct ms_dloc *locs; /* owned: its stack locations, by pc range; registers are not kept */
	/* borrowed from its function's inlines[]: the inlined call it belongs to; NULL for the
	 * function's own */
	const struct ms_dinline *inlined;
};

#define MS_DWARF_MAX_LOCS 512 /* ranges kept per local; real Go locals have tens at most */

/*
 * The CFA offset of l at pc; false if l is not in the stack frame at pc (in a
 * register, or dead), or if it is a local of an inlined call and pc is not in
 * that call's body (Go's location lists of inlined locals run on past it).
 * l may be NULL (false).
 */
bool ms_dlocal_at(const struct ms_dlocal *l, uint64_t pc, int64_t *ret_cfa_off);

/* Is pc in the body of the inlined call? */
bool ms_dinline_has(const struct ms_dinline *in, uint64_t pc);

/*
 * A function (DW_TAG_subprogram with code; an out-of-line copy of a function
 * that is also inlined has its name and its locals' names and types from
 * DW_AT_abstract_origin).
 */
struct ms_dfunc {
	char *name; /* owned: "main.worker" */
	uint64_t low_pc, high_pc;
	/* locals[] and inlines[] are read on first use, by ms_dwarf_func_locals(): a program
	 * has tens of thousands of functions, its goroutines' stacks a few hundred */
	size_t nlocals;
	struct ms_dlocal *locals; /* owned: variables and parameters, nested blocks and the
	                             locals of inlined calls included */
	size_t ninlines;
	struct ms_dinline *inlines; /* owned */
	/* dwarf.c's: where the locals are (DIE offset, unit), and whether they were read */
	uint64_t die_off;
	uint32_t unit;
	bool frame_base_cfa, locals_read;
};

struct ms_dwarf {
	struct ms_dtype *types; /* owned, sorted by off */
	size_t ntypes;
	struct ms_dvar *vars; /* owned, package-level variables with a DW_OP_addr location */
	size_t nvars;
	struct ms_dfunc *funcs; /* owned, sorted by low_pc */
	size_t nfuncs;
	unsigned version; /* DWARF version of the first unit (4 or 5) */
	bool synthetic;   /* no DWARF: types from runtime type descriptors (rtmeta.c) */
	uint64_t bias;    /* added to every address DWARF gives (ms_dwarf_relocate) */
	void *priv;       /* dwarf.c's name index */
};

/*
 * Load the types and package-level variables from the executable at path
 * (compressed sections are handled). MS_ERR_FORMAT names path and the reason;
 * MS_ERR_UNSUPPORTED when the file has no DWARF at all ("no DWARF (stripped?)").
 * Owned: free with ms_dwarf_destroy().
 */
MS_MUST_CHECK struct ms_error *ms_dwarf_load(const char *path, struct ms_dwarf **ret);
/* Index the names of d's types and variables (once), for the by-name lookups below:
 * the DWARF loader does it; a type graph made elsewhere (rtmeta.c) calls it when done. */
MS_MUST_CHECK struct ms_error *ms_dwarf_index(struct ms_dwarf *d);
/* The type whose DIE is at off; NULL if none. Borrowed. */
const struct ms_dtype *ms_dwarf_type(const struct ms_dwarf *d, uint64_t off);
/* A type by its DW_AT_name ("runtime.hmap"); the first one if several; NULL if none. */
const struct ms_dtype *ms_dwarf_type_by_name(const struct ms_dwarf *d, const char *name);
/* A package-level variable by name ("runtime.mheap_"); NULL if none. */
const struct ms_dvar *ms_dwarf_var(const struct ms_dwarf *d, const char *name);
/* The function whose code holds pc; NULL if none. Borrowed. Its locals may not be read
 * yet: see ms_dwarf_func_locals(). */
const struct ms_dfunc *ms_dwarf_func_at(const struct ms_dwarf *d, uint64_t pc);
/*
 * Read fn's locals and inlined calls (fn is one of d's functions) into fn->locals and
 * fn->inlines, once: the DWARF stays open from ms_dwarf_load() until ms_dwarf_destroy()
 * for this. NULL when they are there (none is fine); else the error, as ms_dwarf_load()
 * would have said it (MS_ERR_FORMAT naming the file), given once: fn then keeps what was
 * read before the error. A function of a type graph without DWARF has none.
 */
MS_MUST_CHECK struct ms_error *ms_dwarf_func_locals(struct ms_dwarf *d, const struct ms_dfunc *fn);
/*
 * Move d's addresses (variables, functions' pcs, and their locals' and inlined calls'
 * pc ranges, also those read later) by the executable's load bias (ms_binary_relocate):
 * runtime addresses from then on. Only for DWARF read from the file (not synthetic).
 */
void ms_dwarf_relocate(struct ms_dwarf *d, uint64_t bias);
/* The member called name of a struct type; NULL if none. */
const struct ms_dmember *ms_dtype_member(const struct ms_dtype *t, const char *name);
void ms_dwarf_destroy(struct ms_dwarf *d);

/* Where keys and values of a map type live inside a bucket or group. */
struct ms_map_geom {
	const struct ms_dtype *type;       /* the map typedef ("map[string]int64") */
	const struct ms_dtype *key, *elem; /* K and V */
	enum ms_map_impl impl;
	uint64_t unit_bytes;           /* classic bucketsize, swiss GroupSize */
	uint64_t keys_off, key_stride; /* key i at keys_off + i*key_stride */
	uint64_t elems_off, elem_stride;
	uint64_t kslot, vslot;          /* K' and V': inline sizes (a pointer when indirect) */
	uint64_t key_bytes, elem_bytes; /* K and V */
	bool key_indirect, elem_indirect;
	bool has_pointers;              /* the bucket or group holds pointers */
	bool key_reaches, elem_reaches; /* a key or value may lead to another map */
	struct ms_map_type mtype;       /* for the estimator; owned strings */
};

#endif
