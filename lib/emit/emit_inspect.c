/* SPDX-License-Identifier: MIT */
/*
 * Emitters of the inspect report: JSON (doc/schema/inspect.schema.json) and
 * text. They format only; every number comes from the report.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "format.h"
#include "report.h"

static const struct ms_report_view *sort_view;

static int cmp_view(const void *a, const void *b)
{
	const struct ms_map_report *x = *(const struct ms_map_report *const *)a;
	const struct ms_map_report *y = *(const struct ms_map_report *const *)b;
	int c;

	switch (sort_view->sort) {
	case MS_SORT_HELD:
		if (x->held_bytes != y->held_bytes)
			return x->held_bytes > y->held_bytes ? -1 : 1;
		break;
	case MS_SORT_RECLAIMABLE:
		if (x->reclaimable_bytes != y->reclaimable_bytes)
			return x->reclaimable_bytes > y->reclaimable_bytes ? -1 : 1;
		break;
	case MS_SORT_LEN:
		if (x->len != y->len)
			return x->len > y->len ? -1 : 1;
		break;
	case MS_SORT_TYPE:
		c = strcmp(x->type, y->type);
		if (c)
			return c;
		break;
	case MS_SORT_ADDR:
		break;
	}
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The maps to show, in the view's order. Owned array of borrowed pointers. */
static const struct ms_map_report **view_maps(const struct ms_inspect_report *r,
                                              const struct ms_report_view *v, size_t *ret_n)
{
	const struct ms_map_report **sel = calloc(r->nmaps ? r->nmaps : 1, sizeof(*sel));
	size_t n = 0;

	if (!sel)
		return NULL;
	for (size_t i = 0; i < r->nmaps; i++)
		if (ms_view_matches(v, r->maps[i]))
			sel[n++] = r->maps[i];
	sort_view = v;
	if (n)
		qsort(sel, n, sizeof(*sel), cmp_view);
	if (v->top && n > v->top)
		n = v->top;
	*ret_n = n;
	return sel;
}

/* ---- JSON ---- */

static json_t *juint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v);
}

static json_t *hist_json(const uint64_t *h, size_t n);

/* A sync.Map's own counts ("sync_map"): classic or hashtriemap fields, by impl. */
static json_t *sync_json(const struct ms_map_report *m)
{
	const struct ms_sync_report *s = m->sync;
	json_t *o = json_object();
	char addr[32];

	if (m->impl == MS_IMPL_HASHTRIE) {
		size_t n = MS_TRIE_DEPTHS;

		while (n && !s->nodes_by_depth[n - 1] && !s->entries_by_depth[n - 1])
			n--;
		set(o, "indirect_nodes", juint(s->indirect_nodes));
		set(o, "entry_nodes", juint(s->entry_nodes));
		set(o, "overflow_entries", juint(s->overflow_entries));
		set(o, "nodes_by_depth", hist_json(s->nodes_by_depth, n));
		set(o, "entries_by_depth", hist_json(s->entries_by_depth, n));
	} else {
		snprintf(addr, sizeof(addr), "0x%" PRIx64, s->read_map);
		set(o, "read_map", s->read_map ? json_string(addr) : json_null());
		snprintf(addr, sizeof(addr), "0x%" PRIx64, s->dirty_map);
		set(o, "dirty_map", s->dirty_map ? json_string(addr) : json_null());
		set(o, "read_len", juint(s->read_len));
		set(o, "dirty_len", juint(s->dirty_len));
		set(o, "amended", json_boolean(s->amended));
		set(o, "entries", juint(s->entries));
		set(o, "deleted_entries", juint(s->deleted_entries));
		set(o, "expunged_entries", juint(s->expunged_entries));
	}
	set(o, "boxed_keys", juint(s->boxed_keys));
	set(o, "boxed_values", juint(s->boxed_values));
	return o;
}

static json_t *hist_json(const uint64_t *h, size_t n)
{
	json_t *a = json_array();
	size_t last = 0;

	for (size_t i = 0; i < n; i++)
		if (h[i])
			last = i + 1;
	for (size_t i = 0; i < last; i++)
		json_array_append_new(a, juint(h[i]));
	return a;
}

