#!/usr/bin/env python3
"""mapsize's command line: bad input gets one line on stderr naming what is
wrong, the documented exit status, and nothing on stdout; good input gets the
JSON contract. TAP on stdout."""
import json, os, subprocess, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "go"))
from timescale import limit  # noqa: E402

mapsize = sys.argv[1]
n = failed = 0
schema_dir = os.path.join(os.path.dirname(__file__), "..", "..", "doc", "schema")
try:
    import jsonschema
    validators = {name: jsonschema.Draft202012Validator(
        json.load(open(os.path.join(schema_dir, f"{name}.schema.json"))))
        for name in ("estimate", "inspect", "diff", "simulate")}
    validator = validators["estimate"]
except ImportError:
    validator = validators = None


def schema_for(doc):
    kind = doc.get("kind", "")
    if kind == "simulation":
        return "simulate"
    return "inspect" if kind in ("inspect", "layout") else "diff" if kind == "diff" else "estimate"

def check(ok, msg, diag=""):
    global n, failed
    n += 1
    failed += not ok
    print("ok" if ok else "not ok", n, "-", msg)
    for line in str(diag).splitlines():
        print("#", line)

def run(*args, stdout=subprocess.PIPE):
    r = subprocess.run([mapsize, *args], stdout=stdout, stderr=subprocess.PIPE, text=True,
                       timeout=limit(120))
    if "json" in args and r.returncode == 0:
        validated.append((" ".join(args), r.stdout))
    return r

validated = []

# (arguments, exit status, a fragment the one-line message must contain)
BAD = [
    (["estimate", "map[strin]int", "--len", "5"], 2, "column 5"),
    (["estimate", "map[string]int", "--len", "5", "--go", "1.18"], 4, "1.18"),
    (["estimate", "map[string]int", "--len", "5", "--go", "1.99"], 4, "1.99"),
    (["estimate", "map[string]int", "--len", "5", "--go", "1.23+noswissmap"], 4, "noswissmap"),
    (["estimate", "map[string]int", "--len", "5", "--arch", "mips"], 4, "mips"),
    (["estimate", "map[string]int", "--len", "-5"], 2, "--len"),
    (["estimate", "map[string]int", "--len", "1e30"], 2, "--len"),
    (["estimate", "map[string]int", "--len", "abc"], 2, "--len"),
    (["estimate", "map[string]int", "--len", "1e6", "--deleted", "2e6"], 2, "--deleted"),
    (["estimate", "map[string]int", "--len", "2^41"], 2, "--len"),
    (["estimate", "map[string]int", "--len", "2^33", "--exact"], 2, "2^32"),
    (["estimate", "map[string]int", "--len", "2^33", "--seeds", "2"], 2, "2^32"),
    (["estimate", "map[string]int", "--len", "5", "--model", "fast"], 2, "--model"),
    (["estimate", "map[string]int"], 2, "--len"),
    (["estimate", "--len", "5"], 2, "map type"),
    (["estimate", "map[string]int", "--len", "5", "--bogus"], 2, "--bogus"),
    (["estimate", "map[string]int", "--len", "5", "--format", "xml"], 2, "xml"),
    (["estimate", "[]int", "--len", "5"], 2, "not a map"),
    (["estimate", "map[User]int", "--len", "5"], 2, "User"),
    (["estimate", "map[int]int", "--len", "5", "--define", "X"], 2, "--define"),
    (["estimate", "map[int]int", "--budget", "lots"], 2, "--budget"),
    (["frobnicate"], 2, "frobnicate"),
    (["inspect"], 2, "no core"),
    (["inspect", "core.1"], 3, "core.1"),
    (["inspect", "core.1", "core.2", "--exe", "x"], 2, "unexpected argument 'core.2'"),
    (["inspect", "core.1", "--exe", "x", "--pid", "3"], 2, "--pid"),
    (["attach"], 2, "no process id"),
    (["attach", "abc"], 2, "PID"),
    (["attach", "1", "--pid", "2"], 2, "--pid"),
    (["replay", "x.msl", "--format", "svg"], 2, "pprof, folded"),
    (["diff", "a.msl", "b.msl", "--format", "ndjson"], 2, "html, pprof, folded"),
    (["attach", "999999999"], 5, "no such process"),
    (["record", "core.1", "--exe", "x"], 2, "--output"),
    (["record", "--pid", "1", "core.1", "-o", "x.msl"], 2, "exclude"),
    (["replay"], 2, "no layout"),
    (["replay", "/nonexistent.msl"], 3, "/nonexistent.msl"),
    (["replay", "/etc/passwd"], 3, "not a mapsize layout"),
    (["replay", "x.msl", "--exe", "y"], 2, "--exe"),
    (["diff", "a.msl"], 2, "two reports"),
    (["diff", "/nonexistent.a", "/nonexistent.b"], 3, "/nonexistent.a"),
    (["inspect", "core.1", "--exe", "x", "--sort", "size"], 2, "--sort"),
    (["inspect", "core.1", "--exe", "x", "--format", "xml"], 2, "xml"),
    (["inspect", "core.1", "--exe", "x", "--top", "-1"], 2, "--top"),
    (["attach", "1", "--attach-method", "fast"], 2, "--attach-method: 'fast'"),
    (["inspect", "core.1", "--attach-method", "uffd-wp"], 2, "--attach-method"),
    (["inspect", "core.1", "--exe", "/nonexistent/app"], 3, "/nonexistent/app"),
    (["inspect", "core.1", "--exe", "/etc/passwd"], 3, "not an ELF"),
    (["inspect", "core.1", "--exe", "/bin/true"], 4, "not a Go executable"),
    (["inspect", "core.1", "--exe", "/dev/null"], 3, "/dev/null"),
    (["simulate", "map[int]int"], 2, "--ops"),
    (["simulate", "--ops", "insert 1"], 2, "map type"),
    (["simulate", "map[int]int", "--ops", "insert 1", "--trace", "t"], 2, "either"),
    (["simulate", "map[int]int", "--ops", "insert"], 2, "--ops: line 1, column 7"),
    (["simulate", "map[int]int", "--ops", "insert 5;\ndelete 3"], 2, "line 2"),
    (["simulate", "map[int]int", "--ops", "insert 5\nfrobnicate 3"], 2, "unknown statement 'frobnicate'"),
    (["simulate", "map[int]int", "--ops", "insert 1.5"], 2, "whole number"),
    (["simulate", "map[int]int", "--ops", "repeat 3 { insert 1"], 2, "missing '}'"),
    (["simulate", "map[int]int", "--ops", "insert 1 }"], 2, "without a repeat"),
    (["simulate", "map[int]int", "--ops", "insert 1 2"], 2, "expected ';'"),
    (["simulate", "map[int]int", "--ops", "repeat 1e9 { repeat 1e9 { insert 1 } }"], 2, "10^10"),
    (["simulate", "map[int]int", "--ops", "make 1e12"], 2, "2^26"),
    (["simulate", "map[int]int", "--ops", "checkpoint a$b"], 2, "checkpoint name"),
    (["simulate", "map[int]int", "--ops", "@/nonexistent.ops"], 3, "/nonexistent.ops"),
    (["simulate", "map[int]int", "--trace", "/nonexistent.trace"], 3, "/nonexistent.trace"),
    (["simulate", "map[int]int", "--trace", "/etc/hostname", "--go", "1.18"], 4, "1.18"),
    (["simulate", "map[int]int", "--ops", "insert 1", "--format", "ndjson"], 2, "ndjson"),
    (["simulate", "map[int]int", "--ops", "insert 1", "--seeds", "0"], 2, "--seeds"),
    (["simulate", "map[int]int", "--ops", "insert 1", "--timeout", "0"], 2, "--timeout"),
    # stopped cleanly: one line, exit 7 (LIMIT), nothing on stdout
    (["simulate", "map[int]int", "--ops", "repeat 1e9 { insert 1; delete oldest 1 }",
      "--timeout", "0.3"], 7, "stopped after 0.3 seconds (--timeout)"),
]
for args, status, frag in BAD:
    r = run(*args)
    lines = r.stderr.splitlines()
    check(r.returncode == status and r.stdout == "" and len(lines) == 1
          and lines[0].startswith("mapsize: ") and frag in lines[0],
          f"{' '.join(args)} -> exit {status}, one line naming '{frag}'".replace("\n", "\\n"),
          f"exit {r.returncode}\nstdout: {r.stdout!r}\nstderr: {r.stderr!r}")

