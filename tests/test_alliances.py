"""The alliance programme walked end to end as seed 002 describes it, on both
backends: a program with several alliances, screening, expert review, public
notice, funding until the budget runs out, reports, an inspection, a
conclusion and a termination with recovery.

Issue 15 changed, deliberately: parties are eligible on their own declared
attributes and declarations (the helpers below declare them), the default
programme ranks by the reviewers' plain average with no bonus points, and
report deadlines come from the programme's settings."""

import threading
from datetime import date, timedelta
from uuid import UUID

from domain.errors import DomainError
from domain.values import Actor
from service import alliances as service
from tests.factories import application
from tests.http import login
from tests.roles import PASSWORD, agreement, invited, open_program, society

WAN = 1_000_000  # 1 万元 (10,000 yuan) in fen


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


LAST_YEAR = date.today().year - 1  # the last completed year, whose figures screening reads


def enterprise(client, staff, name, rd_staff=18, sector="光电", admit=True, library=True, year=LAST_YEAR,
               employees=120, **declared):
    """An enterprise with last year's figures, declared a legal person with an
    established 企业科协 (seed 002 三（一）1、4) unless `declared` says otherwise."""
    stats = {"year": year, "employees": employees, "rd_staff": rd_staff, "revenue_fen": 500_000_000,
             "rd_spend_fen": 40_000_000, "total_assets_fen": 800_000_000}
    org = ok(client.post("/api/v1/members", json=application(name=name, annual_stats=stats, sector=sector)),
             201)["id"]
    if admit:
        ok(client.post(f"/api/v1/members/{org}/admit", json={}, headers=staff))
    if library:
        ok(client.post(f"/api/v1/members/{org}/libraries", json={"add": ["tech_sme"]}, headers=staff))
    attributes = {"legal_form": "legal_person", "science_association": "established", **declared}
    ok(client.patch(f"/api/v1/members/{org}/attributes", headers=staff,
                    json={**attributes, "evidence": "营业执照及企业科协成立批复"}))
    return org


def declaration(role, year=None):
    """A party's own declaration (seed 002 三（一）3, 三（二）2–3)."""
    if role == "enterprise":
        return {"workspace": "企业研发中心三楼实验室 200 平方米及测试设备", "evidence": "场地租赁合同"}
    return {"service_experience": "近三年举办学术交流 12 场、培训 300 人次", "evidence": "学会年度工作计划文件",
            "work_plan_year": year or date.today().year, "work_plan": "年度工作计划第 5 项：企会协作",
            "responsible_staff": ["刘秘书长"]}


class World:
    """Staff, parties with member accounts, reviewers, and helpers to act."""

    def __init__(self, client, staff, platform):
        self.client, self.staff, self.platform = client, staff, platform
        self.accounts = {}

    def member(self, org, username):
        self.accounts[org] = invited(self.client, self.staff, username, "member", organisation_id=org)
        return self.accounts[org]

    def alliance(self, program, enterprises, societies, declare=True, **overrides):
        """Drafted by the lead enterprise, declared and signed by every party, submitted."""
        body = {"program_id": program, **agreement(enterprises, societies, **overrides)}
        alliance = ok(self.client.post("/api/v1/alliances", json=body, headers=self.accounts[enterprises[0]]), 201)
        for role, parties in (("enterprise", enterprises), ("society", societies)):
            for party in parties if declare else ():
                ok(self.client.post(f"/api/v1/alliances/{alliance['id']}/declarations", json=declaration(
                    role, self.platform.clock.today().year), headers=self.accounts[party]))
        for party in [*enterprises, *societies]:
            ok(self.client.post(f"/api/v1/alliances/{alliance['id']}/signatures", headers=self.accounts[party]))
        ok(self.client.post(f"/api/v1/alliances/{alliance['id']}/submit", headers=self.accounts[enterprises[0]]))
        return alliance["id"]

    def post(self, path, body=None, who=None, status=200):
        return ok(self.client.post(path, json=body or {}, headers=who or self.staff), status)

    def refused(self, path, body, code, who=None):
        r = self.client.post(path, json=body, headers=who or self.staff)
        assert r.status_code in (409, 422) and r.json()["code"] == code, r.text

    def get(self, path):
        return ok(self.client.get(f"{path}{'&' if '?' in path else '?'}min_position={self.platform.runner.head()}",
                                  headers=self.staff))

    def review(self, alliance, reviewers, score, recommend):
        self.post(f"/api/v1/alliances/{alliance}/reviewers", {"reviewer_ids": [r[0] for r in reviewers]})
        for _, headers in reviewers:
            self.post(f"/api/v1/alliances/{alliance}/declaration", {"no_conflict": True}, headers)
            scores = dict.fromkeys(("innovation", "feasibility", "team", "collaboration", "benefit"), score)
            self.post(f"/api/v1/alliances/{alliance}/reviews",
                      {"scores": scores, "recommend": recommend, "comment": "评审意见"}, headers)


