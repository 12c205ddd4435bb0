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
    (["inspect", "core.1"], 2, "--exe"),
    (["inspect", "core.1", "core.2", "--exe", "x"], 2, "unexpected argument 'core.2'"),
    (["inspect", "core.1", "--exe", "x", "--pid", "3"], 2, "--pid"),
    (["attach"], 2, "no process id"),
    (["attach", "abc"], 2, "PID"),
    (["attach", "1", "--output", "x"], 2, "--output"),
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
import shutil, tempfile
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
    # the Grafana dashboard only uses metrics mapsize writes
    import re
    dash = json.load(open(os.path.join(samples, "dashboards", "mapsize-grafana.json")))
    used = {m for p in dash["panels"] for t in p["targets"] for m in re.findall(r"mapsize_[a-z_]+", t["expr"])}
    used |= set(re.findall(r"mapsize_[a-z_]+", json.dumps(dash["templating"])))
    r = run("replay", sample, "--format", "prometheus")
    written = set(re.findall(r"^# TYPE (mapsize_[a-z_]+)", r.stdout, re.M))
    check(used and used <= written, "the Grafana dashboard uses only metrics mapsize writes",
          f"unknown: {sorted(used - written)}")
    # record and replay write nothing partial: an unwritable destination leaves no file
    r = run("record", "core.1", "--exe", "/bin/true", "-o", os.path.join(tmp, "x.msl"))
    check(r.returncode != 0 and not [f for f in os.listdir(tmp) if f.startswith("x.msl")],
          "a failed record leaves no file behind")
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
