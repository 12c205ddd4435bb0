/* SPDX-License-Identifier: MIT */
/* Map types the estimator unit tests share: layouts on 64- and 32-bit targets. */
#ifndef MS_TEST_ESTIMATE_TYPES_H
#define MS_TEST_ESTIMATE_TYPES_H

#include "mapsize.h"

struct kv {
	const char *name;
	struct ms_type_layout k64, v64, k32, v32;
};

static const struct kv types[] = {
    {"map[int64]int64", {8, 8, false}, {8, 8, false}, {8, 4, false}, {8, 4, false}},
    {"map[string]*T", {16, 8, true}, {8, 8, true}, {8, 4, true}, {4, 4, true}},
    {"map[int64]struct{}", {8, 8, false}, {0, 1, false}, {8, 4, false}, {0, 1, false}},
    {"map[int8][200]byte", {1, 1, false}, {200, 1, false}, {1, 1, false}, {200, 1, false}},
    {"map[[129]byte]string", {129, 1, false}, {16, 8, true}, {129, 1, false}, {8, 4, true}},
    {"map[struct{}]struct{}", {0, 1, false}, {0, 1, false}, {0, 1, false}, {0, 1, false}},
};

static inline struct ms_map_type make_type(const struct kv *kv, enum ms_arch arch)
{
	bool w64 = ms_arch_info(arch)->ptr_bytes == 8;
	struct ms_map_type t = {(char *)kv->name, (char *)"K", (char *)"V", w64 ? kv->k64 : kv->k32,
	                        w64 ? kv->v64 : kv->v32};

	return t;
}

#endif
