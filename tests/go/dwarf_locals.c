/* SPDX-License-Identifier: MIT */
/*
 * Print what lib/binary/dwarf.c keeps of the locals of every function of the Go
 * executable argv[1], for tests/go/run_dwarf_locals.py:
 *
 *   F <name> <low_pc> <high_pc>
 *   L <name> <param|var> <lo>-<hi>:<cfa_off> ...     the kept ranges
 *   I <function> <lo>-<hi> ...                        a local of an inlined call: the
 *                                                     function inlined and the call's pcs
 *   A <lo>-<hi>:<cfa_off> ...                         ms_dlocal_at() over [low_pc, high_pc),
 *                                                     as runs; only for functions named
 *                                                     with the prefix argv[2]
 *
 * Fields separated by tabs (Go names hold spaces), ranges by spaces; pcs in
 * hexadecimal, offsets in signed decimal.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "godwarf.h"

/* Runs of equal ms_dlocal_at() results over the code of f; pcs off the stack are left out. */
static void print_runs(const struct ms_dfunc *f, const struct ms_dlocal *l)
{
	uint64_t start = f->low_pc;
	int64_t off = 0, cur;
	bool in = false, here, first = true;

	printf("A\t");
	for (uint64_t pc = f->low_pc; pc <= f->high_pc; pc++) {
		here = pc < f->high_pc && ms_dlocal_at(l, pc, &cur);
		if (in && (!here || cur != off)) {
			printf("%s%" PRIx64 "-%" PRIx64 ":%" PRId64, first ? "" : " ", start, pc,
			       off);
			first = false;
		}
		if (here && (!in || cur != off)) {
			start = pc;
			off = cur;
		}
		in = here;
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	struct ms_dwarf *d;
	struct ms_error *err;

	if (argc != 3) {
		fprintf(stderr, "usage: dwarf_locals EXECUTABLE FUNC_PREFIX\n");
		return 2;
	}
	err = ms_dwarf_load(argv[1], &d);
	if (err) {
		fprintf(stderr, "%s\n", ms_error_message(err));
		return 1;
	}
	for (size_t i = 0; i < d->nfuncs; i++) {
		const struct ms_dfunc *f = &d->funcs[i];
		bool runs = strncmp(f->name, argv[2], strlen(argv[2])) == 0;

		printf("F\t%s\t%" PRIx64 "\t%" PRIx64 "\n", f->name, f->low_pc, f->high_pc);
		/* read on first use: every function's here, as inspect reads a frame's */
		err = ms_dwarf_func_locals(d, f);
		if (err) {
			fprintf(stderr, "%s\n", ms_error_message(err));
			ms_error_destroy(err);
			ms_dwarf_destroy(d);
			return 1;
		}
		for (size_t j = 0; j < f->nlocals; j++) {
			const struct ms_dlocal *l = &f->locals[j];

			printf("L\t%s\t%s\t", l->name, l->is_param ? "param" : "var");
			for (size_t k = 0; k < l->nlocs; k++)
				printf("%s%" PRIx64 "-%" PRIx64 ":%" PRId64, k ? " " : "",
				       l->locs[k].lo, l->locs[k].hi, l->locs[k].cfa_off);
			printf("\n");
			if (l->inlined) {
				printf("I\t%s\t", l->inlined->name);
				for (size_t k = 0; k < l->inlined->nranges; k++)
					printf("%s%" PRIx64 "-%" PRIx64, k ? " " : "",
					       l->inlined->ranges[k].lo, l->inlined->ranges[k].hi);
				printf("\n");
			}
			if (runs)
				print_runs(f, l);
		}
	}
	ms_dwarf_destroy(d);
	return 0;
}
