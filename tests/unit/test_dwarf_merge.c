/* Types DWARF lacks, merged in from a graph of the runtime's descriptors
 * (ms_dwarf_merge, lib/binary/dwarf.c): a type DWARF has (the same descriptor, else
 * the same name) stays DWARF's and what is added refers to it; the rest is added with
 * offsets above every DIE's, sorted, its runtime offset rebased, and found by name.
 * Both graphs are made here by hand, as the DWARF loader and rtmeta.c make them. */
#include <stdlib.h>
#include <string.h>

#include "godwarf.h"
#include "harness.h"

static struct ms_dtype type(uint64_t off, uint16_t tag, const char *name, uint64_t rt,
                            uint64_t type_off)
{
	struct ms_dtype t = {0};

	t.off = off;
	t.tag = tag;
	t.name = name ? strdup(name) : NULL;
	t.size = 8;
	t.runtime_type = rt;
	t.type_off = type_off;
	return t;
}

static void member(struct ms_dtype *t, const char *name, uint64_t offset, uint64_t type_off)
{
	t->members = realloc(t->members, (t->nmembers + 1) * sizeof(*t->members));
	t->members[t->nmembers++] = (struct ms_dmember){strdup(name), offset, type_off, false};
}

int main(void)
{
	/* DWARF: int (DIE 0x100, descriptor 0x40), map[string]uint16 (0x180, 0x80), a type
	 * with no descriptor attribute named main.Named (0x200) */
	struct ms_dwarf *d = calloc(1, sizeof(*d)), *rt = calloc(1, sizeof(*rt));
	const struct ms_dtype *v, *p, *n;
	size_t added = 99;
	struct ms_error *err;

	d->types = calloc(3, sizeof(*d->types));
	d->types[d->ntypes++] = type(0x100, MS_DTAG_BASE, "int", 0x40, 0);
	d->types[d->ntypes++] = type(0x180, MS_DTAG_TYPEDEF, "map[string]uint16", 0x80, 0);
	d->types[d->ntypes++] = type(0x200, MS_DTAG_STRUCT, "main.Named", 0, 0);
	/* the descriptors' graph, runtime offsets 8 higher (another base): int (0x48), the
	 * map (0x88), main.Named by name only, main.Vault (0x108: keys the map, n int,
	 * named main.Named), *main.Vault (0x148) and a synthetic word (1 << 62) */
	rt->synthetic = true;
	rt->types = calloc(6, sizeof(*rt->types));
	rt->types[rt->ntypes++] = type(0x48, MS_DTAG_BASE, "int", 0x48, 0);
	rt->types[rt->ntypes++] = type(0x88, MS_DTAG_TYPEDEF, "map[string]uint16", 0x88, 0);
	rt->types[rt->ntypes++] = type(0xa0, MS_DTAG_STRUCT, "main.Named", 0xa0, 0);
	rt->types[rt->ntypes] = type(0x108, MS_DTAG_STRUCT, "main.Vault", 0x108, 0);
	member(&rt->types[rt->ntypes], "keys", 0, 0x88);
	member(&rt->types[rt->ntypes], "n", 8, 0x48);
	member(&rt->types[rt->ntypes++], "named", 16, 0xa0);
	rt->types[rt->ntypes++] = type(0x148, MS_DTAG_POINTER, "*main.Vault", 0x148, 0x108);
	rt->types[rt->ntypes++] = type(1ull << 62, MS_DTAG_POINTER, NULL, 0, 0x108);
	if (ms_dwarf_index(d) || ms_dwarf_index(rt))
		return 1;

	err = ms_dwarf_merge(d, rt, -8, &added);
	CHECK(!err, "merged");
	CHECK_U64(added, 3,
	          "added: main.Vault, *main.Vault and the synthetic word; int, the "
	          "map (same descriptor) and main.Named (same name) stay DWARF's");
	CHECK_U64(d->ntypes, 6, "three types more");
	for (size_t i = 1; i < d->ntypes; i++)
		CHECK(d->types[i - 1].off < d->types[i].off, "sorted by offset at %zu", i);
	v = ms_dwarf_type_by_name(d, "main.Vault");
	p = ms_dwarf_type_by_name(d, "*main.Vault");
	CHECK(v && v->off > 0x200 && v->nmembers == 3, "main.Vault found by name, above every DIE");
	CHECK(v && v->runtime_type == 0x100, "its descriptor offset rebased to DWARF's base");
	CHECK(v && v->members[0].type_off == 0x180 && strcmp(v->members[0].name, "keys") == 0,
	      "its map field is DWARF's map type");
	CHECK(v && v->members[1].type_off == 0x100, "its int field is DWARF's int");
	CHECK(v && v->members[2].type_off == 0x200, "a field of a type DWARF has by name only");
	CHECK(p && v && p->type_off == v->off && ms_dwarf_type(d, p->type_off) == v,
	      "*main.Vault points at the added main.Vault");
	n = ms_dwarf_type_by_name(d, "main.Named");
	CHECK(n && n->off == 0x200, "main.Named is still DWARF's, once");
	CHECK(ms_dwarf_type(d, 0x180) && ms_dwarf_type(d, 0x180)->runtime_type == 0x80,
	      "DWARF's own types unchanged");

	/* merging again adds nothing: every descriptor is known now */
	err = ms_dwarf_merge(d, rt, -8, &added);
	CHECK(!err && added == 0, "a second merge adds nothing (%zu)", added);
	ms_dwarf_destroy(rt);
	ms_dwarf_destroy(d);
	return tap_done();
}
