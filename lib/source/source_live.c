/* SPDX-License-Identifier: MIT */
/*
 * A live process as a memory source. Every thread is seized and interrupted
 * (PTRACE_SEIZE + PTRACE_INTERRUPT, never SIGSTOP: if mapsize dies, even by
 * SIGKILL, the kernel detaches and restarts them) and memory is read with
 * process_vm_readv through a cache of 64 KiB blocks, many ranges per call.
 * Nothing is ever written to the process. SIGINT, SIGTERM and SIGHUP are
 * held back while it is stopped and delivered once it runs again.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "source.h"

#define BLOCK_BYTES  (64u << 10)
#define CACHE_BLOCKS 512u /* 32 MiB */
#define READAHEAD    8u   /* blocks fetched by one call on a miss */
#define MAX_THREADS  (1u << 16)
#define MAX_RANGES   (1u << 20)

struct block {
	uint64_t addr; /* block-aligned; 0 = empty */
	uint8_t *data;
};

struct live_source {
	struct ms_source base;
	int pid;
	pid_t *tids;
	size_t ntids, cap_tids;
	bool stopped, exited, signals_held;
	sigset_t old_mask;
	uint64_t stop_start_ns, pause_ns;
	struct ms_segment *ranges; /* readable mappings, sorted */
	size_t nranges;
	struct block cache[CACHE_BLOCKS];
	uint64_t nsyscalls;
	uint64_t last_miss; /* the last block a miss fetched */
};

static const struct ms_source_ops live_ops;
static bool process_gone(int pid);

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct live_source *live_of(struct ms_source *src)
{
	return src && src->ops == &live_ops ? (struct live_source *)src : NULL;
}

