#!/usr/bin/env python3
"""Benchmark of `mapsize attach` and `record` (issue 4): a Go process holding
about 1 GiB of maps (bench/inspect_bench.go "two": 11 million entries in two
maps). Prints the pause attach imposes against the time one copy of the
process's heap takes (reading /proc/PID/mem), and the size of a recorded
layout against the size of a core of the same process. Figures only.

Usage: bench/run_attach_bench.py [--mapsize build/cmd/mapsize] [--go 1.24] [--runs 3]
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "go"))
import gocore  # noqa: E402


def heap_copy_seconds(pid):
    """Read every writable anonymous mapping of pid once, as one copy of its heap would."""
    ranges = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split()
            if parts[1].startswith("rw") and len(parts) < 6:
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                ranges.append((lo, hi))
    total = 0
    t0 = time.monotonic()
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        buf = bytearray(64 << 20)
        for lo, hi in ranges:
            at = lo
            while at < hi:
                n = min(len(buf), hi - at)
                mem.seek(at)
                got = mem.readinto(memoryview(buf)[:n])
                if not got:
                    break
                total += got
                at += got
    return time.monotonic() - t0, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize", default=os.path.join(HERE, "..", "build", "cmd", "mapsize"))
    ap.add_argument("--go", default="1.24")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    mapsize = os.path.abspath(a.mapsize)
    work = tempfile.mkdtemp(prefix="mapsize-attach-bench-")
    try:
        exe = gocore.build(a.go, os.path.join(work, "bench"),
                           prog=os.path.join(HERE, "inspect_bench.go"))
        p = subprocess.Popen([exe, "two"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        assert line.startswith("READY"), line
        try:
            for run in range(a.runs):
                r = subprocess.run([mapsize, "attach", str(p.pid), "--format", "json"],
                                   capture_output=True, text=True, check=True)
                s = json.loads(r.stdout)["summary"]
                copy_s, copied = heap_copy_seconds(p.pid)
                pause = s["pause_ns"] / 1e9
                print(f"go{a.go} run {run + 1}: {s['maps']} maps, {s['len']} entries, "
                      f"{s['held_bytes'] / 2**30:.2f} GiB held; pause {pause * 1e3:.0f} ms; "
                      f"one copy of the heap ({copied / 2**30:.2f} GiB) {copy_s * 1e3:.0f} ms; "
                      f"pause / copy = {pause / copy_s:.2f}")
            layout = os.path.join(work, "bench.msl")
            subprocess.run([mapsize, "record", "--pid", str(p.pid), "-o", layout], check=True)
            core = os.path.join(work, "core")
            gocore.gcore(p.pid, core)
            st = os.stat(core)
            data = st.st_blocks * 512
            print(f"layout {os.path.getsize(layout)} bytes; gcore core {st.st_size / 2**30:.2f} GiB "
                  f"({data / 2**30:.2f} GiB of data): the layout is "
                  f"{100 * os.path.getsize(layout) / data:.4f}% of the core's data")
        finally:
            p.kill()
            p.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
