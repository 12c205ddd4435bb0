/* SPDX-License-Identifier: MIT */
/*
 * The inspect report: every map found in a target, walked, with the bytes it
 * holds, what a fresh map of its len would hold, and the summary. Every
 * number of the report is computed here; emitters only format it.
 */
#include <stdlib.h>
#include <time.h>

#include "findmaps.h"
#include "gover.h"
#include "heapgraph.h"
#include "report.h"
#include "report_pack.h"

static const char *const held_ids[MS_HELD__COUNT] = {
    [MS_HELD_LIVE] = "live-entries",          [MS_HELD_EMPTY] = "empty-slots",
    [MS_HELD_DELETED] = "deleted-slots",      [MS_HELD_TOPHASH] = "tophash-bytes",
    [MS_HELD_CONTROL] = "control-bytes",      [MS_HELD_PADDING] = "kv-padding",
    [MS_HELD_OVF_PTRS] = "overflow-pointers", [MS_HELD_OOL_KEYS] = "indirect-keys",
    [MS_HELD_OOL_ELEMS] = "indirect-values",  [MS_HELD_HEADERS] = "header-structs",
    [MS_HELD_DIRECTORY] = "directory",        [MS_HELD_OVF_SLICE] = "overflow-slice",
    [MS_HELD_GROWTH] = "growth-copy",         [MS_HELD_ROUNDING] = "size-class-rounding",
    [MS_HELD_MALLOC_HDR] = "malloc-headers",  [MS_HELD_SYNC_ENTRIES] = "sync-entries",
    [MS_HELD_BOXES] = "boxed-keys-values",    [MS_HELD_TRIE_NODES] = "trie-nodes",
};

const char *ms_held_part_id(enum ms_held_part part)
{
	return (unsigned)part < MS_HELD__COUNT ? held_ids[part] : "?";
}

const char *ms_found_by_name(enum ms_found_by by)
{
	static const char *const names[MS_FOUND__COUNT] = {"global", "stack", "heap", "frame"};

	return (unsigned)by < MS_FOUND__COUNT ? names[by] : "?";
}

struct ms_error *ms_sort_key_parse(const char *text, enum ms_sort_key *ret)
{
	static const struct {
		const char *name;
		enum ms_sort_key key;
	} keys[] = {{"held", MS_SORT_HELD},
	            {"reclaimable", MS_SORT_RECLAIMABLE},
	            {"len", MS_SORT_LEN},
	            {"addr", MS_SORT_ADDR},
	            {"type", MS_SORT_TYPE}};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(text, keys[i].name) == 0) {
			*ret = keys[i].key;
			return NULL;
		}
	}
	return ms_error_create(
	    MS_ERR_USAGE, "--sort: '%s' is not one of held, reclaimable, len, addr, type", text);
}

/*
 * Hash seeds a fresh-map estimate simulates: up to 64 for small maps (a small
 * classic map's overflow buckets have a long tail), about 2^16 simulated
 * inserts per map, at least 4 (2 for maps over 2^18 entries, whose spread is
 * narrow).
 */
static unsigned fresh_seeds(uint64_t len)
{
	uint64_t n = len ? ((uint64_t)1 << 16) / len : 64;

	if (len > ((uint64_t)1 << 18))
		return 2;
	return (unsigned)(n < 4 ? 4 : n > 64 ? 64 : n);
}

/* Fresh-map estimates already made, by map type (its geometry) and len. */
struct fresh_cache {
	struct fresh_entry {
		const void *geom;
		uint64_t len, fresh, high;
	} * e;
	size_t n, cap; /* cap: 0 or a power of two */
};

static size_t fresh_slot(const struct fresh_cache *c, const void *geom, uint64_t len)
{
	uint64_t h = ((uint64_t)(uintptr_t)geom >> 4) * 0x9e3779b97f4a7c15ull ^ len;
	size_t i = (size_t)(h ^ (h >> 29)) & (c->cap - 1);

	while (c->e[i].geom && (c->e[i].geom != geom || c->e[i].len != len))
		i = (i + 1) & (c->cap - 1);
	return i;
}

