/* SPDX-License-Identifier: MIT */
/*
 * Go types from DWARF (cmd/link/internal/ld/dwarf.go writes them): layouts,
 * reachability of maps, runtime type descriptors, map geometry.
 */
#include "gotype.h"

#include <stdlib.h>

#include "gover.h"

struct ms_types {
	struct ms_target *t;
	const struct ms_dwarf *d;
	uint8_t *reaches; /* per type index: may lead to a map */
	/* 1.22+: an unsafe.Pointer field of a program's struct may lead to a map (the
	 * heap object it points into records its type: findmaps follows it) */
	bool unsafe_reaches;
	struct rt_entry { /* runtime type address -> type, sorted */
		uint64_t addr;
		const struct ms_dtype *type;
	} * by_rt;
	size_t nby_rt;
	const struct ms_dtype **maps; /* every map typedef */
	struct rt_entry *by_unit;     /* bucket/group runtime type -> map typedef, sorted */
	size_t nby_unit;
	size_t nmaps;
	struct geom_entry {
		uint64_t off;
		struct ms_map_geom *geom;
	} * geoms;
	size_t ngeoms, cap_geoms;
};

static size_t type_index(const struct ms_types *ty, const struct ms_dtype *d)
{
	return (size_t)(d - ty->d->types);
}

const struct ms_dtype *ms_types_underlying(const struct ms_types *ty, const struct ms_dtype *d)
{
	for (int i = 0; d && d->tag == MS_DTAG_TYPEDEF && d->go_kind != MS_KIND_MAP && i < 16; i++)
		d = ms_dwarf_type(ty->d, d->type_off);
	return d;
}

bool ms_types_is_map(const struct ms_dtype *d)
{
	return d && d->tag == MS_DTAG_TYPEDEF && d->go_kind == MS_KIND_MAP && d->type_off;
}

bool ms_types_is_syncmap(const struct ms_types *ty, const struct ms_dtype *d)
{
	const struct ms_dtype *u = ms_types_underlying(ty, d);

	return u && u->tag == MS_DTAG_STRUCT && u->name && strcmp(u->name, "sync.Map") == 0;
}

bool ms_types_is_unsafe_pointer(const struct ms_types *ty, const struct ms_dtype *d)
{
	d = ms_types_underlying(ty, d);
	/* DWARF's unsafe.Pointer is a bare pointer type without DW_AT_go_kind */
	return d && (d->go_kind == MS_KIND_UNSAFE_POINTER ||
	             (d->tag == MS_DTAG_POINTER && !d->type_off && d->name &&
	              strcmp(d->name, "unsafe.Pointer") == 0));
}

/* Not the runtime's nor an internal package's type (their unsafe.Pointers are their own). */
static bool program_type(const struct ms_dtype *d)
{
	return d->name && strncmp(d->name, "runtime.", 8) != 0 &&
	       strncmp(d->name, "internal/", 9) != 0 && !strchr(d->name, '<');
}

/* One step of the reachability fixpoint for type d. */
static bool reaches_now(const struct ms_types *ty, const struct ms_dtype *d)
{
	const struct ms_dtype *c;

	if (ms_types_is_map(d) || ms_types_is_syncmap(ty, d))
		return true;
	if (d->go_kind == MS_KIND_INTERFACE)
		return true; /* the typedef "interface {}" carries the kind, not its struct */
	switch (d->tag) {
	case MS_DTAG_TYPEDEF:
	case MS_DTAG_POINTER:
	case MS_DTAG_ARRAY:
		c = ms_dwarf_type(ty->d, d->type_off);
		return c && ty->reaches[type_index(ty, c)];
	case MS_DTAG_STRUCT:
		if (d->go_kind == MS_KIND_INTERFACE)
			return true;
		if (d->go_kind == MS_KIND_STRING)
			return false;
		/* a slice: its elements (the runtime's type descriptors give no typed array
		 * member, only the element type) */
		if (d->go_kind == MS_KIND_SLICE &&
		    (c = ms_dwarf_type(ty->d, d->elem_off)) != NULL &&
		    ty->reaches[type_index(ty, c)])
			return true;
		for (size_t i = 0; i < d->nmembers; i++) {
			c = ms_dwarf_type(ty->d, d->members[i].type_off);
			if (c && (ty->reaches[type_index(ty, c)] ||
			          (ty->unsafe_reaches && program_type(d) &&
			           ms_types_is_unsafe_pointer(ty, c))))
				return true;
		}
		return false;
	default:
		return false;
	}
}

