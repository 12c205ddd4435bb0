/* SPDX-License-Identifier: MIT */
/*
 * The inspect report: every map found in a target, walked, with the bytes it
 * holds, what a fresh map of its len would hold, and the summary. Every
 * number of the report is computed here; emitters only format it.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <time.h>

#include "findmaps.h"
#include "gover.h"
#include "report.h"

static const char *const held_ids[MS_HELD__COUNT] = {
    [MS_HELD_LIVE] = "live-entries",          [MS_HELD_EMPTY] = "empty-slots",
    [MS_HELD_DELETED] = "deleted-slots",      [MS_HELD_TOPHASH] = "tophash-bytes",
    [MS_HELD_CONTROL] = "control-bytes",      [MS_HELD_PADDING] = "kv-padding",
    [MS_HELD_OVF_PTRS] = "overflow-pointers", [MS_HELD_OOL_KEYS] = "indirect-keys",
    [MS_HELD_OOL_ELEMS] = "indirect-values",  [MS_HELD_HEADERS] = "header-structs",
    [MS_HELD_DIRECTORY] = "directory",        [MS_HELD_OVF_SLICE] = "overflow-slice",
    [MS_HELD_GROWTH] = "growth-copy",         [MS_HELD_ROUNDING] = "size-class-rounding",
    [MS_HELD_MALLOC_HDR] = "malloc-headers",
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

/* What a fresh map of the same len would hold on the same Go version. */
static void fresh_estimate(struct ms_target *t, const struct ms_found_map *m,
                           struct ms_map_report *r)
{
	struct ms_estimate_params p = {0};
	struct ms_estimate *e;
	struct ms_error *err;

	if (!m->geom)
		return;
	e = malloc(sizeof(*e));
	if (!e)
		return;
	p.len = r->len < MS_MAX_ESTIMATE_LEN ? r->len : MS_MAX_ESTIMATE_LEN;
	p.seed = 1;
	p.nseeds = r->len > 100000 ? 1 : 4;
	err = ms_estimate(&m->geom->mtype, &t->go, t->arch, &p, e);
	if (!err) {
		r->fresh_bytes = e->total_bytes;
		r->reclaimable_bytes =
		    r->held_bytes > e->total_bytes ? r->held_bytes - e->total_bytes : 0;
	}
	ms_error_destroy(err);
	free(e);
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

/* Move one found map's report into the report, with its strings. */
static struct ms_error *take_map(struct ms_target *t, struct ms_found_map *m,
                                 struct ms_map_report **ret)
{
	struct ms_map_report *r = m->report;
	char buf[256];

	m->report = NULL;
	*ret = r;
	r->found_by = m->by;
	r->refs = m->refs;
	r->goid = m->goid;
	r->impl = m->geom ? m->geom->impl : (t->classic_layout ? MS_IMPL_CLASSIC : MS_IMPL_SWISS);
	if (m->ncandidates > 1) {
		r->type = strdup("map[?]?");
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
		r->type = strdup(m->geom ? m->geom->mtype.name : "map[?]?");
	}
	if (m->geom && m->ncandidates <= 1) {
		r->key_type = strdup(m->geom->mtype.key_name);
		r->elem_type = strdup(m->geom->mtype.elem_name);
	}
	if (m->geom) {
		r->key_bytes = m->geom->kslot;
		r->elem_bytes = m->geom->vslot;
		r->key_indirect = m->geom->key_indirect;
		r->elem_indirect = m->geom->elem_indirect;
		r->has_pointers = m->geom->has_pointers;
	}
	r->type_source = m->type_source ? m->type_source : "dwarf";
	if (m->stack_hi)
		snprintf(buf, sizeof(buf), "stack of goroutine %llu%s%s",
		         (unsigned long long)m->goid, m->func ? " in " : "",
		         m->func ? m->func : "");
	else
		snprintf(buf, sizeof(buf), "%s", r->held_bytes ? "heap" : "none");
	r->where = strdup(buf);
	r->paths = calloc(m->npaths ? m->npaths : 1, sizeof(*r->paths));
	if (!r->type || !r->where || !r->paths)
		return &ms_error_nomem;
	for (size_t i = 0; i < m->npaths; i++) {
		r->paths[i] = m->paths[i];
		m->paths[i] = NULL;
	}
	r->npaths = m->npaths;
	m->npaths = 0;
	r->package = m->package;
	m->package = NULL;
	r->load = r->capacity ? (double)r->len / (double)r->capacity : 0;
	if (!r->error && r->occupied != r->len) {
		snprintf(buf, sizeof(buf), "the header says len %llu but %llu slots are occupied",
		         (unsigned long long)r->len, (unsigned long long)r->occupied);
		r->error = strdup(buf);
	}
	fresh_estimate(t, m, r);
	return NULL;
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
	return summary_sort(rep);
}

struct stream {
	struct ms_target *t;
	struct ms_inspect_report *rep;
	const struct ms_inspect_opts *opts;
};

void ms_map_report_destroy(struct ms_map_report *m);

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
	struct ms_error *err = take_map(st->t, m, &r);

