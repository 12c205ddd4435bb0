#!/usr/bin/env python3
"""The HTML report in a real headless Chromium (Debian's chromium, chromium-driver and
python3-selenium): the page is self-contained, draws the summary and the table, sorts by a
clicked column, shows a map's breakdown and histogram when its row is clicked, and the diff
page lists the changes. Screenshots are kept next to the build as test artifacts.
TAP on stdout. Usage: test_html.py MAPSIZE SAMPLES_DIR ARTIFACT_DIR
"""
import os, re, shutil, subprocess, sys, tempfile

n = failed = 0


def check(ok, msg, diag=""):
    global n, failed
    n += 1
    failed += not ok
    print("ok" if ok else "not ok", n, "-", msg)
    for line in str(diag).splitlines():
        print("#", line)


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
    check(len(rows) > 300, f"the table has a row per map ({len(rows)})")

    def column(i):
        return [r.find_elements(By.TAG_NAME, "td")[i].text
                for r in driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr")]

    def num(s):
        return int(s.replace(",", ""))

    first = column(0)[0]
    check(first == "main.metrics", "sorted by held bytes at first: the map of maps leads", first)
    bars = driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr .bar span")
    check(len(bars) > 300, "each row has its breakdown bar")
    headers = {h.text: h for h in driver.find_elements(By.CSS_SELECTOR, "#maps thead th")}
    headers["len"].click()
    lens = [num(x) for x in column(3)]
    check(lens == sorted(lens, reverse=True), "clicking 'len' sorts by len, largest first",
          lens[:5])
    headers["len"].click()
    lens = [num(x) for x in column(3)]
    check(lens == sorted(lens), "clicking it again sorts the other way", lens[:5])
    driver.save_screenshot(os.path.join(artifacts, "html-report-sorted.png"))
    rows = driver.find_elements(By.CSS_SELECTOR, "#maps tbody tr")
    rows[-1].click()
    detail = driver.find_element(By.ID, "detail")
    h2 = detail.find_element(By.TAG_NAME, "h2").text
    svgs = detail.find_elements(By.CSS_SELECTOR, "svg rect")
    check(column(0)[-1] in h2 and len(svgs) > 0,
          "clicking a row shows that map's breakdown and its histogram", h2)
    driver.save_screenshot(os.path.join(artifacts, "html-report-detail.png"))
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    check(not errors, "no script errors in the console", errors[:3])

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
