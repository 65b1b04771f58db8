"""An organisation with a long history writes and reads like one with a short one (issue 24).

Two organisations on one platform: one with 10 events, one with 10,000 (profile edits).
For each, over HTTP against `qihui serve` in its own process: profile edits per second
from 4 clients, and the p50/p99 of reading its profile and the first page of its history.
Baseline, same run: `GET /health`.

    .venv/bin/python bench/long_history.py [--events 10000] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import STAFF, api_process, staff_token, store
from domain.organisations import Organisation
from qihui.bootstrap import bootstrap
from qihui.settings import Settings
from tests.crowd import admitted_members
from tests.loadgen import closed_loop


def lengthen(platform, org_id: str, events: int, chunk: int = 1000) -> None:
    """`events` profile edits, saved a thousand at a time."""
    done = 0
    while done < events:
        org: Organisation = platform.app.repository.get(UUID(org_id))
        for n in range(done, min(done + chunk, events)):
            org.update_profile(changes={"address": f"厦门市软件园二期 {n} 号"}, actor=STAFF, reason=None)
        platform.app.save(org)
        done = min(done + chunk, events)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def measure(backend: str, events: int) -> list[tuple[str, float, float, float]]:
    with store(backend) as (env, _):
        platform = bootstrap(Settings.from_env(env))
        short, long_ = admitted_members(platform, 2)
        lengthen(platform, long_, events)
        platform.runner.catch_up()
        results = []
        with api_process(env) as url:
            headers = staff_token(platform, url)
            health = asyncio.run(closed_loop(url, 4, 3, lambda c, n: ("GET", "/health", None), headers))
            results.append(("baseline: GET /health", 0.0, *percentiles([r.seconds for r in health])))
            for label, org in (("10 events", short), (f"{events:,} events", long_)):
                for what, path in (("profile", f"/api/v1/members/{org}"),
                                   ("history page", f"/api/v1/members/{org}/history?limit=50")):
                    replies = asyncio.run(closed_loop(url, 4, 3, lambda c, n, p=path: ("GET", p, None), headers))
                    results.append((f"{label}: {what}", 0.0, *percentiles([r.seconds for r in replies])))
                started = time.perf_counter()
                edits = asyncio.run(closed_loop(url, 4, 5, lambda c, n, o=org: (
                    "PATCH", f"/api/v1/members/{o}", {"address": f"厦门市湖里区 {c}-{n} 号"}), headers))
                rate = sum(1 for r in edits if r.status == 200) / (time.perf_counter() - started)
                results.append((f"{label}: profile edits/s", rate, *percentiles([r.seconds for r in edits])))
        platform.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
        print(f"\n{backend}: {'':<34}{'per s':>8}{'p50 ms':>8}{'p99 ms':>8}")
        for name, rate, p50, p99 in measure(backend, args.events):
            print(f"  {name:<40}{rate:>8.0f}{p50:>8.1f}{p99:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
