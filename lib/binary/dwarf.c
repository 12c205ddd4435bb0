/* SPDX-License-Identifier: MIT */
/*
 * The DWARF of a Go executable through libdwarf (Debian 12's 20210528 API):
 * the type DIEs and package-level variables at unit level, copied into plain
 * arrays, and the functions with their pcs. A function's locals are read only
 * when asked for (ms_dwarf_func_locals: the frames of a core's goroutines are
 * a few hundred functions of tens of thousands), so libdwarf stays open from
 * ms_dwarf_load() to ms_dwarf_destroy(). The file is hostile input: every
 * libdwarf call is checked, DIE offsets must increase (so every walk ends),
 * and only struct and array DIEs are descended into at load.
 */
#include <errno.h>
#include <fcntl.h>
#include <libdwarf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "godwarf.h"
#include "grow.h"
#include "mapsize.h"

/*
 * libdwarf's own dwarf.h (the DW_TAG_, DW_AT_, DW_FORM_ and DW_OP_ values):
 * "dwarf.h" and <dwarf.h> both name ours, since lib/ is on the include path.
 * libdwarf 0.9+ installs into libdwarf-0/.
 */
#if __has_include(<libdwarf/dwarf.h>)
#include <libdwarf/dwarf.h>
#else
#include <libdwarf-0/dwarf.h>
#endif

/* The name index: open addressing over type and variable names. */
struct name_index {
	size_t *type_slots; /* index + 1 into d->types; 0 is empty */
	size_t ntype_slots; /* a power of two */
	size_t *var_slots;
	size_t nvar_slots;
	struct loader *ld; /* owned: the open DWARF, for the functions' locals; NULL if none */
};

/* What the locals of a unit's function need of their unit. */
struct unit_info {
	uint64_t low_pc; /* DW_AT_low_pc: DWARF 4 ranges' base */
	unsigned version, addr_bytes;
	bool no_siblings; /* its abbreviations have no DW_AT_sibling (see abbrev_scan) */
};

struct loader {
	const char *path; /* the caller's during ms_dwarf_load(), then path_copy */
	char *path_copy;
	int fd; /* owned once the loader is kept (-1 before) */
	Dwarf_Debug dbg;
	struct ms_dwarf *d;
	struct ms_error *err; /* set by the helper that failed */
	size_t types_cap, vars_cap, funcs_cap;
	bool big_endian;
	unsigned addr_bytes; /* of the current unit: 4 or 8 */
	Dwarf_Off last_off;  /* of the last unit-level DIE, to keep walks moving forward */
	bool saw_unit;
	unsigned unit_version; /* DWARF version of the current unit */
	/* .debug_loc and .debug_loclists, inflated (owned), to check a list before libdwarf reads
	 * it */
	uint8_t *loc, *loclists;
	uint64_t loc_size, loclists_size;
	uint64_t nlocs;       /* stack locations of locals kept so far, all functions */
	bool fbreg_is_cfa;    /* the current function's frame base is DW_OP_call_frame_cfa */
	uint64_t unit_low_pc; /* the current unit's DW_AT_low_pc: DWARF 4 ranges' base */
	/* the current function's inlined calls: index in inlines[] (-1 none) of each local,
	 * turned into pointers once inlines[] stops moving */
	int32_t *local_inline;
	size_t local_inline_cap, inlines_cap;
	/* the DIE whose children each_child() walked last, to the end (0: none), and how many
	 * levels of DIEs are below it: its subtree is checked (see next_sibling) */
	Dwarf_Off walked_off;
	unsigned walked_height;
	struct unit_info *units; /* owned: one per unit read, in order */
	size_t nunits, units_cap;
	/* .debug_abbrev's table starts (owned, increasing) when no abbreviation in it has a
	 * DW_AT_sibling (abbrev_scan); abbrevs counts the sections of that name */
	uint64_t *abbrev_starts;
	size_t nabbrev_starts, abbrev_starts_cap;
	unsigned abbrevs;
	bool abbrev_clean;
	bool no_siblings; /* the current unit's */
};

/* The attributes mapsize reads, from any DIE. */
struct die_attrs {
	const char *name; /* borrowed from libdwarf, valid until dwarf_finish() */
	uint64_t size;
	uint64_t type_off, key_off, elem_off, runtime_type;
	uint64_t member_offset;
	uint64_t count, upper_bound;
	uint64_t addr;
	uint64_t low_pc, high_pc;
	uint64_t origin_off; /* DW_AT_abstract_origin, 0 if none */
	uint8_t go_kind;
	bool has_count, has_upper_bound, has_addr, embedded;
	bool has_low_pc, has_high_pc, high_pc_is_offset;
	bool frame_base_cfa; /* DW_AT_frame_base is DW_OP_call_frame_cfa */
	/* Locals only: DW_AT_location read as a location list into locs (owned). */
	bool want_locs;
	size_t nlocs;
	struct ms_dloc *locs;
};

/* ---- Errors ------------------------------------------------------------- */

static bool fail_dwarf(struct loader *ld, Dwarf_Error e, const char *what)
{
	const char *msg = e ? dwarf_errmsg(e) : NULL;

	if (ld->err && !e)
		return false; /* said already, more precisely (next_sibling) */

	while (msg && *msg == ' ')
		msg++;
	ms_error_destroy(ld->err); /* replaced by libdwarf's own word: it must not leak */
	ld->err = ms_error_create(MS_ERR_FORMAT, "'%s': bad DWARF (%s): %s", ld->path, what,
	                          msg ? msg : "unknown libdwarf error");
	if (e)
		dwarf_dealloc_error(ld->dbg, e);
	return false;
}

__attribute__((format(printf, 2, 3))) static bool fail_format(struct loader *ld, const char *fmt,
                                                              ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ms_error_destroy(ld->err);
	ld->err = ms_error_create(MS_ERR_FORMAT, "'%s': %s", ld->path, buf);
	return false;
}

static bool fail_nomem(struct loader *ld)
{
	ms_error_destroy(ld->err);
	ld->err = &ms_error_nomem;
	return false;
}

/* ---- Forms -------------------------------------------------------------- */

static bool form_is_constant(Dwarf_Half form)
{
	switch (form) {
	case DW_FORM_data1:
	case DW_FORM_data2:
	case DW_FORM_data4:
	case DW_FORM_data8:
	case DW_FORM_udata:
	case DW_FORM_sdata:
	case DW_FORM_implicit_const:
		return true;
	default:
		return false;
	}
}

static bool form_is_reference(Dwarf_Half form)
{
	switch (form) {
	case DW_FORM_ref_addr:
	case DW_FORM_ref1:
	case DW_FORM_ref2:
	case DW_FORM_ref4:
	case DW_FORM_ref8:
	case DW_FORM_ref_udata:
	case DW_FORM_ref_sig8:
		return true;
	default:
		return false;
	}
}

static bool form_is_block(Dwarf_Half form)
{
	return form == DW_FORM_block1 || form == DW_FORM_block2 || form == DW_FORM_block4 ||
	       form == DW_FORM_block;
}

/*
 * A constant attribute as an unsigned value. *ret_ok is false (and the
 * attribute treated as absent) for other forms and for negative values, as a
 * C array's DW_AT_upper_bound of -1.
 */
static bool attr_unsigned(struct loader *ld, Dwarf_Attribute attr, Dwarf_Half form, uint64_t *ret,
                          bool *ret_ok)
{
	Dwarf_Error e = NULL;
	Dwarf_Unsigned u;
	Dwarf_Signed s;
	int res;

	*ret_ok = false;
	if (!form_is_constant(form))
		return true;
	if (form == DW_FORM_sdata || form == DW_FORM_implicit_const) {
		res = dwarf_formsdata(attr, &s, &e);
		if (res == DW_DLV_ERROR)
			return fail_dwarf(ld, e, "signed constant");
		if (res == DW_DLV_OK && s >= 0) {
			*ret = (uint64_t)s;
			*ret_ok = true;
		}
		return true;
	}
	res = dwarf_formudata(attr, &u, &e);
	if (res == DW_DLV_ERROR)
		return fail_dwarf(ld, e, "constant");
	if (res == DW_DLV_OK) {
		*ret = u;
		*ret_ok = true;
	}
	return true;
}

/* A reference as a global .debug_info offset; 0 when it cannot be resolved. */
static bool attr_reference(struct loader *ld, Dwarf_Attribute attr, Dwarf_Half form, uint64_t *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Off off;
	int res;

	*ret = 0;
	if (!form_is_reference(form))
		return true;
	res = dwarf_global_formref(attr, &off, &e);
	if (res == DW_DLV_ERROR) {
		/* A type unit signature libdwarf cannot find is no reason to fail. */
		if (form == DW_FORM_ref_sig8) {
			dwarf_dealloc_error(ld->dbg, e);
			return true;
		}
		return fail_dwarf(ld, e, "reference");
	}
	if (res == DW_DLV_OK)
		*ret = off;
	return true;
}

/* The raw bytes of a block or exprloc attribute; *ret_block must be freed if set. */
static bool attr_bytes(struct loader *ld, Dwarf_Attribute attr, Dwarf_Half form,
                       const uint8_t **ret_bytes, uint64_t *ret_len, Dwarf_Block **ret_block)
{
	Dwarf_Error e = NULL;
	Dwarf_Block *block;
	Dwarf_Unsigned len;
	Dwarf_Ptr ptr;
	int res;

	*ret_bytes = NULL;
	*ret_len = 0;
	*ret_block = NULL;
	if (form == DW_FORM_exprloc) {
		res = dwarf_formexprloc(attr, &len, &ptr, &e);
		if (res == DW_DLV_ERROR)
			return fail_dwarf(ld, e, "expression");
		if (res == DW_DLV_OK) {
			*ret_bytes = ptr;
			*ret_len = len;
		}
	} else if (form_is_block(form)) {
		res = dwarf_formblock(attr, &block, &e);
		if (res == DW_DLV_ERROR)
			return fail_dwarf(ld, e, "block");
		if (res == DW_DLV_OK) {
			*ret_block = block;
			*ret_bytes = block->bl_data;
			*ret_len = block->bl_len;
		}
	}
	return true;
}

static uint64_t get_uint(const uint8_t *p, unsigned n, bool big_endian)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[big_endian ? i : n - 1 - i];
	return v;
}

static bool read_uleb(const uint8_t **p, const uint8_t *end, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (*p < end) {
		uint8_t b = *(*p)++;

		if (shift >= 64 || (shift == 63 && (b & 0x7e)))
			return false;
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80)) {
			*ret = v;
			return true;
		}
	}
	return false;
}

