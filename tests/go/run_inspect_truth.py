#!/usr/bin/env python3
"""The Go runtime judges `mapsize inspect`.

For every toolchain configuration (Go 1.19, 1.21-1.27 on amd64, 1.24/1.25 with
noswissmap, 1.27 with mapsplitgroup, and 386 for some) this builds
tests/go/progs/inspect_truth.go, runs it, and takes a core dump of it as a kernel
core (GOTRACEBACK=crash), and on go1.19, go1.25, go1.27+mapsplitgroup and go1.22/386
also with gdb's gcore (GCORE_CONFIGS). The program prints
the truth about each of its maps, read from the inside (unsafe, MemStats);
`mapsize inspect --format json` on the core must agree map for map:

- every map is found, at its header address, by the same method (or by a
  typed path where the program only hid it behind an untyped pointer);
- its type (or, for a map found only by the heap scan whose storage records
  no type, "map[?]?" with the true type among the candidates), its shortest
  path, len, and the structure: B, noverflow, overflow buckets, chain
  histogram, buckets allocated, growth state (classic); small form, directory,
  tables and their capacities, tombstones, growth left (Swiss);
- held_bytes equal to the bytes the runtime allocated for it, exactly; an
  unrelated runtime allocation can land in the program's measuring window
  (always an excess), so a configuration whose held bytes miss is run again,
  at most three times, and says so;
- the held breakdown adds up to held_bytes for every map of the report;
- on the kernel core of go1.19, go1.25 and go1.27+mapsplitgroup, --format pprof
  read by that toolchain's `go tool pprof -raw` has one sample per map and the
  report's held, reclaimable and len totals; --format folded one line per map;
- every map the program built by inserts alone (no hint, no deletes: "fresh")
  has reclaimable_bytes 0: a rebuild gives nothing back, and hash-seed noise
  (its held bytes within a fresh map's spread) is not reclaimable (issue 18);
  the high end of that spread is statistical (the largest of up to 256
  simulated seeds plus two standard deviations), so a miss is run again like a
  held-bytes miss: the new process draws new seeds, a real bias fails every
  attempt;
- on the kernel core, `inspect --retained`: the payload and retained bytes of the
  maps of sessions (map[string]*Session; one whose every second session another
  holder shares) equal the program's HeapAlloc truth exactly (the program checks
  that dropping each map gives back held + its unshared payload); every map's
  retained lies within [held, held + payload] and the summary's totals add up;
- sync.Maps (gSync, gSyncSmall, gSyncBig with 20,000 entries, gSyncDel after
  deletes): one entry each, type "sync.Map", impl classic (1.19-1.23) or
  hashtriemap (1.24+), len from Range, held bytes exactly the HeapAlloc the
  program charged to it; a classic one's read and dirty maps are not reported
  apart; without DWARF they are found by their shape (SYNC_STRIPPED);
- -buildmode=pie (CONFIGS named +pie: linked by Go; +pie-ext: by the system linker,
  with cgo): every check, and on the kernel core the same report without --exe and
  from a copy of the core without its NT_AUXV note (compare_pie);
- on the kernel core, a stripped copy of the executable (no DWARF: types and
  layouts from the runtime's metadata) finds every map with storage that
  DWARF finds off the stacks, with identical len and structure, and nothing
  else, its type spelled exactly as DWARF spells it (package paths), or
  map[?]? with DWARF's type among the candidates;
- tests/go/progs/typenames (a module: a package path with a '.' to escape,
  generics, every kind of type as key or value), a kernel core read with the
  DWARF executable and a stripped copy: every map found by both, the stripped
  type spelled exactly as DWARF's (descriptor_spelling: only the "·N" of a type
  declared in a function excepted, printed), or map[?]? with DWARF's type among
  the candidates (Go 1.19 and 1.21: no malloc header types the storage);
- tests/go/progs/deep_types.go, built with -ldflags=-s -w, whose map types
  reach each other only through long chains of types (nats-server's
  map[string]*server.SublistResult): inspect exits 0, no map is damaged, each
  has its len, and once the root map's type is known (its storage records it)
  every map of the ring has its exact type, through the typed path.

TAP on stdout. Usage: run_inspect_truth.py --mapsize PATH [--only CONFIGS] [--keep]
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gocore  # noqa: E402
from tap import finish, skip_or_fail_missing, tap  # noqa: E402
from timescale import limit  # noqa: E402

REQUIRE = bool(os.environ.get("MAPSIZE_REQUIRE_GO"))
PROG = os.path.join(HERE, "progs", "inspect_truth.go")
DEEP_PROG = os.path.join(HERE, "progs", "deep_types.go")
NAMES_PROG = os.path.join(HERE, "progs", "typenames")
SCHEMA = os.path.join(HERE, "..", "..", "doc", "schema", "inspect.schema.json")
ATTEMPTS = 3

# (name, go version, GOARCH, GOEXPERIMENT)
CONFIGS = [(f"go1.{v}", f"1.{v}", "amd64", "") for v in (19, 21, 22, 23, 24, 25, 26, 27)]
CONFIGS += [("go1.24+noswissmap", "1.24", "amd64", "noswissmap"),
            # both experiments of 1.24/1.25 in one build: classic maps and classic sync.Map
            ("go1.25+noswissmap+nosynchashtriemap", "1.25", "amd64", "noswissmap,nosynchashtriemap"),
            ("go1.27+mapsplitgroup", "1.27", "amd64", "mapsplitgroup"),
            ("go1.22/386", "1.22", "386", ""),
            ("go1.26/386", "1.26", "386", ""),
            # -buildmode=pie (ET_DYN, loaded at a random bias): every check of the
            # configuration, the holders' and an attach's too (run_holders_truth.py);
            # "+pie-ext": with cgo, linked by the system linker (which merges Go's
            # .data.rel.ro.gopclntab into .data.rel.ro), as distributions build servers
            ("go1.24+pie", "1.24", "amd64", ""),
            ("go1.19+pie-ext", "1.19", "amd64", "")]
# not run by default (test time), only when --only names them (both runners): PIE
# builds of the other versions
EXTRA_CONFIGS = [(f"go1.{v}+pie{x}", f"1.{v}", "amd64", "")
                 for v in (19, 21, 22, 23, 24, 25, 26, 27) for x in ("", "-ext")
                 if (f"go1.{v}+pie{x}") not in ("go1.24+pie", "go1.19+pie-ext")]
EXTRA_CONFIGS += [("go1.27+mapsplitgroup+pie", "1.27", "amd64", "mapsplitgroup"),
                  ("go1.27+ext", "1.27", "amd64", "")]  # not PIE, the system linker
FLAVOURS = {"+pie": {"buildmode": "pie"},
            "+pie-ext": {"buildmode": "pie", "cgo": True, "linkmode": "external"},
            "+ext": {"cgo": True, "linkmode": "external"}}


def build(cfg, out, **kw):
    """Build the configuration's program (gocore.build's keywords) into out: its GOARCH,
    GOEXPERIMENT and, for a name ending in one of FLAVOURS, its flags."""
    _, version, arch, experiment = cfg
    flavour = next((f for k, f in FLAVOURS.items() if cfg[0].endswith(k)), {})
    return gocore.build(version, out, arch=arch, experiment=experiment, **flavour, **kw)

def validator():
    try:
        import jsonschema
    except ImportError:
        return None
    with open(SCHEMA) as f:
        schema = json.load(f)
    return jsonschema.Draft202012Validator(schema)


VALIDATOR = None


def inspect(mapsize, core, exe, *extra):
    """The JSON report; exe None: without --exe (the executable the core names)."""
    r = subprocess.run([mapsize, "inspect", core, *(["--exe", exe] if exe else []),
                        "--format", "json", *extra],
                       capture_output=True, text=True, timeout=limit(600))
    if r.returncode != 0:
        return None, f"exit {r.returncode}: {r.stderr.strip()}"
    doc = json.loads(r.stdout)
    if VALIDATOR:
        errs = sorted(VALIDATOR.iter_errors(doc), key=lambda e: list(e.path))
        if errs:
            return None, f"schema: {errs[0].message} at {list(errs[0].path)}"
    return doc, None


CLASSIC = [("B", "B"), ("noverflow", "noverflow"), ("overflow_buckets", "overflow_buckets"),
           ("chain_histogram", "chain_histogram"), ("nbuckets_alloc", "buckets_allocated"),
           ("growing", "growing"), ("same_size_grow", "same_size_grow"),
           ("nevacuate", "nevacuate"), ("old_buckets", "old_buckets"),
           ("occupied", "occupied"), ("empty_one", "deleted_slots")]
SWISS = [("small", "small"), ("dir_len", "dir_len"), ("global_depth", "global_depth"),
         ("tables", "tables"), ("capacity", "capacity_slots"), ("tombstones", "tombstones"),
         ("growth_left", "growth_left")]


def compare(truth, doc):
    """Return (problems, held_misses): lists of strings."""
    problems, held_misses = [], []
    by_addr = {m["address"]: m for m in doc["maps"]}
    for t in truth:
        m = by_addr.get(t["addr"])
        name = t["name"]
        if m is None:
            problems.append(f"{name}: not found (header {t['addr']}, {t['type']}, "
                            f"found {t['found']})")
            continue
        d = []
        if m["type"] != t["type"] and not (m["type"] == "map[?]?" and t["found"] == "heap" and
                                           t["type"] in m.get("type_candidates", [])):
            d.append(f"type {m['type']} (candidates {m.get('type_candidates')}), "
                     f"truth {t['type']}")
        # a heap map reached by a typed path is found by its root's kind
        if m["found_by"] != t["found"] and not (t["found"] == "heap" and
                                                m["found_by"] in ("global", "frame")):
            d.append(f"found by {m['found_by']}, truth {t['found']}")
        if t["path"] and (not m["paths"] or m["paths"][0] != t["path"]):
            d.append(f"path {m['paths'][:1]}, truth {t['path']}")
        if m["impl"].startswith("swiss") != (t["impl"] == "swiss"):
            d.append(f"impl {m['impl']}, truth {t['impl']}")
        if m["len"] != t["len"]:
            d.append(f"len {m['len']}, truth {t['len']}")
        # gWriting: caught inside an insert, which is no damage; every other map at rest
        if bool(m.get("write_in_progress")) != bool(t.get("write_in_progress")):
            d.append(f"write_in_progress {m.get('write_in_progress')}, "
                     f"truth {t.get('write_in_progress')}")
        for tk, mk in (CLASSIC if t["impl"] == "classic" else SWISS):
            if tk in t and m.get(mk) != t[tk]:
                d.append(f"{mk} {m.get(mk)}, truth {t[tk]}")
        if t["impl"] == "swiss" and "table_caps" in t:
            caps = [x["capacity"] for x in m.get("table_list", [])]
            if caps != t["table_caps"]:
                d.append(f"table capacities {caps[:8]}..., truth {t['table_caps'][:8]}...")
        if m["error"]:
            d.append(f"error: {m['error']}")
        if d:
            problems.append(f"{name}: " + "; ".join(d))
        if t["held_bytes"] is not None and m["held_bytes"] != t["held_bytes"]:
            held_misses.append(f"{name}: held {m['held_bytes']}, runtime {t['held_bytes']} "
                               f"({m['held_bytes'] - t['held_bytes']:+d})")
        elif t.get("fresh") and m["reclaimable_bytes"] != 0:
            # a run again draws new hash seeds: only a rare seed passes once
            held_misses.append(f"{name}: freshly filled, yet reclaimable "
                               f"{m['reclaimable_bytes']} (held {m['held_bytes']}, fresh "
                               f"{m['fresh_bytes']}..{m['fresh_high_bytes']})")
    for m in doc["maps"]:
        sm = m.get("sync_map") or {}
        for k in ("read_map", "dirty_map"):  # one entry: its inner maps never apart
            if sm.get(k) and sm[k] in by_addr:
                problems.append(f"{m['address']} sync.Map: its {k} {sm[k]} is also reported")
        if sum(m["held"].values()) != m["held_bytes"]:
            problems.append(f"{m['address']} {m['type']}: breakdown adds up to "
                            f"{sum(m['held'].values())}, not {m['held_bytes']}")
    return problems, held_misses


def compare_graph(mapsize, core, exe, truth, version=None):
    """inspect --retained: payload_bytes and retained_bytes of the maps whose truth the
    program prints (HeapAlloc windows, the drop checked by the program), exactly (the graph's
    edges come from the runtime's pointer bitmaps: the arenas' before 1.22, malloc headers'
    types and span heap bits after); for every map, retained within [held, held + payload]
    and the summary's totals. Returns (problems, misses, notes)."""
    r = subprocess.run([mapsize, "inspect", core, "--exe", exe, "--format", "json",
                        "--retained"], capture_output=True, text=True, timeout=limit(600))
    if r.returncode != 0:
        return [f"--retained: exit {r.returncode}: {r.stderr.strip()}"], [], []
    doc = json.loads(r.stdout)
    if VALIDATOR:
        errs = sorted(VALIDATOR.iter_errors(doc), key=lambda e: list(e.path))
        if errs:
            return [f"--retained: schema: {errs[0].message} at {list(errs[0].path)}"], [], []
    by_addr = {m["address"]: m for m in doc["maps"]}
    problems, misses, notes = [], [], []
    for t in truth:
        if "payload_bytes" not in t:
            continue
        m = by_addr.get(t["addr"])
        if m is None or "payload_bytes" not in m:
            problems.append(f"--retained: {t['name']}: no payload_bytes in the report")
            continue
        got = (m["payload_bytes"], m["retained_bytes"])
        want = (t["payload_bytes"], t["retained_bytes"])
        notes.append(f"{t['name']}: payload {got[0]} (truth {want[0]}), retained {got[1]} "
                     f"(truth {want[1]}), held {m['held_bytes']}")
        if got != want:
            misses.append(f"{t['name']}: payload {got[0]}, runtime {want[0]}; retained "
                          f"{got[1]}, runtime {want[1]}")
    if not any("payload_bytes" in t for t in truth):
        problems.append("--retained: the program printed no payload truth")
    s, pay, ret = doc["summary"], 0, 0
    for m in doc["maps"]:
        if "retained_bytes" not in m:
            problems.append(f"--retained: {m['address']}: no retained_bytes")
            continue
        pay += m["payload_bytes"]
        ret += 0 if m["retained_nested"] else m["retained_bytes"]
        # a Go map's storage is its own; a sync.Map's entries and key/value boxes can
        # also be referenced from elsewhere (a box stored twice), so only the upper bound
        # holds for it, and it must retain something
        low = min(1, m["held_bytes"]) if m["type"] == "sync.Map" else m["held_bytes"]
        if m["stack_bytes"] == 0 and not (low <= m["retained_bytes"] <=
                                          m["held_bytes"] + m["payload_bytes"]):
            problems.append(f"--retained: {m['address']} {m['type']}: retained "
                            f"{m['retained_bytes']} not within held {m['held_bytes']} and "
                            f"held + payload {m['held_bytes'] + m['payload_bytes']}")
    if (s.get("total_payload_bytes"), s.get("total_retained_bytes")) != (pay, ret):
        problems.append(f"--retained: summary totals {s.get('total_payload_bytes')}, "
                        f"{s.get('total_retained_bytes')}; the maps add up to {pay}, {ret}")
    g = s.get("heap_graph", {})
    notes.append(f"heap graph: {g.get('objects')} objects, {g.get('edges')} edges, "
                 f"{g.get('scanned_by_bitmap')} scanned by bitmap, "
                 f"{g.get('scanned_conservatively')} word by word, {g.get('seconds', 0):.3f} s")
    if version:
        problems += pprof_graph(mapsize, core, exe, doc, version)
    return problems[:10], misses, notes


