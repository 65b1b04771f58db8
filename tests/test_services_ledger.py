"""The request ledger (诉求台账, seed 001 五.3): raised, assigned, answered, closed as resolved or
explained, reopened within 30 days, flagged overdue by the scheduler; an organisation sees only
its own; the year-end list for the December meeting."""

import csv
import io
from datetime import date

import pytest

from tests.http import ok, on
from tests.roles import admitted_org, invited
from tests.test_services import head, hook, unit_with_staff
from workers.scheduler import tick


def raise_request(client, headers, org, **body):
    return client.post("/api/v1/requests", headers=headers, json={
        "organisation_id": org, "category": "site", "text": "希望协调中试场地 500 平方米", **body})


def show(client, headers, platform, request_id):
    return client.get(f"/api/v1/requests/{request_id}?min_position={head(platform)}", headers=headers)


@pytest.fixture
def firm(client, staff, platform):
    """An admitted enterprise with its own account, on Friday 3 July 2026."""
    on(platform, date(2026, 7, 3))
    org = admitted_org(client, staff)
    return org, invited(client, staff, "qiye_a", "member", organisation_id=org)


def test_a_request_raised_online_is_due_after_working_days_by_category(client, staff, platform, firm):
    org, member = firm
    raised = ok(raise_request(client, member, org), 201)
    assert raised["due_on"] == "2026-07-24"  # 15 working days: three weekends skipped
    policy = ok(raise_request(client, member, org, category="policy", text="研发费用加计扣除怎么申报？"), 201)
    assert policy["due_on"] == "2026-07-10"
    by_phone = ok(raise_request(client, staff, org, channel="hotline", received_on="2026-07-01"), 201)
    assert by_phone["due_on"] == "2026-07-22"
    # The organisation's account raises online, for itself, and never in the future.
    r = raise_request(client, member, org, channel="hotline")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "channel"
    other = admitted_org(client, staff)
    assert raise_request(client, member, other).status_code == 403
    r = raise_request(client, staff, org, received_on="2026-07-04")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "received_on"
    assert raise_request(client, staff, org, category="gossip").status_code == 400
    shown = ok(show(client, member, platform, raised["id"]))
    assert (shown["status"], shown["channel"], shown["overdue"]) == ("received", "online", False)


def test_assigned_answered_and_closed_resolved_or_explained(client, staff, platform, firm):
    org, member = firm
    unit, owner = unit_with_staff(client, staff)
    first = ok(raise_request(client, member, org), 201)["id"]
    second = ok(raise_request(client, staff, org, channel="visit", text="高企认定辅导"), 201)["id"]
    # The owner must be one of the unit's staff.
    elsewhere = ok(client.post("/api/v1/units", json={"name": "综合处"}, headers=staff), 201)["id"]
    r = client.post(f"/api/v1/requests/{first}/assignment", headers=staff,
                    json={"unit_id": elsewhere, "owner_id": owner})
    assert (r.status_code, r.json()["code"], r.json()["errors"][0]["field"]) == (409, "owner_not_in_unit", "owner_id")
    for request_id in (first, second):
        ok(client.post(f"/api/v1/requests/{request_id}/assignment", headers=staff,
                       json={"unit_id": unit, "owner_id": owner, "due_on": "2026-07-31"}))
    ok(client.post(f"/api/v1/requests/{first}/replies", json={"text": "已联系园区，下周看场地"}, headers=staff), 201)
    ok(client.post(f"/api/v1/requests/{first}/closure", json={"outcome": "resolved"}, headers=staff))
    # Explained without an explanation is refused; with one it closes.
    r = client.post(f"/api/v1/requests/{second}/closure", json={"outcome": "explained", "explanation": "  "},
                    headers=staff)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "explanation"
    ok(client.post(f"/api/v1/requests/{second}/closure", headers=staff,
                   json={"outcome": "explained", "explanation": "企业研发投入未达认定标准，已说明明年申报路径"}))
    again = client.post(f"/api/v1/requests/{first}/closure", json={"outcome": "resolved"}, headers=staff)
    assert (again.status_code, again.json()["code"]) == (409, "request_closed")
    assert client.post(f"/api/v1/requests/{first}/replies", json={"text": "x"}, headers=staff).status_code == 409
    seen = ok(show(client, member, platform, first))
    assert (seen["status"], seen["unit_id"], seen["due_on"]) == ("resolved", unit, "2026-07-31")
    assert [r["text"] for r in seen["replies"]] == ["已联系园区，下周看场地"]
    explained = ok(show(client, member, platform, second))
    assert explained["explanation"].startswith("企业研发投入") and explained["closed_on"] == "2026-07-03"
    history = [i["summary"] for i in ok(client.get(f"/api/v1/members/{org}/history?limit=100&min_position="
                                                   f"{head(platform)}", headers=staff))["items"]]
    assert "诉求「场地与配套：希望协调中试场地 500 平方米」办结（已解决）" in history
    assert "经网上留言提出诉求「场地与配套：希望协调中试场地 500 平方米」，办理期限 2026-07-24" in history


