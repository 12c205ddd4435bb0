#!/usr/bin/env bash
# Rebuild the recorded layouts in samples/: each program of samples/progs/ is
# built with a classic (Go 1.23) and a Swiss (Go 1.25) toolchain, run until it
# says READY, and recorded live with `mapsize record --pid`. The toolchains
# come from scripts/install-go-toolchains.
#   samples/make.sh [PROG...]        (default: every program)
set -euo pipefail
cd "$(dirname "$0")/.."
mapsize=${MAPSIZE:-build/cmd/mapsize}
cache=${MAPSIZE_GO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mapsize/go}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
progs=("$@")
[ ${#progs[@]} -gt 0 ] || progs=(lru sessions counters shrunk_index tenants)
for prog in "${progs[@]}"; do
	for v in 1.23 1.25; do
		bin="$work/$prog-go$v"
		GOTOOLCHAIN=local CGO_ENABLED=0 "$cache/bin/go$v" build -o "$bin" "samples/progs/$prog.go"
		mkfifo "$work/in"
		"$bin" < "$work/in" > "$work/out" &
		pid=$!
		exec 3> "$work/in"
		until grep -q READY "$work/out" 2>/dev/null; do sleep 0.1; done
		"$mapsize" record --pid "$pid" --exe "$bin" -o "samples/$prog-go$v.msl"
		exec 3>&-
		wait "$pid" || true
		rm -f "$work/in"
		echo "samples/$prog-go$v.msl: $(stat -c %s "samples/$prog-go$v.msl") bytes, $("$cache/bin/go$v" version)"
	done
done
