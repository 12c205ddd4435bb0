/* SPDX-License-Identifier: MIT */
/*
 * A compact JSON writer (jsonw.h): bytes as jansson's compact dump would
 * write them, appended to one buffer, flushed by the caller in big writes.
 */
#include "jsonw.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void ms_jw_init(struct ms_jw *w, char *storage, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = storage;
	w->cap = storage ? cap : 0;
	w->first[0] = true;
}

void ms_jw_free(struct ms_jw *w)
{
	free(w->own);
	w->own = w->buf = NULL;
	w->len = w->cap = 0;
}

/* Room for N more bytes; false (and failed) when out of memory. */
static bool room(struct ms_jw *w, size_t n)
{
	size_t cap;
	char *p;

	if (w->failed)
		return false;
	if (w->len + n <= w->cap)
		return true;
	cap = w->cap ? w->cap : 4096;
	while (cap < w->len + n)
		cap *= 2;
	p = realloc(w->own, cap);
	if (!p) {
		w->failed = true;
		return false;
	}
	if (!w->own && w->len)
		memcpy(p, w->buf, w->len);
	w->own = w->buf = p;
	w->cap = cap;
	return true;
}

void ms_jw_raw(struct ms_jw *w, const char *s, size_t n)
{
	if (room(w, n)) {
		memcpy(w->buf + w->len, s, n);
		w->len += n;
	}
}

static void put_c(struct ms_jw *w, char c)
{
	if (room(w, 1))
		w->buf[w->len++] = c;
}

/* A string beyond ASCII: jansson writes it (and checks its UTF-8); false if it refuses it. */
static bool put_string_jansson(struct ms_jw *w, const char *s)
{
	json_t *j = json_string(s);
	size_t need;

	if (!j)
		return false;
	need = json_dumpb(j, NULL, 0, JSON_ENCODE_ANY | JSON_COMPACT);
	if (need && room(w, need))
		w->len += json_dumpb(j, w->buf + w->len, need, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(j);
	return true;
}

/*
 * A string as jansson dumps it: '"' and '\\' escaped, control characters as
 * \b \f \n \r \t or \u00XX, in one pass over the string. Anything beyond
 * ASCII goes through jansson; false when jansson would refuse the string.
 */
static bool put_string(struct ms_jw *w, const char *s)
{
	static const char esc[] = "btn?fr"; /* \b \t \n \v (not escaped) \f \r */
	size_t n = strlen(s), start = w->len;
	char *o;

	if (!room(w, n * 6 + 2))
		return true;
	o = w->buf + w->len;
	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			*o++ = (char)c;
		} else if (c >= 0x80) {
			w->len = start;
			return put_string_jansson(w, s);
		} else if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c >= '\b' && c <= '\r' && c != '\v') {
			*o++ = '\\';
			*o++ = esc[c - '\b'];
		} else {
			o += snprintf(o, 7, "\\u%04X", c);
		}
	}
	*o++ = '"';
	w->len = (size_t)(o - w->buf);
	return true;
}

/*
 * The separator and key before a value; the key is an ASCII literal of ours.
 * Values at the top are separated by the caller (ms_jw_raw): lines of a document.
 */
static void member(struct ms_jw *w, const char *key)
{
	if (w->depth && !w->first[w->depth])
		put_c(w, ',');
	w->first[w->depth] = false;
	if (key) {
		put_string(w, key);
		put_c(w, ':');
	}
}

static void open(struct ms_jw *w, const char *key, char c)
{
	member(w, key);
	put_c(w, c);
	if (w->depth == MS_JW_DEPTH) {
		w->failed = true;
		return;
	}
	w->first[++w->depth] = true;
}

void ms_jw_object(struct ms_jw *w, const char *key)
{
	open(w, key, '{');
}

void ms_jw_array(struct ms_jw *w, const char *key)
{
	open(w, key, '[');
}

static void close_(struct ms_jw *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	put_c(w, c);
}

void ms_jw_end_object(struct ms_jw *w)
{
	close_(w, '}');
}

void ms_jw_end_array(struct ms_jw *w)
{
	close_(w, ']');
}

void ms_jw_int(struct ms_jw *w, const char *key, int64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	member(w, key);
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	ms_jw_raw(w, tmp + i, sizeof(tmp) - i);
}

void ms_jw_uint(struct ms_jw *w, const char *key, uint64_t v)
{
	ms_jw_int(w, key, (int64_t)v); /* json_integer((json_int_t)v), as every emitter does */
}

void ms_jw_real(struct ms_jw *w, const char *key, double v)
{
	json_t *j;
	char tmp[64];
	size_t n;

	if (!isfinite(v))
		return; /* json_real refuses it: the key is left out */
	j = json_real(v);
	n = j ? json_dumpb(j, tmp, sizeof(tmp), JSON_ENCODE_ANY | JSON_COMPACT) : 0;
	json_decref(j);
	if (!n || n > sizeof(tmp)) {
		w->failed = true;
		return;
	}
	member(w, key);
	ms_jw_raw(w, tmp, n);
}

void ms_jw_bool(struct ms_jw *w, const char *key, bool v)
{
	member(w, key);
	ms_jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

void ms_jw_null(struct ms_jw *w, const char *key)
{
	member(w, key);
	ms_jw_raw(w, "null", 4);
}

void ms_jw_string(struct ms_jw *w, const char *key, const char *s)
{
	size_t len = w->len;
	bool first = w->first[w->depth];

	if (!s)
		return; /* json_string(NULL) is NULL: no member */
	member(w, key);
	if (!put_string(w, s)) { /* refused: no member after all */
		w->len = len;
		w->first[w->depth] = first;
	}
}

void ms_jw_string_or_null(struct ms_jw *w, const char *key, const char *s)
{
	if (s)
		ms_jw_string(w, key, s);
	else
		ms_jw_null(w, key);
}

void ms_jw_addr(struct ms_jw *w, const char *key, uint64_t addr)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	tmp[--i] = '\0';
	do {
		tmp[--i] = "0123456789abcdef"[addr & 15];
		addr >>= 4;
	} while (addr);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	ms_jw_string(w, key, tmp + i); /* "0x%" PRIx64 */
}

int ms_jw_flush(struct ms_jw *w, FILE *out)
{
	bool ok = !w->failed && (!w->len || fwrite(w->buf, 1, w->len, out) == w->len);

	w->len = 0;
	return ok ? 0 : -1;
}
