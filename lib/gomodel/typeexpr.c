/* SPDX-License-Identifier: MIT */
/*
 * Go type expressions ("map[string]*User") and their layout on an
 * architecture: size, alignment and pointerness by the rules of
 * cmd/compile/internal/types/size.go. The text comes from users and scripts:
 * every error names its 1-based column, nesting is bounded, and sizes are
 * computed with checked arithmetic.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapsize.h"

#define MAX_DEPTH      100
#define MAX_TYPE_BYTES ((uint64_t)1 << 48)

struct def {
	char *name;
	char *expr;
};

struct ms_typeenv {
	struct def *defs;
	size_t ndefs, cap;
};

/* A growable string for canonical type text. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool nomem;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
	if (b->nomem)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		char *p;

		while (b->len + n + 1 > cap)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p) {
			b->nomem = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

/* What parsing one type yields. */
struct tres {
	struct ms_type_layout layout;
	bool known;          /* layout is known (false: an undefined name by value) */
	const char *unknown; /* first undefined name used by value, and its column */
	size_t unknown_len;
	int unknown_col;
	bool is_map;
	struct ms_type_layout key, elem;
	bool key_known, elem_known;
	const char *unknown_kv; /* first undefined name inside K or V */
	size_t unknown_kv_len;
	int unknown_kv_col;
	char *key_name, *elem_name; /* owned, only when is_map */
};

struct parser {
	const char *text; /* whole input, for columns */
	const char *p;
	const struct ms_typeenv *env;
	const struct ms_arch_info *arch;
	unsigned depth;
	/* names whose definitions are being resolved, to find cycles */
	const char *resolving[MAX_DEPTH];
	size_t resolving_len[MAX_DEPTH];
	unsigned nresolving;
};

static void tres_deinit(struct tres *r)
{
	free(r->key_name);
	free(r->elem_name);
	r->key_name = r->elem_name = NULL;
}

static int column(const struct parser *ps, const char *at)
{
	return (int)(at - ps->text) + 1;
}

