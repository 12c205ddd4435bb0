/* SPDX-License-Identifier: MIT */
/*
 * An ELF core file as a memory source. libelf reads the program headers and
 * notes; segment bytes come from one read-only mmap of the file, so nothing
 * is read before it is asked for and a core of many GB costs only address
 * space. Pages read are dropped from our resident set once RESIDENT_BYTES of
 * distinct 64 KiB windows have been mapped in (they stay in the page cache),
 * so memory stays bounded however big the core is, and a window read again
 * before that costs nothing more. A walk that keeps coming back to windows it
 * dropped (the maps of a server's objects, read in the order the objects lead
 * to them, not by address) doubles that bound, up to RESIDENT_MAX_BYTES: each
 * fault in again costs a page fault and, at the next drop, an unmapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"

#define NT_FILE_TYPE   0x46494c45u /* "FILE" */
#define MAX_SEGMENTS   (1u << 20)
#define MAX_FILES      (1u << 20)
#define RESIDENT_BYTES (16u << 20) /* counted exactly: about what 32 MiB estimated kept */
#define MAX_THREADS    (1u << 20)

/* 300,000 maps of a 217 MB core: 4.6 times fewer page faults than 16 MiB, 49 MB more RSS */
#define RESIDENT_MAX_BYTES (64u << 20)

struct core_source {
	struct ms_source base;
	int fd;
	const uint8_t *map;
	size_t map_bytes;
	struct ms_segment *segments;
	struct ms_core_info info;
	char *file_names;          /* owned copy of the NT_FILE strings */
	struct ms_thread *threads; /* NT_PRSTATUS registers (amd64, 386) */
	size_t nthreads, cap_threads;
	size_t last;        /* index of the last segment hit */
	uint64_t touched;   /* bytes mapped in since the pages were last dropped (estimated) */
	uint64_t window;    /* the 64 KiB window of the mapping read last, plus one */
	uint64_t *resident; /* bitmap of the windows mapped in since the last drop */
	size_t nresident;   /* words in it, and in seen */

	/* bitmap of the windows ever mapped in; bytes of those mapped in again since the last
	 * drop; the bound on touched: RESIDENT_BYTES, doubled by a walk that comes back */
	uint64_t *seen;
	uint64_t again, resident_bytes;
};

static const struct ms_source_ops core_ops;

static struct core_source *core_of(struct ms_source *src)
{
	return src && src->ops == &core_ops ? (struct core_source *)src : NULL;
}

/* The segment holding addr, or NULL. Segments are sorted and do not overlap. */
static const struct ms_segment *find_segment(struct core_source *c, uint64_t addr)
{
	size_t lo = 0, hi = c->info.nsegments;

	if (c->last < hi) {
		const struct ms_segment *s = &c->segments[c->last];
		if (addr >= s->vaddr && addr - s->vaddr < s->memsz)
			return s;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ms_segment *s = &c->segments[mid];

		if (addr < s->vaddr)
			hi = mid;
		else if (addr - s->vaddr >= s->memsz)
			lo = mid + 1;
		else {
			c->last = mid;
			return s;
		}
	}
	return NULL;
}

/* How many bytes at addr this core has (0 if none), up to want. */
static uint64_t core_span(struct core_source *c, uint64_t addr, uint64_t want,
                          const uint8_t **ret_ptr)
{
	const struct ms_segment *s = find_segment(c, addr);
	uint64_t in, avail;

	if (!s)
		return 0;
	in = addr - s->vaddr;
	if (in >= s->filesz)
		return 0; /* not dumped (or cut off by truncation) */
	avail = s->filesz - in;
	*ret_ptr = c->map + s->offset + in;
	return avail < want ? avail : want;
}

/*
 * Count what reading [p, p+n) maps in: a page fault maps in up to 64 KiB
 * around it (fault-around), so a window costs that much however few bytes are
 * read from it, once until the pages are dropped.
 */
