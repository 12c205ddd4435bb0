/* SPDX-License-Identifier: MIT */
/* Holder paths as stacks (lib/emit/holder_stack.c) and the folded lines made of them. */
#include <stdlib.h>

#include "emit.h"
#include "harness.h"
#include "holder_stack.h"

static struct ms_map_report map(const char *path, const char *type, enum ms_found_by by)
{
	static char *paths[64]; /* each map its own slot */
	static size_t used;
	struct ms_map_report m = {0};

	paths[used % 64] = (char *)path;
	m.paths = &paths[used++ % 64];
	m.npaths = path ? 1 : 0;
	m.type = (char *)type;
	m.found_by = by;
	m.where = (char *)"heap";
	return m;
}

/* The stack of m, frames joined by " | " (so ';' stays visible). */
static void stack_is(const struct ms_map_report *m, const char *want, uint64_t goid)
{
	struct ms_holder_stack s;
	char buf[1024] = "";
	struct ms_error *err = ms_holder_stack(m, &s);

	if (err) {
		CHECK(false, "stack of '%s': %s", m->npaths ? m->paths[0] : "-",
		      ms_error_message(err));
		return;
	}
	for (size_t i = 0; i < s.n; i++) {
		if (i)
			strcat(buf, " | ");
		strcat(buf, s.frames[i]);
	}
	CHECK_STR(buf, want, "stack of %s", m->npaths ? m->paths[0] : "(no path)");
	CHECK_U64(s.goid, goid, "  its goroutine");
	ms_holder_stack_deinit(&s);
}

static void path_is(const char *path, const char *want, uint64_t goid)
{
	struct ms_map_report m = map(path, "map[string]int", MS_FOUND_GLOBAL);

	stack_is(&m, want, goid);
}

int main(void)
{
	path_is("main.shards[2].counts", "main | shards[*] | counts | map[string]int", 0);
	path_is("main.metrics[\"a.b[c]: d;e\"]", "main | metrics[*] | map[string]int", 0);
	path_is("main.m[1][\"x\"].inner", "main | m[*][*] | inner | map[string]int", 0);
	path_is("internal/godebug.cache.read.m",
	        "internal/godebug | cache | read | m | map[string]int", 0);
	path_is("example.com/a/b.reg.byName", "example.com/a/b | reg | byName | map[string]int", 0);
	path_is("main.main: srv.shards[2].items",
	        "main.main | srv | shards[*] | items | map[string]int", 0);
	path_is("goroutine 7 main.(*Server).serve: s.cache",
	        "main.(*Server).serve | s | cache | map[string]int", 7);
	path_is("goroutine 12 main.F[go.shape.int]: x[3]",
	        "main.F[go.shape.int] | x[*] | map[string]int", 12);
	path_is("main.main: <fp-0x18>->+0x8", "main.main | <fp-0x18> | +0x8 | map[string]int", 0);
	path_is("<global 0x5d3a20>->+0x18->+0x0",
	        "(globals) | <global 0x5d3a20> | +0x18 | +0x0 | map[string]int", 0);
	path_is("main.m[\"cut short", "main | m[*] | map[string]int", 0);
	path_is("", "map[string]int", 0);
	path_is("main.a..b", "main | a | ? | b | map[string]int", 0); /* no empty frame */
	{
		struct ms_map_report m = map(NULL, NULL, MS_FOUND_HEAP);

		stack_is(&m, "(unreached) | map[?]?", 0);
		m = map(NULL, "map[int]int", MS_FOUND_STACK);
		m.where = (char *)"stack of goroutine 9 in main.worker";
		m.goid = 9;
		stack_is(&m, "(stack) | main.worker | map[int]int", 9);
	}
	/* a package known from the report: the root even where the symbol alone is unclear */
	{
		struct ms_map_report m =
		    map("gopkg.in/yaml.v3.cache.m", "map[int]int", MS_FOUND_GLOBAL);

		m.package = (char *)"gopkg.in/yaml.v3";
		stack_is(&m, "gopkg.in/yaml.v3 | cache | m | map[int]int", 0);
	}

	/* folded: ';' in a frame becomes ',', a control character '?' */
	{
		struct ms_map_report a = map("main.byKey[\"x;y\"].m",
		                             "map[string]struct { A int; B int }", MS_FOUND_GLOBAL);
		struct ms_map_report b = map("main.t", "map[int]\nint", MS_FOUND_GLOBAL);
		struct ms_map_report *maps[] = {&a, &b};
		struct ms_inspect_report r = {0};
		struct ms_report_view v = {MS_SORT_HELD, 0, NULL};
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		struct ms_error *err;

		a.held_bytes = 4096;
		a.addr = 1;
		b.held_bytes = 48;
		b.addr = 2;
		r.maps = maps;
		r.nmaps = 2;
		err = ms_emit_inspect(f, MS_FORMAT_FOLDED, &r, &v, &(struct ms_emit_opts){0});
		fclose(f);
		CHECK(!err, "folded stacks written");
		CHECK_STR(text,
		          "main;byKey[*];m;map[string]struct { A int, B int } 4096\n"
		          "main;t;map[int]?int 48\n",
		          "folded: one line per map, ';' and newlines kept out of frames");
		free(text);
		ms_error_destroy(err);
	}
	return tap_done();
}
