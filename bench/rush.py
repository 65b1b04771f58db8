"""The ticket rush: 1,000 organisations register at once for one 20-seat salon.

The API runs as `qihui serve` in its own process; every registration is sent
on its own connection at the same moment. Baseline, same client, same server,
same run: 1,000 concurrent `GET /health`.

    .venv/bin/python bench/rush.py [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.common import api_process, staff_token, store
from qihui.bootstrap import bootstrap
from qihui.settings import Settings
from tests.crowd import admitted_members
from tests.loadgen import all_at_once


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def rush(backend: str, organisations: int) -> dict[str, object]:
    with store(backend) as (env, _):
        platform = bootstrap(Settings.from_env(env))
        orgs = admitted_members(platform, organisations)
        with api_process(env) as url:
            headers = staff_token(platform, url)
            start = platform.clock.now() + timedelta(days=7)
            session = httpx.post(f"{url}/api/v1/sessions", headers=headers, timeout=30, json={
                "kind": "salon", "title": "小集会", "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=2)).isoformat(), "venue": "协会",
                "registration_closes_at": start.isoformat()}).json()["id"]
            health, health_s = asyncio.run(all_at_once(url, [("GET", "/health", None)] * organisations))
            replies, rush_s = asyncio.run(all_at_once(url, [
                ("POST", f"/api/v1/sessions/{session}/registrations",
                 {"organisation_id": o, "attendees": [{"name": "王强"}]}) for o in orgs], headers))
        platform.close()
    outcomes = [r.json().get("status") if r.status == 201 else f"HTTP {r.status}" for r in replies]
    return {
        "confirmed": outcomes.count("confirmed"), "waitlisted": outcomes.count("waitlisted"),
        "errors": sum(1 for o in outcomes if o.startswith("HTTP")),
        "rush_s": rush_s, "rush_p50": statistics.median(r.seconds for r in replies),
        "rush_p99": p99([r.seconds for r in replies]),
        "health_s": health_s, "health_p99": p99([r.seconds for r in health]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--organisations", type=int, default=1000)
    args = parser.parse_args()
    print(f"{'backend':<10}{'confirmed':>10}{'waitlisted':>11}{'errors':>7}{'all answered':>14}{'p99':>8}"
          f"{'baseline: GET /health':>23}")
    for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
        r = rush(backend, args.organisations)
        print(f"{backend:<10}{r['confirmed']:>10}{r['waitlisted']:>11}{r['errors']:>7}{r['rush_s']:>13.2f}s"
              f"{r['rush_p99']:>7.2f}s{r['health_s']:>15.2f}s (p99 {r['health_p99']:.2f}s)")


if __name__ == "__main__":
    main()
