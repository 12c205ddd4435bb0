#!/usr/bin/env python3
"""Every map named by what holds it: the goroutine frames are the roots.

tests/go/progs/holders_truth.go is a small server: a *Server made in main()
with maps in its fields, shards, workers and closures running as goroutines,
a map on a goroutine's stack, and one global map of maps whose keys hold '/'
and '.'. It prints, per map, its header address, its type as DWARF spells it,
its len, its package ("main") and the regexes of the paths that name its
holders (`main.main: srv.sessions`, `goroutine 7 main.(*Server).serve:
s.shards[2].items`, `main.tenants["region-0/t0.x"]`).

For every configuration of run_inspect_truth.py (Go 1.19, 1.21-1.27, the
noswissmap and mapsplitgroup experiments, 386, -buildmode=pie) this builds the program
twice (plainly and with -ldflags=-s -w; a PIE plainly only), takes one kernel core of each
(tests/go/gocore.py; GODEBUG=asyncpreemptoff=1, so that main.spin is still
running in it), and reads the plain build's core also with a `strip`ped copy
of the executable; on amd64 it also runs the plain build once more and reads
it with `mapsize attach` (main.spin's frames from its thread's registers, not
from a signal context; main.sysspin, whose thread is nearly always in
runtime.Callers on its M's g0 stack, from g.sched), with the executable and with
a `strip`ped copy. On each of these reports, one TAP line per kind of
check, naming the maps that fail:

  found     every map, at its header address
  len       exact
  type      exact, as DWARF spells it, with or without DWARF (the runtime's
            metadata spells package paths too); without DWARF map[?]? with the
            true type among the candidates is admitted for the maps of
            STRIPPED_TYPE_GAPS (printed)
  holders   (DWARF) one of the map's paths matches one of its holder regexes
  dead      no path is rooted in a variable that is dead at the block point
            (DWARF still places it in a stack slot holding the old pointer)
  package   (DWARF) "package" is the root's package; without DWARF a package,
            when one is given, must be right
  conflicts summary.type_conflicts holds exactly the program's deliberate type
            conflicts (address, claimed and recorded type, source, the field's path):
            a *Decoy field pointing at a Ledger, from Go 1.22 (its span records
            Ledger: followed as one, `wrong.decoy.lines`), another at a Purse (its
            malloc header records Purse: `wrong.sham.coins`); a *Right field pointing
            at the Left that field a claimed first (nothing recorded: the first
            claim stays), with DWARF or from Go 1.22; and no conflict for ref.in, an
            *Inner pointing into an Outer. From Go 1.22 the map behind the
            unsafe.Pointer locker.door is typed and named (`locker.door.keys`);
            before, such maps ("recorded" in the truth) need only be found
  running   every running goroutine found on its thread (summary.goroutines:
            running_on_thread == running, no warning), on its own stack or on its
            M's system stack; at the end, that the attach reports found one there
  by_package  the summary has one row per package: no row named from key text
            (a quote, '[', ']' or a key fragment), no name twice, and (DWARF)
            the row "main" counts every map of the program

Without DWARF there are no variable names: a map must be reached from a live slot
of its holder's frame (`goroutine 7 main.(*worker).run: <fp+0x0>->+0x18`) or a
word of the data and bss segments for a global, or be a stack map found in its
holder's frame; a stack map may not be found at all (NO_DWARF_NOT_FOUND).

TAP on stdout. Usage:
  run_holders_truth.py --mapsize PATH [--only go1.23,go1.24] [--builds dwarf,sw] [--keep]
  run_holders_truth.py --selftest ...   (also: a report as the feature should give passes)
  run_holders_truth.py --live [--only go1.24]   (the compiler's liveness at the block points)
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gocore  # noqa: E402
import run_inspect_truth as rit  # noqa: E402
from tap import finish, skip_or_fail_missing, tap  # noqa: E402
from timescale import limit  # noqa: E402

REQUIRE = bool(os.environ.get("MAPSIZE_REQUIRE_GO"))
PROG = os.path.join(HERE, "progs", "holders_truth.go")
SELFTEST = False
CONFIGS = rit.CONFIGS

# Without DWARF (strip, -s -w): maps that may be reported as map[?]? (with the
# true type among type_candidates, never a wrong type): no variable has a type
# then, a small map's storage records none (no malloc header under 512 bytes,
# none at all before Go 1.22), and its layout fits several map types of the
# binary. What the memory's shape tells apart (lib/find/shapetype.c: the GC's
# pointer bits of the buckets or groups against each type's, what pointer values
# point at) is typed: tenants and its inner maps (values that are map headers),
# index (values that point at 32-byte Sessions), closure.lazy's classic buckets
# (int keys, string values) must have their exact type. Memory that several map types
# of the binary fit exactly (map[string]int64 like map[string]int and uint64;
# map[int64]int64, also on a stack: scratch.m; map[uint16]float64 like
# map[int16]complex64 or map[uint64]bool) is typed by the code that holds it
# (type_source "code", lib/binary/coderefs.c): the map type descriptors that the
# function of the frame holding it (its slot, or a one-word heap cell of a variable a
# closure captured: closure.lazy), of the frame a stack header is in, or of a closure
# object holding it, loads for the runtime's map calls; exactly one of those that fit.
# Before that (measured 2026-12-03) closure.counts, scratch.m and spin.hot stayed
# map[?]? in every configuration, blocked.held and sysspin.m except on 386, holder.m
# except in 64-bit Swiss slots, closure.lazy in Swiss slots and on 386. What stays:
STRIPPED_TYPE_GAPS = set()
# ... and in some configurations only: (Go minor, the map layout) -> allowed; the layout
# "classic", "swiss" (a group of slots, each a key and its value), "split" (1.27
# mapsplitgroup: a group's keys, then its values) or "swiss386" (slots on 386)
STRIPPED_TYPE_GAPS_IF = {
    # Before 1.22 nothing records the type of what main.main holds (Catalog, Locker,
    # Outer, Wrong, Twin and what they point at); without DWARF their maps are typed
    # by what their memory shows, or not at all (other code may have made and use what
    # such an object holds: main.main's code does not type them). Typed:
    # outer.inner.tags, ledger.lines (one map type of the binary fits each layout);
    # vault.keys (map[string]uint16 like map[string]main.Opt, a struct of a bool and an
    # int8: its value 2 would be a bool of 2);
    # cat.parts (map[uint8]string: its buckets have the pointer bits of
    # map[reflect.Type]bool's, an interface's first word being no pointer to the GC,
    # but where that type keeps its keys' itab words this one keeps its packed uint8
    # keys and its strings' lengths, no itab's address); twin.a.m (map[string]int8: a
    # value 2, which no map[string]bool holds). What stays:
    # cat.seen: map[reflect.Type]bool (kept as map[?]? in the same buckets: the check
    # of itab words keeps a real one). Read as map[uint8]string its itab words are
    # packed uint8 keys and string lengths, which any values are: only a string's length
    # against the object its pointer is in could disprove it, and a value is stored
    # after the runtime's map call returns: one being overwritten can be caught torn (a
    # new pointer, the old length) in a core; no honest disproof
    "cat.seen": lambda minor, layout: minor < 22,
    # purse.coins: map[uint16]int64, whose buckets fit map[int16]complex64's and
    # map[uint16]float64's exactly: no pointers, 2-byte keys hashed alike (memhash16:
    # the same tophash), and every bit pattern of its values is an int64, a float64
    # and a complex64; from 1.22 its Purse's malloc header records its type
    "purse.coins": lambda minor, layout: minor < 22,
}


def stripped_type_gaps(cfg_name):
    """The maps that may be map[?]? without DWARF in configuration cfg_name."""
    minor = int(re.search(r"go1\.(\d+)", cfg_name).group(1))
    layout = ("classic" if minor < 24 or "noswissmap" in cfg_name else
              "split" if "mapsplitgroup" in cfg_name else "swiss")
    layout += "386" if "/386" in cfg_name else ""
    return STRIPPED_TYPE_GAPS | {n for n, f in STRIPPED_TYPE_GAPS_IF.items() if f(minor, layout)}


# Without DWARF, maps whose holder chain starts at a typed object must be reached
# through a path that names the fields after the frame slot
# (`goroutine 7 main.(*Server).serve: <fp+0x0>.shards[2].items`), with their exact
# type: a method's pointer receiver is typed by the method's name (RECEIVERS: the
# function and its receiver's name in the holder regexes), and from Go 1.22
# (RECORDED_FROM) an object whose malloc header (main's reg, 584 bytes) or span (main's
# cat, a large object) records its type (RECORDED: the variable holding it).
RECEIVERS = {"main.(*Server).serve": "s", "main.(*worker).run": "w"}
RECORDED = {"main.main": ("reg", "cat", "locker", "outer", "ref", "wrong", "twin")}
RECORDED_FROM = 22
# Without DWARF: maps that may be missing (a header in a stack frame is typed
# only by DWARF's locals).
NO_DWARF_NOT_FOUND = {"scratch.m"}
# (report label, goroutines running on their M's system stack) of every report
ON_SYSTEM_STACK = []
# set (to what hung) when a mapsize attach ran out of its time limit
ATTACH_HUNG = None
# The environment of the program whose core is taken: its goroutine main.spin
# never blocks nor calls, and without asynchronous preemption the crash's
# freezetheworld (runtime/signal_unix.go sighandler -> startpanic_m) cannot stop
# it: it is still _Grunning in the core, its frames only in its thread's
# registers, which the kernel saved on the signal stack.
RUNNING_ENV = {"GODEBUG": "asyncpreemptoff=1"}
# Key text of the program's paths: no by_package row may contain any of it.
KEY_FRAGMENTS = ["region-", "t0.x", "t1.y", "/t0", "/t1", "GET", "POST"]
# Without DWARF a global is only an address (<global 0x5bb390>): its package
# is unknown, and its maps may be counted in a row of this name.
UNKNOWN_PACKAGE = "?"
PKG_NAME = re.compile(r"^[A-Za-z0-9_~.\-]+(/[A-Za-z0-9_~.\-]+)*$")


def describe(m):
    if m is None:
        return "not found"
    return (f"found_by {m.get('found_by')}, type {m.get('type')}, len {m.get('len')}, "
            f"paths {m.get('paths', [])[:3]}, package {m.get('package')!r}, "
            f"where {m.get('where')!r}")


def unquote(rx):
    return re.sub(r"\\(.)", r"\1", rx)


def named_without_dwarf(cfg_name, t):
    """The regexes of the paths naming fields that map t must have without DWARF
    (RECEIVERS, RECORDED); [] if its holder chain has no typed object."""
    minor = int(re.search(r"go1\.(\d+)", cfg_name).group(1))
    pats = []
    for h in t["holders"]:
        m = re.match(r"\^\(goroutine \\d\+ \)\?(.*?): (.*)\$$", h)
        if not m:
            continue
        fn, expr = unquote(m.group(1)), unquote(m.group(2))
        roots = [RECEIVERS[fn]] if fn in RECEIVERS else []
        roots += list(RECORDED.get(fn, ())) if minor >= RECORDED_FROM else []
        for r in roots:
            if expr.startswith(r + "."):
                pats.append(re.compile(r"^(goroutine \d+ )?" + re.escape(fn) +
                                       r": <fp[+-]0x[0-9a-f]+>" + re.escape(expr[len(r):]) +
                                       "$"))
    return pats


def minor_of(cfg_name):
    return int(re.search(r"go1\.(\d+)", cfg_name).group(1))


def unrecorded(cfg_name, t):
    """A map reached only through an unsafe.Pointer or a pointer whose type is not
    its target's ("recorded" in the truth) before Go 1.22, when no heap object
    records its type: found (the heap scan), but no path and maybe map[?]?."""
    return t.get("recorded") and minor_of(cfg_name) < RECORDED_FROM


def check_conflicts(label, cfg_name, dwarf, truth, doc):
    """summary.type_conflicts: exactly the program's deliberate conflicts, each
    with its address, both types, the source and the field's path: a *Decoy field
    pointing at a Ledger (from Go 1.22, against the Ledger's span type), another
    at a Purse (against its malloc header), a *Right
    field pointing at the Left another field claimed first (against that path's
    claim: with DWARF, or without from Go 1.22 when Twin's malloc header types
    it); none for the pointer into the middle of an Outer (ref.in)."""
    c = doc["summary"].get("type_conflicts") or {"count": 0, "recorded": 0, "examples": []}
    recorded = minor_of(cfg_name) >= RECORDED_FROM
    want = [t["conflict"] for t in truth if t.get("conflict") and
            (recorded if t["conflict"]["source"] != "path" else dwarf or recorded)]
    nrec = len([w for w in want if w["source"] != "path"])
    bad = []
    if c["count"] != len(want) or c["recorded"] != nrec:
        bad.append(f"count {c['count']} (recorded {c['recorded']}), the program has "
                   f"{len(want)} ({nrec})")
    for w in want:
        if not any(e["address"] == w["address"] and e["claimed"] == w["claimed"] and
                   e["recorded"] == w["recorded"] and e["source"] == w["source"] and
                   e["path"].endswith("." + w["field"]) for e in c["examples"]):
            bad.append(f"no example {w} with a path ending in .{w['field']}")
    warned = [x for x in doc.get("warnings", []) if x.startswith("type conflicts:")]
    if bool(warned) != bool(want):
        bad.append(f"warning line: {warned}")
    tap(not bad, f"{label}: type conflicts are exactly the program's ({len(want)}), "
        "each followed as the runtime recorded, or as first claimed where nothing is "
        "recorded", bad + [f"type_conflicts: {c}"])


def check_report(cfg_name, build, truth, doc):
    """The TAP lines of one report. build: "dwarf", "stripped", "-s -w" or "attach"
    (the plain build, live)."""
    dwarf = build in ("dwarf", "attach")
    label = f"{cfg_name} {build}"
    check_conflicts(label, cfg_name, dwarf, truth, doc)
    by_addr = {m["address"]: m for m in doc["maps"]}
    found = {t["name"]: by_addr.get(t["addr"]) for t in truth}

    # found
    missing = [t for t in truth if found[t["name"]] is None]
    exempt = [t["name"] for t in missing if not dwarf and t["name"] in NO_DWARF_NOT_FOUND]
    bad = [f"{t['name']}: not found (header {t['addr']}, {t['type']}, len {t['len']})"
           for t in missing if t["name"] not in exempt]
    diag = bad + [f"{len(truth)} maps in the program, {len(doc['maps'])} in the report "
                  f"({doc['summary'].get('found_by')})"]
    if exempt:
        diag.append(f"not found, an expected gap without DWARF: {', '.join(exempt)}")
    tap(not bad, f"{label}: every map is found at its header address", diag)

    present = [t for t in truth if found[t["name"]] is not None]

    # len
    bad = [f"{t['name']}: len {found[t['name']]['len']}, truth {t['len']}"
           for t in present if found[t["name"]]["len"] != t["len"]]
    tap(not bad, f"{label}: every len is exact", bad)

    # type
    bad, gaps = [], []
    allowed = stripped_type_gaps(cfg_name)
    for t in present:
        m = found[t["name"]]
        if dwarf and unrecorded(cfg_name, t) and m["type"] == "map[?]?" and \
                t["type"] in m.get("type_candidates", []):
            gaps.append(t["name"])
            continue
        if dwarf:
            if m["type"] != t["type"]:
                bad.append(f"{t['name']}: type {m['type']}, truth {t['type']} "
                           f"(candidates {m.get('type_candidates')})")
            continue
        if m["type"] == t["type"]:
            continue
        cands = m.get("type_candidates", [])
        if m["type"] == "map[?]?" and t["name"] in allowed and t["type"] in cands \
                and not named_without_dwarf(cfg_name, t):
            gaps.append(t["name"])
            continue
        bad.append(f"{t['name']}: type {m['type']}, truth {t['type']} "
                   f"(candidates {m.get('type_candidates')})")
    diag = bad + [f"allowed without DWARF: map[?]? for {', '.join(sorted(allowed))}"
                  if not dwarf and allowed else ""]
    if gaps:
        diag.append(f"map[?]? (an expected gap) for: {', '.join(gaps)}")
    tap(not bad, f"{label}: every type is the true one, spelled as DWARF spells it",
        [d for d in diag if d])

    # holders
    if dwarf:
        bad = []
        for t in present:
            m = found[t["name"]]
            if unrecorded(cfg_name, t):
                continue
            pats = [re.compile(p) for p in t["holders"]]
            if not any(p.search(path) for p in pats for path in m.get("paths") or []):
                bad.append(f"{t['name']}: {describe(m)}; wants one of {t['holders']}")
        tap(not bad, f"{label}: every map has a path naming its holder "
            f"({len(present) - len(bad)} of {len(present)})", bad)
    else:
        # no variable names: a frame holder's map must be reached from a live slot of
        # that function's frame (<fp-0x28>, steps by offset), a global's from a word of
        # the data or bss segments, a stack map found in that function's frame; a
        # finalizer's object is typed by the finalizer's own *ptrtype, fields named, a
        # cleanup's words are followed as they are with DWARF
        bad = []
        for t in present:
            m = found[t["name"]]
            pats = []
            for h in t["holders"]:
                if h.startswith(("^finalizer of ", "^cleanup of ")):  # no variable
                    pats.append(re.compile(h))
                    continue
                fn = re.match(r"(\^\(goroutine \\d\+ \)\?.*?): ", h)
                pats.append(re.compile(fn.group(1) + r": <fp[+-]0x[0-9a-f]+>") if fn else
                            re.compile(r"^<global 0x[0-9a-f]+>"))
            ok = any(p.search(path) for p in pats for path in m.get("paths") or [])
            if not ok and m["found_by"] == "stack":
                ok = any(re.search(h.split(": ")[0].split(")?")[-1], m.get("where") or "")
                         for h in t["holders"])
            if not ok:
                bad.append(f"{t['name']}: {describe(m)}; wants a path from the frame or "
                           f"global of one of {t['holders']}")
        tap(not bad, f"{label}: every map is reached from its holder's frame or global "
            f"({len(present) - len(bad)} of {len(present)}; no variable names without DWARF)",
            bad)
        # a typed object on the way: the fields are named, the type exact
        bad, named = [], 0
        for t in present:
            m = found[t["name"]]
            pats = named_without_dwarf(cfg_name, t)
            if not pats:
                continue
            named += 1
            if not any(p.search(path) for p in pats for path in m.get("paths") or []):
                bad.append(f"{t['name']}: {describe(m)}; wants one of "
                           f"{[p.pattern for p in pats]}")
            elif m["type"] != t["type"] or m.get("type_source") != "runtime-type":
                bad.append(f"{t['name']}: type {m['type']} ({m.get('type_source')}), "
                           f"truth {t['type']} from the runtime's type descriptors")
        tap(not bad, f"{label}: every map held through a typed object (a method's receiver, "
            f"a recorded heap type) has a path naming its fields and its exact type "
            f"({named - len(bad)} of {named})", bad)

    # dead roots
    bad = []
    for t in present:
        m = found[t["name"]]
        for p in t.get("dead", []):
            bad += [f"{t['name']}: path {path!r} is rooted in a dead variable ({p})"
                    for path in m.get("paths") or [] if re.search(p, path)]
    tap(not bad, f"{label}: no path is rooted in a variable the stack maps say is dead", bad)

    # package
    bad, given = [], 0
    for t in present:
        m = found[t["name"]]
        pkg = m.get("package")
        given += pkg is not None
        if pkg != t["package"] and (dwarf or pkg is not None) and \
                not (pkg is None and unrecorded(cfg_name, t)):
            bad.append(f"{t['name']}: package {pkg!r}" +
                       ("" if "package" in m else " (no \"package\" field)") +
                       f", truth {t['package']!r}; {describe(m)}")
    tap(not bad, f"{label}: " + ("every map's package is its root's package "
                                 f"({len(present) - len(bad)} of {len(present)})" if dwarf else
                                 f"a package, when given, is the root's ({given} given)"), bad)

    # by_package
    rows = doc["summary"].get("by_package", [])
    names = [r["name"] for r in rows]
    bad = [f"row {n!r}: named from key text" for n in names
           if any(c in n for c in "\"[]") or any(f in n for f in KEY_FRAGMENTS)]
    allowed = ["(unreached)"] + ([] if dwarf else [UNKNOWN_PACKAGE])
    bad += [f"row {n!r}: not a package path" for n in names
            if n not in allowed and not PKG_NAME.match(n) and
            f"row {n!r}: named from key text" not in bad]
    bad += [f"row {n!r} appears {names.count(n)} times" for n in sorted(set(names))
            if names.count(n) > 1]
    main_rows = [r for r in rows if r["name"] == "main"]
    if dwarf:
        got = main_rows[0]["maps"] if main_rows else 0
        want = len([t for t in truth if not unrecorded(cfg_name, t)])
        if got < want:
            bad.append(f"row 'main' counts {got} maps, the program has {want} reached "
                       "from its roots")
    tap(not bad, f"{label}: by_package has one row per package, none made of key text",
        bad + [f"rows: {[(r['name'], r['maps']) for r in rows]}"] +
        ([] if dwarf else [f"allowed without DWARF: a row {UNKNOWN_PACKAGE!r} "
                           "(roots whose package is unknown)"]))


def check_running(label, doc):
    """Every running goroutine found on its thread: on its own stack (main.spin) or,
    its thread in runtime code on its M's system stack (main.sysspin, nearly
    always), unwound from where it left its own stack; no warning about one left out."""
    g = doc["summary"].get("goroutines")
    warns = [w for w in doc.get("warnings", []) + doc["summary"].get("warnings", [])
             if "running goroutines" in w]
    bad = ["no summary.goroutines"] if not g else []
    if g and g["running_on_thread"] != g["running"]:
        bad.append(f"{g['running'] - g['running_on_thread']} of {g['running']} running "
                   "goroutines not found on a thread")
    tap(not bad and not warns, f"{label}: every running goroutine is found on its thread, "
        "on its stack or its M's system stack", bad + warns + [f"goroutines: {g}"])
    ON_SYSTEM_STACK.append((label, g.get("running_on_system_stack", 0) if g else 0))


def inspect(mapsize, core, exe, retained=False):
    doc, err = rit.inspect(mapsize, core, exe, *(["--retained"] if retained else []))
    return doc, err


def example_path(pattern):
    """A path a holder regex accepts: goroutine 7, closure func1."""
    p = pattern.strip("^$").replace(r"(goroutine \d+ )?", "goroutine 7 ").replace(r"\d+", "1")
    return re.sub(r"\\(.)", r"\1", p)


def selftest(truth, doc):
    """The checks against the report the feature should give: this report with every
    program map typed, named by its first holder, attributed to "main", and by_package
    recounted; then the same with a dead root added, which must fail. Returns problems."""
    import copy
    global tap
    ideal = copy.deepcopy(doc)
    by_addr = {m["address"]: m for m in ideal["maps"]}
    for t in truth:
        m = by_addr[t["addr"]]
        m.update(type=t["type"], paths=[example_path(p) for p in t["holders"]][:8],
                 package=t["package"])
    rows = {}
    for m in ideal["maps"]:
        r = rows.setdefault(m.get("package") or "(unreached)",
                            {"name": m.get("package") or "(unreached)", "maps": 0, "len": 0,
                             "held_bytes": 0, "reclaimable_bytes": 0})
        r["maps"] += 1
    ideal["summary"]["by_package"] = list(rows.values())
    dead = copy.deepcopy(ideal)
    for t in truth:
        if t.get("dead"):
            m = {x["address"]: x for x in dead["maps"]}[t["addr"]]
            m["paths"].append("main.main: counts")
    problems, results = [], []
    real_tap = tap
    tap = lambda ok, msg, diag=(), skip=None: results.append((ok or bool(skip), msg, diag))
    try:
        check_report("selftest", "dwarf", truth, ideal)
        problems += [f"the ideal report fails: {msg}: {list(diag)[:3]}"
                     for ok, msg, diag in results if not ok]
        results.clear()
        check_report("selftest", "dwarf", truth, dead)
        if all(ok for ok, msg, _ in results if "dead" in msg):
            problems.append("a path rooted in main's dead counts slot passes")
    finally:
        tap = real_tap
    return problems


def prog_files(version):
    """holders_truth.go and, from Go 1.24, holders_cleanup.go (runtime.AddCleanup)."""
    extra = "holders_cleanup.go" if int(version.split(".")[1]) >= 24 else "holders_nocleanup.go"
    return [PROG, os.path.join(HERE, "progs", extra)]


def run_build(mapsize, cfg, workdir, keep, sw):
    name, version, arch, experiment = cfg
    binary = os.path.join(workdir, "holders-" + name.replace("/", "-").replace("+", "-") +
                          ("-sw" if sw else ""))
    what = "holders_truth.go builds" + (" with -s -w" if sw else "")
    try:
        rit.build(cfg, binary, ldflags="-s -w" if sw else None, prog=prog_files(version))
    except gocore.GoCoreError as e:
        tap(False, f"{name}: {what}", str(e).splitlines()[-10:])
        return
    try:
        # main.spin must still run when the core is written: no asynchronous
        # preemption, or the crash's freezetheworld would stop it
        truth, core = gocore.kernel_core(binary, workdir, env=RUNNING_ENV)
        if keep:
            kept = binary + ".core"
            os.rename(core, kept)
            core = kept
    except Exception as e:
        tap(False, f"{name}: a kernel core of holders_truth{' -s -w' if sw else ''}", [str(e)])
        return
    try:
        reports = [("-s -w", binary)] if sw else [("dwarf", binary), ("stripped", None)]
        for build, exe in reports:
            if exe is None:
                exe = binary + ".stripped"
                subprocess.run(["strip", "-o", exe, binary], check=True)
            doc, err = inspect(mapsize, core, exe, retained=build == "dwarf")
            if err:
                tap(False, f"{name} {build}: mapsize inspect reads the core", [err])
                continue
            if build != "dwarf" and doc.get("layout_source") != "runtime metadata":
                tap(False, f"{name} {build}: layout from the runtime's metadata",
                    [f"layout_source {doc.get('layout_source')}"])
            check_report(name, build, truth, doc)
            check_running(f"{name} {build}", doc)
            if build == "dwarf":
                check_shared(f"{name} {build}", truth, doc)
            if build == "dwarf" and SELFTEST:
                p = selftest(truth, doc)
                tap(not p, f"{name}: selftest: the report the feature should give passes "
                    "every check, a dead root fails", p)
    finally:
        if not keep:
            os.unlink(core)
    if not sw and arch == "amd64":
        attach_build(mapsize, name, binary, workdir)


def attach_build(mapsize, name, binary, workdir):
    """The same checks on `mapsize attach` of the running program: every thread stopped
    where it was, main.spin's frames read from its registers (PTRACE_GETREGS),
    main.sysspin's from g.sched (its thread on its M's g0 stack); once with the
    executable, once more with a `strip`ped copy (the runtime's metadata and the
    layout table give the g, m and stack offsets then)."""
    global ATTACH_HUNG
    label = f"{name} attach"
    if ATTACH_HUNG:
        # a hang is a failure already reported: not once more per configuration
        tap(False, f"{label}: not run, an earlier attach hung", [ATTACH_HUNG])
        return
    stripped = binary + ".stripped"
    runs = []
    try:
        if not os.path.exists(stripped):
            subprocess.run(["strip", "-o", stripped, binary], check=True)
        with gocore.TruthProcess(binary, workdir) as p:
            for build, exe in (("attach", binary), ("stripped attach", stripped)):
                # a few seconds on a quiet machine; the limit only stops a hang;
                # with DWARF also the heap graph (--retained)
                runs.append((build, subprocess.run(
                    [mapsize, "attach", str(p.pid), "--exe", exe, "--format", "json"] +
                    (["--retained"] if build == "attach" else []),
                    capture_output=True, text=True, timeout=limit(120))))
            truth = p.maps
    except subprocess.TimeoutExpired as e:
        ATTACH_HUNG = f"{label}: {e}"
        tap(False, f"{label}: mapsize attach ends", [str(e)])
        return
    except Exception as e:
        tap(False, f"{label}: the program runs and mapsize attaches", [str(e)])
        return
    for build, r in runs:
        if r.returncode != 0:
            tap(False, f"{name} {build}: mapsize attach reads the process",
                [f"exit {r.returncode}: {r.stderr.strip()}"])
            continue
        doc = json.loads(r.stdout)
        check_report(name, build, truth, doc)
        check_running(f"{name} {build}", doc)
        if build == "attach":
            check_retained(f"{name} {build}", doc)
            check_shared(f"{name} {build}", truth, doc)


def check_shared(label, truth, doc):
    """--retained of the maps whose truth says what of their payload is shared: a map held
    only by an object with a finalizer (conn.cache) is alive (the finalizer's object is
    scanned as a root, not marked), and retains its storage and its payload but the value
    that the object also points to (runtime/mgcmark.go markrootSpans)."""
    by_addr = {m["address"]: m for m in doc["maps"]}
    bad, n = [], 0
    for t in truth:
        m = by_addr.get(t["addr"])
        if "shared" not in t:
            continue
        n += 1
        want = m and m["held_bytes"] + m["payload_bytes"] - t["shared"]
        if not m or m.get("retained_bytes") != want:
            bad.append(f"{t['name']}: " + (f"held {m['held_bytes']}, payload {m['payload_bytes']}, "
                       f"retained {m.get('retained_bytes')}, wants {want}" if m else "not found"))
    tap(not bad and n > 0, f"{label}: --retained: a map held by a finalizer's object retains "
        "what only it keeps", bad)


def check_retained(label, doc):
    """--retained of the live process: every map whose header is on the heap retains
    at least its own storage and at most that plus its payload. main.spin runs (its
    thread's sp is in burn); the iterator sumHot left below it still points into
    spin.hot's storage: a running goroutine's stack is scanned from its thread's sp,
    not from its bottom (hot's retained fell below its held bytes)."""
    bad = [f"{m['address']} {m['type']} {m['paths'][:1]}: held {m['held_bytes']}, payload "
           f"{m['payload_bytes']}, retained {m['retained_bytes']}"
           for m in doc["maps"] if m["stack_bytes"] == 0 and m["type"] != "sync.Map" and
           not m["held_bytes"] <= m["retained_bytes"] <= m["held_bytes"] + m["payload_bytes"]]
    g = doc["summary"].get("goroutines", {})
    tap(not bad, f"{label}: --retained: every heap map retains its storage and no more than "
        f"its payload besides", bad[:10] + [f"goroutines {g}"])


BLOCKS = [("main.main", "func main()", "<-quit"),
          ("main.(*Server).serve", "func (s *Server) serve", "range ch"),
          ("main.(*worker).run", "func (w *worker) run", "range w.inbox"),
          ("main.scratch", "func scratch(", "<-forever")]


def dwarf_at_blocks(go, binary):
    """The DWARF location of each variable of the goroutine functions at their
    block point (the return address of the blocking chanrecv, minus one):
    lines for --live; needs llvm-dwarfdump."""
    with open(PROG) as f:
        src = f.read().split("\n")
    lines = {}
    for fn, start, op in BLOCKS:
        s0 = next(i for i, l in enumerate(src) if start in l)
        lines[fn] = next(i for i in range(s0, len(src)) if op in src[i]) + 1
    events = {i + 1 for i, l in enumerate(src) if "for k := range events" in l}
    od = subprocess.run([go, "tool", "objdump", "-s", r"^main\.", binary],
                        capture_output=True, text=True).stdout.split("\n")
    want, fn = {}, None
    for i, l in enumerate(od):
        if l.startswith("TEXT "):
            fn = l.split()[1].removesuffix("(SB)")
            continue
        m = re.match(r"\s+holders_truth\.go:(\d+)\s+(0x[0-9a-f]+)\s+\S+\s+"
                     r"CALL runtime\.chanrecv[12]\(SB\)", l)
        if m and (lines.get(fn) == int(m.group(1)) or int(m.group(1)) in events):
            want[fn] = int(re.match(r"\s+\S+:\d+\s+(0x[0-9a-f]+)", od[i + 1]).group(1), 16)
    dd = subprocess.run(["llvm-dwarfdump", "--debug-info", binary], capture_output=True,
                        text=True).stdout
    out = []
    for chunk in re.split(r"\n(?=0x[0-9a-f]+:\s+DW_TAG_subprogram)", dd):
        m = re.search(r'DW_AT_name\t\("([^"]+)"\)', chunk)
        if not m or m.group(1) not in want:
            continue
        fn, pc = m.group(1), want[m.group(1)] - 1
        chunk = chunk.split("DW_TAG_inlined_subroutine")[0]
        vars_ = []
        for v in re.split(r"\n(?=0x[0-9a-f]+:\s+DW_TAG_(?:variable|formal_parameter))",
                          chunk)[1:]:
            name = re.search(r'DW_AT_name\t\("([^"]+)"\)', v).group(1)
            loc = re.search(r"DW_AT_location\t\((.*?)\)\n\n", v + "\n\n", re.S)
            where = "-"
            if loc and "[" not in loc.group(1):
                where = loc.group(1).strip()
            elif loc:
                for a, b, e in re.findall(r"\[(0x[0-9a-f]+), (0x[0-9a-f]+)\): (.*)",
                                          loc.group(1)):
                    if int(a, 16) <= pc < int(b, 16):
                        where = e.strip().replace("DW_OP_", "")
            if where not in ("-", "<empty>") and not name.startswith("~"):
                vars_.append(f"{name} {where}")
        out.append(f"{fn} at {pc + 1:#x}: " + ", ".join(vars_))
    return sorted(out)


def show_live(cfg, workdir):
    """Print the compiler's liveness at the program's channel operations, and
    where DWARF places each variable at the block points."""
    name, version, arch, experiment = cfg
    env = dict(os.environ, GOTOOLCHAIN="local", CGO_ENABLED="0", GOARCH=arch)
    env.pop("GOEXPERIMENT", None)
    if experiment:
        env["GOEXPERIMENT"] = experiment
    r = subprocess.run([gocore.go_wrapper(version), "build", "-gcflags=-live", "-o",
                        os.path.join(workdir, "live"), *prog_files(version)], env=env,
                       capture_output=True,
                       text=True, cwd=os.path.dirname(PROG))
    lines = sorted(set(l for l in r.stderr.splitlines() if "live at call to chanrecv" in l),
                   key=lambda l: int(l.split(":")[1]))
    print(f"# {name}: " + ("" if r.returncode == 0 else f"build failed: {r.stderr[-500:]}"))
    for l in lines:
        print(f"#   {l}")
    if r.returncode == 0 and shutil.which("llvm-dwarfdump"):
        print(f"# {name}: DWARF locations at the block points (a slot is no root unless "
              "the liveness above lists its variable)")
        for l in dwarf_at_blocks(gocore.go_wrapper(version), os.path.join(workdir, "live")):
            print(f"#   {l}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize")
    ap.add_argument("--only", default="", help="configurations, e.g. go1.23,go1.24+noswissmap")
    ap.add_argument("--builds", default="dwarf,sw",
                    help="dwarf (plain build, its core read with and without DWARF), "
                    "sw (-ldflags=-s -w)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory and cores")
    ap.add_argument("--selftest", action="store_true",
                    help="also check the checks: this report with every map named as the "
                    "feature should name it must pass them")
    ap.add_argument("--live", action="store_true",
                    help="print the compiler's liveness at the block points and exit")
    args = ap.parse_args()
    configs = [c for c in CONFIGS if not args.only or c[0] in args.only.split(",")]
    configs += [c for c in rit.EXTRA_CONFIGS if c[0] in args.only.split(",")]
    if args.only and len(configs) != len(args.only.split(",")):
        ap.error("--only: known configurations are "
                 f"{', '.join(c[0] for c in CONFIGS + rit.EXTRA_CONFIGS)}")
    builds = args.builds.split(",")
    global SELFTEST
    SELFTEST = args.selftest
    workdir = tempfile.mkdtemp(prefix="mapsize-holders-")
    try:
        if args.live:
            for cfg in configs:
                if gocore.go_wrapper(cfg[1]):
                    show_live(cfg, workdir)
            return 0
        if not args.mapsize:
            ap.error("--mapsize is required")
        rit.VALIDATOR = rit.validator()
        if rit.VALIDATOR is None:
            tap(not REQUIRE, "python3-jsonschema is installed", ["JSON is not validated"])
        for cfg in configs:
            if not gocore.go_wrapper(cfg[1]):
                skip_or_fail_missing(REQUIRE, cfg[0], cfg[1], "maps named by their holders")
                continue
            if "dwarf" in builds:
                run_build(args.mapsize, cfg, workdir, args.keep, sw=False)
            # a PIE's -s -w build: judged by run_inspect_truth.py; its `strip`ped copy
            # here (no symbols either) already types by code (test time)
            if "sw" in builds and "+pie" not in cfg[0]:
                run_build(args.mapsize, cfg, workdir, args.keep, sw=True)
        # main.sysspin's thread is on its M's g0 stack nearly all the time, so an attach
        # (every thread stopped where it was) finds it there; a kernel core's crash
        # first asks every goroutine to stop (freezetheworld), which parks it between
        # two stack walks unless one outlasts the crash (then it is on g0 there too)
        attach_reports = [(lbl, n) for lbl, n in ON_SYSTEM_STACK if lbl.endswith(" attach")]
        if attach_reports:
            hits = [lbl for lbl, n in ON_SYSTEM_STACK if n]
            tap(any(n for _, n in attach_reports),
                "a running goroutine on its M's system stack was unwound from where it left "
                f"its own stack (g.sched) in {len(hits)} of {len(ON_SYSTEM_STACK)} reports",
                [f"on the system stack in: {', '.join(hits) or 'none'}"])
    finally:
        if args.keep:
            print(f"# kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
