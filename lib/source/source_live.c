/* SPDX-License-Identifier: MIT */
/*
 * A live process as a memory source. Every thread is seized and interrupted
 * (PTRACE_SEIZE + PTRACE_INTERRUPT, never SIGSTOP: if mapsize dies, even by
 * SIGKILL, the kernel detaches and restarts them). Nothing is ever written to
 * the process. SIGINT, SIGTERM and SIGHUP are held back while it is stopped
 * and delivered once it runs again.
 *
 * By default the writable mappings (the Go heap arenas, data and bss, the
 * runtime's off-heap memory, stacks) are copied into a snapshot: a sparse
 * private anonymous mapping per range, of which only the pages present in
 * the process (/proc/PID/pagemap bits 62, 63) are filled, so mapsize's own
 * memory grows by the process's resident writable bytes. Copies are batched:
 * one process_vm_readv per up to 1024 runs of pages or 4 MiB.
 *  - soft-dirty precopy: "4" is written to /proc/PID/clear_refs (which resets
 *    the soft-dirty bits of the whole process), the pages are copied while it
 *    runs, then it is stopped only to re-read the pages whose soft-dirty bit
 *    (pagemap bit 55) is set, that appeared, or that a new mapping holds;
 *  - uffd-wp precopy (no soft-dirty; x86-64, a 64-bit process, Linux >= 6.7):
 *    the main thread is stopped and made to create a userfaultfd (two system
 *    calls injected by ptrace, its registers restored exactly after; no byte
 *    of memory written: live_uffd.c), which mapsize takes with pidfd_getfd;
 *    the writable ranges are registered with it for asynchronous
 *    write-protect and protected, the pages copied while the process runs,
 *    those written meanwhile (PAGEMAP_SCAN) protected and copied again (up
 *    to RECOPY_ROUNDS rounds), then it is
 *    stopped only to re-read the pages PAGEMAP_SCAN says were
 *    written (lost their protection), that map the zero page now, that
 *    appeared, or that a new mapping holds. While it lasts, the process sees
 *    one minor fault on the first write to each protected page (the kernel
 *    lifts the protection itself; nothing waits for mapsize) and its
 *    registered mappings split and marked in /proc/PID/maps and smaps. Once
 *    it runs again the protection is lifted, the ranges unregistered, the
 *    descriptor closed; if mapsize dies first, the descriptor closing with it
 *    undoes all of it. Only a SIGKILL of mapsize while an injected call runs
 *    (microseconds) leaves that thread at the injected instruction;
 *  - stop and copy (neither, or --no-clear-refs, which changes nothing in the
 *    kernel's view of the process): the process is stopped for the copy.
 * --attach-method chooses one of the first two (else stop and copy).
 * Either way it runs again before any map is walked; the read-only mappings
 * are read from the process when needed (they cannot change). Without
 * stopping (--no-stop) memory is read on demand through a cache of 64 KiB
 * blocks, many ranges per call.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live_uffd.h"
#include "source.h"

#define BLOCK_BYTES  (64u << 10)
#define CACHE_BLOCKS 512u /* 32 MiB */
#define READAHEAD    8u   /* blocks fetched by one call on a miss */
#define MAX_THREADS  (1u << 16)
#define MAX_RANGES   (1u << 20)

#define BATCH_IOVS   1024u       /* IOV_MAX */
#define BATCH_BYTES  (4u << 20)  /* per process_vm_readv */
#define PM_CHUNK     (64u << 10) /* pagemap entries read at once */
#define PM_PRESENT   (1ull << 63)
#define PM_SWAPPED   (1ull << 62)
#define PM_SOFTDIRTY (1ull << 55)
#define PM_EXCLUSIVE (1ull << 56) /* mapped by this process only */

/* A copy of one range of the process: sparse (pages never filled cost nothing). */
struct store {
	uint64_t vaddr, len;
	uint8_t *data;   /* mmap'ed, len bytes */
	uint64_t *valid; /* a bit per page: holds the process's bytes (or known zero) */
};

/* The snapshot is a sorted list of pieces, each a window on a store. */
struct piece {
	struct ms_segment seg; /* vaddr, memsz (first: search() finds pieces too) */
	struct store *st;
};

/* A run of pages to copy: [first, first+n) of st. */
struct run {
	struct store *st;
	uint64_t first, n;
	bool ok; /* read whole */
};

/* The runs one copying thread reads. */
struct share {
	struct run *runs;
	size_t n;
	int pid;
	uint64_t page, nsyscalls;
	bool exited;
};

#define MAX_COPIERS 8u

#define RECOPY_ROUNDS 3u         /* uffd-wp: rounds of copying again what was written, at most */
#define RECOPY_ENOUGH (1u << 20) /* no more rounds after one that copied less */

struct block {
	uint64_t addr; /* block-aligned; 0 = empty */
	uint8_t *data;
};

struct live_source {
	struct ms_source base;
	int pid;
	pid_t *tids;
	size_t ntids, cap_tids;
	struct ms_thread *regs; /* the threads' registers, saved while stopped */
	size_t nregs;
	bool stopped, exited, signals_held;
	sigset_t old_mask;
	uint64_t stop_start_ns, pause_ns;
	struct ms_segment *ranges; /* readable mappings, sorted */
	size_t nranges;
	struct block cache[CACHE_BLOCKS];
	uint64_t nsyscalls;
	uint64_t last_miss; /* the last block a miss fetched */
	/* the snapshot (methods other than no-stop) */
	enum ms_live_method method;
	bool snap; /* reads come from the snapshot */
	uint64_t page;
	int pagemap; /* /proc/PID/pagemap, -1 if it cannot be read: every page counts */
	struct store **stores;
	size_t nstores;
	struct piece *pieces;
	size_t npieces;
	uint64_t copied_bytes, reread_bytes;
	bool all_dirty; /* test knob: every present page counts as dirty */
	struct run *runs;
	size_t nruns, cap_runs;
	/* uffd-wp precopy: the process's userfaultfd, and the ranges it write-protects */
	int uffd;
	struct ms_segment *wp;
	size_t nwp;
	char uffd_why[160]; /* why it could not be used */
};