def compare_seed_pointer(mapsize, core, exe, doc, workdir):
    """On 386, a map header's hash seed (hmap.hash0, Map.seed at offset 8 in both) looks
    like a heap pointer often enough (the heap is a few MB of 4 GB, the seed random): a
    stack map's header, a node of its own in the heap graph, must have edges from its
    pointer fields alone. A copy of the core whose stack map's seed is the address of
    main.gDeleted's storage (its header's word at 12: buckets, or dirPtr) must keep
    gDeleted's retained at or above its held bytes (it fell to its header's size)."""
    stack = [m for m in doc["maps"] if m["where"].startswith("stack of goroutine")]
    heap = [m for m in doc["maps"] if m["paths"] and m["paths"][0] == "main.gDeleted"]
    if not stack or not heap:
        return ["seed pointer: no stack map or no main.gDeleted in the report"]
    segs = gocore.load_segments(core)
    target = gocore.read_memory(core, int(heap[0]["address"], 16) + 12, 4, segs)
    seed_at = int(stack[0]["address"], 16) + 8
    patched = os.path.join(workdir, "seed-pointer.core")
    try:
        shutil.copyfile(core, patched)
        with open(patched, "r+b") as f:
            for sg in segs:
                if sg.vaddr <= seed_at and seed_at + 4 <= sg.vaddr + sg.filesz:
                    f.seek(sg.offset + seed_at - sg.vaddr)
                    f.write(target)
                    break
            else:
                return [f"seed pointer: {seed_at:#x} is not in the core's contents"]
        r = subprocess.run([mapsize, "inspect", patched, "--exe", exe, "--format", "json",
                            "--retained"], capture_output=True, text=True, timeout=limit(600))
    finally:
        if os.path.exists(patched):
            os.unlink(patched)
    if r.returncode != 0:
        return [f"seed pointer: exit {r.returncode}: {r.stderr.strip()}"]
    got = [m for m in json.loads(r.stdout)["maps"] if m["address"] == heap[0]["address"]]
    if not got or got[0]["retained_bytes"] < got[0]["held_bytes"]:
        return [f"seed pointer: {stack[0]['address']}'s seed set to {target[::-1].hex()}: "
                f"main.gDeleted retained {got[0]['retained_bytes'] if got else None}, "
                f"held {heap[0]['held_bytes']}"]
    return []


