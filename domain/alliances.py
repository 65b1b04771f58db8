"""The enterprise–society collaborative innovation programme (企会协作创新计划,
seed 002; DOMAIN.md "Alliances").

A Program is a yearly call with a budget; the granted total never exceeds it,
because every grant is decided inside the Program aggregate. An Alliance is
enterprises and societies bound by an agreement (协议书), which walks:
draft → submitted → screened (passed | rejected) → under_review →
recommended | not_recommended → in_public_notice → approved | not_approved →
in_progress → concluded | terminated.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.errors import DomainError, InvalidValue
from domain.model import Entity
from domain.values import Actor

COOPERATION_AREAS = ("strategy_consulting", "technology_information", "mass_innovation", "joint_research",
                     "technology_introduction", "talent_exchange", "other")
CRITERIA = ("innovation", "feasibility", "team", "collaboration", "benefit")
# Seed 002 §3.3: priority sectors, and multi-party / cross-discipline alliances, come first.
PRIORITY_SECTOR_BONUS = 5.0
MULTI_PARTY_BONUS = 3.0
CROSS_DISCIPLINE_BONUS = 2.0
DEFAULT_PASS_SCORE = 60.0
RATINGS = ("good", "fair", "poor")
GRADES = ("excellent", "good", "pass", "fail")


def _refuse(code: str, message: str, field: str | None = None) -> DomainError:
    return DomainError(message, code=code, field=field)


def _reason(text: str, field: str = "reason") -> str:
    if not text or not text.strip():
        raise InvalidValue("须说明理由 (a reason is required)", field=field)
    return text.strip()


# -- the program ------------------------------------------------------------------------------
class Program(Entity):
    LABEL = "年度计划"

    @classmethod
    def open_call(cls, *, year: int, title: str, budget_fen: int, priority_sectors: list[str],
                  submission_opens_at: datetime, submission_closes_at: datetime, notice_days: int,
                  pass_score: float | None, actor: Actor) -> Program:
        if budget_fen <= 0:
            raise InvalidValue("预算须为正数 (budget must be positive)", field="budget_fen")
        if submission_closes_at <= submission_opens_at:
            raise InvalidValue("截止时间须晚于开始时间 (the window must close after it opens)",
                               field="submission_closes_at")
        if notice_days < 1:
            raise InvalidValue("公示期至少 1 天 (at least one day of public notice)", field="notice_days")
        return cls(year=year, title=title.strip(), budget_fen=budget_fen, priority_sectors=priority_sectors,
                   submission_opens_at=submission_opens_at, submission_closes_at=submission_closes_at,
                   notice_days=notice_days, pass_score=DEFAULT_PASS_SCORE if pass_score is None else pass_score,
                   actor=actor)

    @event("Opened")
    def __init__(self, year: int, title: str, budget_fen: int, priority_sectors: list[str],
                 submission_opens_at: datetime, submission_closes_at: datetime, notice_days: int,
                 pass_score: float, actor: Actor, reason: str | None = None):
        self.year = year
        self.title = title
        self.budget_fen = budget_fen
        self.priority_sectors = priority_sectors
        self.submission_opens_at = submission_opens_at
        self.submission_closes_at = submission_closes_at
        self.notice_days = notice_days
        self.pass_score = pass_score
        self.status = "open"
        self.granted: dict[str, int] = {}  # alliance id -> fen
        self.ranked = False

    def is_open(self, now: datetime) -> bool:
        return self.submission_opens_at <= now < self.submission_closes_at

    @property
    def granted_fen(self) -> int:
        return sum(self.granted.values())

    @property
    def remaining_fen(self) -> int:
        return self.budget_fen - self.granted_fen

    def grant(self, *, alliance_id: UUID, amount_fen: int, actor: Actor) -> None:
        """Funding comes out of the yearly budget; never more than is left."""
        if amount_fen <= 0:
            raise InvalidValue("资助金额须为正数 (amount must be positive)", field="granted_fen")
        if amount_fen > self.remaining_fen:
            raise _refuse("budget_exceeded", f"超出年度预算：剩余 {self.remaining_fen} 分，申请 {amount_fen} 分 "
                          f"(budget exceeded: {self.remaining_fen} fen left)", "granted_fen")
        self._granted(alliance_id=str(alliance_id), amount_fen=amount_fen, actor=actor)

    @event("Granted")
    def _granted(self, alliance_id: str, amount_fen: int, actor: Actor, reason: str | None = None) -> None:
        self.granted = {**self.granted, alliance_id: amount_fen}

    def release(self, *, alliance_id: UUID, amount_fen: int, actor: Actor, reason: str) -> None:
        """A terminated alliance's unspent grant returns to the budget."""
        key = str(alliance_id)
        if key in self.granted and amount_fen > 0:
            self._released(alliance_id=key, amount_fen=min(amount_fen, self.granted[key]), actor=actor,
                           reason=reason)

    @event("Released")
    def _released(self, alliance_id: str, amount_fen: int, actor: Actor, reason: str) -> None:
        self.granted = {**self.granted, alliance_id: self.granted[alliance_id] - amount_fen}

    def close_review(self, *, ranking: list[dict[str, Any]], actor: Actor) -> None:
        if self.ranked:
            raise _refuse("already_ranked", "评审已结束 (review already closed)")
        self._ranked(ranking=ranking, actor=actor, reason=None)

    @event("Ranked")
    def _ranked(self, ranking: list[dict[str, Any]], actor: Actor, reason: str | None) -> None:
        self.ranked = True
        self.ranking = ranking