static void compute_reaches(struct ms_types *ty)
{
	bool changed = true;

	for (int pass = 0; changed && pass < 64; pass++) {
		changed = false;
		for (size_t i = 0; i < ty->d->ntypes; i++) {
			if (!ty->reaches[i] && reaches_now(ty, &ty->d->types[i])) {
				ty->reaches[i] = 1;
				changed = true;
			}
		}
	}
}

bool ms_types_reaches_map(const struct ms_types *ty, const struct ms_dtype *d)
{
	return d && ty->reaches[type_index(ty, d)];
}

static void index_units(struct ms_types *ty);

static int cmp_rt(const void *a, const void *b)
{
	const struct rt_entry *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* prefer named typedefs over their anonymous targets */
	return (y->type->tag == MS_DTAG_TYPEDEF) - (x->type->tag == MS_DTAG_TYPEDEF);
}

struct ms_error *ms_types_create(struct ms_target *t, struct ms_types **ret)
{
	struct ms_types *ty = calloc(1, sizeof(*ty));
	const struct ms_dwarf *d = t->dwarf;

	if (!ty)
		return &ms_error_nomem;
	ty->t = t;
	ty->d = d;
	ty->unsafe_reaches = ms_go_facts(&t->go)->malloc_headers;
	ty->reaches = calloc(d->ntypes ? d->ntypes : 1, 1);
	ty->by_rt = calloc(d->ntypes ? d->ntypes : 1, sizeof(*ty->by_rt));
	ty->maps = calloc(d->ntypes ? d->ntypes : 1, sizeof(*ty->maps));
	if (!ty->reaches || !ty->by_rt || !ty->maps) {
		ms_types_destroy(ty);
		return &ms_error_nomem;
	}
	for (size_t i = 0; i < d->ntypes; i++) {
		const struct ms_dtype *dt = &d->types[i];

		if (dt->runtime_type) {
			ty->by_rt[ty->nby_rt].addr = t->rt.types_base + dt->runtime_type;
			ty->by_rt[ty->nby_rt++].type = dt;
		}
		if (ms_types_is_map(dt))
			ty->maps[ty->nmaps++] = dt;
	}
	if (ty->nby_rt)
		qsort(ty->by_rt, ty->nby_rt, sizeof(*ty->by_rt), cmp_rt);
	index_units(ty);
	compute_reaches(ty);
	*ret = ty;
	return NULL;
}

/*
 * abi.MapType / maptype: after the abi.Type prefix (48 bytes, 32 on 32-bit)
 * come key, elem and then the bucket (classic) or group (Swiss) type.
 */
static void index_units(struct ms_types *ty)
{
	struct ms_target *t = ty->t;
	uint64_t off = (t->ptr == 8 ? 48 : 32) + 2ull * t->ptr;

	ty->by_unit = calloc(ty->nmaps ? ty->nmaps : 1, sizeof(*ty->by_unit));
	if (!ty->by_unit)
		return;
	for (size_t i = 0; i < ty->nmaps; i++) {
		uint64_t unit = 0;
		struct ms_error *err;

		if (!ty->maps[i]->runtime_type)
			continue;
		err = ms_source_read_ptr(t->mem, t->rt.types_base + ty->maps[i]->runtime_type + off,
		                         &unit);
		if (err) {
			ms_error_destroy(err);
			continue;
		}
		if (unit) {
			ty->by_unit[ty->nby_unit].addr = unit;
			ty->by_unit[ty->nby_unit++].type = ty->maps[i];
		}
	}
	if (ty->nby_unit)
		qsort(ty->by_unit, ty->nby_unit, sizeof(*ty->by_unit), cmp_rt);
}

