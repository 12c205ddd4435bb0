#!/usr/bin/env python3
"""`mapsize inspect` on bad and hostile input: every case gets the exit status
and the one-line message that man/mapsize.1 documents, never a crash, a hang
or unbounded memory; where the damage is local to one map, that map carries
the error and every other map of the program is still reported exactly as
the Go runtime says (tests/go/progs/inspect_truth.go).

Cases, on a classic (Go 1.23) and a Swiss (Go 1.24) kernel core:
- cores truncated at several offsets, and a core with a zeroed segment;
- the core with a different executable, a non-Go ELF, a stripped executable whose
  runtime metadata is damaged, an executable whose build-ID note has no bytes;
- map memory corrupted in the core: an absurd B, a cycle in an overflow
  chain, a bucket pointer outside the core, an overflow slice element outside
  the core, a directory of 2^40 entries, two
  tables sharing their groups, a directory pointer outside the core;
- random damage: 2,000 words anywhere in the core's memory overwritten (zero,
  random, small, huge, pointers into the core), read with --retained (the heap
  graph follows spans and bitmaps too): a documented status, no crash, no
  sanitizer report.

TAP on stdout. Usage: run_inspect_bad.py --mapsize PATH
  [--sweep go1.23,go1.26/386,... [--seeds 1-300] [--words 200,2000,20000] [--near-maps]]
(--sweep: random damage alone, many seeds and sizes, for hunting a rare failure)
"""
import argparse, json, os, random, re, resource, shutil, struct, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gocore  # noqa: E402
from run_inspect_truth import compare  # noqa: E402
from tap import finish, skip_or_fail_missing, tap  # noqa: E402
from timescale import limit  # noqa: E402

REQUIRE = bool(os.environ.get("MAPSIZE_REQUIRE_GO"))
MAX_RSS_MB = 256
ASAN = False


def run(mapsize, core, exe, *extra):
    """Run inspect in a child and measure it: (status, stdout, stderr, peak RSS MiB)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        if not ASAN:  # ASan reserves terabytes of shadow address space up front
            resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # a runaway is caught
        # a hang is a failure (SIGXCPU), not a suite that waits for meson's timeout
        resource.setrlimit(resource.RLIMIT_CPU, (300, 300))
        out = os.open(os.path.join(os.path.dirname(core), "out.json"),
                      os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(out, 1)
        os.dup2(w, 2)
        # exe None: no --exe, the executable the core names
        os.execv(mapsize, [mapsize, "inspect", core, *(["--exe", exe] if exe else []),
                           "--format", "json", *extra])
    os.close(w)
    err = b""
    with os.fdopen(r, "rb") as f:
        err = f.read()
    _, status, usage = os.wait4(pid, 0)
    out_path = os.path.join(os.path.dirname(core), "out.json")
    # a big report stays on disk: a child's peak RSS counts this process's memory at fork
    if os.path.getsize(out_path) > (4 << 20):
        out = "@" + out_path
    else:
        with open(out_path) as f:
            out = f.read()
    code = os.waitstatus_to_exitcode(status)
    return code, out, err.decode(errors="replace"), usage.ru_maxrss / 1024


def expect(mapsize, name, core, exe, status, fragment, truth=None, damaged=()):
    """One case: status, one stderr line with fragment; with truth, the report's other maps."""
    try:
        code, out, err, rss = run(mapsize, core, exe)
    except Exception as e:  # noqa: BLE001
        tap(False, name, [f"could not run: {e}"])
        return
    lines = err.splitlines()
    diag = [f"exit {code}, stderr {err.strip()!r}, peak RSS {rss:.0f} MiB"]
    ok = (code == status and rss < MAX_RSS_MB and
          (not lines if fragment is None else
           len(lines) == 1 and lines[0].startswith("mapsize: ") and fragment in lines[0]))
    if ok and status not in (0, 6) and out != "":
        ok = False
        diag.append("an error must write nothing on stdout")
    if ok and truth is not None:
        doc = json.loads(out)
        by_addr = {m["address"]: m for m in doc["maps"]}
        for name_, frag in damaged:
            t = next(t for t in truth if t["name"] == name_)
            m = by_addr.get(t["addr"])
            if not m or not m["error"] or frag not in m["error"]:
                ok = False
                diag.append(f"{name_}: expected an error with '{frag}', got "
                            f"{m and m['error']!r}")
        rest = [t for t in truth if t["name"] not in dict(damaged)]
        problems, held = compare(rest, doc)
        if problems or held:
            ok = False
            diag += problems + held
    tap(ok, name, diag)


