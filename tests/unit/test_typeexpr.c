/*
 * Go type expressions: layouts per arch, canonical text, definitions, and
 * every error with its column. Layouts were checked with unsafe.Sizeof and
 * unsafe.Alignof under go1.19 for GOARCH=amd64 and 386; tests/go proves the
 * map types end to end against the runtime for every version.
 */
#include <stdlib.h>

#include "harness.h"
#include "mapsize.h"

static struct ms_typeenv *env;

static void layout(const char *expr, enum ms_arch arch, uint64_t size, uint32_t align, bool ptrs,
                   const char *canon)
{
	struct ms_type_layout l;
	char *c = NULL;
	struct ms_error *err = ms_type_parse(expr, env, arch, &l, &c);

	CHECK(!err && l.size_bytes == size && l.align == align && l.has_pointers == ptrs,
	      "%s on %s: size %llu align %u%s", expr, ms_arch_info(arch)->name,
	      (unsigned long long)size, align, ptrs ? " pointers" : "");
	if (err)
		printf("#   error: %s\n", ms_error_message(err));
	else if (l.size_bytes != size || l.align != align || l.has_pointers != ptrs)
		printf("#   got size %llu align %u pointers %d\n", (unsigned long long)l.size_bytes,
		       l.align, l.has_pointers);
	if (canon && !err)
		CHECK_STR(c, canon, "canonical text of %s", expr);
	free(c);
	ms_error_destroy(err);
}

static void both(const char *expr, uint64_t s64, uint32_t a64, uint64_t s32, uint32_t a32,
                 bool ptrs)
{
	layout(expr, MS_ARCH_AMD64, s64, a64, ptrs, NULL);
	layout(expr, MS_ARCH_386, s32, a32, ptrs, NULL);
}

static void error_at(const char *expr, const char *want)
{
	struct ms_type_layout l;
	struct ms_error *err = ms_type_parse(expr, env, MS_ARCH_AMD64, &l, NULL);

	CHECK(err && ms_error_code(err) == MS_ERR_TYPE && strstr(ms_error_message(err), want),
	      "'%s' fails with '%s'", expr, want);
	if (err && !strstr(ms_error_message(err), want))
		printf("#   got: %s\n", ms_error_message(err));
	ms_error_destroy(err);
}

