/* SPDX-License-Identifier: MIT */
/*
 * Write tracking of a running process by userfaultfd write-protect in its
 * asynchronous mode (Linux >= 6.7) and the PAGEMAP_SCAN ioctl: the helpers
 * of source_live.c's "uffd-wp precopy" (see its header comment).
 */
#ifndef MS_LIVE_UFFD_H
#define MS_LIVE_UFFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * A userfaultfd of the process's mm, in mapsize: the thread tid, seized and
 * stopped in a ptrace event stop (PTRACE_INTERRUPT), is made to call
 * userfaultfd(2) and, once the descriptor is fetched with pidfd_getfd(2),
 * close(2); its registers are then restored exactly. Only on x86-64 and for
 * a 64-bit thread. On return the thread is still stopped; *sig is the
 * signal to pass on when it is detached (one that arrived meanwhile, held
 * back), 0 for none. -1 with a reason in why if any step fails (the thread
 * is then as it was, with its registers restored).
 */
int ms_uffd_inject(int pid, pid_t tid, int *sig, char *why, size_t why_size);
/* UFFDIO_API with asynchronous write-protect; false (and why) if the kernel lacks it. */
bool ms_uffd_api(int uffd, char *why, size_t why_size);
/* Register [addr, addr+len) for write-protect and protect it; false if the kernel refuses. */
bool ms_uffd_protect(int uffd, uint64_t addr, uint64_t len);
/* Unprotect and unregister [addr, addr+len) (what ms_uffd_protect did). */
void ms_uffd_release(int uffd, uint64_t addr, uint64_t len);

/* A run of pages PAGEMAP_SCAN found written, newly zero, or absent. */
struct ms_uffd_run {
	uint64_t start, end;
	bool present; /* present or swapped: to re-read; else absent or the zero page (a 4 KiB
	               * or a huge one): reads as zero */
};
/*
 * The pages of [addr, addr+len) of the process (pagemap: its /proc/PID/pagemap)
 * written since they were protected, mapping the zero page, or not present,
 * passed to fn in address order (a page the registration did not cover
 * counts as written). With uffd (else -1), only the pages written (all
 * present), each run protected again with uffd before fn sees it, those of
 * mappings not registered left out. false if the ioctl fails.
 */
bool ms_uffd_scan(int pagemap, int uffd, uint64_t addr, uint64_t len,
                  void (*fn)(void *arg, const struct ms_uffd_run *r), void *arg);

#endif
