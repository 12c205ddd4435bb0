/* SPDX-License-Identifier: MIT */
/*
 * Opening a Go process image: the core, its executable and DWARF, the check
 * that they belong together, and the runtime layouts read from DWARF.
 */
#include "target.h"

#include <errno.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gover.h"
#include "rtmeta.h"

#define UNKNOWN UINT64_MAX

void ms_target_warn(struct ms_target *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ms_warnings_addv(&t->warnings, fmt, ap);
	va_end(ap);
}

void ms_target_rtmeta(struct ms_target *t, struct ms_rtmeta *ret)
{
	*ret = (struct ms_rtmeta){
	    .mem = t->mem,
	    .exe = t->exe,
	    .go = t->go,
	    .arch = t->arch,
	    .ptr = t->ptr,
	    .warnings = &t->warnings,
	    .classic_layout = t->classic_layout,
	    .rt = t->rt,
	};
}

/* Follow typedefs to the underlying DIE. Bounded: DWARF can be hostile. */
static const struct ms_dtype *underlying(const struct ms_dwarf *d, const struct ms_dtype *t)
{
	for (int i = 0; t && t->tag == MS_DTAG_TYPEDEF && i < 16; i++)
		t = ms_dwarf_type(d, t->type_off);
	return t;
}

static const struct ms_dtype *struct_named(const struct ms_dwarf *d, const char *name)
{
	const struct ms_dtype *t = underlying(d, ms_dwarf_type_by_name(d, name));

	return t && t->tag == MS_DTAG_STRUCT ? t : NULL;
}

static uint64_t member_off(const struct ms_dtype *s, const char *name)
{
	const struct ms_dmember *m = s ? ms_dtype_member(s, name) : NULL;

	return m ? m->offset : UNKNOWN;
}

static unsigned member_size(const struct ms_dwarf *d, const struct ms_dtype *s, const char *name)
{
	const struct ms_dmember *m = s ? ms_dtype_member(s, name) : NULL;
	const struct ms_dtype *t = m ? underlying(d, ms_dwarf_type(d, m->type_off)) : NULL;

	return t && t->size <= 8 ? (unsigned)t->size : 0;
}

/* runtime structures from DWARF */
struct ms_error *ms_target_layouts_from_dwarf(struct ms_target *t)
{
	const struct ms_dwarf *d = t->dwarf;
	struct ms_rt *rt = &t->rt;
	const struct ms_dtype *s;
	const struct ms_dvar *v;

	memset(rt, 0xff, sizeof(*rt));
	s = struct_named(d, "runtime.hmap");
	if (s && ms_dtype_member(s, "buckets")) {
		t->classic_layout = true;
		rt->hmap.size = s->size;
		rt->hmap.count = member_off(s, "count");
		rt->hmap.flags = member_off(s, "flags");
		rt->hmap.B = member_off(s, "B");
		rt->hmap.noverflow = member_off(s, "noverflow");
		rt->hmap.hash0 = member_off(s, "hash0");
		rt->hmap.buckets = member_off(s, "buckets");
		rt->hmap.oldbuckets = member_off(s, "oldbuckets");
		rt->hmap.nevacuate = member_off(s, "nevacuate");
		rt->hmap.extra = member_off(s, "extra");
		s = struct_named(d, "runtime.mapextra");
		rt->mapextra.size = s ? s->size : 3ull * t->ptr;
		rt->mapextra.overflow = s ? member_off(s, "overflow") : 0;
		rt->mapextra.oldoverflow = s ? member_off(s, "oldoverflow") : t->ptr;
		rt->mapextra.next_overflow = s ? member_off(s, "nextOverflow") : 2ull * t->ptr;
	}
	s = struct_named(d, "internal/runtime/maps.Map");
	if (s) {
		if (t->classic_layout)
			return ms_error_create(MS_ERR_FORMAT,
			                       "'%s': DWARF describes both classic and Swiss maps",
			                       t->exe->path);
		rt->smap.size = s->size;
		rt->smap.used = member_off(s, "used");
		rt->smap.seed = member_off(s, "seed");
		rt->smap.dir_ptr = member_off(s, "dirPtr");
		rt->smap.dir_len = member_off(s, "dirLen");
		rt->smap.global_depth = member_off(s, "globalDepth");
		rt->smap.global_shift = member_off(s, "globalShift");
		rt->smap.writing = member_off(s, "writing");
		s = struct_named(d, "internal/runtime/maps.table");
		if (s) {
			const struct ms_dmember *g = ms_dtype_member(s, "groups");
			const struct ms_dtype *gr =
			    g ? underlying(d, ms_dwarf_type(d, g->type_off)) : NULL;

			rt->table.size = s->size;
			rt->table.used = member_off(s, "used");
			rt->table.capacity = member_off(s, "capacity");
			rt->table.growth_left = member_off(s, "growthLeft");
			rt->table.local_depth = member_off(s, "localDepth");
			rt->table.index = member_off(s, "index");
			if (g && gr) {
				rt->table.groups_data = g->offset + member_off(gr, "data");
				rt->table.groups_mask = g->offset + member_off(gr, "lengthMask");
			}
		}
	} else if (!t->classic_layout) {
		return ms_error_create(MS_ERR_UNSUPPORTED,
		                       "'%s': DWARF has neither runtime.hmap nor "
		                       "internal/runtime/maps.Map",
		                       t->exe->path);
	}

