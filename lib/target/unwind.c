/* SPDX-License-Identifier: MIT */
#include "unwind.h"

#include <stdlib.h>
#include <string.h>

/* abi.FuncFlag (internal/abi/symtab.go; runtime/symtab.go in 1.19) */
#define FUNCFLAG_TOPFRAME 1u

/* One frame's live words, from its stack maps (runtime stkframe.getStackMap). */
static void read_stack_maps(struct ms_target *t, struct ms_frame *fr)
{
	int32_t index = fr->fn.stackmap_index < 0 ? 0 : fr->fn.stackmap_index;
	bool locals_ok = true, args_ok = true;

	fr->nlocal_words = fr->narg_words = 0;
	/* locals: only a frame with room for them above sp has a bitmap */
	if (fr->varp > fr->sp) {
		locals_ok = fr->fn.locals_map &&
		            ms_binary_stackmap(t->exe, fr->fn.locals_map, index, fr->locals,
		                               sizeof(fr->locals), &fr->nlocal_words) &&
		            (uint64_t)fr->nlocal_words * t->ptr <= fr->varp - fr->sp;
		if (!locals_ok)
			fr->nlocal_words = 0;
	}
	/* arguments: _func.args bytes, their bitmap from FUNCDATA_ArgsPointerMaps */
	if (fr->fn.args > 0) {
		args_ok =
		    fr->fn.args_map && ms_binary_stackmap(t->exe, fr->fn.args_map, index, fr->args,
		                                          sizeof(fr->args), &fr->narg_words);
		if (!args_ok)
			fr->narg_words = 0;
	}
	fr->maps_known = locals_ok && args_ok;
}

static bool bit(const uint8_t *bits, uint64_t i)
{
	return bits[i / 8] >> (i % 8) & 1;
}

bool ms_frame_live(const struct ms_frame *fr, uint64_t addr, uint64_t len, unsigned ptr)
{
	uint64_t lo = fr->varp - (uint64_t)fr->nlocal_words * ptr;

	for (uint64_t a = addr / ptr * ptr; a < addr + len; a += ptr) {
		if (a >= lo && a < fr->varp && bit(fr->locals, (a - lo) / ptr))
			return true;
		if (a >= fr->argp && a < fr->argp + (uint64_t)fr->narg_words * ptr &&
		    bit(fr->args, (a - fr->argp) / ptr))
			return true;
	}
	return false;
}

struct ms_error *ms_target_unwind(struct ms_target *t, const struct ms_stack *st,
                                  bool (*fn)(void *arg, const struct ms_frame *fr), void *arg,
                                  unsigned *ret_frames, bool *ret_complete)
{
	unsigned ptr = t->ptr;
	bool amd64 = t->arch == MS_ARCH_AMD64;
	uint64_t pc = st->pc, sp = st->sp;
	uint64_t max_frames = (st->hi - st->lo) / ptr;
	struct ms_frame *fr;
	unsigned n = 0;
	bool exact = !st->pc_return; /* pc is where the code stopped, not a return address */

	*ret_frames = 0;
	*ret_complete = false;
	if (t->arch != MS_ARCH_AMD64 && t->arch != MS_ARCH_386)
		return ms_error_create(MS_ERR_UNSUPPORTED,
		                       "goroutine frames are unwound on amd64 and 386 only");
	if (!pc || sp < st->lo || sp >= st->hi)
		return ms_error_create(MS_ERR_UNSUPPORTED, "goroutine %llu has no saved pc and sp",
		                       (unsigned long long)st->goid);
	fr = malloc(sizeof(*fr));
	if (!fr)
		return &ms_error_nomem;
	while (n < max_frames) {
		uint64_t lr;

		if (!ms_binary_func_info(t->exe, pc, &fr->fn) || fr->fn.spdelta < 0)
			break;
		fr->pc = pc;
		fr->lookup_pc = !exact && pc != fr->fn.entry ? pc - 1 : pc;
		fr->sp = sp;
		/* x86: the call pushed the return address just above the frame */
		fr->fp = sp + (uint64_t)fr->fn.spdelta + ptr;
		if (fr->fp > st->hi || fr->fp < sp)
			break;
		fr->varp = fr->fp - ptr;
		if (amd64 && fr->varp > fr->sp) /* the saved frame pointer */
			fr->varp -= ptr;
		fr->argp = fr->fp;
		fr->depth = n++;
		read_stack_maps(t, fr);
		if (!fn(arg, fr))
			break;
		if (fr->fn.flag & FUNCFLAG_TOPFRAME) {
			*ret_complete = true;
			break;
		}
		if (!ms_source_try_ptr(t->mem, fr->fp - ptr, &lr) || !lr)
			break;
		/* an asynchronous preemption pushed the interrupted pc as if it were a call's
		 * return address (runtime/preempt.go) */
		exact = strcmp(fr->fn.name, "runtime.asyncPreempt") == 0;
		pc = lr;
		sp = fr->fp;
		if (sp >= st->hi) {
			*ret_complete = true;
			break;
		}
	}
	free(fr);
	*ret_frames = n;
	return NULL;
}

/* ---- running goroutines: from their threads' registers ---- */

#define SIGNAL_NESTING    4           /* signal handlers interrupted by a signal, at most */
#define SIGNAL_STACK_SPAN (64u << 10) /* a signal stack is 32 KiB (runtime/os_linux.go) */

struct sigtramp_find {
	uint64_t fp; /* runtime.sigtramp's CFA, 0 if not reached */
};