static json_t *map_json(const struct ms_map_report *m)
{
	json_t *o = json_object(), *paths = json_array(), *held = json_object();
	char addr[32];

	snprintf(addr, sizeof(addr), "0x%" PRIx64, m->addr);
	set(o, "address", json_string(addr));
	set(o, "type", json_string(m->type));
	set(o, "key_type", m->key_type ? json_string(m->key_type) : json_null());
	set(o, "value_type", m->elem_type ? json_string(m->elem_type) : json_null());
	set(o, "impl", json_string(ms_map_impl_name(m->impl)));
	set(o, "found_by", json_string(ms_found_by_name(m->found_by)));
	set(o, "type_source", json_string(m->type_source ? m->type_source : "dwarf"));
	if (m->ntype_candidates) {
		json_t *c = json_array();

		for (size_t i = 0; i < m->ntype_candidates; i++)
			json_array_append_new(c, json_string(m->type_candidates[i]));
		set(o, "type_candidates", c);
	}
	for (size_t i = 0; i < m->npaths; i++)
		json_array_append_new(paths, json_string(m->paths[i]));
	set(o, "paths", paths);
	set(o, "package", m->package ? json_string(m->package) : json_null());
	set(o, "refs", juint(m->refs));
	set(o, "where", json_string(m->where));
	if (m->found_by == MS_FOUND_STACK || m->goid)
		set(o, "goroutine", juint(m->goid));
	set(o, "len", juint(m->len));
	set(o, "occupied", juint(m->occupied));
	set(o, "capacity_slots", juint(m->capacity));
	set(o, "load", json_real(m->load));
	set(o, "empty_slots", juint(m->empty_slots));
	set(o, "deleted_slots", juint(m->deleted_slots));
	set(o, "key_slot_bytes", juint(m->key_bytes));
	set(o, "value_slot_bytes", juint(m->elem_bytes));
	set(o, "key_indirect", json_boolean(m->key_indirect));
	set(o, "value_indirect", json_boolean(m->elem_indirect));
	set(o, "has_pointers", json_boolean(m->has_pointers));
	if (m->impl == MS_IMPL_CLASSIC) {
		set(o, "B", juint(m->B));
		set(o, "buckets", juint(m->buckets));
		set(o, "bucket_bytes", juint(m->bucket_bytes));
		set(o, "buckets_allocated", juint(m->buckets_alloc));
		set(o, "noverflow", juint(m->noverflow));
		set(o, "overflow_buckets", juint(m->overflow_buckets));
		set(o, "overflow_buckets_allocated", juint(m->overflow_alloc));
		set(o, "overflow_density",
		    json_real(m->buckets ? (double)m->overflow_buckets / (double)m->buckets : 0));
		set(o, "buckets_with_overflow", juint(m->buckets_with_overflow));
		set(o, "overflow_share",
		    json_real(m->buckets ? (double)m->buckets_with_overflow / (double)m->buckets
		                         : 0));
		set(o, "chain_histogram", hist_json(m->chain_hist, MS_CHAIN_HIST));
		set(o, "max_chain", juint(m->max_chain));
		set(o, "growing", json_boolean(m->growing));
		set(o, "same_size_grow", json_boolean(m->same_size_grow));
		set(o, "old_buckets", juint(m->old_buckets));
		set(o, "evacuated", juint(m->evacuated));
		set(o, "nevacuate", juint(m->nevacuate));
		set(o, "old_entries", juint(m->old_entries));
	} else if (m->impl != MS_IMPL_HASHTRIE) {
		json_t *tables = json_array();

		set(o, "small", json_boolean(m->small));
		set(o, "dir_len", juint(m->dir_len));
		set(o, "global_depth", juint(m->global_depth));
		set(o, "tables", juint(m->ntables));
		set(o, "group_bytes", juint(m->group_bytes));
		if (m->impl == MS_IMPL_SWISS)
			set(o, "slot_bytes", juint(m->slot_bytes));
		set(o, "groups", juint(m->groups));
		set(o, "tombstones", juint(m->tombstones));
		set(o, "growth_left", juint(m->growth_left));
		set(o, "group_fill_histogram", hist_json(m->fill_hist, MS_FILL_HIST));
		for (size_t i = 0; i < m->ntables; i++) {
			const struct ms_table_report *t = &m->tables[i];
			json_t *to = json_object();

			snprintf(addr, sizeof(addr), "0x%" PRIx64, t->addr);
			set(to, "address", json_string(addr));
			set(to, "capacity", juint(t->capacity));
			set(to, "used", juint(t->used));
			set(to, "growth_left", juint(t->growth_left));
			set(to, "local_depth", juint(t->local_depth));
			set(to, "tombstones", juint(t->tombstones));
			set(to, "dir_refs", juint(t->dir_refs));
			json_array_append_new(tables, to);
		}
		set(o, "table_list", tables);
	}
	if (m->sync)
		set(o, "sync_map", sync_json(m));
	set(o, "held_bytes", juint(m->held_bytes));
	for (int i = 0; i < MS_HELD__COUNT; i++)
		set(held, ms_held_part_id((enum ms_held_part)i), juint(m->held[i]));
	set(o, "held", held);
	set(o, "heap_objects", juint(m->nobjects));
	set(o, "stack_bytes", juint(m->stack_bytes));
	set(o, "live_bytes", juint(m->held[MS_HELD_LIVE]));
	set(o, "fresh_bytes", juint(m->fresh_bytes));
	set(o, "reclaimable_bytes", juint(m->reclaimable_bytes));
	set(o, "error", m->error ? json_string(m->error) : json_null());
	return o;
}

