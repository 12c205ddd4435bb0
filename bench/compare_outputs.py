#!/usr/bin/env python3
"""Every output of two mapsize binaries on the same core, compared byte for byte.

For a change that must not change what mapsize prints (issue 16: memory and speed
work): inspect in every format (text, text --all, json, ndjson, prometheus, html,
pprof, folded), --retained, --no-dwarf, --sort/--filter, record (the layout file)
and replay of that file in every format, diffed between OLD and NEW. Only the
figures that measure the run itself may differ: elapsed_seconds, bytes_read, the
heap graph's "seconds", mapsize_inspect_duration_seconds and a layout file's
recorded_at are blanked before
comparing. Outputs go to files and are compared line by line (a 300,000-map report
is 350 MB). Prints a line per run; exit 1 when any differ.

Usage: bench/compare_outputs.py OLD NEW CORE EXE [--quick]
"""
import argparse, hashlib, os, re, shutil, subprocess, sys, tempfile

VOLATILE = [
    re.compile(rb'("(?:elapsed_seconds|bytes_read|seconds)":\s*)[-+0-9.eE]+'),
    re.compile(rb'^(mapsize_inspect_duration_seconds\S* )\S+'),
    re.compile(rb'("recorded_at":\s*)"[^"]*"'),
]
FORMATS = ("text", "json", "ndjson", "prometheus", "html", "pprof", "folded")


def digest(path, replace=None):
    """Hash of the file with the volatile figures blanked (and REPLACE's bytes renamed)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for line in f:
            if replace:
                line = line.replace(replace, b"FILE")
            for pat in VOLATILE:
                line = pat.sub(rb"\1X", line)
            h.update(line)
    return h.hexdigest()


def run(binary, args, out):
    with open(out, "wb") as f:
        p = subprocess.run([binary, *args], stdout=f, stderr=subprocess.PIPE)
    return p.returncode, p.stderr


def compare(name, old, new, args, work, replace=(None, None)):
    outs = [os.path.join(work, f"{i}.out") for i in range(2)]
    res = [run(b, a, o) for b, a, o in zip((old, new), args, outs)]
    same = res[0][0] == res[1][0] and res[0][1] == res[1][1] and \
        digest(outs[0], replace[0]) == digest(outs[1], replace[1])
    sizes = [os.path.getsize(o) for o in outs]
    print(f"{'same' if same else 'DIFFERENT'}: {name} (exit {res[0][0]}/{res[1][0]}, "
          f"{sizes[0]}/{sizes[1]} bytes)", flush=True)
    if not same:
        for i, o in enumerate(outs):
            shutil.copy(o, os.path.join(work, "..", f"compare-{i}.out"))
    return same


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("core")
    ap.add_argument("exe")
    ap.add_argument("--quick", action="store_true", help="json, ndjson and text --all only")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="mapsize-compare-")
    base = ["inspect", a.core, "--exe", a.exe]
    fmts = ("json", "ndjson") if a.quick else FORMATS
    runs = [(f, base + ["--format", f]) for f in fmts]
    runs.append(("text --all --bytes", base + ["--format", "text", "--all", "--bytes"]))
    if not a.quick:
        runs += [
            ("json --retained", base + ["--format", "json", "--retained"]),
            ("text --all --retained", base + ["--format", "text", "--all", "--retained"]),
            ("prometheus --retained", base + ["--format", "prometheus", "--retained"]),
            ("json --no-dwarf", base + ["--format", "json", "--no-dwarf"]),
            ("text --all --no-dwarf", base + ["--format", "text", "--all", "--no-dwarf"]),
            ("text --sort len --top 30", base + ["--sort", "len", "--top", "30"]),
            ("text --sort reclaimable", base + ["--sort", "reclaimable"]),
            ("json --filter *string*", base + ["--format", "json", "--filter", "*string*"]),
            ("ndjson --filter *int*", base + ["--format", "ndjson", "--filter", "*int*"]),
        ]
    bad = 0
    try:
        for name, args in runs:
            bad += not compare(name, a.old, a.new, (args, args), work)
        # record with each binary, then replay each layout file with the binary that wrote it
        recs = [os.path.join(work, f"rec{i}.json") for i in range(2)]
        bad += not compare("record (layout file)", a.old, a.new,
                           [["record", a.core, "--exe", a.exe, "-o", r] for r in recs], work)
        for i, r in enumerate(recs):
            os.replace(os.path.join(work, f"{i}.out"), r + ".stdout")
        ok = digest(recs[0]) == digest(recs[1])
        bad += not ok
        print(f"{'same' if ok else 'DIFFERENT'}: the layout files", flush=True)
        for fmt in fmts + ("text --all",):
            extra = ["--format", "text", "--all"] if fmt == "text --all" else ["--format", fmt]
            bad += not compare(f"replay --format {fmt}", a.old, a.new,
                               [["replay", r, *extra] for r in recs], work,
                               replace=[r.encode() for r in recs])
        bad += not compare("diff (a layout file with itself)", a.old, a.new,
                           [["diff", r, r, "--format", "json"] for r in recs], work,
                           replace=[r.encode() for r in recs])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