def pprof_graph(mapsize, core, exe, doc, version):
    """--retained --format pprof: the sample types gain payload and retained, and
    `go tool pprof -raw` adds them up to the JSON report's maps."""
    header, values = pprof_raw(mapsize, core, exe, version, core + ".retained.pb.gz",
                               ["--retained"])
    if header is None:
        return values
    want_types = ["payload/bytes", "retained/bytes"]
    if header[-2:] != want_types:
        return [f"--retained --format pprof: sample types {header}"]
    got = [sum(v[-2] for v in values), sum(v[-1] for v in values)]
    want = [sum(m["payload_bytes"] for m in doc["maps"]),
            sum(m["retained_bytes"] for m in doc["maps"])]
    return [] if got == want and len(values) == len(doc["maps"]) else [
        f"--retained --format pprof: payload, retained {got} over {len(values)} samples; the "
        f"JSON report {want} over {len(doc['maps'])} maps"]


def compare_stream(mapsize, core, exe, doc):
    """--format ndjson streams each map as it is walked: the same maps, the same numbers
    (refs and paths are those seen until the walk), the same summary."""
    r = subprocess.run([mapsize, "inspect", core, "--exe", exe, "--format", "ndjson"],
                       capture_output=True, text=True, timeout=limit(600))
    if r.returncode != 0:
        return [f"ndjson: exit {r.returncode}: {r.stderr.strip()}"]
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    maps = {m["address"]: m for m in lines if m.get("kind") == "map"}
    want = {m["address"]: m for m in doc["maps"]}
    out = []
    if set(maps) != set(want):
        out.append(f"ndjson: {len(maps)} maps streamed, the report has {len(want)}")
    for a, m in want.items():
        s = maps.get(a, {})
        diff = [k for k in m if k not in ("refs", "paths") and s.get(k) != m[k]]
        if diff:
            out.append(f"ndjson: {a} differs in {diff[:5]}")
    sm, sw = lines[-1].get("summary", {}), doc["summary"]
    diff = [k for k in sw if k not in ("elapsed_seconds", "bytes_read") and sm.get(k) != sw[k]]
    if lines[-1].get("kind") != "summary" or diff:
        out.append(f"ndjson: the summary differs in {diff}")
    # --filter (literal, '*' the only wildcard): the stream and the report cover the same
    # maps, and both summaries only those, the process's totals kept apart
    pat = "main.gShards[*]"
    runs = [subprocess.run([mapsize, "inspect", core, "--exe", exe, "--format", f, "--filter",
                            pat], capture_output=True, text=True, timeout=limit(600))
            for f in ("json", "ndjson")]
    if any(r.returncode for r in runs):
        return out + [f"--filter: exit {[r.returncode for r in runs]}: {runs[1].stderr.strip()}"]
    fj, fl = json.loads(runs[0].stdout), [json.loads(l) for l in runs[1].stdout.splitlines()]
    want = sorted(m["address"] for m in doc["maps"] if any(
        p.startswith("main.gShards[") and p.endswith("]") and "." not in p[13:]
        for p in m["paths"]))
    fs, ls = fj["summary"], fl[-1]["summary"]
    if (sorted(m["address"] for m in fj["maps"]) != want or
            sorted(m["address"] for m in fl[:-1]) != want or fs["maps"] != len(want) or
            fs["held_bytes"] != sum(m["held_bytes"] for m in fj["maps"]) or
            fs["unfiltered_maps"] != sw["maps"] or
            [k for k in fs if k not in ("elapsed_seconds", "bytes_read") and
             ls.get(k) != fs[k]]):
        out.append(f"--filter {pat}: {len(fj['maps'])} maps, {len(fl) - 1} streamed, want "
                   f"{len(want)}; summaries {fs.get('maps')}, {ls.get('maps')} maps")
    return out[:10]


