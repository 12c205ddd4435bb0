/*
 * Fuzz the simulate script and trace parsers: any bytes. What parses and is
 * short is also run through the classic and the Swiss model (one seed), so
 * hostile scripts reach the models too.
 */
#include <stdlib.h>
#include <string.h>

#include "mapsize.h"
#include "simscript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const struct ms_sim_script *s)
{
	static const char *const versions[] = {"1.23", "1.24", "1.27"};
	struct ms_sim_params params = {.seed = 1, .nseeds = 1};
	struct ms_map_type mt;

	if (ms_sim_script_ops(s) > 20000)
		return;
	/* a large hint allocates what the runtime would (2^26 entries: gigabytes) */
	for (size_t i = 0; i < s->nops; i++)
		if (s->ops[i].kind == MS_OP_MAKE && s->ops[i].n != MS_SIM_NO_HINT &&
		    s->ops[i].n > 100000)
			return;
	if (ms_map_type_parse("map[int64]int64", NULL, MS_ARCH_AMD64, &mt))
		abort();
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		struct ms_go_version v;
		struct ms_sim_run r;
		struct ms_error *err;

		if (ms_go_version_parse(versions[i], &v))
			abort();
		err = ms_simulate(&mt, &v, MS_ARCH_AMD64, s, &params, &r);
		if (!err)
			ms_sim_run_deinit(&r);
		ms_error_destroy(err);
	}
	ms_map_type_deinit(&mt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_sim_script *s = NULL;
	struct ms_error *err;

	err = ms_sim_script_parse((const char *)data, size, "fuzz", &s);
	if (!err)
		run(s);
	ms_sim_script_destroy(s);
	ms_error_destroy(err);
	s = NULL;
	err = ms_sim_trace_parse((const char *)data, size, "fuzz", &s);
	if (!err)
		run(s);
	ms_sim_script_destroy(s);
	ms_error_destroy(err);
	return 0;
}
