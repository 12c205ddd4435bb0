/* SPDX-License-Identifier: MIT */
/*
 * --format pprof: a gzipped profile.proto message (lib/emit/profile.proto,
 * encoded by protobuf-c, compressed by zlib) that `go tool pprof` reads.
 *
 * One sample per map. Its stack is the map's holder stack (holder_stack.h),
 * the map's type as the leaf, so `-top` lists types by flat bytes and holders
 * by cumulative bytes, and a flame graph is map memory by holder. Its values
 * are the rows of sample_types below (adding a sample type is one row); the
 * default is held bytes. Its labels: path (the concrete shortest path), type,
 * found_by, where, address and, for goroutine roots, goroutine.
 *
 * A diff writes one sample per matched map whose values are B's minus A's
 * (negative where B has less); a map only in A or only in B counts fully on
 * its side. Maps that did not change at all are left out. The label status
 * says changed, appeared or disappeared.
 *
 * The whole file is built in memory and written with one fwrite at the end:
 * an error leaves nothing written.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "emit.h"
#include "grow.h"
#include "holder_stack.h"
#include "profile.pb-c.h"

/* ---- the sample types: one row each ---- */

static int64_t v_maps(const struct ms_map_report *m)
{
	(void)m;
	return 1;
}
static int64_t v_held(const struct ms_map_report *m)
{
	return (int64_t)m->held_bytes;
}
static int64_t v_reclaimable(const struct ms_map_report *m)
{
	return (int64_t)m->reclaimable_bytes;
}
static int64_t v_len(const struct ms_map_report *m)
{
	return (int64_t)m->len;
}
static int64_t v_payload(const struct ms_map_report *m)
{
	return m->graph ? (int64_t)m->payload_bytes : 0;
}
static int64_t v_retained(const struct ms_map_report *m)
{
	return m->graph ? (int64_t)m->retained_bytes : 0;
}

static const struct sample_type {
	const char *type, *unit;
	int64_t (*value)(const struct ms_map_report *m);
} sample_types[] = {
    {"maps", "count", v_maps}, /* first: pprof's convention for the count of events */
    {"held", "bytes", v_held},
    {"reclaimable", "bytes", v_reclaimable},
    {"len", "count", v_len},
    /* the heap graph's (--retained): only in profiles of reports that have it */
    {"payload", "bytes", v_payload},
    {"retained", "bytes", v_retained},
};
#define MAXTYPES     (sizeof(sample_types) / sizeof(sample_types[0]))
#define GRAPH_TYPES  2 /* the last rows: only with the heap graph */
#define NTYPES       (b->ntypes)
#define DEFAULT_TYPE "held"

/* ---- the profile under construction ---- */

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Label Label;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Function Function;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Mapping Mapping;

#define MAX_LABELS 7