def reviewer(client, staff, username, affiliation=None):
    headers = invited(client, staff, username, "reviewer", affiliation=affiliation)
    return ok(client.get("/api/v1/auth/me", headers=headers))["id"], headers


def test_the_whole_programme_as_seed_002_describes_it(client, staff, platform):
    w = World(client, staff, platform)
    program = open_program(client, staff, platform, budget_fen=50 * WAN)  # 50 万元
    e = {n: enterprise(client, staff, f"武汉{n}科技有限公司", rd_staff=6 if n == "低研发" else 18,
                       sector="新材料" if n == "东湖" else "光电")  # 光谷 + 东湖: two disciplines
         for n in ("光谷", "低研发", "东湖", "江城", "汉阳", "青山")}
    s = {n: society(client, staff) for n in ("光学", "材料", "电子")}
    for i, org in enumerate([*e.values(), *s.values()]):
        w.member(org, f"party{i}")
    r1, r2 = reviewer(client, staff, "expert_one"), reviewer(client, staff, "expert_two")
    conflicted = reviewer(client, staff, "expert_three", affiliation=e["光谷"])

    funded = w.alliance(program, [e["光谷"], e["东湖"]], [s["光学"], s["材料"]])  # multi-party
    low_rd = w.alliance(program, [e["低研发"]], [s["材料"]])
    weak = w.alliance(program, [e["江城"]], [s["电子"]])
    objected = w.alliance(program, [e["汉阳"]], [s["电子"]], sector="农业与农村")
    second = w.alliance(program, [e["青山"]], [s["光学"]])
    third = w.alliance(program, [e["江城"], e["青山"]], [s["材料"]], title="新材料中试")

    # Screening (科协把关): the report is computed; the R&D ratio below 10 % fails.
    for alliance in (funded, weak, objected, second, third):
        w.post(f"/api/v1/alliances/{alliance}/screening", {"decision": "pass", "reasons": "符合申报条件"})
    w.post(f"/api/v1/alliances/{low_rd}/screening", {"decision": "reject", "reasons": "研发人员比例不足 10%"})
    screened = w.get(f"/api/v1/alliances/{low_rd}")
    failed = [c for c in screened["eligibility"]["checks"] if not c["passed"]]
    assert screened["status"] == "rejected" and [c["name"] for c in failed] == ["rd_staff_ratio"]
    assert failed[0]["figures"]["ratio"] == 0.05 and failed[0]["figures"]["employees"] == 120
    assert w.get(f"/api/v1/alliances/{funded}")["eligibility"]["passed"] is True

    # Expert review: a reviewer from a party is refused; before declaring, a reviewer sees little.
    w.refused(f"/api/v1/alliances/{funded}/reviewers", {"reviewer_ids": [conflicted[0]]}, "conflict_of_interest")
    w.post(f"/api/v1/alliances/{funded}/reviewers", {"reviewer_ids": [r1[0]]})
    early = ok(client.get(f"/api/v1/alliances/{funded}?min_position={platform.runner.head()}", headers=r1[1]))
    assert early["declaration_required"] is True and "agreement" not in early
    w.review(funded, [r1, r2], 85, True)
    w.review(weak, [r1, r2], 50, False)
    for alliance in (objected, second, third):
        w.review(alliance, [r1, r2], 80, True)
    ranking = w.post(f"/api/v1/programs/{program}/ranking")["ranking"]
    by_id = {r["alliance_id"]: r for r in ranking}
    # The default programme sets no points: the plain average decides, the seed's priorities only break ties.
    assert ranking[0]["alliance_id"] == funded
    assert by_id[funded]["raw_average"] == 85 and by_id[funded]["adjustments"] == []
    assert by_id[funded]["final"] == 85 and by_id[funded]["priorities"]["multi_party"] is True
    assert by_id[objected]["adjustments"] == [] and by_id[weak]["recommended"] is False
    assert w.get(f"/api/v1/alliances/{weak}")["status"] == "not_recommended"

    # Public notice: an objection stops the approval until it is resolved.
    for alliance in (funded, objected, second, third):
        w.post(f"/api/v1/alliances/{alliance}/public-notice")
    objection = ok(client.post(f"/api/v1/alliances/{objected}/objections",
                               json={"grounds": "申报材料中的专利并非该企业所有", "contact": "匿名"}), 201)["id"]
    w.refused(f"/api/v1/alliances/{funded}/approval", {"granted_fen": 25 * WAN}, "notice_running")
    platform.clock.offset = timedelta(days=8)
    w.refused(f"/api/v1/alliances/{objected}/approval", {"granted_fen": 10 * WAN}, "objection_open")
    w.post(f"/api/v1/alliances/{objected}/objections/{objection}/resolution",
           {"outcome": "upheld", "reason": "经核实专利权属存在争议"})
    assert w.get(f"/api/v1/alliances/{objected}")["status"] == "not_approved"

    # Funding until the budget is exhausted; the third is refused.
    w.post(f"/api/v1/alliances/{funded}/approval", {"granted_fen": 25 * WAN})
    w.post(f"/api/v1/alliances/{second}/approval", {"granted_fen": 25 * WAN})
    w.refused(f"/api/v1/alliances/{third}/approval", {"granted_fen": 25 * WAN}, "budget_exceeded")
    budget = w.get(f"/api/v1/programs/{program}")
    assert (budget["granted_fen"], budget["remaining_fen"]) == (50 * WAN, 0)

    # Payments in tranches, reports (one returned and resubmitted), an inspection, the conclusion.
    w.post(f"/api/v1/alliances/{funded}/payments", {"amount_fen": 15 * WAN, "paid_on": "2027-01-10"})
    w.post(f"/api/v1/alliances/{funded}/payments", {"amount_fen": 10 * WAN, "paid_on": "2027-07-10"})
    w.refused(f"/api/v1/alliances/{funded}/payments", {"amount_fen": 1, "paid_on": "2027-08-01"}, "over_grant")
    lead = w.accounts[e["光谷"]]
    report = {"kind": "annual", "year": 2027, "spending_fen": 12 * WAN, "outcomes": "申请发明专利 2 项",
              "progress": [{"task": "样机研制", "status": "done"}, {"task": "小批量试产", "status": "in_progress"}]}
    rid = w.post(f"/api/v1/alliances/{funded}/reports", report, lead, 201)["id"]
    w.post(f"/api/v1/alliances/{funded}/reports/{rid}/return", {"reasons": "经费支出明细不全"})
    again = w.post(f"/api/v1/alliances/{funded}/reports", {**report, "outcomes": "补充明细"}, lead, 201)["id"]
    assert again == rid
    w.post(f"/api/v1/alliances/{funded}/reports/{rid}/acceptance", {"comment": "同意"})
    w.post(f"/api/v1/alliances/{funded}/inspections", {
        "inspected_on": "2027-09-01", "inspectors": ["王专家", "李专家"], "findings": "专账管理规范",
        "rating": "good", "rectification_due_on": "2027-10-01"})
    w.refused(f"/api/v1/alliances/{funded}/conclusion", {"grade": "excellent"}, "completion_report_missing")
    done = w.post(f"/api/v1/alliances/{funded}/reports", {**report, "kind": "completion", "year": 2028}, lead, 201)
    w.post(f"/api/v1/alliances/{funded}/reports/{done['id']}/acceptance", {})
    w.post(f"/api/v1/alliances/{funded}/conclusion", {"grade": "excellent"})

    # Termination with recovery of part of what was paid; the rest returns to the budget.
    w.post(f"/api/v1/alliances/{second}/payments", {"amount_fen": 10 * WAN, "paid_on": "2027-01-10"})
    w.post(f"/api/v1/alliances/{second}/termination", {"reason": "企业停产，无法继续履约", "recover_fen": 4 * WAN})
    record = w.get(f"/api/v1/alliances/{second}")
    assert record["status"] == "terminated" and record["recover_fen"] == 4 * WAN
    assert w.get(f"/api/v1/programs/{program}")["remaining_fen"] == 19 * WAN  # 15 unpaid + 4 recovered

    full = w.get(f"/api/v1/alliances/{funded}")
    assert full["status"] == "concluded" and full["grade"] == "excellent"
    assert len(full["reports"][rid]["versions"]) == 2 and full["rectifications"]
    assert [p["amount_fen"] for p in full["payments"]] == [15 * WAN, 10 * WAN]
    register = w.get(f"/api/v1/alliances?program_id={program}")["items"]
    assert {a["id"]: a["status"] for a in register} == {
        funded: "concluded", low_rd: "rejected", weak: "not_recommended", objected: "not_approved",
        second: "terminated", third: "in_public_notice"}
    # The member of an unrelated party sees only its own alliances.
    mine = ok(client.get("/api/v1/alliances", headers=w.accounts[e["汉阳"]]))["items"]
    assert [a["id"] for a in mine] == [objected]
    assert PASSWORD


