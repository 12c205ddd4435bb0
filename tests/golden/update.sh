#!/bin/sh
# Rewrite the golden files from the current build; review `git diff tests/golden` after.
cd "$(dirname "$0")/../.." && /usr/bin/python3 tests/golden/test_golden.py "${1:-build/cmd/mapsize}" --update
