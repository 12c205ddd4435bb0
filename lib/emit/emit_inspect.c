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
#include "jsonw.h"
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

/* Up to this many maps of a view are selected in one pass, more are sorted. */
#define TOP_SELECT 64

/* The maps to show, in the view's order. Owned array of borrowed pointers. */
static const struct ms_map_report **view_maps(const struct ms_inspect_report *r,
                                              const struct ms_report_view *v, size_t *ret_n)
{
	const struct ms_map_report **sel = calloc(r->nmaps ? r->nmaps : 1, sizeof(*sel));
	size_t n = 0;

	if (!sel)
		return NULL;
	sort_view = v;
	if (v->top && v->top <= TOP_SELECT) {
		/* a few of many (the summary's ten biggest): kept in order while the maps go
		 * past, not the whole report sorted for them */
		for (size_t i = 0; i < r->nmaps; i++) {
			const struct ms_map_report *m = r->maps[i];
			size_t at = n;

			if (!ms_view_matches(v, m))
				continue;
			while (at > 0 && cmp_view(&m, &sel[at - 1]) < 0)
				at--;
			if (at >= v->top)
				continue;
			if (n < v->top)
				n++;
			memmove(&sel[at + 1], &sel[at], (n - 1 - at) * sizeof(*sel));
			sel[at] = m;
		}
		*ret_n = n;
		return sel;
	}
	for (size_t i = 0; i < r->nmaps; i++)
		if (ms_view_matches(v, r->maps[i]))
			sel[n++] = r->maps[i];
	if (n)
		qsort(sel, n, sizeof(*sel), cmp_view);
	if (v->top && n > v->top)
		n = v->top;
	*ret_n = n;
	return sel;
}

/* ---- rows: the report's groups of repeats (a group of one is a map) ---- */

static uint64_t group_addr(const struct ms_map_group *g)
{
	uint64_t a = UINT64_MAX;

	for (size_t i = 0; i < g->nmaps; i++)
		a = g->maps[i]->addr < a ? g->maps[i]->addr : a;
	return a;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct ms_map_group *x = *(const struct ms_map_group *const *)a;
	const struct ms_map_group *y = *(const struct ms_map_group *const *)b;
	uint64_t p, q;
	int c;

	switch (sort_view->sort) {
	case MS_SORT_HELD:
		p = x->held_bytes, q = y->held_bytes;
		break;
	case MS_SORT_RECLAIMABLE:
		p = x->reclaimable_bytes, q = y->reclaimable_bytes;
		break;
	case MS_SORT_LEN:
		p = x->len, q = y->len;
		break;
	case MS_SORT_TYPE:
		c = strcmp(x->type, y->type);
		if (c)
			return c;
		p = q = 0;
		break;
	default:
		p = q = 0;
	}
	if (p != q)
		return p > q ? -1 : 1;
	p = group_addr(x), q = group_addr(y);
	return p < q ? -1 : p > q;
}

/*
 * The rows to show (groups with a map passing the view's filter), in the
 * view's order, cut to view->top; *ret_total is the count before the cut.
 * Owned array of borrowed groups.
 */
static const struct ms_map_group **view_rows(const struct ms_inspect_report *r,
                                             const struct ms_report_view *v, size_t *ret_n,
                                             size_t *ret_total)
{
	const struct ms_map_group **sel = calloc(r->ngroups ? r->ngroups : 1, sizeof(*sel));
	size_t n = 0;

	if (!sel)
		return NULL;
	for (size_t i = 0; i < r->ngroups; i++) {
		bool any = false;

		for (size_t k = 0; k < r->groups[i].nmaps && !any; k++)
			any = ms_view_matches(v, r->groups[i].maps[k]);
		if (any)
			sel[n++] = &r->groups[i];
	}
	sort_view = v;
	if (n)
		qsort(sel, n, sizeof(*sel), cmp_rows);
	*ret_total = n;
	if (v->top && n > v->top)
		n = v->top;
	*ret_n = n;
	return sel;
}

/* ---- JSON ---- */

/* the maps are written in pieces of about this many bytes */
#define JW_FLUSH (256u << 10)

static json_t *juint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v);
}

/* A histogram without its trailing zeros. */
static void hist_write(struct ms_jw *w, const char *key, const uint64_t *h, size_t n)
{
	size_t last = 0;

	for (size_t i = 0; i < n; i++)
		if (h[i])
			last = i + 1;
	ms_jw_array(w, key);
	for (size_t i = 0; i < last; i++)
		ms_jw_uint(w, NULL, h[i]);
	ms_jw_end_array(w);
}

