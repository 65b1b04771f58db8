"""The ledger's pages: an enterprise raises a request on the portal, staff answer and close it on
the desk (an explanation refused when missing, shown beside its field), and the coverage page."""

from datetime import date

from tests.http import ok, on
from tests.roles import admitted_org, invited
from tests.test_pages_access import Browser
from tests.test_services import hook, unit_with_staff, visit

P = "/portal"


def test_raised_on_the_portal_answered_and_closed_on_the_desk(client, staff, platform):
    on(platform, date(2026, 7, 3))
    org = admitted_org(client, staff)
    member = Browser(client, invited(client, staff, "qiye_a", "member", organisation_id=org))
    desk = Browser(client, staff)
    # A missing text is shown beside the field, the choice kept.
    r = member.post(f"{P}/requests", {"category": "site", "text": ""})
    assert r.status_code == 422 and 'id="f-text"' in r.text and 'aria-invalid="true"' in r.text
    assert 'value="site" selected' in r.text
    r = member.post(f"{P}/requests", {"category": "site", "text": "希望协调中试场地"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=services.done.raised")
    mine = member.get(f"{P}/requests")
    assert "希望协调中试场地" in mine.text and "2026-07-24" in mine.text
    request_id = ok(client.get("/api/v1/requests", headers=staff))["items"][0]["id"]
    ledger = desk.get(f"{P}/desk/requests?status=open")
    assert ledger.status_code == 200 and f"/requests/{request_id}" in ledger.text
    assert desk.post(f"{P}/desk/requests/{request_id}/reply", {"text": "下周实地查看"}).status_code == 303
    refused = desk.post(f"{P}/desk/requests/{request_id}/close", {"outcome": "explained", "explanation": ""})
    assert refused.status_code == 422 and 'id="e-explanation"' in refused.text
    assert "无法解决的诉求须说明原因" in refused.text
    done = desk.post(f"{P}/desk/requests/{request_id}/close",
                     {"outcome": "explained", "explanation": "园区暂无空置场地，已列入明年计划"})
    assert done.status_code == 303
    page = desk.get(f"{P}/desk/requests/{request_id}")
    assert "已说明" in page.text and 'action="/portal/desk/requests' not in page.text  # closed: no forms
    seen = member.get(f"{P}/requests").text
    assert "下周实地查看" in seen and "园区暂无空置场地" in seen


def test_the_coverage_page_puts_the_not_visited_first(client, staff, platform):
    on(platform, date(2026, 8, 1))
    unit, me_ = unit_with_staff(client, staff)
    orgs = [admitted_org(client, staff) for _ in range(2)]
    hook(client, staff, unit, organisation_ids=orgs)
    visit(client, staff, unit, me_, [orgs[0]], day="2026-07-20")
    platform.runner.catch_up()
    names = {o: ok(client.get(f"/api/v1/members/{o}", headers=staff))["name"] for o in orgs}
    page = Browser(client, staff).get(f"{P}/desk/units/{unit}/coverage?quarter=2026-Q3").text
    assert "挂钩 2 家，已走访 1 家，未走访 1 家" in page
    assert page.index(names[orgs[1]]) < page.index(names[orgs[0]]) and "本季度未走访" in page
