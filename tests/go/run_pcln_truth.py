#!/usr/bin/env python3
"""mapsize's .gopclntab reader per frame (ms_binary_func_info, ms_binary_stackmap)
against what the Go runtime and compiler say of the same pcs.

tests/go/progs/pcln_truth.go is built with -gcflags=-live (the compiler then prints,
for each call and each function entry, the pointer variables live there) for
go1.19, go1.21, go1.24, go1.27 on amd64 and go1.24 on 386, with DWARF and with
-ldflags='-s -w'. It prints the return pcs of one goroutine's stack with their
function, file and line (runtime.CallersFrames), and the entries of those functions
written in Go with FuncForPC(entry).FileLine(entry), then waits; tests/go/pcln_dump
(built by meson with libmapsize) attaches to it and reads the same pcs. Checked per pc:
- name, entry, file and line equal the runtime's;
- spdelta: 0 at an entry, a positive multiple of the pointer size at a call in
  Go code, and the locals bitmap fits in the frame;
- the set bits of the locals and argument bitmaps at the stack map index
  getStackMap would use equal the number of variables -live lists there (all
  of them single pointers in the program, one bit each);
- runtime.goexit has the funcID FuncID_goexit of that version's sources and
  the flags TOPFRAME and ASM; Go functions have funcID 0, flag 0, and an
  argument bitmap no longer than their arguments;
- gofunc (hence every stack map address) is the same from DWARF
  (runtime.firstmoduledata) and from the module data without DWARF.
TAP. Usage: run_pcln_truth.py --dump PATH [--only go1.24,go1.24/386]
"""
import argparse, os, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gocore  # noqa: E402
from tap import finish, skip_or_fail_missing, tap  # noqa: E402
from timescale import limit  # noqa: E402
from timescale import limit  # noqa: E402

PROG = os.path.join(HERE, "progs", "pcln_truth.go")
REQUIRE = bool(os.environ.get("MAPSIZE_REQUIRE_GO"))
CONFIGS = [("1.19", "amd64"), ("1.21", "amd64"), ("1.24", "amd64"), ("1.27", "amd64"),
           ("1.24", "386")]
PTR = {"amd64": 8, "386": 4}
TOPFRAME, SPWRITE, ASM = 1, 2, 4