/* DW_AT_data_member_location: a constant, or an expression that is one DW_OP_plus_uconst. */
static bool attr_member_location(struct loader *ld, Dwarf_Attribute attr, Dwarf_Half form,
                                 uint64_t *ret)
{
	const uint8_t *bytes, *p;
	Dwarf_Block *block;
	uint64_t len, v;
	bool ok;

	/* An offset mapsize cannot express: reading through it faults rather than misleads. */
	*ret = UINT64_MAX;
	if (form_is_constant(form)) {
		if (!attr_unsigned(ld, attr, form, &v, &ok))
			return false;
		if (ok)
			*ret = v;
		return true;
	}
	if (!attr_bytes(ld, attr, form, &bytes, &len, &block))
		return false;
	p = bytes;
	if (len > 1 && p[0] == DW_OP_plus_uconst) {
		p++;
		if (read_uleb(&p, bytes + len, &v) && p == bytes + len)
			*ret = v;
	}
	if (block)
		dwarf_dealloc(ld->dbg, block, DW_DLA_BLOCK);
	return true;
}

/* DW_AT_location: exactly DW_OP_addr and an address of the unit's size. */
static bool attr_location(struct loader *ld, Dwarf_Attribute attr, Dwarf_Half form,
                          struct die_attrs *a)
{
	const uint8_t *bytes;
	Dwarf_Block *block;
	uint64_t len;

	if (!attr_bytes(ld, attr, form, &bytes, &len, &block))
		return false;
	if (bytes && len == 1 + (uint64_t)ld->addr_bytes && bytes[0] == DW_OP_addr) {
		a->addr = get_uint(bytes + 1, ld->addr_bytes, ld->big_endian);
		a->has_addr = true;
	}
	if (block)
		dwarf_dealloc(ld->dbg, block, DW_DLA_BLOCK);
	return true;
}

/* ---- Locations of locals -------------------------------------------------- */

#define MAX_LOC_OPS     256       /* operations of one expression: pieces of a large struct */
#define MAX_LOC_ENTRIES 8192      /* entries of one list read; real Go lists hold tens */
#define MAX_TOTAL_LOCS  (1 << 23) /* ranges kept for all locals: 192 MiB */

/*
 * The CFA offset of an expression that puts the whole variable in the stack
 * frame: DW_OP_fbreg k (Go's frame base is DW_OP_call_frame_cfa) or
 * DW_OP_call_frame_cfa alone, or a composite of such pieces that follow each
 * other in memory. False for a register, an absent piece, a gap or any other
 * operation.
 */
static bool expr_cfa_off(struct loader *ld, Dwarf_Locdesc_c desc, Dwarf_Unsigned nops, int64_t *ret)
{
	int64_t off = 0, start = 0, next = 0;
	bool have_loc = false, pieces = false;

	if (nops == 0 || nops > MAX_LOC_OPS)
		return false;
	for (Dwarf_Unsigned i = 0; i < nops; i++) {
		Dwarf_Error e = NULL;
		Dwarf_Small op;
		Dwarf_Unsigned op1, op2, op3, branch;

		if (dwarf_get_location_op_value_c(desc, i, &op, &op1, &op2, &op3, &branch, &e) !=
		    DW_DLV_OK) {
			if (e)
				dwarf_dealloc_error(ld->dbg, e);
			return false;
		}
		switch (op) {
		case DW_OP_fbreg:
		case DW_OP_call_frame_cfa:
			/* C code linked in (cgo) may have another frame base, as rbp */
			if (have_loc || (op == DW_OP_fbreg && !ld->fbreg_is_cfa))
				return false;
			/* libdwarf hands DW_OP_fbreg's SLEB128 back as an unsigned */
			off = op == DW_OP_fbreg ? (int64_t)op1 : 0;
			have_loc = true;
			break;
		case DW_OP_piece:
			if (!have_loc || op1 == 0 || op1 > INT32_MAX)
				return false;
			if (pieces && off != next)
				return false;
			if (!pieces)
				start = off;
			if (__builtin_add_overflow(off, (int64_t)op1, &next))
				return false;
			pieces = true;
			have_loc = false;
			break;
		default:
			return false;
		}
	}
	if (pieces ? have_loc : !have_loc)
		return false;
	*ret = pieces ? start : off;
	return true;
}

/* Add [lo, hi) at off to a's locations (cap of them allocated), merging with the last one. */
static void add_loc(struct loader *ld, struct die_attrs *a, size_t cap, uint64_t lo, uint64_t hi,
                    int64_t off)
{
	struct ms_dloc *last = a->nlocs ? &a->locs[a->nlocs - 1] : NULL;

	if (last && last->hi == lo && last->cfa_off == off) {
		last->hi = hi;
		return;
	}
	if (a->nlocs == cap || ld->nlocs >= MAX_TOTAL_LOCS)
		return;
	a->locs[a->nlocs++] = (struct ms_dloc){.lo = lo, .hi = hi, .cfa_off = off};
	ld->nlocs++;
}

/*
 * libdwarf 20210528 reads a location list without checking that an
 * expression's length stays inside the section, nor an operation's operands
 * inside its expression (found by fuzz_elf). Before it reads one, mapsize walks
 * the list itself: every entry and expression inside the section, made of
 * operations whose operands it knows. A list that fails leaves the local
 * without locations.
 */
static bool skip_sleb(const uint8_t **p, const uint8_t *end)
{
	for (unsigned i = 0; *p < end && i < 10; i++) {
		if (!(*(*p)++ & 0x80))
			return true;
	}
	return false;
}

static bool skip_bytes(const uint8_t **p, const uint8_t *end, uint64_t n)
{
	if ((uint64_t)(end - *p) < n)
		return false;
	*p += n;
	return true;
}

/* A DWARF expression of known operations, operands inside it. */
static bool expr_ok(const uint8_t *p, uint64_t len, unsigned addr_bytes, unsigned depth)
{
	const uint8_t *end = p + len;
	uint64_t v;

	for (unsigned n = 0; p < end; n++) {
		uint8_t op = *p++;

		if (n >= MAX_LOC_OPS * 4)
			return false;
		if ((op >= 0x30 && op <= 0x6f) ||
		    (op >= 0x12 && op <= 0x27 && op != 0x15 && op != 0x23) ||
		    (op >= 0x29 && op <= 0x2e) || op == 0x06 || op == 0x96 || op == 0x97 ||
		    op == 0x9b || op == 0x9c || op == 0x9f || op == 0xe0)
			continue; /* litN, regN, stack and arithmetic operations, call_frame_cfa...
			           */
		switch (op) {
		case 0x03: /* addr */
			if (!skip_bytes(&p, end, addr_bytes))
				return false;
			break;
		case 0x08: /* const1u, const1s, pick, deref_size, xderef_size */
		case 0x09:
		case 0x15:
		case 0x94:
		case 0x95:
			if (!skip_bytes(&p, end, 1))
				return false;
			break;
		case 0x0a: /* const2u, const2s, bra, skip, call2 */
		case 0x0b:
		case 0x28:
		case 0x2f:
		case 0x98:
			if (!skip_bytes(&p, end, 2))
				return false;
			break;
		case 0x0c: /* const4u, const4s, call4 */
		case 0x0d:
		case 0x99:
			if (!skip_bytes(&p, end, 4))
				return false;
			break;
		case 0x0e: /* const8u, const8s */
		case 0x0f:
			if (!skip_bytes(&p, end, 8))
				return false;
			break;
		case 0x10: /* constu, plus_uconst, regx, piece, addrx, constx */
		case 0x23:
		case 0x90:
		case 0x93:
		case 0xa1:
		case 0xa2:
			if (!read_uleb(&p, end, &v))
				return false;
			break;
		case 0x11: /* consts, fbreg */
		case 0x91:
			if (!skip_sleb(&p, end))
				return false;
			break;
		case 0x92: /* bregx */
			if (!read_uleb(&p, end, &v) || !skip_sleb(&p, end))
				return false;
			break;
		case 0x9d: /* bit_piece */
			if (!read_uleb(&p, end, &v) || !read_uleb(&p, end, &v))
				return false;
			break;
		case 0x9e: /* implicit_value */
			if (!read_uleb(&p, end, &v) || !skip_bytes(&p, end, v))
				return false;
			break;
		case 0xa3: /* entry_value, GNU_entry_value: an expression inside */
		case 0xf3:
			if (depth > 0 || !read_uleb(&p, end, &v) || (uint64_t)(end - p) < v ||
			    !expr_ok(p, v, addr_bytes, depth + 1))
				return false;
			p += v;
			break;
		default:
			if (op >= 0x70 && op <= 0x8f) { /* bregN */
				if (!skip_sleb(&p, end))
					return false;
				break;
			}
			return false;
		}
	}
	return true;
}

/* A counted expression (ULEB128 length, then the expression) at *p. */
static bool counted_expr_ok(const uint8_t **p, const uint8_t *end, unsigned addr_bytes)
{
	uint64_t len;

	if (!read_uleb(p, end, &len) || (uint64_t)(end - *p) < len ||
	    !expr_ok(*p, len, addr_bytes, 0))
		return false;
	*p += len;
	return true;
}

/* The DWARF 4 list at off in .debug_loc. */
static bool loc_list_ok(const struct loader *ld, uint64_t off)
{
	unsigned ab = ld->addr_bytes;
	uint64_t all = ab == 4 ? UINT32_MAX : UINT64_MAX;
	const uint8_t *p, *end;

	if (!ld->loc || off >= ld->loc_size)
		return false;
	p = ld->loc + off;
	end = ld->loc + ld->loc_size;
	for (unsigned n = 0; n < MAX_LOC_ENTRIES; n++) {
		uint64_t lo, hi, len;

		if ((uint64_t)(end - p) < 2u * ab)
			return false;
		lo = get_uint(p, ab, ld->big_endian);
		hi = get_uint(p + ab, ab, ld->big_endian);
		p += 2 * ab;
		if (lo == 0 && hi == 0)
			return true;
		if (lo == all) /* a base address */
			continue;
		if (end - p < 2)
			return false;
		len = get_uint(p, 2, ld->big_endian);
		p += 2;
		if ((uint64_t)(end - p) < len || !expr_ok(p, len, ab, 0))
			return false;
		p += len;
	}
	return false;
}

