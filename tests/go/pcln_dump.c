/* SPDX-License-Identifier: MIT */
/*
 * What mapsize reads in .gopclntab for some pcs of a running Go program, for
 * tests/go/run_pcln_truth.py. Usage: pcln_dump PID EXE dwarf|nodwarf PC...
 *
 * Attaches like `mapsize attach` (ms_target_open_live: layouts and moduledata.gofunc
 * from DWARF, or from the runtime's metadata with "nodwarf"), then prints one line
 * per pc, tab-separated key=value: ms_binary_func_info and, at the stack map index
 * the runtime would use (getStackMap: 0 where the table says -1), the number of
 * bits and of set bits of the locals and arguments bitmaps (ms_binary_stackmap).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "target.h"

static void bitmap(struct ms_binary *b, const char *name, uint64_t map, int32_t index)
{
	uint8_t bits[4096];
	uint32_t nbit = 0, set = 0;

	if (!map || !ms_binary_stackmap(b, map, index, bits, sizeof(bits), &nbit)) {
		printf("\t%s_nbit=-1\t%s_set=-1", name, name);
		return;
	}
	for (uint32_t i = 0; i < nbit; i++)
		set += (bits[i / 8] >> (i % 8)) & 1;
	printf("\t%s_nbit=%u\t%s_set=%u", name, nbit, name, set);
}

int main(int argc, char **argv)
{
	struct ms_target *t;
	struct ms_error *err;

	if (argc < 4)
		return 2;
	err = ms_target_open_live((int)strtol(argv[1], NULL, 10), argv[2], true,
	                          strcmp(argv[3], "nodwarf") ? 0 : MS_TARGET_NO_DWARF, &t);
	if (err) {
		fprintf(stderr, "pcln_dump: %s\n", ms_error_message(err));
		return 1;
	}
	for (int i = 4; i < argc; i++) {
		uint64_t pc = strtoull(argv[i], NULL, 0);
		struct ms_func_info fi;
		struct ms_func_at fa;
		int32_t index;

		printf("pc=%llu", (unsigned long long)pc);
		if (!ms_binary_func_info(t->exe, pc, &fi)) {
			printf("\tok=0\n");
			continue;
		}
		/* ms_binary_func_at reads the same table: it must agree */
		if (!ms_binary_func_at(t->exe, pc, &fa) || strcmp(fa.name, fi.name) ||
		    fa.entry != fi.entry || fa.spdelta != fi.spdelta)
			printf("\tfunc_at=differs");
		printf("\tok=1\tname=%s\tfile=%s\tline=%d\tentry=%llu\tspdelta=%lld\targs=%d"
		       "\tfuncid=%u\tflag=%u\tstackmap_index=%d\tlocals_map=%llu\targs_map=%llu",
		       fi.name, fi.file ? fi.file : "", fi.line, (unsigned long long)fi.entry,
		       (long long)fi.spdelta, fi.args, fi.funcid, fi.flag, fi.stackmap_index,
		       (unsigned long long)fi.locals_map, (unsigned long long)fi.args_map);
		index = pc == fi.entry || fi.stackmap_index < 0 ? 0 : fi.stackmap_index;
		bitmap(t->exe, "locals", fi.locals_map, index);
		bitmap(t->exe, "args", fi.args_map, index);
		printf("\n");
	}
	ms_target_destroy(t);
	return 0;
}
