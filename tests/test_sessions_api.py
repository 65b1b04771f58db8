"""Trainings and salons over HTTP, on both backends, as the seeds run them."""

from datetime import timedelta
from uuid import uuid4

import pytest

from tests.factories import application
from tests.roles import PASSWORD, admitted_org, invited
from workers.scheduler import tick


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def start(platform):
    return platform.clock.now() + timedelta(days=10)


def schedule(client, staff, start, **overrides):
    body = {"kind": "salon", "title": "企业科协建设小集会", "topic": "如何组建企业科协",
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
            "venue": "厦门市技术创新协会会议室", "seats_per_organisation": 2,
            "registration_closes_at": (start - timedelta(days=1)).isoformat(), **overrides}
    return ok(client.post("/api/v1/sessions", json=body, headers=staff), 201)["id"]


def register(client, staff, session, org, names=("王强",)):
    return client.post(f"/api/v1/sessions/{session}/registrations", headers=staff,
                       json={"organisation_id": org, "attendees": [{"name": n} for n in names]})


def roster(client, staff, session, platform):
    return ok(client.get(f"/api/v1/sessions/{session}/roster?min_position={platform.runner.head()}",
                         headers=staff))


def test_a_salon_fills_waitlists_and_promotes(client, staff, platform, start):
    session = schedule(client, staff, start)
    orgs = [admitted_org(client, staff) for _ in range(22)]
    outcomes = [ok(register(client, staff, session, org), 201) for org in orgs]
    assert [o["status"] for o in outcomes] == ["confirmed"] * 20 + ["waitlisted"] * 2
    assert [o["waitlist_position"] for o in outcomes[20:]] == [1, 2]
    ok(client.delete(f"/api/v1/sessions/{session}/registrations/{orgs[0]}", headers=staff))
    r = roster(client, staff, session, platform)
    assert r["counts"] == {"confirmed": 20, "waitlisted": 1, "checked_in": 0, "no_show": 0}
    assert orgs[20] in [c["organisation_id"] for c in r["confirmed"]]
    assert r["waitlist"][0]["organisation_id"] == orgs[21] and r["waitlist"][0]["waitlist_position"] == 1
    assert r["confirmed"][0]["name"]  # names come from the roster
    # Raising capacity is refused for a salon over 20; other kinds may grow.
    r = client.post(f"/api/v1/sessions/{session}/capacity", json={"capacity": 25}, headers=staff)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "capacity"
    r = client.post(f"/api/v1/sessions/{session}/capacity", json={"capacity": 10}, headers=staff)
    assert (r.status_code, r.json()["code"]) == (409, "capacity_below_confirmed")


def test_raising_capacity_promotes_as_many_as_fit(client, staff, platform, start):
    session = schedule(client, staff, start, kind="training", capacity=2)
    orgs = [admitted_org(client, staff) for _ in range(5)]
    for org in orgs:
        ok(register(client, staff, session, org), 201)
    ok(client.post(f"/api/v1/sessions/{session}/capacity", json={"capacity": 4}, headers=staff))
    r = roster(client, staff, session, platform)
    assert [c["organisation_id"] for c in r["confirmed"]] == orgs[:4]
    assert [w["organisation_id"] for w in r["waitlist"]] == orgs[4:]