static const struct ms_source_ops live_ops;
static bool process_gone(int pid);
static void hold_signals(struct live_source *l);
static void uffd_end(struct live_source *l);

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

/* The segment holding addr in an array of n sorted ones, stride bytes apart (NULL if none). */
static const struct ms_segment *search(const void *segs, size_t n, size_t stride, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ms_segment *s =
		    (const struct ms_segment *)((const char *)segs + mid * stride);

		if (addr < s->vaddr)
			hi = mid;
		else if (addr - s->vaddr >= s->memsz)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

static const struct ms_segment *range_of(const struct live_source *l, uint64_t addr)
{
	return search(l->ranges, l->nranges, sizeof(*l->ranges), addr);
}

/* Reset the soft-dirty bits of a process (man proc(5), clear_refs, "4"). */
static bool write_clear_refs(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok = fd >= 0 && write(fd, "4", 1) == 1;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* ---- the snapshot ---- */

static const struct piece *piece_of(const struct live_source *l, uint64_t addr)
{
	return (const struct piece *)search(l->pieces, l->npieces, sizeof(*l->pieces), addr);
}

static bool page_valid(const struct store *st, uint64_t i)
{
	return (st->valid[i / 64] >> (i % 64)) & 1;
}

static void mark_pages(struct store *st, uint64_t first, uint64_t n, bool valid)
{
	for (uint64_t i = first; i < first + n; i++) {
		/* atomic: the scanning threads can share a word of the bitmap */
		if (valid)
			__atomic_fetch_or(&st->valid[i / 64], 1ull << (i % 64), __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(&st->valid[i / 64], ~(1ull << (i % 64)),
			                   __ATOMIC_RELAXED);
	}
}

/* Are the pages of [addr, addr+len) within p all valid? */
static bool piece_valid(const struct live_source *l, const struct piece *p, uint64_t addr,
                        uint64_t len)
{
	uint64_t first = (addr - p->st->vaddr) / l->page;
	uint64_t last = (addr + len - 1 - p->st->vaddr) / l->page;

	for (uint64_t i = first; i <= last; i++)
		if (!page_valid(p->st, i))
			return false;
	return true;
}

static struct store *new_store(struct live_source *l, uint64_t vaddr, uint64_t len)
{
	struct store *st = calloc(1, sizeof(*st)), **n;
	uint64_t npages = len / l->page;

	if (!st)
		return NULL;
	st->vaddr = vaddr;
	st->len = len;
	st->valid = calloc((npages + 63) / 64, sizeof(uint64_t));
	st->data = mmap(NULL, len, PROT_READ | PROT_WRITE,
	                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	n = realloc(l->stores, (l->nstores + 1) * sizeof(*n));
	if (st->data == MAP_FAILED)
		st->data = NULL;
	if (!st->valid || !st->data || !n) {
		if (st->data)
			munmap(st->data, len);
		free(st->valid);
		free(st);
		if (n)
			l->stores = n;
		return NULL;
	}
	l->stores = n;
	l->stores[l->nstores++] = st;
	return st;
}

static void free_snapshot(struct live_source *l)
{
	for (size_t i = 0; i < l->nstores; i++) {
		munmap(l->stores[i]->data, l->stores[i]->len);
		free(l->stores[i]->valid);
		free(l->stores[i]);
	}
	free(l->stores);
	free(l->pieces);
	free(l->runs);
	if (l->pagemap >= 0)
		close(l->pagemap);
}

/*
 * The pieces for the writable ranges of l->ranges (as /proc/PID/maps says them
 * now): what the snapshot holds of them already is kept (a range that grew,
 * shrank or was split keeps the stores of its old pieces), the rest gets new
 * stores.
 */
static struct ms_error *rebuild_pieces(struct live_source *l)
{
	struct piece *out = NULL;
	size_t n = 0, cap = 0, k = 0;

	for (size_t i = 0; i < l->nranges; i++) {
		const struct ms_segment *r = &l->ranges[i];
		uint64_t at = r->vaddr, end = r->vaddr + r->memsz;

		if (!(r->flags & PF_W))
			continue;
		while (at < end) {
			struct piece p;

			while (k < l->npieces &&
			       l->pieces[k].seg.vaddr + l->pieces[k].seg.memsz <= at)
				k++;
			if (k < l->npieces && l->pieces[k].seg.vaddr <= at) {
				const struct piece *o = &l->pieces[k];
				uint64_t hi = o->seg.vaddr + o->seg.memsz < end
				                  ? o->seg.vaddr + o->seg.memsz
				                  : end;

				p = (struct piece){{at, hi - at, hi - at, 0, PF_R | PF_W}, o->st};
			} else {
				uint64_t hi = k < l->npieces && l->pieces[k].seg.vaddr < end
				                  ? l->pieces[k].seg.vaddr
				                  : end;

				p = (struct piece){{at, hi - at, hi - at, 0, PF_R | PF_W},
				                   new_store(l, at, hi - at)};
				if (!p.st) {
					free(out);
					return &ms_error_nomem;
				}
			}
			if (n == cap) {
				struct piece *m;

				cap = cap ? 2 * cap : 64;
				m = realloc(out, cap * sizeof(*m));
				if (!m) {
					free(out);
					return &ms_error_nomem;
				}
				out = m;
			}
			out[n++] = p;
			at += p.seg.memsz;
		}
	}
	free(l->pieces);
	l->pieces = out;
	l->npieces = n;
	return NULL;
}

/* How many threads for work units of work, one per at least per units (at most MAX_COPIERS). */
static size_t threads_for(uint64_t work, uint64_t per)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = ncpu > 1 ? (size_t)(ncpu < MAX_COPIERS ? ncpu : MAX_COPIERS) : 1;

	while (n > 1 && work / n < per)
		n--;
	return n;
}

/* Copy a share of the runs, up to BATCH_IOVS runs or BATCH_BYTES per call; say which were read. */
static void *copy_share(void *arg)
{
	struct share *sh = arg;
	struct iovec *local = malloc(2 * BATCH_IOVS * sizeof(*local)), *remote;
	size_t i = 0;

	if (!local)
		return NULL; /* the share's runs stay not read */
	remote = local + BATCH_IOVS;
	while (i < sh->n && !sh->exited) {
		size_t j = i, k = i;
		uint64_t bytes = 0;
		ssize_t got;

		while (j < sh->n && j - i < BATCH_IOVS &&
		       (j == i || bytes + sh->runs[j].n * sh->page <= BATCH_BYTES)) {
			struct run *r = &sh->runs[j];

			local[j - i] =
			    (struct iovec){r->st->data + r->first * sh->page, r->n * sh->page};
			remote[j - i] =
			    (struct iovec){(void *)(uintptr_t)(r->st->vaddr + r->first * sh->page),
			                   r->n * sh->page};
			bytes += r->n * sh->page;
			j++;
		}
		got = process_vm_readv(sh->pid, local, (unsigned long)(j - i), remote,
		                       (unsigned long)(j - i), 0);
		sh->nsyscalls++;
		if (got < 0 && errno == ESRCH)
			sh->exited = true;
		for (; got > 0 && k < j && (uint64_t)got >= sh->runs[k].n * sh->page; k++) {
			sh->runs[k].ok = true;
			got -= (ssize_t)(sh->runs[k].n * sh->page);
		}
		i = k < j ? k + 1 : j; /* a run that failed: go on after it */
	}
	free(local);
	return NULL;
}

/*
 * Copy the runs collected, in as many threads as there are processors (at
 * most MAX_COPIERS, one per 16 MiB) while the process is stopped, and mark
 * their pages valid or not.
 */
static void copy_runs(struct live_source *l, bool stopped)
{
	struct share sh[MAX_COPIERS] = {{0}};
	pthread_t th[MAX_COPIERS];
	bool started[MAX_COPIERS] = {false};
	uint64_t total = 0, done = 0;
	size_t nsh, at = 0;

	for (size_t i = 0; i < l->nruns; i++)
		total += l->runs[i].n * l->page;
	nsh = stopped ? threads_for(total, 16u << 20) : 1;
	for (size_t t = 0; t < nsh; t++) {
		uint64_t want = total * (t + 1) / nsh;
		size_t from = at;

		while (at < l->nruns && (t == nsh - 1 || done < want)) {
			done += l->runs[at].n * l->page;
			at++;
		}
		sh[t] = (struct share){l->runs + from, at - from, l->pid, l->page, 0, false};
		if (t > 0)
			started[t] = pthread_create(&th[t], NULL, copy_share, &sh[t]) == 0;
	}
	copy_share(&sh[0]);
	for (size_t t = 1; t < nsh; t++) {
		if (started[t])
			pthread_join(th[t], NULL);
		else
			copy_share(&sh[t]);
	}
	for (size_t t = 0; t < nsh; t++) {
		l->nsyscalls += sh[t].nsyscalls;
		l->exited |= sh[t].exited;
	}
	for (size_t i = 0; i < l->nruns; i++) {
		struct run *r = &l->runs[i];

		mark_pages(r->st, r->first, r->n, r->ok);
		if (r->ok) {
			l->copied_bytes += r->n * l->page;
			if (stopped)
				l->reread_bytes += r->n * l->page;
		}
	}
	l->nruns = 0;
}

/*
 * A present page that is not the process's own may have changed without its
 * soft-dirty bit: after MADV_DONTNEED a read maps the shared zero page, whose
 * entry is never soft-dirty. Such pages (and page-cache pages not yet written)
 * are re-read.
 */
static bool shared(uint64_t e)
{
	return (e & PM_PRESENT) && !(e & PM_EXCLUSIVE);
}

enum pass {
	PASS_PRECOPY,  /* running: copy every page present */
	PASS_PREFAULT, /* running: only fault in the snapshot's pages for the present ones, so that
	                * the copy while stopped is a copy and not page faults of mapsize's own */
	PASS_RECOPY,   /* running, uffd-wp: copy again the pages written since they were copied,
	                * protecting them again first (PAGEMAP_SCAN, UFFDIO_WRITEPROTECT) */
	PASS_STOPPED,  /* stopped: copy the present pages not yet valid, or soft-dirty (every one
	                * without soft-dirty); a valid page now absent reads as zero */
};

/* How the writes since the precopy are found while stopped. */
enum track {
	TRACK_NONE,       /* not at all: every present page is read again */
	TRACK_SOFT_DIRTY, /* pagemap bit 55 */
	TRACK_UFFD,       /* PAGEMAP_SCAN: pages no longer write-protected (live_uffd.c) */
};

/* What one thread of a pass over the pieces [from, to) found to copy. */
struct scan {
	struct live_source *l;
	size_t from, to;
	enum pass pass;
	enum track track;
	bool nomem;
	struct run *runs;
	size_t nruns, cap;
	/* TRACK_UFFD: the piece being scanned, and its first page not yet seen */
	const struct piece *p;
	uint64_t next;
};

/* Add page pg of st to the runs to copy, joined to the last run if it follows it. */
static void want(struct scan *sc, struct store *st, uint64_t pg)
{
	struct run *last = sc->nruns ? &sc->runs[sc->nruns - 1] : NULL;

	if (last && last->st == st && last->first + last->n == pg &&
	    (last->n + 1) * sc->l->page <= BATCH_BYTES) {
		last->n++;
		return;
	}
	if (sc->nruns == sc->cap) {
		size_t cap = sc->cap ? 2 * sc->cap : 1024;
		struct run *n = realloc(sc->runs, cap * sizeof(*n));

		if (!n) {
			sc->nomem = true;
			return;
		}
		sc->runs = n;
		sc->cap = cap;
	}
	sc->runs[sc->nruns++] = (struct run){st, pg, 1, false};
}

/* A page known absent while stopped: it reads as zero. */
static void absent(const struct live_source *l, struct store *st, uint64_t pg)
{
	if (page_valid(st, pg))
		memset(st->data + pg * l->page, 0, l->page);
	mark_pages(st, pg, 1, true);
}

/* The pages of sc->p before page `to` (of its store) that PAGEMAP_SCAN did not name: present
 * and not written since the precopy, so only the ones it did not copy are copied. */
static void uffd_unnamed(struct scan *sc, uint64_t to)
{
	for (; sc->next < to; sc->next++)
		if (sc->pass == PASS_STOPPED && !page_valid(sc->p->st, sc->next))
			want(sc, sc->p->st, sc->next);
}

/* A run PAGEMAP_SCAN named: written (or the zero page): read again; absent: zero. */
static void uffd_named(void *arg, const struct ms_uffd_run *r)
{
	struct scan *sc = arg;
	const struct piece *p = sc->p;
	uint64_t lo = r->start > p->seg.vaddr ? r->start : p->seg.vaddr,
	         hi = r->end < p->seg.vaddr + p->seg.memsz ? r->end : p->seg.vaddr + p->seg.memsz;

	if (lo >= hi)
		return;
	uffd_unnamed(sc, (lo - p->st->vaddr) / sc->l->page);
	if (!r->present) {
		/* a run of zeros (the huge zero page can make it long): dropped from the
		 * snapshot's mapping rather than cleared page by page */
		uint64_t n = (hi - p->st->vaddr) / sc->l->page - sc->next;

		madvise(p->st->data + sc->next * sc->l->page, n * sc->l->page, MADV_DONTNEED);
		mark_pages(p->st, sc->next, n, true);
		sc->next += n;
		return;
	}
	for (; sc->next < (hi - p->st->vaddr) / sc->l->page; sc->next++)
		want(sc, p->st, sc->next);
}

/* One piece by pagemap entries; track says which present pages need no copy while stopped. */
static void scan_pagemap(struct scan *sc, const struct piece *p, uint64_t *pm, enum track track)
{
	struct live_source *l = sc->l;
	bool stopped = sc->pass == PASS_STOPPED;
	uint64_t npages = p->seg.memsz / l->page, base = (p->seg.vaddr - p->st->vaddr) / l->page;

	for (uint64_t at = 0; at < npages; at += PM_CHUNK) {
		uint64_t n = npages - at < PM_CHUNK ? npages - at : PM_CHUNK;
		off_t ofs = (off_t)((p->seg.vaddr / l->page + at) * sizeof(*pm));
		bool known = l->pagemap >= 0 && pread(l->pagemap, pm, n * sizeof(*pm), ofs) ==
		                                    (ssize_t)(n * sizeof(*pm));

		for (uint64_t j = 0; j < n; j++) {
			uint64_t e = known ? pm[j] : PM_PRESENT | PM_SOFTDIRTY, pg = base + at + j;
			bool valid = page_valid(p->st, pg);

			if ((e & (PM_PRESENT | PM_SWAPPED)) && sc->pass == PASS_PREFAULT) {
				((volatile uint8_t *)p->st->data)[pg * l->page] = 0;
			} else if (e & (PM_PRESENT | PM_SWAPPED)) {
				if (!stopped || !valid || track != TRACK_SOFT_DIRTY ||
				    l->all_dirty || (e & PM_SOFTDIRTY) || shared(e))
					want(sc, p->st, pg);
			} else if (stopped) {
				absent(l, p->st, pg);
			}
		}
	}
}

/* One thread's share of a pass: the pieces [from, to). */
static void *scan_pieces(void *arg)
{
	struct scan *sc = arg;
	struct live_source *l = sc->l;
	uint64_t *pm = malloc(PM_CHUNK * sizeof(*pm));

	if (!pm) {
		sc->nomem = true;
		return NULL;
	}
	for (size_t i = sc->from; i < sc->to && !sc->nomem; i++) {
		const struct piece *p = &l->pieces[i];
		size_t mark = sc->nruns;

		if (sc->pass == PASS_RECOPY ||
		    (sc->pass == PASS_STOPPED && sc->track == TRACK_UFFD && !l->all_dirty)) {
			sc->p = p;
			sc->next = (p->seg.vaddr - p->st->vaddr) / l->page;
			if (ms_uffd_scan(l->pagemap, sc->pass == PASS_RECOPY ? l->uffd : -1,
			                 p->seg.vaddr, p->seg.memsz, uffd_named, sc)) {
				uffd_unnamed(sc, (p->seg.vaddr + p->seg.memsz - p->st->vaddr) /
				                     l->page);
				continue;
			}
			sc->nruns = mark; /* the ioctl failed: every present page */
			if (sc->pass == PASS_RECOPY)
				continue; /* (read while stopped) */
		}
		scan_pagemap(sc, p, pm, sc->pass == PASS_STOPPED ? sc->track : TRACK_NONE);
	}
	free(pm);
	return NULL;
}

/*
 * One pass over the pieces; while the process is stopped, in one thread per
 * processor (at most MAX_COPIERS, one per 64 Ki pages), then the copy.
 */
static struct ms_error *copy_pass(struct live_source *l, enum pass pass, enum track track)
{
	struct scan sc[MAX_COPIERS] = {{0}};
	pthread_t th[MAX_COPIERS];
	bool started[MAX_COPIERS] = {false}, nomem = false;
	uint64_t total = 0, done = 0;
	size_t nsc, at = 0, nruns = 0;

	for (size_t i = 0; i < l->npieces; i++)
		total += l->pieces[i].seg.memsz / l->page;
	nsc = pass == PASS_STOPPED ? threads_for(total, 64u << 10) : 1;
	for (size_t t = 0; t < nsc; t++) {
		uint64_t share = total * (t + 1) / nsc;
		size_t from = at;

		while (at < l->npieces && (t == nsc - 1 || done < share))
			done += l->pieces[at++].seg.memsz / l->page;
		sc[t] = (struct scan){l, from, at, pass, track, false, NULL, 0, 0, NULL, 0};
		if (t > 0)
			started[t] = pthread_create(&th[t], NULL, scan_pieces, &sc[t]) == 0;
	}
	scan_pieces(&sc[0]);
	for (size_t t = 0; t < nsc; t++) {
		if (t > 0 && started[t])
			pthread_join(th[t], NULL);
		else if (t > 0)
			scan_pieces(&sc[t]);
		nomem |= sc[t].nomem;
		nruns += sc[t].nruns;
	}
	/* the runs in address order, as the pieces are */
	if (!nomem && nruns > l->cap_runs) {
		struct run *n = realloc(l->runs, nruns * sizeof(*n));

		nomem = !n;
		if (n) {
			l->runs = n;
			l->cap_runs = nruns;
		}
	}
	l->nruns = 0;
	for (size_t t = 0; t < nsc; t++) {
		if (!nomem && sc[t].nruns)
			memcpy(l->runs + l->nruns, sc[t].runs, sc[t].nruns * sizeof(*sc[t].runs));
		l->nruns += nomem ? 0 : sc[t].nruns;
		free(sc[t].runs);
	}
	if (!nomem)
		copy_runs(l, pass == PASS_STOPPED);
	l->nruns = 0;
	return nomem ? &ms_error_nomem : NULL;
}

/* Does this kernel keep soft-dirty bits? Tried on a page of mapsize's own. */
static bool soft_dirty_works(void)
{
	long page = sysconf(_SC_PAGESIZE);
	volatile uint8_t *m =
	    mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	uint64_t before = 0, after = 0;
	off_t ofs = (off_t)((uintptr_t)m / (uint64_t)page * 8);
	bool ok = false;

	if (m != MAP_FAILED && fd >= 0) {
		m[0] = 1;
		if (write_clear_refs("/proc/self/clear_refs") && pread(fd, &before, 8, ofs) == 8) {
			m[0] = 2;
			ok = pread(fd, &after, 8, ofs) == 8 && !(before & PM_SOFTDIRTY) &&
			     (after & PM_SOFTDIRTY);
		}
	}
	if (fd >= 0)
		close(fd);
	if (m != MAP_FAILED)
		munmap((void *)m, (size_t)page);
	return ok;
}

static bool live_has(struct ms_source *src, uint64_t addr, uint64_t len)
{
	struct live_source *l = live_of(src);

	while (len) {
		const struct ms_segment *s = range_of(l, addr);
		const struct piece *p = l->snap ? piece_of(l, addr) : NULL;
		uint64_t n;

		if (p) {
			n = p->seg.memsz - (addr - p->seg.vaddr);
			if (!piece_valid(l, p, addr, n < len ? n : len))
				return false;
			if (n >= len)
				return true;
			addr += n;
			len -= n;
			continue;
		}
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
	if (n < 0 && errno == ESRCH && !l->snap) /* a snapshot stays true */
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
	if (got < 0 && errno == ESRCH && !l->snap)
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
		const struct piece *p = l->snap ? piece_of(l, addr) : NULL;
		const uint8_t *b;

		if (p) {
			n = p->seg.memsz - (addr - p->seg.vaddr);
			if (n > len)
				n = len;
			if (!piece_valid(l, p, addr, n))
				goto fault;
			memcpy(out, p->st->data + (addr - p->st->vaddr), n);
			out += n;
			addr += n;
			len -= n;
			continue;
		}
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
	/* a read-only segment of a process that exited after its snapshot: from the executable */
	if (l->snap && !piece_of(l, addr) && src->fallback &&
	    ms_source_has(src->fallback, addr, len))
		return src->fallback->ops->read(src->fallback, addr, out, len);
	if (l->snap)
		return ms_error_create(MS_ERR_FAULT, "pid %d: address 0x%llx is not mapped", l->pid,
		                       (unsigned long long)addr);
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
	uffd_end(l);
	free_snapshot(l);
	for (size_t i = 0; i < CACHE_BLOCKS; i++)
		free(l->cache[i].data);
	free(l->tids);
	free(l->regs);
	free(l->ranges);
	free(l->base.path);
	free(l);
}

void ms_ptrace_facts_read(int pid, struct ms_ptrace_facts *f, char *user_buf, size_t user_size)
{
	char path[64], line[256];
	FILE *in;

	*f = (struct ms_ptrace_facts){
	    .pid = pid, .yama_scope = -1, .target_uid = -1, .my_uid = (long)geteuid()};
	if ((in = fopen("/proc/sys/kernel/yama/ptrace_scope", "re"))) {
		if (fscanf(in, "%d", &f->yama_scope) != 1)
			f->yama_scope = -1;
		fclose(in);
	}
	/* CapEff: bit 19 is CAP_SYS_PTRACE */
	if ((in = fopen("/proc/self/status", "re"))) {
		unsigned long long caps;

		while (fgets(line, sizeof(line), in))
			if (sscanf(line, "CapEff: %llx", &caps) == 1)
				f->cap_sys_ptrace = (caps >> 19) & 1;
		fclose(in);
	}
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((in = fopen(path, "re"))) {
		while (fgets(line, sizeof(line), in)) {
			long uid;

			if (sscanf(line, "Uid: %ld", &uid) == 1)
				f->target_uid = uid;
			else
				sscanf(line, "TracerPid: %d", &f->tracer);
		}
		fclose(in);
	}
	if (f->target_uid >= 0 && user_size) {
		struct passwd pw, *res = NULL;
		char pwbuf[1024];

		if (getpwuid_r((uid_t)f->target_uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res) {
			snprintf(user_buf, user_size, "%s", pw.pw_name);
			f->target_user = user_buf;
		}
	}
}

void ms_ptrace_denied_message(const struct ms_ptrace_facts *f, char *buf, size_t size)
{
	char who[128];
	int n = snprintf(buf, size, "attach to %d: ptrace not permitted (", f->pid);
	size_t at = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size;

	if (f->target_user)
		snprintf(who, sizeof(who), "user %s (uid %ld)", f->target_user, f->target_uid);
	else
		snprintf(who, sizeof(who), "uid %ld", f->target_uid);
	if (f->tracer > 0)
		snprintf(buf + at, size - at,
		         "it is traced already, by pid %d: a debugger or another mapsize; detach "
		         "it first)",
		         f->tracer);
	else if (f->target_uid >= 0 && f->target_uid != f->my_uid && !f->cap_sys_ptrace)
		snprintf(buf + at, size - at,
		         "the process belongs to %s and mapsize runs as uid %ld: run as that user, "
		         "as root, or with CAP_SYS_PTRACE)",
		         who, f->my_uid);
	else if (f->yama_scope == 1 && !f->cap_sys_ptrace)
		snprintf(buf + at, size - at,
		         "kernel.yama.ptrace_scope=1: only a parent may trace; run as root, with "
		         "CAP_SYS_PTRACE, or set ptrace_scope to 0)");
	else if (f->yama_scope == 2 && !f->cap_sys_ptrace)
		snprintf(
		    buf + at, size - at,
		    "kernel.yama.ptrace_scope=2: only with CAP_SYS_PTRACE; run as root or with "
		    "CAP_SYS_PTRACE)");
	else if (f->yama_scope >= 3)
		snprintf(buf + at, size - at,
		         "kernel.yama.ptrace_scope=%d: ptrace is disabled until the next boot)",
		         f->yama_scope);
	else if (f->cap_sys_ptrace)
		snprintf(
		    buf + at, size - at,
		    "though mapsize has CAP_SYS_PTRACE: a security module (SELinux, AppArmor), "
		    "a seccomp profile or a container forbids it)");
	else
		snprintf(buf + at, size - at,
		         "the process is not dumpable (setuid, or PR_SET_DUMPABLE 0) or a security "
		         "module forbids it; run as root or with CAP_SYS_PTRACE)");
}

struct ms_error *ms_source_live_denied(int pid)
{
	struct ms_ptrace_facts f;
	char user[64], msg[512];

	ms_ptrace_facts_read(pid, &f, user, sizeof(user));
	ms_ptrace_denied_message(&f, msg, sizeof(msg));
	return ms_error_create(MS_ERR_TARGET, "%s", msg);
}

/* Each stopped thread's registers (PTRACE_GETREGS) into l->regs; none but on x86-64. */
static void save_registers(struct live_source *l)
{
	free(l->regs);
	l->regs = calloc(l->ntids ? l->ntids : 1, sizeof(*l->regs));
	l->nregs = 0;
	for (size_t i = 0; l->regs && i < l->ntids; i++) {
#if defined(__x86_64__)
		struct user_regs_struct regs;

		l->nsyscalls++;
		if (ptrace(PTRACE_GETREGS, l->tids[i], NULL, &regs) != 0)
			continue;
		l->regs[l->nregs++] = (struct ms_thread){
		    .tid = l->tids[i], .pc = regs.rip, .sp = regs.rsp, .bp = regs.rbp};
#endif
	}
}

/* The threads' registers as they were when the process was stopped (a snapshot keeps
 * them after it resumed); none without a stop. */
static void live_threads(struct ms_source *src, bool (*fn)(void *arg, const struct ms_thread *th),
                         void *arg)
{
	struct live_source *l = live_of(src);

	if (l && l->stopped && !l->snap)
		save_registers(l);
	for (size_t i = 0; l && l->regs && i < l->nregs; i++)
		if (!fn(arg, &l->regs[i]))
			break;
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
	if (!f && (errno == EACCES || errno == EPERM))
		return ms_source_live_denied(l->pid);
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
		l->ranges[l->nranges++] = (struct ms_segment){lo, hi - lo, hi - lo, 0,
		                                              PF_R | (perms[1] == 'w' ? PF_W : 0)};
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

/* How long a thread may take to stop after PTRACE_INTERRUPT (it stops at once
 * unless the kernel cannot deliver the stop: uninterruptible sleep). */
#define STOP_WAIT_NS (30ull * 1000000000)

/* Seize and interrupt one thread (interrupted: false if it ended meanwhile). */
static struct ms_error *interrupt_thread(struct live_source *l, pid_t tid, bool *interrupted)
{
	*interrupted = false;
	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0) {
		if (errno == ESRCH)
			return NULL; /* the thread ended meanwhile */
		if (errno == EPERM)
			return ms_source_live_denied(l->pid);
		return ms_error_create(MS_ERR_TARGET, "cannot attach to pid %d (thread %d): %s",
		                       l->pid, tid, strerror(errno));
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
	*interrupted = true;
	return NULL;
}

/* Wait until an interrupted thread has stopped. */
static struct ms_error *wait_thread(struct live_source *l, pid_t tid)
{
	int status;

	for (uint64_t start = now_ns(), polls = 0;; polls++) {
		pid_t r = waitpid(tid, &status, __WALL | WNOHANG);

		/* a process killed meanwhile: its leader's end is not reported before its other
		 * threads (ours to reap, later) have gone */
		if (r == 0 && polls % 16 == 15 && process_gone(l->pid)) {
			l->exited = true;
			return NULL;
		}
		if (r == 0) {
			/* not stopped yet: a thread in uninterruptible sleep (a D-state
			 * read of a hung file system) may never stop; an error then, and
			 * resume() lets the others go, rather than a hang */
			struct timespec ts = {0, 50000};

			if (now_ns() - start > STOP_WAIT_NS)
				return ms_error_create(
				    MS_ERR_TARGET, "pid %d: thread %d did not stop within %d s",
				    l->pid, tid, (int)(STOP_WAIT_NS / 1000000000));
			nanosleep(&ts, NULL);
			continue;
		}
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

/* Seize and interrupt one thread and wait until it has stopped. */
static struct ms_error *stop_thread(struct live_source *l, pid_t tid)
{
	bool interrupted;
	struct ms_error *err = interrupt_thread(l, tid, &interrupted);

	return err || !interrupted ? err : wait_thread(l, tid);
}

/* Stop every thread, again until no new one appeared while we were at it: all the threads
 * found are interrupted first, then waited for, so that they stop together. */
static struct ms_error *stop_all(struct live_source *l)
{
	char path[64];
	bool found_new = true;

	snprintf(path, sizeof(path), "/proc/%d/task", l->pid);
	for (int round = 0; found_new && round < 100; round++) {
		DIR *d = opendir(path);
		struct dirent *e;
		size_t first = l->ntids;
		struct ms_error *err = NULL;

		if (!d)
			return ms_error_create(MS_ERR_TARGET, "pid %d: no such process", l->pid);
		found_new = false;
		while (!err && (e = readdir(d)) != NULL) {
			pid_t tid = (pid_t)atoi(e->d_name);
			bool interrupted;

			if (tid <= 0 || seized(l, tid))
				continue;
			found_new = true;
			err = interrupt_thread(l, tid, &interrupted);
		}
		closedir(d);
		for (size_t i = first; !err && i < l->ntids; i++)
			err = wait_thread(l, l->tids[i]);
		if (err)
			return err;
	}
	if (l->exited)
		return ms_error_create(MS_ERR_TARGET, "pid %d exited while being stopped", l->pid);
	return NULL;
}

/* Stop every thread, holding back SIGINT, SIGTERM and SIGHUP until resume(). */
static struct ms_error *stop(struct live_source *l)
{
	struct ms_error *err;

	hold_signals(l);
	l->stop_start_ns = now_ns();
	l->stopped = true;
	err = stop_all(l);
	if (err)
		return err;
	/* mappings can change until the last thread stopped: read them again */
	l->nranges = 0;
	err = load_ranges(l);
	if (!err && (l->nranges == 0 || process_gone(l->pid)))
		err = ms_error_create(MS_ERR_TARGET, "pid %d exited while being stopped", l->pid);
	return err;
}

/* Hold back SIGINT, SIGTERM and SIGHUP until resume(). */
static void hold_signals(struct live_source *l)
{
	sigset_t hold;

	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	sigprocmask(SIG_BLOCK, &hold, &l->old_mask);
	l->signals_held = true;
}

/* Undo the write-protection and the registration, and close the userfaultfd. */
static void uffd_end(struct live_source *l)
{
	for (size_t i = 0; l->uffd >= 0 && i < l->nwp; i++)
		ms_uffd_release(l->uffd, l->wp[i].vaddr, l->wp[i].memsz);
	if (l->uffd >= 0)
		close(l->uffd);
	l->uffd = -1;
	free(l->wp);
	l->wp = NULL;
	l->nwp = 0;
}

/*
 * Get a userfaultfd of the process (its main thread stopped only for the two system calls
 * injected: live_uffd.c) and write-protect its writable ranges with it; false (and
 * l->uffd_why) if any step fails, the process as it was.
 */
static bool uffd_begin(struct live_source *l)
{
	struct ms_error *err;
	int sig = 0;

	if (l->pagemap < 0) {
		snprintf(l->uffd_why, sizeof(l->uffd_why), "/proc/%d/pagemap cannot be read",
		         l->pid);
		return false;
	}
	hold_signals(l);
	err = stop_thread(l, l->pid);
	if (!err && l->ntids == 1 && !l->exited)
		l->uffd =
		    ms_uffd_inject(l->pid, l->tids[0], &sig, l->uffd_why, sizeof(l->uffd_why));
	else if (!l->uffd_why[0])
		snprintf(l->uffd_why, sizeof(l->uffd_why), "%s",
		         err ? ms_error_message(err) : "the main thread could not be stopped");
	ms_error_destroy(err);
	if (l->ntids == 1)
		ptrace(PTRACE_DETACH, l->tids[0], NULL, (void *)(uintptr_t)sig);
	l->ntids = 0;
	resume(l);
	if (l->uffd < 0 || !ms_uffd_api(l->uffd, l->uffd_why, sizeof(l->uffd_why))) {
		uffd_end(l);
		return false;
	}
	l->wp = calloc(l->nranges ? l->nranges : 1, sizeof(*l->wp));
	for (size_t i = 0; l->wp && i < l->nranges; i++)
		if ((l->ranges[i].flags & PF_W) &&
		    ms_uffd_protect(l->uffd, l->ranges[i].vaddr, l->ranges[i].memsz))
			l->wp[l->nwp++] = l->ranges[i];

	if (!l->nwp) {
		snprintf(l->uffd_why, sizeof(l->uffd_why),
		         "the kernel refused to write-protect every writable range");
		uffd_end(l);
		return false;
	}
	return true;
}

/* Copy the writable memory into the snapshot, stopping the process as the method says. */
static struct ms_error *take_snapshot(struct live_source *l)
{
	char path[64];
	struct ms_error *err;
	enum track track = TRACK_NONE;
	const char *knob = getenv("MAPSIZE_TEST_ALL_DIRTY");

	l->page = (uint64_t)sysconf(_SC_PAGESIZE);
	l->all_dirty = knob && strcmp(knob, "1") == 0;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", l->pid);
	l->pagemap = open(path, O_RDONLY | O_CLOEXEC);
	if (l->method == MS_LIVE_PRECOPY || l->method == MS_LIVE_SOFT_DIRTY) {
		snprintf(path, sizeof(path), "/proc/%d/clear_refs", l->pid);
		if (l->pagemap >= 0 && (l->all_dirty || soft_dirty_works()) &&
		    write_clear_refs(path))
			track = TRACK_SOFT_DIRTY;
	}
	if (track == TRACK_NONE && (l->method == MS_LIVE_PRECOPY || l->method == MS_LIVE_UFFD_WP) &&
	    uffd_begin(l))
		track = TRACK_UFFD;
	l->method = track == TRACK_SOFT_DIRTY ? MS_LIVE_SOFT_DIRTY
	            : track == TRACK_UFFD     ? MS_LIVE_UFFD_WP
	                                      : MS_LIVE_STOP_COPY;
	err = rebuild_pieces(l);
	if (err)
		return err;
	err = copy_pass(l, track != TRACK_NONE ? PASS_PRECOPY : PASS_PREFAULT, track);
	/* uffd-wp: the pages written during the copy, copied again while it runs (protected
	 * again first), until a round copies little */
	for (unsigned round = 0;
	     !err && track == TRACK_UFFD && !l->all_dirty && round < RECOPY_ROUNDS; round++) {
		uint64_t before = l->copied_bytes;

		err = copy_pass(l, PASS_RECOPY, track);
		if (l->copied_bytes - before < RECOPY_ENOUGH)
			break;
	}
	if (err)
		return err;
	if (l->exited)
		return ms_error_create(MS_ERR_TARGET, "pid %d exited during the read", l->pid);
	err = stop(l);
	if (!err)
		save_registers(l);
	if (!err)
		err = rebuild_pieces(l);
	if (!err)
		err = copy_pass(l, PASS_STOPPED, track);
	resume(l);
	uffd_end(l);
	if (!err && (l->exited || process_gone(l->pid)))
		err = ms_error_create(MS_ERR_TARGET, "pid %d exited during the read", l->pid);
	l->snap = true;
	return err;
}

struct ms_error *ms_source_live_create(int pid, enum ms_live_method method, struct ms_source **ret)
{
	struct live_source *l = calloc(1, sizeof(*l));
	char name[32];
	struct ms_error *err;

	if (!l)
		return &ms_error_nomem;
	l->pagemap = -1;
	l->uffd = -1;
	l->method = method;
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
		err = pid > 0 && errno == EPERM
		          ? ms_source_live_denied(pid)
		          : ms_error_create(MS_ERR_TARGET, "pid %d: no such process", pid);
		goto out;
	}
	err = load_ranges(l);
	if (!err && method != MS_LIVE_NO_STOP)
		err = take_snapshot(l);
	if (err)
		goto out;
	if (method == MS_LIVE_NO_STOP && l->nranges) {
		/* without ptrace's stop, the first read is where a refusal shows */
		uint8_t byte;
		struct iovec local = {&byte, 1},
		             remote = {(void *)(uintptr_t)l->ranges[0].vaddr, 1};

		if (process_vm_readv(pid, &local, 1, &remote, 1, 0) < 0 && errno == EPERM) {
			err = ms_source_live_denied(pid);
			goto out;
		}
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

	if (l && l->snap) /* what the snapshot holds stays true after the process */
		return l->exited;
	return l && (l->exited || process_gone(l->pid) || no_mappings(l->pid));
}

const char *ms_source_live_method(struct ms_source *src)
{
	static const char *const names[] = {
	    [MS_LIVE_NO_STOP] = "no-stop",
	    [MS_LIVE_STOP_COPY] = "stop and copy",
	    [MS_LIVE_PRECOPY] = "precopy", /* never left after the snapshot */
	    [MS_LIVE_SOFT_DIRTY] = "soft-dirty precopy",
	    [MS_LIVE_UFFD_WP] = "uffd-wp precopy",
	};
	struct live_source *l = live_of(src);

	return l ? names[l->method] : NULL;
}

void ms_source_live_copied(struct ms_source *src, uint64_t *copied, uint64_t *reread)
{
	struct live_source *l = live_of(src);

	*copied = l ? l->copied_bytes : 0;
	*reread = l ? l->reread_bytes : 0;
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

uint64_t ms_live_auxv_entry(int pid, unsigned ptr_bytes)
{
	char path[64];
	uint8_t buf[4096];
	uint64_t entry = 0;
	ssize_t n;
	int fd;

	if (ptr_bytes != 4 && ptr_bytes != 8)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/auxv", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	/* (type, value) pairs of native words, to AT_NULL; this host's byte order */
	for (ssize_t i = 0; n > 0 && i + 2 * (ssize_t)ptr_bytes <= n; i += 2 * ptr_bytes) {
		uint64_t type = 0, val = 0;

		memcpy(&type, buf + i, ptr_bytes);
		memcpy(&val, buf + i + ptr_bytes, ptr_bytes);
		if (type == AT_NULL)
			break;
		if (type == AT_ENTRY)
			entry = val;
	}
	return entry;
}
