/*
 * mapsize simulate without Go: the script and trace parsers (operation counts,
 * every error with its line and column), and the per-key models checked
 * against the count-based estimators where both answer the same question (a
 * map filled with n keys, with or without a hint). The Go runtime judges both
 * in tests/go.
 */
#include <stdlib.h>

#include "harness.h"
#include "mapsize.h"

/* text with new lines shown as \n, for a one-line test description (static buffer) */
static const char *oneline(const char *text)
{
	static char buf[256];
	size_t n = 0;

	for (; *text && n + 3 < sizeof(buf); text++) {
		if (*text == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *text;
		}
	}
	buf[n] = '\0';
	return buf;
}

static void ops(const char *text, uint64_t want)
{
	struct ms_sim_script *s = NULL;
	struct ms_error *err = ms_sim_script_parse(text, strlen(text), "t", &s);

	CHECK(!err && ms_sim_script_ops(s) == want, "'%s' performs %llu operations", oneline(text),
	      (unsigned long long)want);
	if (err)
		printf("#   error: %s\n", ms_error_message(err));
	else if (ms_sim_script_ops(s) != want)
		printf("#   got %llu\n", (unsigned long long)ms_sim_script_ops(s));
	ms_sim_script_destroy(s);
	ms_error_destroy(err);
}

static void bad(const char *text, bool trace, const char *fragment)
{
	struct ms_sim_script *s = NULL;
	struct ms_error *err = trace ? ms_sim_trace_parse(text, strlen(text), "in", &s)
	                             : ms_sim_script_parse(text, strlen(text), "in", &s);

	CHECK(err && ms_error_code(err) == MS_ERR_USAGE && strstr(ms_error_message(err), fragment),
	      "'%s' is refused naming '%s'", oneline(text), fragment);
	if (err && !strstr(ms_error_message(err), fragment))
		printf("#   message: %s\n", ms_error_message(err));
	ms_sim_script_destroy(s);
	ms_error_destroy(err);
}

static struct ms_sim_run run(const char *type, const char *ver, const char *script, bool *ok)
{
	struct ms_map_type mt;
	struct ms_go_version v;
	struct ms_sim_script *s = NULL;
	struct ms_sim_params p = {.seed = 7, .nseeds = 9};
	struct ms_sim_run r = {0};
	struct ms_error *err = ms_map_type_parse(type, NULL, MS_ARCH_AMD64, &mt);

	if (!err)
		err = ms_go_version_parse(ver, &v);
	if (!err)
		err = ms_sim_script_parse(script, strlen(script), "t", &s);
	if (!err)
		err = ms_simulate(&mt, &v, MS_ARCH_AMD64, s, &p, &r);
	*ok = !err;
	if (err)
		printf("#   error: %s\n", ms_error_message(err));
	ms_error_destroy(err);
	ms_sim_script_destroy(s);
	ms_map_type_deinit(&mt);
	return r;
}

/* A fill of n keys (after make(hint) if hint != 0): the per-key model and the estimator agree. */
static void agrees_with_estimate(const char *type, const char *ver, uint64_t n, uint64_t hint)
{
	char script[128];
	struct ms_map_type mt;
	struct ms_go_version v;
	struct ms_estimate e = {0};
	struct ms_estimate_params ep = {.len = n, .hint = hint, .has_hint = hint != 0, .seed = 1};
	struct ms_sim_run r;
	bool ok, inside;
	struct ms_error *err;

	if (hint)
		snprintf(script, sizeof(script), "make %llu; insert %llu", (unsigned long long)hint,
		         (unsigned long long)n);
	else
		snprintf(script, sizeof(script), "insert %llu", (unsigned long long)n);
	r = run(type, ver, script, &ok);
	err = ms_map_type_parse(type, NULL, MS_ARCH_AMD64, &mt);
	if (!err)
		err = ms_go_version_parse(ver, &v);
	if (!err)
		err = ms_estimate(&mt, &v, MS_ARCH_AMD64, &ep, &e);
	ok = ok && !err;
	/* where the estimate is exact the simulation has no spread and equals it; elsewhere
	 * their ranges over seeds overlap */
	inside = e.exact ? r.final.low.held_bytes == e.total_bytes &&
	                       r.final.high.held_bytes == e.total_bytes
	                 : r.final.low.held_bytes <= e.total_high_bytes &&
	                       e.total_low_bytes <= r.final.high.held_bytes;
	CHECK(ok && inside && r.final.shape.len == n && r.peak_bytes >= r.final.shape.held_bytes,
	      "%s %s '%s': simulate [%llu, %llu], estimate %s%llu [%llu, %llu]", ver, type, script,
	      (unsigned long long)r.final.low.held_bytes,
	      (unsigned long long)r.final.high.held_bytes, e.exact ? "exactly " : "",
	      (unsigned long long)e.total_bytes, (unsigned long long)e.total_low_bytes,
	      (unsigned long long)e.total_high_bytes);
	ms_error_destroy(err);
	ms_map_type_deinit(&mt);
	ms_sim_run_deinit(&r);
}