# -- the alliance -------------------------------------------------------------------------------
def check_agreement(agreement: dict[str, Any]) -> dict[str, Any]:
    """协议书: the content seed 002 asks for, checked before any signature."""
    if not agreement.get("enterprises"):
        raise InvalidValue("至少需要一家企业 (at least one enterprise)", field="enterprises")
    if not agreement.get("societies"):
        raise InvalidValue("至少需要一个学会 (at least one society)", field="societies")
    if agreement["lead_enterprise_id"] not in agreement["enterprises"]:
        raise InvalidValue("牵头企业须为联盟企业之一 (the lead enterprise must be a party)",
                           field="lead_enterprise_id")
    if agreement["lead_society_id"] not in agreement["societies"]:
        raise InvalidValue("牵头学会须为联盟学会之一 (the lead society must be a party)", field="lead_society_id")
    if set(agreement["enterprises"]) & set(agreement["societies"]):
        raise InvalidValue("同一单位不能既是企业方又是学会方 (a party cannot be both)", field="societies")
    areas = agreement.get("cooperation_areas") or []
    if not areas or any(a not in COOPERATION_AREAS for a in areas):
        raise InvalidValue(f"合作内容须为 {', '.join(COOPERATION_AREAS)} 之一 (cooperation areas)",
                           field="cooperation_areas")
    if not agreement.get("tasks"):
        raise InvalidValue("至少一项任务 (at least one task)", field="tasks")
    for key in ("starts_on", "ends_on"):  # amendments arrive as JSON: dates as text
        if isinstance(agreement.get(key), str):
            try:
                agreement = {**agreement, key: date.fromisoformat(agreement[key])}
            except ValueError:
                raise InvalidValue(f"{key} 须为 YYYY-MM-DD (a date)", field=key) from None
    if agreement["ends_on"] <= agreement["starts_on"]:
        raise InvalidValue("结束日期须晚于开始日期 (ends_on after starts_on)", field="ends_on")
    if agreement["requested_funding_fen"] > agreement["budget_fen"]:
        raise InvalidValue("申请资助不能超过总预算 (requested funding exceeds the budget)",
                           field="requested_funding_fen")
    return agreement


