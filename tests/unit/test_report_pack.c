/* SPDX-License-Identifier: MIT */
/*
 * Packed map reports (lib/base/report_pack.c): any bytes come back as they were,
 * and a sealed report's detail reads, through ms_map_report_detail, as the draft's did.
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
	uint8_t buf[MS_PACK_MAX(sizeof(src))], buf2[MS_PACK_MAX(sizeof(struct ms_map_detail))];
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

	/* a draft sealed: its core in place, its detail (and what it owns) packed */
	{
		struct ms_map_draft *dr = calloc(1, sizeof(*dr));
		struct ms_map_detail orig, scratch;
		struct ms_map_report *r = NULL;
		const struct ms_map_detail *d;

		dr->r.addr = 0xc000123456;
		dr->r.len = 5;
		dr->r.held_bytes = 4096;
		dr->r.reclaimable_bytes = 1024;
		dr->r.graph = true;
		dr->r.retained_bytes = 9000;
		dr->d.occupied = 5;
		dr->d.capacity = 8;
		dr->d.load = 0.625;
		dr->d.small = true;
		dr->d.growth_left = 2;
		dr->d.fill_hist[5] = 1;
		dr->d.held[MS_HELD_LIVE] = 80;
		dr->d.held[MS_HELD_ROUNDING] = 3;
		dr->d.fresh_high_bytes = UINT64_MAX;
		dr->d.ntables = 1;
		dr->d.tables = calloc(1, sizeof(*dr->d.tables));
		dr->d.tables[0].addr = 0xc000999000;
		dr->d.sync = calloc(1, sizeof(*dr->d.sync));
		dr->d.sync->boxed_keys = 7;
		memcpy(&orig, &dr->d, sizeof(orig));
		CHECK(ms_map_draft_seal(&dr, &r) == NULL && !dr, "sealed");
		if (!r)
			return tap_done();
		CHECK(r->detail != NULL, "its detail packed");
		CHECK(r->addr == 0xc000123456 && r->len == 5 && r->held_bytes == 4096 &&
		          r->reclaimable_bytes == 1024 && r->graph && r->retained_bytes == 9000,
		      "the core reads as it did");
		memset(&scratch, 0xa5, sizeof(scratch));
		d = ms_map_report_detail(r, &scratch);
		CHECK(d == &scratch && memcmp(d, &orig, sizeof(orig)) == 0,
		      "detail: every byte as it was, into the caller's scratch");
		CHECK(d->tables == orig.tables && d->tables[0].addr == 0xc000999000 &&
		          d->sync->boxed_keys == 7 && d->load == 0.625 &&
		          d->fresh_high_bytes == UINT64_MAX,
		      "detail: its tables and sync.Map counts, owned by the packed detail");
		ms_map_report_free_detail(r); /* frees the tables, the sync counts, the packing */
		CHECK(!r->detail, "freed: no detail");
		memset(&scratch, 0xa5, sizeof(scratch));
		d = ms_map_report_detail(r, &scratch);
		CHECK(d->occupied == 0 && !d->tables && !d->sync && d->held[MS_HELD_LIVE] == 0,
		      "no detail reads as zero");
		free(r);
	}
	/* a report's packed detail: a fraction of the detail's own size for a small map */
	{
		struct ms_map_report r = {0};
		struct ms_map_detail d = {0};

		d.occupied = d.capacity = 8;
		d.small = true;
		d.held[MS_HELD_LIVE] = 128;
		CHECK(ms_map_report_set_detail(&r, &d) == NULL && r.detail, "set");
		n = ms_pack_units(&d, sizeof(d), buf2);
		CHECK(n < sizeof(d) / 4, "a small map's detail packs to under a quarter");
		ms_map_report_free_detail(&r);
	}
	return tap_done();
}