def short_type(name):
    """Type descriptors name a package by its name, DWARF by its path
    (json.field, encoding/json.field; json.structField, encoding/json/v2.structField):
    compare with every qualifier dropped. Only for a judge that spells types as the
    runtime's str does (%T, reflect): mapsize without DWARF spells them as DWARF does."""
    import re
    return re.sub(r"[\w/.-]*?\b\w+\.(?=\w)", "", name)


# What the runtime's type descriptors cannot say, in every supported version: the
# "·N" DWARF appends to the name of a type declared inside a function (main.Loc·1;
# the descriptor's str says main.Loc). mapsize without DWARF spells every other type
# exactly as DWARF does (lib/binary/rtmeta.c, "Full type names").
LOCAL_TYPE_SUFFIX = re.compile(r"·[0-9]+")


def descriptor_spelling(dwarf_name):
    """DWARF's name of a type as the runtime's metadata can spell it: (name, excepted),
    excepted when a documented exception (LOCAL_TYPE_SUFFIX) changed it."""
    name = LOCAL_TYPE_SUFFIX.sub("", dwarf_name)
    return name, name != dwarf_name


def compare_stripped(mapsize, core, binary, doc):
    """The same core read with a stripped copy of the executable (no DWARF: the runtime's
    metadata) must give every map the DWARF report has, with identical numbers, except
    empty maps (no entry tells a layout) and stack maps (typed only by DWARF's locals);
    its type must be spelled exactly as DWARF spells it (package paths; only the
    documented exception of descriptor_spelling()), or a map whose type is ambiguous
    (map[?]?) must list DWARF's type among its candidates unless there are more than the
    32 kept; held bytes must be the DWARF report's too (the most specific layouts that fit
    lead: out-of-line values checked as heap objects), unless the true type is among
    candidates left out (noted). Returns (problems, notes)."""
    stripped = binary + ".stripped"
    subprocess.run(["strip", "-o", stripped, binary], check=True)
    sdoc, err = inspect(mapsize, core, stripped)
    if err:
        return [f"stripped: inspect failed: {err}"], []
    if sdoc["layout_source"] != "runtime metadata":
        return [f"stripped: layout_source {sdoc['layout_source']}"], []
    by_addr = {m["address"]: m for m in sdoc["maps"]}
    problems, skipped, ambiguous, excepted = [], [], [], []
    exact = by_candidates = 0
    # sync.Maps: DWARF's typed walk reports each as one entry, its inner maps (Go <= 1.23)
    # inside it; without DWARF no typed path reaches a sync.Map (SYNC_STRIPPED)
    inner = {a for m in doc["maps"] if m.get("sync_map")
             for a in (m["sync_map"].get("read_map"), m["sync_map"].get("dirty_map")) if a}
    sync_missing = []
    for m in doc["maps"]:
        s = by_addr.get(m["address"])
        name = (m["paths"] or [m["address"]])[0]
        if s is None and m["type"] == "sync.Map":
            # SYNC_STRIPPED: found by its shape, unless never used (no root, no read map)
            if m["len"] or m["held_bytes"]:
                problems.append(f"stripped: sync.Map {name} (len {m['len']}) not found")
            else:
                sync_missing.append(f"{name} (len {m['len']})")
            continue
        if s is None:
            # an empty map has no entry to check a layout against; stack maps are
            # typed by DWARF's locals
            if m["len"] == 0 or m["found_by"] == "stack":
                skipped.append(f"{name} ({m['type']}, {m['found_by']}, len {m['len']})")
            else:
                problems.append(f"stripped: {name} ({m['type']}, len {m['len']}) not found")
            continue
        d = [f"{k} {s[k]}, DWARF {m[k]}" for k in ("len", "impl", "occupied")
             if s.get(k) != m.get(k)]
        if m["found_by"] == "stack" and s.get("where") != m.get("where"):
            # goroutine and function: .gopclntab names the function DWARF's locals name
            d.append(f"where '{s.get('where')}', DWARF '{m.get('where')}'")
        want, exc = descriptor_spelling(m["type"])
        cands = s.get("type_candidates", [])
        if exc and (s["type"] == want or want in cands):
            excepted.append(f"{m['type']} as {want}")
        if m["type"] == "map[?]?":
            pass  # DWARF does not know either (a heap map of an ambiguous layout)
        elif s["type"] == want:
            exact += 1
        elif s["type"] == "map[?]?" and want in cands:
            by_candidates += 1
        elif s["type"] == "map[?]?" and len(cands) == 32:
            ambiguous.append(f"{name}: more than 32 candidate types, {want} not listed")
        else:
            d.append(f"type {s['type']} (candidates {s.get('type_candidates')}), "
                     f"DWARF {m['type']}")
        if s["held_bytes"] != m["held_bytes"]:
            if s["type"] == "map[?]?" and len(cands) == 32 and want not in cands:
                # the true layout may be among the candidates left out
                ambiguous.append(f"{name}: held {s['held_bytes']}, DWARF {m['held_bytes']}")
            else:
                d.append(f"held_bytes {s['held_bytes']}, DWARF {m['held_bytes']}")
        if d:
            problems.append(f"stripped: {name}: " + "; ".join(d))
    for s in sdoc["maps"]:
        if s["address"] in inner:
            problems.append(f"stripped: {s['address']} {s['type']} len {s['len']}, a "
                            "sync.Map's inner map, reported apart")
        elif not any(m["address"] == s["address"] for m in doc["maps"]):
            problems.append(f"stripped: {s['address']} {s['type']} len {s['len']} is not in "
                            "the DWARF report")
    notes = [f"stripped: {len(sdoc['maps'])} maps, {exact} typed exactly as DWARF types them, "
             f"{by_candidates} map[?]? with DWARF's type among the candidates; "
             f"{len(skipped)} of the DWARF report's not found (empty, or on a stack): "
             f"{', '.join(skipped[:6])}"]
    if sync_missing:
        notes.append(f"stripped (SYNC_STRIPPED): never used, not found without DWARF: "
                     f"{', '.join(sync_missing)}")
    if excepted:
        notes.append("stripped, spelled without what the descriptors cannot say "
                     f"(LOCAL_TYPE_SUFFIX): {'; '.join(excepted)}")
    if ambiguous:
        notes.append("stripped, type ambiguous beyond the 32 candidates kept: " +
                     "; ".join(ambiguous))
    return problems, notes


