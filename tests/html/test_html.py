#!/usr/bin/env python3
"""The HTML report in a real headless Chromium (Debian's chromium, chromium-driver and
python3-selenium): the page is self-contained, draws the summary and the table, sorts by a
clicked column, shows a map's breakdown and histogram when its row is clicked, and the diff
page lists the changes. A report of 1,000 maps (a layout made here from a sample: its maps
copied under new keys and addresses) must show what its JSON says: the summary, the by-type
and by-package tables, repeats folded into groups (expandable), "N of M shown", bars scaled
to the largest; its size and load time are stated (not judged). Screenshots are kept next
to the build as test artifacts.
TAP on stdout. Usage: test_html.py MAPSIZE SAMPLES_DIR ARTIFACT_DIR
"""
import copy, json, os, re, shutil, subprocess, sys, tempfile, time

n = failed = 0


def check(ok, msg, diag=""):
    global n, failed
    n += 1
    failed += not ok
    print("ok" if ok else "not ok", n, "-", msg)
    for line in str(diag).splitlines():
        print("#", line)


def B(n):
    """The page's byte formatting (B() in lib/emit/emit_html.c)."""
    u, v, i = ["B", "KiB", "MiB", "GiB", "TiB"], abs(n), 0
    while v >= 1024 and i < 4:
        v /= 1024
        i += 1
    s = f"{v:.{2 if v < 10 else 1}f}" if i else str(int(v))
    return ("-" if n < 0 else "") + s + " " + u[i]


def N(n):
    return f"{n:,}"


def many_maps_layout(sample, path, want=1000):
    """A recorded layout of `want` maps: the sample's, then copies of its maps of one
    pattern under new addresses: a third under new keys of the same map (one group with
    the sample's), a third under the indices of a slice (a second group), a third each
    under a path of its own (single rows)."""
    doc = json.load(open(sample))
    maps = doc["maps"]
    doc["summary"]["heap_inuse_bytes"] *= 4  # room for the copies
    tmpl = [m for m in maps if m["paths"] and "[" in m["paths"][0]]
    i = 0
    while len(maps) < want:
        m = copy.deepcopy(tmpl[i % len(tmpl)])
        m["address"] = hex(0xd000000000 + i * 0x1000)
        for t in m.get("table_list", []):
            t["address"] = hex(0xe000000000 + i * 0x1000)
        m["paths"] = [[f"main.shards[{i}].index", f'main.metrics["copy-{i}"]',
                       f"main.tenant{i}.cache"][i % 3]]
        maps.append(m)
        i += 1
    with open(path, "w") as f:
        json.dump(doc, f)


def retained_layout(sample, path):
    """The sample as if recorded with --retained: each map a payload and a retained size
    of its own (held + payload), and the summary's heap_graph."""
    doc = json.load(open(sample))
    for i, m in enumerate(doc["maps"]):
        m["payload_bytes"] = 1000 * (i + 1)
        m["retained_bytes"] = m["held_bytes"] + m["payload_bytes"]
        m["retained_nested"] = False
    doc["summary"]["heap_graph"] = {"objects": 10, "edges": 9, "memory_bytes": 100,
                                    "scanned_by_bitmap": 10, "scanned_conservatively": 0,
                                    "seconds": 0.01}
    with open(path, "w") as f:
        json.dump(doc, f)


mapsize, samples, artifacts = sys.argv[1:4]
require = bool(os.environ.get("MAPSIZE_REQUIRE_GO"))
try:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
except ImportError:
    webdriver = None
chromedriver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if webdriver is None or not os.path.exists(chromedriver):
    if require:
        check(False, "chromium, chromium-driver and python3-selenium are installed")
    else:
        print("ok 1 - HTML report in Chromium # SKIP chromium/chromedriver/selenium missing")
        n = 1
    print(f"1..{n}")
    sys.exit(1 if failed else 0)

tmp = tempfile.mkdtemp(prefix="mapsize-html-")
os.makedirs(artifacts, exist_ok=True)
report = os.path.join(tmp, "report.html")
diff = os.path.join(tmp, "diff.html")
with open(report, "w") as f:
    r = subprocess.run([mapsize, "replay", os.path.join(samples, "tenants-go1.25.msl"),
                        "--format", "html"], stdout=f, stderr=subprocess.PIPE, text=True)