static json_t *totals_json(const struct ms_type_total *t, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		set(o, "name", json_string(t[i].name));
		set(o, "maps", juint(t[i].maps));
		set(o, "len", juint(t[i].len));
		set(o, "held_bytes", juint(t[i].held_bytes));
		set(o, "reclaimable_bytes", juint(t[i].reclaimable_bytes));
		json_array_append_new(a, o);
	}
	return a;
}

/* The ten maps with the most held (or reclaimable) bytes, for the summary. */
static json_t *top_json(const struct ms_inspect_report *r, enum ms_sort_key key)
{
	struct ms_report_view v = {key, 10, NULL};
	size_t n;
	const struct ms_map_report **sel = view_maps(r, &v, &n);
	json_t *a = json_array();
	char addr[32];
	int kind = key == MS_SORT_HELD ? 0 : 1;

	/* maps that streamed past are gone; their ten biggest were kept */
	for (size_t i = 0; r->streamed && i < r->ntop[kind]; i++) {
		const struct ms_top_entry *t = &r->top[kind][i];
		json_t *o;

		if (kind && !t->bytes)
			break;
		o = json_object();
		snprintf(addr, sizeof(addr), "0x%" PRIx64, t->addr);
		set(o, "address", json_string(addr));
		set(o, "type", json_string(t->type));
		set(o, "path", t->path ? json_string(t->path) : json_null());
		set(o, kind ? "reclaimable_bytes" : "held_bytes", juint(t->bytes));
		json_array_append_new(a, o);
	}
	for (size_t i = 0; sel && i < n; i++) {
		json_t *o;

		if (kind && !sel[i]->reclaimable_bytes)
			break; /* nothing to reclaim is not a top entry */
		o = json_object();
		snprintf(addr, sizeof(addr), "0x%" PRIx64, sel[i]->addr);
		set(o, "address", json_string(addr));
		set(o, "type", json_string(sel[i]->type));
		set(o, "path", sel[i]->npaths ? json_string(sel[i]->paths[0]) : json_null());
		set(o, key == MS_SORT_HELD ? "held_bytes" : "reclaimable_bytes",
		    juint(key == MS_SORT_HELD ? sel[i]->held_bytes : sel[i]->reclaimable_bytes));
		json_array_append_new(a, o);
	}
	free(sel);
	return a;
}

/* Write "KEY": VALUE (value pretty-printed and stolen), optionally after a comma. */
static int put(FILE *out, const char *key, json_t *val, bool comma)
{
	int rc;

	if (!val)
		return -1;
	if (fprintf(out, "%s\n  \"%s\": ", comma ? "," : "", key) < 0)
		rc = -1;
	else
		rc = json_dumpf(val, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	json_decref(val);
	return rc;
}

static json_t *summary_json(const struct ms_inspect_report *r, size_t n)
{
	json_t *sum = json_object(), *found = json_object();

	if (!sum || !found) {
		json_decref(sum);
		json_decref(found);
		return NULL;
	}
	set(sum, "maps", juint(r->nmaps + r->streamed));
	set(sum, "maps_shown", juint(n + r->streamed));
	set(sum, "len", juint(r->total_len));
	set(sum, "held_bytes", juint(r->total_held_bytes));
	set(sum, "reclaimable_bytes", juint(r->total_reclaimable_bytes));
	set(sum, "heap_inuse_bytes", juint(r->heap_inuse_bytes));
	set(sum, "heap_share",
	    json_real(r->heap_inuse_bytes
	                  ? (double)r->total_held_bytes / (double)r->heap_inuse_bytes
	                  : 0));
	for (int i = 0; i < MS_FOUND__COUNT; i++)
		set(found, ms_found_by_name((enum ms_found_by)i), juint(r->found[i]));
	set(sum, "found_by", found);
	set(sum, "by_type", totals_json(r->by_type, r->nby_type));
	set(sum, "by_package", totals_json(r->by_package, r->nby_package));
	set(sum, "top_held", top_json(r, MS_SORT_HELD));
	set(sum, "top_reclaimable", top_json(r, MS_SORT_RECLAIMABLE));
	set(sum, "elapsed_seconds", json_real(r->elapsed_s));
	set(sum, "bytes_read", juint(r->walked_bytes));
	set(sum, "pause_ns", juint(r->pause_ns));
	return sum;
}

/*
 * The document is written piece by piece, each map as one compact line, so
 * that a report of a million maps never exists as one JSON tree in memory.
 */
static struct ms_error *inspect_json(FILE *out, const struct ms_inspect_report *r,
                                     const struct ms_map_report **sel, size_t n, bool layout)
{
	char ver[64];
	json_t *warn = json_array();
	int rc = 0;

	ms_go_version_format(&r->go, ver, sizeof(ver));
	fputs("{", out);
	rc |= put(out, "schema_version", json_integer(MS_SCHEMA_VERSION), false);
	rc |= put(out, "kind", json_string(layout ? "layout" : "inspect"), true);
	if (layout) {
		rc |= put(out, "mapsize_version", json_string(MAPSIZE_VERSION), true);
		rc |= put(out, "recorded_at",
		          r->recorded_at ? json_string(r->recorded_at) : json_null(), true);
	}
	rc |= put(out, "source", json_string(r->source), true);
	rc |= put(out, "exe", json_string(r->exe), true);
	rc |= put(out, "pid", json_integer(r->pid), true);
	rc |= put(out, "go_version", json_string(r->go_version), true);
	rc |= put(out, "go", json_string(ver), true);
	rc |= put(out, "arch", json_string(ms_arch_info(r->arch)->name), true);
	rc |= put(out, "impl", json_string(ms_map_impl_name(r->impl)), true);
	rc |= put(out, "layout_source", json_string(r->layout_source), true);
	rc |= put(out, "truncated", json_boolean(r->truncated), true);
	rc |= put(out, "consistent", json_boolean(r->consistent), true);
	fputs(",\n  \"maps\": [", out);
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *m = map_json(sel[i]);

		fputs(i ? ",\n    " : "\n    ", out);
		rc |= m ? json_dumpf(m, out, JSON_COMPACT | JSON_PRESERVE_ORDER) : -1;
		json_decref(m);
	}
	fputs(n ? "\n  ]" : "]", out);
	rc |= put(out, "summary", summary_json(r, n), true);
	for (size_t i = 0; warn && i < r->nwarnings; i++)
		json_array_append_new(warn, json_string(r->warnings[i]));
	rc |= put(out, "warnings", warn, true);
	if (rc != 0 || fputs("\n}\n", out) == EOF || ferror(out))
		return ms_error_create(MS_ERR_IO, "cannot write JSON output");
	return NULL;
}

