#!/usr/bin/env python3
"""Benchmark of `mapsize inspect` (issue 3): a Go process holding more than
2 GiB of maps over more than 10 million entries and 100,000 small maps
("full"), one holding 11 million entries in two maps ("two"), and one whose map of
5 million entries leads to 10 million heap objects ("pointers": with --retained,
the cost of inspect --retained's heap graph and dominator tree).
Takes a kernel core of it, runs inspect twice (cold and warm page cache) and
prints wall time, peak RSS, maps per second and GiB of map memory walked per
second. Figures only: nothing here passes or fails.

With --baseline OLD, an older mapsize runs on the same cores after it (the
ratio of the two is the figure to quote: these machines are shared).
With --repeat N, the warm runs are N rounds, each binary once a round in turn, and
each prints the median and minimum of its wall and CPU (user + system) times.
--core CORE --exe EXE times an existing core (one kept by --keep) instead of
building and dumping one; --no-cold leaves the page cache alone (no drop_caches as
root: it slows everyone on a shared machine).

Usage: bench/run_inspect_bench.py [--mapsize build/cmd/mapsize] [--baseline OLD] [--go 1.24]
                                  [--scenario full,two,pointers] [--retained] [--keep]
                                  [--repeat N] [--no-cold] [--core CORE --exe EXE]
"""
import argparse, json, os, resource, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "go"))
import gocore  # noqa: E402


def run_inspect(mapsize, core, exe, out, extra=()):
    t0 = time.monotonic()
    with open(out, "w") as f:
        p = subprocess.Popen([mapsize, "inspect", core, "--exe", exe, "--format", "json",
                              *extra], stdout=f)
        _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    return os.waitstatus_to_exitcode(status), wall, ru.ru_maxrss / 1024, ru.ru_utime + ru.ru_stime


def summary_of(report):
    """The report's summary, parsed in another process: a child's peak RSS counts the memory
    of the process it was forked from, so this one must stay small."""
    r = subprocess.run([sys.executable, "-c", "import json, sys; "
                        "print(json.dumps(json.load(open(sys.argv[1]))['summary']))", report],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize", default=os.path.join(HERE, "..", "build", "cmd", "mapsize"))
    ap.add_argument("--go", default="1.24")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--baseline", help="another mapsize to time on the same cores")
    ap.add_argument("--scenario", default="full,two")
    ap.add_argument("--retained", action="store_true",
                    help="time inspect --retained too (the heap graph), on the same cores")
    ap.add_argument("--repeat", type=int, default=1, help="warm runs of each binary")
    ap.add_argument("--no-cold", action="store_true", help="no run on a dropped page cache")
    ap.add_argument("--core", help="an existing core to time (with --exe)")
    ap.add_argument("--exe", help="the executable of --core")
    a = ap.parse_args()
    if a.core:
        if not a.exe:
            ap.error("--core needs --exe")
        work = tempfile.mkdtemp(prefix="mapsize-bench-")
        try:
            bench_core(a, work, a.exe, a.core, os.path.basename(a.core))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    work = tempfile.mkdtemp(prefix="mapsize-bench-")
    try:
        exe = gocore.build(a.go, os.path.join(work, "bench"), prog=os.path.join(HERE,
                                                                             "inspect_bench.go"))
        for scenario in a.scenario.split(","):
            bench_one(a, work, exe, scenario)
    finally:
        if a.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def bench_one(a, work, exe, scenario):
    t0 = time.monotonic()
    wrapper = os.path.join(work, f"run-{scenario}")
    with open(wrapper, "w") as f:
        f.write(f"#!/bin/sh\nexec {exe} {scenario}\n")
    os.chmod(wrapper, 0o755)
    _, core = gocore.kernel_core(wrapper, work, timeout=900)
    try:
        print(f"go{a.go} {scenario}: program built its maps and dumped a core in "
              f"{time.monotonic() - t0:.1f} s; core {os.path.getsize(core) / 2**30:.2f} GiB")
        bench_core(a, work, exe, core, f"go{a.go} {scenario}")
    finally:
        if not a.keep:
            os.unlink(core)


def bench_core(a, work, exe, core, name):
    out = os.path.join(work, "report.json")
    runs = [("mapsize", (a.mapsize, ()))] + \
        ([("baseline", (a.baseline, ()))] if a.baseline else []) + \
        ([("retained", (a.mapsize, ("--retained",)))] if a.retained else [])
    cold = "cold page cache" if os.geteuid() == 0 else "first run"
    passes = ([] if a.no_cold else [cold]) + ["warm page cache"] * max(a.repeat, 1)
    times = {}
    for label, (who, (binary, extra)) in [(lb, r) for lb in passes for r in runs]:
        label = f"{who}, {label}"
        if "cold" in label:
            subprocess.run(["sync"])
            with open("/proc/sys/vm/drop_caches", "w") as f:
                f.write("1\n")
        code, wall, rss, cpu = run_inspect(os.path.abspath(binary), core, exe, out, extra)
        if "warm" in label:
            times.setdefault(who, []).append((wall, cpu))
        s = summary_of(out)
        held = s["held_bytes"]
        print(f"  {label}: exit {code}, wall {wall:.2f} s, CPU {cpu:.2f} s (inspect says "
              f"{s['elapsed_seconds']:.2f} s), peak RSS {rss:.0f} MiB, {s['maps']} maps, "
              f"{s['len']} entries, {held / 2**30:.2f} GiB held "
              f"({100 * s['heap_share']:.0f}% of the heap); "
              f"{s['maps'] / wall:,.0f} maps/s, {held / 2**30 / wall:.2f} GiB/s, "
              f"{s['bytes_read'] / 2**30:.2f} GiB read" +
              (f"; heap graph {s['heap_graph']}, payload {s['total_payload_bytes']}, "
               f"retained {s['total_retained_bytes']}" if "heap_graph" in s else ""), flush=True)
    if a.repeat > 1:
        for who, t in times.items():
            walls, cpus = [w for w, _ in t], [c for _, c in t]
            print(f"{name} {who}, {len(t)} warm runs: wall median {statistics.median(walls):.3f} s"
                  f" min {min(walls):.3f} s; CPU median {statistics.median(cpus):.3f} s"
                  f" min {min(cpus):.3f} s")


if __name__ == "__main__":
    main()