/* The DWARF 5 list at off in .debug_loclists. */
static bool loclists_list_ok(const struct loader *ld, uint64_t off)
{
	unsigned ab = ld->addr_bytes;
	const uint8_t *p, *end;
	uint64_t v;

	if (!ld->loclists || off >= ld->loclists_size)
		return false;
	p = ld->loclists + off;
	end = ld->loclists + ld->loclists_size;
	for (unsigned n = 0; n < MAX_LOC_ENTRIES && p < end; n++) {
		bool ok;

		switch (*p++) {
		case DW_LLE_end_of_list:
			return true;
		case DW_LLE_base_addressx:
			ok = read_uleb(&p, end, &v);
			break;
		case DW_LLE_startx_endx:
		case DW_LLE_startx_length:
		case DW_LLE_offset_pair:
			ok = read_uleb(&p, end, &v) && read_uleb(&p, end, &v) &&
			     counted_expr_ok(&p, end, ab);
			break;
		case DW_LLE_default_location:
			ok = counted_expr_ok(&p, end, ab);
			break;
		case DW_LLE_base_address:
			ok = skip_bytes(&p, end, ab);
			break;
		case DW_LLE_start_end:
			ok = skip_bytes(&p, end, 2u * ab) && counted_expr_ok(&p, end, ab);
			break;
		case DW_LLE_start_length:
			ok = skip_bytes(&p, end, ab) && read_uleb(&p, end, &v) &&
			     counted_expr_ok(&p, end, ab);
			break;
		default:
			return false;
		}
		if (!ok)
			return false;
	}
	return false;
}

/* The location (an expression or a list) libdwarf is about to read is whole. */
static bool location_ok(struct loader *ld, Dwarf_Attribute attr, Dwarf_Half form)
{
	Dwarf_Error e = NULL;
	Dwarf_Unsigned u;
	Dwarf_Off off;
	const uint8_t *bytes;
	Dwarf_Block *block;
	uint64_t len;
	bool ok;

	if (form == DW_FORM_exprloc || form_is_block(form)) {
		if (!attr_bytes(ld, attr, form, &bytes, &len, &block))
			return false;
		ok = bytes && expr_ok(bytes, len, ld->addr_bytes, 0);
		if (block)
			dwarf_dealloc(ld->dbg, block, DW_DLA_BLOCK);
		return ok;
	}
	if (form == DW_FORM_sec_offset) {
		if (dwarf_global_formref(attr, &off, &e) != DW_DLV_OK) {
			if (e)
				dwarf_dealloc_error(ld->dbg, e);
			return false;
		}
		u = off;
	} else if (form == DW_FORM_data4 || form == DW_FORM_data8) {
		if (dwarf_formudata(attr, &u, &e) != DW_DLV_OK) {
			if (e)
				dwarf_dealloc_error(ld->dbg, e);
			return false;
		}
	} else {
		return false; /* DW_FORM_loclistx: Go does not use it */
	}
	return ld->unit_version >= 5 ? loclists_list_ok(ld, u) : loc_list_ok(ld, u);
}

/*
 * DW_AT_location of a local through libdwarf's location list interface, which
 * reads single expressions, DWARF 4 .debug_loc and DWARF 5 .debug_loclists
 * alike and gives the "cooked" pcs (base address applied). A location libdwarf
 * cannot read leaves the local without locations rather than failing the whole
 * file: the types and variables are still good.
 */
static bool attr_loclist(struct loader *ld, Dwarf_Attribute attr, Dwarf_Half form,
                         struct die_attrs *a)
{
	Dwarf_Error e = NULL;
	Dwarf_Loc_Head_c head = NULL;
	Dwarf_Unsigned n;
	unsigned kind;
	size_t cap;
	int res;

	if (!location_ok(ld, attr, form))
		return !ld->err;
	res = dwarf_get_loclist_c(attr, &head, &n, &e);
	if (res == DW_DLV_ERROR)
		dwarf_dealloc_error(ld->dbg, e);
	if (res != DW_DLV_OK)
		return true;
	if (dwarf_get_loclist_head_kind(head, &kind, &e) != DW_DLV_OK) {
		if (e)
			dwarf_dealloc_error(ld->dbg, e);
		goto out;
	}
	/* Merging makes the kept ranges no more than the entries. */
	cap = n < MS_DWARF_MAX_LOCS ? (size_t)n : MS_DWARF_MAX_LOCS;
	if (cap == 0)
		goto out;
	a->locs = malloc(cap * sizeof(*a->locs));
	if (!a->locs) {
		dwarf_loc_head_c_dealloc(head);
		return fail_nomem(ld);
	}
	for (Dwarf_Unsigned i = 0; i < n && i < MAX_LOC_ENTRIES; i++) {
		Dwarf_Small lle, source;
		Dwarf_Unsigned rawlo, rawhi, nops, expr_off, desc_off;
		Dwarf_Bool no_addr = false;
		Dwarf_Addr lo, hi;
		Dwarf_Locdesc_c desc;
		int64_t off;

		if (dwarf_get_locdesc_entry_d(head, i, &lle, &rawlo, &rawhi, &no_addr, &lo, &hi,
		                              &nops, &desc, &source, &expr_off, &desc_off,
		                              &e) != DW_DLV_OK) {
			if (e)
				dwarf_dealloc_error(ld->dbg, e);
			a->nlocs = 0;
			break;
		}
		if (kind == DW_LKIND_expression) {
			lo = 0;
			hi = UINT64_MAX;
		} else if (no_addr || lo >= hi ||
		           (kind == DW_LKIND_loclists && lle == DW_LLE_default_location)) {
			continue;
		}
		if (expr_cfa_off(ld, desc, nops, &off))
			add_loc(ld, a, cap, lo, hi, off);
	}
	if (a->nlocs == 0) {
		free(a->locs);
		a->locs = NULL;
	} else if (a->nlocs < cap) {
		struct ms_dloc *p = realloc(a->locs, a->nlocs * sizeof(*a->locs));

		if (p)
			a->locs = p;
	}
out:
	dwarf_loc_head_c_dealloc(head);
	return true;
}

/* DW_FORM_addr, or an index into .debug_addr (DWARF 5, Go 1.25+). */
static bool form_is_address(Dwarf_Half form)
{
	return form == DW_FORM_addr || form == 0x1b /* addrx */ || (form >= 0x29 && form <= 0x2c);
}

static bool attr_one(struct loader *ld, Dwarf_Attribute attr, struct die_attrs *a)
{
	Dwarf_Error e = NULL;
	Dwarf_Half num, form;
	Dwarf_Addr addr;
	Dwarf_Bool flag;
	Dwarf_Block *block;
	const uint8_t *bytes;
	uint64_t len;
	char *str;
	uint64_t v;
	bool ok;
	int res;

	if (dwarf_whatattr(attr, &num, &e) != DW_DLV_OK)
		return fail_dwarf(ld, e, "attribute");
	if (dwarf_whatform(attr, &form, &e) != DW_DLV_OK)
		return fail_dwarf(ld, e, "attribute form");
	switch (num) {
	case DW_AT_name:
		res = dwarf_formstring(attr, &str, &e);
		if (res == DW_DLV_ERROR)
			return fail_dwarf(ld, e, "name");
		if (res == DW_DLV_OK)
			a->name = str;
		return true;
	case DW_AT_byte_size:
		if (!attr_unsigned(ld, attr, form, &v, &ok))
			return false;
		if (ok)
			a->size = v;
		return true;
	case DW_AT_type:
		return attr_reference(ld, attr, form, &a->type_off);
	case DW_AT_abstract_origin:
		return attr_reference(ld, attr, form, &a->origin_off);
	case DW_AT_data_member_location:
		return attr_member_location(ld, attr, form, &a->member_offset);
	case DW_AT_count:
		return attr_unsigned(ld, attr, form, &a->count, &a->has_count);
	case DW_AT_upper_bound:
		return attr_unsigned(ld, attr, form, &a->upper_bound, &a->has_upper_bound);
	case DW_AT_frame_base:
		if (!attr_bytes(ld, attr, form, &bytes, &len, &block))
			return false;
		a->frame_base_cfa = len == 1 && bytes[0] == DW_OP_call_frame_cfa;
		if (block)
			dwarf_dealloc(ld->dbg, block, DW_DLA_BLOCK);
		return true;
	case DW_AT_location:
		if (a->want_locs)
			return a->locs ? true : attr_loclist(ld, attr, form, a);
		return attr_location(ld, attr, form, a);
	case DW_AT_low_pc:
		if (!form_is_address(form))
			return true;
		if (dwarf_formaddr(attr, &addr, &e) != DW_DLV_OK)
			return fail_dwarf(ld, e, "low_pc");
		a->low_pc = addr;
		a->has_low_pc = true;
		return true;
	case DW_AT_high_pc:
		if (form_is_address(form)) {
			if (dwarf_formaddr(attr, &addr, &e) != DW_DLV_OK)
				return fail_dwarf(ld, e, "high_pc");
			a->high_pc = addr;
			a->has_high_pc = true;
			return true;
		}
		if (!attr_unsigned(ld, attr, form, &a->high_pc, &a->has_high_pc))
			return false;
		a->high_pc_is_offset = true;
		return true;
	case MS_DW_AT_GO_KIND:
		if (!attr_unsigned(ld, attr, form, &v, &ok))
			return false;
		if (ok)
			a->go_kind = (uint8_t)(v & 0x1f);
		return true;
	case MS_DW_AT_GO_KEY:
		return attr_reference(ld, attr, form, &a->key_off);
	case MS_DW_AT_GO_ELEM:
		return attr_reference(ld, attr, form, &a->elem_off);
	case MS_DW_AT_GO_EMBEDDED_FIELD:
		if (form != DW_FORM_flag && form != DW_FORM_flag_present)
			return true;
		if (dwarf_formflag(attr, &flag, &e) != DW_DLV_OK)
			return fail_dwarf(ld, e, "flag");
		a->embedded = flag != 0;
		return true;
	case MS_DW_AT_GO_RUNTIME_TYPE:
		if (form == DW_FORM_addr) {
			if (dwarf_formaddr(attr, &addr, &e) != DW_DLV_OK)
				return fail_dwarf(ld, e, "address");
			a->runtime_type = addr;
			return true;
		}
		if (!attr_unsigned(ld, attr, form, &v, &ok))
			return false;
		if (ok)
			a->runtime_type = v;
		return true;
	default:
		return true;
	}
}

/* The attributes of die into a, which the caller has cleared (die_attrs_init()). */
static bool read_attrs_into(struct loader *ld, Dwarf_Die die, struct die_attrs *a)
{
	Dwarf_Error e = NULL;
	Dwarf_Attribute *list;
	Dwarf_Signed n;
	bool ok = true;
	int res;

	res = dwarf_attrlist(die, &list, &n, &e);
	if (res == DW_DLV_ERROR)
		return fail_dwarf(ld, e, "attribute list");
	if (res == DW_DLV_NO_ENTRY)
		return true;
	for (Dwarf_Signed i = 0; i < n; i++) {
		if (ok)
			ok = attr_one(ld, list[i], a);
		dwarf_dealloc_attribute(list[i]);
	}
	dwarf_dealloc(ld->dbg, list, DW_DLA_LIST);
	return ok;
}

