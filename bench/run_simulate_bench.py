#!/usr/bin/env python3
"""Benchmark of `mapsize simulate` (issue 8: at least 10 million operations per
second on one core, for the classic and the Swiss model). Runs a few scripts
with one hash seed per Go version (mapsize runs that seed twice: the second
time for the structure at its peak, so a run simulates 2 x ops operations) and
prints simulated operations per second of CPU time
(user + system of the mapsize process, so a busy machine slows the figure
less than wall time would) and peak RSS. Figures only: nothing here passes or
fails.

Usage: bench/run_simulate_bench.py [--mapsize build/cmd/mapsize] [--go 1.23,1.25]
"""
import argparse, json, os, subprocess, sys, time

SCRIPTS = [
    ("fill 1e7", "map[int64]int64", "insert 1e7"),
    ("fifo 800 x 1e7", "map[int64]int64", "insert 800; repeat 5e6 { insert 1; delete oldest 1 }"),
    ("cache 1e6, random churn 1e7", "map[int64]int64",
     "insert 1e6; repeat 5e6 { insert 1; delete random 1 }"),
    ("mixed, string keys", "map[string]int64",
     "repeat 100 { insert 1e5; update 2e4; lookup 2e4; delete random 9e4 }"),
]


def timed(args):
    """Run args: (its JSON output, CPU seconds, wall seconds, peak RSS MiB); exits on failure."""
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(args)}")
    return json.loads(out), ru.ru_utime + ru.ru_stime, wall, ru.ru_maxrss / 1024


def run(mapsize, typ, script, go):
    doc, cpu, wall, rss = timed([mapsize, "simulate", typ, "--ops", script, "--go", go,
                                 "--seeds", "1", "--format", "json"])
    runs = doc["runs"][0]["seeds"] + 1  # every seed, and the first again for its peak
    return doc["ops"] * runs, cpu, wall, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize", default="build/cmd/mapsize")
    ap.add_argument("--go", default="1.23,1.25")
    a = ap.parse_args()
    print(f"{'script':32} {'go':6} {'simulated':>12} {'cpu s':>7} {'wall s':>7} {'Mops/s':>8} "
          f"{'RSS MiB':>8}")
    for go in a.go.split(","):
        for name, typ, script in SCRIPTS:
            ops, cpu, wall, rss = run(a.mapsize, typ, script, go)
            print(f"{name:32} {go:6} {ops:>12} {cpu:>7.2f} {wall:>7.2f} "
                  f"{ops / cpu / 1e6 if cpu else 0:>8.1f} {rss:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