/* Remember an estimate; out of memory only loses the cache's help. */
static void fresh_remember(struct fresh_cache *c, const void *geom, uint64_t len, uint64_t fresh,
                           uint64_t high)
{
	if (2 * (c->n + 1) > c->cap) {
		struct fresh_cache bigger = {calloc(c->cap ? 2 * c->cap : 64, sizeof(*c->e)), 0,
		                             c->cap ? 2 * c->cap : 64};

		if (!bigger.e)
			return;
		for (size_t i = 0; i < c->cap; i++)
			if (c->e[i].geom)
				bigger.e[fresh_slot(&bigger, c->e[i].geom, c->e[i].len)] = c->e[i];
		bigger.n = c->n;
		free(c->e);
		*c = bigger;
	}
	c->e[fresh_slot(c, geom, len)] = (struct fresh_entry){geom, len, fresh, high};
	c->n++;
}

/*
 * What a fresh map of the same len would hold on the same Go version, and
 * the high end of its spread over hash seeds: the estimate's high end, or the
 * largest total a simulated seed gave plus two standard deviations when that
 * is more (the spread has a long tail: a few more overflow buckets; with one,
 * a freshly filled classic map of 100 entries still went past it about once
 * in 15 runs of tests/go/run_inspect_truth.py). Only bytes
 * above it are reclaimable: a map that merely drew an unlucky hash seed (one
 * more overflow bucket, one more table split) gives nothing back when rebuilt.
 */
static void fresh_estimate(struct ms_target *t, struct fresh_cache *c, const struct ms_found_map *m,
                           struct ms_map_report *r, struct ms_map_detail *d)
{
	struct ms_estimate_params p = {0};
	struct ms_estimate *e;
	struct ms_error *err;
	bool failed;

	if (!m->geom)
		return;
	p.len = r->len < MS_MAX_ESTIMATE_LEN ? r->len : MS_MAX_ESTIMATE_LEN;
	if (c->cap && c->e[fresh_slot(c, m->geom, p.len)].geom) {
		const struct fresh_entry *f = &c->e[fresh_slot(c, m->geom, p.len)];

		d->fresh_bytes = f->fresh;
		d->fresh_high_bytes = f->high;
	} else {
		e = malloc(sizeof(*e));
		if (!e)
			return;
		p.seed = 1;
		p.nseeds = fresh_seeds(p.len);
		err = ms_estimate(&m->geom->mtype, &t->go, t->arch, &p, e);
		failed = err != NULL;
		if (!failed) {
			uint64_t high = e->total_max_bytes + 2 * e->total_sd_bytes;

			d->fresh_bytes = e->total_bytes;
			d->fresh_high_bytes =
			    high > e->total_high_bytes ? high : e->total_high_bytes;
			fresh_remember(c, m->geom, p.len, d->fresh_bytes, d->fresh_high_bytes);
		}
		ms_error_destroy(err);
		free(e);
		if (failed)
			return;
	}
	r->reclaimable_bytes =
	    r->held_bytes > d->fresh_high_bytes ? r->held_bytes - d->fresh_high_bytes : 0;
}

static struct ms_error *add_total(struct ms_type_total **arr, size_t *n, const char *name,
                                  const struct ms_map_report *r)
{
	struct ms_type_total *t;

	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*arr)[i].name, name) == 0) {
			t = &(*arr)[i];
			goto add;
		}
	}
	t = realloc(*arr, (*n + 1) * sizeof(**arr));
	if (!t)
		return &ms_error_nomem;
	*arr = t;
	t = &t[(*n)++];
	memset(t, 0, sizeof(*t));
	t->name = strdup(name);
	if (!t->name)
		return &ms_error_nomem;
add:
	t->maps++;
	t->len += r->len;
	t->held_bytes += r->held_bytes;
	t->reclaimable_bytes += r->reclaimable_bytes;
	return NULL;
}

