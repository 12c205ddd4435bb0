/* SPDX-License-Identifier: MIT */
/*
 * userfaultfd write-protect, asynchronous mode, and PAGEMAP_SCAN for the
 * "uffd-wp precopy" of source_live.c (whose header comment says what it
 * changes in the process). A userfaultfd belongs to the mm of the process
 * that created it, so the process itself is made to create one: one of its
 * threads, stopped by ptrace, executes the bytes 0F 05 (syscall) of its vdso
 * or text with the registers mapsize sets, single-stepped; its memory is
 * never written. The descriptor is taken with pidfd_getfd(2) and closed in
 * the process the same way, and the thread's registers are restored exactly
 * (orig_rax too: a system call it was interrupted in restarts as it would
 * have). The ioctls on the descriptor act on the process's mm from mapsize.
 *
 * In the asynchronous mode (UFFD_FEATURE_WP_ASYNC, Linux 6.7) a write to a
 * protected page is never reported to the descriptor: the kernel clears the
 * page's protection in the fault (mm/memory.c do_wp_page) and the write
 * goes on, from user mode or from the kernel alike (so a descriptor created
 * with UFFD_USER_MODE_ONLY, which an unprivileged process may create with
 * vm.unprivileged_userfaultfd=0, tracks every write). PAGEMAP_SCAN then
 * says which pages lost their protection: written.
 */
#include "live_uffd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

/* Debian 12's uapi headers (Linux 6.1) predate these (Linux 6.4 and 6.7): from the kernel's
 * include/uapi/linux/userfaultfd.h and fs.h. */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#ifndef PAGEMAP_SCAN
#define PAGEMAP_SCAN      _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_WPALLOWED (1 << 0)
#define PAGE_IS_WRITTEN   (1 << 1)
#define PAGE_IS_FILE      (1 << 2)
#define PAGE_IS_PRESENT   (1 << 3)
#define PAGE_IS_SWAPPED   (1 << 4)
#define PAGE_IS_PFNZERO   (1 << 5)
struct page_region {
	__u64 start, end, categories;
};
struct pm_scan_arg {
	__u64 size, flags, start, end, walk_end, vec, vec_len, max_pages;
	__u64 category_inverted, category_mask, category_anyof_mask, return_mask;
};
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif

#define PROTECT_STEP (64ull << 20) /* bytes write-protected by one ioctl */
#define MAX_HELD     8 /* signals that arrive for the thread while it runs mapsize's system calls */

#if defined(__x86_64__)
/* The address of the bytes 0F 05 in the process's vdso, else in its first r-x mapping; 0 if none.
 */
static uint64_t find_syscall(int pid)
{
	char path[64], line[512];
	uint64_t found = 0, pick[2] = {0, 0}, len[2] = {0, 0};
	uint8_t *buf;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		char perms[8];
		int k;

		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3 || strcmp(perms, "r-xp"))
			continue;
		k = strstr(line, "[vdso]") ? 0 : 1;
		if (!pick[k]) {
			pick[k] = lo;
			len[k] = hi - lo < (64u << 10) ? hi - lo : (64u << 10);
		}
	}
	fclose(f);
	buf = malloc(64u << 10);
	for (int k = 0; buf && k < 2 && !found; k++) {
		struct iovec local = {buf, len[k]}, remote = {(void *)(uintptr_t)pick[k], len[k]};
		ssize_t n = pick[k] ? process_vm_readv(pid, &local, 1, &remote, 1, 0) : -1;

		for (ssize_t i = 0; i + 1 < n && !found; i++)
			if (buf[i] == 0x0f && buf[i + 1] == 0x05)
				found = pick[k] + (uint64_t)i;
	}
	free(buf);
	return found;
}

struct held {
	int sig[MAX_HELD];
	int n;
};

/*
 * Run the system call nr(a0, a1, a2) in the stopped thread tid, whose saved registers are
 * saved, at the syscall instruction insn; its result in *ret. A signal that stops the thread
 * first is held back (passed on at the end). false if the thread went away.
 */
