"""Alliance and Program as the eventsourcing library's bankaccounts example tests
its aggregate, with no database and no application: given the events already
recorded, when a command runs, then these new events (or this refusal).

The history is written as the store hands it back (event class and fields, in
order) and the aggregate is rebuilt from it, as a repository does. Every story
also checks that the events a command records rebuild, on their own, the state
the command left: the facts carry the whole decision. (tests/test_domain_alliances.py
drives the commands from a draft; tests/test_seed_002.py walks the seed through
the API.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.utils import get_topic

from domain.alliance_agreement import check_agreement
from domain.alliance_values import Rectification
from domain.alliances import Alliance, Program
from domain.errors import DomainError, InvalidValue
from domain.values import Actor

E1, E2, S1 = (str(uuid4()) for _ in range(3))
STAFF = Actor(id="staff-1", role="staff")
ENTERPRISE = Actor(id="account-e1", role="member", organisation_id=E1)
SOCIETY = Actor(id="account-s1", role="member", organisation_id=S1)
REVIEWER = "reviewer-1"
PROGRAM_ID = uuid4()
RECORDED = datetime(2026, 3, 1, 9, tzinfo=UTC)
NOTICE_ENDS = datetime(2026, 6, 8, tzinfo=UTC)
AGREEMENT = check_agreement({
    "title": "光纤传感联合攻关", "enterprises": [E1], "societies": [S1], "lead_enterprise_id": E1,
    "lead_society_id": S1, "cooperation_areas": ["joint_research"], "sector": "光电子", "goals": "样机",
    "tasks": [{"title": "样机", "due_on": "2027-06-30", "indicator": "一台"}],
    "starts_on": "2026-07-01", "ends_on": "2028-06-30", "budget_fen": 1_000_000,
    "requested_funding_fen": 300_000, "contributions": [{"party_id": E1, "amount_fen": 500_000}],
    "work_plan": "按季度攻关", "safeguards": "每月例会", "indicators": [{"due_on": "2027-06-30", "indicator": "样机"}],
    "fund_use_direction": "材料与测试", "fund_use_scope": "仅限本联盟",
    "dedicated_account": {"bank": "中国银行", "account_name": "联盟专账", "account_number": "5700123"}})


# -- given, when, then -----------------------------------------------------------------------------
# Fields later versions of an event added; recorded without them, they read as None.
LATER_FIELDS = {"Signed": {"signed_on": None}, "ReportFiled": {"received_on": None}}


def fact(event_class: type, **fields: Any) -> tuple[type, dict[str, Any]]:
    """One recorded event: its class and fields (who acted, and why, default to staff and none)."""
    return event_class, {"actor": STAFF, "reason": None, **LATER_FIELDS.get(event_class.__name__, {}), **fields}


class Story:
    """One aggregate's recorded events; `when` runs a command on the aggregate rebuilt from them."""

    def __init__(self, aggregate_class: type, *facts: tuple[type, dict[str, Any]]):
        self.aggregate_class, self.id = aggregate_class, uuid4()
        self.events: list[Any] = []
        for event_class, fields in facts:
            header = {"originator_id": self.id, "originator_version": len(self.events) + 1,
                      "timestamp": RECORDED + timedelta(hours=len(self.events))}
            if not self.events:
                header["originator_topic"] = get_topic(aggregate_class)
            self.events.append(event_class(**header, **fields))

    @property
    def aggregate(self) -> Any:
        return rebuilt(self.events)

    def when(self, command: Any) -> list[Any]:
        """The events the command records (kept, so the story goes on from them)."""
        aggregate = self.aggregate
        command(aggregate)
        new = aggregate.collect_events()
        assert rebuilt([*self.events, *new]).state() == aggregate.state()  # the facts alone rebuild it
        self.events += new
        return new

    def refuses(self, code: str, command: Any) -> DomainError:
        """The command is refused with `code` and records nothing."""
        aggregate = self.aggregate
        with pytest.raises(DomainError) as caught:
            command(aggregate)
        assert caught.value.code == code, caught.value.message
        assert aggregate.collect_events() == []
        return caught.value


