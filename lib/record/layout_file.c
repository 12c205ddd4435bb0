/* SPDX-License-Identifier: MIT */
/*
 * Recorded layouts (man/mapsize-layout.5): a report as a portable file, and
 * the reader that turns such a file (or an inspect JSON report) back into the
 * report model. The file is the inspect JSON document with "kind": "layout",
 * every map, and where it came from; replaying it prints exactly what inspect
 * printed. The reader trusts nothing: every field is type- and range-checked
 * and a damaged file is refused with what and where.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emit.h"
#include "json_stream.h"
#include "report.h"
#include "report_pack.h"

#define MAX_MAPS   (1u << 26)
#define MAX_TABLES (1u << 26)

struct reader {
	const char *path;
	char where[128]; /* "maps[12]" */
	struct ms_error *err;
};

__attribute__((format(printf, 2, 3))) static bool bad(struct reader *rd, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (rd->err)
		return false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rd->err = ms_error_create(MS_ERR_FORMAT, "'%s': %s%s%s", rd->path, rd->where,
	                          rd->where[0] ? ": " : "", msg);
	return false;
}

static bool get_u64(struct reader *rd, json_t *o, const char *key, bool required, uint64_t *ret)
{
	json_t *v = json_object_get(o, key);

	if (!v) {
		if (required)
			return bad(rd, "'%s' is missing", key);
		return true;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad(rd, "'%s' is not a non-negative integer", key);
	*ret = (uint64_t)json_integer_value(v);
	return true;
}

static bool get_bool(struct reader *rd, json_t *o, const char *key, bool *ret)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return true;
	if (!json_is_boolean(v))
		return bad(rd, "'%s' is not true or false", key);
	*ret = json_is_true(v);
	return true;
}

/* An owned copy of a string field; NULL stays NULL when null is allowed. */
static bool get_str(struct reader *rd, json_t *o, const char *key, bool nullable, char **ret)
{
	json_t *v = json_object_get(o, key);

	if (!v || (nullable && json_is_null(v))) {
		if (!nullable)
			return bad(rd, "'%s' is missing", key);
		*ret = NULL;
		return true;
	}
	if (!json_is_string(v))
		return bad(rd, "'%s' is not a string", key);
	*ret = strdup(json_string_value(v));
	if (!*ret) {
		rd->err = &ms_error_nomem;
		return false;
	}
	return true;
}

static bool get_hex(struct reader *rd, json_t *o, const char *key, uint64_t *ret)
{
	json_t *v = json_object_get(o, key);
	const char *s = v ? json_string_value(v) : NULL;
	char *end;

	if (!s || strncmp(s, "0x", 2) != 0 || !s[2])
		return bad(rd, "'%s' is not a hex address", key);
	errno = 0;
	*ret = strtoull(s + 2, &end, 16);
	if (*end || errno)
		return bad(rd, "'%s' is not a hex address", key);
	return true;
}

/* summary.type_conflicts (emit_inspect.c conflicts_json), examples beyond the first few dropped. */
static bool read_conflicts(struct reader *rd, json_t *sum, struct ms_inspect_report *r)
{
	json_t *c = json_object_get(sum, "type_conflicts"), *ex = json_object_get(c, "examples");
	struct ms_type_conflicts *tc = &r->type_conflicts;

	snprintf(rd->where, sizeof(rd->where), "summary.type_conflicts");
	if (!json_is_object(c) || !get_u64(rd, c, "count", true, &tc->count) ||
	    !get_u64(rd, c, "recorded", true, &tc->recorded))
		return rd->err ? false : bad(rd, "not an object");
	if (!json_is_array(ex))
		return bad(rd, "'examples' is not an array");
	for (size_t i = 0; i < json_array_size(ex) && i < MS_MAX_TYPE_CONFLICT_EXAMPLES; i++) {
		json_t *x = json_array_get(ex, i);
		struct ms_type_conflict *e = &tc->examples[tc->nexamples++];

		snprintf(rd->where, sizeof(rd->where), "summary.type_conflicts.examples[%zu]", i);
		if (!json_is_object(x))
			return bad(rd, "not an object");
		if (!get_hex(rd, x, "address", &e->addr) ||
		    !get_str(rd, x, "claimed", false, &e->claimed) ||
		    !get_str(rd, x, "recorded", false, &e->recorded) ||
		    !get_str(rd, x, "source", false, &e->source) ||
		    !get_str(rd, x, "path", false, &e->path))
			return false;
	}
	rd->where[0] = '\0';
	return true;
}