def test_drafting_rules_and_signatures(client, staff, platform):
    w = World(client, staff, platform)
    program = open_program(client, staff, platform)
    ent, soc, outsider = enterprise(client, staff, "甲公司"), society(client, staff), enterprise(client, staff, "乙")
    for i, org in enumerate((ent, soc, outsider)):
        w.member(org, f"p{i}")
    r = client.post("/api/v1/alliances", headers=w.accounts[ent],
                    json={"program_id": program, **agreement([ent], [ent])})
    assert r.status_code == 422
    r = client.post("/api/v1/alliances", headers=w.accounts[outsider],
                    json={"program_id": program, **agreement([ent], [soc])})
    assert r.json()["code"] == "not_a_party"
    alliance = ok(client.post("/api/v1/alliances", headers=w.accounts[ent],
                              json={"program_id": program, **agreement([ent], [soc])}), 201)["id"]
    w.post(f"/api/v1/alliances/{alliance}/signatures", who=w.accounts[ent])
    w.refused(f"/api/v1/alliances/{alliance}/submit", {}, "signatures_missing", w.accounts[ent])
    # Editing after a signature voids it: a new version.
    ok(client.put(f"/api/v1/alliances/{alliance}/agreement", headers=w.accounts[soc],
                  json=agreement([ent], [soc], goals="调整后的目标")))
    record = w.get(f"/api/v1/alliances/{alliance}")
    assert record["agreement_version"] == 2 and record["signatures"] == [] and len(record["versions"]) == 2
    w.refused(f"/api/v1/alliances/{alliance}/signatures", {}, "not_a_party", w.accounts[outsider])
    for party in (ent, soc):
        w.post(f"/api/v1/alliances/{alliance}/signatures", who=w.accounts[party])
    platform.clock.offset = timedelta(days=31)  # the window has closed
    w.refused(f"/api/v1/alliances/{alliance}/submit", {}, "program_closed", w.accounts[ent])


