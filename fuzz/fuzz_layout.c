/*
 * Fuzz the layout reader (lib/record/layout_file.c): any bytes as a recorded layout
 * or JSON report; what reads back is printed as text, JSON, pprof and folded
 * stacks (its paths split into frames) and diffed against itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mapsize.h"
#include "memfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_memfile(data, size, path, sizeof(path));
	struct ms_inspect_report *r = NULL;
	struct ms_emit_opts opts = {0};
	struct ms_report_view view = {MS_SORT_HELD, 0, NULL};
	struct ms_diff d;

	if (fd < 0)
		return 0;
	struct ms_error *err = ms_layout_read(path, &r);

	if (!err) {
		FILE *null = fopen("/dev/null", "w");

		if (null) {
			ms_error_destroy(ms_emit_inspect(null, MS_FORMAT_TEXT, r, &view, &opts));
			ms_error_destroy(ms_emit_inspect(null, MS_FORMAT_JSON, r, &view, &opts));
			ms_error_destroy(ms_emit_inspect(null, MS_FORMAT_PPROF, r, &view, &opts));
			ms_error_destroy(ms_emit_inspect(null, MS_FORMAT_FOLDED, r, &view, &opts));
			if (ms_diff_reports(r, r, &d) == NULL) {
				ms_error_destroy(ms_emit_diff(null, MS_FORMAT_JSON, &d, 0, &opts));
				ms_error_destroy(
				    ms_emit_diff(null, MS_FORMAT_FOLDED, &d, 0, &opts));
				ms_diff_deinit(&d);
			}
			fclose(null);
		}
		ms_error_destroy(ms_inspect_report_complete(r));
		ms_inspect_report_destroy(r);
	}
	ms_error_destroy(err);
	close(fd);
	return 0;
}