static bool get_hist(struct reader *rd, json_t *o, const char *key, uint64_t *h, size_t n)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	if (!a)
		return true;
	if (!json_is_array(a) || json_array_size(a) > n)
		return bad(rd, "'%s' is not an array of at most %zu counts", key, n);
	json_array_foreach(a, i, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return bad(rd, "'%s'[%zu] is not a count", key, i);
		h[i] = (uint64_t)json_integer_value(v);
	}
	return true;
}

/* A string that must be one of names[0..n); its index in *ret. */
static bool get_enum(struct reader *rd, json_t *o, const char *key, const char *(*name)(int), int n,
                     int *ret)
{
	const char *s = json_string_value(json_object_get(o, key));

	for (int i = 0; s && i < n; i++) {
		if (strcmp(s, name(i)) == 0) {
			*ret = i;
			return true;
		}
	}
	return bad(rd, "'%s' is not a known value", key);
}

static const char *impl_name(int i)
{
	return ms_map_impl_name((enum ms_map_impl)i);
}

static const char *found_name(int i)
{
	return ms_found_by_name((enum ms_found_by)i);
}

static const char *const type_sources[] = {"dwarf",  "malloc-header", "span-type",
                                           "layout", "runtime-type",  "code"};

static const char *type_source_name(int i)
{
	return type_sources[i];
}

/* Scalar map fields: JSON key, offset in a draft, width (8, 4 for unsigned, 1 for bool), block
 * (the union of struct ms_map_detail they live in: read only for maps of that impl). */
static const struct {
	const char *key;
	size_t off;
	unsigned width;
	enum { ANY, CLASSIC, SWISS } block;
} map_fields[] = {
#define FIELD(k, f, width, block)                                 \
	{                                                         \
		k, offsetof(struct ms_map_draft, f), width, block \
	}
#define U64(k, f)   FIELD(k, f, 8, ANY)
#define BOOL(k, f)  FIELD(k, f, 1, ANY)
#define CU64(k, f)  FIELD(k, f, 8, CLASSIC)
#define CBOOL(k, f) FIELD(k, f, 1, CLASSIC)
#define SU64(k, f)  FIELD(k, f, 8, SWISS)
#define SBOOL(k, f) FIELD(k, f, 1, SWISS)
    U64("refs", r.refs),
    U64("len", r.len),
    U64("occupied", d.occupied),
    U64("capacity_slots", d.capacity),
    U64("empty_slots", d.empty_slots),
    U64("deleted_slots", d.deleted_slots),
    U64("key_slot_bytes", d.key_bytes),
    U64("value_slot_bytes", d.elem_bytes),
    BOOL("key_indirect", d.key_indirect),
    BOOL("value_indirect", d.elem_indirect),
    BOOL("has_pointers", d.has_pointers),
    BOOL("write_in_progress", d.writing),
    CU64("buckets", d.buckets),
    CU64("bucket_bytes", d.bucket_bytes),
    CU64("buckets_allocated", d.buckets_alloc),
    CU64("noverflow", d.noverflow),
    CU64("overflow_buckets", d.overflow_buckets),
    CU64("overflow_buckets_allocated", d.overflow_alloc),
    CU64("buckets_with_overflow", d.buckets_with_overflow),
    CU64("max_chain", d.max_chain),
    CBOOL("growing", d.growing),
    CBOOL("same_size_grow", d.same_size_grow),
    CU64("old_buckets", d.old_buckets),
    CU64("evacuated", d.evacuated),
    CU64("nevacuate", d.nevacuate),
    CU64("old_entries", d.old_entries),
    SBOOL("small", d.small),
    SU64("dir_len", d.dir_len),
    SU64("group_bytes", d.group_bytes),
    SU64("slot_bytes", d.slot_bytes),
    SU64("groups", d.groups),
    SU64("tombstones", d.tombstones),
    SU64("growth_left", d.growth_left),
    U64("held_bytes", r.held_bytes),
    U64("heap_objects", d.nobjects),
    U64("stack_bytes", d.stack_bytes),
    U64("fresh_bytes", d.fresh_bytes),
    U64("reclaimable_bytes", r.reclaimable_bytes),
    U64("fresh_high_bytes", d.fresh_high_bytes),
    U64("goroutine", r.goid),
    U64("payload_bytes", r.payload_bytes),
    U64("retained_bytes", r.retained_bytes),
    BOOL("retained_nested", r.nested),
#undef U64
#undef CU64
#undef CBOOL
#undef SU64
#undef SBOOL
#undef BOOL
#undef FIELD
};