	s = struct_named(d, "runtime.mspan");
	if (s) {
		rt->span.size = s->size;
		rt->span.start = member_off(s, "startAddr");
		rt->span.npages = member_off(s, "npages");
		rt->span.freeindex = member_off(s, "freeindex");
		rt->span.freeindex_bytes = member_size(d, s, "freeindex");
		rt->span.nelems = member_off(s, "nelems");
		rt->span.nelems_bytes = member_size(d, s, "nelems");
		rt->span.alloc_bits = member_off(s, "allocBits");
		rt->span.spanclass = member_off(s, "spanclass");
		rt->span.state = member_off(s, "state");
		rt->span.elemsize = member_off(s, "elemsize");
		rt->span.limit = member_off(s, "limit");
		rt->span.large_type = member_off(s, "largeType");
		rt->span.specials = member_off(s, "specials");
	}
	s = struct_named(d, "runtime.special");
	if (s) {
		rt->special.next = member_off(s, "next");
		rt->special.offset = member_off(s, "offset");
		rt->special.offset_bytes = member_size(d, s, "offset");
		rt->special.kind = member_off(s, "kind");
	}
	s = struct_named(d, "runtime.specialfinalizer");
	rt->special.finalizer_fn = member_off(s, "fn");
	rt->special.finalizer_ot = member_off(s, "ot");
	s = struct_named(d, "runtime.specialCleanup");
	rt->special.cleanup_fn = member_off(s, "fn");
	rt->special.cleanup_words = rt->special.cleanup_fn == UNKNOWN ? UNKNOWN : 1;
	if (s && rt->special.cleanup_fn == UNKNOWN) { /* 1.26+: cleanup cleanupFn{call, fn, arg} */
		const struct ms_dmember *m = ms_dtype_member(s, "cleanup");
		const struct ms_dtype *c = m ? underlying(d, ms_dwarf_type(d, m->type_off)) : NULL;

		if (m && c && c->size) {
			rt->special.cleanup_fn = m->offset;
			rt->special.cleanup_words = c->size / t->ptr;
		}
	}
	s = struct_named(d, "runtime.specialWeakHandle");
	rt->special.weak_handle = member_off(s, "handle");
	v = ms_dwarf_var(d, "runtime.mheap_");
	s = struct_named(d, "runtime.mheap");
	if (v && s) {
		const struct ms_dmember *m = ms_dtype_member(s, "arenas");
		const struct ms_dtype *l1 = m ? underlying(d, ms_dwarf_type(d, m->type_off)) : NULL;
		const struct ms_dtype *p =
		    l1 ? underlying(d, ms_dwarf_type(d, l1->type_off)) : NULL;
		const struct ms_dtype *l2 = p ? underlying(d, ms_dwarf_type(d, p->type_off)) : NULL;

		rt->mheap.addr = v->addr;
		rt->mheap.arenas = member_off(s, "arenas");
		rt->mheap.allspans = member_off(s, "allspans");
		if (l1 && l1->tag == MS_DTAG_ARRAY && l2 && l2->tag == MS_DTAG_ARRAY) {
			rt->mheap.l1_count = l1->count;
			rt->mheap.l2_count = l2->count;
		}
	}
	s = struct_named(d, "runtime.heapArena");
	if (s) {
		const struct ms_dmember *m = ms_dtype_member(s, "spans");
		const struct ms_dtype *a = m ? underlying(d, ms_dwarf_type(d, m->type_off)) : NULL;

		if (m && a && a->tag == MS_DTAG_ARRAY) {
			rt->arena.spans = m->offset;
			rt->arena.spans_count = a->count;
			rt->arena_bytes = a->count * 8192;
		}
	}
	/* runtime/malloc.go: arenaBaseOffset is 0xffff800000000000 on amd64, 0 elsewhere. */
	rt->arena_base_offset = t->arch == MS_ARCH_AMD64 ? 0xffff800000000000ull : 0;

