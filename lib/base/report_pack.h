/* SPDX-License-Identifier: MIT */
/*
 * Map reports kept compactly. Most of the 600 bytes of struct ms_map_report are
 * zero for a small map (the other implementation's block, the held parts that do
 * not apply, histogram bins): packed, a report takes about a sixth of that. The
 * finder packs a walked map's whole draft until the inspect report takes it
 * (lib/find); every finished report keeps its detail packed (ms_map_report_set_detail;
 * read it with ms_map_report_detail, mapsize.h).
 */
#ifndef MS_REPORT_PACK_H
#define MS_REPORT_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "mapsize.h"

/* The most bytes ms_pack_units writes for BYTES bytes. */
#define MS_PACK_MAX(bytes) (((bytes) / 4 + 7) / 8 + (bytes) / 4 * 5)

/*
 * BYTES bytes at SRC (a multiple of 4) as 32-bit units: a bitmap of the units that
 * are not zero, then each of those as a little-endian base-128 varint, into OUT
 * (MS_PACK_MAX(bytes) long). Returns the bytes written. Pointers are kept as they are.
 */
size_t ms_pack_units(const void *src, size_t bytes, uint8_t *out);
/* Unpack what ms_pack_units wrote for BYTES bytes into DST, every byte as it was. */
void ms_unpack_units(const uint8_t *in, void *dst, size_t bytes);

/*
 * A map report being made (a walk, a layout file's reader): its detail in place beside
 * its core (r.detail NULL). The finder keeps it packed whole between walks; it becomes a
 * report with ms_map_draft_seal.
 */
struct ms_map_draft {
	struct ms_map_report r;
	struct ms_map_detail d;
};

/*
 * Pack D as M's detail (what D's pointers own moves to M), replacing the packed form M
 * had (not what that owned: the caller moved it into D or freed it). &ms_error_nomem
 * (M unchanged) or NULL.
 */
struct ms_error *ms_map_report_set_detail(struct ms_map_report *m, const struct ms_map_detail *d);
/*
 * A report made of *DRAFT (malloc'ed): its core, its detail packed; what it owned moves
 * along, *DRAFT is freed and set to NULL. &ms_error_nomem (*DRAFT unchanged) or NULL.
 */
struct ms_error *ms_map_draft_seal(struct ms_map_draft **draft, struct ms_map_report **ret);
/* Free what D owns (tables, sync) and zero those members. */
void ms_map_detail_free(struct ms_map_detail *d);
/* Free what M's detail owns (tables, sync) and its packed form; M's detail is then none. */
void ms_map_report_free_detail(struct ms_map_report *m);

#endif
