/* SPDX-License-Identifier: MIT */
/*
 * --format folded: the "folded stacks" text that flamegraph.pl, inferno and
 * speedscope read. One line per map: its holder stack (holder_stack.h) root
 * first, frames joined by ';', then a space and its held bytes:
 *   main;shards[*];counts;map[string]int64 61784
 * A frame never holds ';' (written as ',': Go struct types have them) nor a
 * control character (written as '?'), so every line splits back into frames.
 * A diff writes each changed map once with its held bytes before and after,
 * "STACK A B": the two-column input of flamegraph.pl's differential graphs
 * (difffolded.pl's output, inferno-flamegraph reads it too).
 */
#include <stdlib.h>

#include "emit.h"
#include "holder_stack.h"

static void put_frame(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		fputc(c == ';' ? ',' : c < 0x20 || c == 0x7f ? '?' : c, out);
	}
}

/* One map's stack, without a newline. */
static struct ms_error *put_stack(FILE *out, const struct ms_map_report *m)
{
	struct ms_holder_stack s;
	struct ms_error *err = ms_holder_stack(m, &s);

	if (err)
		return err;
	for (size_t i = 0; i < s.n; i++) {
		if (i)
			fputc(';', out);
		put_frame(out, s.frames[i]);
	}
	ms_holder_stack_deinit(&s);
	return NULL;
}

static struct ms_error *written(FILE *out)
{
	return ferror(out) ? ms_error_create(MS_ERR_IO, "cannot write the folded stacks") : NULL;
}

struct ms_error *ms_emit_inspect_folded(FILE *out, const struct ms_inspect_report *r,
                                        const struct ms_report_view *view,
                                        const struct ms_emit_opts *opts)
{
	size_t n;
	const struct ms_map_report **sel = ms_emit_view_maps(r, view, &n);
	struct ms_error *err = NULL;

	if (!sel)
		return &ms_error_nomem;
	for (size_t i = 0; i < n && !err; i++) {
		err = put_stack(out, sel[i]);
		if (!err)
			fprintf(out, " %llu\n", (unsigned long long)sel[i]->held_bytes);
	}
	free(sel);
	return err ? err : written(out);
}

struct ms_error *ms_emit_diff_folded(FILE *out, const struct ms_diff *d, size_t top,
                                     const struct ms_emit_opts *opts)
{
	struct ms_error *err = NULL;

	for (size_t i = 0; i < d->n && (!top || i < top) && !err; i++) {
		const struct ms_diff_entry *e = &d->entries[i];

		err = put_stack(out, e->b ? e->b : e->a);
		if (!err)
			fprintf(out, " %llu %llu\n",
			        (unsigned long long)(e->a ? e->a->held_bytes : 0),
			        (unsigned long long)(e->b ? e->b->held_bytes : 0));
	}
	return err ? err : written(out);
}