/* A map's histogram (32-bit counts), widened for hist_write and hist_text. */
static const uint64_t *hist64(const uint32_t *h, size_t n, uint64_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = h[i];
	return out;
}

/* A sync.Map's own counts ("sync_map"): classic or hashtriemap fields, by impl. */
static void sync_write(struct ms_jw *w, const struct ms_map_report *m,
                       const struct ms_map_detail *dt)
{
	const struct ms_sync_report *s = dt->sync;

	ms_jw_object(w, "sync_map");
	if (m->impl == MS_IMPL_HASHTRIE) {
		size_t n = MS_TRIE_DEPTHS;

		while (n && !s->nodes_by_depth[n - 1] && !s->entries_by_depth[n - 1])
			n--;
		ms_jw_uint(w, "indirect_nodes", s->indirect_nodes);
		ms_jw_uint(w, "entry_nodes", s->entry_nodes);
		ms_jw_uint(w, "overflow_entries", s->overflow_entries);
		hist_write(w, "nodes_by_depth", s->nodes_by_depth, n);
		hist_write(w, "entries_by_depth", s->entries_by_depth, n);
	} else {
		if (s->read_map)
			ms_jw_addr(w, "read_map", s->read_map);
		else
			ms_jw_null(w, "read_map");
		if (s->dirty_map)
			ms_jw_addr(w, "dirty_map", s->dirty_map);
		else
			ms_jw_null(w, "dirty_map");
		ms_jw_uint(w, "read_len", s->read_len);
		ms_jw_uint(w, "dirty_len", s->dirty_len);
		ms_jw_bool(w, "amended", s->amended);
		ms_jw_uint(w, "entries", s->entries);
		ms_jw_uint(w, "deleted_entries", s->deleted_entries);
		ms_jw_uint(w, "expunged_entries", s->expunged_entries);
	}
	ms_jw_uint(w, "boxed_keys", s->boxed_keys);
	ms_jw_uint(w, "boxed_values", s->boxed_values);
	ms_jw_end_object(w);
}

