/*
 * Fuzz the reader of the runtime's type descriptors (lib/binary/rtmeta.c,
 * ms_rtmeta_types): the input is a module's type region, for one of the
 * supported descriptor layouts. Byte 0 picks the Go version and pointer size,
 * bytes 1-8 (little-endian) the region's address, the rest is the region.
 * Whatever the bytes, the map types it finds and the names it gives every
 * type must be built in bounded time and memory, and stay in bounds.
 * The seeds are real regions (tests/go: a small program built with Go 1.27
 * for amd64 and Go 1.23 for 386), their addresses as linked.
 */
#include <stdlib.h>
#include <string.h>

#include "rtmeta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct buf_source {
	struct ms_source base;
	const uint8_t *data;
	size_t size;
	uint64_t addr;
};

static bool buf_has(struct ms_source *src, uint64_t addr, uint64_t len)
{
	struct buf_source *b = (struct buf_source *)src;

	return addr >= b->addr && addr - b->addr <= b->size && len <= b->size - (addr - b->addr);
}

static struct ms_error *buf_read(struct ms_source *src, uint64_t addr, void *out, size_t len)
{
	struct buf_source *b = (struct buf_source *)src;

	if (!buf_has(src, addr, len))
		return ms_error_create(MS_ERR_FAULT, "0x%llx is not in the input",
		                       (unsigned long long)addr);
	memcpy(out, b->data + (addr - b->addr), len);
	return NULL;
}

static void buf_destroy(struct ms_source *src)
{
	(void)src;
}

static const struct ms_source_ops buf_ops = {
    .name = "fuzz", .read = buf_read, .has = buf_has, .destroy = buf_destroy};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* each descriptor layout: classic maps, Swiss, Swiss with strides, split groups */
	static const struct ms_go_version versions[] = {
	    {.minor = 19}, {.minor = 23},
	    {.minor = 24}, {.minor = 25, .noswissmap = true},
	    {.minor = 27}, {.minor = 27, .mapsplitgroup = true},
	};
	struct buf_source src = {{&buf_ops, (char *)"fuzz", 8, false, NULL, 0, 0}, NULL, 0, 0};
	struct ms_rtmeta t;
	struct ms_error *err;
	size_t nmaps = 0, nv = sizeof(versions) / sizeof(versions[0]);
	uint64_t addr = 0;

	if (size < 9)
		return 0;
	for (unsigned i = 0; i < 8; i++)
		addr |= (uint64_t)data[1 + i] << (8 * i);
	memset(&t, 0, sizeof(t));
	t.go = versions[data[0] % nv];
	t.ptr = (data[0] / nv) % 2 ? 4 : 8;
	t.arch = t.ptr == 8 ? MS_ARCH_AMD64 : MS_ARCH_386;
	if (t.ptr == 4)
		addr &= 0xffffffffu;
	addr &= ~(uint64_t)(t.ptr - 1);
	src.base.ptr_bytes = t.ptr;
	src.data = data + 9;
	src.size = size - 9;
	src.addr = addr;
	t.mem = &src.base;
	memset(&t.rt, 0xff, sizeof(t.rt));
	if (addr + src.size < addr)
		return 0;
	err = ms_rtmeta_types(&t, addr, addr + src.size, &nmaps);
	if (!err && t.dwarf) {
		/* every name must be a string */
		for (size_t i = 0; i < t.dwarf->ntypes; i++) {
			if (t.dwarf->types[i].name && strlen(t.dwarf->types[i].name) > (1u << 20))
				abort();
		}
	}
	ms_error_destroy(err);
	ms_dwarf_destroy(t.dwarf);
	return 0;
}
