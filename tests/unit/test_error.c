/* The error table: codes, statuses, messages, prefixes, the static nomem. */
#include <stdlib.h>

#include "harness.h"
#include "mapsize.h"

int main(void)
{
	struct ms_error *e = ms_error_create(MS_ERR_TYPE, "column %d: unknown type '%s'", 5, "x");

	CHECK(ms_error_code(e) == MS_ERR_TYPE, "code kept");
	CHECK_STR(ms_error_message(e), "column 5: unknown type 'x'", "message formatted");
	ms_error_prefix(e, "type '%s'", "map[x]int");
	CHECK_STR(ms_error_message(e), "type 'map[x]int': column 5: unknown type 'x'", "prefixed");
	ms_error_destroy(e);
	CHECK(ms_error_create(MS_ERR_NOMEM, "x") == &ms_error_nomem, "NOMEM is the static error");
	ms_error_destroy(&ms_error_nomem);
	ms_error_destroy(NULL);
	CHECK(ms_error_code_status(MS_ERR_USAGE) == 2, "usage exits 2");
	CHECK(ms_error_code_status(MS_ERR_UNSUPPORTED) == 4, "unsupported exits 4");
	for (int c = 0; c < MS_ERR__COUNT; c++) {
		int st = ms_error_code_status((enum ms_error_code)c);
		CHECK(st > 1 && st < 126, "%s has a documented non-zero status %d",
		      ms_error_code_name((enum ms_error_code)c), st);
	}
	return tap_done();
}