def rebuilt(events: list[Any]) -> Any:
    aggregate = None
    for e in events:
        aggregate = e.mutate(aggregate)
    return aggregate


def names(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


# -- recorded histories ------------------------------------------------------------------------------
def drafted() -> list[tuple[type, dict[str, Any]]]:
    return [fact(Alliance.Drafted, program_id=PROGRAM_ID, agreement=AGREEMENT, actor=ENTERPRISE)]


def submitted() -> list[tuple[type, dict[str, Any]]]:
    return [*drafted(), fact(Alliance.Signed, party_id=E1, agreement_version=1, actor=ENTERPRISE),
            fact(Alliance.Signed, party_id=S1, agreement_version=1, actor=SOCIETY),
            fact(Alliance.Submitted, agreement_version=1, actor=ENTERPRISE)]


def under_review() -> list[tuple[type, dict[str, Any]]]:
    return [*submitted(), fact(Alliance.Screened, decision="pass", eligibility={"passed": True, "checks": []},
                               override=None, reason="符合申报条件"),
            fact(Alliance.ReviewerAssigned, reviewer_id=REVIEWER)]


def in_public_notice() -> list[tuple[type, dict[str, Any]]]:
    return [*under_review(), fact(Alliance.Declared, reviewer_id=REVIEWER, statement=None),
            fact(Alliance.Reviewed, reviewer_id=REVIEWER, scores={"innovation": 80.0}, recommend=True, comment=""),
            fact(Alliance.ReviewConcluded, score={"final": 80.0}, rank=1, recommended=True, round=1),
            fact(Alliance.NoticeStarted, ends_at=NOTICE_ENDS)]


def in_progress(granted_fen: int = 300_000, paid: tuple[int, ...] = ()) -> list[tuple[type, dict[str, Any]]]:
    return [*in_public_notice(), fact(Alliance.Approved, granted_fen=granted_fen, agreement_version=1,
                                      approved_on=NOTICE_ENDS.date()),
            *(fact(Alliance.Paid, amount_fen=amount, paid_on=date(2026, 7, 1)) for amount in paid)]


def opened(budget_fen: int = 1_000_000) -> list[tuple[type, dict[str, Any]]]:
    return [fact(Program.Opened, year=2026, title="企会协作创新计划", budget_fen=budget_fen,
                 priority_sectors=["optoelectronics"], submission_opens_at=RECORDED,
                 submission_closes_at=RECORDED + timedelta(days=60), notice_days=7, pass_score=None, settings={})]


# -- drafting and signing -----------------------------------------------------------------------------
def test_a_draft_records_the_agreement_normalised_and_awaits_every_signature():
    alliance = Alliance.draft(program_id=PROGRAM_ID, agreement={**AGREEMENT, "sector": "光电子"}, actor=ENTERPRISE)
    [recorded] = alliance.collect_events()
    assert type(recorded).__name__ == "Drafted" and recorded.agreement["sector"] == "optoelectronics"
    assert rebuilt([recorded]).state() == alliance.state()
    assert alliance.status == "draft" and alliance.signatures == [] and alliance.parties() == [E1, S1]
    # A lead enterprise that is not a party is never recorded.
    with pytest.raises(InvalidValue) as caught:
        Alliance.draft(program_id=PROGRAM_ID, agreement={**AGREEMENT, "lead_enterprise_id": E2}, actor=STAFF)
    assert caught.value.field == "lead_enterprise_id"


def test_every_party_signs_the_current_version_before_they_submit_together():
    story = Story(Alliance, *drafted())
    # The enterprise signs; it cannot sign twice, and a stranger cannot sign at all.
    [signed] = story.when(lambda a: a.sign(party_id=E1, actor=ENTERPRISE))
    assert (signed.party_id, signed.agreement_version) == (E1, 1)
    story.refuses("already_signed", lambda a: a.sign(party_id=E1, actor=ENTERPRISE))
    story.refuses("not_a_party", lambda a: a.sign(party_id=E2, actor=STAFF))
    # The society has not signed: no submission yet.
    story.refuses("signatures_missing", lambda a: a.submit(program_open=True, actor=ENTERPRISE))
    story.when(lambda a: a.sign(party_id=S1, actor=SOCIETY))
    # Outside the programme's window the parties cannot submit; inside it they do.
    story.refuses("program_closed", lambda a: a.submit(program_open=False, actor=ENTERPRISE))
    assert names(story.when(lambda a: a.submit(program_open=True, actor=ENTERPRISE))) == ["Submitted"]
    assert story.aggregate.status == "submitted"


def test_a_new_version_voids_the_signatures_given_so_far():
    story = Story(Alliance, *drafted(), fact(Alliance.Signed, party_id=E1, agreement_version=1, actor=ENTERPRISE))
    [revised] = story.when(lambda a: a.revise(agreement={**AGREEMENT, "goals": "样机两台"}, actor=ENTERPRISE))
    assert revised.voided == [E1]
    alliance = story.aggregate
    assert alliance.agreement_version == 2 and alliance.signatures == [] and alliance.agreement["goals"] == "样机两台"
    story.refuses("signatures_missing", lambda a: a.submit(program_open=True, actor=ENTERPRISE))


def test_a_submitted_agreement_is_no_longer_revised_or_signed():
    story = Story(Alliance, *submitted())
    story.refuses("illegal_transition", lambda a: a.revise(agreement=AGREEMENT, actor=ENTERPRISE))
    story.refuses("illegal_transition", lambda a: a.sign(party_id=E1, actor=ENTERPRISE))


# -- expert review and the public notice ---------------------------------------------------------------
def test_a_reviewer_declares_no_conflict_before_scoring_and_the_ranking_recommends():
    story = Story(Alliance, *under_review())
    # A reviewer from a party's organisation is refused; one assigned twice is recorded once.
    story.refuses("conflict_of_interest", lambda a: a.assign_reviewer(reviewer_id="r2", affiliation=E1, actor=STAFF))
    assert story.when(lambda a: a.assign_reviewer(reviewer_id=REVIEWER, affiliation=None, actor=STAFF)) == []
    criteria = {"innovation": 1.0}

    def review(a: Alliance) -> None:
        a.review(reviewer_id=REVIEWER, scores={"innovation": 85.0}, recommend=True, comment="创新性强",
                 criteria=criteria, actor=STAFF)

    story.refuses("declaration_required", review)
    story.refuses("not_assigned", lambda a: a.declare_no_conflict(reviewer_id="r9", statement=None, actor=STAFF))
    story.when(lambda a: a.declare_no_conflict(reviewer_id=REVIEWER, statement="无利益关系", actor=STAFF))
    [reviewed] = story.when(review)
    assert reviewed.scores == {"innovation": 85.0} and story.aggregate.reviews(criteria)[0]["recommend"] is True
    [concluded] = story.when(lambda a: a.conclude_review(score={"final": 85.0}, recommended=True, rank=1, round=1,
                                                         actor=STAFF))
    assert concluded.rank == 1 and story.aggregate.status == "recommended"
    [notice] = story.when(lambda a: a.start_notice(now=RECORDED, notice_days=7, actor=STAFF))
    assert notice.ends_at == RECORDED + timedelta(days=7)


def test_approval_waits_for_the_notice_to_end_and_every_objection_to_be_resolved():
    story = Story(Alliance, *in_public_notice(),
                  fact(Alliance.Objected, objection_id="o1", grounds="专利归属有争议", contact=None,
                       actor=Actor.public()))
    story.refuses("notice_running", lambda a: a.approve(granted_fen=300_000, now=NOTICE_ENDS - timedelta(hours=1),
                                                        actor=STAFF))
    story.refuses("objection_open", lambda a: a.approve(granted_fen=300_000, now=NOTICE_ENDS, actor=STAFF))
    story.refuses("notice_ended", lambda a: a.object(objection_id="o2", grounds="迟到的异议", contact=None,
                                                     now=NOTICE_ENDS, actor=Actor.public()))
    story.when(lambda a: a.resolve_objection(objection_id="o1", outcome="dismissed", reason="专利证书齐全",
                                             actor=STAFF))
    story.refuses("objection_resolved", lambda a: a.resolve_objection(objection_id="o1", outcome="upheld",
                                                                      reason="复核", actor=STAFF))
    # Never more than the parties asked for.
    story.refuses("invalid_value", lambda a: a.approve(granted_fen=300_001, now=NOTICE_ENDS, actor=STAFF))
    [approved] = story.when(lambda a: a.approve(granted_fen=250_000, now=NOTICE_ENDS, actor=STAFF))
    assert (approved.granted_fen, approved.approved_on) == (250_000, NOTICE_ENDS.date())
    assert story.aggregate.status == "in_progress"


def test_an_upheld_objection_stops_the_alliance():
    story = Story(Alliance, *in_public_notice(),
                  fact(Alliance.Objected, objection_id="o1", grounds="材料造假", contact=None, actor=Actor.public()))
    story.when(lambda a: a.resolve_objection(objection_id="o1", outcome="upheld", reason="查证属实", actor=STAFF))
    assert story.aggregate.status == "not_approved"
    story.refuses("illegal_transition", lambda a: a.approve(granted_fen=1, now=NOTICE_ENDS, actor=STAFF))


# -- money -----------------------------------------------------------------------------------------------
def test_the_programme_grants_no_more_than_its_budget_has_left():
    story = Story(Program, *opened(budget_fen=500_000))
    first, second = uuid4(), uuid4()
    [granted] = story.when(lambda p: p.grant(alliance_id=first, amount_fen=300_000, actor=STAFF))
    assert (granted.alliance_id, granted.amount_fen) == (str(first), 300_000)
    error = story.refuses("budget_exceeded", lambda p: p.grant(alliance_id=second, amount_fen=200_001, actor=STAFF))
    assert "200000" in error.message
    story.when(lambda p: p.grant(alliance_id=second, amount_fen=200_000, actor=STAFF))
    assert story.aggregate.remaining_fen == 0
    # A terminated alliance's unpaid grant returns to the budget, never more than it was granted.
    [released] = story.when(lambda p: p.release(alliance_id=first, amount_fen=400_000, actor=STAFF, reason="终止"))
    assert released.amount_fen == 300_000 and story.aggregate.remaining_fen == 300_000


def test_tranches_are_paid_up_to_the_grant_and_not_a_fen_beyond():
    story = Story(Alliance, *in_progress(granted_fen=300_000, paid=(100_000,)))
    story.when(lambda a: a.pay(amount_fen=150_000, paid_on=date(2026, 12, 1), actor=STAFF))
    story.refuses("over_grant", lambda a: a.pay(amount_fen=50_001, paid_on=date(2027, 3, 1), actor=STAFF))
    [paid] = story.when(lambda a: a.pay(amount_fen=50_000, paid_on=date(2027, 3, 1), actor=STAFF))
    assert paid.paid_on == date(2027, 3, 1) and story.aggregate.paid_fen == 300_000


def test_termination_recovers_at_most_what_was_paid_and_names_what_was_never_paid():
    story = Story(Alliance, *in_progress(granted_fen=300_000, paid=(100_000,)))
    story.refuses("invalid_value", lambda a: a.terminate(reason="未按计划实施", recover_fen=100_001, actor=STAFF))
    story.refuses("invalid_value", lambda a: a.terminate(reason=" ", recover_fen=0, actor=STAFF))  # no reason
    [terminated] = story.when(lambda a: a.terminate(reason="未按计划实施", recover_fen=40_000, actor=STAFF))
    assert (terminated.recover_fen, terminated.unpaid_fen, terminated.reason) == (40_000, 200_000, "未按计划实施")
    assert story.aggregate.status == "terminated"
    story.refuses("illegal_transition", lambda a: a.pay(amount_fen=1, paid_on=date(2027, 1, 1), actor=STAFF))


# -- reports, inspections, the end -------------------------------------------------------------------------
def file(kind: str, year: int, report_id: str = "r1") -> Any:
    return lambda a: a.file_report(report_id=report_id, kind=kind, year=year, progress=[{"task": "样机"}],
                                   spending_fen=80_000, outcomes="样机一台", actor=ENTERPRISE)


def test_a_returned_report_is_filed_again_under_its_own_id_and_then_accepted():
    story = Story(Alliance, *in_progress())
    [filed] = story.when(file("annual", 2027))
    assert (filed.report_id, filed.report_kind, filed.year) == ("r1", "annual", 2027)
    story.refuses("report_exists", file("annual", 2027, report_id="r2"))
    # Returning it needs the reasons.
    story.refuses("invalid_value", lambda a: a.judge_report(report_id="r1", accept=False, comment=" ", actor=STAFF))
    [returned] = story.when(lambda a: a.judge_report(report_id="r1", accept=False, comment="支出明细不全",
                                                     actor=STAFF))
    assert (returned.accepted, returned.reason) == (False, "支出明细不全")
    [again] = story.when(file("annual", 2027, report_id="r2"))
    assert again.report_id == "r1" and story.aggregate.reports["r1"]["version"] == 2
    story.when(lambda a: a.judge_report(report_id="r1", accept=True, comment=None, actor=STAFF))
    story.refuses("report_not_pending", lambda a: a.judge_report(report_id="r1", accept=True, comment=None,
                                                                 actor=STAFF))
    story.refuses("not_found", lambda a: a.judge_report(report_id="r9", accept=True, comment=None, actor=STAFF))


def test_the_alliance_concludes_once_its_completion_report_is_accepted():
    story = Story(Alliance, *in_progress(), fact(Alliance.ReportFiled, report_id="r1", report_kind="annual",
                                                 year=2027, progress=[], spending_fen=0, outcomes=""),
                  fact(Alliance.ReportJudged, report_id="r1", accepted=True))
    story.refuses("completion_report_missing", lambda a: a.conclude(grade="good", actor=STAFF))
    story.when(file("completion", 2028, report_id="r2"))
    story.when(lambda a: a.judge_report(report_id="r2", accept=True, comment="完成目标", actor=STAFF))
    story.refuses("invalid_value", lambda a: a.conclude(grade="outstanding", actor=STAFF))
    [concluded] = story.when(lambda a: a.conclude(grade="excellent", actor=STAFF))
    assert concluded.grade == "excellent" and story.aggregate.status == "concluded"


def inspection(rating: str = "fair", inspectors: tuple[str, ...] = ("inspector-1",)) -> Any:
    return lambda a: a.inspect(inspection_id="i1", inspected_on=date(2027, 5, 10), inspectors=list(inspectors),
                               findings="经费台账不全", rating=rating, rectification_due_on=date(2027, 6, 30),
                               actor=STAFF)


def test_an_inspection_sets_a_rectification_that_is_closed_once_with_a_note():
    story = Story(Alliance, *in_progress())
    story.refuses("invalid_value", inspection(inspectors=[]))
    story.refuses("invalid_value", inspection(rating="excellent"))
    [inspected] = story.when(inspection())
    assert inspected.rectification_due_on == date(2027, 6, 30)
    assert story.aggregate.rectifications == {"i1": Rectification(due_on=date(2027, 6, 30), status="open")}
    story.refuses("invalid_value", lambda a: a.close_rectification(inspection_id="i1", note="", actor=STAFF))
    [closed] = story.when(lambda a: a.close_rectification(inspection_id="i1", note="已补齐台账", actor=STAFF))
    assert closed.reason == "已补齐台账" and story.aggregate.rectifications["i1"]["status"] == "closed"
    story.refuses("not_found", lambda a: a.close_rectification(inspection_id="i1", note="再次", actor=STAFF))


def test_an_overdue_report_is_flagged_once():
    story = Story(Alliance, *in_progress())
    [overdue] = story.when(lambda a: a.flag_overdue_reports(today=date(2028, 6, 1), actor=Actor.system(),
                                                            annual_due_days=90))
    assert (overdue.report_kind, overdue.year, overdue.due_on) == ("annual", 2027, date(2028, 3, 30))
    assert story.when(lambda a: a.flag_overdue_reports(today=date(2028, 6, 2), actor=Actor.system(),
                                                       annual_due_days=90)) == []
