"""Commissioned verification (issue 23): commissions, intake checks, conflicts refused, the
site check to the recovery, and what an expert may not do or see."""

from datetime import date

from tests.access_verification import CHECKLIST
from tests.factories import credit_code
from tests.http import ok, on
from tests.roles import admitted_org, invited

SHEET = [{"id": "site", "text": "场地与设施", "weight": 30}, {"id": "service", "text": "创业服务", "weight": 40},
         {"id": "results", "text": "孵化成效", "weight": 30}]
THRESHOLDS = [{"rating": "优秀", "min_score": 85}, {"rating": "良好", "min_score": 70},
              {"rating": "合格", "min_score": 60}]


def commission(client, staff, kind="subsidy_check", criteria=CHECKLIST, **extra):
    body = {"client": "市科技局", "kind": kind, "title": "2025 年度研发补助核查", "due_on": "2099-06-30",
            "criteria": criteria, **extra}
    return ok(client.post("/api/v1/commissions", json=body, headers=staff), 201)["id"]


def case(client, staff, commission_id, code=None, year=2025, **extra):
    body = {"organisation_name": "厦门某科技有限公司", "credit_code": code or credit_code(), "year": year,
            "declared": {"rd_spend_fen": 1_200_000_00}, **extra}
    return ok(client.post(f"/api/v1/commissions/{commission_id}/cases", json=body, headers=staff), 201)


def expert(client, staff, name, affiliation=None):
    headers = invited(client, staff, name, "reviewer", affiliation=affiliation)
    return headers, ok(client.get("/api/v1/auth/me", headers=headers))["id"]


def met(criteria=CHECKLIST, value=True):
    return {c["id"]: {"met": value, "note": ""} for c in criteria}


def test_a_case_from_intake_to_recovery(client, staff, platform):
    on(platform, date(2026, 3, 2))
    c = commission(client, staff, required_figures=["rd_spend_fen", "rd_staff"])
    first = case(client, staff, c)
    assert first["intake"] == {"complete": False, "missing": ["rd_staff"], "duplicates": []}
    _, checker = expert(client, staff, "hecha")
    ok(client.post(f"/api/v1/cases/{first['id']}/assignment", headers=staff,
                   json={"checker_ids": [checker], "visit_on": "2026-03-05"}))
    on(platform, date(2026, 3, 5))
    ok(client.post(f"/api/v1/cases/{first['id']}/site-check", headers=staff, json={
        "checked_on": "2026-03-05", "answers": met(value=False), "findings": "研发费用含生产人员工资",
        "evidence": ["凭证 2025-117"], "photos": ["IMG_0311.jpg"]}))
    ok(client.post(f"/api/v1/cases/{first['id']}/recommendation", headers=staff,
                   json={"outcome": "fail", "amount_fen": 0}))
    ok(client.post(f"/api/v1/cases/{first['id']}/decision", headers=staff,
                   json={"decision": "fail", "decided_on": "2026-03-05"}))
    ok(client.post(f"/api/v1/cases/{first['id']}/clawback", headers=staff,
                   json={"amount_fen": 30_000_00, "reason": "已拨付补助须追回"}))
    left = ok(client.post(f"/api/v1/cases/{first['id']}/recovery", headers=staff,
                          json={"amount_fen": 10_000_00, "recovered_on": "2026-03-05"}))
    assert left["outstanding_fen"] == 20_000_00
    platform.runner.catch_up()
    board = ok(client.get(f"/api/v1/commissions/{c}/board", headers=staff))
    assert board["recovering"] == [first["id"]] and board["outstanding_fen"] == 20_000_00
    too_much = client.post(f"/api/v1/cases/{first['id']}/recovery", headers=staff,
                           json={"amount_fen": 30_000_00, "recovered_on": "2026-03-05"})
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "amount_fen"
    ok(client.post(f"/api/v1/cases/{first['id']}/recovery", headers=staff,
                   json={"amount_fen": 20_000_00, "recovered_on": "2026-03-05"}))
    platform.runner.catch_up()
    doc = ok(client.get(f"/api/v1/cases/{first['id']}", headers=staff))
    assert doc["status"] == "recovered" and doc["recovered_fen"] == 30_000_00 and doc["outstanding_fen"] == 0
    assert doc["site_check"]["answers"]["c1"] == {"met": False, "note": ""}
    # Not a member: its history is the case's own, in Chinese.
    history = [i["summary"] for i in ok(client.get(f"/api/v1/cases/{first['id']}/history", headers=staff))["items"]]
    assert history[0] == ("「2025 年度研发补助核查」受理核查对象「厦门某科技有限公司（2025 年度）」"
                          "（缺申报数据 rd_staff）")
    assert history[-1] == "核查对象「厦门某科技有限公司（2025 年度）」于 2026-03-05 追回 20,000.00 元，已全部追回"
    assert "核查意见：不通过" in history[3] and len(history) == 8


