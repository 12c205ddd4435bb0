#!/usr/bin/env python3
"""Benchmark of `mapsize estimate` (issue 16: any length up to 2^40 in under a
second per Go version, `--go all` on 1e7 entries in under a second). Prints CPU
time (user + system of the mapsize process) and wall time of each run, for the
automatic model (analytic from 65536 entries on) and, where it is feasible,
the per-insert simulation (--model simulated) beside it. Figures only: nothing
here passes or fails.

Usage: bench/run_estimate_bench.py [--mapsize build/cmd/mapsize] [--type 'map[string]*T']
                                   [--no-simulated]
"""
import argparse, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_simulate_bench import timed  # noqa: E402

LENS = [("1e6", "1e6"), ("1e7", "1e7"), ("2^30", "1073741824"), ("2^40", "1099511627776")]
GOS = ["1.23", "1.27", "all"]
SIMULATED_MAX = 10 ** 7  # the simulation of 2^30 would take minutes per version


def run(mapsize, typ, n, go, model):
    doc, cpu, wall, _ = timed([mapsize, "estimate", typ, "--len", n, "--go", go, "--model", model,
                               "--format", "json"])
    ests = doc.get("estimates", [doc])
    return cpu, wall, len(ests), ests[0].get("model", "?")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mapsize", default="build/cmd/mapsize")
    ap.add_argument("--type", default="map[string]*T")
    ap.add_argument("--no-simulated", action="store_true")
    a = ap.parse_args()
    print(f"{'len':6} {'go':5} {'model':10} {'versions':>8} {'cpu s':>7} {'wall s':>7}")
    for label, n in LENS:
        for go in GOS:
            models = ["auto"]
            if not a.no_simulated and float(n) <= SIMULATED_MAX:
                models.append("simulated")
            for model in models:
                cpu, wall, nv, ran = run(a.mapsize, a.type, n, go, model)
                print(f"{label:6} {go:5} {ran:10} {nv:>8} {cpu:>7.3f} {wall:>7.3f}", flush=True)


if __name__ == "__main__":
    main()
