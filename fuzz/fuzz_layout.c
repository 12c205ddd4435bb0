/*
 * Fuzz the layout reader (lib/record/layout_file.c): any bytes as a recorded layout
 * or JSON report; what reads back is printed as text, JSON, pprof and folded
 * stacks (its paths split into frames) and diffed against itself. Its stream reader
 * (lib/record/json_stream.c) is also held against jansson on the whole input, read a
 * few bytes at a time so that every value meets the end of what was read: it must
 * take what jansson takes, as the same JSON, and refuse what jansson refuses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "json_stream.h"
#include "mapsize.h"
#include "memfile.h"

/* An object's member value or the top array: an array one element at a time. */
static json_t *stream_array_or_value(struct ms_jstream *js)
{
	json_t *a, *v;

	if (!ms_jstream_take(js, '['))
		return ms_jstream_value(js);
	a = json_array();
	if (!a || ms_jstream_take(js, ']'))
		return a;
	do {
		if (!(v = ms_jstream_value(js)) || json_array_append_new(a, v)) {
			json_decref(a);
			return NULL;
		}
	} while (ms_jstream_take(js, ','));
	if (ms_jstream_take(js, ']'))
		return a;
	json_decref(a);
	return NULL;
}

/* The document as layout_file.c reads it (its members, arrays element by element). */
static json_t *stream_doc(struct ms_jstream *js)
{
	json_t *doc = NULL;

	if (ms_jstream_peek(js) == '[') {
		doc = stream_array_or_value(js);
	} else if (ms_jstream_take(js, '{') && (doc = json_object()) && !ms_jstream_take(js, '}')) {
		do {
			json_t *k = ms_jstream_value(js), *v = NULL;
			const char *key = json_string_value(k);
			bool ok = key && !json_object_get(doc, key) && ms_jstream_take(js, ':') &&
			          (v = stream_array_or_value(js)) &&
			          !json_object_set_new(doc, key, v);

			json_decref(k);
			if (!ok) {
				json_decref(doc);
				return NULL;
			}
		} while (ms_jstream_take(js, ','));
		if (!ms_jstream_take(js, '}')) {
			json_decref(doc);
			return NULL;
		}
	}
	if (doc && (ms_jstream_peek(js) >= 0 || js->failed)) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static void stream_against_jansson(const uint8_t *data, size_t size, const char *path, size_t chunk)
{
	json_error_t e;
	json_t *whole = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &e), *doc;
	struct ms_jstream js;
	FILE *f = fopen(path, "rb");

	if (!f) {
		json_decref(whole);
		return;
	}
	ms_jstream_init(&js, f);
	js.chunk = chunk;
	doc = stream_doc(&js);
	/* jansson counts its depth from each value the stream hands it: deeper is taken */
	if (!(!whole && json_error_code(&e) == json_error_stack_overflow) && !js.nomem &&
	    ((!doc) != (!whole) || (doc && !json_equal(doc, whole))))
		abort();
	json_decref(doc);
	json_decref(whole);
	ms_jstream_deinit(&js);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_memfile(data, size, path, sizeof(path));
	struct ms_inspect_report *r = NULL;
	struct ms_emit_opts opts = {0};
	struct ms_report_view view = {MS_SORT_HELD, 0, NULL};
	struct ms_diff d;

	if (fd < 0)
		return 0;
	struct ms_error *err = ms_layout_read(path, &r);

	if (!err) {
		FILE *null = fopen("/dev/null", "w");

		if (null) {
			ms_error_destroy(ms_emit_inspect(null, MS_FORMAT_TEXT, r, &view, &opts));
			ms_error_destroy(ms_emit_inspect(null, MS_FORMAT_JSON, r, &view, &opts));
			ms_error_destroy(ms_emit_inspect(null, MS_FORMAT_PPROF, r, &view, &opts));
			ms_error_destroy(ms_emit_inspect(null, MS_FORMAT_FOLDED, r, &view, &opts));
			if (ms_diff_reports(r, r, &d) == NULL) {
				ms_error_destroy(ms_emit_diff(null, MS_FORMAT_JSON, &d, 0, &opts));
				ms_error_destroy(
				    ms_emit_diff(null, MS_FORMAT_FOLDED, &d, 0, &opts));
				ms_diff_deinit(&d);
			}
			fclose(null);
		}
		ms_error_destroy(ms_inspect_report_complete(r));
		ms_inspect_report_destroy(r);
	}
	ms_error_destroy(err);
	stream_against_jansson(data, size, path, 1);
	stream_against_jansson(data, size, path, 2 + size % 23);
	close(fd);
	return 0;
}
