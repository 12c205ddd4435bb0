/* SPDX-License-Identifier: MIT */
/*
 * Comparing two reports (recorded layouts or JSON reports): maps matched by
 * their shortest path, then, among those left, by type in address order; per
 * pair the change in len, held and reclaimable bytes, overflow and
 * tombstones, and of implementation (a Go upgrade: a sync.Map matched across
 * 1.23 and 1.24+ is one entry whose impl went classic -> hashtriemap); maps
 * that appeared or disappeared.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

static int cmp_pair(const void *a, const void *b)
{
	const struct ms_diff_entry *x = a, *y = b;
	int64_t dx = x->delta_held < 0 ? -x->delta_held : x->delta_held;
	int64_t dy = y->delta_held < 0 ? -y->delta_held : y->delta_held;

	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->key, y->key);
}

static const char *key_of(const struct ms_map_report *m)
{
	return m->npaths ? m->paths[0] : NULL;
}

static int64_t delta(uint64_t a, uint64_t b)
{
	return (int64_t)(b - a);
}

static uint64_t waste_of(const struct ms_map_report *m)
{
	struct ms_map_detail scratch;
	const struct ms_map_detail *d = ms_map_report_detail(m, &scratch);

	return m->impl == MS_IMPL_CLASSIC ? d->overflow_buckets : d->tombstones;
}

static struct ms_error *add(struct ms_diff *d, const struct ms_map_report *a,
                            const struct ms_map_report *b)
{
	struct ms_diff_entry *e;
	const struct ms_map_report *m = b ? b : a;
	const char *key;

	if (!m)
		return ms_error_create(MS_ERR_INTERNAL, "diff: an entry with neither side");
	key = key_of(m);
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		struct ms_diff_entry *n = realloc(d->entries, cap * sizeof(*n));

		if (!n)
			return &ms_error_nomem;
		d->entries = n;
		d->cap = cap;
	}
	e = &d->entries[d->n];
	memset(e, 0, sizeof(*e));
	e->a = a;
	e->b = b;
	e->key = strdup(key ? key : m->type);
	if (!e->key)
		return &ms_error_nomem;
	d->n++;
	e->status = !a ? MS_DIFF_APPEARED : !b ? MS_DIFF_DISAPPEARED : MS_DIFF_CHANGED;
	e->delta_len = delta(a ? a->len : 0, b ? b->len : 0);
	e->delta_held = delta(a ? a->held_bytes : 0, b ? b->held_bytes : 0);
	e->delta_reclaimable = delta(a ? a->reclaimable_bytes : 0, b ? b->reclaimable_bytes : 0);
	e->delta_waste = delta(a ? waste_of(a) : 0, b ? waste_of(b) : 0);
	/* said, not a status of its own: equal counts stay "same" */
	e->impl_changed = a && b && a->impl != b->impl;
	e->graph = d->a->graph && d->b->graph;
	if (e->graph) {
		e->delta_payload = delta(a ? a->payload_bytes : 0, b ? b->payload_bytes : 0);
		e->delta_retained = delta(a ? a->retained_bytes : 0, b ? b->retained_bytes : 0);
	}
	if (a && b && !e->delta_len && !e->delta_held && !e->delta_reclaimable && !e->delta_waste &&
	    !e->delta_payload && !e->delta_retained)
		e->status = MS_DIFF_SAME;
	d->counts[e->status]++;
	d->delta_held += e->delta_held;
	d->delta_len += e->delta_len;
	d->delta_reclaimable += e->delta_reclaimable;
	return NULL;
}

/* One of B's maps by its key (a path, or a type) and its index in B. */
struct slot {
	const char *k;
	size_t j;
};

static int cmp_slot(const void *x, const void *y)
{
	const struct slot *p = x, *q = y;
	int c = strcmp(p->k, q->k);

	return c ? c : (p->j > q->j) - (p->j < q->j);
}

