#!/usr/bin/env python3
"""The Go runtime judges `mapsize simulate`.

For every toolchain configuration this builds tests/go/progs/simulate_truth.go,
which runs an operation script on a real map and prints its internals and
HeapAlloc at each checkpoint, and compares every checkpoint with
`mapsize simulate` of the same script:

- len and the implementation must be equal;
- every number mapsize reports with its spread over hash seeds (held bytes,
  B, growing, overflow buckets, small form, tables, directory, capacity,
  tombstones) must hold the runtime's value inside [low, high]; where mapsize
  says it does not depend on the seed (low == high) that means equal, to the
  byte. The runtime's seed is random per run: a checkpoint that misses is run
  again (a new seed, and a new chance for an unrelated allocation) at most
  twice, and fails only if every run misses.

The scripts include the issue's four: FIFO churn of 800 keys for 1e6 steps
(Go 1.24 grows to 4 tables, 1.25+ stays at 2), fill 1e6 and delete 90% (on
SCALE_CONFIGS; 20,000 entries on every configuration), fill, clear and refill, and a
classic map caught mid-growth. The "peak" script also judges the final peak
(simulate_truth -peak: the most the map held, inside an operation too, which is where
growth and splits peak). --quick (the sanitizer build) runs the quick scripts, the
FIFO for 1e5 steps. TAP on stdout.
Usage: run_simulate_truth.py --mapsize PATH [--only CONFIGS] [--quick]
"""
import argparse, concurrent.futures, json, os, signal, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tap  # noqa: E402
from timescale import limit  # noqa: E402

CACHE = os.environ.get("MAPSIZE_GO_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mapsize", "go")
REQUIRE = bool(os.environ.get("MAPSIZE_REQUIRE_GO"))

# (name, go version, GOARCH, GOEXPERIMENT, mapsize --go)
CONFIGS = [(f"go1.{v}", f"1.{v}", "amd64", "", f"1.{v}") for v in (19, 21, 22, 23, 24, 25, 26, 27)]
CONFIGS += [("go1.24+noswissmap", "1.24", "amd64", "noswissmap", "1.24+noswissmap"),
            ("go1.25+noswissmap", "1.25", "amd64", "noswissmap", "1.25+noswissmap"),
            ("go1.27+mapsplitgroup", "1.27", "amd64", "mapsplitgroup", "1.27+mapsplitgroup"),
            ("go1.22/386", "1.22", "386", "", "1.22"),
            ("go1.24/386", "1.24", "386", "", "1.24"),
            ("go1.27/386", "1.27", "386", "", "1.27")]

