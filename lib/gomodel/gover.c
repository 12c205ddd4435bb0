/* SPDX-License-Identifier: MIT */
/*
 * The Go version model. Each row cites where its facts were read; the numbers
 * were measured against the runtime (see ../shared/reference/go-map-internals.md
 * and tests/go).
 */
#include "gover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct ms_go_facts facts[] = {
    /* runtime/map.go go1.19.8: loadFactorNum 13, loadFactorDen 2; no malloc headers. */
    {19, 20, 13, false, false, false, false, false, false, false, "runtime/map.go go1.19, go1.20"},
    /* go1.21: loadFactorNum = (bucketCnt*13/16)*loadFactorDen truncates to 12 (6.0). */
    {21, 21, 12, false, false, false, false, false, false, false, "runtime/map.go go1.21.13"},
    /* go1.22: load factor 13 restored; allocheaders on (malloc.go, mbitmap_allocheaders.go). */
    {22, 23, 13, true, false, false, false, false, false, false,
     "runtime/map.go go1.22.12, go1.23.5"},
    /* go1.24: Swiss tables by default (internal/runtime/maps); noswissmap keeps map_noswiss.go. */
    {24, 24, 13, true, true, true, false, false, false, false, "internal/runtime/maps go1.24.4"},
    /* go1.25: table.pruneTombstones; noswissmap still available. */
    {25, 25, 13, true, true, true, false, true, false, true, "internal/runtime/maps go1.25.12"},
    /* go1.26: classic implementation removed. */
    {26, 26, 13, true, true, false, false, true, false, true, "internal/runtime/maps go1.26.10"},
    /* go1.27: mapsplitgroup experiment; small map stays small on update. */
    {27, 27, 13, true, true, false, true, true, true, true, "internal/runtime/maps go1.27.3"},
};

#define MIN_MINOR 19
#define MAX_MINOR 27

const struct ms_go_facts *ms_go_facts(const struct ms_go_version *v)
{
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		if (v->minor >= facts[i].minor_lo && v->minor <= facts[i].minor_hi)
			return &facts[i];
	}
	return NULL;
}

static const struct ms_go_version versions[] = {
    {.minor = 19},
    {.minor = 20},
    {.minor = 21},
    {.minor = 22},
    {.minor = 23},
    {.minor = 24},
    {.minor = 24, .noswissmap = true},
    {.minor = 25},
    {.minor = 25, .noswissmap = true},
    {.minor = 26},
    {.minor = 27},
    {.minor = 27, .mapsplitgroup = true},
};

const struct ms_go_version *ms_go_versions(size_t *ret_count)
{
	*ret_count = sizeof(versions) / sizeof(versions[0]);
	return versions;
}

static bool parse_uint(const char **p, unsigned *ret)
{
	unsigned long n = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		n = n * 10 + (unsigned long)(*s - '0');
		if (n > 100000)
			return false;
		s++;
	}
	*p = s;
	*ret = (unsigned)n;
	return true;
}

/* Apply one experiment name; returns false if unknown. */
static bool set_experiment(struct ms_go_version *v, const char *name, size_t len)
{
	if (len == 10 && strncmp(name, "noswissmap", len) == 0)
		v->noswissmap = true;
	else if (len == 13 && strncmp(name, "mapsplitgroup", len) == 0)
		v->mapsplitgroup = true;
	else if (len == 17 && strncmp(name, "nosynchashtriemap", len) == 0)
		v->nosynchashtriemap = true;
	else if ((len == 8 && strncmp(name, "swissmap", len) == 0) ||
	         (len == 15 && strncmp(name, "synchashtriemap", len) == 0) ||
	         (len == 10 && strncmp(name, "greenteagc", len) == 0) ||
	         (len == 12 && strncmp(name, "allocheaders", len) == 0))
		; /* experiments that do not change a map's layout */
	else
		return false;
	return true;
}

struct ms_error *ms_go_version_parse(const char *text, struct ms_go_version *ret)
{
	struct ms_go_version v = {0};
	const char *p = text;
	unsigned major;
	const struct ms_go_facts *f;

