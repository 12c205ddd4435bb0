/* SPDX-License-Identifier: MIT */
/*
 * Typing a map found untyped by the shape of its memory. Several map types often
 * share a layout (map[string]int, map[string]*T, map[int]string: 24-byte slots);
 * what the GC knows of the memory tells many of them apart, without DWARF:
 *  - the pointer bits of its bucket or group array (the arenas' bitmaps, 1.19-1.21;
 *    a small object's span heap bits, 1.22+) against each type's bucket or group
 *    descriptor's pointer mask;
 *  - its first pointer keys and values (at most 8, in its first 16 buckets or groups,
 *    read in place): a *T must point at memory where a T fits and whose pointer bits
 *    are T's, a map value at a header its map type walks;
 *  - the bools and interfaces of their first keys and values (themselves, or fields of
 *    structs, elements of arrays): a bool is 0 or 1, an interface's first word nil or a
 *    type descriptor (empty interface) or an itab's address. These
 *    tell apart layouts whose pointer bits agree (map[uint8]string's buckets and
 *    map[reflect.Type]bool's, map[string]int8's and map[string]bool's).
 * A candidate is dropped only when memory disproves it; what stays is every type the
 * memory agrees with (never a guess between them).
 */
#ifndef MS_SHAPETYPE_H
#define MS_SHAPETYPE_H

#include "findmaps.h"

struct ms_shape_check {
	uint64_t addr; /* the map header */
	uint64_t data; /* its bucket or group array (first table's); 0 unknown */
	/* Would a walk of the map at addr with the map type succeed? (the finder's) */
	bool (*validate)(void *arg, uint64_t addr, const struct ms_dtype *type);
	void *arg;
};

/* Drop from fits[0 .. nfits) (map types whose layout walks the header cleanly) those
 * the memory disproves; the order is kept, none dropped if all would be. The new count. */
size_t ms_shape_narrow(struct ms_target *t, struct ms_types *ty, const struct ms_shape_check *c,
                       const struct ms_dtype **fits, size_t nfits);

#endif
