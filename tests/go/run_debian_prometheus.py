#!/usr/bin/env python3
"""mapsize inspect on a second real server nobody here wrote: Debian's packaged Prometheus.

The prometheus package of the system's apt sources (bookworm: 2.42.0+ds, built with Go
1.19, stripped, not PIE) is downloaded and unpacked into ~/.cache/mapsize/debian/prometheus
(debserver.unpack: never installed, no service). It runs on 127.0.0.1 with a fresh TSDB
and one scrape job, every second, of a tiny static target served here: SYNTHETIC series
of our own (mapsize_synthetic{idx="0".."N-1"}) and a frozen snapshot of Prometheus's own
/metrics taken once at its start (a real server's variety of metric names, histograms and
labels, but static: scraping Prometheus itself would add series whenever its API is read).
Once the head's series count, read from Prometheus's own API, is the same before and after
a scrape, the API is read once more (the truth: /api/v1/status/tsdb headStats.numSeries,
/api/v1/labels, /api/v1/label/NAME/values) and the kernel core is taken at once
(debserver.server_core: GOGC=off, nothing is freed; GOTRACEBACK=crash, SIGQUIT). Then
mapsize inspect with the packaged executable (runtime metadata, by itself):

- exits 0 (no map damaged), layouts from the runtime metadata, goroutine stacks scanned;
- the head's series, Prometheus's own count: the stripes of tsdb.stripeSeries (SERIES,
  STRIPES of them) are found, typed exactly (package paths spelled), each reached from a
  root (a path), and their lens sum to headStats.numSeries; so do the lens of the stripes'
  hash maps (HASHES: one entry per distinct label-set hash; a 64-bit collision among a few
  thousand series is not expected);
- the head's postings index (index.MemPostings.m, POSTINGS): one entry per label name,
  /api/v1/labels, plus the all-postings key "", and under each name one entry per value,
  /api/v1/label/NAME/values: every one found at its exact len, typed exactly;
- the scrape loop's series cache (scrape.scrapeCache.series) holds every series of the head:
  with one target, all came in through it, the target's report series (up, ...) too;
- typing quality: of the maps reached from a root (with a path), at least MIN_TYPED_ALL are
  typed (not map[?]?), and MIN_TYPED_OTHER of those other than the head's stripes.

The last lines are a table of figures. Skipped when the package cannot be downloaded,
failed when MAPSIZE_REQUIRE_GO is set. Nothing else is written outside a temporary
directory. TAP on stdout. Usage: run_debian_prometheus.py --mapsize PATH [--keep]
"""
import argparse
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import debserver  # noqa: E402
from tap import finish, tap  # noqa: E402
from timescale import limit  # noqa: E402

REQUIRE = bool(os.environ.get("MAPSIZE_REQUIRE_GO"))
PACKAGE = "prometheus"
BINARY = "usr/bin/prometheus"
SYNTHETIC = 3000
TIMEOUT = limit(120)

PROM = "github.com/prometheus/prometheus"
# tsdb.stripeSeries: series []map[chunks.HeadSeriesRef]*memSeries, hashes []seriesHashmap
# (seriesHashmap map[uint64][]*memSeries), DefaultStripeSize of each
SERIES = f"map[{PROM}/tsdb/chunks.HeadSeriesRef]*{PROM}/tsdb.memSeries"
HASHES = f"{PROM}/tsdb.seriesHashmap"
STRIPES = 1 << 14
# index.MemPostings.m: label name -> label value -> series refs
POSTINGS = f"map[string]map[string][]{PROM}/storage.SeriesRef"
POSTINGS_INNER = f"map[string][]{PROM}/storage.SeriesRef"
# scrape.scrapeCache.series: one entry per series the loop appended (its metric string)
SCRAPE_CACHE = f"map[string]*{PROM}/scrape.cacheEntry"

FRAME_OR_GLOBAL = ("global", "frame", "stack")


class Target:
    """The scrape target: SYNTHETIC series and, once set, a frozen copy of Prometheus's
    own /metrics; counts the scrapes."""

    def __init__(self):
        self.snapshot = None
        self.scrapes = 0
        lines = [f'mapsize_synthetic{{idx="{i}",shard="{i % 7}"}} {i}' for i in range(SYNTHETIC)]
        self.synthetic = "# TYPE mapsize_synthetic gauge\n" + "\n".join(lines) + "\n"
        target = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if target.snapshot is None:
                    self.send_error(503)
                    return
                body = (target.snapshot + target.synthetic).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                target.scrapes += 1

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def series(self):
        """The number of samples served (one series each)."""
        return sum(1 for line in (self.snapshot + self.synthetic).splitlines()
                   if line and not line.startswith("#"))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def get(port, path, **query):
    url = f"http://127.0.0.1:{port}{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
        data = r.read().decode()
    return json.loads(data)["data"] if path.startswith("/api/") else data


