/* SPDX-License-Identifier: MIT */
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct ms_error *bad(const char *opt, const char *text, const char *what)
{
	return ms_error_create(MS_ERR_USAGE, "%s: '%s' is not %s", opt, text, what);
}

/* Digits with optional '_' separators; *end points after them. */
static bool parse_digits(const char *s, const char **end, uint64_t *ret)
{
	uint64_t n = 0;
	bool any = false;

	for (; (*s >= '0' && *s <= '9') || (*s == '_' && any); s++) {
		if (*s == '_')
			continue;
		if (!ms_mul_u64(n, 10, &n) || !ms_add_u64(n, (uint64_t)(*s - '0'), &n))
			return false;
		any = true;
	}
	*end = s;
	*ret = n;
	return any;
}

static bool parse_count(const char *text, const char **end, uint64_t *ret)
{
	const char *p;
	uint64_t n, e;

	if (!parse_digits(text, &p, &n))
		return false;
	if (*p == '^') {
		/* 2^20 */
		if (!parse_digits(p + 1, &p, &e) || e > 63)
			return false;
		if (n == 0 || e == 0) {
			n = e == 0 ? 1 : 0;
		} else {
			uint64_t base = n;

			for (n = 1; e--;)
				if (!ms_mul_u64(n, base, &n))
					return false;
		}
	} else if (*p == '.' || *p == 'e' || *p == 'E') {
		/* 1e6, 2.5e5: exact only when the result is an integer */
		char *q;
		double d = strtod(text, &q);

		if (q == text || d < 0 || d >= 1.8e19 || d != floor(d))
			return false;
		n = (uint64_t)d;
		p = q;
	}
	*end = p;
	*ret = n;
	return true;
}

struct ms_error *ms_opt_count(const char *opt, const char *text, uint64_t max, uint64_t *ret)
{
	const char *end;
	uint64_t n;

	if (*text == '-')
		return bad(opt, text, "a non-negative number");
	if (!parse_count(text, &end, &n) || *end)
		return bad(opt, text, "a whole number (e.g. 1000000, 1e6, 2^20)");
	if (n > max)
		return ms_error_create(MS_ERR_USAGE, "%s: %s is too large (at most %llu)", opt,
		                       text, (unsigned long long)max);
	*ret = n;
	return NULL;
}

struct ms_error *ms_opt_bytes(const char *opt, const char *text, uint64_t *ret)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
	    {"", 1},
	    {"B", 1},
	    {"KB", 1000},
	    {"MB", 1000000},
	    {"GB", 1000000000},
	    {"TB", 1000000000000},
	    {"KiB", 1ull << 10},
	    {"MiB", 1ull << 20},
	    {"GiB", 1ull << 30},
	    {"TiB", 1ull << 40},
	};
	const char *end;
	uint64_t n;

	if (*text == '-' || !parse_count(text, &end, &n))
		return bad(opt, text, "a size in bytes (e.g. 64MiB, 1GB, 1e9)");
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			if (!ms_mul_u64(n, units[i].mult, &n) || n > (1ull << 50))
				return ms_error_create(MS_ERR_USAGE, "%s: %s is too large", opt,
				                       text);
			*ret = n;
			return NULL;
		}
	}
	return bad(opt, text, "a size in bytes (units: B, KB, MB, GB, KiB, MiB, GiB)");
}

/* Every format a command may write, and which commands write it. */
static const struct {
	const char *name;
	enum ms_format fmt;
	unsigned cmds;
} formats[] = {
    {"text", MS_FORMAT_TEXT,
     MS_FORMATS_ESTIMATE | MS_FORMATS_REPORT | MS_FORMATS_DIFF | MS_FORMATS_SIMULATE},
    {"json", MS_FORMAT_JSON,
     MS_FORMATS_ESTIMATE | MS_FORMATS_REPORT | MS_FORMATS_DIFF | MS_FORMATS_SIMULATE},
    {"ndjson", MS_FORMAT_NDJSON, MS_FORMATS_REPORT},
    {"prometheus", MS_FORMAT_PROMETHEUS, MS_FORMATS_REPORT},
    {"html", MS_FORMAT_HTML, MS_FORMATS_REPORT | MS_FORMATS_DIFF | MS_FORMATS_SIMULATE},
    {"pprof", MS_FORMAT_PPROF, MS_FORMATS_REPORT | MS_FORMATS_DIFF},
    {"folded", MS_FORMAT_FOLDED, MS_FORMATS_REPORT | MS_FORMATS_DIFF},
};

