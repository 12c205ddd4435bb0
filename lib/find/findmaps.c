/* SPDX-License-Identifier: MIT */
/*
 * Finding every map of a target: a breadth-first walk from the package-level
 * variables through typed memory (structs, arrays, slices, pointers,
 * interfaces, and the entries of maps themselves), so that each map's first
 * path is a shortest one; then goroutine stacks and a heap scan for headers
 * nothing typed reached.
 */
#include "findmaps.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coderefs.h"
#include "gover.h"
#include "grow.h"
#include "report_pack.h"
#include "shapetype.h"
#include "unwind.h"
#include "walk.h"

#define MAX_PATHS      8
#define MAX_PATH_BYTES 400
#define MAX_DEPTH      64

struct item {
	uint64_t addr;
	const struct ms_dtype *type;
	char *path; /* owned */
	unsigned depth;
	bool is_map; /* addr is a map header to walk */
};

#define MAX_NEST 200 /* values inside values, see visit() */

/*
 * The functions whose code holds a map found untyped (code_narrow): a pc inside each
 * (0: none): the function whose frame holds it (untyped_ev, stack_candidate), and the
 * function of a closure object holding it.
 */
struct code_ev {
	uint64_t pc[2];
	uint64_t global; /* a data word holding the header: the functions that use it vote */
};

struct finder {
	struct ms_target *t;
	struct ms_types *ty;
	struct ms_found *found;
	struct item *queue;
	size_t qhead, qtail, qcap;
	struct ms_addrset seen; /* (address, type) pairs already queued */
	struct ms_addrset map_index_keys;
	uint64_t budget; /* values visited */
	unsigned nest;   /* visit() calls on the stack: values inside values */
	const struct ms_dtype *nest_types[MAX_NEST]; /* their types, outermost first */
	struct ms_error *err;
	/* for the entries of the map being walked */
	const struct ms_map_geom *cur_geom;
	const char *cur_path;
	unsigned cur_depth;
	const struct ms_find_opts *opts;
	char root_pkg[256];                /* the package of the root being followed; "" for none */
	enum ms_found_by root_by;          /* how the root being followed was found */
	const struct ms_stack *root_stack; /* frame roots: the goroutine's stack */
	const char *root_func;             /* frame roots: the frame's function */
	/* the typed heap graph: the type each pointer target was first reached with */
	struct {
		uint64_t *addrs;
		const struct ms_dtype **types;
		size_t n, cap;
	} typed;
	/* typed pointers whose claimed type conflicts (note_conflict): pairs counted */
	struct ms_addrset conflict_seen;
	bool records_types; /* 1.22+: heap objects may record their type (recorded_at) */
	/* no DWARF: heap objects followed from frames, untyped */
	struct ms_addrset untyped_seen;
	struct ms_addrset validate_seen; /* validate's walks: one set, emptied after each */
	uint64_t untyped_objects;
	struct deferred {
		struct ms_heap_obj o;
		char *path; /* owned */
		enum ms_found_by by;
		char *package; /* owned: the root's, or NULL */
		struct code_ev ev;
	} * deferred;
	size_t ndeferred, deferred_cap;
	bool globals_scanned;
	uint64_t any_hasher; /* sync.Map's keyHash without DWARF (any_any_hasher); 0 unknown yet */
	struct ms_coderefs *coderefs; /* the map types each function's code loads; lazily */
	bool coderefs_failed;
	uint64_t ticks;
	double last_progress;
};

/* Tell the caller how far we are, at most ten times a second. */
static void tick(struct finder *f, const char *what)
{
	struct timespec ts;
	double now;

	if (!f->opts->progress || (++f->ticks & 1023))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	if (now - f->last_progress < 0.1)
		return;
	f->last_progress = now;
	f->opts->progress(f->opts->progress_arg, what, f->found->n, 0);
}

