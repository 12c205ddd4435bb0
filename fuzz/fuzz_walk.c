/*
 * Fuzz the map walkers with random target memory: the input is the memory of
 * a process (at BASE) holding a map header at BASE, for a classic or a Swiss
 * map of one of a few geometries, or a sync.Map (classic or HashTrieMap);
 * everything in it counts as heap. Whatever
 * the bytes, a walk must end, stay in bounds, and its held bytes must add up
 * to the sum of its parts.
 */
#include <stdlib.h>
#include <string.h>

#include "report_pack.h"
#include "walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BASE 0x100000u

struct buf_source {
	struct ms_source base;
	const uint8_t *data;
	size_t size;
};

static bool buf_has(struct ms_source *src, uint64_t addr, uint64_t len)
{
	struct buf_source *b = (struct buf_source *)src;

	return addr >= BASE && addr - BASE <= b->size && len <= b->size - (addr - BASE);
}

static struct ms_error *buf_read(struct ms_source *src, uint64_t addr, void *out, size_t len)
{
	struct buf_source *b = (struct buf_source *)src;

	if (!buf_has(src, addr, len))
		return ms_error_create(MS_ERR_FAULT, "0x%llx is not in the input",
		                       (unsigned long long)addr);
	memcpy(out, b->data + (addr - BASE), len);
	return NULL;
}

static void buf_destroy(struct ms_source *src)
{
	(void)src;
}

/* The bytes in place, as a mapped core gives them (the walkers' other path). */
static const uint8_t *buf_view(struct ms_source *src, uint64_t addr, size_t len)
{
	struct buf_source *b = (struct buf_source *)src;

	return len && buf_has(src, addr, len) ? b->data + (addr - BASE) : NULL;
}

static const struct ms_source_ops buf_ops = {
    .name = "fuzz", .read = buf_read, .has = buf_has, .destroy = buf_destroy};
static const struct ms_source_ops view_ops = {
    .name = "fuzz", .read = buf_read, .has = buf_has, .destroy = buf_destroy, .view = buf_view};