struct builder {
	/* the string table, with a hash index (open addressing, 0 = empty, else index + 1) */
	char **strs;
	size_t nstrs, capstrs;
	size_t *hash, hcap;
	uint64_t *loc_of; /* per string: the location (and function) of a frame of that name */
	/* functions and locations, one per distinct frame; ids are 1-based positions */
	Function *funcs;
	Location *locs;
	Line *lines;
	size_t nlocs, caplocs;
	/* samples, each with its own values, location ids and labels */
	Sample *samples;
	int64_t *values;
	uint64_t **loc_ids;
	Label *labels; /* MAX_LABELS per sample */
	size_t nsamples, capsamples;
	size_t ntypes; /* sample types written: all, or all but the heap graph's */
	bool nomem;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool rehash(struct builder *b)
{
	size_t cap = b->hcap ? b->hcap * 2 : 1024;
	size_t *h = calloc(cap, sizeof(*h));

	if (!h)
		return false;
	for (size_t i = 0; i < b->nstrs; i++) {
		size_t k = hash_str(b->strs[i]) & (cap - 1);

		while (h[k])
			k = (k + 1) & (cap - 1);
		h[k] = i + 1;
	}
	free(b->hash);
	b->hash = h;
	b->hcap = cap;
	return true;
}

/* The string table index of s, added if new. 0 ("") when out of memory. */
static int64_t str(struct builder *b, const char *s)
{
	size_t k, cap = b->capstrs;

	if (b->nomem)
		return 0;
	if ((b->nstrs + 1) * 2 > b->hcap && !rehash(b))
		goto nomem;
	for (k = hash_str(s) & (b->hcap - 1); b->hash[k]; k = (k + 1) & (b->hcap - 1))
		if (strcmp(b->strs[b->hash[k] - 1], s) == 0)
			return (int64_t)(b->hash[k] - 1);
	if (!ms_grow((void **)&b->strs, &b->capstrs, b->nstrs, sizeof(*b->strs)))
		goto nomem;
	if (b->capstrs != cap) {
		uint64_t *l = realloc(b->loc_of, b->capstrs * sizeof(*l));

		if (!l)
			goto nomem;
		b->loc_of = l;
	}
	b->strs[b->nstrs] = strdup(s);
	if (!b->strs[b->nstrs])
		goto nomem;
	b->loc_of[b->nstrs] = 0;
	b->hash[k] = b->nstrs + 1;
	return (int64_t)b->nstrs++;
nomem:
	b->nomem = true;
	return 0;
}

/* The location of a frame named name (one function, one line), added if new. */
static uint64_t location(struct builder *b, const char *name)
{
	int64_t s = str(b, name);
	size_t cap = b->caplocs;
	uint64_t id;

	if (b->nomem)
		return 0;
	if (b->loc_of[s])
		return b->loc_of[s];
	if (!ms_grow((void **)&b->locs, &b->caplocs, b->nlocs, sizeof(*b->locs)))
		goto nomem;
	if (b->caplocs != cap) {
		Function *f = realloc(b->funcs, b->caplocs * sizeof(*f));

		if (f)
			b->funcs = f;
		Line *l = f ? realloc(b->lines, b->caplocs * sizeof(*l)) : NULL;

		if (!l)
			goto nomem;
		b->lines = l;
	}
	id = b->nlocs + 1;
	b->funcs[b->nlocs] = (Function)PERFTOOLS__PROFILES__FUNCTION__INIT;
	b->funcs[b->nlocs].id = id;
	b->funcs[b->nlocs].name = s;
	b->funcs[b->nlocs].system_name = s;
	b->lines[b->nlocs] = (Line)PERFTOOLS__PROFILES__LINE__INIT;
	b->lines[b->nlocs].function_id = id;
	b->locs[b->nlocs] = (Location)PERFTOOLS__PROFILES__LOCATION__INIT;
	b->locs[b->nlocs].id = id;
	b->locs[b->nlocs].mapping_id = 1;
	b->nlocs++;
	b->loc_of[s] = id;
	return id;
nomem:
	b->nomem = true;
	return 0;
}

static void label_str(struct builder *b, Label *l, size_t *n, const char *key, const char *val)
{
	if (!val)
		return;
	l[*n] = (Label)PERFTOOLS__PROFILES__LABEL__INIT;
	l[*n].key = str(b, key);
	l[*n].str = str(b, val);
	(*n)++;
}

static void label_num(struct builder *b, Label *l, size_t *n, const char *key, int64_t val)
{
	l[*n] = (Label)PERFTOOLS__PROFILES__LABEL__INIT;
	l[*n].key = str(b, key);
	l[*n].num = val;
	(*n)++;
}

/*
 * One sample: m's stack and labels, values from a's and m's rows (a NULL: m's
 * own values; else m minus a, for a diff; m NULL: minus a's).
 */
static struct ms_error *add_sample(struct builder *b, const struct ms_map_report *a,
                                   const struct ms_map_report *m, const char *status)
{
	const struct ms_map_report *who = m ? m : a;
	struct ms_holder_stack st;
	struct ms_error *err;
	size_t i = b->nsamples, cap = b->capsamples, nl = 0;
	Label *l;

	if (!ms_grow((void **)&b->samples, &b->capsamples, i, sizeof(*b->samples)))
		return &ms_error_nomem;
	if (b->capsamples != cap) {
		int64_t *v = realloc(b->values, b->capsamples * NTYPES * sizeof(*v));
		uint64_t **ids = v ? realloc(b->loc_ids, b->capsamples * sizeof(*ids)) : NULL;
		Label *lb =
		    ids ? realloc(b->labels, b->capsamples * MAX_LABELS * sizeof(*lb)) : NULL;

		if (v)
			b->values = v;
		if (ids)
			b->loc_ids = ids;
		if (!lb)
			return &ms_error_nomem;
		b->labels = lb;
	}
	err = ms_holder_stack(who, &st);
	if (err)
		return err;
	b->samples[i] = (Sample)PERFTOOLS__PROFILES__SAMPLE__INIT;
	b->loc_ids[i] = calloc(st.n, sizeof(**b->loc_ids));
	if (!b->loc_ids[i]) {
		ms_holder_stack_deinit(&st);
		return &ms_error_nomem;
	}
	b->nsamples++;                    /* from here, freed with the builder */
	for (size_t k = 0; k < st.n; k++) /* the leaf first */
		b->loc_ids[i][k] = location(b, st.frames[st.n - 1 - k]);
	for (size_t k = 0; k < NTYPES; k++)
		b->values[i * NTYPES + k] = (m ? sample_types[k].value(m) : 0) -
		                            (a && m != a ? sample_types[k].value(a) : 0);
	l = &b->labels[i * MAX_LABELS];
	label_str(b, l, &nl, "path", st.path);
	label_str(b, l, &nl, "type", who->type);
	label_str(b, l, &nl, "found_by", ms_found_by_name(who->found_by));
	label_str(b, l, &nl, "where", who->where);
	label_num(b, l, &nl, "address", (int64_t)who->addr);
	if (st.goid)
		label_num(b, l, &nl, "goroutine", (int64_t)st.goid);
	label_str(b, l, &nl, "status", status);
	b->samples[i].n_location_id = st.n;
	b->samples[i].n_value = NTYPES;
	b->samples[i].n_label = nl;
	ms_holder_stack_deinit(&st);
	return b->nomem ? &ms_error_nomem : NULL;
}

static void builder_free(struct builder *b)
{
	for (size_t i = 0; i < b->nstrs; i++)
		free(b->strs[i]);
	for (size_t i = 0; i < b->nsamples; i++)
		free(b->loc_ids[i]);
	free(b->strs);
	free(b->hash);
	free(b->loc_of);
	free(b->funcs);
	free(b->locs);
	free(b->lines);
	free(b->samples);
	free(b->values);
	free(b->loc_ids);
	free(b->labels);
}

/* gzip (RFC 1952, as the format asks for on disk) of len bytes at p. Owned. */
static struct ms_error *gzip(const uint8_t *p, size_t len, uint8_t **ret, size_t *ret_len)
{
	z_stream zs = {0};
	uint8_t *out;
	size_t cap;

	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return &ms_error_nomem;
	cap = deflateBound(&zs, (uLong)len) + 32;
	out = malloc(cap);
	if (!out) {
		deflateEnd(&zs);
		return &ms_error_nomem;
	}
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		free(out);
		return ms_error_create(MS_ERR_INTERNAL, "pprof: cannot compress the profile");
	}
	*ret_len = zs.total_out;
	deflateEnd(&zs);
	*ret = out;
	return NULL;
}