/* A map's histogram: 32-bit counts (buckets or groups). */
static bool get_hist32(struct reader *rd, json_t *o, const char *key, uint32_t *h, size_t n)
{
	uint64_t w[MS_CHAIN_HIST > MS_FILL_HIST ? MS_CHAIN_HIST : MS_FILL_HIST] = {0};

	if (!get_hist(rd, o, key, w, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (w[i] > UINT32_MAX)
			return bad(rd, "'%s'[%zu] is more than 4294967295", key, i);
		h[i] = (uint32_t)w[i];
	}
	return true;
}

static bool read_tables(struct reader *rd, json_t *o, struct ms_map_detail *d)
{
	json_t *a = json_object_get(o, "table_list"), *t;
	size_t i;

	if (!a)
		return true;
	if (!json_is_array(a) || json_array_size(a) > MAX_TABLES)
		return bad(rd, "'table_list' is not an array of tables");
	if (!json_array_size(a))
		return true;
	d->tables = calloc(json_array_size(a), sizeof(*d->tables));
	if (!d->tables) {
		rd->err = &ms_error_nomem;
		return false;
	}
	json_array_foreach(a, i, t)
	{
		struct ms_table_report *tr = &d->tables[i];
		uint64_t cap = 0, used = 0, gl = 0, depth = 0;

		if (!json_is_object(t) || !get_hex(rd, t, "address", &tr->addr) ||
		    !get_u64(rd, t, "capacity", true, &cap) ||
		    !get_u64(rd, t, "used", true, &used) ||
		    !get_u64(rd, t, "growth_left", true, &gl) ||
		    !get_u64(rd, t, "local_depth", true, &depth) ||
		    !get_u64(rd, t, "tombstones", true, &tr->tombstones) ||
		    !get_u64(rd, t, "dir_refs", true, &tr->dir_refs))
			return rd->err ? false : bad(rd, "table_list[%zu] is not a table", i);
		if (cap > 65535 || used > 65535 || gl > 65535 || depth > 255)
			return bad(rd, "table_list[%zu] has out-of-range fields", i);
		tr->capacity = (uint16_t)cap;
		tr->used = (uint16_t)used;
		tr->growth_left = (uint16_t)gl;
		tr->local_depth = (uint8_t)depth;
		d->ntables = i + 1;
	}
	return true;
}

static bool read_strings(struct reader *rd, json_t *o, const char *key, size_t max, char ***ret,
                         size_t *ret_n)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	if (!a)
		return true;
	if (!json_is_array(a) || json_array_size(a) > max)
		return bad(rd, "'%s' is not an array of at most %zu strings", key, max);
	*ret = calloc(json_array_size(a) ? json_array_size(a) : 1, sizeof(**ret));
	if (!*ret) {
		rd->err = &ms_error_nomem;
		return false;
	}
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v))
			return bad(rd, "'%s'[%zu] is not a string", key, i);
		(*ret)[i] = strdup(json_string_value(v));
		if (!(*ret)[i]) {
			rd->err = &ms_error_nomem;
			return false;
		}
		*ret_n = i + 1;
	}
	return true;
}

