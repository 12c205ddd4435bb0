/* SPDX-License-Identifier: MIT */
/*
 * Goroutine stacks frame by frame, as the runtime's own unwinder walks them
 * (runtime/traceback.go, stkframe.go): .gopclntab's stack-pointer table gives
 * each frame's size, its stack maps which words hold live pointers.
 */
#ifndef MS_UNWIND_H
#define MS_UNWIND_H

#include "target.h"

/* Words of locals or arguments a frame's live-pointer bitmap may cover. */
#define MS_FRAME_MAX_WORDS 8192

struct ms_frame {
	uint64_t pc;         /* where the frame resumes: a return address but for the innermost */
	uint64_t lookup_pc;  /* pc - 1 for callers (the call instruction), as tracebacks do */
	uint64_t sp, fp;     /* the frame is [sp, fp); fp is the caller's sp, DWARF's CFA */
	uint64_t varp, argp; /* locals end at varp, arguments start at argp */
	struct ms_func_info fn;
	unsigned depth; /* 0: innermost */
	/* live pointer words by the runtime's stack maps: locals [varp - 8 * nlocal_words, varp),
	 * arguments [argp, argp + ptr * narg_words) */
	uint32_t nlocal_words, narg_words;
	bool maps_known; /* both bitmaps were read (or the frame has none) */
	uint8_t locals[MS_FRAME_MAX_WORDS / 8], args[MS_FRAME_MAX_WORDS / 8];
};

/* Does [addr, addr + len) hold a word the frame's stack maps say is a live pointer? */
bool ms_frame_live(const struct ms_frame *fr, uint64_t addr, uint64_t len, unsigned ptr);

/*
 * Call fn for each frame of the goroutine whose stack is st, innermost first,
 * from its saved g.sched, until fn returns false or the bottom of the stack (a
 * TOPFRAME function such as runtime.goexit). *ret_frames counts the frames;
 * *ret_complete says whether the bottom was reached (a frame that makes no
 * sense stops the walk early). MS_ERR_UNSUPPORTED for link-register machines
 * and for a goroutine without a saved pc. A running goroutine's saved pc is
 * stale: unwind it only once ms_target_thread_stacks() set on_thread.
 */
MS_MUST_CHECK struct ms_error *ms_target_unwind(struct ms_target *t, const struct ms_stack *st,
                                                bool (*fn)(void *arg, const struct ms_frame *fr),
                                                void *arg, unsigned *ret_frames,
                                                bool *ret_complete);

/*
 * The goroutines running when the memory was read: for each thread of the
 * source (ms_source_threads) whose sp lies in the stack of a goroutine whose
 * status is _Grunning, that stack's pc and sp become the thread's and
 * on_thread is set. A thread stopped in the runtime's signal handler (a kernel
 * core of GOTRACEBACK=crash: every thread is in it) is unwound to
 * runtime.sigtramp, and the context the kernel saved for the code the signal
 * interrupted (its ucontext) is used instead. A thread (or interrupted
 * context) whose sp lies in the system stack (g0's) of a running goroutine's M
 * runs runtime code for it: that goroutine's pc and sp stay where it left its
 * own stack (g.sched, or m.vdsoSP/vdsoPC in a vDSO call), and on_thread and
 * on_system_stack are set. Returns how many stacks were
 * set; 0 where the source has no threads or the machine is neither amd64 nor 386.
 * The innermost frame of such a goroutine stopped at any instruction, not at a
 * call: its stack maps are those of the last call before the pc (the runtime
 * itself scans such a frame conservatively), so a variable assigned since then
 * may not be a root there; its callers are at calls, as usual.
 */
size_t ms_target_thread_stacks(struct ms_target *t, struct ms_stack *stacks, size_t n);

#endif
