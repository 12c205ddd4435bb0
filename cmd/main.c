/* SPDX-License-Identifier: MIT */
/* mapsize: the command table, global flags, and error -> exit status. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static const struct {
	const char *name;
	struct ms_error *(*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
    {"estimate", cmd_estimate, "predict the bytes of a map[K]V for a Go version and arch"},
    {"inspect", cmd_inspect, "report every map in a core dump of a Go process"},
    {"attach", cmd_attach, "the same report from a running Go process"},
    {"record", cmd_record, "save a report as a portable layout file"},
    {"replay", cmd_replay, "print the report of a recorded layout file"},
    {"diff", cmd_diff, "compare two reports or layout files"},
    {"simulate", cmd_simulate, "replay inserts, deletes and clears through each Go version's map"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: mapsize COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'mapsize help COMMAND' (or 'mapsize COMMAND --help') for a command's "
	             "options;\n'man mapsize' for all.\n");
}

/* Flushing stdout can fail (a full disk, a closed pipe): that is an error too. */
static int finish(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		if (status == 0) {
			fprintf(stderr, "mapsize: cannot write standard output: %s\n",
			        strerror(errno));
			status = ms_error_code_status(MS_ERR_IO);
		}
	}
	return status;
}

int main(int argc, char **argv)
{
	struct ms_error *err = NULL;
	char *help_argv[] = {NULL, "--help", NULL}; /* mapsize help COMMAND */
	int status = 0;

	if (argc < 2) {
		usage(stderr);
		return ms_error_code_status(MS_ERR_USAGE);
	}
	if (strcmp(argv[1], "help") == 0 && argc > 2) {
		/* mapsize help COMMAND: that command's --help */
		if (argc > 3) {
			err = ms_error_create(MS_ERR_USAGE, "help: one command expected, got '%s'",
			                      argv[3]);
			goto done;
		}
		help_argv[0] = argv[2];
		argc = 2;
		argv = help_argv;
		goto dispatch;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return finish(0);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("mapsize %s\n", MAPSIZE_VERSION);
		return finish(0);
	}
	argc--;
	argv++;
dispatch:
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) == 0) {
			err = commands[i].run(argc, argv);
			goto done;
		}
	}
	err = ms_error_create(MS_ERR_USAGE, "'%s' is not a mapsize command (see mapsize --help)",
	                      argv[0]);
done:
	if (err) {
		fprintf(stderr, "mapsize: %s\n", ms_error_message(err));
		status = ms_error_code_status(ms_error_code(err));
		ms_error_destroy(err);
	}
	return finish(status);
}