	if (!err)
		err = st->opts->on_map(st->opts->on_map_arg, r);
	if (!err)
		err = summary_add(st->rep, r);
	if (!err) {
		top_add(st->rep, 0, r);
		top_add(st->rep, 1, r);
	}
	st->rep->streamed++;
	ms_map_report_destroy(r);
	for (size_t k = 0; k < m->npaths; k++)
		free(m->paths[k]);
	m->npaths = 0;
	return err;
}

/* Everything after opening: find and walk the maps, then build the report. */
static struct ms_error *inspect_target(struct ms_target *t, const struct ms_inspect_opts *opts,
                                       const char *source, const char *exe_path,
                                       struct ms_inspect_report *rep)
{
	struct ms_types *ty = NULL;
	struct ms_found found = {0};
	struct ms_find_opts fopts = {0};
	struct stream st = {t, rep, opts};
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
	}
	err = ms_find_maps(t, ty, &fopts, &found);
	if (!err) {
		struct ms_error *herr = ms_heap_inuse(t, &rep->heap_inuse_bytes);

		if (herr) {
			ms_target_warn(t, "heap in use unknown: %s", ms_error_message(herr));
			ms_error_destroy(herr);
		}
	}
	rep->walked_bytes = t->mem->nread_bytes;
	if (live) {
		/* everything is read: let the process go before the report is built */
		ms_source_live_resume(t->mem);
		rep->pause_ns = ms_source_live_pause_ns(t->mem);
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
	for (size_t i = 0; i < found.n; i++) {
		struct ms_found_map *m = found.maps[i];

		if (!m->report) { /* streamed already */
			for (size_t k = 0; k < m->npaths; k++)
				free(m->paths[k]);
			free(m);
			found.maps[i] = NULL;
			continue;
		}
		err = take_map(t, m, &rep->maps[rep->nmaps]);
		rep->nmaps++;
		/* the report owns what it took; free the rest now, not at the end */
		for (size_t k = 0; k < m->npaths; k++)
			free(m->paths[k]);
		free(m);
		found.maps[i] = NULL;
		if (err)
			goto out;
	}
	found.n = 0;
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
	ms_found_deinit(&found);
	ms_types_destroy(ty);
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
		err = inspect_target(t, opts, core_path, exe_path, rep);
	}
	return finish(t, rep, &t0, err, ret);
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
	err = ms_target_open_live(pid, exe_path, !(opts && opts->no_stop), target_flags(opts), &t);
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
	free(m->type);
	free(m->key_type);
	free(m->elem_type);
	for (size_t k = 0; k < m->npaths; k++)
		free(m->paths[k]);
	free(m->paths);
	free(m->package);
	free(m->where);
	free(m->error);
	free(m->tables);
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
	free(r);
}

bool ms_report_view_matches(const struct ms_report_view *v, const struct ms_map_report *r)
{
	return ms_view_matches(v, r);
}

/* Does map r pass the view's filter (a glob over its type and paths)? */
bool ms_view_matches(const struct ms_report_view *v, const struct ms_map_report *r)
{
	if (!v || !v->filter)
		return true;
	if (fnmatch(v->filter, r->type, 0) == 0)
		return true;
	for (size_t i = 0; i < r->npaths; i++)
		if (fnmatch(v->filter, r->paths[i], 0) == 0)
			return true;
	return false;
}
