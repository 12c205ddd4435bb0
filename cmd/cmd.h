/* SPDX-License-Identifier: MIT */
/*
 * Subcommands. Adding one:
 *  1. write cmd/NAME.c with `struct ms_error *cmd_NAME(int argc, char **argv)`;
 *  2. add it to the table in cmd/main.c and to cmd/meson.build;
 *  3. document it (and every option) in man/mapsize.1: tests/man checks;
 *  4. test its bad input in tests/cli.
 * A command returns an error instead of exiting; main() prints it and picks
 * the exit status from the error code table.
 */
#ifndef MS_CMD_H
#define MS_CMD_H

#include "mapsize.h"

MS_MUST_CHECK struct ms_error *cmd_estimate(int argc, char **argv);
MS_MUST_CHECK struct ms_error *cmd_inspect(int argc, char **argv);
MS_MUST_CHECK struct ms_error *cmd_attach(int argc, char **argv);
MS_MUST_CHECK struct ms_error *cmd_record(int argc, char **argv);
MS_MUST_CHECK struct ms_error *cmd_replay(int argc, char **argv);
MS_MUST_CHECK struct ms_error *cmd_diff(int argc, char **argv);
MS_MUST_CHECK struct ms_error *cmd_simulate(int argc, char **argv);

#endif