/* "sync_map": present for a sync.Map (type "sync.Map") only */
static bool read_sync(struct reader *rd, json_t *o, struct ms_map_detail *d)
{
	static const struct {
		const char *key;
		size_t off;
	} f[] = {
	    {"read_len", offsetof(struct ms_sync_report, read_len)},
	    {"dirty_len", offsetof(struct ms_sync_report, dirty_len)},
	    {"entries", offsetof(struct ms_sync_report, entries)},
	    {"deleted_entries", offsetof(struct ms_sync_report, deleted_entries)},
	    {"expunged_entries", offsetof(struct ms_sync_report, expunged_entries)},
	    {"indirect_nodes", offsetof(struct ms_sync_report, indirect_nodes)},
	    {"entry_nodes", offsetof(struct ms_sync_report, entry_nodes)},
	    {"overflow_entries", offsetof(struct ms_sync_report, overflow_entries)},
	    {"boxed_keys", offsetof(struct ms_sync_report, boxed_keys)},
	    {"boxed_values", offsetof(struct ms_sync_report, boxed_values)},
	};
	json_t *so = json_object_get(o, "sync_map");
	struct ms_sync_report *s;

	if (!so)
		return true;
	if (!json_is_object(so))
		return bad(rd, "'sync_map' is not an object");
	s = d->sync = calloc(1, sizeof(*d->sync));
	if (!s) {
		rd->err = &ms_error_nomem;
		return false;
	}
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!get_u64(rd, so, f[i].key, false, (uint64_t *)((char *)s + f[i].off)))
			return false;
	if ((json_object_get(so, "read_map") && !json_is_null(json_object_get(so, "read_map")) &&
	     !get_hex(rd, so, "read_map", &s->read_map)) ||
	    (json_object_get(so, "dirty_map") && !json_is_null(json_object_get(so, "dirty_map")) &&
	     !get_hex(rd, so, "dirty_map", &s->dirty_map)) ||
	    !get_bool(rd, so, "amended", &s->amended) ||
	    !get_hist(rd, so, "nodes_by_depth", s->nodes_by_depth, MS_TRIE_DEPTHS) ||
	    !get_hist(rd, so, "entries_by_depth", s->entries_by_depth, MS_TRIE_DEPTHS))
		return false;
	return true;
}

