/* SPDX-License-Identifier: MIT */
/* Growing arrays one element at a time. */
#ifndef MS_GROW_H
#define MS_GROW_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Make room for element n of *arr (n elements held, *cap allocated, each
 * elem_bytes): the capacity doubles from 16. false when out of memory or when
 * the size overflows; *arr and *cap are then unchanged.
 */
bool ms_grow(void **arr, size_t *cap, size_t n, size_t elem_bytes);

#endif