/* One map's members, in schema order, into the object open in W (M's detail in place). */
static void map_write_full(struct ms_jw *w, const struct ms_map_report *m,
                           const struct ms_map_detail *dt)
{
	uint64_t h[MS_CHAIN_HIST > MS_FILL_HIST ? MS_CHAIN_HIST : MS_FILL_HIST];

	ms_jw_addr(w, "address", m->addr);
	ms_jw_string(w, "type", m->type);
	ms_jw_string_or_null(w, "key_type", m->key_type);
	ms_jw_string_or_null(w, "value_type", m->elem_type);
	ms_jw_string(w, "impl", ms_map_impl_name(m->impl));
	ms_jw_string(w, "found_by", ms_found_by_name(m->found_by));
	ms_jw_string(w, "type_source", m->type_source ? m->type_source : "dwarf");
	if (m->ntype_candidates) {
		ms_jw_array(w, "type_candidates");
		for (size_t i = 0; i < m->ntype_candidates; i++)
			ms_jw_string(w, NULL, m->type_candidates[i]);
		ms_jw_end_array(w);
	}
	ms_jw_array(w, "paths");
	for (size_t i = 0; i < m->npaths; i++)
		ms_jw_string(w, NULL, m->paths[i]);
	ms_jw_end_array(w);
	ms_jw_string_or_null(w, "package", m->package);
	ms_jw_uint(w, "refs", m->refs);
	ms_jw_string(w, "where", m->where);
	if (m->found_by == MS_FOUND_STACK || m->goid)
		ms_jw_uint(w, "goroutine", m->goid);
	ms_jw_uint(w, "len", m->len);
	ms_jw_uint(w, "occupied", dt->occupied);
	ms_jw_uint(w, "capacity_slots", dt->capacity);
	ms_jw_real(w, "load", dt->load);
	ms_jw_uint(w, "empty_slots", dt->empty_slots);
	ms_jw_uint(w, "deleted_slots", dt->deleted_slots);
	ms_jw_uint(w, "key_slot_bytes", dt->key_bytes);
	ms_jw_uint(w, "value_slot_bytes", dt->elem_bytes);
	ms_jw_bool(w, "key_indirect", dt->key_indirect);
	ms_jw_bool(w, "value_indirect", dt->elem_indirect);
	ms_jw_bool(w, "has_pointers", dt->has_pointers);
	if (dt->writing) /* only then: reports of maps at rest stay as they were */
		ms_jw_bool(w, "write_in_progress", true);
	if (m->impl == MS_IMPL_CLASSIC) {
		ms_jw_uint(w, "B", dt->B);
		ms_jw_uint(w, "buckets", dt->buckets);
		ms_jw_uint(w, "bucket_bytes", dt->bucket_bytes);
		ms_jw_uint(w, "buckets_allocated", dt->buckets_alloc);
		ms_jw_uint(w, "noverflow", dt->noverflow);
		ms_jw_uint(w, "overflow_buckets", dt->overflow_buckets);
		ms_jw_uint(w, "overflow_buckets_allocated", dt->overflow_alloc);
		ms_jw_real(w, "overflow_density",
		           dt->buckets ? (double)dt->overflow_buckets / (double)dt->buckets : 0);
		ms_jw_uint(w, "buckets_with_overflow", dt->buckets_with_overflow);
		ms_jw_real(w, "overflow_share",
		           dt->buckets ? (double)dt->buckets_with_overflow / (double)dt->buckets
		                       : 0);
		hist_write(w, "chain_histogram", hist64(dt->chain_hist, MS_CHAIN_HIST, h),
		           MS_CHAIN_HIST);
		ms_jw_uint(w, "max_chain", dt->max_chain);
		ms_jw_bool(w, "growing", dt->growing);
		ms_jw_bool(w, "same_size_grow", dt->same_size_grow);
		ms_jw_uint(w, "old_buckets", dt->old_buckets);
		ms_jw_uint(w, "evacuated", dt->evacuated);
		ms_jw_uint(w, "nevacuate", dt->nevacuate);
		ms_jw_uint(w, "old_entries", dt->old_entries);
	} else if (m->impl != MS_IMPL_HASHTRIE) {
		ms_jw_bool(w, "small", dt->small);
		ms_jw_uint(w, "dir_len", dt->dir_len);
		ms_jw_uint(w, "global_depth", dt->global_depth);
		ms_jw_uint(w, "tables", dt->ntables);
		ms_jw_uint(w, "group_bytes", dt->group_bytes);
		if (m->impl == MS_IMPL_SWISS)
			ms_jw_uint(w, "slot_bytes", dt->slot_bytes);
		ms_jw_uint(w, "groups", dt->groups);
		ms_jw_uint(w, "tombstones", dt->tombstones);
		ms_jw_uint(w, "growth_left", dt->growth_left);
		hist_write(w, "group_fill_histogram", hist64(dt->fill_hist, MS_FILL_HIST, h),
		           MS_FILL_HIST);
		ms_jw_array(w, "table_list");
		for (size_t i = 0; i < dt->ntables; i++) {
			const struct ms_table_report *t = &dt->tables[i];

			ms_jw_object(w, NULL);
			ms_jw_addr(w, "address", t->addr);
			ms_jw_uint(w, "capacity", t->capacity);
			ms_jw_uint(w, "used", t->used);
			ms_jw_uint(w, "growth_left", t->growth_left);
			ms_jw_uint(w, "local_depth", t->local_depth);
			ms_jw_uint(w, "tombstones", t->tombstones);
			ms_jw_uint(w, "dir_refs", t->dir_refs);
			ms_jw_end_object(w);
		}
		ms_jw_end_array(w);
	}
	if (dt->sync)
		sync_write(w, m, dt);
	ms_jw_uint(w, "held_bytes", m->held_bytes);
	ms_jw_object(w, "held");
	for (int i = 0; i < MS_HELD__COUNT; i++)
		ms_jw_uint(w, ms_held_part_id((enum ms_held_part)i), dt->held[i]);
	ms_jw_end_object(w);
	ms_jw_uint(w, "heap_objects", dt->nobjects);
	ms_jw_uint(w, "stack_bytes", dt->stack_bytes);
	ms_jw_uint(w, "live_bytes", dt->held[MS_HELD_LIVE]);
	ms_jw_uint(w, "fresh_bytes", dt->fresh_bytes);
	ms_jw_uint(w, "fresh_high_bytes", dt->fresh_high_bytes);
	ms_jw_uint(w, "reclaimable_bytes", m->reclaimable_bytes);
	if (m->graph) {
		ms_jw_uint(w, "payload_bytes", m->payload_bytes);
		ms_jw_uint(w, "retained_bytes", m->retained_bytes);
		ms_jw_bool(w, "retained_nested", m->nested);
	}
	ms_jw_string_or_null(w, "error", m->error);
}

