"""Web pages against the JSON API for the same data: p50 and p99 per request.

Two pages people open all day: a salon's page (20 confirmed organisations and a
waitlist; the member's own registration with its QR codes) and the timeline of
an organisation with 1,000 events (one page of `HISTORY_PAGE` entries, as the
portal shows it). Each is timed beside the JSON API route that reads the same
data (GET /api/v1/sessions/{id}, GET /api/v1/members/{id}/history with the
same `limit`), through the whole Litestar stack in-process (guard, session
cookie, template), without a network in between. The goal: pages at p99 ≤ 50 ms.

    .venv/bin/python bench/pages.py [--events 1000] [--runs 300] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from litestar.testing import TestClient

from api.app import create_app
from api.pages.membership import HISTORY_PAGE
from api.policy import SESSION_COOKIE
from bench.common import store
from qihui.bootstrap import Platform, bootstrap
from qihui.settings import Settings
from tests.factories import application
from tests.http import create_staff, login
from tests.roles import invited

GOAL_MS = 50.0


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def ok(response, status: int = 200):
    assert response.status_code == status, response.text
    return response.json() if "json" in response.headers.get("content-type", "") else response


def timed(client, path: str, headers: dict[str, str], runs: int) -> list[float]:
    for _ in range(10):  # warm: templates compiled, caches filled
        ok(client.get(path, headers=headers))
    gc.collect()
    gc.freeze()  # as `qihui serve` does once started: what is built so far is never walked again
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return samples


@contextmanager
def platform_on(env: dict[str, str]) -> Iterator[Platform]:
    platform = bootstrap(Settings.from_env(env))
    try:
        yield platform
    finally:
        platform.close()


def measure(backend: str, events: int, runs: int) -> list[tuple[str, float, float]]:
    with store(backend) as (env, _), platform_on(env) as platform:
        create_staff(platform)
        with TestClient(create_app(platform), raise_server_exceptions=True) as client:
            staff = login(client)
            # An organisation with `events` events: applied, admitted, then profile changes.
            org = ok(client.post("/api/v1/members", json=application()), 201)["id"]
            ok(client.post(f"/api/v1/members/{org}/admit", json={}, headers=staff))
            for i in range(events - 2):
                ok(client.patch(f"/api/v1/members/{org}", headers=staff,
                                json={"address": f"厦门市思明区软件园二期观日路 {i} 号"}))
            member = invited(client, staff, "bench_member", "member", organisation_id=org)
            # A salon of 20, full, with a waitlist; the member's organisation waits too.
            starts = platform.clock.now() + timedelta(days=10)
            session = ok(client.post("/api/v1/sessions", headers=staff, json={
                "kind": "salon", "title": "企业科协建设小集会", "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=2)).isoformat(), "venue": "协会会议室",
                "seats_per_organisation": 2,
                "registration_closes_at": (starts - timedelta(days=1)).isoformat()}), 201)["id"]
            for i in range(24):
                other = ok(client.post("/api/v1/members", json=application()), 201)["id"]
                ok(client.post(f"/api/v1/members/{other}/admit", json={}, headers=staff))
                ok(client.post(f"/api/v1/sessions/{session}/registrations", headers=staff, json={
                    "organisation_id": other, "attendees": [{"name": f"参会人{i}"}, {"name": f"参会人{i}乙"}]}), 201)
            answer = ok(client.post(f"/api/v1/sessions/{session}/registrations", headers=member, json={
                "organisation_id": org, "attendees": [{"name": "张伟"}, {"name": "李娜"}]}), 201)
            ok(client.get(f"/api/v1/auth/me?min_position={answer['position']}", headers=member))
            token = member["Authorization"].split(" ", 1)[1]
            page = {"cookie": f"{SESSION_COOKIE}={token}"}
            history = ok(client.get(f"/api/v1/members/{org}/history?limit={HISTORY_PAGE}", headers=member))
            assert len(history["items"]) == min(HISTORY_PAGE, events)
            cases = [
                ("session page  GET /portal/sessions/{id}", f"/portal/sessions/{session}", page),
                ("session API   GET /api/v1/sessions/{id}", f"/api/v1/sessions/{session}", member),
                (f"timeline page GET /portal/organisations/{{id}}/history ({HISTORY_PAGE} of {events})",
                 f"/portal/organisations/{org}/history", page),
                (f"timeline API  GET /api/v1/members/{{id}}/history?limit={HISTORY_PAGE}",
                 f"/api/v1/members/{org}/history?limit={HISTORY_PAGE}", member),
            ]
            return [(name, *percentiles(timed(client, path, headers, runs))) for name, path, headers in cases]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    rows = measure(args.backend, args.events, args.runs)
    print(f"\nPages against the JSON API ({args.backend}, {args.runs} requests each, in-process), ms")
    print(f"{'request':<72} {'p50':>7} {'p99':>7}")
    for name, p50, p99 in rows:
        page = "/portal/" in name or name.startswith(("session page", "timeline page"))
        verdict = ("ok" if p99 <= GOAL_MS else "OVER") if page else ""
        print(f"{name:<72} {p50:7.2f} {p99:7.2f}  {verdict}")


if __name__ == "__main__":
    main()
