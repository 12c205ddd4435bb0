#!/usr/bin/env python3
"""--format pprof and --format folded read by the real tools: `go tool pprof` of the
installed Go toolchains (-raw, -top, -traces) reads what mapsize wrote for replays and a
diff of the samples, and shows the JSON report's totals: the same held, reclaimable and len
totals, one sample per map, the four sample types with held as the default. The folded
stacks add up to the same totals, one line per map. Skips (or fails when MAPSIZE_REQUIRE_GO
is set) without an installed toolchain. TAP. Usage: run_pprof.py MAPSIZE SAMPLES_DIR
"""
import json, os, re, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timescale import limit  # noqa: E402

CACHE = os.environ.get("MAPSIZE_GO_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mapsize", "go")
REQUIRE = bool(os.environ.get("MAPSIZE_REQUIRE_GO"))
# the oldest and newest pprof readers the tests have; each reads every file
VERSIONS = ["1.19", "1.24", "1.27"]
SAMPLES = ["tenants-go1.25", "sessions-go1.23", "counters-go1.23", "lru-go1.25"]
TYPES = ["maps/count", "held/bytes", "reclaimable/bytes", "len/count"]

n = failed = 0


def tap(ok, msg, diag="", skip=None):
    global n, failed
    n += 1
    if skip:
        print(f"ok {n} - {msg} # SKIP {skip}", flush=True)
        return
    failed += not ok
    print(f"{'ok' if ok else 'not ok'} {n} - {msg}", flush=True)
    for line in str(diag).splitlines()[:30]:
        print(f"# {line}", flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=limit(120), **kw)


def raw_samples(go, path):
    """`go tool pprof -raw`: (sample type header, [values of each sample])."""
    r = run([go, "tool", "pprof", "-raw", path])
    if r.returncode:
        return None, r.stderr
    lines = r.stdout.splitlines()
    start = lines.index("Samples:") + 1
    header = lines[start].split()
    values = []
    for line in lines[start + 1:]:
        m = re.match(r"^\s+(-?\d+(?:\s+-?\d+)*):\s", line)
        if m:
            values.append([int(x) for x in m.group(1).split()])
        elif line and not line.startswith(" "):
            break
    return header, values


def top_total(go, path, index):
    r = run([go, "tool", "pprof", "-top", "-unit=B" if index != "maps" else "-unit=",
             f"-sample_index={index}", path])
    m = re.search(r"of (-?\d+)B? total", r.stdout)
    return int(m.group(1)) if m else None, r.stdout + r.stderr


def top_and_traces(go, name, prof, summary):
    held, out = top_total(go, prof, "held")
    tap(held == summary["held_bytes"] and "Type: held" in out,
        f"{name}: -top shows held by default, {held} B of {summary['held_bytes']} B",
        out[:800])
    recl, out = top_total(go, prof, "reclaimable")
    tap(recl == summary["reclaimable_bytes"],
        f"{name}: -top -sample_index=reclaimable: {recl} B", out[:800])
    r = run([go, "tool", "pprof", "-traces", prof])
    traces = r.stdout.count("-----------+") - 1  # one before each stack, one at the end
    tap(r.returncode == 0 and traces == summary["maps"] and "path:" in r.stdout,
        f"{name}: -traces lists {traces} stacks with their path labels", r.stderr)


def main():
    mapsize, samples = sys.argv[1:3]
    gos = [os.path.join(CACHE, "bin", f"go{v}") for v in VERSIONS]
    gos = [g for g in gos if os.access(g, os.X_OK)]
    if not gos:
        tap(not REQUIRE, "go tool pprof reads mapsize's profiles",
            skip=None if REQUIRE else f"no Go toolchain in {CACHE}/bin (go{VERSIONS})")
        print(f"1..{n}")
        return 1 if failed else 0
    tmp = tempfile.mkdtemp(prefix="mapsize-pprof-")
    try:
        for name in SAMPLES:
            layout = os.path.join(samples, f"{name}.msl")
            j = run([mapsize, "replay", layout, "--format", "json"])
            summary = json.loads(j.stdout)["summary"]
            want = [summary["maps"], summary["held_bytes"], summary["reclaimable_bytes"],
                    summary["len"]]
            prof = os.path.join(tmp, f"{name}.pb.gz")
            r = run([mapsize, "replay", layout, "--format", "pprof", "--output", prof])
            tap(r.returncode == 0 and os.path.getsize(prof) > 0 and
                not [f for f in os.listdir(tmp) if ".pb.gz." in f],
                f"{name}: replay --format pprof --output writes the file (no temporary left)",
                r.stderr)
            for go in gos if name == SAMPLES[0] else gos[-1:]:  # every reader once
                v = os.path.basename(go)
                header, values = raw_samples(go, prof)
                if header is None:
                    tap(False, f"{name}: {v} tool pprof -raw reads it", values)
                    continue
                sums = [sum(s[k] for s in values) for k in range(len(TYPES))]
                tap(header == [TYPES[0], TYPES[1] + "[dflt]", *TYPES[2:]] and
                    len(values) == summary["maps"] and sums == want,
                    f"{name}: {v} tool pprof -raw: sample types {header}, {len(values)} "
                    f"samples (maps: {summary['maps']}), totals {sums} = the JSON report's",
                    f"want {want}")
            if name == "sessions-go1.23":  # once: unreached maps, reclaimable bytes
                top_and_traces(gos[-1], name, prof, summary)
            f = run([mapsize, "replay", layout, "--format", "folded"])
            lines = f.stdout.splitlines()
            ok = all(re.fullmatch(r"[^;\n]+(;[^;\n]+)* \d+", ln) for ln in lines)
            tap(f.returncode == 0 and ok and len(lines) == summary["maps"] and
                sum(int(ln.rsplit(" ", 1)[1]) for ln in lines) == summary["held_bytes"],
                f"{name}: folded: {len(lines)} lines, held bytes add up to the report's",
                f.stderr + "\n".join(lines[:5]))

        # a diff: B minus A, maps that did not change left out
        a, b = (os.path.join(samples, f"{s}.msl") for s in ("lru-go1.23", "lru-go1.25"))
        dj = json.loads(run([mapsize, "diff", a, b, "--format", "json"]).stdout)
        prof = os.path.join(tmp, "diff.pb.gz")
        r = run([mapsize, "diff", a, b, "--format", "pprof", "-o", prof])
        changed = [e for e in dj["maps"] if e["status"] != "same"] if "maps" in dj else None
        for go in gos:
            header, values = raw_samples(go, prof)
            if header is None:
                tap(False, f"diff: {os.path.basename(go)} tool pprof -raw reads it", values)
                continue
            held = sum(s[1] for s in values)
            tap(r.returncode == 0 and held == dj["summary"]["delta_held_bytes"] and
                (changed is None or len(values) == len(changed)),
                f"diff: {os.path.basename(go)} tool pprof -raw: {len(values)} samples, "
                f"held {held} = delta_held_bytes", json.dumps(dj["summary"]))
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
