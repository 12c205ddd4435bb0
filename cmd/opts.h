/* SPDX-License-Identifier: MIT */
/* Parsing of option values; every error names the option and the value. */
#ifndef MS_OPTS_H
#define MS_OPTS_H

#include <getopt.h>
#include <stdio.h>

#include "mapsize.h"

/*
 * One option of a command: getopt_long's entry, the name of its argument
 * (NULL: none) and one line of help. getopt's table and --help are both made
 * from these rows, so the help cannot miss an option the parser takes.
 * takes: the commands of a shared table that take it (0: all of them).
 */
struct ms_optdoc {
	const char *name;
	int has_arg; /* no_argument, required_argument */
	int val;     /* a letter: also the short option -LETTER */
	const char *arg;
	const char *help;
	unsigned takes;
};
/* Rows more than one command shares (val: the command's own code for it). */
/* clang-format off */
#define MS_OPTDOC_HELP {"help", no_argument, 'h', NULL, "print this help", 0}
#define MS_OPTDOC_FORMAT(val, takes) \
	{"format", required_argument, val, "FORMAT", "output format", takes}
#define MS_OPTDOC_BYTES(val, takes) \
	{"bytes", no_argument, val, NULL, "exact byte counts instead of KiB, MiB", takes}
#define MS_OPTDOC_ARCH(val) \
	{"arch", required_argument, val, "ARCH", "amd64 (default), arm64, 386 or arm", 0}
#define MS_OPTDOC_DEFINE(val) \
	{"define", required_argument, val, "NAME=TYPE", \
	 "define a named type used in TYPE (repeatable)", 0}
#define MS_OPTDOC_SEED(val) {"seed", required_argument, val, "S", "seed of the hash simulation", 0}
/* clang-format on */

/* getopt_long's tables: longopts has n + 1 entries, shorts 2 * n + 1 bytes. */
void ms_optdoc_getopt(const struct ms_optdoc *docs, size_t n, struct option *longopts,
                      char *shorts);
/* The row of getopt's val, or NULL. */
const struct ms_optdoc *ms_optdoc_find(const struct ms_optdoc *docs, size_t n, int val);
/* usage, then one line per option the command takes (takes & mask, or takes 0); --format
 * lists the formats of formats (MS_FORMATS_*). */
void ms_optdoc_help(FILE *out, const char *usage, const struct ms_optdoc *docs, size_t n,
                    unsigned mask, unsigned formats);

/* Which commands write which format: one table in opts.c. */
enum {
	MS_FORMATS_ESTIMATE = 1, /* estimate */
	MS_FORMATS_REPORT = 2,   /* inspect, attach, replay */
	MS_FORMATS_DIFF = 4,     /* diff */
	MS_FORMATS_SIMULATE = 8  /* simulate */
};
/* --format's argument, one of the formats of cmds (MS_FORMATS_*). */
MS_MUST_CHECK struct ms_error *ms_opt_format_of(unsigned cmds, const char *text,
                                                enum ms_format *ret);

/* A count: "1000000", "1_000_000", "1e6", "2.5e5", "2^20". At most max. */
MS_MUST_CHECK struct ms_error *ms_opt_count(const char *opt, const char *text, uint64_t max,
                                            uint64_t *ret);
/* A size in bytes: a count optionally followed by B, KB, MB, GB, KiB, MiB, GiB, TiB. */
MS_MUST_CHECK struct ms_error *ms_opt_bytes(const char *opt, const char *text, uint64_t *ret);
/* estimate's formats ("text" or "json"), and a report's (ms_opt_format_of). */
MS_MUST_CHECK struct ms_error *ms_opt_format(const char *text, enum ms_format *ret);
MS_MUST_CHECK struct ms_error *ms_opt_report_format(const char *text, enum ms_format *ret);
/* --attach-method: auto, soft-dirty, uffd-wp or stop-and-copy; else MS_ERR_USAGE. */
MS_MUST_CHECK struct ms_error *ms_opt_attach_method(const char *text, enum ms_attach_method *ret);
/* Write a report with emit(FILE, arg): to path whole or not at all (--output), else stdout. */
MS_MUST_CHECK struct ms_error *
ms_opt_write_report(const char *path, struct ms_error *(*emit)(FILE *out, const void *arg),
                    const void *arg);
/* Before any work: pprof is binary, refused on a terminal unless --output names a file. */
MS_MUST_CHECK struct ms_error *ms_opt_output_check(enum ms_format fmt, const char *path);

/* "1.23,1.24+noswissmap" or "all" into versions (at most max). */
MS_MUST_CHECK struct ms_error *ms_opt_go_versions(const char *text, struct ms_go_version *versions,
                                                  size_t max, size_t *ret_n);
/* After getopt: exactly one operand, the map type (cmd names the command, example a type). */
MS_MUST_CHECK struct ms_error *ms_opt_map_type_operand(const char *cmd, const char *example,
                                                       int argc, char **argv, const char **ret);
/* --define NAME=TYPE */
MS_MUST_CHECK struct ms_error *ms_opt_define(struct ms_typeenv *env, const char *arg);
/* The whole of a file (NUL-terminated, *ret_len without it); errors name the file. */
MS_MUST_CHECK struct ms_error *ms_opt_read_file(const char *path, char **ret, size_t *ret_len);

/* --timeout SECONDS: 0.001 to 1e7. */
MS_MUST_CHECK struct ms_error *ms_opt_timeout(const char *text, double *ret);
/* Arm (seconds > 0) or disarm (0) a SIGALRM that calls ms_cancel(). */
void ms_opt_set_timer(double seconds);
/* A one-line progress display on stderr (only use it when stderr is a terminal). */
void ms_opt_progress(void *arg, const char *what, uint64_t done, uint64_t total);
void ms_opt_progress_clear(void);

#endif