static char *path_join(const char *base, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static char *path_join(const char *base, const char *fmt, ...)
{
	char buf[MAX_PATH_BYTES + 64];
	size_t n = strlen(base);
	va_list ap;

	if (n > MAX_PATH_BYTES)
		n = MAX_PATH_BYTES;
	memcpy(buf, base, n);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	return strdup(buf);
}

static uint64_t pair_key(uint64_t addr, const struct ms_dtype *type)
{
	return (addr * 0x9e3779b97f4a7c15ull) ^ (type->off * 0xc2b2ae3d27d4eb4full) ^ 1;
}

/* Is b the type of what sits at offset 0 of a (a first field, a first element), or a itself? */
static bool same_type(struct finder *f, const struct ms_dtype *a, const struct ms_dtype *b);

static bool starts_with(struct finder *f, const struct ms_dtype *a, const struct ms_dtype *b)
{
	for (int i = 0; a && i < 16; i++) {
		if (same_type(f, a, b))
			return true;
		if (a->tag == MS_DTAG_TYPEDEF)
			a = ms_dwarf_type(f->t->dwarf, a->type_off);
		else if (a->tag == MS_DTAG_STRUCT && a->nmembers && a->members[0].offset == 0)
			a = ms_dwarf_type(f->t->dwarf, a->members[0].type_off);
		else if (a->tag == MS_DTAG_ARRAY && a->count)
			a = ms_dwarf_type(f->t->dwarf, a->type_off);
		else
			return false;
	}
	return false;
}

/* Go types only: DWARF's runtime shapes (hchan<string>, bucket<K,V>) alias runtime.hchan... */
static bool claims_type(const struct ms_dtype *type)
{
	return !type->name || (!strchr(type->name, '<') && strncmp(type->name, "runtime.", 8) != 0);
}

/*
 * The typed heap graph gives each pointer target one type: the first one it is
 * reached with. A later pointer of another type is followed only when one type
 * starts the other (a pointer to a struct and one to its first field); an
 * unrelated one is a conflict, counted and reported, not followed.
 */
static void note_conflict(struct finder *f, uint64_t addr, const struct ms_dtype *claimed,
                          const struct ms_dtype *as, const char *source, const char *path);

static bool claim_type(struct finder *f, uint64_t addr, const struct ms_dtype *type,
                       const char *path)
{
	size_t i;

	if ((f->typed.n + 1) * 2 > f->typed.cap) {
		size_t cap = f->typed.cap ? 2 * f->typed.cap : 4096;
		uint64_t *addrs = calloc(cap, sizeof(*addrs));
		const struct ms_dtype **types = calloc(cap, sizeof(*types));

		if (!addrs || !types) {
			free(addrs);
			free(types);
			f->err = &ms_error_nomem;
			return false;
		}
		for (size_t k = 0; k < f->typed.cap; k++) {
			if (!f->typed.addrs[k])
				continue;
			for (i = (size_t)((f->typed.addrs[k] * 0x9e3779b97f4a7c15ull) >> 20) &
			         (cap - 1);
			     addrs[i]; i = (i + 1) & (cap - 1))
				;
			addrs[i] = f->typed.addrs[k];
			types[i] = f->typed.types[k];
		}
		free(f->typed.addrs);
		free(f->typed.types);
		f->typed.addrs = addrs;
		f->typed.types = types;
		f->typed.cap = cap;
	}
	for (i = (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 20) & (f->typed.cap - 1);
	     f->typed.addrs[i]; i = (i + 1) & (f->typed.cap - 1)) {
		const struct ms_dtype *first = f->typed.types[i];

		if (f->typed.addrs[i] != addr)
			continue;
		if (starts_with(f, first, type) || starts_with(f, type, first))
			return true;
		note_conflict(f, addr, type, first, "path", path);
		return false;
	}
	f->typed.addrs[i] = addr;
	f->typed.types[i] = type;
	f->typed.n++;
	return true;
}

static void enqueue(struct finder *f, uint64_t addr, const struct ms_dtype *type, char *path,
                    unsigned depth, bool is_map)
{
	bool nomem = false;

	if (!path || f->err) {
		free(path);
		if (!f->err && !path)
			f->err = &ms_error_nomem;
		return;
	}
	if (depth > MAX_DEPTH ||
	    (!is_map && ms_types_reaches_map(f->ty, type) && claims_type(type) &&
	     !claim_type(f, addr, type, path)) ||
	    /* a walk is its own item: a sync.Map struct is first visited, then walked */
	    !ms_addrset_add(&f->seen, pair_key(addr, type) ^ (is_map ? 0x100 : 0), &nomem)) {
		free(path);
		if (nomem)
			f->err = &ms_error_nomem;
		return;
	}
	if (f->qtail == f->qcap) {
		size_t live = f->qtail - f->qhead;

		if (f->qhead > f->qcap / 2) {
			memmove(f->queue, f->queue + f->qhead, live * sizeof(*f->queue));
			f->qhead = 0;
			f->qtail = live;
		} else {
			size_t cap = f->qcap ? 2 * f->qcap : 1024;
			struct item *q = realloc(f->queue, cap * sizeof(*q));

			if (!q) {
				free(path);
				f->err = &ms_error_nomem;
				return;
			}
			f->queue = q;
			f->qcap = cap;
		}
	}
	f->queue[f->qtail++] = (struct item){addr, type, path, depth, is_map};
}

static bool rd_ptr(struct finder *f, uint64_t addr, uint64_t *ret)
{
	return ms_source_try_ptr(f->t->mem, addr, ret);
}

/* Does path name what holds the map all along (no step spelled as an offset)? */
static bool path_named(const char *path)
{
	size_t n = strlen(path);

	return !strstr(path, "->+0x") && !(n && path[n - 1] == '>');
}

static bool same_geometry(const struct ms_map_geom *a, const struct ms_map_geom *b);

/*
 * Without DWARF, a typed path reached the map m found before by its layout or its
 * storage's recorded type: the path's type (its field's, from the type descriptors)
 * is certain. The same type is confirmed; one of m's candidates is taken if m is
 * not walked yet, or walks the same (m's numbers stand); another type is a
 * conflict, counted, not taken.
 */
static void confirm_type(struct finder *f, struct ms_found_map *m, const struct ms_dtype *type,
                         const char *path)
{
	const struct ms_map_geom *g;
	struct ms_error *err;

	if (m->type == type ||
	    (m->type && m->type->name && type->name && strcmp(m->type->name, type->name) == 0)) {
		m->type_source = "runtime-type";
		if (m->candidates && m->ncandidates > 1) { /* it led them: now it is the type */
			m->candidates[0] = m->type;
			m->ncandidates = 1;
		}
		return;
	}
	/* one candidate is kept as m->type alone (ms_found_candidates) */
	for (size_t i = 0; m->candidates && i < m->ncandidates; i++) {
		if (m->candidates[i] != type)
			continue;
		if (m->geom) { /* walked already */
			err = ms_types_geom(f->ty, type, &g);
			ms_error_destroy(err);
			if (err || !same_geometry(g, m->geom))
				break;
			m->geom = g; /* the same numbers, under the type's own names */
		}
		m->type = type;
		m->type_source = "runtime-type";
		m->candidates[0] = type;
		m->ncandidates = 1;
		return;
	}
	note_conflict(f, m->addr, type, m->type, "path", path);
}

/* Room in m->paths for one more path (npaths < MAX_PATHS); false: out of memory. */
static bool paths_room(struct ms_found_map *m)
{
	size_t cap = m->paths_grown ? MAX_PATHS : m->paths ? 1 : 0, want = cap ? MAX_PATHS : 1;
	char **p;

	if (m->npaths < cap)
		return true;
	if (!(p = realloc(m->paths, want * sizeof(*p))))
		return false;
	m->paths = p;
	m->paths_grown = want == MAX_PATHS;
	return true;
}

/*
 * The map at header addr, reached through path (NULL: none): record it and
 * queue its walk, or count one more reference. Returns the entry; *ret_new
 * says whether it was new (the caller may still set its fields: the walk
 * runs later, from the queue).
 */
static struct ms_found_map *found_map(struct finder *f, uint64_t addr, const struct ms_dtype *type,
                                      const char *path, unsigned depth, enum ms_found_by by,
                                      bool *ret_new)
{
	struct ms_found *fd = f->found;
	struct ms_found_map *m = ms_found_lookup(fd, addr);

	if (ret_new)
		*ret_new = !m;
	if (m) {
		m->refs++;
		/* type NULL: a path by offsets, which confirms no type */
		if (path && type && f->t->dwarf->synthetic && !m->syncmap && !m->inner)
			confirm_type(f, m, type, path);
		if (path && (m->npaths < MAX_PATHS || (path_named(path) && m->npaths &&
		                                       !path_named(m->paths[m->npaths - 1])))) {
			char *p = strdup(path);
			size_t at = m->npaths;

			if (!p || (at < MAX_PATHS && !paths_room(m))) {
				free(p);
				f->err = &ms_error_nomem;
				return m;
			}
			if (at == MAX_PATHS)
				free(m->paths[--at]);
			/* a path that names fields goes before those made of offsets */
			while (path_named(p) && at > 0 && !path_named(m->paths[at - 1])) {
				m->paths[at] = m->paths[at - 1];
				at--;
			}
			m->paths[at] = p;
			if (m->npaths < MAX_PATHS)
				m->npaths++;
		}
		return m;
	}
	m = ms_found_add(fd, addr);
	if (!m) {
		f->err = &ms_error_nomem;
		return NULL;
	}
	m->type = type;
	m->by = by;
	m->refs = 1;
	/* a typed path's type: DWARF's, or without DWARF the runtime's type descriptors' */
	m->type_source = f->t->dwarf->synthetic ? "runtime-type" : "dwarf";
	if (f->root_stack && addr >= f->root_stack->lo && addr < f->root_stack->hi) {
		/* a header in the goroutine's own stack (a map that does not escape):
		 * found_by says where it lives, its path how it was reached */
		m->by = MS_FOUND_STACK;
		if (!(m->stack = malloc(sizeof(*m->stack)))) {
			f->err = &ms_error_nomem;
			return NULL;
		}
		*m->stack = (struct ms_found_stack){f->root_stack->lo, f->root_stack->hi,
		                                    f->root_stack->goid, f->root_func};
	}
	if (f->root_pkg[0] && !(m->package = strdup(f->root_pkg))) {
		f->err = &ms_error_nomem;
		return NULL;
	}
	if (path) {
		if (!paths_room(m) || !(m->paths[0] = strdup(path))) {
			f->err = &ms_error_nomem;
			return NULL;
		}
		m->npaths = 1;
	}
	enqueue(f, addr, type, strdup(path ? path : ""), depth + 1, true);
	return m;
}

static void visit(struct finder *f, uint64_t addr, const struct ms_dtype *type, const char *path,
                  unsigned depth);
static void enqueue_ptr(struct finder *f, uint64_t p, const struct ms_dtype *type, char *path,
                        unsigned depth);
static void follow_unsafe(struct finder *f, uint64_t addr, const char *path, unsigned depth);

/*
 * The sync.Map whose struct is at addr, reached through path: one entry, walked
 * from the queue like a map (walk_syncmap). A sync.Map that no map holds yet
 * (never stored to) is still reported, with len 0.
 */
static void found_syncmap(struct finder *f, uint64_t addr, const struct ms_dtype *type,
                          const char *path, unsigned depth)
{
	bool is_new = false;
	struct ms_found_map *m = found_map(f, addr, type, path, depth, f->root_by, &is_new);

	if (m && is_new)
		m->syncmap = true;
}

static void visit_interface(struct finder *f, uint64_t addr, const struct ms_dtype *u,
                            const char *path, unsigned depth)
{
	uint64_t w0, data, rtype;
	const struct ms_dtype *dyn;
	bool eface = u->nmembers && strcmp(u->members[0].name, "_type") == 0;

	if (!rd_ptr(f, addr, &w0) || !w0 || !rd_ptr(f, addr + f->t->ptr, &data))
		return;
	rtype = w0;
	if (!eface && !rd_ptr(f, w0 + f->t->ptr, &rtype)) /* itab._type */
		return;
	dyn = ms_types_by_runtime(f->ty, rtype);
	if (!dyn || !ms_types_reaches_map(f->ty, dyn))
		return;
	if (ms_types_direct_iface(f->ty, rtype, dyn))
		visit(f, addr + f->t->ptr, dyn, path, depth);
	else if (data)
		enqueue_ptr(f, data, dyn, strdup(path), depth + 1);
}

static void visit_slice(struct finder *f, uint64_t addr, const struct ms_dtype *u, const char *path,
                        unsigned depth)
{
	const struct ms_dmember *arr_m = ms_dtype_member(u, "array");
	const struct ms_dmember *len_m = ms_dtype_member(u, "len");
	const struct ms_dtype *elem = ms_dwarf_type(f->t->dwarf, u->elem_off);
	uint64_t arr, len, esize;

	if (!arr_m || !len_m || !elem || !ms_types_reaches_map(f->ty, elem))
		return;
	if (!rd_ptr(f, addr + arr_m->offset, &arr) || !rd_ptr(f, addr + len_m->offset, &len) ||
	    !arr)
		return;
	esize = ms_types_layout(f->ty, elem).size_bytes;
	if (!esize || len > (1ull << 32) || !ms_source_has(f->t->mem, arr, len * esize))
		return;
	for (uint64_t i = 0; i < len && f->budget; i++) {
		char *p = path_join(path, "[%llu]", (unsigned long long)i);

		if (!p) {
			f->err = &ms_error_nomem;
			return;
		}
		visit(f, arr + i * esize, elem, p, depth);
		free(p);
	}
}

/* atomic.Pointer[T] holds an unsafe.Pointer that is really a *T. */
static const struct ms_dtype *atomic_pointer_target(struct finder *f, const struct ms_dtype *u)
{
	static const char prefix[] = "sync/atomic.Pointer[";
	char name[256];
	size_t n;

	if (!u->name || strncmp(u->name, prefix, sizeof(prefix) - 1) != 0)
		return NULL;
	n = strlen(u->name) - (sizeof(prefix) - 1);
	if (n < 2 || n >= sizeof(name))
		return NULL;
	memcpy(name, u->name + sizeof(prefix) - 1, n - 1);
	name[n - 1] = '\0';
	return ms_dwarf_type_by_name(f->t->dwarf, name);
}

/*
 * Values nested inside one another (fields, array elements, typedefs) without a
 * pointer between them. Go's own types stay far below, and no Go value contains
 * a value of its own type; damaged type descriptors can describe a struct that
 * contains itself (once or twice over: exponential), which would recurse until
 * the stack or the budget runs out. Such a value is not visited.
 */
static void visit_value(struct finder *f, uint64_t addr, const struct ms_dtype *type,
                        const char *path, unsigned depth);

static void visit(struct finder *f, uint64_t addr, const struct ms_dtype *type, const char *path,
                  unsigned depth)
{
	if (f->nest >= MAX_NEST)
		return;
	for (unsigned i = 0; i < f->nest; i++)
		if (f->nest_types[i] == type)
			return;
	f->nest_types[f->nest++] = type;
	visit_value(f, addr, type, path, depth);
	f->nest--;
}

static void visit_value(struct finder *f, uint64_t addr, const struct ms_dtype *type,
                        const char *path, unsigned depth)
{
	const struct ms_dtype *u, *c;
	uint64_t p;

	if (!type || f->err || !f->budget)
		return;
	f->budget--;
	if (ms_types_is_map(type)) {
		if (rd_ptr(f, addr, &p) && p)
			found_map(f, p, type, path, depth, f->root_by, NULL);
		return;
	}
	if (ms_types_is_syncmap(f->ty, type)) {
		found_syncmap(f, addr, type, path, depth);
		return;
	}
	if (!ms_types_reaches_map(f->ty, type))
		return;
	/* typedefs down to the type itself; Go puts the interface kind on a typedef */
	u = type;
	for (int i = 0; u && u->tag == MS_DTAG_TYPEDEF && i < 16; i++) {
		if (ms_types_is_map(u)) {
			visit(f, addr, u, path, depth);
			return;
		}
		if (u->go_kind == MS_KIND_INTERFACE) {
			const struct ms_dtype *s = ms_types_underlying(f->ty, u);

			if (s && s->tag == MS_DTAG_STRUCT)
				visit_interface(f, addr, s, path, depth);
			return;
		}
		u = ms_dwarf_type(f->t->dwarf, u->type_off);
	}
	if (!u)
		return;
	switch (u->tag) {
	case MS_DTAG_POINTER:
		c = ms_dwarf_type(f->t->dwarf, u->type_off);
		if (c && rd_ptr(f, addr, &p) && p)
			enqueue_ptr(f, p, c, strdup(path), depth + 1);
		return;
	case MS_DTAG_ARRAY: {
		struct ms_type_layout l;

		uint64_t bytes;

		c = ms_dwarf_type(f->t->dwarf, u->type_off);
		l = ms_types_layout(f->ty, c);
		if (!c || !l.size_bytes)
			return;
		/* an array lies in memory that exists: one whose end does not (damaged type
		 * descriptors can say 2^40 elements) is not walked element by element */
		if (!u->count || !ms_mul_u64(u->count, l.size_bytes, &bytes) ||
		    addr + bytes < addr ||
		    !rd_ptr(f, addr + bytes - (bytes < f->t->ptr ? bytes : f->t->ptr), &p))
			return;
		for (uint64_t i = 0; i < u->count && f->budget && !f->err; i++) {
			char *s = path_join(path, "[%llu]", (unsigned long long)i);

			if (!s) {
				f->err = &ms_error_nomem;
				return;
			}
			visit(f, addr + i * l.size_bytes, c, s, depth);
			free(s);
		}
		return;
	}
	case MS_DTAG_STRUCT:
		if (u->go_kind == MS_KIND_INTERFACE) {
			visit_interface(f, addr, u, path, depth);
			return;
		}
		if (u->go_kind == MS_KIND_SLICE) {
			visit_slice(f, addr, u, path, depth);
			return;
		}
		c = atomic_pointer_target(f, u);
		if (c) {
			if (rd_ptr(f, addr, &p) && p)
				enqueue_ptr(f, p, c, strdup(path), depth + 1);
			return;
		}
		for (size_t i = 0; i < u->nmembers && !f->err; i++) {
			const struct ms_dmember *m = &u->members[i];
			const struct ms_dtype *mt = ms_dwarf_type(f->t->dwarf, m->type_off);
			char *s;

			if (f->records_types && ms_types_is_unsafe_pointer(f->ty, mt) &&
			    claims_type(u) && (!u->name || strncmp(u->name, "internal/", 9) != 0)) {
				char *up = path_join(path, ".%s", m->name);

				if (!up) {
					f->err = &ms_error_nomem;
					return;
				}
				follow_unsafe(f, addr + m->offset, up, depth);
				free(up);
				continue;
			}
			if (!mt || !ms_types_reaches_map(f->ty, mt))
				continue;
			s = path_join(path, ".%s", m->name);
			if (!s) {
				f->err = &ms_error_nomem;
				return;
			}
			visit(f, addr + m->offset, mt, s, depth);
			free(s);
		}
		return;
	default:
		return;
	}
}

/* A map key as a path element: "eu" quoted, integers in decimal, else "?". */
static void key_text(struct finder *f, uint64_t key_addr, char *buf, size_t len)
{
	const struct ms_dtype *k = ms_types_underlying(f->ty, f->cur_geom->key);
	uint64_t v;

	snprintf(buf, len, "?");
	if (!k)
		return;
	if (k->tag == MS_DTAG_STRUCT && k->go_kind == MS_KIND_STRING) {
		uint64_t sp, sl;
		char s[41];

		if (!rd_ptr(f, key_addr, &sp) || !rd_ptr(f, key_addr + f->t->ptr, &sl))
			return;
		if (sl > 40)
			sl = 40;
		if (sl && ms_source_has(f->t->mem, sp, sl)) {
			struct ms_error *err = ms_source_read(f->t->mem, sp, s, sl);
			ms_error_destroy(err);
			if (err)
				return;
		}
		for (uint64_t i = 0; i < sl; i++)
			if (s[i] < 0x20 || s[i] == '"' || s[i] == '\\' ||
			    (unsigned char)s[i] >= 0x7f)
				s[i] = '?';
		snprintf(buf, len, "\"%.*s\"", (int)sl, s);
		return;
	}
	if (k->tag == MS_DTAG_BASE && k->size <= 8 && k->go_kind >= 2 && k->go_kind <= 12) {
		struct ms_error *err =
		    ms_source_read_uint(f->t->mem, key_addr, (unsigned)k->size, &v);

		ms_error_destroy(err);
		if (err)
			return;
		if (k->go_kind <= 6) { /* int, int8..int64: sign-extend */
			unsigned bits = (unsigned)k->size * 8;
			int64_t sv = bits < 64 && (v >> (bits - 1)) ? (int64_t)(v | (~0ull << bits))
			                                            : (int64_t)v;
			snprintf(buf, len, "%lld", (long long)sv);
		} else {
			snprintf(buf, len, "%llu", (unsigned long long)v);
		}
	}
}

static void on_slot(void *arg, uint64_t key_addr, uint64_t elem_addr)
{
	struct finder *f = arg;
	char key[64], *p;

	if (f->err || !f->budget)
		return;
	key_text(f, key_addr, key, sizeof(key));
	p = path_join(f->cur_path, "[%s]", key);
	if (!p) {
		f->err = &ms_error_nomem;
		return;
	}
	if (f->cur_geom->key_reaches)
		visit(f, key_addr, f->cur_geom->key, p, f->cur_depth);
	if (f->cur_geom->elem_reaches)
		visit(f, elem_addr, f->cur_geom->elem, p, f->cur_depth);
	free(p);
}

static struct ms_error *retype(struct finder *f, struct ms_found_map *m, struct ms_error *why);

/* After a walk: out of memory stops the finder, another error is the map's own. */
static void walk_ended(struct finder *f, struct ms_found_map *m, struct ms_error *err,
                       struct ms_walk *w)
{
	if (err) {
		if (ms_error_code(err) == MS_ERR_NOMEM)
			f->err = err;
		else {
			free(m->report->r.error);
			m->report->r.error = strdup(ms_error_message(err));
			ms_error_destroy(err);
		}
	}
	ms_addrset_deinit(&w->seen);
}

/* sync.Map: each live entry's key and value interfaces may lead on */
static void on_sync_entry(void *arg, uint64_t key_iface, uint64_t value_iface)
{
	struct finder *f = arg;
	const struct ms_dtype *any = ms_dwarf_type_by_name(f->t->dwarf, "interface {}");
	char *p;

	if (f->err || !f->budget || !any)
		return;
	p = path_join(f->cur_path, ".Load(?)");
	if (!p) {
		f->err = &ms_error_nomem;
		return;
	}
	visit(f, key_iface, any, p, f->cur_depth);
	visit(f, value_iface, any, p, f->cur_depth);
	free(p);
}

/* An inner map of a sync.Map: known, so that no scan reports it apart. */
static void claim_inner(struct finder *f, uint64_t hmap)
{
	struct ms_found_map *m;

	if (!hmap || ms_found_lookup(f->found, hmap))
		return;
	m = ms_found_add(f->found, hmap);
	if (!m) {
		f->err = &ms_error_nomem;
		return;
	}
	m->inner = true;
}

/*
 * M's report, made when first needed (its walk): 300,000 maps found before they are
 * walked hold no report meanwhile. NULL (f->err set) when out of memory.
 */
static struct ms_map_draft *report_of(struct finder *f, struct ms_found_map *m)
{
	struct ms_error *err = NULL;

	if (!m->report && m->packed) /* walked again: its report unpacked */
		err = ms_found_take_report(m, &m->report);
	if (!err && !m->report && !(m->report = calloc(1, sizeof(*m->report))))
		err = &ms_error_nomem;
	if (err) {
		f->err = err;
		return NULL;
	}
	m->report->r.addr = m->addr;
	return m->report;
}

/* After M's walk: its report kept packed (report_pack.h) until the inspect report takes it. */
static void pack_report(struct finder *f, struct ms_found_map *m)
{
	uint8_t buf[MS_PACK_MAX(sizeof(struct ms_map_draft))];
	size_t n;
	uint8_t *p;

	if (!m->report || m->handed || f->err)
		return;
	n = ms_pack_units(m->report, sizeof(*m->report), buf);
	p = ms_slab_alloc(&f->found->reports_slab, n);
	if (!p) {
		f->err = &ms_error_nomem;
		return;
	}
	memcpy(p, buf, n);
	ms_slab_free(m->packed);
	m->packed = p;
	free(m->report); /* its pointers belong to the packed form now */
	m->report = NULL;
}

static void walk_syncmap(struct finder *f, struct ms_found_map *m, const struct item *it)
{
	struct ms_walk w = {0};
	const struct ms_dtype *inner_t =
	    ms_dwarf_type_by_name(f->t->dwarf, "map[interface {}]*sync.entry");
	const struct ms_dvar *exp = ms_dwarf_var(f->t->dwarf, "sync.expunged");
	const struct ms_map_geom *g = NULL;
	uint64_t expunged = 0;
	struct ms_error *err = NULL;

	if (inner_t)
		err = ms_types_geom(f->ty, inner_t, &g);
	ms_error_destroy(err);
	if (err)
		g = NULL;
	if (exp && !rd_ptr(f, exp->addr, &expunged))
		expunged = 0;
	if (!report_of(f, m))
		return;
	w.t = f->t;
	w.r = &m->report->r;
	w.d = &m->report->d;
	w.stack_lo = m->stack ? m->stack->lo : 0;
	w.stack_hi = m->stack ? m->stack->hi : 0;
	f->cur_path = it->path;
	f->cur_depth = it->depth;
	err = ms_walk_syncmap(&w, it->addr, g, expunged, on_sync_entry, f);
	walk_ended(f, m, err, &w);
	if (m->report->d.sync) {
		claim_inner(f, m->report->d.sync->read_map);
		claim_inner(f, m->report->d.sync->dirty_map);
	}
	if (!f->err && f->opts->walked) {
		m->handed = true;
		f->err = f->opts->walked(f->opts->walked_arg, m);
	}
}

static bool validate(struct finder *f, uint64_t addr, const struct ms_dtype *type,
                     uint64_t stack_lo, uint64_t stack_hi, bool need_entries);

/*
 * ---- sync.Maps without DWARF ----
 * No typed path reaches a sync.Map, and its objects are too small for a malloc
 * header: it is recognised by its shape (ms_go_syncmap_layout) at the words the
 * scans of the globals and of the objects they reach read. word_addr holds the
 * pointer p; the sync.Map would start field-offset bytes before it.
 *   1.24+: p is HashTrieMap.root: a heap object of exactly an indirect node's
 *          size with isEntry false and no parent; inited is 1, keyHash and
 *          valEqual are set.
 *   1.19-1.23: p is Map.read (1.19: the data word of the atomic.Value): a
 *          readOnly object whose m, and the dirty map, are nil or headers that a
 *          strict walk as map[interface {}]*sync.entry accepts, one at least set.
 * The inner maps are claimed at once, before the untyped walk meets them.
 */
static const struct ms_dtype untyped_syncmap = {.tag = MS_DTAG_STRUCT, .name = (char *)"sync.Map"};

/*
 * HashTrieMap.keyHash of a sync.Map: initSlow sets it to the Hasher of
 * map[interface {}]interface {} (internal/sync/hashtriemap.go, 1.24-1.27), which
 * tells a sync.Map from the HashTrieMaps of other key types (package unique's).
 * 1 (no func value is odd) when that map type is unknown: nothing matches.
 */
static uint64_t any_any_hasher(struct finder *f)
{
	if (!f->any_hasher) {
		const struct ms_dtype *d =
		    ms_dwarf_type_by_name(f->t->dwarf, "map[interface {}]interface {}");
		uint64_t p = f->t->ptr, h = 0;

		/* MapType: abi.Type (4 pointers and 16 bytes), Key, Elem, Group, Hasher */
		if (!d || !d->runtime_type ||
		    !rd_ptr(f, f->t->rt.types_base + d->runtime_type + 4 * p + 16 + 3 * p, &h) ||
		    !h)
			h = 1;
		f->any_hasher = h;
	}
	return f->any_hasher;
}

static bool rd_byte(struct finder *f, uint64_t addr, uint8_t *ret)
{
	struct ms_error *err = ms_source_read(f->t->mem, addr, ret, 1);

	ms_error_destroy(err);
	return !err;
}

static bool heap_object_of(struct finder *f, uint64_t p, uint64_t req, struct ms_heap_obj *o)
{
	return p && ms_heap_find(f->t, p, o) && o->base == p && !o->noscan &&
	       o->elemsize == ms_alloc_object(&f->t->go, f->t->arch, req, true).total_bytes;
}

struct entry_check {
	struct finder *f;
	uint64_t entry_elem; /* an *entry's object size */
	bool bad;
};

/* A slot of a map[interface {}]*sync.entry: a key whose type word is no heap object,
 * a value pointing to an entry object. */
static void check_entry_slot(void *arg, uint64_t key_addr, uint64_t elem_addr)
{
	struct entry_check *c = arg;
	struct ms_heap_obj o;
	uint64_t k = 0, e = 0;

	if (c->bad || !rd_ptr(c->f, key_addr, &k) || !k || ms_heap_find(c->f->t, k, NULL) ||
	    !rd_ptr(c->f, elem_addr, &e) || !ms_heap_find(c->f->t, e, &o) || o.base != e ||
	    o.elemsize != c->entry_elem)
		c->bad = true;
}

static bool syncmap_inner_ok(struct finder *f, const struct ms_dtype *inner, uint64_t hmap,
                             uint64_t entry_bytes)
{
	const struct ms_map_geom *g;
	struct ms_map_draft r = {0};
	struct ms_walk w = {0};
	struct entry_check c = {
	    f, ms_alloc_object(&f->t->go, f->t->arch, entry_bytes, true).total_bytes, false};
	struct ms_error *err;

	if (!inner)
		return false;
	if (!hmap)
		return true;
	if (!validate(f, hmap, inner, 0, 0, false))
		return false;
	err = ms_types_geom(f->ty, inner, &g);
	if (!err) {
		w.t = f->t;
		w.g = g;
		w.r = &r.r;
		w.d = &r.d;
		w.slot = check_entry_slot;
		w.arg = &c;
		err = ms_walk_classic(&w, hmap);
	}
	ms_error_destroy(err);
	free(r.r.error);
	free(r.d.tables);
	ms_addrset_deinit(&w.seen);
	return !err && !c.bad;
}

/* The sync.Map whose field at word_addr holds p, if the shape fits: its address in *ret. */
static bool shape_syncmap(struct finder *f, uint64_t word_addr, uint64_t p, uint64_t *ret)
{
	struct ms_go_syncmap l;
	struct ms_heap_obj o;
	uint64_t sm, a = 0, b = 0, c = 0;

	if (!f->t->dwarf->synthetic || ms_found_lookup(f->found, p))
		return false;
	ms_go_syncmap_layout(&f->t->go, f->t->arch, &l);
	if (l.hashtrie) {
		uint8_t node = 1;
		uint32_t inited = 0;
		struct ms_error *err = NULL;

		sm = word_addr - l.root_off;
		if (!heap_object_of(f, p, l.ind_bytes, &o) || !rd_ptr(f, p + 16, &a) || a ||
		    !rd_ptr(f, word_addr + f->t->ptr, &b) || b != any_any_hasher(f) ||
		    !rd_ptr(f, word_addr + 2 * f->t->ptr, &c) || !c)
			return false;
		if (!rd_byte(f, p, &node) || node ||
		    (err = ms_source_read(f->t->mem, sm, &inited, 4)) != NULL || inited != 1) {
			ms_error_destroy(err);
			return false;
		}
	} else {
		const struct ms_dtype *inner;
		uint64_t hsize = f->t->rt.hmap.size;
		uint8_t amended = 0;

		sm = word_addr - l.read_off - (l.read_iface ? f->t->ptr : 0);
		/* readOnly{m; amended bool}: amended is 0 or 1 (only the byte: 1.19 copies the
		 * struct into its box from the stack, padding and all) */
		if (!heap_object_of(f, p, l.ro_bytes, &o) || !rd_ptr(f, p, &a) ||
		    !rd_byte(f, p + l.ro_amended_off, &amended) || amended > 1 ||
		    !rd_ptr(f, sm + l.dirty_off, &b) || (!a && !b) ||
		    (a && !heap_object_of(f, a, hsize, &o)) ||
		    (b && !heap_object_of(f, b, hsize, &o)) ||
		    (l.read_iface &&
		     (!rd_ptr(f, sm + l.read_off, &c) || !c || ms_heap_find(f->t, c, NULL))))
			return false;
		inner = ms_dwarf_type_by_name(f->t->dwarf, "map[interface {}]*sync.entry");
		if (!syncmap_inner_ok(f, inner, a, l.entry_bytes) ||
		    !syncmap_inner_ok(f, inner, b, l.entry_bytes))
			return false;
		claim_inner(f, a);
		claim_inner(f, b);
	}
	if (ms_found_lookup(f->found, sm))
		return false;
	*ret = sm;
	return true;
}

/* A sync.Map found by its shape, reached through path. */
static void found_shape_syncmap(struct finder *f, uint64_t sm, const char *path)
{
	bool is_new = false;
	struct ms_found_map *m = found_map(f, sm, &untyped_syncmap, path, 0, f->root_by, &is_new);

	if (m && is_new) {
		m->syncmap = true;
		m->type_source = "layout";
	}
}

/* Walk a map found at addr and fill its report. Its entries are visited if they can lead on. */
static void walk_map_report(struct finder *f, const struct item *it)
{
	struct ms_found_map *m = ms_found_lookup(f->found, it->addr);
	struct ms_walk w = {0};
	const struct ms_map_geom *g;
	struct ms_error *err;

	if (!m || m->inner || !report_of(f, m))
		return;
	if (m->syncmap) {
		walk_syncmap(f, m, it);
		return;
	}
	err = ms_types_geom(f->ty, m->type, &g);
	if (err) /* the type that led here does not fit: the map is read as if found untyped */
		err = retype(f, m, err);
	if (!err)
		err = ms_types_geom(f->ty, m->type, &g);
	if (err) {
		if (ms_error_code(err) == MS_ERR_NOMEM)
			f->err = err;
		else {
			m->report->r.error = strdup(ms_error_message(err));
			ms_error_destroy(err);
		}
		return;
	}
	m->geom = g;
	w.t = f->t;
	w.g = g;
	w.r = &m->report->r;
	w.d = &m->report->d;
	w.stack_lo = m->stack ? m->stack->lo : 0;
	w.stack_hi = m->stack ? m->stack->hi : 0;
	/* entries are followed only when the map's type is certain */
	if ((g->key_reaches || g->elem_reaches) && m->ncandidates <= 1) {
		w.slot = on_slot;
		w.arg = f;
		f->cur_geom = g;
		f->cur_path = it->path;
		f->cur_depth = it->depth;
	}
	err = g->impl == MS_IMPL_CLASSIC ? ms_walk_classic(&w, it->addr)
	                                 : ms_walk_swiss(&w, it->addr);
	walk_ended(f, m, err, &w);
	if (!f->err && f->opts->walked) {
		m->handed = true;
		f->err = f->opts->walked(f->opts->walked_arg, m);
	}
}

static void walk_map(struct finder *f, const struct item *it)
{
	struct ms_found_map *m;

	walk_map_report(f, it);
	m = ms_found_lookup(f->found, it->addr);
	if (m)
		pack_report(f, m);
}

static void drain(struct finder *f)
{
	while (f->qhead < f->qtail && !f->err) {
		struct item it = f->queue[f->qhead++];

		tick(f, "maps found:");
		if (ms_cancelled() && !f->err)
			f->err =
			    ms_error_create(MS_ERR_LIMIT, "stopped: the time limit was reached");
		if (it.is_map)
			walk_map(f, &it);
		else
			visit(f, it.addr, it.type, it.path, it.depth);
		free(it.path);
	}
	if (f->qhead == f->qtail) { /* empty: give its memory back before the reports grow */
		free(f->queue);
		f->queue = NULL;
		f->qhead = f->qtail = f->qcap = 0;
	}
}

/* ---- maps nothing typed reached: stacks and the heap ---- */

/*
 * A header the runtime made has a random hash seed (hmap.hash0, Map.seed):
 * zeroed memory, the commonest false match, has none.
 */
static bool has_seed(struct finder *f, uint64_t addr)
{
	const struct ms_rt *rt = &f->t->rt;
	uint64_t off = f->t->classic_layout ? rt->hmap.hash0 : rt->smap.seed;
	unsigned n = f->t->classic_layout ? 4 : f->t->ptr;
	uint64_t seed = 0;
	struct ms_error *err;

	if (off == UINT64_MAX)
		return true;
	err = ms_source_read_uint(f->t->mem, addr + off, n, &seed);
	ms_error_destroy(err);
	return !err && seed != 0;
}

/* Would a walk of the map at addr with type succeed and agree with its header? */
static bool validate(struct finder *f, uint64_t addr, const struct ms_dtype *type,
                     uint64_t stack_lo, uint64_t stack_hi, bool need_entries)
{
	const struct ms_map_geom *g;
	struct ms_map_draft r;
	struct ms_walk w = {0};
	struct ms_error *err = ms_types_geom(f->ty, type, &g);
	bool ok;

	if (err) {
		ms_error_destroy(err);
		return false;
	}
	if (!has_seed(f, addr))
		return false;
	memset(&r, 0, sizeof(r));
	w.t = f->t;
	w.g = g;
	w.r = &r.r;
	w.d = &r.d;
	w.stack_lo = stack_lo;
	w.stack_hi = stack_hi;
	w.strict = true;
	w.seen = f->validate_seen;
	err = g->impl == MS_IMPL_CLASSIC ? ms_walk_classic(&w, addr) : ms_walk_swiss(&w, addr);
	/* a map caught inside a write (write_in_progress) may count one entry more or less
	 * than its slots hold; no more, so that random memory stays no map */
	ok = !err && !r.r.error &&
	     (r.d.occupied == r.r.len ||
	      (r.d.writing && r.d.occupied + 1 >= r.r.len && r.r.len + 1 >= r.d.occupied)) &&
	     (r.r.len > 0 || !need_entries) && (g->impl == MS_IMPL_CLASSIC) == f->t->classic_layout;
	if (err && ms_error_code(err) == MS_ERR_NOMEM)
		f->err = err;
	else
		ms_error_destroy(err);
	free(r.r.error);
	free(r.d.tables);
	f->validate_seen = w.seen;
	ms_addrset_clear(&f->validate_seen, 256);
	return ok;
}

/* Do two map types walk the same (same sizes, offsets and pointerness)? */
static bool same_geometry(const struct ms_map_geom *a, const struct ms_map_geom *b)
{
	return a->impl == b->impl && a->unit_bytes == b->unit_bytes && a->kslot == b->kslot &&
	       a->vslot == b->vslot && a->keys_off == b->keys_off && a->elems_off == b->elems_off &&
	       a->key_stride == b->key_stride && a->elem_stride == b->elem_stride &&
	       a->key_indirect == b->key_indirect && a->elem_indirect == b->elem_indirect &&
	       a->key_bytes == b->key_bytes && a->elem_bytes == b->elem_bytes &&
	       a->has_pointers == b->has_pointers;
}

/*
 * Every map type whose layout walks the header at addr cleanly (at most 32;
 * the first one's layout gives the numbers). store_noscan: -1 unknown, else
 * whether the buckets or groups are pointer-free, as their span says.
 */
/*
 * How much a clean walk with g proved: out-of-line keys and values are checked
 * to be heap objects of their size, so a layout with them says more than one
 * that takes the same words as plain values (which stays a candidate: a
 * *T200 value looks like an out-of-line [200]byte).
 */
static int specificity(const struct ms_map_geom *g)
{
	return g->key_indirect + g->elem_indirect;
}

static size_t shape_narrow(struct finder *f, uint64_t addr, const struct ms_dtype **fits,
                           size_t nfits);
/* The header code_narrow types: at addr (in the stack [lo, hi), or 0, 0), its storage
 * pointer-free or not (store_noscan, -1 unknown); all_fits: fits holds every map type
 * whose layout walks it (fewer than MS_MAX_TYPE_CANDIDATES were found). */
struct code_check {
	uint64_t addr, lo, hi;
	int store_noscan;
	bool all_fits;
};
static size_t code_narrow(struct finder *f, const struct code_ev *ev, const struct code_check *c,
                          const struct ms_dtype **fits, size_t nfits, const char **src);

/*
 * A generic function's shape type (DWARF's go.shape.map[…]; the runtime's descriptors
 * spell its package path go%2eshape) is never a value's runtime type: a generic
 * function's dictionary hands the runtime the real one.
 */
static bool shape_type(const struct ms_dtype *t)
{
	return t->name && (strstr(t->name, "go.shape.") || strstr(t->name, "go%2eshape."));
}

static size_t type_by_layout(struct finder *f, uint64_t addr, uint64_t lo, uint64_t hi,
                             int store_noscan, bool need_entries, const struct ms_dtype **fits)
{
	const struct ms_dtype *const *all;
	size_t nall = ms_types_maps(f->ty, &all), nfits = 0, nseen = 0;
	/* geometries walked already: types that share one walk the same */
	struct {
		const struct ms_map_geom *g;
		bool ok;
	} seen[64];

	/* the layouts that prove more first: their numbers are the ones reported */
	for (int level = 2; level >= 0; level--) {
		for (size_t i = 0; i < nall && !f->err && nfits < MS_MAX_TYPE_CANDIDATES; i++) {
			const struct ms_map_geom *g;
			struct ms_error *gerr = ms_types_geom(f->ty, all[i], &g);
			bool ok = false, known = false;

			if (gerr) {
				ms_error_destroy(gerr);
				continue;
			}
			if ((store_noscan >= 0 && g->has_pointers == (store_noscan > 0)) ||
			    specificity(g) != level || shape_type(all[i]))
				continue;
			for (size_t k = 0; k < nseen && !known; k++)
				if (same_geometry(seen[k].g, g)) {
					known = true;
					ok = seen[k].ok;
				}
			if (!known) {
				ok = validate(f, addr, all[i], lo, hi, need_entries);
				if (nseen < sizeof(seen) / sizeof(seen[0])) {
					seen[nseen].g = g;
					seen[nseen++].ok = ok;
				}
			}
			if (ok)
				fits[nfits++] = all[i];
		}
	}
	return nfits;
}

/* Is word a return address into known code? Then that function. */
static const struct ms_dfunc *code_at(struct finder *f, uint64_t word)
{
	return ms_dwarf_func_at(f->t->dwarf, word);
}

/*
 * Functions whose return addresses lie below addr on the stack, nearest
 * first: the frame holding addr belongs to one of them (the return address
 * into a function sits just below its frame, pushed when it made a call;
 * stale words in frames can add others, which is why all are kept). At most
 * max return addresses are looked at, repeats included: a deep recursion is
 * one function many times, and walking all of it for each header candidate
 * above it would be quadratic in the stack's size.
 */
static size_t frames_below(struct finder *f, uint64_t addr, uint64_t sp, const uint8_t *stack,
                           uint64_t lo, const struct ms_dfunc **ret, size_t max)
{
	unsigned ptr = f->t->ptr;
	size_t n = 0, hits = 0;

	for (uint64_t a = (addr - lo) / ptr * ptr + lo;
	     a >= sp + ptr && a - ptr >= lo && n < max && hits < max; a -= ptr) {
		uint64_t w = ms_source_decode(f->t->mem, stack + (a - ptr - lo), ptr);
		const struct ms_dfunc *fn = code_at(f, w);

		hits += fn != NULL;
		if (fn && (n == 0 || ret[n - 1] != fn))
			ret[n++] = fn;
	}
	return n;
}

/*
 * Without DWARF: the function whose frame holds addr. Going down from addr, the
 * first word that is a return address into a function F (not its entry: that
 * is a func value) whose frame, by .gopclntab's stack-pointer table, reaches
 * above addr: on amd64 and 386 the call pushed it just below F's frame
 * [slot + ptr, slot + ptr + spdelta). Elsewhere (link-register machines) the
 * nearest return address is taken (*ret_entry its entry). NULL if none.
 */
static const char *pcln_frame_below(struct finder *f, uint64_t addr, uint64_t sp,
                                    const uint8_t *stack, uint64_t lo, uint64_t *ret_entry)
{
	unsigned ptr = f->t->ptr;
	bool x86 = f->t->arch == MS_ARCH_AMD64 || f->t->arch == MS_ARCH_386;

	for (uint64_t a = (addr - lo) / ptr * ptr + lo; a >= sp + ptr && a - ptr >= lo; a -= ptr) {
		uint64_t slot = a - ptr, pc = ms_source_decode(f->t->mem, stack + (slot - lo), ptr);
		struct ms_func_at fa;

		if (!ms_binary_func_at(f->t->exe, pc, &fa) || pc == fa.entry)
			continue;
		if (x86 && (fa.spdelta < 0 || addr >= slot + ptr + (uint64_t)fa.spdelta))
			continue;
		*ret_entry = fa.entry;
		return fa.name;
	}
	return NULL;
}

/* fn's locals read (they are read on first use); false with f->err set if they cannot be. */
static bool func_locals(struct finder *f, const struct ms_dfunc *fn)
{
	struct ms_error *err = ms_dwarf_func_locals(f->t->dwarf, fn);

	if (err && !f->err)
		f->err = err;
	else
		ms_error_destroy(err);
	return !f->err;
}

static bool local_map_type(struct finder *f, const struct ms_dfunc *fn, size_t i,
                           const struct ms_dtype **ret)
{
	const struct ms_dtype *t = ms_dwarf_type(f->t->dwarf, fn->locals[i].type_off);

	if (!ms_types_is_map(t))
		return false;
	*ret = t;
	return true;
}

/* A header at addr inside the stack [lo, hi) of goroutine goid. */
static void stack_candidate(struct finder *f, const struct ms_stack *st, uint64_t sp,
                            const uint8_t *stack, uint64_t addr)
{
	const struct ms_dfunc *fn, *fns[64];
	const struct ms_dtype *type = NULL, *fits[MS_MAX_TYPE_CANDIDATES];
	const char *src = "layout", *func = NULL;
	struct code_ev ev = {{0, 0}, 0};
	struct ms_found_map *m;
	size_t nfits = 0, nfns;
	bool is_new, all_fits;

	m = ms_found_lookup(f->found, addr);
	if (m) {
		m->refs++;
		return;
	}
	/* the map-typed locals of the functions below first, then any map type with entries */
	nfns = frames_below(f, addr, sp, stack, st->lo, fns, 64);
	fn = NULL;
	for (size_t k = 0; k < nfns && !type && !f->err; k++) {
		if (!func_locals(f, fns[k]))
			break;
		for (size_t i = 0; i < fns[k]->nlocals && !type; i++) {
			const struct ms_dtype *t;

			if (local_map_type(f, fns[k], i, &t) &&
			    validate(f, addr, t, st->lo, st->hi, false)) {
				type = t;
				fn = fns[k];
			}
		}
	}
	if (type)
		fits[nfits++] = type;
	else
		nfits = type_by_layout(f, addr, st->lo, st->hi, -1, true, fits);
	/* every type that fits is among them (the true one too): code_narrow may choose */
	all_fits = nfits < MS_MAX_TYPE_CANDIDATES;
	if (nfits > 1 && !f->err)
		nfits = shape_narrow(f, addr, fits, nfits);
	if (!nfits)
		return;
	/* without DWARF's frames: the function whose frame holds it */
	if (!fn && !nfns)
		func = pcln_frame_below(f, addr, sp, stack, st->lo, &ev.pc[0]);
	if (nfits > 1 && !f->err) {
		struct code_check c = {addr, st->lo, st->hi, -1, all_fits};

		nfits = code_narrow(f, &ev, &c, fits, nfits, &src);
	}
	m = found_map(f, addr, fits[0], NULL, 0, MS_FOUND_STACK, &is_new);
	if (m && is_new) {
		m->type_source = type ? "dwarf" : src;
		if (ms_found_candidates(m, fits, nfits)) {
			f->err = &ms_error_nomem;
			return;
		}
		if (!m->stack && !(m->stack = malloc(sizeof(*m->stack)))) {
			f->err = &ms_error_nomem;
			return;
		}
		*m->stack = (struct ms_found_stack){st->lo, st->hi, st->goid, fn ? fn->name : func};
		if (m->stack->func) {
			char pkg[256];

			ms_go_symbol_package(m->stack->func, pkg, sizeof(pkg));
			if (!(m->package = strdup(pkg)))
				f->err = &ms_error_nomem;
		}
	}
}

/* ---- goroutine frames: live variables as typed roots ---- */

struct frame_walk {
	struct finder *f;
	const struct ms_stack *st;
	bool untyped; /* DWARF: the pass over the live words no variable covers */
	bool runtime; /* untyped: the pass over the runtime's own frames (after the others) */
};

static void frame_untyped_roots(struct finder *f, const struct ms_stack *st,
                                const struct ms_frame *fr, const struct ms_dfunc *fn);

/*
 * "main.main: srv", "goroutine 7 main.(*Server).serve: s"; "&x" (moved to the
 * heap) is x; a local of a call inlined into func is "(inlined main.fill) m".
 */
static char *frame_root_path(const struct ms_stack *st, const char *func, const struct ms_dlocal *l)
{
	char buf[MAX_PATH_BYTES], var[MAX_PATH_BYTES / 2];
	const char *name = l->name[0] == '&' ? l->name + 1 : l->name;

	if (l->inlined)
		snprintf(var, sizeof(var), "(inlined %s) %s", l->inlined->name, name);
	else
		snprintf(var, sizeof(var), "%s", name);
	if (st->goid == 1 && strcmp(func, "main.main") == 0)
		snprintf(buf, sizeof(buf), "%s: %s", func, var);
	else
		snprintf(buf, sizeof(buf), "goroutine %llu %s: %s", (unsigned long long)st->goid,
		         func, var);
	return strdup(buf);
}

/*
 * Each variable and parameter of the frame's function (DWARF) that is on the
 * stack at the frame's pc, may lead to a map, and covers a word the runtime's
 * stack maps say is a live pointer (a dead slot holds a stale pointer): a
 * typed root, followed before the next one.
 */
static bool frame_roots(void *arg, const struct ms_frame *fr)
{
	struct frame_walk *fw = arg;
	struct finder *f = fw->f;
	const struct ms_dfunc *fn = ms_dwarf_func_at(f->t->dwarf, fr->lookup_pc);

	if (!fr->maps_known)
		return !f->err;
	if (f->t->dwarf->synthetic || fw->untyped) {
		char pkg[16];

		/* the program's frames name what they hold; runtime.selectgo's sudogs lead
		 * there too, so the runtime's frames come last */
		ms_go_symbol_package(fr->fn.name, pkg, sizeof(pkg));
		if ((strcmp(pkg, "runtime") == 0) == fw->runtime)
			frame_untyped_roots(f, fw->st, fr, fn);
		return !f->err;
	}
	if (!fn || !func_locals(f, fn))
		return !f->err;
	for (size_t i = 0; i < fn->nlocals && !f->err && f->budget; i++) {
		const struct ms_dlocal *l = &fn->locals[i];
		const struct ms_dtype *type = ms_dwarf_type(f->t->dwarf, l->type_off);
		uint64_t addr, size;
		int64_t off;
		char *path;

		if (!type || !ms_dlocal_at(l, fr->lookup_pc, &off) ||
		    !ms_types_reaches_map(f->ty, type))
			continue;
		addr = fr->fp + (uint64_t)off;
		size = ms_types_layout(f->ty, type).size_bytes;
		if (!size || addr < fw->st->lo || addr > fw->st->hi || size > fw->st->hi - addr ||
		    !ms_frame_live(fr, addr, size, f->t->ptr))
			continue;
		path = frame_root_path(fw->st, fr->fn.name, l);
		if (!path) {
			f->err = &ms_error_nomem;
			break;
		}
		ms_go_symbol_package(fr->fn.name, f->root_pkg, sizeof(f->root_pkg));
		f->root_func = fr->fn.name;
		visit(f, addr, type, path, 0);
		free(path);
		drain(f);
	}
	return !f->err;
}

static void scan_frames(struct finder *f, const struct ms_stack *stacks, size_t n)
{
	size_t unwound = 0, waiting = 0, running = 0, on_thread = 0, on_system_stack = 0;

	/* DWARF's variables of every goroutine first, typed; then (and without DWARF,
	 * alone) the live words no variable covers: compiler temporaries, or all; the
	 * program's frames before the runtime's */
	f->root_by = MS_FOUND_FRAME;
	for (int pass = f->t->dwarf->synthetic; pass < 3 && !f->err; pass++) {
		for (size_t i = 0; i < n && !f->err; i++) {
			struct frame_walk fw = {f, &stacks[i], pass >= 1, pass == 2};
			unsigned nframes;
			bool complete;
			struct ms_error *err;

			/* _Grunning: g.sched is stale; its thread's registers, if found */
			if ((stacks[i].status & ~0x1000u) == 2) {
				running += pass == 2;
				on_thread += pass == 2 && stacks[i].on_thread;
				on_system_stack += pass == 2 && stacks[i].on_system_stack;
				if (!stacks[i].on_thread)
					continue;
			}
			f->root_stack = &stacks[i];
			err = ms_target_unwind(f->t, &stacks[i], frame_roots, &fw, &nframes,
			                       &complete);
			if (err && ms_error_code(err) == MS_ERR_NOMEM)
				f->err = err;
			else
				ms_error_destroy(err);
			if (pass == 2) {
				waiting++;
				unwound += complete;
			}
		}
	}
	f->root_by = MS_FOUND_GLOBAL;
	f->root_stack = NULL;
	f->root_func = NULL;
	f->root_pkg[0] = '\0';
	f->t->goroutines =
	    (struct ms_goroutine_stats){n, running, on_thread, on_system_stack, unwound};
	if (unwound < waiting && !f->err)
		ms_target_warn(f->t,
		               "goroutine frames: %zu of %zu goroutines were unwound "
		               "to their last frame; the others' lower frames are not roots",
		               unwound, waiting);
	if (on_thread < running && !f->err)
		ms_target_warn(
		    f->t,
		    "goroutine frames: %zu of %zu running goroutines were found by their "
		    "thread's registers; the others' frames are not roots (no thread "
		    "registers, or none with sp in their stack)",
		    on_thread, running);
}

static void scan_stacks(struct finder *f, const struct ms_stack *stacks, size_t n)
{
	unsigned ptr = f->t->ptr;
	struct ms_error *err;

	for (size_t i = 0; i < n && !f->err; i++) {
		const struct ms_stack *st = &stacks[i];
		uint64_t len = st->hi - st->lo;
		uint64_t sp = st->sp >= st->lo && st->sp < st->hi ? st->sp : st->lo;
		uint8_t *buf = malloc(len);

		if (!buf) {
			f->err = &ms_error_nomem;
			break;
		}
		err = ms_source_read(f->t->mem, st->lo, buf, len);
		if (err) {
			ms_error_destroy(err);
			free(buf);
			continue;
		}
		/* every word of the live part that points into the same stack */
		for (uint64_t a = sp; a + ptr <= st->hi && !f->err; a += ptr) {
			uint64_t w = ms_source_decode(f->t->mem, buf + (a - st->lo), ptr);

			if (w >= sp && w < st->hi && w % ptr == 0 && w != a)
				stack_candidate(f, st, sp, buf, w);
		}
		free(buf);
		drain(f);
	}
}

struct heap_scan {
	struct finder *f;
	uint64_t hdr_bytes;
	uint64_t candidates, accepted;
	/* untyped roots: a header that several map types fit waits (ms_find_maps adds it
	 * last), so that a typed path reaching it first gives its certain type */
	bool defer_ambiguous;
};

/*
 * The runtime type descriptor the runtime recorded for heap object o (1.22+): the
 * element type of what it holds, from its 8-byte malloc header (*ret_data: the
 * data after it) or, for a large object, its span's type (*ret_data: its base).
 * 0 if none.
 */
static uint64_t object_rtype(struct finder *f, const struct ms_heap_obj *o, uint64_t *ret_data,
                             const char **ret_src)
{
	uint64_t tp = 0;

	if (o->malloc_header) {
		if (!rd_ptr(f, o->base, &tp))
			return 0;
		*ret_data = o->base + 8;
		*ret_src = "malloc-header";
	} else if (o->spanclass >> 1 == 0 && f->t->rt.span.large_type != UINT64_MAX) {
		tp = ms_heap_large_type(f->t, o->base);
		*ret_data = o->base;
		*ret_src = "span-type";
	}
	return tp;
}

/* The array object holding a map's buckets or groups, if its type is recorded. */
static const struct ms_dtype *recorded_type(struct finder *f, uint64_t data, const char **ret_src)
{
	struct ms_heap_obj o;
	uint64_t tp, at = 0;
	const char *src = NULL;

	if (!ms_heap_find(f->t, data, &o))
		return NULL;
	tp = object_rtype(f, &o, &at, &src);
	if (!tp || (o.malloc_header && at != data))
		return NULL;
	*ret_src = src;
	return ms_types_by_unit_rtype(f->ty, tp);
}

/* The first word that points at buckets or groups: the data the type is recorded for. */
static uint64_t header_data(struct finder *f, const uint8_t *hdr)
{
	const struct ms_rt *rt = &f->t->rt;
	uint64_t off = f->t->classic_layout ? rt->hmap.buckets : rt->smap.dir_ptr;
	uint64_t p = ms_source_decode(f->t->mem, hdr + off, f->t->ptr);

	if (!f->t->classic_layout && p &&
	    ms_source_decode(f->t->mem, hdr + rt->smap.dir_len, f->t->ptr) > 0) {
		/* a directory: the groups of its first table */
		uint64_t tab;

		if (!rd_ptr(f, p, &tab) || !rd_ptr(f, tab + rt->table.groups_data, &p))
			return 0;
	}
	return p;
}

static bool shape_validate(void *arg, uint64_t addr, const struct ms_dtype *type)
{
	return validate(arg, addr, type, 0, 0, false);
}

/* Of the map types whose layout walks the header at addr, those its memory's shape does
 * not disprove (shapetype.h). */
static size_t shape_narrow(struct finder *f, uint64_t addr, const struct ms_dtype **fits,
                           size_t nfits)
{
	const struct ms_rt *rt = &f->t->rt;
	uint64_t hdr_bytes = f->t->classic_layout ? rt->hmap.size : rt->smap.size;
	uint8_t hdr[128];
	struct ms_shape_check c = {addr, 0, shape_validate, f};

	if (hdr_bytes <= sizeof(hdr) && ms_source_try_read(f->t->mem, addr, hdr, hdr_bytes))
		c.data = header_data(f, hdr);
	return ms_shape_narrow(f->t, f->ty, &c, fits, nfits);
}

/* The runtime type descriptor of map type t; 0 if it has none. */
static uint64_t map_rtype(const struct finder *f, const struct ms_dtype *t)
{
	return t->runtime_type ? f->t->rt.types_base + t->runtime_type : 0;
}

static struct ms_coderefs *coderefs(struct finder *f)
{
	const struct ms_dtype *const *all;
	size_t nall, n = 0;
	uint64_t *addrs;
	struct ms_error *err;

	if (f->coderefs || f->coderefs_failed)
		return f->coderefs;
	f->coderefs_failed = true;
	nall = ms_types_maps(f->ty, &all);
	if (!(addrs = malloc((nall ? nall : 1) * sizeof(*addrs)))) {
		f->err = &ms_error_nomem;
		return NULL;
	}
	for (size_t i = 0; i < nall; i++)
		if ((addrs[n] = map_rtype(f, all[i])) != 0)
			n++;
	err = ms_coderefs_create(f->t->exe, addrs, n, &f->coderefs);
	free(addrs);
	if (err)
		f->err = err;
	else
		f->coderefs_failed = false;
	return f->coderefs;
}

/*
 * The map types that the code of the functions in ev loads (coderefs.h), each once, into
 * ret (at most max); NULL when none.
 */
static size_t code_types(struct finder *f, const struct code_ev *ev, const struct ms_dtype **ret,
                         size_t max)
{
	struct ms_coderefs *c = coderefs(f);
	size_t n = 0;

	for (size_t k = 0; c && k < 2 && !f->err; k++) {
		const uint64_t *refs;
		size_t nrefs;
		struct ms_error *err = NULL;

		if (!ev->pc[k] || !ms_coderefs_func(c, ev->pc[k], &refs, &nrefs, &err)) {
			if (err)
				f->err = err;
			continue;
		}
		for (size_t r = 0; r < nrefs && n < max; r++) {
			const struct ms_dtype *t = ms_types_by_runtime(f->ty, refs[r]);
			bool seen = !t || !ms_types_is_map(t);

			for (size_t i = 0; i < n && !seen; i++)
				seen = ret[i] == t;
			if (!seen)
				ret[n++] = t;
		}
	}
	return n;
}

/*
 * Of the map types that fit the header (fits[0 .. nfits), more than one, narrowed by
 * its memory's shape), those that the code of the functions in ev loads to hand to the
 * runtime's map calls: when exactly one, the code that holds the map uses that type and
 * no other that fits, and fits[0] is it (*src "code", 1 returned); else nfits, fits
 * unchanged. When fits may lack some (c->all_fits false: the candidates kept ran out),
 * the types the code loads are checked against the header themselves, as
 * type_by_layout and shape_narrow check the others.
 */
static size_t code_narrow_funcs(struct finder *f, const struct code_ev *ev,
                                const struct code_check *c, const struct ms_dtype **fits,
                                size_t nfits, const char **src)
{
	const struct ms_dtype *used[MS_MAX_TYPE_CANDIDATES] = {0}, *hit = NULL;
	size_t nused, nhit = 0;

	if (!ev || nfits < 2 || f->err || (!ev->pc[0] && !ev->pc[1]))
		return nfits;
	nused = code_types(f, ev, used, MS_MAX_TYPE_CANDIDATES);
	if (c->all_fits) {
		for (size_t r = 0; r < nused; r++)
			for (size_t i = 0; i < nfits; i++)
				if (map_rtype(f, fits[i]) == map_rtype(f, used[r]) && !nhit++)
					hit = fits[i];
	} else {
		size_t nok = 0; /* those that walk the header, kept at the front of used */

		for (size_t r = 0; r < nused && !f->err; r++) {
			const struct ms_map_geom *g;
			struct ms_error *gerr = ms_types_geom(f->ty, used[r], &g);

			if (gerr) {
				ms_error_destroy(gerr);
				continue;
			}
			if ((c->store_noscan < 0 || g->has_pointers != (c->store_noscan > 0)) &&
			    validate(f, c->addr, used[r], c->lo, c->hi, true))
				used[nok++] = used[r];
		}
		if (nok > 1 && !f->err)
			nok = shape_narrow(f, c->addr, used, nok);
		nhit = nok;
		hit = used[0];
	}
	if (nhit != 1 || f->err)
		return nfits;
	fits[0] = hit;
	*src = "code";
	return 1;
}

/* More functions use one global than this: their votes are not counted. */
#define MAX_GLOBAL_USERS 256

/*
 * code_narrow_funcs for the functions in ev; and for a header a data word holds
 * (ev->global, no DWARF), a vote of every function whose code uses that word
 * (ms_coderefs_users: it loads or stores it, or takes its address): each that loads
 * exactly one of the types that fit votes for it, one that loads none or several
 * abstains. Typed when at least one votes and all votes agree; never when more
 * functions use the word than are counted.
 */
static size_t code_narrow(struct finder *f, const struct code_ev *ev, const struct code_check *c,
                          const struct ms_dtype **fits, size_t nfits, const char **src)
{
	uint64_t users[MAX_GLOBAL_USERS];
	const struct ms_dtype *vote = NULL;
	size_t nusers;

	if (!ev || !ev->global || nfits < 2 || f->err || !coderefs(f))
		return code_narrow_funcs(f, ev, c, fits, nfits, src);
	nusers = ms_coderefs_users(f->coderefs, ev->global, users, MAX_GLOBAL_USERS);
	if (nusers > MAX_GLOBAL_USERS)
		return nfits;
	for (size_t u = 0; u < nusers && !f->err; u++) {
		const struct ms_dtype *one[MS_MAX_TYPE_CANDIDATES];
		struct code_ev fev = {{users[u], 0}, 0};
		const char *s = NULL;

		memcpy(one, fits, nfits * sizeof(*fits));
		if (code_narrow_funcs(f, &fev, c, one, nfits, &s) != 1)
			continue;
		if (vote && map_rtype(f, vote) != map_rtype(f, one[0]))
			return nfits;
		vote = one[0];
	}
	if (!vote || f->err)
		return nfits;
	fits[0] = vote;
	*src = "code";
	return 1;
}

/* The users of the data words that hold the deferred headers (code_narrow), indexed in
 * one pass over the code. */
static void index_global_users(struct finder *f)
{
	uint64_t *addrs;
	size_t n = 0;
	struct ms_error *err;

	for (size_t i = 0; i < f->ndeferred; i++)
		n += f->deferred[i].ev.global != 0;
	if (!n || !coderefs(f))
		return;
	if (!(addrs = malloc(n * sizeof(*addrs)))) {
		f->err = &ms_error_nomem;
		return;
	}
	n = 0;
	for (size_t i = 0; i < f->ndeferred; i++)
		if (f->deferred[i].ev.global)
			addrs[n++] = f->deferred[i].ev.global;
	err = ms_coderefs_index_users(f->coderefs, addrs, n);
	free(addrs);
	if (err)
		f->err = err;
}

/*
 * The map m was reached through a typed path whose map type is not usable
 * (why: its geometry could not be built). That type is one reading of the
 * header among others: drop it and take, as for a map found untyped, every
 * map type whose layout walks the header cleanly (with entries, else, for an
 * empty map, any). Damaged only if none does: the error then says why.
 * Steals why.
 */
static struct ms_error *retype(struct finder *f, struct ms_found_map *m, struct ms_error *why)
{
	const struct ms_dtype *fits[MS_MAX_TYPE_CANDIDATES];
	const struct ms_rt *rt = &f->t->rt;
	uint64_t hdr_bytes = f->t->classic_layout ? rt->hmap.size : rt->smap.size;
	uint8_t hdr[128];
	struct ms_heap_obj store;
	int store_noscan = -1;
	uint64_t data;
	uint64_t stack_lo = m->stack ? m->stack->lo : 0, stack_hi = m->stack ? m->stack->hi : 0;
	size_t nfits;

	if (ms_error_code(why) == MS_ERR_NOMEM)
		return why;
	if (hdr_bytes <= sizeof(hdr) && ms_source_try_read(f->t->mem, m->addr, hdr, hdr_bytes)) {
		data = header_data(f, hdr);
		if (data && ms_heap_find(f->t, data, &store))
			store_noscan = store.noscan;
	}
	nfits = type_by_layout(f, m->addr, stack_lo, stack_hi, store_noscan, true, fits);
	if (!nfits && !f->err)
		nfits = type_by_layout(f, m->addr, stack_lo, stack_hi, store_noscan, false, fits);
	if (nfits > 1 && !f->err)
		nfits = shape_narrow(f, m->addr, fits, nfits);
	if (f->err)
		return why;
	if (!nfits) {
		struct ms_error *err =
		    ms_error_create(MS_ERR_FORMAT, "%s, and no map type's layout fits the header",
		                    ms_error_message(why));

		ms_error_destroy(why);
		return err;
	}
	ms_error_destroy(why);
	m->type = fits[0];
	m->type_source = "layout";
	return ms_found_candidates(m, fits, nfits);
}

static void defer_header(struct finder *f, const struct ms_heap_obj *o, const char *path,
                         enum ms_found_by by, const struct code_ev *ev)
{
	if (f->ndeferred == f->deferred_cap) {
		size_t cap = f->deferred_cap ? 2 * f->deferred_cap : 256;
		struct deferred *d = realloc(f->deferred, cap * sizeof(*d));

		if (!d) {
			f->err = &ms_error_nomem;
			return;
		}
		f->deferred = d;
		f->deferred_cap = cap;
	}
	f->deferred[f->ndeferred] = (struct deferred){*o, strdup(path ? path : ""), by,
	                                              f->root_pkg[0] ? strdup(f->root_pkg) : NULL,
	                                              ev ? *ev : (struct code_ev){{0, 0}, 0}};
	if (!f->deferred[f->ndeferred].path ||
	    (f->root_pkg[0] && !f->deferred[f->ndeferred].package)) {
		free(f->deferred[f->ndeferred].path);
		free(f->deferred[f->ndeferred].package);
		f->err = &ms_error_nomem;
	} else {
		f->ndeferred++;
	}
}

/*
 * A heap object of the header's size class: a map if the bucket or group
 * memory it points at has a recorded map type that validates, or else if
 * some map type's layout walks it cleanly.
 */
static void header_candidate(struct heap_scan *hs, const struct ms_heap_obj *o, const char *path,
                             enum ms_found_by by, const struct code_ev *ev)
{
	struct finder *f = hs->f;
	const struct ms_dtype *type, *fits[MS_MAX_TYPE_CANDIDATES];
	const char *src = "layout";
	struct ms_found_map *m;
	struct ms_heap_obj store;
	uint8_t hdr[128];
	uint64_t data;
	size_t nfits = 0;
	bool is_new, store_known, all_fits;
	struct ms_error *err;

	if (o->noscan || hs->hdr_bytes > sizeof(hdr))
		return;
	if ((m = ms_found_lookup(f->found, o->base)) != NULL) {
		if (path) /* one more reference, and maybe a path (untyped: no type confirmed) */
			found_map(f, o->base, NULL, path, 0, by, NULL);
		return;
	}
	err = ms_source_read(f->t->mem, o->base, hdr, hs->hdr_bytes);
	if (err) {
		ms_error_destroy(err);
		return;
	}
	data = header_data(f, hdr);
	if (!data)
		return; /* an empty map with no storage: nothing tells it from other memory */
	hs->candidates++;
	store_known = ms_heap_find(f->t, data, &store);
	if (!store_known)
		return; /* storage outside the heap: every walk below would refuse it (no stack
		           here) */
	type = recorded_type(f, data, &src);
	if (type && !validate(f, o->base, type, 0, 0, false))
		type = NULL;
	if (type) {
		fits[nfits++] = type;
	} else {
		/* no recorded type: every map type whose layout walks this memory cleanly */
		nfits =
		    type_by_layout(f, o->base, 0, 0, store_known ? store.noscan : -1, true, fits);
		src = "layout";
	}
	if (!nfits)
		return;
	/* every type that fits is among them (the true one too): code_narrow may choose */
	all_fits = nfits < MS_MAX_TYPE_CANDIDATES;
	if (nfits > 1 && hs->defer_ambiguous) {
		defer_header(f, o, path, by, ev);
		return;
	}
	/* after the typed paths (deferred): a type its shape gives is no typed path's */
	if (nfits > 1)
		nfits = shape_narrow(f, o->base, fits, nfits);
	if (nfits > 1) {
		struct code_check c = {o->base, 0, 0, store.noscan, all_fits};

		nfits = code_narrow(f, ev, &c, fits, nfits, &src);
	}
	m = found_map(f, o->base, fits[0], path, 0, by, &is_new);
	if (m && is_new) {
		m->type_source = src;
		if (ms_found_candidates(m, fits, nfits)) {
			f->err = &ms_error_nomem;
			return;
		}
		hs->accepted++;
	}
}

static bool heap_candidate(void *arg, const struct ms_heap_obj *o)
{
	struct heap_scan *hs = arg;
	struct finder *f = hs->f;

	tick(f, "scanning the heap, maps found:");
	if (ms_cancelled()) {
		if (!f->err)
			f->err =
			    ms_error_create(MS_ERR_LIMIT, "stopped: the time limit was reached");
		return false;
	}
	header_candidate(hs, o, NULL, MS_FOUND_HEAP, NULL);
	return !f->err;
}

static struct heap_scan heap_scan_init(struct finder *f)
{
	const struct ms_rt *rt = &f->t->rt;
	struct heap_scan hs = {f, f->t->classic_layout ? rt->hmap.size : rt->smap.size, 0, 0,
	                       false};

	return hs;
}

/*
 * No DWARF, so no variable names or types: every word a frame's stack maps say
 * is a live pointer is a root, followed through the heap objects it leads to
 * (every word of an object with pointers that points into an in-use object;
 * each object once, breadth first, to a bounded depth and count), and the map
 * headers met on the way are typed as the heap scan types them. Paths name the
 * frame slot by its offset from the frame's top (DWARF's CFA) and each step by
 * the offset of the word followed: "goroutine 7 main.(*Server).serve:
 * <fp+0x0>->+0x40". Queue entries keep their parent, not their path: a path is
 * spelled only for a map. An object whose type the runtime recorded (follow_typed)
 * and a method's pointer receiver (receiver_type) are handed to the typed walk
 * instead, which names the fields from there on ("<fp+0x0>.shards[2].items").
 */
#define UNTYPED_DEPTH   32
#define UNTYPED_OBJECTS (1u << 22)
#define UNTYPED_BYTES   (64u << 10) /* words read of one object at a time */

struct untyped {
	uint64_t addr;
	uint64_t off;    /* of the word in the parent that led here */
	uint32_t parent; /* index in the queue; UINT32_MAX: the root */
	uint32_t depth;
};

struct untyped_queue {
	struct untyped *q;
	size_t n, cap;
	struct heap_scan hs;
	uint64_t hdr_elemsize;
	enum ms_found_by by;   /* of the roots followed */
	const char *root_path; /* the root being followed */
	uint64_t root_pc;      /* a frame root: its function's entry (code_narrow); else 0 */
	uint64_t root_global;  /* a data word root: its address (code_narrow); else 0 */
	uint8_t *buf;          /* UNTYPED_BYTES */
};

static bool untyped_init(struct finder *f, struct untyped_queue *uq, enum ms_found_by by)
{
	*uq = (struct untyped_queue){.hs = heap_scan_init(f), .by = by};
	uq->hs.defer_ambiguous = true;
	uq->hdr_elemsize = ms_alloc_roundup(&f->t->go, f->t->arch, uq->hs.hdr_bytes, true);
	uq->buf = malloc(UNTYPED_BYTES);
	if (uq->buf)
		return true;
	f->err = &ms_error_nomem;
	return false;
}

static void untyped_deinit(struct untyped_queue *uq)
{
	free(uq->q);
	free(uq->buf);
}

/* The path to the word at off of queue entry parent (UINT32_MAX: the root itself). */
static void untyped_path(const struct untyped_queue *uq, uint32_t parent, uint64_t off, char *buf,
                         size_t len)
{
	uint64_t offs[UNTYPED_DEPTH + 1] = {0};
	size_t n = 0, at;

	if (parent != UINT32_MAX)
		offs[n++] = off;
	for (uint32_t k = parent;
	     k != UINT32_MAX && uq->q[k].parent != UINT32_MAX && n < sizeof(offs) / sizeof(offs[0]);
	     k = uq->q[k].parent)
		offs[n++] = uq->q[k].off;
	at = (size_t)snprintf(buf, len, "%s", uq->root_path);
	while (n-- > 0 && at < len)
		at +=
		    (size_t)snprintf(buf + at, len - at, "->+0x%llx", (unsigned long long)offs[n]);
}

/*
 * Heap object o, reached untyped at p through path, whose type the runtime
 * recorded (object_rtype): it is walked typed from here, its fields named
 * ("<fp+0x8>.shards[2].items"), when p starts one of its elements; an array
 * object reached at its start has every element walked ("...[3].items").
 * true if so, or if the type cannot lead to a map (nothing to follow then).
 */
static bool follow_typed(struct finder *f, const struct ms_heap_obj *o, uint64_t p,
                         const char *path, unsigned depth)
{
	uint64_t data = 0, tp, size, n, first, last;
	const char *src = NULL;
	const struct ms_dtype *type;

	tp = object_rtype(f, o, &data, &src);
	if (!tp || p < data || !(type = ms_types_by_runtime(f->ty, tp)))
		return false;
	size = ms_types_layout(f->ty, type).size_bytes;
	if (!size || (p - data) % size || data + size > o->base + o->elemsize)
		return false;
	if (!ms_types_reaches_map(f->ty, type))
		return true;
	n = (o->base + o->elemsize - data) / size;
	first = (p - data) / size;
	last = p == data ? n : first + 1;
	for (uint64_t i = first; i < last && !f->err && f->budget; i++)
		enqueue(f, data + i * size, type,
		        n > 1 ? path_join(path, "[%llu]", (unsigned long long)i) : strdup(path),
		        depth, false);
	return true;
}

/* ---- typed pointers checked against the type the runtime recorded ---- */

void ms_type_conflicts_free(struct ms_type_conflicts *c)
{
	for (size_t i = 0; i < c->nexamples; i++) {
		free(c->examples[i].claimed);
		free(c->examples[i].recorded);
		free(c->examples[i].source);
		free(c->examples[i].path);
	}
	memset(c, 0, sizeof(*c));
}

static const char *type_name_or(const struct ms_dtype *t)
{
	return t && t->name ? t->name : "?";
}

/*
 * A typed pointer at addr (through path) claimed the type claimed for what it
 * points at, which is followed as as instead (source: "malloc-header" or
 * "span-type", the runtime's record; "path", an earlier path's claim): counted
 * once per address and claimed type, the first few kept as examples.
 */
static void note_conflict(struct finder *f, uint64_t addr, const struct ms_dtype *claimed,
                          const struct ms_dtype *as, const char *source, const char *path)
{
	struct ms_type_conflicts *c = &f->found->conflicts;
	struct ms_type_conflict *e;
	bool nomem = false;

	if (!ms_addrset_add(&f->conflict_seen, pair_key(addr, claimed) ^ 0x200, &nomem)) {
		if (nomem)
			f->err = &ms_error_nomem;
		return;
	}
	c->count++;
	c->recorded += strcmp(source, "path") != 0;
	if (c->nexamples == MS_MAX_TYPE_CONFLICT_EXAMPLES)
		return;
	e = &c->examples[c->nexamples];
	*e =
	    (struct ms_type_conflict){addr, strdup(type_name_or(claimed)), strdup(type_name_or(as)),
	                              strdup(source), strdup(path ? path : "")};
	c->nexamples++; /* freed by ms_type_conflicts_free even if one strdup failed */
	if (!e->claimed || !e->recorded || !e->source || !e->path)
		f->err = &ms_error_nomem;
}

static void warn_conflicts(struct finder *f)
{
	const struct ms_type_conflicts *c = &f->found->conflicts;
	const struct ms_type_conflict *e = &c->examples[0];

	if (!c->count)
		return;
	ms_target_warn(f->t,
	               "type conflicts: %llu typed pointers claimed another type than their "
	               "target's (%llu against the type the runtime recorded for the heap "
	               "object, followed as recorded; the rest against an earlier path's "
	               "claim, followed as that), e.g. 0x%llx claimed as %s, typed %s (%s) "
	               "at %s",
	               (unsigned long long)c->count, (unsigned long long)c->recorded,
	               (unsigned long long)e->addr, e->claimed, e->recorded, e->source,
	               e->path[0] ? e->path : "(no path)");
}

/* Strip typedefs (not a map's, which is the map). */
static const struct ms_dtype *bare(struct finder *f, const struct ms_dtype *t)
{
	for (int i = 0; t && t->tag == MS_DTAG_TYPEDEF && !ms_types_is_map(t) && i < 16; i++)
		t = ms_dwarf_type(f->t->dwarf, t->type_off);
	return t;
}

static bool same_name(const struct ms_dtype *a, const struct ms_dtype *b)
{
	return a == b || (a->name && b->name && strcmp(a->name, b->name) == 0);
}

/*
 * The same type, or one defined from the other's underlying struct (type Y X:
 * Go converts *X to *Y without unsafe): the same fields at the same offsets.
 */
static bool same_type(struct finder *f, const struct ms_dtype *a, const struct ms_dtype *b)
{
	if (same_name(a, b))
		return true;
	a = bare(f, a);
	b = bare(f, b);
	if (!a || !b)
		return false;
	if (same_name(a, b))
		return true;
	if (a->tag != MS_DTAG_STRUCT || b->tag != MS_DTAG_STRUCT || a->go_kind != b->go_kind ||
	    a->go_kind != MS_KIND_STRUCT || a->nmembers != b->nmembers || !a->nmembers ||
	    a->size != b->size)
		return false;
	for (size_t i = 0; i < a->nmembers; i++) {
		const struct ms_dtype *x = ms_dwarf_type(f->t->dwarf, a->members[i].type_off);
		const struct ms_dtype *y = ms_dwarf_type(f->t->dwarf, b->members[i].type_off);

		if (a->members[i].offset != b->members[i].offset || !x || !y || !same_name(x, y))
			return false;
	}
	return true;
}

/*
 * Inside a value of type r, the value at byte off that a pointer of type
 * *claimed may point at: claimed itself at some depth (a field's address, an
 * element's, or r itself at 0), or an array of r's element type there (a slice
 * into an array). claimed NULL: the outermost value that starts at off (NULL if
 * off is inside a field).
 */
static const struct ms_dtype *value_at(struct finder *f, const struct ms_dtype *r, uint64_t off,
                                       const struct ms_dtype *claimed)
{
	const struct ms_dtype *ca = claimed ? bare(f, claimed) : NULL;

	if (ca && (ca->tag != MS_DTAG_ARRAY || !ca->count))
		ca = NULL;
	for (int depth = 0; r && depth < 64; depth++) {
		const struct ms_dtype *u = bare(f, r), *e;
		uint64_t size;

		if (off == 0 && !claimed)
			return r;
		if (off == 0 && (same_type(f, r, claimed) ||
		                 (ca && (e = ms_dwarf_type(f->t->dwarf, ca->type_off)) != NULL &&
		                  same_type(f, e, r))))
			return r;
		if (!u)
			return NULL;
		if (u->tag == MS_DTAG_ARRAY && u->count) {
			e = ms_dwarf_type(f->t->dwarf, u->type_off);
			size = e ? ms_types_layout(f->ty, e).size_bytes : 0;
			if (!size || off / size >= u->count)
				return NULL;
			off %= size;
			r = e;
			continue;
		}
		if (u->tag != MS_DTAG_STRUCT || u->go_kind == MS_KIND_INTERFACE ||
		    u->go_kind == MS_KIND_SLICE || u->go_kind == MS_KIND_STRING)
			return NULL;
		e = NULL;
		for (size_t i = 0; i < u->nmembers; i++) {
			const struct ms_dtype *mt =
			    ms_dwarf_type(f->t->dwarf, u->members[i].type_off);

			size = mt ? ms_types_layout(f->ty, mt).size_bytes : 0;
			if (mt && off >= u->members[i].offset &&
			    off - u->members[i].offset < size) {
				e = mt;
				off -= u->members[i].offset;
				break;
			}
		}
		r = e;
	}
	return NULL;
}

/*
 * The type the runtime recorded (1.22+: malloc header, large span) for the
 * heap object holding p: an element type, *ret_elem the element holding p,
 * *o the object. NULL if none is recorded or known to the types.
 */
static const struct ms_dtype *recorded_at(struct finder *f, uint64_t p, struct ms_heap_obj *o,
                                          uint64_t *ret_elem, const char **ret_src)
{
	uint64_t data = 0, tp, size;
	const struct ms_dtype *type;

	if (!f->records_types || !ms_heap_find(f->t, p, o) || !o->allocated || o->noscan ||
	    (!o->malloc_header && o->spanclass >> 1 != 0))
		return NULL;
	tp = object_rtype(f, o, &data, ret_src);
	if (!tp || p < data || !(type = ms_types_by_runtime(f->ty, tp)))
		return NULL;
	size = ms_types_layout(f->ty, type).size_bytes;
	if (!size || data + size > o->base + o->elemsize ||
	    (p - data) / size >= (o->base + o->elemsize - data) / size)
		return NULL;
	*ret_elem = data + (p - data) / size * size;
	return type;
}

/*
 * A typed pointer to p whose type says *type (a field, an element, a map entry,
 * an interface's data word): where the runtime recorded the type of the heap
 * object holding p, the claim must fit it (p starts a value of that type in the
 * object, or an array of it); else the recorded type is the truth: the conflict
 * is counted, and the part of the object at p is followed as recorded. Steals
 * path.
 */
static void enqueue_ptr(struct finder *f, uint64_t p, const struct ms_dtype *type, char *path,
                        unsigned depth)
{
	struct ms_heap_obj o;
	const struct ms_dtype *r, *part;
	const char *src = NULL;
	uint64_t elem = 0;

	r = path && !f->err && claims_type(type) ? recorded_at(f, p, &o, &elem, &src) : NULL;
	if (!r || value_at(f, r, p - elem, type)) {
		enqueue(f, p, type, path, depth, false);
		return;
	}
	note_conflict(f, p, type, r, src, path);
	part = value_at(f, r, p - elem, NULL);
	if (part && !f->err)
		enqueue(f, p, part, path, depth, false);
	else
		free(path);
}

/*
 * An unsafe.Pointer at addr (through path): the GC follows it, and so does the
 * typed walk when the runtime recorded the type of the heap object it points
 * into (1.22+): its element (every element, from the start of an array object)
 * or, inside one, the value that starts there.
 */
static void follow_unsafe(struct finder *f, uint64_t addr, const char *path, unsigned depth)
{
	struct ms_heap_obj o;
	const struct ms_dtype *r, *part;
	const char *src = NULL;
	uint64_t p, elem = 0;

	if (!rd_ptr(f, addr, &p) || !p || !(r = recorded_at(f, p, &o, &elem, &src)))
		return;
	if (p == elem) {
		follow_typed(f, &o, p, path, depth + 1);
		return;
	}
	part = value_at(f, r, p - elem, NULL);
	if (part && ms_types_reaches_map(f->ty, part))
		enqueue(f, p, part, strdup(path), depth + 1, false);
}

/*
 * The code that holds a header reached from queue entry parent (UINT32_MAX: the root
 * itself): the root frame's function when its slot points at the header, or at a heap
 * cell of one word that holds it (a variable moved to the heap: a closure captured it by
 * reference); and the function of the parent object when that is a closure (its first
 * word a function's entry: a funcval). A bigger object between the frame and the map
 * (a struct the function holds) may hold maps that other code uses: not taken.
 */
static struct code_ev untyped_ev(struct finder *f, const struct untyped_queue *uq, uint32_t parent)
{
	struct code_ev ev = {{0, 0}, 0};
	struct ms_heap_obj cell;
	struct ms_func_at fa;
	uint64_t fn;

	if (parent == UINT32_MAX ||
	    (uq->q[parent].parent == UINT32_MAX && ms_heap_find(f->t, uq->q[parent].addr, &cell) &&
	     cell.elemsize <= 8))
		ev.pc[0] = uq->root_pc;
	if (parent == UINT32_MAX)
		ev.global = uq->root_global;
	if (parent != UINT32_MAX && ms_source_try_ptr(f->t->mem, uq->q[parent].addr, &fn) && fn &&
	    ms_binary_func_at(f->t->exe, fn, &fa) && fa.entry == fn)
		ev.pc[1] = fn;
	return ev;
}

static void untyped_follow(struct finder *f, struct untyped_queue *uq, uint64_t p, uint32_t parent,
                           uint64_t off)
{
	struct ms_heap_obj o;
	uint32_t depth = parent == UINT32_MAX ? 0 : uq->q[parent].depth + 1;
	bool nomem = false;

	if (!p || p % f->t->ptr || !ms_heap_find(f->t, p, &o) || !o.allocated)
		return;
	if (o.base == p && o.elemsize == uq->hdr_elemsize) {
		const struct ms_found_map *m = ms_found_lookup(f->found, p);
		char path[MAX_PATH_BYTES];

		if (!m) {
			struct code_ev ev = untyped_ev(f, uq, parent);

			untyped_path(uq, parent, off, path, sizeof(path));
			header_candidate(&uq->hs, &o, path, uq->by, &ev);
			m = ms_found_lookup(f->found, p);
		}
		/* a map of certain type: its walk follows its entries, typed */
		if (m && m->type && m->ncandidates <= 1)
			return;
	}
	if (o.noscan || depth >= UNTYPED_DEPTH || f->untyped_objects >= UNTYPED_OBJECTS ||
	    !ms_addrset_add(&f->untyped_seen, o.base, &nomem)) {
		if (nomem)
			f->err = &ms_error_nomem;
		return;
	}
	if (o.malloc_header || o.spanclass >> 1 == 0) {
		char path[MAX_PATH_BYTES];

		untyped_path(uq, parent, off, path, sizeof(path));
		if (follow_typed(f, &o, p, path, depth))
			return;
	}
	if (uq->n == uq->cap) {
		size_t cap = uq->cap ? 2 * uq->cap : 4096;
		struct untyped *q = realloc(uq->q, cap * sizeof(*q));

		if (!q) {
			f->err = &ms_error_nomem;
			return;
		}
		uq->q = q;
		uq->cap = cap;
	}
	f->untyped_objects++;
	uq->q[uq->n++] = (struct untyped){o.base, off, parent, depth};
}

/* The root p (path names it), breadth first: the nearest holder names a map. */
static void untyped_root(struct finder *f, struct untyped_queue *uq, uint64_t p, const char *path)
{
	unsigned ptr = f->t->ptr;

	uq->root_path = path;
	uq->n = 0;
	untyped_follow(f, uq, p, UINT32_MAX, 0);
	for (size_t k = 0; k < uq->n && k < UINT32_MAX && !f->err; k++) {
		struct ms_heap_obj o;

		if (!ms_heap_find(f->t, uq->q[k].addr, &o))
			continue;
		/* the object in windows of UNTYPED_BYTES (a slice of 30,000 maps is one object) */
		for (uint64_t at = 0; at < o.elemsize && !f->err; at += UNTYPED_BYTES) {
			uint64_t len =
			    o.elemsize - at < UNTYPED_BYTES ? o.elemsize - at : UNTYPED_BYTES;

			if (!ms_source_try_read(f->t->mem, o.base + at, uq->buf, len))
				break;
			for (uint64_t w = 0; w + ptr <= len && !f->err; w += ptr) {
				uint64_t v = ms_source_decode(f->t->mem, uq->buf + w, ptr);

				if (v && v % ptr == 0) {
					char spath[MAX_PATH_BYTES];
					uint64_t sm;

					if (shape_syncmap(f, o.base + at + w, v, &sm)) {
						untyped_path(uq, (uint32_t)k, at + w, spath,
						             sizeof(spath));
						f->root_by = uq->by;
						found_shape_syncmap(f, sm, spath);
					}
					untyped_follow(f, uq, v, (uint32_t)k, at + w);
				}
			}
		}
	}
	uq->n = 0;
	drain(f);
}

/* Is the word at slot part of one of fn's variables on the stack at the frame's pc? */
static bool covered_by_variable(struct finder *f, const struct ms_dfunc *fn,
                                const struct ms_frame *fr, uint64_t slot)
{
	if (!fn || !func_locals(f, fn))
		return false;
	for (size_t i = 0; i < fn->nlocals; i++) {
		const struct ms_dtype *type = ms_dwarf_type(f->t->dwarf, fn->locals[i].type_off);
		int64_t off;
		uint64_t addr;

		if (!type || !ms_dlocal_at(&fn->locals[i], fr->lookup_pc, &off))
			continue;
		addr = fr->fp + (uint64_t)off;
		if (slot >= addr && slot - addr < ms_types_layout(f->ty, type).size_bytes)
			return true;
	}
	return false;
}

/*
 * The receiver type of a method whose receiver is a pointer, from the function's
 * own name: "pkg/path.(*T).M" has *pkg/path.T in its first argument word (the
 * spill slot of the register ABI, or the stack argument). NULL for anything else
 * (functions, closures "M.func1", method values "M-fm", generic receivers), or
 * when the type graph has no such type or it cannot lead to a map.
 */
static const struct ms_dtype *receiver_type(struct finder *f, const char *func)
{
	const char *open = strstr(func, ".(*"), *close;
	char name[MAX_PATH_BYTES];
	const struct ms_dtype *r;

	if (!open || !(close = strstr(open, ").")) || strpbrk(close + 2, ".-[") ||
	    memchr(func, '[', (size_t)(close - func)) || (size_t)(close - func) + 1 >= sizeof(name))
		return NULL;
	snprintf(name, sizeof(name), "*%.*s.%.*s", (int)(open - func), func,
	         (int)(close - open - 3), open + 3);
	r = ms_dwarf_type_by_name(f->t->dwarf, name);
	return r && r->tag == MS_DTAG_POINTER && ms_types_reaches_map(f->ty, r) ? r : NULL;
}

static void frame_untyped_roots(struct finder *f, const struct ms_stack *st,
                                const struct ms_frame *fr, const struct ms_dfunc *fn)
{
	const struct ms_dtype *recv = fr->narg_words ? receiver_type(f, fr->fn.name) : NULL;
	struct untyped_queue uq;
	unsigned ptr = f->t->ptr;
	uint64_t locals_lo = fr->varp - (uint64_t)fr->nlocal_words * ptr;
	char path[MAX_PATH_BYTES];

	if (!untyped_init(f, &uq, MS_FOUND_FRAME))
		goto out;
	ms_go_symbol_package(fr->fn.name, f->root_pkg, sizeof(f->root_pkg));
	f->root_func = fr->fn.name;
	for (uint32_t i = 0; i < fr->nlocal_words + fr->narg_words && !f->err; i++) {
		uint64_t slot = i < fr->nlocal_words
		                    ? locals_lo + (uint64_t)i * ptr
		                    : fr->argp + (uint64_t)(i - fr->nlocal_words) * ptr;
		uint64_t p, off = slot < fr->fp ? fr->fp - slot : slot - fr->fp;
		char sign = slot < fr->fp ? '-' : '+';

		if (!ms_frame_live(fr, slot, ptr, ptr) || covered_by_variable(f, fn, fr, slot) ||
		    !ms_source_try_ptr(f->t->mem, slot, &p))
			continue;
		if (st->goid == 1 && strcmp(fr->fn.name, "main.main") == 0)
			snprintf(path, sizeof(path), "%s: <fp%c0x%llx>", fr->fn.name, sign,
			         (unsigned long long)off);
		else
			snprintf(path, sizeof(path), "goroutine %llu %s: <fp%c0x%llx>",
			         (unsigned long long)st->goid, fr->fn.name, sign,
			         (unsigned long long)off);
		if (recv && slot == fr->argp) {
			/* the receiver: typed by the method's name */
			visit(f, slot, recv, path, 0);
			drain(f);
			continue;
		}
		uq.root_pc = fr->fn.entry;
		untyped_root(f, &uq, p, path);
	}
out:
	untyped_deinit(&uq);
}

/*
 * No DWARF, so no typed globals: every word of the data and bss segments that
 * points into the heap is a root named by its address ("<global 0x5d3a20>"),
 * followed untyped as frames are (a map header it points at, or maps inside
 * what it points at: "<global 0x5d3a20>->+0x18").
 */
static void scan_global_words(struct finder *f)
{
	struct untyped_queue uq;

	f->globals_scanned = true;
	unsigned ptr = f->t->ptr;
	uint8_t *buf = malloc(1 << 16);

	if (!buf || !untyped_init(f, &uq, MS_FOUND_GLOBAL)) {
		free(buf);
		f->err = &ms_error_nomem;
		return;
	}
	for (size_t r = 0; r < 2 && !f->err; r++) {
		uint64_t lo = f->t->globals[r][0], hi = f->t->globals[r][1];

		for (uint64_t a = lo; a < hi && !f->err; a += 1 << 16) {
			size_t len = hi - a < (1 << 16) ? (size_t)(hi - a) : (1 << 16);
			struct ms_error *err = ms_source_read(f->t->mem, a, buf, len);

			if (err) {
				ms_error_destroy(err);
				continue;
			}
			for (size_t i = 0; i + ptr <= len && !f->err; i += ptr) {
				uint64_t w = ms_source_decode(f->t->mem, buf + i, ptr), sm;
				char path[48];

				if (!w || w % ptr || !ms_heap_find(f->t, w, NULL))
					continue;
				snprintf(path, sizeof(path), "<global 0x%llx>",
				         (unsigned long long)(a + i));
				f->root_by = MS_FOUND_GLOBAL;
				uq.root_global = a + i;
				if (shape_syncmap(f, a + i, w, &sm)) {
					char spath[48];

					snprintf(spath, sizeof(spath), "<global 0x%llx>",
					         (unsigned long long)sm);
					found_shape_syncmap(f, sm, spath);
				}
				untyped_root(f, &uq, w, path);
			}
		}
	}
	untyped_deinit(&uq);
	free(buf);
}

/* ---- the specials the GC takes for roots (finalizers, cleanups, weak handles) ---- */

struct specials {
	struct ms_heap_special *s;
	size_t n, cap;
	bool nomem;
};

static bool collect_special(void *arg, const struct ms_heap_special *sp)
{
	struct specials *ss = arg;

	if (!ms_grow((void **)&ss->s, &ss->cap, ss->n, sizeof(*ss->s))) {
		ss->nomem = true;
		return false;
	}
	ss->s[ss->n++] = *sp;
	return true;
}

static const struct ms_dfunc *code_at(struct finder *f, uint64_t word);

/* The function of the funcval at fv, if it is not the runtime's; else that of a funcval
 * its closure holds, up to 3 pointers away: AddCleanup's own closure (1.24, 1.25) holds
 * the user's function through a variable it captured by reference. */
static const struct ms_dfunc *user_func(struct finder *f, uint64_t fv, int depth)
{
	uint64_t code, w;
	const struct ms_dfunc *fn, *r;

	if (!rd_ptr(f, fv, &code))
		return NULL;
	fn = code_at(f, code);
	if (fn && fn->name && strncmp(fn->name, "runtime.", 8) != 0)
		return fn;
	for (unsigned k = fn ? 1 : 0; k <= 4 && depth < 3; k++)
		if (rd_ptr(f, fv + k * f->t->ptr, &w) && w && w != fv &&
		    (r = user_func(f, w, depth + 1)))
			return r;
	return NULL;
}

/*
 * What the specials keep alive (runtime/mgcmark.go markrootSpans): a finalizer's object
 * is followed by its type (the finalizer's *ptrtype: "finalizer of 0xc000123000
 * (main.Conn): .cache"; the object itself is not kept, what it points to is), and its
 * funcval; a cleanup's funcval (its closure holds AddCleanup's arg; 1.26+ also the arg)
 * and a weak handle, untyped ("cleanup of 0xc000123000->+0x8").
 */
static void scan_specials(struct finder *f)
{
	struct specials ss = {0};
	struct untyped_queue uq;
	struct ms_error *err = ms_heap_each_special(f->t, collect_special, &ss);
	static const char *const what[] = {"finalizer", "cleanup", "weak handle"};

	ms_error_destroy(err); /* no layout of the specials: none */
	if (ss.nomem || !untyped_init(f, &uq, MS_FOUND_HEAP)) {
		free(ss.s);
		f->err = &ms_error_nomem;
		return;
	}
	f->root_by = MS_FOUND_HEAP;
	for (size_t i = 0; i < ss.n && !f->err; i++) {
		const struct ms_heap_special *sp = &ss.s[i];
		const struct ms_dtype *pt = sp->ot ? ms_types_by_runtime(f->ty, sp->ot) : NULL;
		const struct ms_dtype *c = NULL;
		char path[MAX_PATH_BYTES];

		while (pt && pt->tag == MS_DTAG_TYPEDEF)
			pt = ms_dwarf_type(f->t->dwarf, pt->type_off);
		if (pt && pt->tag == MS_DTAG_POINTER)
			c = ms_dwarf_type(f->t->dwarf, pt->type_off);
		if (sp->kind == MS_SPECIAL_FINALIZER && !sp->noscan) {
			if (c && ms_types_reaches_map(f->ty, c)) {
				snprintf(path, sizeof(path),
				         "finalizer of 0x%llx (%s): ", (unsigned long long)sp->obj,
				         c->name ? c->name : "?");
				/* the package of the object's type */
				if (c->name)
					ms_go_symbol_package(c->name, f->root_pkg,
					                     sizeof(f->root_pkg));
				enqueue_ptr(f, sp->obj, c, strdup(path), 1);
				drain(f);
				f->root_pkg[0] = '\0';
			} else if (!c) { /* no type: its words */
				snprintf(path, sizeof(path), "finalizer of 0x%llx",
				         (unsigned long long)sp->obj);
				untyped_root(f, &uq, sp->obj, path);
			}
		}
		/* a cleanup's package: its function's (1.26+: cleanupFn.fn) */
		if (sp->kind == MS_SPECIAL_CLEANUP) {
			uint64_t fv;
			const struct ms_dfunc *fn =
			    rd_ptr(f, sp->words[sp->nwords == 3 ? 1 : 0], &fv) && fv
			        ? user_func(f, fv, 0)
			        : NULL;

			if (fn)
				ms_go_symbol_package(fn->name, f->root_pkg, sizeof(f->root_pkg));
		}
		for (unsigned k = 0; k < sp->nwords && !f->err; k++) {
			uint64_t w;

			if (!rd_ptr(f, sp->words[k], &w) || !w)
				continue;
			/* the funcval's (1.26+ cleanupFn's call, fn, arg), the weak handle */
			snprintf(path, sizeof(path), "%s of 0x%llx%s", what[sp->kind],
			         (unsigned long long)sp->obj,
			         sp->kind == MS_SPECIAL_WEAK ? ""
			         : sp->nwords == 3           ? (k == 0   ? ".call"
			                                        : k == 1 ? ".fn"
			                                                 : ".arg")
			                                     : ".fn");
			untyped_root(f, &uq, w, path);
		}
		f->root_pkg[0] = '\0';
	}
	f->root_by = MS_FOUND_GLOBAL;
	untyped_deinit(&uq);
	free(ss.s);
}

/*
 * The ambiguous headers that untyped roots and the heap scan reached and no typed
 * path reached since, in the order they were met (those with a path first).
 */
static void add_deferred(struct finder *f)
{
	struct heap_scan hs = heap_scan_init(f);

	index_global_users(f);
	for (size_t i = 0; i < f->ndeferred; i++) {
		struct deferred *d = &f->deferred[i];

		if (!f->err && !ms_found_lookup(f->found, d->o.base)) {
			snprintf(f->root_pkg, sizeof(f->root_pkg), "%s",
			         d->package ? d->package : "");
			header_candidate(&hs, &d->o, d->path[0] ? d->path : NULL, d->by, &d->ev);
		}
		free(d->path);
		free(d->package);
	}
	f->root_pkg[0] = '\0';
	free(f->deferred);
	f->deferred = NULL;
	f->ndeferred = f->deferred_cap = 0;
	drain(f);
}

static void scan_heap(struct finder *f)
{
	struct heap_scan hs = heap_scan_init(f);
	uint64_t elemsize = ms_alloc_roundup(&f->t->go, f->t->arch, hs.hdr_bytes, true);
	struct ms_error *err;

	hs.defer_ambiguous = true; /* added last: typed paths from what it finds come first */
	err = ms_heap_each_object(f->t, elemsize, heap_candidate, &hs);
	if (err) {
		ms_target_warn(f->t, "heap not scanned: %s", ms_error_message(err));
		ms_error_destroy(err);
	}
	drain(f);
}

struct ms_error *ms_find_maps(struct ms_target *t, struct ms_types *ty,
                              const struct ms_find_opts *opts, struct ms_found *found)
{
	struct finder f = {0};

	f.t = t;
	f.ty = ty;
	f.found = found;
	f.opts = opts;
	f.budget = opts->max_values ? opts->max_values : (1ull << 30);
	f.root_by = MS_FOUND_GLOBAL;
	f.records_types = ms_go_facts(&t->go)->malloc_headers;
	for (size_t i = 0; i < t->dwarf->nvars && !f.err; i++) {
		const struct ms_dvar *v = &t->dwarf->vars[i];
		const struct ms_dtype *type = ms_dwarf_type(t->dwarf, v->type_off);

		if (!type || !ms_types_reaches_map(ty, type))
			continue;
		ms_go_symbol_package(v->name, f.root_pkg, sizeof(f.root_pkg));
		visit(&f, v->addr, type, v->name, 0);
		drain(&f);
	}
	drain(&f);
	f.root_pkg[0] = '\0';
	/* goroutine frames, then (no DWARF) the data and bss words: the frames of a
	 * server's goroutines name what they hold better than an address does */
	if (!opts->no_stacks && !f.err) {
		struct ms_stack *stacks;
		size_t n;
		struct ms_error *err = ms_target_stacks(t, &stacks, &n);

		if (err) {
			ms_target_warn(t, "goroutine stacks not scanned: %s",
			               ms_error_message(err));
			ms_error_destroy(err);
		} else {
			ms_target_thread_stacks(t, stacks, n);
			scan_frames(&f, stacks, n);
			if (t->dwarf->synthetic && !f.err)
				scan_global_words(&f);
			if (!f.err)
				scan_stacks(&f, stacks, n);
			free(stacks);
		}
	}
	if (t->dwarf->synthetic && !f.err && (opts->no_stacks || !f.globals_scanned))
		scan_global_words(&f);
	if (!f.err)
		scan_specials(&f);
	if (f.untyped_objects >= UNTYPED_OBJECTS && !f.err)
		ms_target_warn(t,
		               "stopped following untyped pointers after %u heap objects: maps "
		               "beyond are found by the heap scan, without a path",
		               UNTYPED_OBJECTS);
	if (!opts->no_heap_scan && !f.err)
		scan_heap(&f);
	add_deferred(&f);
	if (!f.budget)
		ms_target_warn(t, "stopped following pointers after %llu values (--max-values)",
		               (unsigned long long)(opts->max_values ? opts->max_values : 0));
	for (size_t i = f.qhead; i < f.qtail; i++)
		free(f.queue[i].path);
	free(f.queue);
	ms_addrset_deinit(&f.seen);
	ms_addrset_deinit(&f.untyped_seen);
	ms_addrset_deinit(&f.validate_seen);
	free(f.typed.addrs);
	free(f.typed.types);
	ms_addrset_deinit(&f.conflict_seen);
	ms_coderefs_destroy(f.coderefs);
	/* a map found but never walked (the budget ran out) is still reported, empty */
	for (size_t i = 0; i < found->n && !f.err; i++)
		if (!found->maps[i]->inner && !found->maps[i]->handed &&
		    !ms_found_has_report(found->maps[i]))
			report_of(&f, found->maps[i]);
	if (!f.err)
		warn_conflicts(&f);
	return f.err;
}

/* ---- the set of found maps ---- */

static size_t slot_of(uint64_t addr, size_t cap)
{
	return (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

struct ms_found_map *ms_found_lookup(struct ms_found *fd, uint64_t addr)
{
	if (!fd->cap)
		return NULL;
	for (size_t i = slot_of(addr, fd->cap); fd->index[i].k; i = (i + 1) & (fd->cap - 1))
		if (fd->index[i].addr == addr)
			return fd->maps[fd->index[i].k - 1];
	return NULL;
}

static void index_put(struct ms_found *fd, size_t k)
{
	size_t i = slot_of(fd->maps[k]->addr, fd->cap);

	while (fd->index[i].k)
		i = (i + 1) & (fd->cap - 1);
	fd->index[i].addr = fd->maps[k]->addr;
	fd->index[i].k = k + 1;
}

struct ms_found_map *ms_found_add(struct ms_found *fd, uint64_t addr)
{
	struct ms_found_map *m;

	if (fd->n == fd->nalloc) {
		size_t n = fd->nalloc ? 2 * fd->nalloc : 64;
		struct ms_found_map **maps = realloc(fd->maps, n * sizeof(*maps));

		if (!maps)
			return NULL;
		fd->maps = maps;
		fd->nalloc = n;
	}
	if ((fd->n + 1) * 4 > fd->cap * 3) {
		size_t cap = fd->cap ? 2 * fd->cap : 256;
		struct ms_found_slot *index = calloc(cap, sizeof(*index));

		if (!index)
			return NULL;
		free(fd->index);
		fd->index = index;
		fd->cap = cap;
		for (size_t k = 0; k < fd->n; k++)
			index_put(fd, k);
	}
	m = ms_slab_alloc(&fd->maps_slab, sizeof(*m));
	if (!m)
		return NULL;
	m->addr = addr;
	fd->maps[fd->n] = m;
	index_put(fd, fd->n);
	fd->n++;
	return m;
}

struct ms_error *ms_found_candidates(struct ms_found_map *m, const struct ms_dtype *const *fits,
                                     size_t nfits)
{
	free(m->candidates);
	m->candidates = NULL;
	m->ncandidates = nfits;
	if (nfits <= 1)
		return NULL; /* the type is the only one: nothing kept but the count */
	m->candidates = malloc(nfits * sizeof(*m->candidates));
	if (!m->candidates) {
		m->ncandidates = 0;
		return &ms_error_nomem;
	}
	memcpy(m->candidates, fits, nfits * sizeof(*m->candidates));
	return NULL;
}

void ms_found_map_free(struct ms_found_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->npaths; i++)
		free(m->paths[i]);
	free(m->paths);
	free(m->stack);
	free(m->package);
	free(m->candidates);
	if (m->report) {
		free(m->report->r.error);
		ms_map_detail_free(&m->report->d);
		free(m->report);
	}
	if (m->packed) {
		struct ms_map_draft r;

		ms_unpack_units(m->packed, &r, sizeof(r));
		free(r.r.error);
		ms_map_detail_free(&r.d);
		ms_slab_free(m->packed);
	}
	ms_slab_free(m);
}

bool ms_found_has_report(const struct ms_found_map *m)
{
	return m->report || m->packed;
}

const struct ms_map_draft *ms_found_peek_report(const struct ms_found_map *m,
                                                struct ms_map_draft *scratch)
{
	if (m->report)
		return m->report;
	if (!m->packed)
		return NULL;
	ms_unpack_units(m->packed, scratch, sizeof(*scratch));
	return scratch;
}

struct ms_error *ms_found_take_report(struct ms_found_map *m, struct ms_map_draft **ret)
{
	if (m->report) {
		*ret = m->report;
		m->report = NULL;
		return NULL;
	}
	*ret = NULL;
	if (!m->packed)
		return NULL;
	*ret = malloc(sizeof(**ret));
	if (!*ret)
		return &ms_error_nomem;
	ms_unpack_units(m->packed, *ret, sizeof(**ret));
	ms_slab_free(m->packed);
	m->packed = NULL;
	return NULL;
}

void ms_found_deinit(struct ms_found *fd)
{
	for (size_t k = 0; k < fd->n; k++)
		ms_found_map_free(fd->maps[k]);
	free(fd->maps);
	free(fd->index);
	ms_slab_deinit(&fd->maps_slab);
	ms_slab_deinit(&fd->reports_slab);
	ms_type_conflicts_free(&fd->conflicts);
	memset(fd, 0, sizeof(*fd));
}
