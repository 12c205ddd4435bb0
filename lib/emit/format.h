/* SPDX-License-Identifier: MIT */
/* Helpers every emitter shares (lib/emit/format.c): below every emitter, calling none. */
#ifndef MS_FORMAT_H
#define MS_FORMAT_H

#include "mapsize.h"

/* "41.2 MiB", or "43205632 B" with exact_bytes; negative values get a '-'. */
void ms_emit_bytes(char *buf, size_t len, double bytes, const struct ms_emit_opts *opts);
/* "+1.20 MiB" / "-512 B": a signed change. */
void ms_emit_delta(char *buf, size_t len, int64_t bytes, const struct ms_emit_opts *opts);
/* "1,150": a count with thousands separators. */
void ms_emit_count(char *buf, size_t len, uint64_t n);

#endif
