#!/usr/bin/env python3
"""Golden tests: the text report, metrics and diff of the recorded samples must not change
by accident. After an intended change, run tests/golden/update.sh and review the diff.
TAP on stdout. Usage: test_golden.py MAPSIZE [--update]"""
import difflib, os, shlex, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..", "..")
mapsize, update = sys.argv[1], "--update" in sys.argv
n = failed = 0
for line in open(os.path.join(here, "cases.txt")):
    if not line.strip() or line.startswith("#"):
        continue
    name, args = (x.strip() for x in line.split("|", 1))
    r = subprocess.run([os.path.abspath(mapsize)] + shlex.split(args), cwd=root,
                       capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1"))
    path = os.path.join(here, name)
    if update:
        with open(path, "w") as f:
            f.write(r.stdout)
    want = open(path).read() if os.path.exists(path) else ""
    n += 1
    ok = r.returncode in (0, 6) and r.stdout == want
    failed += not ok
    print(f"{'ok' if ok else 'not ok'} {n} - mapsize {args} matches tests/golden/{name}")
    if not ok:
        for d in list(difflib.unified_diff(want.splitlines(), r.stdout.splitlines(), "golden",
                                           "now", lineterm=""))[:40]:
            print("# " + d)
print(f"1..{n}")
sys.exit(1 if failed else 0)
