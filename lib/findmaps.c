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

struct finder {
	struct ms_target *t;
	struct ms_types *ty;
	struct ms_found *found;
	struct item *queue;
	size_t qhead, qtail, qcap;
	struct ms_addrset seen; /* (address, type) pairs already queued */
	struct ms_addrset map_index_keys;
	uint64_t budget; /* values visited */
	struct ms_error *err;
	/* for the entries of the map being walked */
	const struct ms_map_geom *cur_geom;
	const char *cur_path;
	unsigned cur_depth;
};

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
	if (depth > MAX_DEPTH || !ms_addrset_add(&f->seen, pair_key(addr, type), &nomem)) {
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
	struct ms_error *err = ms_source_read_ptr(f->t->mem, addr, ret);

	ms_error_destroy(err);
	return !err;
}

/* The map at header addr, reached through path: record or count it. */
static void found_map(struct finder *f, uint64_t addr, const struct ms_dtype *type,
                      const char *path, unsigned depth, enum ms_found_by by)
{
	struct ms_found *fd = f->found;
	struct ms_found_map *m = ms_found_lookup(fd, addr);

	if (m) {
		m->refs++;
		if (m->npaths < MAX_PATHS && path) {
			char *p = strdup(path);
			if (p)
				m->paths[m->npaths++] = p;
		}
		return;
	}
	m = ms_found_add(fd, addr);
	if (!m) {
		f->err = &ms_error_nomem;
		return;
	}
	m->type = type;
	m->by = by;
	m->refs = 1;
	if (path) {
		m->paths[0] = strdup(path);
		m->npaths = m->paths[0] != NULL;
	}
	enqueue(f, addr, type, strdup(path ? path : ""), depth + 1, true);
}

static void visit(struct finder *f, uint64_t addr, const struct ms_dtype *type, const char *path,
                  unsigned depth);

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
		enqueue(f, data, dyn, strdup(path), depth + 1, false);
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

static void visit(struct finder *f, uint64_t addr, const struct ms_dtype *type, const char *path,
                  unsigned depth)
{
	const struct ms_dtype *u, *c;
	uint64_t p;

	if (!type || f->err || !f->budget)
		return;
	f->budget--;
	if (ms_types_is_map(type)) {
		if (rd_ptr(f, addr, &p) && p)
			found_map(f, p, type, path, depth, MS_FOUND_GLOBAL);
		return;
	}
	u = ms_types_underlying(f->ty, type);
	if (!u || !ms_types_reaches_map(f->ty, u))
		return;
	switch (u->tag) {
	case MS_DTAG_POINTER:
		c = ms_dwarf_type(f->t->dwarf, u->type_off);
		if (c && rd_ptr(f, addr, &p) && p)
			enqueue(f, p, c, strdup(path), depth + 1, false);
		return;
	case MS_DTAG_ARRAY: {
		struct ms_type_layout l;

		c = ms_dwarf_type(f->t->dwarf, u->type_off);
		l = ms_types_layout(f->ty, c);
		if (!c || !l.size_bytes)
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
				enqueue(f, p, c, strdup(path), depth + 1, false);
			return;
		}
		for (size_t i = 0; i < u->nmembers && !f->err; i++) {
			const struct ms_dmember *m = &u->members[i];
			const struct ms_dtype *mt = ms_dwarf_type(f->t->dwarf, m->type_off);
			char *s;

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

/* Walk a map found at addr and fill its report. Its entries are visited if they can lead on. */
static void walk_map(struct finder *f, const struct item *it)
{
	struct ms_found_map *m = ms_found_lookup(f->found, it->addr);
	struct ms_walk w = {0};
	const struct ms_map_geom *g;
	struct ms_error *err;

	if (!m)
		return;
	err = ms_types_geom(f->ty, it->type, &g);
	if (err) {
		m->report.error = strdup(ms_error_message(err));
		ms_error_destroy(err);
		return;
	}
	m->geom = g;
	w.t = f->t;
	w.g = g;
	w.r = &m->report;
	w.stack_lo = m->stack_lo;
	w.stack_hi = m->stack_hi;
	if (g->key_reaches || g->elem_reaches) {
		w.slot = on_slot;
		w.arg = f;
		f->cur_geom = g;
		f->cur_path = it->path;
		f->cur_depth = it->depth;
	}
	err = g->impl == MS_IMPL_CLASSIC ? ms_walk_classic(&w, it->addr)
	                                 : ms_walk_swiss(&w, it->addr);
	if (err) {
		if (ms_error_code(err) == MS_ERR_NOMEM)
			f->err = err;
		else {
			free(m->report.error);
			m->report.error = strdup(ms_error_message(err));
			ms_error_destroy(err);
		}
	}
	ms_addrset_deinit(&w.seen);
}

static void drain(struct finder *f)
{
	while (f->qhead < f->qtail && !f->err) {
		struct item it = f->queue[f->qhead++];

		if (it.is_map)
			walk_map(f, &it);
		else
			visit(f, it.addr, it.type, it.path, it.depth);
		free(it.path);
	}
}

struct ms_error *ms_find_maps(struct ms_target *t, struct ms_types *ty,
                              const struct ms_find_opts *opts, struct ms_found *found)
{
	struct finder f = {0};

	f.t = t;
	f.ty = ty;
	f.found = found;
	f.budget = opts->max_values ? opts->max_values : (1ull << 30);
	for (size_t i = 0; i < t->dwarf->nvars && !f.err; i++) {
		const struct ms_dvar *v = &t->dwarf->vars[i];
		const struct ms_dtype *type = ms_dwarf_type(t->dwarf, v->type_off);

		if (!type || !ms_types_reaches_map(ty, type))
			continue;
		visit(&f, v->addr, type, v->name, 0);
		drain(&f);
	}
	drain(&f);
	if (!f.budget)
		ms_target_warn(t, "stopped following pointers after %llu values (--max-values)",
		               (unsigned long long)(opts->max_values ? opts->max_values : 0));
	for (size_t i = f.qhead; i < f.qtail; i++)
		free(f.queue[i].path);
	free(f.queue);
	ms_addrset_deinit(&f.seen);
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
	for (size_t i = slot_of(addr, fd->cap); fd->index[i]; i = (i + 1) & (fd->cap - 1))
		if (fd->maps[fd->index[i] - 1]->addr == addr)
			return fd->maps[fd->index[i] - 1];
	return NULL;
}

static void index_put(struct ms_found *fd, size_t k)
{
	size_t i = slot_of(fd->maps[k]->addr, fd->cap);

	while (fd->index[i])
		i = (i + 1) & (fd->cap - 1);
	fd->index[i] = k + 1;
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
	if ((fd->n + 1) * 2 > fd->cap) {
		size_t cap = fd->cap ? 2 * fd->cap : 256;
		size_t *index = calloc(cap, sizeof(*index));

		if (!index)
			return NULL;
		free(fd->index);
		fd->index = index;
		fd->cap = cap;
		for (size_t k = 0; k < fd->n; k++)
			index_put(fd, k);
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->addr = addr;
	m->report.addr = addr;
	fd->maps[fd->n] = m;
	index_put(fd, fd->n);
	fd->n++;
	return m;
}

void ms_found_deinit(struct ms_found *fd)
{
	for (size_t k = 0; k < fd->n; k++) {
		for (size_t i = 0; i < fd->maps[k]->npaths; i++)
			free(fd->maps[k]->paths[i]);
		free(fd->maps[k]->report.error);
		free(fd->maps[k]->report.tables);
		free(fd->maps[k]);
	}
	free(fd->maps);
	free(fd->index);
	memset(fd, 0, sizeof(*fd));
}
