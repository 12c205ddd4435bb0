/* SPDX-License-Identifier: MIT */
#include "json_stream.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK ((size_t)1 << 20) /* bytes read at a time */

void ms_jstream_init(struct ms_jstream *js, FILE *f)
{
	memset(js, 0, sizeof(*js));
	js->f = f;
}

void ms_jstream_deinit(struct ms_jstream *js)
{
	free(js->buf);
	js->buf = NULL;
}

static size_t chunk_of(const struct ms_jstream *js)
{
	return js->chunk ? js->chunk : CHUNK;
}

/* At least WANT bytes unread in buf, unless the file ends first. */
static void fill(struct ms_jstream *js, size_t want)
{
	size_t chunk = chunk_of(js);

	while (!js->eof && !js->failed && js->len - js->pos < want) {
		size_t n;

		if (js->pos) { /* what was read goes: the unread bytes to the front */
			memmove(js->buf, js->buf + js->pos, js->len - js->pos);
			js->len -= js->pos;
			js->pos = 0;
		}
		if (js->cap - js->len < chunk || js->cap < want) {
			size_t cap = js->cap ? 2 * js->cap : 2 * chunk;
			char *b;

			while (cap < want + chunk)
				cap *= 2;
			if (!(b = realloc(js->buf, cap))) {
				js->failed = js->nomem = true;
				return;
			}
			js->buf = b;
			js->cap = cap;
		}
		n = fread(js->buf + js->len, 1, chunk, js->f);
		js->len += n;
		if (n == 0) {
			js->eof = true;
			js->failed = ferror(js->f) != 0;
		}
	}
}

int ms_jstream_peek(struct ms_jstream *js)
{
	for (;;) {
		fill(js, 1);
		if (js->failed || js->pos == js->len)
			return -1;
		switch (js->buf[js->pos]) {
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			js->pos++;
			continue;
		default:
			return (unsigned char)js->buf[js->pos];
		}
	}
}

bool ms_jstream_take(struct ms_jstream *js, char c)
{
	if (ms_jstream_peek(js) != (unsigned char)c)
		return false;
	js->pos++;
	return true;
}

/*
 * The bytes jansson read for POSITION: it does not count a NUL byte that follows a
 * character it put back (the end of a number or a literal: its stream takes the NUL for
 * an empty buffer and reads on), so each NUL in what it read is one byte more.
 */
static size_t bytes_read(const char *p, size_t avail, size_t position)
{
	size_t end = position;

	for (;;) {
		size_t nul = 0, next;

		for (const char *q = p; (q = memchr(q, '\0', (size_t)(p + end - q))); q++)
			nul++;
		next = position + nul < avail ? position + nul : avail;
		if (next == end)
			return end;
		end = next;
	}
}

json_t *ms_jstream_value(struct ms_jstream *js)
{
	size_t want = chunk_of(js) < 64 * 1024 ? chunk_of(js) : 64 * 1024;

	if (ms_jstream_peek(js) < 0) {
		js->failed = true;
		return NULL;
	}
	for (;;) {
		json_error_t e;
		size_t avail, end;
		json_t *v;

		fill(js, want);
		if (js->failed)
			return NULL;
		avail = js->len - js->pos;
		if (avail > INT_MAX / 2) { /* jansson's positions are ints */
			js->failed = true;
			return NULL;
		}
		v = json_loadb(js->buf + js->pos, avail,
		               JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
		               &e);
		end = e.position > 0 ? bytes_read(js->buf + js->pos, avail, (size_t)e.position) : 0;
		/* a value that ends where the bytes read so far end may go on (a number) */
		if (v && end > 0 && (end < avail || js->eof)) {
			js->pos += end;
			/* the NUL jansson skips after a number or literal it put its end back from
			 */
			if (!json_is_object(v) && !json_is_array(v) && !json_is_string(v) &&
			    js->pos < js->len && js->buf[js->pos] == '\0')
				js->pos++;
			return v;
		}
		json_decref(v);
		/* not JSON well before the end of what was read: more bytes cannot help */
		if (js->eof || (!v && end + 16 < avail)) {
			js->failed = true;
			js->nomem = !v && json_error_code(&e) == json_error_out_of_memory;
			return NULL;
		}
		want = 2 * avail;
	}
}

bool ms_jstream_skip(struct ms_jstream *js)
{
	json_t *v;

	if (ms_jstream_take(js, '[')) {
		if (ms_jstream_take(js, ']'))
			return true;
		do {
			if (!(v = ms_jstream_value(js)))
				return false;
			json_decref(v);
		} while (ms_jstream_take(js, ','));
		if (ms_jstream_take(js, ']'))
			return true;
		js->failed = true;
		return false;
	}
	if (!(v = ms_jstream_value(js)))
		return false;
	json_decref(v);
	return true;
}
