#!/usr/bin/env python3
"""Build tests/go/progs/inspect_truth.go, run it and take core dumps of it.

Standard library only. The truth program prints one JSON object per map, then
"READY <pid>", then waits until its stdin is closed; see the program's header
comment for the fields.

    go_wrapper(go_version) -> path or None
    build(go_version, out, arch="amd64", experiment="", ldflags=None, prog=PROG,
          buildmode=None, cgo=False, linkmode=None) -> out
        (prog: a .go file, or a module's directory; buildmode: "pie" for a
        position-independent executable; cgo: CGO_ENABLED=1; linkmode: "external"
        for the system linker)
    with TruthProcess(binary, workdir) as p: p.pid, p.maps
    gcore(pid, out_path) -> out_path            (gdb; the process keeps running)
    kernel_core(binary, workdir) -> (maps, core_path)   (SIGQUIT + GOTRACEBACK=crash)
    load_segments(core_path) -> [Segment(vaddr, offset, filesz, memsz)]  (readelf -lW)
    read_memory(core_path, addr, size), header_count(core_path, truth_map)

Self-test: python3 tests/go/gocore.py [--go 1.24] [--arch amd64] [--experiment X]
builds the program, takes both kinds of core, checks that every map header
lies inside a PT_LOAD segment with file contents and holds the map's len,
prints the sizes and deletes the cores.
"""
import collections
import json
import os
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import timescale

HERE = os.path.dirname(os.path.abspath(__file__))
PROG = os.path.join(HERE, "progs", "inspect_truth.go")
CACHE = os.environ.get("MAPSIZE_GO_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mapsize", "go")


class GoCoreError(Exception):
    pass


def _wrapper_path(go_version):
    v = str(go_version)
    if v.startswith("go"):
        v = v[2:]
    if "." not in v:
        v = "1." + v
    return os.path.join(CACHE, "bin", "go" + v)


def go_wrapper(go_version):
    """Path of the toolchain wrapper for "1.24", "go1.24" or "24"; None if absent."""
    path = _wrapper_path(go_version)
    return path if os.access(path, os.X_OK) else None


def build(go_version, out, arch="amd64", experiment="", ldflags=None, prog=PROG,
          buildmode=None, cgo=False, linkmode=None):
    """Build prog (default: the truth program) into out; returns out. A directory (one
    holding a go.mod, as tests/go/progs/typenames) is built in module mode; a list of
    files is built as they are (the go command ignores their build constraints)."""
    out = os.path.abspath(out)
    env = dict(os.environ, GOTOOLCHAIN="local", CGO_ENABLED="1" if cgo else "0", GOARCH=arch)
    env.pop("GOEXPERIMENT", None)
    if experiment:
        env["GOEXPERIMENT"] = experiment
    go = go_wrapper(go_version)
    if go is None:
        raise GoCoreError(f"no Go toolchain wrapper {_wrapper_path(go_version)} "
                          "(scripts/install-go-toolchains)")
    cmd = [go, "build", "-o", out]
    if buildmode:
        cmd.append(f"-buildmode={buildmode}")
    if linkmode:
        ldflags = " ".join(x for x in (ldflags, f"-linkmode={linkmode}") if x)
    if ldflags is not None:
        cmd += ["-ldflags", ldflags]
    if isinstance(prog, (list, tuple)):  # files of package main, constraints not applied
        cmd += [os.path.abspath(p) for p in prog]
        cwd = os.path.dirname(os.path.abspath(prog[0]))
    elif os.path.isdir(prog):
        env["GO111MODULE"] = "on"
        cmd.append(".")
        cwd = os.path.abspath(prog)
    else:
        cmd.append(os.path.abspath(prog))
        cwd = os.path.dirname(os.path.abspath(prog))
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise GoCoreError(f"go{go_version} build (GOARCH={arch} GOEXPERIMENT={experiment}"
                          f"{' -buildmode=' + buildmode if buildmode else ''}"
                          f"{' CGO_ENABLED=1' if cgo else ''}) "
                          f"failed:\n{r.stderr}{r.stdout}")
    return out