static bool read_map(struct reader *rd, json_t *o, struct ms_map_draft *dr)
{
	struct ms_map_report *m = &dr->r;
	struct ms_map_detail *d = &dr->d;
	json_t *held;
	int impl = 0, by = 0, src = 0;
	uint64_t B = 0, depth = 0;

	if (!json_is_object(o))
		return bad(rd, "not an object");
	if (!get_hex(rd, o, "address", &m->addr) || !get_str(rd, o, "type", false, &m->type) ||
	    !get_str(rd, o, "key_type", true, &m->key_type) ||
	    !get_str(rd, o, "value_type", true, &m->elem_type) ||
	    !get_str(rd, o, "where", false, &m->where) ||
	    !get_str(rd, o, "package", true, &m->package) ||
	    !get_str(rd, o, "error", true, &m->error) ||
	    !get_enum(rd, o, "impl", impl_name, MS_IMPL__COUNT, &impl) ||
	    !get_enum(rd, o, "found_by", found_name, MS_FOUND__COUNT, &by) ||
	    (json_object_get(o, "type_source") &&
	     !get_enum(rd, o, "type_source", type_source_name,
	               (int)(sizeof(type_sources) / sizeof(type_sources[0])), &src)) ||
	    !read_strings(rd, o, "paths", 8, &m->paths, &m->npaths) ||
	    !read_strings(rd, o, "type_candidates", 32, &m->type_candidates,
	                  &m->ntype_candidates) ||
	    !get_u64(rd, o, "B", false, &B) || !get_u64(rd, o, "global_depth", false, &depth))
		return false;
	m->impl = (enum ms_map_impl)impl;
	m->found_by = (enum ms_found_by)by;
	m->type_source = type_sources[src];
	if (B > 63 || depth > 63)
		return bad(rd, "'B' or 'global_depth' is out of range");
	if (m->impl == MS_IMPL_CLASSIC)
		d->B = (unsigned)B;
	else
		d->global_depth = (unsigned)depth;
	for (size_t i = 0; i < sizeof(map_fields) / sizeof(map_fields[0]); i++) {
		char *p = (char *)dr + map_fields[i].off;
		bool required = strcmp(map_fields[i].key, "len") == 0 ||
		                strcmp(map_fields[i].key, "held_bytes") == 0;

		if (map_fields[i].block != ANY &&
		    (map_fields[i].block == CLASSIC) != (m->impl == MS_IMPL_CLASSIC))
			continue; /* the other impl's block: absent, or 0 as written */

		if (map_fields[i].width == 1
		        ? !get_bool(rd, o, map_fields[i].key, (bool *)p)
		        : !get_u64(rd, o, map_fields[i].key, required, (uint64_t *)p))
			return false;
	}
	held = json_object_get(o, "held");
	/* --retained: both or neither */
	m->graph = json_object_get(o, "retained_bytes") != NULL;
	if (m->graph != (json_object_get(o, "payload_bytes") != NULL))
		return bad(rd, "'payload_bytes' and 'retained_bytes' come together");
	if (!json_is_object(held))
		return bad(rd, "'held' is missing");
	/* the sync.Map parts are absent from files written before they existed */
	for (int i = 0; i < MS_HELD__COUNT; i++)
		if (!get_u64(rd, held, ms_held_part_id((enum ms_held_part)i),
		             i < MS_HELD_SYNC_ENTRIES, &d->held[i]))
			return false;
	if (!read_sync(rd, o, d))
		return false;
	if ((m->impl == MS_IMPL_CLASSIC
	         ? !get_hist32(rd, o, "chain_histogram", d->chain_hist, MS_CHAIN_HIST)
	         : !get_hist32(rd, o, "group_fill_histogram", d->fill_hist, MS_FILL_HIST)) ||
	    !read_tables(rd, o, d))
		return false;
	if (m->impl != MS_IMPL_CLASSIC && d->ntables == 0 && json_object_get(o, "tables") &&
	    json_integer_value(json_object_get(o, "tables")) != 0)
		return bad(rd, "'tables' says %lld but 'table_list' is empty",
		           (long long)json_integer_value(json_object_get(o, "tables")));
	d->load = d->capacity ? (double)m->len / (double)d->capacity : 0;
	return true;
}