def test_the_same_organisation_and_year_is_flagged_across_commissions(client, staff, platform):
    code = credit_code()
    first = case(client, staff, commission(client, staff), code=code)
    second = case(client, staff, commission(client, staff, kind="high_tech_filing"), code=code)
    assert first["intake"]["duplicates"] == []
    assert [d["case_id"] for d in second["intake"]["duplicates"]] == [first["id"]]
    assert case(client, staff, commission(client, staff), code=code, year=2024)["intake"]["duplicates"] == []


def test_a_conflicted_expert_is_refused(client, staff, platform):
    org = admitted_org(client, staff)
    platform.runner.catch_up()
    code = ok(client.get(f"/api/v1/members/{org}", headers=staff))["credit_code"]
    c = commission(client, staff)
    own = case(client, staff, c, code=code)["id"]
    _, insider = expert(client, staff, "neibu", affiliation=org)
    r = client.post(f"/api/v1/cases/{own}/assignment", headers=staff, json={"checker_ids": [insider]})
    assert r.status_code == 409 and r.json()["code"] == "conflict_of_interest"
    # An expert who declares a conflict leaves the case and cannot be put back on it.
    headers, outsider = expert(client, staff, "waibu")
    ok(client.post(f"/api/v1/cases/{own}/assignment", headers=staff, json={"checker_ids": [outsider]}))
    ok(client.post(f"/api/v1/cases/{own}/conflict", headers=headers, json={"statement": "曾为该公司提供咨询"}))
    again = client.post(f"/api/v1/cases/{own}/assignment", headers=staff, json={"checker_ids": [outsider]})
    assert again.status_code == 409 and again.json()["code"] == "conflict_of_interest"


def test_an_expert_sees_and_checks_only_its_own_cases(client, staff, platform):
    c = commission(client, staff)
    mine, theirs = case(client, staff, c)["id"], case(client, staff, c)["id"]
    me, my_id = expert(client, staff, "wode")
    _, other_id = expert(client, staff, "tade")
    ok(client.post(f"/api/v1/cases/{mine}/assignment", headers=staff, json={"checker_ids": [my_id]}))
    ok(client.post(f"/api/v1/cases/{theirs}/assignment", headers=staff, json={"checker_ids": [other_id]}))
    platform.runner.catch_up()
    seen = ok(client.get(f"/api/v1/commissions/{c}", headers=me))
    assert [x["id"] for x in seen["cases"]] == [mine] and seen["figures"]["received"] == 1
    stranger, _ = expert(client, staff, "moshengren")
    assert client.get(f"/api/v1/commissions/{c}", headers=stranger).status_code == 404
    assert ok(client.get("/api/v1/cases/worklist", headers=stranger))["items"] == []
    assert client.get(f"/api/v1/cases/{theirs}", headers=me).status_code == 404
    check = {"checked_on": "2026-01-01", "answers": met(), "findings": ""}
    r = client.post(f"/api/v1/cases/{theirs}/site-check", headers=me, json=check)
    assert r.status_code == 404 and "厦门" not in r.text
    assert client.post(f"/api/v1/cases/{theirs}/decision", headers=me,
                       json={"decision": "pass", "decided_on": "2026-01-01"}).status_code == 403
    assert client.get(f"/api/v1/commissions/{c}/report", headers=me).status_code == 403
    # Every criterion must be answered; a failure needs findings.
    short = client.post(f"/api/v1/cases/{mine}/site-check", headers=me,
                        json={**check, "answers": {"c1": {"met": True}}})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "answers"
    ok(client.post(f"/api/v1/cases/{mine}/site-check", headers=me, json=check))
    r = client.post(f"/api/v1/cases/{mine}/recommendation", headers=me, json={"outcome": "fail"})
    assert r.status_code == 409 and r.json()["code"] == "findings_required"