# (name, map type, script, configs it runs on: "all", "swiss", "classic" or "scale",
# quick: False, True or the script's shorter text for --quick)
SCRIPTS = [
    ("fifo", "map[int64]int64",
     "insert 800; checkpoint filled; repeat 1000000 { insert 1; delete oldest 1 }; "
     "checkpoint churned", "all",
     # the sanitizer build's run: the same tombstone and growth paths, a tenth of the steps
     "insert 800; checkpoint filled; repeat 100000 { insert 1; delete oldest 1 }; "
     "checkpoint churned"),
    # the generic runtime_mapassign (values over 128 bytes) never prunes tombstones
    ("fifo-bigvalue", "map[int64][200]byte",
     "insert 800; repeat 300000 { insert 1; delete oldest 1 }; checkpoint churned",
     "swiss", False),
    ("fifo-string", "map[string]int64",
     "insert 800; repeat 300000 { insert 1; delete oldest 1 }; checkpoint churned",
     "swiss", False),
    ("evict90", "map[int64]int64",
     "insert 1e6; checkpoint full; delete random 900000; checkpoint evicted; "
     "insert 1000; checkpoint topped-up", "scale", False),
    ("evict90-small", "map[int64]int64",
     "insert 20000; checkpoint full; delete random 18000; checkpoint evicted", "all", True),
    ("clear-refill", "map[int64]int64",
     "insert 100000; checkpoint full; clear; checkpoint cleared; insert 100000; "
     "checkpoint refilled; make 0; insert 100000; checkpoint new-map", "all", True),
    ("delete-all-reinsert", "map[int64]int64",
     "insert 100000; delete random 100000; checkpoint emptied; insert 100000; "
     "checkpoint reinserted; delete oldest 100000; clear; checkpoint cleared", "all", False),
    ("mid-growth", "map[int64]int64",
     "insert 6700; checkpoint growing; delete random 40; update 20; checkpoint still; "
     "lookup 1000; checkpoint after-lookups; insert 2000; checkpoint grown", "all", True),
    ("hints", "map[int64]int64",
     "make 1000; insert 500; checkpoint half; insert 600; checkpoint over-hint; "
     "make 100000; insert 10; checkpoint big-hint; make 5; insert 8; checkpoint small",
     "all", True),
    ("small-update", "map[int64]int64",
     "insert 8; checkpoint eight; update 1; checkpoint updated; delete newest 1; insert 1; "
     "checkpoint replaced", "all", True),
    # small (two GCs per operation in the runtime's -peak run): growth, deletes, regrowth
    ("peak", "map[int64]int64",
     "insert 3000; checkpoint filled; delete random 1000; insert 2000; checkpoint refilled",
     "all", True),
    ("random-mix", "map[int64]int64",
     "repeat 200 { insert 500; delete random 300; update 50; checkpoint step }; "
     "delete random 60000; insert 30000; checkpoint end", "all", True),
]

# The million-entry script (over half of mapsize's simulation time) runs on one
# configuration of each runtime map implementation and version model row (lib/gomodel/
# gover.c): not on go1.22 (go1.23's row and map.go), go1.26 (go1.25's Swiss tables),
# go1.24+noswissmap (go1.25+noswissmap's map_noswiss.go) and go1.24/386 (go1.27/386 is
# Swiss on 386). evict90-small, the same script at 20,000 entries, runs everywhere.
SCALE_CONFIGS = {"go1.19", "go1.21", "go1.23", "go1.24", "go1.25", "go1.27",
                 "go1.25+noswissmap", "go1.27+mapsplitgroup", "go1.22/386", "go1.27/386"}

# runtime field, mapsize field (in the checkpoint and its "spread")
FIELDS = {"classic": [("B", "B"), ("growing", "growing"),
                      ("overflow_buckets", "overflow_buckets")],
          "swiss": [("small", "small"), ("tables", "tables"), ("dir_len", "dir_len"),
                    ("tombstones", "tombstones")]}


def go_wrapper(version):
    path = os.path.join(CACHE, "bin", f"go{version}")
    return path if os.access(path, os.X_OK) else None


def build(version, arch, experiment, out):
    env = dict(os.environ, GOARCH=arch, GOTOOLCHAIN="local", CGO_ENABLED="0")
    if experiment:
        env["GOEXPERIMENT"] = experiment
    subprocess.run([go_wrapper(version), "build", "-o", out,
                    os.path.join(HERE, "progs", "simulate_truth.go")],
                   env=env, check=True, capture_output=True, text=True)


# scripts whose runtime run also measures the peak (slow: two GCs per operation)
PEAK = {"peak"}


def run_truth(binary, typ, script, rseed, peak=False):
    r = subprocess.run([binary, "-type", typ, "-ops", script, "-rseed", str(rseed)] +
                       (["-peak"] if peak else []),
                       capture_output=True, text=True, check=True, timeout=limit(600),
                       env=dict(os.environ, GOGC="off"))
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]


def simulate(mapsize, typ, script, goflag, arch, seeds):
    r = subprocess.run([mapsize, "simulate", typ, "--ops", script, "--go", goflag, "--arch", arch,
                        "--seeds", str(seeds), "--format", "json"],
                       capture_output=True, text=True, timeout=limit(600))
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return json.loads(r.stdout)["runs"][0]