/* ---- text ---- */

/* ANSI colour only when asked (a terminal, and NO_COLOR unset: the command decides). */
#define BOLD(o)   ((o)->color ? "\033[1m" : "")
#define RED(o)    ((o)->color ? "\033[31m" : "")
#define YELLOW(o) ((o)->color ? "\033[33m" : "")
#define RESET(o)  ((o)->color ? "\033[0m" : "")

static void human(char *buf, size_t len, uint64_t bytes, const struct ms_emit_opts *o)
{
	ms_emit_bytes(buf, len, (double)bytes, o);
}

static void hist_text(FILE *out, const char *label, const uint64_t *h, size_t n, bool open_end)
{
	uint64_t max = 0;
	size_t last = 0;

	for (size_t i = 0; i < n; i++) {
		if (h[i] > max)
			max = h[i];
		if (h[i])
			last = i + 1;
	}
	fprintf(out, "    %s:\n", label);
	for (size_t i = 0; i < last; i++) {
		int bar = max ? (int)((h[i] * 40 + max - 1) / max) : 0;

		fprintf(out, "      %2zu%s %10" PRIu64 " %.*s\n", i,
		        open_end && i + 1 == n ? "+" : " ", h[i], bar,
		        "########################################");
	}
}

/* A sync.Map's own lines: its inner maps (classic) or its trie (hashtriemap). */
static void sync_text(FILE *out, const struct ms_map_report *m)
{
	const struct ms_sync_report *s = m->sync;

	fprintf(out, "  len %" PRIu64 ", %" PRIu64 " boxed keys, %" PRIu64 " boxed values\n",
	        m->len, s->boxed_keys, s->boxed_values);
	if (m->impl == MS_IMPL_HASHTRIE) {
		fprintf(out,
		        "  HashTrieMap: %" PRIu64 " indirect nodes, %" PRIu64 " entries (%" PRIu64
		        " in overflow chains)\n",
		        s->indirect_nodes, s->entry_nodes, s->overflow_entries);
		fprintf(out, "    nodes by depth:");
		for (size_t d = 0; d < MS_TRIE_DEPTHS && s->nodes_by_depth[d]; d++)
			fprintf(out, " %" PRIu64, s->nodes_by_depth[d]);
		fprintf(out, "\n");
		return;
	}
	fprintf(out,
	        "  read map %" PRIu64 " (amended: %s), dirty map %" PRIu64 "; %" PRIu64
	        " entries, %" PRIu64 " deleted, %" PRIu64 " expunged\n",
	        s->read_len, s->amended ? "yes" : "no", s->dirty_len, s->entries,
	        s->deleted_entries, s->expunged_entries);
}

