"""The Program and Alliance aggregates of seed 002 and the eligibility report,
without any database: given what happened, when a command runs, then these
events (or this refusal)."""

from datetime import UTC, date, datetime
from types import SimpleNamespace
from uuid import uuid4

import pytest

from domain.alliance_review import is_recommended, ordered, priorities_met, score
from domain.alliances import Alliance, Program
from domain.eligibility import eligibility_report
from domain.errors import DomainError, InvalidValue
from domain.values import Actor
from domain.vocabularies import PRIORITY_SECTORS, cooperation_keys, sector_key

STAFF = Actor(id="staff-1", role="staff")
E1, E2, S1, S2 = (str(uuid4()) for _ in range(4))
CRITERIA = ("innovation", "feasibility", "team", "collaboration", "benefit")


def then(aggregate) -> list[str]:
    """The names of the events a command recorded (and clears them)."""
    return [type(e).__name__ for e in aggregate.collect_events()]


def program(**settings) -> Program:
    p = Program.open_call(year=2015, title="企会协作创新计划", budget_fen=100_000_000,
                          priority_sectors=["光电子", "new_materials"],
                          submission_opens_at=datetime(2015, 3, 1, tzinfo=UTC),
                          submission_closes_at=datetime(2015, 5, 1, tzinfo=UTC), actor=STAFF, settings=settings)
    then(p)
    return p


def agreement(**overrides) -> dict:
    body = {
        "title": "光纤传感联合攻关", "enterprises": [E1], "societies": [S1], "lead_enterprise_id": E1,
        "lead_society_id": S1, "cooperation_areas": ["joint_research"], "sector": "光电子", "goals": "样机",
        "tasks": [{"title": "样机", "due_on": "2016-06-30", "indicator": "一台"}],
        "starts_on": date(2015, 7, 1), "ends_on": date(2017, 6, 30), "budget_fen": 1_000_000,
        "requested_funding_fen": 300_000, "contributions": [{"party_id": E1, "amount_fen": 500_000}],
        "expert_team": [{"name": "周教授", "title": "教授", "employer": "华中科技大学", "speciality": "光纤"}],
        "work_plan": "按季度攻关", "safeguards": "每月例会",
        "indicators": [{"due_on": "2016-06-30", "indicator": "样机"}],
        "fund_use_direction": "材料与测试", "fund_use_scope": "仅限本联盟", "dedicated_account": {
            "bank": "中国银行", "account_name": "联盟专账", "account_number": "5700123"},
    }
    body.update(overrides)
    return body


def drafted(**overrides) -> Alliance:
    a = Alliance.draft(program_id=uuid4(), agreement=agreement(**overrides), actor=STAFF)
    then(a)
    return a


def signed(a: Alliance) -> Alliance:
    for party in a.parties():
        a.sign(party_id=party, actor=STAFF)
    then(a)
    return a


def report(passed: bool) -> dict:
    return {"passed": passed, "checks": [{"name": "rd_staff_ratio", "party_id": E1, "passed": passed}]}


def submitted(**overrides) -> Alliance:
    a = signed(drafted(**overrides))
    a.submit(program_open=True, actor=STAFF)
    then(a)
    return a


def refused(code: str, command) -> DomainError:
    with pytest.raises(DomainError) as caught:
        command()
    assert caught.value.code == code, caught.value.message
    return caught.value


# -- vocabularies --------------------------------------------------------------------------------
def test_the_seeds_eight_priority_sectors_are_keys_with_chinese_labels():
    assert list(PRIORITY_SECTORS.values()) == ["光电子", "生物医药与健康", "新材料", "光机电一体化", "资源与环境",
                                               "新能源与高效节能", "高技术服务业", "农业与农村"]
    assert sector_key("光电子") == sector_key("optoelectronics") == "optoelectronics"
    with pytest.raises(InvalidValue):
        sector_key("光电")  # free text no longer matches by accident
    assert cooperation_keys(["促进人才交流和人才培养", "joint_research"]) == ["talent_exchange", "joint_research"]