static struct ms_error *perr(const struct parser *ps, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static struct ms_error *perr(const struct parser *ps, const char *at, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ms_error_create(MS_ERR_TYPE, "column %d: %s", column(ps, at), msg);
}

/* Describe the token at p for messages: "']'", "end of input". */
static void describe(const char *p, char *buf, size_t len)
{
	size_t n = 0;

	if (!*p) {
		snprintf(buf, len, "end of input");
		return;
	}
	if (isalnum((unsigned char)*p) || *p == '_') {
		while (n < 24 && (isalnum((unsigned char)p[n]) || p[n] == '_'))
			n++;
	} else {
		n = 1;
	}
	snprintf(buf, len, "'%.*s'", (int)n, p);
}

static void skip_space(struct parser *ps, bool newlines)
{
	for (;;) {
		char c = *ps->p;

		if (c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n'))
			ps->p++;
		else
			break;
	}
}

static bool accept(struct parser *ps, char c)
{
	skip_space(ps, false);
	if (*ps->p != c)
		return false;
	ps->p++;
	return true;
}

static struct ms_error *expect(struct parser *ps, char c, const char *what)
{
	char found[48];

	if (accept(ps, c))
		return NULL;
	describe(ps->p, found, sizeof(found));
	return perr(ps, ps->p, "expected '%c' %s, found %s", c, what, found);
}

static bool is_ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

/* An identifier at p (no dots); returns its length, 0 if none. */
static size_t ident_len(const char *p)
{
	size_t n = 0;

	if (!is_ident_start(*p))
		return 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

static bool word_is(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && strncmp(p, w, n) == 0;
}

static uint64_t align_up(uint64_t n, uint64_t a)
{
	return (n + a - 1) / a * a;
}

/* ---- Named types ---------------------------------------------------------- */

struct predeclared {
	const char *name;
	int size;  /* bytes; negative: that many words */
	int align; /* bytes; 0: same as size capped at the arch's max; -1: word */
	bool pointers;
};

/* cmd/compile/internal/types/universe.go, size.go */
static const struct predeclared predeclared[] = {
    {"bool", 1, 1, false},
    {"int8", 1, 1, false},
    {"uint8", 1, 1, false},
    {"byte", 1, 1, false},
    {"int16", 2, 2, false},
    {"uint16", 2, 2, false},
    {"int32", 4, 4, false},
    {"uint32", 4, 4, false},
    {"rune", 4, 4, false},
    {"float32", 4, 4, false},
    {"int64", 8, 0, false},
    {"uint64", 8, 0, false},
    {"float64", 8, 0, false},
    {"complex64", 8, 4, false},
    {"complex128", 16, 0, false},
    {"int", -1, -1, false},
    {"uint", -1, -1, false},
    {"uintptr", -1, -1, false},
    {"string", -2, -1, true},
    {"any", -2, -1, true},
    {"error", -2, -1, true},
    {"unsafe.Pointer", -1, -1, true},
    /* Standard-library types whose layout is the same in Go 1.19-1.27. */
    /* time.Time: wall uint64, ext int64, loc *Location */
    {"time.Time", -100, -1, true},
    {"time.Duration", 8, 0, false},
    {"time.Month", -1, -1, false},
    /* sync.Mutex: state int32, sema uint32 (1.24+: wraps internal/sync.Mutex) */
    {"sync.Mutex", 8, 4, false},
    /* sync.RWMutex: w Mutex, writerSem, readerSem uint32, readerCount, readerWait int32 */
    {"sync.RWMutex", 24, 4, false},
    /* netip.Addr: addr uint128 (two uint64), z *intern.Value or unique.Handle */
    {"netip.Addr", -101, -1, true},
};

static struct ms_type_layout predeclared_layout(const struct predeclared *pd,
                                                const struct ms_arch_info *arch)
{
	uint64_t w = arch->ptr_bytes;
	struct ms_type_layout l = {0, 1, pd->pointers};

	if (pd->size == -100) {
		l.size_bytes = 16 + w; /* two 8-byte words and a pointer */
	} else if (pd->size == -101) {
		l.size_bytes = 16 + w;
	} else if (pd->size < 0) {
		l.size_bytes = (uint64_t)(-pd->size) * w;
	} else {
		l.size_bytes = (uint64_t)pd->size;
	}
	if (pd->align == -1)
		l.align = (uint32_t)w;
	else if (pd->align == 0)
		l.align =
		    (uint32_t)(l.size_bytes < arch->max_align ? l.size_bytes : arch->max_align);
	else
		l.align = (uint32_t)pd->align;
	if (l.align > arch->max_align)
		l.align = arch->max_align;
	return l;
}

static const struct def *env_find(const struct ms_typeenv *env, const char *name, size_t n)
{
	for (size_t i = 0; env && i < env->ndefs; i++)
		if (strlen(env->defs[i].name) == n && strncmp(env->defs[i].name, name, n) == 0)
			return &env->defs[i];
	return NULL;
}

static struct ms_error *parse_type(struct parser *ps, bool need, struct tres *r, struct sbuf *out);
static struct ms_error *parse_top(const char *text, const struct ms_typeenv *env,
                                  const struct ms_arch_info *arch, struct parser *outer,
                                  struct tres *r, struct sbuf *canon);

/* Resolve a (possibly qualified) name used by value. */
static struct ms_error *resolve_name(struct parser *ps, const char *name, size_t n, bool need,
                                     struct tres *r)
{
	const struct def *d = env_find(ps->env, name, n);
	struct ms_error *err;

	if (d) {
		struct tres sub = {0};
		struct sbuf ignore = {0};

		for (unsigned i = 0; i < ps->nresolving; i++)
			if (ps->resolving_len[i] == n && strncmp(ps->resolving[i], name, n) == 0)
				return perr(ps, name, "type '%.*s' contains itself", (int)n, name);
		if (ps->nresolving == MAX_DEPTH || ps->depth >= MAX_DEPTH)
			return perr(ps, name, "types nest too deeply");
		ps->resolving[ps->nresolving] = name;
		ps->resolving_len[ps->nresolving++] = n;
		err = parse_top(d->expr, ps->env, ps->arch, ps, &sub, &ignore);
		ps->nresolving--;
		free(ignore.s);
		if (err)
			return ms_error_prefix(err, "in the definition of '%.*s'", (int)n, name);
		*r = sub;
		r->known = sub.known;
		return NULL;
	}
	for (size_t i = 0; i < sizeof(predeclared) / sizeof(predeclared[0]); i++) {
		if (word_is(name, n, predeclared[i].name)) {
			r->layout = predeclared_layout(&predeclared[i], ps->arch);
			r->known = true;
			return NULL;
		}
	}
	/* an undefined name: fine behind a pointer, an error by value (decided later) */
	r->known = false;
	r->unknown = name;
	r->unknown_len = n;
	r->unknown_col = column(ps, name);
	if (need)
		return perr(ps, name, "unknown type '%.*s' (define it with --define %.*s=TYPE)",
		            (int)n, name, (int)n, name);
	return NULL;
}

/* ---- Composite types ------------------------------------------------------ */

static struct ms_error *parse_uint(struct parser *ps, uint64_t *ret)
{
	const char *start, *p;
	uint64_t n = 0, base = 10;
	bool any = false;

	skip_space(ps, false);
	start = p = ps->p;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	for (;; p++) {
		uint64_t d;

		if (*p == '_' && (any || base != 10))
			continue;
		if (*p >= '0' && *p <= '9')
			d = (uint64_t)(*p - '0');
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = (uint64_t)(tolower((unsigned char)*p) - 'a' + 10);
		else
			break;
		if (d >= base)
			return perr(ps, p, "digit '%c' in a base-%d number", *p, (int)base);
		if (!ms_mul_u64(n, base, &n) || !ms_add_u64(n, d, &n) || n > MAX_TYPE_BYTES)
			return perr(ps, start, "array length too large");
		any = true;
	}
	if (!any) {
		char found[48];

		describe(start, found, sizeof(found));
		return perr(ps, start, "expected an array length, found %s", found);
	}
	ps->p = p;
	*ret = n;
	return NULL;
}

/* Skip a balanced (...) or {...} group, copying it with collapsed white space. */
static struct ms_error *copy_balanced(struct parser *ps, char open, char close, struct sbuf *out)
{
	const char *start = ps->p;
	int level = 0;
	bool space = false;

	do {
		char c = *ps->p;

		if (!c)
			return perr(ps, start, "'%c' is never closed", open);
		if (c == open)
			level++;
		else if (c == close)
			level--;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = true;
		} else {
			if (space && out->len && out->s[out->len - 1] != open && c != close)
				sb_putn(out, " ", 1);
			space = false;
			sb_putn(out, &c, 1);
		}
		ps->p++;
	} while (level > 0);
	return NULL;
}

static struct ms_error *parse_func(struct parser *ps, struct tres *r, struct sbuf *out)
{
	struct ms_error *err;

	sb_puts(out, "func");
	skip_space(ps, false);
	if (*ps->p != '(')
		return expect(ps, '(', "after 'func'");
	err = copy_balanced(ps, '(', ')', out);
	if (err)
		return err;
	/* results: a type, or a parenthesised list, or nothing */
	skip_space(ps, false);
	if (*ps->p == '(') {
		sb_puts(out, " ");
		err = copy_balanced(ps, '(', ')', out);
	} else if (*ps->p && *ps->p != ';' && *ps->p != '}' && *ps->p != ']' && *ps->p != ')' &&
	           *ps->p != ',' && *ps->p != '\n' && *ps->p != '"' && *ps->p != '`') {
		struct tres res = {0};

		sb_puts(out, " ");
		err = parse_type(ps, false, &res, out);
		tres_deinit(&res);
	}
	r->layout = (struct ms_type_layout){ps->arch->ptr_bytes, ps->arch->ptr_bytes, true};
	r->known = true;
	return err;
}

static struct ms_error *parse_interface(struct parser *ps, struct tres *r, struct sbuf *out)
{
	struct ms_error *err;
	size_t mark;

	sb_puts(out, "interface");
	skip_space(ps, false);
	if (*ps->p != '{')
		return expect(ps, '{', "after 'interface'");
	mark = out->len;
	err = copy_balanced(ps, '{', '}', out);
	if (err)
		return err;
	/* "interface { }" prints as "interface{}" */
	if (out->len == mark + 3 && out->s[mark + 1] == ' ') {
		out->len = mark;
		sb_puts(out, "{}");
	}
	r->layout =
	    (struct ms_type_layout){2 * (uint64_t)ps->arch->ptr_bytes, ps->arch->ptr_bytes, true};
	r->known = true;
	return NULL;
}

/* Record the first unknown name of a sub-result into r. */
static void inherit_unknown(struct tres *r, const struct tres *sub)
{
	if (!sub->known && !r->unknown) {
		r->unknown = sub->unknown;
		r->unknown_len = sub->unknown_len;
		r->unknown_col = sub->unknown_col;
	}
}

/* Add a field of layout f to a struct being laid out; false on overflow. */
static bool add_field(uint64_t *offset, uint32_t *align, bool *pointers, const struct tres *f)
{
	uint64_t off = align_up(*offset, f->layout.align ? f->layout.align : 1);

	if (!ms_add_u64(off, f->layout.size_bytes, offset) || *offset > MAX_TYPE_BYTES)
		return false;
	if (f->layout.align > *align)
		*align = f->layout.align;
	*pointers |= f->layout.has_pointers;
	return true;
}

static bool at_field_end(struct parser *ps)
{
	skip_space(ps, false);
	return *ps->p == ';' || *ps->p == '\n' || *ps->p == '}' || *ps->p == '"' || *ps->p == '`';
}

static struct ms_error *parse_tag(struct parser *ps, struct sbuf *out)
{
	char q;
	const char *start;

	skip_space(ps, false);
	q = *ps->p;
	if (q != '"' && q != '`')
		return NULL;
	start = ps->p++;
	while (*ps->p && *ps->p != q) {
		if (q == '"' && *ps->p == '\\' && ps->p[1])
			ps->p++;
		if (*ps->p == '\n')
			break;
		ps->p++;
	}
	if (*ps->p != q)
		return perr(ps, start, "unterminated field tag");
	ps->p++;
	sb_puts(out, " ");
	sb_putn(out, start, (size_t)(ps->p - start));
	return NULL;
}

static struct ms_error *parse_struct(struct parser *ps, bool need, struct tres *r, struct sbuf *out)
{
	uint64_t offset = 0;
	uint32_t align = 1;
	bool pointers = false, first = true, known = true;
	uint64_t last_size = 0;
	struct ms_error *err;

	sb_puts(out, "struct{");
	err = expect(ps, '{', "after 'struct'");
	if (err)
		return err;
	for (;;) {
		const char *names[64];
		size_t lens[64], nnames = 0, n;
		struct tres f = {0};
		const char *start;

		skip_space(ps, true);
		while (*ps->p == ';') {
			ps->p++;
			skip_space(ps, true);
		}
		if (*ps->p == '}') {
			ps->p++;
			break;
		}
		if (!first)
			sb_puts(out, "; ");
		first = false;
		start = ps->p;
		n = ident_len(ps->p);
		if (n) {
			/* names, or an embedded (possibly qualified) type */
			const char *after = ps->p + n;

			while (*after == ' ' || *after == '\t')
				after++;
			if (*after == '.' || *after == ';' || *after == '\n' || *after == '}' ||
			    *after == '"' || *after == '`') {
				err = parse_type(ps, need, &f, out);
			} else {
				for (;;) {
					if (nnames == 64)
						return perr(ps, ps->p,
						            "too many names in one field");
					names[nnames] = ps->p;
					lens[nnames++] = n;
					sb_putn(out, ps->p, n);
					ps->p += n;
					if (!accept(ps, ','))
						break;
					sb_puts(out, ", ");
					skip_space(ps, true);
					n = ident_len(ps->p);
					if (!n)
						return perr(ps, ps->p,
						            "expected a field name after ','");
				}
				sb_puts(out, " ");
				err = parse_type(ps, need, &f, out);
			}
		} else if (*ps->p == '*') {
			err = parse_type(ps, need, &f, out); /* embedded *T */
		} else {
			char found[48];

			describe(ps->p, found, sizeof(found));
			return perr(ps, start, "expected a field name or '}', found %s", found);
		}
		if (!err)
			err = parse_tag(ps, out);
		if (!err && !at_field_end(ps)) {
			char found[48];

			describe(ps->p, found, sizeof(found));
			err = perr(ps, ps->p, "expected ';' or '}' after a field, found %s", found);
		}
		if (err) {
			tres_deinit(&f);
			return err;
		}
		inherit_unknown(r, &f);
		known &= f.known;
		for (size_t i = 0; i < (nnames ? nnames : 1); i++) {
			if (!add_field(&offset, &align, &pointers, &f)) {
				tres_deinit(&f);
				return perr(ps, start, "struct too large");
			}
		}
		last_size = f.layout.size_bytes;
		tres_deinit(&f);
		(void)names;
		(void)lens;
	}
	sb_puts(out, "}");
	/* size.go: a nonzero-size struct ending in a zero-size field gets a byte (issue 9401) */
	if (offset > 0 && last_size == 0 && !first)
		offset++;
	r->layout = (struct ms_type_layout){align_up(offset, align), align, pointers};
	r->known = known;
	return NULL;
}

static struct ms_error *parse_map(struct parser *ps, struct tres *r, struct sbuf *out)
{
	struct tres k = {0}, v = {0};
	struct sbuf kn = {0}, vn = {0};
	struct ms_error *err;

	err = expect(ps, '[', "after 'map'");
	if (!err)
		err = parse_type(ps, false, &k, &kn);
	if (!err)
		err = expect(ps, ']', "after the map's key type");
	if (!err)
		err = parse_type(ps, false, &v, &vn);
	if (!err && (kn.nomem || vn.nomem))
		err = &ms_error_nomem;
	if (!err) {
		sb_puts(out, "map[");
		sb_puts(out, kn.s);
		sb_puts(out, "]");
		sb_puts(out, vn.s);
		r->layout = (struct ms_type_layout){ps->arch->ptr_bytes, ps->arch->ptr_bytes, true};
		r->known = true;
		r->is_map = true;
		r->key = k.layout;
		r->elem = v.layout;
		r->key_known = k.known;
		r->elem_known = v.known;
		if (!k.known || !v.known) {
			const struct tres *u = !k.known ? &k : &v;

			r->unknown_kv = u->unknown;
			r->unknown_kv_len = u->unknown_len;
			r->unknown_kv_col = u->unknown_col;
		}
		r->key_name = kn.s;
		r->elem_name = vn.s;
		kn.s = vn.s = NULL;
	}
	free(kn.s);
	free(vn.s);
	tres_deinit(&k);
	tres_deinit(&v);
	return err;
}

/* opaque(SIZE[, ALIGN[, ptr]]) */
static struct ms_error *parse_opaque(struct parser *ps, struct tres *r, struct sbuf *out)
{
	const char *start = ps->p;
	uint64_t size, align = 0;
	bool ptr = false;
	struct ms_error *err;

	err = expect(ps, '(', "after 'opaque'");
	if (!err)
		err = parse_uint(ps, &size);
	if (err)
		return err;
	if (accept(ps, ',')) {
		skip_space(ps, false);
		if (isdigit((unsigned char)*ps->p)) {
			const char *at = ps->p;

			err = parse_uint(ps, &align);
			if (err)
				return err;
			if (align == 0 || (align & (align - 1)) || align > 8)
				return perr(ps, at, "alignment must be 1, 2, 4 or 8");
			/* as for int64: 32-bit targets align at most to 4 */
			if (align > ps->arch->max_align)
				align = ps->arch->max_align;
			if (accept(ps, ','))
				skip_space(ps, false);
		}
		if (ident_len(ps->p) == 3 && strncmp(ps->p, "ptr", 3) == 0) {
			ptr = true;
			ps->p += 3;
		} else if (*ps->p != ')') {
			return perr(ps, ps->p, "expected an alignment or 'ptr' in opaque(...)");
		}
	}
	err = expect(ps, ')', "to close opaque(...)");
	if (err)
		return err;
	if (!align) {
		/* largest power of two dividing size, capped at the arch's maximum */
		align = 1;
		while (size && align < ps->arch->max_align && size % (align * 2) == 0)
			align *= 2;
	}
	if (size % align)
		return perr(ps, start, "size %llu is not a multiple of alignment %llu",
		            (unsigned long long)size, (unsigned long long)align);
	sb_putn(out, start - 6, (size_t)(ps->p - start + 6));
	r->layout = (struct ms_type_layout){size, (uint32_t)align, ptr};
	r->known = true;
	return NULL;
}

static struct ms_error *parse_named(struct parser *ps, bool need, struct tres *r, struct sbuf *out)
{
	const char *start = ps->p;
	size_t n = ident_len(ps->p);

	/* qualified: pkg.Name */
	if (ps->p[n] == '.' && ident_len(ps->p + n + 1)) {
		n += 1 + ident_len(ps->p + n + 1);
	}
	ps->p += n;
	sb_putn(out, start, n);
	return resolve_name(ps, start, n, need, r);
}

static struct ms_error *parse_type(struct parser *ps, bool need, struct tres *r, struct sbuf *out)
{
	struct ms_error *err = NULL;
	const char *start;
	size_t n;

	if (++ps->depth > MAX_DEPTH) {
		ps->depth--;
		return perr(ps, ps->p, "types nest too deeply");
	}
	skip_space(ps, false);
	start = ps->p;
	n = ident_len(ps->p);
	if (*ps->p == '*') {
		struct tres t = {0};

		ps->p++;
		sb_puts(out, "*");
		err = parse_type(ps, false, &t, out);
		tres_deinit(&t);
		r->layout = (struct ms_type_layout){ps->arch->ptr_bytes, ps->arch->ptr_bytes, true};
		r->known = true;
	} else if (*ps->p == '(') {
		ps->p++;
		err = parse_type(ps, need, r, out);
		if (!err)
			err = expect(ps, ')', "to close '('");
	} else if (*ps->p == '[') {
		struct tres t = {0};

		ps->p++;
		skip_space(ps, false);
		if (*ps->p == ']') {
			ps->p++;
			sb_puts(out, "[]");
			err = parse_type(ps, false, &t, out);
			r->layout = (struct ms_type_layout){3 * (uint64_t)ps->arch->ptr_bytes,
			                                    ps->arch->ptr_bytes, true};
			r->known = true;
		} else {
			uint64_t len, size;
			char num[24];

			err = parse_uint(ps, &len);
			if (!err)
				err = expect(ps, ']', "after the array length");
			if (!err) {
				snprintf(num, sizeof(num), "[%llu]", (unsigned long long)len);
				sb_puts(out, num);
				err = parse_type(ps, need, &t, out);
			}
			if (!err &&
			    (!ms_mul_u64(len, t.layout.size_bytes, &size) || size > MAX_TYPE_BYTES))
				err = perr(ps, start, "array too large");
			if (!err) {
				r->layout = (struct ms_type_layout){
				    size, t.layout.align, t.layout.has_pointers && len > 0};
				r->known = t.known;
				inherit_unknown(r, &t);
			}
		}
		tres_deinit(&t);
	} else if (word_is(ps->p, n, "map")) {
		ps->p += n;
		err = parse_map(ps, r, out);
	} else if (word_is(ps->p, n, "struct")) {
		ps->p += n;
		err = parse_struct(ps, need, r, out);
	} else if (word_is(ps->p, n, "interface")) {
		ps->p += n;
		err = parse_interface(ps, r, out);
	} else if (word_is(ps->p, n, "func")) {
		ps->p += n;
		err = parse_func(ps, r, out);
	} else if (word_is(ps->p, n, "chan") || (ps->p[0] == '<' && ps->p[1] == '-')) {
		struct tres t = {0};

		if (*ps->p == '<') {
			ps->p += 2;
			skip_space(ps, false);
			if (ident_len(ps->p) != 4 || strncmp(ps->p, "chan", 4) != 0)
				return perr(ps, start, "expected 'chan' after '<-'");
			ps->p += 4;
			sb_puts(out, "<-chan ");
		} else {
			ps->p += n;
			skip_space(ps, false);
			if (ps->p[0] == '<' && ps->p[1] == '-') {
				ps->p += 2;
				sb_puts(out, "chan<- ");
			} else {
				sb_puts(out, "chan ");
			}
		}
		err = parse_type(ps, false, &t, out);
		tres_deinit(&t);
		r->layout = (struct ms_type_layout){ps->arch->ptr_bytes, ps->arch->ptr_bytes, true};
		r->known = true;
	} else if (word_is(ps->p, n, "opaque") && ps->p[n] == '(') {
		ps->p += n;
		err = parse_opaque(ps, r, out);
	} else if (n) {
		err = parse_named(ps, need, r, out);
	} else {
		char found[48];

		describe(ps->p, found, sizeof(found));
		err = perr(ps, start, "expected a type, found %s", found);
	}
	ps->depth--;
	if (!err && out->nomem)
		err = &ms_error_nomem;
	return err;
}

/* Parse a whole expression: one type and nothing after it. */
static struct ms_error *parse_top(const char *text, const struct ms_typeenv *env,
                                  const struct ms_arch_info *arch, struct parser *outer,
                                  struct tres *r, struct sbuf *canon)
{
	struct parser ps = {.text = text, .p = text, .env = env, .arch = arch};
	struct ms_error *err;

	if (outer) {
		ps.depth = outer->depth;
		ps.nresolving = outer->nresolving;
		memcpy(ps.resolving, outer->resolving, sizeof(ps.resolving));
		memcpy(ps.resolving_len, outer->resolving_len, sizeof(ps.resolving_len));
	}
	err = parse_type(&ps, false, r, canon);
	if (!err) {
		skip_space(&ps, true);
		if (*ps.p) {
			char found[48];

			describe(ps.p, found, sizeof(found));
			err = perr(&ps, ps.p, "unexpected %s after the type", found);
		}
	}
	if (err)
		tres_deinit(r);
	return err;
}

/* ---- Public API ------------------------------------------------------------ */

struct ms_error *ms_typeenv_create(struct ms_typeenv **ret)
{
	struct ms_typeenv *env = calloc(1, sizeof(*env));

	if (!env)
		return &ms_error_nomem;
	*ret = env;
	return NULL;
}

struct ms_error *ms_typeenv_define(struct ms_typeenv *env, const char *name, const char *expr)
{
	size_t n = strlen(name), i = 0;
	struct def *d;
	struct tres r = {0};
	struct sbuf canon = {0};
	struct ms_error *err;

	/* NAME or pkg.NAME */
	while (i < n) {
		size_t k = ident_len(name + i);

		if (!k)
			break;
		i += k;
		if (name[i] != '.')
			break;
		i++;
	}
	if (n == 0 || i != n)
		return ms_error_create(MS_ERR_TYPE, "'%s' is not a Go type name", name);
	/* Check the syntax now (on amd64); layout is computed per arch when used. */
	err = parse_top(expr, env, ms_arch_info(MS_ARCH_AMD64), NULL, &r, &canon);
	tres_deinit(&r);
	free(canon.s);
	if (err)
		return err;
	d = (struct def *)env_find(env, name, n);
	if (!d) {
		if (env->ndefs == env->cap) {
			size_t cap = env->cap ? 2 * env->cap : 8;
			struct def *defs = realloc(env->defs, cap * sizeof(*defs));

			if (!defs)
				return &ms_error_nomem;
			env->defs = defs;
			env->cap = cap;
		}
		d = &env->defs[env->ndefs];
		d->name = strdup(name);
		d->expr = NULL;
		if (!d->name)
			return &ms_error_nomem;
		env->ndefs++;
	}
	free(d->expr);
	d->expr = strdup(expr);
	return d->expr ? NULL : &ms_error_nomem;
}

void ms_typeenv_destroy(struct ms_typeenv *env)
{
	if (!env)
		return;
	for (size_t i = 0; i < env->ndefs; i++) {
		free(env->defs[i].name);
		free(env->defs[i].expr);
	}
	free(env->defs);
	free(env);
}

/* A name used by value that nothing defines. */
static struct ms_error *unknown_type(int col, const char *name, size_t n)
{
	return ms_error_create(MS_ERR_TYPE,
	                       "column %d: unknown type '%.*s' (define it with --define %.*s=TYPE)",
	                       col, (int)n, name, (int)n, name);
}

/* Parse a whole expression for one arch (the entry of both public parsers). */
static struct ms_error *parse_on(const char *text, const struct ms_typeenv *env, enum ms_arch arch,
                                 struct tres *r, struct sbuf *canon)
{
	const struct ms_arch_info *ai = ms_arch_info(arch);

	if (!ai)
		return ms_error_create(MS_ERR_UNSUPPORTED, "unknown architecture");
	return parse_top(text, env, ai, NULL, r, canon);
}

struct ms_error *ms_type_parse(const char *text, const struct ms_typeenv *env, enum ms_arch arch,
                               struct ms_type_layout *ret, char **ret_canonical)
{
	struct tres r = {0};
	struct sbuf canon = {0};
	struct ms_error *err = parse_on(text, env, arch, &r, &canon);

	if (!err && !r.known)
		err = unknown_type(r.unknown_col, r.unknown, r.unknown_len);
	tres_deinit(&r);
	if (err) {
		free(canon.s);
		return err;
	}
	*ret = r.layout;
	if (ret_canonical)
		*ret_canonical = canon.s;
	else
		free(canon.s);
	return NULL;
}

/*
 * "sync.Map", "*sync.Map", "sync.Map[K,V]" (a spelling people try): not a Go map,
 * and not modelled. Said before parsing, so the parser does not fail on '['.
 */
static bool names_sync_map(const char *text)
{
	while (*text == ' ' || *text == '\t' || *text == '*')
		text++;
	return strncmp(text, "sync.Map", 8) == 0 &&
	       (text[8] == '\0' || text[8] == '[' || text[8] == ' ' || text[8] == '\t');
}

struct ms_error *ms_map_type_parse(const char *text, const struct ms_typeenv *env,
                                   enum ms_arch arch, struct ms_map_type *ret)
{
	struct tres r = {0};
	struct sbuf canon = {0};
	struct ms_error *err;

	if (names_sync_map(text))
		return ms_error_create(
		    MS_ERR_UNSUPPORTED,
		    "sync.Map is not modelled by estimate or simulate "
		    "(not a Go map: read and dirty map[any]*entry up to Go 1.23, "
		    "a HashTrieMap from 1.24); inspect and attach report the "
		    "sync.Maps of a program");
	err = parse_on(text, env, arch, &r, &canon);

	if (!err && !r.is_map)
		err = ms_error_create(MS_ERR_TYPE, "'%s' is not a map type",
		                      canon.s ? canon.s : text);
	if (!err && r.unknown_kv)
		/* columns of names met inside definitions are relative to those */
		err = unknown_type(r.unknown_kv >= text && r.unknown_kv < text + strlen(text)
		                       ? r.unknown_kv_col
		                       : 1,
		                   r.unknown_kv, r.unknown_kv_len);
	if (err) {
		tres_deinit(&r);
		free(canon.s);
		return err;
	}
	/* a defined name keeps its name; a literal map its canonical text */
	ret->name = canon.s;
	ret->key_name = r.key_name;
	ret->elem_name = r.elem_name;
	ret->key = r.key;
	ret->elem = r.elem;
	return NULL;
}

void ms_map_type_deinit(struct ms_map_type *type)
{
	if (!type)
		return;
	free(type->name);
	free(type->key_name);
	free(type->elem_name);
	memset(type, 0, sizeof(*type));
}
