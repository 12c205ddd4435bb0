/* SPDX-License-Identifier: MIT */
/*
 * A map's holder path split into frames (holder_stack.h). The path grammar is
 * lib/find/findmaps.c's: a root ("pkg.var", "FUNC: var", "goroutine N FUNC:
 * var", "<global 0xADDR>"), then ".field", "[index]", "[key]" (string keys
 * quoted, with '"' and '\' never inside) and, for untyped steps, "->+0xOFF".
 */
#include "holder_stack.h"

#include <stdlib.h>
#include <string.h>

#include "gover.h"

struct splitter {
	struct ms_holder_stack *s;
	char *out; /* next free byte of s->text */
};

/* Start a new frame at the output position. */
static void frame_begin(struct splitter *sp)
{
	sp->s->frames[sp->s->n++] = sp->out;
}

/* End the open frame; one that got no byte (a path of "..") is "?". */
static void frame_end(struct splitter *sp)
{
	if (sp->out == sp->s->frames[sp->s->n - 1])
		*sp->out++ = '?';
	*sp->out++ = '\0';
}

static void put(struct splitter *sp, const char *p, size_t n)
{
	memcpy(sp->out, p, n);
	sp->out += n;
}

static void frame(struct splitter *sp, const char *p, size_t n)
{
	frame_begin(sp);
	put(sp, p, n);
	frame_end(sp);
}

/* The end of the bracket group that starts at p ('['): past its ']', quotes skipped. */
static const char *bracket_end(const char *p)
{
	bool quoted = false;

	for (p++; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ']' && !quoted)
			return p + 1;
	}
	return p; /* cut short (paths are bounded): the rest is this key */
}

/*
 * The steps after the root: each field (or untyped offset) a frame, with the
 * indices and keys that follow it folded to "[*]" in the same frame.
 */
static void split_steps(struct splitter *sp, const char *p)
{
	bool open = false;

	while (*p) {
		if (*p == '[') {
			if (!open) {
				frame_begin(sp);
				open = true;
			}
			put(sp, "[*]", 3);
			p = bracket_end(p);
			continue;
		}
		if (*p == '.' || strncmp(p, "->", 2) == 0)
			p += *p == '.' ? 1 : 2;
		if (open)
			frame_end(sp);
		frame_begin(sp);
		open = true;
		while (*p && *p != '.' && *p != '[' && strncmp(p, "->", 2) != 0)
			put(sp, p++, 1);
	}
	if (open)
		frame_end(sp);
}

/* A root "FUNC: rest" (after "goroutine N " if any): FUNC is a frame, rest the steps. */
static void split_frame_root(struct splitter *sp, const char *p, const char *colon)
{
	frame(sp, p, (size_t)(colon - p));
	split_steps(sp, colon + 2);
}

static void split_path(struct splitter *sp, const char *path, const char *package)
{
	const char *colon = strstr(path, ": ");
	size_t quote = strcspn(path, "\""); /* keys may hold ": " */
	char pkg[256];

	if (colon && (size_t)(colon - path) < quote) {
		const char *p = path;

		if (strncmp(p, "goroutine ", 10) == 0) {
			sp->s->goid = strtoull(p + 10, NULL, 10);
			p = strchr(p + 10, ' ');
			p = p && p < colon ? p + 1 : path;
		}
		split_frame_root(sp, p, colon);
		return;
	}
	if (strncmp(path, "<global ", 8) == 0) {
		frame(sp, "(globals)", 9);
		split_steps(sp, path);
		return;
	}
	/* a package-level variable: its package (which may hold dots: "example.com/x") */
	if (package && strncmp(path, package, strlen(package)) == 0 &&
	    path[strlen(package)] == '.') {
		snprintf(pkg, sizeof(pkg), "%s", package);
	} else {
		ms_go_symbol_package(path, pkg, sizeof(pkg));
		if (strncmp(path, pkg, strlen(pkg)) != 0 || path[strlen(pkg)] != '.')
			pkg[0] = '\0';
	}
	if (pkg[0]) {
		frame(sp, pkg, strlen(pkg));
		split_steps(sp, path + strlen(pkg) + 1);
	} else {
		split_steps(sp, path);
	}
}

struct ms_error *ms_holder_stack(const struct ms_map_report *m, struct ms_holder_stack *ret)
{
	const char *path = m->npaths ? m->paths[0] : NULL;
	const char *type = m->type ? m->type : "map[?]?";
	const char *where = m->where ? m->where : "";
	size_t plen = path ? strlen(path) : 0;
	/* a path byte gives at most two ("[]" -> "[*]", "." -> "?" NUL): 3x is ample,
	 * whatever a layout file holds */
	size_t cap = 3 * plen + strlen(type) + strlen(where) + 32;
	struct ms_holder_stack s = {0};
	struct splitter sp = {&s, NULL};

	s.text = malloc(cap);
	s.frames = calloc(plen + 4, sizeof(*s.frames));
	if (!s.text || !s.frames) {
		free(s.text);
		free(s.frames);
		return &ms_error_nomem;
	}
	sp.out = s.text;
	s.path = path;
	if (path) {
		split_path(&sp, path, m->package);
	} else if (m->found_by == MS_FOUND_STACK) {
		const char *in = strstr(where, " in ");

		frame(&sp, "(stack)", 7);
		if (in)
			frame(&sp, in + 4, strlen(in + 4));
		s.goid = m->goid;
	} else {
		frame(&sp, "(unreached)", 11);
	}
	if (m->found_by == MS_FOUND_STACK && !s.goid)
		s.goid = m->goid;
	frame(&sp, type, strlen(type));
	*ret = s;
	return NULL;
}

void ms_holder_stack_deinit(struct ms_holder_stack *s)
{
	free(s->text);
	free(s->frames);
	*s = (struct ms_holder_stack){0};
}