# The estimate's model: analytic from 65536 entries (any len to 2^40), simulated below or
# when asked; both name themselves.
r = run("estimate", "map[string]*T", "--len", "2^40", "--go", "all", "--format", "json")
ests = json.loads(r.stdout)["estimates"] if r.returncode == 0 else []
check(ests and all(e["model"] == "analytic" and e["simulated_seeds"] == 0 and
                   e["total_bytes_low"] <= e["total_bytes"] <= e["total_bytes_high"] for e in ests),
      "estimate --len 2^40 --go all: every version's analytic estimate", r.stderr)
r = run("estimate", "map[string]*T", "--len", "1000", "--format", "json")
r2 = run("estimate", "map[string]*T", "--len", "1e5", "--go", "1.23", "--exact", "--seeds", "2",
         "--format", "json")
check(r.returncode == 0 and json.loads(r.stdout)["model"] == "simulated" and
      r2.returncode == 0 and json.loads(r2.stdout)["model"] == "simulated" and
      json.loads(r2.stdout)["simulated_seeds"] == 2,
      "estimate: small lens and --exact are simulated, and say so", r.stderr + r2.stderr)
r = run("estimate", "map[string]*T", "--len", "1e5", "--go", "1.23")
check(r.returncode == 0 and "(analytic model)" in r.stdout, "estimate text names the analytic model",
      r.stdout)

