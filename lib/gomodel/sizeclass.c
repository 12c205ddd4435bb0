/* SPDX-License-Identifier: MIT */
/*
 * The Go allocator as HeapAlloc sees it: size classes, page rounding and the
 * malloc header. runtime/sizeclasses.go (internal/runtime/gc from 1.25): the
 * same 68 classes in every version 1.19-1.27.
 */
#include "gover.h"
#include "mapsize.h"

static const uint32_t class_bytes[] = {
    0,     8,     16,    24,    32,    48,    64,    80,    96,    112,   128,   144,
    160,   176,   192,   208,   224,   240,   256,   288,   320,   352,   384,   416,
    448,   480,   512,   576,   640,   704,   768,   896,   1024,  1152,  1280,  1408,
    1536,  1792,  2048,  2304,  2688,  3072,  3200,  3456,  4096,  4864,  5376,  6144,
    6528,  6784,  6912,  8192,  9472,  9728,  10240, 10880, 12288, 13568, 14336, 16384,
    18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768,
};

/* runtime class_to_allocnpages: the pages of a span of each class */
static const uint8_t class_pages[] = {
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 2, 1, 3, 2,  3, 1, 3,
    2, 3, 4, 5, 6, 1, 7, 6, 5, 4, 3, 5, 7, 2, 9, 7, 5, 8, 3, 10, 7, 4,
};

#define MAX_SMALL_BYTES  32768u
#define PAGE_BYTES       8192u
#define MALLOC_HDR_BYTES 8u
#define NCLASSES         (sizeof(class_bytes) / sizeof(class_bytes[0]))

static uint64_t class_roundup(uint64_t bytes)
{
	size_t lo = 1, hi = NCLASSES - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (class_bytes[mid] >= bytes)
			hi = mid;
		else
			lo = mid + 1;
	}
	return class_bytes[lo];
}

static uint64_t page_roundup(uint64_t bytes)
{
	uint64_t pages = bytes / PAGE_BYTES + (bytes % PAGE_BYTES != 0);

	return pages * PAGE_BYTES;
}

/* Does a request of req_bytes get a malloc header (malloc.go, heapBitsInSpan)? */
static bool needs_header(const struct ms_go_version *v, enum ms_arch arch, uint64_t req_bytes,
                         bool has_pointers)
{
	uint64_t ptr = ms_arch_info(arch)->ptr_bytes;

	/* minSizeForMallocHeader = goarch.PtrSize * ptrBits */
	return ms_go_facts(v)->malloc_headers && has_pointers && req_bytes > ptr * ptr * 8 &&
	       req_bytes <= MAX_SMALL_BYTES - MALLOC_HDR_BYTES;
}

struct ms_alloc ms_alloc_object(const struct ms_go_version *v, enum ms_arch arch,
                                uint64_t req_bytes, bool has_pointers)
{
	struct ms_alloc a = {.req_bytes = req_bytes};
	uint64_t with_hdr;

	if (req_bytes == 0)
		return a; /* zerobase: takes nothing */
	a.header_bytes = needs_header(v, arch, req_bytes, has_pointers) ? MALLOC_HDR_BYTES : 0;
	with_hdr = req_bytes + a.header_bytes;
	if (with_hdr <= MAX_SMALL_BYTES)
		a.total_bytes = class_roundup(with_hdr);
	else
		a.total_bytes = page_roundup(req_bytes);
	a.slack_bytes = a.total_bytes - with_hdr;
	return a;
}

uint64_t ms_alloc_roundup(const struct ms_go_version *v, enum ms_arch arch, uint64_t req_bytes,
                          bool has_pointers)
{
	struct ms_alloc a = ms_alloc_object(v, arch, req_bytes, has_pointers);

	return a.total_bytes - a.header_bytes;
}

double ms_alloc_average(const struct ms_go_version *v, enum ms_arch arch, uint64_t req_bytes,
                        bool has_pointers)
{
	const uint64_t tiny_block = 16;
	uint64_t align = 1, slot, per_block = 0, off = 0;

	if (has_pointers || req_bytes == 0 || req_bytes >= tiny_block)
		return (double)ms_alloc_object(v, arch, req_bytes, has_pointers).total_bytes;
	/* mallocgc's tiny path aligns each object by what its size allows */
	if (req_bytes % 8 == 0 || (ms_arch_info(arch)->ptr_bytes == 4 && req_bytes == 12))
		align = 8;
	else if (req_bytes % 4 == 0)
		align = 4;
	else if (req_bytes % 2 == 0)
		align = 2;
	for (;;) {
		slot = (off + align - 1) / align * align;
		if (slot + req_bytes > tiny_block)
			break;
		per_block++;
		off = slot + req_bytes;
	}
	return (double)tiny_block / (double)per_block;
}

bool ms_size_class_span(unsigned sizeclass, uint64_t *elemsize, uint64_t *npages)
{
	if (!sizeclass || sizeclass >= NCLASSES)
		return false;
	*elemsize = class_bytes[sizeclass];
	*npages = class_pages[sizeclass];
	return true;
}
