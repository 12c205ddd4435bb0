"""TAP output shared by the Go suites: ok/not ok lines with diagnostics, and the plan."""
import sys

n = 0
failed = 0


def tap(ok, msg, diag=(), skip=None):
    """One test; diag lines follow it as comments. skip: the reason it did not run."""
    global n, failed
    n += 1
    if skip:
        print(f"ok {n} - {msg} # SKIP {skip}", flush=True)
        return
    if not ok:
        failed += 1
    print(f"{'ok' if ok else 'not ok'} {n} - {msg}", flush=True)
    for item in diag:
        for line in str(item).splitlines() or [""]:
            print(f"# {line}", flush=True)
    if not ok:
        # meson shows a failed test's stderr in its summary (and CI prints
        # only that): the failure and its diagnostics go there too.
        print(f"not ok {n} - {msg}", file=sys.stderr, flush=True)
        for item in list(diag)[:40]:
            for line in str(item).splitlines() or [""]:
                print(f"#   {line}", file=sys.stderr, flush=True)


def finish():
    """Print the plan; the exit status for sys.exit()."""
    print(f"1..{n}", flush=True)
    return 1 if failed else 0


def skip_or_fail_missing(require, name, version, what):
    """A missing toolchain: a failure on CI (require), a skip elsewhere."""
    why = f"toolchain go{version} not installed (scripts/install-go-toolchains)"
    if require:
        tap(False, f"{name}: toolchain present", [why])
    else:
        tap(True, f"{name}: {what}", skip=why)
    sys.stdout.flush()
