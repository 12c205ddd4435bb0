/* SPDX-License-Identifier: MIT */
/* A tiny TAP producer for meson's 'tap' protocol. */
#ifndef MS_TEST_HARNESS_H
#define MS_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

#define CHECK(cond, ...)                                                              \
	do {                                                                          \
		tap_count++;                                                          \
		if (cond) {                                                           \
			printf("ok %d - ", tap_count);                                \
		} else {                                                              \
			tap_failed++;                                                 \
			printf("not ok %d - %s:%d: ", tap_count, __FILE__, __LINE__); \
		}                                                                     \
		printf(__VA_ARGS__);                                                  \
		printf("\n");                                                         \
	} while (0)

#define CHECK_U64(got, want, ...)                                                       \
	do {                                                                            \
		uint64_t got_ = (uint64_t)(got), want_ = (uint64_t)(want);              \
		CHECK(got_ == want_, __VA_ARGS__);                                      \
		if (got_ != want_)                                                      \
			printf("#   got %" PRIu64 ", want %" PRIu64 "\n", got_, want_); \
	} while (0)

#define CHECK_STR(got, want, ...)                                                   \
	do {                                                                        \
		const char *got_ = (got), *want_ = (want);                          \
		int same_ = got_ && want_ && strcmp(got_, want_) == 0;              \
		CHECK(same_, __VA_ARGS__);                                          \
		if (!same_)                                                         \
			printf("#   got '%s', want '%s'\n", got_ ? got_ : "(null)", \
			       want_ ? want_ : "(null)");                           \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