static void map_text(FILE *out, const struct ms_map_report *m, const struct ms_emit_opts *o)
{
	char held[32], fresh[32], recl[32], b[32];

	human(held, sizeof(held), m->held_bytes, o);
	human(fresh, sizeof(fresh), m->fresh_bytes, o);
	human(recl, sizeof(recl), m->reclaimable_bytes, o);
	fprintf(out, "\n%s%s%s  %s  (0x%" PRIx64 ", %s, found by %s", BOLD(o),
	        m->npaths ? m->paths[0] : m->where, RESET(o), m->type, m->addr,
	        ms_map_impl_name(m->impl), ms_found_by_name(m->found_by));
	if (m->refs > 1)
		fprintf(out, ", %" PRIu64 " references", m->refs);
	fprintf(out, ")\n");
	for (size_t i = 1; i < m->npaths; i++)
		fprintf(out, "  also %s\n", m->paths[i]);
	if (m->error)
		fprintf(out, "  %s! %s%s\n", RED(o), m->error, RESET(o));
	if (m->sync) {
		sync_text(out, m);
	} else {
		fprintf(out,
		        "  len %" PRIu64 ", capacity %" PRIu64 " slots, load %.2f, %" PRIu64
		        " empty, %" PRIu64 " deleted\n",
		        m->len, m->capacity, m->load, m->empty_slots, m->deleted_slots);
	}
	if (m->sync) {
		/* its lines are sync_text's */
	} else if (m->impl == MS_IMPL_CLASSIC) {
		fprintf(out,
		        "  B=%u: %" PRIu64 " buckets of %" PRIu64 " B (%" PRIu64
		        " allocated), overflow %" PRIu64 " (%.3f per bucket, %" PRIu64
		        " buckets with any, max chain %" PRIu64 ", noverflow %" PRIu64 ")\n",
		        m->B, m->buckets, m->bucket_bytes, m->buckets_alloc, m->overflow_buckets,
		        m->buckets ? (double)m->overflow_buckets / (double)m->buckets : 0,
		        m->buckets_with_overflow, m->max_chain, m->noverflow);
		if (m->growing)
			fprintf(out,
			        "  growing%s: %" PRIu64 " of %" PRIu64
			        " old buckets evacuated, %" PRIu64
			        " entries still in the old array\n",
			        m->same_size_grow ? " (same size)" : "", m->evacuated,
			        m->old_buckets, m->old_entries);
		if (m->overflow_buckets)
			hist_text(out, "chain lengths (overflow buckets per bucket)", m->chain_hist,
			          MS_CHAIN_HIST, true);
	} else if (m->small) {
		fprintf(out, "  small map: one group of %" PRIu64 " B\n", m->group_bytes);
	} else {
		fprintf(out,
		        "  directory %" PRIu64 " (depth %u), %zu tables, %" PRIu64
		        " groups of %" PRIu64 " B, %" PRIu64 " tombstones, growth left %" PRIu64
		        "\n",
		        m->dir_len, m->global_depth, m->ntables, m->groups, m->group_bytes,
		        m->tombstones, m->growth_left);
		hist_text(out, "group fill (full slots per group)", m->fill_hist, MS_FILL_HIST,
		          false);
	}
	if (m->sync) /* estimate does not model a sync.Map: no fresh size */
		fprintf(out, "  held %s in %" PRIu64 " objects (scanned by the GC)\n", held,
		        m->nobjects);
	else
		fprintf(out,
		        "  held %s in %" PRIu64
		        " objects%s; a fresh map would hold %s; reclaimable %s\n",
		        held, m->nobjects, m->has_pointers ? " (scanned by the GC)" : "", fresh,
		        recl);
	if (m->stack_bytes) {
		human(b, sizeof(b), m->stack_bytes, o);
		fprintf(out, "  plus %s in the goroutine's stack\n", b);
	}
	for (int i = 0; i < MS_HELD__COUNT; i++) {
		if (!m->held[i])
			continue;
		human(b, sizeof(b), m->held[i], o);
		fprintf(out, "    %-22s %12s  %5.1f%%\n", ms_held_part_id((enum ms_held_part)i), b,
		        m->held_bytes ? 100.0 * (double)m->held[i] / (double)m->held_bytes : 0);
	}
}

/* A totals table whose first column is as wide as its longest name (up to 72). */
static void totals_text(FILE *out, const char *title, const struct ms_type_total *t, size_t n,
                        const struct ms_emit_opts *o)
{
	char held[32], recl[32];
	int w = 4;

	fprintf(out, "\n%s%s:%s\n", BOLD(o), title, RESET(o));
	for (size_t i = 0; i < n && i < 10; i++) {
		int l = (int)strlen(t[i].name);
		w = l > w ? (l < 72 ? l : 72) : w;
	}
	for (size_t i = 0; i < n && i < 10; i++) {
		human(held, sizeof(held), t[i].held_bytes, o);
		human(recl, sizeof(recl), t[i].reclaimable_bytes, o);
		fprintf(out, "  %-*s %7" PRIu64 " maps %12s held %s%12s%s reclaimable\n", w,
		        t[i].name, t[i].maps, held, t[i].reclaimable_bytes ? YELLOW(o) : "", recl,
		        t[i].reclaimable_bytes ? RESET(o) : "");
	}
	if (n > 10)
		fprintf(out, "  (%zu more)\n", n - 10);
}