# SHAPE_TYPED: maps of inspect_truth.go that the shape of their memory types exactly
# without DWARF (lib/find/shapetype.c), where the layout alone fits several map types:
# the GC's pointer bits of the buckets or groups, values that point at objects of the
# pointee's size and pointer bits (gStr's *T, gRegistry's *Region), values that are map
# headers (gNested's); inner maps then get their type from the typed walk of their
# holder. Swiss groups tell fewer apart (gArr's map[string]bool slots have the pointer
# bits of map[string]int's, gNested's int keys and map values those of
# map[int32]unsafe.Pointer's): SHAPE_TYPED_CLASSIC holds only in classic buckets.
# On 386 an int is an int32: gNested's maps are map[int32]int32's and
# map[int32]unsafe.Pointer's alike (SHAPE_TYPED_64).
SHAPE_TYPED = {"gRegistry"}
SHAPE_TYPED_CLASSIC = {"gStr", "gSvc.cache.byID", "gArr[0]", "gArr[1]", "gRegistry[eu].sessions",
                       "gRegistry[us].sessions", "gBigVal"}
SHAPE_TYPED_64 = {"gNested", "gNested[0]", "gNested[1]", "gNested[2]"}


def compare_linker_stripped(truth, doc, shape_typed=None):
    """A program linked with -ldflags=-s -w (no DWARF, no symbols) against its own truth:
    every map but the empty ones and those on goroutine stacks must be found with its
    len, implementation, structure and held bytes; its type must be the true one or among
    the candidates (the true one for SHAPE_TYPED when shape_typed, the configuration's
    arch, is given: inspect_truth.go),
    spelled exactly as DWARF spells it (the truth programs print %T of types of main and
    of standard packages whose name is their path, which compare() holds equal to DWARF's
    names). Returns (problems, held_misses, exempt)."""
    problems, held_misses, exempt = [], [], []
    by_addr = {m["address"]: m for m in doc["maps"]}
    if doc.get("layout_source") != "runtime metadata":
        problems.append(f"layout_source {doc.get('layout_source')}")
    for t in truth:
        m = by_addr.get(t["addr"])
        name = t["name"]
        if m is None:
            if t["len"] == 0 or t["found"] == "stack":
                exempt.append(f"{name} ({t['found']}, len {t['len']})")
            else:
                problems.append(f"{name}: not found ({t['type']}, len {t['len']})")
            continue
        d = []
        want = descriptor_spelling(t["type"])[0]
        if m["type"] != want and want not in m.get("type_candidates", []):
            d.append(f"type {m['type']} (candidates {m.get('type_candidates')}), "
                     f"truth {t['type']}")
        elif shape_typed and m["type"] != want and (
                name in SHAPE_TYPED or (t["impl"] == "classic" and (
                    name in SHAPE_TYPED_CLASSIC or
                    (shape_typed != "386" and name in SHAPE_TYPED_64)))):
            d.append(f"type {m['type']} (candidates {m.get('type_candidates')}), truth "
                     f"{t['type']}: the shape of its memory tells it (SHAPE_TYPED)")
        if m["impl"].startswith("swiss") != (t["impl"] == "swiss"):
            d.append(f"impl {m['impl']}, truth {t['impl']}")
        if m["len"] != t["len"]:
            d.append(f"len {m['len']}, truth {t['len']}")
        for tk, mk in (CLASSIC if t["impl"] == "classic" else SWISS):
            if tk in t and m.get(mk) != t[tk]:
                d.append(f"{mk} {m.get(mk)}, truth {t[tk]}")
        if d:
            problems.append(f"{name}: " + "; ".join(d))
        if t["held_bytes"] is not None and m["held_bytes"] != t["held_bytes"]:
            held_misses.append(f"{name}: held {m['held_bytes']}, runtime {t['held_bytes']}")
    return problems, held_misses, exempt


def run_linker_stripped(mapsize, cfg, workdir):
    """The truth program built with -ldflags=-s -w, a kernel core of it, its report."""
    name, version, arch, experiment = cfg
    binary = os.path.join(workdir, name.replace("/", "-").replace("+", "-") + "-sw")
    try:
        build(cfg, binary, ldflags="-s -w", prog=PROG)
    except gocore.GoCoreError as e:
        tap(False, f"{name}: inspect_truth.go builds with -s -w", str(e).splitlines()[-10:])
        return
    log, ok = [], False
    for attempt in range(1, ATTEMPTS + 1):
        try:
            truth, core = gocore.kernel_core(binary, workdir)
        except Exception as e:
            log.append(f"attempt {attempt}: no core: {e}")
            break
        try:
            doc, err = inspect(mapsize, core, binary)
        finally:
            os.unlink(core)
        if err:
            log.append(f"attempt {attempt}: inspect failed: {err}")
            break
        problems, held, exempt = compare_linker_stripped(truth, doc, shape_typed=arch)
        if problems:
            log += [f"attempt {attempt}: {p}" for p in problems]
            break
        if held:
            log += [f"attempt {attempt} (running again): {h}" for h in held]
            continue
        ok = True
        log.insert(0, f"{len(truth)} maps of the program, {len(doc['maps'])} in the report; "
                      f"not found, as expected: {', '.join(exempt)}")
        break
    tap(ok, f"{name}: inspect of a -ldflags=-s -w build (no DWARF, no symbols) matches the "
        "runtime", log)


