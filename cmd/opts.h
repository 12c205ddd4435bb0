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

/* --timeout SECONDS: 0.001 to 1e7. */
struct ms_error *ms_opt_timeout(const char *text, double *ret);
/* Arm (seconds > 0) or disarm (0) a SIGALRM that calls ms_cancel(). */
void ms_opt_set_timer(double seconds);
/* A one-line progress display on stderr (only use it when stderr is a terminal). */
void ms_opt_progress(void *arg, const char *what, uint64_t done, uint64_t total);
void ms_opt_progress_clear(void);

#endif
