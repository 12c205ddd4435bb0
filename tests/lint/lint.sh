#!/bin/sh
# Lint as TAP: clang-format over every C file, cppcheck over the build, the layers.
# usage: lint.sh SOURCE_ROOT BUILD_ROOT
src=$1 build=$2
n=0 failed=0
check() { # check DESCRIPTION COMMAND...
	desc=$1; shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $desc"
	else
		failed=1
		echo "not ok $n - $desc"
		printf '%s\n' "$out" | head -40 | sed 's/^/# /'
	fi
}
files=$(cd "$src" && find cmd lib estimators tests fuzz bench -name '*.[ch]' 2>/dev/null | sort)
check "clang-format agrees with every C file" sh -c "cd '$src' && clang-format --dry-run -Werror $(echo $files)"
# the code protoc-c generates (lib/emit/meson.build) checks protobuf-c's version macros: give
# cppcheck that one system header, as it sees no other
protobuf_c_h=$(pkg-config --variable=includedir libprotobuf-c)/protobuf-c/protobuf-c.h
check "cppcheck finds nothing" cppcheck --project="$build/compile_commands.json" --error-exitcode=1 \
	--enable=warning,portability --inline-suppr --suppress=missingIncludeSystem -q \
	--include="$protobuf_c_h"
check "includes and calls go down the layers, no circles (scripts/check-layers)" \
	python3 "$src/scripts/check-layers" "$build"
echo "1..$n"
exit $failed