# -- the programme -------------------------------------------------------------------------------
class TestProgram:
    def test_defaults_are_the_seeds_no_points_no_pass_score_seven_days_notice(self):
        p = program()
        assert p.priority_sectors == ["optoelectronics", "new_materials"]
        assert p.settings["bonuses"] == {} and p.pass_score is None and p.notice_days == 7
        assert p.settings["criteria"] == dict.fromkeys(CRITERIA, 1.0)
        assert p.settings["tie_breakers"] == ["priority_sector", "cross_sector", "multi_party"]
        assert p.settings["annual_report_due_days"] is None

    def test_a_priority_sector_outside_the_vocabulary_is_refused(self):
        with pytest.raises(InvalidValue) as caught:
            Program.open_call(year=2015, title="t", budget_fen=1, priority_sectors=["光电"],
                              submission_opens_at=datetime(2015, 3, 1, tzinfo=UTC),
                              submission_closes_at=datetime(2015, 5, 1, tzinfo=UTC), actor=STAFF)
        assert caught.value.field == "priority_sectors"

    def test_staff_change_settings_and_ranking_rules_freeze_after_the_first_round(self):
        p = program()
        p.change_settings(changes={"bonuses": {"priority_sector": 5}, "notice_days": 10}, actor=STAFF,
                          reason="会议决定")
        assert then(p) == ["SettingsChanged"] and p.notice_days == 10
        p.record_ranking(entries=[{"alliance_id": "a", "final": 80.0}], actor=STAFF)
        assert then(p) == ["Ranked"] and p.rounds == 1
        refused("ranking_rules_frozen", lambda: p.change_settings(changes={"pass_score": 60}, actor=STAFF,
                                                                   reason=None))
        p.change_settings(changes={"completion_report_due_days": 60}, actor=STAFF, reason=None)  # not a ranking rule
        assert then(p) == ["SettingsChanged"]

    def test_a_second_round_joins_the_standings_and_an_empty_round_is_refused(self):
        p = program()
        p.record_ranking(entries=[{"alliance_id": "a", "final": 70.0}], actor=STAFF)
        p.record_ranking(entries=[{"alliance_id": "b", "final": 90.0}], actor=STAFF)
        assert then(p) == ["Ranked", "Ranked"] and p.rounds == 2
        assert [(e["alliance_id"], e["rank"], e["round"]) for e in p.ranking] == [("b", 1, 2), ("a", 2, 1)]
        refused("nothing_to_rank", lambda: p.record_ranking(entries=[], actor=STAFF))
        refused("already_ranked", lambda: p.record_ranking(entries=[{"alliance_id": "a", "final": 1}], actor=STAFF))


# -- ranking arithmetic ----------------------------------------------------------------------------
class TestScoring:
    def reviews(self, *means: float, recommend=True):
        return [{"scores": dict.fromkeys(CRITERIA, m), "recommend": recommend} for m in means]

    def test_without_bonuses_the_final_score_is_the_raw_average(self):
        met = priorities_met(agreement(enterprises=[E1, E2], societies=[S1, S2]) | {"sector": "optoelectronics"},
                             ["optoelectronics"])
        assert met == {"priority_sector": True, "cross_sector": False, "multi_party": True}
        result = score(self.reviews(50, 60), program().settings, met)
        assert result["raw_average"] == result["final"] == 55 and result["adjustments"] == []

    def test_bonuses_are_shown_one_by_one_with_the_rule_they_reward(self):
        settings = program(bonuses={"priority_sector": 5, "multi_party": 3}).settings
        result = score(self.reviews(80), settings, {"priority_sector": True, "cross_sector": True,
                                                    "multi_party": False})
        assert [(a["priority"], a["points"]) for a in result["adjustments"]] == [("priority_sector", 5.0)]
        assert result["raw_average"] == 80 and result["final"] == 85

    def test_weights_change_the_weighted_average_not_the_raw_one(self):
        settings = program(criteria={"innovation": 3, "feasibility": 1}).settings
        result = score([{"scores": {"innovation": 90, "feasibility": 50}, "recommend": True}], settings, {})
        assert result["raw_average"] == 70 and result["weighted_average"] == 80 and result["final"] == 80

    def test_recommendation_is_the_reviewers_majority_and_a_pass_score_only_when_set(self):
        low = score(self.reviews(50, 50), program().settings, {})
        assert is_recommended(low, None) is True and is_recommended(low, 60) is False
        split = score(self.reviews(90) + self.reviews(90, recommend=False), program().settings, {})
        assert is_recommended(split, None) is False

    def test_the_seeds_priorities_break_ties_in_order(self):
        tied = [{"alliance_id": "plain", "final": 80, "priorities": {}},
                {"alliance_id": "multi", "final": 80, "priorities": {"multi_party": True}},
                {"alliance_id": "sector", "final": 80, "priorities": {"priority_sector": True}}]
        assert [e["alliance_id"] for e in ordered(tied, ["priority_sector", "cross_sector", "multi_party"])] == [
            "sector", "multi", "plain"]


