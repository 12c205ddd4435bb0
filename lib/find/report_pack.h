/* SPDX-License-Identifier: MIT */
/*
 * A walked map's report kept compactly until the inspect report takes it: most of
 * the 600 bytes of struct ms_map_report are zero for a small map (the other
 * implementation's block, the held parts that do not apply, histogram bins), and
 * 300,000 of them were most of inspect's peak while the maps were still being found.
 */
#ifndef MS_REPORT_PACK_H
#define MS_REPORT_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "mapsize.h"
#include "slab.h"

/*
 * R's bytes as 32-bit units: a bitmap of the units that are not zero, then each of
 * those as a little-endian base-128 varint. Pointers are kept as they are: what R
 * owned, the packed form owns. Allocated in SLAB (ms_slab_free); NULL when out of memory.
 */
uint8_t *ms_report_pack(const struct ms_map_report *r, struct ms_slab *slab);
/* The report packed in P, every byte as it was (pointers included). */
void ms_report_unpack(const uint8_t *p, struct ms_map_report *r);

#endif