int main(void)
{
	struct ms_map_type mt;
	struct ms_error *err;
	char deep[700];

	ms_error_destroy(ms_typeenv_create(&env));
	/* predeclared (go1.19 unsafe.Sizeof/Alignof, amd64 and 386) */
	both("bool", 1, 1, 1, 1, false);
	both("int", 8, 8, 4, 4, false);
	both("int64", 8, 8, 8, 4, false);
	both("uint16", 2, 2, 2, 2, false);
	both("float64", 8, 8, 8, 4, false);
	both("complex64", 8, 4, 8, 4, false);
	both("complex128", 16, 8, 16, 4, false);
	both("string", 16, 8, 8, 4, true);
	both("any", 16, 8, 8, 4, true);
	both("error", 16, 8, 8, 4, true);
	both("uintptr", 8, 8, 4, 4, false);
	both("unsafe.Pointer", 8, 8, 4, 4, true);
	/* composites */
	both("*int8", 8, 8, 4, 4, true);
	both("[]byte", 24, 8, 12, 4, true);
	both("[3]int64", 24, 8, 24, 4, false);
	both("[0]*int", 0, 8, 0, 4, false);
	both("map[string]int", 8, 8, 4, 4, true);
	both("chan int", 8, 8, 4, 4, true);
	both("func(int) error", 8, 8, 4, 4, true);
	both("interface{ String() string }", 16, 8, 8, 4, true);
	both("struct{}", 0, 1, 0, 1, false);
	both("struct{a int8; b int64}", 16, 8, 12, 4, false);
	both("struct{a int64; b struct{}}", 16, 8, 12, 4, false); /* issue 9401 padding */
	both("struct{a int32; b [0]int64}", 16, 8, 8, 4, false);
	both("struct{a, b int8; c int16}", 4, 2, 4, 2, false);
	both("struct{a int8; b struct{c int8; d int32}}", 12, 4, 12, 4, false);
	both("struct{time.Time; x int8}", 32, 8, 24, 4, true);
	both("time.Time", 24, 8, 20, 4, true);
	both("[0x10]byte", 16, 1, 16, 1, false);
	both("[1_000]int32", 4000, 4, 4000, 4, false);
	both("opaque(48, 8, ptr)", 48, 8, 48, 4, true);
	both("opaque(12)", 12, 4, 12, 4, false);
	layout("struct { a, b int8; c string `json:\"c\"` }", MS_ARCH_AMD64, 24, 8, true,
	       "struct{a, b int8; c string `json:\"c\"`}");
	layout("map[ string ] * User", MS_ARCH_AMD64, 8, 8, true, "map[string]*User");
	layout("interface { }", MS_ARCH_AMD64, 16, 8, true, "interface{}");
	layout("chan<- int", MS_ARCH_AMD64, 8, 8, true, "chan<- int");
	layout("<-chan int", MS_ARCH_AMD64, 8, 8, true, "<-chan int");

	/* definitions */
	CHECK(!ms_typeenv_define(env, "User", "struct{ID int64; Name string}"), "define User");
	CHECK(!ms_typeenv_define(env, "main.Registry", "map[string]*User"), "define Registry");
	CHECK(!ms_typeenv_define(env, "Loop", "struct{next Loop}"), "a cycle is found when used");
	both("User", 24, 8, 16, 4, true);
	both("[2]User", 48, 8, 32, 4, true);
	error_at("Loop", "contains itself");
	err = ms_map_type_parse("main.Registry", env, MS_ARCH_AMD64, &mt);
	CHECK(!err && strcmp(mt.name, "main.Registry") == 0 && mt.key.size_bytes == 16 &&
	          mt.elem.size_bytes == 8 && strcmp(mt.elem_name, "*User") == 0,
	      "a defined map type keeps its name and its K, V");
	if (!err)
		ms_map_type_deinit(&mt);
	ms_error_destroy(err);
	err = ms_map_type_parse("map[[16]byte]User", env, MS_ARCH_386, &mt);
	CHECK(!err && mt.key.size_bytes == 16 && mt.elem.size_bytes == 16, "map of defined values");
	if (!err)
		ms_map_type_deinit(&mt);
	ms_error_destroy(err);
	err = ms_typeenv_define(env, "Bad", "struct{");
	CHECK(err && ms_error_code(err) == MS_ERR_TYPE, "a malformed definition is refused");
	ms_error_destroy(err);

	/* errors, with columns */
	error_at("", "column 1: expected a type, found end of input");
	error_at("struct{a strin}", "column 10: unknown type 'strin'");
	error_at("map[", "column 5: expected a type");
	error_at("map[int", "column 8: expected ']'");
	error_at("[3", "column 3: expected ']'");
	error_at("[1e3]int", "column 3: expected ']'");
	error_at("[-1]int", "column 2: expected an array length");
	error_at("struct{a int", "column 13: expected ';' or '}'");
	error_at("struct{a int; 5 int}", "column 15: expected a field name");
	error_at("int extra", "column 5: unexpected 'extra'");
	error_at("[281474976710657]byte", "array length too large");
	error_at("[1<<40][1<<40]byte", "column 3");
	error_at("[1048576][1048576][1048576]byte", "array too large");
	error_at("opaque(12, 8)", "not a multiple");
	error_at("opaque(12, 3)", "alignment must be");
	error_at("func", "expected '('");
	error_at("struct{a User2}", "unknown type 'User2'");
	error_at("struct{s string `tag", "unterminated");
	for (size_t i = 0; i < 300; i++)
		deep[i] = '*';
	strcpy(deep + 300, "int");
	error_at(deep, "nest too deeply");
	err = ms_map_type_parse("map[strin]int", env, MS_ARCH_AMD64, &mt);
	CHECK(err && strstr(ms_error_message(err), "column 5: unknown type 'strin'"),
	      "a map's key must be known");
	ms_error_destroy(err);
	err = ms_map_type_parse("[]int", env, MS_ARCH_AMD64, &mt);
	CHECK(err && strstr(ms_error_message(err), "not a map type"), "a slice is not a map");
	ms_error_destroy(err);
	ms_typeenv_destroy(env);
	return tap_done();
}
