/* SPDX-License-Identifier: MIT */
/*
 * Repeats folded and filters: the groups of maps whose paths differ only in
 * indices and keys (issue 18), computed once here for every emitter, and the
 * --filter pattern (literal, '*' the only wildcard). Cutting a report down to
 * the maps a filter matches is in inspect.c (it summarizes again).
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

bool ms_filter_match(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*p == '*') {
			star = p++;
			resume = s;
		} else if (*p == *s) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* ms_map_pattern in a buffer of 3 bytes a byte of the path (owned; NULL: out of memory). */
static char *pattern_wide(const struct ms_map_report *m)
{
	const char *s = m->npaths ? m->paths[0] : m->where ? m->where : "?";
	size_t n = strlen(s);
	/* "[]" (2 bytes) and a lone "[" at the end (1) become "[*]": at most 3 bytes a byte */
	char *out = malloc(3 * n + 3), *o = out;

	if (!out)
		return NULL;
	if (!m->npaths) {
		const char *g = strstr(s, "goroutine ");

		if (g) {
			size_t head = (size_t)(g - s) + strlen("goroutine ");

			memcpy(o, s, head);
			o += head;
			s += head;
			if (*s >= '0' && *s <= '9') {
				*o++ = '*';
				while (*s >= '0' && *s <= '9')
					s++;
			}
		}
		strcpy(o, s);
		return out;
	}
	while (*s) {
		if (*s != '[') {
			*o++ = *s++;
			continue;
		}
		s++;
		while (*s && *s != ']') {
			if (*s == '"') {
				s++;
				while (*s && *s != '"')
					s += s[0] == '\\' && s[1] ? 2 : 1;
				if (*s)
					s++;
			} else {
				s++;
			}
		}
		if (*s)
			s++;
		memcpy(o, "[*]", 3);
		o += 3;
	}
	*o = '\0';
	return out;
}

/*
 * The path with every index and key folded to [*] (a quoted key may hold ']'),
 * or, for a map without a path, where it lives with its goroutine id folded.
 * Owned, its exact length (one a map lives at once: 300,000 of them); NULL when out
 * of memory.
 */
char *ms_map_pattern(const struct ms_map_report *m)
{
	char *wide = pattern_wide(m), *p = wide ? strdup(wide) : NULL;

	free(wide);
	return p;
}

static int cmp_held_desc(const void *a, const void *b)
{
	const struct ms_map_report *x = *(const struct ms_map_report *const *)a;
	const struct ms_map_report *y = *(const struct ms_map_report *const *)b;

	if (x->held_bytes != y->held_bytes)
		return x->held_bytes > y->held_bytes ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_group(const void *a, const void *b)
{
	const struct ms_map_group *x = a, *y = b;
	int c;

	if (x->held_bytes != y->held_bytes)
		return x->held_bytes > y->held_bytes ? -1 : 1;
	c = strcmp(x->pattern, y->pattern);
	return c ? c : strcmp(x->type, y->type);
}

void ms_report_groups_free(struct ms_inspect_report *rep)
{
	for (size_t i = 0; i < rep->ngroups; i++) {
		free(rep->groups[i].pattern);
		free(rep->groups[i].type);
		free(rep->groups[i].maps);
	}
	free(rep->groups);
	rep->groups = NULL;
	rep->ngroups = 0;
}

/* A group's totals and spread (its maps are sorted, most held first). */
static struct ms_error *group_finish(struct ms_map_group *g)
{
	uint64_t *lens = malloc(g->nmaps * sizeof(*lens));

	if (!lens)
		return &ms_error_nomem;
	qsort(g->maps, g->nmaps, sizeof(*g->maps), cmp_held_desc);
	for (size_t i = 0; i < g->nmaps; i++) {
		g->len += g->maps[i]->len;
		g->held_bytes += g->maps[i]->held_bytes;
		g->reclaimable_bytes += g->maps[i]->reclaimable_bytes;
		lens[i] = g->maps[i]->len;
	}
	qsort(lens, g->nmaps, sizeof(*lens), cmp_u64);
	g->len_min = lens[0];
	g->len_max = lens[g->nmaps - 1];
	g->len_median = lens[(g->nmaps - 1) / 2];
	g->held_max = g->maps[0]->held_bytes;
	g->held_min = g->maps[g->nmaps - 1]->held_bytes;
	/* the lower median of the held bytes, sorted largest first */
	g->held_median = g->maps[g->nmaps / 2]->held_bytes;
	free(lens);
	return NULL;
}

struct keyed {
	char *pattern;
	const struct ms_map_report *m;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->pattern, y->pattern);

	return c ? c : strcmp(x->m->type, y->m->type);
}

struct ms_error *ms_report_group(struct ms_inspect_report *rep)
{
	struct keyed *k;
	struct ms_error *err = NULL;
	size_t i, j, n;

	ms_report_groups_free(rep);
	if (!rep->nmaps)
		return NULL;
	k = calloc(rep->nmaps, sizeof(*k));
	if (!k)
		return &ms_error_nomem;
	for (i = 0; i < rep->nmaps; i++) {
		k[i].m = rep->maps[i];
		k[i].pattern = ms_map_pattern(rep->maps[i]);
		if (!k[i].pattern) {
			err = &ms_error_nomem;
			goto out;
		}
	}
	qsort(k, rep->nmaps, sizeof(*k), cmp_keyed);
	/* the groups counted first: a few thousand of them for a million maps, most often */
	for (i = 0, n = 0; i < rep->nmaps; i = j, n++)
		for (j = i + 1; j < rep->nmaps && cmp_keyed(&k[i], &k[j]) == 0; j++)
			;
	rep->groups = calloc(n, sizeof(*rep->groups));
	if (!rep->groups) {
		err = &ms_error_nomem;
		goto out;
	}
	for (i = 0; i < rep->nmaps; i = j) {
		struct ms_map_group *g = &rep->groups[rep->ngroups++];

		for (j = i + 1; j < rep->nmaps && cmp_keyed(&k[i], &k[j]) == 0; j++)
			;
		g->pattern = k[i].pattern;
		k[i].pattern = NULL;
		g->type = strdup(k[i].m->type);
		g->maps = calloc(j - i, sizeof(*g->maps));
		if (!g->type || !g->maps) {
			err = &ms_error_nomem;
			goto out;
		}
		for (size_t x = i; x < j; x++)
			g->maps[g->nmaps++] = k[x].m;
		err = group_finish(g);
		if (err)
			goto out;
	}
	qsort(rep->groups, rep->ngroups, sizeof(*rep->groups), cmp_group);
out:
	for (i = 0; k && i < rep->nmaps; i++)
		free(k[i].pattern);
	free(k);
	if (err)
		ms_report_groups_free(rep);
	return err;
}

bool ms_report_view_matches(const struct ms_report_view *v, const struct ms_map_report *r)
{
	return ms_view_matches(v, r);
}

/* Does map r pass the view's filter (ms_filter_match on its type or a path)? */
bool ms_view_matches(const struct ms_report_view *v, const struct ms_map_report *r)
{
	if (!v || !v->filter)
		return true;
	if (ms_filter_match(v->filter, r->type))
		return true;
	for (size_t i = 0; i < r->npaths; i++)
		if (ms_filter_match(v->filter, r->paths[i]))
			return true;
	return false;
}
