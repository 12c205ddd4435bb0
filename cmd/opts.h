/* SPDX-License-Identifier: MIT */
/* Parsing of option values; every error names the option and the value. */
#ifndef MS_OPTS_H
#define MS_OPTS_H

#include "mapsize.h"

/* A count: "1000000", "1_000_000", "1e6", "2.5e5", "2^20". At most max. */
struct ms_error *ms_opt_count(const char *opt, const char *text, uint64_t max, uint64_t *ret);
/* A size in bytes: a count optionally followed by B, KB, MB, GB, KiB, MiB, GiB, TiB. */
struct ms_error *ms_opt_bytes(const char *opt, const char *text, uint64_t *ret);
/* "text" or "json"; with reports also "ndjson" and "prometheus". */
struct ms_error *ms_opt_format(const char *text, enum ms_format *ret);
struct ms_error *ms_opt_report_format(const char *text, enum ms_format *ret);

#endif