static const struct ms_segment *range_of(const struct live_source *l, uint64_t addr)
{
	size_t lo = 0, hi = l->nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ms_segment *s = &l->ranges[mid];

		if (addr < s->vaddr)
			hi = mid;
		else if (addr - s->vaddr >= s->memsz)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

static bool live_has(struct ms_source *src, uint64_t addr, uint64_t len)
{
	struct live_source *l = live_of(src);

	while (len) {
		const struct ms_segment *s = range_of(l, addr);
		uint64_t n;

		if (!s)
			return src->fallback && ms_source_has(src->fallback, addr, len);
		n = s->memsz - (addr - s->vaddr);
		if (n >= len)
			return true;
		addr += n;
		len -= n;
	}
	return true;
}

/* Read [addr, addr+len) of the process directly; false if not all of it could be read. */
static bool read_direct(struct live_source *l, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
	ssize_t n;

	l->nsyscalls++;
	n = process_vm_readv(l->pid, &local, 1, &remote, 1, 0);
	if (n < 0 && errno == ESRCH)
		l->exited = true;
	return n == (ssize_t)len;
}

/*
 * The cached block holding addr, filled if needed; NULL if it cannot be read
 * whole. A miss also fetches the blocks that follow it in the same mapping
 * (walks read forward), all in one process_vm_readv with one range each.
 */
static const uint8_t *block_at(struct live_source *l, uint64_t addr)
{
	uint64_t base = addr & ~(uint64_t)(BLOCK_BYTES - 1);
	struct block *b = &l->cache[(base / BLOCK_BYTES) % CACHE_BLOCKS];
	const struct ms_segment *s = range_of(l, base);
	struct iovec local[READAHEAD], remote[READAHEAD];
	struct block *fill[READAHEAD];
	size_t n = 0, max;
	ssize_t got;

	if (b->addr == base + 1)
		return b->data;
	if (!s || base + BLOCK_BYTES > s->vaddr + s->memsz)
		return NULL; /* a block that crosses a mapping's end is read directly */
	/* read ahead only when the reads go forward (a bucket array, a run of groups) */
	max = base == l->last_miss + BLOCK_BYTES ? READAHEAD : 1;
	l->last_miss = base + (max - 1) * BLOCK_BYTES;
	for (uint64_t at = base; n < max && at + BLOCK_BYTES <= s->vaddr + s->memsz;
	     at += BLOCK_BYTES) {
		struct block *c = &l->cache[(at / BLOCK_BYTES) % CACHE_BLOCKS];

		if (n > 0 && c->addr == at + 1)
			break; /* cached already: stop the run there */
		if (!c->data) {
			c->data = malloc(BLOCK_BYTES);
			if (!c->data)
				break;
		}
		c->addr = 0;
		fill[n] = c;
		local[n] = (struct iovec){c->data, BLOCK_BYTES};
		remote[n] = (struct iovec){(void *)(uintptr_t)at, BLOCK_BYTES};
		n++;
	}
	if (n == 0)
		return NULL;
	l->nsyscalls++;
	got = process_vm_readv(l->pid, local, (unsigned long)n, remote, (unsigned long)n, 0);
	if (got < 0 && errno == ESRCH)
		l->exited = true;
	for (size_t i = 0; got > 0 && i < n && (uint64_t)got >= (i + 1) * BLOCK_BYTES; i++)
		fill[i]->addr = (uint64_t)(uintptr_t)remote[i].iov_base + 1;
	return b->addr == base + 1 ? b->data : NULL;
}

static struct ms_error *live_read(struct ms_source *src, uint64_t addr, void *buf, size_t len)
{
	struct live_source *l = live_of(src);
	uint8_t *out = buf;

	if (!range_of(l, addr) && src->fallback && ms_source_has(src->fallback, addr, len))
		return src->fallback->ops->read(src->fallback, addr, buf, len);
	while (len) {
		uint64_t in = addr & (BLOCK_BYTES - 1), n = BLOCK_BYTES - in;
		const uint8_t *b;

		if (n > len)
			n = len;
		/* big reads go straight into the caller's buffer */
		if (len >= BLOCK_BYTES) {
			n = len;
			if (!live_has(src, addr, n) || !read_direct(l, addr, out, n))
				goto fault;
		} else if ((b = block_at(l, addr)) != NULL) {
			memcpy(out, b + in, n);
		} else if (!read_direct(l, addr, out, n)) {
			goto fault;
		}
		out += n;
		addr += n;
		len -= n;
	}
	return NULL;
fault:
	if (l->exited)
		return ms_error_create(MS_ERR_TARGET, "pid %d exited during the read", l->pid);
	return ms_error_create(MS_ERR_FAULT, "pid %d: address 0x%llx is not mapped", l->pid,
	                       (unsigned long long)addr);
}

/* Let every thread run again and restore the signals held back. */
static void resume(struct live_source *l)
{
	for (size_t i = 0; i < l->ntids; i++) {
		int status, sig = 0;

		/* a tracee killed while stopped has told us so: then the read was of a dying
		 * process */
		if (waitpid(l->tids[i], &status, WNOHANG | __WALL) == l->tids[i]) {
			if (WIFEXITED(status) || WIFSIGNALED(status))
				l->exited = true;
			else if (WIFSTOPPED(status) && (status >> 16) == 0)
				sig = WSTOPSIG(status); /* a signal that stopped it: pass it on */
		}
		ptrace(PTRACE_DETACH, l->tids[i], NULL, (void *)(uintptr_t)sig);
	}
	if (l->stopped)
		l->pause_ns = now_ns() - l->stop_start_ns;
	l->ntids = 0;
	l->stopped = false;
	if (l->signals_held) {
		sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
		l->signals_held = false;
	}
}

static void live_destroy(struct ms_source *src)
{
	struct live_source *l = live_of(src);

	if (!l)
		return;
	resume(l);
	for (size_t i = 0; i < CACHE_BLOCKS; i++)
		free(l->cache[i].data);
	free(l->tids);
	free(l->ranges);
	free(l->base.path);
	free(l);
}

/* Each stopped thread's registers (PTRACE_GETREGS); none once resumed, none but on x86-64. */
static void live_threads(struct ms_source *src, bool (*fn)(void *arg, const struct ms_thread *th),
                         void *arg)
{
	struct live_source *l = live_of(src);

	for (size_t i = 0; l && l->stopped && i < l->ntids; i++) {
#if defined(__x86_64__)
		struct user_regs_struct regs;
		struct ms_thread th = {.tid = l->tids[i]};

		l->nsyscalls++;
		if (ptrace(PTRACE_GETREGS, l->tids[i], NULL, &regs) != 0)
			continue;
		th.pc = regs.rip;
		th.sp = regs.rsp;
		th.bp = regs.rbp;
		if (!fn(arg, &th))
			break;
#else
		(void)fn;
		(void)arg;
#endif
	}
}

static const struct ms_source_ops live_ops = {
    .name = "live",
    .read = live_read,
    .has = live_has,
    .destroy = live_destroy,
    .threads = live_threads,
};

static struct ms_error *load_ranges(struct live_source *l)
{
	char path[64], line[4096];
	FILE *f;
	size_t cap = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", l->pid);
	f = fopen(path, "re");
	if (!f)
		return ms_error_create(MS_ERR_TARGET, "pid %d: %s", l->pid,
		                       errno == ENOENT ? "no such process" : strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		char perms[8];

		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' ||
		    hi <= lo || strstr(line, "[vvar]") || strstr(line, "[vsyscall]"))
			continue;
		if (l->nranges == cap) {
			struct ms_segment *n;

			cap = cap ? 2 * cap : 64;
			n = cap <= MAX_RANGES ? realloc(l->ranges, cap * sizeof(*n)) : NULL;
			if (!n) {
				fclose(f);
				return &ms_error_nomem;
			}
			l->ranges = n;
		}
		l->ranges[l->nranges++] = (struct ms_segment){lo, hi - lo, hi - lo, 0, 0};
	}
	fclose(f);
	return NULL;
}

