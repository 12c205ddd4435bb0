/* SPDX-License-Identifier: MIT */
/* mapsize estimate: predict the bytes of a map[K]V. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

#define MAX_VERSIONS 32
#define MAX_LEN      MS_MAX_ESTIMATE_LEN

static const char usage_text[] =
    "usage: mapsize estimate TYPE (--len N | --budget BYTES) [OPTION]...\n"
    "  the bytes of a map[K]V of N entries, or how many entries fit in BYTES\n";

enum {
	OPT_HINT = 256,
	OPT_DELETED,
	OPT_GO,
	OPT_ARCH,
	OPT_FORMAT,
	OPT_DEFINE,
	OPT_BUDGET,
	OPT_SEED,
	OPT_SEEDS,
	OPT_BYTES,
	OPT_KEY_PAYLOAD,
	OPT_VALUE_PAYLOAD,
	OPT_MODEL,
	OPT_EXACT
};

static const struct ms_optdoc optdocs[] = {
    {"len", required_argument, 'n', "N", "entries inserted (1000000, 1e6, 2^20)", 0},
    {"budget", required_argument, OPT_BUDGET, "BYTES", "how many entries fit in BYTES (64MiB, 1GB)",
     0},
    {"hint", required_argument, OPT_HINT, "H", "made with make(map[K]V, H)", 0},
    {"deleted", required_argument, OPT_DELETED, "D", "then D entries were deleted", 0},
    {"go", required_argument, OPT_GO, "VERSION[,...]",
     "Go version(s), e.g. 1.23,1.24+noswissmap, or all (default 1.27)", 0},
    MS_OPTDOC_ARCH(OPT_ARCH),
    MS_OPTDOC_DEFINE(OPT_DEFINE),
    {"key-payload", required_argument, OPT_KEY_PAYLOAD, "BYTES[,ptr]",
     "average bytes each key points to (,ptr: they hold pointers)", 0},
    {"value-payload", required_argument, OPT_VALUE_PAYLOAD, "BYTES[,ptr]",
     "average bytes each value points to", 0},
    MS_OPTDOC_SEED(OPT_SEED),
    {"seeds", required_argument, OPT_SEEDS, "N",
     "simulated hash seeds (default 24 to 128; implies --model simulated)", 0},
    {"model", required_argument, OPT_MODEL, "MODEL",
     "auto (analytic from 65536 entries), simulated or analytic", 0},
    {"exact", no_argument, OPT_EXACT, NULL, "the same as --model simulated", 0},
    MS_OPTDOC_BYTES(OPT_BYTES, 0),
    MS_OPTDOC_FORMAT(OPT_FORMAT, 0),
    MS_OPTDOC_HELP,
};
#define NOPTDOCS (sizeof(optdocs) / sizeof(optdocs[0]))

struct estimate_opts {
	const char *type_text;
	struct ms_estimate_params params;
	bool has_len;
	struct ms_go_version versions[MAX_VERSIONS];
	size_t nversions;
	enum ms_arch arch;
	enum ms_format format;
	struct ms_emit_opts emit;
	bool has_budget;
	uint64_t budget_bytes;
	bool has_model;
};

/* "24" or "24,ptr": average bytes each key or value points to. */
static struct ms_error *payload(const char *opt, const char *arg, uint64_t *ret_bytes,
                                bool *ret_pointers)
{
	const char *comma = strchr(arg, ',');
	char *num;
	struct ms_error *err;

	if (comma && strcmp(comma + 1, "ptr") != 0)
		return ms_error_create(MS_ERR_USAGE, "%s: '%s' is not BYTES or BYTES,ptr", opt,
		                       arg);
	num = strndup(arg, comma ? (size_t)(comma - arg) : strlen(arg));
	if (!num)
		return &ms_error_nomem;
	err = ms_opt_bytes(opt, num, ret_bytes);
	free(num);
	*ret_pointers = comma != NULL;
	return err;
}

