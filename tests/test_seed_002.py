"""Seed 002 (武汉市科协"企会协作创新计划"试点方案), sentence by sentence, through
the API on both backends: eligibility per party on its own figures and
declarations, screening that binds, ranking the programme sets, parties that
need not be members."""

from tests.factories import application
from tests.roles import open_program, party_account, society
from tests.test_alliances import LAST_YEAR, World, enterprise, ok, reviewer


def checks(w, alliance, party=None):
    """The stored eligibility report's lines, by check name (for one party)."""
    report = w.get(f"/api/v1/alliances/{alliance}")["eligibility"]
    return {c["name"]: c for c in report["checks"] if party is None or c["party_id"] == party}


def world(client, staff, platform, *parties):
    """A programme and accounts for the parties (their own, as the seed's 自由组合)."""
    w = World(client, staff, platform)
    for i, org in enumerate(parties):
        w.member(org, f"party{i}")
    return w, open_program(client, staff, platform)


def reject(w, alliance):
    w.post(f"/api/v1/alliances/{alliance}/screening", {"decision": "reject", "reasons": "不符合申报条件"})


def test_must_be_an_independent_legal_person_a_branch_office_fails(client, staff, platform):
    """三（一）1 "必须具有独立法人资格的科技型中小企业": legal-person status is declared (法人 or
    分支机构), not read off a credit code starting with 91 — a branch office has one too."""
    branch = enterprise(client, staff, "某集团武汉分公司", legal_form="branch")
    soc = society(client, staff)
    w, program = world(client, staff, platform, branch, soc)
    alliance = w.alliance(program, [branch], [soc])
    reject(w, alliance)
    line = checks(w, alliance, branch)["enterprise_legal_person"]
    assert line["passed"] is False and line["figures"]["legal_form"] == "branch"
    assert line["figures"]["evidence"] == "营业执照及企业科协成立批复" and "独立法人资格" in line["rule"]
    member = w.get(f"/api/v1/members/{branch}")
    assert member["credit_code"].startswith("91")  # what the old inference would have passed


def test_tech_sme_an_enterprise_of_600_employees_fails_unless_in_the_library(client, staff, platform):
    """科技型中小企业 by the national criteria (职工总数不超过500人、年销售收入不超过2亿元、
    资产总额不超过2亿元) or a current 科技型中小企业库 entry."""
    large = enterprise(client, staff, "武汉大员工科技有限公司", employees=600, rd_staff=90, library=False)
    listed = enterprise(client, staff, "武汉入库科技有限公司", employees=600, rd_staff=90, library=True)
    soc = society(client, staff)
    w, program = world(client, staff, platform, large, listed, soc)
    alliance = w.alliance(program, [large, listed], [soc])
    reject(w, alliance)
    failed = checks(w, alliance, large)["enterprise_tech_sme"]
    assert failed["passed"] is False and failed["figures"]["employees"] == 600
    assert failed["figures"]["limits"]["employees"] == 500 and failed["figures"]["year"] == LAST_YEAR
    passed = checks(w, alliance, listed)["enterprise_tech_sme"]
    assert passed["passed"] is True and passed["figures"]["tech_sme_library"] is True


def test_rd_figures_of_the_last_completed_year_2021_figures_fail_as_out_of_date(client, staff, platform):
    """三（一）2 "每年用于技术产品研究开发的经费不低于当年营业收入的5%": the shares are read
    from the last completed year; older figures fail, naming their year."""
    stale = enterprise(client, staff, "武汉旧数据科技有限公司", year=2021)
    soc = society(client, staff)
    w, program = world(client, staff, platform, stale, soc)
    alliance = w.alliance(program, [stale], [soc])
    reject(w, alliance)
    lines = checks(w, alliance, stale)
    for name in ("rd_staff_ratio", "rd_spend_ratio"):
        assert lines[name]["passed"] is False, name
        note = lines[name]["figures"]["out_of_date"]
        assert "2021" in note and str(LAST_YEAR) in note, note
        assert lines[name]["figures"]["required_year"] == LAST_YEAR and lines[name]["figures"]["year"] == 2021


