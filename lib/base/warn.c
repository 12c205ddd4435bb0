/* SPDX-License-Identifier: MIT */
#include "warn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ms_warnings_addv(struct ms_warnings *w, const char *fmt, va_list ap)
{
	char buf[512];
	char **list;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (w->n >= 1000)
		return;
	list = realloc(w->list, (w->n + 1) * sizeof(*list));
	if (!list)
		return;
	w->list = list;
	list[w->n] = strdup(buf);
	if (list[w->n])
		w->n++;
}

void ms_warnings_add(struct ms_warnings *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ms_warnings_addv(w, fmt, ap);
	va_end(ap);
}

void ms_warnings_deinit(struct ms_warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->list[i]);
	free(w->list);
	w->list = NULL;
	w->n = 0;
}
