/* SPDX-License-Identifier: MIT */
/*
 * The simulate script language and the trace format: untrusted text in,
 * a flat program out (simscript.h). Errors name the input, line and column.
 */
#include "simscript.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32
#define MAX_NAME  128

struct parser {
	const char *s, *end, *origin;
	const char *line_start;
	unsigned line;
	struct ms_sim_script *out;
};

__attribute__((format(printf, 3, 4))) static struct ms_error *
fail_at(const struct parser *p, const char *at, const char *fmt, ...)
{
	unsigned col = (unsigned)(at - p->line_start) + 1;
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return ms_error_create(MS_ERR_USAGE, "%s: line %u, column %u: %s", p->origin, p->line, col,
	                       what);
}

static bool is_word_char(char c)
{
	return c && !isspace((unsigned char)c) && c != ';' && c != '{' && c != '}' && c != '#';
}

/* Skip blanks and comments; stop at a newline unless newlines is true. */
static void skip_space(struct parser *p, bool newlines)
{
	while (p->s < p->end) {
		char c = *p->s;

		if (c == '#') {
			while (p->s < p->end && *p->s != '\n')
				p->s++;
		} else if (c == '\n') {
			if (!newlines)
				return;
			p->s++;
			p->line++;
			p->line_start = p->s;
		} else if (isspace((unsigned char)c)) {
			p->s++;
		} else {
			return;
		}
	}
}

/* The next word (no blanks, ; { } #); its length, 0 if there is none. */
static size_t word(struct parser *p)
{
	size_t n = 0;

	while (p->s + n < p->end && is_word_char(p->s[n]))
		n++;
	return n;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* 1000, 1_000, 1e6, 2.5e3: a non-negative integer, exactly. */
static bool parse_number(const char *w, size_t n, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned frac = 0, exp = 0;
	bool dot = false, digit = false;
	size_t i = 0;

	for (; i < n && w[i] != 'e' && w[i] != 'E'; i++) {
		if (w[i] == '_' && digit && i + 1 < n && isdigit((unsigned char)w[i + 1]))
			continue;
		if (w[i] == '.' && !dot && digit) {
			dot = true;
			continue;
		}
		if (!isdigit((unsigned char)w[i]))
			return false;
		if (!ms_mul_u64(v, 10, &v) || !ms_add_u64(v, (uint64_t)(w[i] - '0'), &v))
			return false;
		digit = true;
		frac += dot;
	}
	if (!digit)
		return false;
	if (i < n) {
		if (++i == n)
			return false;
		for (; i < n; i++) {
			if (!isdigit((unsigned char)w[i]) || exp > 100)
				return false;
			exp = exp * 10 + (unsigned)(w[i] - '0');
		}
	}
	if (exp < frac)
		return false; /* not an integer (1.5, 2.25e1) */
	for (unsigned k = frac; k < exp; k++)
		if (!ms_mul_u64(v, 10, &v))
			return false;
	*ret = v;
	return true;
}

static struct ms_error *push(struct parser *p, enum ms_sim_opk kind, uint64_t n, const char *name,
                             size_t name_len)
{
	struct ms_sim_script *s = p->out;
	struct ms_sim_op *op;

	if (s->nops == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct ms_sim_op *ops = realloc(s->ops, cap * sizeof(*ops));

		if (!ops)
			return &ms_error_nomem;
		s->ops = ops;
		s->cap = cap;
	}
	op = &s->ops[s->nops];
	*op = (struct ms_sim_op){.kind = kind, .n = n};
	if (name) {
		char *copy = strndup(name, name_len);

		if (!copy)
			return &ms_error_nomem;
		op->name = copy;
	}
	s->nops++;
	return NULL;
}

static struct ms_error *number_arg(struct parser *p, const char *stmt, uint64_t *ret)
{
	const char *w;
	size_t n;

	skip_space(p, false);
	w = p->s;
	n = word(p);
	if (n == 0)
		return fail_at(p, w, "expected a number after '%s'", stmt);
	if (!parse_number(w, n, ret))
		return fail_at(p, w, "'%s' is not a whole number (1000, 1_000 or 1e6)",
		               strndupa(w, n < 40 ? n : 40));
	p->s += n;
	return NULL;
}

/* make's hint: the simulation allocates what the runtime would, so it is bounded. */
static struct ms_error *make_hint(struct parser *p, uint64_t *ret)
{
	const char *at;
	struct ms_error *err;

	skip_space(p, false);
	at = p->s;
	if ((err = number_arg(p, "make", ret)))
		return err;
	if (*ret > MS_MAX_LEN)
		return fail_at(p, at, "make: a hint over 2^26 (%llu) is not simulated",
		               (unsigned long long)MS_MAX_LEN);
	return NULL;
}

static struct ms_error *name_arg(struct parser *p, const char *stmt, const char **ret,
                                 size_t *ret_len)
{
	const char *w;
	size_t n;

	skip_space(p, false);
	w = p->s;
	n = word(p);
	if (n == 0)
		return fail_at(p, w, "expected a name after '%s'", stmt);
	if (n > MAX_NAME)
		return fail_at(p, w, "%s name longer than 128 bytes", stmt);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)w[i]) && !strchr("_.:-/", w[i]))
			return fail_at(p, w + i, "a %s name is letters, digits and _ . : - /",
			               stmt);
	p->s += n;
	*ret = w;
	*ret_len = n;
	return NULL;
}