static void die_attrs_init(struct die_attrs *a)
{
	memset(a, 0, sizeof(*a));
	a->size = UINT64_MAX;
}

static bool read_attrs(struct loader *ld, Dwarf_Die die, struct die_attrs *a)
{
	die_attrs_init(a);
	return read_attrs_into(ld, die, a);
}

/* ---- DIEs --------------------------------------------------------------- */

static bool is_type_tag(Dwarf_Half tag)
{
	switch (tag) {
	case DW_TAG_array_type:
	case DW_TAG_class_type:
	case DW_TAG_enumeration_type:
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_string_type:
	case DW_TAG_structure_type:
	case DW_TAG_subroutine_type:
	case DW_TAG_typedef:
	case DW_TAG_union_type:
	case DW_TAG_ptr_to_member_type:
	case DW_TAG_set_type:
	case DW_TAG_subrange_type:
	case DW_TAG_base_type:
	case DW_TAG_const_type:
	case DW_TAG_file_type:
	case DW_TAG_packed_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_interface_type:
	case DW_TAG_unspecified_type:
	case DW_TAG_shared_type:
	case DW_TAG_rvalue_reference_type:
	case DW_TAG_coarray_type:
	case DW_TAG_dynamic_type:
	case DW_TAG_atomic_type:
	case DW_TAG_immutable_type:
		return true;
	default:
		return false;
	}
}

static bool has_members(Dwarf_Half tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_class_type || tag == DW_TAG_union_type;
}

static bool die_tag_offset(struct loader *ld, Dwarf_Die die, Dwarf_Half *tag, Dwarf_Off *off)
{
	Dwarf_Error e = NULL;

	if (dwarf_tag(die, tag, &e) != DW_DLV_OK)
		return fail_dwarf(ld, e, "tag");
	if (dwarf_dieoffset(die, off, &e) != DW_DLV_OK)
		return fail_dwarf(ld, e, "DIE offset");
	return true;
}

static bool add_member(struct loader *ld, struct ms_dtype *t, size_t *cap,
                       const struct die_attrs *a)
{
	struct ms_dmember *m;

	if (!ms_grow((void **)&t->members, cap, t->nmembers, sizeof(*t->members)))
		return fail_nomem(ld);
	m = &t->members[t->nmembers];
	m->name = strdup(a->name ? a->name : "");
	if (!m->name)
		return fail_nomem(ld);
	/* A union member without a location sits at offset 0 (DWARF 5, 5.7.6). */
	m->offset = a->member_offset;
	m->type_off = a->type_off;
	m->embedded = a->embedded;
	t->nmembers++;
	return true;
}

/* The element count a subrange contributes: DW_AT_count, or DW_AT_upper_bound + 1. */
static bool add_subrange(struct loader *ld, struct ms_dtype *t, bool *first,
                         const struct die_attrs *a, Dwarf_Off off)
{
	uint64_t n = 0;

	if (a->has_count)
		n = a->count;
	else if (a->has_upper_bound && !ms_add_u64(a->upper_bound, 1, &n))
		return fail_format(ld, "array at 0x%llx: upper bound overflows",
		                   (unsigned long long)off);
	/* A C array of arrays has one subrange per dimension. */
	if (*first)
		t->count = n;
	else if (!ms_mul_u64(t->count, n, &t->count))
		return fail_format(ld, "array at 0x%llx: element count overflows",
		                   (unsigned long long)off);
	*first = false;
	return true;
}

/* The DW_TAG_member children of a struct, or the DW_TAG_subrange_type ones of an array. */
/* Does die's DW_AT_sibling point at itself or back? Then fail (ld->err). */
#define MAX_DIE_DEPTH 64

static bool sibling_backwards(struct loader *ld, Dwarf_Die die)
{
	Dwarf_Attribute at;
	Dwarf_Off sib, off;
	Dwarf_Error e = NULL;
	bool back = false;

	if (dwarf_attr(die, DW_AT_sibling, &at, &e) == DW_DLV_OK) {
		back = dwarf_global_formref(at, &sib, &e) == DW_DLV_OK &&
		       dwarf_dieoffset(die, &off, &e) == DW_DLV_OK && sib <= off;
		dwarf_dealloc_attribute(at);
		if (back)
			fail_format(ld, "DIE at 0x%llx: its sibling at 0x%llx is not after it",
			            (unsigned long long)off, (unsigned long long)sib);
	}
	if (e)
		dwarf_dealloc_error(ld->dbg, e);
	return back;
}

static int sibling_at_depth(struct loader *ld, Dwarf_Die die, Dwarf_Die *next, Dwarf_Error *e,
                            unsigned depth, unsigned *ret_height);

/*
 * Is every DW_AT_sibling below die forward? libdwarf 20210528 follows them to
 * skip a DIE's children, and one that points at itself or back makes
 * dwarf_siblingof_b loop for ever (found by fuzz_elf). Go writes none, so
 * this only walks the subtree (post-order: a child's own subtree is checked
 * before libdwarf skips it). *ret_height: the levels of DIEs below die.
 */
static bool subtree_ok(struct loader *ld, Dwarf_Die die, unsigned depth, unsigned *ret_height)
{
	Dwarf_Error e = NULL;
	Dwarf_Die child, next;
	int res;

	*ret_height = 0;
	if (depth > MAX_DIE_DEPTH)
		return fail_format(ld, "DIEs nested more than 64 deep");
	res = dwarf_child(die, &child, &e);
	if (res == DW_DLV_ERROR)
		return fail_dwarf(ld, e, "child DIE");
	while (res == DW_DLV_OK) {
		unsigned h = 0;

		res = sibling_at_depth(ld, child, &next, &e, depth + 1, &h);
		if (res == DW_DLV_ERROR && !ld->err)
			fail_dwarf(ld, e, "sibling DIE");
		dwarf_dealloc_die(child);
		if (res == DW_DLV_ERROR)
			return false;
		if (h + 1 > *ret_height)
			*ret_height = h + 1;
		child = next;
	}
	return true;
}

/*
 * The next sibling of die, as dwarf_siblingof_b gives it, once no
 * DW_AT_sibling at die or below points back (subtree_ok). DW_DLV_ERROR with
 * ld->err set (and *e NULL) when one does.
 */
static int sibling_at_depth(struct loader *ld, Dwarf_Die die, Dwarf_Die *next, Dwarf_Error *e,
                            unsigned depth, unsigned *ret_height)
{
	if (sibling_backwards(ld, die) || !subtree_ok(ld, die, depth, ret_height)) {
		*e = NULL;
		return DW_DLV_ERROR;
	}
	return dwarf_siblingof_b(ld->dbg, die, true, next, e);
}

/*
 * The same for the DIE at off. When each_child() has just walked all its children, every
 * DW_AT_sibling below it was checked on the way (each child's by the next_sibling that
 * moved past it, recursively), so only the depth is left to check, from the height it
 * measured: its subtree is not walked again.
 */
static int next_sibling(struct loader *ld, Dwarf_Die die, Dwarf_Off off, Dwarf_Die *next,
                        Dwarf_Error *e, unsigned *ret_height)
{
	if (ld->no_siblings) {
		/* no DIE of the unit can have a DW_AT_sibling: libdwarf walks the children to
		 * skip them, without recursion, and nothing of mapsize descends unbounded */
		*ret_height = 0;
		return dwarf_siblingof_b(ld->dbg, die, true, next, e);
	}
	if (off && off == ld->walked_off) {
		*ret_height = ld->walked_height;
		if (sibling_backwards(ld, die) ||
		    (ld->walked_height > MAX_DIE_DEPTH &&
		     !fail_format(ld, "DIEs nested more than 64 deep"))) {
			*e = NULL;
			return DW_DLV_ERROR;
		}
		return dwarf_siblingof_b(ld->dbg, die, true, next, e);
	}
	return sibling_at_depth(ld, die, next, e, 0, ret_height);
}

/* fn on each child DIE of parent, in order, with its tag and offset; stops at the
 * first false. The DIE is freed after fn returns. */
typedef bool (*child_fn)(struct loader *ld, Dwarf_Die die, Dwarf_Half tag, Dwarf_Off off,
                         void *arg);

static bool each_child(struct loader *ld, Dwarf_Die parent, child_fn fn, void *arg)
{
	Dwarf_Error e = NULL;
	Dwarf_Die die, next;
	Dwarf_Half tag;
	Dwarf_Off off, parent_off = 0;
	unsigned height = 0;
	int res = dwarf_child(parent, &die, &e);

	if (res == DW_DLV_ERROR)
		return fail_dwarf(ld, e, "child DIE");
	while (res == DW_DLV_OK) {
		unsigned h = 0;

		if (!die_tag_offset(ld, die, &tag, &off) || !fn(ld, die, tag, off, arg)) {
			dwarf_dealloc_die(die);
			return false;
		}
		res = next_sibling(ld, die, off, &next, &e, &h);
		dwarf_dealloc_die(die);
		if (res == DW_DLV_ERROR)
			return fail_dwarf(ld, e, "sibling DIE");
		if (h + 1 > height)
			height = h + 1;
		die = next;
	}
	if (dwarf_dieoffset(parent, &parent_off, &e) != DW_DLV_OK) {
		dwarf_dealloc_error(ld->dbg, e);
		parent_off = 0;
	}
	ld->walked_off = parent_off;
	ld->walked_height = height;
	return true;
}

struct type_children {
	struct ms_dtype *t;
	Dwarf_Off last_off;
	size_t cap;
	bool first;
};

static bool type_child(struct loader *ld, Dwarf_Die die, Dwarf_Half tag, Dwarf_Off off, void *arg)
{
	struct type_children *tc = arg;
	struct ms_dtype *t = tc->t;
	struct die_attrs a;

	if (off <= tc->last_off)
		return fail_format(ld, "DIE at 0x%llx: children out of order",
		                   (unsigned long long)off);
	tc->last_off = off;
	if (t->tag == DW_TAG_array_type && tag == DW_TAG_subrange_type)
		return read_attrs(ld, die, &a) && add_subrange(ld, t, &tc->first, &a, t->off);
	if (has_members(t->tag) && tag == DW_TAG_member)
		return read_attrs(ld, die, &a) && add_member(ld, t, &tc->cap, &a);
	return true;
}

static bool load_children(struct loader *ld, Dwarf_Die parent, struct ms_dtype *t)
{
	struct type_children tc = {t, t->off, 0, true};

	return each_child(ld, parent, type_child, &tc);
}