def _truth_env(extra=None):
    env = dict(os.environ, GOGC="off")
    env.update(extra or {})
    return env


def _read_truth(proc, timeout, stderr_file):
    """Read JSON lines from proc.stdout until "READY <pid>"; returns the maps."""
    maps = []
    buf = b""
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    try:
        while True:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode("utf-8", "replace").strip()
                if text.startswith("{"):
                    maps.append(json.loads(text))
                elif text.startswith("READY"):
                    parts = text.split()
                    if len(parts) != 2 or int(parts[1]) != proc.pid:
                        raise GoCoreError(f"bad READY line {text!r} (pid {proc.pid})")
                    return maps
                elif text.startswith("ERROR"):
                    raise GoCoreError(f"truth program failed its self-check: {text}"
                                      f"{_tail(stderr_file)}")
                elif text:
                    raise GoCoreError(f"unexpected line from the truth program: {text!r}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise GoCoreError(f"no READY from the truth program after {timeout}s")
            if not sel.select(left):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                proc.wait()
                raise GoCoreError(f"truth program ended (status {proc.returncode}) before READY"
                                  f"{_tail(stderr_file)}")
            buf += chunk
    finally:
        sel.close()


def _tail(f, n=4000):
    if f is None:
        return ""
    try:
        f.flush()
        f.seek(0)
        data = f.read()[-n:]
    except (OSError, ValueError):
        return ""
    return "\nstderr:\n" + data.decode("utf-8", "replace") if data else ""


def _stop(proc, grace=10):
    if proc.poll() is None:
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for f in (proc.stdin, proc.stdout):
        try:
            f.close()
        except OSError:
            pass


class TruthProcess:
    """Runs the truth program (GOGC=off, stdin a pipe) until READY.

    .pid and .maps (list of dicts) are set on entry; on exit stdin is closed
    (the program then exits 0), and it is killed if it does not end.
    """

    def __init__(self, binary, workdir=None, env=None, timeout=None):
        self.binary = os.path.abspath(binary)
        self.workdir = workdir
        self.env = env
        self.timeout = timeout or timescale.limit(300)
        self.proc = None
        self.pid = None
        self.maps = None
        self._stderr = None

    def __enter__(self):
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([self.binary], cwd=self.workdir, env=_truth_env(self.env),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr)
        self.pid = self.proc.pid
        try:
            self.maps = _read_truth(self.proc, self.timeout, self._stderr)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def stderr(self):
        return _tail(self._stderr, 1 << 20)

    def __exit__(self, *exc):
        if self.proc is not None:
            _stop(self.proc)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        return False


def _dig_holes(path):
    if shutil.which("fallocate"):
        subprocess.run(["fallocate", "--dig-holes", path], capture_output=True)


def gcore(pid, out_path, timeout=None):
    """Core of a running process with gdb's gcore; the process keeps running."""
    out_path = os.path.abspath(out_path)
    timeout = timeout or timescale.limit(600)
    if not shutil.which("gdb"):
        raise GoCoreError("gdb is not installed")
    if os.path.exists(out_path):
        os.unlink(out_path)
    r = subprocess.run(["gdb", "-batch", "-nx", "-p", str(pid), "-ex", f"gcore {out_path}",
                        "-ex", "detach"], capture_output=True, text=True, timeout=timeout)
    if not os.path.exists(out_path) or os.path.getsize(out_path) == 0:
        raise GoCoreError(f"gdb wrote no core for pid {pid} (status {r.returncode}):\n"
                          f"{r.stdout[-3000:]}{r.stderr[-3000:]}")
    _dig_holes(out_path)
    return out_path


def _read_proc(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def _core_name(pattern, uses_pid, pid, binary):
    """Expand core_pattern for pid; None when it cannot be predicted (%t …)."""
    comm = os.path.basename(binary)[:15]
    sub = {"p": str(pid), "P": str(pid), "i": str(pid), "I": str(pid), "e": comm,
           "E": os.path.abspath(binary).replace("/", "!"), "h": socket.gethostname(),
           "u": str(os.getuid()), "g": str(os.getgid()), "s": str(int(signal.SIGABRT)),
           "%": "%"}
    out, i, has_pid = "", 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "%" and i + 1 < len(pattern):
            spec = pattern[i + 1]
            if spec not in sub:
                return None
            has_pid |= spec in "pP"
            out += sub[spec]
            i += 2
        else:
            out += c
            i += 1
    if uses_pid and not has_pid:
        out += f".{pid}"
    return out


def kernel_core(binary, workdir, timeout=None, env=None):
    """Run a fresh truth process, let the kernel dump it on SIGQUIT.

    GOGC=off GOTRACEBACK=crash, RLIMIT_CORE unlimited, cwd=workdir. Returns
    (maps, path of the core file).
    """
    timeout = timeout or timescale.limit(300)
    pattern = _read_proc("/proc/sys/kernel/core_pattern", "core")
    if pattern.startswith("|"):
        raise GoCoreError(f"/proc/sys/kernel/core_pattern pipes cores to a program ({pattern!r}): "
                          "the kernel core cannot be taken")
    uses_pid = _read_proc("/proc/sys/kernel/core_uses_pid", "0") == "1"
    binary = os.path.abspath(binary)
    workdir = os.path.abspath(workdir)

    def unlimited_core():
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        except (ValueError, OSError):
            hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
            resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))

    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    if hard != resource.RLIM_INFINITY and os.geteuid() != 0:
        raise GoCoreError(f"RLIMIT_CORE hard limit is {hard}: the kernel core may be cut short")
    stderr = tempfile.TemporaryFile()
    start = time.time()
    proc = subprocess.Popen([binary], cwd=workdir,
                            env=_truth_env(dict(env or {}, GOTRACEBACK="crash")),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                            preexec_fn=unlimited_core)
    try:
        maps = _read_truth(proc, timeout, stderr)
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise GoCoreError(f"pid {proc.pid} did not die within {timeout}s of SIGQUIT")
        status = proc.returncode
        name = _core_name(pattern, uses_pid, proc.pid, binary)
        path = None
        if name is not None:
            path = name if os.path.isabs(name) else os.path.join(workdir, name)
            if not os.path.exists(path):
                path = None
        if path is None:  # unpredictable name: the newest file matching in its directory
            d = os.path.dirname(pattern) if os.path.isabs(pattern) else workdir
            prefix = os.path.basename(pattern).split("%", 1)[0]
            cands = [os.path.join(d, f) for f in os.listdir(d) if f.startswith(prefix)]
            cands = [c for c in cands if os.path.isfile(c) and os.path.getmtime(c) >= start - 1]
            path = max(cands, key=os.path.getmtime) if cands else None
        if path is None or os.path.getmtime(path) < start - 1:
            raise GoCoreError(f"pid {proc.pid} ended with status {status} but no core was found "
                              f"(core_pattern {pattern!r}, core_uses_pid {int(uses_pid)}, "
                              f"cwd {workdir}){_tail(stderr, 1500)}")
        if status != -signal.SIGABRT:
            raise GoCoreError(f"pid {proc.pid} ended with status {status}, expected SIGABRT")
        return maps, path
    finally:
        _stop(proc, grace=2)
        stderr.close()


