"""Roster queries over 10,000 organisations with 100,000 events: p50 and p99 latency.

Each query is run as the API runs it (projections.roster.list_members, one
page of 50 with its total). Baseline, same run: fetching one member by id.
Every admitted member's history is lengthened (tier changes, suspensions and
reinstatements) so that the as-of and known-as-of queries read real periods.

    .venv/bin/python bench/queries.py [--organisations 10000] [--runs 300] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import STAFF, fill_members, fresh_platform
from projections.known import known_instant
from projections.roster import RosterQuery, get_member, list_members


def lengthen_histories(platform, chunk: int = 200) -> int:
    """Eleven more events for every admitted member, over the years after its admission."""
    with platform.views.read() as tx:
        admitted = [r["id"] for r in tx.fetchall("SELECT id FROM view_roster WHERE status = 'admitted'")]
    stored = 0
    for start in range(0, len(admitted), chunk):
        orgs = [platform.app.repository.get(UUID(i)) for i in admitted[start:start + chunk]]
        for org in orgs:
            day = org.status_since
            for _ in range(3):
                day = day + timedelta(days=200)
                org.suspend(reason="欠缴会费", effective_on=day, actor=STAFF)
                org.reinstate(reason="已补缴", effective_on=day + timedelta(days=30), actor=STAFF)
            tiers = ["council", "member", "council", "vice_president", "council", "member"]
            for tier in [t for t in tiers if t != org.tier][:5]:  # each a change from the one before
                day = day + timedelta(days=90)
                if tier != org.tier:
                    org.change_tier(tier=tier, reason="理事会决议", effective_on=day, actor=STAFF)
        stored += len(platform.app.save(*orgs))
    return stored


def long_histories(platform, organisations: int) -> int:
    """The queries' store: `organisations` members, the admitted ones with long histories, all
    projected. Measured as a running system stands, after PostgreSQL's autovacuum has visited
    the freshly written views (before it, every index-only count visits the table's rows)."""
    events = fill_members(platform, organisations)
    platform.runner.catch_up()
    events += lengthen_histories(platform)
    platform.runner.catch_up()
    platform.views.settle([t for view in platform.runner.views for t in view.tables])
    return events


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def measure(backend: str, organisations: int, runs: int) -> list[tuple[str, float, float]]:
    rng = random.Random(1)
    with fresh_platform(backend) as platform:
        events = long_histories(platform, organisations)
        print(f"  {events} events stored", flush=True)
        with platform.views.read() as tx:
            first, last = (tx.scalar(f"SELECT {f}(recorded_at) FROM view_audit_log") for f in ("MIN", "MAX"))
        span = datetime.fromisoformat(last) - datetime.fromisoformat(first)

        def instant() -> str:  # a random instant while the history was being recorded
            return known_instant(datetime.fromisoformat(first).astimezone(UTC) + span * rng.random())

        with platform.views.read() as tx:
            ids = [r["id"] for r in tx.fetchall("SELECT id FROM view_roster")]
        queries = {
            "baseline: one member by id": lambda: get_member(platform.views, rng.choice(ids)),
            "filtered page (admitted, kind, tier)": lambda: list_members(
                platform.views, RosterQuery(status="admitted", kind="enterprise", tier="member"),
                limit=50, cursor=None),
            "filtered page (library, by name)": lambda: list_members(
                platform.views, RosterQuery(library="high_tech", sort="name"), limit=50, cursor=None),
            "search (q=光电)": lambda: list_members(platform.views, RosterQuery(q="光电"), limit=50, cursor=None),
            "search (q=厦门 装备)": lambda: list_members(platform.views, RosterQuery(q="厦门 装备"), limit=50,
                                                     cursor=None),
            "as-of (admitted on a random day)": lambda: list_members(
                platform.views, RosterQuery(status="admitted",
                                            as_of=date(2016 + rng.randrange(4), rng.randrange(1, 13), 15)),
                limit=50, cursor=None),
            "known-as-of (admitted, random instant)": lambda: list_members(
                platform.views, RosterQuery(status="admitted", known_as_of=instant(),
                                            as_of=date(2016 + rng.randrange(4), rng.randrange(1, 13), 15)),
                limit=50, cursor=None),
            "known-as-of, no filter": lambda: list_members(
                platform.views, RosterQuery(known_as_of=instant(), as_of=date(2018, 6, 30)), limit=50, cursor=None),
            "search by pinyin (q=xiamen)": lambda: list_members(
                platform.views, RosterQuery(q="xiamen", sort="relevance"), limit=50, cursor=None),
            "search by initials (q=gd)": lambda: list_members(platform.views, RosterQuery(q="gd", sort="relevance"),
                                                              limit=50, cursor=None),
        }
        results = []
        for name, run in queries.items():
            for _ in range(10):
                run()  # warm up
            samples = []
            for _ in range(runs):
                t0 = time.perf_counter()
                run()
                samples.append((time.perf_counter() - t0) * 1000)
            p50, p99 = percentiles(samples)
            results.append((name, p50, p99))
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
        print(f"\n{backend}: {args.organisations} organisations, {args.runs} runs each (ms)")
        print(f"{'query':<40}{'p50':>8}{'p99':>8}")
        for name, p50, p99 in measure(backend, args.organisations, args.runs):
            print(f"{name:<40}{p50:>8.2f}{p99:>8.2f}")


if __name__ == "__main__":
    main()