static int cmp_total(const void *a, const void *b)
{
	const struct ms_type_total *x = a, *y = b;

	if (x->held_bytes != y->held_bytes)
		return x->held_bytes > y->held_bytes ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_addr(const void *a, const void *b)
{
	const struct ms_map_report *x = *(const struct ms_map_report *const *)a;
	const struct ms_map_report *y = *(const struct ms_map_report *const *)b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * One copy of each string the maps of a report share (types, where they live,
 * packages): 300,000 maps hold a few thousand distinct ones. Open addressing.
 */
struct ms_strpool {
	char **slots;
	size_t cap, n;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* The pool's copy of s (the pool made when NULL); NULL when out of memory. */
static char *pool_str(struct ms_strpool **pp, const char *s)
{
	struct ms_strpool *p = *pp;
	size_t i;

	if (!p && !(p = *pp = calloc(1, sizeof(*p))))
		return NULL;
	if ((p->n + 1) * 2 > p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		char **slots = calloc(cap, sizeof(*slots));

		if (!slots)
			return NULL;
		for (size_t k = 0; k < p->cap; k++) {
			if (!p->slots[k])
				continue;
			for (i = str_hash(p->slots[k]) & (cap - 1); slots[i];
			     i = (i + 1) & (cap - 1))
				;
			slots[i] = p->slots[k];
		}
		free(p->slots);
		p->slots = slots;
		p->cap = cap;
	}
	for (i = str_hash(s) & (p->cap - 1); p->slots[i]; i = (i + 1) & (p->cap - 1))
		if (strcmp(p->slots[i], s) == 0)
			return p->slots[i];
	if (!(p->slots[i] = strdup(s)))
		return NULL;
	p->n++;
	return p->slots[i];
}

char *ms_report_pool_str(struct ms_inspect_report *r, const char *s)
{
	return pool_str(&r->strings, s);
}

static void pool_free(struct ms_strpool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->cap; i++)
		free(p->slots[i]);
	free(p->slots);
	free(p);
}

/* Fill a found map's draft R, D with its strings (pooled in rep's) and figures. */
static struct ms_error *fill_map(struct ms_target *t, struct fresh_cache *fc,
                                 struct ms_inspect_report *rep, struct ms_found_map *m,
                                 struct ms_map_report *r, struct ms_map_detail *d)
{
	struct ms_strpool **pool = &rep->strings;
	char buf[256];

	r->pooled = true;
	r->found_by = m->by;
	r->refs = m->refs;
	r->goid = m->stack ? m->stack->goid : 0;
	if (!d->sync)
		r->impl =
		    m->geom ? m->geom->impl : (t->classic_layout ? MS_IMPL_CLASSIC : MS_IMPL_SWISS);
	if (d->sync) {
		/* a sync.Map's keys and values are `any`, whatever the program stores */
		r->type = pool_str(pool, "sync.Map");
		r->key_type = pool_str(pool, "any");
		r->elem_type = pool_str(pool, "any");
		if (!r->key_type || !r->elem_type)
			return &ms_error_nomem;
	} else if (m->ncandidates > 1) {
		r->type = pool_str(pool, "map[?]?");
		r->type_candidates = calloc(m->ncandidates, sizeof(*r->type_candidates));
		if (!r->type_candidates)
			return &ms_error_nomem;
		for (size_t i = 0; i < m->ncandidates; i++) {
			r->type_candidates[i] =
			    strdup(m->candidates[i]->name ? m->candidates[i]->name : "?");
			if (!r->type_candidates[i])
				return &ms_error_nomem;
			r->ntype_candidates++;
		}
	} else {
		r->type = pool_str(pool, m->geom ? m->geom->mtype.name : "map[?]?");
	}
	if (m->geom && m->ncandidates <= 1) {
		r->key_type = pool_str(pool, m->geom->mtype.key_name);
		r->elem_type = pool_str(pool, m->geom->mtype.elem_name);
	}
	if (m->geom) {
		d->key_bytes = m->geom->kslot;
		d->elem_bytes = m->geom->vslot;
		d->key_indirect = m->geom->key_indirect;
		d->elem_indirect = m->geom->elem_indirect;
		d->has_pointers = m->geom->has_pointers;
	}
	r->type_source = m->type_source ? m->type_source : "dwarf";
	if (m->stack && m->stack->hi)
		snprintf(buf, sizeof(buf), "stack of goroutine %llu%s%s",
		         (unsigned long long)m->stack->goid, m->stack->func ? " in " : "",
		         m->stack->func ? m->stack->func : "");
	else
		snprintf(buf, sizeof(buf), "%s", r->held_bytes ? "heap" : "none");
	r->where = pool_str(pool, buf);
	/* the found map's array, handed over: room for npaths at least */
	r->paths = m->npaths ? m->paths : calloc(1, sizeof(*r->paths));
	if (m->npaths) {
		m->paths = NULL;
		m->paths_grown = false;
	}
	r->npaths = m->npaths;
	m->npaths = 0;
	if (!r->type || !r->where || !r->paths)
		return &ms_error_nomem;
	if (m->package && !(r->package = pool_str(pool, m->package)))
		return &ms_error_nomem;
	free(m->package);
	m->package = NULL;
	d->load = d->capacity ? (double)r->len / (double)d->capacity : 0;
	/* inside a write the count may lag the slots (write_in_progress): no damage */
	if (!r->error && !d->writing && d->occupied != r->len) {
		snprintf(buf, sizeof(buf), "the header says len %llu but %llu slots are occupied",
		         (unsigned long long)r->len, (unsigned long long)d->occupied);
		r->error = strdup(buf);
	}
	fresh_estimate(t, fc, m, r, d);
	return NULL;
}

void ms_map_draft_destroy(struct ms_map_draft *dr)
{
	if (!dr)
		return;
	ms_map_detail_free(&dr->d);
	ms_map_report_destroy(&dr->r); /* the draft's first member: frees it */
}

/*
 * Move one found map's report into *RET, its detail packed (only what the summary,
 * groups and views read stays open). *RET NULL on an error.
 */
static struct ms_error *take_map(struct ms_target *t, struct fresh_cache *fc,
                                 struct ms_inspect_report *rep, struct ms_found_map *m,
                                 struct ms_map_report **ret)
{
	struct ms_map_draft *dr;
	struct ms_error *err = ms_found_take_report(m, &dr);

	*ret = NULL;
	if (err)
		return err;
	err = fill_map(t, fc, rep, m, &dr->r, &dr->d);
	if (!err)
		err = ms_map_draft_seal(&dr, ret);
	ms_map_draft_destroy(dr); /* NULL once sealed */
	return err;
}

/* Count one map into the summary. */
static struct ms_error *summary_add(struct ms_inspect_report *rep, const struct ms_map_report *r)
{
	char pkg[256];
	struct ms_error *err;

	/* the root's package; layouts recorded before it was kept: the root of the first path */
	if (r->package)
		snprintf(pkg, sizeof(pkg), "%s", r->package);
	else if (r->npaths)
		ms_go_symbol_package(r->paths[0], pkg, sizeof(pkg));
	else
		snprintf(pkg, sizeof(pkg), "(unreached)");
	rep->found[r->found_by]++;
	rep->total_held_bytes += r->held_bytes;
	rep->total_reclaimable_bytes += r->reclaimable_bytes;
	rep->total_len += r->len;
	if (r->graph) {
		rep->total_payload_bytes += r->payload_bytes;
		if (!r->nested)
			rep->total_retained_bytes += r->retained_bytes;
	}
	err = add_total(&rep->by_type, &rep->nby_type, r->type, r);
	if (!err)
		err = add_total(&rep->by_package, &rep->nby_package, pkg, r);
	return err;
}

static struct ms_error *summary_sort(struct ms_inspect_report *rep)
{
	if (rep->nby_type)
		qsort(rep->by_type, rep->nby_type, sizeof(*rep->by_type), cmp_total);
	if (rep->nby_package)
		qsort(rep->by_package, rep->nby_package, sizeof(*rep->by_package), cmp_total);
	return NULL;
}

struct ms_error *ms_report_summarize(struct ms_inspect_report *rep)
{
	struct ms_error *err;

	memset(rep->found, 0, sizeof(rep->found));
	rep->total_held_bytes = rep->total_reclaimable_bytes = rep->total_len = 0;
	rep->total_payload_bytes = rep->total_retained_bytes = 0;
	for (size_t i = 0; i < rep->nby_type; i++)
		free(rep->by_type[i].name);
	for (size_t i = 0; i < rep->nby_package; i++)
		free(rep->by_package[i].name);
	rep->nby_type = rep->nby_package = 0;
	for (size_t i = 0; i < rep->nmaps; i++) {
		err = summary_add(rep, rep->maps[i]);
		if (err)
			return err;
	}
	if (!rep->filter) {
		rep->unfiltered_maps = rep->nmaps + rep->streamed;
		rep->unfiltered_held_bytes = rep->total_held_bytes;
	}
	err = ms_report_group(rep);
	return err ? err : summary_sort(rep);
}

struct stream {
	struct ms_target *t;
	struct ms_inspect_report *rep;
	const struct ms_inspect_opts *opts;
	struct fresh_cache *fc;
};

/* Keep the ten biggest of a kind (0 held, 1 reclaimable) while maps stream past. */
static void top_add(struct ms_inspect_report *rep, int kind, const struct ms_map_report *m)
{
	uint64_t bytes = kind ? m->reclaimable_bytes : m->held_bytes;
	struct ms_top_entry *t = rep->top[kind];
	size_t n = rep->ntop[kind], at = n;

	/* the order of the sorted report: bytes, largest first, then address */
	while (at > 0 &&
	       (t[at - 1].bytes < bytes || (t[at - 1].bytes == bytes && t[at - 1].addr > m->addr)))
		at--;
	if (at >= 10)
		return;
	if (n == 10) {
		free(t[9].type);
		free(t[9].path);
		n = 9;
	}
	memmove(&t[at + 1], &t[at], (n - at) * sizeof(*t));
	t[at].addr = m->addr;
	t[at].bytes = bytes;
	t[at].type = strdup(m->type);
	t[at].path = m->npaths ? strdup(m->paths[0]) : NULL;
	rep->ntop[kind] = n + 1;
}

/* Streaming: finish one map as soon as it is walked, hand it over, count it, free it. */
static struct ms_error *walked(void *arg, struct ms_found_map *m)
{
	struct stream *st = arg;
	struct ms_map_report *r = NULL;
	struct ms_report_view v = {MS_SORT_ADDR, 0, st->opts->filter};
	struct ms_error *err = take_map(st->t, st->fc, st->rep, m, &r);
	bool shown = !err && ms_view_matches(&v, r);

	if (!err) {
		st->rep->unfiltered_maps++;
		st->rep->unfiltered_held_bytes += r->held_bytes;
	}
	if (shown)
		err = st->opts->on_map(st->opts->on_map_arg, r);
	if (shown && !err)
		err = summary_add(st->rep, r);
	if (shown && !err) {
		top_add(st->rep, 0, r);
		top_add(st->rep, 1, r);
	}
	st->rep->streamed += shown;
	ms_map_report_destroy(r);
	for (size_t k = 0; k < m->npaths; k++)
		free(m->paths[k]);
	m->npaths = 0;
	return err;
}

/*
 * --retained: the heap graph's payload and retained bytes of every map found with a
 * report, in the order of found (*ret: owned, set to NULL on an error).
 */
static struct ms_error *measure_graph(struct ms_target *t, struct ms_found *found,
                                      struct ms_inspect_report *rep, struct ms_heapgraph_map **ret)
{
	struct ms_heapgraph_map *hm = calloc(found->n ? found->n : 1, sizeof(*hm));
	struct ms_heapgraph_stats st;
	struct timespec t0, t1;
	size_t n = 0;
	struct ms_error *err;

	*ret = NULL;
	if (!hm)
		return &ms_error_nomem;
	for (size_t i = 0; i < found->n; i++) {
		const struct ms_found_map *m = found->maps[i];
		bool classic = m->geom ? m->geom->impl == MS_IMPL_CLASSIC : t->classic_layout;
		struct ms_map_draft scratch;
		const struct ms_map_draft *r = ms_found_peek_report(m, &scratch);

		if (!r)
			continue;
		hm[n].addr = m->addr;
		hm[n].hdr_bytes = classic ? t->rt.hmap.size : t->rt.smap.size;
		if (classic) {
			hm[n].ptr_off[0] = t->rt.hmap.buckets;
			hm[n].ptr_off[1] = t->rt.hmap.oldbuckets;
			hm[n].ptr_off[2] = t->rt.hmap.extra;
			hm[n].nptr = 3;
		} else {
			hm[n].ptr_off[0] = t->rt.smap.dir_ptr;
			hm[n].nptr = 1;
		}
		if (r->d.sync) { /* a sync.Map: its struct is the header */
			struct ms_go_syncmap sl;

			ms_go_syncmap_layout(&t->go, t->arch, &sl);
			hm[n].hdr_bytes = sl.size;
			hm[n].nptr = 1;
			if (sl.hashtrie) {
				hm[n].ptr_off[0] = sl.root_off;
			} else {
				/* read: an atomic.Pointer, or (1.19) an atomic.Value's data word */
				hm[n].ptr_off[0] = sl.read_off + (sl.read_iface ? t->ptr : 0);
				hm[n].ptr_off[1] = sl.dirty_off;
				hm[n].nptr = 2;
			}
		}
		if (hm[n].hdr_bytes == UINT64_MAX || hm[n].hdr_bytes > 256)
			hm[n].hdr_bytes = 0;
		hm[n].held_bytes = r->r.held_bytes;
		n++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = ms_heapgraph_measure(t, hm, n, &st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!err) {
		rep->graph = true;
		rep->graph_objects = st.objects;
		rep->graph_edges = st.edges;
		rep->graph_bytes = st.graph_bytes;
		rep->graph_precise = st.precise;
		rep->graph_conservative = st.conservative;
		rep->graph_stack_objects = st.stack_objects;
		rep->graph_s =
		    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (st.payload_budget_hit)
			ms_target_warn(t,
			               "--retained: the payload walk stopped after %llu objects: "
			               "the maps after it have no payload_bytes",
			               (unsigned long long)st.payload_visits);
		*ret = hm;
	} else {
		free(hm);
	}
	return err;
}

/* The heap graph's figures of one map, as measure_graph left them. */
static void graph_apply(struct ms_map_report *r, const struct ms_heapgraph_map *hm)
{
	r->graph = hm->retained_known;
	r->payload_bytes = hm->payload_bytes;
	r->retained_bytes = hm->retained_bytes;
	r->nested = hm->nested;
}

/* Everything after opening: find and walk the maps, then build the report. */
static struct ms_error *inspect_target(struct ms_target *t, const struct ms_inspect_opts *opts,
                                       const char *source, const char *exe_path,
                                       struct ms_inspect_report *rep)
{
	struct ms_types *ty = NULL;
	struct ms_found found = {0};
	struct ms_find_opts fopts = {0};
	struct fresh_cache fc = {0};
	struct stream st = {t, rep, opts, &fc};
	struct ms_heapgraph_map *graph = NULL; /* --retained: a map's figures, in found's order */
	size_t ngraph = 0;
	struct ms_error *err;
	bool live = ms_source_core_info(t->mem) == NULL;

	err = ms_types_create(t, &ty);
	if (err)
		goto out;
	fopts.max_values = opts ? opts->max_objects : 0;
	fopts.no_stacks = opts && opts->no_stacks;
	fopts.no_heap_scan = opts && opts->no_heap_scan;
	fopts.progress = opts ? opts->progress : NULL;
	fopts.progress_arg = opts ? opts->progress_arg : NULL;
	if (opts && opts->on_map) {
		fopts.walked = walked;
		fopts.walked_arg = &st;
		if (opts->filter && !(rep->filter = strdup(opts->filter))) {
			err = &ms_error_nomem;
			goto out;
		}
	}
	err = ms_find_maps(t, ty, &fopts, &found);
	rep->type_conflicts = found.conflicts; /* the report owns them now */
	found.conflicts = (struct ms_type_conflicts){0};
	if (!err) {
		struct ms_error *herr = ms_heap_inuse(t, &rep->heap_inuse_bytes);

		if (herr) {
			ms_target_warn(t, "heap in use unknown: %s", ms_error_message(herr));
			ms_error_destroy(herr);
		}
	}
	if (!err && opts && opts->retained) {
		if (opts->on_map) {
			ms_target_warn(t, "--retained: not computed while streaming (--stream)");
		} else {
			struct ms_error *gerr = measure_graph(t, &found, rep, &graph);

			if (gerr && ms_error_code(gerr) == MS_ERR_NOMEM)
				err = gerr;
			else if (gerr) {
				ms_target_warn(t, "--retained: no heap graph: %s",
				               ms_error_message(gerr));
				ms_error_destroy(gerr);
			}
		}
	}
	rep->walked_bytes = t->mem->nread_bytes;
	rep->goroutines = t->goroutines.count;
	rep->goroutines_running = t->goroutines.running;
	rep->goroutines_on_thread = t->goroutines.on_thread;
	rep->goroutines_on_system_stack = t->goroutines.on_system_stack;
	rep->goroutines_unwound = t->goroutines.unwound;
	if (live) {
		/* everything is read: let the process go before the report is built */
		ms_source_live_resume(t->mem);
		rep->pause_ns = ms_source_live_pause_ns(t->mem);
		snprintf(rep->attach_method, sizeof(rep->attach_method), "%s",
		         ms_source_live_method(t->mem));
		ms_source_live_copied(t->mem, &rep->copied_bytes, &rep->reread_bytes);
		if (!err && ms_source_live_exited(t->mem))
			err = ms_error_create(MS_ERR_TARGET, "%s exited during the read", source);
	}
	if (err)
		goto out;
	rep->source = strdup(source);
	rep->exe = strdup(exe_path);
	rep->go_version = strdup(t->exe->go_version_text);
	rep->dwarf = !t->dwarf->synthetic;
	rep->layout_source = strdup(rep->dwarf ? "dwarf" : "runtime metadata");
	rep->go = t->go;
	rep->arch = t->arch;
	rep->impl = t->classic_layout ? MS_IMPL_CLASSIC : ms_go_map_impl(&t->go);
	rep->consistent = !(opts && opts->no_stop);
	rep->maps = calloc(found.n ? found.n : 1, sizeof(*rep->maps));
	if (!rep->source || !rep->exe || !rep->go_version || !rep->layout_source || !rep->maps) {
		err = &ms_error_nomem;
		goto out;
	}
	/* nothing is looked up any more: the index's memory goes before the reports grow */
	free(found.index);
	found.index = NULL;
	found.cap = 0;
	for (size_t i = 0; i < found.n; i++) {
		struct ms_found_map *m = found.maps[i];

		if (!ms_found_has_report(m)) { /* streamed already */
			ms_found_map_free(m);
			found.maps[i] = NULL;
			continue;
		}
		err = take_map(t, &fc, rep, m, &rep->maps[rep->nmaps]);
		if (!err && graph)
			graph_apply(rep->maps[rep->nmaps], &graph[ngraph++]);
		rep->nmaps += rep->maps[rep->nmaps] != NULL;
		/* the report owns what it took; free the rest now, not at the end */
		ms_found_map_free(m);
		found.maps[i] = NULL;
		if (err)
			goto out;
	}
	found.n = 0;
	ms_found_deinit(&found); /* its index and array, before the summary's memory */
	if (rep->nmaps)
		qsort(rep->maps, rep->nmaps, sizeof(*rep->maps), cmp_addr);
	err = rep->streamed ? summary_sort(rep) : ms_report_summarize(rep);
	if (err)
		goto out;
	if (!rep->consistent)
		ms_target_warn(t,
		               "read without stopping the process (--no-stop): the maps may have "
		               "changed while they were read");
	rep->warnings = t->warnings.list;
	rep->nwarnings = t->warnings.n;
	t->warnings = (struct ms_warnings){0};
out:
	free(graph);
	ms_found_deinit(&found);
	ms_types_destroy(ty);
	free(fc.e);
	return err;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The end of inspect_core and inspect_live: close the target, hand over the report or the error. */
static struct ms_error *finish(struct ms_target *t, struct ms_inspect_report *rep,
                               const struct timespec *t0, struct ms_error *err,
                               struct ms_inspect_report **ret)
{
	ms_target_destroy(t);
	if (err) {
		ms_inspect_report_destroy(rep);
		return err;
	}
	rep->elapsed_s = seconds_since(t0);
	*ret = rep;
	return NULL;
}

static unsigned target_flags(const struct ms_inspect_opts *opts)
{
	return opts && opts->no_dwarf ? MS_TARGET_NO_DWARF : 0;
}

struct ms_error *ms_inspect_core(const char *core_path, const char *exe_path,
                                 const struct ms_inspect_opts *opts, struct ms_inspect_report **ret)
{
	struct ms_inspect_report *rep = calloc(1, sizeof(*rep));
	struct ms_target *t = NULL;
	struct timespec t0;
	struct ms_error *err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!rep)
		return &ms_error_nomem;
	err = ms_target_open_core(core_path, exe_path, target_flags(opts), &t);
	if (!err) {
		rep->pid = ms_source_core_info(t->mem)->pid;
		rep->truncated = ms_source_core_info(t->mem)->truncated;
		err = inspect_target(t, opts, core_path, exe_path ? exe_path : t->exe->path, rep);
	}
	return finish(t, rep, &t0, err, ret);
}

static enum ms_live_method live_method(const struct ms_inspect_opts *opts)
{
	if (opts && opts->no_stop)
		return MS_LIVE_NO_STOP;
	if (!opts)
		return MS_LIVE_PRECOPY;
	if (opts->no_clear_refs)
		return MS_LIVE_STOP_COPY;
	switch (opts->attach_method) {
	case MS_ATTACH_SOFT_DIRTY:
		return MS_LIVE_SOFT_DIRTY;
	case MS_ATTACH_UFFD_WP:
		return MS_LIVE_UFFD_WP;
	case MS_ATTACH_STOP_COPY:
		return MS_LIVE_STOP_COPY;
	case MS_ATTACH_AUTO:
	default:
		return MS_LIVE_PRECOPY;
	}
}

struct ms_error *ms_inspect_live(int pid, const char *exe_path, const struct ms_inspect_opts *opts,
                                 struct ms_inspect_report **ret)
{
	struct ms_inspect_report *rep = calloc(1, sizeof(*rep));
	struct ms_target *t = NULL;
	char source[32], proc_exe[64];
	struct timespec t0;
	struct ms_error *err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!rep)
		return &ms_error_nomem;
	snprintf(source, sizeof(source), "pid %d", pid);
	snprintf(proc_exe, sizeof(proc_exe), "/proc/%d/exe", pid);
	err = ms_target_open_live(pid, exe_path, live_method(opts), target_flags(opts), &t);
	if (!err) {
		rep->pid = pid;
		err = inspect_target(t, opts, source, exe_path ? exe_path : proc_exe, rep);
	}
	return finish(t, rep, &t0, err, ret);
}

struct ms_error *ms_inspect_report_complete(const struct ms_inspect_report *r)
{
	size_t damaged = 0;

	for (size_t i = 0; i < r->nmaps; i++)
		damaged += r->maps[i]->error != NULL;
	if (!damaged && !r->truncated)
		return NULL;
	return ms_error_create(MS_ERR_INCOMPLETE, "'%s': report incomplete: %s%s%zu map%s damaged",
	                       r->source, r->truncated ? "the core is truncated" : "",
	                       r->truncated ? ", " : "", damaged, damaged == 1 ? "" : "s");
}

void ms_map_report_destroy(struct ms_map_report *m)
{
	if (!m)
		return;
	if (!m->pooled) {
		free(m->type);
		free(m->key_type);
		free(m->elem_type);
		free(m->package);
		free(m->where);
	}
	for (size_t k = 0; k < m->npaths; k++)
		free(m->paths[k]);
	free(m->paths);
	free(m->error);
	ms_map_report_free_detail(m);
	for (size_t k = 0; k < m->ntype_candidates; k++)
		free(m->type_candidates[k]);
	free(m->type_candidates);
	free(m);
}

void ms_inspect_report_destroy(struct ms_inspect_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nmaps; i++)
		ms_map_report_destroy(r->maps[i]);
	free(r->maps);
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < r->ntop[k]; i++) {
			free(r->top[k][i].type);
			free(r->top[k][i].path);
		}
	for (size_t i = 0; i < r->nby_type; i++)
		free(r->by_type[i].name);
	for (size_t i = 0; i < r->nby_package; i++)
		free(r->by_package[i].name);
	free(r->by_type);
	free(r->by_package);
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	free(r->source);
	free(r->exe);
	free(r->go_version);
	free(r->layout_source);
	free(r->recorded_at);
	ms_type_conflicts_free(&r->type_conflicts);
	ms_report_groups_free(r);
	free(r->filter);
	pool_free(r->strings);
	free(r);
}

