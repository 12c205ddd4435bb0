/* SPDX-License-Identifier: MIT */
#include "report_pack.h"

#include <stdlib.h>
#include <string.h>

#define DETAIL_BYTES sizeof(struct ms_map_detail)

_Static_assert(sizeof(struct ms_map_detail) % 4 == 0 && sizeof(struct ms_map_draft) % 4 == 0,
               "a report's detail and a draft are whole numbers of 32-bit units");

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

const struct ms_map_detail *ms_map_report_detail(const struct ms_map_report *m,
                                                 struct ms_map_detail *scratch)
{
	if (m->detail)
		ms_unpack_units((const uint8_t *)(const void *)m->detail, scratch, DETAIL_BYTES);
	else
		memset(scratch, 0, sizeof(*scratch));
	return scratch;
}

struct ms_error *ms_map_report_set_detail(struct ms_map_report *m, const struct ms_map_detail *d)
{
	uint8_t buf[MS_PACK_MAX(DETAIL_BYTES)];
	size_t n = ms_pack_units(d, DETAIL_BYTES, buf);
	uint8_t *p = malloc(n);

	if (!p)
		return &ms_error_nomem;
	memcpy(p, buf, n);
	free(m->detail);
	m->detail = (struct ms_map_detail_packed *)(void *)p;
	return NULL;
}

struct ms_error *ms_map_draft_seal(struct ms_map_draft **draft, struct ms_map_report **ret)
{
	struct ms_map_report *r = malloc(sizeof(*r));
	struct ms_error *err;

	if (!r)
		return &ms_error_nomem;
	*r = (*draft)->r;
	r->detail = NULL;
	err = ms_map_report_set_detail(r, &(*draft)->d);
	if (err) {
		free(r);
		return err;
	}
	free((*draft)->r.detail);
	free(*draft);
	*draft = NULL;
	*ret = r;
	return NULL;
}

void ms_map_detail_free(struct ms_map_detail *d)
{
	free(d->tables);
	free(d->sync);
	d->tables = NULL;
	d->ntables = 0;
	d->sync = NULL;
}

void ms_map_report_free_detail(struct ms_map_report *m)
{
	struct ms_map_detail d;

	ms_map_report_detail(m, &d);
	ms_map_detail_free(&d);
	free(m->detail);
	m->detail = NULL;
}
