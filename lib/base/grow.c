/* SPDX-License-Identifier: MIT */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>

#include "mapsize.h"

bool ms_grow(void **arr, size_t *cap, size_t n, size_t elem_bytes)
{
	size_t ncap;
	uint64_t bytes;
	void *p;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap <= *cap || !ms_mul_u64(ncap, elem_bytes, &bytes) || bytes > SIZE_MAX)
		return false;
	p = realloc(*arr, (size_t)bytes);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}