static bool read_top(struct reader *rd, json_t *doc, struct ms_inspect_report *r)
{
	json_t *sum = json_object_get(doc, "summary"), *w, *v;
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	uint64_t sv = 0, pid = 0;
	int impl = 0;
	size_t i;

	if (!get_u64(rd, doc, "schema_version", true, &sv))
		return false;
	if (sv != MS_SCHEMA_VERSION) {
		rd->err =
		    ms_error_create(MS_ERR_UNSUPPORTED,
		                    "'%s': schema_version %llu is not supported (this mapsize "
		                    "reads %d)",
		                    rd->path, (unsigned long long)sv, MS_SCHEMA_VERSION);
		return false;
	}
	if (!kind || (strcmp(kind, "layout") != 0 && strcmp(kind, "inspect") != 0))
		return bad(rd, "not a mapsize layout or inspect report (kind is %s)",
		           kind ? kind : "missing");
	r->recorded = strcmp(kind, "layout") == 0;
	if (!get_str(rd, doc, "source", false, &r->source) ||
	    !get_str(rd, doc, "exe", false, &r->exe) ||
	    !get_str(rd, doc, "go_version", false, &r->go_version) ||
	    !get_str(rd, doc, "layout_source", false, &r->layout_source) ||
	    !get_str(rd, doc, "recorded_at", true, &r->recorded_at) ||
	    !get_u64(rd, doc, "pid", false, &pid) ||
	    !get_bool(rd, doc, "truncated", &r->truncated) ||
	    !get_bool(rd, doc, "consistent", &r->consistent) ||
	    !get_enum(rd, doc, "impl", impl_name, MS_IMPL__COUNT, &impl))
		return false;
	if (json_object_get(doc, "consistent") == NULL)
		r->consistent = true;
	if (pid > (uint64_t)1 << 31)
		return bad(rd, "'pid' is out of range");
	r->pid = (int)pid;
	r->impl = (enum ms_map_impl)impl;
	if (!json_is_string(json_object_get(doc, "arch")) || ms_error_code_status(MS_ERR_USAGE) < 0)
		return bad(rd, "'arch' is missing");
	{
		struct ms_error *e =
		    ms_arch_parse(json_string_value(json_object_get(doc, "arch")), &r->arch);
		if (!e)
			e = ms_go_version_parse(r->go_version, &r->go);
		if (e) {
			rd->err = ms_error_prefix(e, "'%s'", rd->path);
			return false;
		}
	}
	if (!json_is_object(sum) ||
	    !get_u64(rd, sum, "heap_inuse_bytes", false, &r->heap_inuse_bytes) ||
	    !get_u64(rd, sum, "bytes_read", false, &r->walked_bytes) ||
	    !get_u64(rd, sum, "pause_ns", false, &r->pause_ns) ||
	    !get_u64(rd, sum, "copied_bytes", false, &r->copied_bytes) ||
	    !get_u64(rd, sum, "reread_bytes", false, &r->reread_bytes))
		return rd->err ? false : bad(rd, "'summary' is missing");
	v = json_object_get(sum, "attach_method");
	if (v && (!json_is_string(v) || json_string_length(v) >= sizeof(r->attach_method)))
		return bad(rd, "'summary.attach_method' is not a method's name");
	if (v)
		snprintf(r->attach_method, sizeof(r->attach_method), "%s", json_string_value(v));
	v = json_object_get(sum, "elapsed_seconds");
	if (v && !json_is_number(v))
		return bad(rd, "'summary.elapsed_seconds' is not a number");
	if (json_object_get(sum, "goroutines")) {
		json_t *g = json_object_get(sum, "goroutines");

		snprintf(rd->where, sizeof(rd->where), "summary.goroutines");
		if (!json_is_object(g) || !get_u64(rd, g, "count", true, &r->goroutines) ||
		    !get_u64(rd, g, "unwound", true, &r->goroutines_unwound) ||
		    !get_u64(rd, g, "running", true, &r->goroutines_running) ||
		    !get_u64(rd, g, "running_on_thread", true, &r->goroutines_on_thread) ||
		    !get_u64(rd, g, "running_on_system_stack", true,
		             &r->goroutines_on_system_stack))
			return rd->err ? false
			               : bad(rd, "'summary.goroutines' is not a goroutine count");
		rd->where[0] = '\0';
	}
	if (json_object_get(sum, "type_conflicts") && !read_conflicts(rd, sum, r))
		return false;
	if (json_object_get(sum, "heap_graph")) { /* --retained */
		json_t *hg = json_object_get(sum, "heap_graph"),
		       *sec = json_object_get(hg, "seconds");

		snprintf(rd->where, sizeof(rd->where), "summary.heap_graph");
		if (!json_is_object(hg) || !get_u64(rd, hg, "objects", true, &r->graph_objects) ||
		    !get_u64(rd, hg, "edges", true, &r->graph_edges) ||
		    !get_u64(rd, hg, "memory_bytes", true, &r->graph_bytes) ||
		    !get_u64(rd, hg, "scanned_by_bitmap", true, &r->graph_precise) ||
		    !get_u64(rd, hg, "scanned_conservatively", true, &r->graph_conservative) ||
		    !get_u64(rd, hg, "stack_objects", false, &r->graph_stack_objects) ||
		    !json_is_number(sec))
			return rd->err ? false
			               : bad(rd, "'summary.heap_graph' is not a heap graph");
		rd->where[0] = '\0';
		r->graph = true;
		r->graph_s = json_number_value(sec);
	}
	r->elapsed_s = v ? json_number_value(v) : 0;
	w = json_object_get(doc, "warnings");
	if (w && !json_is_array(w))
		return bad(rd, "'warnings' is not an array");
	if (w && json_array_size(w)) {
		r->warnings = calloc(json_array_size(w), sizeof(*r->warnings));
		if (!r->warnings) {
			rd->err = &ms_error_nomem;
			return false;
		}
		json_array_foreach(w, i, v)
		{
			if (!json_is_string(v))
				return bad(rd, "warnings[%zu] is not a string", i);
			r->warnings[i] = strdup(json_string_value(v));
			if (!r->warnings[i]) {
				rd->err = &ms_error_nomem;
				return false;
			}
			r->nwarnings = i + 1;
		}
	}
	return true;
}

