/* SPDX-License-Identifier: MIT */
/* mapsize inspect: every map in a Go core dump. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "opts.h"

static const char usage_text[] =
    "usage: mapsize inspect CORE --exe BINARY [--format text|json] [--top N]\n"
    "                       [--sort held|reclaimable|len|addr|type] [--filter GLOB]\n"
    "                       [--bytes] [--max-values N]\n";

struct inspect_opts {
	const char *core, *exe;
	enum ms_format format;
	struct ms_report_view view;
	bool has_sort;
	struct ms_emit_opts emit;
	struct ms_inspect_opts insp;
};

static struct ms_error *parse_args(int argc, char **argv, struct inspect_opts *o, bool *ret_help)
{
	enum { OPT_EXE = 256, OPT_FORMAT, OPT_TOP, OPT_SORT, OPT_FILTER, OPT_BYTES, OPT_MAXV };
	static const struct option longopts[] = {
	    {"exe", required_argument, NULL, OPT_EXE},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"top", required_argument, NULL, OPT_TOP},
	    {"sort", required_argument, NULL, OPT_SORT},
	    {"filter", required_argument, NULL, OPT_FILTER},
	    {"bytes", no_argument, NULL, OPT_BYTES},
	    {"max-values", required_argument, NULL, OPT_MAXV},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct ms_error *err = NULL;
	uint64_t v;
	int c;

	opterr = 0;
	optind = 1;
	while (!err && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_EXE:
			o->exe = optarg;
			break;
		case OPT_FORMAT:
			err = ms_opt_format(optarg, &o->format);
			break;
		case OPT_TOP:
			err = ms_opt_count("--top", optarg, 1u << 30, &v);
			o->view.top = (size_t)v;
			break;
		case OPT_SORT:
			err = ms_sort_key_parse(optarg, &o->view.sort);
			o->has_sort = true;
			break;
		case OPT_FILTER:
			o->view.filter = optarg;
			break;
		case OPT_BYTES:
			o->emit.exact_bytes = true;
			break;
		case OPT_MAXV:
			err =
			    ms_opt_count("--max-values", optarg, 1ull << 40, &o->insp.max_objects);
			break;
		case 'h':
			*ret_help = true;
			return NULL;
		default:
			return ms_error_create(MS_ERR_USAGE,
			                       "inspect: unknown or incomplete option '%s'",
			                       argv[optind - 1]);
		}
	}
	if (err)
		return err;
	if (optind != argc - 1)
		return ms_error_create(MS_ERR_USAGE, optind >= argc
		                                         ? "inspect: no core file given"
		                                         : "inspect: one core file expected");
	o->core = argv[optind];
	if (!o->exe)
		return ms_error_create(MS_ERR_USAGE, "inspect: --exe BINARY is required");
	return NULL;
}

static void progress(void *arg, const char *what, uint64_t done, uint64_t total)
{
	(void)arg;
	if (total)
		fprintf(stderr, "\r\033[K%s %llu/%llu", what, (unsigned long long)done,
		        (unsigned long long)total);
	else
		fprintf(stderr, "\r\033[K%s %llu", what, (unsigned long long)done);
}

struct ms_error *cmd_inspect(int argc, char **argv)
{
	struct inspect_opts o = {.format = MS_FORMAT_TEXT};
	struct ms_inspect_report *r = NULL;
	struct ms_error *err;
	bool help = false;

	err = parse_args(argc, argv, &o, &help);
	if (err || help) {
		if (help)
			fputs(usage_text, stdout);
		return err;
	}
	/* people want the biggest first; scripts get a stable order */
	if (!o.has_sort)
		o.view.sort = o.format == MS_FORMAT_JSON ? MS_SORT_ADDR : MS_SORT_HELD;
	if (isatty(STDERR_FILENO)) {
		o.insp.progress = progress;
		o.insp.progress_arg = NULL;
	}
	err = ms_inspect_core(o.core, o.exe, &o.insp, &r);
	if (o.insp.progress)
		fputs("\r\033[K", stderr);
	if (!err)
		err = ms_emit_inspect(stdout, o.format, r, &o.view, &o.emit);
	/* a report that could be written but misses something says so in its status */
	if (!err)
		err = ms_inspect_report_complete(r);
	ms_inspect_report_destroy(r);
	return err;
}
