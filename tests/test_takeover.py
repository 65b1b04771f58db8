"""No takeover of a record by its credit code (issue 11): the code is public, so
an anonymous re-application only proposes; the record changes when staff admit it."""

from datetime import date

import pytest

from tests.factories import application
from tests.http import login, ok, on
from tests.roles import PASSWORD, invited
from workers.scheduler import tick

ATTACKER = {"name": "冒名顶替科技有限公司", "sector": "金融", "address": "境外某地",
            "contacts": [{"name": "冒名者", "phone": "13000000000", "email": "evil@example.com"}]}


def organisation_in(client, staff, platform, status: str) -> tuple[dict, dict | None]:
    """A real organisation brought to `status`, with its original details, and
    (once it was admitted) a member account of its own."""
    on(platform, date(2025, 1, 10))
    body = application(name="厦门鹭岛光电科技有限公司", sector="光电", address="厦门市思明区软件园二期")
    org = ok(client.post("/api/v1/members", json=body), 201)["id"]
    act = lambda action, data: ok(client.post(f"/api/v1/members/{org}/{action}", json=data, headers=staff))  # noqa: E731
    member = None
    if status == "rejected":
        act("reject", {"reason": "材料不全"})
    else:
        act("admit", {"tier": "council"})
        member = invited(client, staff, "former_member", "member", organisation_id=org)
    if status == "withdrawn":
        act("withdraw", {"reason": "企业迁出"})
    if status == "lapsed":
        on(platform, date(2025, 5, 1))
        platform.runner.catch_up()
        assert tick(platform)["lapse_unpaid_dues"] == 1
    on(platform, date(2025, 6, 1))
    if member is not None:  # a fresh token on the moved clock
        member = login(client, "former_member", PASSWORD)
    return ok(client.get(f"/api/v1/members/{org}?min_position={platform.runner.head()}", headers=staff)), member


def roster_row(client, staff, platform, org_id):
    page = ok(client.get(f"/api/v1/members?limit=500&min_position={platform.runner.head()}", headers=staff))
    return next(m for m in page["items"] if m["id"] == org_id)


KEPT = ("name", "sector", "address", "contacts", "kind", "annual_stats")


@pytest.mark.parametrize("status", ["withdrawn", "lapsed", "rejected"])
def test_an_anonymous_reapplication_changes_nothing_on_the_record(client, staff, platform, status):
    before, member = organisation_in(client, staff, platform, status)
    attempt = application(credit_code=before["credit_code"], kind="service_agency", **ATTACKER)
    again = ok(client.post("/api/v1/members", json=attempt), 201)
    assert again["id"] == before["id"] and again["status"] == "applied"

    after = ok(client.get(f"/api/v1/members/{before['id']}?min_position={again['position']}", headers=staff))
    assert {k: after[k] for k in KEPT} == {k: before[k] for k in KEPT}
    assert after["status"] == "applied" and after["status_history"][-1]["event"] == "reapplied"
    pending = after["pending_application"]  # staff see what is proposed, and by whom
    assert pending["name"] == ATTACKER["name"] and pending["contacts"][0]["name"] == "冒名者"
    assert pending["actor"]["role"] == "public" and pending["received_on"] == "2025-06-01"
    row = roster_row(client, staff, platform, before["id"])
    assert (row["name"], row["sector"], row["contacts"][0]["name"]) == (before["name"], "光电", "张伟")
    exported = client.get("/api/v1/members/export?format=csv", headers=staff).content.decode("utf-8-sig")
    assert before["name"] in exported and "冒名" not in exported
    if member is not None:  # the organisation's own account reads its record, not the proposal
        own = ok(client.get(f"/api/v1/members/{before['id']}", headers=member))
        assert own["name"] == before["name"] and "pending_application" not in own

    # Staff reject the application: the proposal is dropped, the record is as it was.
    r = ok(client.post(f"/api/v1/members/{before['id']}/reject", json={"reason": "非本单位提交"}, headers=staff))
    after = ok(client.get(f"/api/v1/members/{before['id']}?min_position={r['position']}", headers=staff))
    assert {k: after[k] for k in KEPT} == {k: before[k] for k in KEPT}
    assert after["status"] == "rejected" and after.get("pending_application") is None


def test_the_details_take_effect_when_staff_admit_the_reapplication(client, staff, platform):
    before, _ = organisation_in(client, staff, platform, "withdrawn")
    renewed = {"name": "厦门鹭岛光电科技股份有限公司", "sector": "新材料", "address": "厦门市海沧区",
               "contacts": [{"name": "陈静", "phone": "13600000000", "email": "cj@example.com"}],
               "annual_stats": {"year": 2024, "employees": 90, "rd_staff": 12, "revenue_fen": 1, "rd_spend_fen": 1}}
    again = ok(client.post("/api/v1/members", json=application(credit_code=before["credit_code"], **renewed)), 201)
    unchanged = ok(client.get(f"/api/v1/members/{before['id']}?min_position={again['position']}", headers=staff))
    assert unchanged["name"] == before["name"]
    r = ok(client.post(f"/api/v1/members/{before['id']}/admit", json={"tier": "member", "note": "重新入会"},
                       headers=staff))
    after = ok(client.get(f"/api/v1/members/{before['id']}?min_position={r['position']}", headers=staff))
    assert (after["name"], after["sector"], after["address"]) == (renewed["name"], "新材料", "厦门市海沧区")
    assert [c["name"] for c in after["contacts"]] == ["陈静"] and after["contacts"][0]["id"]
    assert {s["year"] for s in after["annual_stats"]} >= {2024}
    assert after["status"] == "admitted" and after.get("pending_application") is None
    assert after["changes"][-1]["event"] == "reapplication_adopted"
    assert roster_row(client, staff, platform, before["id"])["name"] == renewed["name"]
    history = ok(client.get(f"/api/v1/members/{before['id']}/history?limit=100&min_position={r['position']}",
                            headers=staff))["items"]
    summaries = [i["summary"] for i in history]
    assert any("待审批" in s for s in summaries) and any("申请资料生效" in s for s in summaries)


def test_an_applicant_cannot_claim_an_existing_persons_contact_id(client, staff, platform):
    first, _ = organisation_in(client, staff, platform, "withdrawn")
    contact_id = first["contacts"][0]["id"]
    body = application(contacts=[{"id": contact_id, "name": "冒名者", "phone": "13000000000", "email": "e@x.io"}])
    other = ok(client.post("/api/v1/members", json=body), 201)
    doc = ok(client.get(f"/api/v1/members/{other['id']}?min_position={other['position']}", headers=staff))
    assert doc["contacts"][0]["id"] != contact_id
