#!/bin/sh
# valgrind memcheck on a subset: estimate, replay of every output format, diff.
# (The Go suites add inspect and attach on real cores: tests/go/run_inspect_bad.py.)
# TAP on stdout.  usage: run_valgrind.sh MAPSIZE SAMPLES_DIR
mapsize=$1 samples=$2
n=0 failed=0
if ! command -v valgrind >/dev/null; then
	echo "ok 1 - valgrind # SKIP valgrind is not installed"
	echo "1..1"
	[ -n "${MAPSIZE_REQUIRE_GO:-}" ] && exit 1
	exit 0
fi
vg() { # [expect=STATUS] vg DESCRIPTION ARGS...   (99 is memcheck's: an error it found)
	desc=$1; shift
	n=$((n + 1))
	out=$(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		"$mapsize" "$@" 2>&1 >/dev/null)
	status=$?
	if [ "$status" -eq "${expect:-0}" ]; then
		echo "ok $n - valgrind: $desc"
	else
		failed=1
		echo "not ok $n - valgrind: $desc"
		printf '%s\n' "$out" | head -30 | sed 's/^/# /'
	fi
}
vg "estimate, classic" estimate 'map[string]*T' --len 1e5 --go 1.23 --format json
vg "estimate, every version" estimate 'map[int64]int64' --len 5000 --go all
for fmt in text json ndjson prometheus html pprof folded; do
	vg "replay --format $fmt" replay "$samples/sessions-go1.25.msl" --format "$fmt"
done
vg "replay of a classic layout" replay "$samples/sessions-go1.23.msl" --sort reclaimable
vg "diff" diff "$samples/lru-go1.23.msl" "$samples/lru-go1.25.msl" --format json
vg "diff --format pprof" diff "$samples/lru-go1.23.msl" "$samples/lru-go1.25.msl" --format pprof
expect=3 vg "a damaged layout is refused" replay /etc/passwd
echo "1..$n"
exit $failed