def test_must_have_or_be_founding_a_science_association_a_second_enterprise_without_fails_alone(
        client, staff, platform):
    """三（一）4 "企业须已建立或正在筹建企业科协组织", checked for each enterprise: the second one,
    without a 科协, fails on its own line while the first passes."""
    first = enterprise(client, staff, "武汉有科协科技有限公司")
    second = enterprise(client, staff, "武汉无科协科技有限公司", science_association="none")
    soc = society(client, staff)
    w, program = world(client, staff, platform, first, second, soc)
    alliance = w.alliance(program, [first, second], [soc])
    reject(w, alliance)
    assert checks(w, alliance, first)["enterprise_science_association"]["passed"] is True
    assert checks(w, alliance, second)["enterprise_science_association"]["passed"] is False
    assert checks(w, alliance, first)["workspace"]["figures"]["workspace"]  # each declared its own workspace
    assert [c["name"] for c in checks(w, alliance).values() if not c["passed"]] == ["enterprise_science_association"]


def test_screening_binds_passing_a_failed_report_without_an_override_is_refused(client, staff, platform):
    """二（二）3 "审核把关，淘汰不符合要求的申报": staff pass a failed report only with an
    explicit override and its reason, recorded on the report and in the history."""
    ent = enterprise(client, staff, "武汉待补科协科技有限公司", science_association="none")
    soc = society(client, staff)
    w, program = world(client, staff, platform, ent, soc)
    alliance = w.alliance(program, [ent], [soc])
    path = f"/api/v1/alliances/{alliance}/screening"
    w.refused(path, {"decision": "pass", "reasons": "符合"}, "not_eligible")
    w.post(path, {"decision": "pass", "reasons": "其他条件均符合",
                  "override": {"reason": "企业科协已于上月提交筹建申请，材料待补"}})
    record = w.get(f"/api/v1/alliances/{alliance}")
    assert record["status"] == "under_review" and record["eligibility"]["passed"] is False
    assert record["eligibility"]["override"]["reason"] == "企业科协已于上月提交筹建申请，材料待补"
    assert [h["event"] for h in record["history"]][-2:] == ["eligibility_overridden", "screened"]
    history = ok(client.get(f"/api/v1/members/{ent}/history?limit=500&min_position={platform.runner.head()}",
                            headers=staff))["items"]
    overridden = [i for i in history if i["type"] == "EligibilityOverridden"]
    assert overridden and "特批通过" in overridden[0]["summary"]


def test_recommend_the_best_a_programme_without_bonuses_ranks_by_raw_averages(client, staff, platform):
    """四（二）"择优支持" and 三（三）"优先支持…": with no points set, the priorities only break
    ties — a multi-party alliance in a priority sector averaging 70 ranks below a plain
    one averaging 75, and the ranking shows each raw average with no adjustment."""
    e1, e2, e3 = (enterprise(client, staff, f"武汉排序{i}科技有限公司") for i in range(3))
    s1, s2, s3 = society(client, staff), society(client, staff), society(client, staff)
    w, program = world(client, staff, platform, e1, e2, e3, s1, s2, s3)
    shown = w.get(f"/api/v1/programs/{program}")
    assert shown["settings"]["bonuses"] == {} and shown["pass_score"] is None and shown["notice_days"] == 7
    assert shown["priority_sector_labels"] == ["光电子", "生物医药与健康", "新材料"]
    favoured = w.alliance(program, [e1, e2], [s1, s2], sector="光电子", other_sectors=["新材料"])
    plain = w.alliance(program, [e3], [s3], sector="农业与农村", title="农业与农村协作")
    expert = reviewer(client, staff, "raw_expert")
    for alliance, mean in ((favoured, 70), (plain, 75)):
        w.post(f"/api/v1/alliances/{alliance}/screening", {"decision": "pass", "reasons": "符合"})
        w.review(alliance, [expert], mean, True)
    ranking = w.post(f"/api/v1/programs/{program}/ranking")["ranking"]
    assert [(r["alliance_id"], r["raw_average"], r["final"], r["adjustments"]) for r in ranking] == [
        (plain, 75, 75, []), (favoured, 70, 70, [])]
    assert ranking[1]["priorities"] == {"priority_sector": True, "cross_sector": True, "multi_party": True}
    # The rules that ranked this round stay fixed for later rounds; the notice period does not.
    r = client.patch(f"/api/v1/programs/{program}", json={"bonuses": {"priority_sector": 5}}, headers=staff)
    assert r.status_code == 409 and r.json()["code"] == "ranking_rules_frozen"
    ok(client.patch(f"/api/v1/programs/{program}", json={"notice_days": 10, "reason": "节假日顺延"}, headers=staff))
    assert w.get(f"/api/v1/programs/{program}")["notice_days"] == 10


