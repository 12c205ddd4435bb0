/* SPDX-License-Identifier: MIT */
/* The compact JSON writer (lib/emit/jsonw.c) against jansson's own compact dump of the same values.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "jsonw.h"

static const char *const strings[] = {
    "plain",
    "q\"uote\\back",
    "\x01\x1f\b\f\n\r\t\v\x7f",
    "/slash",
    "",
    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
    "bad \xff\xfe",
    "overlong \xc0\xaf",
    "surrogate \xed\xa0\x80",
    "cut \xe2\x82",
};
static const double reals[] = {0,   0.25,     -2.5,     1e300, 1.0 / 3, 1e-7, 123456789012345678.0,
                               NAN, INFINITY, -INFINITY};
static const int64_t ints[] = {0, 1, -1, INT64_MIN, INT64_MAX, 1000000007};

int main(void)
{
	json_t *o = json_object(), *a = json_array(), *inner = json_object();
	char storage[16], key[32], *want;
	struct ms_jw w;

	/* a small start: the buffer has to grow onto the heap on the way */
	ms_jw_init(&w, storage, sizeof(storage));
	ms_jw_object(&w, NULL);
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		snprintf(key, sizeof(key), "s%zu", i);
		json_object_set_new(o, key, json_string(strings[i]));
		ms_jw_string(&w, key, strings[i]);
		json_array_append_new(a, json_string(strings[i]));
	}
	json_object_set_new(o, "absent", json_string(NULL));
	ms_jw_string(&w, "absent", NULL);
	json_object_set_new(o, "nothing", json_null());
	ms_jw_string_or_null(&w, "nothing", NULL);
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		snprintf(key, sizeof(key), "r%zu", i);
		json_object_set_new(o, key, json_real(reals[i]));
		ms_jw_real(&w, key, reals[i]);
	}
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		snprintf(key, sizeof(key), "i%zu", i);
		json_object_set_new(o, key, json_integer(ints[i]));
		ms_jw_int(&w, key, ints[i]);
	}
	json_object_set_new(o, "u", json_integer((json_int_t)UINT64_MAX));
	ms_jw_uint(&w, "u", UINT64_MAX);
	json_object_set_new(o, "t", json_true());
	ms_jw_bool(&w, "t", true);
	json_object_set_new(o, "f", json_false());
	ms_jw_bool(&w, "f", false);
	ms_jw_array(&w, "a");
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		ms_jw_string(&w, NULL, strings[i]);
	ms_jw_end_array(&w);
	json_object_set_new(o, "a", a);
	json_object_set_new(o, "empty", json_array());
	ms_jw_array(&w, "empty");
	ms_jw_end_array(&w);
	json_object_set_new(inner, "address", json_string("0xc000012340"));
	json_object_set_new(o, "inner", inner);
	ms_jw_object(&w, "inner");
	ms_jw_addr(&w, "address", 0xc000012340);
	ms_jw_end_object(&w);
	ms_jw_end_object(&w);
	ms_jw_raw(&w, "", 1); /* the terminating NUL, to compare as a string */

	want = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CHECK(!w.failed, "the writer did not fail");
	CHECK_STR(w.buf, want, "same bytes as jansson's compact dump");
	CHECK(w.depth == 0, "every object and array closed");
	free(want);
	json_decref(o);
	ms_jw_free(&w);

	/* too deep: refused, not overflowed */
	ms_jw_init(&w, NULL, 0);
	for (int i = 0; i < MS_JW_DEPTH + 2; i++)
		ms_jw_array(&w, NULL);
	CHECK(w.failed, "nesting beyond MS_JW_DEPTH fails the writer");
	CHECK(ms_jw_flush(&w, stdout) == -1, "a failed writer's flush reports the failure");
	ms_jw_free(&w);
	return tap_done();
}