def test_reopened_by_the_organisation_within_30_days_and_refused_after(client, staff, platform, firm):
    org, member = firm
    early = ok(raise_request(client, member, org), 201)["id"]
    late = ok(raise_request(client, member, org, text="人才公寓"), 201)["id"]
    for request_id in (early, late):
        ok(client.post(f"/api/v1/requests/{request_id}/closure", json={"outcome": "resolved"}, headers=staff))
    other = invited(client, staff, "qiye_b", "member", organisation_id=admitted_org(client, staff))
    platform.runner.catch_up()
    assert client.post(f"/api/v1/requests/{early}/reopening", json={"reason": "x"}, headers=other).status_code == 404
    assert client.post(f"/api/v1/requests/{early}/reopening", json={"reason": "x"}, headers=staff).status_code == 403
    on(platform, date(2026, 8, 2))  # 30 days after closure
    ok(client.post(f"/api/v1/requests/{early}/reopening", json={"reason": "场地仍未落实"}, headers=member))
    reopened = ok(show(client, member, platform, early))
    assert (reopened["status"], reopened["due_on"]) == ("reopened", "2026-08-21")
    assert reopened["reopenings"][0]["reason"] == "场地仍未落实"
    on(platform, date(2026, 8, 3))  # 31 days
    r = client.post(f"/api/v1/requests/{late}/reopening", json={"reason": "仍未解决"}, headers=member)
    assert (r.status_code, r.json()["code"]) == (409, "reopening_closed")
    r = client.post(f"/api/v1/requests/{early}/reopening", json={"reason": "再次"}, headers=member)
    assert (r.status_code, r.json()["code"]) == (409, "request_open")


def test_overdue_requests_are_flagged_once_and_listed_per_unit_and_owner(client, staff, platform, firm):
    org, member = firm
    unit, owner = unit_with_staff(client, staff)
    slow = ok(raise_request(client, member, org), 201)["id"]
    fast = ok(raise_request(client, member, org, text="另一个诉求"), 201)["id"]
    unassigned = ok(raise_request(client, member, org, category="policy", text="政策咨询"), 201)["id"]
    for request_id in (slow, fast):
        ok(client.post(f"/api/v1/requests/{request_id}/assignment", json={"unit_id": unit, "owner_id": owner},
                       headers=staff))
    ok(client.post(f"/api/v1/requests/{fast}/closure", json={"outcome": "resolved"}, headers=staff))
    on(platform, date(2026, 7, 27))  # past the 24 July due date
    platform.runner.catch_up()
    assert tick(platform)["flag_overdue_requests"] == 2  # slow, and the policy question due 10 July
    platform.runner.catch_up()
    assert tick(platform)["flag_overdue_requests"] == 0  # once per request
    listed = ok(client.get(f"/api/v1/requests?unit_id={unit}&owner_id={owner}&overdue=true&min_position="
                           f"{head(platform)}", headers=staff))["items"]
    assert [d["id"] for d in listed] == [slow] and listed[0]["flagged_on"] == "2026-07-27"
    everyone = ok(client.get("/api/v1/requests?overdue=true", headers=staff))["items"]
    assert {d["id"] for d in everyone} == {slow, unassigned}
    mine = ok(client.get("/api/v1/requests?mine=true", headers=staff))["items"]  # the secretary's unit
    assert {d["id"] for d in mine} == {slow, fast}
    auditor = invited(client, staff, "shenji", "auditor")
    assert ok(client.get("/api/v1/requests?mine=true", headers=auditor))["items"] == []  # in no unit
    assert [d["id"] for d in ok(client.get("/api/v1/requests?status=resolved", headers=staff))["items"]] == [fast]
    history = [i["summary"] for i in ok(client.get(f"/api/v1/members/{org}/history?limit=100",
                                                   headers=staff))["items"]]
    assert history.count("诉求「场地与配套：希望协调中试场地 500 平方米」逾期未办结（期限 2026-07-24）") == 1


