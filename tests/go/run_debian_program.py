#!/usr/bin/env python3
"""mapsize inspect on a real program nobody here wrote: Debian's nats-server.

nats-server is rebuilt from Debian's own sources (golang-github-nats-io-nats-server-dev
puts them, and its dependencies', under /usr/share/gocode/src) with Debian's Go 1.19
(the toolchain Debian's nats-server was built with, per Built-Using), in GOPATH mode,
offline, with DWARF: once with Go's own linker (the default) and once with
-linkmode=external (gcc links it, as it linked Debian's binary); and once more with the
cached Go 1.24, whose malloc headers type most maps' storage, so that the stripped report
types most maps itself and its spelling of them is judged map for map (skipped without
that toolchain unless MAPSIZE_REQUIRE_GO is set). Each runs on 127.0.0.1
with JetStream and a bounded workload driven by a tiny NATS client over a raw socket:
three connections with 5000, 2000 and 300 distinct subscriptions, 200 publishes to them,
and a JetStream key-value bucket (memory storage) of 3000 keys. One kernel core is taken
of each (gocore.kernel_core: GOGC=off, GOTRACEBACK=crash, SIGQUIT), and:

- mapsize inspect with the DWARF executable, with a stripped copy and with --no-dwarf
  must agree map for map: every map of the DWARF report with entries is in the other
  reports at the same address with the same len, impl and held bytes, and they have no
  other map (exempt: empty maps and stack maps, which the runtime-metadata path cannot
  see; they are listed). Types are a test of their own: the same type spelled exactly as
  DWARF spells it (package paths: github.com/nats-io/nats-server/v2/server.subscription;
  only run_inspect_truth.descriptor_spelling's documented exception), or map[?]? admitting
  DWARF's type (among the candidates, or the candidates at the most kept);
- the workload's maps are reachable only from goroutine stacks: each must be named by the
  goroutine frame that holds it (DWARF: a variable's path, typed; stripped: the frame slot
  and then the fields, typed exactly: `...: <fp-0x50>.gacc.js.streams["KV_mapsize"].store.msgs`),
  with its root's package;
- the workload is the truth: each connection's subs (map[string]*server.subscription)
  and the account sublist's level under "wI.s" hold exactly 5000, 2000 and 300 entries,
  the KV stream's memory store its 3000 messages and 3000 subjects: every report must
  have maps of those lens that admit those types, spelled with the server package's path
  (SERVER).

Then Debian's packaged (stripped) nats-server (usr/sbin/nats-server of the nats-server
package, unpacked with dpkg -x into ~/.cache/mapsize/debian) runs the same workload; its
core, inspected with the packaged executable (runtime metadata, by itself), must show
the same maps. So does Debian's newest packaged nats-server, sid's (forky's if sid has
none; 2.15.1, built with go1.27.2, when written): fetched with scripts/private-apt (the
private apt configuration of scripts/install-go-toolchains: the system's apt sources never
see sid) into ~/.cache/mapsize/debian/nats-server-SUITE, only unpacked. From 2.10 on, the
memory store keeps its per-subject states in a subject tree, not a map: there the KV
stream's map is its messages alone. For both packaged executables: inspect exits 0 (no
map damaged), layouts from the runtime metadata, the workload's maps at their exact len,
and the goroutine stacks scanned (runtime.allgs found). The last lines are a table of
maps, entries, held bytes and sync.Maps per report.

Needs golang-github-nats-io-nats-server-dev (installed with apt-get, through sudo when not
root, when missing; scripts/bootstrap --tests installs it) and the cached Go 1.19 toolchain;
the nats-server packages are only downloaded and unpacked (no service is set up). A failed
install skips, or fails when MAPSIZE_REQUIRE_GO is set. Nothing else is written outside a
temporary directory.
TAP on stdout. Usage: run_debian_program.py --mapsize PATH [--keep] [--only-newest]
"""
import argparse
import json
import re
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import debserver  # noqa: E402
import gocore  # noqa: E402
from debserver import free_port, goroutine_problems, inspect, name_of  # noqa: E402
from run_inspect_truth import descriptor_spelling  # noqa: E402
from tap import finish, tap  # noqa: E402
from timescale import limit  # noqa: E402

REQUIRE = bool(os.environ.get("MAPSIZE_REQUIRE_GO"))
# The sources (plain files under /usr/share/gocode) are installed; Debian's binary is only
# downloaded and unpacked into the cache, so no nats-server service is ever set up.
PACKAGES = ["golang-github-nats-io-nats-server-dev"]
BINARY_PACKAGE = "nats-server"
BINARY_PATH = "usr/sbin/nats-server"
CACHE = debserver.cache_dir(BINARY_PACKAGE)
GOCODE = "/usr/share/gocode"
IMPORT = "github.com/nats-io/nats-server"
SRC = os.path.join(GOCODE, "src", IMPORT)
DEBIAN_GO = "/usr/lib/go-1.19/bin/go"
PRIVATE_APT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "scripts", "private-apt")
# Debian's newest nats-server: the first of these suites that has it (by name; the mirror is
# the system's, found by scripts/private-apt)
NEW_SUITES = ["sid", "forky"]

