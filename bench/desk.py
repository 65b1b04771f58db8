"""The desk's roster page at 10,000 organisations, beside the JSON API for the
same filters: p50 and p99 per request.

A store is filled with `--organisations` organisations (bench.common.fill_members:
applications over 2016–2019, two thirds admitted, some tagged high-tech), then
each roster query is asked of the staff desk's page (GET /portal/desk/members,
one page of 50 rows with the total, the session cookie, the template) and of the
API (GET /api/v1/members with the same filters and `limit=50`), through the whole
Litestar stack in-process (guard, token, view, serialisation), no network in
between. The goal: the page at p99 ≤ 50 ms.

    .venv/bin/python bench/desk.py [--organisations 10000] [--runs 300] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from litestar.testing import TestClient

from api.app import create_app
from api.policy import SESSION_COOKIE
from bench.common import fill_members, fresh_platform
from bench.pages import GOAL_MS, percentiles, timed
from tests.http import create_staff, login

# name, query string (the same for the page and the API; the API adds limit=50)
QUERIES = [
    ("every organisation, applied order", ""),
    ("admitted enterprises, members", "status=admitted&kind=enterprise&tier=member"),
    ("high-tech library, by name", "library=high_tech&sort=name"),
    ("search q=光电", "q=%E5%85%89%E7%94%B5"),
    ("admitted as of 2018-06-30", "status=admitted&as_of=2018-06-30"),
]


def measure(backend: str, organisations: int, runs: int) -> list[tuple[str, float, float]]:
    with fresh_platform(backend) as platform:
        fill_members(platform, organisations)
        platform.runner.catch_up()
        create_staff(platform)
        with TestClient(create_app(platform), raise_server_exceptions=True) as client:
            staff = login(client)
            page = {"cookie": f"{SESSION_COOKIE}={staff['Authorization'].split(' ', 1)[1]}"}
            rows = []
            for name, query in QUERIES:
                total = client.get(f"/api/v1/members?{query}&limit=50", headers=staff).json()["total"]
                label = f"{name} ({total})"
                rows.append((f"page  GET /portal/desk/members  {label}",
                             *percentiles(timed(client, f"/portal/desk/members?{query}", page, runs))))
                rows.append((f"API   GET /api/v1/members      {label}",
                             *percentiles(timed(client, f"/api/v1/members?{query}&limit=50", staff, runs))))
            return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    rows = measure(args.backend, args.organisations, args.runs)
    print(f"\nThe desk's roster page against the JSON API ({args.backend}, {args.organisations} organisations, "
          f"{args.runs} requests each, in-process), ms")
    print(f"{'request':<78} {'p50':>7} {'p99':>7}")
    for name, p50, p99 in rows:
        verdict = ("ok" if p99 <= GOAL_MS else "OVER") if name.startswith("page") else ""
        print(f"{name:<78} {p50:7.2f} {p99:7.2f}  {verdict}")


if __name__ == "__main__":
    main()
