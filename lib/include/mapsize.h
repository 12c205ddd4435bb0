/* SPDX-License-Identifier: MIT */
/*
 * libmapsize: the memory model of Go maps.
 *
 * The only public header of the library. Conventions:
 * - A function that can fail returns struct ms_error * (NULL on success) and
 *   writes its results through the last parameters (ret, ret_*) only on success.
 * - "owned" results are freed by the caller with the matching _destroy/_deinit;
 *   "borrowed" ones are valid as long as the object they came from.
 * - The library never prints and never exits.
 */
#ifndef MAPSIZE_H
#define MAPSIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Errors --------------------------------------------------------------- */

/*
 * Every error code with its process exit status and meaning. This table is the
 * single source for cmd/main.c, the EXIT STATUS section of man/mapsize.1 and
 * the tests.
 */
#define MS_ERROR_CODES(X)                                                                        \
	X(USAGE, 2, "bad command line or bad argument value")                                    \
	X(TYPE, 2, "malformed or unsupported Go type expression")                                \
	X(IO, 3, "cannot open, read or write a file")                                            \
	X(FORMAT, 3, "input is not what it claims to be")                                        \
	X(FAULT, 3, "address not in this memory source")                                         \
	X(UNSUPPORTED, 4, "valid input mapsize cannot handle (unknown Go version or arch)")      \
	X(TARGET, 5, "cannot attach to the process")                                             \
	X(INCOMPLETE, 6, "the report was written but is incomplete (damaged or missing memory)") \
	X(LIMIT, 7, "a --timeout or --max-memory limit was reached")                             \
	X(NOMEM, 70, "out of memory")                                                            \
	X(INTERNAL, 70, "internal error")

enum ms_error_code {
#define MS_ERROR_ENUM(name, status, text) MS_ERR_##name,
	MS_ERROR_CODES(MS_ERROR_ENUM)
#undef MS_ERROR_ENUM
	    MS_ERR__COUNT
};

struct ms_error;

/* On a function that returns an owned error: dropping the result unread leaks it */
#define MS_MUST_CHECK __attribute__((warn_unused_result))

/* The static out-of-memory error; allocates nothing, _destroy ignores it. */
extern struct ms_error ms_error_nomem;