int main(void)
{
	ops("", 0);
	ops("insert 1000", 1000);
	ops("insert 1_000; delete oldest 1e3", 2000);
	ops("insert 2.5e3\nclear\nmake 10 # a comment\ncheckpoint a", 2502);
	ops("repeat 1000 { insert 1; delete random 1 }", 2000);
	ops("repeat 3 { repeat 2 { insert 5 } ; lookup 1 }; update 4", 37);
	ops("repeat 0 { insert 5 }", 0);
	ops(";;; insert 1;;\n\n; ", 1);
	ops("repeat 2\n{\ninsert 1\n}\n", 2);

	bad("insert", false, "in: line 1, column 7: expected a number after 'insert'");
	bad("insert 5\n  frob 3", false, "line 2, column 3: unknown statement 'frob'");
	bad("insert -1", false, "whole number");
	bad("insert 1.5", false, "whole number");
	bad("insert 99999999999999999999", false, "whole number");
	bad("insert 1e999", false, "whole number");
	bad("delete 5", false, "'oldest', 'newest' or 'random'");
	bad("repeat 2 insert 1", false, "expected '{'");
	bad("repeat 2 { insert 1", false, "missing '}'");
	bad("insert 1 }", false, "without a repeat block");
	bad("insert 1 insert 2", false, "expected ';'");
	bad("checkpoint", false, "expected a name");
	bad("checkpoint a{b", false, "expected ';'");
	bad("checkpoint a$b", false, "checkpoint name is letters");
	bad("make 100000000", false, "2^26");
	bad("repeat 100000 { repeat 100000 { insert 1000 } }", false, "10^10");
	bad("repeat 200000 { checkpoint c }", false, "100000 checkpoints");
	{
		struct ms_sim_script *s = NULL;
		struct ms_error *err = ms_sim_script_parse("insert 1\0", 9, "in", &s);

		CHECK(err && strstr(ms_error_message(err), "NUL"), "a NUL byte is refused");
		ms_sim_script_destroy(s);
		ms_error_destroy(err);
	}
	bad("set a\nfrob b", true, "in: line 2, column 1: unknown trace operation 'frob'");
	bad("set", true, "expected a key after 'set'");
	bad("set a b", true, "one operation per line");

	{
		const char *t = "set a\nset b\nset a\ndelete b\nget a\nclear\ncheckpoint x\n";
		struct ms_sim_script *s = NULL;
		struct ms_error *err = ms_sim_trace_parse(t, strlen(t), "t", &s);

		CHECK(!err && ms_sim_script_ops(s) == 6, "a trace counts one operation per line");
		ms_sim_script_destroy(s);
		ms_error_destroy(err);
	}
	{
		bool ok1, ok2;
		struct ms_sim_run a =
		    run("map[int64]int64", "1.25", "insert 3000; delete random 2000", &ok1);
		struct ms_sim_run b =
		    run("map[int64]int64", "1.25", "insert 3000; delete random 2000", &ok2);

		CHECK(ok1 && ok2 && a.final.shape.held_bytes == b.final.shape.held_bytes &&
		          a.final.low.tombstones == b.final.low.tombstones &&
		          a.final.shape.len == 1000,
		      "a simulation is reproducible for the same seed");
		ms_sim_run_deinit(&a);
		ms_sim_run_deinit(&b);
	}

	for (const char *const *v =
	         (const char *const[]){"1.19", "1.21", "1.23", "1.24+noswissmap", "1.24", "1.25",
	                               "1.27", "1.27+mapsplitgroup", NULL};
	     *v; v++) {
		agrees_with_estimate("map[int64]int64", *v, 0, 0);
		agrees_with_estimate("map[int64]int64", *v, 8, 0);
		agrees_with_estimate("map[int64]int64", *v, 9, 0);
		agrees_with_estimate("map[string]*T", *v, 100, 0);
		agrees_with_estimate("map[int64][200]byte", *v, 1000, 0);
		agrees_with_estimate("map[int32]struct{}", *v, 100000, 0);
		agrees_with_estimate("map[string]int64", *v, 1000, 1000);
		agrees_with_estimate("map[int64]int64", *v, 50, 100000);
	}
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}
