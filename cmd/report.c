/* SPDX-License-Identifier: MIT */
/*
 * The commands that make or print a report: inspect (a core), attach (a live
 * process), record (either, into a layout file) and replay (a layout file).
 * They share one option table; each says which options it takes.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "opts.h"

enum {
	TAKES_EXE = 1,
	TAKES_PID = 2,
	TAKES_OUTPUT = 4,
	TAKES_VIEW = 8,
	TAKES_WALK = 16,
	TAKES_NOSTOP = 32,
	TAKES_RECORD = 64
};

struct report_cmd {
	const char *name;
	unsigned takes;
	const char *usage;
};

static const struct report_cmd cmds[] = {
    {"inspect", TAKES_EXE | TAKES_VIEW | TAKES_WALK | TAKES_RECORD,
     "usage: mapsize inspect CORE [--exe BINARY] [OPTION]...\n"
     "  the report of every map in a core dump (the executable defaults to the one the "
     "core names)\n"},
    {"attach", TAKES_EXE | TAKES_VIEW | TAKES_WALK | TAKES_NOSTOP | TAKES_RECORD,
     "usage: mapsize attach PID [OPTION]...\n"
     "  the report of every map in a running process\n"},
    {"record", TAKES_EXE | TAKES_PID | TAKES_OUTPUT | TAKES_WALK | TAKES_NOSTOP,
     "usage: mapsize record (CORE [--exe BINARY] | --pid PID) --output FILE [OPTION]...\n"
     "  save the report as a layout file (mapsize replay, mapsize diff)\n"},
    {"replay", TAKES_VIEW,
     "usage: mapsize replay FILE [OPTION]...\n"
     "  print the report of a layout file\n"},
};

enum {
	OPT_EXE = 256,
	OPT_FORMAT,
	OPT_TOP,
	OPT_SORT,
	OPT_FILTER,
	OPT_BYTES,
	OPT_MAXV,
	OPT_PID,
	OPT_NOSTOP,
	OPT_RECORD,
	OPT_TIMEOUT,
	OPT_MAXMEM,
	OPT_NODWARF,
	OPT_NOCLEARREFS,
	OPT_ALL,
	OPT_RETAINED,
	OPT_METHOD
};

/* The options of all four commands; takes says which command takes which. */
static const struct ms_optdoc optdocs[] = {
    {"exe", required_argument, OPT_EXE, "BINARY",
     "the executable (default: the one the core or /proc/PID/exe names)", TAKES_EXE},
    {"pid", required_argument, OPT_PID, "PID", "record a running process instead of a core",
     TAKES_PID},
    {"output", required_argument, 'o', "FILE",
     "record: the layout file to write; others: write the report to FILE, whole or not at all",
     TAKES_OUTPUT | TAKES_VIEW},
    {"no-dwarf", no_argument, OPT_NODWARF, NULL,
     "ignore DWARF: types from the runtime's metadata, as when stripped", TAKES_EXE},
    {"no-stop", no_argument, OPT_NOSTOP, NULL, "read the process without stopping it",
     TAKES_NOSTOP},
    {"retained", no_argument, OPT_RETAINED, NULL,
     "also payload_bytes and retained_bytes per map, from the heap graph's dominator tree",
     TAKES_WALK},
    {"no-clear-refs", no_argument, OPT_NOCLEARREFS, NULL,
     "stop and copy: leave the process's soft-dirty bits alone (no clear_refs) and register no "
     "userfaultfd",
     TAKES_NOSTOP},
    {"attach-method", required_argument, OPT_METHOD, "METHOD",
     "auto (default), soft-dirty, uffd-wp or stop-and-copy: how the process is copied",
     TAKES_NOSTOP},
    MS_OPTDOC_FORMAT(OPT_FORMAT, TAKES_VIEW),
    {"top", required_argument, OPT_TOP, "N",
     "only the first N rows in sort order (a group of repeats is one row)", TAKES_VIEW},
    {"all", no_argument, OPT_ALL, NULL,
     "every row (text on a terminal shows the 20 biggest by default)", TAKES_VIEW},
    {"sort", required_argument, OPT_SORT, "KEY",
     "order by held (text default), reclaimable, len, addr (JSON default) or type", TAKES_VIEW},
    {"filter", required_argument, OPT_FILTER, "PATTERN",
     "only maps whose type or a path matches PATTERN (literal, '*' the only wildcard); the "
     "summary covers them",
     TAKES_VIEW},
    MS_OPTDOC_BYTES(OPT_BYTES, TAKES_VIEW),
    {"record", required_argument, OPT_RECORD, "FILE", "also write the report as a layout file",
     TAKES_RECORD},
    {"max-values", required_argument, OPT_MAXV, "N",
     "stop following pointers after N values (default 2^30)", TAKES_WALK},
    {"timeout", required_argument, OPT_TIMEOUT, "SECONDS",
     "stop after SECONDS, exit status 7 (a process is resumed)", TAKES_WALK},
    {"max-memory", required_argument, OPT_MAXMEM, "BYTES",
     "cap mapsize's heap at BYTES, exit status 7 when reached", TAKES_WALK},
    MS_OPTDOC_HELP,
};
#define NOPTDOCS (sizeof(optdocs) / sizeof(optdocs[0]))

