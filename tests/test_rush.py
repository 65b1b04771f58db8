"""The ticket rush, on both backends, over real HTTP: 1,000 organisations
register at once for one 20-seat salon (QUALITY.md)."""

import asyncio
import random
from datetime import timedelta

import httpx

from api.app import create_app
from tests.crowd import admitted_members
from tests.http import create_staff, live_server, login
from tests.loadgen import all_at_once


def salon(client, staff, platform, capacity=20):
    start = platform.clock.now() + timedelta(days=7)
    r = client.post("/api/v1/sessions", headers=staff, json={
        "kind": "salon", "title": "科技型中小企业政策小集会", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(), "venue": "协会会议室", "capacity": capacity,
        "registration_closes_at": (start - timedelta(hours=1)).isoformat()})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def storm(base_url, headers, requests):
    """Send every (method, path, json) at once; return the replies in order."""
    replies, _ = asyncio.run(all_at_once(base_url, requests, headers))
    return replies


def test_1000_registrations_on_a_20_seat_salon(platform):
    orgs = admitted_members(platform, 1000)
    create_staff(platform)
    with live_server(create_app(platform)) as url, httpx.Client(base_url=url, timeout=30) as client:
        staff = login(client)
        session = salon(client, staff, platform)
        responses = storm(url, staff, [
            ("POST", f"/api/v1/sessions/{session}/registrations",
             {"organisation_id": org, "attendees": [{"name": "王强"}]}) for org in orgs])
        assert [r.status for r in responses if r.status != 201] == []
        answers = [r.json() for r in responses]
        confirmed = [a for a in answers if a["status"] == "confirmed"]
        waitlisted = sorted((a for a in answers if a["status"] == "waitlisted"),
                            key=lambda a: a["waitlist_position"])
        assert len(confirmed) == 20 and len(waitlisted) == 980
        assert [a["waitlist_position"] for a in waitlisted] == list(range(1, 981))
        # Arrival order is the log's order, and the roster tells the same story.
        assert [a["position"] for a in waitlisted] == sorted(a["position"] for a in waitlisted)
        head = max(a["position"] for a in answers)
        roster = client.get(f"/api/v1/sessions/{session}/roster?min_position={head}", headers=staff).json()
        assert [w["organisation_id"] for w in roster["waitlist"]] == [a["organisation_id"] for a in waitlisted]
        assert roster["counts"]["confirmed"] == 20


def test_cancellations_racing_registrations_never_leave_a_seat_free(platform):
    orgs = admitted_members(platform, 160)
    create_staff(platform)
    rng = random.Random(5)
    with live_server(create_app(platform)) as url, httpx.Client(base_url=url, timeout=30) as client:
        staff = login(client)
        session = salon(client, staff, platform)
        first, rest = orgs[:60], orgs[60:]
        for r in storm(url, staff, [
                ("POST", f"/api/v1/sessions/{session}/registrations",
                 {"organisation_id": o, "attendees": [{"name": "王强"}]}) for o in first]):
            assert r.status == 201
        leaving = rng.sample(first, 30)
        mixed = [("DELETE", f"/api/v1/sessions/{session}/registrations/{o}", None) for o in leaving] + [
            ("POST", f"/api/v1/sessions/{session}/registrations", {"organisation_id": o, "attendees": [{"name": "李"}]})
            for o in rest]
        rng.shuffle(mixed)
        responses = storm(url, staff, mixed)
        assert all(r.status in (200, 201) for r in responses), [r.body for r in responses if r.status >= 300]
        head = max(r.json()["position"] for r in responses)
        roster = client.get(f"/api/v1/sessions/{session}/roster?min_position={head}", headers=staff).json()
        assert roster["counts"]["confirmed"] == 20  # 130 registered, so every freed seat was refilled
        assert roster["counts"]["waitlisted"] == 60 + 100 - 30 - 20
        assert not set(leaving) & {e["organisation_id"] for e in roster["confirmed"] + roster["waitlist"]}
