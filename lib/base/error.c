/* SPDX-License-Identifier: MIT */
/* Errors: one code table, messages that say what and where. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapsize.h"

struct ms_error {
	enum ms_error_code code;
	char *message;
};

struct ms_error ms_error_nomem = {MS_ERR_NOMEM, (char *)"out of memory"};

static volatile sig_atomic_t cancelled;

void ms_cancel(void)
{
	cancelled = 1;
}

bool ms_cancelled(void)
{
	return cancelled != 0;
}

static const struct {
	const char *name;
	int status;
	const char *text;
} codes[] = {
#define MS_ERROR_ROW(name, status, text) {#name, status, text},
    MS_ERROR_CODES(MS_ERROR_ROW)
#undef MS_ERROR_ROW
};

__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
	va_list copy;
	int n;
	char *s;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

struct ms_error *ms_error_create(enum ms_error_code code, const char *fmt, ...)
{
	struct ms_error *err;
	va_list ap;

	if (code == MS_ERR_NOMEM)
		return &ms_error_nomem;
	err = malloc(sizeof(*err));
	if (!err)
		return &ms_error_nomem;
	va_start(ap, fmt);
	err->message = vformat(fmt, ap);
	va_end(ap);
	if (!err->message) {
		free(err);
		return &ms_error_nomem;
	}
	err->code = code;
	return err;
}

struct ms_error *ms_error_prefix(struct ms_error *err, const char *fmt, ...)
{
	va_list ap;
	char *prefix, *joined;
	size_t len;

	if (!err || err == &ms_error_nomem)
		return err;
	va_start(ap, fmt);
	prefix = vformat(fmt, ap);
	va_end(ap);
	if (!prefix)
		return err;
	len = strlen(prefix) + 2 + strlen(err->message) + 1;
	joined = malloc(len);
	if (joined) {
		snprintf(joined, len, "%s: %s", prefix, err->message);
		free(err->message);
		err->message = joined;
	}
	free(prefix);
	return err;
}

enum ms_error_code ms_error_code(const struct ms_error *err)
{
	return err->code;
}

const char *ms_error_message(const struct ms_error *err)
{
	return err->message;
}

int ms_error_code_status(enum ms_error_code code)
{
	return (unsigned)code < MS_ERR__COUNT ? codes[code].status : 70;
}

const char *ms_error_code_name(enum ms_error_code code)
{
	return (unsigned)code < MS_ERR__COUNT ? codes[code].name : "?";
}

const char *ms_error_code_text(enum ms_error_code code)
{
	return (unsigned)code < MS_ERR__COUNT ? codes[code].text : "?";
}

void ms_error_destroy(struct ms_error *err)
{
	if (!err || err == &ms_error_nomem)
		return;
	free(err->message);
	free(err);
}