static void count_windows(struct core_source *c, const uint8_t *p, uint64_t n)
{
	uint64_t base = (uintptr_t)c->map >> 16;
	uint64_t first = ((uintptr_t)p >> 16) - base, last = ((uintptr_t)(p + n - 1) >> 16) - base;

	if (first == last && first == c->window - 1)
		return; /* the window read last: the common case */
	for (uint64_t w = first; w <= last; w++) {
		uint64_t bit = 1ull << (w & 63);

		if (w / 64 >= c->nresident) {
			c->touched += 65536; /* beyond the bitmap (cannot be): counted anyway */
			continue;
		}
		if (!(c->resident[w / 64] & bit)) {
			c->resident[w / 64] |= bit;
			c->touched += 65536;
			if (c->seen[w / 64] & bit)
				c->again += 65536;
			c->seen[w / 64] |= bit;
		}
	}
	c->window = last + 1;
}

/* Drop the pages read so far from our resident set: read-only and file-backed, they come
 * back from the page cache if read again. */
static void drop_pages(struct core_source *c)
{
	madvise((void *)c->map, c->map_bytes, MADV_DONTNEED);
	/* most of what was mapped in had been dropped before: keep more next time */
	if (c->again > c->touched / 2 && c->resident_bytes < RESIDENT_MAX_BYTES)
		c->resident_bytes *= 2;
	c->again = 0;
	c->touched = 0;
	c->window = 0;
	memset(c->resident, 0, c->nresident * sizeof(*c->resident));
}

static struct ms_error *core_read(struct ms_source *src, uint64_t addr, void *buf, size_t len)
{
	struct core_source *c = core_of(src);
	uint8_t *out = buf;
	uint64_t a = addr;
	size_t left = len;

	while (left) {
		const uint8_t *p;
		uint64_t n = core_span(c, a, left, &p);

		if (n == 0) {
			if (src->fallback && ms_source_has(src->fallback, a, left))
				return src->fallback->ops->read(src->fallback, a, out, left);
			return ms_error_create(MS_ERR_FAULT,
			                       "'%s': address 0x%llx is not in the core", src->path,
			                       (unsigned long long)a);
		}
		memcpy(out, p, n);
		out += n;
		a += n;
		left -= n;
		count_windows(c, p, n);
	}
	if (c->touched > c->resident_bytes)
		drop_pages(c);
	return NULL;
}

/*
 * The bytes in place when they are all in one segment's file bytes. Their pages are
 * counted as mapped in (the caller reads them after this returns), so the pages read
 * before are dropped first when these would go past RESIDENT_BYTES.
 */
static const uint8_t *core_view(struct ms_source *src, uint64_t addr, size_t len)
{
	struct core_source *c = core_of(src);
	const uint8_t *p;

	if (!c || !len || core_span(c, addr, len, &p) != len)
		return NULL;
	count_windows(c, p, len);
	if (c->touched > c->resident_bytes) {
		drop_pages(c);
		count_windows(c, p, len);
	}
	return p;
}

static bool core_has(struct ms_source *src, uint64_t addr, uint64_t len)
{
	struct core_source *c = core_of(src);
	uint64_t a = addr;

	while (len) {
		const uint8_t *p;
		uint64_t n = core_span(c, a, len, &p);

		if (n == 0)
			return src->fallback && ms_source_has(src->fallback, a, len);
		a += n;
		len -= n;
	}
	return true;
}

static void core_destroy(struct ms_source *src)
{
	struct core_source *c = core_of(src);

	if (!c)
		return;
	if (c->map)
		munmap((void *)c->map, c->map_bytes);
	if (c->fd >= 0)
		close(c->fd);
	free(c->segments);
	free(c->resident);
	free(c->seen);
	free(c->info.files);
	free(c->file_names);
	free(c->threads);
	free(c->base.path);
	free(c);
}