/*
 * Pair each of A's maps left, in order, with the first of B's maps left with the same
 * key: by path (BY_PATH: the maps that have one), or by type (the maps without a path).
 * B's maps sorted by key and index, each key's run taken from its front: n log n, the
 * pairs a scan of B for each of A's maps would make.
 */
static struct ms_error *match(struct ms_diff *d, const struct ms_inspect_report *a,
                              const struct ms_inspect_report *b, bool *used_a, bool *used_b,
                              bool by_path)
{
	struct slot *s = calloc(b->nmaps ? b->nmaps : 1, sizeof(*s));
	size_t *next = calloc(b->nmaps ? b->nmaps : 1, sizeof(*next)), n = 0;
	struct ms_error *err = NULL;

	if (!s || !next) {
		free(s);
		free(next);
		return &ms_error_nomem;
	}
	for (size_t j = 0; j < b->nmaps; j++) {
		const char *k = key_of(b->maps[j]);

		if (!used_b[j] && (by_path ? k != NULL : k == NULL))
			s[n++] = (struct slot){by_path ? k : b->maps[j]->type, j};
	}
	if (n)
		qsort(s, n, sizeof(*s), cmp_slot);
	for (size_t p = 0; p < n; p++) /* each run's next untaken slot, kept at its start */
		next[p] = p;
	for (size_t i = 0; i < a->nmaps && !err; i++) {
		const char *k = key_of(a->maps[i]);
		size_t lo = 0, hi = n, p;

		if (used_a[i] || (by_path ? k == NULL : k != NULL))
			continue;
		if (!by_path)
			k = a->maps[i]->type;
		while (lo < hi) { /* the start of k's run */
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(s[mid].k, k) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == n || strcmp(s[lo].k, k) != 0)
			continue;
		p = next[lo];
		if (p == n || strcmp(s[p].k, k) != 0)
			continue; /* every map of the run taken */
		next[lo] = p + 1;
		used_a[i] = used_b[s[p].j] = true;
		err = add(d, a->maps[i], b->maps[s[p].j]);
	}
	free(s);
	free(next);
	return err;
}

struct ms_error *ms_diff_reports(const struct ms_inspect_report *a,
                                 const struct ms_inspect_report *b, struct ms_diff *ret)
{
	struct ms_diff d = {0};
	bool *used_b = calloc(b->nmaps ? b->nmaps : 1, 1);
	bool *used_a = calloc(a->nmaps ? a->nmaps : 1, 1);
	struct ms_error *err = NULL;

	if (!used_a || !used_b) {
		err = &ms_error_nomem;
		goto out;
	}
	d.a = a;
	d.b = b;
	d.graph = a->graph && b->graph;
	if (d.graph) {
		d.delta_total_payload = delta(a->total_payload_bytes, b->total_payload_bytes);
		d.delta_total_retained = delta(a->total_retained_bytes, b->total_retained_bytes);
	}
	/* by path: a map keeps its shortest path across runs */
	err = match(&d, a, b, used_a, used_b, true);
	/* then by type, in address order, among the maps left */
	if (!err)
		err = match(&d, a, b, used_a, used_b, false);
	for (size_t i = 0; i < a->nmaps && !err; i++)
		if (!used_a[i])
			err = add(&d, a->maps[i], NULL);
	for (size_t j = 0; j < b->nmaps && !err; j++)
		if (!used_b[j])
			err = add(&d, NULL, b->maps[j]);
	if (!err && d.n)
		qsort(d.entries, d.n, sizeof(*d.entries), cmp_pair);
out:
	free(used_a);
	free(used_b);
	if (err) {
		ms_diff_deinit(&d);
		return err;
	}
	*ret = d;
	return NULL;
}

void ms_diff_deinit(struct ms_diff *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->entries[i].key);
	free(d->entries);
	memset(d, 0, sizeof(*d));
}

const char *ms_diff_status_name(enum ms_diff_status s)
{
	static const char *const names[] = {"changed", "same", "appeared", "disappeared"};

	return (unsigned)s < 4 ? names[s] : "?";
}