/*
 * The error of a file the stream reader could not read as JSON: jansson's, on the whole
 * file, as the reader always said it (the line and what is wrong); or, when jansson takes
 * it, what the stream reader stopped at. Only damaged files get here.
 */
static struct ms_error *whole_file_error(struct reader *rd, bool nomem)
{
	json_error_t jerr;
	json_t *doc;

	if (nomem)
		return &ms_error_nomem;
	doc = json_load_file(rd->path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		if (access(rd->path, R_OK) != 0)
			return ms_error_create(MS_ERR_IO, "'%s': %s", rd->path, strerror(errno));
		return ms_error_create(MS_ERR_FORMAT, "'%s': not a mapsize layout: line %d: %s",
		                       rd->path, jerr.line, jerr.text);
	}
	rd->where[0] = '\0';
	if (!json_is_object(doc))
		bad(rd, "not a mapsize layout (not a JSON object)");
	else
		bad(rd, "not a mapsize layout (unreadable)");
	json_decref(doc);
	return rd->err;
}

/* Pool a map's strings in the report's pool: one copy for all maps, as inspect keeps them. */
static bool pool_map_strings(struct reader *rd, struct ms_inspect_report *r,
                             struct ms_map_report *m)
{
	char **s[] = {&m->type, &m->key_type, &m->elem_type, &m->where, &m->package};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		char *p = *s[i] ? ms_report_pool_str(r, *s[i]) : NULL;

		if (*s[i] && !p) {
			rd->err = &ms_error_nomem;
			return false;
		}
		free(*s[i]);
		*s[i] = p;
	}
	m->pooled = true;
	return true;
}

/* maps[i] into r->maps, its detail packed as inspect keeps it. */
static bool add_map(struct reader *rd, json_t *o, size_t i, struct ms_inspect_report *r,
                    size_t *cap)
{
	struct ms_map_draft *dr;

	snprintf(rd->where, sizeof(rd->where), "maps[%zu]", i);
	if (i >= MAX_MAPS) {
		rd->where[0] = '\0';
		return bad(rd, "'maps' is not an array");
	}
	if (r->nmaps == *cap) {
		size_t ncap = *cap ? 2 * *cap : 64;
		struct ms_map_report **n = realloc(r->maps, ncap * sizeof(*n));

		if (!n) {
			rd->err = &ms_error_nomem;
			return false;
		}
		r->maps = n;
		*cap = ncap;
	}
	if (!(dr = calloc(1, sizeof(*dr)))) {
		rd->err = &ms_error_nomem;
		return false;
	}
	if (read_map(rd, o, dr) && pool_map_strings(rd, r, &dr->r))
		rd->err = ms_map_draft_seal(&dr, &r->maps[r->nmaps]);
	ms_map_draft_destroy(dr); /* NULL once sealed */
	if (rd->err)
		return false;
	r->nmaps++;
	return true;
}

