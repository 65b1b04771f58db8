"""Roster queries over HTTP at 10,000 organisations (issue 24): p50 and p99 of each query as a
client sees it, against `qihui serve` in its own process, beside a `GET /health` round trip
from the same client in the same run. The store is the one bench/queries.py builds (long
histories, so the as-of and known-as-of queries read real periods).

    .venv/bin/python bench/queries_http.py [--organisations 10000] [--requests 300] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import api_process, staff_token, store
from bench.queries import long_histories, percentiles
from projections.audit import ACTIVITY
from projections.known import known_instant
from qihui.bootstrap import bootstrap
from qihui.settings import Settings
from tests.loadgen import closed_loop


def measure(backend: str, organisations: int, requests: int) -> list[tuple[str, float, float]]:
    with store(backend) as (env, _):
        platform = bootstrap(Settings.from_env(env))
        long_histories(platform, organisations)
        with platform.views.read() as tx:
            first, last = (tx.scalar(f"SELECT {f}(recorded_at) FROM view_audit_log") for f in ("MIN", "MAX"))
            busiest = tx.scalar(f"SELECT org_id FROM {ACTIVITY} GROUP BY org_id ORDER BY COUNT(*) DESC LIMIT 1")
        middle = datetime.fromisoformat(first) + (datetime.fromisoformat(last) - datetime.fromisoformat(first)) / 2
        instant = quote(known_instant(middle.astimezone(UTC)))
        queries = {
            "baseline: GET /health": "/health",
            "filtered (admitted, enterprise, member)": "/api/v1/members?status=admitted&kind=enterprise&tier=member",
            "search q=光电": f"/api/v1/members?q={quote('光电')}",
            "search q=xiamen": "/api/v1/members?q=xiamen",
            "as-of (admitted, 2018-06-30)": "/api/v1/members?status=admitted&as_of=2018-06-30",
            "known-as-of (admitted, mid-history)": f"/api/v1/members?status=admitted&as_of=2018-06-30"
                                                   f"&known_as_of={instant}",
            "history page (busiest organisation)": f"/api/v1/members/{busiest}/history?limit=50",
        }
        results = []
        with api_process(env) as url:
            headers = staff_token(platform, url)
            for name, path in queries.items():
                asyncio.run(closed_loop(url, 1, 1.0, lambda c, n, p=path: ("GET", p, None), headers))  # warm-up
                replies: list = []
                while len(replies) < requests:
                    replies += asyncio.run(closed_loop(url, 1, 1.0, lambda c, n, p=path: ("GET", p, None), headers))
                failed = [r for r in replies if r.status != 200]
                if failed:
                    raise RuntimeError(f"{name}: HTTP {failed[0].status}")
                p50, p99 = percentiles([r.seconds * 1000 for r in replies[:requests]])
                results.append((name, p50, p99))
        platform.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
        print(f"\n{backend}: {args.organisations} organisations, {args.requests} requests each, one client (ms)")
        print(f"{'query':<42}{'p50':>8}{'p99':>8}")
        for name, p50, p99 in measure(backend, args.organisations, args.requests):
            print(f"{name:<42}{p50:>8.2f}{p99:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