def checks(point, truth, impl):
    """(field, exact, ok, text) for each number of one checkpoint; exact: mapsize's
    spread over seeds is a single value."""
    out = [("len", True, truth["len"] == point["len"],
            f"len runtime {truth['len']}, mapsize {point['len']}")]
    pairs = [("bytes", "held_bytes")] + FIELDS[impl]
    if impl == "swiss" and not truth["small"]:
        pairs.append(("capacity", "capacity_slots"))
    for tf, mf in pairs:
        lo, hi = point["spread"][mf]
        got = int(truth[tf])
        out.append((tf, lo == hi, lo <= got <= hi,
                    f"{tf} runtime {truth[tf]}, mapsize {point[mf]} [{lo}, {hi}]"))
    if "peak_bytes" in truth and "peak_low_bytes" in point:
        lo, hi, got = point["peak_low_bytes"], point["peak_high_bytes"], truth["peak_bytes"]
        out.append(("peak_bytes", lo == hi, lo <= got <= hi,
                    f"peak_bytes runtime {got}, mapsize {point['peak_bytes']} [{lo}, {hi}]"))
    return out


# mapsize's hash seeds per script, and the runtime's runs at most: a number
# outside [low, high] of 48 seeds has a chance of about 4% per run, so four
# runs that all miss the same number mean the model is wrong, not unlucky.
SEEDS = 48
RUNS = 4

# Scripts with at least this many seed-dependent numbers are judged by their
# share inside the spread (48 seeds cover about 96% of outcomes): >= 85%.
MANY = 40
MIN_SHARE = 0.85


def compare(sim, cfg, script, binary, stats):
    """sim: the future of mapsize's simulation of script on cfg."""
    name, version, arch, experiment, goflag = cfg
    sname, typ, text, _, _ = script
    try:
        run = sim.result()
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        tap.tap(False, f"{name} {sname}: mapsize simulates", [str(e)])
        return
    points = run["checkpoints"] + [run["final"]]
    impl = "classic" if run["impl"] == "classic" else "swiss"
    pending, first_misses, share, runs = None, [], None, 0
    for attempt in range(RUNS):
        truth = run_truth(binary, typ, text, attempt + 1, sname in PEAK)
        runs += 1
        if len(truth) != len(points) or any(t["impl"] != impl for t in truth):
            tap.tap(False, f"{name} {sname}: the runtime's checkpoints match mapsize's",
                    [f"runtime {len(truth)} checkpoints ({truth[0]['impl'] if truth else '-'}), "
                     f"mapsize {len(points)} ({impl})"])
            return
        res = [(i, c) for i, (p, t) in enumerate(zip(points, truth)) for c in checks(p, t, impl)]
        if attempt == 0:
            sample = truth
            ranged = [c for _, c in res if not c[1]]
            if len(ranged) >= MANY:
                share = sum(1 for c in ranged if c[2]) / len(ranged)
            first_misses = [(i, c) for i, c in res if not c[2]]
        # what must hold in some runtime run: exact numbers always, ranged ones
        # when there are too few to judge by their share
        miss = {(i, c[0]): c[3] for i, c in res
                if not c[2] and (c[1] or share is None)}
        pending = miss if pending is None else {k: pending[k] + " / " + v
                                                for k, v in pending.items() if k in miss}
        if not pending:
            break
    diag = [f"{points[i]['name']} (ops {points[i]['ops']}): {m}"
            for (i, _), m in sorted(pending.items())]
    ok = not pending and (share is None or share >= MIN_SHARE)
    if share is not None:
        diag.insert(0, f"{100 * share:.1f}% of {len(ranged)} seed-dependent numbers inside "
                       f"the spread on the first run (need {100 * MIN_SHARE:.0f}%)")
    if first_misses and (ok or share is not None):
        diag += ["outside on the first run:"] + [
            f"{points[i]['name']}: {c[3]}" for i, c in first_misses[:15]]
    stats.append((name, sname, sample, points))
    rerun = f", {runs} runtime runs" if runs > 1 else ""
    tap.tap(ok, f"{name} {sname} ({typ}): {len(points)} checkpoints inside mapsize's spread "
            f"over {run['seeds']} seeds{rerun}", diag[:30])