# -- the alliance ----------------------------------------------------------------------------------
class TestAlliance:
    def test_drafting_normalises_the_vocabulary_and_names_each_experts_society(self):
        a = drafted(cooperation_areas=["组织协同创新攻关项目"])
        assert a.agreement["sector"] == "optoelectronics" and a.agreement["cooperation_areas"] == ["joint_research"]
        assert a.agreement["expert_team"][0]["society_id"] == S1

    def test_contributions_and_funding_may_not_exceed_the_budget(self):
        with pytest.raises(InvalidValue) as caught:
            drafted(contributions=[{"party_id": E1, "amount_fen": 800_000}])
        assert caught.value.field == "contributions"

    def test_submission_needs_the_agreement_content_the_seed_lists(self):
        a = signed(drafted(safeguards="", dedicated_account=None))
        error = refused("agreement_incomplete", lambda: a.submit(program_open=True, actor=STAFF))
        assert "具体保障措施" in error.message and "专账" in error.message

    def test_research_investment_led_by_the_enterprises(self):
        """一（三）1 "研发投入应以企业为主": 100 % public funding is refused at submission."""
        a = signed(drafted(contributions=[{"party_id": S1, "amount_fen": 500_000}]))
        refused("not_enterprise_led", lambda: a.submit(program_open=True, actor=STAFF))
        b = signed(drafted(contributions=[{"party_id": E1, "amount_fen": 300_000}]))  # equal is not "以企业为主"
        refused("not_enterprise_led", lambda: b.submit(program_open=True, actor=STAFF))

    def test_each_party_declares_only_its_own_part(self):
        a = drafted()
        a.declare(party_id=E1, declaration={"workspace": "实验室", "evidence": "租赁合同"}, actor=STAFF)
        assert then(a) == ["PartyDeclared"]
        with pytest.raises(InvalidValue):
            a.declare(party_id=E1, declaration={"work_plan": "x", "evidence": "y"}, actor=STAFF)
        with pytest.raises(InvalidValue):
            a.declare(party_id=S1, declaration={"service_experience": "学术交流"}, actor=STAFF)  # no evidence
        refused("not_a_party", lambda: a.declare(party_id=E2, declaration={"evidence": "x"}, actor=STAFF))

    def test_screening_binds_a_failed_report_passes_only_with_an_override(self):
        """二（二）3 "审核把关，淘汰不符合要求的申报"."""
        a = submitted()
        refused("not_eligible", lambda: a.screen(decision="pass", reasons="符合", eligibility=report(False),
                                                 actor=STAFF))
        assert then(a) == [] and a.status == "submitted"
        a.screen(decision="pass", reasons="同意", eligibility=report(False), override="企业已补交 2015 年审计报告",
                 actor=STAFF)
        events = a.collect_events()
        assert [type(e).__name__ for e in events] == ["EligibilityOverridden", "Screened"]
        assert events[0].failed == [{"name": "rd_staff_ratio", "party_id": E1}]
        assert a.status == "under_review" and a.eligibility["override"] == "企业已补交 2015 年审计报告"

    def test_an_override_is_refused_where_nothing_failed_and_rejection_needs_none(self):
        a = submitted()
        with pytest.raises(InvalidValue):
            a.screen(decision="pass", reasons="ok", eligibility=report(True), override="无需", actor=STAFF)
        a.screen(decision="reject", reasons="材料不全", eligibility=report(False), actor=STAFF)
        assert then(a) == ["Screened"] and a.status == "rejected"

    def test_reviews_score_the_programmes_criteria(self):
        a = submitted()
        a.screen(decision="pass", reasons="ok", eligibility=report(True), actor=STAFF)
        a.assign_reviewer(reviewer_id="r1", affiliation=None, actor=STAFF)
        a.declare_no_conflict(reviewer_id="r1", statement=None, actor=STAFF)
        then(a)
        with pytest.raises(InvalidValue):
            a.review(reviewer_id="r1", scores=dict.fromkeys(CRITERIA, 80), recommend=True, comment="",
                     criteria={"innovation": 2.0, "benefit": 1.0}, actor=STAFF)
        a.review(reviewer_id="r1", scores={"innovation": 80, "benefit": 70}, recommend=True, comment="",
                 criteria={"innovation": 2.0, "benefit": 1.0}, actor=STAFF)
        assert then(a) == ["Reviewed"]

    def test_annual_reports_are_for_full_years_the_completion_report_covers_the_last(self):
        assert drafted().annual_report_years() == [2016]  # 2015-07-01 .. 2017-06-30
        assert drafted(starts_on=date(2015, 1, 1), ends_on=date(2016, 12, 31)).annual_report_years() == [2015]
        assert drafted(starts_on=date(2015, 3, 1), ends_on=date(2015, 12, 31)).annual_report_years() == []


