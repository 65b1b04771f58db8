"""Service units, hook-ups, visits and quarterly coverage (seed 001 一.4 挂钩联系制度), on both
backends: "each unit visits every hooked enterprise at least once a quarter"."""

from datetime import date

from tests.http import ok, on
from tests.roles import admitted_org, invited


def me(client, headers) -> str:
    return ok(client.get("/api/v1/auth/me", headers=headers))["id"]


def head(platform) -> int:
    return platform.runner.head()


def unit_with_staff(client, staff, name="高新技术处") -> tuple[str, str]:
    """A unit with the signed-in staff account as its member: (unit id, that account's id)."""
    unit = ok(client.post("/api/v1/units", json={"name": name}, headers=staff), 201)["id"]
    account = me(client, staff)
    ok(client.post(f"/api/v1/units/{unit}/staff", json={"account_id": account}, headers=staff), 201)
    return unit, account


def hook(client, staff, unit, **body):
    return ok(client.post(f"/api/v1/units/{unit}/hookups", json={"starts_on": "2026-07-01", **body},
                          headers=staff), 201)


def visit(client, staff, unit, visitor, orgs, day="2026-08-10", kind="visit", **extra):
    return ok(client.post("/api/v1/visits", headers=staff, json={
        "unit_id": unit, "visited_on": day, "organisation_ids": orgs, "visitors": [visitor], "kind": kind,
        "findings": "企业反映研发用房紧张，希望了解高企认定政策", **extra}), 201)


def coverage(client, staff, platform, unit, quarter):
    return ok(client.get(f"/api/v1/units/{unit}/coverage?quarter={quarter}&min_position={head(platform)}",
                         headers=staff))


def test_a_unit_has_staff_members_and_refuses_others(client, staff, platform):
    on(platform, date(2026, 7, 1))
    unit, account = unit_with_staff(client, staff)
    again = client.post(f"/api/v1/units/{unit}/staff", json={"account_id": account}, headers=staff)
    assert (again.status_code, again.json()["code"]) == (409, "already_in_unit")
    org = admitted_org(client, staff)
    member = invited(client, staff, "qiye_a", "member", organisation_id=org)
    refused = client.post(f"/api/v1/units/{unit}/staff", json={"account_id": me(client, member)}, headers=staff)
    assert refused.status_code == 404 and refused.json()["errors"][0]["field"] == "account_id"
    shown = ok(client.get(f"/api/v1/units/{unit}?min_position={head(platform)}", headers=staff))
    assert shown["name"] == "高新技术处" and shown["staff"] == [account]
    listed = ok(client.get("/api/v1/units", headers=staff))["items"]
    assert [u["id"] for u in listed] == [unit]
    assert client.post("/api/v1/units", json={"name": "x"}, headers=member).status_code == 403


def test_hookups_by_id_and_by_rule_and_their_refusals(client, staff, platform):
    on(platform, date(2026, 7, 1))
    unit, _ = unit_with_staff(client, staff)
    single = admitted_org(client, staff)
    tagged = [admitted_org(client, staff) for _ in range(2)]
    for org in tagged:
        ok(client.post(f"/api/v1/members/{org}/libraries", json={"add": ["high_tech"]}, headers=staff))
    untagged = admitted_org(client, staff)
    hook(client, staff, unit, organisation_ids=[single])
    hook(client, staff, unit, rule={"library": "high_tech"})
    report = coverage(client, staff, platform, unit, "2026-Q3")
    assert {o["organisation_id"] for o in report["organisations"]} == {single, *tagged}
    assert untagged not in report["not_visited"] and all(o["name"] for o in report["organisations"])
    # Neither organisations nor a rule, both, an unknown organisation, an end before the start.
    for body, field in (({}, "organisation_ids"),
                        ({"organisation_ids": [single], "rule": {"sector": "光电"}}, "organisation_ids"),
                        ({"organisation_ids": ["00000000-0000-4000-8000-000000000000"]}, "organisation_ids"),
                        ({"organisation_ids": [single], "ends_on": "2026-06-30"}, "ends_on")):
        r = client.post(f"/api/v1/units/{unit}/hookups", json={"starts_on": "2026-07-01", **body}, headers=staff)
        assert r.status_code in (404, 422) and r.json()["errors"][0]["field"] == field, r.text
    r = client.post(f"/api/v1/units/{unit}/hookups", json={"starts_on": "2026-07-01", "rule": {"library": "nope"}},
                    headers=staff)
    assert r.status_code == 400 and "rule.library" in r.text


