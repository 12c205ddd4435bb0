/* The allocator model: invariants of classes, pages and malloc headers. */
#include "harness.h"
#include "mapsize.h"

int main(void)
{
	struct ms_go_version v121, v122;
	uint64_t prev = 0;
	bool monotone = true, covers = true, parts = true;

	ms_error_destroy(ms_go_version_parse("1.21", &v121));
	ms_error_destroy(ms_go_version_parse("1.22", &v122));
	for (uint64_t n = 1; n <= 70000; n++) {
		struct ms_alloc a = ms_alloc_object(&v122, MS_ARCH_AMD64, n, n % 3 == 0);

		covers &= a.total_bytes >= n;
		parts &= a.total_bytes == a.req_bytes + a.header_bytes + a.slack_bytes;
		if (n % 3 != 0) {
			monotone &= a.total_bytes >= prev;
			prev = a.total_bytes;
		}
	}
	CHECK(covers, "every object gets at least what it asked for");
	CHECK(parts, "request + header + slack = total");
	CHECK(monotone, "pointer-free sizes are monotone");
	CHECK_U64(ms_alloc_object(&v122, MS_ARCH_AMD64, 0, true).total_bytes, 0, "zero bytes");
	/* malloc.go: headers from 1.22, pointerful, > 512 B on 64-bit, > 128 B on 32-bit */
	CHECK_U64(ms_alloc_object(&v121, MS_ARCH_AMD64, 1024, true).header_bytes, 0, "1.21 none");
	CHECK_U64(ms_alloc_object(&v122, MS_ARCH_AMD64, 1024, true).header_bytes, 8, "1.22 ptrs");
	CHECK_U64(ms_alloc_object(&v122, MS_ARCH_AMD64, 1024, false).header_bytes, 0, "noscan");
	CHECK_U64(ms_alloc_object(&v122, MS_ARCH_AMD64, 512, true).header_bytes, 0, "<= 512");
	CHECK_U64(ms_alloc_object(&v122, MS_ARCH_386, 144, true).header_bytes, 8, "386 > 128");
	CHECK_U64(ms_alloc_object(&v122, MS_ARCH_AMD64, 40000, true).header_bytes, 0, "large");
	CHECK_U64(ms_alloc_object(&v122, MS_ARCH_AMD64, 40000, true).total_bytes % 8192, 0,
	          "large objects take whole pages");
	CHECK_U64(ms_alloc_roundup(&v122, MS_ARCH_AMD64, 4000, true) + 8,
	          ms_alloc_object(&v122, MS_ARCH_AMD64, 4000, true).total_bytes,
	          "roundupsize returns the usable bytes");
	return tap_done();
}