# The workload: distinct subscriptions per connection, publishes, KV keys.
SUBS = [5000, 2000, 300]
PUBLISHES = 200
KV_BUCKET = "mapsize"
KV_KEYS = 3000
# The workload's types, "{S}" standing for the server package's path (the rebuilt executables:
# GOPATH mode; Debian's packaged ones: its build's), which every report must spell.
SERVER = r"github\.com/nats-io/nats-server(?:/v2)?/server"
SUBS_TYPE = "map[string]*{S}.subscription"
TIMEOUT = limit(120)


def debian_binary():
    return debserver.packaged(BINARY_PACKAGE, BINARY_PATH)


def unpack_binary():
    """apt-get download the packaged nats-server and dpkg -x it into CACHE (no root)."""
    return debserver.unpack(BINARY_PACKAGE, BINARY_PATH)


def newest_binary():
    """The cached nats-server of NEW_SUITES: (path, facts) or (None, None)."""
    for suite in NEW_SUITES:
        d = f"{CACHE}-{suite}"
        p = os.path.join(d, "usr", "sbin", "nats-server")
        try:
            with open(os.path.join(d, ".installed")) as f:
                facts = json.load(f)
        except (OSError, ValueError):
            continue
        if os.access(p, os.X_OK):
            return p, facts
    return None, None


def go_version_of(binary):
    """The Go release that built binary, by `go version` with any cached toolchain; None."""
    for v in ("1.27", "1.26", "1.25", "1.24", "1.23", "1.22", "1.21", "1.19"):
        go = gocore.go_wrapper(v)
        if not go:
            continue
        r = subprocess.run([go, "version", binary], capture_output=True, text=True,
                           timeout=limit(60))
        if r.returncode == 0 and ": go" in r.stdout:
            return r.stdout.split(": ", 1)[1].split()[0]
    return None


def unpack_newest():
    """scripts/private-apt download --suite SUITE nats-server, for the first of NEW_SUITES
    that has it, and dpkg -x it into CACHE-SUITE with .installed (suite, version, Go).
    Returns (path, facts, None) or (None, None, why)."""
    p, facts = newest_binary()
    if p:
        return p, facts, None
    whys = []
    for suite in NEW_SUITES:
        work = tempfile.mkdtemp(prefix="mapsize-deb-")
        try:
            r = subprocess.run([PRIVATE_APT, "download", "--suite", suite, work, BINARY_PACKAGE],
                               capture_output=True, text=True, timeout=limit(900))
            debs = [f for f in os.listdir(work) if f.endswith(".deb")]
            if r.returncode != 0 or not debs:
                whys.append(f"{suite}: {r.stderr.strip()[-200:]}")
                continue
            deb = os.path.join(work, debs[0])
            dest = f"{CACHE}-{suite}"
            shutil.rmtree(dest, ignore_errors=True)
            r = subprocess.run(["dpkg", "-x", deb, dest], capture_output=True, text=True,
                               timeout=limit(600))
            binary = os.path.join(dest, "usr", "sbin", "nats-server")
            if r.returncode != 0 or not os.access(binary, os.X_OK):
                return None, None, f"dpkg -x {debs[0]} failed: {r.stderr.strip()[-200:]}"
            fields = {}
            for k in ("Version", "Built-Using"):
                r = subprocess.run(["dpkg-deb", "-f", deb, k], capture_output=True, text=True)
                fields[k] = r.stdout.strip()
            built = [b.strip() for b in fields["Built-Using"].split(",")
                     if b.strip().startswith("golang-1.")]
            facts = {"suite": suite, "version": fields["Version"], "deb": debs[0],
                     "built_using_go": built[0] if built else None,
                     "go": go_version_of(binary)}
            with open(os.path.join(dest, ".installed"), "w") as f:
                json.dump(facts, f)
            return binary, facts, None
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return None, None, f"{BINARY_PACKAGE} from {' or '.join(NEW_SUITES)}: " + "; ".join(whys)


def go_tool(version="1.19"):
    """Debian built its nats-server with golang-1.19: the cached toolchain is that package
    (its go binary itself: the wrapper would set its own GOPATH), else the system's. Another
    version: its cached toolchain only."""
    wrapper = gocore.go_wrapper(version)
    if wrapper:
        go = os.path.join(os.path.dirname(os.path.dirname(wrapper)), f"go{version}", "usr",
                          "lib", f"go-{version}", "bin", "go")
        if os.access(go, os.X_OK):
            return go
    if version != "1.19":
        return None
    return DEBIAN_GO if os.access(DEBIAN_GO, os.X_OK) else None


def have_all():
    return os.path.isfile(os.path.join(SRC, "main.go")) and go_tool()