static void core_threads(struct ms_source *src, bool (*fn)(void *arg, const struct ms_thread *th),
                         void *arg)
{
	struct core_source *c = core_of(src);

	for (size_t i = 0; c && i < c->nthreads; i++)
		if (!fn(arg, &c->threads[i]))
			break;
}

static const struct ms_source_ops core_ops = {
    .name = "core",
    .read = core_read,
    .has = core_has,
    .destroy = core_destroy,
    .threads = core_threads,
    .view = core_view,
};

void ms_source_destroy(struct ms_source *src)
{
	if (src)
		src->ops->destroy(src);
}

const struct ms_core_info *ms_source_core_info(struct ms_source *src)
{
	struct core_source *c = core_of(src);

	return c ? &c->info : NULL;
}

static int cmp_segment(const void *a, const void *b)
{
	const struct ms_segment *x = a, *y = b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static uint64_t word(const struct core_source *c, const uint8_t *p)
{
	return ms_source_decode(&c->base, p, c->base.ptr_bytes);
}

/* NT_FILE: count, page size, count x (start, end, file offset in pages), names. */
static struct ms_error *parse_nt_file(struct core_source *c, const uint8_t *d, size_t len)
{
	unsigned w = c->base.ptr_bytes;
	uint64_t count, page, table;
	const char *names, *end;

	if (len < 2 * (size_t)w || c->info.files)
		return NULL; /* a second NT_FILE (a hostile core has any number) is ignored */
	count = word(c, d);
	page = word(c, d + w);
	if (count > MAX_FILES || !ms_mul_u64(count, 3 * (uint64_t)w, &table) || table > len - 2 * w)
		return NULL; /* a damaged NT_FILE only costs us the file list */
	c->file_names = malloc(len - 2 * w - table + 1);
	c->info.files = calloc(count ? count : 1, sizeof(*c->info.files));
	if (!c->file_names || !c->info.files)
		return &ms_error_nomem;
	memcpy(c->file_names, d + 2 * w + table, len - 2 * w - table);
	c->file_names[len - 2 * w - table] = '\0';
	names = c->file_names;
	end = c->file_names + (len - 2 * w - table);
	for (uint64_t i = 0; i < count && names < end; i++) {
		const uint8_t *e = d + 2 * w + i * 3 * w;
		struct ms_core_file *f = &c->info.files[c->info.nfiles++];

		f->start = word(c, e);
		f->end = word(c, e + w);
		f->file_ofs = word(c, e + 2 * w) * page;
		f->name = names;
		names += strlen(names) + 1;
	}
	return NULL;
}

static void parse_auxv(struct core_source *c, const uint8_t *d, size_t len)
{
	unsigned w = c->base.ptr_bytes;

	for (size_t i = 0; i + 2 * w <= len; i += 2 * w) {
		uint64_t type = word(c, d + i), val = word(c, d + i + w);

		if (type == 0)
			break;
		if (type == 9) /* AT_ENTRY */
			c->info.auxv_entry = val;
		else if (type == 3) /* AT_PHDR */
			c->info.auxv_phdr = val;
	}
}

/*
 * A thread's pc, sp and bp from its NT_PRSTATUS (linux elf_prstatus: the
 * header, then pr_reg, struct user_regs_struct): on amd64 pr_reg is at 112,
 * rbp, rip and rsp its words 4, 16 and 19; on 386 at 72, ebp, eip and esp
 * words 5, 12 and 15. Other machines: none kept.
 */
static struct ms_error *add_thread(struct core_source *c, const uint8_t *desc, size_t len,
                                   size_t pid_off)
{
	unsigned w = c->base.ptr_bytes;
	size_t reg, bp, pc, sp;
	struct ms_thread *th;

	if (c->info.e_machine == EM_X86_64 && w == 8)
		reg = 112, bp = 4, pc = 16, sp = 19;
	else if (c->info.e_machine == EM_386 && w == 4)
		reg = 72, bp = 5, pc = 12, sp = 15;
	else
		return NULL;
	if (len < reg + (sp + 1) * w || c->nthreads >= MAX_THREADS)
		return NULL;
	if (c->nthreads == c->cap_threads) {
		size_t cap = c->cap_threads ? 2 * c->cap_threads : 16;
		struct ms_thread *n = realloc(c->threads, cap * sizeof(*n));

		if (!n)
			return &ms_error_nomem;
		c->threads = n;
		c->cap_threads = cap;
	}
	th = &c->threads[c->nthreads++];
	th->tid = (int)ms_source_decode(&c->base, desc + pid_off, 4);
	th->bp = ms_source_decode(&c->base, desc + reg + bp * w, w);
	th->pc = ms_source_decode(&c->base, desc + reg + pc * w, w);
	th->sp = ms_source_decode(&c->base, desc + reg + sp * w, w);
	return NULL;
}

static struct ms_error *parse_notes(struct core_source *c, Elf *elf, const GElf_Phdr *ph)
{
	Elf_Data *data;
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	if (ph->p_offset > c->map_bytes || ph->p_filesz > c->map_bytes - ph->p_offset)
		return NULL; /* notes cut off: no thread or file list, memory still readable */
	data = elf_getdata_rawchunk(elf, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_NHDR);
	if (!data)
		return NULL;
	while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const uint8_t *desc = (const uint8_t *)data->d_buf + desc_off;

		if (nh.n_type == 1 /* NT_PRSTATUS */) {
			/* elf_prstatus: siginfo (12), cursig (2+2), sigpend, sighold, pid */
			size_t pid_off = 16 + 2 * (size_t)c->base.ptr_bytes;

			struct ms_error *err;

			if (c->info.nthreads++ == 0 && nh.n_descsz >= pid_off + 4)
				c->info.pid = (int)ms_source_decode(&c->base, desc + pid_off, 4);
			err = add_thread(c, desc, nh.n_descsz, pid_off);
			if (err)
				return err;
		} else if (nh.n_type == NT_FILE_TYPE) {
			struct ms_error *err = parse_nt_file(c, desc, nh.n_descsz);
			if (err)
				return err;
		} else if (nh.n_type == 6 /* NT_AUXV */) {
			parse_auxv(c, desc, nh.n_descsz);
		}
	}
	return NULL;
}