def test_coverage_shows_who_was_not_visited_this_quarter_and_in_past_ones(client, staff, platform):
    on(platform, date(2026, 7, 1))
    unit, me_ = unit_with_staff(client, staff)
    orgs = [admitted_org(client, staff) for _ in range(4)]
    first = hook(client, staff, unit, organisation_ids=orgs[:3])["hookup_id"]
    on(platform, date(2026, 10, 20))
    hook(client, staff, unit, organisation_ids=[orgs[3]], starts_on="2026-10-01")
    visit(client, staff, unit, me_, [orgs[0]], day="2026-08-10")
    visit(client, staff, unit, me_, orgs[1:3], day="2026-09-01", kind="forum")  # a forum is not the visit
    visit(client, staff, unit, me_, [orgs[3]], day="2026-10-15")
    # The first hook-up ends with September: earlier quarters keep it.
    ok(client.post(f"/api/v1/units/{unit}/hookups/{first}/end", json={"ends_on": "2026-09-30"}, headers=staff))
    q3 = coverage(client, staff, platform, unit, "2026-Q3")
    assert q3["counts"] == {"hooked": 3, "visited": 1, "not_visited": 2}
    assert q3["not_visited"] == orgs[1:3] and q3["from"] == "2026-07-01" and q3["to"] == "2026-09-30"
    forum = next(o for o in q3["organisations"] if o["organisation_id"] == orgs[1])
    assert [v["kind"] for v in forum["visits"]] == ["forum"]
    q4 = coverage(client, staff, platform, unit, "2026-Q4")
    assert [o["organisation_id"] for o in q4["organisations"]] == [orgs[3]] and q4["not_visited"] == []
    this = ok(client.get(f"/api/v1/units/{unit}/coverage", headers=staff))  # this quarter by default
    assert this["quarter"] == "2026-Q4"
    assert client.get(f"/api/v1/units/{unit}/coverage?quarter=2026-Q5", headers=staff).status_code == 400
    listed = ok(client.get(f"/api/v1/visits?quarter=2026-Q3&organisation_id={orgs[0]}", headers=staff))["items"]
    assert [v["visited_on"] for v in listed] == ["2026-08-10"]


def test_a_visit_is_refused_in_the_future_or_without_staff(client, staff, platform):
    on(platform, date(2026, 8, 1))
    unit, me_ = unit_with_staff(client, staff)
    org = admitted_org(client, staff)
    base = {"unit_id": unit, "visited_on": "2026-07-20", "organisation_ids": [org], "visitors": [me_],
            "findings": "走访"}
    for change, field, status in (({"visited_on": "2026-08-02"}, "visited_on", 422),
                                  ({"visitors": [org]}, "visitors", 404),
                                  ({"unit_id": org}, None, 404),
                                  ({"findings": "   "}, "findings", 422)):
        r = client.post("/api/v1/visits", json={**base, **change}, headers=staff)
        assert r.status_code == status, r.text
        if field:
            assert r.json()["errors"][0]["field"] == field
    assert client.post("/api/v1/visits", json={**base, "kind": "tea"}, headers=staff).status_code == 400


def test_visits_and_forums_are_on_each_organisations_history_in_chinese(client, staff, platform):
    on(platform, date(2026, 8, 1))
    unit, me_ = unit_with_staff(client, staff, name="社会科技处")
    orgs = [admitted_org(client, staff) for _ in range(2)]
    hook(client, staff, unit, organisation_ids=orgs)
    visit(client, staff, unit, me_, orgs, day="2026-07-28", kind="forum", follow_ups=["协调中试场地"])
    platform.runner.catch_up()
    for org in orgs:
        summaries = [i["summary"] for i in ok(client.get(f"/api/v1/members/{org}/history?limit=100",
                                                         headers=staff))["items"]]
        assert "「社会科技处」挂钩联系2 家单位，2026-07-01起" in summaries
        assert any(s.startswith("「社会科技处」恳谈会（2026-07-28，2 家单位）：企业反映") for s in summaries)


def test_working_days_skip_weekends_and_quarters_read_as_their_days():
    from domain.errors import InvalidValue
    from domain.services import add_working_days, quarter_of

    assert add_working_days(date(2026, 7, 3), 1) == date(2026, 7, 6)  # Friday → Monday
    assert add_working_days(date(2026, 7, 4), 5) == date(2026, 7, 10)  # from a Saturday
    assert quarter_of("2026-Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert quarter_of("2024-Q1") == (date(2024, 1, 1), date(2024, 3, 31))
    for bad in ("2026-Q0", "2026Q1", "26-Q1", "2026-Qx"):
        try:
            quarter_of(bad)
        except InvalidValue as exc:
            assert exc.field == "quarter"
        else:
            raise AssertionError(bad)