/* Link the builder's arrays into a Profile, encode, compress and write it. */
static struct ms_error *write_profile(FILE *out, struct builder *b, const char *const *comments,
                                      size_t ncomments, const char *exe)
{
	Profile prof = PERFTOOLS__PROFILES__PROFILE__INIT;
	ValueType vts[MAXTYPES], period = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
	ValueType *vtp[MAXTYPES];
	Mapping map = PERFTOOLS__PROFILES__MAPPING__INIT, *mapp = &map;
	int64_t comment_ix[8];
	Sample **sp = calloc(b->nsamples + 1, sizeof(*sp));
	Label **lp = calloc(b->nsamples * MAX_LABELS + 1, sizeof(*lp));
	Location **locp = calloc(b->nlocs + 1, sizeof(*locp));
	Line **linep = calloc(b->nlocs + 1, sizeof(*linep));
	Function **fp = calloc(b->nlocs + 1, sizeof(*fp));
	uint8_t *buf = NULL, *gz = NULL;
	size_t len, gzlen = 0;
	struct ms_error *err = NULL;

	if (!sp || !lp || !locp || !linep || !fp) {
		err = &ms_error_nomem;
		goto out;
	}
	for (size_t k = 0; k < NTYPES; k++) {
		vts[k] = (ValueType)PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
		vts[k].type = str(b, sample_types[k].type);
		vts[k].unit = str(b, sample_types[k].unit);
		vtp[k] = &vts[k];
	}
	period.type = str(b, DEFAULT_TYPE);
	period.unit = str(b, "bytes");
	prof.default_sample_type = str(b, DEFAULT_TYPE);
	for (size_t k = 0; k < ncomments && k < 8; k++)
		comment_ix[k] = str(b, comments[k]);
	/* one mapping that says the functions are known: pprof symbolizes nothing */
	map.id = 1;
	map.filename = str(b, exe ? exe : "");
	map.has_functions = true;
	if (b->nomem) {
		err = &ms_error_nomem;
		goto out;
	}
	for (size_t i = 0; i < b->nsamples; i++) {
		sp[i] = &b->samples[i];
		sp[i]->location_id = b->loc_ids[i];
		sp[i]->value = &b->values[i * NTYPES];
		sp[i]->label = &lp[i * MAX_LABELS];
		for (size_t k = 0; k < sp[i]->n_label; k++)
			lp[i * MAX_LABELS + k] = &b->labels[i * MAX_LABELS + k];
	}
	for (size_t i = 0; i < b->nlocs; i++) {
		linep[i] = &b->lines[i];
		b->locs[i].n_line = 1;
		b->locs[i].line = &linep[i];
		locp[i] = &b->locs[i];
		fp[i] = &b->funcs[i];
	}
	prof.n_sample_type = NTYPES;
	prof.sample_type = vtp;
	prof.n_sample = b->nsamples;
	prof.sample = sp;
	prof.n_mapping = 1;
	prof.mapping = &mapp;
	prof.n_location = b->nlocs;
	prof.location = locp;
	prof.n_function = b->nlocs;
	prof.function = fp;
	prof.n_string_table = b->nstrs;
	prof.string_table = b->strs;
	prof.period_type = &period;
	prof.period = 1;
	prof.n_comment = ncomments < 8 ? ncomments : 8;
	prof.comment = comment_ix;
	len = perftools__profiles__profile__get_packed_size(&prof);
	buf = malloc(len ? len : 1);
	if (!buf) {
		err = &ms_error_nomem;
		goto out;
	}
	if (perftools__profiles__profile__pack(&prof, buf) != len) {
		err = ms_error_create(MS_ERR_INTERNAL, "pprof: the encoded size changed");
		goto out;
	}
	err = gzip(buf, len, &gz, &gzlen);
	if (!err && (fwrite(gz, 1, gzlen, out) != gzlen || fflush(out) != 0))
		err = ms_error_create(MS_ERR_IO, "cannot write the profile");
out:
	free(gz);
	free(buf);
	free(sp);
	free(lp);
	free(locp);
	free(linep);
	free(fp);
	return err;
}

