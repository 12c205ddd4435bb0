#!/bin/sh
# Run one libFuzzer target for a fixed time over a copy of its corpus, so the
# repository's corpus is read, never written. A crash fails the test and
# leaves the input in the log (base64) for fuzz/corpus/<target>/. libFuzzer's own
# error exit code is 77, which meson reads as a skip: a finding exits 1 here.
#   run_fuzzer.sh FUZZER CORPUS SECONDS
set -u
fuzzer=$1 corpus=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/new"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$fuzzer" -max_total_time="$seconds" \
	-rss_limit_mb=2048 -timeout=20 -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
	-artifact_prefix="$work/" \
	"$work/new" "$corpus" > "$work/log" 2>&1
status=$?
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
	"$work/log"
if [ $status -ne 0 ]; then
	tail -40 "$work/log"
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -f "$f" ] || continue
		echo "input $(basename "$f") (base64):"
		base64 "$f"
	done
fi
exit $status