def run_deep_types(mapsize, cfg, workdir):
    """deep_types.go built with -ldflags=-s -w: map types sixteen descriptors apart."""
    name, version, arch, experiment = cfg
    binary = os.path.join(workdir, name.replace("/", "-").replace("+", "-") + "-deep")
    what = (f"{name}: deep_types.go (-ldflags=-s -w): no map damaged, every map at its len, "
            "exact types through the typed path")
    try:
        build(cfg, binary, ldflags="-s -w", prog=DEEP_PROG)
        truth, core = gocore.kernel_core(binary, workdir)
    except Exception as e:
        tap(False, what, str(e).splitlines()[-10:])
        return
    try:
        doc, err = inspect(mapsize, core, binary)
    finally:
        os.unlink(core)
    if err:
        tap(False, what, [f"inspect failed: {err}"])
        return
    problems, _, exempt = compare_linker_stripped(truth, doc)
    problems += [f"{m['address']} ({m['type']}): {m['error']}" for m in doc["maps"]
                 if m.get("error")]
    by_addr = {m["address"]: m for m in doc["maps"]}
    root = by_addr.get(truth[0]["addr"])
    exact = root is not None and root["type"] == truth[0]["type"]
    if exact:  # the root's entries are followed: every node, every map of the ring typed
        problems += [f"{t['name']}: type {by_addr[t['addr']]['type']}, truth {t['type']}"
                     for t in truth if t["addr"] in by_addr and
                     by_addr[t["addr"]]["type"] != t["type"]]
    tap(not problems, what, problems[:20] + [
        f"{len(truth)} maps of the program; root typed {'exactly' if exact else 'by layout'}"
        f"{'; not found: ' + ', '.join(exempt) if exempt else ''}"])


# SYNC_STRIPPED: without DWARF (stripped, -ldflags=-s -w) no typed path reaches a
# sync.Map: it is found by its shape (lib/find/findmaps.c shape_syncmap) at the words
# of the globals and of the objects they reach, with the same len and held bytes as
# with DWARF; one never used (no HashTrieMap root, no read or dirty map) has no shape
# and is not found, like an empty map. Its inner maps are never reported apart.

# typenames' maps whose type the stripped report may give as another, spelled exactly: a
# named map type (main.Idx) shares the type of its storage (the bucket or group type) with
# its underlying map type, and the heap scan, reaching it untyped, tells them apart by that.
STORAGE_TWINS = {"namedmap": "map[string]int"}


def run_type_names(mapsize, cfg, workdir):
    """typenames (a module) with DWARF and stripped: the stripped types spelled as DWARF's."""
    name, version, arch, experiment = cfg
    binary = os.path.join(workdir, name.replace("/", "-").replace("+", "-") + "-names")
    what = f"{name}: typenames: without DWARF every type is spelled exactly as DWARF spells it"
    try:
        build(cfg, binary, prog=NAMES_PROG)
        truth, core = gocore.kernel_core(binary, workdir)
    except Exception as e:
        tap(False, what, str(e).splitlines()[-10:])
        return
    try:
        doc, err = inspect(mapsize, core, binary)
        subprocess.run(["strip", "-o", binary + ".stripped", binary], check=True)
        sdoc, serr = inspect(mapsize, core, binary + ".stripped") if doc else (None, None)
    finally:
        os.unlink(core)
    if err or serr:
        tap(False, what, [f"inspect failed: {err or serr}"])
        return
    dw = {m["address"]: m for m in doc["maps"]}
    st = {m["address"]: m for m in sdoc["maps"]}
    problems, excepted, exact, by_cands, notes = [], [], [], [], []
    for t in truth:
        m, s = dw.get(t["addr"]), st.get(t["addr"])
        if m is None or s is None:
            problems.append(f"{t['name']} ({t['type']}): not found "
                            f"{'with DWARF' if m is None else 'stripped'}")
            continue
        want, exc = descriptor_spelling(m["type"])
        cands = s.get("type_candidates") or []
        if m["type"] == "map[?]?":
            # a heap map of an ambiguous layout: DWARF does not know either
            notes.append(f"{t['name']}: DWARF map[?]?, stripped {s['type']}")
            continue
        if s["type"] == want:
            exact.append(t["name"])
        elif s["type"] == "map[?]?" and want in cands:
            by_cands.append(t["name"])
        elif s["type"] == "map[?]?" and len(cands) >= 32:
            notes.append(f"{t['name']}: map[?]? with the 32 candidates kept, {want} not "
                         "among them")
        elif s["type"] == STORAGE_TWINS.get(t["name"]):
            notes.append(f"{t['name']}: {s['type']}, DWARF {m['type']} (STORAGE_TWINS)")
        else:
            problems.append(f"{t['name']}: stripped {s['type']} (candidates "
                            f"{s.get('type_candidates')}), DWARF {m['type']}")
            continue
        if exc:
            excepted.append(f"{m['type']} as {want}")
    tap(not problems, what, problems + [
        f"{len(truth)} maps: {len(exact)} typed exactly as DWARF types them, "
        f"{len(by_cands)} map[?]? with DWARF's type among the candidates"
        f"{': ' + ', '.join(by_cands) if by_cands else ''}"] + notes +
        ([f"spelled without what the descriptors cannot say (LOCAL_TYPE_SUFFIX): "
          f"{'; '.join(excepted)}"] if excepted else []))


def compare_named_exe(mapsize, core, binary, doc):
    """gdb's gcore names the executable too (NT_FILE): without --exe, the same report."""
    named, err = inspect(mapsize, core, None)
    if err:
        return [f"without --exe: {err}"]
    if not os.path.samefile(named["exe"], binary):
        return [f"without --exe: exe {named['exe']!r}, not {binary!r}"]
    if named["maps"] != doc["maps"]:
        return ["without --exe: the maps differ from those with --exe"]
    return []

def core_notes(path):
    """(file offset of its type word, n_type) of every note of an ELF core (64 or 32-bit)."""
    import struct
    out = []
    with open(path, "rb") as f:
        eh = f.read(64)
        wide = eh[4] == 2
        phoff, phentsize, phnum = (struct.unpack_from("<Q", eh, 32)[0], *struct.unpack_from(
            "<HH", eh, 54)) if wide else (struct.unpack_from("<I", eh, 28)[0],
                                          *struct.unpack_from("<HH", eh, 42))
        f.seek(phoff)
        phs = f.read(phentsize * phnum)
        for i in range(phnum):
            ph = phs[i * phentsize:(i + 1) * phentsize]
            if struct.unpack_from("<I", ph, 0)[0] != 4:  # PT_NOTE
                continue
            off, size = (struct.unpack_from("<QQ", ph, 8)[0], struct.unpack_from("<Q", ph, 32)[0]) \
                if wide else (struct.unpack_from("<I", ph, 4)[0], struct.unpack_from("<I", ph, 16)[0])
            f.seek(off)
            data, pos = f.read(size), 0
            while pos + 12 <= len(data):
                namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
                out.append((off + pos + 8, ntype))
                pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return out


