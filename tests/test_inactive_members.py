"""Withdrawn, lapsed and suspended organisations keep read access to their own
history and nothing else (issue 11), seen from the member account's side: every
member-facing command answers 403 organisation_not_active."""

from datetime import date, timedelta

import pytest

from tests.http import login, ok, on
from tests.roles import PASSWORD, admitted_org, agreement, invited, open_program, society
from workers.scheduler import tick


def make_inactive(client, staff, platform, org: str, status: str) -> None:
    if status == "suspended":
        ok(client.post(f"/api/v1/members/{org}/suspend", json={"reason": "违反章程"}, headers=staff))
    elif status == "withdrawn":
        ok(client.post(f"/api/v1/members/{org}/withdraw", json={"reason": "企业迁出"}, headers=staff))
    else:  # lapsed: this year's dues unpaid after the grace period
        on(platform, date(platform.clock.today().year, 5, 1))
        platform.runner.catch_up()
        assert tick(platform)["lapse_unpaid_dues"] >= 1
    member = ok(client.get(f"/api/v1/members/{org}?min_position={platform.runner.head()}", headers=staff))
    assert member["status"] == status


@pytest.mark.parametrize("status", ["suspended", "withdrawn", "lapsed"])
def test_an_inactive_organisations_account_can_read_its_history_and_nothing_else(client, staff, platform, status):
    on(platform, date(2026, 1, 5))
    org = admitted_org(client, staff)
    partner = society(client, staff)
    for paying in (partner,):  # the partner stays in good standing through the lapse job
        ok(client.post(f"/api/v1/members/{paying}/dues", json={"year": 2026, "amount_fen": 1}, headers=staff))
    member = invited(client, staff, "huiyuan", "member", organisation_id=org)
    program = open_program(client, staff, platform)
    starts = platform.clock.now() + timedelta(days=200)
    session = ok(client.post("/api/v1/sessions", headers=staff, json={
        "kind": "salon", "title": "企业科协建设小集会", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(), "venue": "协会会议室",
        "registration_closes_at": (starts - timedelta(days=1)).isoformat()}), 201)["id"]
    body = {"program_id": program, **agreement([org], [partner])}
    alliance = ok(client.post("/api/v1/alliances", json=body, headers=staff), 201)["id"]
    # While admitted the account may act (the control).
    ok(client.patch(f"/api/v1/members/{org}", json={"address": "厦门市湖里区"}, headers=member))

    make_inactive(client, staff, platform, org, status)
    member = login(client, "huiyuan", PASSWORD)  # a fresh token, should the clock have moved
    contacts = [{"name": "冒名者", "phone": "13000000000", "email": "e@example.com"}]
    stats = {"year": 2025, "employees": 100, "rd_staff": 50, "revenue_fen": 1, "rd_spend_fen": 1}
    attempts = {
        "profile": ("PATCH", f"/api/v1/members/{org}", {"name": "改名有限公司"}),
        "sector": ("PATCH", f"/api/v1/members/{org}", {"sector": "光电子"}),  # a priority sector: ranking bonus
        "contacts": ("PATCH", f"/api/v1/members/{org}", {"contacts": contacts}),
        "figures": ("POST", f"/api/v1/members/{org}/annual-stats", stats),
        "register": ("POST", f"/api/v1/sessions/{session}/registrations",
                     {"organisation_id": org, "attendees": [{"name": "张伟"}]}),
        "draft": ("POST", "/api/v1/alliances", body),
        "revise": ("PUT", f"/api/v1/alliances/{alliance}/agreement", agreement([org], [partner], title="改过的协议书")),
        "sign": ("POST", f"/api/v1/alliances/{alliance}/signatures", None),
        "submit": ("POST", f"/api/v1/alliances/{alliance}/submit", None),
        "amend": ("POST", f"/api/v1/alliances/{alliance}/amendments",
                  {"changes": {"budget_fen": 1}, "reason": "调整预算"}),
        "report": ("POST", f"/api/v1/alliances/{alliance}/reports",
                   {"kind": "annual", "year": 2026, "progress": [], "spending_fen": 0, "outcomes": "无"}),
    }
    head = platform.runner.head()
    for what, (method, path, data) in attempts.items():
        r = client.request(method, path, json=data, headers=member)
        assert r.status_code == 403, (what, r.text)
        assert r.headers["content-type"].startswith("application/problem+json"), what
        assert r.json()["code"] == "organisation_not_active", (what, r.json())
    assert platform.runner.head() == head  # nothing was recorded

    # Reading its own records still works.
    doc = ok(client.get(f"/api/v1/members/{org}?min_position={head}", headers=member))
    assert doc["status"] == status and doc["address"] == "厦门市湖里区"
    history = ok(client.get(f"/api/v1/members/{org}/history?limit=100", headers=member))
    assert len(history["items"]) >= 3
    ok(client.get(f"/api/v1/members/{org}/sessions", headers=member))
    # Staff still act for it (e.g. correcting the record).
    ok(client.patch(f"/api/v1/members/{org}", json={"address": "厦门市思明区"}, headers=staff))
