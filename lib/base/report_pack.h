/* SPDX-License-Identifier: MIT */
/*
 * Map reports kept compactly. Most of the 600 bytes of struct ms_map_report are
 * zero for a small map (the other implementation's block, the held parts that do
 * not apply, histogram bins): packed, a report takes about a sixth of that. The
 * finder packs a walked map's whole report until the inspect report takes it
 * (lib/find); a finished inspect report keeps each map's detail packed
 * (ms_map_report_compact; read it with ms_map_report_full, mapsize.h).
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
 * Replace the report *M (its detail in place, malloc'ed) by one allocated up to its
 * detail with the detail packed in packed_detail; what it owned moves along.
 * &ms_error_nomem (*M unchanged) or NULL.
 */
struct ms_error *ms_map_report_compact(struct ms_map_report **m);
/* Free what M's detail owns (tables, sync; packed or in place) and its packed form. */
void ms_map_report_free_detail(struct ms_map_report *m);

#endif
