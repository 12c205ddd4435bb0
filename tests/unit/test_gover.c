/* The Go version model: parsing, implementations, experiments, load factors. */
#include <stdlib.h>

#include "gover.h"
#include "harness.h"

static void parses(const char *text, unsigned minor, bool noswiss, bool split)
{
	struct ms_go_version v;
	struct ms_error *err = ms_go_version_parse(text, &v);

	CHECK(!err && v.minor == minor && v.noswissmap == noswiss && v.mapsplitgroup == split,
	      "'%s' parses as 1.%u%s%s", text, minor, noswiss ? "+noswissmap" : "",
	      split ? "+mapsplitgroup" : "");
	ms_error_destroy(err);
}

static void rejects(const char *text)
{
	struct ms_go_version v;
	struct ms_error *err = ms_go_version_parse(text, &v);

	CHECK(err && ms_error_code(err) == MS_ERR_UNSUPPORTED, "'%s' rejected: %s", text,
	      err ? ms_error_message(err) : "(accepted)");
	ms_error_destroy(err);
}

static enum ms_map_impl impl_of(const char *text)
{
	struct ms_go_version v;

	ms_error_destroy(ms_go_version_parse(text, &v));
	return ms_go_map_impl(&v);
}

static uint64_t map_tail(const char *text, unsigned ptr)
{
	struct ms_go_version v;

	ms_error_destroy(ms_go_version_parse(text, &v));
	return ms_go_map_type_tail_bytes(&v, ptr);
}

/* Largest count a given B holds without growing. */
static uint64_t max_entries(const char *ver, unsigned B)
{
	struct ms_go_version v;
	uint64_t n = 0;

	ms_error_destroy(ms_go_version_parse(ver, &v));
	while (!ms_go_classic_overloaded(&v, n + 1, B))
		n++;
	return n;
}