struct report_opts {
	const struct report_cmd *cmd;
	const char *input, *exe, *output;
	const char *report_file; /* --output of inspect, attach, replay: the report */
	bool print;              /* --record: write the layout and print the report too */
	double timeout_s;
	uint64_t max_memory;
	int pid;
	enum ms_format format;
	struct ms_report_view view;
	bool has_sort, has_top; /* --top N or --all given */
	struct ms_emit_opts emit;
	struct ms_inspect_opts insp;
};

static struct ms_error *refuse(const struct report_opts *o, const char *opt)
{
	return ms_error_create(MS_ERR_USAGE, "%s: --%s does not apply (see mapsize %s --help)",
	                       o->cmd->name, opt, o->cmd->name);
}

static struct ms_error *parse_args(int argc, char **argv, struct report_opts *o, bool *ret_help)
{
	struct option longopts[NOPTDOCS + 1];
	char shorts[2 * NOPTDOCS + 1];
	struct ms_error *err = NULL;
	uint64_t v;
	int c;

	opterr = 0;
	optind = 1;
	ms_optdoc_getopt(optdocs, NOPTDOCS, longopts, shorts);
	while (!err && (c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		const struct ms_optdoc *d = ms_optdoc_find(optdocs, NOPTDOCS, c);

		if (d && d->takes && !(o->cmd->takes & d->takes))
			return refuse(o, d->name);
		switch (c) {
		case OPT_EXE:
			o->exe = optarg;
			break;
		case OPT_FORMAT:
			err = ms_opt_report_format(optarg, &o->format);
			break;
		case OPT_TOP:
			err = ms_opt_count("--top", optarg, 1u << 30, &v);
			o->view.top = (size_t)v;
			o->has_top = true;
			break;
		case OPT_ALL:
			o->view.top = 0;
			o->has_top = true;
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
		case OPT_PID:
			err = ms_opt_count("--pid", optarg, 1u << 30, &v);
			o->pid = (int)v;
			break;
		case OPT_NOSTOP:
			o->insp.no_stop = true;
			break;
		case OPT_NOCLEARREFS:
			o->insp.no_clear_refs = true;
			break;
		case OPT_METHOD:
			err = ms_opt_attach_method(optarg, &o->insp.attach_method);
			break;
		case OPT_NODWARF:
			o->insp.no_dwarf = true;
			break;
		case OPT_RETAINED:
			o->insp.retained = true;
			break;
		case OPT_RECORD:
			o->output = optarg;
			o->print = true;
			break;
		case OPT_TIMEOUT:
			err = ms_opt_timeout(optarg, &o->timeout_s);
			break;
		case OPT_MAXMEM:
			err = ms_opt_bytes("--max-memory", optarg, &o->max_memory);
			if (!err && o->max_memory < (16u << 20))
				err = ms_error_create(MS_ERR_USAGE, "--max-memory: at least 16MiB");
			break;
		case 'o':
			if (o->cmd->takes & TAKES_OUTPUT)
				o->output = optarg;
			else
				o->report_file = optarg;
			break;
		case 'h':
			*ret_help = true;
			return NULL;
		default:
			return ms_error_create(MS_ERR_USAGE,
			                       "%s: unknown or incomplete option '%s'",
			                       o->cmd->name, argv[optind - 1]);
		}
	}
	if (err)
		return err;
	if (optind < argc - 1)
		return ms_error_create(MS_ERR_USAGE, "%s: unexpected argument '%s'", o->cmd->name,
		                       argv[optind + 1]);
	o->input = optind < argc ? argv[optind] : NULL;
	return NULL;
}

/* --format ndjson without --sort or --top: each map goes out as soon as it is walked. */
static struct ms_error *stream_map(void *arg, const struct ms_map_report *m)
{
	const struct report_opts *o = arg;

	(void)o; /* the library passes only the maps matching --filter (insp.filter) */
	return ms_emit_ndjson_map(stdout, m);
}

/* Make the report the command asks for: from a core, a live process or a layout file. */
static struct ms_error *make_report(struct report_opts *o, struct ms_inspect_report **ret)
{
	struct ms_error *err;

