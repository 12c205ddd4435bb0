"""The factor by which a test's own time limits exceed what a quiet machine needs.

A limit that fails a test when it runs out (a subprocess timeout, the wait for a
program's READY line, for a tracer to hold a process, for a counter to move) is a
guard against a hang, never a measure of speed: on a loaded machine, or in a
sanitizer build, everything takes longer and no such limit may fail a test.
Each is written for a quiet machine and a plain build, and multiplied by

  MAPSIZE_TIMEOUT_SCALE   the machine's load (scripts/check sets it, default 3
                          there; 1 when unset), also meson's --timeout-multiplier
  MAPSIZE_BUILD_SLOWDOWN  the build's slowness (tests/meson.build sets it for a
                          sanitizer build, whose meson timeouts it also multiplies)

Limits the program under test is given (attach --timeout 0.02 must stop the read)
are not scaled: they are what the test checks.
"""
import os


def factor():
    f = 1.0
    for var in ("MAPSIZE_TIMEOUT_SCALE", "MAPSIZE_BUILD_SLOWDOWN"):
        try:
            f *= max(1.0, float(os.environ.get(var) or 1))
        except ValueError:
            pass
    return f


def limit(seconds):
    """seconds on a quiet machine with a plain build, scaled."""
    return seconds * factor()
