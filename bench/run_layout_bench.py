#!/usr/bin/env python3
"""Benchmark of recorded layouts (replay and diff of a big layout file) and of the report
model's memory: peak RSS, wall and CPU (user + system) time of `inspect --format json` on
a core, and of `replay --format json` and `diff A A --format json` on the layout recorded
from it. bench/server_bench.go's core (about 300,000 maps) is the one to quote:
run_holders_bench.py --keep, or any kernel core of it (tests/go/gocore.py kernel_core).

With --baseline OLD, an older mapsize runs the same commands, interleaved with this one
(--repeat N rounds); each prints the median of its figures. The layout file is recorded
once, by --mapsize. Figures only: nothing here passes or fails.

Usage: bench/run_layout_bench.py --core CORE --exe EXE [--mapsize build/cmd/mapsize]
                                 [--baseline OLD] [--repeat N] [--layout FILE]
"""
import argparse, os, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))


def measure(cmd):
    """(exit, wall s, CPU s, peak RSS MiB) of CMD, its output thrown away."""
    t0 = time.monotonic()
    with open(os.devnull, "w") as null:
        p = subprocess.Popen(cmd, stdout=null)
        _, status, ru = os.wait4(p.pid, 0)
    return (os.waitstatus_to_exitcode(status), time.monotonic() - t0,
            ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize", default=os.path.join(HERE, "..", "build", "cmd", "mapsize"))
    ap.add_argument("--baseline")
    ap.add_argument("--core", required=True)
    ap.add_argument("--exe", required=True)
    ap.add_argument("--layout", help="an existing layout file (else recorded from the core)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--only", default="inspect,replay,diff")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="mapsize-layout-bench-")
    layout = a.layout or os.path.join(work, "core.msl")
    try:
        if not a.layout:
            code, wall, cpu, rss = measure([a.mapsize, "record", a.core, "--exe", a.exe,
                                            "-o", layout])
            print(f"record: exit {code}, wall {wall:.2f} s, {os.path.getsize(layout) / 2**20:.0f} MiB")
        cmds = {
            "inspect": ["inspect", a.core, "--exe", a.exe, "--format", "json"],
            "replay": ["replay", layout, "--format", "json"],
            "diff": ["diff", layout, layout, "--format", "json"],
        }
        bins = [("mapsize", os.path.abspath(a.mapsize))] + \
            ([("baseline", os.path.abspath(a.baseline))] if a.baseline else [])
        for what in a.only.split(","):
            res = {name: [] for name, _ in bins}
            for _ in range(a.repeat):
                for name, binary in bins:
                    res[name].append(measure([binary, *cmds[what]]))
            for name, _ in bins:
                r = res[name]
                med = lambda k: statistics.median(x[k] for x in r)
                print(f"{what:8} {name:8}: exit {r[0][0]}, wall {med(1):6.2f} s, "
                      f"cpu {med(2):6.2f} s, peak RSS {med(3):8.1f} MiB "
                      f"(median of {len(r)})", flush=True)
    finally:
        if os.path.exists(work):
            for f in os.listdir(work):
                os.unlink(os.path.join(work, f))
            os.rmdir(work)


if __name__ == "__main__":
    sys.exit(main())
