/* SPDX-License-Identifier: MIT */
/* mapsize simulate: replay an operation script through each Go version's map. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "opts.h"

#define MAX_VERSIONS 32

static const char usage_text[] =
    "usage: mapsize simulate TYPE (--ops SCRIPT | --ops @FILE | --trace FILE) [OPTION]...\n"
    "  replay inserts, deletes and clears through each Go version's map\n";

enum {
	OPT_OPS = 256,
	OPT_TRACE,
	OPT_GO,
	OPT_ARCH,
	OPT_FORMAT,
	OPT_DEFINE,
	OPT_SEED,
	OPT_SEEDS,
	OPT_BYTES,
	OPT_TIMEOUT
};

static const struct ms_optdoc optdocs[] = {
    {"ops", required_argument, OPT_OPS, "SCRIPT",
     "the operations ('insert 1e5; delete random 9e4'), or @FILE", 0},
    {"trace", required_argument, OPT_TRACE, "FILE", "a trace of operations on named keys", 0},
    {"go", required_argument, OPT_GO, "VERSION[,...]",
     "Go version(s), or all (default 1.23,1.24,1.25,1.27)", 0},
    MS_OPTDOC_ARCH(OPT_ARCH),
    MS_OPTDOC_DEFINE(OPT_DEFINE),
    MS_OPTDOC_SEED(OPT_SEED),
    {"seeds", required_argument, OPT_SEEDS, "N", "simulated hash seeds", 0},
    {"timeout", required_argument, OPT_TIMEOUT, "SECONDS",
     "stop after SECONDS, exit status 7, nothing written", 0},
    MS_OPTDOC_BYTES(OPT_BYTES, 0),
    MS_OPTDOC_FORMAT(OPT_FORMAT, 0),
    MS_OPTDOC_HELP,
};
#define NOPTDOCS (sizeof(optdocs) / sizeof(optdocs[0]))

struct simulate_opts {
	const char *type_text;
	const char *ops, *trace;
	struct ms_go_version versions[MAX_VERSIONS];
	size_t nversions;
	enum ms_arch arch;
	enum ms_format format;
	struct ms_emit_opts emit;
	struct ms_sim_params params;
	double timeout_s;
};

static struct ms_error *parse_args(int argc, char **argv, struct ms_typeenv *env,
                                   struct simulate_opts *o, bool *ret_help)
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
		switch (c) {
		case OPT_OPS:
			o->ops = optarg;
			break;
		case OPT_TRACE:
			o->trace = optarg;
			break;
		case OPT_GO:
			err = ms_opt_go_versions(optarg, o->versions, MAX_VERSIONS, &o->nversions);
			break;
		case OPT_ARCH:
			err = ms_arch_parse(optarg, &o->arch);
			break;
		case OPT_FORMAT:
			err = ms_opt_format_of(MS_FORMATS_SIMULATE, optarg, &o->format);
			break;
		case OPT_DEFINE:
			err = ms_opt_define(env, optarg);
			break;
		case OPT_SEED:
			err = ms_opt_count("--seed", optarg, UINT64_MAX, &o->params.seed);
			break;
		case OPT_SEEDS:
			err = ms_opt_count("--seeds", optarg, 1000, &v);
			if (!err && v == 0)
				err = ms_error_create(MS_ERR_USAGE, "--seeds: must be at least 1");
			o->params.nseeds = (unsigned)v;
			break;
		case OPT_BYTES:
			o->emit.exact_bytes = true;
			break;
		case OPT_TIMEOUT:
			err = ms_opt_timeout(optarg, &o->timeout_s);
			break;
		case 'h':
			*ret_help = true;
			return NULL;
		default:
			return ms_error_create(MS_ERR_USAGE,
			                       "simulate: unknown or incomplete option '%s'",
			                       argv[optind - 1]);
		}
	}
	if (err)
		return err;
	if ((err =
	         ms_opt_map_type_operand("simulate", "map[int64]int64", argc, argv, &o->type_text)))
		return err;
	if (!o->ops == !o->trace)
		return ms_error_create(
		    MS_ERR_USAGE, "simulate: give either --ops SCRIPT (or @FILE) or --trace FILE");
	return NULL;
}

/* The script as text (from the argument or @FILE) and parsed. */
static struct ms_error *load_script(const struct simulate_opts *o, char **ret_text,
                                    struct ms_sim_script **ret)
{
	const char *path = o->trace ? o->trace : o->ops[0] == '@' ? o->ops + 1 : NULL;
	size_t len;
	struct ms_error *err;

	if (path) {
		if ((err = ms_opt_read_file(path, ret_text, &len)))
			return err;
	} else {
		if (!(*ret_text = strdup(o->ops)))
			return &ms_error_nomem;
		len = strlen(o->ops);
		path = "--ops";
	}
	if (o->trace)
		return ms_sim_trace_parse(*ret_text, len, path, ret);
	return ms_sim_script_parse(*ret_text, len, path, ret);
}

struct ms_error *cmd_simulate(int argc, char **argv)
{
	static const char *const defaults[] = {"1.23", "1.24", "1.25", "1.27"};
	struct simulate_opts o = {.arch = MS_ARCH_AMD64, .format = MS_FORMAT_TEXT};
	struct ms_typeenv *env = NULL;
	struct ms_map_type type = {0};
	struct ms_sim_script *script = NULL;
	struct ms_sim_run *runs = NULL;
	char *text = NULL;
	struct ms_error *err;
	bool help = false;
	size_t done = 0;

	err = ms_typeenv_create(&env);
	for (size_t i = 0; !err && i < sizeof(defaults) / sizeof(defaults[0]); i++)
		err = ms_go_version_parse(defaults[i], &o.versions[o.nversions++]);
	if (!err)
		err = parse_args(argc, argv, env, &o, &help);
	if (err || help) {
		if (help)
			ms_optdoc_help(stdout, usage_text, optdocs, NOPTDOCS, 0,
			               MS_FORMATS_SIMULATE);
		goto out;
	}
	err = ms_map_type_parse(o.type_text, env, o.arch, &type);
	if (err) {
		ms_error_prefix(err, "type '%s'", o.type_text);
		goto out;
	}
	if ((err = load_script(&o, &text, &script)))
		goto out;
	runs = calloc(o.nversions, sizeof(*runs));
	if (!runs) {
		err = &ms_error_nomem;
		goto out;
	}
	if (isatty(STDERR_FILENO))
		o.params.progress = ms_opt_progress;
	if (o.timeout_s > 0)
		ms_opt_set_timer(o.timeout_s);
	for (; done < o.nversions && !err; done++)
		err = ms_simulate(&type, &o.versions[done], o.arch, script, &o.params, &runs[done]);
	ms_opt_set_timer(0);
	if (o.params.progress)
		ms_opt_progress_clear();
	if (err && ms_error_code(err) == MS_ERR_LIMIT && o.timeout_s > 0) {
		/* nothing is written: the output is made only from finished runs */
		ms_error_destroy(err);
		err = ms_error_create(
		    MS_ERR_LIMIT, "simulate: stopped after %g seconds (--timeout)", o.timeout_s);
	}
	if (!err)
		err = ms_emit_simulation(stdout, o.format, &type, o.trace ? NULL : text, runs,
		                         o.nversions, &o.emit);
out:
	for (size_t i = 0; runs && i < done; i++)
		ms_sim_run_deinit(&runs[i]);
	free(runs);
	free(text);
	ms_sim_script_destroy(script);
	ms_map_type_deinit(&type);
	ms_typeenv_destroy(env);
	return err;
}