/* After a statement: ';', a newline, '}', '#' or the end. */
static struct ms_error *statement_end(struct parser *p)
{
	skip_space(p, false);
	if (p->s == p->end || *p->s == ';' || *p->s == '\n' || *p->s == '}' || *p->s == '#')
		return NULL;
	return fail_at(p, p->s, "expected ';' or a new line, not '%s'",
	               strndupa(p->s, word(p) ? (word(p) < 40 ? word(p) : 40) : 1));
}

static struct ms_error *parse_block(struct parser *p, unsigned depth);

static struct ms_error *parse_statement(struct parser *p, unsigned depth)
{
	const char *w = p->s;
	size_t n = word(p);
	uint64_t v = 0;
	struct ms_error *err;

	if (n == 0)
		return fail_at(p, w, "expected a statement, not '%s'", strndupa(w, 1));
	p->s += n;
	if (word_is(w, n, "make")) {
		skip_space(p, false);
		v = MS_SIM_NO_HINT;
		if (word(p) && (err = make_hint(p, &v)))
			return err;
		return push(p, MS_OP_MAKE, v, NULL, 0);
	}
	if (word_is(w, n, "insert") || word_is(w, n, "update") || word_is(w, n, "lookup")) {
		enum ms_sim_opk k = w[0] == 'i'   ? MS_OP_INSERT
		                    : w[0] == 'u' ? MS_OP_UPDATE
		                                  : MS_OP_LOOKUP;

		if ((err = number_arg(p, strndupa(w, n), &v)))
			return err;
		return push(p, k, v, NULL, 0);
	}
	if (word_is(w, n, "delete")) {
		const char *how;
		size_t hn;
		enum ms_sim_opk k;

		skip_space(p, false);
		how = p->s;
		hn = word(p);
		if (word_is(how, hn, "oldest"))
			k = MS_OP_DEL_OLDEST;
		else if (word_is(how, hn, "newest"))
			k = MS_OP_DEL_NEWEST;
		else if (word_is(how, hn, "random"))
			k = MS_OP_DEL_RANDOM;
		else
			return fail_at(p, how, "expected 'oldest', 'newest' or 'random' after %s",
			               "'delete'");
		p->s += hn;
		if ((err = number_arg(p, "delete", &v)))
			return err;
		return push(p, k, v, NULL, 0);
	}
	if (word_is(w, n, "clear"))
		return push(p, MS_OP_CLEAR, 0, NULL, 0);
	if (word_is(w, n, "checkpoint")) {
		const char *name;
		size_t len;

		if ((err = name_arg(p, "checkpoint", &name, &len)))
			return err;
		return push(p, MS_OP_CHECKPOINT, 0, name, len);
	}
	if (word_is(w, n, "repeat")) {
		size_t at;

		if (depth >= MAX_DEPTH)
			return fail_at(p, w, "repeat blocks nested deeper than %s", "32");
		if ((err = number_arg(p, "repeat", &v)))
			return err;
		skip_space(p, true);
		if (p->s == p->end || *p->s != '{')
			return fail_at(p, p->s, "expected '{' after %s", "'repeat N'");
		p->s++;
		at = p->out->nops;
		if ((err = push(p, MS_OP_REPEAT, v, NULL, 0)))
			return err;
		if ((err = parse_block(p, depth + 1)))
			return err;
		if (p->s == p->end || *p->s != '}')
			return fail_at(p, p->s, "missing '}' to close the %s", "repeat block");
		p->s++;
		p->out->ops[at].end = p->out->nops;
		return push(p, MS_OP_END, 0, NULL, 0);
	}
	return fail_at(p, w,
	               "unknown statement '%s' (make, insert, delete, update, lookup, clear, "
	               "checkpoint, repeat)",
	               strndupa(w, n < 40 ? n : 40));
}