struct ms_error *ms_inspect_report_filter(struct ms_inspect_report *r, const char *filter)
{
	struct ms_report_view v = {MS_SORT_ADDR, 0, filter};
	uint64_t maps = r->nmaps + r->streamed, held = r->total_held_bytes;
	size_t n = 0;

	if (!filter || (r->filter && strcmp(r->filter, filter) == 0))
		return NULL; /* nothing to do, or done while the maps streamed past */
	if (r->streamed)     /* the maps are gone: their summary cannot be cut again */
		return ms_error_create(MS_ERR_USAGE,
		                       "a streamed report cannot be filtered after the fact");
	if (r->filter) { /* already cut down: the process's totals are those kept */
		maps = r->unfiltered_maps;
		held = r->unfiltered_held_bytes;
	}
	free(r->filter);
	r->filter = strdup(filter);
	if (!r->filter)
		return &ms_error_nomem;
	for (size_t i = 0; i < r->nmaps; i++) {
		if (ms_view_matches(&v, r->maps[i]))
			r->maps[n++] = r->maps[i];
		else
			ms_map_report_destroy(r->maps[i]);
	}
	r->nmaps = n;
	r->unfiltered_maps = maps;
	r->unfiltered_held_bytes = held;
	return ms_report_summarize(r);
}