/* Every address of the input is a heap object: 16-aligned, to the end of the input. */
static bool whole_heap(struct ms_target *t, uint64_t addr, struct ms_heap_obj *ret)
{
	struct buf_source *b = (struct buf_source *)t->mem;
	uint64_t base = addr & ~(uint64_t)15;

	if (addr < BASE || addr - BASE >= b->size)
		return false;
	memset(ret, 0, sizeof(*ret));
	ret->base = base;
	ret->elemsize = BASE + b->size - base;
	ret->spanclass = 2;
	ret->allocated = true;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* geometries: bucket/group size, K', V', keys offset, values offset, stride */
	static const struct {
		enum ms_map_impl impl;
		uint64_t unit, k, v, koff, voff, kstride, vstride;
		bool kind, vind;
	} geoms[] = {
	    {MS_IMPL_CLASSIC, 144, 8, 8, 8, 72, 8, 8, false, false},
	    {MS_IMPL_CLASSIC, 208, 16, 8, 8, 136, 16, 8, false, false},
	    {MS_IMPL_CLASSIC, 144, 8, 8, 8, 72, 8, 8, false, true},
	    {MS_IMPL_SWISS, 136, 8, 8, 8, 16, 16, 16, false, false},
	    {MS_IMPL_SWISS, 200, 16, 8, 8, 24, 24, 24, false, false},
	    {MS_IMPL_SWISS_SPLIT, 80, 8, 1, 8, 72, 8, 1, false, false},
	    {MS_IMPL_SWISS, 136, 8, 8, 8, 16, 16, 16, true, false},
	};
	struct buf_source src = {{&buf_ops, (char *)"fuzz", 8, false, NULL, 0, 0}, NULL, 0};
	struct ms_target t;
	struct ms_map_geom g;
	struct ms_map_draft r;
	struct ms_walk w = {0};
	struct ms_error *err;
	uint64_t sum = 0;
	unsigned pick;

	if (size < 2)
		return 0;
	pick = data[0] % (sizeof(geoms) / sizeof(geoms[0]));
	if ((data[0] & 0x30) == 0x30)
		pick = 1; /* sync.Map: map[interface {}]*sync.entry */
	if (data[0] & 0x40)
		src.base.ops = &view_ops; /* memory read in place, not copied */
	src.data = data + 1;
	src.size = size - 1;
	memset(&t, 0, sizeof(t));
	memset(&t.rt, 0xff, sizeof(t.rt));
	t.mem = &src.base;
	t.ptr = 8;
	t.arch = MS_ARCH_AMD64;
	t.go = (struct ms_go_version){.minor = geoms[pick].impl == MS_IMPL_CLASSIC ? 22 : 25,
	                              .mapsplitgroup = geoms[pick].impl == MS_IMPL_SWISS_SPLIT};
	if (geoms[pick].impl == MS_IMPL_SWISS_SPLIT)
		t.go.minor = 27;
	t.heap_find = whole_heap;
	/* runtime/map.go hmap and mapextra; internal/runtime/maps Map and table (amd64) */
	t.rt.hmap.size = 48;
	t.rt.hmap.count = 0;
	t.rt.hmap.flags = 8;
	t.rt.hmap.B = 9;
	t.rt.hmap.noverflow = 10;
	t.rt.hmap.hash0 = 12;
	t.rt.hmap.buckets = 16;
	t.rt.hmap.oldbuckets = 24;
	t.rt.hmap.nevacuate = 32;
	t.rt.hmap.extra = 40;
	t.rt.mapextra.size = 24;
	t.rt.mapextra.overflow = 0;
	t.rt.mapextra.oldoverflow = 8;
	t.rt.mapextra.next_overflow = 16;
	t.rt.smap.size = 48;
	t.rt.smap.used = 0;
	t.rt.smap.seed = 8;
	t.rt.smap.dir_ptr = 16;
	t.rt.smap.dir_len = 24;
	t.rt.smap.global_depth = 32;
	t.rt.smap.global_shift = 33;
	t.rt.table.size = 32;
	t.rt.table.used = 0;
	t.rt.table.capacity = 2;
	t.rt.table.growth_left = 4;
	t.rt.table.local_depth = 6;
	t.rt.table.index = 8;
	t.rt.table.groups_data = 16;
	t.rt.table.groups_mask = 24;
	memset(&g, 0, sizeof(g));
	g.impl = geoms[pick].impl;
	g.unit_bytes = geoms[pick].unit;
	g.kslot = geoms[pick].k;
	g.vslot = geoms[pick].v;
	g.keys_off = geoms[pick].koff;
	g.elems_off = geoms[pick].voff;
	g.key_stride = geoms[pick].kstride;
	g.elem_stride = geoms[pick].vstride;
	g.key_indirect = geoms[pick].kind;
	g.elem_indirect = geoms[pick].vind;
	g.key_bytes = g.key_indirect ? 200 : g.kslot;
	g.elem_bytes = g.elem_indirect ? 200 : g.vslot;
	g.has_pointers = (data[0] & 0x80) != 0;
	memset(&r, 0, sizeof(r));
	w.t = &t;
	w.g = &g;
	w.r = &r.r;
	w.d = &r.d;
	w.strict = (data[0] & 0x40) != 0;
	if ((data[0] & 0x30) == 0x30) {
		/* a sync.Map at BASE: 1.22 (read and dirty map[any]*entry, geometry 1) or 1.25
		 * (HashTrieMap) by bit 0x08; the held parts must add up as for maps */
		t.go = (struct ms_go_version){.minor = (data[0] & 0x08) ? 25 : 22};
		g.impl = MS_IMPL_CLASSIC;
		err = ms_walk_syncmap(&w, BASE, &g, 0, NULL, NULL);
		free(r.d.sync);
	} else {
		err =
		    g.impl == MS_IMPL_CLASSIC ? ms_walk_classic(&w, BASE) : ms_walk_swiss(&w, BASE);
	}
	for (int i = 0; i < MS_HELD__COUNT; i++)
		sum += r.d.held[i];
	/* the accounting must be exact whatever the memory said */
	if (sum != r.r.held_bytes)
		abort();
	ms_error_destroy(err);
	free(r.r.error);
	free(r.d.tables);
	ms_addrset_deinit(&w.seen);
	free(t.spans);
	return 0;
}