static bool load_type(struct loader *ld, Dwarf_Die die, Dwarf_Half tag, Dwarf_Off off)
{
	struct ms_dwarf *d = ld->d;
	struct ms_dtype *t;
	struct die_attrs a;

	if (!read_attrs(ld, die, &a))
		return false;
	if (!ms_grow((void **)&d->types, &ld->types_cap, d->ntypes, sizeof(*d->types)))
		return fail_nomem(ld);
	t = &d->types[d->ntypes];
	memset(t, 0, sizeof(*t));
	t->off = off;
	t->tag = tag;
	t->go_kind = a.go_kind;
	t->size = a.size;
	t->type_off = a.type_off;
	t->key_off = a.key_off;
	t->elem_off = a.elem_off;
	t->runtime_type = a.runtime_type;
	if (a.name) {
		t->name = strdup(a.name);
		if (!t->name)
			return fail_nomem(ld);
	}
	/* Counted now so that ms_dwarf_destroy() frees what a failing child walk leaves. */
	d->ntypes++;
	if (tag == DW_TAG_array_type || has_members(tag))
		return load_children(ld, die, t);
	return true;
}

static bool load_var(struct loader *ld, Dwarf_Die die)
{
	struct ms_dwarf *d = ld->d;
	struct ms_dvar *v;
	struct die_attrs a;

	if (!read_attrs(ld, die, &a))
		return false;
	if (!a.name || !a.has_addr)
		return true;
	if (!ms_grow((void **)&d->vars, &ld->vars_cap, d->nvars, sizeof(*d->vars)))
		return fail_nomem(ld);
	v = &d->vars[d->nvars];
	v->name = strdup(a.name);
	if (!v->name)
		return fail_nomem(ld);
	v->addr = a.addr;
	v->type_off = a.type_off;
	d->nvars++;
	return true;
}

#define MAX_BLOCK_DEPTH 16
#define MAX_LOCALS      4096

/* One local of f from its attributes; steals a->locs. inl: the inlined call's index, or -1. */
static bool add_local(struct loader *ld, struct ms_dfunc *f, size_t *cap, struct die_attrs *a,
                      bool is_param, int32_t inl)
{
	struct ms_dlocal *l;

	if (!ms_grow((void **)&f->locals, cap, f->nlocals, sizeof(*f->locals)))
		return fail_nomem(ld);
	if (!ms_grow((void **)&ld->local_inline, &ld->local_inline_cap, f->nlocals,
	             sizeof(*ld->local_inline)))
		return fail_nomem(ld);
	ld->local_inline[f->nlocals] = inl;
	l = &f->locals[f->nlocals];
	l->inlined = NULL;
	l->name = strdup(a->name ? a->name : "");
	if (!l->name)
		return fail_nomem(ld);
	l->type_off = a->type_off;
	l->is_param = is_param;
	l->nlocs = a->nlocs;
	l->locs = a->locs;
	a->locs = NULL;
	f->nlocals++;
	return true;
}

/*
 * The name and type of the DIE at off (a DW_AT_abstract_origin: the abstract
 * function or variable an inlined or out-of-line copy stands for), into a's
 * unset fields. A bad reference leaves them unset.
 */
static bool from_origin(struct loader *ld, struct die_attrs *a)
{
	Dwarf_Error e = NULL;
	Dwarf_Die die;
	struct die_attrs o;
	int res;

	if (!a->origin_off || (a->name && a->type_off))
		return true;
	res = dwarf_offdie_b(ld->dbg, a->origin_off, true, &die, &e);
	if (res == DW_DLV_ERROR)
		dwarf_dealloc_error(ld->dbg, e);
	if (res != DW_DLV_OK)
		return true;
	if (!read_attrs(ld, die, &o)) {
		dwarf_dealloc_die(die);
		return false;
	}
	dwarf_dealloc_die(die);
	if (!a->name)
		a->name = o.name;
	if (!a->type_off)
		a->type_off = o.type_off;
	return true;
}

#define MAX_RANGES 4096

static bool add_range(struct loader *ld, struct ms_dinline *in, size_t *cap, uint64_t lo,
                      uint64_t hi)
{
	if (lo >= hi || in->nranges >= MAX_RANGES)
		return true;
	if (!ms_grow((void **)&in->ranges, cap, in->nranges, sizeof(*in->ranges)))
		return fail_nomem(ld);
	in->ranges[in->nranges].lo = lo;
	in->ranges[in->nranges].hi = hi;
	in->nranges++;
	return true;
}

/*
 * DW_AT_ranges of die into in: DWARF 5 .debug_rnglists (libdwarf gives the
 * pcs with their base applied), DWARF 4 .debug_ranges (offsets from the
 * unit's low_pc or from a base address selection entry). Ranges libdwarf
 * cannot read leave in without them: its locals are then never at a pc.
 */
static bool die_ranges(struct loader *ld, Dwarf_Die die, struct ms_dinline *in)
{
	Dwarf_Error e = NULL;
	Dwarf_Attribute attr;
	Dwarf_Half form;
	Dwarf_Unsigned value = 0;
	size_t cap = 0;
	bool ok = true;
	int res;

	res = dwarf_attr(die, DW_AT_ranges, &attr, &e);
	if (res == DW_DLV_ERROR)
		dwarf_dealloc_error(ld->dbg, e);
	if (res != DW_DLV_OK)
		return true;
	if (dwarf_whatform(attr, &form, &e) != DW_DLV_OK) {
		dwarf_dealloc_error(ld->dbg, e);
		goto out;
	}
	if (form == DW_FORM_rnglistx) {
		if (dwarf_formudata(attr, &value, &e) != DW_DLV_OK) {
			dwarf_dealloc_error(ld->dbg, e);
			goto out;
		}
	} else if (dwarf_global_formref(attr, &value, &e) != DW_DLV_OK) {
		if (e)
			dwarf_dealloc_error(ld->dbg, e);
		goto out;
	}
	if (ld->unit_version >= 5) {
		Dwarf_Rnglists_Head head = NULL;
		Dwarf_Unsigned n = 0, global_off;

		res = dwarf_rnglists_get_rle_head(attr, form, value, &head, &n, &global_off, &e);
		if (res == DW_DLV_ERROR)
			dwarf_dealloc_error(ld->dbg, e);
		if (res != DW_DLV_OK)
			goto out;
		for (Dwarf_Unsigned i = 0; i < n && ok && i < MAX_RANGES * 2; i++) {
			unsigned len, code;
			Dwarf_Unsigned raw1, raw2, lo, hi;
			Dwarf_Bool unavailable = false;

			if (dwarf_get_rnglists_entry_fields_a(head, i, &len, &code, &raw1, &raw2,
			                                      &unavailable, &lo, &hi,
			                                      &e) != DW_DLV_OK) {
				if (e)
					dwarf_dealloc_error(ld->dbg, e);
				break;
			}
			if (!unavailable && code != DW_RLE_base_address &&
			    code != DW_RLE_base_addressx && code != DW_RLE_end_of_list)
				ok = add_range(ld, in, &cap, lo, hi);
		}
		dwarf_dealloc_rnglists_head(head);
	} else {
		Dwarf_Ranges *r = NULL;
		Dwarf_Signed n = 0;
		Dwarf_Unsigned bytes;
		Dwarf_Off real;
		uint64_t base = ld->unit_low_pc;
		uint64_t all = ld->addr_bytes == 4 ? UINT32_MAX : UINT64_MAX;

		res = dwarf_get_ranges_b(ld->dbg, value, die, &real, &r, &n, &bytes, &e);
		if (res == DW_DLV_ERROR)
			dwarf_dealloc_error(ld->dbg, e);
		if (res != DW_DLV_OK)
			goto out;
		for (Dwarf_Signed i = 0; i < n && ok; i++) {
			if (r[i].dwr_type == DW_RANGES_END)
				break;
			if (r[i].dwr_type == DW_RANGES_ADDRESS_SELECTION || r[i].dwr_addr1 == all)
				base = r[i].dwr_addr2;
			else
				ok = add_range(ld, in, &cap, base + r[i].dwr_addr1,
				               base + r[i].dwr_addr2);
		}
		dwarf_ranges_dealloc(ld->dbg, r, n);
	}
out:
	dwarf_dealloc_attribute(attr);
	return ok;
}

static bool load_locals(struct loader *ld, Dwarf_Die parent, struct ms_dfunc *f, size_t *cap,
                        unsigned depth, int32_t inl);

/* A call inlined into f: its name and pcs, then its locals (inl: the enclosing one or -1). */
static bool load_inline(struct loader *ld, Dwarf_Die die, struct ms_dfunc *f, size_t *cap,
                        unsigned depth)
{
	struct ms_dinline *in;
	struct die_attrs a;
	int32_t index;

	if (f->ninlines >= MAX_LOCALS || !read_attrs(ld, die, &a) || !from_origin(ld, &a))
		return !ld->err;
	if (!ms_grow((void **)&f->inlines, &ld->inlines_cap, f->ninlines, sizeof(*f->inlines)))
		return fail_nomem(ld);
	in = &f->inlines[f->ninlines];
	memset(in, 0, sizeof(*in));
	in->name = strdup(a.name ? a.name : "?");
	if (!in->name)
		return fail_nomem(ld);
	index = (int32_t)f->ninlines++;
	if (a.has_low_pc && a.has_high_pc) {
		size_t rcap = 0;

		if (!add_range(ld, in, &rcap, a.low_pc,
		               a.high_pc_is_offset ? a.low_pc + a.high_pc : a.high_pc))
			return false;
	} else if (!die_ranges(ld, die, in)) {
		return false;
	}
	return load_locals(ld, die, f, cap, depth + 1, index);
}

struct locals_walk {
	struct ms_dfunc *f;
	size_t *cap;
	unsigned depth;
	int32_t inl;
};

static bool locals_child(struct loader *ld, Dwarf_Die die, Dwarf_Half tag, Dwarf_Off off, void *arg)
{
	struct locals_walk *lw = arg;
	struct ms_dfunc *f = lw->f;
	struct die_attrs a;
	bool ok;

	if ((tag == DW_TAG_variable || tag == DW_TAG_formal_parameter) && f->nlocals < MAX_LOCALS) {
		die_attrs_init(&a);
		a.want_locs = true;
		ok = read_attrs_into(ld, die, &a) && from_origin(ld, &a);
		if (ok && a.type_off)
			ok = add_local(ld, f, lw->cap, &a, tag == DW_TAG_formal_parameter, lw->inl);
		free(a.locs);
		return ok;
	}
	if (tag == DW_TAG_lexical_block)
		return load_locals(ld, die, f, lw->cap, lw->depth + 1, lw->inl);
	if (tag == DW_TAG_inlined_subroutine)
		return load_inline(ld, die, f, lw->cap, lw->depth);
	return true;
}

