"""Two questions auditors ask (issue 22): what was true on a date (`as_of`, effective time)
and what did our records say at an instant (`known_as_of`, recording time), e.g. before a
late correction was entered; and paper applications entered with the day they came."""

import time
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from tests.factories import application
from tests.http import ok, on
from tests.roles import admitted_org, invited


def instant() -> str:
    """Now, as a query parameter (and a moment strictly between two recordings)."""
    time.sleep(0.01)
    moment = datetime.now(UTC)
    time.sleep(0.01)
    return quote(moment.isoformat())


def roster(client, staff, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return {i["id"]: i for i in ok(client.get(f"/api/v1/members?limit=500&{query}", headers=staff))["items"]}


def test_the_roster_as_known_before_a_late_correction_differs_from_after_it(client, staff, platform):
    on(platform, date(2026, 3, 1))
    org = ok(client.post("/api/v1/members", headers=staff, json={**application(), "received_on": "2026-01-05"}),
             201)["id"]
    ok(client.post(f"/api/v1/members/{org}/admit", headers=staff, json={"effective_on": "2026-01-10"}))
    before_correction = instant()
    # Weeks later the secretariat learns the member had withdrawn on 2026-02-01 and records it.
    ok(client.post(f"/api/v1/members/{org}/withdraw", headers=staff,
                   json={"reason": "补录：2月1日书面退会", "effective_on": "2026-02-01"}))
    platform.runner.catch_up()

    now = roster(client, staff, as_of="2026-02-15")
    assert now[org]["status"] == "withdrawn"
    then = roster(client, staff, as_of="2026-02-15", known_as_of=before_correction)
    assert then[org]["status"] == "admitted" and then[org]["known_as_of"].startswith(
        before_correction.replace("%3A", ":").replace("%2B", "+")[:19])
    # Both questions agree on a day before the change took effect.
    assert roster(client, staff, as_of="2026-01-20", known_as_of=before_correction)[org]["status"] == "admitted"
    assert roster(client, staff, as_of="2026-01-20")[org]["status"] == "admitted"
    # Filters read the status of that time: the member counted as admitted then, not now.
    assert org in roster(client, staff, status="admitted", as_of="2026-02-15", known_as_of=before_correction)
    assert org not in roster(client, staff, status="admitted", as_of="2026-02-15")
    # Before it applied, the records knew nothing of it.
    assert org not in roster(client, staff, known_as_of=quote("2020-01-01T00:00:00+00:00"))


def test_a_profile_and_a_history_as_known_at_an_instant(client, staff, platform):
    org = ok(client.post("/api/v1/members", json=application()), 201)["id"]
    ok(client.post(f"/api/v1/members/{org}/admit", headers=staff, json={"tier": "member"}))
    known = instant()
    ok(client.post(f"/api/v1/members/{org}/tier", headers=staff, json={"tier": "council", "reason": "理事会决议"}))
    platform.runner.catch_up()
    assert ok(client.get(f"/api/v1/members/{org}", headers=staff))["tier"] == "council"
    then = ok(client.get(f"/api/v1/members/{org}?known_as_of={known}", headers=staff))
    assert then["tier"] == "member" and then["status"] == "admitted" and then["contacts"][0]["name"]
    types = [i["type"] for i in ok(client.get(f"/api/v1/members/{org}/history?known_as_of={known}",
                                              headers=staff))["items"]]
    assert "Admitted" in types and "TierChanged" not in types
    assert ok(client.get(f"/api/v1/members/{org}/history", headers=staff))["items"][-1]["type"] == "TierChanged"
    # Before it applied there was no such organisation on record.
    gone = client.get(f"/api/v1/members/{org}?known_as_of=2020-01-01T00:00:00Z", headers=staff)
    assert gone.status_code == 404
    bad = client.get("/api/v1/members?known_as_of=yesterday", headers=staff)
    assert bad.status_code == 400 and "known_as_of" in bad.text


def test_a_paper_application_keeps_the_day_it_was_received(client, staff, platform):
    on(platform, date(2026, 5, 20))
    body = {**application(), "received_on": "2026-04-28"}
    org = ok(client.post("/api/v1/members", headers=staff, json=body), 201)["id"]
    ok(client.post(f"/api/v1/members/{org}/admit", headers=staff, json={"effective_on": "2026-05-06"}))
    platform.runner.catch_up()
    doc = ok(client.get(f"/api/v1/members/{org}", headers=staff))
    assert doc["applied_on"] == "2026-04-28" and doc["admitted_on"] == "2026-05-06"
    entered = next(h for h in doc["status_history"] if h["event"] == "applied")
    assert entered["actor"]["role"] == "staff" and entered["effective_on"] == "2026-04-28"
    assert roster(client, staff, as_of="2026-05-01")[org]["status"] == "applied"
    assert roster(client, staff, as_of="2026-05-10")[org]["status"] == "admitted"


def test_a_received_date_in_the_future_or_from_anyone_but_staff_is_refused(client, staff, platform):
    on(platform, date(2026, 5, 20))
    future = client.post("/api/v1/members", headers=staff, json={**application(), "received_on": "2026-05-21"})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "received_on"
    public = client.post("/api/v1/members", json={**application(), "received_on": "2026-05-01"})
    assert public.status_code == 422 and public.json()["errors"][0]["field"] == "received_on"
    member = invited(client, staff, "huiyuan", "member",
                     organisation_id=ok(client.post("/api/v1/members", json=application()), 201)["id"])
    theirs = client.post("/api/v1/members", headers=member, json={**application(), "received_on": "2026-05-01"})
    assert theirs.status_code == 422
    total = ok(client.get("/api/v1/members", headers=staff))["total"]
    assert total == 1  # the member's own organisation: the refused applications wrote nothing


def test_a_session_roster_as_known_before_a_cancellation_and_a_promotion(client, staff, platform):
    from tests.test_sessions_api import register, schedule

    start = platform.clock.now() + timedelta(days=10)
    session = schedule(client, staff, start, capacity=1)
    first, second = admitted_org(client, staff), admitted_org(client, staff)
    ok(register(client, staff, session, first, names=("王强",)), 201)
    ok(register(client, staff, session, second, names=("李娜",)), 201)
    known = instant()
    ok(client.request("DELETE", f"/api/v1/sessions/{session}/registrations/{first}", headers=staff,
                      json={"reason": "企业另有安排"}))
    platform.runner.catch_up()

    now = ok(client.get(f"/api/v1/sessions/{session}/roster", headers=staff))
    assert [c["organisation_id"] for c in now["confirmed"]] == [second] and now["waitlist"] == []
    then = ok(client.get(f"/api/v1/sessions/{session}/roster?known_as_of={known}", headers=staff))
    assert [c["organisation_id"] for c in then["confirmed"]] == [first]
    assert [(w["organisation_id"], w["waitlist_position"]) for w in then["waitlist"]] == [(second, 1)]
    assert then["confirmed"][0]["attendees"][0]["name"] == "王强" and then["confirmed"][0]["name"]
    before = client.get(f"/api/v1/sessions/{session}/roster?known_as_of=2020-01-01T00:00:00Z", headers=staff)
    assert before.status_code == 404


def test_the_export_command_answers_as_known_at_an_instant(client, staff, platform, store_env, tmp_path):
    import csv
    import os
    import subprocess
    import sys
    from pathlib import Path

    org = ok(client.post("/api/v1/members", json=application()), 201)["id"]
    ok(client.post(f"/api/v1/members/{org}/admit", headers=staff, json={"tier": "member"}))
    known = datetime.now(UTC)
    time.sleep(0.01)
    ok(client.post(f"/api/v1/members/{org}/suspend", headers=staff, json={"reason": "欠缴会费"}))
    platform.runner.catch_up()
    qihui = str(Path(sys.executable).parent / "qihui")
    out = tmp_path / "then.csv"
    done = subprocess.run([qihui, "members", "export", str(out), "--known-as-of", known.isoformat()],
                          env={**os.environ, **store_env}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert any("正常" in row for row in rows[1:]) and not any("暂停" in row for row in rows[1:])


def test_the_needs_catalogue_and_the_request_ledger_as_known_at_an_instant(client, staff, platform):
    from tests.access_matchmaking import need_body

    org = admitted_org(client, staff)
    owner = invited(client, staff, "qiye_bt", "member", organisation_id=org)
    need = ok(client.post("/api/v1/needs", json=need_body(platform), headers=owner), 201)["id"]
    request = ok(client.post("/api/v1/requests", headers=owner, json={
        "organisation_id": org, "category": "site", "text": "希望协调中试场地"}), 201)["id"]
    known = instant()
    ok(client.post(f"/api/v1/needs/{need}/analysis", headers=staff, json={"note": "可对接", "tags": ["光电"]}))
    ok(client.post(f"/api/v1/needs/{need}/publication", headers=staff))
    ok(client.post(f"/api/v1/requests/{request}/closure", headers=staff,
                   json={"outcome": "explained", "explanation": "不属于协会职责范围，已转交园区"}))
    platform.runner.catch_up()

    def status(path, query=""):
        items = ok(client.get(f"{path}?limit=100{query}", headers=staff))["items"]
        return next(i["status"] for i in items if i["id"] in (need, request))

    assert status("/api/v1/needs") == "published"
    assert status("/api/v1/needs", f"&known_as_of={known}") != "published"
    assert status("/api/v1/requests") == "explained"
    assert status("/api/v1/requests", f"&known_as_of={known}") == "received"
    # The enterprise's own account reads its catalogue as known then, and never another's.
    mine = ok(client.get(f"/api/v1/needs?known_as_of={known}", headers=owner))["items"]
    assert [i["id"] for i in mine] == [need]
    nothing = ok(client.get("/api/v1/requests?known_as_of=2020-01-01T00:00:00Z", headers=staff))["items"]
    assert nothing == []
