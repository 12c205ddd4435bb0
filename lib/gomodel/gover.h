/* SPDX-License-Identifier: MIT */
/*
 * The Go version model: every fact about Go maps that changes between releases.
 * Other code asks these questions and never compares version numbers itself.
 */
#ifndef MS_GOVER_H
#define MS_GOVER_H

#include "mapsize.h"

/* Facts that hold for a range of Go minor versions. */
struct ms_go_facts {
	unsigned minor_lo, minor_hi;
	/* Classic loadFactorNum with loadFactorDen 2: 13 means 6.5 entries per bucket. */
	unsigned classic_load_num;
	/* 8-byte malloc header on small pointerful objects > ptr*ptr*8 bytes. */
	bool malloc_headers;
	bool swiss_default;     /* Swiss tables unless built with noswissmap */
	bool has_noswissmap;    /* GOEXPERIMENT=noswissmap (and nosynchashtriemap) exist */
	bool has_splitgroup;    /* GOEXPERIMENT=mapsplitgroup exists */
	bool prunes_tombstones; /* maps.table.pruneTombstones */
	bool small_update_fix;  /* small map no longer grows on update of an existing key */
	/* Map.tombstonePossible: clear() of a map whose keys were all deleted still wipes its
	 * tombstones (1.24 returns early when len is 0 and keeps them) */
	bool tombstone_possible;
	const char *source; /* where the facts were read */
};

/* Borrowed, static. Never NULL for a version accepted by ms_go_version_parse(). */
const struct ms_go_facts *ms_go_facts(const struct ms_go_version *v);

/* Classic: bytes of runtime.hmap (48/28; 56/36 with noswissmap's clearSeq). */
uint64_t ms_go_hmap_bytes(const struct ms_go_version *v, enum ms_arch arch);
/* Classic: runtime.mapextra, three pointers. */
uint64_t ms_go_mapextra_bytes(enum ms_arch arch);
/* Classic: overLoadFactor(count, B). */
bool ms_go_classic_overloaded(const struct ms_go_version *v, uint64_t count, unsigned B);
/* Classic: tooManyOverflowBuckets(noverflow, B), the trigger of a same-size grow. */
bool ms_go_classic_too_many_overflow(uint64_t noverflow, unsigned B);
/* Swiss: internal/runtime/maps.Map and table struct sizes. */
uint64_t ms_go_swiss_map_bytes(enum ms_arch arch);
uint64_t ms_go_swiss_table_bytes(enum ms_arch arch);
/* Swiss: the map type descriptor gives key and element offsets and strides (1.27+). */
bool ms_go_swiss_type_strides(const struct ms_go_version *v);
/* Bytes of the map type descriptor after the common abi.Type header (Key, Elem, Bucket or
 * Group, Hasher and the map's own fields), rounded to the pointer size: the uncommon part of a
 * named map type follows them. */
uint64_t ms_go_map_type_tail_bytes(const struct ms_go_version *v, unsigned ptr_bytes);
/* The runtime type's "direct interface" bit is in tflag (1.26+) rather than kind. */
bool ms_go_direct_iface_in_tflag(const struct ms_go_version *v);
/* The highest goroutine status (runtime.g.atomicstatus without _Gscan): _Gpreempted (9),
 * _Gdeadextra (11) from 1.26. */
uint32_t ms_go_gstatus_max(const struct ms_go_version *v);
/* Size class sizeclass (1-67, the same in 1.19-1.27): its objects' bytes and its spans' pages
 * (runtime class_to_size, class_to_allocnpages); false for 0 (large) or past the last. */
bool ms_size_class_span(unsigned sizeclass, uint64_t *elemsize, uint64_t *npages);
/* runtime._KindSpecial* of the specials the GC takes for roots (runtime/mheap.go): the
 * finalizer's, the weak handle's and the cleanup's kind, 0 where the version has none (weak
 * handles from 1.23, cleanups from 1.24; 1.25 put _KindSpecialTinyBlock first). */
void ms_go_special_kinds(const struct ms_go_version *v, unsigned *finalizer, unsigned *weak,
                         unsigned *cleanup);
/* Is a goroutine of this status (with or without _Gscan) dead: _Gdead, or from 1.26 the
 * _Gdeadextra of a goroutine parked on an extra M for cgo callbacks? Its stack is not live. */
bool ms_go_gstatus_dead(const struct ms_go_version *v, uint32_t status);
/* runtime.maxAlloc: larger requests are refused (makemap then ignores the hint). */
uint64_t ms_go_max_alloc(enum ms_arch arch);
/* growslice's next capacity (before size-class rounding), runtime/slice.go nextslicecap. */
uint64_t ms_go_next_slice_cap(uint64_t new_len, uint64_t old_cap);

/*
 * sync.Map's layout on a version and architecture (src/sync/map.go,
 * src/internal/sync/hashtriemap.go), offsets in bytes. hashtrie: 1.24+, where
 * sync.Map is {_ noCopy; m internal/sync.HashTrieMap[any, any]}; else 1.19-1.23's
 * {mu Mutex; read atomic.Value (1.19: an interface boxing a readOnly) or
 * atomic.Pointer[readOnly] (1.20+); dirty map[any]*entry; misses int}, readOnly
 * {m map[any]*entry; amended bool}, entry {p *any}.
 */
struct ms_go_syncmap {
	bool hashtrie;
	uint64_t size; /* sync.Map */
	/* classic */
	bool read_iface; /* read is an atomic.Value: the readOnly is the interface's data */
	uint64_t read_off, dirty_off, ro_bytes, ro_amended_off, entry_bytes;
	/* hashtrie */
	uint64_t root_off, ind_bytes, ind_children_off, ent_bytes, ent_overflow_off, ent_key_off,
	    ent_value_off;
	unsigned children; /* 16: nChildrenLog2 4 */
};
void ms_go_syncmap_layout(const struct ms_go_version *v, enum ms_arch arch,
                          struct ms_go_syncmap *ret);

/* Layout constants shared by every version (runtime/map.go, internal/runtime/maps). */
#define MS_BUCKET_SLOTS     8u    /* bucketCnt, abi.MapBucketCount */
#define MS_MAX_INLINE_BYTES 128u  /* maxKeySize/maxElemSize, abi.MapMaxKeyBytes */
#define MS_GROUP_SLOTS      8u    /* abi.SwissMapGroupSlots */
#define MS_MAX_TABLE_SLOTS  1024u /* maps.maxTableCapacity */

/*
 * The package of a Go symbol: "main.(*Server).serve" -> "main",
 * "github.com/a/b.cache" -> "github.com/a/b", "main.F[net/http.T]" -> "main".
 * Writes "?" when sym names no package. Only the symbol: never a path's map keys.
 */
void ms_go_symbol_package(const char *sym, char *buf, size_t len);

#endif
