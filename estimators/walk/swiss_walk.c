/* SPDX-License-Identifier: MIT */
/*
 * Walk a Swiss-table map (internal/runtime/maps, go1.24+): the header, a
 * small map's group, or the directory, each distinct table and its groups,
 * and out-of-line keys and values.
 */
#include <stdlib.h>
#include <string.h>

#include "gover.h"
#include "walk.h"

/* internal/runtime/maps/group.go control bytes */
#define CTRL_EMPTY      0x80
#define CTRL_DELETED    0xfe
#define MAX_DIR_LEN     (1ull << 26)
#define CHUNK_BYTES     (512u << 10) /* groups read per call: big reads go straight through */
#define PREFETCH_GROUPS 16

/* Classify the slots of one group; returns the number of full slots. */
static unsigned group_slots(struct ms_walk *w, uint64_t addr, const uint8_t *grp, enum ms_hold h,
                            uint64_t *ret_tombstones)
{
	const struct ms_map_geom *g = w->g;
	uint64_t slot = g->kslot + g->vslot;
	unsigned full = 0;

	ms_walk_part(w, h, MS_HELD_CONTROL, 8);
	if (g->unit_bytes > 8 + MS_GROUP_SLOTS * slot)
		ms_walk_part(w, h, MS_HELD_PADDING, g->unit_bytes - 8 - MS_GROUP_SLOTS * slot);
	for (unsigned i = 0; i < MS_GROUP_SLOTS; i++) {
		/* byte i of the little-endian control word belongs to slot i */
		uint8_t c = grp[w->t->mem->big_endian ? 7 - i : i];

		if (!(c & 0x80)) {
			full++;
			ms_walk_live_slot(w, h, addr, i);
		} else if (c == CTRL_DELETED) {
			(*ret_tombstones)++;
			w->d->deleted_slots++;
			ms_walk_part(w, h, MS_HELD_DELETED, slot);
		} else {
			w->d->empty_slots++;
			ms_walk_part(w, h, MS_HELD_EMPTY, slot);
		}
	}
	w->d->fill_hist[full] += w->d->fill_hist[full] < UINT32_MAX;
	w->d->groups++;
	return full;
}

/* How many bytes of m have their top bit set (m has no other bits set). */
static inline unsigned top_bits(uint64_t m)
{
	return (unsigned)(((m >> 7) * 0x0101010101010101ull) >> 56);
}

/*
 * The same for n groups at p whose slots need no more than their control words (no
 * slot callback, keys and values in line): counted a word at a time, the result
 * equal to group_slots' on each.
 */
static void count_groups(struct ms_walk *w, const uint8_t *p, uint64_t n, enum ms_hold h,
                         uint64_t *ret_full, uint64_t *ret_tombstones)
{
	const struct ms_map_geom *g = w->g;
	const uint64_t hi = 0x8080808080808080ull, lo7 = 0x7f7f7f7f7f7f7f7full;
	uint64_t gs = g->unit_bytes, slot = g->kslot + g->vslot;
	uint64_t full = 0, del = 0, hist[MS_GROUP_SLOTS + 1] = {0}, empty;

	for (uint64_t k = 0; k < n; k++) {
		uint64_t c, x;
		unsigned f;

		/* the control words are a cache line apart or more: asked for ahead */
		if (k + PREFETCH_GROUPS < n)
			__builtin_prefetch(p + (k + PREFETCH_GROUPS) * gs);
		/* the order of the bytes does not matter to counts */
		memcpy(&c, p + k * gs, 8);
		f = top_bits(~c & hi);         /* full: top bit clear */
		x = c ^ 0xfefefefefefefefeull; /* a deleted byte is zero in x */
		del += top_bits(~(((x & lo7) + lo7) | x | lo7));
		full += f;
		hist[f]++;
	}
	empty = n * MS_GROUP_SLOTS - full - del;
	ms_walk_part(w, h, MS_HELD_CONTROL, 8 * n);
	if (gs > 8 + MS_GROUP_SLOTS * slot)
		ms_walk_part(w, h, MS_HELD_PADDING, n * (gs - 8 - MS_GROUP_SLOTS * slot));
	ms_walk_part(w, h, MS_HELD_LIVE, full * slot);
	ms_walk_part(w, h, MS_HELD_DELETED, del * slot);
	ms_walk_part(w, h, MS_HELD_EMPTY, empty * slot);
	w->d->deleted_slots += del;
	w->d->empty_slots += empty;
	for (unsigned f = 0; f <= MS_GROUP_SLOTS; f++) {
		uint64_t v = w->d->fill_hist[f] + hist[f];

		w->d->fill_hist[f] = v < UINT32_MAX ? (uint32_t)v : UINT32_MAX;
	}
	w->d->groups += n;
	*ret_full += full;
	*ret_tombstones += del;
}