def build(version, arch, out, stripped):
    """Build the program with -gcflags=-live; returns the compiler's liveness lines."""
    env = dict(os.environ, GOTOOLCHAIN="local", CGO_ENABLED="0", GOARCH=arch)
    env.pop("GOEXPERIMENT", None)
    cmd = [gocore.go_wrapper(version), "build", "-gcflags=-live", "-o", out]
    if stripped:
        cmd.append("-ldflags=-s -w")
    r = subprocess.run(cmd + [PROG], env=env, cwd=os.path.dirname(PROG),
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise gocore.GoCoreError(f"go{version} build failed:\n{r.stderr}")
    return r.stderr


def liveness(text):
    """{(line, "call", callee) or (line, "entry", func): number of live variables}."""
    out = {}
    for m in re.finditer(r"pcln_truth\.go:(\d+):\d+: live at (call|entry) to ([\w.]+): (.*)",
                         text):
        key = (int(m.group(1)), m.group(2), m.group(3))
        out[key] = out.get(key, []) + [len(m.group(4).split())]
    return out


def goexit_funcid(version):
    """FuncID_goexit (funcID_goexit in 1.19) by counting the iota block of the sources."""
    src = os.path.join(gocore.CACHE, "go" + version, "usr", "lib", "go-" + version, "src")
    for path in (os.path.join(src, "internal", "abi", "symtab.go"),
                 os.path.join(src, "runtime", "symtab.go")):
        if not os.path.exists(path):
            continue
        names, inside = [], False
        for line in open(path):
            word = line.split("//")[0].split()
            if re.match(r"\s*(FuncIDNormal FuncID|funcID_normal funcID) = iota", line):
                inside = True
            if inside and word and word[0] == ")":
                break
            if inside and word:
                names.append(word[0])
        for i, n in enumerate(names):
            if n in ("FuncID_goexit", "funcID_goexit"):
                return i
    return None


def dump(dump_path, pid, exe, mode, pcs):
    r = subprocess.run([dump_path, str(pid), exe, mode] + [str(p) for p in pcs],
                       capture_output=True, text=True, timeout=limit(120))
    if r.returncode != 0:
        raise gocore.GoCoreError(f"pcln_dump {mode}: exit {r.returncode}: {r.stderr.strip()}")
    rows = []
    for line in r.stdout.splitlines():
        row = dict(f.split("=", 1) for f in line.split("\t"))
        rows.append({k: (int(v) if re.fullmatch(r"-?\d+", v) else v) for k, v in row.items()})
    return rows


def check_rows(truth, rows, live, arch, version):
    """Differences between the runtime's truth and mapsize's rows; counts of what agreed."""
    bad, n = [], {"pcs": 0, "lines": 0, "maps": 0, "bits": 0}
    ptr = PTR[arch]
    calls = {t["depth"]: t for t in truth if t["kind"] == "call"}
    for t, r in zip(truth, rows):
        where = f"{t['kind']} {t['func']} pc {t['pc']:#x}"
        if r.get("ok") != 1 or "func_at" in r:
            bad.append(f"{where}: {r}")
            continue
        n["pcs"] += 1
        for k in ("entry", "file", "line"):
            if r[k] != t[k]:
                bad.append(f"{where}: {k} {r[k]!r}, the runtime says {t[k]!r}")
        if r["name"] != t["func"]:
            bad.append(f"{where}: name {r['name']!r}")
        n["lines"] += r["line"] == t["line"] and r["file"] == t["file"]
        go_code = t["func"].startswith("main.")
        if t["kind"] == "entry" and r["spdelta"] != 0:
            bad.append(f"{where}: spdelta {r['spdelta']} at the entry")
        if t["kind"] == "call" and go_code and (r["spdelta"] <= 0 or r["spdelta"] % ptr):
            bad.append(f"{where}: spdelta {r['spdelta']}")
        if go_code:
            if r["funcid"] != 0 or r["flag"] != 0:
                bad.append(f"{where}: funcid {r['funcid']} flag {r['flag']}")
            if r["locals_nbit"] < 0 or r["args_nbit"] < 0:
                bad.append(f"{where}: no stack maps (gofunc {r['locals_map']:#x})")
                continue
            if r["locals_nbit"] * ptr > max(r["spdelta"], 0) and t["kind"] == "call":
                bad.append(f"{where}: {r['locals_nbit']} local words in a frame of "
                           f"{r['spdelta']} bytes")
            if r["args_nbit"] * ptr > r["args"]:
                bad.append(f"{where}: {r['args_nbit']} argument words, args {r['args']}")
            short = t["func"].split(".", 1)[1]
            if t["kind"] == "entry":
                key, got = (t["line"], "entry", short), r["args_set"]
            else:
                callee = calls[t["depth"] - 1]["func"] if t["depth"] else "main.record"
                key = (t["line"], "call", callee.split(".", 1)[1])
                got = r["locals_set"] + r["args_set"]
            want = live.get(key, [0])
            if len(want) != 1:
                continue  # two such calls on one line: no single answer
            n["maps"] += 1
            n["bits"] += got
            if got != want[0]:
                bad.append(f"{where}: {got} live pointer bits (locals {r['locals_set']}/"
                           f"{r['locals_nbit']}, args {r['args_set']}/{r['args_nbit']}, index "
                           f"{r['stackmap_index']}), -live lists {want[0]} at {key}")
        if t["func"] == "runtime.goexit":
            want = goexit_funcid(version)
            if r["funcid"] != want or r["flag"] & (TOPFRAME | ASM) != TOPFRAME | ASM:
                bad.append(f"{where}: funcid {r['funcid']} (FuncID_goexit {want}), "
                           f"flag {r['flag']}")
    if len(rows) != len(truth):
        bad.append(f"{len(rows)} rows for {len(truth)} pcs")
    return bad, n


def run_config(dump_path, version, arch, work):
    for stripped in (False, True):
        kind = "-s -w" if stripped else "DWARF"
        name = f"go{version}/{arch} {kind}"
        exe = os.path.join(work, f"p{version}{arch}{int(stripped)}")
        live = liveness(build(version, arch, exe, stripped))
        with gocore.TruthProcess(exe, work) as p:
            truth = p.maps
            pcs = [t["pc"] for t in truth]
            modes = ["nodwarf"] if stripped else ["dwarf", "nodwarf"]
            got = {m: dump(dump_path, p.pid, exe, m, pcs) for m in modes}
        key_live = live.get((next(t["line"] for t in truth if t["func"] == "main.live"
                                  and t["kind"] == "call"), "call", "record"))
        tap(key_live == [5], f"{name}: -live lists a b p q r at main.live's call to record",
            [f"{key_live}"])
        for mode, rows in got.items():
            bad, n = check_rows(truth, rows, live, arch, version)
            tap(not bad and n["maps"] >= 6,
                f"{name} ({mode}): {n['pcs']} pcs: names, entries, files and lines as the "
                f"runtime says ({n['lines']}); {n['maps']} stack maps hold the {n['bits']} "
                f"pointers -live lists", bad[:20])
        if not stripped:
            maps = {m: [(r.get("locals_map"), r.get("args_map")) for r in rows]
                    for m, rows in got.items()}
            tap(maps["dwarf"] == maps["nodwarf"] and any(a for a, _ in maps["dwarf"]),
                f"{name}: gofunc from DWARF equals gofunc from the module data (stack map "
                f"addresses of {len(maps['dwarf'])} pcs)",
                [f"dwarf {maps['dwarf'][:3]}", f"nodwarf {maps['nodwarf'][:3]}"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--only", help="go1.24,go1.24/386")
    a = ap.parse_args()
    only = set(a.only.split(",")) if a.only else None
    with tempfile.TemporaryDirectory() as work:
        for version, arch in CONFIGS:
            label = f"go{version}" + ("" if arch == "amd64" else f"/{arch}")
            if only and label not in only:
                continue
            if not gocore.go_wrapper(version):
                skip_or_fail_missing(REQUIRE, label, version, "pcln truth")
                continue
            try:
                run_config(a.dump, version, arch, work)
            except (gocore.GoCoreError, subprocess.TimeoutExpired) as e:
                tap(False, f"{label}: builds, runs and is read", [str(e)])
    return finish()


if __name__ == "__main__":
    sys.exit(main())