Segment = collections.namedtuple("Segment", "vaddr offset filesz memsz")


def load_segments(core_path):
    """PT_LOAD segments of an ELF core (readelf -lW): list of Segment."""
    r = subprocess.run(["readelf", "-lW", core_path], capture_output=True, text=True)
    if r.returncode != 0:
        raise GoCoreError(f"readelf -l {core_path}: {r.stderr}")
    segs = []
    for line in r.stdout.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            segs.append(Segment(int(f[2], 16), int(f[1], 16), int(f[4], 16), int(f[5], 16)))
    return segs


def in_file_contents(segs, addr):
    return any(s.vaddr <= addr < s.vaddr + s.filesz for s in segs)


def read_memory(core_path, addr, size, segs=None):
    """size bytes at virtual address addr from the core's file contents."""
    for s in segs if segs is not None else load_segments(core_path):
        if s.vaddr <= addr and addr + size <= s.vaddr + s.filesz:
            with open(core_path, "rb") as f:
                f.seek(s.offset + addr - s.vaddr)
                return f.read(size)
    raise GoCoreError(f"{core_path} has no contents for {addr:#x}+{size}")


def elf_pointer_size(path):
    with open(path, "rb") as f:
        ident = f.read(5)
    if ident[:4] != b"\x7fELF":
        raise GoCoreError(f"{path} is not an ELF file")
    return 8 if ident[4] == 2 else 4