def approved() -> Alliance:
    a = submitted()
    a.screen(decision="pass", reasons="ok", eligibility=report(True), actor=STAFF)
    a.assign_reviewer(reviewer_id="r1", affiliation=None, actor=STAFF)
    a.declare_no_conflict(reviewer_id="r1", statement=None, actor=STAFF)
    a.review(reviewer_id="r1", scores=dict.fromkeys(CRITERIA, 80), recommend=True, comment="",
             criteria=dict.fromkeys(CRITERIA, 1.0), actor=STAFF)
    a.conclude_review(score={"final": 80.0}, recommended=True, rank=1, round=1, actor=STAFF)
    a.start_notice(now=datetime(2015, 6, 1, tzinfo=UTC), notice_days=7, actor=STAFF)
    a.approve(granted_fen=300_000, now=datetime(2015, 6, 9, tzinfo=UTC), actor=STAFF)
    then(a)
    return a


class TestAfterApproval:
    def test_report_deadlines_come_from_the_programme_and_none_set_asks_nothing(self):
        a = approved()
        late = date(2018, 1, 1)
        assert a.reports_due(late, annual_due_days=None, completion_due_days=None) == []
        assert a.reports_due(late, annual_due_days=90, completion_due_days=60) == [
            ("annual", 2016, date(2017, 3, 31)), ("completion", 2017, date(2017, 8, 29))]
        assert a.flag_overdue_reports(today=late, actor=STAFF, annual_due_days=90) == 1
        assert then(a) == ["ReportOverdue"]

    def test_an_annual_report_outside_the_agreed_period_is_refused(self):
        a = approved()
        with pytest.raises(InvalidValue):
            a.file_report(report_id="x", kind="annual", year=2014, progress=[], spending_fen=0, outcomes="",
                          actor=STAFF)

    def test_a_change_of_parties_needs_every_signature_and_a_new_screening(self):
        a = approved()
        a.request_amendment(amendment_id="m1", changes={"enterprises": [E1, E2]}, reason="新增企业", actor=STAFF)
        for party in (E1, S1):
            a.sign_amendment(amendment_id="m1", party_id=party, actor=STAFF)
        refused("signatures_missing", lambda: a.screen_amendment(amendment_id="m1", decision="pass", reasons="ok",
                                                                 eligibility=report(True), actor=STAFF))
        a.declare(party_id=E2, declaration={"workspace": "厂房", "evidence": "产权证"}, actor=STAFF)
        a.sign_amendment(amendment_id="m1", party_id=E2, actor=STAFF)
        then(a)
        refused("screening_required", lambda: a.decide_amendment(amendment_id="m1", approve=True, reason="同意",
                                                                  actor=STAFF))
        refused("not_eligible", lambda: a.screen_amendment(amendment_id="m1", decision="pass", reasons="ok",
                                                           eligibility=report(False), actor=STAFF))
        a.screen_amendment(amendment_id="m1", decision="pass", reasons="新企业符合条件", eligibility=report(True),
                           actor=STAFF)
        a.decide_amendment(amendment_id="m1", approve=True, reason="同意", actor=STAFF)
        assert then(a) == ["AmendmentScreened", "AmendmentDecided"]
        assert a.parties() == [E1, E2, S1] and sorted(a.signatures) == sorted([E1, E2, S1])

    def test_a_change_without_new_parties_needs_no_screening(self):
        a = approved()
        a.request_amendment(amendment_id="m2", changes={"ends_on": "2017-12-31"}, reason="延期", actor=STAFF)
        refused("screening_not_needed", lambda: a.screen_amendment(
            amendment_id="m2", decision="pass", reasons="ok", eligibility=report(True), actor=STAFF))
        a.decide_amendment(amendment_id="m2", approve=True, reason="同意", actor=STAFF)
        assert a.agreement["ends_on"] == date(2017, 12, 31)