def test_parties_need_not_be_members_a_society_that_is_not_a_member_is_a_party_and_signs(client, staff, platform):
    """三（二）1 "申报学会须是市科协所属的学会或在汉高校科协" — an affiliation, not membership
    of this platform's association: a society registered but never admitted is a party,
    declares through its own account, signs, and passes screening; its membership is shown."""
    ent = enterprise(client, staff, "武汉会员企业科技有限公司")
    outside = ok(client.post("/api/v1/members", json=application(kind="society", name="武汉激光学会")), 201)["id"]
    w, program = world(client, staff, platform, ent)
    w.accounts[outside] = party_account(client, staff, platform, "jiguang", outside)
    ok(client.patch(f"/api/v1/members/{outside}/attributes", headers=w.accounts[outside],
                    json={"affiliation": "city_society", "evidence": "市科协所属学会名单第 12 号"}))
    alliance = w.alliance(program, [ent], [outside])  # the society declares and signs itself
    record = ok(client.get(f"/api/v1/alliances/{alliance}?min_position={platform.runner.head()}",
                           headers=w.accounts[outside]))
    assert record["status"] == "submitted" and outside in record["signatures"]
    w.post(f"/api/v1/alliances/{alliance}/screening", {"decision": "pass", "reasons": "符合"})
    report = w.get(f"/api/v1/alliances/{alliance}")["eligibility"]
    assert report["passed"] is True
    assert {p["party_id"]: p["membership_status"] for p in report["parties"]} == {ent: "admitted", outside: "applied"}
    assert checks(w, alliance, outside)["society_affiliation"]["figures"]["affiliation"] == "city_society"


def test_ranking_again_an_alliance_screened_after_the_first_ranking_is_ranked_by_a_second(client, staff, platform):
    """四（二）"组织专家委员会进行评审论证，择优支持": alliances screened later are not stuck —
    the programme ranks again, and its standings show both rounds."""
    e1, e2 = enterprise(client, staff, "武汉首轮科技有限公司"), enterprise(client, staff, "武汉次轮科技有限公司")
    soc = society(client, staff)
    w, program = world(client, staff, platform, e1, e2, soc)
    expert = reviewer(client, staff, "rounds_expert")
    early = w.alliance(program, [e1], [soc])
    w.post(f"/api/v1/alliances/{early}/screening", {"decision": "pass", "reasons": "符合"})
    w.review(early, [expert], 80, True)
    first = w.post(f"/api/v1/programs/{program}/ranking")
    assert first["round"] == 1 and first["ranked"] == [early]
    late = w.alliance(program, [e2], [soc], title="后报联盟")
    w.post(f"/api/v1/alliances/{late}/screening", {"decision": "pass", "reasons": "符合"})
    w.review(late, [expert], 90, True)
    second = w.post(f"/api/v1/programs/{program}/ranking")
    assert second["round"] == 2 and second["ranked"] == [late]
    assert w.get(f"/api/v1/alliances/{late}")["status"] == "recommended"
    shown = w.get(f"/api/v1/programs/{program}")
    assert [(r["alliance_id"], r["rank"], r["round"]) for r in shown["ranking"]] == [(late, 1, 2), (early, 2, 1)]
    assert [r["round"] for r in shown["rankings"]] == [1, 2]
    w.refused(f"/api/v1/programs/{program}/ranking", {}, "nothing_to_rank")


def test_priority_sectors_are_the_seeds_vocabulary(client, staff, platform):
    """三（三）2015年重点支持方向 and 二（一）实施内容: built-in vocabularies, not free text."""
    vocabularies = ok(client.get("/api/v1/programs/vocabularies", headers=staff))
    assert [v["label"] for v in vocabularies["priority_sectors"]][:3] == ["光电子", "生物医药与健康", "新材料"]
    assert len(vocabularies["priority_sectors"]) == 8 and len(vocabularies["cooperation_contents"]) == 7
    r = client.post("/api/v1/programs", headers=staff, json={
        "year": 2026, "title": "计划", "budget_fen": 100, "priority_sectors": ["光电"],
        "submission_opens_at": "2026-03-01T00:00:00+08:00", "submission_closes_at": "2026-05-01T00:00:00+08:00"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "priority_sectors"
    program_id = open_program(client, staff, platform)
    program = ok(client.get(f"/api/v1/programs/{program_id}?min_position={platform.runner.head()}", headers=staff))
    assert program["priority_sectors"] == ["optoelectronics", "biomedicine_health", "new_materials"]