/* The groups of one table (or the single group of a small map). */
static struct ms_error *walk_groups(struct ms_walk *w, uint64_t data, uint64_t ngroups,
                                    uint64_t *ret_full, uint64_t *ret_tombstones)
{
	uint64_t gs = w->g->unit_bytes, full = 0, tomb = 0;
	struct ms_heap_obj obj;
	uint64_t chunk = CHUNK_BYTES / gs ? CHUNK_BYTES / gs : 1;
	uint8_t *buf = NULL;
	bool ctrl_only = !w->slot && !w->g->key_indirect && !w->g->elem_indirect;
	enum ms_hold h;
	struct ms_error *err = NULL;

	/* never trust a count from the target beyond the object that holds it */
	if (!ms_heap_find(w->t, data, &obj)) {
		/* only a non-escaping small map's group lives outside the heap (its stack) */
		if (ngroups != 1 || data < w->stack_lo || data + gs > w->stack_hi) {
			err = ms_error_create(MS_ERR_FORMAT, "groups 0x%llx are not a heap object",
			                      (unsigned long long)data);
			goto out;
		}
	} else if (w->strict && !ms_walk_storage_fits(w, &obj, ngroups * gs)) {
		err = ms_error_create(MS_ERR_FORMAT, "groups do not fit the type");
		goto out;
	} else if (obj.base + obj.elemsize - data < ngroups * gs) {
		err = ms_error_create(MS_ERR_FORMAT,
		                      "groups 0x%llx: %llu groups do not fit in a %llu-byte object",
		                      (unsigned long long)data, (unsigned long long)ngroups,
		                      (unsigned long long)obj.elemsize);
		goto out;
	}
	h = ms_walk_hold(w, data, ngroups * gs, NULL);
	if (h == MS_HOLD_DUP) {
		err = ms_error_create(MS_ERR_FORMAT, "groups 0x%llx belong to two tables",
		                      (unsigned long long)data);
		goto out;
	}
	/* the groups checked first, then a buffer of their size (up to a chunk) where
	 * they are not in place in the source: most maps are small, and most strict
	 * walks stop before this */
	if (ngroups < chunk)
		chunk = ngroups ? ngroups : 1;
	for (uint64_t i = 0; i < ngroups; i += chunk) {
		uint64_t n = ngroups - i < chunk ? ngroups - i : chunk;
		const uint8_t *p;

		if (ms_cancelled()) {
			err = ms_error_create(MS_ERR_LIMIT, "stopped: the time limit was reached");
			goto out;
		}
		p = ms_source_view(w->t->mem, data + i * gs, n * gs);
		if (!p) {
			if (!buf && !(buf = malloc(chunk * gs))) {
				err = &ms_error_nomem;
				goto out;
			}
			err = ms_walk_read(w, data + i * gs, buf, n * gs, "groups");
			if (err)
				goto out;
			p = buf;
		}
		if (ctrl_only)
			count_groups(w, p, n, h, &full, &tomb);
		else
			for (uint64_t k = 0; k < n; k++)
				full += group_slots(w, data + (i + k) * gs, p + k * gs, h, &tomb);
	}
	*ret_full = full;
	*ret_tombstones = tomb;
out:
	free(buf);
	return err;
}

