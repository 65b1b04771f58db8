"""Membership as staff run it, over HTTP on both backends: the lifecycle, dues
and the lapse job, the roster as of any date, filters, search and export."""

import csv
import io
from datetime import date, datetime, timedelta

from openpyxl import load_workbook

from tests.factories import application
from workers.scheduler import tick


def on(platform, day: date) -> None:
    """Move the platform's clock to noon (Shanghai) on `day`."""
    target = datetime(day.year, day.month, day.day, 4, 0, tzinfo=platform.clock.time_zone)
    platform.clock.offset = timedelta(0)
    platform.clock.offset = target - platform.clock.now()


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def roster(client, staff, platform, **params):
    """The roster page once the view has caught up with everything stored."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return ok(client.get(f"/api/v1/members?{query}&min_position={platform.runner.head()}&limit=500",
                         headers=staff))


def test_the_whole_lifecycle_with_reapplication_after_a_lapse(client, staff, platform):
    on(platform, date(2018, 3, 1))
    org = ok(client.post("/api/v1/members", json=application(name="厦门海沧光电有限公司")), 201)["id"]
    post = lambda action, body: client.post(f"/api/v1/members/{org}/{action}", json=body, headers=staff)  # noqa: E731
    ok(post("admit", {"tier": "member", "effective_on": "2018-03-15"}))
    ok(post("suspend", {"reason": "未按期提交年度数据", "effective_on": "2018-06-01"}))
    assert post("suspend", {"reason": "again"}).json()["code"] == "illegal_transition"
    ok(post("reinstate", {"reason": "已补交", "effective_on": "2018-07-01"}))
    ok(post("tier", {"tier": "council", "reason": "第二届理事会选举", "effective_on": "2018-09-01"}))
    ok(post("dues", {"year": 2018, "amount_fen": 300_000, "effective_on": "2018-03-20"}))
    assert post("dues", {"year": 2018, "amount_fen": 300_000}).json()["code"] == "dues_already_paid"
    assert post("dues", {"year": 2019, "amount_fen": -1}).status_code == 400
    ok(post("libraries", {"add": ["tech_sme", "high_tech"], "reason": "2018 年入库"}))
    ok(post("growth-stage", {"stage": "high_tech"}))
    ok(post("annual-stats", {"year": 2018, "employees": 80, "rd_staff": 12, "revenue_fen": 9_000_000_000,
                             "rd_spend_fen": 600_000_000}))
    ok(client.patch(f"/api/v1/members/{org}", json={"address": "厦门市海沧区", "reason": "搬迁"}, headers=staff))
    # 2019 dues are never paid: on 2019-04-02 the scheduler lapses the member.
    on(platform, date(2019, 4, 2))
    platform.runner.catch_up()
    assert tick(platform)["lapse_unpaid_dues"] == 1
    member = ok(client.get(f"/api/v1/members/{org}?min_position={platform.runner.head()}", headers=staff))
    assert (member["status"], member["tier"], member["address"]) == ("lapsed", "council", "厦门市海沧区")
    assert member["libraries"] == ["tech_sme", "high_tech"] and member["growth_stage"] == "high_tech"
    assert member["dues"][0]["year"] == 2018 and member["annual_stats"][0]["rd_staff"] == 12
    lapse = member["status_history"][-1]
    assert lapse["actor"]["id"] == "system" and "2019" in lapse["reason"]
    assert [h["event"] for h in member["status_history"]] == [
        "applied", "admitted", "suspended", "reinstated", "tier_changed", "lapsed"]
    # A lapsed member applies again with the same credit code: same record, new application.
    again = ok(client.post("/api/v1/members", json=application(credit_code=member["credit_code"])), 201)
    assert again["id"] == org
    member = ok(client.get(f"/api/v1/members/{org}?min_position={again['position']}", headers=staff))
    assert member["status"] == "applied" and member["status_history"][-1]["event"] == "reapplied"


def test_a_member_updates_its_own_profile_and_contacts(client, staff, platform):
    from tests.roles import admitted_org, invited

    org = admitted_org(client, staff)
    member = invited(client, staff, "lin_na", "member", organisation_id=org)
    contacts = ok(client.get(f"/api/v1/members/{org}", headers=member))["contacts"]
    r = ok(client.patch(f"/api/v1/members/{org}", headers=member, json={
        "contacts": [contacts[0], {"name": "陈静", "phone": "13600000000", "email": "cj@example.com"}]}))
    doc = ok(client.get(f"/api/v1/members/{org}?min_position={r['position']}", headers=member))
    assert [c["name"] for c in doc["contacts"]] == [contacts[0]["name"], "陈静"]
    assert doc["contacts"][0]["id"] == contacts[0]["id"]
    assert doc["changes"][-1]["actor"]["role"] == "member"


def test_the_lapse_job_never_acts_twice(client, staff, platform, make_platform):
    on(platform, date(2019, 1, 5))
    org = ok(client.post("/api/v1/members", json=application()), 201)["id"]
    ok(client.post(f"/api/v1/members/{org}/admit", json={}, headers=staff))
    second = make_platform()  # another scheduler process on the same store
    for p in (platform, second):
        on(p, date(2019, 4, 6))  # admitted 5 Jan: due then, 90 days' grace ends 5 April
        p.runner.catch_up()
    assert tick(platform)["lapse_unpaid_dues"] == 1
    assert tick(platform)["lapse_unpaid_dues"] == 0
    assert tick(second)["lapse_unpaid_dues"] == 0  # its view may lag; the domain refuses anyway
    history = ok(client.get(f"/api/v1/members/{org}?min_position={platform.runner.head()}",
                            headers=staff))["status_history"]
    assert [h["event"] for h in history].count("lapsed") == 1


def test_the_lapse_job_waits_for_the_grace_period_and_spares_payers(client, staff, platform):
    on(platform, date(2019, 1, 5))
    payer, late = (ok(client.post("/api/v1/members", json=application()), 201)["id"] for _ in range(2))
    for org in (payer, late):
        ok(client.post(f"/api/v1/members/{org}/admit", json={}, headers=staff))
    ok(client.post(f"/api/v1/members/{payer}/dues", json={"year": 2019, "amount_fen": 100_000}, headers=staff))
    on(platform, date(2019, 4, 5))  # the last day of grace
    platform.runner.catch_up()
    assert tick(platform)["lapse_unpaid_dues"] == 0
    on(platform, date(2019, 4, 6))
    assert tick(platform)["lapse_unpaid_dues"] == 1
    platform.runner.catch_up()
    assert ok(client.get(f"/api/v1/members/{payer}", headers=staff))["status"] == "admitted"
    assert ok(client.get(f"/api/v1/members/{late}", headers=staff))["status"] == "lapsed"


def test_the_roster_as_of_any_date_matches_the_history(client, staff, platform):
    on(platform, date(2015, 11, 1))
    a, b, c, d = (ok(client.post("/api/v1/members", json=application()), 201)["id"] for _ in range(4))

    def act(org, action, body):
        ok(client.post(f"/api/v1/members/{org}/{action}", json=body, headers=staff))

    act(a, "admit", {"effective_on": "2016-01-15"})
    act(b, "admit", {"effective_on": "2016-03-31", "tier": "council"})
    act(c, "admit", {"effective_on": "2016-04-01"})
    act(d, "reject", {"reason": "不符合条件", "effective_on": "2016-02-01"})
    act(b, "suspend", {"reason": "欠缴会费", "effective_on": "2017-06-01"})
    act(b, "reinstate", {"reason": "已补缴", "effective_on": "2017-09-01"})
    act(a, "withdraw", {"reason": "企业迁出", "effective_on": "2018-12-31"})
    on(platform, date(2019, 1, 10))
    e = ok(client.post("/api/v1/members", json=application()), 201)["id"]
    act(e, "admit", {})
    act(b, "dues", {"year": 2019, "amount_fen": 200_000})
    on(platform, date(2019, 4, 2))
    platform.runner.catch_up()
    assert tick(platform)["lapse_unpaid_dues"] == 1  # c: 2019 dues unpaid since 1 January

    def members(day, status="admitted"):
        page = roster(client, staff, platform, as_of=day, status=status)
        assert page["total"] == len(page["items"])
        return {m["id"] for m in page["items"]}

    assert members("2015-10-31", "applied") == set()
    assert members("2015-11-01", "applied") == {a, b, c, d}
    assert members("2016-03-30") == {a}
    assert members("2016-03-31") == {a, b}
    assert members("2016-04-01") == {a, b, c}
    assert members("2017-07-01") == {a, c} and members("2017-07-01", "suspended") == {b}
    assert members("2019-01-01") == {b, c}
    assert members("2019-04-02") == {b, e} and members("2019-04-02", "lapsed") == {c}
    page = roster(client, staff, platform, as_of="2016-04-01", tier="council")
    assert [m["id"] for m in page["items"]] == [b] and page["items"][0]["as_of"] == "2016-04-01"


def test_filters_search_sorting_and_pagination(client, staff, platform):
    names = ["厦门鹭岛光电科技有限公司", "武汉光谷生物医药有限公司", "海门东方新材料有限公司",
             "厦门同安智能装备有限公司"]
    ids = {n: ok(client.post("/api/v1/members", json=application(name=n)), 201)["id"] for n in names}
    ok(client.post(f"/api/v1/members/{ids[names[0]]}/admit", json={}, headers=staff))
    ok(client.post(f"/api/v1/members/{ids[names[0]]}/libraries", json={"add": ["high_tech"]}, headers=staff))
    ok(client.post(f"/api/v1/members/{ids[names[1]]}/growth-stage", json={"stage": "tech_sme"},
                   headers=staff))

    def found(**params):
        return [m["name"] for m in roster(client, staff, platform, **params)["items"]]

    assert found(q="厦门") == [names[0], names[3]]
    assert found(q="厦门 装备") == [names[3]]
    assert found(q="光") == [names[0], names[1]]
    assert found(library="high_tech") == [names[0]]
    assert found(growth_stage="tech_sme") == [names[1]]
    assert found(status="admitted") == [names[0]]
    by_name = found(sort="name")
    assert by_name == sorted(by_name)
    assert found(sort="-applied") == list(reversed(names))
    r = client.get("/api/v1/members?sort=colour", headers=staff)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "sort"
    r = client.get("/api/v1/members?cursor=garbage", headers=staff)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"
    seen, cursor = [], None
    while True:
        page = ok(client.get("/api/v1/members?sort=name&limit=2" + (f"&cursor={cursor}" if cursor else ""),
                             headers=staff))
        seen += [m["name"] for m in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == page["total"]


def test_export_as_csv_and_xlsx_with_chinese_headers(client, staff):
    org = ok(client.post("/api/v1/members", json=application(name="厦门鹭岛光电科技有限公司")), 201)["id"]
    r = ok(client.post(f"/api/v1/members/{org}/admit", json={"tier": "council"}, headers=staff))
    client.post("/api/v1/members", json=application(name="武汉光谷生物医药有限公司"))
    client.get(f"/api/v1/members?min_position={r['position'] + 2}", headers=staff)
    response = client.get("/api/v1/members/export?format=csv&status=admitted", headers=staff)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["单位名称", "统一社会信用代码", "单位类型"]
    assert [r[0] for r in rows[1:]] == ["厦门鹭岛光电科技有限公司"]
    assert rows[1][4:6] == ["理事单位", "正常"]
    response = client.get("/api/v1/members/export?format=xlsx", headers=staff)
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "单位名称" and len(values) == 3
    assert client.get("/api/v1/members/export?format=pdf", headers=staff).status_code == 400