static struct ms_error *load_segments(struct core_source *c, Elf *elf, size_t nph)
{
	struct ms_error *err;

	if (nph > MAX_SEGMENTS)
		return ms_error_create(MS_ERR_FORMAT, "'%s': %zu program headers is absurd",
		                       c->base.path, nph);
	c->segments = calloc(nph ? nph : 1, sizeof(*c->segments));
	if (!c->segments)
		return &ms_error_nomem;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph))
			return ms_error_create(
			    MS_ERR_FORMAT, "'%s': cannot read program header %zu", c->base.path, i);
		if (ph.p_type == PT_NOTE) {
			err = parse_notes(c, elf, &ph);
			if (err)
				return err;
		}
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		struct ms_segment *s = &c->segments[c->info.nsegments++];
		s->vaddr = ph.p_vaddr;
		s->memsz = ph.p_memsz;
		s->filesz = ph.p_filesz < ph.p_memsz ? ph.p_filesz : ph.p_memsz;
		s->offset = ph.p_offset;
		s->flags = ph.p_flags;
		if (s->vaddr + s->memsz < s->vaddr)
			return ms_error_create(MS_ERR_FORMAT,
			                       "'%s': segment at 0x%llx wraps around", c->base.path,
			                       (unsigned long long)s->vaddr);
		/* A truncated core keeps the segment's bytes that are still there. */
		if (s->offset >= c->map_bytes) {
			c->info.truncated |= s->filesz > 0;
			s->filesz = 0;
		} else if (s->filesz > c->map_bytes - s->offset) {
			c->info.truncated = true;
			s->filesz = c->map_bytes - s->offset;
		}
	}
	if (c->info.nsegments)
		qsort(c->segments, c->info.nsegments, sizeof(*c->segments), cmp_segment);
	for (size_t i = 1; i < c->info.nsegments; i++) {
		const struct ms_segment *a = &c->segments[i - 1], *b = &c->segments[i];
		if (b->vaddr < a->vaddr + a->memsz)
			return ms_error_create(MS_ERR_FORMAT,
			                       "'%s': segments at 0x%llx and 0x%llx overlap",
			                       c->base.path, (unsigned long long)a->vaddr,
			                       (unsigned long long)b->vaddr);
	}
	c->info.segments = c->segments;
	return NULL;
}

