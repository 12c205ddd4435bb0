/* SPDX-License-Identifier: MIT */
/*
 * Packed map reports (lib/base/report_pack.c): any bytes come back as they were,
 * and a compacted report reads, through ms_map_report_full, as the full one did.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "report_pack.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* a unit: mostly zero, else small, else any value (every varint length) */
static uint32_t unit(void)
{
	uint32_t r = next() % 8;

	return r < 4 ? 0 : r < 6 ? next() % 200 : next() >> (next() % 32);
}

int main(void)
{
	uint32_t src[150], dst[150];
	uint8_t buf[MS_PACK_MAX(sizeof(src))];
	bool all_same = true;
	size_t n, most = 0;

	/* random units, every length of input */
	for (int round = 0; round < 2000; round++) {
		size_t units = 1 + (size_t)round % 150;

		for (size_t i = 0; i < units; i++)
			src[i] = unit();
		memset(dst, 0xa5, sizeof(dst));
		n = ms_pack_units(src, units * 4, buf);
		most = n > most ? n : most;
		ms_unpack_units(buf, dst, units * 4);
		all_same =
		    all_same && memcmp(src, dst, units * 4) == 0 && n <= MS_PACK_MAX(units * 4);
	}
	CHECK(all_same, "2000 random unit arrays come back unchanged, within MS_PACK_MAX");
	for (size_t i = 0; i < 150; i++)
		src[i] = UINT32_MAX;
	n = ms_pack_units(src, sizeof(src), buf);
	CHECK_U64(n, MS_PACK_MAX(sizeof(src)), "all units 2^32-1: the most bytes, exactly");
	ms_unpack_units(buf, dst, sizeof(dst));
	CHECK(memcmp(src, dst, sizeof(src)) == 0, "all units 2^32-1 come back");
	memset(src, 0, sizeof(src));
	CHECK_U64(ms_pack_units(src, sizeof(src), buf), (150 + 7) / 8,
	          "all zero: the bitmap alone");

	/* a report compacted: its core in place, its detail (and what it owns) packed */
	{
		struct ms_map_report *r = calloc(1, sizeof(*r)), *orig = calloc(1, sizeof(*r));
		struct ms_map_report scratch;
		const struct ms_map_report *f;

		r->addr = 0xc000123456;
		r->len = 5;
		r->held_bytes = 4096;
		r->reclaimable_bytes = 1024;
		r->graph = true;
		r->retained_bytes = 9000;
		r->occupied = 5;
		r->capacity = 8;
		r->load = 0.625;
		r->small = true;
		r->growth_left = 2;
		r->fill_hist[5] = 1;
		r->held[MS_HELD_LIVE] = 80;
		r->held[MS_HELD_ROUNDING] = 3;
		r->fresh_high_bytes = UINT64_MAX;
		r->ntables = 1;
		r->tables = calloc(1, sizeof(*r->tables));
		r->tables[0].addr = 0xc000999000;
		r->sync = calloc(1, sizeof(*r->sync));
		r->sync->boxed_keys = 7;
		memcpy(orig, r, sizeof(*r));
		CHECK(ms_map_report_full(r, &scratch) == r, "detail in place: the report itself");
		CHECK(ms_map_report_compact(&r) == NULL && r->packed_detail, "compacted");
		CHECK(r->addr == orig->addr && r->len == 5 && r->held_bytes == 4096 &&
		          r->reclaimable_bytes == 1024 && r->graph && r->retained_bytes == 9000,
		      "the core reads as it did");
		f = ms_map_report_full(r, &scratch);
		CHECK(f == &scratch && !f->packed_detail,
		      "full: the scratch copy, detail in place");
		CHECK(memcmp((const uint8_t *)f + offsetof(struct ms_map_report, occupied),
		             (const uint8_t *)orig + offsetof(struct ms_map_report, occupied),
		             sizeof(*r) - offsetof(struct ms_map_report, occupied)) == 0 &&
		          f->addr == orig->addr && f->retained_bytes == orig->retained_bytes,
		      "full: every byte of the detail as it was, the core too");
		CHECK(f->tables == orig->tables && f->tables[0].addr == 0xc000999000 &&
		          f->sync->boxed_keys == 7 && f->load == 0.625 &&
		          f->fresh_high_bytes == UINT64_MAX,
		      "full: its tables and sync.Map counts, owned by the packed detail");
		ms_map_report_free_detail(r); /* frees the tables, the sync counts, the packing */
		free(r);
		free(orig);
	}
	return tap_done();
}