/* Statements up to a '}' (depth > 0) or the end. */
static struct ms_error *parse_block(struct parser *p, unsigned depth)
{
	struct ms_error *err;

	for (;;) {
		skip_space(p, true);
		while (p->s < p->end && *p->s == ';') {
			p->s++;
			skip_space(p, true);
		}
		if (p->s == p->end)
			return NULL;
		if (*p->s == '}') {
			if (depth == 0)
				return fail_at(p, p->s, "'%s' without a repeat block", "}");
			return NULL;
		}
		if ((err = parse_statement(p, depth)) || (err = statement_end(p)))
			return err;
	}
}

/* Operations and checkpoints of ops[from, to), repeats multiplied out; false on overflow. */
static bool count_ops(struct ms_sim_op *ops, size_t from, size_t to, uint64_t *ret_ops,
                      uint64_t *ret_checkpoints)
{
	uint64_t total = 0, cps = 0;

	for (size_t i = from; i < to; i++) {
		struct ms_sim_op *op = &ops[i];
		uint64_t n = 0, c = 0;

		switch (op->kind) {
		case MS_OP_REPEAT:
			if (!count_ops(ops, i + 1, op->end, &n, &c))
				return false;
			op->body_ops = n;
			op->body_checkpoints = c;
			if (!ms_mul_u64(n, op->n, &n) || !ms_mul_u64(c, op->n, &c))
				return false;
			i = op->end;
			break;
		case MS_OP_INSERT:
		case MS_OP_DEL_OLDEST:
		case MS_OP_DEL_NEWEST:
		case MS_OP_DEL_RANDOM:
		case MS_OP_UPDATE:
		case MS_OP_LOOKUP:
			n = op->n;
			break;
		case MS_OP_CHECKPOINT:
			c = 1;
			break;
		case MS_OP_END:
			break;
		default:
			n = 1;
			break;
		}
		if (!ms_add_u64(total, n, &total) || !ms_add_u64(cps, c, &cps))
			return false;
	}
	*ret_ops = total;
	*ret_checkpoints = cps;
	return true;
}

static struct ms_error *finish(struct ms_sim_script *s, const char *origin)
{
	if (!count_ops(s->ops, 0, s->nops, &s->total_ops, &s->checkpoints) ||
	    s->total_ops > MS_SIM_MAX_OPS)
		return ms_error_create(
		    MS_ERR_USAGE, "%s: the script performs more than 10^10 operations", origin);
	if (s->checkpoints > 100000)
		return ms_error_create(
		    MS_ERR_USAGE, "%s: the script reaches more than 100000 checkpoints", origin);
	return NULL;
}

void ms_sim_script_destroy(struct ms_sim_script *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nops; i++)
		free((char *)s->ops[i].name);
	free(s->ops);
	free(s);
}

uint64_t ms_sim_script_ops(const struct ms_sim_script *s)
{
	return s->total_ops;
}

static struct ms_error *check_text(const char *text, size_t len, const char *origin)
{
	if (memchr(text, '\0', len))
		return ms_error_create(MS_ERR_USAGE, "%s: holds a NUL byte (not a text file)",
		                       origin);
	return NULL;
}

struct ms_error *ms_sim_script_parse(const char *text, size_t len, const char *origin,
                                     struct ms_sim_script **ret)
{
	struct ms_sim_script *s = calloc(1, sizeof(*s));
	struct parser p = {text, text + len, origin, text, 1, s};
	struct ms_error *err;

	if (!s)
		return &ms_error_nomem;
	err = check_text(text, len, origin);
	if (!err)
		err = parse_block(&p, 0);
	if (!err)
		err = finish(s, origin);
	if (err) {
		ms_sim_script_destroy(s);
		return err;
	}
	*ret = s;
	return NULL;
}

/* ---- traces ---------------------------------------------------------------- */

struct keytab {
	char **keys; /* by id */
	uint64_t *slots;
	size_t nkeys, cap, nslots;
};

static uint64_t hash_bytes(const char *w, size_t n)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)w[i]) * 1099511628211u;
	return h;
}

static struct ms_error *keytab_grow(struct keytab *t)
{
	size_t ns = t->nslots ? 2 * t->nslots : 1024;
	uint64_t *slots = calloc(ns, sizeof(*slots));

