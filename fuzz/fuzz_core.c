/* Fuzz the ELF core reader: any bytes as a core file; then read around every segment. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memfile.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_memfile(data, size, path, sizeof(path));
	struct ms_source *src = NULL;
	const struct ms_core_info *ci;

	if (fd < 0)
		return 0;
	struct ms_error *err = ms_source_core_create(path, &src);

	if (!err) {
		uint8_t buf[64];

		ci = ms_source_core_info(src);
		for (size_t i = 0; i < ci->nsegments; i++) {
			const struct ms_segment *s = &ci->segments[i];
			uint64_t at[] = {s->vaddr, s->vaddr + s->memsz - 1, s->vaddr + s->filesz,
			                 s->vaddr - 8, s->vaddr + s->memsz - 32};

			for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
				ms_error_destroy(ms_source_read(src, at[k], buf, sizeof(buf)));
				(void)ms_source_has(src, at[k], sizeof(buf));
			}
		}
		for (size_t i = 0; i < ci->nfiles; i++)
			(void)strlen(ci->files[i].name);
		ms_source_destroy(src);
	}
	ms_error_destroy(err);
	close(fd);
	return 0;
}