	if (strncmp(p, "go", 2) == 0)
		p += 2;
	if (!parse_uint(&p, &major) || major != 1 || *p != '.')
		goto bad;
	p++;
	if (!parse_uint(&p, &v.minor))
		goto bad;
	if (*p == '.') {
		p++;
		if (!parse_uint(&p, &v.patch))
			goto bad;
	} else if (strncmp(p, "rc", 2) == 0 || strncmp(p, "beta", 4) == 0) {
		while (*p && *p != ' ' && *p != '-' && *p != '+')
			p++;
	}
	/* Experiments: "+a,b", " X:a,b" (up to 1.25) or "-X:a,b" (1.26+). */
	if (*p == '+' || strncmp(p, " X:", 3) == 0 || strncmp(p, "-X:", 3) == 0) {
		p += *p == '+' ? 1 : 3;
		while (*p) {
			size_t len = strcspn(p, ",+");
			if (!set_experiment(&v, p, len))
				return ms_error_create(
				    MS_ERR_UNSUPPORTED,
				    "Go version '%s': unknown experiment '%.*s' "
				    "(known: noswissmap, mapsplitgroup, nosynchashtriemap)",
				    text, (int)len, p);
			p += len;
			if (*p)
				p++;
		}
	}
	if (*p)
		goto bad;
	f = ms_go_facts(&v);
	if (!f)
		return ms_error_create(MS_ERR_UNSUPPORTED,
		                       "Go version '%s' is not supported (supported: 1.%d to 1.%d)",
		                       text, MIN_MINOR, MAX_MINOR);
	if (v.noswissmap && !f->has_noswissmap)
		return ms_error_create(
		    MS_ERR_UNSUPPORTED,
		    "Go version '%s': noswissmap exists only in Go 1.24 and 1.25", text);
	if (v.nosynchashtriemap && !f->has_noswissmap)
		return ms_error_create(
		    MS_ERR_UNSUPPORTED,
		    "Go version '%s': nosynchashtriemap exists only in Go 1.24 and 1.25", text);
	if (v.mapsplitgroup && !f->has_splitgroup)
		return ms_error_create(MS_ERR_UNSUPPORTED,
		                       "Go version '%s': mapsplitgroup exists only from Go 1.27",
		                       text);
	*ret = v;
	return NULL;
bad:
	return ms_error_create(MS_ERR_UNSUPPORTED,
	                       "cannot parse Go version '%s' (expected 1.NN, go1.NN or go1.NN.P)",
	                       text);
}

void ms_go_version_format(const struct ms_go_version *v, char *buf, size_t len)
{
	snprintf(buf, len, "go1.%u%s%s%s", v->minor, v->noswissmap ? "+noswissmap" : "",
	         v->mapsplitgroup ? "+mapsplitgroup" : "",
	         v->nosynchashtriemap ? "+nosynchashtriemap" : "");
}

enum ms_map_impl ms_go_map_impl(const struct ms_go_version *v)
{
	const struct ms_go_facts *f = ms_go_facts(v);

	if (!f || !f->swiss_default || v->noswissmap)
		return MS_IMPL_CLASSIC;
	return v->mapsplitgroup ? MS_IMPL_SWISS_SPLIT : MS_IMPL_SWISS;
}

const char *ms_map_impl_name(enum ms_map_impl impl)
{
	static const char *const names[MS_IMPL__COUNT] = {"classic", "swiss", "swiss-split",
	                                                  "hashtriemap"};

	return (unsigned)impl < MS_IMPL__COUNT ? names[impl] : "?";
}

const char *ms_estimate_model_name(enum ms_estimate_model model)
{
	return model == MS_MODEL_ANALYTIC ? "analytic" : "simulated";
}

uint64_t ms_go_hmap_bytes(const struct ms_go_version *v, enum ms_arch arch)
{
	uint64_t ptr = ms_arch_info(arch)->ptr_bytes;
	/* count, flags/B/noverflow/hash0 (8 bytes), buckets, oldbuckets, nevacuate, extra */
	uint64_t bytes = ptr + 8 + 4 * ptr;

	/* map_noswiss.go (1.24, 1.25) adds clearSeq uint64 (4-aligned on 32-bit). */
	if (v->noswissmap)
		bytes += 8;
	return bytes;
}

uint64_t ms_go_mapextra_bytes(enum ms_arch arch)
{
	return 3 * (uint64_t)ms_arch_info(arch)->ptr_bytes;
}

bool ms_go_classic_too_many_overflow(uint64_t noverflow, unsigned B)
{
	/* runtime/map.go: noverflow >= 2^min(B, 15); the same in every version */
	return noverflow >= ((uint64_t)1 << (B > 15 ? 15 : B));
}

bool ms_go_classic_overloaded(const struct ms_go_version *v, uint64_t count, unsigned B)
{
	const struct ms_go_facts *f = ms_go_facts(v);
	/* count > bucketCnt && count > loadFactorNum*(bucketShift(B)/loadFactorDen) */
	uint64_t half = B >= 64 ? UINT64_MAX : (((uint64_t)1 << B) / 2);
	uint64_t limit;

	if (count <= MS_BUCKET_SLOTS)
		return false;
	if (!ms_mul_u64(f->classic_load_num, half, &limit))
		return false;
	return count > limit;
}

uint64_t ms_go_swiss_map_bytes(enum ms_arch arch)
{
	/* used uint64, seed, dirPtr, dirLen, 4 bytes, clearSeq uint64 */
	return ms_arch_info(arch)->ptr_bytes == 8 ? 48 : 32;
}

uint64_t ms_go_swiss_table_bytes(enum ms_arch arch)
{
	/* used, capacity, growthLeft uint16, localDepth uint8, index int, groups {data, mask} */
	return ms_arch_info(arch)->ptr_bytes == 8 ? 32 : 24;
}

bool ms_go_swiss_type_strides(const struct ms_go_version *v)
{
	/* internal/abi/map.go go1.27: KeysOff, KeyStride, ElemsOff, ElemStride */
	return v->minor >= 27;
}