def test_an_organisation_sees_only_its_own_requests(client, staff, platform, firm):
    org, member = firm
    mine = ok(raise_request(client, member, org), 201)["id"]
    other_org = admitted_org(client, staff)
    other = invited(client, staff, "qiye_b", "member", organisation_id=other_org)
    theirs = ok(raise_request(client, other, other_org, text="保密的诉求内容"), 201)["id"]
    platform.runner.catch_up()
    listed = ok(client.get("/api/v1/requests", headers=member))["items"]
    assert [d["id"] for d in listed] == [mine]
    r = show(client, member, platform, theirs)
    assert r.status_code == 404 and "保密" not in r.text
    assert client.get(f"/api/v1/requests?organisation_id={other_org}", headers=member).status_code == 403
    auditor = invited(client, staff, "shenji", "auditor")
    assert {d["id"] for d in ok(client.get("/api/v1/requests", headers=auditor))["items"]} == {mine, theirs}
    assert raise_request(client, auditor, org).status_code == 403
    assert client.post(f"/api/v1/requests/{mine}/closure", json={"outcome": "resolved"},
                       headers=member).status_code == 403
    page = ok(client.get("/api/v1/requests?limit=1", headers=staff))
    rest = ok(client.get(f"/api/v1/requests?limit=1&cursor={page['next_cursor']}", headers=staff))
    assert {page["items"][0]["id"], rest["items"][0]["id"]} == {mine, theirs} and rest["next_cursor"] is None
    assert client.get("/api/v1/requests?cursor=junk", headers=staff).status_code == 422


def test_the_year_end_list_has_unresolved_and_explained_requests_of_hooked_organisations(client, staff, platform,
                                                                                         firm):
    org, member = firm
    unit, owner = unit_with_staff(client, staff)
    hook(client, staff, unit, organisation_ids=[org])
    loose = admitted_org(client, staff)  # hooked to no unit
    open_one = ok(raise_request(client, member, org, text='=HYPERLINK("http://x","点我")'), 201)["id"]
    explained = ok(raise_request(client, staff, org, channel="forum", text="用地指标"), 201)["id"]
    resolved = ok(raise_request(client, staff, org, channel="hotline", text="已解决的诉求"), 201)["id"]
    ok(raise_request(client, staff, loose, channel="hotline", text="未挂钩单位的诉求"), 201)
    ok(client.post(f"/api/v1/requests/{explained}/closure", headers=staff,
                   json={"outcome": "explained", "explanation": "超出本局职能，已转自然资源局"}))
    ok(client.post(f"/api/v1/requests/{resolved}/closure", json={"outcome": "resolved"}, headers=staff))
    ok(client.post(f"/api/v1/requests/{open_one}/assignment", json={"unit_id": unit, "owner_id": owner},
                   headers=staff))
    platform.runner.catch_up()
    r = client.get("/api/v1/requests/export?year=2026&format=csv", headers=staff)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["单位名称", "诉求类别", "渠道", "诉求内容"]
    assert [(row[3], row[7]) for row in rows[1:]] == [("'=HYPERLINK(\"http://x\",\"点我\")", "办理中"),
                                                      ("用地指标", "已说明")]
    assert rows[1][6] == "高新技术处" and rows[2][8] == "超出本局职能，已转自然资源局"
    xlsx = client.get("/api/v1/requests/export?year=2026&format=xlsx", headers=staff)
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(2, 4).value.startswith("'=") and sheet.cell(2, 4).data_type == "s"
    assert client.get("/api/v1/requests/export?year=2026", headers=member).status_code == 403
    assert client.get("/api/v1/requests/export?year=1900", headers=staff).status_code == 400


def test_a_request_from_a_visit_names_it(client, staff, platform, firm):
    org, _ = firm
    unit, owner = unit_with_staff(client, staff)
    elsewhere = admitted_org(client, staff)
    visit_id = ok(client.post("/api/v1/visits", headers=staff, json={
        "unit_id": unit, "visited_on": "2026-07-01", "organisation_ids": [org], "visitors": [owner],
        "findings": "企业反映中试场地不足"}), 201)["id"]
    raised = ok(raise_request(client, staff, org, channel="visit", visit_id=visit_id), 201)
    assert raised["due_on"] == "2026-07-22"  # received on the day of the visit
    shown = ok(show(client, staff, platform, raised["id"]))
    assert (shown["source_id"], shown["received_on"]) == (visit_id, "2026-07-01")
    r = raise_request(client, staff, elsewhere, channel="visit", visit_id=visit_id)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "visit_id"
    r = raise_request(client, staff, org, channel="forum", visit_id=visit_id)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "channel"