static bool call(pid_t tid, const struct user_regs_struct *saved, uint64_t insn, long nr,
                 uint64_t a0, uint64_t a1, long *ret, struct held *h)
{
	struct user_regs_struct r = *saved;

	r.rip = insn;
	r.rax = (uint64_t)nr;
	r.rdi = a0;
	r.rsi = a1;
	r.orig_rax = (uint64_t)-1; /* no system call restart applies to this one */
	if (ptrace(PTRACE_SETREGS, tid, NULL, &r) != 0 ||
	    ptrace(PTRACE_SINGLESTEP, tid, NULL, NULL) != 0)
		return false;
	for (;;) {
		int status, sig;
		struct user_regs_struct now;

		if (waitpid(tid, &status, __WALL) != tid) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (!WIFSTOPPED(status))
			return false; /* exited, killed */
		sig = WSTOPSIG(status);
		if (ptrace(PTRACE_GETREGS, tid, NULL, &now) != 0)
			return false;
		if (sig == SIGTRAP && (status >> 16) == 0 && now.rip == insn + 2) {
			*ret = (long)now.rax;
			/* the thread's own registers back at once: between the calls it
			 * is as it was */
			return ptrace(PTRACE_SETREGS, tid, NULL, saved) == 0;
		}
		/* a group stop or another interrupt: go on; a signal: hold it back */
		if ((status >> 16) == 0 && h->n < MAX_HELD)
			h->sig[h->n++] = sig;
		else if ((status >> 16) == 0)
			return false;
		if (now.rip == insn + 2) { /* ran already (the trap was taken first) */
			*ret = (long)now.rax;
			return ptrace(PTRACE_SETREGS, tid, NULL, saved) == 0;
		}
		if (ptrace(PTRACE_SINGLESTEP, tid, NULL, NULL) != 0)
			return false;
	}
}
#endif

int ms_uffd_inject(int pid, pid_t tid, int *sig, char *why, size_t why_size)
{
	*sig = 0;
#if defined(__x86_64__)
	struct user_regs_struct saved;
	struct held h = {{0}, 0};
	uint64_t insn;
	long fd = -1, closed = -1;
	int pidfd, mine = -1;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &saved) != 0) {
		snprintf(why, why_size, "cannot read thread %d's registers: %s", tid,
		         strerror(errno));
		return -1;
	}
	if (saved.cs != 0x33) { /* __USER_CS: a 32-bit process has 0x23 */
		snprintf(why, why_size, "not a 64-bit process");
		return -1;
	}
	insn = find_syscall(pid);
	if (!insn) {
		snprintf(why, why_size, "no syscall instruction found in the process");
		return -1;
	}
	pidfd = (int)syscall(__NR_pidfd_open, pid, 0);
	if (pidfd < 0) {
		snprintf(why, why_size, "pidfd_open: %s", strerror(errno));
		return -1;
	}
	if (!call(tid, &saved, insn, __NR_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY,
	          0, &fd, &h))
		snprintf(why, why_size, "thread %d went away during userfaultfd()", tid);
	else if (fd < 0)
		snprintf(why, why_size, "userfaultfd() in the process: %s", strerror((int)-fd));
	else if ((mine = (int)syscall(__NR_pidfd_getfd, pidfd, (int)fd, 0)) < 0)
		snprintf(why, why_size, "pidfd_getfd: %s", strerror(errno));
	if (fd >= 0 &&
	    (!call(tid, &saved, insn, __NR_close, (uint64_t)fd, 0, &closed, &h) || closed != 0)) {
		snprintf(why, why_size, "cannot close the process's userfaultfd %ld", fd);
		if (mine >= 0)
			close(mine);
		mine = -1;
	}
	close(pidfd);
	ptrace(PTRACE_SETREGS, tid, NULL, &saved);
	/* the first held signal goes with the detach, the others are sent again */
	*sig = h.n ? h.sig[0] : 0;
	for (int i = 1; i < h.n; i++)
		syscall(SYS_tgkill, pid, tid, h.sig[i]);
	return mine;