/* Variables and parameters of a function, descending into lexical blocks and inlined calls. */
static bool load_locals(struct loader *ld, Dwarf_Die parent, struct ms_dfunc *f, size_t *cap,
                        unsigned depth, int32_t inl)
{
	struct locals_walk lw = {f, cap, depth, inl};

	if (depth > MAX_BLOCK_DEPTH)
		return true;
	return each_child(ld, parent, locals_child, &lw);
}

static bool load_func(struct loader *ld, Dwarf_Die die, Dwarf_Off off)
{
	struct ms_dwarf *d = ld->d;
	struct ms_dfunc *f;
	struct die_attrs a;

	if (!read_attrs(ld, die, &a))
		return false;
	if (!a.has_low_pc || !a.has_high_pc || !from_origin(ld, &a) || !a.name)
		return !ld->err;
	if (!ms_grow((void **)&d->funcs, &ld->funcs_cap, d->nfuncs, sizeof(*d->funcs)))
		return fail_nomem(ld);
	f = &d->funcs[d->nfuncs];
	memset(f, 0, sizeof(*f));
	f->name = strdup(a.name);
	if (!f->name)
		return fail_nomem(ld);
	f->low_pc = a.low_pc;
	f->high_pc = a.high_pc_is_offset ? a.low_pc + a.high_pc : a.high_pc;
	f->die_off = off;
	f->unit = (uint32_t)(ld->nunits - 1);
	f->frame_base_cfa = a.frame_base_cfa;
	d->nfuncs++;
	return true;
}

/* The locals of f, whose DIE is at f->die_off (its unit's facts in ld->units). */
static bool read_func_locals(struct loader *ld, struct ms_dfunc *f)
{
	const struct unit_info *u = &ld->units[f->unit];
	Dwarf_Error e = NULL;
	Dwarf_Die die;
	size_t cap = 0;
	bool ok;
	int res;

	ld->addr_bytes = u->addr_bytes;
	ld->unit_version = u->version;
	ld->unit_low_pc = u->low_pc;
	ld->no_siblings = u->no_siblings;
	ld->fbreg_is_cfa = f->frame_base_cfa;
	ld->inlines_cap = 0;
	res = dwarf_offdie_b(ld->dbg, f->die_off, true, &die, &e);
	if (res == DW_DLV_ERROR)
		return fail_dwarf(ld, e, "function DIE");
	if (res != DW_DLV_OK)
		return true;
	ok = load_locals(ld, die, f, &cap, 0, -1);
	dwarf_dealloc_die(die);
	for (size_t i = 0; i < f->nlocals; i++)
		if (ld->local_inline[i] >= 0)
			f->locals[i].inlined = &f->inlines[ld->local_inline[i]];
	if (f->nlocals && f->nlocals < cap) {
		struct ms_dlocal *p = realloc(f->locals, f->nlocals * sizeof(*f->locals));

		if (p)
			f->locals = p;
	}
	return ok;
}

static bool load_die(struct loader *ld, Dwarf_Die die, Dwarf_Half tag, Dwarf_Off off, void *arg)
{
	(void)arg;
	if (off <= ld->last_off)
		return fail_format(ld, "DIE at 0x%llx: DIEs out of order", (unsigned long long)off);
	ld->last_off = off;
	if (is_type_tag(tag))
		return load_type(ld, die, tag, off);
	if (tag == DW_TAG_variable)
		return load_var(ld, die);
	if (tag == DW_TAG_subprogram)
		return load_func(ld, die, off);
	return true;
}

/* The unit-level DIEs of the unit whose header was just read. */
static bool load_unit(struct loader *ld)
{
	Dwarf_Error e = NULL;
	Dwarf_Die unit;
	bool ok;
	int res;

	res = dwarf_siblingof_b(ld->dbg, NULL, true, &unit, &e);
	if (res == DW_DLV_ERROR)
		return fail_dwarf(ld, e, "unit DIE");
	if (res == DW_DLV_NO_ENTRY)
		return true;
	{
		struct die_attrs a;

		if (!read_attrs(ld, unit, &a)) {
			dwarf_dealloc_die(unit);
			return false;
		}
		ld->unit_low_pc = a.has_low_pc ? a.low_pc : 0;
	}
	if (ld->nunits >= UINT32_MAX ||
	    !ms_grow((void **)&ld->units, &ld->units_cap, ld->nunits, sizeof(*ld->units))) {
		dwarf_dealloc_die(unit);
		return fail_nomem(ld);
	}
	ld->units[ld->nunits++] = (struct unit_info){.low_pc = ld->unit_low_pc,
	                                             .version = ld->unit_version,
	                                             .addr_bytes = ld->addr_bytes,
	                                             .no_siblings = ld->no_siblings};
	ok = each_child(ld, unit, load_die, NULL);
	dwarf_dealloc_die(unit);
	return ok;
}

