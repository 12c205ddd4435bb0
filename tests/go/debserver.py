"""Helpers shared by the runners that inspect Debian's packaged Go servers
(run_debian_program.py: nats-server; run_debian_prometheus.py: Prometheus).

- unpack(): apt-get download a package from the system's apt sources and dpkg -x it into
  ~/.cache/mapsize/debian/PACKAGE (no root, never installed, no service set up);
- server_core(): run a server under gocore.kernel_core (GOGC=off, GOTRACEBACK=crash,
  RLIMIT_CORE unlimited), drive its workload while it runs, and take its kernel core;
- inspect(): mapsize inspect --format json of a core; goroutine_problems(), name_of().
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import gocore
from timescale import limit

CACHE_ROOT = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                          "mapsize", "debian")


def cache_dir(package):
    return os.path.join(CACHE_ROOT, package)


def packaged(package, relpath):
    """The unpacked executable relpath (usr/sbin/nats-server) of package, or None."""
    p = os.path.join(cache_dir(package), relpath)
    return p if os.access(p, os.X_OK) else None


def unpack(package, relpath):
    """apt-get download package and dpkg -x it into cache_dir(package) (no root), unless
    relpath is there already. Returns None, or why it failed."""
    if packaged(package, relpath):
        return None
    work = tempfile.mkdtemp(prefix="mapsize-deb-")
    try:
        try:
            r = subprocess.run(["apt-get", "download", "-q", package], cwd=work,
                               capture_output=True, text=True, timeout=limit(600))
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"apt-get download {package}: {e}"
        debs = [f for f in os.listdir(work) if f.endswith(".deb")]
        if r.returncode != 0 or not debs:
            return f"apt-get download {package} failed: {r.stderr.strip()[-200:]}"
        dest = cache_dir(package)
        os.makedirs(dest, exist_ok=True)
        r = subprocess.run(["dpkg", "-x", os.path.join(work, debs[0]), dest],
                           capture_output=True, text=True, timeout=limit(600))
        if r.returncode != 0 or not packaged(package, relpath):
            return f"dpkg -x {debs[0]} failed: {r.stderr.strip()[-200:]}"
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_core(binary, args, rundir, port, drive, timeout):
    """Run binary ARGS in rundir, wait until it listens on 127.0.0.1:port, call drive(pid)
    (the workload; it returns (state to close, facts)), then take its kernel core.

    gocore.kernel_core runs a program without arguments and waits for "READY <pid>" on
    its stdout: the program here is a shell script that records its pid and execs the
    server (same pid), and the line is written into the server's stdout pipe (the servers
    log to stderr) once the workload is done, with its state (connections) still open.
    close(state) is called at the end. Returns (core path, facts)."""
    os.makedirs(rundir, exist_ok=True)
    pidfile = os.path.join(rundir, "pid")
    wrapper = os.path.join(rundir, os.path.basename(binary))  # %e of core_pattern
    quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in [binary] + list(args))
    with open(wrapper, "w") as f:
        f.write(f"#!/bin/sh\necho $$ > '{pidfile}'\nexec {quoted}\n")
    os.chmod(wrapper, 0o755)
    result = {}

    def run():
        try:
            result["core"] = gocore.kernel_core(wrapper, rundir, timeout=timeout)[1]
        except BaseException as e:  # noqa: B902 - reported by the caller
            result["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    state = None
    try:
        deadline = time.monotonic() + timeout
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
        state, facts = drive(pid)
        facts["pid"] = pid
        with open(f"/proc/{pid}/fd/1", "w") as out:
            out.write(f"READY {pid}\n")
        t.join(timeout * 2)
        if "error" in result:
            raise result["error"]
        if "core" not in result:
            raise gocore.GoCoreError("no core after SIGQUIT")
        return result["core"], facts
    finally:
        for c in state or ():
            c.close()
        if t.is_alive():  # the workload failed: end the server so kernel_core returns
            try:
                with open(pidfile) as f:
                    os.kill(int(f.read()), 9)
            except (OSError, ValueError):
                pass
            t.join(30)


def inspect(mapsize, core, exe, *extra):
    """mapsize inspect CORE --exe EXE --format json; the document, with _seconds."""
    t = time.monotonic()
    r = subprocess.run([mapsize, "inspect", core, "--exe", exe, "--format", "json", *extra],
                       capture_output=True, text=True, timeout=limit(900))
    if r.returncode != 0:
        opts = "".join(x + " " for x in extra)
        raise RuntimeError(f"mapsize inspect {opts}with {exe}: exit {r.returncode}: "
                           f"{r.stderr.strip()[-2000:]}")
    doc = json.loads(r.stdout)
    doc["_seconds"] = time.monotonic() - t
    return doc


def name_of(m):
    return (m["paths"] or [m["address"]])[0]


def goroutine_problems(doc):
    """The goroutine stacks must have been scanned (runtime.allgs found)."""
    return [f"goroutine stacks not scanned: {w}" for w in doc.get("warnings", [])
            if "not scanned" in w or "goroutine stacks not found" in w or "allgs" in w]


def end_workdir(workdir, keep):
    """Remove the runner's work directory, or say where it is kept (--keep)."""
    if keep:
        print(f"# kept {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
