/* SPDX-License-Identifier: MIT */
/*
 * A map's holder path as a stack of frames, root first, for the profile-shaped
 * formats (pprof, folded). doc/stacks.md describes the layout; in short:
 *   "main.shards[2].counts"            main ; shards[*] ; counts ; TYPE
 *   "main.main: srv.byID[7].m"         main.main ; srv ; byID[*] ; m ; TYPE
 *   "goroutine 7 main.work: s.m"       main.work ; s ; m ; TYPE      (goroutine 7)
 *   "<global 0x5d3a20>->+0x18"         (globals) ; <global 0x5d3a20> ; +0x18 ; TYPE
 *   no path, in a goroutine's stack    (stack) ; main.work ; TYPE    (goroutine 7)
 *   no path                            (unreached) ; TYPE
 * Every index and map key becomes "[*]" so that the maps one holder reaches
 * through different keys share a stack; the concrete path stays a label.
 */
#ifndef MS_HOLDER_STACK_H
#define MS_HOLDER_STACK_H

#include "mapsize.h"

struct ms_holder_stack {
	size_t n;
	char **frames;    /* borrowed from text: root first, the map's type last */
	char *text;       /* owned: the frames' bytes */
	uint64_t goid;    /* the goroutine of a stack or frame root, 0 for none */
	const char *path; /* borrowed: the concrete path (the shortest), NULL for none */
};

/* The stack of m. MS_ERR_NOMEM only. Free with ms_holder_stack_deinit(). */
MS_MUST_CHECK struct ms_error *ms_holder_stack(const struct ms_map_report *m,
                                               struct ms_holder_stack *ret);
void ms_holder_stack_deinit(struct ms_holder_stack *s);

#endif