static struct ms_error *inspect_text(FILE *out, const struct ms_inspect_report *r,
                                     const struct ms_map_report **sel, size_t n,
                                     const struct ms_emit_opts *o)
{
	char held[32], recl[32], heap[32];

	human(held, sizeof(held), r->total_held_bytes, o);
	human(recl, sizeof(recl), r->total_reclaimable_bytes, o);
	human(heap, sizeof(heap), r->heap_inuse_bytes, o);
	fprintf(out, "%s: %s %s/%s, %s maps (layout from %s)\n", r->source, r->go_version, "linux",
	        ms_arch_info(r->arch)->name, ms_map_impl_name(r->impl), r->layout_source);
	fprintf(out, "%zu maps (%" PRIu64 " from globals, ", r->nmaps, r->found[MS_FOUND_GLOBAL]);
	if (r->found[MS_FOUND_FRAME])
		fprintf(out, "%" PRIu64 " from goroutine frames, ", r->found[MS_FOUND_FRAME]);
	fprintf(out, "%" PRIu64 " on stacks, %" PRIu64 " by heap scan), %" PRIu64 " entries\n",
	        r->found[MS_FOUND_STACK], r->found[MS_FOUND_HEAP], r->total_len);
	fprintf(out, "held %s (%.1f%% of %s heap in use), reclaimable %s\n", held,
	        r->heap_inuse_bytes
	            ? 100.0 * (double)r->total_held_bytes / (double)r->heap_inuse_bytes
	            : 0,
	        heap, recl);
	totals_text(out, "by type", r->by_type, r->nby_type, o);
	totals_text(out, "by package", r->by_package, r->nby_package, o);
	if (r->total_reclaimable_bytes) {
		struct ms_report_view v = {MS_SORT_RECLAIMABLE, 5, NULL};
		size_t nt;
		const struct ms_map_report **top = view_maps(r, &v, &nt);

		int w = 0;

		fprintf(out, "\n%smost reclaimable:%s\n", BOLD(o), RESET(o));
		for (size_t i = 0; top && i < nt; i++) {
			int l = (int)strlen(top[i]->npaths ? top[i]->paths[0] : top[i]->where);
			w = l > w ? (l < 72 ? l : 72) : w;
		}
		for (size_t i = 0; top && i < nt && top[i]->reclaimable_bytes; i++) {
			human(recl, sizeof(recl), top[i]->reclaimable_bytes, o);
			human(held, sizeof(held), top[i]->held_bytes, o);
			fprintf(out, "  %-*s %s%12s%s of %s (%s)\n", w,
			        top[i]->npaths ? top[i]->paths[0] : top[i]->where, YELLOW(o), recl,
			        RESET(o), held, top[i]->type);
		}
		free(top);
	}
	for (size_t i = 0; i < n; i++)
		map_text(out, sel[i], o);
	if (n < r->nmaps)
		fprintf(out, "\n(%zu of %zu maps shown)\n", n, r->nmaps);
	for (size_t i = 0; i < r->nwarnings; i++)
		fprintf(out, "warning: %s\n", r->warnings[i]);
	if (ferror(out))
		return ms_error_create(MS_ERR_IO, "cannot write the report");
	return NULL;
}

struct ms_error *ms_emit_ndjson_map(FILE *out, const struct ms_map_report *m)
{
	json_t *o = map_json(m), *line = json_object();
	int rc;

