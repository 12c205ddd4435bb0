/* SPDX-License-Identifier: MIT */
/*
 * A compact JSON writer into a growing buffer (lib/emit/jsonw.c), for the
 * documents with one line per map: no tree of values per map, and bytes
 * identical to jansson's JSON_COMPACT | JSON_PRESERVE_ORDER dump of the
 * same values (jansson itself formats the reals and the non-ASCII strings).
 * A value jansson refuses (a string that is not UTF-8, a real that is not
 * finite) is left out with its key, as json_object_set_new leaves it out.
 */
#ifndef MS_JSONW_H
#define MS_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define MS_JW_DEPTH 8

struct ms_jw {
	char *buf;
	size_t len, cap;
	char *own;                   /* buf when grown onto the heap */
	bool first[MS_JW_DEPTH + 1]; /* no member yet at this depth */
	int depth;
	bool failed; /* out of memory, or nested too deep */
};

/* Start with the caller's storage (may be NULL, 0); ms_jw_free releases what grew. */
void ms_jw_init(struct ms_jw *w, char *storage, size_t cap);
void ms_jw_free(struct ms_jw *w);

/* KEY is NULL for an array element. */
void ms_jw_object(struct ms_jw *w, const char *key);
void ms_jw_array(struct ms_jw *w, const char *key);
void ms_jw_end_object(struct ms_jw *w);
void ms_jw_end_array(struct ms_jw *w);
void ms_jw_uint(struct ms_jw *w, const char *key, uint64_t v); /* as jansson's int64 */
void ms_jw_int(struct ms_jw *w, const char *key, int64_t v);
void ms_jw_real(struct ms_jw *w, const char *key, double v);
void ms_jw_bool(struct ms_jw *w, const char *key, bool v);
void ms_jw_null(struct ms_jw *w, const char *key);
/* S NULL: no member (as json_string(NULL)); _or_null: null. */
void ms_jw_string(struct ms_jw *w, const char *key, const char *s);
void ms_jw_string_or_null(struct ms_jw *w, const char *key, const char *s);
/* "0x..." of an address. */
void ms_jw_addr(struct ms_jw *w, const char *key, uint64_t addr);
/* Raw bytes (separators between values of the caller's own making). */
void ms_jw_raw(struct ms_jw *w, const char *s, size_t n);

/* Write what is buffered to OUT and empty the buffer; -1 on a write error or an earlier failure. */
int ms_jw_flush(struct ms_jw *w, FILE *out);

#endif