	v = ms_dwarf_var(d, "runtime.allgs");
	rt->g.allgs = v ? v->addr : UNKNOWN;
	v = ms_dwarf_var(d, "runtime.allglen");
	rt->g.allglen = v ? v->addr : UNKNOWN;
	s = struct_named(d, "runtime.g");
	if (s) {
		const struct ms_dmember *m = ms_dtype_member(s, "sched");
		const struct ms_dtype *gb = m ? underlying(d, ms_dwarf_type(d, m->type_off)) : NULL;

		rt->g.stack_lo = member_off(s, "stack");
		rt->g.stack_hi = rt->g.stack_lo == UNKNOWN ? UNKNOWN : rt->g.stack_lo + t->ptr;
		rt->g.status = member_off(s, "atomicstatus");
		rt->g.goid = member_off(s, "goid");
		if (m && gb) {
			rt->g.sched_sp = m->offset + member_off(gb, "sp");
			rt->g.sched_pc = m->offset + member_off(gb, "pc");
		}
		rt->g.syscallsp = member_off(s, "syscallsp");
		rt->g.syscallpc = member_off(s, "syscallpc");
		rt->g.m = member_off(s, "m");
	}
	s = struct_named(d, "runtime.m");
	if (s) {
		rt->m.g0 = member_off(s, "g0");
		rt->m.gsignal = member_off(s, "gsignal");
		rt->m.curg = member_off(s, "curg");
		rt->m.procid = member_off(s, "procid");
		rt->m.vdso_sp = member_off(s, "vdsoSP");
		rt->m.vdso_pc = member_off(s, "vdsoPC");
	}
	return NULL;
}

/* Compare the bytes of [addr, addr+len) in the core with the executable's, where present. */
static int compare_range(struct ms_target *t, uint64_t addr, size_t len)
{
	uint8_t a[4096], b[4096];
	struct ms_source *fallback = t->mem->fallback;
	int same;

	if (len > sizeof(a))
		len = sizeof(a);
	t->mem->fallback = NULL; /* compare the core's own bytes only */
	same = -1;
	if (ms_source_has(t->mem, addr, len) && ms_source_has(t->exe->mem, addr, len)) {
		struct ms_error *e1 = ms_source_read(t->mem, addr, a, len);
		struct ms_error *e2 = ms_source_read(t->exe->mem, addr, b, len);

		/* a byte that cannot be read tells nothing either way */
		same = e1 || e2 ? -1 : memcmp(a, b, len) == 0;
		ms_error_destroy(e1);
		ms_error_destroy(e2);
	}
	t->mem->fallback = fallback;
	return same;
}

/*
 * The core must come from this executable: the Go build ID note, the build
 * info and the start of each read-only segment must be byte-identical
 * wherever the core holds them.
 */
static struct ms_error *check_match(struct ms_target *t, const char *core_path,
                                    unsigned *ret_compared)
{
	const struct ms_core_info *ci = ms_source_core_info(t->mem);
	unsigned compared = 0;
	int r;

	if (ci && ci->e_machine != t->exe->e_machine)
		return ms_error_create(MS_ERR_FORMAT,
		                       "'%s' does not match '%s': the core is for machine %u, the "
		                       "executable for %u",
		                       core_path, t->exe->path, ci->e_machine, t->exe->e_machine);
	if (t->mem->ptr_bytes != t->exe->ptr_bytes)
		return ms_error_create(
		    MS_ERR_FORMAT, "'%s' does not match '%s': %u-bit core, %u-bit executable",
		    core_path, t->exe->path, t->mem->ptr_bytes * 8, t->exe->ptr_bytes * 8);
	if (t->exe->go_buildid_addr) {
		r = compare_range(t, t->exe->go_buildid_addr, strlen(t->exe->go_buildid));
		if (r == 0)
			return ms_error_create(MS_ERR_FORMAT,
			                       "'%s' does not match '%s': different Go build ID",
			                       core_path, t->exe->path);
		compared += r > 0;
	}
	if (t->exe->buildinfo_addr) {
		r = compare_range(t, t->exe->buildinfo_addr, 32 + strlen(t->exe->go_version_text));
		if (r == 0)
			return ms_error_create(MS_ERR_FORMAT,
			                       "'%s' does not match '%s': different build info",
			                       core_path, t->exe->path);
		compared += r > 0;
	}
	for (size_t i = 0; i < t->exe->nsections; i++) {
		const struct ms_section *s = &t->exe->sections[i];

		if (!(s->flags & SHF_ALLOC) || (s->flags & SHF_WRITE) || s->type == SHT_NOBITS ||
		    s->size == 0)
			continue;
		r = compare_range(t, s->addr, s->size < 4096 ? (size_t)s->size : 4096);
		if (r == 0)
			return ms_error_create(MS_ERR_FORMAT,
			                       "'%s' does not match '%s': section %s differs",
			                       core_path, t->exe->path, s->name);
		compared += r > 0;
	}
	if (compared == 0)
		ms_target_warn(t, "could not check that the core matches the executable (no common "
		                  "bytes)");
	if (ret_compared)
		*ret_compared = compared;
	return NULL;
}

