#!/usr/bin/env python3
"""Benchmark of `mapsize attach` (issues 4 and 16): a Go process holding about
1 GiB in 100,000 maps (bench/attach_bench.go: map[int64]int64 of 400 entries
each) under a steady light write load (2000 map writes a second).

For each attach method (the default: soft-dirty precopy where the kernel keeps
soft-dirty bits, else uffd-wp precopy where it has asynchronous userfaultfd
write-protect, else stop and copy; --attach-method=uffd-wp where the default
is soft-dirty; and --no-clear-refs: stop and copy) it
prints the pause over --runs attaches (median and max), as attach reports it
(summary.pause_ns) and as the process itself saw it (the longest gap of its
200 us heartbeat), the bytes copied and re-read while stopped, and mapsize's
peak RSS. Then the same process's pause under gdb's gcore (its heartbeat gap:
gcore stops it from attach to detach), and the size of a recorded layout
against the core. Whether this kernel keeps soft-dirty bits, and has userfaultfd
write-protect, is printed first.
Figures only; nothing is asserted on time.

Usage: bench/run_attach_bench.py [--mapsize build/cmd/mapsize] [--go 1.24] [--runs 5]
       [--gcore-runs 3] [--maps 100000] [--entries 400] [--writes 2000]
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "go"))
import gocore  # noqa: E402
from run_attach import soft_dirty_kernel, uffd_wp_kernel  # noqa: E402


class Target:
    def __init__(self, exe, maps, entries, writes):
        self.p = subprocess.Popen([exe, str(maps), str(entries), str(writes)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        assert line.startswith("READY"), line
        self.pid = self.p.pid

    def ask(self, what):
        self.p.stdin.write(what + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def gap_ms(self):
        """The longest heartbeat gap since the last call, in ms."""
        return int(self.ask("gap")) / 1e6

    def rss_mib(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0

    def close(self):
        self.p.kill()
        self.p.wait()


def maxrss_child(cmd):
    """Run cmd with its own peak RSS (ru_maxrss from wait4)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    return out.decode(), err.decode(), os.waitstatus_to_exitcode(status), ru.ru_maxrss / 1024


def fmt(xs):
    return f"median {statistics.median(xs):8.1f} ms, max {max(xs):8.1f} ms"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize", default=os.path.join(HERE, "..", "build", "cmd", "mapsize"))
    ap.add_argument("--go", default="1.24")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--gcore-runs", type=int, default=3)
    ap.add_argument("--maps", type=int, default=100000)
    ap.add_argument("--entries", type=int, default=400)
    ap.add_argument("--writes", type=int, default=2000)
    a = ap.parse_args()
    mapsize = os.path.abspath(a.mapsize)
    sd, uffd = soft_dirty_kernel(), uffd_wp_kernel()
    print(f"kernel {os.uname().release}: soft-dirty bits "
          f"{'work' if sd else 'do NOT work (no CONFIG_MEM_SOFT_DIRTY)'}; asynchronous "
          f"userfaultfd write-protect {'works' if uffd else 'does NOT work'}: the default "
          f"method is {'soft-dirty precopy' if sd else 'uffd-wp precopy' if uffd else 'stop and copy'}")
    work = tempfile.mkdtemp(prefix="mapsize-attach-bench-", dir="/tmp")
    try:
        exe = gocore.build(a.go, os.path.join(work, "bench"),
                           prog=os.path.join(HERE, "attach_bench.go"))
        t0 = time.monotonic()
        t = Target(exe, a.maps, a.entries, a.writes)
        print(f"go{a.go} target: {a.maps} maps of {a.entries} entries, {a.writes} map writes/s, "
              f"RSS {t.rss_mib():.0f} MiB (built in {time.monotonic() - t0:.0f} s)")
        try:
            time.sleep(1)
            t.gap_ms()
            time.sleep(2)
            print(f"heartbeat noise (longest gap over 2 s, nobody attached): {t.gap_ms():.1f} ms")
            methods = [("default", [])] + ([("--attach-method=uffd-wp",
                                             ["--attach-method=uffd-wp"])] if sd and uffd else
                                           []) + [("--no-clear-refs", ["--no-clear-refs"])]
            for name, args in methods:
                pauses, gaps, rsss = [], [], []
                for run in range(a.runs):
                    t.gap_ms()
                    out, err, rc, rss = maxrss_child([mapsize, "attach", str(t.pid),
                                                      "--format", "json", *args])
                    gap = t.gap_ms()
                    if rc != 0:
                        print(f"{name} run {run + 1}: exit {rc}: {err.strip()}")
                        continue
                    s = json.loads(out)["summary"]
                    pauses.append(s["pause_ns"] / 1e6)
                    gaps.append(gap)
                    rsss.append(rss)
                    print(f"  {name} run {run + 1}: {s.get('attach_method')}: pause "
                          f"{s['pause_ns'] / 1e6:.1f} ms (heartbeat gap {gap:.1f} ms), "
                          f"{s.get('copied_bytes', 0) / 2**20:.0f} MiB copied, "
                          f"{s.get('reread_bytes', 0) / 2**20:.0f} MiB while stopped; "
                          f"{s['maps']} maps, {s['held_bytes'] / 2**30:.2f} GiB held; "
                          f"mapsize RSS {rss:.0f} MiB")
                if pauses:
                    print(f"attach {name}: pause_ns {fmt(pauses)}; heartbeat gap {fmt(gaps)}; "
                          f"mapsize peak RSS {max(rsss):.0f} MiB")
            core = os.path.join(work, "core")
            ggaps = []
            for run in range(a.gcore_runs):
                t.gap_ms()
                t1 = time.monotonic()
                gocore.gcore(t.pid, core)
                wall = time.monotonic() - t1
                ggaps.append(t.gap_ms())
                print(f"  gcore run {run + 1}: heartbeat gap {ggaps[-1]:.1f} ms "
                      f"(wall {wall:.1f} s)")
            if ggaps:
                print(f"gcore: heartbeat gap {fmt(ggaps)}")
            layout = os.path.join(work, "bench.msl")
            subprocess.run([mapsize, "record", "--pid", str(t.pid), "-o", layout], check=True)
            if ggaps:
                st = os.stat(core)
                data = st.st_blocks * 512
                print(f"layout {os.path.getsize(layout)} bytes; gcore core "
                      f"{st.st_size / 2**30:.2f} GiB ({data / 2**30:.2f} GiB of data)")
                os.unlink(core)
        finally:
            t.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
