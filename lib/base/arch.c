/* SPDX-License-Identifier: MIT */
/* Architectures as Go sees them: cmd/compile/internal/types/size.go (PtrSize, RegSize). */
#include <string.h>

#include "mapsize.h"

static const struct ms_arch_info arches[MS_ARCH__COUNT] = {
    [MS_ARCH_AMD64] = {"amd64", 8, 8, false},
    [MS_ARCH_ARM64] = {"arm64", 8, 8, false},
    /* 32-bit: RegSize 4, so int64, float64 and complex128 are only 4-aligned. */
    [MS_ARCH_386] = {"386", 4, 4, false},
    [MS_ARCH_ARM] = {"arm", 4, 4, false},
};

const struct ms_arch_info *ms_arch_info(enum ms_arch arch)
{
	return (unsigned)arch < MS_ARCH__COUNT ? &arches[arch] : NULL;
}

struct ms_error *ms_arch_parse(const char *name, enum ms_arch *ret)
{
	for (int i = 0; i < MS_ARCH__COUNT; i++) {
		if (strcmp(name, arches[i].name) == 0) {
			*ret = (enum ms_arch)i;
			return NULL;
		}
	}
	return ms_error_create(MS_ERR_UNSUPPORTED,
	                       "unknown architecture '%s' (supported: amd64, arm64, 386, arm)",
	                       name);
}
