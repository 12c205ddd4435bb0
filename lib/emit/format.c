/* SPDX-License-Identifier: MIT */
#include "format.h"

#include <stdio.h>
#include <string.h>

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

void ms_emit_count(char *buf, size_t len, uint64_t n)
{
	char digits[24];
	size_t nd, o = 0;

	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
	nd = strlen(digits);
	for (size_t i = 0; i < nd && o + 1 < len; i++) {
		if (i && (nd - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	if (len)
		buf[o < len ? o : len - 1] = '\0';
}