def num_series(port):
    return get(port, "/api/v1/status/tsdb")["headStats"]["numSeries"]


def drive(port, target):
    """The workload: freeze Prometheus's /metrics into the target, wait until the head's
    series are stable across a scrape, read the truth. Returns ([target], facts)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            # /metrics answers before the TSDB is open; its API answers 503 until /-/ready
            # does (seen under an ASan build's load): ready first (HTTPError is an OSError)
            get(port, "/-/ready")
            target.snapshot = get(port, "/metrics")
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    served = target.series()
    last = None
    while True:
        n = num_series(port)
        seen = target.scrapes
        if n == last and seen >= 2:
            break
        last = n
        # Wait for one more scrape. A scrape loop is sequential: when it asks for the next
        # body, the previous scrape's series are all in the head (numSeries counts them as
        # they are created, during the append), so two equal reads with a request between
        # them are the full, settled set (the count only grows).
        while target.scrapes <= seen:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{target.scrapes} scrapes, {n} series after {TIMEOUT} s")
            time.sleep(0.05)
        time.sleep(0.3)
        if time.monotonic() > deadline:
            raise RuntimeError(f"the head's series do not settle: {n} after {TIMEOUT} s")
    # the truth, read right before the core (the target serves the same series each time)
    tsdb = get(port, "/api/v1/status/tsdb")
    names = get(port, "/api/v1/labels")
    values = {name: len(get(port, f"/api/v1/label/{name}/values")) for name in names}
    facts = {"served": served, "scrapes": target.scrapes, "numSeries":
             tsdb["headStats"]["numSeries"], "labels": names, "values": values}
    if num_series(port) != facts["numSeries"]:
        raise RuntimeError("the head's series moved while the API was read")
    return [target], facts


def version_of(binary):
    """prometheus --version's first line's version, or ''."""
    try:
        r = subprocess.run([binary, "--version"], capture_output=True, text=True,
                           timeout=limit(30))
        m = re.search(r"version (\S+)", r.stdout + r.stderr)
        return m.group(1) if m else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def take_core(binary, workdir):
    target = Target()
    port = debserver.free_port()
    config = os.path.join(workdir, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: mapsize\n    static_configs:\n"
                f"      - targets: ['127.0.0.1:{target.port}']\n")
    args = [f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
            f"--storage.tsdb.path={os.path.join(workdir, 'data')}", "--log.level=warn"]
    try:
        return debserver.server_core(binary, args, os.path.join(workdir, "run"), port,
                                     lambda pid: drive(port, target), TIMEOUT)
    except BaseException:
        target.close()
        raise


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the work directory and core")
    ap.add_argument("--dump", help="write the report (JSON) to this file")
    args = ap.parse_args()
    mapsize = os.path.abspath(args.mapsize)
    t0 = time.monotonic()
    why = debserver.unpack(PACKAGE, BINARY)
    if why:
        if REQUIRE:
            tap(False, f"Debian's {PACKAGE} is unpacked", [why])
        else:
            tap(True, f"Debian's packaged {PACKAGE}", skip=why)
        return finish()
    binary = debserver.packaged(PACKAGE, BINARY)
    workdir = tempfile.mkdtemp(prefix="mapsize-prometheus-")
    core = None
    try:
        try:
            t = time.monotonic()
            core, facts = take_core(binary, workdir)
            facts["version"] = version_of(binary)
            tap(True, f"Prometheus ran, its head settled, kernel core taken ({binary})",
                [f"{facts['served']} series served, {facts['scrapes']} scrapes, head "
                 f"numSeries {facts['numSeries']}, {len(facts['labels'])} label names; core "
                 f"{os.path.getsize(core) >> 20} MiB, {time.monotonic() - t:.1f} s"])
        except Exception as e:
            tap(False, f"Prometheus ran, its head settled, kernel core taken ({binary})",
                str(e).splitlines()[-15:])
            return finish()
        try:
            doc = debserver.inspect(mapsize, core, binary)
        except Exception as e:
            tap(False, "the report is complete (inspect exits 0)", str(e).splitlines()[-10:])
            return finish()
        if args.dump:
            with open(args.dump, "w") as f:
                json.dump({"facts": facts, "doc": doc}, f)
        table = []
        check(doc, facts, table)
        table.append(("seconds in all", f"{time.monotonic() - t0:.1f}"))
        print(f"# Debian's packaged Prometheus {facts.get('version', '')}: figures")
        for k, v in table:
            print(f"# {k:<28} {v:>20}")
    finally:
        debserver.end_workdir(workdir, args.keep)
    return finish()


def rooted(m):
    """Reached from a root: found from a global, a goroutine frame or a stack word, with a
    path (the heap scan's maps have none)."""
    return m["found_by"] in FRAME_OR_GLOBAL and bool(m["paths"])


def with_path(maps, pattern):
    """The maps one of whose paths ends as pattern (a regular expression) says."""
    rx = re.compile(pattern + "$")
    return [m for m in maps if any(rx.search(p) for p in m["paths"])]


def stripes(doc, facts, typ, field):
    """The STRIPES maps of tsdb.stripeSeries.FIELD: found, typed exactly, each reached
    from a root by the field holding it, their lens summing to the head's numSeries."""
    mine = [m for m in doc["maps"] if m["type"] == typ]
    named = with_path(doc["maps"], rf"\.head\.series\.{field}\[\d+\]")
    problems = []
    if len(mine) != STRIPES:
        problems.append(f"{len(mine)} maps typed {typ}, want the {STRIPES} stripes")
    wrong = [m for m in named if m["type"] != typ]
    problems += [f"{debserver.name_of(m)} is typed {m['type']}, want {typ}" for m in wrong[:5]]
    if len(named) != STRIPES:
        problems.append(f"{len(named)} maps named by a path ending .head.series.{field}[N], "
                        f"want {STRIPES}")
    unrooted = [m for m in mine if not rooted(m)]
    problems += [f"{m['address']} ({m['found_by']}) is reached from no root" for m in unrooted[:5]]
    problems += [f"{debserver.name_of(m)}: {m['error']}" for m in mine if m.get("error")][:5]
    total = sum(m["len"] for m in mine)
    if total != facts["numSeries"]:
        problems.append(f"their lens sum to {total}, Prometheus reports {facts['numSeries']} "
                        "series in its head")
    lens = sorted(m["len"] for m in mine)
    diag = [f"{len(mine)} maps {typ}, lens summing to {total} (max {lens[-1] if lens else '-'}), "
            f"{sum(m['held_bytes'] for m in mine)} held bytes; head numSeries "
            f"{facts['numSeries']}; e.g. {debserver.name_of(mine[0]) if mine else '-'}"]
    return problems, total, diag


def postings(doc, facts):
    """index.MemPostings.m: one entry per label name (/api/v1/labels) and the all-postings
    key "", and under each name one per value (/api/v1/label/NAME/values)."""
    problems, seen = [], []
    outer = with_path(doc["maps"], r"\.head\.postings\.m")
    want = {"": 1, **facts["values"]}
    if len(outer) != 1:
        return [f"{len(outer)} maps named .head.postings.m, want 1"], seen
    m = outer[0]
    if m["type"] != POSTINGS:
        problems.append(f"{debserver.name_of(m)} is typed {m['type']}, want {POSTINGS}")
    if m["len"] != len(want):
        problems.append(f"{debserver.name_of(m)}: len {m['len']}, want {len(want)} (the "
                        f"{len(facts['labels'])} label names of /api/v1/labels and \"\")")
    seen.append(f"len {m['len']}: {m['type']} {debserver.name_of(m)}")
    for name, n in sorted(want.items()):
        inner = with_path(doc["maps"], re.escape(f'.head.postings.m["{name}"]'))
        if len(inner) != 1:
            problems.append(f'{len(inner)} maps named .head.postings.m["{name}"], want 1')
            continue
        m = inner[0]
        if m["type"] != POSTINGS_INNER or m["len"] != n or m.get("error"):
            problems.append(f"{debserver.name_of(m)}: {m['type']} len {m['len']}, want "
                            f"{POSTINGS_INNER} len {n} {m.get('error') or ''}")
    seen.append(f"{len(want)} maps {POSTINGS_INNER} checked against /api/v1/label/NAME/values"
                f" (idx: {want.get('idx')}, le: {want.get('le')}, __name__: "
                f"{want.get('__name__')})")
    return problems, seen


# Typing quality, measured on Debian's 2.42.0+ds-5+deb12u1 (2026-12-04): of 34,260 maps
# reached from a root, 34,189 are typed (99.8%), but 32,768 of them are the head's stripes,
# typed from one slice: without them, 1,421 of 1,492 (95.2%); the 71 map[?]? are maps
# whose runtime type the metadata leaves ambiguous (globals of map[string]T with T a named
# integer of several packages, say, listed with their candidates). The bounds leave room
# for a few dozen more ambiguous maps (another Debian build, more goroutines), not for
# losing a kind of root: that would drop the second figure by far more.
MIN_TYPED_ALL = 0.99
MIN_TYPED_OTHER = 0.90


def check(doc, facts, table):
    problems = []
    if doc["layout_source"] != "runtime metadata":
        problems.append(f"layout_source {doc['layout_source']}")
    problems += [f"{debserver.name_of(m)} ({m['type']}): {m['error']}" for m in doc["maps"]
                 if m.get("error")][:10]
    problems += debserver.goroutine_problems(doc)
    g = doc["summary"].get("goroutines") or {}
    if not g.get("count") or g.get("unwound") != g.get("count"):
        problems.append(f"goroutines {g}: not every goroutine's stack unwound")
    found_by = doc["summary"]["found_by"]
    tap(not problems, "the report is complete (exit 0, layouts from the runtime metadata, no "
        "map in error, every goroutine stack unwound)",
        problems + [f"{doc['go_version']}, {len(doc['maps'])} maps, found by {found_by}, "
                    f"goroutines {g}, {doc['_seconds']:.2f} s"] + doc.get("warnings", []))
    p, total, diag = stripes(doc, facts, SERIES, "series")
    tap(not p, "the head's series maps (stripeSeries.series) hold exactly the series "
        "Prometheus reports (headStats.numSeries), typed exactly, reached from a root", p + diag)
    p, htotal, diag = stripes(doc, facts, HASHES, "hashes")
    tap(not p, "the head's hash maps (stripeSeries.hashes) hold one entry per series, "
        "typed exactly, reached from a root", p + diag)
    p, seen = postings(doc, facts)
    tap(not p, "the head's postings index (MemPostings.m and its maps) holds the label names "
        "and values of Prometheus's API, typed exactly", p + seen)
    cache = with_path(doc["maps"], r"\.cache\.series")
    p = []
    if len(cache) != 1:
        p.append(f"{len(cache)} maps named ...cache.series, want 1 (one scrape loop)")
    elif cache[0]["len"] != facts["numSeries"] or cache[0]["type"] != SCRAPE_CACHE:
        p.append(f"{debserver.name_of(cache[0])}: {cache[0]['type']} len {cache[0]['len']}, "
                 f"want {SCRAPE_CACHE} len {facts['numSeries']}")
    tap(not p, "the scrape loop's series cache holds every series of the head (one target: all "
        "came in through it, its report series too)",
        p + [f"len {m['len']}: {m['type']} {debserver.name_of(m)}" for m in cache])
    roots = [m for m in doc["maps"] if rooted(m)]
    other = [m for m in roots if m["type"] not in (SERIES, HASHES)]
    typed = sum(1 for m in roots if m["type"] != "map[?]?")
    typed_other = sum(1 for m in other if m["type"] != "map[?]?")
    share = typed / len(roots) if roots else 0
    share_other = typed_other / len(other) if other else 0
    untyped = [m for m in other if m["type"] == "map[?]?"]
    tap(share >= MIN_TYPED_ALL and share_other >= MIN_TYPED_OTHER,
        f"typing: at least {MIN_TYPED_ALL:.0%} of the maps reached from a root are typed, "
        f"{MIN_TYPED_OTHER:.0%} of those other than the head's stripes",
        [f"{typed} of {len(roots)} typed ({share:.1%}); without the stripes {typed_other} of "
         f"{len(other)} ({share_other:.1%}); untyped e.g.: " +
         "; ".join(f"{debserver.name_of(m)} len {m['len']} "
                   f"({len(m.get('type_candidates') or [])} candidates)" for m in untyped[:5])])
    heap = [m for m in doc["maps"] if not rooted(m)]
    table += [("maps", len(doc["maps"])), ("reached from a root", len(roots)),
              ("typed of those", f"{typed} ({share:.1%})"),
              ("typed, stripes aside", f"{typed_other} of {len(other)} ({share_other:.1%})"),
              ("heap scan only, no path", len(heap)),
              ("head numSeries (API)", facts["numSeries"]),
              ("series stripes' len sum", total), ("hash stripes' len sum", htotal),
              ("held bytes (all maps)", doc["summary"]["held_bytes"]),
              ("inspect seconds", f"{doc['_seconds']:.1f}")]


if __name__ == "__main__":
    sys.exit(main())
