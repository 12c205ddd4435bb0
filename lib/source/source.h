/* SPDX-License-Identifier: MIT */
/*
 * Memory sources: where the bytes of a Go process come from (an ELF core, a
 * live process, a recorded layout). Walkers and root finders read through
 * this interface only and never know which one they have.
 */
#ifndef MS_SOURCE_H
#define MS_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mapsize.h"

struct ms_source;

/* One thread's registers where it stopped (amd64: rip, rsp, rbp; 386: eip, esp, ebp). */
struct ms_thread {
	int tid;
	uint64_t pc, sp, bp;
};

struct ms_source_ops {
	const char *name; /* "core", "exe", "live", "layout" */
	/* Read len bytes at addr. MS_ERR_FAULT (naming addr) if any byte is absent. Required. */
	struct ms_error *(*read)(struct ms_source *src, uint64_t addr, void *buf, size_t len);
	/* Is [addr, addr+len) entirely readable? Required. */
	bool (*has)(struct ms_source *src, uint64_t addr, uint64_t len);
	/* Free everything; "live" detaches, leaving the process as it was. Required. */
	void (*destroy)(struct ms_source *src);
	/* Call fn for each thread with its registers, until fn returns false: a core's
	 * NT_PRSTATUS notes, a stopped process's threads (PTRACE_GETREGS). Optional:
	 * NULL where the source has no threads (an executable, a layout). */
	void (*threads)(struct ms_source *src, bool (*fn)(void *arg, const struct ms_thread *th),
	                void *arg);
	/* The len bytes at addr in place, without a copy, or NULL where they are not all in
	 * one run of memory the source holds mapped (the caller then reads them). The
	 * pointer stays valid until the source is destroyed. Optional: NULL where a source
	 * has no memory of its own to point into. */
	const uint8_t *(*view)(struct ms_source *src, uint64_t addr, size_t len);
};

struct ms_source {
	const struct ms_source_ops *ops;
	char *path;         /* owned: "core.4242", "pid 4242", "app.msl" */
	unsigned ptr_bytes; /* 8 or 4 */
	bool big_endian;
	/* Read-only fallback for addresses this source lacks (the executable's
	 * segments behind a core that left them out). Borrowed; may be NULL. */
	struct ms_source *fallback;
	uint64_t nreads, nread_bytes; /* statistics */
};

MS_MUST_CHECK static inline struct ms_error *ms_source_read(struct ms_source *src, uint64_t addr,
                                                            void *buf, size_t len)
{
	src->nreads++;
	src->nread_bytes += len;
	return src->ops->read(src, addr, buf, len);
}

/* The len bytes at addr in place (see ms_source_ops.view), or NULL: then read them. */
static inline const uint8_t *ms_source_view(struct ms_source *src, uint64_t addr, size_t len)
{
	const uint8_t *p = src->ops->view ? src->ops->view(src, addr, len) : NULL;

	if (p) {
		src->nreads++;
		src->nread_bytes += len;
	}
	return p;
}

static inline bool ms_source_has(struct ms_source *src, uint64_t addr, uint64_t len)
{
	return src->ops->has(src, addr, len);
}

/* Decode an unsigned integer of n bytes (1, 2, 4, 8) in the source's byte order. */
static inline uint64_t ms_source_decode(const struct ms_source *src, const void *p, unsigned n)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)b[src->big_endian ? n - 1 - i : i] << (8 * i);
	return v;
}

/* Read an unsigned integer of n bytes at addr. */
MS_MUST_CHECK static inline struct ms_error *
ms_source_read_uint(struct ms_source *src, uint64_t addr, unsigned n, uint64_t *ret)
{
	uint8_t buf[8];
	struct ms_error *err = ms_source_read(src, addr, buf, n);

	if (!err)
		*ret = ms_source_decode(src, buf, n);
	return err;
}

MS_MUST_CHECK static inline struct ms_error *ms_source_read_ptr(struct ms_source *src,
                                                                uint64_t addr, uint64_t *ret)
{
	return ms_source_read_uint(src, addr, src->ptr_bytes, ret);
}

/*
 * The same for callers to whom memory that cannot be read is only a "no"
 * (probing for structures): true if read, the error dropped.
 */
static inline bool ms_source_try_read(struct ms_source *src, uint64_t addr, void *buf, size_t len)
{
	struct ms_error *err = ms_source_read(src, addr, buf, len);

	ms_error_destroy(err);
	return err == NULL;
}

static inline bool ms_source_try_uint(struct ms_source *src, uint64_t addr, unsigned n,
                                      uint64_t *ret)
{
	struct ms_error *err = ms_source_read_uint(src, addr, n, ret);

	ms_error_destroy(err);
	return err == NULL;
}

static inline bool ms_source_try_ptr(struct ms_source *src, uint64_t addr, uint64_t *ret)
{
	return ms_source_try_uint(src, addr, src->ptr_bytes, ret);
}

/* The threads of src with their registers (see ms_source_ops.threads); false if it has none. */
static inline bool ms_source_threads(struct ms_source *src,
                                     bool (*fn)(void *arg, const struct ms_thread *th), void *arg)
{
	if (!src->ops->threads)
		return false;
	src->ops->threads(src, fn, arg);
	return true;
}

/* Free src (NULL does nothing). */
void ms_source_destroy(struct ms_source *src);

/* One loaded segment of an ELF file: [vaddr, vaddr+memsz), file bytes for the first filesz. */
struct ms_segment {
	uint64_t vaddr, memsz, filesz, offset;
	uint32_t flags; /* PF_R, PF_W, PF_X */
};