static struct ms_error *walk_table(struct ms_walk *w, uint64_t taddr, struct ms_table_report *tr)
{
	const struct ms_rt *rt = &w->t->rt;
	struct ms_source *m = w->t->mem;
	uint8_t buf[64];
	uint64_t data, mask, full = 0, tomb = 0;
	enum ms_hold h;
	struct ms_error *err;

	if (rt->table.size > sizeof(buf) || rt->table.groups_data == UINT64_MAX)
		return ms_error_create(MS_ERR_UNSUPPORTED, "unknown table layout");
	if (!ms_heap_find(w->t, taddr, NULL))
		return ms_error_create(MS_ERR_FORMAT, "table 0x%llx is not a heap object",
		                       (unsigned long long)taddr);
	err = ms_walk_read(w, taddr, buf, rt->table.size, "table");
	if (err)
		return err;
	tr->addr = taddr;
	tr->used = (uint16_t)ms_source_decode(m, buf + rt->table.used, 2);
	tr->capacity = (uint16_t)ms_source_decode(m, buf + rt->table.capacity, 2);
	tr->growth_left = (uint16_t)ms_source_decode(m, buf + rt->table.growth_left, 2);
	tr->local_depth = buf[rt->table.local_depth];
	data = ms_source_decode(m, buf + rt->table.groups_data, w->t->ptr);
	mask = ms_source_decode(m, buf + rt->table.groups_mask, 8);
	if (tr->capacity < MS_GROUP_SLOTS || tr->capacity > MS_MAX_TABLE_SLOTS ||
	    (tr->capacity & (tr->capacity - 1)) || mask + 1 != tr->capacity / MS_GROUP_SLOTS ||
	    tr->used > tr->capacity || !data)
		return ms_error_create(
		    MS_ERR_FORMAT, "table 0x%llx is damaged (capacity %u, used %u, %llu groups)",
		    (unsigned long long)taddr, tr->capacity, tr->used,
		    (unsigned long long)(mask + 1));
	h = ms_walk_hold(w, taddr, rt->table.size, NULL);
	ms_walk_part(w, h, MS_HELD_HEADERS, rt->table.size);
	err = walk_groups(w, data, mask + 1, &full, &tomb);
	if (err)
		return err;
	tr->tombstones = tomb;
	w->d->tombstones += tomb;
	w->d->growth_left += tr->growth_left;
	w->d->capacity += tr->capacity;
	w->d->occupied += full;
	/* a table's used and its control bytes agree but inside a write (putSlot sets the
	 * control byte, then counts it), when a process was stopped in one */
	if (full != tr->used && !w->d->writing && !w->r->error) {
		char msg[160];
		snprintf(msg, sizeof(msg), "table 0x%llx says %u used but holds %llu entries",
		         (unsigned long long)taddr, tr->used, (unsigned long long)full);
		w->r->error = strdup(msg);
	}
	return NULL;
}

static struct ms_error *walk_directory(struct ms_walk *w, uint64_t dir, uint64_t dir_len)
{
	struct ms_map_detail *d = w->d;
	unsigned ptr = w->t->ptr;
	struct ms_heap_obj obj;
	struct ms_addrset tables = {0};
	uint8_t buf[512 * 8];
	uint64_t prev = 0;
	enum ms_hold h;
	bool nomem = false;
	struct ms_error *err = NULL;