#else
	(void)pid;
	(void)tid;
	snprintf(why, why_size, "only on x86-64");
	return -1;
#endif
}

bool ms_uffd_api(int uffd, char *why, size_t why_size)
{
	struct uffdio_api api = {.api = UFFD_API,
	                         .features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED};

	if (ioctl(uffd, UFFDIO_API, &api) != 0) {
		snprintf(why, why_size, "UFFDIO_API with asynchronous write-protect: %s",
		         strerror(errno));
		return false;
	}
	return true;
}

bool ms_uffd_protect(int uffd, uint64_t addr, uint64_t len)
{
	struct uffdio_register reg = {.range = {addr, len}, .mode = UFFDIO_REGISTER_MODE_WP};
	struct uffdio_writeprotect wp = {.range = {addr, len}, .mode = UFFDIO_WRITEPROTECT_MODE_WP};
	int rc = 0;

	if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0)
		return false;
	/* in pieces of PROTECT_STEP: the process's page faults wait for none of them long */
	for (uint64_t at = addr; rc == 0 && at < addr + len; at += PROTECT_STEP) {
		wp.range.start = at;
		wp.range.len = addr + len - at < PROTECT_STEP ? addr + len - at : PROTECT_STEP;
		for (int tries = 0; (rc = ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) != 0 &&
		                    errno == EAGAIN && tries < 100;
		     tries++)
			;
	}
	if (rc != 0) {
		ioctl(uffd, UFFDIO_UNREGISTER, &reg.range);
		return false;
	}
	return true;
}

void ms_uffd_release(int uffd, uint64_t addr, uint64_t len)
{
	struct uffdio_writeprotect wp = {.range = {addr, len}, .mode = 0};
	struct uffdio_range range = {addr, len};

	ioctl(uffd, UFFDIO_WRITEPROTECT, &wp);
	ioctl(uffd, UFFDIO_UNREGISTER, &range);
}

bool ms_uffd_scan(int pagemap, int uffd, uint64_t addr, uint64_t len,
                  void (*fn)(void *arg, const struct ms_uffd_run *r), void *arg)
{
	bool reprotect = uffd >= 0;
	struct page_region vec[512];
	struct pm_scan_arg a = {
	    .size = sizeof(a),
	    .start = addr,
	    .end = addr + len,
	    .vec = (uint64_t)(uintptr_t)vec,
	    .vec_len = sizeof(vec) / sizeof(*vec),
	    /* written, the zero page (mapped by a read after MADV_DONTNEED: no write), or
	     * not present (inverted) */
	    .category_inverted = PAGE_IS_PRESENT,
	    .category_anyof_mask = PAGE_IS_WRITTEN | PAGE_IS_PFNZERO | PAGE_IS_PRESENT,
	    .return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_PFNZERO,
	};

	if (reprotect) { /* only the pages written */
		a.category_inverted = 0;
		a.category_mask = PAGE_IS_WRITTEN;
		a.category_anyof_mask = 0;
		a.return_mask = PAGE_IS_WRITTEN;
	}

	while (a.start < a.end) {
		int n = ioctl(pagemap, PAGEMAP_SCAN, &a);

		if (n < 0)
			return false;
		for (int i = 0; i < n; i++) {
			struct ms_uffd_run r = {
			    vec[i].start, vec[i].end,
			    reprotect ||
			        (!(vec[i].categories & PAGE_IS_PFNZERO) &&
			         (vec[i].categories & (PAGE_IS_PRESENT | PAGE_IS_SWAPPED)))};
			/* protected again before they are copied, each run apart (not by
			 * PM_SCAN_WP_MATCHING in the scan: a run the scan protected but could not
			 * report, its vector full, would never be copied again); a run of a
			 * mapping not registered is left to the pause */
			struct uffdio_writeprotect wp = {.range = {r.start, r.end - r.start},
			                                 .mode = UFFDIO_WRITEPROTECT_MODE_WP};

			if (!reprotect || ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) == 0)
				fn(arg, &r);
		}
		if (a.walk_end <= a.start)
			return false;
		a.start = a.walk_end;
	}
	return true;
}