def install():
    """apt-get install the sources if missing, unpack the binary; None or why it failed."""
    if have_all():
        return unpack_binary()
    cmd = ["apt-get", "install", "-y", "-q"] + PACKAGES
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            return "not root and no sudo to apt-get install " + " ".join(PACKAGES)
        cmd = ["sudo", "-n"] + cmd
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=limit(900))
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{' '.join(cmd)}: {e}"
    if r.returncode != 0 or not have_all():
        tail = (r.stderr or r.stdout).strip().splitlines()[-3:]
        return f"{' '.join(cmd)} failed (exit {r.returncode}): {' / '.join(tail)}"
    return unpack_binary()


def build(workdir, variant, ldflags=None, version="1.19"):
    """nats-server from Debian's sources, GOPATH mode, offline, with DWARF."""
    out = os.path.join(workdir, variant, "nats-server")
    os.makedirs(os.path.dirname(out))
    gopath = os.path.join(workdir, "gopath")
    env = dict(os.environ, GO111MODULE="off", GOPATH=f"{gopath}:{GOCODE}", GOPROXY="off",
               GOFLAGS="", GOTOOLCHAIN="local", GOCACHE=os.path.join(workdir, "gocache"),
               GOARCH="amd64")
    env.pop("GOROOT", None)
    cmd = [go_tool(version), "build", "-o", out] + (["-ldflags", ldflags] if ldflags else []) + [IMPORT]
    r = subprocess.run(cmd, env=env, cwd=workdir,
                       capture_output=True, text=True, timeout=limit(1200))
    if r.returncode != 0:
        raise gocore.GoCoreError(f"go build {IMPORT} failed (exit {r.returncode}):\n"
                                 f"{r.stderr[-3000:]}{r.stdout[-1000:]}")
    return out


