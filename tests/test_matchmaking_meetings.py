"""One-to-one meetings at a matchmaking session (seed 004: 对接会): requests, acceptance into
the earliest free slot and table, never double-booking an organisation or a table, also
when fifty acceptances arrive at once."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest

from api.app import create_app
from tests.access_matchmaking import solver, solver_account
from tests.http import create_staff, live_server, login, ok, on
from tests.roles import admitted_org, invited
from workers.scheduler import tick


def matchmaking_session(client, staff, platform, days: int = 5) -> str:
    start = platform.clock.now() + timedelta(days=days)
    return ok(client.post("/api/v1/sessions", headers=staff, json={
        "kind": "matchmaking", "title": "产学研对接会", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=4)).isoformat(), "venue": "科技局报告厅", "capacity": 100,
        "registration_closes_at": (start - timedelta(hours=2)).isoformat()}), 201)["id"]


def register(client, staff, session: str, org: str) -> None:
    ok(client.post(f"/api/v1/sessions/{session}/registrations", headers=staff,
                   json={"organisation_id": org, "attendees": [{"name": "王经理"}]}), 201)


def add_slots(client, staff, platform, session: str, count: int, tables: int, days: int = 5) -> None:
    start = platform.clock.now() + timedelta(days=days)
    ok(client.post(f"/api/v1/sessions/{session}/slots", headers=staff,
                   json={"starts_at": start.isoformat(), "minutes": 20, "count": count, "tables": tables}), 201)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_requests_are_placed_in_the_earliest_free_slot_and_table(client, staff, platform):
    session = matchmaking_session(client, staff, platform)
    ent_a, ent_b = admitted_org(client, staff), admitted_org(client, staff)
    for org in (ent_a, ent_b):
        register(client, staff, session, org)
    team = solver(client, staff)
    a = invited(client, staff, "qiye_a", "member", organisation_id=ent_a)
    b = invited(client, staff, "qiye_b", "member", organisation_id=ent_b)
    t = solver_account(client, staff, team, "tuandui")
    add_slots(client, staff, platform, session, count=2, tables=1)
    url = f"/api/v1/sessions/{session}/meeting-requests"
    # The team asks both enterprises; A and B ask each other.
    to_a = ok(client.post(url, json={"with_organisation_id": ent_a}, headers=t), 201)["id"]
    to_b = ok(client.post(url, json={"with_organisation_id": ent_b, "note": "隔膜涂覆"}, headers=t), 201)["id"]
    a_to_b = ok(client.post(url, json={"with_organisation_id": ent_b}, headers=a), 201)["id"]
    # A second open request between the same two is refused; nobody asks for somebody else.
    assert client.post(url, json={"with_organisation_id": ent_a}, headers=t).json()["code"] == "already_requested"
    forged = client.post(url, json={"with_organisation_id": ent_b, "from_organisation_id": team}, headers=a)
    assert forged.status_code == 422
    # Only the requested organisation answers.
    wrong = client.post(f"{url}/{to_a}/acceptance", json={}, headers=b)
    assert wrong.status_code == 403 and wrong.json()["code"] == "not_requested"
    first = ok(client.post(f"{url}/{to_a}/acceptance", json={}, headers=a), 201)
    assert first["table"] == 1
    # Slot 1's only table is taken: the team meets B in slot 2.
    second = ok(client.post(f"{url}/{to_b}/acceptance", json={}, headers=b), 201)
    assert second["slot_starts_at"] > first["slot_starts_at"]
    # A is busy in slot 1 and B in slot 2: no slot is free for both.
    full = client.post(f"{url}/{a_to_b}/acceptance", json={}, headers=b)
    assert full.status_code == 409 and full.json()["code"] == "no_slot_free"
    ok(client.post(f"{url}/{a_to_b}/decline", json={"reason": "时间冲突"}, headers=b))
    assert client.post(f"{url}/{a_to_b}/acceptance", json={}, headers=b).json()["code"] == "request_closed"
    # Each organisation reads its own agenda, in time order; not another's.
    platform.runner.catch_up()
    agenda = ok(client.get(f"/api/v1/sessions/{session}/agenda", headers=t))
    assert [m["starts_at"] for m in agenda["meetings"]] == [first["slot_starts_at"], second["slot_starts_at"]]
    assert [len(ok(client.get(f"/api/v1/sessions/{session}/agenda", headers=h))["meetings"]) for h in (a, b)] == [1, 1]
    assert client.get(f"/api/v1/sessions/{session}/agenda?organisation_id={ent_b}", headers=a).status_code == 403
    assert len(ok(client.get(f"/api/v1/sessions/{session}/agenda", headers=staff))["meetings"]) == 2
    # After the meeting either party records its outcome; not before, and never a stranger.
    meeting = agenda["meetings"][0]["id"]
    outcome = f"/api/v1/sessions/{session}/meetings/{meeting}/outcome"
    assert client.post(outcome, json={"outcome": "follow_up"}, headers=a).json()["code"] == "meeting_not_held"
    platform.clock.offset += timedelta(days=5, minutes=30)  # the session has started
    assert client.post(outcome, json={"outcome": "follow_up"}, headers=b).status_code == 404
    ok(client.post(outcome, json={"outcome": "deal_expected", "note": "约定下周实验室考察"}, headers=a))
    # Both meetings have started: the figures count them as held.
    platform.runner.catch_up()
    today = platform.clock.today()
    period = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    assert ok(client.get(f"/api/v1/stats/summary?{period}", headers=staff))["needs"]["meetings_held"] == 2
    assert [m["outcome"] for m in ok(client.get(f"/api/v1/sessions/{session}/agenda", headers=a))["meetings"]] == [
        "deal_expected"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_participants_only_and_requests_expire_on_the_clock(client, staff, platform):
    session = matchmaking_session(client, staff, platform)
    ent, stranger = admitted_org(client, staff), admitted_org(client, staff)
    register(client, staff, session, ent)
    team = solver(client, staff)
    t = solver_account(client, staff, team, "tuandui")
    e = invited(client, staff, "qiye", "member", organisation_id=ent)
    url = f"/api/v1/sessions/{session}/meeting-requests"
    # An organisation that did not register is no participant.
    refused = client.post(url, json={"with_organisation_id": stranger}, headers=t)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "with_organisation_id"
    # Meetings belong to matchmaking sessions only.
    start = platform.clock.now() + timedelta(days=5)
    salon = ok(client.post("/api/v1/sessions", headers=staff, json={
        "kind": "salon", "title": "小集会", "starts_at": start.isoformat(), "venue": "协会",
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "registration_closes_at": (start - timedelta(hours=2)).isoformat()}), 201)["id"]
    assert client.post(f"/api/v1/sessions/{salon}/slots", headers=staff, json={
        "starts_at": start.isoformat(), "minutes": 20, "count": 2, "tables": 2}).json()["code"] == "not_matchmaking"
    expires = platform.clock.now() + timedelta(days=1)
    rid = ok(client.post(url, json={"with_organisation_id": ent, "expires_at": expires.isoformat()}, headers=t),
             201)["id"]
    on(platform, platform.clock.today() + timedelta(days=2))
    assert client.post(f"{url}/{rid}/acceptance", json={}, headers=e).json()["code"] == "request_expired"
    platform.runner.catch_up()  # the scheduler finds due work in the views
    assert tick(platform)["expire_meeting_requests"] == 1
    platform.runner.catch_up()
    agenda = ok(client.get(f"/api/v1/sessions/{session}/agenda", headers=e))
    assert [r["status"] for r in agenda["requests"]] == ["expired"]
    assert tick(platform)["expire_meeting_requests"] == 0  # never twice


def test_50_concurrent_acceptances_never_double_book(platform):
    """Ten solver teams asked five enterprises each (50 requests); the enterprises accept all at
    once, over HTTP, from 50 threads, for 4 slots of 3 tables: at most 12 meetings fit."""
    create_staff(platform)
    with live_server(create_app(platform)) as base, httpx.Client(base_url=base, timeout=60) as client:
        staff = login(client)
        session = matchmaking_session(client, staff, platform)
        enterprises = [admitted_org(client, staff) for _ in range(5)]
        for org in enterprises:
            register(client, staff, session, org)
        accounts = {org: invited(client, staff, f"qiye{i}", "member", organisation_id=org)
                    for i, org in enumerate(enterprises)}
        teams = [solver(client, staff, name=f"解决方团队{i}", kind="team") for i in range(10)]
        add_slots(client, staff, platform, session, count=4, tables=3)
        url = f"/api/v1/sessions/{session}/meeting-requests"
        requests = [(org, ok(client.post(url, headers=staff, json={
            "with_organisation_id": org, "from_organisation_id": team}), 201)["id"])
            for team in teams for org in enterprises]

        def accept(item):
            org, rid = item
            with httpx.Client(base_url=base, timeout=60) as own:
                return own.post(f"{url}/{rid}/acceptance", json={}, headers=accounts[org])

        with ThreadPoolExecutor(max_workers=50) as pool:
            answers = list(pool.map(accept, requests))
        statuses = Counter(r.status_code for r in answers)
        assert set(statuses) <= {201, 409} and statuses[201] >= 4, statuses
        assert all(r.json()["code"] == "no_slot_free" for r in answers if r.status_code == 409)
        placed = [r.json() for r in answers if r.status_code == 201]
        assert len({(m["slot_starts_at"], m["table"]) for m in placed}) == len(placed) <= 12
        head = max(m["position"] for m in placed)
        agenda = ok(client.get(f"/api/v1/sessions/{session}/agenda?min_position={head}", headers=staff))
        assert len(agenda["meetings"]) == len(placed)
        busy = Counter((m["starts_at"], org) for m in agenda["meetings"] for org in m["organisations"])
        assert max(busy.values()) == 1  # no organisation in two meetings at once
        tables = Counter((m["starts_at"], m["table"]) for m in agenda["meetings"])
        assert max(tables.values()) == 1 and all(1 <= m["table"] <= 3 for m in agenda["meetings"])