/* Is the abbreviation table at off one abbrev_scan() found free of DW_AT_sibling? */
static bool abbrev_table_clean(const struct loader *ld, uint64_t off)
{
	size_t lo = 0, hi = ld->nabbrev_starts;

	if (!ld->abbrev_clean || ld->abbrevs != 1)
		return false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ld->abbrev_starts[mid] == off)
			return true;
		if (ld->abbrev_starts[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool load_units(struct loader *ld)
{
	Dwarf_Error e = NULL;
	Dwarf_Unsigned length, type_offset, next_offset;
	Dwarf_Half version, addr_bytes, offset_bytes, ext_bytes, unit_type;
	Dwarf_Off abbrev_offset;
	Dwarf_Sig8 signature;
	int res;

	for (;;) {
		res = dwarf_next_cu_header_d(ld->dbg, true, &length, &version, &abbrev_offset,
		                             &addr_bytes, &offset_bytes, &ext_bytes, &signature,
		                             &type_offset, &next_offset, &unit_type, &e);
		if (res == DW_DLV_ERROR)
			return fail_dwarf(ld, e, "unit header");
		if (res == DW_DLV_NO_ENTRY)
			return true;
		if (addr_bytes != 4 && addr_bytes != 8)
			return fail_format(ld, "unit with %u-byte addresses", (unsigned)addr_bytes);
		if (!ld->saw_unit)
			ld->d->version = version;
		ld->saw_unit = true;
		ld->addr_bytes = addr_bytes;
		ld->unit_version = version;
		ld->no_siblings = abbrev_table_clean(ld, abbrev_offset);
		if (!load_unit(ld))
			return false;
	}
}

/* ---- The file ------------------------------------------------------------- */

/*
 * libdwarf 20210528 frees a .debug_rnglists or .debug_loclists table header it
 * cannot read and then keeps it (internal_load_rnglists_contexts() and
 * internal_load_loclists_contexts() lack a return): a double free, found by
 * fuzz_elf. So every table header of both sections must be one it reads: its
 * length, version, address size, segment size and offset count inside the
 * section, the length no more than the section, version 5, addresses of 2, 4
 * or 8 bytes. Stricter than libdwarf only where no valid table goes: a length
 * under 8 or one of the reserved values 0xfffffff0-0xfffffffe.
 */
static bool list_headers_ok(const uint8_t *p, uint64_t size, bool big)
{
	uint64_t off = 0;

	while (off < size) {
		uint64_t len, at = 4, ext = 0;
		unsigned addr_bytes;

		if (size - off < 4)
			return false;
		len = get_uint(p + off, 4, big);
		if (len == 0xffffffff) {
			if (size - off < 12)
				return false;
			len = get_uint(p + off + 4, 8, big);
			at = 12;
			ext = 8;
		} else if (len >= 0xfffffff0) {
			return false;
		}
		if (len < 8 || len > size || size - off < at + 8)
			return false;
		if (get_uint(p + off + at, 2, big) != 5)
			return false;
		addr_bytes = p[off + at + 2];
		if (addr_bytes != 2 && addr_bytes != 4 && addr_bytes != 8)
			return false;
		off += 4 + ext + len;
	}
	return true;
}

#define MAX_LIST_SECTION_BYTES (UINT64_C(1) << 30)

/*
 * The contents of a section at off, size bytes in the file, decompressed if
 * flags say SHF_COMPRESSED or it is a .zdebug_ one. Owned by the caller.
 */
static struct ms_error *section_contents(int fd, const char *path, const char *name, uint64_t off,
                                         uint64_t size, uint64_t flags, bool is64, bool big,
                                         uint8_t **ret, uint64_t *ret_size)
{
	uint8_t *raw, *out = NULL;
	uint64_t hdr = 0, out_size = 0;
	uLongf n;

	if (size > MAX_LIST_SECTION_BYTES)
		return ms_error_create(MS_ERR_FORMAT, "'%s': %s of %llu bytes", path, name,
		                       (unsigned long long)size);
	raw = malloc(size ? size : 1);
	if (!raw)
		return &ms_error_nomem;
	if (pread(fd, raw, size, (off_t)off) != (ssize_t)size) {
		free(raw);
		return ms_error_create(MS_ERR_FORMAT, "'%s': cannot read %s", path, name);
	}
	if (flags & 0x800 /* SHF_COMPRESSED */) {
		hdr = is64 ? 24 : 12;
		if (size < hdr || get_uint(raw, 4, big) != 1 /* ELFCOMPRESS_ZLIB */)
			goto bad;
		out_size = get_uint(raw + (is64 ? 8 : 4), is64 ? 8 : 4, big);
	} else if (name[1] == 'z') {
		hdr = 12;
		if (size < hdr || memcmp(raw, "ZLIB", 4) != 0)
			goto bad;
		out_size = get_uint(raw + 4, 8, true);
	} else {
		*ret = raw;
		*ret_size = size;
		return NULL;
	}
	/* zlib inflates at most 1032 to 1: a larger claim is a lie, not a section */
	if (out_size > MAX_LIST_SECTION_BYTES || out_size > (size - hdr) * 1032 + 64)
		goto bad;
	out = malloc(out_size ? out_size : 1);
	if (!out) {
		free(raw);
		return &ms_error_nomem;
	}
	n = (uLongf)out_size;
	if (uncompress(out, &n, raw + hdr, (uLong)(size - hdr)) != Z_OK)
		goto bad;
	free(raw);
	*ret = out;
	*ret_size = n;
	return NULL;
bad:
	free(raw);
	free(out);
	return ms_error_create(MS_ERR_FORMAT, "'%s': bad DWARF (%s): cannot decompress it", path,
	                       name);
}

/*
 * The list table sections (list_headers_ok()) of the ELF file whose header is
 * h; .debug_loc and .debug_loclists are kept in ld (loc_list_ok()).
 */
/*
 * .debug_abbrev read in order, each table to its null entry: its table starts into
 * ld->abbrev_starts, and ld->abbrev_clean when every abbreviation parses and none has a
 * DW_AT_sibling. A unit whose table starts at one of those has no DIE with a sibling
 * pointer, so skipping a DIE's children cannot loop (subtree_ok() need not walk them
 * first: Go writes none). Codes past 16 bits (libdwarf keeps 16) leave it unclean.
 */
static void abbrev_scan(struct loader *ld, const uint8_t *p, uint64_t n)
{
	const uint8_t *q = p, *end = p + n;
	bool start = true;

	ld->abbrev_clean = false;
	while (q < end) {
		uint64_t code, tag, at, form;

		if (start) {
			if (!ms_grow((void **)&ld->abbrev_starts, &ld->abbrev_starts_cap,
			             ld->nabbrev_starts, sizeof(*ld->abbrev_starts)))
				return;
			ld->abbrev_starts[ld->nabbrev_starts++] = (uint64_t)(q - p);
		}
		if (!read_uleb(&q, end, &code))
			return;
		start = code == 0;
		if (start)
			continue;
		if (!read_uleb(&q, end, &tag) || tag > 0xffff || q >= end)
			return;
		q++; /* DW_CHILDREN_yes or no */
		for (;;) {
			if (!read_uleb(&q, end, &at) || !read_uleb(&q, end, &form) || at > 0xffff ||
			    form > 0xffff || at == DW_AT_sibling)
				return;
			if (at == 0 && form == 0)
				break;
			if (form == 0x21 /* DW_FORM_implicit_const */ && !skip_sleb(&q, end))
				return;
		}
	}
	ld->abbrev_clean = true;
}

static struct ms_error *check_list_tables(int fd, const char *path, const uint8_t *h, bool is64,
                                          bool big, uint64_t shoff, uint64_t shnum,
                                          uint64_t shentsize, struct loader *ld)
{
	static const char *const names[] = {".debug_rnglists",  ".debug_loclists",
	                                    ".zdebug_rnglists", ".zdebug_loclists",
	                                    ".debug_loc",       ".zdebug_loc"};
	uint8_t sh[64];
	uint64_t strndx, stroff, strsize;

	strndx = get_uint(h + (is64 ? 0x3e : 0x32), 2, big);
	if (strndx == 0xffff /* SHN_XINDEX: in section 0's sh_link */) {
		if (shnum == 0 || pread(fd, sh, shentsize, (off_t)shoff) != (ssize_t)shentsize)
			return NULL;
		strndx = get_uint(sh + (is64 ? 0x28 : 0x18), 4, big);
	}
	if (strndx == 0 || strndx >= shnum ||
	    pread(fd, sh, shentsize, (off_t)(shoff + strndx * shentsize)) != (ssize_t)shentsize)
		return NULL; /* no section names: libdwarf finds no sections either */
	stroff = is64 ? get_uint(sh + 0x18, 8, big) : get_uint(sh + 0x10, 4, big);
	strsize = is64 ? get_uint(sh + 0x20, 8, big) : get_uint(sh + 0x14, 4, big);
	for (uint64_t i = 0; i < shnum; i++) {
		char name[24] = {0};
		uint64_t name_off, off, size, flags, n;
		struct ms_error *err;
		uint8_t *bytes = NULL;
		int kind;
		bool ok;

		if (pread(fd, sh, shentsize, (off_t)(shoff + i * shentsize)) != (ssize_t)shentsize)
			return NULL;
		name_off = get_uint(sh, 4, big);
		if (get_uint(sh + 4, 4, big) == 8 /* SHT_NOBITS */ || name_off >= strsize)
			continue;
		n = strsize - name_off < sizeof(name) - 1 ? strsize - name_off : sizeof(name) - 1;
		if (pread(fd, name, n, (off_t)(stroff + name_off)) != (ssize_t)n)
			continue;
		kind = -1;
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			if (strcmp(name, names[k]) == 0)
				kind = (int)k;
		}
		flags = is64 ? get_uint(sh + 8, 8, big) : get_uint(sh + 8, 4, big);
		off = is64 ? get_uint(sh + 0x18, 8, big) : get_uint(sh + 0x10, 4, big);
		size = is64 ? get_uint(sh + 0x20, 8, big) : get_uint(sh + 0x14, 4, big);
		if (strncmp(name, ".debug_abbrev", 13) == 0 ||
		    strncmp(name, ".zdebug_abbrev", 14) == 0) {
			/* any second one (a .dwo's too) and the checks stay: which one libdwarf
			 * reads is its choice; one that cannot be read is libdwarf's to refuse */
			if (++ld->abbrevs == 1) {
				err = section_contents(fd, path, name, off, size, flags, is64, big,
				                       &bytes, &n);
				if (!err)
					abbrev_scan(ld, bytes, n);
				ms_error_destroy(err);
				free(bytes);
			}
			continue;
		}
		if (kind < 0)
			continue;
		err = section_contents(fd, path, name, off, size, flags, is64, big, &bytes, &n);
		if (err)
			return err;
		if (kind >= 4 || kind % 2 == 1) {
			uint8_t **keep = kind >= 4 ? &ld->loc : &ld->loclists;

			free(*keep); /* a second section of the name: libdwarf takes the last */
			*keep = bytes;
			*(kind >= 4 ? &ld->loc_size : &ld->loclists_size) = n;
		}
		ok = kind >= 4 || list_headers_ok(bytes, n, big);
		if (kind % 2 == 0 && kind < 4)
			free(bytes);
		if (!ok)
			return ms_error_create(
			    MS_ERR_FORMAT, "'%s': bad DWARF (%s): a table header is not DWARF 5's",
			    path, name);
	}
	return NULL;
}

/*
 * An ELF file whose section headers are all there: libdwarf would call a
 * truncated file stripped, and one that is not ELF at all unknown.
 */
static struct ms_error *check_elf(int fd, const char *path, bool *ret_big_endian, struct loader *ld)
{
	uint8_t h[64];
	struct stat st;
	ssize_t n;
	uint64_t shoff, shnum, shentsize, end;
	bool is64, big;

	if (fstat(fd, &st) != 0)
		return ms_error_create(MS_ERR_IO, "'%s': %s", path, strerror(errno));
	n = pread(fd, h, sizeof(h), 0);
	if (n < 0)
		return ms_error_create(MS_ERR_IO, "'%s': %s", path, strerror(errno));
	if (n < 6 || memcmp(h, "\177ELF", 4) != 0 || (h[4] != 1 && h[4] != 2) ||
	    (h[5] != 1 && h[5] != 2))
		return ms_error_create(MS_ERR_FORMAT, "'%s': not an ELF file", path);
	is64 = h[4] == 2;
	big = h[5] == 2;
	if (n < (is64 ? 64 : 52))
		return ms_error_create(MS_ERR_FORMAT, "'%s': truncated ELF header", path);
	shoff = is64 ? get_uint(h + 0x28, 8, big) : get_uint(h + 0x20, 4, big);
	shentsize = get_uint(h + (is64 ? 0x3a : 0x2e), 2, big);
	shnum = get_uint(h + (is64 ? 0x3c : 0x30), 2, big);
	if (shoff == 0)
		return ms_error_create(MS_ERR_UNSUPPORTED,
		                       "'%s': no DWARF (the executable was stripped)", path);
	end = shoff + shnum * shentsize;
	if (end < shoff || end > (uint64_t)st.st_size)
		return ms_error_create(MS_ERR_FORMAT,
		                       "'%s': truncated ELF file (section headers end at %llu, "
		                       "the file at %llu)",
		                       path, (unsigned long long)end,
		                       (unsigned long long)st.st_size);
	if (shentsize != (is64 ? 64u : 40u))
		return ms_error_create(MS_ERR_FORMAT, "'%s': section headers of %llu bytes", path,
		                       (unsigned long long)shentsize);
	/*
	 * libdwarf allocates what section headers claim: every section with file
	 * contents must lie inside the file before it sees them.
	 */
	for (uint64_t i = 0; i < shnum; i++) {
		uint8_t sh[64];
		uint64_t type, off, size;

		if (pread(fd, sh, shentsize, (off_t)(shoff + i * shentsize)) != (ssize_t)shentsize)
			return ms_error_create(MS_ERR_FORMAT,
			                       "'%s': cannot read section header %llu", path,
			                       (unsigned long long)i);
		type = get_uint(sh + 4, 4, big);
		off = is64 ? get_uint(sh + 0x18, 8, big) : get_uint(sh + 0x10, 4, big);
		size = is64 ? get_uint(sh + 0x20, 8, big) : get_uint(sh + 0x14, 4, big);
		if (type != 8 /* SHT_NOBITS */ && type != 0 &&
		    (off + size < off || off + size > (uint64_t)st.st_size))
			return ms_error_create(MS_ERR_FORMAT,
			                       "'%s': section %llu lies past the end of the file",
			                       path, (unsigned long long)i);
	}
	*ret_big_endian = big;
	return check_list_tables(fd, path, h, is64, big, shoff, shnum, shentsize, ld);
}

/* ---- The name index ---------------------------------------------------------- */

static uint64_t hash_name(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3u;
	return h;
}

/*
 * Slots for n names at most half full; names(i) is the i-th name. A name
 * seen before keeps its first slot, which is the first by offset.
 */
static bool index_build(size_t **ret_slots, size_t *ret_nslots, size_t n,
                        const char *(*name_of)(const struct ms_dwarf *, size_t),
                        const struct ms_dwarf *d)
{
	size_t nslots = 16, *slots;

	while (nslots < n * 2) {
		if (nslots > SIZE_MAX / 4 / sizeof(*slots))
			return false;
		nslots *= 2;
	}
	slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *name = name_of(d, i);
		size_t at;

		if (!name)
			continue;
		at = (size_t)hash_name(name) & (nslots - 1);
		while (slots[at] && strcmp(name_of(d, slots[at] - 1), name) != 0)
			at = (at + 1) & (nslots - 1);
		if (!slots[at])
			slots[at] = i + 1;
	}
	*ret_slots = slots;
	*ret_nslots = nslots;
	return true;
}

/* The index + 1 of name in slots; 0 if none. */
static size_t index_find(const size_t *slots, size_t nslots, const char *name,
                         const char *(*name_of)(const struct ms_dwarf *, size_t),
                         const struct ms_dwarf *d)
{
	size_t at = (size_t)hash_name(name) & (nslots - 1);

	while (slots[at]) {
		if (strcmp(name_of(d, slots[at] - 1), name) == 0)
			return slots[at];
		at = (at + 1) & (nslots - 1);
	}
	return 0;
}

static const char *type_name(const struct ms_dwarf *d, size_t i)
{
	return d->types[i].name;
}

