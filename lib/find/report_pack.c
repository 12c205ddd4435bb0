/* SPDX-License-Identifier: MIT */
#include "report_pack.h"

#include <string.h>

#define UNITS  (sizeof(struct ms_map_report) / sizeof(uint32_t))
#define BITMAP ((UNITS + 7) / 8)

_Static_assert(sizeof(struct ms_map_report) % sizeof(uint32_t) == 0,
               "a report is a whole number of 32-bit units");

uint8_t *ms_report_pack(const struct ms_map_report *r, struct ms_slab *slab)
{
	uint32_t u[UNITS];
	uint8_t buf[BITMAP + UNITS * 5];
	size_t n = BITMAP;
	uint8_t *out;

	memcpy(u, r, sizeof(u));
	memset(buf, 0, BITMAP);
	for (size_t i = 0; i < UNITS; i++) {
		uint32_t v = u[i];

		if (!v)
			continue;
		buf[i / 8] |= (uint8_t)(1u << (i % 8));
		while (v >= 0x80) {
			buf[n++] = (uint8_t)(v | 0x80);
			v >>= 7;
		}
		buf[n++] = (uint8_t)v;
	}
	out = ms_slab_alloc(slab, n);
	if (out)
		memcpy(out, buf, n);
	return out;
}

void ms_report_unpack(const uint8_t *p, struct ms_map_report *r)
{
	uint32_t u[UNITS];
	const uint8_t *q = p + BITMAP;

	for (size_t i = 0; i < UNITS; i++) {
		uint32_t v = 0;

		if (p[i / 8] & (1u << (i % 8))) {
			for (unsigned shift = 0;; shift += 7) {
				v |= (uint32_t)(*q & 0x7f) << shift;
				if (!(*q++ & 0x80))
					break;
			}
		}
		u[i] = v;
	}
	memcpy(r, u, sizeof(u));
}