def compare_pie(mapsize, core, binary, doc, workdir):
    """A PIE's load bias found every way: without --exe (the executable the core's NT_FILE
    note names, at its bias), and in a copy of the core whose NT_AUXV note is gone (no
    AT_ENTRY: the bias from where NT_FILE maps the executable's start), the same maps."""
    import struct
    out = compare_named_exe(mapsize, core, binary, doc)
    auxv = [off for off, t in core_notes(core) if t == 6]
    if not auxv:
        return out + ["PIE: the kernel core has no NT_AUXV note"]
    copy = os.path.join(workdir, "no-auxv.core")
    try:
        shutil.copyfile(core, copy)
        with open(copy, "r+b") as f:
            f.seek(auxv[0])
            f.write(struct.pack("<I", 0x4e4f4e45))  # a note type nobody reads
        ndoc, err = inspect(mapsize, copy, binary)
    finally:
        if os.path.exists(copy):
            os.unlink(copy)
    if err:
        return out + [f"PIE, core without NT_AUXV: {err}"]
    if ndoc["maps"] != doc["maps"] or ndoc.get("warnings") != doc.get("warnings"):
        out.append(f"PIE, core without NT_AUXV: {len(ndoc['maps'])} maps, warnings "
                   f"{ndoc.get('warnings')}; not the report with it")
    return out


# gdb's gcore (a live process's core: other notes, no crash; ~15 s and 1.2 GB written
# each) on one configuration of each kind, those of the sanitizer build (tests/meson.build);
# every configuration's kernel core judges its maps
GCORE_CONFIGS = ("go1.19", "go1.25", "go1.27+mapsplitgroup", "go1.22/386")

# go tool pprof of the configuration's toolchain reads --format pprof of its kernel core
PPROF_CONFIGS = ("go1.19", "go1.25", "go1.27+mapsplitgroup")


def pprof_raw(mapsize, core, exe, version, prof, options=()):
    """`mapsize inspect CORE --exe EXE OPTIONS --format pprof -o PROF` read by the
    toolchain's `go tool pprof -raw`, PROF removed: (sample type header, [values of each
    sample]), or (None, [what went wrong])."""
    from run_pprof import raw_samples  # noqa: E402

    what = " ".join([*options, "--format pprof"])
    try:
        r = subprocess.run([mapsize, "inspect", core, "--exe", exe, *options, "--format",
                            "pprof", "-o", prof], capture_output=True, text=True,
                           timeout=limit(600))
        if r.returncode != 0:
            return None, [f"{what}: exit {r.returncode}: {r.stderr.strip()}"]
        header, values = raw_samples(gocore.go_wrapper(version), prof)
    finally:
        if os.path.exists(prof):
            os.unlink(prof)
    if header is None:
        return None, [f"go{version} tool pprof -raw: {values.strip()}"]
    return header, values


def compare_pprof(mapsize, core, exe, doc, version, workdir):
    """--format pprof of the core, read by `go tool pprof -raw`: one sample per map of
    the JSON report and the same held, reclaimable and len totals; --format folded: one
    line per map, the held bytes adding up."""
    header, values = pprof_raw(mapsize, core, exe, version, os.path.join(workdir, "core.pb.gz"))
    if header is None:
        return values
    sm = doc["summary"]
    got = [len(values)] + [sum(v[k] for v in values) for k in (1, 2, 3)]
    want = [len(doc["maps"]), sm["held_bytes"], sm["reclaimable_bytes"], sm["len"]]
    out = [] if got == want else [f"pprof: samples, held, reclaimable, len {got}, the "
                                  f"JSON report {want}"]
    r = subprocess.run([mapsize, "inspect", core, "--exe", exe, "--format", "folded"],
                       capture_output=True, text=True, timeout=limit(600))
    lines = r.stdout.splitlines()
    if len(lines) != len(doc["maps"]) or \
            sum(int(ln.rsplit(" ", 1)[1]) for ln in lines) != sm["held_bytes"]:
        out.append(f"folded: {len(lines)} lines for {len(doc['maps'])} maps")
    return out


def run_config(mapsize, cfg, workdir, keep):
    name, version, arch, experiment = cfg
    if not gocore.go_wrapper(version):
        skip_or_fail_missing(REQUIRE, name, version, "inspect matches the runtime")
        return
    binary = os.path.join(workdir, name.replace("/", "-").replace("+", "-"))
    try:
        build(cfg, binary, prog=PROG)
    except gocore.GoCoreError as e:
        tap(False, f"{name}: inspect_truth.go builds", str(e).splitlines()[-10:])
        return
    for kind in ("kernel", "gcore") if name in GCORE_CONFIGS else ("kernel",):
        log = []
        ok = False
        for attempt in range(1, ATTEMPTS + 1):
            core = os.path.join(workdir, f"core-{kind}")
            try:
                if kind == "kernel":
                    truth, core = gocore.kernel_core(binary, workdir)
                else:
                    with gocore.TruthProcess(binary, workdir) as p:
                        truth = p.maps
                        gocore.gcore(p.pid, core)
            except Exception as e:  # a core that cannot be taken fails the case
                log.append(f"attempt {attempt}: no core: {e}")
                break
            try:
                size = os.path.getsize(core)
                doc, err = inspect(mapsize, core, binary)
                problems, held = compare(truth, doc) if doc else ([], [])
                if doc:
                    problems += compare_stream(mapsize, core, binary, doc)
                if doc and kind == "kernel" and name in PPROF_CONFIGS:
                    problems += compare_pprof(mapsize, core, binary, doc, version, workdir)
                if doc and kind == "kernel" and name in DIFF_CONFIGS and not problems:
                    lf = os.path.join(workdir, name.replace("/", "-") + ".msl")
                    rr = subprocess.run([mapsize, "record", core, "--exe", binary, "--output", lf],
                                        capture_output=True, text=True, timeout=limit(600))
                    if rr.returncode == 0:
                        RECORDED[name] = (lf, truth)
                    else:
                        problems.append(f"record: exit {rr.returncode}: {rr.stderr.strip()}")
                if doc and kind == "kernel":
                    sp, notes = compare_stripped(mapsize, core, binary, doc)
                    problems += sp
                    log += notes
                if doc and kind == "gcore" and cfg == CONFIGS[0]:
                    problems += compare_named_exe(mapsize, core, binary, doc)
                if doc and kind == "kernel" and "+pie" in name:
                    problems += compare_pie(mapsize, core, binary, doc, workdir)
                if doc and kind == "kernel":
                    gp, gmiss, gnotes = compare_graph(
                        mapsize, core, binary, truth,
                        version if name in PPROF_CONFIGS else None)
                    problems += gp
                    held += gmiss
                    log += gnotes
                if doc and kind == "kernel" and arch == "386":
                    problems += compare_seed_pointer(mapsize, core, binary, doc, workdir)
            finally:
                if not keep and os.path.exists(core):
                    os.unlink(core)
            if err:
                log.append(f"attempt {attempt}: inspect failed: {err}")
                break
            if problems:
                log += [f"attempt {attempt}: {p}" for p in problems]
                break
            if held:
                log += [f"attempt {attempt} (an unrelated allocation may land in the window, "
                        f"or a fresh map drew a hash seed beyond the high end of its spread: "
                        f"running again): {h}" for h in held]
                continue
            ok = True
            log.insert(0, "sync.Maps (held = the runtime's): " + ", ".join(
                f"{t['name']} {t['impl']} len {t['len']} held {t['held_bytes']}"
                for t in truth if t["type"] == "sync.Map"))
            log.insert(0, f"{len(truth)} maps of the program, {len(doc['maps'])} in the report "
                          f"({doc['summary']['found_by']}), core {size >> 20} MiB, inspect "
                          f"{doc['summary']['elapsed_seconds']:.3f} s" +
                       (f", after {attempt} attempts" if attempt > 1 else ""))
            break
        tap(ok, f"{name}: inspect of a {kind} core matches the runtime", log)
    run_linker_stripped(mapsize, cfg, workdir)
    run_deep_types(mapsize, cfg, workdir)
    run_type_names(mapsize, cfg, workdir)


