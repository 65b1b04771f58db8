"""Projection catch-up: rebuild every view from zero, in events per second.

Baseline, same run and same log: reading and decoding the notification log
with nothing written (the ceiling any projection can reach). Each figure is
the median of three runs.

    .venv/bin/python bench/projections.py [--events 60000] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fill_members, fresh_platform


def read_and_decode(platform, batch_size: int) -> int:
    position, total = 0, 0
    while batch := platform.runner.read_batch(position):
        position = batch[-1][0]
        total += len(batch)
    return total


def measure(backend: str, events: int) -> dict[str, float]:
    with fresh_platform(backend) as platform:
        stored = fill_members(platform, organisations=events * 3 // 8)
        # Warm both paths once (imports, caches, statement preparation), then
        # take the median of three runs each: the machine is shared and noisy.
        read_and_decode(platform, platform.runner.batch_size)
        baselines, rates = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            read = read_and_decode(platform, platform.runner.batch_size)
            baselines.append(read / (time.perf_counter() - t0))
            t0 = time.perf_counter()
            rebuilt = platform.runner.rebuild()
            rates.append(rebuilt / (time.perf_counter() - t0))
        return {"events": stored, "baseline": statistics.median(baselines), "rebuild": statistics.median(rates)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print(f"{'backend':<10}{'events':>9}{'read+decode/s':>16}{'rebuild/s':>12}{'ratio':>8}")
    for backend in backends:
        r = measure(backend, args.events)
        print(f"{backend:<10}{r['events']:>9}{r['baseline']:>16,.0f}{r['rebuild']:>12,.0f}"
              f"{r['rebuild'] / r['baseline']:>8.2f}")


if __name__ == "__main__":
    main()
