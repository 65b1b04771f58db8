"""Reminders on a moved clock: each is an event recorded once (a second tick records
nothing), reaches the organisations concerned in their inbox and is on their history."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.http import STAFF_PASSWORD, login, ok, on
from tests.roles import PASSWORD, admitted_org, invited
from tests.test_alliance_confidentiality import _approved_alliance
from tests.test_notices import inbox, register
from workers.notifier_reminders import remind
from workers.scheduler import tick


def reminded(platform) -> int:
    platform.runner.catch_up()
    done = remind(platform)
    platform.runner.catch_up()
    return done


def kinds(client, headers, platform):
    return [n["kind"] for n in inbox(client, headers, platform.runner.head())["items"]]


def test_dues_sessions_and_registration_deadlines_are_reminded_once(client, platform):
    on(platform, date(2027, 3, 1))
    staff = login(client)
    org_a, org_b = admitted_org(client, staff), admitted_org(client, staff)  # dues for 2027 fall due today
    member_a = invited(client, staff, "huiyuan_a", "member", org_a)
    member_b = invited(client, staff, "huiyuan_b", "member", org_b)
    zone = platform.clock.time_zone
    starts = datetime(2027, 3, 10, 9, 30, tzinfo=zone)
    session = ok(client.post("/api/v1/sessions", headers=staff, json={
        "kind": "training", "title": "研发费用加计扣除小灶班", "starts_at": starts.isoformat(), "capacity": 30,
        "ends_at": (starts + timedelta(hours=3)).isoformat(), "venue": "软件园二期 A 座 302",
        "registration_closes_at": datetime(2027, 3, 8, 18, 0, tzinfo=zone).isoformat()}), 201)["id"]
    register(client, session, org_a, member_a)

    assert reminded(platform) == 2  # dues for both
    assert reminded(platform) == 0  # the same day again: nothing new
    ok(client.post(f"/api/v1/members/{org_b}/dues", json={"year": 2027, "amount_fen": 100_000}, headers=staff))

    on(platform, date(2027, 3, 8))  # registration closes at 18:00: B has not registered
    assert reminded(platform) == 1
    on(platform, date(2027, 3, 9))  # the training is tomorrow: A is told where and when
    assert reminded(platform) == 1 and reminded(platform) == 0
    on(platform, date(2027, 5, 20))  # A's grace ends 30 May
    assert reminded(platform) == 1

    staff, member_a, member_b = (login(client, name, pw) for name, pw in (
        ("secretary", STAFF_PASSWORD), ("huiyuan_a", PASSWORD), ("huiyuan_b", PASSWORD)))  # tokens expired meanwhile
    assert kinds(client, member_a, platform) == ["lapse_approaching", "session_tomorrow", "dues_due",
                                                 "registration_confirmed"]
    assert kinds(client, member_b, platform) == ["registration_closing", "dues_due"]
    tomorrow = inbox(client, member_a)["items"][1]
    assert tomorrow["title_zh"] == "明日活动：研发费用加计扣除小灶班"
    assert "2027-03-10 09:30" in tomorrow["body_zh"] and "软件园二期 A 座 302" in tomorrow["body_zh"]
    assert "2027-05-30" in inbox(client, member_a)["items"][0]["body_zh"]
    # On the organisation's history, as the scheduler's doing.
    history = ok(client.get(f"/api/v1/members/{org_a}/history?limit=500&min_position={platform.runner.head()}",
                            headers=staff))["items"]
    summaries = [h["summary"] for h in history if h["type"] == "Recorded"]
    assert sorted(summaries) == ["提醒：会籍失效提醒（2027-05-30）", "提醒：会费提醒（2027-03-01）",
                                 "提醒：活动提醒（2027-03-10）"]
    assert all(h["actor"]["role"] == "system" for h in history if h["type"] == "Recorded")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_an_alliance_report_and_a_rectification_are_reminded_before_they_fall_due(client, staff, platform):
    w, alliance, ent, soc, _outsider, _expert = _approved_alliance(client, staff, platform)
    program = w.get(f"/api/v1/alliances/{alliance}")["program_id"]
    ok(client.patch(f"/api/v1/programs/{program}", json={"annual_report_due_days": 60}, headers=staff))
    # The agreement runs 2027–2028: the 2027 annual report is due 60 days after the year ends.
    # An inspection on 1 March 2027 asks for rectification by 20 March.
    on(platform, date(2027, 3, 1))
    staff = login(client)
    ok(client.post(f"/api/v1/alliances/{alliance}/inspections", headers=staff, json={
        "inspected_on": "2027-03-01", "inspectors": ["检查组"], "findings": "专账记录不全", "rating": "poor",
        "rectification_due_on": "2027-03-20"}))
    on(platform, date(2027, 3, 14))
    assert reminded(platform) >= 1
    on(platform, date(2028, 1, 30))
    assert reminded(platform) >= 1 and reminded(platform) == 0
    on(platform, date(2028, 2, 23))
    tick(platform)
    platform.runner.catch_up()
    # Tokens from 2026 have expired by now: sign in again.
    w.accounts = {org: login(client, name, PASSWORD) for org, name in ((ent, "baomi_e"), (soc, "baomi_s"),
                                                                       (_outsider, "pangguan"))}
    for org in (ent, soc):
        notices = inbox(client, w.accounts[org], platform.runner.head())["items"]
        due = [n for n in notices if n["kind"].startswith("report_due")]
        assert [n["kind"] for n in due] == ["report_due_7", "report_due_30"]
        assert "2028-02-29" in due[0]["body_zh"] and "高性能光纤传感器联合攻关" in due[0]["title_zh"]
        rectify = [n for n in notices if n["kind"] == "rectification_due"]
        assert len(rectify) == 1 and "2027-03-20" in rectify[0]["body_zh"] and "6 天" in rectify[0]["body_zh"]
    assert kinds(client, w.accounts[_outsider], platform).count("report_due_30") == 0