# -- the eligibility report ------------------------------------------------------------------------
def org(kind="enterprise", status="admitted", stats=None, libraries=(), **attributes):
    return SimpleNamespace(
        id=uuid4(), name=f"{kind}-{status}", kind=kind, status=status, libraries=list(libraries),
        annual_stats={str(s["year"]): s for s in (stats or [])},
        attributes={k: {"value": v, "evidence": "证明"} for k, v in attributes.items()})


def figures(year=2014, employees=120, assets=100_000_000_00):
    return {"year": year, "employees": employees, "rd_staff": 20, "revenue_fen": 50_000_000_00,
            "rd_spend_fen": 5_000_000_00, "total_assets_fen": assets}


def line(result, party, name):
    return next(c for c in result["checks"] if c["party_id"] == str(party.id) and c["name"] == name)


class TestEligibility:
    def screen(self, enterprises, societies=(), declarations=None):
        return eligibility_report(agreement(), declarations or {}, list(enterprises), list(societies),
                                  date(2015, 4, 1))

    def test_a_branch_office_fails_the_legal_person_check(self):
        branch = org(stats=[figures()], legal_form="branch")
        assert line(self.screen([branch]), branch, "enterprise_legal_person")["passed"] is False

    def test_the_sme_size_test_or_the_library(self):
        big, listed = org(stats=[figures(employees=600)]), org(stats=[figures(employees=600)], libraries=["tech_sme"])
        result = self.screen([big, listed])
        assert line(result, big, "enterprise_tech_sme")["passed"] is False
        assert line(result, listed, "enterprise_tech_sme")["passed"] is True
        no_assets = org(stats=[figures(assets=None)])
        assert line(self.screen([no_assets]), no_assets, "enterprise_tech_sme")["passed"] is False

    def test_older_figures_fail_as_out_of_date_naming_the_year(self):
        stale = org(stats=[figures(year=2011)])
        check = line(self.screen([stale]), stale, "rd_spend_ratio")
        assert check["passed"] is False and "2011" in check["figures"]["out_of_date"]
        assert check["figures"]["required_year"] == 2014

    def test_every_enterprise_is_checked_on_its_own_science_association(self):
        first = org(stats=[figures()], science_association="established")
        second = org(stats=[figures()], science_association="none")
        result = self.screen([first, second])
        assert line(result, first, "enterprise_science_association")["passed"] is True
        assert line(result, second, "enterprise_science_association")["passed"] is False

    def test_a_society_is_checked_on_its_affiliation_plan_and_experts_and_membership_is_only_shown(self):
        society = org(kind="society", status="applied", affiliation="city_society")
        plan = {"service_experience": "学术交流", "work_plan_year": 2015, "work_plan": "第 3 项",
                "responsible_staff": ["刘秘书长"], "evidence": "计划文件"}
        result = eligibility_report(agreement(societies=[str(society.id)], lead_society_id=str(society.id)),
                                    {str(society.id): plan}, [], [society], date(2015, 4, 1))
        assert all(c["passed"] for c in result["checks"] if c["party_id"] == str(society.id))
        assert result["parties"][0]["membership_status"] == "applied"
        last_year = eligibility_report(agreement(), {str(society.id): {**plan, "work_plan_year": 2014}}, [],
                                       [society], date(2015, 4, 1))
        assert line(last_year, society, "annual_plan_with_staff")["passed"] is False
