/* SPDX-License-Identifier: MIT */
/* mapsize diff: what changed between two reports or recorded layouts. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

static const char usage_text[] =
    "usage: mapsize diff A B [OPTION]...\n"
    "  A and B: recorded layouts (mapsize record) or JSON reports (inspect, attach, replay)\n";

enum { OPT_FORMAT = 256, OPT_TOP, OPT_BYTES };

static const struct ms_optdoc optdocs[] = {
    MS_OPTDOC_FORMAT(OPT_FORMAT, 0),
    {"top", required_argument, OPT_TOP, "N", "only the N biggest changes", 0},
    MS_OPTDOC_BYTES(OPT_BYTES, 0),
    {"output", required_argument, 'o', "FILE", "write the report to FILE, whole or not at all", 0},
    MS_OPTDOC_HELP,
};
#define NOPTDOCS (sizeof(optdocs) / sizeof(optdocs[0]))

struct diff_args {
	enum ms_format fmt;
	const struct ms_diff *d;
	size_t top;
	const struct ms_emit_opts *emit;
};

static struct ms_error *emit_diff(FILE *out, const void *arg)
{
	const struct diff_args *a = arg;

	return ms_emit_diff(out, a->fmt, a->d, a->top, a->emit);
}

struct ms_error *cmd_diff(int argc, char **argv)
{
	struct option longopts[NOPTDOCS + 1];
	char shorts[2 * NOPTDOCS + 1];
	enum ms_format fmt = MS_FORMAT_TEXT;
	struct ms_emit_opts emit = {0};
	struct ms_inspect_report *a = NULL, *b = NULL;
	struct ms_diff d;
	const char *output = NULL;
	struct ms_error *err = NULL;
	uint64_t top = 0;
	int c;

	opterr = 0;
	optind = 1;
	ms_optdoc_getopt(optdocs, NOPTDOCS, longopts, shorts);
	while (!err && (c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			err = ms_opt_format_of(MS_FORMATS_DIFF, optarg, &fmt);
			break;
		case OPT_TOP:
			err = ms_opt_count("--top", optarg, 1u << 30, &top);
			break;
		case OPT_BYTES:
			emit.exact_bytes = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			ms_optdoc_help(stdout, usage_text, optdocs, NOPTDOCS, 0, MS_FORMATS_DIFF);
			return NULL;
		default:
			return ms_error_create(MS_ERR_USAGE,
			                       "diff: unknown or incomplete option '%s'",
			                       argv[optind - 1]);
		}
	}
	if (err)
		return err;
	if (!err)
		err = ms_opt_output_check(fmt, output);
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
		struct diff_args args = {fmt, &d, (size_t)top, &emit};

		err = ms_opt_write_report(output, emit_diff, &args);
		ms_diff_deinit(&d);
	}
	ms_inspect_report_destroy(a);
	ms_inspect_report_destroy(b);
	return err;
}