	if (dir_len > MAX_DIR_LEN || (dir_len & (dir_len - 1)))
		return ms_error_create(MS_ERR_FORMAT, "absurd directory length %llu",
		                       (unsigned long long)dir_len);
	if (!ms_heap_find(w->t, dir, &obj))
		return ms_error_create(MS_ERR_FORMAT, "directory 0x%llx is not a heap object",
		                       (unsigned long long)dir);
	if (obj.base + obj.elemsize - dir < dir_len * ptr)
		return ms_error_create(
		    MS_ERR_FORMAT, "directory of %llu entries does not fit in its %llu-byte object",
		    (unsigned long long)dir_len, (unsigned long long)obj.elemsize);
	h = ms_walk_hold(w, dir, dir_len * ptr, NULL);
	ms_walk_part(w, h, MS_HELD_DIRECTORY, dir_len * ptr);
	for (uint64_t i = 0; i < dir_len && !err; i += 512) {
		uint64_t n = dir_len - i < 512 ? dir_len - i : 512;

		err = ms_walk_read(w, dir + i * ptr, buf, n * ptr, "directory");
		for (uint64_t k = 0; k < n && !err; k++) {
			uint64_t tp = ms_source_decode(w->t->mem, buf + k * ptr, ptr);

			if (tp == prev && d->ntables) {
				d->tables[d->ntables - 1].dir_refs++;
				continue;
			}
			prev = tp;
			if (!ms_addrset_add(&tables, tp, &nomem)) {
				err = nomem ? &ms_error_nomem
				            : ms_error_create(MS_ERR_FORMAT,
				                              "directory entry %llu points back to "
				                              "table 0x%llx",
				                              (unsigned long long)(i + k),
				                              (unsigned long long)tp);
				break;
			}
			struct ms_table_report *nt =
			    realloc(d->tables, (d->ntables + 1) * sizeof(*d->tables));
			if (!nt) {
				err = &ms_error_nomem;
				break;
			}
			d->tables = nt;
			memset(&nt[d->ntables], 0, sizeof(*nt));
			nt[d->ntables].dir_refs = 1;
			err = walk_table(w, tp, &nt[d->ntables]);
			d->ntables++;
		}
	}
	ms_addrset_deinit(&tables);
	return err;
}

struct ms_error *ms_walk_swiss(struct ms_walk *w, uint64_t addr)
{
	const struct ms_rt *rt = &w->t->rt;
	struct ms_map_report *r = w->r;
	struct ms_map_detail *d = w->d;
	struct ms_source *m = w->t->mem;
	uint8_t hdr[128];
	uint64_t dir, full = 0, tomb = 0;
	enum ms_hold h;
	struct ms_error *err;

	d->group_bytes = w->g->unit_bytes;
	d->slot_bytes = w->g->impl == MS_IMPL_SWISS ? w->g->key_stride : 0;
	if (rt->smap.size > sizeof(hdr) || rt->smap.dir_ptr == UINT64_MAX)
		return ms_error_create(MS_ERR_UNSUPPORTED, "unknown Swiss map layout");
	err = ms_walk_read(w, addr, hdr, rt->smap.size, "map header");
	if (err)
		return err;
	h = ms_walk_hold(w, addr, rt->smap.size, NULL);
	ms_walk_part(w, h, MS_HELD_HEADERS, rt->smap.size);
	r->len = ms_source_decode(m, hdr + rt->smap.used, 8);
	dir = ms_source_decode(m, hdr + rt->smap.dir_ptr, w->t->ptr);
	d->dir_len = ms_source_decode(m, hdr + rt->smap.dir_len, w->t->ptr);
	d->global_depth = hdr[rt->smap.global_depth];
	/* toggled at a write's start and end (internal/runtime/maps): odd inside one */
	d->writing = rt->smap.writing != UINT64_MAX && rt->smap.writing < rt->smap.size &&
	             (hdr[rt->smap.writing] & 1);
	if (d->dir_len == 0) {
		d->small = true;
		if (!dir)
			return NULL;
		d->capacity = MS_GROUP_SLOTS;
		err = walk_groups(w, dir, 1, &full, &tomb);
		d->occupied = full;
		d->tombstones = tomb;
		return err;
	}
	if (d->global_depth >= 64 || (1ull << d->global_depth) != d->dir_len)
		return ms_error_create(MS_ERR_FORMAT,
		                       "directory length %llu does not match global depth %u",
		                       (unsigned long long)d->dir_len, d->global_depth);
	return walk_directory(w, dir, d->dir_len);
}
