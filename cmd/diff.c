/* SPDX-License-Identifier: MIT */
/* mapsize diff: what changed between two reports or recorded layouts. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

static const char usage_text[] =
    "usage: mapsize diff A B [--format text|json|html] [--top N] [--bytes]\n"
    "  A and B: recorded layouts (mapsize record) or JSON reports (inspect, attach, replay)\n";

struct ms_error *cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"top", required_argument, NULL, 't'},
	    {"bytes", no_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	enum ms_format fmt = MS_FORMAT_TEXT;
	struct ms_emit_opts emit = {0};
	struct ms_inspect_report *a = NULL, *b = NULL;
	struct ms_diff d;
	struct ms_error *err = NULL;
	uint64_t top = 0;
	int c;

	opterr = 0;
	optind = 1;
	while (!err && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			err = strcmp(optarg, "html") == 0 ? (fmt = MS_FORMAT_HTML, NULL)
			                                  : ms_opt_format(optarg, &fmt);
			if (err)
				ms_error_prefix(err, "diff (text, json or html)");
			break;
		case 't':
			err = ms_opt_count("--top", optarg, 1u << 30, &top);
			break;
		case 'b':
			emit.exact_bytes = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return NULL;
		default:
			return ms_error_create(MS_ERR_USAGE,
			                       "diff: unknown or incomplete option '%s'",
			                       argv[optind - 1]);
		}
	}
	if (err)
		return err;
	if (argc - optind != 2)
		return ms_error_create(MS_ERR_USAGE, "diff: two reports expected, got %d",
		                       argc - optind);
	err = ms_layout_read(argv[optind], &a);
	if (!err)
		err = ms_layout_read(argv[optind + 1], &b);
	if (!err)
		err = ms_diff_reports(a, b, &d);
	if (!err) {
		err = ms_emit_diff(stdout, fmt, &d, (size_t)top, &emit);
		ms_diff_deinit(&d);
	}
	ms_inspect_report_destroy(a);
	ms_inspect_report_destroy(b);
	return err;
}