/* "text, json, html" */
static void format_list(unsigned cmds, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (!(formats[i].cmds & cmds))
			continue;
		int w = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", formats[i].name);
		if (w < 0 || (size_t)w >= size - len)
			return;
		len += (size_t)w;
	}
}

struct ms_error *ms_opt_format_of(unsigned cmds, const char *text, enum ms_format *ret)
{
	char list[256];

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if ((formats[i].cmds & cmds) && strcmp(text, formats[i].name) == 0) {
			*ret = formats[i].fmt;
			return NULL;
		}
	}
	format_list(cmds, list, sizeof(list));
	return ms_error_create(MS_ERR_USAGE, "--format: '%s' is not one of %s", text, list);
}

struct ms_error *ms_opt_format(const char *text, enum ms_format *ret)
{
	return ms_opt_format_of(MS_FORMATS_ESTIMATE, text, ret);
}

struct ms_error *ms_opt_report_format(const char *text, enum ms_format *ret)
{
	return ms_opt_format_of(MS_FORMATS_REPORT, text, ret);
}

struct ms_error *ms_opt_attach_method(const char *text, enum ms_attach_method *ret)
{
	static const char *const names[] = {
	    [MS_ATTACH_AUTO] = "auto",
	    [MS_ATTACH_SOFT_DIRTY] = "soft-dirty",
	    [MS_ATTACH_UFFD_WP] = "uffd-wp",
	    [MS_ATTACH_STOP_COPY] = "stop-and-copy",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strcmp(text, names[i]) == 0) {
			*ret = (enum ms_attach_method)i;
			return NULL;
		}
	return ms_error_create(MS_ERR_USAGE,
	                       "--attach-method: '%s' is not auto, soft-dirty, uffd-wp or "
	                       "stop-and-copy",
	                       text);
}

static bool is_short(int val)
{
	return (val >= 'a' && val <= 'z') || (val >= 'A' && val <= 'Z');
}

void ms_optdoc_getopt(const struct ms_optdoc *docs, size_t n, struct option *longopts, char *shorts)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		longopts[i] = (struct option){docs[i].name, docs[i].has_arg, NULL, docs[i].val};
		if (is_short(docs[i].val)) {
			shorts[k++] = (char)docs[i].val;
			if (docs[i].has_arg == required_argument)
				shorts[k++] = ':';
		}
	}
	longopts[n] = (struct option){NULL, 0, NULL, 0};
	shorts[k] = '\0';
}

const struct ms_optdoc *ms_optdoc_find(const struct ms_optdoc *docs, size_t n, int val)
{
	for (size_t i = 0; i < n; i++)
		if (docs[i].val == val)
			return &docs[i];
	return NULL;
}

void ms_optdoc_help(FILE *out, const char *usage, const struct ms_optdoc *docs, size_t n,
                    unsigned mask, unsigned cmd_formats)
{
	fputs(usage, out);
	fputs("\noptions:\n", out);
	for (size_t i = 0; i < n; i++) {
		const struct ms_optdoc *d = &docs[i];
		char left[64], list[256] = "";

		if (d->takes && !(d->takes & mask))
			continue;
		if (is_short(d->val))
			snprintf(left, sizeof(left), "-%c, --%s%s%s", d->val, d->name,
			         d->arg ? " " : "", d->arg ? d->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", d->name, d->arg ? " " : "",
			         d->arg ? d->arg : "");
		if (strcmp(d->name, "format") == 0)
			format_list(cmd_formats, list, sizeof(list));
		/* a long left column gets a line of its own */
		if (strlen(left) >= 22)
			fprintf(out, "  %s\n%25s", left, "");
		else
			fprintf(out, "  %-22s ", left);
		fprintf(out, "%s%s%s\n", d->help, *list ? ": " : "", list);
	}
	fputs("\nman mapsize for the details.\n", out);
}

struct ms_error *ms_opt_go_versions(const char *text, struct ms_go_version *versions, size_t max,
                                    size_t *ret_n)
{
	char *copy, *tok, *save = NULL;
	struct ms_error *err = NULL;

	if (strcmp(text, "all") == 0) {
		size_t n;
		const struct ms_go_version *all = ms_go_versions(&n);

		if (n > max)
			n = max;
		memcpy(versions, all, n * sizeof(*all));
		*ret_n = n;
		return NULL;
	}
	copy = strdup(text);
	if (!copy)
		return &ms_error_nomem;
	*ret_n = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		if (*ret_n == max)
			err = ms_error_create(MS_ERR_USAGE, "--go: too many versions");
		else
			err = ms_go_version_parse(tok, &versions[(*ret_n)++]);
	}
	if (!err && *ret_n == 0)
		err = ms_error_create(MS_ERR_USAGE, "--go: no version given");
	free(copy);
	return err;
}

