/* SPDX-License-Identifier: MIT */
/* Finding the maps of a target, and the set that holds what was found. */
#ifndef MS_FINDMAPS_H
#define MS_FINDMAPS_H

#include "gotype.h"
#include "report_pack.h"
#include "slab.h"

/* Map types kept for a map whose memory fits several (reported as type_candidates). */
#define MS_MAX_TYPE_CANDIDATES 32

/* Where a map whose header is in a goroutine stack lives. */
struct ms_found_stack {
	uint64_t lo, hi, goid;
	const char *func; /* the frame's function; borrowed */
};

struct ms_found_map {
	uint64_t addr;
	const struct ms_dtype *type; /* the map typedef; NULL when untyped */
	const struct ms_map_geom *geom;
	enum ms_found_by by;
	/* a sync.Map (addr is its struct, type its DWARF type): walked by ms_walk_syncmap */
	bool syncmap;
	/* an inner map of a sync.Map (Go <= 1.23), walked into that sync.Map's report:
	 * kept only so that nothing finds it again; report NULL, never reported */
	bool inner;
	bool handed;      /* its report went to ms_find_opts.walked (streaming) */
	bool paths_grown; /* paths has room for 8; else for 1 (NULL: none) */
	uint64_t refs;
	char **paths; /* owned (and each one), shortest first: most maps have one */
	size_t npaths;
	struct ms_found_stack *stack; /* owned: stack maps only (NULL: elsewhere) */
	char *package;           /* owned: the package of the root that reached it; NULL if none */
	const char *type_source; /* static: "dwarf", "malloc-header", ... */
	/* finds typed by layout only: every map type that fits (type is the first);
	 * owned, allocated only when more than one fits (ms_found_candidates) */
	const struct ms_dtype **candidates;
	size_t ncandidates;
	/* owned: made by the walk and filled by it (strings set later); after the walk it
	 * is kept packed (report_pack.h) in packed, and report is NULL. Every entry but an
	 * inner map has one of the two when ms_find_maps returns, unless handed to walked:
	 * read it with ms_found_peek_report, take it with ms_found_take_report */
	struct ms_map_draft *report;
	uint8_t *packed;
};

/* Found maps, by header address. Elements are allocated one by one (in maps_slab): pointers
 * stay valid. */
struct ms_found {
	/* the elements, and their packed reports (freed with ms_found_map_free) */
	struct ms_slab maps_slab, reports_slab;
	struct ms_found_map **maps;
	size_t n, nalloc;
	/* open addressing over maps: k 1-based (0: empty), the address kept beside it
	 * so that a probe reads no map */
	struct ms_found_slot {
		uint64_t addr;
		size_t k;
	} * index; /* at most 3/4 full */
	size_t cap;
	/* typed pointers whose claim on their target's type was wrong (typeclaim) */
	struct ms_type_conflicts conflicts;
};

struct ms_found_map *ms_found_lookup(struct ms_found *fd, uint64_t addr);
/* A new zeroed entry for addr (not yet present), without a report yet; NULL when out of
 * memory. */
struct ms_found_map *ms_found_add(struct ms_found *fd, uint64_t addr);
/* Record the types that fit M (FITS[0] is its type); &ms_error_nomem or NULL. */
MS_MUST_CHECK struct ms_error *
ms_found_candidates(struct ms_found_map *m, const struct ms_dtype *const *fits, size_t nfits);
/* Free one entry and what it owns (its report included). */
void ms_found_map_free(struct ms_found_map *m);
/* M has a report (walked and not handed to walked, or never walked but reported). */
bool ms_found_has_report(const struct ms_found_map *m);
/* M's report to read, unpacked into SCRATCH if kept packed (its pointers stay M's); NULL
 * when it has none. */
const struct ms_map_draft *ms_found_peek_report(const struct ms_found_map *m,
                                                struct ms_map_draft *scratch);
/* Hand M's report over to the caller (*ret NULL when it has none); &ms_error_nomem or NULL. */
struct ms_error *ms_found_take_report(struct ms_found_map *m, struct ms_map_draft **ret);
void ms_found_deinit(struct ms_found *fd);

struct ms_find_opts {
	uint64_t max_values; /* bound on values visited; 0: 2^30 */
	bool no_stacks, no_heap_scan;
	/* Called now and then (at most 10 times a second) with what is being done. */
	void (*progress)(void *arg, const char *what, uint64_t done, uint64_t total);
	void *progress_arg;
	/* Called right after each map's walk (streaming); an error stops the finder. */
	struct ms_error *(*walked)(void *arg, struct ms_found_map *m);
	void *walked_arg;
};

/*
 * Walk from every package-level variable, then scan goroutine stacks and the
 * heap for headers nothing typed reached; found maps are walked as they are
 * found, and their entries followed.
 */
MS_MUST_CHECK struct ms_error *ms_find_maps(struct ms_target *t, struct ms_types *ty,
                                            const struct ms_find_opts *opts,
                                            struct ms_found *found);

#endif