def test_refusals_carry_stable_codes(client, staff, platform, start):
    session = schedule(client, staff, start, capacity=1, waitlist=False)
    a, b = admitted_org(client, staff), admitted_org(client, staff)
    ok(register(client, staff, session, a), 201)
    assert register(client, staff, session, a).json()["code"] == "already_registered"
    assert register(client, staff, session, b).json()["code"] == "session_full"
    applicant = ok(client.post("/api/v1/members", json=application()), 201)["id"]
    assert register(client, staff, session, applicant).json()["code"] == "not_a_member"
    suspended = admitted_org(client, staff)
    ok(client.post(f"/api/v1/members/{suspended}/suspend", json={"reason": "欠费"}, headers=staff))
    assert register(client, staff, session, suspended).json()["code"] == "not_a_member"
    assert register(client, staff, session, str(uuid4())).status_code == 404
    r = register(client, staff, session, b, names=("甲", "乙", "丙"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "attendees"
    platform.clock.offset = timedelta(days=9, hours=1)  # past the deadline (one day before the start)
    late = register(client, staff, session, b)
    assert late.json().get("code") == "registration_closed", late.text


def test_bad_sessions_are_refused_naming_the_field(client, staff, start):
    # A time without an offset is read in QIHUI_TIME_ZONE (issue 13): refused only when in the past or malformed.
    cases = [({"kind": "party"}, "kind"), ({"starts_at": "2020-12-01T10:00:00"}, "starts_at"),
             ({"starts_at": "2026-13-01T10:00:00"}, "starts_at"),
             ({"ends_at": (start - timedelta(hours=1)).isoformat()}, "ends_at"),
             ({"registration_closes_at": (start + timedelta(days=1)).isoformat()}, "registration_closes_at"),
             ({"capacity": 0}, "capacity"), ({"colour": "red"}, "colour")]
    for change, field in cases:
        body = {"kind": "salon", "title": "t", "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=2)).isoformat(), "venue": "v",
                "registration_closes_at": start.isoformat(), **change}
        r = client.post("/api/v1/sessions", json=body, headers=staff)
        assert r.status_code in (400, 422), (change, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (change, r.text)


def test_members_register_themselves_only_and_see_their_place(client, staff, platform, start):
    session = schedule(client, staff, start, capacity=1)
    mine, theirs = admitted_org(client, staff), admitted_org(client, staff)
    ok(register(client, staff, session, theirs), 201)
    member = invited(client, staff, "lin_na", "member", organisation_id=mine)
    assert register(client, member, session, theirs).status_code == 403
    placed = ok(register(client, member, session, mine), 201)
    assert (placed["status"], placed["waitlist_position"]) == ("waitlisted", 1)
    seen = ok(client.get(f"/api/v1/sessions/{session}?min_position={placed['position']}", headers=member))
    assert seen["my_registration"]["waitlist_position"] == 1 and "registrations" not in seen
    assert client.get(f"/api/v1/sessions/{session}/roster", headers=member).status_code == 403
    assert client.delete(f"/api/v1/sessions/{session}/registrations/{theirs}", headers=member).status_code == 403
    ok(client.delete(f"/api/v1/sessions/{session}/registrations/{mine}", headers=member))


def test_the_day_itself_check_in_no_shows_feedback_and_counts(client, staff, platform, start):
    session = schedule(client, staff, start)
    came, absent, late = (admitted_org(client, staff) for _ in range(3))
    for org in (came, absent, late):
        ok(register(client, staff, session, org, names=("王强", "李静")), 201)
    ok(client.post(f"/api/v1/sessions/{session}/registrations/{came}/substitution", headers=staff,
                   json={"attendee_name": "李静", "substitute": {"name": "陈晨", "position": "研发总监"}}))
    r = client.post(f"/api/v1/sessions/{session}/check-ins", json={"organisation_id": came, "attendee_name": "王强"},
                    headers=staff)
    assert r.json()["code"] == "check_in_closed"  # ten days early
    platform.clock.offset = start - platform.clock.now() + platform.clock.offset - timedelta(hours=12)
    ok(client.delete(f"/api/v1/sessions/{session}/registrations/{late}", headers=staff))  # within 24 h: late
    platform.clock.offset += timedelta(hours=11, minutes=30)  # half an hour before the start
    ok(client.post(f"/api/v1/sessions/{session}/check-ins", json={"organisation_id": came, "attendee_name": "陈晨"},
                   headers=staff))
    r = client.post(f"/api/v1/sessions/{session}/registrations/{came}/substitution", headers=staff,
                    json={"attendee_name": "王强", "substitute": {"name": "赵六"}})
    assert r.status_code == 200  # substitution is allowed until the start
    platform.clock.offset += timedelta(hours=1)  # started
    r = client.post(f"/api/v1/sessions/{session}/registrations/{came}/substitution", headers=staff,
                    json={"attendee_name": "赵六", "substitute": {"name": "孙七"}})
    assert (r.status_code, r.json()["code"]) == (409, "session_started")
    platform.clock.offset += timedelta(hours=2)  # the session has ended
    platform.runner.catch_up()
    assert tick(platform)["record_no_shows"] == 1
    assert tick(platform)["record_no_shows"] == 0  # never twice
    r = roster(client, staff, session, platform)
    assert r["counts"]["no_show"] == 1 and r["counts"]["checked_in"] == 1
    assert {c["organisation_id"]: c["attendance"] for c in r["confirmed"]} == {came: "checked_in",
                                                                              absent: "no_show"}
    member = invited(client, staff, "wang_qiang", "member", organisation_id=came)
    ok(client.post(f"/api/v1/sessions/{session}/feedback", json={"rating": 5, "comment": "干货满满"},
                   headers=member))
    absentee = invited(client, staff, "absent_one", "member", organisation_id=absent)
    r = client.post(f"/api/v1/sessions/{session}/feedback", json={"rating": 1}, headers=absentee)
    assert r.json()["code"] == "not_attended"
    platform.runner.catch_up()
    assert ok(client.get(f"/api/v1/members/{absent}", headers=staff))["no_show_count"] == 1
    assert ok(client.get(f"/api/v1/members/{late}", headers=staff))["late_cancellation_count"] == 1
    history = ok(client.get(f"/api/v1/members/{came}/sessions", headers=member))
    assert history["sessions"][0]["status"] == "attended" and history["sessions"][0]["rating"] == 5
    assert history["sessions"][0]["title"] == "企业科协建设小集会"


def test_cancelling_a_session_reaches_every_registrant(client, staff, platform, start):
    session = schedule(client, staff, start, capacity=1)
    confirmed, waiting = admitted_org(client, staff), admitted_org(client, staff)
    for org in (confirmed, waiting):
        ok(register(client, staff, session, org), 201)
    ok(client.post(f"/api/v1/sessions/{session}/reschedule", headers=staff, json={
        "starts_at": (start + timedelta(days=1)).isoformat(),
        "ends_at": (start + timedelta(days=1, hours=2)).isoformat(), "reason": "主讲专家行程调整"}))
    ok(client.post(f"/api/v1/sessions/{session}/cancel", json={"reason": "场地不可用"}, headers=staff))
    platform.runner.catch_up()
    for org in (confirmed, waiting):
        events = [e["event"] for e in ok(client.get(f"/api/v1/members/{org}/sessions",
                                                     headers=staff))["sessions"][0]["events"]]
        assert events[-2:] == ["session_rescheduled", "session_cancelled"]
    assert register(client, staff, session, admitted_org(client, staff)).json()["code"] == "session_cancelled"


def test_the_scheduler_closes_registration_at_the_deadline(client, staff, platform, start):
    session = schedule(client, staff, start)
    platform.clock.offset = timedelta(days=9, hours=1)
    platform.runner.catch_up()
    assert tick(platform)["close_registrations"] == 1
    assert tick(platform)["close_registrations"] == 0
    doc = ok(client.get(f"/api/v1/sessions/{session}?min_position={platform.runner.head()}", headers=staff))
    assert doc["registration_open"] is False


def test_waitlist_moves_need_a_reason(client, staff, platform, start):
    session = schedule(client, staff, start, capacity=1)
    orgs = [admitted_org(client, staff) for _ in range(4)]
    for org in orgs:
        ok(register(client, staff, session, org), 201)
    r = client.post(f"/api/v1/sessions/{session}/waitlist/{orgs[3]}/move", json={"to_position": 1, "reason": ""},
                    headers=staff)
    assert r.status_code == 400
    ok(client.post(f"/api/v1/sessions/{session}/waitlist/{orgs[3]}/move",
                   json={"to_position": 1, "reason": "理事单位优先（理事会决议）"}, headers=staff))
    assert [w["organisation_id"] for w in roster(client, staff, session, platform)["waitlist"]] == [
        orgs[3], orgs[1], orgs[2]]


def test_the_session_list_filters_by_kind_and_period(client, staff, platform, start):
    salon = schedule(client, staff, start)
    training = schedule(client, staff, start + timedelta(days=30), kind="training", capacity=40)
    member = invited(client, staff, "viewer", "member", organisation_id=admitted_org(client, staff))
    head = platform.runner.head()
    every = ok(client.get(f"/api/v1/sessions?min_position={head}", headers=member))["items"]
    assert [s["id"] for s in every] == [salon, training]
    only = ok(client.get("/api/v1/sessions?kind=training", headers=member))["items"]
    assert [s["id"] for s in only] == [training]
    until = (start + timedelta(days=1)).isoformat().replace("+", "%2B")
    assert [s["id"] for s in ok(client.get(f"/api/v1/sessions?to={until}", headers=member))["items"]] == [salon]
    assert PASSWORD
