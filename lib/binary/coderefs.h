/* SPDX-License-Identifier: MIT */
/*
 * Which of a set of addresses (the binary's map type descriptors) a function's code
 * loads. Go passes a map's type descriptor to every runtime map call (makemap,
 * mapaccess*, mapassign*, mapdelete*, mapiterinit, the swiss and internal/runtime/maps
 * ones), loading it with
 *  - amd64: LEAQ sym(SB), reg: REX.W (0x48-0x4f) 0x8d, ModRM mod 00 rm 101, disp32
 *    from the next instruction (7 bytes);
 *  - 386: LEAL sym, reg: 0x8d, ModRM mod 00 rm 101, an absolute disp32 (6 bytes);
 *    MOVL $sym, reg (0xb8+r imm32); MOVL $sym, (SP) and $sym, d8(SP)
 *    (0xc7 0x04 0x24 imm32, 0xc7 0x44 0x24 d8 imm32).
 * The scan tries these encodings at every byte: one not on an instruction boundary
 * counts only if its operand is exactly one of the addresses asked for. Inlined
 * callees' code lies inside the caller's [entry, end), so they are covered.
 */
#ifndef MS_CODEREFS_H
#define MS_CODEREFS_H

#include "binary.h"

/*
 * The addresses of targets[0 .. ntargets) (sorted ascending) that the code in
 * code[0 .. len), loaded at base, refers to by the encodings above for arch, each
 * once, in the order first met, into out (at most max). Reads no byte outside
 * code[0 .. len). The count.
 */
size_t ms_code_refs(enum ms_arch arch, const uint8_t *code, size_t len, uint64_t base,
                    const uint64_t *targets, size_t ntargets, uint64_t *out, size_t max);

/*
 * ms_code_refs with the loads and stores of a word too (the users of a global):
 * amd64 REX.W 8B/89 /r (MOVQ sym(SB), reg and reg, sym(SB)), REX.W 83 /7 ib (CMPQ
 * sym(SB), $i8) and REX.W C7 /0 id (MOVQ $i32, sym(SB)), RIP-relative from the next
 * instruction; 386 8B/89 /r with an absolute disp32, A1/A3 moffs32 (MOVL sym, AX and
 * AX, sym) and 83 /7 ib (CMPL sym, $i8).
 */
size_t ms_code_uses(enum ms_arch arch, const uint8_t *code, size_t len, uint64_t base,
                    const uint64_t *targets, size_t ntargets, uint64_t *out, size_t max);

/* Per-function results, computed when first asked for and kept. */
struct ms_coderefs;

/* For the executable b (its code read from the file's segments) and the addresses
 * targets[0 .. ntargets) (copied; any order). Owned: ms_coderefs_destroy. */
MS_MUST_CHECK struct ms_error *ms_coderefs_create(struct ms_binary *b, const uint64_t *targets,
                                                  size_t ntargets, struct ms_coderefs **ret);
void ms_coderefs_destroy(struct ms_coderefs *c);
/*
 * The targets that the code of the function holding pc refers to: *ret (borrowed,
 * valid until c is destroyed), *ret_n of them. false when pc is in no function of
 * .gopclntab or its code cannot be read; MS_ERR_NOMEM through *err.
 */
bool ms_coderefs_func(struct ms_coderefs *c, uint64_t pc, const uint64_t **ret, size_t *ret_n,
                      struct ms_error **err);

/*
 * The users of globals: the functions whose code refers to one of the data addresses
 * addrs[0 .. n) (any order) by the encodings of ms_code_uses, found by one pass over
 * .text.
 * Replaces any earlier index. MS_ERR_NOMEM only.
 */
MS_MUST_CHECK struct ms_error *ms_coderefs_index_users(struct ms_coderefs *c, const uint64_t *addrs,
                                                       size_t n);
/* The entries of the functions that use addr (of those indexed), ascending, at most max
 * into ret; how many there are (more than max: only the first max were stored). */
size_t ms_coderefs_users(const struct ms_coderefs *c, uint64_t addr, uint64_t *ret, size_t max);

#endif