/* The members read_top reads; the others are checked and dropped. */
static bool top_member(const char *key)
{
	static const char *const keys[] = {"schema_version", "kind",          "source",      "exe",
	                                   "go_version",     "layout_source", "recorded_at", "pid",
	                                   "truncated",      "consistent",    "impl",        "arch",
	                                   "summary",        "warnings"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return false;
}

/*
 * The document, its members in any order: every member but "maps" into TOP (those
 * read_top reads) or checked and dropped; the maps one at a time into R. A damaged map
 * stops the maps (*MAP_ERR) but not the reading: what jansson would refuse in the
 * rest of the file, and then the top members, are named first, as when the whole file
 * was one tree. False when the bytes are not one JSON object (JS->failed).
 */
static bool read_doc(struct reader *rd, struct ms_jstream *js, json_t *top, json_t *seen,
                     struct ms_inspect_report *r, bool *maps_array, struct ms_error **map_err)
{
	size_t cap = 0;

	if (!ms_jstream_take(js, '{'))
		return false;
	if (ms_jstream_take(js, '}'))
		return ms_jstream_peek(js) < 0 && !js->failed;
	do {
		json_t *k = ms_jstream_value(js), *v;
		const char *key = json_string_value(k);
		bool ok;

		if (!key || json_object_get(seen, key) || !ms_jstream_take(js, ':') ||
		    json_object_set_new(seen, key, json_null())) {
			json_decref(k);
			js->failed = true;
			return false;
		}
		if (strcmp(key, "maps") == 0 && ms_jstream_peek(js) == '[') {
			size_t i = 0;

			ms_jstream_take(js, '[');
			*maps_array = true;
			ok = ms_jstream_take(js, ']');
			while (!ok && (v = ms_jstream_value(js))) {
				if (!*map_err && !add_map(rd, v, i++, r, &cap)) {
					*map_err = rd->err;
					rd->err = NULL;
				}
				json_decref(v);
				if (!ms_jstream_take(js, ',')) {
					ok = ms_jstream_take(js, ']');
					break;
				}
			}
			if (!ok)
				js->failed = true;
		} else if (strcmp(key, "maps") == 0 || top_member(key)) {
			v = ms_jstream_value(js);
			ok = v && !json_object_set_new(top, key, v);
		} else {
			ok = ms_jstream_skip(js);
		}
		json_decref(k);
		if (!ok) {
			js->failed = true;
			return false;
		}
	} while (ms_jstream_take(js, ','));
	if (!ms_jstream_take(js, '}') || ms_jstream_peek(js) >= 0 || js->failed) {
		js->failed = true;
		return false;
	}
	return true;
}

struct ms_error *ms_layout_read(const char *path, struct ms_inspect_report **ret)
{
	struct reader rd = {.path = path};
	struct ms_inspect_report *r = calloc(1, sizeof(*r));
	json_t *top = json_object(), *seen = json_object();
	struct ms_error *map_err = NULL;
	struct ms_jstream js;
	bool maps_array = false;
	FILE *f = fopen(path, "rb");

	if (!r || !top || !seen) {
		free(r);
		json_decref(top);
		json_decref(seen);
		if (f)
			fclose(f);
		return &ms_error_nomem;
	}
	if (!f) {
		rd.err = ms_error_create(MS_ERR_IO, "'%s': %s", path, strerror(errno));
		goto out;
	}
	ms_jstream_init(&js, f);
	if (!read_doc(&rd, &js, top, seen, r, &maps_array, &map_err))
		rd.err = whole_file_error(&rd, js.nomem);
	rd.where[0] = '\0';
	/* as when the file was one tree: the top members first, then the maps */
	if (!rd.err && read_top(&rd, top, r)) {
		if (map_err) {
			rd.err = map_err;
			map_err = NULL;
		} else if (!maps_array) {
			bad(&rd, "'maps' is not an array");
		}
	}
	ms_jstream_deinit(&js);
	fclose(f);
	if (!rd.err) {
		rd.where[0] = '\0';
		rd.err = ms_report_summarize(r);
	}
out:
	ms_error_destroy(map_err);
	json_decref(top);
	json_decref(seen);
	if (rd.err) {
		ms_inspect_report_destroy(r);
		return rd.err;
	}
	*ret = r;
	return NULL;
}

static struct ms_error *write_layout(FILE *f, const void *r)
{
	return ms_emit_layout_json(f, r);
}

struct ms_error *ms_layout_write(const char *path, const struct ms_inspect_report *r)
{
	return ms_file_write_atomic(path, write_layout, r);
}