static void map_write(struct ms_jw *w, const struct ms_map_report *m)
{
	struct ms_map_detail scratch;

	map_write_full(w, m, ms_map_report_detail(m, &scratch));
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

/* One group of two maps or more, as in "groups". */
static json_t *group_json(const struct ms_map_group *g)
{
	json_t *o = json_object(), *addrs = json_array();
	char addr[32];

	set(o, "pattern", json_string(g->pattern));
	set(o, "type", json_string(g->type));
	set(o, "maps", juint(g->nmaps));
	set(o, "len", juint(g->len));
	set(o, "held_bytes", juint(g->held_bytes));
	set(o, "reclaimable_bytes", juint(g->reclaimable_bytes));
	set(o, "len_min", juint(g->len_min));
	set(o, "len_median", juint(g->len_median));
	set(o, "len_max", juint(g->len_max));
	set(o, "held_min_bytes", juint(g->held_min));
	set(o, "held_median_bytes", juint(g->held_median));
	set(o, "held_max_bytes", juint(g->held_max));
	for (size_t k = 0; k < g->nmaps; k++) {
		snprintf(addr, sizeof(addr), "0x%" PRIx64, g->maps[k]->addr);
		json_array_append_new(addrs, json_string(addr));
	}
	set(o, "addresses", addrs);
	return o;
}

/*
 * ,"groups": the groups of two maps or more (repeats folded; every map stays in
 * "maps"), pretty-printed as put would, one group at a time: the whole array held
 * 300,000 address strings at once. A group dumped alone is indented one level
 * less than inside the array: two spaces go after each of its newlines (a JSON
 * string holds none).
 */
static int groups_put(FILE *out, const struct ms_inspect_report *r)
{
	size_t n = 0;
	int rc = fputs(",\n  \"groups\": [", out) == EOF ? -1 : 0;

	for (size_t i = 0; rc == 0 && i < r->ngroups; i++) {
		json_t *o;
		char *text;

		if (r->groups[i].nmaps < 2)
			continue;
		o = group_json(&r->groups[i]);
		text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		json_decref(o);
		if (!text || fputs(n++ ? ",\n  " : "\n  ", out) == EOF) {
			free(text);
			return -1;
		}
		for (const char *p = text; *p; p++)
			if (putc(*p, out) == EOF || (*p == '\n' && fputs("  ", out) == EOF))
				rc = -1;
		free(text);
	}
	if (rc == 0 && fputs(n ? "\n]" : "]", out) == EOF)
		rc = -1;
	return rc;
}

/* summary.type_conflicts: typed pointers whose claim on their target's type was wrong. */
static json_t *conflicts_json(const struct ms_type_conflicts *c)
{
	json_t *o = json_object(), *ex = json_array();
	char addr[32];

	set(o, "count", juint(c->count));
	set(o, "recorded", juint(c->recorded));
	for (size_t i = 0; i < c->nexamples; i++) {
		const struct ms_type_conflict *e = &c->examples[i];
		json_t *x = json_object();

		snprintf(addr, sizeof(addr), "0x%" PRIx64, e->addr);
		set(x, "address", json_string(addr));
		set(x, "claimed", json_string(e->claimed));
		set(x, "recorded", json_string(e->recorded));
		set(x, "source", json_string(e->source));
		set(x, "path", json_string(e->path));
		json_array_append_new(ex, x);
	}
	set(o, "examples", ex);
	return o;
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
	set(sum, "filter", r->filter ? json_string(r->filter) : json_null());
	set(sum, "unfiltered_maps", juint(r->unfiltered_maps));
	set(sum, "unfiltered_held_bytes", juint(r->unfiltered_held_bytes));
	set(sum, "len", juint(r->total_len));
	set(sum, "held_bytes", juint(r->total_held_bytes));
	set(sum, "reclaimable_bytes", juint(r->total_reclaimable_bytes));
	if (r->graph) {
		json_t *g = json_object();

		set(sum, "total_payload_bytes", juint(r->total_payload_bytes));
		set(sum, "total_retained_bytes", juint(r->total_retained_bytes));
		set(g, "objects", juint(r->graph_objects));
		set(g, "edges", juint(r->graph_edges));
		set(g, "memory_bytes", juint(r->graph_bytes));
		set(g, "scanned_by_bitmap", juint(r->graph_precise));
		set(g, "scanned_conservatively", juint(r->graph_conservative));
		set(g, "stack_objects", juint(r->graph_stack_objects));
		set(g, "seconds", json_real(r->graph_s));
		set(sum, "heap_graph", g);
	}
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
	if (r->goroutines) {
		json_t *g = json_object();

		set(g, "count", juint(r->goroutines));
		set(g, "unwound", juint(r->goroutines_unwound));
		set(g, "running", juint(r->goroutines_running));
		set(g, "running_on_thread", juint(r->goroutines_on_thread));
		set(g, "running_on_system_stack", juint(r->goroutines_on_system_stack));
		set(sum, "goroutines", g);
	}
	if (r->type_conflicts.count)
		set(sum, "type_conflicts", conflicts_json(&r->type_conflicts));
	set(sum, "pause_ns", juint(r->pause_ns));
	if (r->attach_method[0]) {
		set(sum, "attach_method", json_string(r->attach_method));
		set(sum, "copied_bytes", juint(r->copied_bytes));
		set(sum, "reread_bytes", juint(r->reread_bytes));
	}
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
	struct ms_jw w;
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
	ms_jw_init(&w, NULL, 0);
	for (size_t i = 0; i < n && rc == 0; i++) {
		ms_jw_raw(&w, i ? ",\n    " : "\n    ", i ? 6 : 5);
		ms_jw_object(&w, NULL);
		map_write(&w, sel[i]);
		ms_jw_end_object(&w);
		if (w.len >= JW_FLUSH || i + 1 == n)
			rc |= ms_jw_flush(&w, out);
	}
	ms_jw_free(&w);
	fputs(n ? "\n  ]" : "]", out);
	if (!layout)
		rc |= groups_put(out, r);
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
static void sync_text(FILE *out, const struct ms_map_report *m, const struct ms_map_detail *dt)
{
	const struct ms_sync_report *s = dt->sync;

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

static void map_text_full(FILE *out, const struct ms_map_report *m, const struct ms_map_detail *dt,
                          const struct ms_emit_opts *o)
{
	char held[32], fresh[32], recl[32], b[32];
	uint64_t h[MS_CHAIN_HIST > MS_FILL_HIST ? MS_CHAIN_HIST : MS_FILL_HIST];

	human(held, sizeof(held), m->held_bytes, o);
	human(fresh, sizeof(fresh), dt->fresh_bytes, o);
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
	if (dt->sync) {
		sync_text(out, m, dt);
	} else {
		fprintf(out,
		        "  len %" PRIu64 ", capacity %" PRIu64 " slots, load %.2f, %" PRIu64
		        " empty, %" PRIu64 " deleted\n",
		        m->len, dt->capacity, dt->load, dt->empty_slots, dt->deleted_slots);
	}
	if (dt->sync) {
		/* its lines are sync_text's */
	} else if (m->impl == MS_IMPL_CLASSIC) {
		fprintf(out,
		        "  B=%u: %" PRIu64 " buckets of %" PRIu64 " B (%" PRIu64
		        " allocated), overflow %" PRIu64 " (%.3f per bucket, %" PRIu64
		        " buckets with any, max chain %" PRIu64 ", noverflow %" PRIu64 ")\n",
		        dt->B, dt->buckets, dt->bucket_bytes, dt->buckets_alloc,
		        dt->overflow_buckets,
		        dt->buckets ? (double)dt->overflow_buckets / (double)dt->buckets : 0,
		        dt->buckets_with_overflow, dt->max_chain, dt->noverflow);
		if (dt->growing)
			fprintf(out,
			        "  growing%s: %" PRIu64 " of %" PRIu64
			        " old buckets evacuated, %" PRIu64
			        " entries still in the old array\n",
			        dt->same_size_grow ? " (same size)" : "", dt->evacuated,
			        dt->old_buckets, dt->old_entries);
		if (dt->overflow_buckets)
			hist_text(out, "chain lengths (overflow buckets per bucket)",
			          hist64(dt->chain_hist, MS_CHAIN_HIST, h), MS_CHAIN_HIST, true);
	} else if (dt->small) {
		fprintf(out, "  small map: one group of %" PRIu64 " B\n", dt->group_bytes);
	} else {
		fprintf(out,
		        "  directory %" PRIu64 " (depth %u), %zu tables, %" PRIu64
		        " groups of %" PRIu64 " B, %" PRIu64 " tombstones, growth left %" PRIu64
		        "\n",
		        dt->dir_len, dt->global_depth, dt->ntables, dt->groups, dt->group_bytes,
		        dt->tombstones, dt->growth_left);
		hist_text(out, "group fill (full slots per group)",
		          hist64(dt->fill_hist, MS_FILL_HIST, h), MS_FILL_HIST, false);
	}
	if (dt->sync) /* estimate does not model a sync.Map: no fresh size */
		fprintf(out, "  held %s in %" PRIu64 " objects (scanned by the GC)\n", held,
		        dt->nobjects);
	else
		fprintf(out,
		        "  held %s in %" PRIu64
		        " objects%s; a fresh map would hold %s; reclaimable %s\n",
		        held, dt->nobjects, dt->has_pointers ? " (scanned by the GC)" : "", fresh,
		        recl);
	if (dt->stack_bytes) {
		human(b, sizeof(b), dt->stack_bytes, o);
		fprintf(out, "  plus %s in the goroutine's stack\n", b);
	}
	if (m->graph) {
		char pay[32];

		human(pay, sizeof(pay), m->payload_bytes, o);
		human(b, sizeof(b), m->retained_bytes, o);
		fprintf(out,
		        "  keys and values reach %s more (payload); dropping the map frees %s%s\n",
		        pay, b, m->nested ? " (inside what another map retains)" : "");
	}
	for (int i = 0; i < MS_HELD__COUNT; i++) {
		if (!dt->held[i])
			continue;
		human(b, sizeof(b), dt->held[i], o);
		fprintf(out, "    %-22s %12s  %5.1f%%\n", ms_held_part_id((enum ms_held_part)i), b,
		        m->held_bytes ? 100.0 * (double)dt->held[i] / (double)m->held_bytes : 0);
	}
}

static void map_text(FILE *out, const struct ms_map_report *m, const struct ms_emit_opts *o)
{
	struct ms_map_detail scratch;

	map_text_full(out, m, ms_map_report_detail(m, &scratch), o);
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

/* One group of repeats: counts, totals and spread, and its biggest maps. */
static void group_text(FILE *out, const struct ms_map_group *g, const struct ms_emit_opts *o)
{
	char tot[32], mn[32], md[32], mx[32], recl[32], c1[32], c2[32], c3[32], c4[32];
	size_t shown = g->nmaps < 3 ? g->nmaps : 3;

	ms_emit_count(c1, sizeof(c1), g->nmaps);
	fprintf(out, "\n%s%s%s  %s  (%s maps like this, %s)\n", BOLD(o), g->pattern, RESET(o),
	        g->type, c1, ms_found_by_name(g->maps[0]->found_by));
	ms_emit_count(c1, sizeof(c1), g->len);
	ms_emit_count(c2, sizeof(c2), g->len_min);
	ms_emit_count(c3, sizeof(c3), g->len_median);
	ms_emit_count(c4, sizeof(c4), g->len_max);
	fprintf(out, "  len %s in all; each min %s, median %s, max %s\n", c1, c2, c3, c4);
	human(tot, sizeof(tot), g->held_bytes, o);
	human(mn, sizeof(mn), g->held_min, o);
	human(md, sizeof(md), g->held_median, o);
	human(mx, sizeof(mx), g->held_max, o);
	human(recl, sizeof(recl), g->reclaimable_bytes, o);
	fprintf(out, "  held %s in all; each min %s, median %s, max %s; reclaimable %s%s%s\n", tot,
	        mn, md, mx, g->reclaimable_bytes ? YELLOW(o) : "", recl,
	        g->reclaimable_bytes ? RESET(o) : "");
	fprintf(out, "  biggest:\n");
	for (size_t i = 0; i < shown; i++) {
		const struct ms_map_report *m = g->maps[i];

		human(tot, sizeof(tot), m->held_bytes, o);
		ms_emit_count(c1, sizeof(c1), m->len);
		fprintf(out, "    %s  %s, len %s (0x%" PRIx64 ")\n",
		        m->npaths ? m->paths[0] : m->where, tot, c1, m->addr);
	}
	if (g->nmaps > shown)
		fprintf(out, "    (%zu more)\n", g->nmaps - shown);
}

static struct ms_error *inspect_text(FILE *out, const struct ms_inspect_report *r,
                                     const struct ms_report_view *view,
                                     const struct ms_emit_opts *o)
{
	char held[32], recl[32], heap[32], c1[32], c2[32];
	size_t nrows, total_rows;
	const struct ms_map_group **rows = view_rows(r, view, &nrows, &total_rows);

	if (!rows)
		return &ms_error_nomem;
	human(held, sizeof(held), r->total_held_bytes, o);
	human(recl, sizeof(recl), r->total_reclaimable_bytes, o);
	human(heap, sizeof(heap), r->heap_inuse_bytes, o);
	fprintf(out, "%s: %s %s/%s, %s maps (layout from %s)\n", r->source, r->go_version, "linux",
	        ms_arch_info(r->arch)->name, ms_map_impl_name(r->impl), r->layout_source);
	if (r->filter) {
		ms_emit_count(c1, sizeof(c1), r->unfiltered_maps);
		human(c2, sizeof(c2), r->unfiltered_held_bytes, o);
		size_t n = r->nmaps + (size_t)r->streamed;

		fprintf(out,
		        "summary of the %zu map%s matching --filter '%s' (the process has %s maps "
		        "holding %s):\n",
		        n, n == 1 ? "" : "s", r->filter, c1, c2);
	}
	ms_emit_count(c1, sizeof(c1), r->nmaps);
	fprintf(out, "%s maps (%" PRIu64 " from globals, ", c1, r->found[MS_FOUND_GLOBAL]);
	if (r->found[MS_FOUND_FRAME])
		fprintf(out, "%" PRIu64 " from goroutine frames, ", r->found[MS_FOUND_FRAME]);
	ms_emit_count(c2, sizeof(c2), r->total_len);
	fprintf(out, "%" PRIu64 " on stacks, %" PRIu64 " by heap scan), %s entries\n",
	        r->found[MS_FOUND_STACK], r->found[MS_FOUND_HEAP], c2);
	fprintf(out, "held %s (%.1f%% of %s heap in use), reclaimable %s\n", held,
	        r->heap_inuse_bytes
	            ? 100.0 * (double)r->total_held_bytes / (double)r->heap_inuse_bytes
	            : 0,
	        heap, recl);
	if (r->graph) {
		char pay[32], ret[32];

		human(pay, sizeof(pay), r->total_payload_bytes, o);
		human(ret, sizeof(ret), r->total_retained_bytes, o);
		fprintf(out,
		        "payload %s (keys' and values' objects, summed over maps), retained %s "
		        "(kept alive by one map only, each object once; heap graph of %" PRIu64
		        " objects)\n",
		        pay, ret, r->graph_objects);
	}
	if (strcmp(r->attach_method, "no-stop") == 0) {
		fputs("attach: no-stop, the process was not stopped\n", out);
	} else if (r->attach_method[0]) {
		char copied[32], reread[32];

		human(copied, sizeof(copied), r->copied_bytes, o);
		human(reread, sizeof(reread), r->reread_bytes, o);
		fprintf(out, "attach: %s, paused %.1f ms, copied %s (%s while stopped)\n",
		        r->attach_method, (double)r->pause_ns / 1e6, copied, reread);
	}
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
	for (size_t i = 0; i < nrows; i++) {
		if (rows[i]->nmaps == 1)
			map_text(out, rows[i]->maps[0], o);
		else
			group_text(out, rows[i], o);
	}
	if (nrows < total_rows) {
		ms_emit_count(c1, sizeof(c1), total_rows);
		ms_emit_count(c2, sizeof(c2), r->nmaps);
		fprintf(
		    out,
		    "\n(%zu of %s rows shown, %s maps; a group of repeats is one row; --all shows "
		    "every row, --top N the N biggest)\n",
		    nrows, c1, c2);
	}
	free(rows);
	for (size_t i = 0; i < r->nwarnings; i++)
		fprintf(out, "warning: %s\n", r->warnings[i]);
	if (ferror(out))
		return ms_error_create(MS_ERR_IO, "cannot write the report");
	return NULL;
}

struct ms_error *ms_emit_ndjson_map(FILE *out, const struct ms_map_report *m)
{
	char storage[4096];
	struct ms_jw w;
	int rc;

	ms_jw_init(&w, storage, sizeof(storage));
	ms_jw_object(&w, NULL);
	ms_jw_string(&w, "kind", "map");
	map_write(&w, m);
	ms_jw_end_object(&w);
	ms_jw_raw(&w, "\n", 1);
	rc = ms_jw_flush(&w, out);
	ms_jw_free(&w);
	if (rc != 0)
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

	for (size_t i = 0; i < n && rc == 0; i++) {
		struct ms_error *err = ms_emit_ndjson_map(out, sel[i]);

		ms_error_destroy(err); /* the summary's error says it */
		rc |= err != NULL;
	}
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

/*
 * The labels that name one row: the path pattern (indices and keys folded, or
 * where the map lives with its goroutine folded; never an address, so that a
 * series survives a restart), the type and the implementation.
 */
static void prom_row_labels(FILE *out, const struct ms_map_group *g)
{
	fputc('{', out);
	prom_label(out, "path", g->pattern, false);
	prom_label(out, "type", g->type, true);
	prom_label(out, "impl", ms_map_impl_name(g->maps[0]->impl), true);
	fputc('}', out);
}

static const struct prom_metric {
	const char *name, *help;
	int field; /* which value of a map */
} prom_map_metrics[] = {
    {"mapsize_map_group_maps",
     "Maps with this path pattern (indices and keys folded) and type, in one series.", 6},
    {"mapsize_map_held_bytes",
     "Heap bytes the maps of a path pattern and type hold (the real sizes of their objects).", 0},
    {"mapsize_map_reclaimable_bytes",
     "Bytes a rebuild of those maps would give back (held minus the high end of a fresh "
     "map's spread over hash seeds).",
     1},
    {"mapsize_map_live_bytes", "Key and value bytes of those maps' live entries.", 2},
    {"mapsize_map_entries", "Entries in those maps (len).", 3},
    {"mapsize_map_overflow_buckets", "Overflow buckets of those classic maps.", 4},
    {"mapsize_map_tombstones", "Deleted slots (tombstones) of those Swiss maps.", 5},
};

static uint64_t prom_value(const struct ms_map_report *m, int field)
{
	struct ms_map_detail scratch;
	const struct ms_map_detail *dt = NULL;

	if (field == 2 || field == 4 || field == 5) /* the detail's */
		dt = ms_map_report_detail(m, &scratch);
	switch (field) {
	case 0:
		return m->held_bytes;
	case 1:
		return m->reclaimable_bytes;
	case 2:
		return dt->held[MS_HELD_LIVE];
	case 3:
		return m->len;
	case 4: /* the union of the other impl reads 0 */
		return m->impl == MS_IMPL_CLASSIC ? dt->overflow_buckets : 0;
	case 5:
		return m->impl == MS_IMPL_CLASSIC ? 0 : dt->tombstones;
	default:
		return 1;
	}
}

static uint64_t prom_row_value(const struct ms_map_group *g, int field)
{
	uint64_t v = 0;

	for (size_t i = 0; i < g->nmaps; i++)
		v += prom_value(g->maps[i], field);
	return v;
}

/*
 * Prometheus text exposition for the node_exporter textfile collector: a
 * series per row (repeats folded into one, labelled by path pattern) for the
 * rows shown (--top bounds the label cardinality, default 20), everything
 * else in the "other" series, and totals.
 */
static struct ms_error *inspect_prometheus(FILE *out, const struct ms_inspect_report *r,
                                           const struct ms_report_view *view,
                                           const struct ms_emit_opts *o)
{
	uint64_t other[6] = {0}, other_maps = 0;
	size_t n, total;
	const struct ms_map_group **sel = view_rows(r, view, &n, &total);

	if (!sel)
		return &ms_error_nomem;
	for (size_t k = 0; k < sizeof(prom_map_metrics) / sizeof(prom_map_metrics[0]); k++) {
		const struct prom_metric *pm = &prom_map_metrics[k];

		fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", pm->name, pm->help, pm->name);
		for (size_t i = 0; i < n; i++) {
			enum ms_map_impl impl = sel[i]->maps[0]->impl;

			if ((pm->field == 4 && impl != MS_IMPL_CLASSIC) ||
			    (pm->field == 5 && impl == MS_IMPL_CLASSIC))
				continue;
			fputs(pm->name, out);
			prom_row_labels(out, sel[i]);
			fprintf(out, " %" PRIu64 "\n", prom_row_value(sel[i], pm->field));
		}
	}
	/* the rows not shown, aggregated, so that the totals stay whole */
	for (size_t i = n; i < total; i++) {
		other_maps += sel[i]->nmaps;
		for (int f = 0; f < 6; f++)
			other[f] += prom_row_value(sel[i], f);
	}
	free(sel);
	fprintf(out,
	        "# HELP mapsize_other_maps Maps not in a series of their own (past --top).\n"
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
	/* attach only: a core has no pause (attach --no-stop is not consistent, pause 0) */
	if (r->pause_ns || !r->consistent)
		fprintf(out,
		        "# HELP mapsize_attach_pause_seconds How long attach stopped the process.\n"
		        "# TYPE mapsize_attach_pause_seconds gauge\n"
		        "mapsize_attach_pause_seconds %.9f\n",
		        (double)r->pause_ns / 1e9);
	if (r->attach_method[0])
		fprintf(
		    out,
		    "# HELP mapsize_attach_copied_bytes Bytes attach copied into its snapshot.\n"
		    "# TYPE mapsize_attach_copied_bytes gauge\n"
		    "mapsize_attach_copied_bytes %" PRIu64 "\n"
		    "# HELP mapsize_attach_reread_bytes Of those, the bytes copied while the "
		    "process "
		    "was stopped.\n"
		    "# TYPE mapsize_attach_reread_bytes gauge\n"
		    "mapsize_attach_reread_bytes %" PRIu64 "\n",
		    r->copied_bytes, r->reread_bytes);
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
	struct ms_report_view def = {MS_SORT_HELD, 0, NULL};

	return inspect_text(out, r, view ? view : &def, opts);
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
	return inspect_prometheus(out, r, &prom, opts);
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

const struct ms_map_report **ms_emit_view_maps(const struct ms_inspect_report *r,
                                               const struct ms_report_view *view, size_t *ret_n)
{
	struct ms_report_view def = {MS_SORT_HELD, 0, NULL};

	return view_maps(r, view ? view : &def, ret_n);
}