static bool find_sigtramp(void *arg, const struct ms_frame *fr)
{
	struct sigtramp_find *sf = arg;

	if (strcmp(fr->fn.name, "runtime.sigtramp") != 0)
		return true;
	sf->fp = fr->fp;
	return false;
}

/*
 * The registers the kernel saved when it ran the runtime's signal handler on
 * the thread whose registers are *th, if it is in one: unwind from *th to
 * runtime.sigtramp (the handler's first frame, TOPFRAME), whose CFA is the
 * kernel's rt_sigframe just past its return address. amd64: the ucontext is
 * there, its uc_mcontext at 40 (rbp, rsp, rip at 80, 120, 128); 386: the
 * handler's third argument points to it, uc_mcontext at 20 (ebp, esp, eip at
 * 24, 28, 56). See the kernel's arch/x86/include/asm/sigframe.h.
 */
static bool signal_context(struct ms_target *t, struct ms_thread *th)
{
	struct ms_stack st = {
	    .lo = th->sp, .hi = th->sp + SIGNAL_STACK_SPAN, .sp = th->sp, .pc = th->pc};
	struct sigtramp_find sf = {0};
	unsigned nframes;
	bool complete, amd64 = t->arch == MS_ARCH_AMD64;
	uint64_t uc, mc, bp, sp, pc;
	struct ms_error *err;

	if (st.hi < st.lo)
		return false;
	err = ms_target_unwind(t, &st, find_sigtramp, &sf, &nframes, &complete);
	ms_error_destroy(err);
	if (err || !sf.fp)
		return false;
	if (amd64)
		uc = sf.fp;
	else if (!ms_source_try_ptr(t->mem, sf.fp + 8, &uc))
		return false;
	mc = uc + (amd64 ? 40 : 20);
	if (!ms_source_try_ptr(t->mem, mc + (amd64 ? 80 : 24), &bp) ||
	    !ms_source_try_ptr(t->mem, mc + (amd64 ? 120 : 28), &sp) ||
	    !ms_source_try_ptr(t->mem, mc + (amd64 ? 128 : 56), &pc) || !pc || !sp)
		return false;
	th->pc = pc;
	th->sp = sp;
	th->bp = bp;
	return true;
}

struct thread_match {
	struct ms_target *t;
	struct ms_stack *stacks;
	size_t n, set;
};

static struct ms_stack *running_stack(struct thread_match *tm, uint64_t sp)
{
	for (size_t i = 0; i < tm->n; i++) {
		struct ms_stack *st = &tm->stacks[i];

		if (sp >= st->lo && sp < st->hi)
			return (st->status & ~0x1000u) == 2 /* _Grunning (maybe _Gscan) */ ? st
			                                                                   : NULL;
	}
	return NULL;
}

/*
 * The running goroutine whose M's system stack (g0's) holds sp: the thread
 * runs runtime code for it there. What the goroutine left on its own stack
 * (runtime/asm_*.s, stubs): systemstack and asmcgocall save its sp and pc in
 * g.sched (gosave_systemstack_switch, pc = systemstack_switch, which unwinds
 * as systemstack's frame), and so do morestack (pc in the function that needs
 * more stack, before its frame is made) and mcall; a goroutine in a system
 * call has g.syscallsp (ms_target_stacks prefers it, as the runtime's own
 * traceback does); a vDSO call (nanotime1, walltime) switches without saving
 * g.sched but sets m.vdsoSP and m.vdsoPC, the caller's sp and return address
 * (sys_linux_*.s). The runtime's own crash traceback unwinds such an M's curg
 * from the same g.sched (signal_unix.go sighandler: traceback(^0, ^0, 0, curg)).
 */
static struct ms_stack *system_stack(struct thread_match *tm, uint64_t sp)
{
	for (size_t i = 0; i < tm->n; i++) {
		struct ms_stack *st = &tm->stacks[i];

		if (st->g0_hi && sp >= st->g0_lo && sp < st->g0_hi &&
		    (st->status & ~0x1000u) == 2 /* _Grunning */)
			return st;
	}
	return NULL;
}

static bool match_thread(void *arg, const struct ms_thread *th)
{
	struct thread_match *tm = arg;
	struct ms_thread ctx = *th;

	for (int depth = 0; depth <= SIGNAL_NESTING; depth++) {
		struct ms_stack *st = running_stack(tm, ctx.sp);

		if (st) {
			if (!st->on_thread) {
				st->pc = ctx.pc;
				st->sp = ctx.sp;
				st->on_thread = true;
				tm->set++;
			}
			break;
		}
		st = system_stack(tm, ctx.sp);
		if (st) {
			if (!st->on_thread) {
				if (st->vdso_sp >= st->lo && st->vdso_sp < st->hi && st->vdso_pc) {
					st->sp = st->vdso_sp;
					st->pc = st->vdso_pc;
					st->pc_return = true;
				}
				st->on_thread = st->on_system_stack = true;
				tm->set++;
			}
			break;
		}
		if (!signal_context(tm->t, &ctx))
			break;
	}
	return true;
}

size_t ms_target_thread_stacks(struct ms_target *t, struct ms_stack *stacks, size_t n)
{
	struct thread_match tm = {t, stacks, n, 0};

	if (t->arch != MS_ARCH_AMD64 && t->arch != MS_ARCH_386)
		return 0;
	ms_source_threads(t->mem, match_thread, &tm);
	return tm.set;
}