static bool seized(const struct live_source *l, pid_t tid)
{
	for (size_t i = 0; i < l->ntids; i++)
		if (l->tids[i] == tid)
			return true;
	return false;
}

/* Seize and interrupt one thread and wait until it has stopped. */
static struct ms_error *stop_thread(struct live_source *l, pid_t tid)
{
	int status;

	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0) {
		if (errno == ESRCH)
			return NULL; /* the thread ended meanwhile */
		return ms_error_create(MS_ERR_TARGET, "cannot attach to pid %d (thread %d): %s%s",
		                       l->pid, tid, strerror(errno),
		                       errno == EPERM
		                           ? " (another tracer, kernel.yama.ptrace_scope, "
		                             "or no CAP_SYS_PTRACE)"
		                           : "");
	}
	if (l->ntids == l->cap_tids) {
		size_t cap = l->cap_tids ? 2 * l->cap_tids : 16;
		pid_t *n = cap <= MAX_THREADS ? realloc(l->tids, cap * sizeof(*n)) : NULL;

		if (!n) {
			ptrace(PTRACE_DETACH, tid, NULL, NULL);
			return &ms_error_nomem;
		}
		l->tids = n;
		l->cap_tids = cap;
	}
	l->tids[l->ntids++] = tid;
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) != 0)
		return errno == ESRCH ? NULL
		                      : ms_error_create(MS_ERR_TARGET, "cannot stop thread %d: %s",
		                                        tid, strerror(errno));
	for (;;) {
		pid_t r = waitpid(tid, &status, __WALL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == ECHILD
			           ? NULL
			           : ms_error_create(MS_ERR_TARGET, "cannot stop thread %d: %s",
			                             tid, strerror(errno));
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			l->exited = tid == l->pid;
			return NULL;
		}
		if (WIFSTOPPED(status)) {
			/* a signal that arrived first: leave it pending for the thread, stop again
			 */
			if ((status >> 16) != PTRACE_EVENT_STOP) {
				ptrace(PTRACE_CONT, tid, NULL, (void *)(uintptr_t)WSTOPSIG(status));
				ptrace(PTRACE_INTERRUPT, tid, NULL, NULL);
				continue;
			}
			return NULL;
		}
	}
}

