"""The newer contexts tell people too (issue 18): the secretariat of a request assigned, an
organisation of the answer to its request, an enterprise of its need published and of a
proposal for it — in their inboxes."""

from datetime import date

from tests.access_matchmaking import need_body, solver, solver_account
from tests.http import ok, on
from tests.roles import admitted_org, invited
from tests.test_services import unit_with_staff


def inbox(client, headers, platform):
    platform.runner.catch_up()
    return [n["kind"] for n in ok(client.get(f"/api/v1/inbox?min_position={platform.runner.head()}",
                                             headers=headers))["items"]]


def test_a_request_assigned_answered_and_closed_is_told(client, staff, platform):
    on(platform, date(2026, 7, 3))
    org = admitted_org(client, staff)
    member = invited(client, staff, "qiye_tz", "member", organisation_id=org)
    unit, owner = unit_with_staff(client, staff)
    request = ok(client.post("/api/v1/requests", headers=member, json={
        "organisation_id": org, "category": "site", "text": "希望协调中试场地"}), 201)["id"]
    ok(client.post(f"/api/v1/requests/{request}/assignment", headers=staff, json={"unit_id": unit, "owner_id": owner}))
    assert "request_assigned" in inbox(client, staff, platform)
    ok(client.post(f"/api/v1/requests/{request}/replies", json={"text": "已联系园区"}, headers=staff), 201)
    ok(client.post(f"/api/v1/requests/{request}/closure", json={"outcome": "resolved"}, headers=staff))
    told = inbox(client, member, platform)
    assert {"request_replied", "request_closed"} <= set(told) and "request_assigned" not in told
    other = invited(client, staff, "bieren_tz", "member", organisation_id=admitted_org(client, staff))
    assert not {"request_replied", "request_closed"} & set(inbox(client, other, platform))


def test_an_enterprise_hears_its_need_published_and_a_proposal_for_it(client, staff, platform):
    ent = admitted_org(client, staff)
    owner = invited(client, staff, "qiye_xq", "member", organisation_id=ent)
    team = solver(client, staff)
    proposer = solver_account(client, staff, team, "jiejue_tz")
    need = ok(client.post("/api/v1/needs", json=need_body(platform), headers=owner), 201)["id"]
    ok(client.post(f"/api/v1/needs/{need}/analysis", headers=staff, json={"note": "可对接", "tags": ["光电"]}))
    ok(client.post(f"/api/v1/needs/{need}/publication", headers=staff))
    ok(client.post(f"/api/v1/needs/{need}/proposals", headers=proposer, json={
        "summary": "联合攻关", "approach": "中试验证", "team": "5 人"}), 201)
    assert {"need_published", "need_proposal"} <= set(inbox(client, owner, platform))