class Nats:
    """A minimal NATS client over a raw socket (the text protocol)."""

    def __init__(self, port, name):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""
        self.inbox = {}  # sid -> list of payloads received
        self.received = 0
        line = self._line()
        if not line.startswith(b"INFO "):
            raise RuntimeError(f"expected INFO, got {line[:80]!r}")
        self.info = json.loads(line[5:])
        self.send(f'CONNECT {{"verbose":false,"pedantic":false,"headers":false,'
                  f'"name":"{name}","lang":"python","version":"0"}}\r\n'.encode())
        self.ping()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise RuntimeError("the server closed the connection")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _bytes(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _one(self):
        """Read one server operation; returns its name."""
        line = self._line()
        op = line.split(b" ", 1)[0].upper()
        if op == b"MSG":  # MSG subject sid [reply] size
            f = line.split()
            payload = self._bytes(int(f[-1]))
            self.inbox.setdefault(f[2].decode(), []).append(payload)
            self.received += 1
        elif op == b"PING":
            self.send(b"PONG\r\n")
        elif op == b"-ERR":
            raise RuntimeError(f"server error: {line.decode(errors='replace')}")
        return op

    def ping(self):
        """PING and wait for PONG: the server has processed everything sent before."""
        self.send(b"PING\r\n")
        while self._one() != b"PONG":
            pass

    def sub(self, subject, sid):
        self.send(f"SUB {subject} {sid}\r\n".encode())

    def pub(self, subject, payload, reply=None):
        r = f" {reply}" if reply else ""
        self.send(f"PUB {subject}{r} {len(payload)}\r\n".encode() + payload + b"\r\n")

    def request(self, subject, payload, sid):
        """PUB with a reply inbox subscribed as sid; returns the reply's payload."""
        inbox = f"_INBOX.mapsize.{sid}"
        self.sub(inbox, sid)
        self.pub(subject, payload, inbox)
        deadline = time.monotonic() + TIMEOUT
        while not self.inbox.get(str(sid)):
            if time.monotonic() > deadline:
                raise RuntimeError(f"no reply to {subject}")
            self._one()
        self.send(f"UNSUB {sid}\r\n".encode())
        return self.inbox.pop(str(sid))[0]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def workload(port):
    """Drive the server; returns (connections kept open, facts)."""
    conns = []
    facts = {}
    try:
        for i, n in enumerate(SUBS):
            c = Nats(port, f"mapsize-{i}")
            conns.append(c)
            for k in range(n):
                c.sub(f"w{i}.s.{k}", k + 1)
            c.ping()
        # publishes: the last connection sends to subjects the others listen on
        pub = conns[-1]
        for k in range(PUBLISHES):
            i = k % (len(SUBS) - 1)
            pub.pub(f"w{i}.s.{k % SUBS[i]}", b"payload %d" % k)
        pub.ping()
        for c in conns[:-1]:
            deadline = time.monotonic() + TIMEOUT
            want = sum(1 for k in range(PUBLISHES) if k % (len(SUBS) - 1) == conns.index(c))
            while c.received < want:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{c.received} of {want} messages delivered")
                c._one()
            c.ping()
        facts["delivered"] = sum(c.received for c in conns)
        # a JetStream key-value bucket (memory storage), as nats.go's KeyValue makes it
        kv = Nats(port, "mapsize-kv")
        conns.append(kv)
        stream = "KV_" + KV_BUCKET
        cfg = {"name": stream, "subjects": [f"$KV.{KV_BUCKET}.>"], "retention": "limits",
               "max_msgs_per_subject": 1, "storage": "memory", "discard": "new",
               "num_replicas": 1, "allow_rollup_hdrs": True, "deny_delete": True,
               "allow_direct": True}
        r = json.loads(kv.request(f"$JS.API.STREAM.CREATE.{stream}",
                                  json.dumps(cfg).encode(), 900001))
        if "error" in r:
            raise RuntimeError(f"stream create: {r['error']}")
        for k in range(KV_KEYS):
            kv.pub(f"$KV.{KV_BUCKET}.key{k}", b"value-%d" % k)
        kv.ping()
        deadline = time.monotonic() + TIMEOUT
        sid = 900002
        while True:  # the stream stores asynchronously: wait for every key
            r = json.loads(kv.request(f"$JS.API.STREAM.INFO.{stream}", b"", sid))
            sid += 1
            state = r.get("state", {})
            if state.get("messages") == KV_KEYS and state.get("num_subjects", KV_KEYS) == KV_KEYS:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the stream holds {state} after {TIMEOUT}s")
            time.sleep(0.05)
        facts["kv"] = state
        for c in conns:
            c.ping()
        return conns, facts
    except BaseException:
        for c in conns:
            c.close()
        raise


def take_core(binary, rundir, port, storedir):
    """Run binary on 127.0.0.1:port, drive the workload, take one kernel core
    (debserver.server_core). Returns (core path, facts)."""
    return debserver.server_core(binary, ["-a", "127.0.0.1", "-p", str(port), "-js", "-sd",
                                          storedir], rundir, port, lambda pid: workload(port),
                                 TIMEOUT)


MAX_CANDIDATES = 32  # type_candidates keeps at most this many (lib/find/findmaps.h)


def type_agrees(want, m):
    """Does report map m admit the type want (DWARF's name, exactly as spelled but for
    descriptor_spelling's exception)? (yes, how) or (no, why)."""
    want = descriptor_spelling(want)[0]
    if m["type"] == want:
        return True, "same type"
    cands = m.get("type_candidates") or []
    if m["type"] == "map[?]?":
        if want in cands:
            return True, f"map[?]? with {len(cands)} candidates, {want} among them"
        if len(cands) >= MAX_CANDIDATES:
            return True, f"map[?]? with {len(cands)} candidates (the most kept), {want} not listed"
    return False, f"{m['type']} (candidates {m.get('type_candidates')})"


def truth_type(template):
    """The regular expression of a workload type (SUBS_TYPE's "{S}" for SERVER)."""
    import re
    return re.compile(re.escape(template).replace(re.escape("{S}"), SERVER))


def truth_agrees(template, m):
    """Does report map m admit the workload type template (package path spelled)?"""
    want = truth_type(template)
    if want.fullmatch(m["type"]):
        return True
    cands = m.get("type_candidates") or []
    return m["type"] == "map[?]?" and (any(want.fullmatch(c) for c in cands) or
                                       len(cands) >= MAX_CANDIDATES)


def compare(dwarf, other, label):
    """Every map of the DWARF report with entries must be in other at the same address
    with the same len, impl and held bytes, and nothing else may be there.
    Returns (problems, type_problems, exempt, ambiguous, exact): exact counts the maps
    typed as DWARF types them, spelled the same."""
    by_addr = {m["address"]: m for m in other["maps"]}
    problems, type_problems, exempt, ambiguous = [], [], [], []
    exact = 0
    for m in dwarf["maps"]:
        s = by_addr.get(m["address"])
        if s is None:
            # an empty map has no entry to tell a layout by; stack maps are typed by
            # DWARF's locals: the runtime metadata path does not report either
            if m["len"] == 0 or m["found_by"] == "stack":
                exempt.append(m)
            else:
                problems.append(f"{label}: {name_of(m)} ({m['type']}, {m['found_by']}, "
                                f"len {m['len']}) not found")
            continue
        keys = ("len", "impl", "held_bytes")
        cands = s.get("type_candidates") or []
        if s["type"] == "map[?]?" and m["type"] != "map[?]?" and \
                (m["type"] in cands or len(cands) >= MAX_CANDIDATES):
            # a layout several map types share: without DWARF the most proving one is read
            # (out-of-line values, say), and a typed DWARF path may know better; len stays
            keys = ("len", "impl")
            if s.get("held_bytes") != m.get("held_bytes"):
                ambiguous.append(f"{name_of(m)}: held {s.get('held_bytes')} as map[?]? read "
                                 f"as {cands[0] if cands else '?'}, DWARF {m['held_bytes']} "
                                 f"as {m['type']}")
        d = [f"{k} {s.get(k)}, DWARF {m.get(k)}" for k in keys if s.get(k) != m.get(k)]
        if m.get("error") or s.get("error"):
            d.append(f"error: {s.get('error')} (DWARF {m.get('error')})")
        if d:
            problems.append(f"{label}: {name_of(m)} ({m['type']}): " + "; ".join(d))
        if m["type"] == "map[?]?":
            # both ambiguous, or the runtime metadata settled it: among DWARF's candidates?
            cands = m.get("type_candidates") or []
            if s["type"] != "map[?]?" and s["type"] not in cands and \
                    len(cands) < MAX_CANDIDATES:
                type_problems.append(f"{label}: {m['address']}: {s['type']}, not among DWARF's "
                                     f"candidates {m.get('type_candidates')}")
            continue
        ok, how = type_agrees(m["type"], s)
        exact += how == "same type"
        if not ok:
            type_problems.append(f"{label}: {name_of(m)} at {m['address']} ({m['found_by']}, "
                                 f"len {m['len']}): type {how}, DWARF {m['type']} "
                                 f"(type_source {s.get('type_source')}, DWARF "
                                 f"{m.get('type_source')})")
        elif how != "same type":
            ambiguous.append(f"{name_of(m)}: {how}")
    dwarf_addrs = {m["address"] for m in dwarf["maps"]}
    for s in other["maps"]:
        if s["address"] not in dwarf_addrs:
            problems.append(f"{label}: {s['address']} {s['type']} len {s['len']} "
                            f"({s['found_by']}) is not in the DWARF report")
    return problems, type_problems, exempt, ambiguous, exact


def counts(doc):
    maps = doc["maps"]
    sync = [m for m in maps if m["type"] == "sync.Map"]
    return (len(maps), sum(m["len"] for m in maps), sum(m["held_bytes"] for m in maps),
            f"{len(sync)} ({sum(m['len'] for m in sync)})")


def describe(m):
    n = len(m.get("type_candidates") or [])
    return (f"{m['type']}{f' ({n} candidates)' if n else ''} at {m['address']}, "
            f"{m['found_by']}, held {m['held_bytes']}"
            f"{', ' + m['paths'][0] if m['paths'] else ''}")


# What the workload must have made, by len: each client's subs and, in the account's
# sublist, the level under "wI.s" with one node per subject; the KV stream's memory
# store, its messages by sequence and its per-subject states.
def truth_table(fss_map=True):
    """fss_map: the memory store's per-subject states are a map (before 2.10; from 2.10 on
    a stree.SubjectTree)."""
    t = [(n, [SUBS_TYPE, "map[string]*{S}.node"], f"connection {i}'s subs and sublist level")
         for i, n in enumerate(SUBS)]
    if fss_map:
        t.append((KV_KEYS, ["map[uint64]*{S}.StoreMsg", "map[string]*{S}.SimpleState"],
                  "the KV stream's memory store (msgs, fss)"))
    else:
        t.append((KV_KEYS, ["map[uint64]*{S}.StoreMsg"],
                  "the KV stream's memory store (msgs; fss is a subject tree)"))
    return t


def truth_maps(doc, fss_map=True):
    """The workload's maps in a report: (problems, a description of each)."""
    problems, seen = [], []
    for n, types, what in truth_table(fss_map):
        hits = [m for m in doc["maps"] if m["len"] == n]
        for want in types:
            fit = [m for m in hits if truth_agrees(want, m)]
            if not fit:
                problems.append(f"{what}: no map of len {n} admits {want} (maps of len {n}: "
                                f"{[describe(m) for m in hits] or 'none'})")
        if len(hits) < len(types):
            problems.append(f"{what}: {len(hits)} maps of len {n}, want {len(types)}")
        exact = [m for m in hits if truth_type(types[0]).fullmatch(m["type"])]
        seen.append(f"len {n} ({what}): {len(hits)} maps, {len(exact)} typed {types[0]}")
        seen += [f"  {describe(m)}" for m in hits]
    return problems, seen


# the server package: .../server in GOPATH builds of 2.9 (bookworm), .../v2/server in modules
# (or main's: main.main holds the *Server too)
NATS_PACKAGE = re.compile(r"^(github\.com/nats-io/nats-server(/v2)?/server|main)$")
FRAME_ROOT = re.compile(r"^(goroutine \d+ )?[^ :]+: ")


# Without DWARF the workload's maps are reached through typed objects (a method's
# receiver, objects whose malloc header or span records their type, the values of a
# sync.Map, interfaces): their path names the field holding them after the frame slot
# (`goroutine 6 .../server.(*Server).handleSignals.func1: <fp-0x50>.gacc.js.streams
# ["KV_mapsize"].store.msgs`) and their type is exact, on every Go version.
FIELD_OF = {"map[string]*{S}.subscription": ".subs", "map[string]*{S}.node": ".nodes",
            "map[uint64]*{S}.StoreMsg": ".store.msgs",
            "map[string]*{S}.SimpleState": ".store.fss"}


def holder_problems(doc, fss_map=True, dwarf=True):
    """The workload's maps are reachable only from goroutine stacks: each must be named by
    its holder (a path from a goroutine's frame or a global; with DWARF a variable's name,
    without it the frame slot and then the fields, FIELD_OF), with its root's package; its
    exact type."""
    problems, seen = [], []
    for n, types, what in truth_table(fss_map):
        for m in [m for m in doc["maps"] if m["len"] == n]:
            if not any(type_agrees(want, m)[0] for want in types):
                continue
            paths = m.get("paths") or []
            exact = [w for w in types if truth_type(w).fullmatch(m["type"])]
            if not dwarf and not exact:
                problems.append(f"{what}: {describe(m)} is not typed exactly ({types})")
            if not dwarf and exact and not any(FIELD_OF[exact[0]] in p for p in paths):
                problems.append(f"{what}: {describe(m)}: no path names the field holding it "
                                f"({FIELD_OF[exact[0]]}; paths {paths[:3]})")
            named = [p for p in paths if FRAME_ROOT.match(p) or p.startswith("<global ")]
            # with DWARF a variable's path, typed: the KV store's through an interface
            # (stream.store, a StreamStore holding a *memStore), whose dynamic type is
            # found only if DWARF's runtime type offsets are taken from moduledata.types
            # (with -linkmode=external .rodata starts 0x20 bytes before it)
            if dwarf:
                named = [p for p in named if "<fp" not in p.split(": ", 1)[-1][:4]]
            if not named:
                problems.append(f"{what}: {describe(m)} is not named by a holder "
                                f"(paths {paths[:3]})")
            if dwarf and m["type"] == "map[?]?":
                problems.append(f"{what}: {describe(m)} is untyped")
            pkg = m.get("package")
            if (dwarf or pkg is not None) and not NATS_PACKAGE.match(pkg or ""):
                problems.append(f"{what}: {describe(m)}: package {pkg!r}, want the server's "
                                f"({NATS_PACKAGE.pattern})")
            seen.append(f"len {n}: {m['type']} {m.get('found_by')} {m.get('package')!r} "
                        f"{(named or paths or ['-'])[0]}")
    return problems, seen


# The rebuilt executables: Go's own linker (the default), and gcc as the external linker,
# as Debian's binary was linked (it has .init and .plt, and crt's code before runtime.text).
# (name, -ldflags, Go version). Go 1.19 (Debian's) leaves the storage of a map untyped, so
# without DWARF most maps are map[?]?; from Go 1.22 on a malloc header names the type of
# large storage, and there the stripped report types most maps itself: its types must
# then be DWARF's, spelled the same (package paths), map for map.
VARIANTS = [("rebuilt", None, "1.19"), ("rebuilt-external", "-linkmode=external", "1.19"),
            ("rebuilt-go1.24", None, "1.24")]
LABELS = {"DWARF": "inspect with the DWARF executable",
          "stripped": "inspect with a stripped copy",
          "--no-dwarf": "inspect --no-dwarf with the DWARF executable"}


def check_rebuilt(mapsize, workdir, variant, ldflags, keep, table, version="1.19"):
    """Build, run the workload, take one core and compare the three reports of it."""
    if not go_tool(version):
        why = f"no cached Go {version} toolchain (scripts/install-go-toolchains {version})"
        if REQUIRE:
            tap(False, f"{variant}: nats-server rebuilt with Go {version}", [why])
        else:
            tap(True, f"{variant}: nats-server rebuilt with Go {version}", skip=why)
        return
    try:
        t = time.monotonic()
        binary = build(workdir, variant, ldflags, version)
        tap(True, f"{variant}: nats-server rebuilt from {SRC} with {go_tool(version)} (GOPATH mode, "
            f"offline{', ' + ldflags if ldflags else ''})",
            [f"{os.path.getsize(binary) >> 20} MiB with DWARF, {time.monotonic() - t:.1f} s"])
    except Exception as e:
        tap(False, f"{variant}: nats-server rebuilt from Debian's sources",
            str(e).splitlines()[-15:])
        return
    core = None
    try:
        try:
            t = time.monotonic()
            core, facts = take_core(binary, os.path.join(workdir, variant, "run"), free_port(),
                                    os.path.join(workdir, variant, "store"))
            tap(True, f"{variant}: workload done, kernel core taken",
                [f"subscriptions {SUBS}, {facts['delivered']} messages delivered, KV "
                 f"{facts['kv'].get('messages')} messages / {facts['kv'].get('num_subjects')} "
                 f"subjects; core {os.path.getsize(core) >> 20} MiB, "
                 f"{time.monotonic() - t:.1f} s"])
        except Exception as e:
            tap(False, f"{variant}: workload done, kernel core taken", str(e).splitlines()[-15:])
            return
        stripped = binary + ".stripped"
        subprocess.run(["strip", "-o", stripped, binary], check=True)
        docs = {}
        for label, exe, extra in (("DWARF", binary, ()), ("stripped", stripped, ()),
                                  ("--no-dwarf", binary, ("--no-dwarf",))):
            try:
                docs[label] = doc = inspect(mapsize, core, exe, *extra)
            except Exception as e:
                tap(False, f"{variant}: {LABELS[label]}", str(e).splitlines()[-10:])
                if label != "--no-dwarf":
                    table.append((f"{variant}, {label}", "-", "-", "-", "-"))
                continue
            want = "dwarf" if label == "DWARF" else "runtime metadata"
            errs = [f"{name_of(m)} ({m['type']}): {m['error']}" for m in doc["maps"]
                    if m.get("error")]
            c = counts(doc)
            tap(doc["layout_source"].lower() == want and not errs,
                f"{variant}: {LABELS[label]}: layouts from {want}, no map in error",
                errs[:10] + [f"layout_source {doc['layout_source']}, {c[0]} maps, {c[1]} "
                             f"entries, {c[2]} held bytes, {doc['_seconds']:.2f} s; found by "
                             f"{doc['summary']['found_by']}"] + doc.get("warnings", []))
            if label != "--no-dwarf":
                table.append((f"{variant}, {label}",) + c)
        dwarf = docs.get("DWARF")
        if not dwarf:
            return
        problems, seen = truth_maps(dwarf)
        tap(not problems, f"{variant}: DWARF report: the workload's maps, with their exact len",
            problems + seen)
        problems, seen = holder_problems(dwarf)
        tap(not problems, f"{variant}: DWARF report: the workload's maps typed and named by "
            "the goroutine frame that holds them, with their package", problems + seen)
        for label in ("stripped", "--no-dwarf"):
            doc = docs.get(label)
            if not doc:
                continue
            problems, type_problems, exempt, ambiguous, exact = compare(dwarf, doc, label)
            with_entries = [m for m in dwarf["maps"] if m["len"]]
            held_exempt = sum(m["held_bytes"] for m in exempt)
            c, cd = counts(doc), counts(dwarf)
            diag = [f"{label}: {c[0]} maps, {c[1]} entries, {c[2]} held bytes; DWARF: "
                    f"{cd[0]} maps ({len(with_entries)} with entries), {cd[1]} entries, "
                    f"{cd[2]} held bytes",
                    f"exempt, not in the {label} report ({len(exempt)}, {held_exempt} "
                    f"held bytes): " +
                    (", ".join(f"{name_of(m)} ({m['type']}, {m['found_by']}, len "
                               f"{m['len']})" for m in exempt[:12]) or "none") +
                    (" ..." if len(exempt) > 12 else "")]
            by_addr = {x["address"]: x for x in doc["maps"]}
            # ambiguous layouts read otherwise than DWARF's type (compare() allows them)
            delta = sum(by_addr[x["address"]]["held_bytes"] - x["held_bytes"]
                        for x in dwarf["maps"] if x["address"] in by_addr and
                        by_addr[x["address"]]["type"] == "map[?]?" and x["type"] != "map[?]?")
            if cd[2] - c[2] != held_exempt - delta and not problems:
                problems.append(f"held bytes: DWARF {cd[2]} - {label} {c[2]} != the "
                                f"exempt maps' {held_exempt} - {delta} (ambiguous layouts)")
            tap(not problems, f"{variant}: {label} report matches the DWARF report map for "
                "map (address, len, impl, held bytes)", problems[:40] + diag)
            tap(not type_problems, f"{variant}: {label} report: every map's type agrees with "
                "DWARF's (the same, spelled the same, or map[?]? admitting it)",
                type_problems[:20] + [f"typed exactly as DWARF types them: {exact}; typed by "
                                      f"DWARF only, map[?]? in the {label} report: "
                                      f"{len(ambiguous)}: " + "; ".join(ambiguous[:4])])
            tp, seen = truth_maps(doc)
            tap(not tp, f"{variant}: {label} report: the workload's maps, with their exact len",
                tp + seen[::3])
            hp, seen = holder_problems(doc, dwarf=False)
            tap(not hp, f"{variant}: {label} report: the workload's maps reached from the "
                "goroutine frame that holds them, typed exactly, the fields holding them named "
                "(no variable names without DWARF)", hp + seen)
    finally:
        if not keep and core and os.path.exists(core):
            os.unlink(core)


def check_packaged(mapsize, workdir, keep, table, packaged, label, fss_map=True):
    """A Debian packaged (stripped) executable under the same workload: inspect exits 0,
    runtime metadata, the workload's maps at their exact len, goroutine stacks scanned."""
    core = None
    sub = label.split(",")[0].replace("'", "").replace(" ", "-")
    try:
        try:
            core, facts = take_core(packaged, os.path.join(workdir, sub, "run"),
                                    free_port(), os.path.join(workdir, sub, "store"))
            tap(True, f"{label}: workload done, kernel core taken ({packaged})",
                [f"{facts['delivered']} messages delivered, KV {facts['kv'].get('messages')}"
                 f" messages; core {os.path.getsize(core) >> 20} MiB"])
        except Exception as e:
            tap(False, f"{label}: workload done, kernel core taken ({packaged})",
                str(e).splitlines()[-15:])
            return
        try:
            doc = inspect(mapsize, core, packaged)
        except Exception as e:
            diag = str(e).splitlines()[-10:]
            if ("rebuilt-external, stripped", "-", "-", "-") in table:
                diag.append("the rebuilt executable linked with -linkmode=external, as Debian's "
                            "is, fails its stripped inspect too (above): the external link is "
                            "what the runtime-metadata path does not read")
            tap(False, f"{label}: the report is complete (inspect exits 0)", diag)
            table.append((label, "-", "-", "-", "-"))
            return
        problems = []
        if doc["layout_source"] != "runtime metadata":
            problems.append(f"layout_source {doc['layout_source']}")
        tp, seen = truth_maps(doc, fss_map)
        problems += tp
        problems += [f"{name_of(m)} ({m['type']}): {m['error']}" for m in doc["maps"]
                     if m.get("error")][:10]
        problems += goroutine_problems(doc)
        hp, hseen = holder_problems(doc, fss_map, dwarf=False)
        problems += hp
        seen += hseen
        c = counts(doc)
        diag = [f"layout_source {doc['layout_source']}, {c[0]} maps, {c[1]} entries, "
                f"{c[2]} held bytes, {doc['_seconds']:.2f} s; found by "
                f"{doc['summary']['found_by']}"] + doc.get("warnings", [])
        diag += [f"{row[0]}: {row[1]} maps, {row[2]} entries, {row[3]} held bytes"
                 for row in table]
        tap(not problems, f"{label}: the report is complete (exit 0, runtime metadata, the "
            "workload's maps with their exact len, no map in error, goroutine stacks scanned)",
            problems + diag + seen)
        table.append((label,) + c)
    finally:
        if not keep and core and os.path.exists(core):
            os.unlink(core)


def check_newest(mapsize, workdir, keep, table):
    """Debian's newest packaged nats-server (NEW_SUITES), fetched by scripts/private-apt."""
    try:
        binary, facts, why = unpack_newest()
    except (OSError, subprocess.SubprocessError) as e:
        binary, facts, why = None, None, str(e)
    if why:
        if REQUIRE:
            tap(False, f"Debian's newest nats-server ({' or '.join(NEW_SUITES)}) is unpacked",
                [why])
        else:
            tap(True, f"Debian's newest nats-server ({' or '.join(NEW_SUITES)})", skip=why)
        return
    version = facts["version"].split("-")[0]
    tap(True, f"Debian {facts['suite']}'s nats-server {facts['version']} unpacked",
        [f"{facts['deb']} from suite {facts['suite']} (scripts/private-apt), built by "
         f"{facts.get('go') or '?'} (go version), Built-Using {facts.get('built_using_go')}"])
    try:
        fss_map = tuple(int(x) for x in version.split(".")[:2]) < (2, 10)
    except ValueError:
        fss_map = False
    check_packaged(mapsize, workdir, keep, table, binary,
                   f"Debian {facts['suite']}'s {version}, packaged", fss_map)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the work directory and cores")
    ap.add_argument("--only-newest", action="store_true",
                    help="only Debian's newest packaged nats-server (sid's or forky's)")
    args = ap.parse_args()
    mapsize = os.path.abspath(args.mapsize)
    t0 = time.monotonic()

    workdir = tempfile.mkdtemp(prefix="mapsize-debian-")
    table = []
    try:
        why = None if args.only_newest else install()
        if why:
            if REQUIRE:
                tap(False, "nats-server, its sources and Go 1.19 are installed", [why])
            else:
                tap(True, "nats-server from Debian's sources", skip=why)
        elif not args.only_newest:
            for variant, ldflags, version in VARIANTS:
                check_rebuilt(mapsize, workdir, variant, ldflags, args.keep, table, version)
            check_packaged(mapsize, workdir, args.keep, table, debian_binary(),
                           "Debian's (system apt), packaged")
        check_newest(mapsize, workdir, args.keep, table)
        print("# maps found, entries, held bytes, sync.Maps (their entries) (one core per "
              "executable, the same workload)")
        print(f"# {'report':<34} {'maps':>6} {'entries':>9} {'held bytes':>12} "
              f"{'sync.Maps':>12}")
        for row in table:
            print(f"# {row[0]:<34} {row[1]:>6} {row[2]:>9} {row[3]:>12} {row[4]:>12}")
        print(f"# {time.monotonic() - t0:.1f} s in all")
    finally:
        debserver.end_workdir(workdir, args.keep)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
