/* SPDX-License-Identifier: MIT */
/* Warnings a stage of the pipeline leaves for the report: formatted, bounded. */
#ifndef MS_WARN_H
#define MS_WARN_H

#include <stdarg.h>
#include <stddef.h>

struct ms_warnings {
	char **list; /* owned strings */
	size_t n;
};

/* Add a formatted warning; past 1000, or out of memory, it is dropped. */
void ms_warnings_add(struct ms_warnings *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ms_warnings_addv(struct ms_warnings *w, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void ms_warnings_deinit(struct ms_warnings *w);

#endif