# Recorded layouts: the samples replay and diff; damaged copies are refused clearly.
import shutil, stat, tempfile, threading
samples = os.path.join(os.path.dirname(__file__), "..", "..", "samples")
sample = os.path.join(samples, "lru-go1.25.msl")
tmp = tempfile.mkdtemp(prefix="mapsize-cli-")
try:
    r = run("replay", sample, "--format", "json")
    check(r.returncode == 0 and json.loads(r.stdout)["kind"] == "inspect",
          "replay of samples/lru-go1.25.msl prints an inspect report", r.stderr)
    r2 = run("replay", sample, "--format", "json")
    check(r.stdout == r2.stdout, "replay prints the same thing every time")
    r = run("diff", os.path.join(samples, "lru-go1.23.msl"), sample, "--format", "json")
    check(r.returncode == 0 and json.loads(r.stdout)["kind"] == "diff", "diff of two samples", r.stderr)
    text = open(sample).read()
    doc = json.loads(text)
    cases = {
        "truncated.msl": (text[: len(text) // 2], 3, "not a mapsize layout"),
        "version.msl": (text.replace('"schema_version": 1', '"schema_version": 2', 1), 4,
                        "schema_version 2"),
        "kind.msl": (text.replace('"kind": "layout"', '"kind": "estimate"', 1), 3, "kind"),
        "empty.msl": ("", 3, "not a mapsize layout"),
        "array.msl": ("[]", 3, "not a JSON object"),
        "dupmaps.msl": (text.replace('"maps": [', '"maps": [], "maps": [', 1), 3, "duplicate"),
        "dupkind.msl": (text.replace('"maps": [', '"kind": "layout", "maps": [', 1), 3,
                        "duplicate"),
        "trailing.msl": (text + "{}", 3, "end of file expected"),
    }
    bad = json.loads(text)
    bad["maps"][0]["len"] = -5
    cases["negative.msl"] = (json.dumps(bad), 3, "maps[0]: 'len'")
    bad = json.loads(text)
    bad["maps"][0]["address"] = "nowhere"
    cases["address.msl"] = (json.dumps(bad), 3, "hex address")
    bad = json.loads(text)
    bad["maps"][0]["held"].pop("live-entries")
    cases["held.msl"] = (json.dumps(bad), 3, "'live-entries' is missing")
    bad = json.loads(text)
    bad["maps"][0]["impl"] = "btree"
    cases["impl.msl"] = (json.dumps(bad), 3, "'impl'")
    bad = json.loads(text)
    bad["maps"][0]["payload_bytes"] = 10  # --retained's fields come together
    cases["payload.msl"] = (json.dumps(bad), 3, "come together")
    bad = json.loads(text)
    bad["summary"]["heap_graph"] = {"objects": 1}
    cases["graph.msl"] = (json.dumps(bad), 3, "heap_graph")
    bad = json.loads(text)  # histograms hold 32-bit counts (buckets or groups)
    fill = next(m for m in bad["maps"] if m.get("group_fill_histogram"))
    fill["group_fill_histogram"][0] = 2**32
    cases["hist.msl"] = (json.dumps(bad), 3, "'group_fill_histogram'[0] is more than 4294967295")
    bad = json.loads(text)
    bad["summary"]["type_conflicts"] = {"count": 1, "recorded": 1,
                                        "examples": [{"address": "0x10", "claimed": "main.A"}]}
    cases["conflicts.msl"] = (json.dumps(bad), 3, "type_conflicts.examples[0]: 'recorded'")
    for name, (content, status, frag) in cases.items():
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(content)
        for cmd in (["replay", path], ["diff", path, sample]):
            r = run(*cmd)
            lines = r.stderr.splitlines()
            check(r.returncode == status and r.stdout == "" and len(lines) == 1 and
                  frag in lines[0] and name in lines[0],
                  f"{cmd[0]} of a damaged layout ({name}) -> exit {status}, names the file and '{frag}'",
                  f"exit {r.returncode}\nstderr: {r.stderr!r}")
    # a Swiss map's report shares its memory with the classic fields: classic fields
    # in a Swiss map's record (hand-written) are ignored, never read into the Swiss ones
    odd = json.loads(text)
    for m in odd["maps"]:
        if m["impl"] == "swiss":
            m.update({"B": 7, "buckets": 128, "overflow_buckets": 3, "growing": True,
                      "chain_histogram": [5, 6, 7]})
    opath = os.path.join(tmp, "odd.msl")
    with open(opath, "w") as f:
        json.dump(odd, f)
    strip = lambda out: {k: v for k, v in json.loads(out).items() if k != "summary"}
    r, r0 = run("replay", opath, "--format", "json"), run("replay", sample, "--format", "json")
    check(r.returncode == 0 and strip(r.stdout) == strip(r0.stdout),
          "classic fields in a Swiss map's record change nothing", r.stderr)
    # --retained fields round-trip: a layout carrying them replays and diffs with them
    withgraph = json.loads(text)
    for m in withgraph["maps"]:
        m["payload_bytes"], m["retained_bytes"], m["retained_nested"] = 100, m["held_bytes"], False
    withgraph["summary"]["heap_graph"] = {"objects": 9, "edges": 8, "memory_bytes": 7,
                                          "scanned_by_bitmap": 6, "scanned_conservatively": 0,
                                          "seconds": 0.5}
    gpath = os.path.join(tmp, "graph-ok.msl")
    with open(gpath, "w") as f:
        json.dump(withgraph, f)
    r = run("replay", gpath, "--format", "json")
    rep = json.loads(r.stdout) if r.returncode == 0 else {}
    check(rep.get("summary", {}).get("total_payload_bytes") == 100 * len(withgraph["maps"]) and
          rep["summary"].get("total_retained_bytes") ==
          sum(m["held_bytes"] for m in withgraph["maps"]) and
          all(m.get("payload_bytes") == 100 for m in rep["maps"]),
          "replay of a layout with payload_bytes/retained_bytes sums them again", r.stderr)
    r = run("diff", gpath, gpath, "--format", "json")
    dd = json.loads(r.stdout) if r.returncode == 0 else {}
    check(dd.get("summary", {}).get("delta_total_retained_bytes") == 0, "diff of two layouts "
          "with the heap graph gives delta_total_retained_bytes", r.stderr)
    # summary.type_conflicts round-trips (examples kept, in order)
    conf = json.loads(text)
    tc = {"count": 7, "recorded": 5, "examples": [
        {"address": "0xc000120000", "claimed": "main.Decoy", "recorded": "main.Ledger",
         "source": "span-type", "path": "main.main: wrong.decoy"},
        {"address": "0xc000084068", "claimed": "main.Right", "recorded": "main.Left",
         "source": "path", "path": ""}]}
    conf["summary"]["type_conflicts"] = tc
    cpath = os.path.join(tmp, "conflicts-ok.msl")
    with open(cpath, "w") as f:
        json.dump(conf, f)
    r = run("replay", cpath, "--format", "json")
    rep = json.loads(r.stdout) if r.returncode == 0 else {}
    r0 = json.loads(run("replay", sample, "--format", "json").stdout)
    check(rep.get("summary", {}).get("type_conflicts") == tc and
          "type_conflicts" not in r0["summary"],
          "replay of a layout with summary.type_conflicts prints them again (absent when none)",
          r.stderr + str(rep.get("summary", {}).get("type_conflicts")))
    # the reader streams the document: its members in any order ("maps" first, "summary"
    # before the rest) replay and diff as the file written in order does
    order = json.loads(text)
    keys = ["maps", "summary"] + [k for k in order if k not in ("maps", "summary")]
    rpath = os.path.join(tmp, "reordered.msl")
    with open(rpath, "w") as f:
        json.dump({k: order[k] for k in keys}, f, indent=1)
    for fmt in ("json", "text"):
        r, r0 = run("replay", rpath, "--format", fmt), run("replay", sample, "--format", fmt)
        check(r.returncode == 0 and r.stdout == r0.stdout.replace(sample, rpath) and r.stdout,
              f"replay --format {fmt} of a layout whose maps come first prints what the "
              "layout in order does", r.stderr)
    r, r0 = run("diff", rpath, sample, "--format", "json"), run("diff", sample, sample,
                                                                  "--format", "json")
    check(r.returncode == 0 and r.stdout == r0.stdout.replace(sample, rpath, 1),
          "diff of a reordered layout with the layout in order: as of the layout with itself",
          r.stderr)
    # a big layout is not one jansson tree: 1,000 maps with their table lists (18 MB) replay
    # in an address space the old whole-file reader ran out of (it needed ~150 MiB)
    import resource
    big = json.loads(text)
    widest = max(big["maps"], key=lambda m: len(m.get("table_list", [])))
    big["maps"] = [dict(widest, address="0x%x" % (0xc000000000 + 0x10000 * i),
                        paths=["main.shard%d" % i]) for i in range(1000)]
    bpath = os.path.join(tmp, "big.msl")
    with open(bpath, "w") as f:
        json.dump(big, f)
    as_limit = lambda: resource.setrlimit(resource.RLIMIT_AS, (64 << 20, 64 << 20))
    probe = subprocess.run([mapsize, "--version"], capture_output=True, preexec_fn=as_limit)
    if probe.returncode != 0:  # a sanitizer build cannot start in 64 MiB of address space
        n += 1
        print(f"ok {n} - replay of a big layout in 64 MiB of address space # SKIP sanitizer build")
    else:
        r = subprocess.run([mapsize, "replay", bpath, "--format", "json"], capture_output=True,
                           text=True, preexec_fn=as_limit, timeout=limit(120))
        rep = json.loads(r.stdout) if r.returncode == 0 else {}
        check(rep.get("summary", {}).get("maps") == 1000 and
              os.path.getsize(bpath) > 15 << 20,
              "replay of a 1,000-map layout (%d MB) runs in 64 MiB of address space" %
              (os.path.getsize(bpath) >> 20), f"exit {r.returncode}: {r.stderr}")
    # NDJSON: one line per map, then a summary; each map line is a map of the inspect schema
    r = run("replay", sample, "--format", "ndjson")
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    check(r.returncode == 0 and lines and lines[-1]["kind"] == "summary" and
          all(l["kind"] == "map" for l in lines[:-1]) and
          len(lines) - 1 == lines[-1]["summary"]["maps_shown"], "--format ndjson: maps, then a summary")
    if validators:
        insp = json.load(open(os.path.join(schema_dir, "inspect.schema.json")))
        mapv = jsonschema.Draft202012Validator({"$ref": "#/$defs/map", "$defs": insp["$defs"]})
        errs = [e.message for l in lines[:-1] for e in mapv.iter_errors(l)]
        check(not errs, "every NDJSON map line validates as a map of doc/schema/inspect.schema.json",
              "\n".join(errs[:3]))
    # Prometheus: promtool (Debian's prometheus package) is the judge
    promtool = shutil.which("promtool")
    for s_ in ("lru-go1.23.msl", "tenants-go1.25.msl"):
        r = run("replay", os.path.join(samples, s_), "--format", "prometheus")
        series = [l for l in r.stdout.splitlines() if l.startswith("mapsize_map_held_bytes{")]
        check(r.returncode == 0 and 0 < len(series) <= 20,
              f"--format prometheus of {s_}: per-map series bounded to 20 by default")
        if promtool:
            p = subprocess.run([promtool, "check", "metrics"], input=r.stdout, capture_output=True,
                               text=True)
            check(p.returncode == 0, f"promtool check metrics accepts the metrics of {s_}",
                  p.stdout + p.stderr)
        else:
            check(not os.environ.get("MAPSIZE_REQUIRE_GO"), "promtool is installed (prometheus)")
    # issue 18: repeats folded, --filter literal with '*' only, stable Prometheus labels
    import re as _re18

    def pattern18(m):
        """A map's group pattern as doc/schema/inspect.schema.json says: the shortest path
        with each [index] or ["key"] as [*], or where it lives with the goroutine folded."""
        if m["paths"]:
            return _re18.sub(r'\[("[^"]*"|[^\]]*)\]', "[*]", m["paths"][0])
        return _re18.sub(r"goroutine \d+", "goroutine *", m["where"])

    def star18(pat, text):
        return _re18.fullmatch(".*".join(_re18.escape(x) for x in pat.split("*")), text)

    tenants = os.path.join(samples, "tenants-go1.25.msl")
    full = json.loads(run("replay", tenants, "--format", "json").stdout)
    want = {}
    for m in full["maps"]:
        want.setdefault((pattern18(m), m["type"]), []).append(m)
    want = {k: v for k, v in want.items() if len(v) > 1}
    got = {(g["pattern"], g["type"]): g for g in full["groups"]}
    ok = set(got) == set(want) and all(
        g["maps"] == len(want[k]) and g["len"] == sum(m["len"] for m in want[k]) and
        g["held_bytes"] == sum(m["held_bytes"] for m in want[k]) and
        set(g["addresses"]) == {m["address"] for m in want[k]} and
        g["held_max_bytes"] == max(m["held_bytes"] for m in want[k]) and
        g["held_min_bytes"] == min(m["held_bytes"] for m in want[k]) and
        g["len_median"] == sorted(m["len"] for m in want[k])[(len(want[k]) - 1) // 2]
        for k, g in got.items())
    check(ok and len(full["maps"]) == full["summary"]["maps"],
          "JSON keeps every map; 'groups' folds those whose paths differ only in keys or "
          "indices, with counts, totals and spread", sorted(got)[:3])
    r = run("replay", tenants)
    check(r.stdout.count("maps like this") == len(want) and "main.metrics[*]" in r.stdout and
          'main.metrics["tenant-100"]  ' not in r.stdout,
          "text shows a group of repeats as one block, not a block per map")
    for pat in ('map[string]*', 'main.metrics["tenant-1*', '*FoldC*', 'map[string]float'):
        r = run("replay", tenants, "--format", "json", "--filter", pat)
        doc = json.loads(r.stdout) if r.returncode == 0 else {"maps": [], "summary": {}}
        expect = [m["address"] for m in full["maps"]
                  if star18(pat, m["type"]) or any(star18(pat, x) for x in m["paths"])]
        sm = doc["summary"]
        check(sorted(m["address"] for m in doc["maps"]) == sorted(expect) and
              sm.get("maps") == len(expect) and sm.get("filter") == pat and
              sm.get("held_bytes") == sum(m["held_bytes"] for m in doc["maps"]) and
              sm.get("unfiltered_maps") == full["summary"]["maps"] and
              sm.get("unfiltered_held_bytes") == full["summary"]["held_bytes"],
              f"--filter '{pat}' matches literally ('*' the only wildcard, {len(expect)} maps) "
              "and the summary covers those maps", r.stderr)
    r = run("replay", tenants, "--filter", "map[string]*")
    nmatch = sum(1 for m in full["maps"] if star18("map[string]*", m["type"]) or
                 any(star18("map[string]*", x) for x in m["paths"]))
    check(r.stdout.splitlines()[1].startswith(
          f"summary of the {nmatch} maps matching --filter 'map[string]*' (the process has "
          f"{full['summary']['maps']} maps"),
          "the text summary says it covers the maps matching --filter", r.stdout[:300])
    r = run("replay", tenants, "--format", "ndjson", "--filter", "*FoldC*")
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    check(len(lines) == 2 and lines[-1]["summary"]["maps"] == 1 and
          lines[-1]["summary"]["filter"] == "*FoldC*", "--format ndjson: the same filtered summary")
    # a terminal gets the 20 biggest rows; --all every row (a layout of 304 distinct paths)
    flat = json.loads(open(tenants).read())
    for i, m in enumerate(flat["maps"]):
        m["paths"] = [f"main.t{i}.cache"]
    flat_path = os.path.join(tmp, "flat.msl")
    with open(flat_path, "w") as f:
        json.dump(flat, f)
    import pty
    outs = {}
    for extra in ([], ["--all"], ["--top", "5"]):
        master, slave = pty.openpty()
        p = subprocess.Popen([mapsize, "replay", flat_path, *extra], stdout=slave,
                             stderr=subprocess.PIPE, env=dict(os.environ, NO_COLOR="1"))
        os.close(slave)
        buf = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
        p.wait(timeout=limit(60))
        os.close(master)
        outs[" ".join(extra)] = buf.decode()
    blocks = lambda t: len(_re18.findall(r"^main\.t\d+\.cache ", t, _re18.M))
    nflat = len(flat["maps"])
    check(blocks(outs[""]) == 20 and f"(20 of {nflat} rows shown, {nflat} maps" in outs[""] and
          "--all" in outs[""], "on a terminal: the summary and the 20 biggest rows, "
          f"'20 of {nflat} rows shown' and how to see all", outs[""][-300:])
    check(blocks(outs["--all"]) == nflat and "rows shown" not in outs["--all"] and
          blocks(outs["--top 5"]) == 5, "--all shows every row, --top N N rows")
    r = run("replay", flat_path)
    check(blocks(r.stdout) == nflat, "not a terminal: every row, as before")
    damaged = json.loads(open(tenants).read())
    damaged["maps"][0]["error"] = "the walk stopped at 0x1: not in the core"
    damaged_path = os.path.join(tmp, "damaged.msl")
    with open(damaged_path, "w") as f:
        json.dump(damaged, f)
    r = run("replay", damaged_path, "--filter", "*FoldC*")
    check(r.returncode == 6 and "FoldCategory" in r.stdout,
          "--filter hiding a damaged map: the status still says the report is incomplete",
          f"exit {r.returncode}: {r.stderr}")
    # Prometheus: a series per path pattern, no address in any label; pause only for attach
    for s_ in ("tenants-go1.25.msl", "counters-go1.23.msl"):
        r = run("replay", os.path.join(samples, s_), "--format", "prometheus", "--top", "1000")
        series = [l.split(" ")[0] for l in r.stdout.splitlines()
                  if l.startswith("mapsize_map_held_bytes{")]
        check(series and len(set(series)) == len(series) and
              not any(_re18.search(r"0x[0-9a-f]", x) for x in series),
              f"--format prometheus of {s_}: one series per path pattern, no address in a label",
              "\n".join(series[:5]))
    core_like = json.loads(open(tenants).read())
    core_like["summary"]["pause_ns"] = 0
    core_like["source"] = "core.3704"
    core_path = os.path.join(tmp, "core-like.msl")
    with open(core_path, "w") as f:
        json.dump(core_like, f)
    r = run("replay", core_path, "--format", "prometheus")
    r2 = run("replay", tenants, "--format", "prometheus")
    check("mapsize_attach_pause_seconds" not in r.stdout and
          "mapsize_attach_pause_seconds" in r2.stdout,
          "mapsize_attach_pause_seconds only for a report of attach")
    # the Grafana dashboard only uses metrics mapsize writes
    import re
    dash = json.load(open(os.path.join(samples, "dashboards", "mapsize-grafana.json")))
    used = {m for p in dash["panels"] for t in p["targets"] for m in re.findall(r"mapsize_[a-z_]+", t["expr"])}
    used |= set(re.findall(r"mapsize_[a-z_]+", json.dumps(dash["templating"])))
    r = run("replay", sample, "--format", "prometheus")
    written = set(re.findall(r"^# TYPE (mapsize_[a-z_]+)", r.stdout, re.M))
    check(used and used <= written, "the Grafana dashboard uses only metrics mapsize writes",
          f"unknown: {sorted(used - written)}")
    # --format pprof and folded; --output writes a report whole or not at all
    r = run("replay", sample, "--format", "folded", "-o", os.path.join(tmp, "lru.folded"))
    folded = open(os.path.join(tmp, "lru.folded")).read()
    check(r.returncode == 0 and r.stdout == "" and
          folded == run("replay", sample, "--format", "folded").stdout and
          folded.startswith("main;cache;index;map[string]*container/list.Element 3495088\n"),
          "replay --format folded --output FILE writes what stdout gets", r.stderr + folded)
    r = subprocess.run([mapsize, "replay", sample, "--format", "pprof"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=limit(120))
    check(r.returncode == 0 and r.stdout[:2] == b"\x1f\x8b", "pprof to a pipe: a gzip stream",
          r.stderr)
    # --output to a FIFO (as to /dev/null or /dev/stdout): written through, never
    # replaced by a regular file (a rename over /dev/null, run as root, replaced it)
    fifo = os.path.join(tmp, "out.fifo")
    os.mkfifo(fifo)
    got = []

    def drain():
        with open(fifo) as f:
            got.append(f.read())
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    r = run("replay", sample, "--format", "folded", "-o", fifo)
    reader.join(timeout=limit(30))
    if reader.is_alive():  # nothing opened the FIFO for writing: unblock the reader
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError:
            pass
    check(r.returncode == 0 and stat.S_ISFIFO(os.stat(fifo).st_mode) and got == [folded],
          "--output to a FIFO: written through, the FIFO left in place",
          f"exit {r.returncode}, {r.stderr}, FIFO kept: {stat.S_ISFIFO(os.stat(fifo).st_mode)}, "
          f"read {len(got[0]) if got else None} bytes")
    bad_out = os.path.join(tmp, "no-such-dir", "p.pb.gz")
    r = run("replay", sample, "--format", "pprof", "--output", bad_out)
    check(r.returncode == 3 and bad_out in r.stderr and r.stdout == "",
          "an unwritable --output: exit 3 naming the file", r.stderr)
    r = run("diff", os.path.join(samples, "lru-go1.23.msl"), sample, "--format", "folded")
    held_of = [next(m["held_bytes"] for m in json.loads(open(x).read())["maps"]
                    if "main.cache.index" in m["paths"])
               for x in (os.path.join(samples, "lru-go1.23.msl"), sample)]
    check(r.returncode == 0 and "main;cache;index;map[string]*container/list.Element "
          f"{held_of[0]} {held_of[1]}\n" in r.stdout, "diff --format folded: each map's held bytes in A and B",
          r.stdout + r.stderr)
    # binary output is refused on a terminal, before any work
    import pty
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(mapsize, [mapsize, "replay", sample, "--format", "pprof"])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    check(status == 2 and b"--output" in out and b"\x1f\x8b" not in out,
          "--format pprof on a terminal: refused (exit 2), nothing binary written", out[:300])
    for f in os.listdir(tmp):
        if f.startswith("lru.folded."):
            check(False, f"a temporary file was left: {f}")
    # record and replay write nothing partial: an unwritable destination leaves no file
    r = run("record", "core.1", "--exe", "/bin/true", "-o", os.path.join(tmp, "x.msl"))
    check(r.returncode != 0 and not [f for f in os.listdir(tmp) if f.startswith("x.msl")],
          "a failed record leaves no file behind")
finally:
    shutil.rmtree(tmp)

# inspect without --exe: a core that names no executable (an ELF core without an NT_FILE
# note) -> exit 2, asking for --exe. tests/go/run_inspect_bad.py covers real cores: the named
# executable is used, or named when it is gone or another build.
import struct
tmp = tempfile.mkdtemp(prefix="mapsize-cli-core-")
try:
    nofile = os.path.join(tmp, "nofile.core")
    with open(nofile, "wb") as f:
        f.write(b"\x7fELF\x02\x01\x01" + bytes(9) +
                struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, 1, 0, 0, 0) +
                struct.pack("<IIQQQQQQ", 1, 6, 120, 0x10000, 0, 4096, 4096, 4096) + bytes(4096))
    r = run("inspect", nofile)
    check(r.returncode == 2 and r.stdout == "" and len(r.stderr.splitlines()) == 1 and
          "names no executable" in r.stderr and nofile in r.stderr and "--exe" in r.stderr,
          "inspect of a core that names no executable, without --exe -> exit 2, asks for --exe",
          r.stderr)
finally:
    shutil.rmtree(tmp)

# attach to a process mapsize may not trace: exit 5 and one line that names the cause. As root,
# mapsize runs as nobody (setpriv) against a root process; unprivileged, pid 1 is root's.
# tests/unit/test_ptrace_denied.c covers each cause's message (ptrace_scope, a tracer).
setpriv = shutil.which("setpriv")
if os.geteuid() == 0 and setpriv:
    victim = subprocess.Popen(["sleep", "60"])
    try:
        r = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                            os.path.abspath(mapsize), "attach", str(victim.pid)],
                           capture_output=True, text=True, timeout=limit(60))
    finally:
        victim.kill()
        victim.wait()
    want = (f"attach to {victim.pid}: ptrace not permitted (the process belongs to user root "
            "(uid 0) and mapsize runs as uid 65534")
elif os.geteuid() != 0:
    r = run("attach", "1")
    want = "attach to 1: ptrace not permitted ("
else:
    r = None
if r is None:
    check(True, "# SKIP attach without permission: root without setpriv")
else:
    check(r.returncode == 5 and r.stdout == "" and len(r.stderr.splitlines()) == 1 and
          want in r.stderr and "CAP_SYS_PTRACE" in r.stderr,
          "attach to a process mapsize may not trace -> exit 5, one line naming the cause",
          f"exit {r.returncode}\n{r.stderr}")

# Help: 'mapsize help COMMAND' is 'mapsize COMMAND --help': a usage line, then one line per
# option with what it does. The parser and the help come from one table: every option a command
# accepts is in its help, and no other; every format the help lists is accepted, and no other.
import re
COMMANDS = ["estimate", "inspect", "attach", "record", "replay", "diff", "simulate"]
OPT_LINE = re.compile(r"^  (?:-[a-zA-Z], |    )--([a-z][a-z-]*)(?: (\S+))?(?:\s+(\S.*))?$")
top = run("help")
helps = {}
for cmd in COMMANDS:
    r = run(cmd, "--help")
    h = run("help", cmd)
    check(r.returncode == 0 and h.returncode == 0 and r.stdout == h.stdout and r.stderr == "" and
          r.stdout != top.stdout and r.stdout.startswith(f"usage: mapsize {cmd} "),
          f"'mapsize help {cmd}' prints '{cmd} --help': its usage line and options",
          f"exit {h.returncode}\n{h.stdout}{h.stderr}")
    lines = r.stdout.splitlines()
    opts, undescribed = {}, []
    for i, line in enumerate(lines):
        m = OPT_LINE.match(line)
        if not m:
            continue
        # the description follows on the line, or on the next one when the option is long
        desc = m.group(3) or (lines[i + 1].strip() if i + 1 < len(lines) and
                              lines[i + 1].startswith(" " * 20) else "")
        opts[m.group(1)] = desc
        if len(desc) < 8:
            undescribed.append(m.group(1))
    helps[cmd] = opts
    check(len(opts) >= 4 and "help" in opts and not undescribed,
          f"{cmd} --help: one line per option, each with a description ({len(opts)} options)",
          f"without: {undescribed}\n{r.stdout}")
r = run("help", "frobnicate")
check(r.returncode == 2 and "frobnicate" in r.stderr and r.stdout == "",
      "mapsize help of an unknown command -> exit 2, naming it", r.stderr)
man_page = os.path.join(os.path.dirname(__file__), "..", "..", "man", "mapsize.1")
candidates = set().union(*helps.values()) | set(re.findall(r"Fl -([a-z][a-z-]*)", open(man_page).read()))
tmp = tempfile.mkdtemp(prefix="mapsize-cli-help-")
def accepted(args, refusals=("unknown or incomplete option", "does not apply")):
    """The parser took args (its error, if any, is about something else)."""
    r = subprocess.run([os.path.abspath(mapsize), *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=limit(60), cwd=tmp)
    return not any(x in r.stderr for x in refusals), r.stderr
try:
    for cmd in COMMANDS:
        wrong = []
        for o in sorted(candidates):
            # 'x' is the option's value, or an operand: nothing runs for long
            ok, err = accepted([cmd, f"--{o}", "x"])
            if ok != (o in helps[cmd]):
                wrong.append(f"--{o}: {'accepted but not in --help' if ok else 'in --help but refused'}: {err.strip()}")
        check(not wrong, f"{cmd}: the options the parser takes are exactly those of its --help "
              f"({len(candidates)} tried)", "\n".join(wrong))
        if "format" not in helps[cmd]:
            continue
        listed = [f.strip() for f in helps[cmd]["format"].split(":", 1)[1].split(",")]
        every = set().union(*(h.get("format", "x: text").split(":", 1)[1].replace(" ", "").split(",")
                              for h in helps.values())) | {"pprof", "folded", "xml"}
        wrong = [f for f in sorted(every) if accepted([cmd, "--format", f, "x"], ["is not one of"])[0] != (f in listed)]
        check(listed and not wrong, f"{cmd}: --format takes exactly the formats its --help lists "
              f"({', '.join(listed)})", f"differ: {wrong}")
finally:
    shutil.rmtree(tmp)

# Shell completions know every option of every command, and bash can load its script.
comp = os.path.join(os.path.dirname(__file__), "..", "..", "completions")
import re as _re
bash_c, zsh_c = open(os.path.join(comp, "mapsize.bash")).read(), open(os.path.join(comp, "_mapsize")).read()
for cmd in ["estimate", "inspect", "attach", "record", "replay", "diff", "simulate"]:
    opts = set(_re.findall(r"--[a-z][a-z-]*", run(cmd, "--help").stdout)) - {"--help"}
    check(opts and all(o in bash_c and o in zsh_c for o in opts),
          f"bash and zsh completions know every option of {cmd}",
          sorted(o for o in opts if o not in bash_c or o not in zsh_c))
r = subprocess.run(["bash", "-c", f"source {os.path.join(comp, 'mapsize.bash')} && complete -p mapsize"],
                   capture_output=True, text=True)
check(r.returncode == 0 and "_mapsize" in r.stdout, "the bash completion loads", r.stderr)

# Output that cannot be written is an error too.
with open("/dev/full", "w") as full:
    r = subprocess.run([mapsize, "estimate", "map[int64]int64", "--len", "100"], stdout=full,
                       stderr=subprocess.PIPE, text=True)
check(r.returncode == 3 and "standard output" in r.stderr, "writing to /dev/full fails with 3",
      r.stderr)
# NDJSON of a replay: a map line that cannot be written ends it with one line (its error
# leaked: LeakSanitizer)
with open("/dev/full", "w") as full:
    r = subprocess.run([mapsize, "replay", sample, "--format", "ndjson"], stdout=full,
                       stderr=subprocess.PIPE, text=True)
check(r.returncode == 3 and r.stderr == "mapsize: cannot write NDJSON output\n",
      "replay --format ndjson to /dev/full fails with 3 and one line", r.stderr)

# The JSON contract of issue #2 (more fields are allowed, these never change).
r = run("estimate", "map[string]*User", "--len", "1e5", "--go", "1.23", "--format", "json")
try:
    doc = json.loads(r.stdout)
except ValueError as e:
    doc = {}
    check(False, "estimate --format json is JSON", e)
for key in ["schema_version", "go_version", "arch", "map_type", "len", "total_bytes",
            "naive_bytes", "corrections", "total_bytes_low", "total_bytes_high"]:
    check(key in doc, f"estimate JSON has '{key}'")
check(doc.get("map_type") == "map[string]*User" and doc.get("go_version") == "go1.23"
      and doc.get("arch") == "amd64" and doc.get("len") == 100000, "JSON names what was asked")
check(all("id" in c and "bytes" in c for c in doc.get("corrections", [])),
      "each correction has id and bytes")
check(doc.get("naive_bytes", 0) + sum(c["bytes"] for c in doc.get("corrections", []))
      == doc.get("total_bytes"), "naive + corrections = total")

for v in ["1.23", "go1.23", "go1.23.5"]:
    r = run("estimate", "map[int]int", "--len", "10", "--go", v, "--format", "json")
    check(r.returncode == 0 and json.loads(r.stdout)["go_version"] == "go1.23",
          f"--go {v} is go1.23")

r = run("estimate", "map[int64]int64", "--len", "1e6", "--go", "all", "--format", "json")
doc = json.loads(r.stdout) if r.returncode == 0 else {}
check(len(doc.get("estimates", [])) == 12, "--go all compares every configuration")

r = run("estimate", "map[int64]int64", "--budget", "1MiB", "--go", "1.24", "--format", "json")
doc = json.loads(r.stdout) if r.returncode == 0 else {}
check(doc.get("max_len", 0) > 0 and doc["estimate"]["total_bytes"] <= 1 << 20,
      "--budget answers with entries that fit", r.stderr)

r = run("estimate", "map[string]*User", "--len", "1e6", "--go", "1.23")
check(r.returncode == 0 and "naive formula" in r.stdout and "= total" in r.stdout,
      "text output names the naive formula and the total", r.stderr)

# simulate: the JSON contract of issue #8, and a trace replays like the same script
r = run("simulate", "map[int64]int64", "--ops",
        "insert 800; checkpoint filled; repeat 20000 { insert 1; delete oldest 1 }",
        "--go", "1.23,1.25", "--format", "json")
doc = json.loads(r.stdout) if r.returncode == 0 else {"runs": []}
runs = doc["runs"]
check(len(runs) == 2 and [x["go_version"] for x in runs] == ["go1.23", "go1.25"],
      "simulate: one run per --go version", r.stderr)
check(all(c.keys() >= {"name", "len", "held_bytes"} for x in runs for c in x["checkpoints"])
      and all(x["final"].keys() >= {"len", "held_bytes", "peak_bytes"} for x in runs),
      "simulate JSON: checkpoints have name, len, held_bytes; final has len, held_bytes, peak_bytes")
check(len(runs) == 2 and "B" in runs[0]["final"] and "tables" in runs[1]["final"],
      "simulate JSON: final has B (classic) or tables (Swiss)")
check(all(x["checkpoints"][0]["name"] == "filled" and x["checkpoints"][0]["len"] == 800
          and x["final"]["len"] == 800 for x in runs), "simulate: len at checkpoints")
check(all(x["final"]["peak_bytes"] >= x["final"]["held_bytes"] for x in runs),
      "simulate: the peak is at least what is held at the end")
for expr in ("sync.Map[string]*T", "sync.Map", "*sync.Map"):
    r = run("estimate", expr, "--len", "10")
    check(r.returncode == 4 and r.stderr.count("\n") == 1 and
          "sync.Map is not modelled by estimate or simulate" in r.stderr and not r.stdout,
          f"estimate '{expr}': one line saying sync.Map is not modelled, exit 4", r.stderr)
r = run("simulate", "sync.Map", "--ops", "insert 1")
check(r.returncode == 4 and "sync.Map is not modelled" in r.stderr,
      "simulate 'sync.Map': not modelled, exit 4", r.stderr)
tmpd = tempfile.mkdtemp(prefix="mapsize-cli-")
try:
    trace = os.path.join(tmpd, "ops.trace")
    with open(trace, "w") as f:
        f.write("".join(f"set key{i}\n" for i in range(100)))
        f.write("checkpoint full\n")
        f.write("".join(f"delete key{i}\n" for i in range(0, 100, 2)))
        f.write("get key1\nset key1\n")
    r = run("simulate", "map[string]int64", "--trace", trace, "--go", "1.27", "--format", "json")
    doc = json.loads(r.stdout) if r.returncode == 0 else {"runs": [{}]}
    fin = doc["runs"][0].get("final", {})
    check(doc.get("script") is None and fin.get("len") == 50 and
          doc["runs"][0]["checkpoints"][0]["len"] == 100, "simulate --trace replays named keys",
          r.stderr)
    with open(trace, "w") as f:
        f.write("set a\nfrob b\n")
    r = run("simulate", "map[string]int64", "--trace", trace)
    check(r.returncode == 2 and f"{trace}: line 2, column 1" in r.stderr,
          "a bad trace line is named by file, line and column", r.stderr)
    script = os.path.join(tmpd, "churn.ops")
    with open(script, "w") as f:
        f.write("# churn\ninsert 100\nrepeat 10 {\n  delete random 10\n  insert 10\n}\n")
    r = run("simulate", "map[int64]int64", "--ops", "@" + script, "--format", "html")
    check(r.returncode == 0 and r.stdout.startswith("<!doctype html>") and "simulation" in r.stdout,
          "simulate --ops @FILE --format html writes a page", r.stderr)
finally:
    shutil.rmtree(tmpd)
r = run("simulate", "map[int64]int64", "--ops", "insert 100; checkpoint a", "--go", "1.24")
check(r.returncode == 0 and "held over time" in r.stdout and "checkpoint" in r.stdout,
      "simulate text output has its table and chart", r.stderr)

check(validator is not None, "python3-jsonschema is installed (apt-get install python3-jsonschema)")
for args, out in validated:
    doc = json.loads(out)
    name = schema_for(doc)
    errors = list(validators[name].iter_errors(doc)) if validators else ["no validator"]
    check(not errors, f"JSON of '{args}' validates against doc/schema/{name}.schema.json",
          "\n".join(str(e)[:300] for e in errors[:3]))
print(f"1..{n}")
sys.exit(1 if failed else 0)