/* The executable and its DWARF, before any memory source is opened. */
static struct ms_error *open_exe(struct ms_target *t, const char *exe_path)
{
	struct ms_error *err = ms_binary_open(exe_path, &t->exe);

	if (err)
		return err;
	if (!t->exe->go_known)
		return ms_error_create(MS_ERR_UNSUPPORTED,
		                       "'%s': Go version '%s' is not supported (supported: 1.19 to "
		                       "1.27)",
		                       exe_path, t->exe->go_version_text);
	t->go = t->exe->go;
	t->arch = t->exe->arch;
	t->ptr = t->exe->ptr_bytes;
	return NULL;
}

/* The last part of a path. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * Put the executable where the process has it: a position-independent one
 * (-buildmode=pie) at its load bias, from AT_ENTRY (at_entry: the core's NT_AUXV,
 * /proc/PID/auxv) less e_entry, else (a core without auxv) from the NT_FILE mapping
 * of the file's start; every address of the executable and its DWARF is a runtime
 * address from then on (ms_binary_relocate, ms_dwarf_relocate). ET_EXEC: nothing.
 */
static void place_exe(struct ms_target *t, uint64_t at_entry)
{
	const struct ms_core_info *ci = at_entry ? NULL : ms_source_core_info(t->mem);
	uint64_t bias = ms_binary_bias_for_entry(t->exe, at_entry);
	bool found = at_entry != 0;

	for (size_t i = 0; t->exe->pie && ci && !found && i < ci->nfiles; i++)
		if (ci->files[i].file_ofs == 0 &&
		    strcmp(base_name(ci->files[i].name), base_name(t->exe->path)) == 0) {
			bias = ms_binary_bias_for_mapping(t->exe, ci->files[i].start);
			found = true;
		}
	if (found && (bias & 0xfff)) { /* a loader maps whole pages: a damaged note */
		ms_target_warn(t,
		               "'%s' is position-independent, but the load bias found "
		               "(0x%llx) is not page-aligned: its addresses are taken as linked",
		               t->exe->path, (unsigned long long)bias);
		bias = 0;
	} else if (t->exe->pie && !found)
		ms_target_warn(t,
		               "'%s' is position-independent, but where it was loaded is not "
		               "known (no auxiliary vector, no mapping of it): its addresses are "
		               "taken as linked",
		               t->exe->path);
	ms_binary_relocate(t->exe, bias);
	ms_dwarf_relocate(t->dwarf, t->exe->bias);
}

/*
 * The executable a core names: the NT_FILE mapping at file offset 0 that holds
 * the program headers (AT_PHDR) or the entry point (AT_ENTRY), else the first
 * mapping. NULL when the core has no file list.
 */
static const char *core_exe_path(const struct ms_core_info *ci)
{
	for (int pass = 0; pass < 2; pass++) {
		uint64_t addr = pass == 0 ? ci->auxv_phdr : ci->auxv_entry;

		for (size_t i = 0; addr && i < ci->nfiles; i++)
			if (ci->files[i].start <= addr && addr < ci->files[i].end) {
				/* the mapping of the file's start, for the same file */
				for (size_t j = 0; j < ci->nfiles; j++)
					if (ci->files[j].file_ofs == 0 &&
					    strcmp(ci->files[j].name, ci->files[i].name) == 0)
						return ci->files[j].name;
			}
	}
	return ci->nfiles && ci->files[0].name[0] ? ci->files[0].name : NULL;
}