static const char *var_name(const struct ms_dwarf *d, size_t i)
{
	return d->vars[i].name;
}

static struct ms_error *build_index(struct ms_dwarf *d)
{
	struct name_index *idx = calloc(1, sizeof(*idx));

	if (!idx)
		return &ms_error_nomem;
	d->priv = idx;
	if (!index_build(&idx->type_slots, &idx->ntype_slots, d->ntypes, type_name, d) ||
	    !index_build(&idx->var_slots, &idx->nvar_slots, d->nvars, var_name, d))
		return &ms_error_nomem;
	return NULL;
}

/* ---- The interface ----------------------------------------------------------- */

struct ms_error *ms_dwarf_index(struct ms_dwarf *d)
{
	return d->priv ? NULL : build_index(d);
}

static int cmp_func(const void *a, const void *b)
{
	const struct ms_dfunc *x = a, *y = b;

	return x->low_pc < y->low_pc ? -1 : x->low_pc > y->low_pc;
}

const struct ms_dfunc *ms_dwarf_func_at(const struct ms_dwarf *d, uint64_t pc)
{
	size_t lo = 0, hi = d ? d->nfuncs : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->funcs[mid].low_pc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || pc >= d->funcs[lo - 1].high_pc)
		return NULL;
	return &d->funcs[lo - 1];
}

/* Close what the loader holds: libdwarf, the file, the inflated lists. */
static void loader_close(struct loader *ld)
{
	Dwarf_Error e = NULL;

	if (ld->dbg && dwarf_finish(ld->dbg, &e) == DW_DLV_ERROR)
		dwarf_dealloc_error(NULL, e);
	ld->dbg = NULL;
	if (ld->fd >= 0)
		close(ld->fd);
	ld->fd = -1;
	free(ld->loc);
	free(ld->loclists);
	free(ld->local_inline);
	free(ld->units);
	free(ld->abbrev_starts);
	free(ld->path_copy);
	ms_error_destroy(ld->err);
}

/* Keep ld open in d's index for ms_dwarf_func_locals(), if d has functions. */
static struct ms_error *keep_loader(struct loader *ld)
{
	struct name_index *idx = ld->d->priv;
	struct loader *kept;

	if (!ld->d->nfuncs)
		return NULL;
	kept = malloc(sizeof(*kept));
	if (!kept)
		return &ms_error_nomem;
	*kept = *ld;
	kept->path_copy = strdup(ld->path);
	if (!kept->path_copy) {
		free(kept);
		return &ms_error_nomem;
	}
	kept->path = kept->path_copy;
	kept->walked_off = 0;
	idx->ld = kept;
	/* the kept loader owns them now */
	ld->dbg = NULL;
	ld->fd = -1;
	ld->loc = ld->loclists = NULL;
	ld->local_inline = NULL;
	ld->units = NULL;
	ld->abbrev_starts = NULL;
	return NULL;
}

struct ms_error *ms_dwarf_load(const char *path, struct ms_dwarf **ret)
{
	struct loader ld = {.path = path, .fd = -1};
	Dwarf_Error e = NULL;
	struct ms_error *err;
	int fd, res;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ms_error_create(MS_ERR_IO, "'%s': %s", path, strerror(errno));
	err = check_elf(fd, path, &ld.big_endian, &ld);
	if (err)
		goto out_close;
	ld.d = calloc(1, sizeof(*ld.d));
	if (!ld.d) {
		err = &ms_error_nomem;
		goto out_close;
	}
	res = dwarf_init_b(fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL, &ld.dbg, &e);
	if (res == DW_DLV_NO_ENTRY) {
		err = ms_error_create(MS_ERR_UNSUPPORTED,
		                      "'%s': no DWARF (the executable was stripped)", path);
		goto out_close;
	}
	if (res != DW_DLV_OK) {
		ld.dbg = NULL;
		fail_dwarf(&ld, e, "opening");
		err = ld.err;
		ld.err = NULL;
		goto out_close;
	}
	if (!load_units(&ld)) {
		err = ld.err;
		ld.err = NULL;
	} else if (!ld.saw_unit) {
		err = ms_error_create(MS_ERR_UNSUPPORTED,
		                      "'%s': no DWARF (the executable was stripped)", path);
	}
	if (!err)
		err = build_index(ld.d);
	if (!err)
		if (ld.d->nfuncs)
			qsort(ld.d->funcs, ld.d->nfuncs, sizeof(*ld.d->funcs), cmp_func);
	if (!err) {
		ld.fd = fd;
		fd = -1;
		err = keep_loader(&ld);
	}
out_close:
	loader_close(&ld);
	if (fd >= 0)
		close(fd);
	if (err) {
		ms_dwarf_destroy(ld.d);
		return err;
	}
	*ret = ld.d;
	return NULL;
}

const struct ms_dtype *ms_dwarf_type(const struct ms_dwarf *d, uint64_t off)
{
	size_t lo = 0, hi;

	if (!d)
		return NULL;
	hi = d->ntypes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->types[mid].off == off)
			return &d->types[mid];
		if (d->types[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Index of the first entry called name (1-based; 0 if none), by index or by a linear scan. */
static size_t find_name(const struct ms_dwarf *d, const char *name, bool vars)
{
	const struct name_index *idx = d ? d->priv : NULL;
	size_t n = vars ? d->nvars : d->ntypes;

	if (idx)
		return vars ? index_find(idx->var_slots, idx->nvar_slots, name, var_name, d)
		            : index_find(idx->type_slots, idx->ntype_slots, name, type_name, d);
	for (size_t i = 0; i < n; i++) {
		const char *s = vars ? d->vars[i].name : d->types[i].name;

		if (s && strcmp(s, name) == 0)
			return i + 1;
	}
	return 0;
}

const struct ms_dtype *ms_dwarf_type_by_name(const struct ms_dwarf *d, const char *name)
{
	size_t i = d && name ? find_name(d, name, false) : 0;

	return i ? &d->types[i - 1] : NULL;
}

const struct ms_dvar *ms_dwarf_var(const struct ms_dwarf *d, const char *name)
{
	size_t i = d && name ? find_name(d, name, true) : 0;

	return i ? &d->vars[i - 1] : NULL;
}

/* Move f's locals' and inlined calls' pc ranges by delta; a location for every pc
 * ([0, all ones): a single expression) stays. */
static void shift_func_locals(struct ms_dfunc *f, uint64_t delta)
{
	for (size_t i = 0; i < f->nlocals; i++)
		for (size_t k = 0; k < f->locals[i].nlocs; k++) {
			struct ms_dloc *l = &f->locals[i].locs[k];

			if (l->lo == 0 && (l->hi == UINT64_MAX || l->hi == UINT32_MAX))
				continue;
			l->lo += delta;
			l->hi += delta;
		}
	for (size_t i = 0; i < f->ninlines; i++)
		for (size_t k = 0; k < f->inlines[i].nranges; k++) {
			f->inlines[i].ranges[k].lo += delta;
			f->inlines[i].ranges[k].hi += delta;
		}
}

void ms_dwarf_relocate(struct ms_dwarf *d, uint64_t bias)
{
	uint64_t delta = d ? bias - d->bias : 0;

	if (!d || d->synthetic || delta == 0)
		return;
	for (size_t i = 0; i < d->nvars; i++)
		d->vars[i].addr += delta;
	for (size_t i = 0; i < d->nfuncs; i++) {
		d->funcs[i].low_pc += delta;
		d->funcs[i].high_pc += delta;
		if (d->funcs[i].locals_read)
			shift_func_locals(&d->funcs[i], delta);
	}
	d->bias = bias;
}

struct ms_error *ms_dwarf_func_locals(struct ms_dwarf *d, const struct ms_dfunc *fn)
{
	struct name_index *idx = d ? d->priv : NULL;
	struct loader *ld = idx ? idx->ld : NULL;
	struct ms_dfunc *f;
	struct ms_error *err;
	bool ok;

	if (!fn || fn->locals_read || !ld || fn < d->funcs || fn >= d->funcs + d->nfuncs)
		return NULL;
	f = d->funcs + (fn - d->funcs);
	f->locals_read = true;
	ok = read_func_locals(ld, f);
	shift_func_locals(f, d->bias); /* what was read, also when not all of it */
	if (ok)
		return NULL;
	err = ld->err;
	ld->err = NULL;
	return err ? err : &ms_error_nomem;
}

bool ms_dinline_has(const struct ms_dinline *in, uint64_t pc)
{
	for (size_t i = 0; i < in->nranges; i++)
		if (in->ranges[i].lo <= pc && pc < in->ranges[i].hi)
			return true;
	return false;
}

bool ms_dlocal_at(const struct ms_dlocal *l, uint64_t pc, int64_t *ret_cfa_off)
{
	if (!l || (l->inlined && !ms_dinline_has(l->inlined, pc)))
		return false;
	for (size_t i = 0; i < l->nlocs; i++) {
		if (l->locs[i].lo <= pc && pc < l->locs[i].hi) {
			*ret_cfa_off = l->locs[i].cfa_off;
			return true;
		}
	}
	return false;
}

const struct ms_dmember *ms_dtype_member(const struct ms_dtype *t, const char *name)
{
	if (!t || !name)
		return NULL;
	for (size_t i = 0; i < t->nmembers; i++) {
		if (strcmp(t->members[i].name, name) == 0)
			return &t->members[i];
	}
	return NULL;
}

void ms_dwarf_destroy(struct ms_dwarf *d)
{
	struct name_index *idx;

	if (!d)
		return;
	for (size_t i = 0; i < d->ntypes; i++) {
		for (size_t j = 0; j < d->types[i].nmembers; j++)
			free(d->types[i].members[j].name);
		free(d->types[i].members);
		free(d->types[i].name);
	}
	free(d->types);
	for (size_t i = 0; i < d->nvars; i++)
		free(d->vars[i].name);
	free(d->vars);
	for (size_t i = 0; i < d->nfuncs; i++) {
		for (size_t j = 0; j < d->funcs[i].nlocals; j++) {
			free(d->funcs[i].locals[j].name);
			free(d->funcs[i].locals[j].locs);
		}
		free(d->funcs[i].locals);
		for (size_t j = 0; j < d->funcs[i].ninlines; j++) {
			free(d->funcs[i].inlines[j].name);
			free(d->funcs[i].inlines[j].ranges);
		}
		free(d->funcs[i].inlines);
		free(d->funcs[i].name);
	}
	free(d->funcs);
	idx = d->priv;
	if (idx) {
		if (idx->ld) {
			loader_close(idx->ld);
			free(idx->ld);
		}
		free(idx->type_slots);
		free(idx->var_slots);
		free(idx);
	}
	free(d);
}