def header_count(core_path, m, segs=None, ptr=None):
    """len() of map m (a truth dict) as its header in the core says."""
    ptr = ptr or elf_pointer_size(core_path)
    size = 8 if m["impl"] == "swiss" else ptr  # Swiss used is uint64, hmap count an int
    return int.from_bytes(read_memory(core_path, int(m["addr"], 16), size, segs), "little")


def _describe_core(kind, path, maps):
    st = os.stat(path)
    segs = load_segments(path)
    with_data = sum(1 for s in segs if s[1] > 0)
    missing = [m["name"] for m in maps if not in_file_contents(segs, int(m["addr"], 16))]
    ptr = elf_pointer_size(path)
    wrong = [m["name"] for m in maps if m["name"] not in missing
             and header_count(path, m, segs, ptr) != m["len"]]
    print(f"{kind}: {path}: {st.st_size / 2**20:.1f} MiB apparent, "
          f"{st.st_blocks * 512 / 2**20:.1f} MiB allocated, {len(segs)} PT_LOAD "
          f"({with_data} with file contents); map headers outside them: {missing or 'none'}; "
          f"header count != len: {wrong or 'none'}")
    if len(segs) < 10:
        raise GoCoreError(f"{path} has only {len(segs)} PT_LOAD segments")
    if missing:
        raise GoCoreError(f"{path} lacks the memory of {missing}")
    if wrong:
        raise GoCoreError(f"{path}: the headers of {wrong} do not hold their len")


def _selftest(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--go", default="1.24")
    ap.add_argument("--arch", default="amd64")
    ap.add_argument("--experiment", default="")
    ap.add_argument("--dir", default=None, help="work directory (default: a new one in /tmp)")
    a = ap.parse_args(argv)
    work = tempfile.mkdtemp(prefix="gocore-", dir=a.dir or "/tmp")
    try:
        binary = build(a.go, os.path.join(work, "inspect_truth"), a.arch, a.experiment)
        print(f"built {binary} with go{a.go} GOARCH={a.arch} GOEXPERIMENT={a.experiment}")
        t = time.monotonic()
        with TruthProcess(binary, work) as p:
            print(f"pid {p.pid}: {len(p.maps)} maps, READY after {time.monotonic() - t:.2f}s")
            path = gcore(p.pid, os.path.join(work, "gcore.core"))
            if p.proc.poll() is not None:
                raise GoCoreError("the process did not survive gcore")
            _describe_core("gcore", path, p.maps)
            os.unlink(path)
        maps, path = kernel_core(binary, work)
        print(f"kernel core: {len(maps)} maps")
        _describe_core("kernel", path, maps)
        os.unlink(path)
        print("ok")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        _selftest(sys.argv[1:])
    except GoCoreError as e:
        print(f"gocore: {e}", file=sys.stderr)
        sys.exit(1)
