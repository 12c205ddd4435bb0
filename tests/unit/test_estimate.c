/*
 * Estimator invariants. The numbers themselves are proven against the Go
 * runtime in tests/go; here: corrections add up, ranges hold the expectation,
 * results are reproducible, deletes never shrink, the inverse query inverts.
 */
#include <stdlib.h>

#include "estimate_types.h"
#include "harness.h"

int main(void)
{
	static const uint64_t lens[] = {0, 1, 8, 9, 14, 15, 100, 897, 5000};
	size_t nv;
	const struct ms_go_version *versions = ms_go_versions(&nv);
	enum ms_arch arches[] = {MS_ARCH_AMD64, MS_ARCH_386};
	unsigned bad_sum = 0, bad_range = 0, bad_exact = 0, bad_max = 0, count = 0;

	for (size_t vi = 0; vi < nv; vi++)
		for (size_t ai = 0; ai < 2; ai++)
			for (size_t ti = 0; ti < sizeof(types) / sizeof(types[0]); ti++)
				for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++)
					for (int hint = 0; hint < 2; hint++) {
						struct ms_map_type t =
						    make_type(&types[ti], arches[ai]);
						struct ms_estimate_params p = {.len = lens[li],
						                               .hint = lens[li],
						                               .has_hint = hint,
						                               .nseeds = 8};
						struct ms_estimate e;
						struct ms_error *err = ms_estimate(
						    &t, &versions[vi], arches[ai], &p, &e);
						int64_t sum;

						count++;
						if (err) {
							printf("# %s\n", ms_error_message(err));
							ms_error_destroy(err);
							bad_sum++;
							continue;
						}
						sum = (int64_t)e.naive_bytes;
						for (size_t c = 0; c < e.ncorrections; c++)
							sum += e.corrections[c].bytes;
						bad_sum += sum != (int64_t)e.total_bytes;
						bad_range += !(e.total_low_bytes <= e.total_bytes &&
						               e.total_bytes <= e.total_high_bytes);
						bad_exact += e.exact && e.total_low_bytes !=
						                            e.total_high_bytes;
						/* the largest seed's total lies in the range;
						 * exact: it is the total, no deviation */
						bad_max +=
						    !(e.total_low_bytes <= e.total_max_bytes &&
						      e.total_max_bytes <= e.total_high_bytes &&
						      e.total_max_bytes >= e.total_bytes) ||
						    (e.exact &&
						     (e.total_max_bytes != e.total_bytes ||
						      e.total_sd_bytes != 0));
					}
	CHECK(bad_sum == 0, "naive + corrections = total in all %u estimates (%u off)", count,
	      bad_sum);
	CHECK(bad_range == 0, "low <= total <= high in all estimates (%u off)", bad_range);
	CHECK(bad_exact == 0, "exact estimates have no spread (%u off)", bad_exact);
	CHECK(bad_max == 0,
	      "the largest seed's total is within [low, high], at least the mean (%u off)",
	      bad_max);

	{
		struct ms_map_type t = make_type(&types[1], MS_ARCH_AMD64);
		struct ms_estimate_params p = {.len = 100000, .seed = 7, .nseeds = 1};
		struct ms_estimate a, b, d;
		struct ms_go_version v;
		uint64_t fit;

		ms_error_destroy(ms_go_version_parse("1.23", &v));
		ms_error_destroy(ms_estimate(&t, &v, MS_ARCH_AMD64, &p, &a));
		ms_error_destroy(ms_estimate(&t, &v, MS_ARCH_AMD64, &p, &b));
		CHECK(a.total_bytes == b.total_bytes && a.total_low_bytes == b.total_low_bytes,
		      "same seed, same estimate");
		p.deleted = 90000;
		ms_error_destroy(ms_estimate(&t, &v, MS_ARCH_AMD64, &p, &d));
		CHECK(d.len == 10000 && d.total_bytes == a.total_bytes,
		      "deleting 90%% of a pointerful map with inline K/V frees nothing");
		p.deleted = 100001;
		{
			struct ms_error *err = ms_estimate(&t, &v, MS_ARCH_AMD64, &p, &d);
			CHECK(err && ms_error_code(err) == MS_ERR_USAGE, "deleting more than len");
			ms_error_destroy(err);
		}
		p.deleted = 0;
		ms_error_destroy(
		    ms_estimate_capacity(&t, &v, MS_ARCH_AMD64, &p, a.total_bytes, &fit));
		p.len = fit;
		ms_error_destroy(ms_estimate(&t, &v, MS_ARCH_AMD64, &p, &b));
		p.len = fit + 1;
		ms_error_destroy(ms_estimate(&t, &v, MS_ARCH_AMD64, &p, &d));
		CHECK(fit >= 100000 && b.total_bytes <= a.total_bytes &&
		          d.total_bytes > a.total_bytes,
		      "capacity: %llu entries fit in the bytes of 100000", (unsigned long long)fit);
	}
	{
		/* Swiss 1.24 vs noswissmap: same version, different implementation */
		struct ms_map_type t = make_type(&types[0], MS_ARCH_AMD64);
		struct ms_estimate_params p = {.len = 5};
		struct ms_go_version sw, cl;
		struct ms_estimate es, ec;

		ms_error_destroy(ms_go_version_parse("1.24", &sw));
		ms_error_destroy(ms_go_version_parse("1.24+noswissmap", &cl));
		ms_error_destroy(ms_estimate(&t, &sw, MS_ARCH_AMD64, &p, &es));
		ms_error_destroy(ms_estimate(&t, &cl, MS_ARCH_AMD64, &p, &ec));
		CHECK(es.impl == MS_IMPL_SWISS && ec.impl == MS_IMPL_CLASSIC,
		      "noswissmap selects the classic estimator");
	}
	return tap_done();
}