	if (isatty(STDERR_FILENO) && strcmp(o->cmd->name, "replay") != 0)
		o->insp.progress = ms_opt_progress;
	if (strcmp(o->cmd->name, "replay") == 0) {
		if (!o->input)
			return ms_error_create(MS_ERR_USAGE, "replay: no layout file given");
		return ms_layout_read(o->input, ret);
	}
	if (strcmp(o->cmd->name, "attach") == 0 || o->pid) {
		int pid = o->pid;

		if (!pid) {
			if (!o->input)
				return ms_error_create(MS_ERR_USAGE, "attach: no process id given");
			err = ms_opt_count("PID", o->input, 1u << 30, &(uint64_t){0});
			if (err)
				return err;
			pid = atoi(o->input);
		} else if (o->input) {
			return ms_error_create(MS_ERR_USAGE,
			                       "%s: --pid and a core file exclude each other",
			                       o->cmd->name);
		}
		err = ms_inspect_live(pid, o->exe, &o->insp, ret);
	} else {
		if (!o->input)
			return ms_error_create(MS_ERR_USAGE, "%s: no core file given",
			                       o->cmd->name);
		err = ms_inspect_core(o->input, o->exe, &o->insp, ret);
	}
	if (o->insp.progress)
		ms_opt_progress_clear();
	return err;
}

struct emit_args {
	const struct report_opts *o;
	const struct ms_inspect_report *r;
};

static struct ms_error *emit_report(FILE *out, const void *arg)
{
	const struct emit_args *a = arg;

	return ms_emit_inspect(out, a->o->format, a->r, &a->o->view, &a->o->emit);
}

static struct ms_error *run(const struct report_cmd *cmd, int argc, char **argv)
{
	struct report_opts o = {.cmd = cmd, .format = MS_FORMAT_TEXT};
	struct ms_inspect_report *r = NULL;
	struct ms_error *err, *incomplete = NULL;
	bool help = false;

	err = parse_args(argc, argv, &o, &help);
	if (err || help) {
		if (help)
			ms_optdoc_help(stdout, cmd->usage, optdocs, NOPTDOCS, cmd->takes,
			               MS_FORMATS_REPORT);
		return err;
	}
	if ((cmd->takes & TAKES_OUTPUT) && !o.output)
		return ms_error_create(MS_ERR_USAGE, "%s: --output FILE is required", cmd->name);
	err = ms_opt_output_check(o.format, o.report_file);
	if (err)
		return err;
	/* colour only on a terminal, and never when NO_COLOR is set (no-color.org) */
	o.emit.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
	               !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0);
	/* people want the biggest first; scripts get a stable order */
	if (!o.has_sort)
		o.view.sort = o.format == MS_FORMAT_JSON ? MS_SORT_ADDR : MS_SORT_HELD;
	/* --timeout: the walk in progress stops (the process is resumed all the same) */
	if (o.timeout_s > 0)
		ms_opt_set_timer(o.timeout_s);
	if (o.max_memory) {
		/* the heap is what grows with input; the core is a read-only mapping */
		struct rlimit rl = {o.max_memory, o.max_memory};

		setrlimit(RLIMIT_DATA, &rl);
	}
	if (o.format == MS_FORMAT_NDJSON && !o.has_sort && !o.view.top && !o.output &&
	    !o.report_file && !o.insp.retained && strcmp(cmd->name, "replay") != 0) {
		o.insp.on_map = stream_map;
		o.insp.on_map_arg = &o;
		o.insp.filter = o.view.filter;
	}
	/* a terminal gets the summary and the 20 biggest rows; --all or --top N say otherwise */
	if (o.format == MS_FORMAT_TEXT && !o.has_top && isatty(STDOUT_FILENO))
		o.view.top = 20;
	err = make_report(&o, &r);
	ms_opt_set_timer(0);
	if (err && ms_error_code(err) == MS_ERR_LIMIT) {
		ms_error_destroy(err);
		err = ms_error_create(MS_ERR_LIMIT, "%s: stopped after %g seconds (--timeout)",
		                      cmd->name, o.timeout_s);
	} else if (err && ms_error_code(err) == MS_ERR_NOMEM && o.max_memory) {
		err = ms_error_create(MS_ERR_LIMIT,
		                      "%s: the memory limit of %llu bytes was reached "
		                      "(--max-memory)",
		                      cmd->name, (unsigned long long)o.max_memory);
	}
	if (!err && o.output) {
		char when[32];
		time_t now = time(NULL);

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
		free(r->recorded_at);
		r->recorded_at = strdup(when);
		err = ms_layout_write(o.output, r);
	}
	/* a report that could be written but misses something says so in its status (of
	 * the whole process, whatever --filter shows) */
	if (!err)
		incomplete = ms_inspect_report_complete(r);
	/* --filter: the summary covers the matching maps (and says so), not the process */
	if (!err && o.view.filter && (!o.output || o.print))
		err = ms_inspect_report_filter(r, o.view.filter);
	if (!err && (!o.output || o.print)) {
		struct emit_args args = {&o, r};

		err = ms_opt_write_report(o.report_file, emit_report, &args);
	}
	if (!err) {
		err = incomplete;
		incomplete = NULL;
	}
	ms_error_destroy(incomplete);
	ms_inspect_report_destroy(r);
	return err;
}

struct ms_error *cmd_inspect(int argc, char **argv)
{
	return run(&cmds[0], argc, argv);
}

struct ms_error *cmd_attach(int argc, char **argv)
{
	return run(&cmds[1], argc, argv);
}

struct ms_error *cmd_record(int argc, char **argv)
{
	return run(&cmds[2], argc, argv);
}

struct ms_error *cmd_replay(int argc, char **argv)
{
	return run(&cmds[3], argc, argv);
}