static void builder_init(struct builder *b, bool graph)
{
	*b = (struct builder){0};
	b->ntypes = graph ? MAXTYPES : MAXTYPES - GRAPH_TYPES;
	str(b, ""); /* string_table[0] */
}

struct ms_error *ms_emit_inspect_pprof(FILE *out, const struct ms_inspect_report *r,
                                       const struct ms_report_view *view,
                                       const struct ms_emit_opts *opts)
{
	struct builder b;
	size_t n;
	const struct ms_map_report **sel = ms_emit_view_maps(r, view, &n);
	struct ms_error *err = NULL;
	const char *comments[] = {"mapsize: Go maps by holder", r->source ? r->source : "",
	                          r->go_version ? r->go_version : ""};

	if (!sel)
		return &ms_error_nomem;
	builder_init(&b, r->graph);
	for (size_t i = 0; i < n && !err; i++)
		err = add_sample(&b, NULL, sel[i], NULL);
	if (!err)
		err = write_profile(out, &b, comments, 3, r->exe);
	builder_free(&b);
	free(sel);
	return err;
}

struct ms_error *ms_emit_diff_pprof(FILE *out, const struct ms_diff *d, size_t top,
                                    const struct ms_emit_opts *opts)
{
	struct builder b;
	struct ms_error *err = NULL;
	const char *comments[] = {"mapsize diff: B minus A", d->a->source ? d->a->source : "",
	                          d->b->source ? d->b->source : ""};

	builder_init(&b, d->a->graph && d->b->graph);
	for (size_t i = 0; i < d->n && (!top || i < top) && !err; i++) {
		const struct ms_diff_entry *e = &d->entries[i];

		if (e->status != MS_DIFF_SAME)
			err = add_sample(&b, e->a, e->b, ms_diff_status_name(e->status));
	}
	if (!err)
		err = write_profile(out, &b, comments, 3, d->b->exe);
	builder_free(&b);
	return err;
}