def test_a_rated_kind_needs_a_scoring_sheet_and_its_rating_follows_the_thresholds(client, staff, platform):
    r = client.post("/api/v1/commissions", headers=staff, json={
        "client": "思明区科技局", "kind": "space_rating", "title": "众创空间评级", "due_on": "2099-01-01",
        "criteria": CHECKLIST})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "criteria"
    c = commission(client, staff, kind="space_rating", criteria=SHEET, thresholds=THRESHOLDS)
    space = case(client, staff, c)["id"]
    ok(client.post(f"/api/v1/cases/{space}/assignment", headers=staff,
                   json={"checker_ids": [ok(client.get("/api/v1/auth/me", headers=staff))["id"]]}))
    scores = {"site": {"score": 80}, "service": {"score": 70}, "results": {"score": 60}}  # 70.0
    ok(client.post(f"/api/v1/cases/{space}/site-check", headers=staff,
                   json={"checked_on": "2026-01-01", "answers": scores, "findings": "孵化成效一般"}))
    wrong = client.post(f"/api/v1/cases/{space}/recommendation", headers=staff,
                        json={"outcome": "pass", "rating": "优秀"})
    assert wrong.status_code == 422 and "良好" in wrong.text
    ok(client.post(f"/api/v1/cases/{space}/recommendation", headers=staff, json={"outcome": "pass"}))
    platform.runner.catch_up()
    rec = ok(client.get(f"/api/v1/cases/{space}", headers=staff))["recommendation"]
    assert (rec["score"], rec["rating"]) == (70.0, "良好")


def test_an_outstanding_clawback_is_chased_monthly_until_recovered(client, staff, platform):
    from workers.scheduler import tick

    on(platform, date(2026, 3, 5))
    k = case(client, staff, commission(client, staff))["id"]
    me = ok(client.get("/api/v1/auth/me", headers=staff))["id"]
    ok(client.post(f"/api/v1/cases/{k}/assignment", headers=staff, json={"checker_ids": [me]}))
    ok(client.post(f"/api/v1/cases/{k}/site-check", headers=staff,
                   json={"checked_on": "2026-03-05", "answers": met(value=False), "findings": "虚报研发人员"}))
    ok(client.post(f"/api/v1/cases/{k}/recommendation", headers=staff, json={"outcome": "fail"}))
    ok(client.post(f"/api/v1/cases/{k}/decision", headers=staff, json={"decision": "fail", "decided_on": "2026-03-05"}))
    ok(client.post(f"/api/v1/cases/{k}/clawback", headers=staff, json={"amount_fen": 8_000_00, "reason": "追回补助"}))
    platform.runner.catch_up()
    on(platform, date(2026, 4, 3))
    assert tick(platform)["chase_recoveries"] == 0  # not yet a month
    on(platform, date(2026, 4, 4))
    assert tick(platform)["chase_recoveries"] == 1
    assert tick(platform)["chase_recoveries"] == 0  # once a month
    ok(client.post(f"/api/v1/cases/{k}/recovery", headers=staff,
                   json={"amount_fen": 8_000_00, "recovered_on": "2026-04-04"}))
    platform.runner.catch_up()
    on(platform, date(2026, 6, 1))
    assert tick(platform)["chase_recoveries"] == 0  # recovered: nothing left to chase
    history = [i["summary"] for i in ok(client.get(f"/api/v1/cases/{k}/history", headers=staff))["items"]]
    assert "核查对象「厦门某科技有限公司（2025 年度）」追回资金催缴（2026-04-04），尚欠 8,000.00 元" in history
