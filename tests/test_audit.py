"""Audit on both backends: an organisation's whole history, the global log with
filters and exports (tamper evidence: tests/test_chain.py)."""

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from tests.factories import application
from tests.roles import admitted_org, agreement, invited, open_program, society


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def head(platform):
    platform.runner.catch_up()
    return platform.runner.head()


def test_an_organisations_history_merges_every_context_in_order(client, staff, platform):
    org = admitted_org(client, staff)
    start = platform.clock.now() + timedelta(days=5)
    session = ok(client.post("/api/v1/sessions", headers=staff, json={
        "kind": "training", "title": "小灶班：研发费用加计扣除", "capacity": 30, "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(), "venue": "协会",
        "registration_closes_at": start.isoformat()}), 201)["id"]
    ok(client.post(f"/api/v1/sessions/{session}/registrations", headers=staff,
                   json={"organisation_id": org, "attendees": [{"name": "王强"}]}), 201)
    ok(client.delete(f"/api/v1/sessions/{session}/registrations/{org}", headers=staff))
    program = open_program(client, staff, platform)
    ok(client.post("/api/v1/alliances", headers=staff,
                   json={"program_id": program, **agreement([org], [society(client, staff)])}), 201)
    member = invited(client, staff, "lishi", "member", organisation_id=org)
    history = ok(client.get(f"/api/v1/members/{org}/history?min_position={head(platform)}", headers=member))
    kinds = [(i["aggregate_type"], i["type"]) for i in history["items"]]
    assert kinds == [("Organisation", "Applied"), ("Organisation", "Admitted"), ("Session", "Registered"),
                     ("Session", "RegistrationCancelled"), ("Alliance", "Drafted")]
    positions = [i["position"] for i in history["items"]]
    assert positions == sorted(positions)
    first = history["items"][0]
    assert "提交入会申请" in first["summary"] and first["actor"]["role"] == "public"
    assert history["items"][2]["summary"] == "报名「小灶班：研发费用加计扣除」：已确认"
    page = ok(client.get(f"/api/v1/members/{org}/history?limit=2", headers=staff))
    rest = ok(client.get(f"/api/v1/members/{org}/history?cursor={page['next_cursor']}", headers=staff))
    assert [i["position"] for i in page["items"] + rest["items"]] == positions


def test_the_global_log_filters_and_exports(client, staff, platform):
    org = admitted_org(client, staff)
    me = ok(client.get("/api/v1/auth/me", headers=staff))["id"]
    h = head(platform)
    everything = ok(client.get(f"/api/v1/audit/events?limit=500&min_position={h}", headers=staff))["items"]
    assert [i["position"] for i in everything] == sorted(i["position"] for i in everything)
    assert len(everything) == h
    admitted = ok(client.get("/api/v1/audit/events?type=Admitted", headers=staff))["items"]
    assert [i["aggregate_id"] for i in admitted] == [org] and admitted[0]["actor"]["id"] == me
    mine = ok(client.get(f"/api/v1/audit/events?actor={me}", headers=staff))["items"]
    assert mine and all(i["actor"]["id"] == me for i in mine)
    of_org = ok(client.get(f"/api/v1/audit/events?aggregate_id={org}", headers=staff))["items"]
    assert [i["type"] for i in of_org] == ["Applied", "Admitted"]
    later = ok(client.get(f"/api/v1/audit/events?after_position={h - 1}", headers=staff))["items"]
    assert [i["position"] for i in later] == [h]
    created = [i for i in everything if i["type"] == "Created" and i["aggregate_type"] == "Account"]
    assert created and all("password_hash" not in i["data"] for i in created)
    r = client.get("/api/v1/audit/events?format=csv", headers=staff)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["位置", "事件编号", "事件类型"] and len(rows) == h + 1
    r = client.get("/api/v1/audit/events?format=xlsx&type=Applied", headers=staff)
    assert len(list(load_workbook(io.BytesIO(r.content)).active.iter_rows())) == 2


