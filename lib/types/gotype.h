/* SPDX-License-Identifier: MIT */
/*
 * Go types of a target, from its DWARF: layouts, "can a value of this type
 * lead to a map", runtime type descriptors, and the geometry of map types
 * (bucket or group size, where keys and values sit).
 */
#ifndef MS_GOTYPE_H
#define MS_GOTYPE_H

#include "target.h"

struct ms_types;

/* Index the target's DWARF types. Owned: ms_types_destroy(). */
MS_MUST_CHECK struct ms_error *ms_types_create(struct ms_target *t, struct ms_types **ret);
void ms_types_destroy(struct ms_types *ty);

/* Follow typedefs; bounded. NULL stays NULL. */
const struct ms_dtype *ms_types_underlying(const struct ms_types *ty, const struct ms_dtype *d);
/* The DWARF type of a runtime type descriptor at addr; NULL if none. */
const struct ms_dtype *ms_types_by_runtime(const struct ms_types *ty, uint64_t addr);
/* Can a value of d hold (through pointers) a map, or an interface that might? */
bool ms_types_reaches_map(const struct ms_types *ty, const struct ms_dtype *d);
/* unsafe.Pointer (or a type defined as it): DWARF's, or the runtime's Kind. */
bool ms_types_is_unsafe_pointer(const struct ms_types *ty, const struct ms_dtype *d);
/* Size, alignment and pointerness of d on the target's architecture. */
struct ms_type_layout ms_types_layout(const struct ms_types *ty, const struct ms_dtype *d);
/* Is d (through typedefs) the struct sync.Map? It is reported as one entry (and
 * reaches a map, for the walk from the roots, also on 1.24+ where it holds none). */
bool ms_types_is_syncmap(const struct ms_types *ty, const struct ms_dtype *d);
/* Is d a map typedef (DW_AT_go_kind map with a header pointer)? */
bool ms_types_is_map(const struct ms_dtype *d);
/*
 * Geometry of the map typedef d (cached in ty; borrowed). MS_ERR_FORMAT when
 * the DWARF does not describe it the way Go writes it.
 */
MS_MUST_CHECK struct ms_error *ms_types_geom(struct ms_types *ty, const struct ms_dtype *d,
                                             const struct ms_map_geom **ret);
/* Every map typedef in the binary (for typing maps found without a typed path). */
size_t ms_types_maps(const struct ms_types *ty, const struct ms_dtype *const **ret);
/* The map typedef whose bucket or group runtime type is at addr; NULL if none. */
const struct ms_dtype *ms_types_by_unit_rtype(const struct ms_types *ty, uint64_t addr);
/* The runtime type descriptor at rtype_addr: is it "direct interface" (the value is the
 * interface's data word)? false when the descriptor cannot be read. */
bool ms_rtype_direct_iface(struct ms_target *t, uint64_t rtype_addr, bool *ret);
/* Runtime type descriptor: is the kind "direct interface" (value in the data word)? */
bool ms_types_direct_iface(struct ms_types *ty, uint64_t rtype_addr, const struct ms_dtype *d);

#endif