	set(line, "kind", json_string("map"));
	json_object_update(line, o);
	rc = json_dumpf(line, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(line);
	json_decref(o);
	if (rc != 0 || fputc('\n', out) == EOF)
		return ms_error_create(MS_ERR_IO, "cannot write NDJSON output");
	return NULL;
}

/*
 * NDJSON: one compact line per map ({"kind": "map", ...}), then one summary
 * line with the report's top-level fields ({"kind": "summary", ...}).
 */
static struct ms_error *inspect_ndjson(FILE *out, const struct ms_inspect_report *r,
                                       const struct ms_map_report **sel, size_t n,
                                       const struct ms_emit_opts *o)
{
	json_t *sum = json_object(), *s = summary_json(r, n), *warn = json_array();
	char ver[64];
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc |= ms_emit_ndjson_map(out, sel[i]) != NULL;
	ms_go_version_format(&r->go, ver, sizeof(ver));
	set(sum, "schema_version", json_integer(MS_SCHEMA_VERSION));
	set(sum, "kind", json_string("summary"));
	set(sum, "source", json_string(r->source));
	set(sum, "exe", json_string(r->exe));
	set(sum, "pid", json_integer(r->pid));
	set(sum, "go_version", json_string(r->go_version));
	set(sum, "go", json_string(ver));
	set(sum, "arch", json_string(ms_arch_info(r->arch)->name));
	set(sum, "impl", json_string(ms_map_impl_name(r->impl)));
	set(sum, "truncated", json_boolean(r->truncated));
	set(sum, "consistent", json_boolean(r->consistent));
	set(sum, "summary", s);
	for (size_t i = 0; i < r->nwarnings; i++)
		json_array_append_new(warn, json_string(r->warnings[i]));
	set(sum, "warnings", warn);
	rc |= json_dumpf(sum, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(sum);
	if (rc != 0 || fputc('\n', out) == EOF || ferror(out))
		return ms_error_create(MS_ERR_IO, "cannot write NDJSON output");
	return NULL;
}

/* A Prometheus label value: backslash, double quote and newline escaped. */
static void prom_label(FILE *out, const char *name, const char *value, bool comma)
{
	fprintf(out, "%s%s=\"", comma ? "," : "", name);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* The labels that name one map: its path (or where it lives), type and implementation. */
static void prom_map_labels(FILE *out, const struct ms_map_report *m)
{
	char where[64];

	fputc('{', out);
	if (m->npaths) {
		prom_label(out, "path", m->paths[0], false);
	} else {
		/* maps without a path are told apart by where they live */
		snprintf(where, sizeof(where), "%s 0x%" PRIx64, m->where ? m->where : "?", m->addr);
		prom_label(out, "path", where, false);
	}
	prom_label(out, "type", m->type, true);
	prom_label(out, "impl", ms_map_impl_name(m->impl), true);
	fputc('}', out);
}

static const struct prom_metric {
	const char *name, *help;
	int field; /* which value of a map */
} prom_map_metrics[] = {
    {"mapsize_map_held_bytes", "Heap bytes a map holds (the real sizes of its objects).", 0},
    {"mapsize_map_reclaimable_bytes",
     "Bytes a rebuild of the map would give back (held minus a fresh map's).", 1},
    {"mapsize_map_live_bytes", "Key and value bytes of a map's live entries.", 2},
    {"mapsize_map_entries", "Entries in a map (len).", 3},
    {"mapsize_map_overflow_buckets", "Overflow buckets of a classic map.", 4},
    {"mapsize_map_tombstones", "Deleted slots (tombstones) of a Swiss map.", 5},
};

static uint64_t prom_value(const struct ms_map_report *m, int field)
{
	switch (field) {
	case 0:
		return m->held_bytes;
	case 1:
		return m->reclaimable_bytes;
	case 2:
		return m->held[MS_HELD_LIVE];
	case 3:
		return m->len;
	case 4:
		return m->overflow_buckets;
	default:
		return m->tombstones;
	}
}

/*
 * Prometheus text exposition for the node_exporter textfile collector: per-map
 * series for the maps shown (--top bounds the label cardinality, default 20),
 * everything else in the "other" series, and totals.
 */
static struct ms_error *inspect_prometheus(FILE *out, const struct ms_inspect_report *r,
                                           const struct ms_map_report **sel, size_t n,
                                           const struct ms_emit_opts *o)
{
	uint64_t other[6] = {0}, other_maps = 0;

	for (size_t k = 0; k < sizeof(prom_map_metrics) / sizeof(prom_map_metrics[0]); k++) {
		const struct prom_metric *pm = &prom_map_metrics[k];

		fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", pm->name, pm->help, pm->name);
		for (size_t i = 0; i < n; i++) {
			if ((pm->field == 4 && sel[i]->impl != MS_IMPL_CLASSIC) ||
			    (pm->field == 5 && sel[i]->impl == MS_IMPL_CLASSIC))
				continue;
			fputs(pm->name, out);
			prom_map_labels(out, sel[i]);
			fprintf(out, " %" PRIu64 "\n", prom_value(sel[i], pm->field));
		}
	}
	/* the maps not shown, aggregated, so that the totals stay whole */
	for (size_t i = 0; i < r->nmaps; i++) {
		bool shown = false;

		for (size_t k = 0; k < n && !shown; k++)
			shown = sel[k] == r->maps[i];
		if (shown)
			continue;
		other_maps++;
		for (int f = 0; f < 6; f++)
			other[f] += prom_value(r->maps[i], f);
	}
	fprintf(out,
	        "# HELP mapsize_other_maps Maps not shown one by one (past --top).\n"
	        "# TYPE mapsize_other_maps gauge\nmapsize_other_maps %" PRIu64 "\n",
	        other_maps);
	fprintf(out,
	        "# HELP mapsize_other_maps_held_bytes Heap bytes of the maps not shown.\n"
	        "# TYPE mapsize_other_maps_held_bytes gauge\n"
	        "mapsize_other_maps_held_bytes %" PRIu64 "\n",
	        other[0]);
	fprintf(
	    out,
	    "# HELP mapsize_other_maps_reclaimable_bytes Reclaimable bytes of the maps not shown.\n"
	    "# TYPE mapsize_other_maps_reclaimable_bytes gauge\n"
	    "mapsize_other_maps_reclaimable_bytes %" PRIu64 "\n",
	    other[1]);
	fprintf(out, "# HELP mapsize_maps Maps found in the process, by how they were found.\n"
	             "# TYPE mapsize_maps gauge\n");
	for (int i = 0; i < MS_FOUND__COUNT; i++)
		fprintf(out, "mapsize_maps{found_by=\"%s\"} %" PRIu64 "\n",
		        ms_found_by_name((enum ms_found_by)i), r->found[i]);
	fprintf(out,
	        "# HELP mapsize_maps_held_bytes Heap bytes all maps hold.\n"
	        "# TYPE mapsize_maps_held_bytes gauge\nmapsize_maps_held_bytes %" PRIu64 "\n",
	        r->total_held_bytes);
	fprintf(
	    out,
	    "# HELP mapsize_maps_reclaimable_bytes Bytes rebuilding every map would give back.\n"
	    "# TYPE mapsize_maps_reclaimable_bytes gauge\n"
	    "mapsize_maps_reclaimable_bytes %" PRIu64 "\n",
	    r->total_reclaimable_bytes);
	fprintf(out,
	        "# HELP mapsize_maps_entries Entries over all maps.\n"
	        "# TYPE mapsize_maps_entries gauge\nmapsize_maps_entries %" PRIu64 "\n",
	        r->total_len);
	fprintf(out,
	        "# HELP mapsize_heap_inuse_bytes Bytes of in-use spans of the Go heap.\n"
	        "# TYPE mapsize_heap_inuse_bytes gauge\nmapsize_heap_inuse_bytes %" PRIu64 "\n",
	        r->heap_inuse_bytes);
	fprintf(out,
	        "# HELP mapsize_attach_pause_seconds How long attach stopped the process.\n"
	        "# TYPE mapsize_attach_pause_seconds gauge\n"
	        "mapsize_attach_pause_seconds %.9f\n",
	        (double)r->pause_ns / 1e9);
	fprintf(out,
	        "# HELP mapsize_inspect_duration_seconds How long the report took.\n"
	        "# TYPE mapsize_inspect_duration_seconds gauge\n"
	        "mapsize_inspect_duration_seconds %.6f\n",
	        r->elapsed_s);
	fputs("# HELP mapsize_info The process the report is about.\n# TYPE mapsize_info gauge\n"
	      "mapsize_info",
	      out);
	fputc('{', out);
	prom_label(out, "go_version", r->go_version, false);
	prom_label(out, "arch", ms_arch_info(r->arch)->name, true);
	prom_label(out, "impl", ms_map_impl_name(r->impl), true);
	fputs("} 1\n", out);
	if (ferror(out))
		return ms_error_create(MS_ERR_IO, "cannot write the metrics");
	return NULL;
}

/* The maps of the view (every map, biggest first, without one), then fn on them. */
static struct ms_error *
emit_view(FILE *out, const struct ms_inspect_report *r, const struct ms_report_view *view,
          struct ms_error *(*fn)(FILE *out, const struct ms_inspect_report *r,
                                 const struct ms_map_report **sel, size_t n,
                                 const struct ms_emit_opts *o),
          const struct ms_emit_opts *opts)
{
	struct ms_report_view def = {MS_SORT_HELD, 0, NULL};
	size_t n;
	const struct ms_map_report **sel = view_maps(r, view ? view : &def, &n);
	struct ms_error *err;

	if (!sel)
		return &ms_error_nomem;
	err = fn(out, r, sel, n, opts);
	free(sel);
	return err;
}

static struct ms_error *inspect_report_json(FILE *out, const struct ms_inspect_report *r,
                                            const struct ms_map_report **sel, size_t n,
                                            const struct ms_emit_opts *o)
{
	return inspect_json(out, r, sel, n, false);
}

struct ms_error *ms_emit_inspect_text(FILE *out, const struct ms_inspect_report *r,
                                      const struct ms_report_view *view,
                                      const struct ms_emit_opts *opts)
{
	return emit_view(out, r, view, inspect_text, opts);
}

struct ms_error *ms_emit_inspect_json(FILE *out, const struct ms_inspect_report *r,
                                      const struct ms_report_view *view,
                                      const struct ms_emit_opts *opts)
{
	return emit_view(out, r, view, inspect_report_json, opts);
}

struct ms_error *ms_emit_inspect_ndjson(FILE *out, const struct ms_inspect_report *r,
                                        const struct ms_report_view *view,
                                        const struct ms_emit_opts *opts)
{
	return emit_view(out, r, view, inspect_ndjson, opts);
}

struct ms_error *ms_emit_inspect_prometheus(FILE *out, const struct ms_inspect_report *r,
                                            const struct ms_report_view *view,
                                            const struct ms_emit_opts *opts)
{
	struct ms_report_view prom = {MS_SORT_HELD, 0, NULL};

	/* bounded label cardinality: the 20 biggest unless --top says otherwise */
	if (view)
		prom = *view;
	if (!prom.top)
		prom.top = 20;
	return emit_view(out, r, &prom, inspect_prometheus, opts);
}

struct ms_error *ms_emit_layout_json(FILE *out, const struct ms_inspect_report *r)
{
	struct ms_report_view all = {MS_SORT_ADDR, 0, NULL};
	size_t n;
	const struct ms_map_report **sel = view_maps(r, &all, &n);
	struct ms_error *err;

	if (!sel)
		return &ms_error_nomem;
	err = inspect_json(out, r, sel, n, true);
	free(sel);
	return err;
}