check(r.returncode == 0, "replay --format html writes a page", r.stderr)
with open(diff, "w") as f:
    r = subprocess.run([mapsize, "diff", os.path.join(samples, "lru-go1.23.msl"),
                        os.path.join(samples, "lru-go1.25.msl"), "--format", "html"], stdout=f,
                       stderr=subprocess.PIPE, text=True)
check(r.returncode == 0, "diff --format html writes a page", r.stderr)
sim = os.path.join(tmp, "simulate.html")
with open(sim, "w") as f:
    r = subprocess.run([mapsize, "simulate", "map[int64]int64", "--ops",
                        "insert 800; checkpoint filled; repeat 50000 { insert 1; delete oldest 1 }; "
                        "checkpoint churned", "--go", "1.23,1.24,1.25", "--format", "html"],
                       stdout=f, stderr=subprocess.PIPE, text=True)
check(r.returncode == 0, "simulate --format html writes a page", r.stderr)


def replay_page(layout, what):
    """replay of a layout as HTML and as JSON: the page's path and the JSON document."""
    page = layout[:-4] + ".html"
    with open(page, "w") as f:
        r = subprocess.run([mapsize, "replay", layout, "--format", "html"], stdout=f,
                           stderr=subprocess.PIPE, text=True)
    check(r.returncode == 0, f"replay of {what} --format html writes a page", r.stderr)
    r = subprocess.run([mapsize, "replay", layout, "--format", "json"], capture_output=True,
                       text=True)
    return page, json.loads(r.stdout) if r.returncode == 0 else {"maps": [], "summary": {}}


many = os.path.join(tmp, "many.msl")
many_maps_layout(os.path.join(samples, "tenants-go1.25.msl"), many)
many_html, many_json = replay_page(many, "a 1,000-map layout")
check(len(many_json["maps"]) == 1000, f"the layout has 1,000 maps ({len(many_json['maps'])})")
ret = os.path.join(tmp, "retained.msl")
retained_layout(os.path.join(samples, "tenants-go1.25.msl"), ret)
ret_html, ret_json = replay_page(ret, "a --retained layout")
html = open(report).read()
urls = [u for u in re.findall(r"https?://[^\"' )]+", html) if "www.w3.org/2000/svg" not in u]
check(not urls and "<link" not in html and " src=" not in html,
      "the page is self-contained: no stylesheet, script or image from anywhere", urls[:5])

opts = webdriver.ChromeOptions()
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--window-size=1400,1000"):
    opts.add_argument(a)
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
from selenium.webdriver.chrome.service import Service  # noqa: E402

driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=opts)
try:
    driver.get("file://" + report)
    summary = driver.find_element(By.ID, "summary").text
    check("maps" in summary and "held" in summary, "the summary is drawn", summary)
    rows = driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr")
    groups = driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr.group")
    # the rows the report model makes: each group of repeats (2 or more maps) is one
    tj = json.loads(subprocess.run([mapsize, "replay", os.path.join(samples, "tenants-go1.25.msl"),
                                    "--format", "json"], capture_output=True, text=True).stdout)
    tgroups = [g for g in tj.get("groups", []) if g["maps"] >= 2]
    nrows = len(tj["maps"]) - sum(g["maps"] for g in tgroups) + len(tgroups)
    check(len(rows) == nrows and len(groups) == len(tgroups) and nrows < len(tj["maps"]),
          f"the {len(tj['maps'])} maps are {nrows} rows, repeats in {len(tgroups)} group(s) "
          f"({len(rows)}, {len(groups)})")

    def column(i, table="maps"):
        return [r.find_elements(By.TAG_NAME, "td")[i].text
                for r in driver.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")]

    def num(s):
        return int(s.replace(",", ""))

    first = column(0)[0]
    check(first.startswith("main.metrics[*]"), "sorted by held bytes at first: the group leads",
          first)
    bars = driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr .bar")
    check(len(bars) == nrows, "each row has its breakdown bar")
    headers = {h.text: h for h in driver.find_elements(By.CSS_SELECTOR, "#maps thead th")}
    check("retained" not in headers and "retained" not in summary,
          "without --retained there is no retained column", list(headers))
    headers["len"].click()
    lens = [num(x) for x in column(4)]
    check(lens == sorted(lens, reverse=True), "clicking 'len' sorts by len, largest first",
          lens[:5])
    headers["len"].click()
    lens = [num(x) for x in column(4)]
    check(lens == sorted(lens), "clicking it again sorts the other way", lens[:5])
    driver.save_screenshot(os.path.join(artifacts, "html-report-sorted.png"))
    rows = driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr:not(.group)")
    rows[-1].click()
    detail = driver.find_element(By.ID, "detail")
    h2 = detail.find_element(By.TAG_NAME, "h2").text
    svgs = detail.find_elements(By.CSS_SELECTOR, "svg rect")
    check(rows[-1].find_elements(By.TAG_NAME, "td")[0].text in h2 and len(svgs) > 0,
          "clicking a row shows that map's breakdown and its histogram", h2)
    driver.save_screenshot(os.path.join(artifacts, "html-report-detail.png"))
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    check(not errors, "no script errors in the console", errors[:3])

    # 1,000 maps: what the page shows is what the JSON says
    size = os.path.getsize(many_html)
    t0 = time.monotonic()
    driver.get("file://" + many_html)
    load_s = time.monotonic() - t0
    nav = driver.execute_script("const t=performance.timing;return t.loadEventEnd-t.navigationStart")
    print(f"# 1,000-map page: {size / 1024:.0f} KiB, loaded in {load_s:.2f} s "
          f"(navigation to load event {nav} ms)")
    J, S = many_json, many_json["summary"]
    summary = driver.find_element(By.ID, "summary").text
    want = [f"{N(S['maps'])} maps", f"{N(S['len'])} entries", f"held {B(S['held_bytes'])}",
            f"({100 * S['heap_share']:.1f}% of the heap in use)"]
    check(all(w in summary for w in want), "the summary says the JSON's numbers, formatted",
          f"{summary}\nwant {want}")
    for table, key in (("by_type", "by_type"), ("by_package", "by_package")):
        shown = list(zip(column(0, table), column(1, table), column(2, table), column(3, table)))
        want = [(t["name"], N(t["maps"]), N(t["len"]), B(t["held_bytes"])) for t in S[key]]
        check(shown == want, f"the {key} table is the JSON's {key}", f"{shown[:3]}\n{want[:3]}")
    grouped = [g for g in J["groups"] if g["maps"] >= 2]
    in_groups = {a for g in grouped for a in g["addresses"]}
    total_rows = len(grouped) + sum(m["address"] not in in_groups for m in J["maps"])
    rows = driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr")
    shown = driver.find_element(By.ID, "shown").text
    check(len(rows) == min(100, total_rows) and
          shown.startswith(f"{N(len(rows))} of {N(total_rows)} shown ({N(len(J['maps']))} maps"),
          "the table shows the first 100 rows and says 'N of M shown'", shown)
    held = sorted([g["held_bytes"] for g in grouped] +
                  [m["held_bytes"] for m in J["maps"]
                   if m["address"] not in in_groups], reverse=True)
    check([x for x in column(5)] == [B(x) for x in held[:len(rows)]],
          "rows (groups counting as one) in held order, each with the JSON's held bytes",
          column(5)[:4])
    grows = driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr.group")
    want = sorted([(g["pattern"], N(g["maps"])) for g in grouped])
    got = sorted([(r.find_element(By.TAG_NAME, "summary").text.rsplit(" (", 1)[0],
                   r.find_elements(By.TAG_NAME, "td")[3].text) for r in grows])
    check(len(grouped) >= 2 and got == want, "every group of the JSON is one row, with its count",
          f"{got}\n{want}")
    widths = [b.size["width"] for b in driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr .bar")]
    ok = widths and abs(widths[0] - 240) <= 1 and all(
        abs(w - max(1, 240 * h / held[0])) <= 1.5 for w, h in zip(widths, held))
    check(ok, "bars are scaled to the largest row", widths[:6])
    big = grows[0]
    big.find_element(By.TAG_NAME, "summary").click()
    items = big.find_elements(By.CSS_SELECTOR, "details ol li")
    g0 = max(grouped, key=lambda g: g["held_bytes"])
    check(len(items) == min(50, g0["maps"]) + (g0["maps"] > 50) and
          items[0].text.startswith(next(m for m in J["maps"] if m["address"] ==
                                        g0["addresses"][0])["paths"][0]),
          "a group opens to list its biggest maps, the biggest first", items[0].text if items else "")
    driver.save_screenshot(os.path.join(artifacts, "html-1000-maps-group.png"))
    driver.find_element(By.ID, "showall").click()
    rows = driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr")
    check(len(rows) == total_rows, f"'show all' shows every row ({len(rows)} of {total_rows})")
    driver.save_screenshot(os.path.join(artifacts, "html-1000-maps.png"))
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    check(not errors, "no script errors on the 1,000-map page", errors[:3])

    # --retained: the summary's totals, a retained column (a group: its maps' sum), the
    # detail of a map lists payload and retained
    driver.get("file://" + ret_html)
    S = ret_json["summary"]
    summary = driver.find_element(By.ID, "summary").text
    want = f"payload {B(S.get('total_payload_bytes', -1))}, retained " \
           f"{B(S.get('total_retained_bytes', -1))}"
    check(want in summary, "with --retained the summary gives payload and retained", summary)
    heads = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "#maps thead th")]
    col = heads.index("retained") if "retained" in heads else -1
    grouped = [g for g in ret_json["groups"] if g["maps"] >= 2]
    by_addr = {m["address"]: m for m in ret_json["maps"]}
    want = {g["pattern"]: B(sum(by_addr[a]["retained_bytes"] for a in g["addresses"]))
            for g in grouped}
    in_groups = {a for g in grouped for a in g["addresses"]}
    for m in ret_json["maps"]:
        if m["address"] not in in_groups:
            want[(m["paths"] or [m["where"]])[0]] = B(m["retained_bytes"])
    got = {}
    for r in driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr"):
        td = r.find_elements(By.TAG_NAME, "td")
        name = td[0].text.split("\n")[0].rsplit(" (", 1)[0] if "group" in r.get_attribute(
            "class") else td[0].text
        got[name] = td[col].text if col >= 0 else None
    check(col >= 0 and got == want, "a retained column: each map's, each group's sum",
          f"{heads}\n{list(got.items())[:3]}\n{list(want.items())[:3]}")
    rows = driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr:not(.group)")
    rows[0].click()
    kv = driver.find_element(By.CSS_SELECTOR, "#detail .kv").text.split("\n")
    check("retained_bytes" in kv and "payload_bytes" in kv,
          "a map's detail lists payload_bytes and retained_bytes", kv[:30])
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    check(not errors, "no script errors on the --retained page", errors[:3])

    driver.get("file://" + diff)
    summary = driver.find_element(By.ID, "summary").text
    keys = [r.find_elements(By.TAG_NAME, "td")[0].text
            for r in driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr")]
    check("changed" in summary and "main.cache.index" in keys,
          "the diff page lists the changed map", summary)
    driver.save_screenshot(os.path.join(artifacts, "html-diff.png"))
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    check(not errors, "no script errors on the diff page", errors[:3])

    driver.get("file://" + sim)
    summary = driver.find_element(By.ID, "summary").text
    lines = driver.find_elements(By.CSS_SELECTOR, "#chart polyline.series")
    check("go1.24" in summary and "peak" in summary and len(lines) == 3,
          "the simulation page draws one line per Go version", summary)
    pts = [len(x.get_attribute("points").split()) for x in lines]
    check(all(p > 100 for p in pts), "each line has the run's samples", pts)
    rows = driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr")
    check(len(rows) == 9, f"the table has each checkpoint of each version ({len(rows)})")
    driver.save_screenshot(os.path.join(artifacts, "html-simulate.png"))
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    check(not errors, "no script errors on the simulation page", errors[:3])
finally:
    driver.quit()
    shutil.rmtree(tmp, ignore_errors=True)
print(f"1..{n}")
sys.exit(1 if failed else 0)
