#!/usr/bin/env bash
# A session cache: map[string]*User with one million users, keys averaging 24 bytes, users of
# 200 bytes holding pointers. What does it hold on the Go you ship, and what does 1.24 change?
set -euo pipefail
mapsize=${MAPSIZE:-$(dirname "$0")/../build/cmd/mapsize}
"$mapsize" estimate 'map[string]*User' --len 1e6 --go 1.23 --key-payload 24 --value-payload 200,ptr
echo
"$mapsize" estimate 'map[string]*User' --len 1e6 --go all