uint64_t ms_go_map_type_tail_bytes(const struct ms_go_version *v, unsigned ptr_bytes)
{
	uint64_t p = ptr_bytes;

	/* runtime/type.go maptype, internal/abi OldMapType: Key, Elem, Bucket, Hasher, then
	 * KeySize u8, ValueSize u8, BucketSize u16, Flags u32 */
	if (ms_go_map_impl(v) == MS_IMPL_CLASSIC)
		return 4 * p + 8;
	/* internal/abi/map.go go1.27 MapType: GroupSize, KeysOff, KeyStride, ElemsOff,
	 * ElemStride, ElemOff uintptr, Flags u32 */
	if (ms_go_swiss_type_strides(v))
		return 4 * p + 6 * p + p;
	/* internal/abi/map_swiss.go go1.24 SwissMapType: GroupSize, SlotSize, ElemOff uintptr,
	 * Flags u32 */
	return 4 * p + 3 * p + p;
}

bool ms_go_direct_iface_in_tflag(const struct ms_go_version *v)
{
	/* internal/abi/type.go go1.26: TFlagDirectIface replaces KindDirectIface */
	return v->minor >= 26;
}

void ms_go_syncmap_layout(const struct ms_go_version *v, enum ms_arch arch,
                          struct ms_go_syncmap *ret)
{
	uint64_t p = ms_arch_info(arch)->ptr_bytes;
	struct ms_go_syncmap l = {0};

	if (v->minor >= 24 && !v->nosynchashtriemap) {
		/* HashTrieMap{inited atomic.Uint32; initMu Mutex (8, 4-aligned); root
		 * atomic.Pointer; keyHash, valEqual func; seed uintptr} */
		l.hashtrie = true;
		l.root_off = (12 + p - 1) / p * p;
		l.size = l.root_off + 4 * p;
		/* indirect{isEntry bool; dead atomic.Bool (uint32); mu Mutex; parent *indirect;
		 * children [16]atomic.Pointer[node]} */
		l.children = 16;
		l.ind_children_off = 16 + p;
		l.ind_bytes = l.ind_children_off + l.children * p;
		/* entry{isEntry bool; overflow atomic.Pointer[entry]; key, value any} */
		l.ent_overflow_off = p;
		l.ent_key_off = 2 * p;
		l.ent_value_off = 4 * p;
		l.ent_bytes = 6 * p;
	} else {
		l.read_iface = v->minor < 20;
		l.read_off = 8; /* after Mutex{state int32; sema uint32} */
		l.dirty_off = l.read_off + (l.read_iface ? 2 * p : p);
		l.size = l.dirty_off + 2 * p;
		l.ro_bytes = 2 * p;
		l.ro_amended_off = p;
		l.entry_bytes = p;
	}
	*ret = l;
}

uint32_t ms_go_gstatus_max(const struct ms_go_version *v)
{
	/* runtime/runtime2.go go1.26: _Gleaked 10, _Gdeadextra 11 after _Gpreempted 9 */
	return v->minor >= 26 ? 11 : 9;
}

void ms_go_special_kinds(const struct ms_go_version *v, unsigned *finalizer, unsigned *weak,
                         unsigned *cleanup)
{
	/* 1.19-1.22: _KindSpecialFinalizer 1; 1.23: and _KindSpecialWeakHandle 2 (for
	 * package unique); 1.24: and _KindSpecialCleanup 6; 1.25+: _KindSpecialTinyBlock 1
	 * shifts them to 2, 3, 7 */
	bool tiny = v->minor >= 25;

	*finalizer = tiny ? 2 : 1;
	*weak = v->minor >= 23 ? (tiny ? 3 : 2) : 0;
	*cleanup = v->minor >= 24 ? (tiny ? 7 : 6) : 0;
}

bool ms_go_gstatus_dead(const struct ms_go_version *v, uint32_t status)
{
	status &= ~0x1000u; /* _Gscan */
	return status == 6 || (v->minor >= 26 && status == 11);
}

uint64_t ms_go_max_alloc(enum ms_arch arch)
{
	/* runtime/malloc.go: maxAlloc = 1<<heapAddrBits - (1-_64bit)*1 */
	return ms_arch_info(arch)->ptr_bytes == 8 ? (uint64_t)1 << 48 : ((uint64_t)1 << 32) - 1;
}

uint64_t ms_go_next_slice_cap(uint64_t new_len, uint64_t old_cap)
{
	uint64_t cap = old_cap;
	const uint64_t threshold = 256;

	if (new_len > 2 * old_cap)
		return new_len;
	if (old_cap < threshold)
		return 2 * old_cap;
	/* Transition from 2x for small slices to 1.25x for large ones (go1.18+). */
	while (cap < new_len)
		cap += (cap + 3 * threshold) >> 2;
	return cap;
}

void ms_go_symbol_package(const char *sym, char *buf, size_t len)
{
	size_t end = strcspn(sym, "[ :"), slash = 0, dot;

	for (size_t i = 0; i < end; i++)
		if (sym[i] == '/')
			slash = i + 1;
	dot = slash + strcspn(sym + slash, ".");
	if (dot >= end || dot == 0)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%.*s", (int)dot, sym);
}
