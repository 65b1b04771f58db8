"""The enterprise–society collaborative innovation programme (企会协作创新计划,
seed 002; DOMAIN.md "Alliances").

A Program is a yearly call with a budget and the settings of its review
(domain.alliance_review): the granted total never exceeds the budget, because
every grant is decided inside the Program aggregate (domain.alliance_funding).
An Alliance is enterprises and societies bound by an agreement (协议书,
domain.alliance_agreement), which walks: draft → submitted → screened (passed |
rejected) → under_review → recommended | not_recommended → in_public_notice →
approved | not_approved → in_progress → concluded | terminated.

This module holds the two aggregates' state and the facts they record (every
@event method), so every stored event keeps its topic
(`domain.alliances:Alliance.Drafted`, `domain.alliances:Program.Opened`, …;
tests/test_alliance_topics.py). The commands that decide whether a fact may be
recorded live beside it, one module per part of the programme, mixed in:

- domain.alliance_signing      drafting, declaring, signing, submitting
- domain.alliance_amendments   changes after approval
- domain.alliance_selection    screening, expert review, ranking's verdict, public notice
- domain.alliance_funding      the budget, approval, tranches, termination
- domain.alliance_reporting    reports, inspections, rectification, conclusion
- domain.alliance_review       the programme's settings and rounds of ranking
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event
from msgspec.structs import replace

from domain.alliance_agreement import AGREEMENT_FIELDS, check_agreement
from domain.alliance_amendments import Amending
from domain.alliance_funding import Budget, Funding
from domain.alliance_reporting import Reporting
from domain.alliance_review import Ranking, check_settings, default_settings, opened_settings, ordered
from domain.alliance_selection import Selection
from domain.alliance_signing import Signing
from domain.alliance_values import Agreement, ProgressItem, Rectification, ReportRecord, typed_since_v2, upcast_v1_v2
from domain.errors import InvalidValue
from domain.model import Entity
from domain.values import Actor
from domain.vocabularies import COOPERATION_CONTENTS, AllianceStatus, Grade, Rating, ReportKind, priority_sector_keys

__all__ = ["AGREEMENT_FIELDS", "COOPERATION_AREAS", "Alliance", "Program", "check_agreement"]

COOPERATION_AREAS = tuple(COOPERATION_CONTENTS)


# -- the program ------------------------------------------------------------------------------
class Program(Ranking, Budget, Entity):
    LABEL = "年度计划"

    @classmethod
    def open_call(cls, *, year: int, title: str, budget_fen: int, priority_sectors: list[str],
                  submission_opens_at: datetime, submission_closes_at: datetime, actor: Actor,
                  notice_days: int | None = None, pass_score: float | None = None,
                  settings: dict[str, Any] | None = None) -> Program:
        if budget_fen <= 0:
            raise InvalidValue("预算须为正数 (budget must be positive)", field="budget_fen")
        if submission_closes_at <= submission_opens_at:
            raise InvalidValue("截止时间须晚于开始时间 (the window must close after it opens)",
                               field="submission_closes_at")
        chosen = check_settings({**(settings or {}),
                                 **({"notice_days": notice_days} if notice_days is not None else {}),
                                 **({"pass_score": pass_score} if pass_score is not None else {})})
        full = {**default_settings(), **chosen}
        return cls(year=year, title=title.strip(), budget_fen=budget_fen,
                   priority_sectors=priority_sector_keys(priority_sectors),
                   submission_opens_at=submission_opens_at, submission_closes_at=submission_closes_at,
                   notice_days=full.pop("notice_days"), pass_score=full.pop("pass_score"), settings=full,
                   actor=actor)

    @event("Opened")
    def __init__(self, year: int, title: str, budget_fen: int, priority_sectors: list[str],
                 submission_opens_at: datetime, submission_closes_at: datetime, notice_days: int,
                 pass_score: float | None, actor: Actor, reason: str | None = None,
                 settings: dict[str, Any] | None = None):
        self.year = year
        self.title = title
        self.budget_fen = budget_fen
        self.priority_sectors = priority_sectors
        self.submission_opens_at = submission_opens_at
        self.submission_closes_at = submission_closes_at
        self.settings = opened_settings(settings, notice_days, pass_score)
        self.status = "open"
        self.granted: dict[str, int] = {}  # alliance id -> fen
        self.ranked = False
        self.rounds = 0
        self.ranking: list[dict[str, Any]] = []

    @property
    def notice_days(self) -> int:
        return int(self.settings["notice_days"])

    @property
    def pass_score(self) -> float | None:
        return self.settings["pass_score"]

    def is_open(self, now: datetime) -> bool:
        return self.submission_opens_at <= now < self.submission_closes_at

    @event("SettingsChanged")
    def _settings_changed(self, changes: dict[str, Any], actor: Actor, reason: str | None) -> None:
        changes = dict(changes)
        if "priority_sectors" in changes:
            self.priority_sectors = changes.pop("priority_sectors")
        self.settings = {**self.settings, **changes}

    @event("Granted")
    def _granted(self, alliance_id: str, amount_fen: int, actor: Actor, reason: str | None = None) -> None:
        self.granted = {**self.granted, alliance_id: amount_fen}

    @event("Released")
    def _released(self, alliance_id: str, amount_fen: int, actor: Actor, reason: str) -> None:
        self.granted = {**self.granted, alliance_id: self.granted[alliance_id] - amount_fen}

    @event("Ranked")
    def _ranked(self, ranking: list[dict[str, Any]], actor: Actor, reason: str | None,
                round: int | None = None) -> None:
        self.rounds = round or self.rounds + 1
        self.ranked = True
        entries = [{**e, "round": self.rounds} for e in ranking]
        self.ranking = ordered([*getattr(self, "ranking", []), *entries], self.settings["tie_breakers"])


# -- the alliance -------------------------------------------------------------------------------
class Alliance(Signing, Amending, Selection, Funding, Reporting, Entity):
    LABEL = "联盟"
    # Snapshots of version 1 held the agreement, reports and rectifications as plain dicts (before issue 14).
    class_version = 2
    upcast_v1_v2 = staticmethod(upcast_v1_v2)

    @classmethod
    def draft(cls, *, program_id: UUID, agreement: dict[str, Any], actor: Actor) -> Alliance:
        return cls(program_id=program_id, agreement=check_agreement(agreement), actor=actor)

    @event("Drafted")
    def __init__(self, program_id: UUID, agreement: Agreement, actor: Actor, reason: str | None = None):
        self.program_id = program_id
        self.agreement = agreement
        self.agreement_version = 1
        self.signatures: list[str] = []
        self.declarations: dict[str, dict[str, Any]] = {}  # party id -> its own declaration
        self.status: AllianceStatus = "draft"
        self.eligibility: dict[str, Any] | None = None
        self.reviewers: dict[str, dict[str, Any]] = {}  # account id -> {declared, scores, recommend, ...}
        self.final_score: float | None = None
        self.notice_ends_at: datetime | None = None
        self.objections: dict[str, dict[str, Any]] = {}
        self.granted_fen = 0
        self.paid_fen = 0
        self.reports: dict[str, ReportRecord] = {}
        self.rectifications: dict[str, Rectification] = {}  # by inspection id
        self.amendments: dict[str, dict[str, Any]] = {}
        self.flagged: list[str] = []

    # -- drafting, declaring and signing (domain.alliance_signing) --------------------------------
    @event("Revised")
    def _revised(self, agreement: Agreement, voided: list[str], actor: Actor, reason: str | None = None) -> None:
        self.agreement = agreement
        self.agreement_version += 1
        self.signatures = []

    @event("PartyDeclared")
    def _party_declared(self, party_id: str, declaration: dict[str, Any], actor: Actor,
                        reason: str | None = None) -> None:
        self.declarations = {**self.declarations, party_id: declaration}

    @event("Signed")
    def _signed(self, party_id: str, agreement_version: int, actor: Actor, reason: str | None = None,
                signed_on: date | None = None) -> None:  # signed_on: a paper signature entered later
        self.signatures = [*self.signatures, party_id]

    @event("Submitted")
    def _submitted(self, agreement_version: int, actor: Actor, reason: str | None = None) -> None:
        self.status = "submitted"

    # -- screening, review, public notice (domain.alliance_selection) -----------------------------
    @event("EligibilityOverridden")
    def _eligibility_overridden(self, failed: list[dict[str, Any]], actor: Actor, reason: str) -> None:
        pass

    @event("Screened")
    def _screened(self, decision: str, eligibility: dict[str, Any], actor: Actor, reason: str,
                  override: str | None = None) -> None:
        self.eligibility = {**eligibility, "override": override}
        self.status = "under_review" if decision == "pass" else "rejected"

    @event("ReviewerAssigned")
    def _reviewer_assigned(self, reviewer_id: str, actor: Actor, reason: str | None = None) -> None:
        self.reviewers = {**self.reviewers, reviewer_id: {"declared": False}}

    @event("Declared")
    def _declared(self, reviewer_id: str, statement: str | None, actor: Actor, reason: str | None = None) -> None:
        self.reviewers = {**self.reviewers, reviewer_id: {**self.reviewers[reviewer_id], "declared": True}}

    @event("Reviewed")
    def _reviewed(self, reviewer_id: str, scores: dict[str, float], recommend: bool, comment: str, actor: Actor,
                  reason: str | None = None) -> None:
        self.reviewers = {**self.reviewers, reviewer_id: {
            **self.reviewers[reviewer_id], "scores": scores, "recommend": recommend, "comment": comment}}

    @event("ReviewConcluded")
    def _review_concluded(self, score: dict[str, Any], rank: int, recommended: bool, actor: Actor,
                          reason: str | None = None, round: int | None = None) -> None:
        self.final_score = score["final"]
        self.status = "recommended" if recommended else "not_recommended"

    @event("NoticeStarted")
    def _notice_started(self, ends_at: datetime, actor: Actor, reason: str | None = None) -> None:
        self.status = "in_public_notice"
        self.notice_ends_at = ends_at

    @event("Objected")
    def _objected(self, objection_id: str, grounds: str, contact: dict[str, Any] | str | None, actor: Actor,
                  reason: str | None = None) -> None:
        self.objections = {**self.objections, objection_id: {"grounds": grounds, "status": "open"}}

    @event("ObjectionResolved")
    def _objection_resolved(self, objection_id: str, outcome: str, actor: Actor, reason: str) -> None:
        self.objections = {**self.objections, objection_id: {**self.objections[objection_id], "status": outcome}}
        if outcome == "upheld":
            self.status = "not_approved"

    # -- approval and money (domain.alliance_funding) -----------------------------------------------
    @event("Approved")
    def _approved(self, granted_fen: int, agreement_version: int, approved_on: date, actor: Actor,
                  reason: str | None = None) -> None:
        self.status = "in_progress"
        self.granted_fen = granted_fen
        self.approved_on = approved_on
        self.flagged: list[str] = []

    @event("Paid")
    def _paid(self, amount_fen: int, paid_on: date, actor: Actor, reason: str | None = None) -> None:
        self.paid_fen += amount_fen

    @event("Terminated")
    def _terminated(self, recover_fen: int, unpaid_fen: int, actor: Actor, reason: str,
                    effective_on: date | None = None) -> None:
        self.status = "terminated"
        self.terminated_on = effective_on

    # -- amendments (domain.alliance_amendments) ----------------------------------------------------
    @event("AmendmentRequested")
    def _amendment_requested(self, amendment_id: str, changes: dict[str, Any], actor: Actor, reason: str) -> None:
        self.amendments = {**self.amendments, amendment_id: {"changes": changes, "status": "requested",
                                                             "signatures": [], "screening": None}}

    @event("AmendmentSigned")
    def _amendment_signed(self, amendment_id: str, party_id: str, actor: Actor, reason: str | None = None) -> None:
        amendment = self.amendments[amendment_id]
        self.amendments = {**self.amendments, amendment_id: {
            **amendment, "signatures": [*amendment.get("signatures", []), party_id]}}

    @event("AmendmentScreened")
    def _amendment_screened(self, amendment_id: str, decision: str, eligibility: dict[str, Any],
                            override: str | None, actor: Actor, reason: str) -> None:
        self.amendments = {**self.amendments, amendment_id: {
            **self.amendments[amendment_id],
            "screening": {"decision": decision, "eligibility": {**eligibility, "override": override}}}}

    @event("AmendmentDecided")
    def _amendment_decided(self, amendment_id: str, approved: bool, agreement: Agreement | None, actor: Actor,
                           reason: str) -> None:
        self.amendments = {**self.amendments, amendment_id: {
            **self.amendments[amendment_id], "status": "approved" if approved else "refused"}}
        if approved and agreement is not None:
            amendment = self.amendments[amendment_id]
            if set(agreement.parties()) != set(self.parties()):
                self.signatures = list(amendment.get("signatures", []))  # the signatures on the amendment bind
                if amendment.get("screening"):
                    self.eligibility = amendment["screening"]["eligibility"]
            self.agreement = agreement
            self.agreement_version += 1

    # -- reports, inspections, the end (domain.alliance_reporting) ----------------------------------
    @event("ReportFiled")
    def _report_filed(self, report_id: str, report_kind: ReportKind, year: int, progress: list[ProgressItem],
                      spending_fen: int, outcomes: str, actor: Actor, reason: str | None = None,
                      received_on: date | None = None) -> None:  # received_on: a paper report entered later
        previous = self.reports.get(report_id)
        self.reports = {**self.reports, report_id: ReportRecord(kind=report_kind, year=year, status="filed",
                                                               version=previous.version + 1 if previous else 1)}

    @event("ReportJudged")
    def _report_judged(self, report_id: str, accepted: bool, actor: Actor, reason: str | None) -> None:
        self.reports = {**self.reports, report_id: replace(self.reports[report_id],
                                                          status="accepted" if accepted else "returned")}

    @event("ReportOverdue")
    def _report_overdue(self, report_kind: ReportKind, year: int, due_on: date, actor: Actor, reason: str) -> None:
        self.flagged = [*self.flagged, f"{report_kind}:{year}"]

    @event("Inspected")
    def _inspected(self, inspection_id: str, inspected_on: date, inspectors: list[Any], findings: str, rating: Rating,
                   rectification_due_on: date | None, actor: Actor, reason: str | None = None) -> None:
        if rectification_due_on is not None:
            self.rectifications = {**self.rectifications, inspection_id: Rectification(due_on=rectification_due_on)}

    @event("RectificationClosed")
    def _rectification_closed(self, inspection_id: str, actor: Actor, reason: str) -> None:
        self.rectifications = {**self.rectifications,
                               inspection_id: replace(self.rectifications[inspection_id], status="closed")}

    @event("Concluded")
    def _concluded(self, grade: Grade, actor: Actor, reason: str | None = None, effective_on: date | None = None,
                   ) -> None:
        self.status = "concluded"
        self.concluded_on = effective_on

    @event("RectificationOverdue")
    def _rectification_overdue(self, inspection_id: str, due_on: date, actor: Actor, reason: str) -> None:
        self.rectifications = {**self.rectifications,
                               inspection_id: replace(self.rectifications[inspection_id], flagged=True)}

    @event("DateCorrected")
    def _date_corrected(self, what: str, ref: str | None, on: date, previous: date | None, actor: Actor,
                        reason: str) -> None:
        setattr(self, f"{what}_on", on)


typed_since_v2(Alliance)