/*
 * An ELF core (ET_CORE). Segments are mapped lazily (mmap); the file is never
 * read whole. MS_ERR_IO if it cannot be opened, MS_ERR_FORMAT (naming path)
 * if it is not a core or is truncated beyond its program headers. A segment
 * whose bytes lie past the end of a truncated file is kept only up to the
 * end; reads beyond give MS_ERR_FAULT. Owned.
 */
MS_MUST_CHECK struct ms_error *ms_source_core_create(const char *path, struct ms_source **ret);

/* What a core says about the process, borrowed from the core source. */
struct ms_core_info {
	int pid;              /* from NT_PRSTATUS, 0 if none */
	unsigned nthreads;    /* NT_PRSTATUS notes */
	uint16_t e_machine;   /* EM_X86_64, EM_386, ... */
	bool truncated;       /* the file is shorter than its segments claim */
	uint64_t auxv_entry;  /* AT_ENTRY, 0 if no auxv */
	uint64_t auxv_phdr;   /* AT_PHDR */
	size_t nfiles;        /* NT_FILE mappings */
	struct ms_core_file { /* borrowed strings */
		uint64_t start, end, file_ofs;
		const char *name;
	} * files;
	size_t nsegments;
	const struct ms_segment *segments; /* sorted by vaddr */
	uint64_t file_bytes;
};
const struct ms_core_info *ms_source_core_info(struct ms_source *src);

/* How a running process is read (see source_live.c). */
enum ms_live_method {
	MS_LIVE_NO_STOP,    /* read on demand while it runs */
	MS_LIVE_STOP_COPY,  /* stop, copy the writable memory, resume */
	MS_LIVE_PRECOPY,    /* copy while it runs, stop to re-read the pages written: the
	                     * first of MS_LIVE_SOFT_DIRTY, MS_LIVE_UFFD_WP, MS_LIVE_STOP_COPY
	                     * that works */
	MS_LIVE_SOFT_DIRTY, /* precopy, writes found by soft-dirty bits (else stop and copy) */
	MS_LIVE_UFFD_WP,    /* precopy, writes found by userfaultfd write-protect (else stop
	                     * and copy) */
};

/*
 * A running process (man ptrace(2), process_vm_readv(2)). Other than with
 * MS_LIVE_NO_STOP, its writable memory is copied into a snapshot before this
 * returns, every thread stopped (PTRACE_SEIZE + PTRACE_INTERRUPT) only for as
 * long as the method needs and always resumed, also on error; reads then
 * come from the snapshot. MS_ERR_TARGET if a thread cannot be stopped or the
 * process exits before the snapshot is whole. Nothing is ever written to the
 * process's memory (MS_LIVE_SOFT_DIRTY resets its soft-dirty bits; MS_LIVE_UFFD_WP
 * makes its main thread create a userfaultfd and write-protects its writable
 * mappings with it until the snapshot is whole: source_live.c). Owned.
 */
MS_MUST_CHECK struct ms_error *ms_source_live_create(int pid, enum ms_live_method method,
                                                     struct ms_source **ret);
/* The method that ran: "no-stop", "stop and copy", "soft-dirty precopy", "uffd-wp precopy". */
const char *ms_source_live_method(struct ms_source *src);
/* Bytes copied into the snapshot, and of those the ones copied while the process was stopped. */
void ms_source_live_copied(struct ms_source *src, uint64_t *copied, uint64_t *reread);
/*
 * Why ptrace (or /proc/PID/mem, process_vm_readv) is refused: the facts from
 * /proc, and the one-line message they give, e.g. "attach to 1: ptrace not
 * permitted (kernel.yama.ptrace_scope=1: only a parent may trace; run as root,
 * with CAP_SYS_PTRACE, or set ptrace_scope to 0)".
 */
struct ms_ptrace_facts {
	int pid;
	int yama_scope;          /* /proc/sys/kernel/yama/ptrace_scope, -1 without Yama */
	long target_uid;         /* the process's real uid, -1 if unknown */
	long my_uid;             /* mapsize's effective uid */
	const char *target_user; /* the target's user name, NULL if unknown */
	bool cap_sys_ptrace;     /* mapsize has CAP_SYS_PTRACE (effective) */
	int tracer;              /* TracerPid of the process, 0 if none */
};
void ms_ptrace_facts_read(int pid, struct ms_ptrace_facts *f, char *user_buf, size_t user_size);
void ms_ptrace_denied_message(const struct ms_ptrace_facts *f, char *buf, size_t size);
/* MS_ERR_TARGET with that message for pid. */
MS_MUST_CHECK struct ms_error *ms_source_live_denied(int pid);

/* AT_ENTRY of process pid (/proc/PID/auxv, words of ptr_bytes): where its executable's
 * entry point is loaded; 0 if it cannot be read. */
uint64_t ms_live_auxv_entry(int pid, unsigned ptr_bytes);

/* Let the process run again (idempotent). */
void ms_source_live_resume(struct ms_source *src);
/* Did the process exit (or die) while we read it? */
bool ms_source_live_exited(struct ms_source *src);
/* How long the process was stopped, once resumed. */
uint64_t ms_source_live_pause_ns(struct ms_source *src);
uint64_t ms_source_live_syscalls(struct ms_source *src);

/*
 * The loadable segments of an executable as a read-only memory source
 * (.rodata, .go.type, .data as initialised). Owned; the ELF stays open.
 */
MS_MUST_CHECK struct ms_error *ms_source_exe_create(const char *path, struct ms_source **ret);

#endif