def test_the_summary_figures_match_a_hand_built_year(client, staff, platform):
    from datetime import date, datetime

    def on(day, hour=4):
        target = datetime(day.year, day.month, day.day, hour, tzinfo=platform.clock.time_zone)
        platform.clock.offset = timedelta(0)
        platform.clock.offset = target - platform.clock.now()

    on(date(2017, 12, 1))
    early = [admitted_org(client, staff) for _ in range(3)]  # members before 2018
    on(date(2018, 2, 1))
    joined = [ok(client.post("/api/v1/members", json=application()), 201)["id"] for _ in range(2)]
    for org in joined:
        ok(client.post(f"/api/v1/members/{org}/admit", json={"effective_on": "2018-02-01"}, headers=staff))
        ok(client.post(f"/api/v1/members/{org}/dues", json={"year": 2018, "amount_fen": 100_000}, headers=staff))
    ok(client.post(f"/api/v1/members/{early[0]}/withdraw", json={"reason": "迁出", "effective_on": "2018-06-30"},
                   headers=staff))
    for org in early[1:]:
        ok(client.post(f"/api/v1/members/{org}/dues", json={"year": 2018, "amount_fen": 100_000}, headers=staff))
    start = datetime(2018, 3, 10, 1, tzinfo=platform.clock.time_zone)  # 09:00 Shanghai
    session = ok(client.post("/api/v1/sessions", headers=staff, json={
        "kind": "salon", "title": "小集会", "starts_at": start.isoformat(), "seats_per_organisation": 2,
        "ends_at": (start + timedelta(hours=2)).isoformat(), "venue": "协会",
        "registration_closes_at": start.isoformat()}), 201)["id"]
    cancelled = ok(client.post("/api/v1/sessions", headers=staff, json={
        "kind": "training", "title": "取消的小灶班", "starts_at": start.isoformat(), "capacity": 10,
        "ends_at": (start + timedelta(hours=2)).isoformat(), "venue": "协会",
        "registration_closes_at": start.isoformat()}), 201)["id"]
    ok(client.post(f"/api/v1/sessions/{cancelled}/cancel", json={"reason": "讲师临时有事"}, headers=staff))
    for org in joined:
        ok(client.post(f"/api/v1/sessions/{session}/registrations", headers=staff,
                       json={"organisation_id": org, "attendees": [{"name": "甲"}, {"name": "乙"}]}), 201)
    platform.clock.offset += start - platform.clock.now()
    for name in ("甲", "乙"):
        ok(client.post(f"/api/v1/sessions/{session}/check-ins", json={"organisation_id": joined[0],
                                                                       "attendee_name": name}, headers=staff))
    platform.clock.offset += timedelta(days=1)
    member = invited(client, staff, "feedback_giver", "member", organisation_id=joined[0])
    ok(client.post(f"/api/v1/sessions/{session}/feedback", json={"rating": 4}, headers=member))
    figures = ok(client.get(f"/api/v1/stats/summary?from=2018-01-01&to=2018-12-31&min_position={head(platform)}",
                            headers=staff))
    assert figures["members"] == {"at_start": 3, "at_end": 4, "admitted": 2, "left": 1}
    assert figures["sessions"] == {"held": 1, "by_kind": {"salon": 1}, "attendees": 2, "average_rating": 4.0}
    assert figures["alliances"]["submitted"] == 0
    r = client.get("/api/v1/stats/summary?from=2018-12-31&to=2018-01-01", headers=staff)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to"


def test_erasing_a_contact_person_leaves_the_facts_and_the_chain(client, staff, platform):
    body = application(contacts=[{"name": "欧阳娜娜", "phone": "13912345678", "email": "ouyang@example.com"},
                                 {"name": "张伟", "phone": "13800000000", "email": "zw@example.com"}])
    org = ok(client.post("/api/v1/members", json=body), 201)["id"]
    ok(client.post(f"/api/v1/members/{org}/admit", json={}, headers=staff))
    member = ok(client.get(f"/api/v1/members/{org}?min_position={head(platform)}", headers=staff))
    assert [c["name"] for c in member["contacts"]] == ["欧阳娜娜", "张伟"]
    secret = ("欧阳娜娜", "13912345678", "ouyang@example.com")
    table = platform.app.recorder.events_table_name
    with platform.views.read() as tx:  # never stored in the clear, not even before erasure
        stored = " ".join(bytes(r["state"]).decode() for r in tx.fetchall(f"SELECT state FROM {table}"))
    assert [s for s in secret if s in stored] == []
    target = member["contacts"][0]["id"]
    ok(client.post(f"/api/v1/members/{org}/contacts/{target}/erasure", json={"reason": "本人依法申请删除"},
                   headers=staff))
    h = head(platform)
    after = ok(client.get(f"/api/v1/members/{org}?min_position={h}", headers=staff))
    assert after["contacts"][0]["erased"] is True and after["contacts"][0]["name"] != "欧阳娜娜"
    assert after["contacts"][1]["name"] == "张伟"  # the other person is untouched
    exported = client.get("/api/v1/members/export?format=csv", headers=staff).content.decode("utf-8-sig")
    logged = client.get("/api/v1/audit/events?format=csv", headers=staff).content.decode("utf-8-sig")
    history = client.get(f"/api/v1/members/{org}/history", headers=staff).text
    for text in (exported, logged, history):
        assert [s for s in secret if s in text] == []
    assert '"type":"Erased"' in history and "Applied" in history  # the facts stay (Person.Erased)
    assert ok(client.get("/api/v1/audit/verify", headers=staff))["ok"] is True
    again = client.post(f"/api/v1/members/{org}/contacts/{target}/erasure", json={"reason": "重复"},
                        headers=staff)
    assert again.json()["code"] == "already_erased"
    # A rebuilt roster cannot bring the person back.
    platform.runner.rebuild()
    rebuilt = ok(client.get(f"/api/v1/members/{org}", headers=staff))
    assert rebuilt["contacts"][0]["erased"] is True