def test_concurrent_approvals_never_pass_the_budget(client, staff, platform, make_platform):
    w = World(client, staff, platform)
    program = open_program(client, staff, platform, budget_fen=30 * WAN)
    soc = society(client, staff)
    w.member(soc, "society")
    r1 = reviewer(client, staff, "expert")
    ids = []
    for i in range(4):
        ent = enterprise(client, staff, f"并发{i}")
        w.member(ent, f"e{i}")
        alliance = w.alliance(program, [ent], [soc])
        w.post(f"/api/v1/alliances/{alliance}/screening", {"decision": "pass", "reasons": "ok"})
        w.review(alliance, [r1], 80, True)
        ids.append(alliance)
    w.post(f"/api/v1/programs/{program}/ranking")
    for alliance in ids:
        w.post(f"/api/v1/alliances/{alliance}/public-notice")
    replicas = [platform, make_platform()]
    later = platform.clock.now() + timedelta(days=8)
    outcomes, barrier = [], threading.Barrier(len(ids))

    def approve(i, alliance):
        barrier.wait()
        try:
            replicas[i % 2].writer.execute(service.approve(UUID(alliance), 10 * WAN, later,
                                                           Actor(id="staff", role="staff")))
            outcomes.append("approved")
        except DomainError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=approve, args=(i, a)) for i, a in enumerate(ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved"] * 3 + ["budget_exceeded"]
    program_doc = w.get(f"/api/v1/programs/{program}")
    assert program_doc["granted_fen"] == 30 * WAN and program_doc["remaining_fen"] == 0


def test_the_register_as_of_a_past_date(client, staff, platform):
    w = World(client, staff, platform)
    program = open_program(client, staff, platform)
    ent, soc = enterprise(client, staff, "往日公司"), society(client, staff)
    w.member(ent, "wangri")
    w.member(soc, "xuehui")
    alliance = w.alliance(program, [ent], [soc])
    w.post(f"/api/v1/alliances/{alliance}/screening", {"decision": "reject", "reasons": "材料不全"})
    today = date.today()  # recording dates are the store's own clock
    then = w.get(f"/api/v1/alliances?as_of={today.isoformat()}")["items"]
    assert [(a["id"], a["status"], a["as_of"]) for a in then] == [(alliance, "rejected", today.isoformat())]
    assert w.get(f"/api/v1/alliances?as_of={(today - timedelta(days=1)).isoformat()}")["items"] == []
    assert [a["id"] for a in w.get("/api/v1/alliances?status=rejected")["items"]] == [alliance]


def test_status_on_a_date_reads_the_history():
    from projections.alliances import status_on

    doc = {"history": [
        {"event": "drafted", "status": "draft", "recorded_at": "2026-03-01T02:00:00+00:00"},
        {"event": "submitted", "status": "submitted", "recorded_at": "2026-03-05T02:00:00+00:00"},
        {"event": "screened", "status": "under_review", "recorded_at": "2026-03-20T02:00:00+00:00"},
        {"event": "approved", "status": "in_progress", "recorded_at": "2026-05-01T02:00:00+00:00"}]}
    assert status_on(doc, date(2026, 2, 28)) is None
    assert status_on(doc, date(2026, 3, 5)) == "submitted"
    assert status_on(doc, date(2026, 4, 30)) == "under_review"
    assert status_on(doc, date(2027, 1, 1)) == "in_progress"


def test_after_approval_reviews_need_a_declaration_reports_fall_overdue_and_rectifications_close(
        client, staff, platform):
    from workers.scheduler import tick

    w = World(client, staff, platform)
    # Report deadlines are the programme's settings (none by default): 90 days here.
    program = open_program(client, staff, platform, annual_report_due_days=90, completion_report_due_days=90)
    ent, soc = enterprise(client, staff, "后续公司"), society(client, staff)
    w.member(ent, "houxu")
    w.member(soc, "xuehui2")
    alliance = w.alliance(program, [ent], [soc])
    w.post(f"/api/v1/alliances/{alliance}/screening", {"decision": "pass", "reasons": "ok"})
    expert = reviewer(client, staff, "late_expert")
    w.post(f"/api/v1/alliances/{alliance}/reviewers", {"reviewer_ids": [expert[0]]})
    scores = dict.fromkeys(("innovation", "feasibility", "team", "collaboration", "benefit"), 90)
    w.refused(f"/api/v1/alliances/{alliance}/reviews", {"scores": scores, "recommend": True, "comment": "好"},
              "declaration_required", expert[1])
    w.post(f"/api/v1/alliances/{alliance}/declaration", {"no_conflict": True}, expert[1])
    w.post(f"/api/v1/alliances/{alliance}/reviews", {"scores": scores, "recommend": True, "comment": "好"}, expert[1])
    w.post(f"/api/v1/programs/{program}/ranking")
    w.post(f"/api/v1/alliances/{alliance}/public-notice")
    platform.clock.offset = timedelta(days=8)
    w.post(f"/api/v1/alliances/{alliance}/approval", {"granted_fen": 10 * WAN})
    # The approved agreement is frozen: the end date moves only by an approved amendment.
    amendment = w.post(f"/api/v1/alliances/{alliance}/amendments",
                       {"changes": {"ends_on": "2029-06-30"}, "reason": "样机测试周期延长"}, w.accounts[ent], 201)
    w.post(f"/api/v1/alliances/{alliance}/amendments/{amendment['id']}/decision",
           {"approve": True, "reason": "同意延期"})
    record = w.get(f"/api/v1/alliances/{alliance}")
    assert record["agreement"]["ends_on"] == "2029-06-30" and len(record["versions"]) == 2
    # An inspection with a rectification deadline, then closed.
    w.post(f"/api/v1/alliances/{alliance}/inspections", {
        "inspected_on": "2027-05-01", "inspectors": ["赵专家"], "findings": "台账不全", "rating": "fair",
        "rectification_due_on": "2027-06-01"})
    inspection = w.get(f"/api/v1/alliances/{alliance}")["inspections"][0]["id"]
    w.post(f"/api/v1/alliances/{alliance}/rectifications/{inspection}/closure", {"note": "已补齐台账"})
    assert w.get(f"/api/v1/alliances/{alliance}")["rectifications"][inspection]["status"] == "closed"
    # The first full year of the agreement (2027) has no annual report 90 days after it ended: flagged
    # once by the scheduler. The approval year, a part-year outside the agreed period, asks for none.
    approved_year = platform.clock.today().year
    platform.clock.offset += timedelta(days=365 + 140)
    platform.runner.catch_up()
    assert tick(platform)["flag_overdue_reports"] >= 1
    assert tick(platform)["flag_overdue_reports"] == 0
    w.staff = login(client)  # a year and a half later: a fresh sign-in
    overdue = w.get(f"/api/v1/alliances/{alliance}")["overdue_reports"]
    assert {"kind": "annual", "year": 2027, "due_on": "2028-03-30"} in overdue
    assert all(o["year"] != approved_year for o in overdue if approved_year < 2027)
