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
     "usage: mapsize inspect CORE --exe BINARY [--no-dwarf]\n"
     "                       [--format text|json|ndjson|prometheus|html]\n"
     "                       [--top N] [--sort held|reclaimable|len|addr|type]\n"
     "                       [--filter GLOB]\n"
     "                       [--bytes] [--max-values N] [--record FILE]\n"
     "                       [--timeout SECONDS] [--max-memory BYTES]\n"},
    {"attach", TAKES_EXE | TAKES_VIEW | TAKES_WALK | TAKES_NOSTOP | TAKES_RECORD,
     "usage: mapsize attach PID [--exe BINARY] [--no-dwarf] [--no-stop]\n"
     "                      [--format text|json|ndjson|prometheus|html] [--top N]\n"
     "                      [--sort held|reclaimable|len|addr|type] [--filter GLOB]\n"
     "                      [--bytes] [--max-values N] [--record FILE]\n"
     "                      [--timeout SECONDS] [--max-memory BYTES]\n"},
    {"record", TAKES_EXE | TAKES_PID | TAKES_OUTPUT | TAKES_WALK | TAKES_NOSTOP,
     "usage: mapsize record (CORE --exe BINARY | --pid PID [--exe BINARY] [--no-stop])\n"
     "                      [--no-dwarf]\n"
     "                      --output FILE [--max-values N] [--timeout SECONDS]\n"
     "                      [--max-memory BYTES]\n"},
    {"replay", TAKES_VIEW,
     "usage: mapsize replay FILE [--format text|json|ndjson|prometheus|html] [--top N]\n"
     "                      [--sort held|reclaimable|len|addr|type] [--filter GLOB] [--bytes]\n"},
};

struct report_opts {
	const struct report_cmd *cmd;
	const char *input, *exe, *output;
	bool print; /* --record: write the layout and print the report too */
	double timeout_s;
	uint64_t max_memory;
	int pid;
	enum ms_format format;
	struct ms_report_view view;
	bool has_sort;
	struct ms_emit_opts emit;
	struct ms_inspect_opts insp;
};

static struct ms_error *refuse(const struct report_opts *o, const char *opt)
{
	return ms_error_create(MS_ERR_USAGE, "%s: %s does not apply (see mapsize %s --help)",
	                       o->cmd->name, opt, o->cmd->name);
}

static struct ms_error *parse_args(int argc, char **argv, struct report_opts *o, bool *ret_help)
{
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
		OPT_NODWARF
	};
	static const struct option longopts[] = {
	    {"exe", required_argument, NULL, OPT_EXE},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"top", required_argument, NULL, OPT_TOP},
	    {"sort", required_argument, NULL, OPT_SORT},
	    {"filter", required_argument, NULL, OPT_FILTER},
	    {"bytes", no_argument, NULL, OPT_BYTES},
	    {"max-values", required_argument, NULL, OPT_MAXV},
	    {"pid", required_argument, NULL, OPT_PID},
	    {"no-stop", no_argument, NULL, OPT_NOSTOP},
	    {"record", required_argument, NULL, OPT_RECORD},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"max-memory", required_argument, NULL, OPT_MAXMEM},
	    {"no-dwarf", no_argument, NULL, OPT_NODWARF},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const unsigned needs[] = {
	    [OPT_EXE - 256] = TAKES_EXE,       [OPT_FORMAT - 256] = TAKES_VIEW,
	    [OPT_TOP - 256] = TAKES_VIEW,      [OPT_SORT - 256] = TAKES_VIEW,
	    [OPT_FILTER - 256] = TAKES_VIEW,   [OPT_BYTES - 256] = TAKES_VIEW,
	    [OPT_MAXV - 256] = TAKES_WALK,     [OPT_PID - 256] = TAKES_PID,
	    [OPT_NOSTOP - 256] = TAKES_NOSTOP, [OPT_RECORD - 256] = TAKES_RECORD,
	    [OPT_TIMEOUT - 256] = TAKES_WALK,  [OPT_MAXMEM - 256] = TAKES_WALK,
	    [OPT_NODWARF - 256] = TAKES_EXE,
	};
	struct ms_error *err = NULL;
	uint64_t v;
	int c;

	opterr = 0;
	optind = 1;
	while (!err && (c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (c >= 256 && c - 256 < (int)(sizeof(needs) / sizeof(needs[0])) &&
		    !(o->cmd->takes & needs[c - 256])) {
			char name[32] = "this option";

			for (const struct option *lo = longopts; lo->name; lo++)
				if (lo->val == c)
					snprintf(name, sizeof(name), "--%s", lo->name);
			return refuse(o, name);
		}
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
		case OPT_NODWARF:
			o->insp.no_dwarf = true;
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
			if (!(o->cmd->takes & TAKES_OUTPUT))
				return refuse(o, "--output");
			o->output = optarg;
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

	if (o->view.filter && !ms_report_view_matches(&o->view, m))
		return NULL;
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
		if (!o->exe)
			return ms_error_create(MS_ERR_USAGE, "%s: --exe BINARY is required",
			                       o->cmd->name);
		err = ms_inspect_core(o->input, o->exe, &o->insp, ret);
	}
	if (o->insp.progress)
		ms_opt_progress_clear();
	return err;
}

static struct ms_error *run(const struct report_cmd *cmd, int argc, char **argv)
{
	struct report_opts o = {.cmd = cmd, .format = MS_FORMAT_TEXT};
	struct ms_inspect_report *r = NULL;
	struct ms_error *err;
	bool help = false;

	err = parse_args(argc, argv, &o, &help);
	if (err || help) {
		if (help)
			fputs(cmd->usage, stdout);
		return err;
	}
	if ((cmd->takes & TAKES_OUTPUT) && !o.output)
		return ms_error_create(MS_ERR_USAGE, "%s: --output FILE is required", cmd->name);
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
	    strcmp(cmd->name, "replay") != 0) {
		o.insp.on_map = stream_map;
		o.insp.on_map_arg = &o;
	}
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
	if (!err && (!o.output || o.print))
		err = ms_emit_inspect(stdout, o.format, r, &o.view, &o.emit);
	/* a report that could be written but misses something says so in its status */
	if (!err)
		err = ms_inspect_report_complete(r);
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
