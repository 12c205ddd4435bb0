/* SPDX-License-Identifier: MIT */
#include "format.h"

#include <stdio.h>

void ms_emit_bytes(char *buf, size_t len, double bytes, const struct ms_emit_opts *opts)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = bytes < 0 ? -bytes : bytes;
	const char *sign = bytes < 0 ? "-" : "";
	int u = 0;

	if (opts->exact_bytes || v < 1024) {
		snprintf(buf, len, "%s%.0f B", sign, v);
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%s%.*f %s", sign, v < 10 ? 2 : 1, v, units[u]);
}

void ms_emit_delta(char *buf, size_t len, int64_t bytes, const struct ms_emit_opts *opts)
{
	char tmp[40];

	ms_emit_bytes(tmp, sizeof(tmp), (double)(bytes < 0 ? -bytes : bytes), opts);
	snprintf(buf, len, "%s%s", bytes < 0 ? "-" : "+", tmp);
}
