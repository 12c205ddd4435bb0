/*
 * Fuzz the executable readers: any bytes as a Go executable (ELF headers,
 * sections, .go.buildinfo, the Go build ID, .gopclntab and the stack maps it leads to)
 * and as DWARF (lib/binary/dwarf.c).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "binary.h"
#include "godwarf.h"
#include "memfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_memfile(data, size, path, sizeof(path));
	struct ms_binary *b = NULL;
	struct ms_dwarf *d = NULL;
	uint64_t bias = size ? data[0] : 0;

	if (fd < 0)
		return 0;
	struct ms_error *err = ms_binary_open(path, &b);

	if (!err) {
		char buf[64];
		uint8_t bytes[16];

		uint64_t entry;

		(void)ms_binary_setting(b, "GOEXPERIMENT", buf, sizeof(buf));
		/* a PIE moved as a process would have it (any bias: the file's bytes choose) */
		ms_binary_relocate(b, ms_binary_bias_for_entry(b, b->entry + (bias << 40)));
		entry = ms_binary_runtime_addr(b, b->entry);
		/* any base for the funcdata offsets: the stack maps are read through it */
		ms_binary_set_gofunc(b, entry);
		for (uint64_t pc = entry - 64; pc < entry + 64; pc += 8) {
			struct ms_func_at fa;
			struct ms_func_info fi;
			uint8_t bits[64];
			uint32_t nbit;

			(void)ms_binary_func_at(b, pc, &fa);
			if (!ms_binary_func_info(b, pc, &fi))
				continue;
			(void)ms_binary_stackmap(b, fi.locals_map, fi.stackmap_index, bits,
			                         sizeof(bits), &nbit);
			(void)ms_binary_stackmap(b, fi.args_map, 0, bits, sizeof(bits), &nbit);
		}
		(void)ms_binary_stackmap(b, entry, 1, bytes, sizeof(bytes), &(uint32_t){0});
		ms_error_destroy(ms_source_read(b->mem, entry, bytes, sizeof(bytes)));
		ms_binary_destroy(b);
	}
	ms_error_destroy(err);
	err = ms_dwarf_load(path, &d);
	if (!err) {
		for (size_t i = 0; i < d->nvars; i++)
			(void)ms_dwarf_type(d, d->vars[i].type_off);
		(void)ms_dwarf_type_by_name(d, "runtime.hmap");
		ms_dwarf_relocate(d, bias << 40); /* the locals read below are moved as read */
		(void)ms_dwarf_func_at(d, 0x401000);
		for (size_t i = 0; i < d->nfuncs; i++) {
			const struct ms_dfunc *f = &d->funcs[i];

			/* every function's locals, as inspect reads those of the frames' */
			ms_error_destroy(ms_dwarf_func_locals(d, f));
			ms_error_destroy(
			    ms_dwarf_func_locals(d, f)); /* once: nothing the second time */
			for (size_t j = 0; j < f->nlocals; j++) {
				int64_t off;

				(void)ms_dlocal_at(&f->locals[j], f->low_pc, &off);
				if (f->locals[j].nlocs)
					(void)ms_dlocal_at(&f->locals[j], f->locals[j].locs[0].lo,
					                   &off);
			}
		}
		ms_dwarf_relocate(d, 0); /* and back, those read too */
		ms_dwarf_destroy(d);
	}
	ms_error_destroy(err);
	close(fd);
	return 0;
}