# diff of the same program recorded on Go 1.23 and 1.25: every sync.Map is one entry
# matched by its path whose implementation changed (classic -> hashtriemap), with the
# held bytes of both runs, never "disappeared" and "appeared"
DIFF_CONFIGS = ("go1.23", "go1.25")
RECORDED = {}


def run_sync_diff(mapsize):
    what = ("diff of go1.23 and go1.25 layouts: each sync.Map one entry, changed impl; "
            "replayed whole")
    if not all(c in RECORDED for c in DIFF_CONFIGS):
        return
    (la, ta), (lb, tb) = (RECORDED[c] for c in DIFF_CONFIGS)
    r = subprocess.run([mapsize, "diff", la, lb, "--format", "json"], capture_output=True,
                       text=True, timeout=limit(120))
    t = subprocess.run([mapsize, "diff", la, lb], capture_output=True, text=True,
                       timeout=limit(120))
    if r.returncode != 0 or t.returncode != 0:
        tap(False, what, [f"exit {r.returncode}/{t.returncode}: {r.stderr}{t.stderr}"])
        return
    doc = json.loads(r.stdout)
    by_key = {e["key"]: e for e in doc["maps"]}
    held = lambda truth, n: next(x["held_bytes"] for x in truth if x["name"] == n)
    problems, seen = [], []
    for x in ta:
        if x["type"] != "sync.Map":
            continue
        e = by_key.get(x["path"])
        if e is None:
            problems.append(f"{x['path']}: not in the diff")
            continue
        if (e["status"] != "changed" or not e.get("impl_changed") or e["type"] != "sync.Map"
                or (e["a"] or {}).get("impl") != "classic"
                or (e["b"] or {}).get("impl") != "hashtriemap"):
            problems.append(f"{x['path']}: {e['status']}, impl_changed {e.get('impl_changed')}, "
                            f"a {e['a']}, b {e['b']}")
            continue
        if e["a"]["held_bytes"] != held(ta, x["name"]) or \
                e["b"]["held_bytes"] != held(tb, x["name"]):
            problems.append(f"{x['path']}: held {e['a']['held_bytes']} -> "
                            f"{e['b']['held_bytes']}, runtime {held(ta, x['name'])} -> "
                            f"{held(tb, x['name'])}")
        line = next((l for l in t.stdout.splitlines() if f" {x['path']} " in l), "")
        if "changed impl classic->hashtriemap" not in line:
            problems.append(f"{x['path']}: text line '{line.strip()}'")
        seen.append(f"{x['path']} {e['a']['held_bytes']} -> {e['b']['held_bytes']}")
    # the layout file carries the sync.Maps whole: replay gives each its sync_map object
    # and held parts, adding up, at the runtime's held bytes
    for cfg, (lf, truth) in zip(DIFF_CONFIGS, (RECORDED[c] for c in DIFF_CONFIGS)):
        rp = subprocess.run([mapsize, "replay", lf, "--format", "json"], capture_output=True,
                            text=True, timeout=limit(120))
        if rp.returncode != 0:
            problems.append(f"replay {cfg}: exit {rp.returncode}: {rp.stderr.strip()}")
            continue
        rdoc = json.loads(rp.stdout)
        rmaps = {m["address"]: m for m in rdoc["maps"]}
        want = "classic" if cfg == "go1.23" else "hashtriemap"
        for x in truth:
            if x["type"] != "sync.Map":
                continue
            m = rmaps.get(x["addr"])
            if (not m or m["type"] != "sync.Map" or m["impl"] != want or
                    not m.get("sync_map") or m["len"] != x["len"] or
                    m["held_bytes"] != x["held_bytes"] or
                    sum(m["held"].values()) != m["held_bytes"] or
                    (want == "classic") != ("read_map" in m["sync_map"])):
                got = m and (m["type"], m["impl"], m["len"], m["held_bytes"], m.get("sync_map"))
                problems.append(f"replay {cfg}: {x['name']}: {got}, truth len {x['len']} "
                                f"held {x['held_bytes']}")
    gone = [e["key"] for e in doc["maps"] if e["type"] == "sync.Map" and
            e["status"] in ("appeared", "disappeared")]
    if gone:
        problems.append(f"sync.Maps appeared or disappeared: {gone}")
    tap(not problems and len(seen) == 4, what, problems + seen)


def main():
    global VALIDATOR
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--keep", action="store_true", help="keep the work directory and cores")
    args = ap.parse_args()
    VALIDATOR = validator()
    configs = [c for c in CONFIGS if not args.only or c[0] in args.only.split(",")]
    configs += [c for c in EXTRA_CONFIGS if c[0] in args.only.split(",")]
    workdir = tempfile.mkdtemp(prefix="mapsize-inspect-")
    try:
        if VALIDATOR is None:
            tap(not REQUIRE, "python3-jsonschema is installed", ["JSON is not validated"])
        for cfg in configs:
            run_config(args.mapsize, cfg, workdir, args.keep)
        run_sync_diff(args.mapsize)
    finally:
        if args.keep:
            print(f"# kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
