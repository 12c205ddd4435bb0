#!/usr/bin/env python3
"""lib/binary/rt_layouts.c (runtime layouts for executables without DWARF) is what
scripts/gen-rt-layouts makes from the DWARF of every toolchain today: regenerate
it and compare row by row. TAP. Usage: run_rt_layouts.py LIBMAPSIZE_A"""
import os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, HERE)
import gocore  # noqa: E402
from tap import finish, tap  # noqa: E402


def rows(text):
    out, cur = {}, None
    for line in text.splitlines():
        if line.startswith("    {") and "MS_ARCH_" in line:
            cur = line.strip()
            out[cur] = []
        elif cur and line.strip():
            out[cur].append(line.strip())
            if line.strip() == "}},":
                cur = None
    return out


def main():
    missing = [v for v in ("1.19", "1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27")
               if not gocore.go_wrapper(v)]
    if missing:
        tap(not os.environ.get("MAPSIZE_REQUIRE_GO"), "the rt_layouts table is current",
            skip=None if os.environ.get("MAPSIZE_REQUIRE_GO") else f"no go{missing[0]}")
        return finish()
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "rt_layouts.c")
        r = subprocess.run([os.path.join(ROOT, "scripts", "gen-rt-layouts"), out], cwd=ROOT,
                           env=dict(os.environ, LIBMAPSIZE=os.path.abspath(sys.argv[1])),
                           capture_output=True, text=True)
        if r.returncode != 0:
            tap(False, "scripts/gen-rt-layouts runs", r.stderr.splitlines()[-10:])
            return finish()
        with open(out) as f:
            new = f.read()
    with open(os.path.join(ROOT, "lib", "binary", "rt_layouts.c")) as f:
        old = f.read()
    a, b = rows(old), rows(new)
    diff = [f"{k}: committed {a.get(k) and len(a[k])} lines, now "
            f"{[x for x in b[k] if x not in (a.get(k) or [])][:4]}"
            for k in b if a.get(k) != b[k]]
    diff += [f"{k}: no longer generated" for k in a if k not in b]
    tap(len(b) == 44, f"{len(b)} rows: 11 Go layouts x 4 architectures")
    tap(old == new and not diff, "lib/binary/rt_layouts.c equals a fresh scripts/gen-rt-layouts",
        diff[:20] or (["formatting differs"] if old != new else []))
    return finish()


if __name__ == "__main__":
    sys.exit(main())