/*
 * No --exe: the executable the core names, when it exists and matches the
 * core. Every failure is one MS_ERR_USAGE line that names the path and asks
 * for --exe.
 */
static struct ms_error *open_named_exe(struct ms_target *t, const char *core_path, char **ret_path)
{
	const char *named = core_exe_path(ms_source_core_info(t->mem));
	struct ms_error *err;
	unsigned compared = 0;

	if (!named)
		return ms_error_create(MS_ERR_USAGE,
		                       "'%s' names no executable (no NT_FILE note): give it with "
		                       "--exe BINARY",
		                       core_path);
	if (access(named, R_OK) != 0)
		return ms_error_create(MS_ERR_USAGE,
		                       "'%s' names the executable '%s', which cannot be read (%s): "
		                       "give it with --exe BINARY",
		                       core_path, named, strerror(errno));
	err = open_exe(t, named);
	if (!err) {
		place_exe(t, ms_source_core_info(t->mem)->auxv_entry);
		t->mem->fallback = t->exe->mem;
		err = check_match(t, core_path, &compared);
		if (!err && compared == 0)
			err = ms_error_create(MS_ERR_USAGE,
			                      "no bytes of it are in the core to compare");
	}
	if (err && ms_error_code(err) != MS_ERR_NOMEM) {
		/* check_match says "'CORE' does not match 'EXE': why": keep the why */
		char *msg = strdup(ms_error_message(err));
		const char *why = msg ? strstr(msg, "does not match '") : NULL;

		why = why ? strstr(why, "': ") : NULL;
		why = why ? why + 3 : msg ? msg : "out of memory";
		ms_error_destroy(err);
		err =
		    ms_error_create(MS_ERR_USAGE,
		                    "'%s' names the executable '%s', which does not match it (%s): "
		                    "give the right one with --exe BINARY",
		                    core_path, named, why);
		free(msg);
		return err;
	}
	if (err)
		return err;
	*ret_path = strdup(named);
	return *ret_path ? NULL : &ms_error_nomem;
}

/* DWARF, unless there is none (stripped) or the caller said not to use it. */
static bool use_dwarf(const struct ms_target *t, unsigned flags)
{
	return t->exe->has_dwarf && !(flags & MS_TARGET_NO_DWARF);
}

/* A field of runtime.firstmoduledata (gofunc: the base of .gopclntab's funcdata offsets;
 * types: of type descriptor offsets; text: of its function entries from 1.26); 0 if
 * unknown. */
static uint64_t moduledata_from_dwarf(struct ms_target *t, const char *field)
{
	const struct ms_dvar *v = ms_dwarf_var(t->dwarf, "runtime.firstmoduledata");
	const struct ms_dtype *s = struct_named(t->dwarf, "runtime.moduledata");
	uint64_t off = member_off(s, field), value = 0;

	if (!v || off == UNKNOWN || !ms_source_try_uint(t->mem, v->addr + off, t->ptr, &value))
		return 0;
	return value;
}

/* Layouts and types from DWARF or the runtime's metadata, once memory is there. */
static struct ms_error *load_layouts(struct ms_target *t, const char *exe_path, unsigned flags)
{
	const struct ms_section *types;
	struct ms_error *err;

	if (!use_dwarf(t, flags)) {
		struct ms_rtmeta rm;

		ms_dwarf_destroy(t->dwarf);
		t->dwarf = NULL;
		ms_target_rtmeta(t, &rm);
		err = ms_rtmeta_load(&rm);
		/* the type graph is the target's, also when loading stopped half way */
		t->dwarf = rm.dwarf;
		t->rt = rm.rt;
		t->classic_layout = rm.classic_layout;
		memcpy(t->globals, rm.globals, sizeof(t->globals));
		ms_binary_set_gofunc(t->exe, rm.gofunc);
		ms_binary_set_rodata(t->exe, rm.rodata);
		return err;
	}
	err = NULL;
	if (!t->dwarf) {
		err = ms_dwarf_load(exe_path, &t->dwarf);
		ms_dwarf_relocate(t->dwarf, t->exe->bias);
	}
	if (!err)
		err = ms_target_layouts_from_dwarf(t);
	if (err)
		return err;
	/* DW_AT_go_runtime_type is an offset from runtime.types, the module's
	 * moduledata.types: not always where its section starts (gcc as the external
	 * linker puts crt's read-only data first in .rodata) */
	t->rt.types_base = moduledata_from_dwarf(t, "types");
	if (!t->rt.types_base) {
		types = ms_binary_section(t->exe, ".go.type");
		if (!types)
			types = ms_binary_section(t->exe, ".rodata");
		t->rt.types_base = types ? types->addr : 0;
	}
	ms_binary_set_gofunc(t->exe, moduledata_from_dwarf(t, "gofunc"));
	ms_binary_set_rodata(t->exe, moduledata_from_dwarf(t, "rodata"));
	/* Go 1.26+ leave pcHeader.textStart 0: runtime.text, not .text's start (the system
	 * linker puts C start-up code first) */
	ms_binary_set_text(t->exe, moduledata_from_dwarf(t, "text"));
	return NULL;
}