	if (!slots)
		return &ms_error_nomem;
	for (size_t i = 0; i < t->nslots; i++) {
		uint64_t id = t->slots[i];

		if (id) {
			const char *k = t->keys[id - 1];
			size_t j = hash_bytes(k, strlen(k)) & (ns - 1);

			while (slots[j])
				j = (j + 1) & (ns - 1);
			slots[j] = id;
		}
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = ns;
	return NULL;
}

/* The id of key w (new keys get the next id). */
static struct ms_error *keytab_id(struct keytab *t, const char *w, size_t n, uint64_t *ret)
{
	struct ms_error *err;
	size_t j;

	if (2 * (t->nkeys + 1) > t->nslots && (err = keytab_grow(t)))
		return err;
	j = hash_bytes(w, n) & (t->nslots - 1);
	for (; t->slots[j]; j = (j + 1) & (t->nslots - 1)) {
		const char *k = t->keys[t->slots[j] - 1];

		if (strlen(k) == n && memcmp(k, w, n) == 0) {
			*ret = t->slots[j] - 1;
			return NULL;
		}
	}
	if (t->nkeys == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 1024;
		char **keys = realloc(t->keys, cap * sizeof(*keys));

		if (!keys)
			return &ms_error_nomem;
		t->keys = keys;
		t->cap = cap;
	}
	if (!(t->keys[t->nkeys] = strndup(w, n)))
		return &ms_error_nomem;
	t->slots[j] = ++t->nkeys;
	*ret = t->nkeys - 1;
	return NULL;
}

static void keytab_free(struct keytab *t)
{
	for (size_t i = 0; i < t->nkeys; i++)
		free(t->keys[i]);
	free(t->keys);
	free(t->slots);
}

static struct ms_error *trace_line(struct parser *p, struct keytab *keys)
{
	const char *w = p->s, *k;
	size_t n = word(p), kn;
	uint64_t v;
	struct ms_error *err;
	enum ms_sim_opk kind;

	p->s += n;
	if (word_is(w, n, "clear"))
		return push(p, MS_OP_CLEAR, 0, NULL, 0);
	if (word_is(w, n, "make")) {
		skip_space(p, false);
		v = MS_SIM_NO_HINT;
		if (word(p) && (err = make_hint(p, &v)))
			return err;
		return push(p, MS_OP_MAKE, v, NULL, 0);
	}
	if (word_is(w, n, "checkpoint")) {
		if ((err = name_arg(p, "checkpoint", &k, &kn)))
			return err;
		return push(p, MS_OP_CHECKPOINT, 0, k, kn);
	}
	if (word_is(w, n, "set") || word_is(w, n, "insert") || word_is(w, n, "update"))
		kind = MS_OP_SET_KEY;
	else if (word_is(w, n, "delete"))
		kind = MS_OP_DEL_KEY;
	else if (word_is(w, n, "get") || word_is(w, n, "lookup"))
		kind = MS_OP_GET_KEY;
	else
		return fail_at(p, w,
		               "unknown trace operation '%s' (set, insert, update, delete, get, "
		               "clear, make, checkpoint)",
		               strndupa(w, n < 40 ? n : 40));
	skip_space(p, false);
	k = p->s;
	kn = word(p);
	if (kn == 0)
		return fail_at(p, k, "expected a key after '%s'", strndupa(w, n));
	p->s += kn;
	if ((err = keytab_id(keys, k, kn, &v)))
		return err;
	return push(p, kind, v, NULL, 0);
}

struct ms_error *ms_sim_trace_parse(const char *text, size_t len, const char *origin,
                                    struct ms_sim_script **ret)
{
	struct ms_sim_script *s = calloc(1, sizeof(*s));
	struct parser p = {text, text + len, origin, text, 1, s};
	struct keytab keys = {0};
	struct ms_error *err;

	if (!s)
		return &ms_error_nomem;
	s->trace = true;
	err = check_text(text, len, origin);
	while (!err) {
		skip_space(&p, true);
		if (p.s == p.end)
			break;
		err = trace_line(&p, &keys);
		if (!err) {
			skip_space(&p, false);
			if (p.s < p.end && *p.s != '\n')
				err = fail_at(&p, p.s, "expected one operation per line, not '%s'",
				              strndupa(p.s, word(&p) ? word(&p) : 1));
		}
	}
	s->nkeys = keys.nkeys;
	keytab_free(&keys);
	if (!err)
		err = finish(s, origin);
	if (err) {
		ms_sim_script_destroy(s);
		return err;
	}
	*ret = s;
	return NULL;
}