/* Stop every thread, again until no new one appeared while we were at it. */
static struct ms_error *stop_all(struct live_source *l)
{
	char path[64];
	bool found_new = true;

	snprintf(path, sizeof(path), "/proc/%d/task", l->pid);
	for (int round = 0; found_new && round < 100; round++) {
		DIR *d = opendir(path);
		struct dirent *e;

		if (!d)
			return ms_error_create(MS_ERR_TARGET, "pid %d: no such process", l->pid);
		found_new = false;
		while ((e = readdir(d)) != NULL) {
			pid_t tid = (pid_t)atoi(e->d_name);
			struct ms_error *err;

			if (tid <= 0 || seized(l, tid))
				continue;
			found_new = true;
			err = stop_thread(l, tid);
			if (err) {
				closedir(d);
				return err;
			}
		}
		closedir(d);
	}
	if (l->exited)
		return ms_error_create(MS_ERR_TARGET, "pid %d exited while being stopped", l->pid);
	return NULL;
}

struct ms_error *ms_source_live_create(int pid, bool stop, struct ms_source **ret)
{
	struct live_source *l = calloc(1, sizeof(*l));
	char name[32];
	struct ms_error *err;

	if (!l)
		return &ms_error_nomem;
	snprintf(name, sizeof(name), "pid %d", pid);
	l->base.ops = &live_ops;
	l->base.path = strdup(name);
	l->base.ptr_bytes = 8;
	l->pid = pid;
	if (!l->base.path) {
		free(l);
		return &ms_error_nomem;
	}
	if (pid <= 0 || kill(pid, 0) != 0) {
		err = ms_error_create(MS_ERR_TARGET, "pid %d: %s", pid,
		                      pid > 0 && errno == EPERM ? strerror(errno)
		                                                : "no such process");
		goto out;
	}
	err = load_ranges(l);
	if (err)
		goto out;
	if (stop) {
		sigset_t hold;

		sigemptyset(&hold);
		sigaddset(&hold, SIGINT);
		sigaddset(&hold, SIGTERM);
		sigaddset(&hold, SIGHUP);
		sigprocmask(SIG_BLOCK, &hold, &l->old_mask);
		l->signals_held = true;
		l->stop_start_ns = now_ns();
		l->stopped = true;
		err = stop_all(l);
		if (err)
			goto out;
		/* mappings can change until the last thread stopped: read them again */
		l->nranges = 0;
		err = load_ranges(l);
		if (!err && (l->nranges == 0 || process_gone(pid)))
			err = ms_error_create(MS_ERR_TARGET, "pid %d exited while being stopped",
			                      pid);
		if (err)
			goto out;
	}
	*ret = &l->base;
	return NULL;
out:
	live_destroy(&l->base);
	return err;
}

void ms_source_live_resume(struct ms_source *src)
{
	struct live_source *l = live_of(src);

	if (l)
		resume(l);
}

/* Gone, or a zombie: /proc/PID/stat's state is Z or X, or there is no such file. */
static bool process_gone(int pid)
{
	char path[64], buf[512], *paren;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return !paren || paren[1] != ' ' || paren[2] == 'Z' || paren[2] == 'X';
}

/* A process that is exiting has no mappings left. */
static bool no_mappings(int pid)
{
	char path[64], line[64];
	FILE *f;
	bool empty;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	empty = fgets(line, sizeof(line), f) == NULL;
	fclose(f);
	return empty;
}

bool ms_source_live_exited(struct ms_source *src)
{
	struct live_source *l = live_of(src);

	return l && (l->exited || process_gone(l->pid) || no_mappings(l->pid));
}

uint64_t ms_source_live_pause_ns(struct ms_source *src)
{
	struct live_source *l = live_of(src);

	return l ? l->pause_ns : 0;
}

uint64_t ms_source_live_syscalls(struct ms_source *src)
{
	struct live_source *l = live_of(src);

	return l ? l->nsyscalls : 0;
}