struct ms_error *ms_target_open_live(int pid, const char *exe_path, enum ms_live_method method,
                                     unsigned flags, struct ms_target **ret)
{
	struct ms_target *t = calloc(1, sizeof(*t));
	char proc_exe[64], name[32];
	struct ms_error *err;

	if (!t)
		return &ms_error_nomem;
	snprintf(proc_exe, sizeof(proc_exe), "/proc/%d/exe", pid);
	snprintf(name, sizeof(name), "pid %d", pid);
	if (!exe_path && access(proc_exe, R_OK) != 0) {
		/* /proc/PID/exe needs the same permission as ptrace */
		err = errno == EACCES || errno == EPERM
		          ? ms_source_live_denied(pid)
		          : ms_error_create(MS_ERR_TARGET, "pid %d: %s", pid,
		                            errno == ENOENT ? "no such process" : strerror(errno));
		goto out;
	}
	/* everything that needs no memory first: the process is stopped only to read */
	err = open_exe(t, exe_path ? exe_path : proc_exe);
	if (!err && use_dwarf(t, flags))
		err = ms_dwarf_load(exe_path ? exe_path : proc_exe, &t->dwarf);
	if (err)
		goto out;
	err = ms_source_live_create(pid, method, &t->mem);
	if (err)
		goto out;
	t->mem->ptr_bytes = t->ptr;
	t->mem->big_endian = t->exe->big_endian;
	place_exe(t, ms_live_auxv_entry(pid, t->ptr));
	t->mem->fallback = t->exe->mem;
	err = check_match(t, name, NULL);
	if (!err)
		err = load_layouts(t, exe_path ? exe_path : proc_exe, flags);
	if (err && ms_source_live_exited(t->mem)) {
		ms_error_destroy(err);
		err = ms_error_create(MS_ERR_TARGET, "pid %d exited during the read", pid);
	}
	if (err)
		goto out;
	*ret = t;
	return NULL;
out:
	ms_target_destroy(t);
	return err;
}

struct ms_error *ms_target_open_core(const char *core_path, const char *exe_path, unsigned flags,
                                     struct ms_target **ret)
{
	struct ms_target *t = calloc(1, sizeof(*t));
	char *named = NULL;
	struct ms_error *err;

	if (!t)
		return &ms_error_nomem;
	if (!exe_path) {
		err = ms_source_core_create(core_path, &t->mem);
		if (!err)
			err = open_named_exe(t, core_path, &named);
		if (err)
			goto out;
		exe_path = named;
	} else {
		err = open_exe(t, exe_path);
		if (err)
			goto out;
		err = ms_source_core_create(core_path, &t->mem);
		if (err)
			goto out;
		place_exe(t, ms_source_core_info(t->mem)->auxv_entry);
		t->mem->fallback = t->exe->mem;
		err = check_match(t, core_path, NULL);
		if (err)
			goto out;
	}
	err = load_layouts(t, exe_path, flags);
	free(named);
	named = NULL;
	if (err)
		goto out;
	if (ms_source_core_info(t->mem)->truncated)
		ms_target_warn(t, "'%s' is truncated: memory past %llu bytes is missing", core_path,
		               (unsigned long long)ms_source_core_info(t->mem)->file_bytes);
	*ret = t;
	return NULL;
out:
	free(named);
	ms_target_destroy(t);
	return err;
}

void ms_span_cache_destroy(struct ms_span_cache *c);

void ms_target_destroy(struct ms_target *t)
{
	if (!t)
		return;
	ms_span_cache_destroy(t->spans);
	ms_source_destroy(t->mem);
	ms_dwarf_destroy(t->dwarf);
	ms_binary_destroy(t->exe);
	ms_warnings_deinit(&t->warnings);
	free(t);
}
