#!/usr/bin/env python3
"""mapsize inspect on a real program nobody here wrote: Debian's nats-server.

nats-server is rebuilt from Debian's own sources (golang-github-nats-io-nats-server-dev
puts them, and its dependencies', under /usr/share/gocode/src) with Debian's Go 1.19
(the toolchain Debian's nats-server was built with, per Built-Using), in GOPATH mode,
offline, with DWARF. It runs on 127.0.0.1 with JetStream and a bounded workload, driven
by a tiny NATS client over a raw socket: three connections with 5000, 2000 and 300
distinct subscriptions, some publishes to them, and a JetStream key-value bucket
(memory storage) of 3000 keys. Then one kernel core (GOTRACEBACK=crash + SIGQUIT,
through gocore.kernel_core) is taken and:

- mapsize inspect with the DWARF executable, with a stripped copy of it and with
  --no-dwarf must agree map for map: every map of the DWARF report with entries is in
  the other reports at the same address with the same len, impl and held bytes (stack
  maps and empty maps are exempt: the stripped path cannot see them; a map whose type
  the runtime metadata leaves ambiguous, map[?]?, must list the DWARF type among its
  candidates);
- the workload is the truth: the server holds a map[string]*server.subscription (each
  client's subs) of exactly 5000, 2000 and 300 entries, and the KV stream's memory store
  a map of 3000 messages and one of 3000 subjects; every report must have them.

Then Debian's packaged (stripped) /usr/sbin/nats-server runs the same workload; its
core, inspected with the packaged executable (runtime metadata, by itself), must show
the same truth maps, and its counts are compared with the rebuilt binary's.

Needs nats-server, golang-github-nats-io-nats-server-dev and golang-1.19-go (installed
with apt-get when missing; a failed install skips unless MAPSIZE_REQUIRE_GO is set).
TAP on stdout. Usage: run_debian_program.py --mapsize PATH [--keep]
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gocore  # noqa: E402
from tap import finish, tap  # noqa: E402

REQUIRE = bool(os.environ.get("MAPSIZE_REQUIRE_GO"))
PACKAGES = ["nats-server", "golang-github-nats-io-nats-server-dev", "golang-1.19-go"]
GOCODE = "/usr/share/gocode"
IMPORT = "github.com/nats-io/nats-server"
SRC = os.path.join(GOCODE, "src", IMPORT)
DEBIAN_GO = "/usr/lib/go-1.19/bin/go"

# The workload: distinct subscriptions per connection, publishes, KV keys.
SUBS = [5000, 2000, 300]
PUBLISHES = 200
KV_BUCKET = "mapsize"
KV_KEYS = 3000
SUBS_TYPE = "map[string]*server.subscription"
TIMEOUT = 120


def debian_binary():
    for p in ("/usr/sbin/nats-server", "/usr/bin/nats-server"):
        if os.access(p, os.X_OK):
            return p
    return None


def go_tool():
    if os.access(DEBIAN_GO, os.X_OK):
        return DEBIAN_GO
    return gocore.go_wrapper("1.19")


def have_all():
    return debian_binary() and os.path.isfile(os.path.join(SRC, "main.go")) and go_tool()


def install():
    """apt-get install what is missing; returns None or the reason it failed."""
    if have_all():
        return None
    cmd = ["apt-get", "install", "-y", "-q"] + PACKAGES
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            return "not root and no sudo to apt-get install " + " ".join(PACKAGES)
        cmd = ["sudo", "-n"] + cmd
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{' '.join(cmd)}: {e}"
    if r.returncode != 0 or not have_all():
        tail = (r.stderr or r.stdout).strip().splitlines()[-3:]
        return f"{' '.join(cmd)} failed (exit {r.returncode}): {' / '.join(tail)}"
    return None


def build(workdir):
    """nats-server from Debian's sources, GOPATH mode, offline, with DWARF."""
    out = os.path.join(workdir, "rebuilt", "nats-server")
    os.makedirs(os.path.dirname(out))
    gopath = os.path.join(workdir, "gopath")
    env = dict(os.environ, GO111MODULE="off", GOPATH=f"{gopath}:{GOCODE}", GOPROXY="off",
               GOFLAGS="", GOTOOLCHAIN="local", GOCACHE=os.path.join(workdir, "gocache"),
               GOARCH="amd64")
    env.pop("GOROOT", None)
    r = subprocess.run([go_tool(), "build", "-o", out, IMPORT], env=env, cwd=workdir,
                       capture_output=True, text=True, timeout=1200)
    if r.returncode != 0:
        raise gocore.GoCoreError(f"go build {IMPORT} failed (exit {r.returncode}):\n"
                                 f"{r.stderr[-3000:]}{r.stdout[-1000:]}")
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    """Run binary on 127.0.0.1:port, drive the workload, take one kernel core.

    gocore.kernel_core runs a program without arguments and waits for "READY <pid>" on
    its stdout: the program here is a shell script that records its pid and execs the
    server (same pid), and the line is written into the server's stdout pipe (nats-server
    logs to stderr) once the workload is done, while its connections are still open.
    Returns (core path, facts)."""
    os.makedirs(rundir, exist_ok=True)
    pidfile = os.path.join(rundir, "pid")
    wrapper = os.path.join(rundir, "nats-server")
    with open(wrapper, "w") as f:
        f.write(f"#!/bin/sh\necho $$ > '{pidfile}'\n"
                f"exec '{binary}' -a 127.0.0.1 -p {port} -js -sd '{storedir}'\n")
    os.chmod(wrapper, 0o755)
    result = {}

    def run():
        try:
            result["core"] = gocore.kernel_core(wrapper, rundir, timeout=TIMEOUT)[1]
        except BaseException as e:  # noqa: B902 - reported by the caller
            result["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    conns = []
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            if "error" in result:
                raise result["error"]
            try:
                with open(pidfile) as f:
                    pid = int(f.read())
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except (OSError, ValueError):
                if time.monotonic() > deadline:
                    raise gocore.GoCoreError(f"{binary} does not listen on {port}")
                time.sleep(0.05)
        conns, facts = workload(port)
        facts["pid"] = pid
        with open(f"/proc/{pid}/fd/1", "w") as out:
            out.write(f"READY {pid}\n")
        t.join(TIMEOUT * 2)
        if "error" in result:
            raise result["error"]
        if "core" not in result:
            raise gocore.GoCoreError("no core after SIGQUIT")
        return result["core"], facts
    finally:
        for c in conns:
            c.close()
        if t.is_alive():  # the workload failed: end the server so kernel_core returns
            try:
                with open(pidfile) as f:
                    os.kill(int(f.read()), 9)
            except (OSError, ValueError):
                pass
            t.join(30)


def inspect(mapsize, core, exe, *extra):
    t = time.monotonic()
    r = subprocess.run([mapsize, "inspect", core, "--exe", exe, "--format", "json", *extra],
                       capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        raise RuntimeError(f"mapsize inspect {' '.join(extra)} with {exe}: exit {r.returncode}: "
                           f"{r.stderr.strip()[-2000:]}")
    doc = json.loads(r.stdout)
    doc["_seconds"] = time.monotonic() - t
    return doc


def short_type(name):
    """Runtime metadata names a package by its name, DWARF by its path: drop qualifiers."""
    import re
    return re.sub(r"[\w/.-]*?\b\w+\.(?=\w)", "", name)


def name_of(m):
    return (m["paths"] or [m["address"]])[0]


def compare(dwarf, other, label):
    """Every map of the DWARF report with entries must be in other with the same len,
    impl and held bytes. Returns (problems, exempt, ambiguous)."""
    by_addr = {m["address"]: m for m in other["maps"]}
    problems, exempt, ambiguous = [], [], []
    for m in dwarf["maps"]:
        s = by_addr.get(m["address"])
        if s is None:
            if m["len"] == 0 or m["found_by"] == "stack":
                exempt.append(m)
            else:
                problems.append(f"{label}: {name_of(m)} ({m['type']}, {m['found_by']}, "
                                f"len {m['len']}) not found")
            continue
        d = [f"{k} {s.get(k)}, DWARF {m.get(k)}" for k in ("len", "impl", "held_bytes")
             if s.get(k) != m.get(k)]
        want = short_type(m["type"])
        cands = [short_type(c) for c in s.get("type_candidates", [])]
        if short_type(s["type"]) != want:
            if s["type"] == "map[?]?" and (want in cands or len(cands) >= 8):
                ambiguous.append(f"{name_of(m)}: map[?]? with {len(cands)} candidates, "
                                 f"DWARF {m['type']}")
            else:
                d.append(f"type {s['type']} (candidates {s.get('type_candidates')}), "
                         f"DWARF {m['type']}")
        if m.get("error") or s.get("error"):
            d.append(f"error: {s.get('error')} (DWARF {m.get('error')})")
        if d:
            problems.append(f"{label}: {name_of(m)} ({m['type']}): " + "; ".join(d))
    dwarf_addrs = {m["address"] for m in dwarf["maps"]}
    for s in other["maps"]:
        if s["address"] not in dwarf_addrs:
            problems.append(f"{label}: {s['address']} {s['type']} len {s['len']} "
                            f"({s['found_by']}) is not in the DWARF report")
    return problems, exempt, ambiguous


def counts(doc):
    maps = doc["maps"]
    return (len(maps), sum(m["len"] for m in maps), sum(m["held_bytes"] for m in maps))


def truth_maps(doc, facts):
    """The workload's maps in a report: problems and a description of each."""
    problems, seen = [], []
    maps = doc["maps"]
    for n in SUBS:
        hits = [m for m in maps if m["len"] == n and short_type(m["type"]) == short_type(SUBS_TYPE)]
        if not hits:
            alike = [f"{m['type']} {m['found_by']}" for m in maps if m["len"] == n]
            problems.append(f"no {SUBS_TYPE} of len {n} (maps of len {n}: {alike or 'none'})")
        for m in hits:
            seen.append(f"len {n}: {m['type']} at {m['address']}, {m['found_by']}, "
                        f"held {m['held_bytes']}, {name_of(m)}")
    for n in SUBS:  # the subscriptions are also in the account's sublist: a level of n nodes
        other = [m for m in maps if m["len"] == n and short_type(m["type"]) != short_type(SUBS_TYPE)]
        for m in other:
            seen.append(f"len {n}: {m['type']} at {m['address']}, {m['found_by']}, {name_of(m)}")
    if facts.get("kv"):
        n = KV_KEYS
        kv = [m for m in maps if m["len"] == n]
        if len(kv) < 2:
            problems.append(f"KV: {len(kv)} maps of len {n} (the memory store's messages and "
                            f"subjects): {[m['type'] for m in kv]}")
        for m in kv:
            seen.append(f"KV len {n}: {m['type']} at {m['address']}, {m['found_by']}, "
                        f"held {m['held_bytes']}, {name_of(m)}")
    return problems, seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the work directory and cores")
    args = ap.parse_args()
    mapsize = os.path.abspath(args.mapsize)
    t0 = time.monotonic()

    why = install()
    if why:
        if REQUIRE:
            tap(False, "nats-server, its sources and Go 1.19 are installed", [why])
        else:
            tap(True, "nats-server from Debian's sources", skip=why)
        return finish()

    workdir = tempfile.mkdtemp(prefix="mapsize-debian-")
    table = []
    try:
        # 1. rebuild with DWARF
        try:
            t = time.monotonic()
            rebuilt = build(workdir)
            tap(True, f"nats-server rebuilt from {SRC} with {go_tool()} (GOPATH mode, offline)",
                [f"{os.path.getsize(rebuilt) >> 20} MiB with DWARF, {time.monotonic() - t:.1f} s"])
        except Exception as e:
            tap(False, "nats-server rebuilt from Debian's sources", str(e).splitlines()[-15:])
            return finish()

        # 2. workload + core
        core = None
        try:
            t = time.monotonic()
            core, facts = take_core(rebuilt, os.path.join(workdir, "run-rebuilt"), free_port(),
                                    os.path.join(workdir, "store-rebuilt"))
            tap(True, "rebuilt nats-server: workload done, kernel core taken",
                [f"subscriptions {SUBS}, {facts['delivered']} messages delivered, KV "
                 f"{facts['kv'].get('messages')} messages / {facts['kv'].get('num_subjects')} "
                 f"subjects; core {os.path.getsize(core) >> 20} MiB, "
                 f"{time.monotonic() - t:.1f} s"])
        except Exception as e:
            tap(False, "rebuilt nats-server: workload done, kernel core taken",
                str(e).splitlines()[-15:])
            return finish()

        # 3. DWARF, stripped and --no-dwarf reports of the one core
        try:
            stripped = rebuilt + ".stripped"
            subprocess.run(["strip", "-o", stripped, rebuilt], check=True)
            docs = {}
            for label, exe, extra in (("DWARF", rebuilt, ()), ("stripped", stripped, ()),
                                      ("--no-dwarf", rebuilt, ("--no-dwarf",))):
                try:
                    docs[label] = inspect(mapsize, core, exe, *extra)
                    tap(True, f"inspect with the {label} executable",
                        [f"layout_source {docs[label]['layout_source']}, "
                         f"{counts(docs[label])[0]} maps, {docs[label]['_seconds']:.2f} s"])
                except Exception as e:
                    tap(False, f"inspect with the {label} executable", str(e).splitlines()[-10:])
            dwarf = docs.get("DWARF")
            if dwarf:
                tap(dwarf["layout_source"] == "DWARF", "the rebuilt executable's layouts come "
                    "from DWARF", [f"layout_source {dwarf['layout_source']}"])
                problems, seen = truth_maps(dwarf, facts)
                tap(not problems, "DWARF report: the workload's maps with their exact len",
                    problems + seen)
                for label in ("stripped", "--no-dwarf"):
                    doc = docs.get(label)
                    if not doc:
                        continue
                    problems = []
                    if doc["layout_source"] != "runtime metadata":
                        problems.append(f"layout_source {doc['layout_source']}")
                    p, exempt, ambiguous = compare(dwarf, doc, label)
                    problems += p
                    tp, seen = truth_maps(doc, facts)
                    problems += tp
                    n_entries = sum(m["len"] for m in dwarf["maps"] if m["len"])
                    diag = [f"{counts(doc)[0]} maps, {counts(doc)[1]} entries; DWARF "
                            f"{counts(dwarf)[0]} maps ({sum(1 for m in dwarf['maps'] if m['len'])}"
                            f" with entries, {n_entries} entries)",
                            f"exempt, not in the {label} report ({len(exempt)}): " +
                            (", ".join(f"{name_of(m)} ({m['type']}, {m['found_by']}, len "
                                       f"{m['len']})" for m in exempt[:12]) or "none") +
                            (" ..." if len(exempt) > 12 else "")]
                    if ambiguous:
                        diag.append(f"type ambiguous ({len(ambiguous)}): " +
                                    "; ".join(ambiguous[:8]))
                    tap(not problems, f"{label} report matches the DWARF report map for map",
                        problems[:40] + diag + seen)
                    if label == "stripped":
                        table.append(("rebuilt, stripped",) + counts(doc))
                table.insert(0, ("rebuilt, DWARF",) + counts(dwarf))
        finally:
            if not args.keep and core and os.path.exists(core):
                os.unlink(core)

        # 4. Debian's packaged binary, same workload
        packaged = debian_binary()
        core = None
        try:
            try:
                core, pfacts = take_core(packaged, os.path.join(workdir, "run-debian"),
                                         free_port(), os.path.join(workdir, "store-debian"))
                tap(True, f"Debian's {packaged}: workload done, kernel core taken",
                    [f"{pfacts['delivered']} messages delivered, KV {pfacts['kv'].get('messages')}"
                     f" messages; core {os.path.getsize(core) >> 20} MiB"])
            except Exception as e:
                tap(False, f"Debian's {packaged}: workload done, kernel core taken",
                    str(e).splitlines()[-15:])
                core = None
            if core:
                try:
                    doc = inspect(mapsize, core, packaged)
                except Exception as e:
                    tap(False, f"inspect with Debian's {packaged}", str(e).splitlines()[-10:])
                    doc = None
                if doc:
                    problems = []
                    if doc["layout_source"] != "runtime metadata":
                        problems.append(f"layout_source {doc['layout_source']}")
                    tp, seen = truth_maps(doc, pfacts)
                    problems += tp
                    errs = [f"{name_of(m)} ({m['type']}): {m['error']}" for m in doc["maps"]
                            if m.get("error")]
                    problems += errs[:10]
                    c = counts(doc)
                    diag = [f"layout_source {doc['layout_source']}, {c[0]} maps, {c[1]} entries, "
                            f"{c[2]} held bytes, {doc['_seconds']:.2f} s"]
                    if table:
                        r = table[1] if len(table) > 1 else table[0]
                        diag.append(f"rebuilt ({r[0]}): {r[1]} maps, {r[2]} entries, "
                                    f"{r[3]} held bytes")
                    tap(not problems, f"Debian's packaged nats-server: the report is complete "
                        "(the workload's maps, exact len, no errors)", problems + diag + seen)
                    table.append(("Debian's /usr/sbin",) + c)
        finally:
            if not args.keep and core and os.path.exists(core):
                os.unlink(core)

        if table:
            print("# maps found, entries, held bytes (one core each; Debian's binary "
                  "is its own run of the same workload)")
            print(f"# {'report':<22} {'maps':>6} {'entries':>9} {'held bytes':>12}")
            for row in table:
                print(f"# {row[0]:<22} {row[1]:>6} {row[2]:>9} {row[3]:>12}")
        print(f"# {time.monotonic() - t0:.1f} s in all")
    finally:
        if args.keep:
            print(f"# kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
