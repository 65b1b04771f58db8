"""Issue 20, judged: a quarter of the bureau's enterprise service (seed 001), figures exact."""

from datetime import date

from tests.http import ok, on
from tests.roles import admitted_org, invited
from tests.test_services import coverage, head, hook, unit_with_staff, visit
from tests.test_services_ledger import raise_request
from tests.test_services_surveys import QUESTIONS, SCORES, answer
from workers.scheduler import tick


def test_two_units_a_quarter_of_visits_the_ledger_a_survey_and_a_checkup(client, staff, platform):
    # Two units hooked to twelve enterprises: seven by name, five by the 科技型中小企业库 rule.
    on(platform, date(2026, 7, 1))
    high_tech, me_ = unit_with_staff(client, staff, "高新技术处")
    social, _ = unit_with_staff(client, staff, "社会科技处")
    orgs = [admitted_org(client, staff) for _ in range(12)]
    for org in orgs[7:]:
        ok(client.post(f"/api/v1/members/{org}/libraries", json={"add": ["tech_sme"]}, headers=staff))
    hook(client, staff, high_tech, organisation_ids=orgs[:7])
    hook(client, staff, social, rule={"library": "tech_sme"})
    accounts = {i: invited(client, staff, f"qiye_{i}", "member", organisation_id=orgs[i]) for i in range(8)}

    # The quarter: nine visited (three together in one visit), a forum that is not a visit.
    on(platform, date(2026, 9, 15))
    visit(client, staff, high_tech, me_, orgs[0:3], day="2026-07-15")
    for i in (3, 4, 5):
        visit(client, staff, high_tech, me_, [orgs[i]], day="2026-08-05")
    for i in (7, 8, 9):
        visit(client, staff, social, me_, [orgs[i]], day="2026-08-06")
    visit(client, staff, high_tech, me_, orgs[:7], day="2026-09-10", kind="forum")
    on(platform, date(2026, 8, 10))
    first = coverage(client, staff, platform, high_tech, "2026-Q3")
    second = coverage(client, staff, platform, social, "2026-Q3")
    assert first["not_visited"] == [orgs[6]] and sorted(second["not_visited"]) == sorted(orgs[10:])
    assert first["counts"]["visited"] + second["counts"]["visited"] == 9

    # Requests: one from a visit (resolved in 4 days), one online (explained in 8), one by the
    # hotline that goes overdue on a moved clock, is resolved, and is reopened by its enterprise.
    from_visit = ok(raise_request(client, staff, orgs[0], channel="visit", received_on="2026-08-10"), 201)["id"]
    on(platform, date(2026, 8, 12))
    online = ok(raise_request(client, accounts[7], orgs[7], category="funding", text="研发补助何时拨付"), 201)["id"]
    on(platform, date(2026, 8, 3))
    late = ok(raise_request(client, staff, orgs[1], channel="hotline", text="人才公寓申请"), 201)
    assert late["due_on"] == "2026-08-24"
    on(platform, date(2026, 8, 14))
    ok(client.post(f"/api/v1/requests/{from_visit}/closure", json={"outcome": "resolved"}, headers=staff))
    on(platform, date(2026, 8, 20))
    ok(client.post(f"/api/v1/requests/{online}/closure", headers=staff,
                   json={"outcome": "explained", "explanation": "补助按年度预算于 12 月统一拨付"}))
    on(platform, date(2026, 8, 25))
    platform.runner.catch_up()
    assert tick(platform)["flag_overdue_requests"] == 1
    overdue = ok(client.get(f"/api/v1/requests?overdue=true&min_position={head(platform)}", headers=staff))["items"]
    assert [r["id"] for r in overdue] == [late["id"]]
    on(platform, date(2026, 8, 26))
    ok(client.post(f"/api/v1/requests/{late['id']}/closure", json={"outcome": "resolved"}, headers=staff))
    on(platform, date(2026, 8, 28))
    ok(client.post(f"/api/v1/requests/{late['id']}/reopening", json={"reason": "公寓仍未分配"}, headers=accounts[1]))

    # A survey of ten enterprises, answered by eight; a check-up whose two follow-ups join the ledger.
    survey = ok(client.post("/api/v1/surveys", headers=staff, json={
        "title": "三季度服务满意度", "questions": QUESTIONS, "audience": {"organisation_ids": orgs[:10]}}), 201)["id"]
    for i, rating in zip(range(8), (5, 5, 4, 4, 4, 3, 5, 2), strict=True):
        ok(answer(client, accounts[i], survey, overall=rating), 201)
    checkup = ok(client.post("/api/v1/checkups", headers=staff, json={
        "organisation_id": orgs[2], "held_on": "2026-08-28", "scores": SCORES, "diagnosis": "成果转化体系薄弱",
        "follow_ups": ["建立研发准备金制度", "对接高校共建研发中心"]}), 201)
    ledger = ok(client.get(f"/api/v1/requests?organisation_id={orgs[2]}&min_position={head(platform)}",
                           headers=staff))["items"]
    assert {r["id"] for r in ledger} == set(checkup["request_ids"])
    results = ok(client.get(f"/api/v1/surveys/{survey}/results", headers=staff))
    assert results["response_rate"] == 0.8
    assert [(u["name"], u["sent"], u["answered"]) for u in results["units"]] == [("社会科技处", 3, 1),
                                                                                ("高新技术处", 7, 7)]

    platform.runner.catch_up()
    figures = ok(client.get("/api/v1/stats/summary?from=2026-07-01&to=2026-09-30", headers=staff))["services"]
    assert figures == {
        "visits": 7, "forums": 1, "organisations_visited": 9,
        "requests_received": 5, "requests_closed": 3, "requests_resolved": 2, "requests_explained": 1,
        "requests_overdue": 1, "median_days_to_close": 8.0,
        "surveys_sent": 1, "survey_response_rate": 0.8, "average_satisfaction": 4.0, "checkups_held": 1,
        "coverage": [
            {"unit_id": social, "unit": "社会科技处", "quarter": "2026-Q3", "hooked": 5, "visited": 3,
             "not_visited": 2},
            {"unit_id": high_tech, "unit": "高新技术处", "quarter": "2026-Q3", "hooked": 7, "visited": 6,
             "not_visited": 1}]}
