/* SPDX-License-Identifier: MIT */
#include "report_pack.h"

#include <stdlib.h>
#include <string.h>

/* the core of a report (read directly) and its detail (packed in a finished report) */
#define CORE_BYTES   offsetof(struct ms_map_report, occupied)
#define DETAIL_BYTES (sizeof(struct ms_map_report) - CORE_BYTES)

_Static_assert(offsetof(struct ms_map_report, occupied) % 8 == 0 &&
                   sizeof(struct ms_map_report) % 8 == 0,
               "a report's core and detail are whole numbers of 32-bit units");

size_t ms_pack_units(const void *src, size_t bytes, uint8_t *out)
{
	const uint8_t *s = src;
	size_t units = bytes / 4, bitmap = (units + 7) / 8, n = bitmap;

	memset(out, 0, bitmap);
	for (size_t i = 0; i < units; i++) {
		uint32_t v;

		memcpy(&v, s + 4 * i, 4);
		if (!v)
			continue;
		out[i / 8] |= (uint8_t)(1u << (i % 8));
		while (v >= 0x80) {
			out[n++] = (uint8_t)(v | 0x80);
			v >>= 7;
		}
		out[n++] = (uint8_t)v;
	}
	return n;
}

void ms_unpack_units(const uint8_t *in, void *dst, size_t bytes)
{
	uint8_t *d = dst;
	size_t units = bytes / 4;
	const uint8_t *q = in + (units + 7) / 8;

	for (size_t i = 0; i < units; i++) {
		uint32_t v = 0;

		if (in[i / 8] & (1u << (i % 8))) {
			for (unsigned shift = 0;; shift += 7) {
				v |= (uint32_t)(*q & 0x7f) << shift;
				if (!(*q++ & 0x80))
					break;
			}
		}
		memcpy(d + 4 * i, &v, 4);
	}
}

const struct ms_map_report *ms_map_report_full(const struct ms_map_report *m,
                                               struct ms_map_report *scratch)
{
	if (!m->packed_detail)
		return m;
	memcpy(scratch, m, CORE_BYTES);
	scratch->packed_detail = NULL;
	ms_unpack_units(m->packed_detail, (uint8_t *)scratch + CORE_BYTES, DETAIL_BYTES);
	return scratch;
}

struct ms_error *ms_map_report_compact(struct ms_map_report **m)
{
	uint8_t buf[MS_PACK_MAX(DETAIL_BYTES)];
	size_t n = ms_pack_units((const uint8_t *)*m + CORE_BYTES, DETAIL_BYTES, buf);
	/* the core alone: no member of the detail is read or written through it */
	uint8_t *core = malloc(CORE_BYTES);
	uint8_t *detail = malloc(n);

	if (!core || !detail) {
		free(core);
		free(detail);
		return &ms_error_nomem;
	}
	memcpy(detail, buf, n);
	(*m)->packed_detail = detail; /* a member of the core: copied along */
	memcpy(core, *m, CORE_BYTES);
	free(*m);
	*m = (struct ms_map_report *)(void *)core;
	return NULL;
}

void ms_map_report_free_detail(struct ms_map_report *m)
{
	struct ms_map_report scratch;
	const struct ms_map_report *full = ms_map_report_full(m, &scratch);

	free(full->tables);
	free(full->sync);
	free(m->packed_detail);
}