class Core:
    """A copy of a core that can be patched at virtual addresses."""

    def __init__(self, src, dst):
        shutil.copyfile(src, dst)
        self.path = dst
        self.segs = gocore.load_segments(dst)

    def offset(self, addr):
        for s in self.segs:
            if s.vaddr <= addr < s.vaddr + s.filesz:
                return s.offset + addr - s.vaddr
        raise gocore.GoCoreError(f"{addr:#x} not in {self.path}")

    def read(self, addr, n):
        return gocore.read_memory(self.path, addr, n, self.segs)

    def word(self, addr):
        return int.from_bytes(self.read(addr, 8), "little")

    def write(self, addr, data):
        with open(self.path, "r+b") as f:
            f.seek(self.offset(addr))
            f.write(data)

    def set_word(self, addr, value):
        self.write(addr, struct.pack("<Q", value))


def find(truth, name):
    return next(t for t in truth if t["name"] == name)


def classic_cases(mapsize, work, exe, core, truth):
    # B = 63 in gInt's header (hmap.B at offset 9)
    c = Core(core, os.path.join(work, "bad-B"))
    c.write(int(find(truth, "gInt")["addr"], 16) + 9, bytes([63]))
    expect(mapsize, "classic: B=63 is one map's error, the rest is intact", c.path, exe, 6,
           "incomplete", truth, [("gInt", "absurd")])

    # a cycle: an overflow bucket of gBig pointing at itself
    c = Core(core, os.path.join(work, "bad-cycle"))
    big = find(truth, "gBig")
    hdr = int(big["addr"], 16)
    buckets = c.word(hdr + 16)
    bsize = 144
    for i in range(1 << big["B"]):
        ovf = c.word(buckets + i * bsize + bsize - 8)
        if ovf:
            c.set_word(ovf + bsize - 8, ovf)
            break
    else:
        tap(False, "classic: gBig has an overflow chain to corrupt")
        return
    expect(mapsize, "classic: a cycle in an overflow chain is one map's error", c.path, exe, 6,
           "incomplete", truth, [("gBig", "cycle")])

    # an element of gBig's overflow slice (hmap.extra.overflow) pointing outside the core:
    # the overflow bucket is on its chain, so every map is exact; the failed read of the
    # element leaked its error (69 bytes, LeakSanitizer in CI's random damage)
    c = Core(core, os.path.join(work, "bad-ovf-slice"))
    ovf = c.word(c.word(hdr + 40))
    c.set_word(c.word(ovf) + 8 * (c.word(ovf + 8) // 2), 0x1234)
    expect(mapsize, "classic: an overflow slice element outside the core is skipped", c.path,
           exe, 0, None, truth)

    # buckets pointing outside the core
    c = Core(core, os.path.join(work, "bad-ptr"))
    c.set_word(int(find(truth, "gStr")["addr"], 16) + 16, 0x7ff000000000)
    expect(mapsize, "classic: a bucket pointer outside the core is one map's error", c.path,
           exe, 6, "incomplete", truth, [("gStr", "not a heap object")])


def swiss_cases(mapsize, work, exe, core, truth):
    big = find(truth, "gBig")
    hdr = int(big["addr"], 16)
    # dirLen (Map offset 24) = 2^40
    c = Core(core, os.path.join(work, "bad-dirlen"))
    c.set_word(hdr + 24, 1 << 40)
    expect(mapsize, "swiss: a directory of 2^40 entries is one map's error", c.path, exe, 6,
           "incomplete", truth, [("gBig", "directory")])

    # the second table's groups are the first table's (table.groups.data at 16)
    c = Core(core, os.path.join(work, "bad-overlap"))
    d = c.word(hdr + 16)
    t0, t1 = c.word(d), c.word(d + 8)
    c.set_word(t1 + 16, c.word(t0 + 16))
    expect(mapsize, "swiss: two tables sharing groups is one map's error", c.path, exe, 6,
           "incomplete", truth, [("gBig", "two tables")])

    # dirPtr outside the core
    c = Core(core, os.path.join(work, "bad-dirptr"))
    c.set_word(int(find(truth, "gStr")["addr"], 16) + 16, 0x7ff000000000)
    expect(mapsize, "swiss: a directory pointer outside the core is one map's error", c.path,
           exe, 6, "incomplete", truth, [("gStr", "not a heap object")])


def section(path, name):
    """(file offset, size) of an ELF section, from readelf."""
    r = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True, check=True)
    for line in r.stdout.splitlines():
        f = line.replace("[ ", "[").split()
        if len(f) > 6 and f[1] == name:
            return int(f[4], 16), int(f[5], 16)
    return None


def set_section_type(path, name, sh_type):
    """Give an ELF64 file's section `name` another sh_type, in place."""
    with open(path, "r+b") as f:
        b = f.read()
        shoff, = struct.unpack_from("<Q", b, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3a)
        strtab, = struct.unpack_from("<Q", b, shoff + shstrndx * shentsize + 0x18)
        for i in range(shnum):
            h = shoff + i * shentsize
            at = strtab + struct.unpack_from("<I", b, h)[0]
            if b[at:b.index(0, at)] == name.encode():
                f.seek(h + 4)
                f.write(struct.pack("<I", sh_type))
                return
    raise gocore.GoCoreError(f"no section {name} in {path}")


def survives(mapsize, name, core, exe):
    """Hostile metadata: any answer but a crash, a sanitizer report or a runaway."""
    try:
        code, out, err, rss = run(mapsize, core, exe)
    except Exception as e:  # noqa: BLE001
        tap(False, name, [f"could not run: {e}"])
        return
    lines = err.strip().splitlines()
    ok = (code in (0, 3, 4, 6) and rss < MAX_RSS_MB and "Sanitizer" not in err and
          "runtime error" not in err and (code == 0 or (lines and
                                                        lines[-1].startswith("mapsize: "))))
    tap(ok, name, [f"exit {code}, peak RSS {rss:.0f} MiB, stderr {' / '.join(lines[-3:])!r}"])


def hostile_metadata(mapsize, work, label, stripped, core):
    """A stripped executable whose type descriptors are damaged: zeroed, or 1%, 3% or
    0.1% of their bytes flipped (nine patterns), must never crash or hang mapsize (they
    found a struct containing itself: a stack overflow, and an exponential walk; an
    array of 2^40 elements; a NULL candidate list)."""
    import random
    where = section(stripped, ".go.type") or section(stripped, ".rodata")
    if not where:
        tap(False, f"{label}: the stripped executable has type descriptors", ["no section"])
        return
    off, size = where
    data = bytearray(open(stripped, "rb").read())
    rates = (100, 30, 1000)  # one byte in N
    for i, what in enumerate(["zeroed"] + [f"{100 / rates[k % 3]:g}% of bytes flipped "
                                           f"(pattern {k})" for k in range(1, 10)]):
        b = bytearray(data)
        if i == 0:
            b[off:off + size] = bytes(size)
        else:
            rnd = random.Random(i)
            for _ in range(size // rates[i % 3]):
                b[off + rnd.randrange(size)] ^= 1 << rnd.randrange(8)
        path = os.path.join(work, f"stripped-types-{i}")
        with open(path, "wb") as f:
            f.write(b)
        os.chmod(path, 0o755)
        survives(mapsize, f"{label}: a stripped executable with its type descriptors {what} "
                 "is handled (no crash)", core, path)


def near_maps(core, truth):
    """Where maps live in the core: each header and what its first words point to, three
    pointers deep (buckets, mapextra, its overflow slice and that slice's array; a Swiss
    directory, its tables and groups), as (file offset, bytes) windows of up to 4 KiB."""
    segs = gocore.load_segments(core)
    seen, out = set(), []
    with open(core, "rb") as f:
        todo = [(int(t["addr"], 16), 0) for t in truth]
        while todo:
            a, depth = todo.pop()
            s = next((s for s in segs if s.vaddr <= a < s.vaddr + s.filesz), None)
            if not s or a in seen or s.vaddr + s.filesz - a < 8:
                continue
            seen.add(a)
            n = min(4096, s.vaddr + s.filesz - a)
            out.append((s.offset + a - s.vaddr, n))
            if depth < 3:
                f.seek(s.offset + a - s.vaddr)
                head = f.read(min(n, 64))
                todo += [(int.from_bytes(head[i:i + 8], "little"), depth + 1)
                         for i in range(0, len(head) - 7, 8)]
    return out


def random_damage(mapsize, work, label, exe, core, seeds=(1, 2, 3), words=2000, near=()):
    """Overwrite `words` random aligned words of the core's memory (seeded) and inspect
    --retained: exit 0, 3 or 6, every stderr line mapsize's own, no sanitizer report.
    near (near_maps): half of the words land there, in the maps' own memory."""
    # the program's writable memory: damage to its text and read-only data only makes
    # the core and the executable disagree (exit 3), which other cases cover
    ro = []
    for line in subprocess.run(["readelf", "-lW", exe], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        f = line.split()
        if f and f[0] == "LOAD" and "W" not in f[6:-1]:
            ro.append((int(f[2], 16), int(f[2], 16) + int(f[5], 16)))
    segs = [s for s in gocore.load_segments(core) if s.filesz >= 8 and
            not any(lo < s.vaddr + s.filesz and s.vaddr < hi for lo, hi in ro)]
    for seed in seeds:
        rng = random.Random(seed)
        c = Core(core, os.path.join(work, f"damaged-{seed}"))
        with open(c.path, "r+b") as f:
            for _ in range(words):
                s, t = rng.choice(segs), rng.choice(segs)
                value = rng.choice([0, rng.getrandbits(64), rng.getrandbits(16), (1 << 63) - 1,
                                    t.vaddr + rng.randrange(0, t.filesz - 7),
                                    t.vaddr + rng.randrange(0, t.filesz - 7, 8)])
                if near and rng.random() < 0.5:
                    at, n = rng.choice(near)
                    f.seek(at + rng.randrange(0, n // 8) * 8)
                else:
                    f.seek(s.offset + rng.randrange(0, s.filesz // 8) * 8)
                f.write(struct.pack("<Q", value))
        code, out, err, rss = run(mapsize, c.path, exe, "--retained")
        lines = err.splitlines()
        ok = (code in (0, 3, 6) and all(x.startswith("mapsize: ") for x in lines) and
              rss < MAX_RSS_MB)
        if ok and code != 3:  # a report: the heap graph was built on the damaged heap
            doc = json.load(open(out[1:])) if out.startswith("@") else json.loads(out)
            ok = "heap_graph" in doc["summary"]
            lines.append(f"heap graph: {doc['summary'].get('heap_graph')}")
        tap(ok, f"{label}: {words} random words overwritten (seed {seed}), --retained: "
            f"exit {code}, a clear message" + (" (half near the maps)" if near else ""),
            [f"peak RSS {rss:.0f} MiB"] +
            (lines[:30] if "Sanitizer" in err else lines[-6:]))
        os.unlink(c.path)


def rt_layout(minor, arch="MS_ARCH_AMD64"):
    """The runtime offsets of lib/binary/rt_layouts.c's row for Go 1.minor (no experiment)."""
    text = open(os.path.join(HERE, "..", "..", "lib", "binary", "rt_layouts.c")).read()
    row = re.search(r"\{%d, false, false, %s,\s*\{(.*?)\}" % (minor, arch), text, re.S)
    return {k: int(v) for k, v in re.findall(r"\.([\w.]+) = (\d+)ull", row.group(1))}


def damaged_span(mapsize, work, label, version, exe, core):
    """A span of small objects whose npages and nelems were overwritten (65535 pages, 0
    elements) is refused (its size class says 1 page): the heap graph has no more nodes
    than the undamaged core's (it made 33 million of a 35 MB go1.22/386 core: 424 MiB and
    seconds; with a few such spans, over the memory limit)."""
    rt = rt_layout(int(version.split(".")[1]))
    heap = int(next(line.split()[0] for line in subprocess.run(
        ["nm", exe], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.endswith(" runtime.mheap_")), 16)
    c = Core(core, os.path.join(work, "bad-span"))
    arr, n = c.word(heap + rt["mheap.allspans"]), c.word(heap + rt["mheap.allspans"] + 8)
    for i in range(n):
        sp = c.word(arr + 8 * i)
        b = c.read(sp, rt["span.size"])
        cls = b[rt["span.spanclass"]]
        if b[rt["span.state"]] == 1 and cls >> 1 == 2 and c.word(sp + rt["span.npages"]) == 1:
            c.set_word(sp + rt["span.npages"], 65535)
            c.write(sp + rt["span.nelems"], bytes(rt["span.nelems_bytes"]))
            break
    else:
        tap(False, f"{label}: a span of 16-byte objects to damage")
        return
    objects = []
    for path in (core, c.path):
        code, out, err, rss = run(mapsize, path, exe, "--retained")
        doc = json.load(open(out[1:])) if out.startswith("@") else json.loads(out or "{}")
        objects.append((code, doc.get("summary", {}).get("heap_graph", {}).get("objects"), rss))
    (c0, n0, _), (c1, n1, rss) = objects
    tap(c0 == 0 and c1 == 0 and n0 and n1 and n1 <= n0,
        f"{label}: a span of small objects claiming 65535 pages is refused: the heap graph "
        "has no more objects than the undamaged core's", [f"{objects}"])
    os.unlink(c.path)


def common_cases(mapsize, work, label, version, exe, core, truth):
    random_damage(mapsize, work, label, exe, core)
    damaged_span(mapsize, work, label, version, exe, core)
    size = os.path.getsize(core)
    for frac in (0.9, 0.5, 0.2):
        t = os.path.join(work, f"trunc-{frac}")
        shutil.copyfile(core, t)
        os.truncate(t, int(size * frac))
        expect(mapsize, f"{label}: a core truncated to {int(frac * 100)}% reports what is "
               f"there and says it is incomplete", t, exe, 6, "truncated")
    for n, status, frag in ((3000, 6, "truncated"), (40, 3, "not an ELF")):
        t = os.path.join(work, f"trunc-{n}")
        shutil.copyfile(core, t)
        os.truncate(t, n)
        expect(mapsize, f"{label}: a core cut to {n} bytes", t, exe, status, frag)

    # zero the segment holding gInt's buckets: that map is damaged, nothing else
    c = Core(core, os.path.join(work, "zeroed"))
    gint = find(truth, "gInt")
    buckets = c.word(int(gint["addr"], 16) + 16)
    seg = next(s for s in c.segs if s.vaddr <= buckets < s.vaddr + s.filesz)
    victims = [t["name"] for t in truth
               if any(seg.vaddr <= a < seg.vaddr + seg.filesz
                      for a in [int(t["addr"], 16)])]
    with open(c.path, "r+b") as f:
        f.seek(seg.offset)
        f.write(bytes(seg.filesz))
    code, out, err, rss = run(mapsize, c.path, exe)
    tap(code in (0, 6) and rss < MAX_RSS_MB and len(err.splitlines()) <= 1,
        f"{label}: a core with a zeroed segment ({seg.filesz >> 10} KiB, {len(victims)} headers "
        f"in it) still gives a report", [f"exit {code}, {err.strip()!r}, {rss:.0f} MiB"])

    # zero only gInt's storage: gInt says len 1000 but holds nothing; the rest is intact
    c = Core(core, os.path.join(work, "zeroed-map"))
    first = c.word(int(gint["addr"], 16) + 16)
    if gint["impl"] == "swiss":
        first = c.word(c.word(first) + 16)  # the first table's groups
    c.write(first, bytes(4096))
    expect(mapsize, f"{label}: zeroed storage of one map is that map's error", c.path, exe, 6,
           "incomplete", truth, [("gInt", "holds" if gint["impl"] == "swiss" else "occupied")])

    other = os.path.join(work, "other-exe")
    gocore.build(version, other, ldflags="-X main.unused=1 -buildid=other")
    expect(mapsize, f"{label}: the core with another build of the program", core, other, 3,
           "does not match")
    named_exe(mapsize, label, core, exe, other, truth)
    expect(mapsize, f"{label}: a non-Go executable", core, "/bin/true", 4, "not a Go executable")
    stripped = os.path.join(work, "stripped")
    shutil.copyfile(exe, stripped)
    subprocess.run(["strip", stripped], check=True)
    # a stripped executable works (run_inspect_truth.py); one whose runtime metadata is
    # damaged too (no .gopclntab, so no module data) is refused
    damaged_meta = os.path.join(work, "stripped-nopclntab")
    subprocess.run(["objcopy", "--remove-section", ".gopclntab", stripped, damaged_meta],
                   check=True)
    expect(mapsize, f"{label}: a stripped executable without its runtime metadata is refused",
           core, damaged_meta, 3, "runtime metadata")
    hostile_metadata(mapsize, work, label, stripped, core)
    # a build-ID note without bytes (SHT_NOBITS): read as no build ID (its read error leaked)
    nobits = os.path.join(work, "nobits-buildid")
    shutil.copyfile(exe, nobits)
    set_section_type(nobits, ".note.go.buildid", 8)
    expect(mapsize, f"{label}: an executable whose build-ID note has no bytes is read without "
           "it", core, nobits, 0, None, truth)
    expect(mapsize, f"{label}: the executable given as the core", exe, exe, 3, "not an ELF core")
    if shutil.which("valgrind") and not ASAN:
        r = subprocess.run(["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
                            "--errors-for-leak-kinds=definite", mapsize, "inspect", core, "--exe",
                            exe, "--format", "json"], capture_output=True, text=True,
                           timeout=limit(600))
        tap(r.returncode == 0, f"{label}: valgrind finds nothing in inspect of a real core",
            r.stderr.splitlines()[:20])
    code, out, err, rss = run(mapsize, core, exe, "--timeout", "0.001")
    tap(code == 7 and "--timeout" in err and len(err.splitlines()) == 1 and out == "",
        f"{label}: --timeout is honoured with exit 7 and one line", [f"exit {code} {err!r}"])

    if ASAN and label != "go1.24":
        # the finder's and the report's arrays grow the same way for every map kind: one
        # sanitizer run of 200,000 maps (go1.24's) is enough; the plain build runs both
        tap(True, f"{label}: 200,000 small maps are all reported",
            skip="under AddressSanitizer go1.24's core has them")
        tap(True, f"{label}: --max-memory is honoured", skip="not under AddressSanitizer")
        return
    many = gocore.build(version, os.path.join(work, "many"),
                        prog=os.path.join(HERE, "progs", "many_maps.go"))
    _, many_core = gocore.kernel_core(many, work)
    code, out, err, rss = run(mapsize, many_core, many)
    nmaps = 0
    if code == 0 and out.startswith("@"):
        nmaps = int(subprocess.run([sys.executable, "-c", "import json, sys; print(json.load("
                                    "open(sys.argv[1]))['summary']['maps'])", out[1:]],
                                   capture_output=True, text=True).stdout or 0)
    tap(code == 0 and nmaps >= 200_000,
        f"{label}: 200,000 small maps are all reported", [f"exit {code} {err!r}, {rss:.0f} MiB"])
    if ASAN:  # ASan's allocator cannot live under RLIMIT_DATA
        tap(True, f"{label}: --max-memory is honoured", skip="not under AddressSanitizer")
    else:
        code, out, err, rss = run(mapsize, many_core, many, "--max-memory", "16MiB")
        tap(code == 7 and "--max-memory" in err and len(err.splitlines()) == 1 and out == "",
            f"{label}: --max-memory is honoured with exit 7 and one line",
            [f"exit {code} {err!r}, {rss:.0f} MiB"])
    os.unlink(many_core)


def named_exe(mapsize, label, core, exe, other, truth):
    """Without --exe, inspect reads the executable the core names (NT_FILE): the same report
    as with --exe; when that file is gone or is another build, one line names the path and
    asks for --exe."""
    code, out, err, rss = run(mapsize, core, None)
    ok, diag = code == 0 and err == "", [f"exit {code}, {err.strip()!r}"]
    if ok:
        doc = json.loads(out)
        problems, held = compare(truth, doc)
        ok = not problems and not held and os.path.samefile(doc["exe"], exe)
        diag += problems + held + [f"exe {doc['exe']!r}"]
    tap(ok, f"{label}: without --exe, the executable the core names gives every map exactly",
        diag)
    moved = exe + ".moved"
    os.rename(exe, moved)
    try:
        expect(mapsize, f"{label}: without --exe, a named executable that is gone is named, "
               "and --exe asked for", core, None, 2, f"'{exe}', which cannot be read")
        shutil.copyfile(other, exe)
        expect(mapsize, f"{label}: without --exe, a named executable that is another build is "
               "refused, and --exe asked for", core, None, 2,
               f"'{exe}', which does not match it (different")
        os.unlink(exe)
    finally:
        os.rename(moved, exe)


def seed_range(text):
    """'7' or '1-300': the seeds of a sweep."""
    lo, _, hi = text.partition("-")
    return range(int(lo), int(hi or lo) + 1)


def sweep(mapsize, configs, seeds, words, focus):
    """Random damage alone, for people hunting a rare failure (a sanitizer's leak report):
    configs like go1.23, go1.26/386, go1.24/noswissmap; every seed at every damage size
    (focus: half of the words in the maps' headers and arrays)."""
    for config in configs:
        version, _, variant = config.removeprefix("go").partition("/")
        arch = "386" if variant == "386" else "amd64"
        experiment = variant if variant not in ("", "386") else ""
        if not gocore.go_wrapper(version):
            skip_or_fail_missing(REQUIRE, config, version, "random damage")
            continue
        work = tempfile.mkdtemp(prefix="mapsize-bad-")
        try:
            exe = gocore.build(version, os.path.join(work, "truth"), arch=arch,
                               experiment=experiment)
            truth, core = gocore.kernel_core(exe, work)
            near = near_maps(core, truth) if focus else ()
            for n in words:
                random_damage(mapsize, work, config, exe, core, seeds, n, near)
        except gocore.GoCoreError as e:
            tap(False, f"{config}: set up", str(e).splitlines()[-8:])
        finally:
            shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize", required=True)
    ap.add_argument("--sweep", metavar="CONFIGS",
                    help="random damage alone on these cores (comma-separated: go1.23,"
                    "go1.26/386,go1.24/noswissmap), instead of every case")
    ap.add_argument("--seeds", type=seed_range, default=range(1, 4),
                    help="with --sweep: a seed or a range (1-300); default 1-3")
    ap.add_argument("--words", default="2000",
                    help="with --sweep: words overwritten, comma-separated sizes")
    ap.add_argument("--near-maps", action="store_true",
                    help="with --sweep: half of the words in the maps' headers and arrays")
    args = ap.parse_args()
    global ASAN, MAX_RSS_MB
    mapsize = os.path.abspath(args.mapsize)
    with open(mapsize, "rb") as f:
        ASAN = b"__asan_init" in f.read()
    if ASAN:  # shadow memory and the quarantine of freed blocks: 2-3 times the RSS
        MAX_RSS_MB *= 3
    if args.sweep:
        sweep(mapsize, args.sweep.split(","), args.seeds,
              [int(n) for n in args.words.split(",")], args.near_maps)
        return finish()
    for label, version, cases in (("go1.23", "1.23", classic_cases),
                                  ("go1.24", "1.24", swiss_cases)):
        if not gocore.go_wrapper(version):
            skip_or_fail_missing(REQUIRE, label, version, "bad input is refused clearly")
            continue
        work = tempfile.mkdtemp(prefix="mapsize-bad-")
        try:
            exe = gocore.build(version, os.path.join(work, "truth"))
            truth, core = gocore.kernel_core(exe, work)
            cases(mapsize, work, exe, core, truth)
            common_cases(mapsize, work, label, version, exe, core, truth)
        except gocore.GoCoreError as e:
            tap(False, f"{label}: set up", str(e).splitlines()[-8:])
        finally:
            shutil.rmtree(work, ignore_errors=True)
    # Go 1.27 keeps type descriptors in .go.type and the module data in .go.module
    if gocore.go_wrapper("1.27"):
        work = tempfile.mkdtemp(prefix="mapsize-bad-")
        try:
            exe = gocore.build("1.27", os.path.join(work, "truth"))
            _, core = gocore.kernel_core(exe, work)
            stripped = os.path.join(work, "stripped")
            subprocess.run(["strip", "-o", stripped, exe], check=True)
            hostile_metadata(mapsize, work, "go1.27", stripped, core)
        except gocore.GoCoreError as e:
            tap(False, "go1.27: set up", str(e).splitlines()[-8:])
        finally:
            shutil.rmtree(work, ignore_errors=True)
    else:
        skip_or_fail_missing(REQUIRE, "go1.27", "1.27", "hostile runtime metadata")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
