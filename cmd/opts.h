/* SPDX-License-Identifier: MIT */
/* Parsing of option values; every error names the option and the value. */
#ifndef MS_OPTS_H
#define MS_OPTS_H

#include "mapsize.h"

/* A count: "1000000", "1_000_000", "1e6", "2.5e5", "2^20". At most max. */
struct ms_error *ms_opt_count(const char *opt, const char *text, uint64_t max, uint64_t *ret);
/* A size in bytes: a count optionally followed by B, KB, MB, GB, KiB, MiB, GiB, TiB. */
struct ms_error *ms_opt_bytes(const char *opt, const char *text, uint64_t *ret);
/* "text" or "json"; with reports also ndjson, prometheus, html, pprof, folded. */
struct ms_error *ms_opt_format(const char *text, enum ms_format *ret);
struct ms_error *ms_opt_report_format(const char *text, enum ms_format *ret);
/* "pprof" or "folded" (reports and diffs): false for anything else. */
bool ms_opt_profile_format(const char *text, enum ms_format *ret);
/* Write a report with emit(FILE, arg): to path whole or not at all (--output), else stdout. */
struct ms_error *ms_opt_write_report(const char *path,
                                     struct ms_error *(*emit)(FILE *out, const void *arg),
                                     const void *arg);
/* Before any work: pprof is binary, refused on a terminal unless --output names a file. */
struct ms_error *ms_opt_output_check(enum ms_format fmt, const char *path);

/* "1.23,1.24+noswissmap" or "all" into versions (at most max). */
struct ms_error *ms_opt_go_versions(const char *text, struct ms_go_version *versions, size_t max,
                                    size_t *ret_n);
/* After getopt: exactly one operand, the map type (cmd names the command, example a type). */
struct ms_error *ms_opt_map_type_operand(const char *cmd, const char *example, int argc,
                                         char **argv, const char **ret);
/* --define NAME=TYPE */
struct ms_error *ms_opt_define(struct ms_typeenv *env, const char *arg);
/* The whole of a file (NUL-terminated, *ret_len without it); errors name the file. */
struct ms_error *ms_opt_read_file(const char *path, char **ret, size_t *ret_len);

#endif
