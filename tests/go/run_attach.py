#!/usr/bin/env python3
"""`mapsize attach`, `record`, `replay` and `diff` against real Go processes.

For a classic (Go 1.23) and two Swiss (Go 1.24, 1.27) builds of
tests/go/progs/inspect_truth.go:
- attach's report equals inspect's report on a gcore core taken at the same
  moment (the program holds still: it waits on stdin), map for map, and both
  agree with the program's own truth: by the default method (soft-dirty
  precopy where the kernel keeps soft-dirty bits, else uffd-wp precopy where
  an amd64 kernel >= 6.7 has asynchronous userfaultfd write-protect, else stop
  and copy: the report must name the one this kernel allows), by
  --attach-method=uffd-wp, by --no-clear-refs (stop and copy), and by the
  precopy path with every page counted dirty (MAPSIZE_TEST_ALL_DIRTY=1, so
  that it runs on kernels without soft-dirty);
  attach --format pprof, read by the toolchain's `go tool pprof -raw`, has one
  sample per map and the same held bytes;
- replay(record(core)) prints exactly what inspect printed, byte for byte, and
  record --pid makes a layout too; a layout is a small fraction of the core;
- diff of a report with its replay finds every map the same.
With tests/go/progs/busy.go (a big map and a goroutine that keeps counting):
- SIGKILL, SIGINT or SIGTERM to mapsize while the target is stopped leaves the
  target running (its counter advances), never stopped;
- attach writes nothing: the target's checksum of its map is unchanged, its
  open files and its mappings (/proc/PID/fd, /proc/PID/maps) are as before
  (the uffd-wp method's injected userfaultfd is closed, its registration
  undone); a 386 target falls back to stop and copy (soft-dirty precopy where
  the kernel keeps soft-dirty bits) and is left the same;
- a target that dies during the read ends attach with exit 5 and a clear line;
- --no-stop never stops the target and says the report may be inconsistent;
- under a write load (busy.go churn: a map whose len is always 50,000 or
  50,001 keeps being written), every method's report is whole: no map walk
  error, both maps at a len they can have; the writer runs on after the
  attach and every check it makes of what it wrote holds;
- no permission (an unprivileged user), a non-Go process and a missing pid
  get their documented errors; an unprivileged user attaching to its own
  process gets the default method.
TAP on stdout. Usage: run_attach.py --mapsize PATH [--only go1.23,go1.27]
"""
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gocore  # noqa: E402
from run_inspect_truth import compare, compare_linker_stripped  # noqa: E402
from tap import finish, skip_or_fail_missing, tap  # noqa: E402
from timescale import limit  # noqa: E402

REQUIRE = bool(os.environ.get("MAPSIZE_REQUIRE_GO"))
VOLATILE = {"source", "elapsed_seconds", "bytes_read", "pause_ns", "attach_method",
            "copied_bytes", "reread_bytes"}
ALL_DIRTY = dict(os.environ, MAPSIZE_TEST_ALL_DIRTY="1")