int main(void)
{
	size_t n;
	const struct ms_go_version *all = ms_go_versions(&n);

	parses("1.23", 23, false, false);
	parses("go1.23", 23, false, false);
	parses("go1.23.5", 23, false, false);
	parses("go1.24.4 X:noswissmap", 24, true, false);
	parses("go1.25.12 X:noswissmap", 25, true, false);
	parses("go1.27.3-X:mapsplitgroup", 27, false, true);
	parses("1.24+noswissmap", 24, true, false);
	parses("go1.26rc1", 26, false, false);
	rejects("1.18");
	rejects("1.28");
	rejects("2.0");
	rejects("1.x");
	rejects("");
	rejects("1.23+noswissmap");
	rejects("1.26+noswissmap");
	rejects("1.25+mapsplitgroup");
	rejects("1.24+bogus");
	rejects("1.26+nosynchashtriemap");
	rejects("1.23+nosynchashtriemap");
	{
		struct ms_go_version v;
		struct ms_error *err =
		    ms_go_version_parse("go1.24.4 X:noswissmap,nosynchashtriemap", &v);

		CHECK(!err && v.minor == 24 && v.noswissmap && v.nosynchashtriemap,
		      "'go1.24.4 X:noswissmap,nosynchashtriemap' has both experiments");
		ms_error_destroy(err);
		err = ms_go_version_parse("go1.25.1 X:synchashtriemap", &v);
		CHECK(!err && !v.nosynchashtriemap, "synchashtriemap (the default) is accepted");
		ms_error_destroy(err);
	}

	CHECK(impl_of("1.19") == MS_IMPL_CLASSIC, "1.19 is classic");
	CHECK(impl_of("1.23") == MS_IMPL_CLASSIC, "1.23 is classic");
	CHECK(impl_of("1.24") == MS_IMPL_SWISS, "1.24 is swiss");
	CHECK(impl_of("1.24+noswissmap") == MS_IMPL_CLASSIC, "1.24 noswissmap is classic");
	CHECK(impl_of("1.27+mapsplitgroup") == MS_IMPL_SWISS_SPLIT, "1.27 mapsplitgroup splits");

	/* sizeof(maptype) - sizeof(abi.Type): where a named map type's uncommon part starts */
	CHECK_U64(map_tail("1.19", 8), 40, "1.19 maptype tail, 64-bit");
	CHECK_U64(map_tail("1.23", 4), 24, "1.23 maptype tail, 32-bit");
	CHECK_U64(map_tail("1.25+noswissmap", 8), 40, "1.25 noswissmap OldMapType tail");
	CHECK_U64(map_tail("1.24", 8), 64, "1.24 SwissMapType tail, 64-bit");
	CHECK_U64(map_tail("1.26", 4), 32, "1.26 MapType tail, 32-bit");
	CHECK_U64(map_tail("1.27", 8), 88, "1.27 MapType tail (strides), 64-bit");
	CHECK_U64(map_tail("1.27+mapsplitgroup", 4), 44, "1.27 mapsplitgroup tail, 32-bit");

	/* runtime/map.go: 6.5 per bucket, except go1.21's truncated 6.0 */
	CHECK_U64(max_entries("1.22", 0), 8, "B=0 holds 8");
	CHECK_U64(max_entries("1.22", 1), 13, "1.22 B=1 holds 13");
	CHECK_U64(max_entries("1.21", 1), 12, "1.21 B=1 holds 12");
	CHECK_U64(max_entries("1.19", 14), 106496, "1.19 B=14 holds 13*2^13");
	CHECK_U64(max_entries("1.21", 14), 98304, "1.21 B=14 holds 12*2^13");

	CHECK(n == 12, "12 supported configurations");
	for (size_t i = 0; i < n; i++) {
		char buf[64];
		struct ms_go_version v;
		struct ms_error *err;

		ms_go_version_format(&all[i], buf, sizeof(buf));
		err = ms_go_version_parse(buf, &v);
		CHECK(!err && v.minor == all[i].minor && v.noswissmap == all[i].noswissmap &&
		          v.mapsplitgroup == all[i].mapsplitgroup,
		      "'%s' round-trips", buf);
		ms_error_destroy(err);
	}
	/* runtime/runtime2.go: _Gleaked and _Gdeadextra from 1.26 */
	{
		struct ms_go_version v25, v27;

		ms_error_destroy(ms_go_version_parse("1.25", &v25));
		ms_error_destroy(ms_go_version_parse("1.27", &v27));
		CHECK_U64(ms_go_gstatus_max(&v25), 9, "1.25: _Gpreempted is the last status");
		CHECK_U64(ms_go_gstatus_max(&v27), 11, "1.27: _Gdeadextra is the last status");
		CHECK(ms_go_gstatus_dead(&v27, 6) && ms_go_gstatus_dead(&v27, 0x100b) &&
		          !ms_go_gstatus_dead(&v25, 11) && !ms_go_gstatus_dead(&v27, 4),
		      "_Gdead, and _Gdeadextra from 1.26, are dead");
	}
	/* runtime/mheap.go _KindSpecial*: weak handles from 1.23, cleanups from 1.24,
	 * _KindSpecialTinyBlock first from 1.25 */
	{
		static const struct {
			const char *v;
			unsigned fin, weak, cleanup;
		} kinds[] = {{"1.19", 1, 0, 0}, {"1.22", 1, 0, 0}, {"1.23", 1, 2, 0},
		             {"1.24", 1, 2, 6}, {"1.25", 2, 3, 7}, {"1.27", 2, 3, 7}};

		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			struct ms_go_version v;
			unsigned fin, weak, cleanup;

			ms_error_destroy(ms_go_version_parse(kinds[i].v, &v));
			ms_go_special_kinds(&v, &fin, &weak, &cleanup);
			CHECK(fin == kinds[i].fin && weak == kinds[i].weak &&
			          cleanup == kinds[i].cleanup,
			      "%s: special kinds %u %u %u", kinds[i].v, fin, weak, cleanup);
		}
	}
	/* sizeclasses.go: a small span's object size and pages by class */
	{
		uint64_t size, pages, max_pages = 0, prev = 0;
		bool rising = true;

		for (unsigned c = 1; ms_size_class_span(c, &size, &pages); c++) {
			rising &= size > prev;
			prev = size;
			max_pages = pages > max_pages ? pages : max_pages;
		}
		CHECK(rising && prev == 32768 && max_pages == 10,
		      "classes rise to 32768 bytes, spans of at most 10 pages");
		CHECK(ms_size_class_span(2, &size, &pages) && size == 16 && pages == 1,
		      "class 2: 16 bytes, 1 page");
		CHECK(ms_size_class_span(65, &size, &pages) && size == 27264 && pages == 10,
		      "class 65: 27264 bytes, 10 pages");
		CHECK(!ms_size_class_span(0, &size, &pages) &&
		          !ms_size_class_span(68, &size, &pages),
		      "class 0 (large) and 68 have none");
	}
	/* growslice: doubling below 256, then the smooth 1.25x formula */
	CHECK_U64(ms_go_next_slice_cap(1, 0), 1, "append to nil");
	CHECK_U64(ms_go_next_slice_cap(5, 4), 8, "doubles below 256");
	CHECK_U64(ms_go_next_slice_cap(257, 256), 512, "256 + (256+768)/4");

	/* the package of a root: only the symbol, never map keys or generic arguments */
	static const char *const pkgs[][2] = {
	    {"main.main", "main"},
	    {"main.(*Server).serve", "main"},
	    {"github.com/nats-io/nats-server/v2/server.gacc",
	     "github.com/nats-io/nats-server/v2/server"},
	    {"net/http.DefaultServeMux", "net/http"},
	    {"main.F[net/http.Header]", "main"},
	    {"main.tenants[\"region-0/t0.x\"]", "main"},
	    {"goroutine 7 main.(*Server).serve: s.items", "?"},
	    {"<global 0x5d3a20>", "?"},
	    {"nodot", "?"},
	};
	for (size_t i = 0; i < sizeof(pkgs) / sizeof(pkgs[0]); i++) {
		char buf[128];

		ms_go_symbol_package(pkgs[i][0], buf, sizeof(buf));
		CHECK_STR(buf, pkgs[i][1], "package of '%s'", pkgs[i][0]);
	}
	/* sync.Map layouts (src/sync/map.go, src/internal/sync/hashtriemap.go); the truth
	 * program checks them against the runtime on every configuration */
	{
		struct ms_go_syncmap l;
		struct ms_go_version v = {0};

		v.minor = 19;
		ms_go_syncmap_layout(&v, MS_ARCH_AMD64, &l);
		CHECK(!l.hashtrie && l.read_iface && l.read_off == 8 && l.dirty_off == 24 &&
		          l.size == 40 && l.ro_bytes == 16 && l.entry_bytes == 8,
		      "1.19 amd64 sync.Map: atomic.Value read, dirty at 24, 40 bytes");
		v.minor = 23;
		ms_go_syncmap_layout(&v, MS_ARCH_386, &l);
		CHECK(!l.hashtrie && !l.read_iface && l.read_off == 8 && l.dirty_off == 12 &&
		          l.size == 20 && l.ro_amended_off == 4,
		      "1.23 386 sync.Map: atomic.Pointer read, dirty at 12, 20 bytes");
		v.minor = 25;
		ms_go_syncmap_layout(&v, MS_ARCH_AMD64, &l);
		CHECK(l.hashtrie && l.root_off == 16 && l.size == 48 && l.ind_bytes == 152 &&
		          l.ind_children_off == 24 && l.children == 16 && l.ent_bytes == 48 &&
		          l.ent_key_off == 16 && l.ent_value_off == 32,
		      "1.25 amd64 HashTrieMap: root at 16, indirect 152 bytes, entry 48");
		v.nosynchashtriemap = true;
		ms_go_syncmap_layout(&v, MS_ARCH_AMD64, &l);
		CHECK(!l.hashtrie && !l.read_iface && l.read_off == 8 && l.dirty_off == 16 &&
		          l.size == 32,
		      "1.25+nosynchashtriemap amd64 sync.Map: src/sync/map.go, as in 1.23");
		v.nosynchashtriemap = false;
		v.minor = 26;
		ms_go_syncmap_layout(&v, MS_ARCH_386, &l);
		CHECK(l.hashtrie && l.root_off == 12 && l.size == 28 && l.ind_bytes == 84 &&
		          l.ent_bytes == 24,
		      "1.26 386 HashTrieMap: root at 12, indirect 84 bytes, entry 24");
	}
	return tap_done();
}