/* Create an error with a printf-style message (lowercase, no full stop). Owned. */
MS_MUST_CHECK struct ms_error *ms_error_create(enum ms_error_code code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prefix the message with "PREFIX: " (e.g. the input's name). Returns err. */
struct ms_error *ms_error_prefix(struct ms_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
enum ms_error_code ms_error_code(const struct ms_error *err);
/* Borrowed, valid until ms_error_destroy(). */
const char *ms_error_message(const struct ms_error *err);
/* Exit status for a code, from MS_ERROR_CODES. */
int ms_error_code_status(enum ms_error_code code);
/* Name ("USAGE") and meaning of a code, for documentation and tests. */
const char *ms_error_code_name(enum ms_error_code code);
const char *ms_error_code_text(enum ms_error_code code);
/* Free err. NULL and &ms_error_nomem are ignored. */
void ms_error_destroy(struct ms_error *err);

/*
 * Ask every long operation in progress to stop: it returns MS_ERR_LIMIT soon
 * after. Async-signal-safe (for a SIGALRM handler); ms_cancelled() tells.
 */
void ms_cancel(void);
bool ms_cancelled(void);

/* ---- Checked arithmetic on values that come from input -------------------- */

static inline bool ms_mul_u64(uint64_t a, uint64_t b, uint64_t *ret)
{
	return !__builtin_mul_overflow(a, b, ret);
}

static inline bool ms_add_u64(uint64_t a, uint64_t b, uint64_t *ret)
{
	return !__builtin_add_overflow(a, b, ret);
}

/* ---- Files ------------------------------------------------------------------ */

/*
 * Write path whole or not at all: write() fills a temporary file beside it
 * (mode 0666 less the umask), which is renamed to path at the end and removed
 * on any error, so path is never left partial. A path that is a device, a
 * FIFO or a socket (/dev/null, /dev/stdout) is written straight instead: a
 * rename would replace it. MS_ERR_IO naming path, or write()'s error.
 */
MS_MUST_CHECK struct ms_error *
ms_file_write_atomic(const char *path, struct ms_error *(*write)(FILE *f, const void *arg),
                     const void *arg);

/* ---- Architectures -------------------------------------------------------- */

enum ms_arch { MS_ARCH_AMD64, MS_ARCH_ARM64, MS_ARCH_386, MS_ARCH_ARM, MS_ARCH__COUNT };

struct ms_arch_info {
	const char *name;   /* as Go spells GOARCH: "amd64" */
	unsigned ptr_bytes; /* 8 or 4 */
	unsigned max_align; /* largest alignment of any Go type (RegSize): 8 or 4 */
	bool big_endian;
};

/* Borrowed, static. NULL if arch is out of range. */
const struct ms_arch_info *ms_arch_info(enum ms_arch arch);
/* Look up by GOARCH name; MS_ERR_UNSUPPORTED names the accepted ones. */
MS_MUST_CHECK struct ms_error *ms_arch_parse(const char *name, enum ms_arch *ret);

/* ---- Go versions ------------------------------------------------------------ */

/* Map implementation selected by a Go version and its build experiments. */
enum ms_map_impl {
	MS_IMPL_CLASSIC,     /* runtime/map.go buckets: 1.19-1.23, 1.24/1.25 noswissmap */
	MS_IMPL_SWISS,       /* internal/runtime/maps: 1.24+ */
	MS_IMPL_SWISS_SPLIT, /* 1.27 GOEXPERIMENT=mapsplitgroup: keys and elems apart */
	MS_IMPL_HASHTRIE,    /* sync.Map on 1.24+: internal/sync.HashTrieMap (not a Go map) */
	MS_IMPL__COUNT
};

/* A Go release plus the experiments that change map layout. */
struct ms_go_version {
	unsigned minor;     /* 19 for go1.19 */
	unsigned patch;     /* 0 when not given */
	bool noswissmap;    /* GOEXPERIMENT=noswissmap (1.24, 1.25 only) */
	bool mapsplitgroup; /* GOEXPERIMENT=mapsplitgroup (1.27+) */
	/* GOEXPERIMENT=nosynchashtriemap (1.24, 1.25 only): sync.Map keeps its
	 * read/dirty maps (src/sync/map.go) instead of internal/sync.HashTrieMap */
	bool nosynchashtriemap;
};

/*
 * Parse "1.23", "go1.23", "go1.23.5", optionally with experiments as the
 * runtime prints them ("go1.24.4 X:noswissmap", "go1.27.3-X:mapsplitgroup") or
 * as "1.24+noswissmap". Unknown or unsupported versions give MS_ERR_UNSUPPORTED
 * listing the supported range; an experiment that does not exist in that
 * version also does.
 */
MS_MUST_CHECK struct ms_error *ms_go_version_parse(const char *text, struct ms_go_version *ret);
/* Write "go1.24" or "go1.24+noswissmap" into buf (always NUL-terminated). */
void ms_go_version_format(const struct ms_go_version *v, char *buf, size_t len);
/*
 * Every supported configuration, in release order, including the experiment
 * variants. Borrowed, static; *ret_count receives the count.
 */
const struct ms_go_version *ms_go_versions(size_t *ret_count);
enum ms_map_impl ms_go_map_impl(const struct ms_go_version *v);
const char *ms_map_impl_name(enum ms_map_impl impl);

/* ---- Go types ---------------------------------------------------------------- */

/* Size, alignment and pointerness of a Go type on one architecture. */
struct ms_type_layout {
	uint64_t size_bytes;
	uint32_t align;
	bool has_pointers;
};

/* Named type definitions usable in type expressions ("User" -> struct{...}). */
struct ms_typeenv;

/* Create an empty environment (the predeclared types are always known). Owned. */
MS_MUST_CHECK struct ms_error *ms_typeenv_create(struct ms_typeenv **ret);
/*
 * Define NAME as the Go type expression EXPR ("struct{ID int64; Name string}")
 * or as an opaque type "opaque(SIZE[, ALIGN[, ptr]])" of known size, alignment
 * (default: the largest power of two <= min(SIZE, 8) dividing SIZE) and
 * pointerness. NAME may be qualified ("time.Time"). A later definition of the
 * same name replaces the earlier one. MS_ERR_TYPE on a malformed EXPR.
 */
MS_MUST_CHECK struct ms_error *ms_typeenv_define(struct ms_typeenv *env, const char *name,
                                                 const char *expr);
void ms_typeenv_destroy(struct ms_typeenv *env);

/* A parsed map type, resolved for one architecture. */
struct ms_map_type {
	char *name;                 /* owned: canonical text, "map[string]*main.User" */
	char *key_name, *elem_name; /* owned: canonical text of K and V */
	struct ms_type_layout key, elem;
};

/*
 * Parse a Go type expression that denotes a map ("map[string]*User", or a name
 * defined in env as a map type) and resolve K and V on arch. env may be NULL.
 * Errors are MS_ERR_TYPE with a message that names the 1-based column:
 * "column 5: unknown type 'strin'". A pointer to an unknown named type is
 * accepted (a pointer's size does not depend on its target).
 */
MS_MUST_CHECK struct ms_error *ms_map_type_parse(const char *text, const struct ms_typeenv *env,
                                                 enum ms_arch arch, struct ms_map_type *ret);
void ms_map_type_deinit(struct ms_map_type *type);

/*
 * Resolve any Go type expression (not only maps) on arch. For tests and for
 * --define checks. canonical may be NULL; if not, *canonical is owned.
 */
MS_MUST_CHECK struct ms_error *ms_type_parse(const char *text, const struct ms_typeenv *env,
                                             enum ms_arch arch, struct ms_type_layout *ret,
                                             char **ret_canonical);

/* ---- The allocator -------------------------------------------------------- */

/* What the Go heap really takes for one object of req_bytes (HeapAlloc's view). */
struct ms_alloc {
	uint64_t req_bytes;    /* what the runtime asked for */
	uint64_t header_bytes; /* malloc header (1.22+, pointerful, small, > ptr*ptr*8) */
	uint64_t slack_bytes;  /* size-class or page rounding */
	uint64_t total_bytes;  /* req + header + slack; 0 for a 0-byte request */
};

struct ms_alloc ms_alloc_object(const struct ms_go_version *v, enum ms_arch arch,
                                uint64_t req_bytes, bool has_pointers);
/*
 * runtime.roundupsize: the usable bytes the allocator hands out for req_bytes
 * (class size minus the malloc header where one applies; page-rounded when
 * large). Used by makeBucketArray and growslice.
 */
/*
 * Average heap bytes per object when many objects of req_bytes are allocated
 * one after another: as ms_alloc_object, except that pointer-free objects
 * under 16 bytes share 16-byte blocks (the tiny allocator, malloc.go).
 */
double ms_alloc_average(const struct ms_go_version *v, enum ms_arch arch, uint64_t req_bytes,
                        bool has_pointers);
uint64_t ms_alloc_roundup(const struct ms_go_version *v, enum ms_arch arch, uint64_t req_bytes,
                          bool has_pointers);

/* ---- Estimates ------------------------------------------------------------ */

/*
 * One named correction between the naive formula and the exact total.
 * ids are stable: scripts read them.
 */
struct ms_correction {
	const char *id;     /* static: "size-class-rounding" */
	const char *reason; /* static: one line */
	int64_t bytes;      /* signed */
};

#define MS_MAX_CORRECTIONS 24
/* Largest len a simulate script holds (2^26 entries: maps of several GiB). */
#define MS_MAX_LEN ((uint64_t)1 << 26)
/* Largest len an estimate takes (the analytic model), and the largest it simulates. */
#define MS_MAX_ESTIMATE_LEN ((uint64_t)1 << 40)
#define MS_MAX_SIM_LEN      ((uint64_t)1 << 32)
/* From this len on, seed-dependent estimates use the analytic model unless asked not to. */
#define MS_ANALYTIC_MIN_LEN ((uint64_t)1 << 16)

/* How an estimate is computed. */
enum ms_estimate_model {
	MS_MODEL_AUTO,      /* analytic from MS_ANALYTIC_MIN_LEN entries on, else simulated */
	MS_MODEL_SIMULATED, /* insert by insert, once per hash seed */
	MS_MODEL_ANALYTIC,  /* distributions of bucket and table loads, no per-insert work */
};
/* "simulated" or "analytic" (JSON field model). */
const char *ms_estimate_model_name(enum ms_estimate_model model);

struct ms_estimate_params {
	uint64_t len;  /* entries inserted (distinct keys) */
	uint64_t hint; /* make(map[K]V, hint); meaningful when has_hint */
	bool has_hint;
	uint64_t deleted; /* entries deleted after inserting len; <= len */
	uint64_t seed;    /* seeds the hash simulation; results are reproducible */
	/* Average bytes each key / value points to (string bytes, a *T's T), with
	 * whether those objects hold pointers; reported apart from the map's bytes. */
	uint64_t key_payload_bytes, elem_payload_bytes;
	bool key_payload_pointers, elem_payload_pointers;
	unsigned nseeds;              /* simulated runs for seed-dependent parts; 0 = automatic */
	enum ms_estimate_model model; /* MS_MODEL_AUTO (0) picks by len */
};

/* Structure of the map the estimate predicts (expected values where random). */
struct ms_estimate_shape {
	/* classic */
	unsigned B;
	uint64_t buckets;           /* 2^B */
	uint64_t bucket_bytes;      /* runtime bucketsize */
	uint64_t prealloc_overflow; /* preallocated overflow buckets in the array */
	double overflow_buckets;    /* expected overflow buckets in use (incl. prealloc) */
	double growing_probability; /* share of runs still evacuating at the end */
	/* swiss */
	bool small;     /* one group, no directory */
	double tables;  /* expected distinct tables */
	double dir_len; /* expected directory length */
	uint64_t group_bytes, slot_bytes;
	double groups; /* expected groups over all tables */
	/* both */
	bool key_indirect, elem_indirect;
	uint64_t capacity_slots; /* slots (main buckets or table slots), expected if random */
};

struct ms_estimate {
	struct ms_go_version go;
	enum ms_arch arch;
	enum ms_map_impl impl;
	uint64_t len;         /* entries in the map at the end: params.len - params.deleted */
	uint64_t naive_bytes; /* buckets*8 + (key+value)*len, buckets from load 6.5 */
	uint64_t naive_buckets;
	uint64_t total_bytes; /* expected: naive + sum of corrections, exactly */
	uint64_t total_low_bytes, total_high_bytes; /* spread over hash seeds */
	/* the largest total a simulated seed gave, and the totals' standard deviation
	 * (both total_bytes when exact) */
	uint64_t total_max_bytes, total_sd_bytes;
	bool exact;             /* true when no part depends on the hash seed */
	uint64_t live_kv_bytes; /* (key+value sizes) x len */
	uint64_t peak_bytes;    /* expected largest live footprint while inserting */
	uint64_t peak_low_bytes, peak_high_bytes; /* its spread over hash seeds */
	uint64_t payload_bytes;       /* what keys and values point to; not in total_bytes */
	unsigned nseeds;              /* simulated runs behind the expectation (0: none needed) */
	enum ms_estimate_model model; /* which ran: SIMULATED or ANALYTIC */
	struct ms_estimate_shape shape;
	size_t ncorrections;
	struct ms_correction corrections[MS_MAX_CORRECTIONS];
};

/*
 * Predict the heap bytes of a map[K]V built by inserting params->len distinct
 * keys (after make with params->hint if has_hint) and then deleting
 * params->deleted of them, on Go version v and arch. Fills ret completely.
 * Errors: MS_ERR_USAGE for deleted > len or absurd sizes.
 */
MS_MUST_CHECK struct ms_error *ms_estimate(const struct ms_map_type *type,
                                           const struct ms_go_version *v, enum ms_arch arch,
                                           const struct ms_estimate_params *params,
                                           struct ms_estimate *ret);

/* The number of entries whose expected total fits in budget_bytes (0 if none). */
MS_MUST_CHECK struct ms_error *ms_estimate_capacity(const struct ms_map_type *type,
                                                    const struct ms_go_version *v,
                                                    enum ms_arch arch,
                                                    const struct ms_estimate_params *params,
                                                    uint64_t budget_bytes, uint64_t *ret_len);

/* ---- Simulation: an operation history replayed through each Go version ----- */

/*
 * An operation script. The language (man mapsize, SIMULATE SCRIPTS):
 * statements separated by ';' or newlines, '#' to the end of a line:
 *   make HINT | insert N | delete oldest|newest|random N | update N | lookup N
 *   clear | checkpoint NAME | repeat N { ... }
 * Numbers: 1000, 1_000, 1e6. A trace (one operation on a named key per line:
 * set|insert|update|delete|get KEY, clear, make HINT, checkpoint NAME) is
 * parsed by ms_sim_trace_parse() into the same form.
 */
struct ms_sim_script;

/*
 * Parse text (len bytes; need not be NUL-terminated). origin names the input
 * in errors ("--ops", a file name): MS_ERR_USAGE, "ORIGIN: line L, column C:
 * WHAT". Owned result.
 */
MS_MUST_CHECK struct ms_error *ms_sim_script_parse(const char *text, size_t len, const char *origin,
                                                   struct ms_sim_script **ret);
MS_MUST_CHECK struct ms_error *ms_sim_trace_parse(const char *text, size_t len, const char *origin,
                                                  struct ms_sim_script **ret);
void ms_sim_script_destroy(struct ms_sim_script *s);
/* Operations the script performs when run (each key of "insert N" counts one). */
uint64_t ms_sim_script_ops(const struct ms_sim_script *s);

/* The structure of a simulated map at one moment. */
struct ms_sim_shape {
	uint64_t len;
	uint64_t held_bytes; /* everything the map keeps reachable (garbage collected) */
	uint64_t live_bytes; /* (key + value sizes) x len */
	/* classic */
	unsigned B;
	uint64_t overflow_buckets; /* in use, preallocated ones included, old array too */
	bool growing, same_size;
	uint64_t nevacuate;
	/* swiss */
	bool small;
	uint64_t tables, dir_len, capacity_slots, tombstones;
};

/* One checkpoint (or the final state) of one Go version, over several hash seeds. */
struct ms_sim_point {
	const char *name;              /* borrowed from the script; "final" for the last state */
	uint64_t ops;                  /* operations done before it */
	struct ms_sim_shape shape;     /* the median seed's outcome (by held_bytes) */
	struct ms_sim_shape low, high; /* field by field minimum and maximum over seeds */
};

#define MS_SIM_SERIES 256 /* samples of held bytes over time, per run */

struct ms_sim_run {
	struct ms_go_version go;
	enum ms_arch arch;
	enum ms_map_impl impl;
	unsigned nseeds;
	size_t npoints; /* checkpoints, in the order they were reached */
	struct ms_sim_point *points;
	struct ms_sim_point final;
	/* the largest held bytes at any moment, including inside a grow: median and spread */
	uint64_t peak_bytes, peak_low_bytes, peak_high_bytes;
	uint64_t peak_ops;              /* when the first seed's peak happened */
	struct ms_sim_shape peak_shape; /* its structure right after that operation */
	const char *peak_after;         /* the last checkpoint before it, or NULL */
	/* the first seed's held bytes sampled every series_step operations */
	size_t nseries;
	uint64_t series_step;
	uint64_t series_held[MS_SIM_SERIES + 1], series_len[MS_SIM_SERIES + 1];
};

struct ms_sim_params {
	uint64_t seed;   /* first hash seed; runs are reproducible */
	unsigned nseeds; /* 0: automatic (more for short scripts, at least 3) */
	/* Called now and then with the operations done and to do over all seeds (may be NULL). */
	void (*progress)(void *arg, const char *what, uint64_t done, uint64_t total);
	void *progress_arg;
};

/* Run script on Go version v and arch for map type type. ret is owned: _deinit it. */
MS_MUST_CHECK struct ms_error *ms_simulate(const struct ms_map_type *type,
                                           const struct ms_go_version *v, enum ms_arch arch,
                                           const struct ms_sim_script *script,
                                           const struct ms_sim_params *params,
                                           struct ms_sim_run *ret);
void ms_sim_run_deinit(struct ms_sim_run *r);

/* ---- Output ---------------------------------------------------------------- */

/* Version of every JSON document mapsize writes; fields are only ever added. */
#define MS_SCHEMA_VERSION 1

enum ms_format {
	MS_FORMAT_TEXT,
	MS_FORMAT_JSON,
	MS_FORMAT_NDJSON,     /* reports: one JSON object per map, then a summary object */
	MS_FORMAT_PROMETHEUS, /* reports: Prometheus/OpenMetrics text exposition */
	MS_FORMAT_HTML,       /* reports and diffs: one self-contained page */
	MS_FORMAT_PPROF,      /* reports and diffs: gzipped profile.proto (go tool pprof) */
	MS_FORMAT_FOLDED,     /* reports and diffs: folded stacks (flame graph tools) */
};

struct ms_emit_opts {
	bool exact_bytes; /* text: print exact byte counts instead of human units */
	bool color;       /* text: ANSI colour */
};

/*
 * Write one estimate (n == 1) or a side-by-side comparison of several (n > 1,
 * e.g. every Go version) for the same map type. Emitters only format: every
 * number comes from the estimate. MS_ERR_IO if writing fails.
 */
MS_MUST_CHECK struct ms_error *ms_emit_estimates(FILE *out, enum ms_format fmt,
                                                 const struct ms_map_type *type,
                                                 const struct ms_estimate *ests, size_t n,
                                                 const struct ms_emit_opts *opts);
/* Write the answer to "how many entries fit in budget_bytes". */
MS_MUST_CHECK struct ms_error *ms_emit_capacity(FILE *out, enum ms_format fmt,
                                                const struct ms_map_type *type,
                                                uint64_t budget_bytes, uint64_t max_len,
                                                const struct ms_estimate *at_max,
                                                const struct ms_emit_opts *opts);
/* Write the runs of one script on several Go versions side by side (mapsize simulate). */
MS_MUST_CHECK struct ms_error *ms_emit_simulation(FILE *out, enum ms_format fmt,
                                                  const struct ms_map_type *type,
                                                  const char *script_text,
                                                  const struct ms_sim_run *runs, size_t n,
                                                  const struct ms_emit_opts *opts);

/* ---- Inspecting a process (core dump, live process, recorded layout) ------- */

/* Where the bytes a map holds go; each a byte count, adding up to held_bytes. */
enum ms_held_part {
	MS_HELD_LIVE,       /* key+value bytes of occupied slots */
	MS_HELD_EMPTY,      /* key+value bytes of never-used or emptied slots */
	MS_HELD_DELETED,    /* key+value bytes of deleted slots (emptyOne, tombstones) */
	MS_HELD_TOPHASH,    /* classic: 8 tophash bytes per bucket */
	MS_HELD_CONTROL,    /* swiss: 8-byte control word per group */
	MS_HELD_PADDING,    /* swiss: padding inside slots and groups */
	MS_HELD_OVF_PTRS,   /* classic: the overflow pointer of every bucket */
	MS_HELD_OOL_KEYS,   /* separately allocated keys (> 128 bytes) */
	MS_HELD_OOL_ELEMS,  /* separately allocated values (> 128 bytes) */
	MS_HELD_HEADERS,    /* hmap, mapextra, Map and table structs */
	MS_HELD_DIRECTORY,  /* swiss: the directory of table pointers */
	MS_HELD_OVF_SLICE,  /* classic, pointer-free: mapextra.overflow slices */
	MS_HELD_GROWTH,     /* classic: old bucket array (and its overflow) while growing */
	MS_HELD_ROUNDING,   /* size-class and page rounding (the span's element size) */
	MS_HELD_MALLOC_HDR, /* 8-byte malloc headers (1.22+) */
	/* sync.Map only (0 for Go maps); its inner maps' bytes go to the parts above */
	MS_HELD_SYNC_ENTRIES, /* *entry objects and their value cells; HashTrieMap entry nodes */
	MS_HELD_BOXES,        /* objects the keys' and values' interface data words box */
	MS_HELD_TRIE_NODES,   /* HashTrieMap indirect nodes (root and inner) */
	MS_HELD__COUNT
};

/* Stable id ("live-entries", "size-class-rounding") of a part. Static. */
const char *ms_held_part_id(enum ms_held_part part);

/* How a map was found. */
enum ms_found_by {
	MS_FOUND_GLOBAL, /* typed path from a package-level variable */
	MS_FOUND_STACK,  /* header in a goroutine stack */
	MS_FOUND_HEAP,   /* heap scan: a header nothing typed reached */
	MS_FOUND_FRAME,  /* typed path from a live variable of a goroutine's frame */
	MS_FOUND__COUNT
};
const char *ms_found_by_name(enum ms_found_by by);

#define MS_CHAIN_HIST 16 /* classic chain lengths 0..14, and 15 or more */
#define MS_FILL_HIST  9  /* swiss groups with 0..8 full slots */

struct ms_table_report {
	uint64_t addr;
	uint16_t capacity, used, growth_left;
	uint8_t local_depth;
	uint64_t tombstones;
	uint64_t dir_refs; /* directory entries pointing here */
};

struct ms_map_report {
	uint64_t addr;              /* the header */
	char *type;                 /* owned: "map[string]int64", or "map[?]?" when unknown */
	char *key_type, *elem_type; /* owned; may be NULL */
	enum ms_map_impl impl;
	enum ms_found_by found_by;
	/* static: "dwarf", "runtime-type" (the runtime's type descriptors, no DWARF),
	 * "malloc-header", "span-type", "layout", "code" (of the types that fit, the only
	 * one the code holding the map loads; for a global word holding it, the one the
	 * functions using that word agree on) */
	const char *type_source;
	/* type_source "layout": the map types whose layout fits (type is "map[?]?" when
	 * more than one does; every number is the same for all of them) */
	char **type_candidates; /* owned */
	size_t ntype_candidates;
	char **paths; /* owned: shortest path first ("main.cache.byID"); npaths may be 0 */
	size_t npaths;
	/* owned: the package of the root that reached the map (a global's package, or the
	 * package of the function whose frame holds it); NULL when nothing typed did */
	char *package;
	uint64_t refs; /* references found to this header */
	char *where;   /* owned: "heap", "stack of goroutine 7 (main.worker)", "data" */
	uint64_t goid; /* stack maps */
	char *error;   /* owned: why the walk stopped (corrupt memory), NULL if complete */

	uint64_t len;        /* the header's count */
	uint64_t held_bytes; /* sum of the heap objects' real sizes (its parts: held) */
	/* what only a rebuild would give back: held minus the high end of a fresh map's
	 * spread over hash seeds (fresh_high_bytes), 0 when negative */
	uint64_t reclaimable_bytes;
	/* --retained (the heap graph, lib/target/heapgraph.h); valid when graph is set */
	bool graph;
	bool nested; /* inside what another reported map retains */
	/* type, key_type, elem_type, where and package are not owned: they are in the
	 * inspect report's string pool (one copy for all maps), freed with it */
	bool pooled;
	uint64_t payload_bytes;  /* heap objects its keys and values reach, transitively */
	uint64_t retained_bytes; /* heap objects only it keeps alive: storage and payload */

	/*
	 * The detail (struct ms_map_detail): kept packed, read it with
	 * ms_map_report_detail. Most of a report's bytes are zero for a small map: packed,
	 * the reports of 300,000 maps stay a fraction of inspect's peak. NULL: no detail
	 * (every member of it reads 0). Private: only report_pack.c reads or writes it.
	 */
	struct ms_map_detail_packed *detail; /* owned, with what the detail's pointers own */
};

/*
 * A map report's detail: what its walk counted, beside the core (struct
 * ms_map_report), which the summary, groups and views read. Read it with
 * ms_map_report_detail: a report keeps it packed, so no member of it can be
 * reached from the report itself.
 */
struct ms_map_detail {
	uint64_t occupied; /* full slots counted by walking */
	uint64_t capacity; /* slots: 8 x buckets (2^B), or table capacities */
	double load;       /* len / capacity */
	uint64_t empty_slots, deleted_slots;
	uint64_t key_bytes, elem_bytes; /* K' and V' in a slot */
	bool key_indirect, elem_indirect;
	bool has_pointers; /* the GC scans its buckets or groups */
	/* the header says a goroutine was inside a write to the map when its memory was read
	 * (classic hashWriting, Swiss Map.writing): what the write had done so far is seen, so
	 * len may differ from the entries counted by those in flight */
	bool writing;

	/*
	 * The classic-only and the Swiss-only fields share their memory (the reports
	 * of 300,000 maps are most of inspect's peak): read the classic block only when
	 * impl is MS_IMPL_CLASSIC, the Swiss block only when it is not. Zeroed, both
	 * read 0. Anonymous members: C11, and a GNU extension in C99 (__extension__).
	 */
	__extension__ union {
		struct { /* classic */
			unsigned B;
			bool growing, same_size_grow;
			uint64_t buckets; /* 2^B */
			uint64_t bucket_bytes;
			uint64_t buckets_alloc;    /* buckets in the array object, preallocated
			                              overflow included */
			uint64_t noverflow;        /* header's counter (sampled for B >= 16) */
			uint64_t overflow_buckets; /* linked from the current array's chains */
			uint64_t overflow_alloc;   /* of those, allocated one by one */
			uint32_t chain_hist[MS_CHAIN_HIST]; /* buckets: saturated at 2^32-1 */
			uint64_t max_chain;
			uint64_t buckets_with_overflow;
			uint64_t old_buckets, evacuated, nevacuate;
			uint64_t old_entries; /* entries still in unevacuated old buckets */
		};
		struct { /* swiss */
			bool small;
			uint64_t dir_len;
			unsigned global_depth;
			uint64_t group_bytes, slot_bytes;
			uint64_t groups;
			uint64_t tombstones;
			uint64_t growth_left;
			uint32_t fill_hist[MS_FILL_HIST]; /* groups: saturated at 2^32-1 */
		};
	};
	size_t ntables;                 /* distinct tables */
	struct ms_table_report *tables; /* owned */

	/* bytes */
	uint64_t held[MS_HELD__COUNT]; /* adding up to held_bytes */
	uint64_t stack_bytes;          /* header and group/bucket inside a goroutine stack */
	uint64_t nobjects;             /* heap objects held */
	uint64_t fresh_bytes;          /* a fresh map of the same len on the same Go (expected) */
	uint64_t fresh_high_bytes;     /* the high end of that spread (0: not estimated) */

	/* sync.Map (type "sync.Map"): NULL for Go maps; owned */
	struct ms_sync_report *sync;
};

/*
 * M's detail, unpacked into SCRATCH (returned): zeroed when M has none. Its pointers
 * (tables, sync) stay M's: valid while M is.
 */
const struct ms_map_detail *ms_map_report_detail(const struct ms_map_report *m,
                                                 struct ms_map_detail *scratch);

#define MS_TRIE_DEPTHS 17 /* HashTrieMap levels: 64-bit hash, 4 bits a level */

/*
 * A sync.Map: one report entry. impl classic (1.19-1.23: a read map and a dirty
 * map[any]*entry, both walked into this one report, never reported apart) or
 * hashtriemap (1.24+). len counts live entries (classic: distinct *entry with a
 * value, in read or dirty; hashtriemap: entry nodes, overflow chains included).
 */
struct ms_sync_report {
	/* classic */
	uint64_t read_map, dirty_map; /* header addresses; 0 when nil */
	uint64_t read_len, dirty_len; /* the inner maps' counts */
	bool amended;                 /* readOnly.amended: dirty holds keys read lacks */
	uint64_t entries;             /* distinct *entry objects */
	uint64_t deleted_entries;     /* entry.p nil: deleted, key still in read */
	uint64_t expunged_entries;    /* entry.p == expunged */
	/* hashtriemap */
	uint64_t indirect_nodes, entry_nodes, overflow_entries;
	uint64_t nodes_by_depth[MS_TRIE_DEPTHS]; /* indirect nodes at depth d (root 0) */
	uint64_t entries_by_depth[MS_TRIE_DEPTHS];
	/* both */
	uint64_t boxed_keys, boxed_values; /* interface data words pointing to a box */
};

struct ms_type_total {
	char *name; /* owned: a map type or a package */
	uint64_t maps, len, held_bytes, reclaimable_bytes;
};

/*
 * Typed pointers that claimed, for what they point at, a type other than the
 * one it has (summary.type_conflicts): against the type the runtime recorded for
 * the heap object (its malloc header or large span, Go 1.22+), which is then the
 * type it is followed as; or, where nothing is recorded, against the type an
 * earlier path claimed for the same address, which stays (the first wins).
 */
#define MS_MAX_TYPE_CONFLICT_EXAMPLES 4
struct ms_type_conflicts {
	uint64_t count;    /* distinct (address, claimed type) pairs in conflict */
	uint64_t recorded; /* of count, those against a type the runtime recorded */
	size_t nexamples;  /* the first ones met */
	struct ms_type_conflict {
		uint64_t addr;  /* where the pointer points */
		char *claimed;  /* owned: the type the pointer's own type claims */
		char *recorded; /* owned: the type it was followed as */
		char *source;   /* owned: "malloc-header", "span-type" (the runtime's record)
		                 * or "path" (an earlier path's claim, nothing recorded) */
		char *path;     /* owned: the pointer's path; "" if none */
	} examples[MS_MAX_TYPE_CONFLICT_EXAMPLES];
};

/* Free what conflicts own and zero it. */
void ms_type_conflicts_free(struct ms_type_conflicts *c);

/*
 * Repeats folded: the maps whose shortest paths differ only in indices and
 * keys (main.store.sessions[*].Attrs; maps without a path: where they live,
 * goroutine ids folded) and that have the same type. Every map of a report is
 * in exactly one group; most groups hold one map.
 */
struct ms_map_group {
	char *pattern; /* owned: "main.store.sessions[*].Attrs", "stack of goroutine * in main.f" */
	char *type;    /* owned */
	size_t nmaps;
	const struct ms_map_report **maps; /* owned array, borrowed maps: most held first */
	uint64_t len, held_bytes, reclaimable_bytes; /* totals */
	uint64_t len_min, len_median, len_max;       /* the spread over its maps */
	uint64_t held_min, held_median, held_max;
};

struct ms_inspect_report {
	char *source;     /* owned: the core's path or "pid 4242" */
	char *exe;        /* owned */
	char *go_version; /* owned: as the binary says it, "go1.24.4 X:noswissmap" */
	struct ms_go_version go;
	enum ms_arch arch;
	enum ms_map_impl impl;
	bool dwarf;          /* types and layouts came from DWARF */
	char *layout_source; /* owned: "dwarf", or "runtime metadata" (no DWARF: the type
	                      * descriptors and the version model's layouts) */
	int pid;
	bool truncated;    /* the core file is shorter than its segments say */
	bool consistent;   /* memory was read while the process stood still (always for cores) */
	uint64_t pause_ns; /* attach: how long the process was stopped */
	/* attach: "soft-dirty precopy", "stop and copy", "no-stop"; "" for cores */
	char attach_method[24];
	uint64_t copied_bytes; /* attach: bytes copied into the snapshot */
	uint64_t reread_bytes; /* attach: of those, the ones copied while it was stopped */
	/* goroutine frames as roots: goroutines whose stacks were read (0: none, or
	 * --no-stacks), the running ones, of those the ones found on a thread (their
	 * frames are roots), and of those the ones whose thread was on its M's system
	 * stack (runtime code: unwound from where the goroutine left its own stack);
	 * the goroutines unwound to their last frame */
	uint64_t goroutines, goroutines_running, goroutines_on_thread, goroutines_on_system_stack,
	    goroutines_unwound;
	struct ms_type_conflicts type_conflicts; /* none: count 0 */
	bool recorded;                           /* read back from a layout file */
	char *recorded_at; /* owned: when the layout was recorded (UTC, ISO 8601); may be NULL */
	size_t nmaps;
	struct ms_map_report **maps; /* owned (each one too), sorted by address */
	uint64_t streamed;           /* maps passed to opts->on_map instead of kept */
	/* streaming: the ten maps with the most held and most reclaimable bytes */
	struct ms_top_entry {
		uint64_t addr, bytes;
		char *type, *path; /* owned; path may be NULL */
	} top[2][10];
	size_t ntop[2];
	uint64_t found[MS_FOUND__COUNT];
	uint64_t heap_inuse_bytes; /* in-use spans of the Go heap */
	uint64_t total_held_bytes, total_reclaimable_bytes, total_len;
	/* --retained: graph is set; payload summed over maps (an object two maps reach counts
	 * twice), retained over the maps no other map retains (each object once) */
	bool graph;
	uint64_t total_payload_bytes, total_retained_bytes;
	uint64_t graph_objects, graph_edges, graph_bytes; /* its size, its memory at most */
	uint64_t graph_precise, graph_conservative; /* objects scanned by bitmap, word by word */
	uint64_t graph_stack_objects; /* address-taken locals scanned: live words reach them */
	double graph_s;               /* the time it took */
	size_t nby_type, nby_package;
	struct ms_type_total *by_type, *by_package; /* owned, by held bytes, descending */
	size_t nwarnings;
	char **warnings; /* owned */
	double elapsed_s;
	uint64_t walked_bytes; /* target bytes read */
	size_t ngroups;
	struct ms_map_group *groups; /* owned: repeats folded, by held bytes, descending */
	/* ms_inspect_report_filter (or opts->filter while streaming): the maps, groups and
	 * summary cover only the maps matching filter; the process had unfiltered_* */
	char *filter; /* owned; NULL: every map */
	uint64_t unfiltered_maps, unfiltered_held_bytes;
	struct ms_strpool *strings; /* owned, private: the strings its maps share (pooled) */
};

/* How attach copies a running process (see ms_inspect_live). */
enum ms_attach_method {
	MS_ATTACH_AUTO,       /* soft-dirty precopy, else uffd-wp precopy, else stop and copy */
	MS_ATTACH_SOFT_DIRTY, /* soft-dirty precopy, else stop and copy */
	MS_ATTACH_UFFD_WP,    /* uffd-wp precopy, else stop and copy */
	MS_ATTACH_STOP_COPY,  /* stop and copy: the same as no_clear_refs */
};

struct ms_inspect_opts {
	bool no_stop;       /* attach: read without stopping the process */
	bool no_clear_refs; /* attach: stop and copy, never reset the soft-dirty bits nor register
	                     * a userfaultfd (wins over attach_method) */
	enum ms_attach_method attach_method;
	bool no_heap_scan; /* only typed roots and stacks */
	bool no_stacks;
	bool no_dwarf;        /* ignore the executable's DWARF: types from the runtime's metadata */
	uint64_t max_objects; /* bound on traversal work (0: default) */
	bool retained;        /* build the heap graph: payload and retained bytes per map */
	void (*progress)(void *arg, const char *what, uint64_t done, uint64_t total);
	void *progress_arg;
	/*
	 * Streaming: when set, each map is passed here as soon as it has been
	 * walked (borrowed for the call) and not kept in the report: its maps
	 * array stays empty, its summary counts every map (see streamed). A map's
	 * refs and paths are those seen until it was walked. An error stops the run.
	 */
	struct ms_error *(*on_map)(void *arg, const struct ms_map_report *m);
	void *on_map_arg;
	/* streaming: only the maps matching this filter (ms_filter_match) are passed to
	 * on_map and counted in the summary; NULL: every map */
	const char *filter;
};

/*
 * Inspect the core dump at core_path of a process running exe_path. Checks
 * that they belong together (MS_ERR_FORMAT "... does not match ..."). With
 * exe_path NULL, the executable the core names, when it exists and matches
 * (else MS_ERR_USAGE naming the path). Damage
 * local to one map is reported in that map's error, not as a failure.
 * Owned: free with ms_inspect_report_destroy().
 */
MS_MUST_CHECK struct ms_error *ms_inspect_core(const char *core_path, const char *exe_path,
                                               const struct ms_inspect_opts *opts,
                                               struct ms_inspect_report **ret);
/*
 * Inspect the running process pid (its executable is /proc/PID/exe unless
 * exe_path says otherwise). Every thread is stopped with PTRACE_SEIZE and
 * PTRACE_INTERRUPT for as short a time as the reads take, and always
 * resumed, also on error; nothing is ever written to the process. Its
 * writable memory is copied into a snapshot first, while it runs, and it is
 * stopped only to re-read the pages written since (soft-dirty bits, reset
 * through /proc/PID/clear_refs; without soft-dirty, userfaultfd write-protect
 * in its asynchronous mode, found by PAGEMAP_SCAN); without either, or with
 * opts->no_clear_refs, it is stopped for the copy (opts->attach_method
 * chooses). With opts->no_stop
 * nothing is stopped and the report says it may be inconsistent. MS_ERR_TARGET when the process
 * cannot be attached to or exits during the read. Owned: ms_inspect_report_destroy().
 */
MS_MUST_CHECK struct ms_error *ms_inspect_live(int pid, const char *exe_path,
                                               const struct ms_inspect_opts *opts,
                                               struct ms_inspect_report **ret);
void ms_inspect_report_destroy(struct ms_inspect_report *r);
/*
 * NULL if the report is complete; else MS_ERR_INCOMPLETE saying why (maps
 * whose walk stopped on damaged memory, a truncated core). Owned.
 */
MS_MUST_CHECK struct ms_error *ms_inspect_report_complete(const struct ms_inspect_report *r);

/*
 * Write r as a recorded layout (man/mapsize-layout.5) to path, atomically: a
 * temporary file beside it, renamed at the end, removed on error. MS_ERR_IO.
 */
MS_MUST_CHECK struct ms_error *ms_layout_write(const char *path, const struct ms_inspect_report *r);
/*
 * Read a recorded layout, or a JSON report of inspect or attach, back into a
 * report. MS_ERR_IO if it cannot be read; MS_ERR_FORMAT naming the file and
 * the field for anything else wrong; MS_ERR_UNSUPPORTED for another schema
 * version. Owned: ms_inspect_report_destroy().
 */
MS_MUST_CHECK struct ms_error *ms_layout_read(const char *path, struct ms_inspect_report **ret);

/* ---- Comparing two reports --------------------------------------------------- */

enum ms_diff_status { MS_DIFF_CHANGED, MS_DIFF_SAME, MS_DIFF_APPEARED, MS_DIFF_DISAPPEARED };
const char *ms_diff_status_name(enum ms_diff_status s);

struct ms_diff_entry {
	char *key; /* owned: the shortest path, or the type for maps without one */
	enum ms_diff_status status;
	const struct ms_map_report *a, *b; /* borrowed from the reports; NULL when absent */
	int64_t delta_len, delta_held, delta_reclaimable;
	int64_t delta_waste; /* overflow buckets (classic) or tombstones (Swiss) */
	bool graph;          /* both reports have the heap graph (--retained) */
	int64_t delta_payload, delta_retained;
	/* both sides, another implementation: a Go upgrade (classic -> swiss, a sync.Map's
	 * classic -> hashtriemap); the status still follows the counts alone */
	bool impl_changed;
};

struct ms_diff {
	const struct ms_inspect_report *a, *b; /* borrowed */
	struct ms_diff_entry *entries;         /* owned, largest change in held bytes first */
	size_t n, cap;
	uint64_t counts[4]; /* by status */
	int64_t delta_held, delta_len, delta_reclaimable;
	bool graph; /* both reports have the heap graph: the totals' changes */
	int64_t delta_total_payload, delta_total_retained;
};

/*
 * Match the maps of a and b (by shortest path, then by type in address
 * order) and say what changed. The entries borrow from a and b, which must
 * outlive *ret. Free with ms_diff_deinit().
 */
MS_MUST_CHECK struct ms_error *ms_diff_reports(const struct ms_inspect_report *a,
                                               const struct ms_inspect_report *b,
                                               struct ms_diff *ret);
void ms_diff_deinit(struct ms_diff *d);
/* Write a diff as text or JSON. */
MS_MUST_CHECK struct ms_error *ms_emit_diff(FILE *out, enum ms_format fmt, const struct ms_diff *d,
                                            size_t top, const struct ms_emit_opts *opts);

/* Sorting and filtering of a report before it is printed. */
enum ms_sort_key { MS_SORT_HELD, MS_SORT_RECLAIMABLE, MS_SORT_LEN, MS_SORT_ADDR, MS_SORT_TYPE };
MS_MUST_CHECK struct ms_error *ms_sort_key_parse(const char *text, enum ms_sort_key *ret);

struct ms_report_view {
	enum ms_sort_key sort;
	size_t top;         /* 0: all; text, HTML and Prometheus: rows (a group is one row) */
	const char *filter; /* over type and paths ("*Session*", "map[uint32]*"); NULL: all */
};

/*
 * Does text match pattern? The pattern is literal except for '*', which
 * matches any run of characters (also none); it must match the whole text.
 */
bool ms_filter_match(const char *pattern, const char *text);
/* Does a map pass the view's filter (ms_filter_match on its type or any path)? */
bool ms_report_view_matches(const struct ms_report_view *v, const struct ms_map_report *m);
/*
 * Keep only the maps matching filter (as ms_report_view_matches) and make
 * the summary and groups cover them alone; the process's totals stay in
 * unfiltered_maps and unfiltered_held_bytes. A report whose maps streamed
 * past (opts->on_map) is cut while streaming (opts->filter): the same filter
 * again does nothing, another one is MS_ERR_USAGE.
 */
MS_MUST_CHECK struct ms_error *ms_inspect_report_filter(struct ms_inspect_report *r,
                                                        const char *filter);
/* One map as one NDJSON line ({"kind": "map", ...}), as --format ndjson writes it. */
MS_MUST_CHECK struct ms_error *ms_emit_ndjson_map(FILE *out, const struct ms_map_report *m);

/* Write an inspect report. Emitters only format. MS_ERR_IO if writing fails. */
MS_MUST_CHECK struct ms_error *ms_emit_inspect(FILE *out, enum ms_format fmt,
                                               const struct ms_inspect_report *r,
                                               const struct ms_report_view *view,
                                               const struct ms_emit_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* MAPSIZE_H */