def soft_dirty_kernel():
    """Does this kernel keep soft-dirty bits (pagemap bit 55 set by a write after clear_refs)?"""
    import ctypes, mmap, struct
    m = mmap.mmap(-1, mmap.PAGESIZE)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(m))

    def bit55():
        with open("/proc/self/pagemap", "rb") as f:
            f.seek(addr // mmap.PAGESIZE * 8)
            return (struct.unpack("Q", f.read(8))[0] >> 55) & 1
    try:
        m[0:1] = b"x"
        with open("/proc/self/clear_refs", "w") as f:
            f.write("4")
        before = bit55()
        m[0:1] = b"y"
        return before == 0 and bit55() == 1
    except OSError:
        return False


def uffd_wp_kernel():
    """Can an amd64 process make a userfaultfd with asynchronous write-protect (Linux >= 6.7),
    as mapsize makes the target do: userfaultfd(O_CLOEXEC|O_NONBLOCK|UFFD_USER_MODE_ONLY),
    UFFDIO_API with UFFD_FEATURE_WP_ASYNC|UFFD_FEATURE_WP_UNPOPULATED?"""
    import ctypes, platform
    if platform.machine() != "x86_64":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(323, os.O_CLOEXEC | os.O_NONBLOCK | 1)  # __NR_userfaultfd
    if fd < 0:
        return False
    try:
        api = (ctypes.c_uint64 * 3)(0xAA, (1 << 15) | (1 << 13), 0)
        return libc.ioctl(fd, ctypes.c_ulong(0xC018AA3F), api) == 0  # UFFDIO_API
    finally:
        os.close(fd)


SOFT_DIRTY = soft_dirty_kernel()
UFFD_WP = uffd_wp_kernel()
DEFAULT_METHOD = ("soft-dirty precopy" if SOFT_DIRTY else
                  "uffd-wp precopy" if UFFD_WP else "stop and copy")
METHODS = [([], DEFAULT_METHOD, None), (["--no-clear-refs"], "stop and copy", None),
           ([], "soft-dirty precopy", ALL_DIRTY),
           (["--attach-method=uffd-wp"], "uffd-wp precopy" if UFFD_WP else "stop and copy",
            None)]


def method_name(args, env):
    return " ".join(args) or ("precopy, every page dirty" if env else "default method")
CONFIGS = [("go1.23", "1.23"), ("go1.24", "1.24"), ("go1.27", "1.27")]


def normalized(doc):
    """A report without what differs between a core and a live read of the same moment."""
    d = {k: v for k, v in doc.items() if k not in VOLATILE}
    d["summary"] = {k: v for k, v in doc["summary"].items() if k not in VOLATILE}
    return d


SCHEMAS = os.path.join(HERE, "..", "..", "doc", "schema")


def schema_errors(doc, name):
    """Validation errors of doc against doc/schema/NAME.schema.json (python3-jsonschema)."""
    try:
        import jsonschema
    except ImportError:
        return ["python3-jsonschema is not installed"] if REQUIRE else []
    with open(os.path.join(SCHEMAS, f"{name}.schema.json")) as f:
        v = jsonschema.Draft202012Validator(json.load(f))
    return [f"{name} schema: {e.message} at {list(e.path)}" for e in v.iter_errors(doc)][:3]


# what hung, once a mapsize run outlived its time limit: the later runs fail at once
# instead of each hanging until its own limit
HUNG = None


def mapsize_json(mapsize, *args, env=None):
    global HUNG
    if HUNG:
        raise RuntimeError(f"mapsize {' '.join(args)}: not run, an earlier run hung ({HUNG})")
    try:
        r = subprocess.run([mapsize, *args], capture_output=True, text=True,
                           timeout=limit(300), env=env)
    except subprocess.TimeoutExpired as e:
        HUNG = f"mapsize {' '.join(args[:2])}: no end within {e.timeout:.0f} s"
        raise RuntimeError(HUNG) from e
    if r.returncode != 0:
        raise RuntimeError(f"mapsize {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def state(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("State:"):
                    return line.split()[1]
    except FileNotFoundError:
        return "gone"
    return "?"


def first_diff(a, b, path=""):
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: only in {'b' if k not in a else 'a'}"
            d = first_diff(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def truth_cases(mapsize, name, version, work):
    exe = gocore.build(version, os.path.join(work, "truth"))
    core = os.path.join(work, "core")
    with gocore.TruthProcess(exe, work) as p:
        gocore.gcore(p.pid, core)
        lives = [mapsize_json(mapsize, "attach", str(p.pid), "--exe", exe, "--format", "json",
                              *args, env=env) for args, _, env in METHODS]
        prof = os.path.join(work, "attach.pb.gz")
        rprof = subprocess.run([mapsize, "attach", str(p.pid), "--exe", exe, "--format", "pprof",
                                "-o", prof], capture_output=True, text=True, timeout=limit(300))
        layout_pid = os.path.join(work, "pid.msl")
        rp = subprocess.run([mapsize, "record", "--pid", str(p.pid), "--exe", exe, "-o",
                             layout_pid], capture_output=True, text=True, timeout=limit(300))
        truth = p.maps
    insp = mapsize_json(mapsize, "inspect", core, "--exe", exe, "--format", "json")
    c = json.loads(insp)
    from run_pprof import raw_samples  # noqa: E402

    a = json.loads(lives[0])
    header, values = raw_samples(gocore.go_wrapper(version), prof) if rprof.returncode == 0 \
        else (None, rprof.stderr)
    got = [len(values), sum(v[1] for v in values)] if header else values
    want = [len(a["maps"]), a["summary"]["held_bytes"]]
    tap(got == want, f"{name}: attach --format pprof, read by go{version} tool pprof -raw: "
        f"one sample per map, the JSON report's held bytes", [f"{got} != {want}"])
    for live, (args, method, env) in zip(lives, METHODS):
        a = json.loads(live)
        s = a["summary"]
        d = first_diff(normalized(a), normalized(c))
        problems, held = compare(truth, a)
        problems += schema_errors(a, "inspect")
        if s.get("attach_method") != method:
            problems.append(f"attach_method {s.get('attach_method')!r}, expected {method!r}")
        # (uffd-wp precopy copies again while the process runs what it wrote meanwhile: an idle
        # process can leave nothing to read while stopped)
        if not (0 if method == "uffd-wp precopy" else 1) <= s.get("reread_bytes", 0) <= \
                s.get("copied_bytes", 0):
            problems.append(f"reread_bytes {s.get('reread_bytes')} copied_bytes "
                            f"{s.get('copied_bytes')}")
        tap(d is None and not problems and not held,
            f"{name}: attach ({method_name(args, env)}) reports exactly what inspect reports on "
            f"a core of the same moment",
            [f"first difference: {d}"] + problems + held +
            [f"{s.get('attach_method')}: pause {s['pause_ns'] / 1e6:.1f} ms, "
             f"{s.get('copied_bytes', 0) >> 20} MiB copied, {s.get('reread_bytes', 0) >> 20} MiB "
             f"while stopped, {len(a['maps'])} maps"])

    layout = os.path.join(work, "core.msl")
    # inspect --record prints the report it records: the replay must print exactly that
    r = subprocess.run([mapsize, "inspect", core, "--exe", exe, "--format", "json",
                        "--record", layout], capture_output=True, text=True, timeout=limit(300))
    insp = r.stdout
    c = json.loads(insp) if r.returncode == 0 else {}
    replay = subprocess.run([mapsize, "replay", layout, "--format", "json"],
                            capture_output=True, text=True, timeout=limit(300))
    text_i = subprocess.run([mapsize, "inspect", core, "--exe", exe], capture_output=True,
                            text=True).stdout
    text_r = subprocess.run([mapsize, "replay", layout], capture_output=True, text=True).stdout
    ok = r.returncode == 0 and replay.returncode == 0 and replay.stdout == insp
    ratio = os.path.getsize(layout) / max(1, os.path.getsize(core) - _holes(core))
    tap(ok, f"{name}: replay(record(core)) prints exactly what inspect printed",
        [f"record exit {r.returncode} {r.stderr.strip()}, replay exit {replay.returncode} "
         f"{replay.stderr.strip()}",
         f"first difference: {first_diff(json.loads(replay.stdout or '{}'), c)}"
         if not ok else f"layout {os.path.getsize(layout)} bytes = {100 * ratio:.2f}% of the "
                        f"core's {(os.path.getsize(core) - _holes(core)) >> 20} MiB of data"])
    tap(text_i == text_r, f"{name}: the text report of a replay is the inspect one",
        [] if text_i == text_r else ["text differs"])
    lp = json.load(open(layout_pid)) if rp.returncode == 0 else {}
    errs = schema_errors(lp, "inspect") + schema_errors(json.load(open(layout)), "inspect")
    tap(rp.returncode == 0 and lp.get("kind") == "layout" and not errs,
        f"{name}: record --pid writes a layout; layouts validate against the schema",
        [rp.stderr.strip()] + errs)
    report = os.path.join(work, "inspect.json")
    with open(report, "w") as f:
        f.write(insp)
    diff = subprocess.run([mapsize, "diff", layout, report, "--format", "json"],
                          capture_output=True, text=True)
    dj = json.loads(diff.stdout) if diff.returncode == 0 else {}
    s = dj.get("summary", {})
    errs = schema_errors(dj, "diff")
    tap(s.get("same") == len(c["maps"]) and s.get("changed") == 0 and
        s.get("appeared") == 0 and s.get("disappeared") == 0 and not errs,
        f"{name}: diff of a report with its own layout finds every map the same",
        [f"{diff.stderr.strip()} {s}"] + errs)
    os.unlink(core)


def stripped_case(mapsize, name, version, work):
    """attach to a program linked with -ldflags=-s -w: /proc/PID/exe has no DWARF and no
    symbols either; the runtime's metadata must give every map with entries."""
    exe = gocore.build(version, os.path.join(work, "truth-sw"), ldflags="-s -w")
    with gocore.TruthProcess(exe, work) as p:
        r = subprocess.run([mapsize, "attach", str(p.pid), "--format", "json"],
                           capture_output=True, text=True, timeout=limit(300))
        truth = p.maps
        alive = state(p.pid) in ("R", "S", "D")
    doc = json.loads(r.stdout) if r.returncode == 0 else {"maps": []}
    problems, held, exempt = compare_linker_stripped(truth, doc) if r.returncode == 0 else (
        [f"exit {r.returncode}: {r.stderr.strip()}"], [], [])
    tap(not problems and not held and alive,
        f"{name}: attach to a stripped process (-ldflags=-s -w) finds every map with entries",
        problems + held + [f"{len(doc['maps'])} maps; not found, as expected: "
                           f"{', '.join(exempt)}", f"process left running: {alive}"])


def _holes(path):
    st = os.stat(path)
    return max(0, st.st_size - st.st_blocks * 512)


class Busy:
    """tests/go/progs/busy.go holding a big map; its counter file shows it runs."""

    def __init__(self, exe, work, n, churn=False, prefix=()):
        self.counter = os.path.join(work, "counter")
        self.p = subprocess.Popen([*prefix, exe, str(n), self.counter] +
                                  (["churn"] if churn else []),
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(f"busy did not start: {line!r}")
        self.pid = self.p.pid

    def count(self):
        try:
            with open(self.counter) as f:
                return int(f.read() or 0)
        except (OSError, ValueError):
            return 0

    def runs(self):
        """Does the counter advance within a second (on a quiet machine)?"""
        c0 = self.count()
        end = time.monotonic() + limit(1)
        while time.monotonic() < end:
            time.sleep(0.01)
            if self.count() > c0:
                return True
        return False

    def ask(self, what):
        self.p.stdin.write(what + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def checksum(self):
        return self.ask("sum")

    def churn(self):
        """(rounds the churn goroutine made, whether every check of its own writes held)"""
        _, rounds, ok = self.ask("churn").split()
        return int(rounds), ok == "true"

    def files(self):
        """The open files: fd -> what it is (but the counter file, which it opens and closes
        every 2 ms)."""
        d = f"/proc/{self.pid}/fd"
        out = {}
        for fd in os.listdir(d):
            try:
                what = os.readlink(os.path.join(d, fd))
            except FileNotFoundError:
                continue  # closed meanwhile: the counter file's
            if what != self.counter:
                out[fd] = what
        return out

    def maps(self):
        """What a userfaultfd registration leaves in /proc/PID/smaps if it is not undone: the
        mappings registered (VmFlags "uw"), and boundaries between anonymous mappings of the
        same permissions, which the kernel merges once no registration splits them (the Go
        heap growing meanwhile changes neither)."""
        with open(f"/proc/{self.pid}/smaps") as f:
            text = f.read()
        registered, split, prev = [], [], None
        for line in text.splitlines():
            fields = line.split()
            if line.startswith("VmFlags:") and "uw" in fields[1:]:
                registered.append(prev[0])
            elif len(fields) == 5 and "-" in fields[0] and fields[4] == "0":
                lo, hi = fields[0].split("-")
                if prev and prev[1] == lo and prev[2] == fields[1] and prev[3]:
                    split.append(lo)
                prev = (fields[0], hi, fields[1], True)
            elif len(fields) >= 5 and "-" in fields[0] and ":" in fields[3]:
                prev = (fields[0], fields[0].split("-")[1], fields[1], False)
        return {"registered": registered, "split": split}

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()


def wait_stopped(pid, child, timeout=None):
    """Wait until the target is in tracing stop while child (mapsize) still runs."""
    end = time.monotonic() + (timeout or limit(20))
    while time.monotonic() < end and child.poll() is None:
        if state(pid) == "t":
            return True
        time.sleep(0.0005)
    return False


def busy_cases(mapsize, version, work):
    os.chmod(work, 0o755)  # the unprivileged user must be able to read the executable
    exe = gocore.build(version, os.path.join(work, "busy"),
                       prog=os.path.join(HERE, "progs", "busy.go"))
    b = Busy(exe, work, 4_000_000)
    try:
        for args, method, env in [m for m in METHODS if m[2] is None]:
            before, files, maps = b.checksum(), b.files(), b.maps()
            r = subprocess.run([mapsize, "attach", str(b.pid), "--format", "json", *args],
                               capture_output=True, text=True, timeout=limit(300), env=env)
            after, files_after, maps_after = b.checksum(), b.files(), b.maps()
            doc = json.loads(r.stdout) if r.returncode == 0 else {}
            s = doc.get("summary", {})
            tap(r.returncode == 0 and before == after and b.runs() and
                s.get("attach_method") == method and files == files_after and
                not maps_after["registered"] and set(maps_after["split"]) <= set(maps["split"])
                and any(m["len"] == 4_000_000 for m in doc.get("maps", [])),
                f"attach ({method_name(args, env)}) writes nothing to the target (its checksum "
                f"is unchanged), leaves it no open file, no mapping registered or split, and lets "
                f"it go",
                [line for line in (
                    f"{before} / {after}",
                    f"files before {files}, after {files_after}" if files != files_after else "",
                    f"mappings before {maps}, after {maps_after}" if maps_after["registered"]
                    or not set(maps_after["split"]) <= set(maps["split"]) else "") if line] +
                ([f"{s.get('attach_method')}: pause {s.get('pause_ns', 0) / 1e6:.1f} ms, "
                  f"{s.get('copied_bytes', 0) >> 20} MiB copied"] if not r.returncode else
                 [f"exit {r.returncode} {r.stderr.strip()}"]))

        # stop and copy: the stop lasts the whole copy, long enough to be caught
        for sig in (signal.SIGKILL, signal.SIGINT, signal.SIGTERM):
            child = subprocess.Popen([mapsize, "attach", str(b.pid), "--no-clear-refs"],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
            caught = wait_stopped(b.pid, child)
            child.send_signal(sig)
            child.wait(timeout=limit(60))
            time.sleep(0.05)
            st = state(b.pid)
            tap(caught and st not in ("t", "T") and b.runs(),
                f"{signal.Signals(sig).name} to mapsize while the target is stopped leaves "
                f"the target running",
                [f"caught the target stopped: {caught}; its state after: {st}; "
                 f"mapsize exit {child.returncode}"])

        r = subprocess.run([mapsize, "attach", str(b.pid), "--timeout", "0.02"],
                           capture_output=True, text=True, timeout=limit(120))
        time.sleep(0.05)
        tap(r.returncode == 7 and "--timeout" in r.stderr and state(b.pid) not in ("t", "T")
            and b.runs(), "attach --timeout stops the read, exits 7, and the target runs on",
            [f"exit {r.returncode} {r.stderr.strip()!r}"])

        # the same at every point of an attach: before the stop (loading DWARF), during it,
        # and after it (building the report)
        # (and, where the default is uffd-wp precopy, the target keeps no userfaultfd and its
        # main thread, which the injected calls ran on, serves its stdin as before)
        files, before = b.files(), b.checksum()
        for sig in (signal.SIGKILL, signal.SIGINT, signal.SIGTERM):
            bad = []
            for delay in (0.0, 0.002, 0.01, 0.03, 0.06, 0.1, 0.2, 0.4):
                child = subprocess.Popen([mapsize, "attach", str(b.pid)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(delay)
                child.send_signal(sig)
                child.wait(timeout=limit(60))
                time.sleep(0.02)
                st = state(b.pid)
                if st in ("t", "T") or not b.runs():
                    bad.append(f"after {delay * 1e3:.0f} ms: state {st}")
                if b.files() != files or b.checksum() != before:
                    bad.append(f"after {delay * 1e3:.0f} ms: files {b.files()}, "
                               f"{b.checksum()} (was {before})")
            tap(not bad, f"{signal.Signals(sig).name} at 8 points of an attach never leaves the "
                f"target stopped", bad)

        child = subprocess.Popen([mapsize, "attach", str(b.pid), "--no-stop", "--format", "json"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stopped = wait_stopped(b.pid, child, timeout=5)
        out, err = child.communicate(timeout=limit(300))
        doc = json.loads(out) if child.returncode == 0 else {}
        tap(child.returncode == 0 and not stopped and doc.get("consistent") is False and
            doc["summary"]["pause_ns"] == 0 and any("no-stop" in w for w in doc["warnings"]),
            "--no-stop never stops the target and says the report may be inconsistent",
            [f"exit {child.returncode} {err.strip()}, stopped: {stopped}"])
    finally:
        b.close()

    b = Busy(exe, work, 200_000, churn=True)
    try:
        for args, method, env in METHODS:
            rounds, _ = b.churn()
            files = b.files()
            r = subprocess.run([mapsize, "attach", str(b.pid), "--format", "json", *args],
                               capture_output=True, text=True, timeout=limit(300), env=env)
            try:  # exit 6 (a damaged map) still writes the report
                doc = json.loads(r.stdout)
            except ValueError:
                doc = {"maps": [], "summary": {}}
            s = doc["summary"]
            lens = sorted(m["len"] for m in doc["maps"] if m["len"] >= 1000)
            errors = [f"{m['type']} at {m['address']}: {m['error']}" for m in doc["maps"]
                      if m.get("error")]
            # a goroutine inside a write to the map when it stopped (write_in_progress):
            # len and the entries counted may differ by the one in flight, no damage
            writing = [f"{m['address']} caught inside a write: len {m['len']}, "
                       f"{m.get('occupied')} counted" for m in doc["maps"]
                       if m.get("write_in_progress")]
            runs = b.runs()
            rounds_after, whole = b.churn()
            tap(r.returncode == 0 and not errors and s.get("attach_method") == method and
                len(lens) == 2 and lens[0] in (50_000, 50_001) and lens[1] == 200_000 and
                runs and rounds_after > rounds and whole and b.files() == files,
                f"attach ({method_name(args, env)}) to a process writing a map: every map "
                f"whole, at a len it can have; the writer runs on, unharmed",
                [f"exit {r.returncode} {r.stderr.strip()}", f"lens {lens}",
                 f"churn rounds {rounds} -> {rounds_after}, its checks held: {whole}"] +
                errors[:3] + writing +
                [f"{s.get('attach_method')}: pause {s.get('pause_ns', 0) / 1e6:.1f} ms, "
                 f"{s.get('copied_bytes', 0) >> 20} MiB copied, "
                 f"{s.get('reread_bytes', 0) >> 20} MiB while stopped"])
    finally:
        b.close()

    # a 386 process: no userfaultfd injection (amd64 only), a clean fallback
    exe386 = gocore.build(version, os.path.join(work, "busy386"), arch="386",
                          prog=os.path.join(HERE, "progs", "busy.go"))
    b = Busy(exe386, work, 100_000, churn=True)
    try:
        want = "soft-dirty precopy" if SOFT_DIRTY else "stop and copy"
        before, files, rounds = b.checksum(), b.files(), b.churn()[0]
        r = subprocess.run([mapsize, "attach", str(b.pid), "--format", "json"],
                           capture_output=True, text=True, timeout=limit(300))
        doc = json.loads(r.stdout) if r.returncode == 0 else {"maps": [], "summary": {}}
        s = doc["summary"]
        lens = sorted(m["len"] for m in doc["maps"] if m["len"] >= 1000)
        rounds_after, whole = b.churn()
        tap(r.returncode == 0 and r.stderr == "" and s.get("attach_method") == want and
            lens[-1:] == [100_000] and before == b.checksum() and files == b.files() and
            rounds_after > rounds and whole,
            f"attach to a 386 process falls back to {want}, quietly, and leaves it the same",
            [f"exit {r.returncode} {r.stderr.strip()}", f"method {s.get('attach_method')}",
             f"lens {lens}"])
    finally:
        b.close()

    b = Busy(exe, work, 8_000_000)  # a read long enough to be interrupted for sure
    try:
        # stop and copy: the stop lasts the whole copy, long enough to be caught
        child = subprocess.Popen([mapsize, "attach", str(b.pid), "--format", "json",
                                  "--no-clear-refs"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        caught = wait_stopped(b.pid, child)
        t_kill = time.monotonic()
        os.kill(b.pid, signal.SIGKILL)
        out, err = child.communicate(timeout=limit(60))
        lines = err.splitlines()
        pause = json.loads(out)["summary"]["pause_ns"] / 1e6 if child.returncode == 0 else 0
        tap(caught and child.returncode == 5 and len(lines) == 1 and "exited" in err,
            "a target that dies during the read ends attach with exit 5 and one line",
            [f"caught: {caught}, exit {child.returncode}, stderr {err.strip()!r}",
             f"(a pause of {pause:.1f} ms had ended when it was killed)" if pause else ""])
    finally:
        b.close()

    b = Busy(exe, work, 1000)
    try:
        # another tracer holds the process (until mapsize has tried): its threads cannot be
        # seized
        released = os.path.join(work, "released")
        hold = (f"shell timeout {limit(60):.0f} sh -c "
                f"'while [ ! -e {released} ]; do sleep 0.05; done'")
        gdb = subprocess.Popen(["gdb", "-batch", "-nx", "-p", str(b.pid), "-ex", hold],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + limit(4)
        while time.monotonic() < end:
            with open(f"/proc/{b.pid}/status") as f:
                if any(l.startswith("TracerPid:") and l.split()[1] != "0" for l in f):
                    break
            time.sleep(0.02)
        r = subprocess.run([mapsize, "attach", str(b.pid)], capture_output=True, text=True,
                           timeout=limit(60))
        open(released, "w").close()
        gdb.wait(timeout=limit(60))
        tap(r.returncode == 5 and f"attach to {b.pid}: ptrace not permitted (it is traced "
            f"already, by pid {gdb.pid}" in r.stderr and
            len(r.stderr.splitlines()) == 1 and b.runs(),
            "attach to a process another tracer holds: exit 5, one line naming the tracer, the "
            "process runs on",
            [f"exit {r.returncode} {r.stderr.strip()!r}"])

        setpriv = shutil.which("setpriv")
        if os.geteuid() == 0 and setpriv:
            r = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                                mapsize, "attach", str(b.pid), "--exe", exe],
                               capture_output=True, text=True, timeout=limit(60))
            tap(r.returncode == 5 and "ptrace not permitted (the process belongs to user root "
                "(uid 0) and mapsize runs as uid 65534" in r.stderr and
                "CAP_SYS_PTRACE" in r.stderr and len(r.stderr.splitlines()) == 1 and b.runs(),
                "attach without permission: exit 5, one line saying whose the process is",
                [f"exit {r.returncode} {r.stderr.strip()!r}"])
        else:
            tap(True, "attach without permission", skip="needs root and setpriv")
    finally:
        b.close()

    # a process of an unprivileged user, attached to by that user: the default method still
    # runs (the injected userfaultfd is UFFD_USER_MODE_ONLY, allowed with
    # vm.unprivileged_userfaultfd=0)
    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0 and setpriv:
        nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        home = os.path.join(work, "nobody")
        os.mkdir(home)
        os.chmod(home, 0o777)
        b = Busy(exe, home, 100_000, churn=True, prefix=nobody)
        try:
            files, rounds = b.files(), b.churn()[0]
            r = subprocess.run([*nobody, mapsize, "attach", str(b.pid), "--format", "json"],
                               capture_output=True, text=True, timeout=limit(300))
            try:  # exit 6 (a damaged map) still writes the report
                doc = json.loads(r.stdout)
            except ValueError:
                doc = {"maps": [], "summary": {}}
            method = doc["summary"].get("attach_method")
            rounds_after, whole = b.churn()
            tap(r.returncode == 0 and method == DEFAULT_METHOD and files == b.files() and
                rounds_after > rounds and whole and
                any(m["len"] == 100_000 for m in doc["maps"]),
                f"an unprivileged user attaches to its own process by the default method "
                f"({DEFAULT_METHOD})",
                [f"exit {r.returncode} {r.stderr.strip()}", f"method {method}",
                 f"churn rounds {rounds} -> {rounds_after}, its checks held: {whole}",
                 f"files before {files}, after {b.files()}",
                 f"lens {sorted(m['len'] for m in doc['maps'] if m['len'] >= 1000)}"] +
                [f"{m['address']}: {m['error']}" for m in doc["maps"] if m.get("error")])
        finally:
            b.close()
    else:
        tap(True, "unprivileged attach by the default method", skip="needs root and setpriv")
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        r = subprocess.run([mapsize, "attach", str(sleeper.pid)], capture_output=True,
                           text=True, timeout=limit(60))
        tap(r.returncode == 4 and "not a Go executable" in r.stderr and
            state(sleeper.pid) not in ("t", "T"),
            "attach to a process that is not Go: exit 4", [r.stderr.strip()])
    finally:
        sleeper.kill()
        sleeper.wait()
    r = subprocess.run([mapsize, "attach", "999999999"], capture_output=True, text=True)
    tap(r.returncode == 5 and "no such process" in r.stderr,
        "attach to a pid that does not exist: exit 5", [r.stderr.strip()])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize", required=True)
    ap.add_argument("--only", default="",
                    help="the configurations of the attach and record cases, e.g. go1.23,go1.27 "
                    "(the safety cases on go1.24 always run)")
    args = ap.parse_args()
    mapsize = os.path.abspath(args.mapsize)
    configs = [c for c in CONFIGS if not args.only or c[0] in args.only.split(",")]
    if args.only and len(configs) != len(args.only.split(",")):
        ap.error(f"--only: known configurations are {', '.join(c[0] for c in CONFIGS)}")
    for name, version in configs:
        if not gocore.go_wrapper(version):
            skip_or_fail_missing(REQUIRE, name, version, "attach, record, replay")
            continue
        work = tempfile.mkdtemp(prefix="mapsize-attach-")
        try:
            truth_cases(mapsize, name, version, work)
            stripped_case(mapsize, name, version, work)
        except (gocore.GoCoreError, RuntimeError, ValueError) as e:
            tap(False, f"{name}: attach and record cases", str(e).splitlines()[-8:])
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if gocore.go_wrapper("1.24"):
        work = tempfile.mkdtemp(prefix="mapsize-busy-")
        try:
            busy_cases(mapsize, "1.24", work)
        except (gocore.GoCoreError, RuntimeError, ValueError) as e:
            tap(False, "attach safety cases", str(e).splitlines()[-8:])
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
