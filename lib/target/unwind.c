/* SPDX-License-Identifier: MIT */
#include "unwind.h"

#include <stdlib.h>

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
		fr->lookup_pc = n && pc != fr->fn.entry ? pc - 1 : pc;
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
