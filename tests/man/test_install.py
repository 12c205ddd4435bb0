#!/usr/bin/env python3
"""`meson install` puts the man pages where man(1) finds them, and they render without a
groff warning. Installs into a temporary DESTDIR. TAP on stdout.
Usage: test_install.py MESON BUILD_DIR PAGE..."""
import json, os, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "go"))
from tap import finish, tap  # noqa: E402

meson, build, pages = sys.argv[1], sys.argv[2], sys.argv[3:]


def check(ok, msg, diag=""):
    tap(ok, msg, str(diag).splitlines())


opts = {o["name"]: o["value"] for o in json.loads(subprocess.run(
    [meson, "introspect", build, "--buildoptions"], capture_output=True, text=True,
    check=True).stdout)}
mandir = os.path.join(opts["prefix"], opts["mandir"])
dest = tempfile.mkdtemp(prefix="mapsize-install-")
try:
    r = subprocess.run([meson, "install", "-C", build, "--destdir", dest, "--no-rebuild",
                        "--quiet"], capture_output=True, text=True)
    check(r.returncode == 0, f"meson install --destdir works", r.stdout + r.stderr)
    root = dest + mandir
    for page in pages:
        name = os.path.basename(page)
        section = name.rsplit(".", 1)[1]
        installed = os.path.join(root, f"man{section}", name)
        check(os.path.isfile(installed) and open(installed).read() == open(page).read(),
              f"{name} is installed as {mandir}/man{section}/{name}")
        # man finds it by name in the installed tree
        r = subprocess.run(["man", "-w", section, name.rsplit(".", 1)[0]], capture_output=True,
                           text=True, env={**os.environ, "MANPATH": root})
        check(r.returncode == 0 and os.path.samefile(r.stdout.strip(), installed),
              f"man -w {section} {name.rsplit('.', 1)[0]} finds the installed page",
              r.stdout + r.stderr)
        # groff's own lint (-ww: every warning), and man -l as a reader runs it
        r = subprocess.run(["groff", "-ww", "-z", "-mandoc", installed], capture_output=True,
                           text=True)
        check(r.returncode == 0 and r.stderr == "", f"groff -ww renders {name} without a warning",
              r.stderr)
        r = subprocess.run(["man", "--warnings", "-l", installed], capture_output=True, text=True,
                           env={**os.environ, "MANWIDTH": "80", "MAN_KEEP_FORMATTING": "0"})
        check(r.returncode == 0 and r.stderr == "" and "mapsize" in r.stdout,
              f"man --warnings -l {name} renders without a warning", r.stderr)
    # the default prefix's man directory is one man searches
    r = subprocess.run(["manpath"], capture_output=True, text=True)
    if opts["prefix"] in ("/usr", "/usr/local") and r.returncode == 0:
        check(mandir in r.stdout.strip().split(":"),
              f"{mandir} is on man's search path", r.stdout)
finally:
    shutil.rmtree(dest)
sys.exit(finish())