struct ms_error *ms_source_core_create(const char *path, struct ms_source **ret)
{
	struct core_source *c = calloc(1, sizeof(*c));
	struct ms_error *err = NULL;
	Elf *elf = NULL;
	GElf_Ehdr eh;
	struct stat st;
	size_t nph;

	if (!c)
		return &ms_error_nomem;
	c->fd = -1;
	c->base.ops = &core_ops;
	c->base.path = strdup(path);
	if (!c->base.path) {
		err = &ms_error_nomem;
		goto out;
	}
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0 || fstat(c->fd, &st) != 0) {
		err = ms_error_create(MS_ERR_IO, "'%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = ms_error_create(MS_ERR_IO, "'%s': not a regular file", path);
		goto out;
	}
	c->map_bytes = (size_t)st.st_size;
	c->info.file_bytes = (uint64_t)st.st_size;
	if (c->map_bytes < 64) {
		err = ms_error_create(MS_ERR_FORMAT, "'%s': not an ELF core file (%zu bytes)", path,
		                      c->map_bytes);
		goto out;
	}
	c->map = mmap(NULL, c->map_bytes, PROT_READ, MAP_PRIVATE, c->fd, 0);
	if (c->map == MAP_FAILED) {
		c->map = NULL;
		err = ms_error_create(MS_ERR_IO, "'%s': cannot map: %s", path, strerror(errno));
		goto out;
	}
	/* one bit a 64 KiB window of the mapping, one window more for its alignment */
	c->nresident = (c->map_bytes >> 16) / 64 + 2;
	c->resident = calloc(c->nresident, sizeof(*c->resident));
	c->seen = calloc(c->nresident, sizeof(*c->seen));
	c->resident_bytes = RESIDENT_BYTES;
	if (!c->resident || !c->seen) {
		err = &ms_error_nomem;
		goto out;
	}
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)c->map, c->map_bytes);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		err = ms_error_create(MS_ERR_FORMAT, "'%s': not an ELF file", path);
		goto out;
	}
	if (eh.e_type != ET_CORE) {
		err = ms_error_create(MS_ERR_FORMAT, "'%s': not an ELF core file (e_type is %s)",
		                      path,
		                      eh.e_type == ET_EXEC  ? "ET_EXEC"
		                      : eh.e_type == ET_DYN ? "ET_DYN"
		                                            : "not ET_CORE");
		goto out;
	}
	c->base.ptr_bytes = gelf_getclass(elf) == ELFCLASS64 ? 8 : 4;
	c->base.big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	c->info.e_machine = eh.e_machine;
	if (elf_getphdrnum(elf, &nph) != 0) {
		err = ms_error_create(MS_ERR_FORMAT, "'%s': cannot read the program headers", path);
		goto out;
	}
	err = load_segments(c, elf, nph);
	if (err)
		goto out;
	if (c->info.nsegments == 0) {
		err = ms_error_create(MS_ERR_FORMAT, "'%s': the core holds no memory (no PT_LOAD)",
		                      path);
		goto out;
	}
	elf_end(elf);
	*ret = &c->base;
	return NULL;
out:
	if (elf)
		elf_end(elf);
	core_destroy(&c->base);
	return err;
}
