#!/usr/bin/env python3
"""Benchmark of the holders work (issue 14): what typed frame roots and the typed
heap graph cost, on a server-shaped core.

bench/server_bench.go holds about 300,000 maps of mixed types in a *Server made in
main() and in 2,000 worker goroutines (none in package-level variables). It is
built with DWARF and with -ldflags=-s -w; one kernel core of each is taken and
`mapsize inspect` runs on it, and on the same core with --baseline BINARY (an
older mapsize, e.g. one built from the commit before the feature) when given.
Prints wall time, CPU time (user + system: the figure to compare on a busy
machine), peak RSS, maps per second and how many maps were typed and reached
from a root (a path) by each. Figures only: nothing passes or fails.

Usage: bench/run_holders_bench.py [--mapsize build/cmd/mapsize] [--baseline OLD]
                                  [--go 1.24] [--keep]
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "go"))
import gocore  # noqa: E402


def run(mapsize, core, exe, extra=()):
    """(exit, wall seconds, CPU seconds, peak RSS MiB, summary of maps) of one inspect, its
    JSON parsed apart."""
    out = core + ".json"
    t0 = time.monotonic()
    with open(out, "w") as f:
        p = subprocess.Popen([mapsize, "inspect", core, "--exe", exe, "--format", "json",
                              *extra], stdout=f, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    r = subprocess.run([sys.executable, "-c", """
import json, sys
d = json.load(open(sys.argv[1]))
ms = d["maps"]
print(json.dumps({"maps": len(ms),
    "typed": sum(1 for m in ms if m["type"] != "map[?]?"),
    "reached": sum(1 for m in ms if m["paths"]),
    "found_by": d["summary"]["found_by"],
    "heap_graph": d["summary"].get("heap_graph")}))""", out], capture_output=True, text=True)
    os.unlink(out)
    s = json.loads(r.stdout) if r.returncode == 0 else {"maps": 0, "typed": 0, "reached": 0,
                                                         "found_by": {}}
    return (os.waitstatus_to_exitcode(status), wall, ru.ru_utime + ru.ru_stime,
            ru.ru_maxrss / 1024, s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize", default=os.path.join(HERE, "..", "build", "cmd", "mapsize"))
    ap.add_argument("--baseline", help="another mapsize to time on the same cores")
    ap.add_argument("--go", default="1.24")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--retained", action="store_true",
                    help="time inspect --retained too (the heap graph), on the same cores")
    ap.add_argument("--payload-mib", type=int, default=0,
                    help="the messages' bytes in all (1500: a core of about 1.7 GB, issue 16)")
    a = ap.parse_args()
    if a.payload_mib:
        os.environ["SERVER_BENCH_PAYLOAD_MIB"] = str(a.payload_mib)
    work = tempfile.mkdtemp(prefix="mapsize-holders-bench-")
    try:
        for label, ldflags in (("dwarf", None), ("-s -w", "-s -w")):
            exe = gocore.build(a.go, os.path.join(work, "server" + ("-sw" if ldflags else "")),
                               ldflags=ldflags, prog=os.path.join(HERE, "server_bench.go"))
            t0 = time.monotonic()
            _, core = gocore.kernel_core(exe, work, timeout=900)
            print(f"go{a.go} {label}: core {os.path.getsize(core) / 2**30:.2f} GiB in "
                  f"{time.monotonic() - t0:.1f} s")
            bins = [("mapsize", a.mapsize, ())] + \
                ([("baseline", a.baseline, ())] if a.baseline else []) + \
                ([("retained", a.mapsize, ("--retained",))] if a.retained else [])
            for name, binary, extra in bins + bins:  # twice each, interleaved: warm cache
                code, wall, cpu, rss, s = run(os.path.abspath(binary), core, exe, extra)
                print(f"  {name:8}: exit {code}, wall {wall:6.2f} s, cpu {cpu:6.2f} s, "
                      f"peak RSS {rss:6.0f} MiB, "
                      f"{s['maps']} maps ({s['maps'] / wall:,.0f}/s), {s['typed']} typed, "
                      f"{s['reached']} reached from a root; found_by {s['found_by']}" +
                      (f"; heap graph {s['heap_graph']}" if s.get("heap_graph") else ""))
            if not a.keep:
                os.unlink(core)
    finally:
        if a.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
