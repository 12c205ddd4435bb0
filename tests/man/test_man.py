#!/usr/bin/env python3
"""The man page: every option of every command is documented, and every
EXAMPLES line runs and succeeds. TAP on stdout."""
import os, re, shlex, subprocess, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "go"))
from timescale import limit  # noqa: E402

page, mapsize = sys.argv[1], sys.argv[2]
text = open(page).read()
n = 0
failed = 0

def check(ok, msg, diag=""):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print(("ok" if ok else "not ok"), n, "-", msg)
    for line in diag.splitlines():
        print("#", line)

# Options the program knows: read from its own --help text.
for cmd in ["estimate", "inspect", "attach", "record", "replay", "diff", "simulate"]:
    help_text = subprocess.run([mapsize, cmd, "--help"], capture_output=True, text=True).stdout
    opts = sorted(set(re.findall(r"--([a-z][a-z-]*)", help_text)))
    check(len(opts) >= 2, f"{cmd} --help lists its options ({len(opts)})")
    for o in opts:
        check(f"Fl -{o}" in text, f"{cmd} --{o} is documented in the man page")

# The SYNOPSIS lists every format each command writes, as its --help does (both read the format
# table of cmd/opts.c).
synopsis = text.split(".Sh SYNOPSIS", 1)[1].split(".Sh ", 1)[0]
blocks = {b.split("\n", 1)[0].split()[1]: b for b in synopsis.split(".Nm\n")[1:]
          if b.startswith(".Cm ")}
for cmd in ["estimate", "inspect", "attach", "replay", "diff", "simulate"]:
    help_text = subprocess.run([mapsize, "help", cmd], capture_output=True, text=True).stdout
    m = re.search(r"--format FORMAT +.*: (.*)", help_text)
    fmts = [f.strip() for f in m.group(1).split(",")] if m else []
    want = ".Op Fl -format Cm " + " | ".join(fmts)
    # one line, or (too long for one) an .Oo block whose .Cm lines continue the list
    block = re.sub(r"^\.Oo Fl -format\n\.Cm (.*)\n\.Cm \| (.*)\n\.Oc$",
                   r".Op Fl -format Cm \1 | \2", blocks.get(cmd, ""), flags=re.M)
    got = re.findall(r"^\.Op Fl -format .*$", block, re.M)
    check(fmts and got == [want], f"the SYNOPSIS of {cmd} lists its formats ({', '.join(fmts)})",
          f"want: {want}\ngot: {got}")

# EXAMPLES: each .Dl line is a command to run.
examples = text.split(".Sh EXAMPLES", 1)[1].split(".Sh ", 1)[0]
for line in examples.splitlines():
    if not line.startswith(".Dl "):
        continue
    args = shlex.split(line[4:].replace("\\(dq", '"'))
    assert args[0] == "mapsize"
    r = subprocess.run([mapsize] + args[1:], capture_output=True, text=True,
                       timeout=limit(120))
    check(r.returncode == 0 and r.stdout.strip() != "" and r.stderr == "",
          "example runs: " + line[4:], r.stderr)
print(f"1..{n}")
sys.exit(1 if failed else 0)
