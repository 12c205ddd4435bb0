#!/usr/bin/env python3
"""Where Go's locals live: lib/binary/dwarf.c's locations of locals and parameters
against llvm-dwarfdump-14's reading of the same DWARF.

tests/go/progs/dwarf_locals.go is built with Go 1.19, 1.23, 1.24 (DWARF 4, .debug_loc),
1.25 and 1.27 (DWARF 5, .debug_loclists through .debug_addr) for amd64, and with 1.24
and 1.27 for 386. For each executable, tests/go/dwarf_locals (linked with libmapsize)
prints the ranges mapsize keeps for every local of every function, and
ms_dlocal_at() pc by pc over the functions of package main. llvm-dwarfdump-14
--debug-info prints every DW_AT_location; this script applies the same rule to it (an
entry is kept when it puts the whole variable in the frame: DW_OP_fbreg k,
DW_OP_call_frame_cfa, or pieces of those that follow each other; adjacent ranges at
the same offset merged; a single expression is [0, 2^64-1)) and the two must agree
local for local, range for range, and pc for pc. Locals of inlined calls
(DW_TAG_inlined_subroutine, named and typed by their DW_AT_abstract_origin) belong to
the function they are inlined into, with the call's pcs (low_pc/high_pc or DW_AT_ranges:
.debug_ranges, .debug_rnglists), and ms_dlocal_at() places them only at those pcs; a
function's out-of-line copy is named by its abstract origin too. Named locals of the
program must have stack ranges, so that an empty reading cannot pass.

Needs llvm-dwarfdump-14 (Debian's llvm-14) and the cached toolchains; a missing one
skips, or fails when MAPSIZE_REQUIRE_GO is set.
TAP on stdout. Usage: run_dwarf_locals.py --dump PATH [--only go1.24,go1.27/386]
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gocore  # noqa: E402
from tap import finish, skip_or_fail_missing, tap  # noqa: E402

PROG = os.path.join(HERE, "progs", "dwarf_locals.go")
REQUIRE = bool(os.environ.get("MAPSIZE_REQUIRE_GO"))
CONFIGS = [("1.19", "amd64"), ("1.23", "amd64"), ("1.24", "amd64"), ("1.24", "386"),
           ("1.25", "amd64"), ("1.27", "amd64"), ("1.27", "386")]
MAX_LOCS = 512  # MS_DWARF_MAX_LOCS
ALL = (1 << 64) - 1
# Locals of the program that live in the frame for some pcs in every configuration.
# (main.fill's buf is in the frame too, but Go 1.23-1.25 on amd64 and 1.24 on 386 give
# it an empty location list.)
NAMED = {"main.work": ["n", "s", "total"], "main.describe": ["r", "sb"]}
# Locals of a call inlined into a function of the program that live in the frame for some
# pcs of the call, in every configuration: (function, inlined function, local).
NAMED_INLINED = [("main.tally", "main.keep", "acc")]

RANGE_RE = re.compile(r"^\s+\[0x([0-9a-f]+), 0x([0-9a-f]+)\)\)?$")
DIE_RE = re.compile(r"^0x([0-9a-f]+):( +)(DW_TAG_\w+|NULL)")
ATTR_RE = re.compile(r"^\s+DW_AT_(\w+)\t\((.*)$")
ENTRY_RE = re.compile(r"^\s+\[0x([0-9a-f]+), 0x([0-9a-f]+)\): ?(.*)$")


def parse_dwarfdump(text):
    """DIEs as dicts: off, depth, tag, attrs (raw values), loc (None, 'empty',
    ('expr', ops) or ('list', [(lo, hi, ops)]))."""
    dies, die, in_list, in_ranges = [], None, False, False
    for line in text.splitlines():
        m = DIE_RE.match(line)
        if m:
            die = {"off": int(m.group(1), 16), "depth": len(m.group(2)), "tag": m.group(3),
                   "attrs": {}, "loc": None}
            dies.append(die)
            in_list = in_ranges = False
            continue
        if die is None:
            continue
        m = ATTR_RE.match(line)
        if m:
            in_list = in_ranges = False
            name, val = m.group(1), m.group(2)
            if name == "ranges":
                die["ranges"] = []
                in_ranges = True
            elif name == "location":
                if val.startswith("<empty>"):
                    die["loc"] = "empty"
                elif re.match(r"0x[0-9a-f]+: ?$", val):
                    die["loc"] = ("list", [])
                    in_list = True
                else:
                    die["loc"] = ("expr", val[:-1] if val.endswith(")") else val)
            else:
                die["attrs"][name] = val[:-1] if val.endswith(")") else val
            continue
        if in_ranges:
            m = RANGE_RE.match(line)
            if m:
                die["ranges"].append((int(m.group(1), 16), int(m.group(2), 16)))
            else:
                in_ranges = False
            continue
        if in_list:
            m = ENTRY_RE.match(line)
            if m:
                ops = m.group(3)
                if ops.endswith(")"):
                    ops = ops[:-1]
                die["loc"][1].append((int(m.group(1), 16), int(m.group(2), 16), ops))
            elif line.strip():
                in_list = False
    return dies


def cfa_off(ops, fbreg_is_cfa=True):
    """The CFA offset of an expression that puts the whole variable in the frame;
    (None, why) otherwise."""
    off, have, start, nxt, pieces = 0, False, None, None, False
    for op in [o.strip() for o in ops.split(",") if o.strip()]:
        parts = op.split()
        if parts[0] == "DW_OP_fbreg" or parts[0] == "DW_OP_call_frame_cfa":
            if have:
                return None, "two locations"
            if parts[0] == "DW_OP_fbreg" and not fbreg_is_cfa:
                return None, "frame base not the CFA"
            off = int(parts[1]) if parts[0] == "DW_OP_fbreg" else 0
            have = True
        elif parts[0] == "DW_OP_piece":
            n = int(parts[1], 0)
            if not have:
                return None, "absent or register piece"
            if pieces and off != nxt:
                return None, "pieces apart"
            if not pieces:
                start = off
            nxt, pieces, have = off + n, True, False
        else:
            return None, "register" if re.match(r"DW_OP_(reg|regx)", parts[0]) else parts[0]
    if pieces:
        return (start, "pieces") if not have else (None, "op after pieces")
    return (off, "whole") if have else (None, "empty")


def quoted(v):
    """The text between the quotes of an attribute value; llvm-dwarfdump writes the name in
    a reference (DW_AT_abstract_origin) with octal escapes for bytes past ASCII."""
    if '"' not in v:
        return v
    t = v.split('"')[1]
    if "\\" in t:
        t = t.encode("ascii").decode("unicode_escape").encode("latin-1").decode("utf-8")
    return t


def origin(dies_by_off, a, key):
    """An attribute of the DIE, or of its DW_AT_abstract_origin (an inlined or out-of-line
    copy of a function, and its locals, name and type only there)."""
    if key in a:
        return a[key]
    m = re.match(r"0x([0-9a-f]+)", a.get("abstract_origin", ""))
    o = dies_by_off.get(int(m.group(1), 16)) if m else None
    return o["attrs"].get(key) if o else None


def pc_ranges(die):
    """The pcs of a DW_TAG_inlined_subroutine: low_pc/high_pc (an address, or an offset
    from low_pc) or DW_AT_ranges."""
    a = die["attrs"]
    if "low_pc" in a and "high_pc" in a:
        lo = int(a["low_pc"], 16)
        hi = int(a["high_pc"], 16) if a["high_pc"].startswith("0x") else lo + int(a["high_pc"])
        return [(lo, hi)] if lo < hi else []
    return [(lo, hi) for lo, hi in die.get("ranges", []) if lo < hi]


def expected(dies, stats):
    """{low_pc: (name, high_pc, [(local, kind, [(lo, hi, off)], inlined)])} as dwarf.c must
    keep them; inlined: None, or (the function inlined, the call's pcs)."""
    funcs, stack = {}, []
    by_off = {d["off"]: d for d in dies}
    for die in dies:
        while stack and stack[-1]["depth"] >= die["depth"]:
            stack.pop()
        if die["tag"] == "NULL":
            continue
        parent = stack[-1] if stack else None
        stack.append(die)
        a = die["attrs"]
        if (die["tag"] == "DW_TAG_subprogram" and parent
                and parent["tag"] == "DW_TAG_compile_unit"):
            die["fbreg_is_cfa"] = a.get("frame_base") == "DW_OP_call_frame_cfa"
            if not die["fbreg_is_cfa"]:
                stats["functions whose frame base is not the CFA"] += 1
            name = origin(by_off, a, "name")
            if name and "low_pc" in a and "high_pc" in a:
                lo = int(a["low_pc"], 16)
                hi = int(a["high_pc"], 16) if a["high_pc"].startswith("0x") else None
                die["func"] = funcs[lo] = (quoted(name), hi, [], die["fbreg_is_cfa"])
                stats["functions"] += 1
                stats["functions named by their abstract origin"] += "name" not in a
            continue
        if die["tag"] == "DW_TAG_inlined_subroutine":
            stats["inlined calls"] += 1
        if die["tag"] not in ("DW_TAG_variable", "DW_TAG_formal_parameter"):
            continue
        # The function it belongs to, through lexical blocks and inlined calls; the
        # innermost inlined call.
        func, inlined = None, None
        for anc in reversed(stack[:-1]):
            if anc["tag"] == "DW_TAG_lexical_block":
                continue
            if anc["tag"] == "DW_TAG_inlined_subroutine":
                if inlined is None:
                    o = anc["attrs"].get("abstract_origin", "")
                    inlined = (quoted(o) if '"' in o else "?", pc_ranges(anc))
                continue
            func = anc.get("func") if anc["tag"] == "DW_TAG_subprogram" else None
            break
        a = dict(a)
        for key in ("name", "type"):
            if key not in a and origin(by_off, a, key):
                a[key] = origin(by_off, a, key)
        if func is None or "type" not in a:
            continue
        ranges, loc = [], die["loc"]
        entries = []
        if isinstance(loc, tuple) and loc[0] == "expr":
            entries = [(0, ALL, loc[1])]
            stats["single expressions"] += 1
        elif isinstance(loc, tuple):
            entries = loc[1]
            stats["location lists"] += 1
            stats["list entries"] += len(entries)
            srt = sorted(entries)
            if any(srt[i][1] > srt[i + 1][0] for i in range(len(srt) - 1)):
                stats["lists with overlapping entries"] += 1
        elif loc == "empty":
            stats["empty lists"] += 1
        for lo, hi, ops in entries:
            off, why = cfa_off(ops, func[3])
            if off is None:
                stats[f"entries dropped: {why}"] += 1
                continue
            stats[f"entries kept: {why}"] += 1
            if lo >= hi:
                continue
            if ranges and ranges[-1][1] == lo and ranges[-1][2] == off:
                ranges[-1] = (ranges[-1][0], hi, off)
            elif len(ranges) < MAX_LOCS:
                ranges.append((lo, hi, off))
        if ranges:
            stats["locals with stack ranges"] += 1
        stats["locals"] += 1
        stats["locals of inlined calls"] += inlined is not None
        kind = "param" if die["tag"] == "DW_TAG_formal_parameter" else "var"
        name = a["name"] if "name" in a else ""
        name = quoted(name)
        func[2].append((name, kind, ranges, inlined))
    return funcs


def parse_ranges(words):
    out = []
    for w in words.split():
        span, off = w.rsplit(":", 1)
        lo, hi = span.split("-")
        out.append((int(lo, 16), int(hi, 16), int(off)))
    return out


def parse_dump(text):
    """{low_pc: (name, high_pc, [(local, kind, ranges, runs or None, inlined)])}"""
    funcs, cur = {}, None
    for line in text.splitlines():
        w = line.split("\t")
        if w[0] == "F":
            cur = funcs[int(w[2], 16)] = (w[1], int(w[3], 16), [])
        elif w[0] == "L":
            cur[2].append([w[1], w[2], parse_ranges(w[3]), None, None])
        elif w[0] == "I":
            cur[2][-1][4] = (w[1], [tuple(int(x, 16) for x in r.split("-"))
                                    for r in w[2].split()])
        elif w[0] == "A":
            cur[2][-1][3] = parse_ranges(w[1])
    return funcs


def runs(ranges, lo, hi, inlined=None):
    """ms_dlocal_at() over [lo, hi) as the dump prints it: the first range holding pc;
    for a local of an inlined call, only at the call's pcs."""
    out, cur = [], None
    for pc in range(lo, hi + 1):
        r = None
        if pc < hi and (inlined is None or any(a <= pc < b for a, b in inlined[1])):
            r = next((off for a, b, off in ranges if a <= pc < b), None)
        if cur is not None and (r is None or r != cur[2]):
            out.append((cur[0], pc, cur[2]))
            cur = None
        if r is not None and cur is None:
            cur = (pc, None, r)
    return out


def check(version, arch, dump, work):
    label = f"go{version}/{arch}"
    exe = os.path.join(work, f"prog-{version}-{arch}")
    gocore.build(version, exe, arch=arch, prog=PROG)
    r = subprocess.run(["llvm-dwarfdump-14", "--debug-info", exe], capture_output=True,
                       text=True)
    if r.returncode != 0:
        tap(False, f"{label}: llvm-dwarfdump-14 reads the executable",
            r.stderr.splitlines()[:5])
        return
    m = re.search(r"version = 0x000(\d)", r.stdout)
    dwarf_version = m.group(1) if m else "?"
    secs = subprocess.run(["readelf", "-SW", exe], capture_output=True, text=True).stdout
    loc_sec = [s for s in (".debug_loclists", ".debug_loc", ".debug_addr")
               if re.search(r"\s" + re.escape(s) + r"\s", secs)]
    stats = collections.Counter()
    want = expected(parse_dwarfdump(r.stdout), stats)
    d = subprocess.run([dump, exe, "main."], capture_output=True, text=True)
    if d.returncode != 0:
        tap(False, f"{label}: dwarf_locals loads the executable", d.stderr.splitlines()[:5])
        return
    got = parse_dump(d.stdout)

    diffs = []
    for lo in sorted(set(want) | set(got)):
        w, g = want.get(lo), got.get(lo)
        if not w or not g:
            diffs.append(f"{hex(lo)}: function {(w or g)[0]} only in "
                         f"{'llvm-dwarfdump' if w else 'mapsize'}")
            continue
        wl = [(n, k, rs, inl) for n, k, rs, inl in w[2]]
        gl = [(n, k, rs, inl) for n, k, rs, _, inl in g[2]]
        if w[0] != g[0] or wl != gl:
            for i in range(max(len(wl), len(gl))):
                a = wl[i] if i < len(wl) else None
                b = gl[i] if i < len(gl) else None
                if a != b:
                    diffs.append(f"{g[0]} local {i}: llvm {a} mapsize {b}")
                    break
    tap(not diffs and len(want) > 1000,
        f"{label}: DWARF {dwarf_version} ({', '.join(loc_sec)}): {len(got)} functions, "
        f"{stats['locals']} locals, {stats['locals with stack ranges']} with stack ranges: "
        "the same as llvm-dwarfdump's, range for range", diffs[:20] + [
            f"{k}: {v}" for k, v in sorted(stats.items())])

    kinds = collections.Counter()
    for g in got.values():
        for _, _, rs, _, _ in g[2]:
            for a, b, o in rs:
                kinds["single expression" if (a, b) == (0, ALL) else "list range"] += 1
                kinds["below the CFA" if o < 0 else "at or above the CFA"] += 1
    tap(all(kinds[k] for k in ("single expression", "list range", "below the CFA",
                               "at or above the CFA")) and stats["entries kept: pieces"],
        f"{label}: every kind of location kept: " + ", ".join(
            f"{v} {k}" for k, v in sorted(kinds.items())) +
        f", {stats['entries kept: pieces']} from pieces")

    bad, nruns = [], 0
    for lo, g in got.items():
        if not g[0].startswith("main."):
            continue
        for name, kind, rs, at, inl in g[2]:
            want_runs = runs(rs, lo, g[1], inl)
            nruns += len(want_runs)
            if at != want_runs:
                bad.append(f"{g[0]} {name}: ms_dlocal_at {at}, ranges say {want_runs}")
    tap(not bad and nruns > 0,
        f"{label}: ms_dlocal_at() pc by pc over package main: {nruns} runs as the ranges say",
        bad[:10])

    missing = []
    for fname, names in NAMED.items():
        fn = [g for g in got.values() if g[0] == fname]
        if len(fn) != 1:
            missing.append(f"{fname}: {len(fn)} functions")
            continue
        have = {n: rs for n, _, rs, _, _ in fn[0][2]}
        for n in names:
            if not have.get(n):
                why = "absent" if n not in have else "none kept"
                missing.append(f"{fname}.{n}: no stack range ({why})")
    for fname, inl, n in NAMED_INLINED:
        fn = [g for g in got.values() if g[0] == fname]
        loc = [(rs, i) for f in fn for ln, _, rs, _, i in f[2] if ln == n and i and i[0] == inl]
        ok = loc and loc[0][1][1] and any(a < hi and lo < b for rs, (_, calls) in loc
                                          for a, b, _ in rs for lo, hi in calls)
        if not ok:
            missing.append(f"{fname}: (inlined {inl}) {n}: no stack range within the call "
                           f"({loc})")
    shown = []
    for fname in NAMED:
        for g in got.values():
            if g[0] == fname:
                shown += [f"{fname} {n} ({k}): " + " ".join(
                    f"[{a:#x},{b:#x}):{o:+d}" if b != ALL else f"always:{o:+d}" for a, b, o in rs)
                    for n, k, rs, _, _ in g[2]]
    tap(not missing, f"{label}: the named locals of dwarf_locals.go are in the frame",
        missing + shown)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    only = [x for x in args.only.split(",") if x]
    if not shutil.which("llvm-dwarfdump-14"):
        if REQUIRE:
            tap(False, "llvm-dwarfdump-14 installed (Debian's llvm-14)")
        else:
            tap(True, "locations of locals", skip="no llvm-dwarfdump-14 (Debian's llvm-14)")
        return finish()
    with tempfile.TemporaryDirectory() as work:
        for version, arch in CONFIGS:
            label = f"go{version}/{arch}"
            if only and label not in only and f"go{version}" not in only:
                continue
            if not gocore.go_wrapper(version):
                skip_or_fail_missing(REQUIRE, label, version, "locations of locals")
                continue
            check(version, arch, os.path.abspath(args.dump), work)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