class Alliance(Entity):
    LABEL = "联盟"

    @classmethod
    def draft(cls, *, program_id: UUID, agreement: dict[str, Any], actor: Actor) -> Alliance:
        return cls(program_id=program_id, agreement=check_agreement(agreement), actor=actor)

    @event("Drafted")
    def __init__(self, program_id: UUID, agreement: dict[str, Any], actor: Actor, reason: str | None = None):
        self.program_id = program_id
        self.agreement = agreement
        self.agreement_version = 1
        self.signatures: list[str] = []
        self.status = "draft"
        self.eligibility: dict[str, Any] | None = None
        self.reviewers: dict[str, dict[str, Any]] = {}  # account id -> {declared, scores, recommend, ...}
        self.final_score: float | None = None
        self.notice_ends_at: datetime | None = None
        self.objections: dict[str, dict[str, Any]] = {}
        self.granted_fen = 0
        self.paid_fen = 0
        self.reports: dict[str, dict[str, Any]] = {}
        self.rectifications: dict[str, dict[str, Any]] = {}
        self.amendments: dict[str, dict[str, Any]] = {}

    def parties(self) -> list[str]:
        return [*self.agreement["enterprises"], *self.agreement["societies"]]

    # -- drafting and signing ----------------------------------------------------------------
    def revise(self, *, agreement: dict[str, Any], actor: Actor) -> None:
        """A new version of the agreement; every signature on the old one is void."""
        self.require_status("revise the agreement", "draft")
        self._revised(agreement=check_agreement(agreement), voided=list(self.signatures), actor=actor)

    @event("Revised")
    def _revised(self, agreement: dict[str, Any], voided: list[str], actor: Actor, reason: str | None = None) -> None:
        self.agreement = agreement
        self.agreement_version += 1
        self.signatures = []

    def sign(self, *, party_id: UUID, actor: Actor) -> None:
        self.require_status("sign", "draft")
        party = str(party_id)
        if party not in self.parties():
            raise _refuse("not_a_party", "只有联盟各方可以签署 (only parties sign)", "party")
        if party in self.signatures:
            raise _refuse("already_signed", "已签署当前版本 (already signed this version)")
        self._signed(party_id=party, agreement_version=self.agreement_version, actor=actor)

    @event("Signed")
    def _signed(self, party_id: str, agreement_version: int, actor: Actor, reason: str | None = None) -> None:
        self.signatures = [*self.signatures, party_id]

    def submit(self, *, program_open: bool, actor: Actor) -> None:
        """联合申报: every party has signed the current version, within the window."""
        self.require_status("submit", "draft")
        missing = [p for p in self.parties() if p not in self.signatures]
        if missing:
            raise _refuse("signatures_missing", f"尚有 {len(missing)} 方未签署 (not every party has signed)")
        if not program_open:
            raise _refuse("program_closed", "不在申报期内 (the submission window is closed)")
        self._submitted(agreement_version=self.agreement_version, actor=actor)

    @event("Submitted")
    def _submitted(self, agreement_version: int, actor: Actor, reason: str | None = None) -> None:
        self.status = "submitted"

    # -- screening -------------------------------------------------------------------------------
    def screen(self, *, decision: str, reasons: str, eligibility: dict[str, Any], actor: Actor) -> None:
        """科协把关: the computed eligibility report is stored with the staff's decision."""
        self.require_status("screen", "submitted")
        if decision not in ("pass", "reject"):
            raise InvalidValue("decision 须为 pass 或 reject", field="decision")
        self._screened(decision=decision, eligibility=eligibility, actor=actor,
                       reason=_reason(reasons, "reasons"))

    @event("Screened")
    def _screened(self, decision: str, eligibility: dict[str, Any], actor: Actor, reason: str) -> None:
        self.eligibility = eligibility
        self.status = "under_review" if decision == "pass" else "rejected"

    # -- expert review ---------------------------------------------------------------------------
    def assign_reviewer(self, *, reviewer_id: UUID, affiliation: UUID | None, actor: Actor) -> None:
        self.require_status("assign reviewers", "under_review")
        if affiliation is not None and str(affiliation) in self.parties():
            raise _refuse("conflict_of_interest", "评审专家所在单位是联盟一方 (the reviewer works for a party)",
                          "reviewer_ids")
        if str(reviewer_id) not in self.reviewers:
            self._reviewer_assigned(reviewer_id=str(reviewer_id), actor=actor)

    @event("ReviewerAssigned")
    def _reviewer_assigned(self, reviewer_id: str, actor: Actor, reason: str | None = None) -> None:
        self.reviewers = {**self.reviewers, reviewer_id: {"declared": False}}

    def _reviewer(self, reviewer_id: UUID | str) -> dict[str, Any]:
        found = self.reviewers.get(str(reviewer_id))
        if found is None:
            raise _refuse("not_assigned", "未分配给该专家 (not assigned to this reviewer)")
        return found

    def declare(self, *, reviewer_id: UUID, statement: str | None, actor: Actor) -> None:
        """无利益冲突声明, before the reviewer sees the application."""
        self.require_status("declare", "under_review")
        if self._reviewer(reviewer_id)["declared"]:
            raise _refuse("already_declared", "已声明 (already declared)")
        self._declared(reviewer_id=str(reviewer_id), statement=statement, actor=actor)

    @event("Declared")
    def _declared(self, reviewer_id: str, statement: str | None, actor: Actor, reason: str | None = None) -> None:
        self.reviewers = {**self.reviewers, reviewer_id: {**self.reviewers[reviewer_id], "declared": True}}

    def review(self, *, reviewer_id: UUID, scores: dict[str, float], recommend: bool, comment: str,
               actor: Actor) -> None:
        self.require_status("review", "under_review")
        if not self._reviewer(reviewer_id)["declared"]:
            raise _refuse("declaration_required", "请先声明无利益冲突 (declare no conflict first)")
        if set(scores) != set(CRITERIA):
            raise InvalidValue(f"须为五项评分 {', '.join(CRITERIA)} (all five criteria)", field="scores")
        if any(not 0 <= v <= 100 for v in scores.values()):
            raise InvalidValue("每项评分 0–100 (each score 0..100)", field="scores")
        self._reviewed(reviewer_id=str(reviewer_id), scores=scores, recommend=recommend, comment=comment,
                       actor=actor)

    @event("Reviewed")
    def _reviewed(self, reviewer_id: str, scores: dict[str, float], recommend: bool, comment: str, actor: Actor,
                  reason: str | None = None) -> None:
        self.reviewers = {**self.reviewers, reviewer_id: {
            **self.reviewers[reviewer_id], "scores": scores, "recommend": recommend, "comment": comment}}

    def reviews(self) -> list[dict[str, Any]]:
        return [r for r in self.reviewers.values() if "scores" in r]

    def score(self, priority_sectors: list[str], disciplines: int) -> dict[str, Any]:
        """Average of the reviewers' mean scores, plus the documented bonuses."""
        done = self.reviews()
        if not done:
            return {"average": None, "bonus": 0.0, "final": None, "recommend_votes": 0, "reviews": 0}
        average = sum(sum(r["scores"].values()) / len(CRITERIA) for r in done) / len(done)
        bonus = 0.0
        if self.agreement["sector"] in priority_sectors:
            bonus += PRIORITY_SECTOR_BONUS
        if len(self.agreement["enterprises"]) > 1 and len(self.agreement["societies"]) > 1:
            bonus += MULTI_PARTY_BONUS
        if disciplines > 1:
            bonus += CROSS_DISCIPLINE_BONUS
        return {"average": round(average, 2), "bonus": bonus, "final": round(average + bonus, 2),
                "recommend_votes": sum(1 for r in done if r["recommend"]), "reviews": len(done)}

    def conclude_review(self, *, score: dict[str, Any], pass_score: float, rank: int, actor: Actor) -> None:
        """Recommended when most reviewers recommend and the final score reaches the pass score."""
        self.require_status("rank", "under_review")
        recommended = (score["reviews"] > 0 and score["recommend_votes"] * 2 > score["reviews"]
                       and score["final"] >= pass_score)
        self._review_concluded(score=score, rank=rank, recommended=recommended, actor=actor)

    @event("ReviewConcluded")
    def _review_concluded(self, score: dict[str, Any], rank: int, recommended: bool, actor: Actor,
                          reason: str | None = None) -> None:
        self.final_score = score["final"]
        self.status = "recommended" if recommended else "not_recommended"

    # -- public notice and objections ----------------------------------------------------------
    def start_notice(self, *, now: datetime, notice_days: int, actor: Actor) -> None:
        """社会公示 for the program's notice days (recommended alliances only)."""
        self.require_status("start the public notice", "recommended")
        self._notice_started(ends_at=now + timedelta(days=notice_days), actor=actor)

    @event("NoticeStarted")
    def _notice_started(self, ends_at: datetime, actor: Actor, reason: str | None = None) -> None:
        self.status = "in_public_notice"
        self.notice_ends_at = ends_at

    def object(self, *, objection_id: str, grounds: str, contact: str | None, now: datetime, actor: Actor) -> None:
        self.require_status("object", "in_public_notice")
        if self.notice_ends_at is not None and now >= self.notice_ends_at:
            raise _refuse("notice_ended", "公示期已结束 (the notice period has ended)")
        self._objected(objection_id=objection_id, grounds=_reason(grounds, "grounds"), contact=contact, actor=actor)

    @event("Objected")
    def _objected(self, objection_id: str, grounds: str, contact: str | None, actor: Actor,
                  reason: str | None = None) -> None:
        self.objections = {**self.objections, objection_id: {"grounds": grounds, "status": "open"}}

    def resolve_objection(self, *, objection_id: str, outcome: str, reason: str, actor: Actor) -> None:
        objection = self.objections.get(objection_id)
        if objection is None:
            raise DomainError("异议不存在 (no such objection)", code="not_found", field="objection_id")
        if objection["status"] != "open":
            raise _refuse("objection_resolved", "该异议已处理 (already resolved)")
        if outcome not in ("dismissed", "upheld"):
            raise InvalidValue("outcome 须为 dismissed 或 upheld", field="outcome")
        self._objection_resolved(objection_id=objection_id, outcome=outcome, actor=actor, reason=_reason(reason))

    @event("ObjectionResolved")
    def _objection_resolved(self, objection_id: str, outcome: str, actor: Actor, reason: str) -> None:
        self.objections = {**self.objections, objection_id: {**self.objections[objection_id], "status": outcome}}
        if outcome == "upheld":
            self.status = "not_approved"

    def open_objections(self) -> int:
        return sum(1 for o in self.objections.values() if o["status"] == "open")

    # -- approval and money ------------------------------------------------------------------------
    def approve(self, *, granted_fen: int, now: datetime, actor: Actor) -> None:
        """Approval after a clean notice period; the Program grants the money in the same decision."""
        self.require_status("approve", "in_public_notice")
        if self.notice_ends_at is not None and now < self.notice_ends_at:
            raise _refuse("notice_running", "公示期未结束 (the public notice is still running)")
        if self.open_objections():
            raise _refuse("objection_open", "尚有未处理的异议 (an objection is still open)")
        if granted_fen > self.agreement["requested_funding_fen"]:
            raise InvalidValue("资助不能超过申请额 (more than requested)", field="granted_fen")
        self._approved(granted_fen=granted_fen, agreement_version=self.agreement_version, approved_on=now.date(),
                       actor=actor)

    @event("Approved")
    def _approved(self, granted_fen: int, agreement_version: int, approved_on: date, actor: Actor,
                  reason: str | None = None) -> None:
        self.status = "in_progress"
        self.granted_fen = granted_fen
        self.approved_on = approved_on
        self.flagged: list[str] = []

    def pay(self, *, amount_fen: int, paid_on: date, actor: Actor) -> None:
        """拨付: tranches up to the grant."""
        self.require_status("pay", "in_progress")
        if amount_fen <= 0:
            raise InvalidValue("金额须为正数 (amount must be positive)", field="amount_fen")
        if self.paid_fen + amount_fen > self.granted_fen:
            raise _refuse("over_grant", "拨付总额不能超过资助额 (payments exceed the grant)", "amount_fen")
        self._paid(amount_fen=amount_fen, paid_on=paid_on, actor=actor)

    @event("Paid")
    def _paid(self, amount_fen: int, paid_on: date, actor: Actor, reason: str | None = None) -> None:
        self.paid_fen += amount_fen

    # -- after approval: amendments, reports, inspections ----------------------------------------
    def request_amendment(self, *, amendment_id: str, changes: dict[str, Any], reason: str, actor: Actor) -> None:
        """The approved agreement is frozen: changes go through an amendment."""
        self.require_status("request an amendment", "in_progress")
        self._amendment_requested(amendment_id=amendment_id, changes=changes, actor=actor, reason=_reason(reason))

    @event("AmendmentRequested")
    def _amendment_requested(self, amendment_id: str, changes: dict[str, Any], actor: Actor, reason: str) -> None:
        self.amendments = {**self.amendments, amendment_id: {"changes": changes, "status": "requested"}}

    def decide_amendment(self, *, amendment_id: str, approve: bool, reason: str, actor: Actor) -> None:
        amendment = self.amendments.get(amendment_id)
        if amendment is None or amendment["status"] != "requested":
            raise DomainError("没有待决的变更申请 (no pending amendment)", code="not_found", field="amendment_id")
        agreement = check_agreement({**self.agreement, **amendment["changes"]}) if approve else None
        self._amendment_decided(amendment_id=amendment_id, approved=approve, agreement=agreement, actor=actor,
                                reason=_reason(reason))

    @event("AmendmentDecided")
    def _amendment_decided(self, amendment_id: str, approved: bool, agreement: dict[str, Any] | None, actor: Actor,
                           reason: str) -> None:
        self.amendments = {**self.amendments, amendment_id: {
            **self.amendments[amendment_id], "status": "approved" if approved else "refused"}}
        if approved and agreement is not None:
            self.agreement = agreement
            self.agreement_version += 1

    def file_report(self, *, report_id: str, kind: str, year: int, progress: list[dict[str, Any]],
                    spending_fen: int, outcomes: str, actor: Actor) -> str:
        """年度报告 / 总结报告. Filing again for a returned report is its resubmission."""
        self.require_status("file a report", "in_progress")
        if kind not in ("annual", "completion"):
            raise InvalidValue("kind 须为 annual 或 completion", field="kind")
        if spending_fen < 0:
            raise InvalidValue("支出不能为负 (spending must not be negative)", field="spending_fen")
        key = f"{kind}:{year}"
        existing = next((rid for rid, r in self.reports.items() if r["key"] == key), None)
        if existing is not None and self.reports[existing]["status"] != "returned":
            raise _refuse("report_exists", "该报告已提交 (this report was already filed)", "year")
        report_id = existing or report_id
        self._report_filed(report_id=report_id, report_kind=kind, year=year, progress=progress,
                           spending_fen=spending_fen, outcomes=outcomes, actor=actor)
        return report_id

    @event("ReportFiled")
    def _report_filed(self, report_id: str, report_kind: str, year: int, progress: list[dict[str, Any]],
                      spending_fen: int, outcomes: str, actor: Actor, reason: str | None = None) -> None:
        previous = self.reports.get(report_id, {})
        self.reports = {**self.reports, report_id: {"key": f"{report_kind}:{year}", "kind": report_kind,
                                                   "year": year, "status": "filed",
                                                   "version": previous.get("version", 0) + 1}}

    def judge_report(self, *, report_id: str, accept: bool, comment: str | None, actor: Actor) -> None:
        report = self.reports.get(report_id)
        if report is None:
            raise DomainError("报告不存在 (no such report)", code="not_found", field="report_id")
        if report["status"] != "filed":
            raise _refuse("report_not_pending", "报告不在待审状态 (the report is not awaiting a decision)")
        if not accept:
            comment = _reason(comment or "", "reasons")
        self._report_judged(report_id=report_id, accepted=accept, actor=actor, reason=comment)

    @event("ReportJudged")
    def _report_judged(self, report_id: str, accepted: bool, actor: Actor, reason: str | None) -> None:
        self.reports = {**self.reports, report_id: {**self.reports[report_id],
                                                   "status": "accepted" if accepted else "returned"}}

    def inspect(self, *, inspection_id: str, inspected_on: date, inspectors: list[str], findings: str,
                rating: str, rectification_due_on: date | None, actor: Actor) -> None:
        """检查评估 at any time after approval; may set a rectification deadline."""
        self.require_status("inspect", "in_progress")
        if rating not in RATINGS:
            raise InvalidValue("rating 须为 good / fair / poor", field="rating")
        if not inspectors:
            raise InvalidValue("至少一名检查人员 (at least one inspector)", field="inspectors")
        self._inspected(inspection_id=inspection_id, inspected_on=inspected_on, inspectors=inspectors,
                        findings=findings, rating=rating, rectification_due_on=rectification_due_on, actor=actor)

    @event("Inspected")
    def _inspected(self, inspection_id: str, inspected_on: date, inspectors: list[str], findings: str, rating: str,
                   rectification_due_on: date | None, actor: Actor, reason: str | None = None) -> None:
        if rectification_due_on is not None:
            self.rectifications = {**self.rectifications, inspection_id: {"due_on": rectification_due_on.isoformat(),
                                                                          "status": "open"}}

    def close_rectification(self, *, inspection_id: str, note: str, actor: Actor) -> None:
        """整改完成: an inspection's rectification is closed, with a note."""
        found = self.rectifications.get(inspection_id)
        if found is None or found["status"] != "open":
            raise DomainError("没有待整改的事项 (no open rectification)", code="not_found", field="inspection_id")
        self._rectification_closed(inspection_id=inspection_id, actor=actor, reason=_reason(note, "note"))

    @event("RectificationClosed")
    def _rectification_closed(self, inspection_id: str, actor: Actor, reason: str) -> None:
        self.rectifications = {**self.rectifications,
                               inspection_id: {**self.rectifications[inspection_id], "status": "closed"}}

    def reports_due(self, today: date) -> list[tuple[str, int, date]]:
        """(kind, year, due date) of every report that should have been filed by
        `today`: an annual report by 31 March for each full year in progress,
        the completion report within 90 days of the agreed end."""
        if self.status != "in_progress":
            return []
        ends_on = self.agreement["ends_on"]
        due = [("annual", year, date(year + 1, 3, 31))
               for year in range(self.approved_on.year, min(today.year - 1, ends_on.year) + 1)]
        due.append(("completion", ends_on.year, ends_on + timedelta(days=90)))
        filed = {r["key"] for r in self.reports.values()}
        return [(kind, year, on) for kind, year, on in due
                if on < today and f"{kind}:{year}" not in filed and f"{kind}:{year}" not in self.flagged]

    def flag_overdue_reports(self, *, today: date, actor: Actor) -> int:
        """报告逾期 (the scheduler): each missing report is flagged once."""
        overdue = self.reports_due(today)
        for kind, year, due_on in overdue:
            self._report_overdue(report_kind=kind, year=year, due_on=due_on, actor=actor,
                                 reason=f"{year} 年{'年度' if kind == 'annual' else '总结'}报告应于 {due_on} 前提交 "
                                        f"(report due {due_on})")
        return len(overdue)

    @event("ReportOverdue")
    def _report_overdue(self, report_kind: str, year: int, due_on: date, actor: Actor, reason: str) -> None:
        self.flagged = [*self.flagged, f"{report_kind}:{year}"]

    def conclude(self, *, grade: str, actor: Actor) -> None:
        """结题 with a grade, once the completion report is accepted."""
        self.require_status("conclude", "in_progress")
        if grade not in GRADES:
            raise InvalidValue("grade 须为 excellent / good / pass / fail", field="grade")
        if not any(r["kind"] == "completion" and r["status"] == "accepted" for r in self.reports.values()):
            raise _refuse("completion_report_missing", "总结报告尚未通过 (the completion report is not accepted)")
        self._concluded(grade=grade, actor=actor)

    @event("Concluded")
    def _concluded(self, grade: str, actor: Actor, reason: str | None = None) -> None:
        self.status = "concluded"

    def terminate(self, *, reason: str, recover_fen: int, actor: Actor) -> None:
        """终止, with the funds to recover (追回资金, seed 000)."""
        self.require_status("terminate", "in_progress")
        if not 0 <= recover_fen <= self.paid_fen:
            raise InvalidValue("追回金额须在 0 到已拨付金额之间 (recovery between 0 and the amount paid)",
                               field="recover_fen")
        self._terminated(recover_fen=recover_fen, unpaid_fen=self.granted_fen - self.paid_fen, actor=actor,
                         reason=_reason(reason))

    @event("Terminated")
    def _terminated(self, recover_fen: int, unpaid_fen: int, actor: Actor, reason: str) -> None:
        self.status = "terminated"