static struct ms_error *parse_args(int argc, char **argv, struct ms_typeenv *env,
                                   struct estimate_opts *o, bool *ret_help)
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
		case 'n':
			err = ms_opt_count("--len", optarg, MAX_LEN, &o->params.len);
			o->has_len = true;
			break;
		case OPT_HINT:
			err = ms_opt_count("--hint", optarg, (uint64_t)1 << 62, &o->params.hint);
			o->params.has_hint = true;
			break;
		case OPT_DELETED:
			err = ms_opt_count("--deleted", optarg, MAX_LEN, &o->params.deleted);
			break;
		case OPT_GO:
			err = ms_opt_go_versions(optarg, o->versions, MAX_VERSIONS, &o->nversions);
			break;
		case OPT_ARCH:
			err = ms_arch_parse(optarg, &o->arch);
			break;
		case OPT_FORMAT:
			err = ms_opt_format(optarg, &o->format);
			break;
		case OPT_DEFINE:
			err = ms_opt_define(env, optarg);
			break;
		case OPT_BUDGET:
			err = ms_opt_bytes("--budget", optarg, &o->budget_bytes);
			o->has_budget = true;
			break;
		case OPT_SEED:
			err = ms_opt_count("--seed", optarg, UINT64_MAX, &o->params.seed);
			break;
		case OPT_SEEDS:
			err = ms_opt_count("--seeds", optarg, 10000, &v);
			if (!err && v == 0)
				err = ms_error_create(MS_ERR_USAGE, "--seeds: must be at least 1");
			o->params.nseeds = (unsigned)v;
			break;
		case OPT_BYTES:
			o->emit.exact_bytes = true;
			break;
		case OPT_KEY_PAYLOAD:
			err = payload("--key-payload", optarg, &o->params.key_payload_bytes,
			              &o->params.key_payload_pointers);
			break;
		case OPT_VALUE_PAYLOAD:
			err = payload("--value-payload", optarg, &o->params.elem_payload_bytes,
			              &o->params.elem_payload_pointers);
			break;
		case OPT_MODEL:
			if (strcmp(optarg, "auto") == 0)
				o->params.model = MS_MODEL_AUTO;
			else if (strcmp(optarg, "simulated") == 0)
				o->params.model = MS_MODEL_SIMULATED;
			else if (strcmp(optarg, "analytic") == 0)
				o->params.model = MS_MODEL_ANALYTIC;
			else
				err = ms_error_create(
				    MS_ERR_USAGE,
				    "--model: '%s' is not auto, simulated or analytic", optarg);
			o->has_model = true;
			break;
		case OPT_EXACT:
			o->params.model = MS_MODEL_SIMULATED;
			o->has_model = true;
			break;
		case 'h':
			*ret_help = true;
			return NULL;
		default:
			return ms_error_create(MS_ERR_USAGE,
			                       "estimate: unknown or incomplete option '%s'",
			                       argv[optind - 1]);
		}
	}
	if (err)
		return err;
	if ((err = ms_opt_map_type_operand("estimate", "map[string]int64", argc, argv,
	                                   &o->type_text)))
		return err;
	if (!o->has_len && !o->has_budget)
		return ms_error_create(MS_ERR_USAGE,
		                       "estimate: --len N (or --budget BYTES) is required");
	/* asking for seeds asks for the simulation */
	if (o->params.nseeds && !o->has_model)
		o->params.model = MS_MODEL_SIMULATED;
	if (o->params.model == MS_MODEL_SIMULATED && o->params.len > MS_MAX_SIM_LEN)
		return ms_error_create(
		    MS_ERR_USAGE,
		    "--len: %llu is over 2^32, the most a simulated estimate runs "
		    "(--model analytic takes up to 2^40)",
		    (unsigned long long)o->params.len);
	if (o->params.deleted > o->params.len)
		return ms_error_create(MS_ERR_USAGE, "--deleted: %llu is more than --len %llu",
		                       (unsigned long long)o->params.deleted,
		                       (unsigned long long)o->params.len);
	return NULL;
}

struct ms_error *cmd_estimate(int argc, char **argv)
{
	struct estimate_opts o = {.arch = MS_ARCH_AMD64, .format = MS_FORMAT_TEXT};
	struct ms_typeenv *env = NULL;
	struct ms_map_type type = {0};
	struct ms_estimate *ests = NULL;
	struct ms_error *err;
	bool help = false;

	err = ms_typeenv_create(&env);
	if (err)
		return err;
	/* Default: the newest supported Go. */
	o.nversions = 1;
	err = ms_go_version_parse("1.27", &o.versions[0]);
	if (!err)
		err = parse_args(argc, argv, env, &o, &help);
	if (err || help) {
		if (help)
			ms_optdoc_help(stdout, usage_text, optdocs, NOPTDOCS, 0,
			               MS_FORMATS_ESTIMATE);
		goto out;
	}
	err = ms_map_type_parse(o.type_text, env, o.arch, &type);
	if (err) {
		ms_error_prefix(err, "type '%s'", o.type_text);
		goto out;
	}
	ests = calloc(o.nversions, sizeof(*ests));
	if (!ests) {
		err = &ms_error_nomem;
		goto out;
	}
	if (o.has_budget) {
		uint64_t max_len;

		err = ms_estimate_capacity(&type, &o.versions[0], o.arch, &o.params, o.budget_bytes,
		                           &max_len);
		if (!err) {
			o.params.len = max_len;
			o.params.deleted = 0;
			o.params.has_hint = false;
			err = ms_estimate(&type, &o.versions[0], o.arch, &o.params, &ests[0]);
		}
		if (!err)
			err = ms_emit_capacity(stdout, o.format, &type, o.budget_bytes, max_len,
			                       &ests[0], &o.emit);
		goto out;
	}
	for (size_t i = 0; i < o.nversions && !err; i++)
		err = ms_estimate(&type, &o.versions[i], o.arch, &o.params, &ests[i]);
	if (!err)
		err = ms_emit_estimates(stdout, o.format, &type, ests, o.nversions, &o.emit);
out:
	free(ests);
	ms_map_type_deinit(&type);
	ms_typeenv_destroy(env);
	return err;
}
