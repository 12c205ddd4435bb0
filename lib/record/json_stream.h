/* SPDX-License-Identifier: MIT */
/*
 * A JSON document read from a file a piece at a time (lib/record/json_stream.c): the
 * structure around values (whitespace, braces, brackets, colons, commas) by hand, every
 * value (a key, an array's element) by jansson on the bytes where it lies. A layout of
 * 300,000 maps is read one map at a time instead of as one jansson tree of several GB.
 * Any bytes that are not JSON stop it (failed): the caller names what is wrong.
 */
#ifndef MS_JSON_STREAM_H
#define MS_JSON_STREAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

struct ms_jstream {
	FILE *f;
	size_t chunk; /* bytes read at a time (0: 1 MiB); a fuzz target makes it small */
	char *buf;
	size_t cap, len, pos; /* buf[pos..len) not read yet */
	bool eof;             /* f has given everything */
	bool failed;          /* not JSON here, a read error, or out of memory */
	bool nomem;           /* of failed: out of memory */
};

void ms_jstream_init(struct ms_jstream *js, FILE *f);
void ms_jstream_deinit(struct ms_jstream *js);
/* The next byte that is not whitespace, not consumed; -1 at the end (or failed). */
int ms_jstream_peek(struct ms_jstream *js);
/* Consume C if it is the next byte that is not whitespace. */
bool ms_jstream_take(struct ms_jstream *js, char c);
/* The next value (any JSON value, duplicate keys rejected); NULL when failed. Owned. */
json_t *ms_jstream_value(struct ms_jstream *js);
/* Check and drop the next value, an array one element at a time; false when failed. */
bool ms_jstream_skip(struct ms_jstream *js);

#endif