struct ms_error *ms_opt_map_type_operand(const char *cmd, const char *example, int argc,
                                         char **argv, const char **ret)
{
	if (optind >= argc)
		return ms_error_create(MS_ERR_USAGE, "%s: no map type given (e.g. '%s')", cmd,
		                       example);
	if (optind != argc - 1)
		return ms_error_create(MS_ERR_USAGE,
		                       "%s: one map type expected, got extra argument '%s'", cmd,
		                       argv[optind + 1]);
	*ret = argv[optind];
	return NULL;
}

struct ms_error *ms_opt_define(struct ms_typeenv *env, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *name;
	struct ms_error *err;

	if (!eq || eq == arg)
		return ms_error_create(MS_ERR_USAGE, "--define: '%s' is not NAME=TYPE", arg);
	name = strndup(arg, (size_t)(eq - arg));
	if (!name)
		return &ms_error_nomem;
	err = ms_typeenv_define(env, name, eq + 1);
	if (err)
		ms_error_prefix(err, "--define %s", name);
	free(name);
	return err;
}

#define MAX_INPUT_BYTES ((size_t)1 << 31)

struct ms_error *ms_opt_read_file(const char *path, char **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct ms_error *err = NULL;

	if (!f)
		return ms_error_create(MS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	for (;;) {
		size_t n;

		if (cap - len < 65536 + 1) {
			char *b;

			cap = cap ? 2 * cap : 65536 * 2;
			if (cap > MAX_INPUT_BYTES + 1) {
				err = ms_error_create(MS_ERR_USAGE, "%s: larger than 2 GiB", path);
				break;
			}
			if (!(b = realloc(buf, cap))) {
				err = &ms_error_nomem;
				break;
			}
			buf = b;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				err = ms_error_create(MS_ERR_IO, "%s: cannot read: %s", path,
				                      strerror(errno));
			break;
		}
	}
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return NULL;
}

/* The report goes to stdout through emit(), or whole into path (--output). */
struct ms_error *ms_opt_write_report(const char *path,
                                     struct ms_error *(*emit)(FILE *out, const void *arg),
                                     const void *arg)
{
	return path ? ms_file_write_atomic(path, emit, arg) : emit(stdout, arg);
}

struct ms_error *ms_opt_output_check(enum ms_format fmt, const char *path)
{
	if (fmt == MS_FORMAT_PPROF && !path && isatty(STDOUT_FILENO))
		return ms_error_create(MS_ERR_USAGE,
		                       "--format pprof writes a binary file: give --output FILE "
		                       "or redirect standard output");
	return NULL;
}

struct ms_error *ms_opt_timeout(const char *text, double *ret)
{
	char *end;

	*ret = strtod(text, &end);
	if (end == text || *end || !(*ret >= 0.001 && *ret <= 1e7))
		return bad("--timeout", text, "a number of seconds (0.001 to 1e7)");
	return NULL;
}

/* --timeout: SIGALRM asks the operation in progress to stop. */
static void on_alarm(int sig)
{
	(void)sig;
	ms_cancel();
}

void ms_opt_set_timer(double seconds)
{
	struct itimerval it = {
	    {0, 0}, {(time_t)seconds, (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)}};

	if (seconds > 0)
		signal(SIGALRM, on_alarm);
	setitimer(ITIMER_REAL, &it, NULL);
}

void ms_opt_progress(void *arg, const char *what, uint64_t done, uint64_t total)
{
	static struct timespec last;
	struct timespec now;

	(void)arg;
	/* at most ten lines a second */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((double)(now.tv_sec - last.tv_sec) + (double)(now.tv_nsec - last.tv_nsec) * 1e-9 < 0.1)
		return;
	last = now;
	if (total)
		fprintf(stderr, "\r\033[K%s %llu/%llu", what, (unsigned long long)done,
		        (unsigned long long)total);
	else
		fprintf(stderr, "\r\033[K%s %llu", what, (unsigned long long)done);
}

void ms_opt_progress_clear(void)
{
	fputs("\r\033[K", stderr);
}