def scripts_for(cfg, names, quick):
    """cfg's scripts; with quick, those marked quick, in their shorter text if they have one."""
    classic = int(cfg[1].split(".")[1]) <= 23 or cfg[3] == "noswissmap"
    return [s if not (quick and isinstance(s[4], str)) else (*s[:2], s[4], *s[3:])
            for s in SCRIPTS if (not names or s[0] in names) and (s[4] or not quick) and
            not (s[3] == "swiss" and classic or s[3] == "classic" and not classic or
                 s[3] == "scale" and cfg[0] not in SCALE_CONFIGS)]


def run_configs(configs, names, quick, workdir, sims, stats):
    for cfg in configs:
        name, version, arch, experiment, _ = cfg
        if not go_wrapper(version):
            tap.skip_or_fail_missing(REQUIRE, name, version, "simulations match")
            continue
        binary = os.path.join(workdir, name.replace("/", "-").replace("+", "-"))
        try:
            build(version, arch, experiment, binary)
        except subprocess.CalledProcessError as e:
            tap.tap(False, f"{name}: simulate_truth.go builds", e.stderr.splitlines()[-10:])
            continue
        for script in scripts_for(cfg, names, quick):
            compare(sims[(name, script[0])], cfg, script, binary, stats)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize", required=True)
    ap.add_argument("--only", default="", help="comma-separated configuration names")
    ap.add_argument("--scripts", default="", help="comma-separated script names")
    ap.add_argument("--quick", action="store_true", help="the quick scripts only")
    a = ap.parse_args()
    only = set(filter(None, a.only.split(",")))
    names = set(filter(None, a.scripts.split(",")))
    mapsize = os.path.abspath(a.mapsize)
    stats = []
    configs = [c for c in CONFIGS if not only or c[0] in only]
    # mapsize's simulations (48 seeds each: most of the time) run ahead, one per core,
    # while the runtime runs the scripts here, in order
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2)
    sims = {(c[0], s[0]): pool.submit(simulate, mapsize, s[1], s[2], c[4], c[2], SEEDS)
            for c in configs if go_wrapper(c[1]) for s in scripts_for(c, names, a.quick)}
    try:
        with tempfile.TemporaryDirectory(prefix="mapsize-sim-") as workdir:
            run_configs(configs, names, a.quick, workdir, sims, stats)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    # the headline facts, stated by the runtime itself
    fifo = {n: (s, p) for n, sn, s, p in stats if sn == "fifo"}
    if "go1.24" in fifo and "go1.25" in fifo:
        # the question, answered by the runtime and by mapsize alike: a FIFO of
        # constant size keeps growing on 1.24 (tombstones use up capacity), not on 1.25
        t24, t25 = fifo["go1.24"][0][-1]["tables"], fifo["go1.25"][0][-1]["tables"]
        m24, m25 = fifo["go1.24"][1][-1]["tables"], fifo["go1.25"][1][-1]["tables"]
        tap.tap(t24 > t25 and m24 > m25,
                f"FIFO churn of 800 keys: Go 1.24 ends with more tables than 1.25 ({t24} and "
                f"{t25}); so does mapsize's median seed ({m24} and {m25})")
    print("# checkpoint: runtime bytes / mapsize median [low..high] (first runtime run)")
    for name, sname, sample, points in stats:
        for t, p in zip(sample, points):
            lo, hi = p["spread"]["held_bytes"]
            print(f"# {name:22} {sname:20} {p['name']:14} {t['bytes']:>10} / "
                  f"{p['held_bytes']:>10} [{lo}..{hi}]")
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