static const struct ms_dtype *lookup_rt(const struct rt_entry *arr, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (arr[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && arr[lo].addr == addr ? arr[lo].type : NULL;
}

const struct ms_dtype *ms_types_by_unit_rtype(const struct ms_types *ty, uint64_t addr)
{
	return ty->by_unit ? lookup_rt(ty->by_unit, ty->nby_unit, addr) : NULL;
}

static void geom_free(struct ms_map_geom *g)
{
	if (!g)
		return;
	ms_map_type_deinit(&g->mtype);
	free(g);
}

void ms_types_destroy(struct ms_types *ty)
{
	if (!ty)
		return;
	for (size_t i = 0; i < ty->ngeoms; i++)
		geom_free(ty->geoms[i].geom);
	free(ty->geoms);
	free(ty->reaches);
	free(ty->by_rt);
	free(ty->maps);
	free(ty->by_unit);
	free(ty);
}

const struct ms_dtype *ms_types_by_runtime(const struct ms_types *ty, uint64_t addr)
{
	return lookup_rt(ty->by_rt, ty->nby_rt, addr);
}

size_t ms_types_maps(const struct ms_types *ty, const struct ms_dtype *const **ret)
{
	*ret = ty->maps;
	return ty->nmaps;
}

/* Go's alignment rules (cmd/compile/internal/types/size.go). */
static struct ms_type_layout layout_rec(const struct ms_types *ty, const struct ms_dtype *d,
                                        int depth)
{
	struct ms_type_layout l = {0, 1, false};
	unsigned ptr = ty->t->ptr, reg = ms_arch_info(ty->t->arch)->max_align;
	const struct ms_dtype *c;

	if (!d || depth > 32)
		return l;
	if (ms_types_is_map(d)) {
		l.size_bytes = ptr;
		l.align = ptr;
		l.has_pointers = true;
		return l;
	}
	l.size_bytes = d->size == UINT64_MAX ? 0 : d->size;
	if (d->rt_layout) { /* from a runtime type descriptor */
		l.align = d->rt_align ? d->rt_align : 1;
		l.has_pointers = d->rt_pointers;
		return l;
	}
	switch (d->tag) {
	case MS_DTAG_TYPEDEF:
		return layout_rec(ty, ms_dwarf_type(ty->d, d->type_off), depth + 1);
	case MS_DTAG_POINTER:
	case MS_DTAG_SUBROUTINE:
	case MS_DTAG_UNSPECIFIED:
		l.size_bytes = ptr;
		l.align = ptr;
		l.has_pointers = true;
		return l;
	case MS_DTAG_BASE:
		if (d->go_kind == MS_KIND_COMPLEX128 || d->go_kind == MS_KIND_COMPLEX128 - 1)
			l.align = (uint32_t)(l.size_bytes / 2);
		else
			l.align = (uint32_t)(l.size_bytes ? l.size_bytes : 1);
		if (l.align > reg)
			l.align = reg;
		if (d->go_kind == MS_KIND_UNSAFE_POINTER || d->go_kind == MS_KIND_CHAN ||
		    d->go_kind == MS_KIND_FUNC || d->go_kind == MS_KIND_PTR) {
			l.has_pointers = true;
			l.align = ptr;
		}
		return l;
	case MS_DTAG_ARRAY:
		c = ms_dwarf_type(ty->d, d->type_off);
		{
			struct ms_type_layout e = layout_rec(ty, c, depth + 1);
			l.align = e.align;
			l.has_pointers = e.has_pointers && d->count > 0;
		}
		return l;
	case MS_DTAG_STRUCT:
		for (size_t i = 0; i < d->nmembers; i++) {
			struct ms_type_layout m =
			    layout_rec(ty, ms_dwarf_type(ty->d, d->members[i].type_off), depth + 1);
			if (m.align > l.align)
				l.align = m.align;
			l.has_pointers |= m.has_pointers;
		}
		return l;
	default:
		return l;
	}
}

struct ms_type_layout ms_types_layout(const struct ms_types *ty, const struct ms_dtype *d)
{
	return layout_rec(ty, d, 0);
}

static const struct ms_dtype *deref(const struct ms_types *ty, const struct ms_dtype *d)
{
	d = ms_types_underlying(ty, d);
	return d && d->tag == MS_DTAG_POINTER
	           ? ms_types_underlying(ty, ms_dwarf_type(ty->d, d->type_off))
	           : NULL;
}

static const struct ms_dtype *member_type(const struct ms_types *ty, const struct ms_dtype *s,
                                          const char *name, uint64_t *ret_off)
{
	const struct ms_dmember *m = s ? ms_dtype_member(s, name) : NULL;

	if (!m)
		return NULL;
	if (ret_off)
		*ret_off = m->offset;
	return ms_types_underlying(ty, ms_dwarf_type(ty->d, m->type_off));
}

/* An array member: its offset and element size. */
static bool array_member(const struct ms_types *ty, const struct ms_dtype *s, const char *name,
                         uint64_t *ret_off, uint64_t *ret_elem)
{
	const struct ms_dtype *a = member_type(ty, s, name, ret_off);
	const struct ms_dtype *e =
	    a && a->tag == MS_DTAG_ARRAY ? ms_dwarf_type(ty->d, a->type_off) : NULL;

	if (!e)
		return false;
	*ret_elem = a->count ? a->size / a->count : ms_types_layout(ty, e).size_bytes;
	return true;
}

static struct ms_error *geom_classic(struct ms_types *ty, const struct ms_dtype *hdr,
                                     struct ms_map_geom *g)
{
	const struct ms_dtype *b = deref(ty, member_type(ty, hdr, "buckets", NULL));

	if (!b || b->tag != MS_DTAG_STRUCT || b->size == UINT64_MAX ||
	    !array_member(ty, b, "keys", &g->keys_off, &g->kslot) ||
	    !array_member(ty, b, "values", &g->elems_off, &g->vslot))
		return ms_error_create(MS_ERR_FORMAT, "no bucket<K,V> layout in DWARF");
	g->impl = MS_IMPL_CLASSIC;
	g->unit_bytes = b->size;
	g->key_stride = g->kslot;
	g->elem_stride = g->vslot;
	return NULL;
}

static struct ms_error *geom_swiss(struct ms_types *ty, const struct ms_dtype *hdr,
                                   struct ms_map_geom *g)
{
	const struct ms_dtype *dir = deref(ty, member_type(ty, hdr, "dirPtr", NULL));
	const struct ms_dtype *tab = dir ? deref(ty, dir) : NULL;
	const struct ms_dtype *ref = member_type(ty, tab, "groups", NULL);
	const struct ms_dtype *grp = deref(ty, member_type(ty, ref, "data", NULL));
	uint64_t slots_off, slot_size;

	if (dir && dir->tag == MS_DTAG_POINTER)
		tab = deref(ty, dir);
	if (!grp || grp->tag != MS_DTAG_STRUCT || grp->size == UINT64_MAX)
		return ms_error_create(MS_ERR_FORMAT, "no group layout in DWARF");
	g->unit_bytes = grp->size;
	if (array_member(ty, grp, "slots", &slots_off, &slot_size)) {
		const struct ms_dtype *arr = member_type(ty, grp, "slots", NULL);
		const struct ms_dtype *slot =
		    ms_types_underlying(ty, ms_dwarf_type(ty->d, arr->type_off));
		const struct ms_dmember *k = slot ? ms_dtype_member(slot, "key") : NULL;
		const struct ms_dmember *e = slot ? ms_dtype_member(slot, "elem") : NULL;

		if (!k || !e)
			return ms_error_create(MS_ERR_FORMAT, "no slot layout in DWARF");
		g->impl = MS_IMPL_SWISS;
		g->keys_off = slots_off + k->offset;
		g->elems_off = slots_off + e->offset;
		g->key_stride = g->elem_stride = slot_size;
		g->kslot = ms_types_layout(ty, ms_dwarf_type(ty->d, k->type_off)).size_bytes;
		g->vslot = ms_types_layout(ty, ms_dwarf_type(ty->d, e->type_off)).size_bytes;
	} else if (array_member(ty, grp, "keys", &g->keys_off, &g->kslot) &&
	           array_member(ty, grp, "elems", &g->elems_off, &g->vslot)) {
		g->impl = MS_IMPL_SWISS_SPLIT;
		g->key_stride = g->kslot;
		g->elem_stride = g->vslot;
	} else {
		return ms_error_create(MS_ERR_FORMAT, "no slot layout in DWARF");
	}
	return NULL;
}

static char *type_name(const struct ms_types *ty, const struct ms_dtype *d)
{
	if (d && d->name)
		return strdup(d->name);
	return strdup(d && ms_types_layout(ty, d).size_bytes ? "?" : "struct {}");
}

static struct ms_error *build_geom(struct ms_types *ty, const struct ms_dtype *d,
                                   struct ms_map_geom *g)
{
	const struct ms_dtype *hdr = deref(ty, ms_dwarf_type(ty->d, d->type_off));
	struct ms_type_layout kl, el;
	struct ms_error *err;

	g->type = d;
	g->key = ms_dwarf_type(ty->d, d->key_off);
	g->elem = ms_dwarf_type(ty->d, d->elem_off);
	if (ty->d->synthetic && g->key && g->elem) {
		struct ms_rtmeta rm;

		/* no DWARF: the map type descriptor says where keys and values are */
		ms_target_rtmeta(ty->t, &rm);
		err = ms_rtmeta_geom(&rm, ty->t->rt.types_base + d->runtime_type, g);
	} else if (!hdr || hdr->tag != MS_DTAG_STRUCT || !g->key || !g->elem) {
		return ms_error_create(MS_ERR_FORMAT, "map type '%s' has no header in DWARF",
		                       d->name ? d->name : "?");
	} else {
		err = ms_dtype_member(hdr, "buckets") ? geom_classic(ty, hdr, g)
		                                      : geom_swiss(ty, hdr, g);
	}
	if (err)
		return ms_error_prefix(err, "map type '%s'", d->name ? d->name : "?");
	kl = ms_types_layout(ty, g->key);
	el = ms_types_layout(ty, g->elem);
	if (!g->kslot)
		g->kslot = kl.size_bytes;
	if (!g->vslot)
		g->vslot = el.size_bytes;
	g->key_bytes = kl.size_bytes;
	g->elem_bytes = el.size_bytes;
	/* runtime: keys and values over 128 bytes are stored as pointers */
	g->key_indirect = kl.size_bytes > MS_MAX_INLINE_BYTES;
	g->elem_indirect = el.size_bytes > MS_MAX_INLINE_BYTES;
	g->has_pointers = kl.has_pointers || el.has_pointers || g->key_indirect || g->elem_indirect;
	g->key_reaches = ms_types_reaches_map(ty, g->key);
	g->elem_reaches = ms_types_reaches_map(ty, g->elem);
	if (g->unit_bytes == 0 || g->unit_bytes > (1u << 20) || g->kslot > (1u << 16) ||
	    g->vslot > (1u << 16))
		return ms_error_create(MS_ERR_FORMAT, "map type '%s': absurd bucket size %llu",
		                       d->name ? d->name : "?", (unsigned long long)g->unit_bytes);
	g->mtype.name = strdup(d->name ? d->name : "map[?]?");
	g->mtype.key_name = type_name(ty, g->key);
	g->mtype.elem_name = type_name(ty, g->elem);
	g->mtype.key = kl;
	g->mtype.elem = el;
	if (!g->mtype.name || !g->mtype.key_name || !g->mtype.elem_name)
		return &ms_error_nomem;
	return NULL;
}

struct ms_error *ms_types_geom(struct ms_types *ty, const struct ms_dtype *d,
                               const struct ms_map_geom **ret)
{
	struct ms_map_geom *g;
	struct ms_error *err;

	for (size_t i = 0; i < ty->ngeoms; i++) {
		if (ty->geoms[i].off == d->off) {
			if (!ty->geoms[i].geom)
				return ms_error_create(MS_ERR_FORMAT, "map type '%s' is not usable",
				                       d->name ? d->name : "?");
			*ret = ty->geoms[i].geom;
			return NULL;
		}
	}
	if (ty->ngeoms == ty->cap_geoms) {
		size_t cap = ty->cap_geoms ? 2 * ty->cap_geoms : 64;
		struct geom_entry *n = realloc(ty->geoms, cap * sizeof(*n));

		if (!n)
			return &ms_error_nomem;
		ty->geoms = n;
		ty->cap_geoms = cap;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return &ms_error_nomem;
	err = build_geom(ty, d, g);
	ty->geoms[ty->ngeoms].off = d->off;
	ty->geoms[ty->ngeoms++].geom = err ? NULL : g;
	if (err) {
		geom_free(g);
		return err;
	}
	*ret = g;
	return NULL;
}

bool ms_rtype_direct_iface(struct ms_target *t, uint64_t rtype_addr, bool *ret)
{
	uint64_t off = t->ptr == 8 ? 20 : 12; /* abi.Type: size, ptrdata, hash, tflag */
	uint8_t b[4];
	struct ms_error *err = ms_source_read(t->mem, rtype_addr + off, b, sizeof(b));

	if (err) {
		ms_error_destroy(err);
		return false;
	}
	/* KindDirectIface (kind bit 5) up to 1.25, TFlagDirectIface (tflag bit 5) from 1.26 */
	*ret = ms_go_direct_iface_in_tflag(&t->go) ? (b[0] & 0x20) : (b[3] & 0x20);
	return true;
}

bool ms_types_direct_iface(struct ms_types *ty, uint64_t rtype_addr, const struct ms_dtype *d)
{
	bool direct;

	if (!ms_rtype_direct_iface(ty->t, rtype_addr, &direct)) {
		const struct ms_dtype *u = ms_types_underlying(ty, d);

		return ms_types_is_map(d) || (u && u->tag == MS_DTAG_POINTER);
	}
	return direct;
}
