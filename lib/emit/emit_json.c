/* SPDX-License-Identifier: MIT */
/*
 * JSON emitter for estimates (schema: doc/schema/estimate.schema.json).
 * Formats only; every number comes from the estimate. Keys in schema order.
 */
#include <jansson.h>

#include "emit.h"

/* jansson integers are signed 64-bit; byte counts never come near 2^63. */
static json_t *juint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static int set(json_t *obj, const char *key, json_t *val)
{
	return json_object_set_new(obj, key, val);
}

static json_t *shape_json(const struct ms_estimate *e)
{
	const struct ms_estimate_shape *s = &e->shape;
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (e->impl == MS_IMPL_CLASSIC) {
		set(o, "B", juint(s->B));
		set(o, "buckets", juint(s->buckets));
		set(o, "bucket_bytes", juint(s->bucket_bytes));
		set(o, "preallocated_overflow_buckets", juint(s->prealloc_overflow));
		set(o, "overflow_buckets", json_real(s->overflow_buckets));
		set(o, "growing_probability", json_real(s->growing_probability));
	} else {
		set(o, "small", json_boolean(s->small));
		set(o, "tables", json_real(s->tables));
		set(o, "dir_len", json_real(s->dir_len));
		set(o, "groups", json_real(s->groups));
		set(o, "group_bytes", juint(s->group_bytes));
		if (e->impl == MS_IMPL_SWISS)
			set(o, "slot_bytes", juint(s->slot_bytes));
	}
	set(o, "capacity_slots", juint(s->capacity_slots));
	set(o, "key_indirect", json_boolean(s->key_indirect));
	set(o, "value_indirect", json_boolean(s->elem_indirect));
	return o;
}

static json_t *estimate_json(const struct ms_map_type *type, const struct ms_estimate *e, bool top)
{
	char ver[64];
	json_t *o = json_object(), *corr = json_array();

	if (!o || !corr) {
		json_decref(o);
		json_decref(corr);
		return NULL;
	}
	ms_go_version_format(&e->go, ver, sizeof(ver));
	if (top)
		set(o, "schema_version", json_integer(MS_SCHEMA_VERSION));
	set(o, "go_version", json_string(ver));
	set(o, "arch", json_string(ms_arch_info(e->arch)->name));
	set(o, "map_type", json_string(type->name));
	set(o, "key_type", json_string(type->key_name));
	set(o, "value_type", json_string(type->elem_name));
	set(o, "impl", json_string(ms_map_impl_name(e->impl)));
	set(o, "len", juint(e->len));
	set(o, "total_bytes", juint(e->total_bytes));
	set(o, "total_bytes_low", juint(e->total_low_bytes));
	set(o, "total_bytes_high", juint(e->total_high_bytes));
	set(o, "exact", json_boolean(e->exact));
	set(o, "simulated_seeds", json_integer(e->nseeds));
	set(o, "model", json_string(ms_estimate_model_name(e->model)));
	set(o, "naive_bytes", juint(e->naive_bytes));
	set(o, "naive_buckets", juint(e->naive_buckets));
	set(o, "live_kv_bytes", juint(e->live_kv_bytes));
	set(o, "bytes_per_entry",
	    e->len ? json_real((double)e->total_bytes / (double)e->len) : json_null());
	set(o, "peak_bytes", juint(e->peak_bytes));
	set(o, "peak_low_bytes", juint(e->peak_low_bytes));
	set(o, "peak_high_bytes", juint(e->peak_high_bytes));
	set(o, "payload_bytes", juint(e->payload_bytes));
	for (size_t i = 0; i < e->ncorrections; i++) {
		json_t *c = json_object();

		if (!c)
			continue;
		set(c, "id", json_string(e->corrections[i].id));
		set(c, "bytes", json_integer(e->corrections[i].bytes));
		set(c, "reason", json_string(e->corrections[i].reason));
		json_array_append_new(corr, c);
	}
	set(o, "corrections", corr);
	set(o, "shape", shape_json(e));
	return o;
}

static struct ms_error *dump(FILE *out, json_t *doc)
{
	int rc;

	if (!doc)
		return &ms_error_nomem;
	rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (rc != 0 || fputc('\n', out) == EOF)
		return ms_error_create(MS_ERR_IO, "cannot write JSON output");
	return NULL;
}

struct ms_error *ms_emit_estimates_json(FILE *out, const struct ms_map_type *type,
                                        const struct ms_estimate *ests, size_t n,
                                        const struct ms_emit_opts *opts)
{
	json_t *doc, *arr;

	if (n == 1)
		return dump(out, estimate_json(type, &ests[0], true));
	doc = json_object();
	arr = json_array();
	if (!doc || !arr) {
		json_decref(doc);
		json_decref(arr);
		return &ms_error_nomem;
	}
	set(doc, "schema_version", json_integer(MS_SCHEMA_VERSION));
	set(doc, "kind", json_string("estimate-comparison"));
	set(doc, "map_type", json_string(type->name));
	set(doc, "arch", json_string(ms_arch_info(ests[0].arch)->name));
	set(doc, "len", juint(ests[0].len));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, estimate_json(type, &ests[i], false));
	set(doc, "estimates", arr);
	return dump(out, doc);
}

struct ms_error *ms_emit_capacity_json(FILE *out, const struct ms_map_type *type,
                                       uint64_t budget_bytes, uint64_t max_len,
                                       const struct ms_estimate *at_max,
                                       const struct ms_emit_opts *opts)
{
	json_t *doc = json_object();
	char ver[64];

	if (!doc)
		return &ms_error_nomem;
	ms_go_version_format(&at_max->go, ver, sizeof(ver));
	set(doc, "schema_version", json_integer(MS_SCHEMA_VERSION));
	set(doc, "kind", json_string("estimate-capacity"));
	set(doc, "go_version", json_string(ver));
	set(doc, "arch", json_string(ms_arch_info(at_max->arch)->name));
	set(doc, "map_type", json_string(type->name));
	set(doc, "budget_bytes", juint(budget_bytes));
	set(doc, "max_len", juint(max_len));
	/* more would fit, but mapsize estimates at most MS_MAX_ESTIMATE_LEN entries */
	set(doc, "max_len_capped", json_boolean(max_len >= MS_MAX_ESTIMATE_LEN));
	set(doc, "estimate", estimate_json(type, at_max, false));
	return dump(out, doc);
}
