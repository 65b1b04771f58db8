"""Request bodies of the alliance programme (API.md "Alliances"): strict
msgspec Structs, unknown fields refused. The web pages (api.pages) take the
same bodies from here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from api.schemas import LongText, Note, Strict, Text, line, paragraphs
from domain.vocabularies import (
    CooperationArea,
    CorrectableDecision,
    Grade,
    ObjectionOutcome,
    PriorityBonus,
    ProgressStatus,
    Rating,
    ReportKind,
    ScreeningDecision,
)

Fen = Annotated[int, Meta(ge=0, le=10**13)]
# RFC 3339; a time without an offset is read in QIHUI_TIME_ZONE (the association's), stored in UTC.
Instant = Annotated[datetime, Meta(description="时间，无时区时按协会时区 (no offset: the association's zone)")]
# The vocabularies are the domain's (domain.vocabularies), defined once.
Area = CooperationArea
Priority = PriorityBonus
Criterion = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$(?!\n)",
                                description="评审指标标识 (criterion key, e.g. innovation)")]
Weight = Annotated[float, Meta(gt=0, le=100)]
Points = Annotated[float, Meta(ge=0, le=100)]
Score = Annotated[float, Meta(ge=0, le=100)]
Days = Annotated[int, Meta(ge=0, le=366)]
Sector = Annotated[Text, Meta(description="行业：词表键或中文名 (a sector key or its Chinese label)")]
Plain = paragraphs(5000, 0)
_UNSET: Any = msgspec.UNSET


class ProgramIn(Strict):
    """年度计划. Only year, title, budget, priority sectors and window are required;
    every review setting has the seed's default (no points, no pass score)."""

    year: Annotated[int, Meta(ge=2000, le=2100)]
    title: Text
    budget_fen: Annotated[int, Meta(gt=0, le=10**13)]
    priority_sectors: list[Sector]
    submission_opens_at: Instant
    submission_closes_at: Instant
    notice_days: Annotated[int, Meta(ge=1, le=90)] = 7
    pass_score: Score | None = None
    criteria: dict[Criterion, Weight] | None = None
    bonuses: dict[Priority, Points] | None = None
    tie_breakers: list[Priority] | None = None
    annual_report_due_days: Days | None = None
    completion_report_due_days: Days | None = None


class ProgramSettingsIn(Strict, omit_defaults=True):
    """计划设置: only the settings sent change (`pass_score: null` removes the pass score)."""

    priority_sectors: list[Sector] | msgspec.UnsetType = _UNSET
    criteria: dict[Criterion, Weight] | msgspec.UnsetType = _UNSET
    pass_score: Score | msgspec.UnsetType | None = _UNSET
    bonuses: dict[Priority, Points] | msgspec.UnsetType = _UNSET
    tie_breakers: list[Priority] | msgspec.UnsetType = _UNSET
    notice_days: Annotated[int, Meta(ge=1, le=90)] | msgspec.UnsetType = _UNSET
    annual_report_due_days: Days | msgspec.UnsetType | None = _UNSET
    completion_report_due_days: Days | msgspec.UnsetType | None = _UNSET
    reason: Note | msgspec.UnsetType | None = _UNSET


class Task(Strict):
    title: Text
    due_on: date
    indicator: Text


class Indicator(Strict):
    """定期考核指标: what is checked, and when."""

    due_on: date
    indicator: Text


class Expert(Strict):
    name: Annotated[str, Meta(min_length=1, max_length=50)]
    title: Annotated[str, Meta(max_length=100)]
    employer: Annotated[str, Meta(max_length=200)]
    speciality: Annotated[str, Meta(max_length=200)]
    society_id: UUID | None = None  # the society sending the expert (default: the lead society)
    person_id: UUID | None = None  # an expert already on the team keeps their id (personal data is sealed)


class Contribution(Strict):
    """自筹投入 of one party (研发投入应以企业为主)."""

    party_id: UUID
    amount_fen: Fen


class DedicatedAccount(Strict):
    """项目资金专账."""

    bank: Text
    account_name: Text
    account_number: Annotated[str, Meta(min_length=4, max_length=40, pattern=r"^[0-9][0-9 \-]*$(?!\n)")]


class AgreementIn(Strict):
    title: Text
    enterprises: Annotated[list[UUID], Meta(min_length=1, max_length=50)]
    societies: Annotated[list[UUID], Meta(min_length=1, max_length=50)]
    lead_enterprise_id: UUID
    lead_society_id: UUID
    cooperation_areas: Annotated[list[Area], Meta(min_length=1)]
    sector: Sector
    goals: LongText
    tasks: Annotated[list[Task], Meta(min_length=1, max_length=100)]
    starts_on: date
    ends_on: date
    budget_fen: Fen
    requested_funding_fen: Fen
    expert_team: list[Expert]
    other_sectors: list[Sector] = msgspec.field(default_factory=list)
    work_plan: Plain = ""
    indicators: Annotated[list[Indicator], Meta(max_length=100)] = msgspec.field(default_factory=list)
    safeguards: Plain = ""
    contributions: Annotated[list[Contribution], Meta(max_length=100)] = msgspec.field(default_factory=list)
    fund_use_direction: Plain = ""
    fund_use_scope: Plain = ""
    dedicated_account: DedicatedAccount | None = None
    workspace: Annotated[str, Meta(max_length=2000)] = ""  # a general note; each enterprise declares its own


class AllianceIn(AgreementIn, kw_only=True):
    program_id: UUID


class PartyDeclarationIn(Strict):
    """申报声明 of one party (its own account; staff name `party_id`). An enterprise
    declares `workspace`; a society `service_experience`, `work_plan_year`,
    `work_plan` and `responsible_staff`. `evidence` names the supporting document."""

    evidence: line(500)
    party_id: UUID | None = None
    workspace: Plain | None = None
    service_experience: Plain | None = None
    work_plan_year: Annotated[int, Meta(ge=2000, le=2100)] | None = None
    work_plan: Plain | None = None
    responsible_staff: Annotated[list[line(50)], Meta(max_length=50)] | None = None


class OverrideIn(Strict):
    reason: LongText


class Screening(Strict):
    decision: ScreeningDecision
    reasons: LongText
    override: OverrideIn | None = None


class ReviewIn(Strict):
    scores: dict[Criterion, Score]
    recommend: bool
    comment: Annotated[str, Meta(max_length=5000)]


class AgreementChanges(Strict, omit_defaults=True):
    """The fields of the agreement an amendment changes; any other key is refused."""

    title: Text | msgspec.UnsetType = _UNSET
    enterprises: Annotated[list[UUID], Meta(min_length=1, max_length=50)] | msgspec.UnsetType = _UNSET
    societies: Annotated[list[UUID], Meta(min_length=1, max_length=50)] | msgspec.UnsetType = _UNSET
    lead_enterprise_id: UUID | msgspec.UnsetType = _UNSET
    lead_society_id: UUID | msgspec.UnsetType = _UNSET
    cooperation_areas: Annotated[list[Area], Meta(min_length=1)] | msgspec.UnsetType = _UNSET
    sector: Sector | msgspec.UnsetType = _UNSET
    other_sectors: list[Sector] | msgspec.UnsetType = _UNSET
    goals: LongText | msgspec.UnsetType = _UNSET
    tasks: Annotated[list[Task], Meta(min_length=1, max_length=100)] | msgspec.UnsetType = _UNSET
    work_plan: Plain | msgspec.UnsetType = _UNSET
    indicators: Annotated[list[Indicator], Meta(max_length=100)] | msgspec.UnsetType = _UNSET
    safeguards: Plain | msgspec.UnsetType = _UNSET
    starts_on: date | msgspec.UnsetType = _UNSET
    ends_on: date | msgspec.UnsetType = _UNSET
    budget_fen: Fen | msgspec.UnsetType = _UNSET
    requested_funding_fen: Fen | msgspec.UnsetType = _UNSET
    contributions: Annotated[list[Contribution], Meta(max_length=100)] | msgspec.UnsetType = _UNSET
    fund_use_direction: Plain | msgspec.UnsetType = _UNSET
    fund_use_scope: Plain | msgspec.UnsetType = _UNSET
    dedicated_account: DedicatedAccount | msgspec.UnsetType = _UNSET
    expert_team: list[Expert] | msgspec.UnsetType = _UNSET
    workspace: Annotated[str, Meta(max_length=2000)] | msgspec.UnsetType = _UNSET


class AmendmentIn(Strict):
    changes: AgreementChanges
    reason: LongText


class AmendmentDecision(Strict):
    approve: bool
    reason: LongText


# -- review and ranking ----------------------------------------------------------------------------
class ReviewersIn(Strict):
    reviewer_ids: Annotated[list[UUID], Meta(min_length=1, max_length=20)]


class DeclarationIn(Strict):
    no_conflict: Literal[True]
    statement: Annotated[str, Meta(max_length=2000)] | None = None


class ObjectionIn(Strict):
    grounds: LongText
    contact: Annotated[str, Meta(max_length=200)] | None = None


class ResolutionIn(Strict):
    outcome: ObjectionOutcome
    reason: LongText


# -- funding ---------------------------------------------------------------------------------------
class ApprovalIn(Strict):
    granted_fen: Annotated[int, Meta(gt=0, le=10**13)]
    approved_on: Annotated[date | None, Meta(description="批准日期，默认今天；补录时填写实际日期，不早于公示期结束 "
                                                         "(day of the decision; today by default)")] = None


class PaymentIn(Strict):
    amount_fen: Annotated[int, Meta(gt=0, le=10**13)]
    paid_on: date


class TerminationIn(Strict):
    reason: LongText
    recover_fen: Fen
    effective_on: date | None = None


class DateCorrectionIn(Strict):
    what: Annotated[CorrectableDecision,
                    Meta(description="更正哪一项的生效日期 (which decision's effective day)")]
    on: Annotated[date, Meta(description="正确的日期 (the right day)")]
    reason: LongText


# -- reporting and inspection ----------------------------------------------------------------------
class Progress(Strict):
    task: Text
    status: ProgressStatus
    note: Annotated[str, Meta(max_length=5000)] = ""


class ReportIn(Strict):
    kind: ReportKind
    year: Annotated[int, Meta(ge=2000, le=2100)]
    progress: list[Progress]
    spending_fen: Fen
    outcomes: Annotated[str, Meta(max_length=10_000)]
    received_on: Annotated[date | None, Meta(description="纸质报告的收到日期 (staff only; not in the future): "
                                                          "the day a paper report reached the secretariat")] = None


class SignatureIn(Strict):
    party_id: Annotated[UUID | None, Meta(description="秘书处补录纸质签署时：签署方 (staff: the party that signed "
                                                        "on paper); an organisation's account signs for itself")] = None
    signed_on: Annotated[date | None, Meta(description="纸质签署日期 (staff only; not in the future)")] = None


class Acceptance(Strict):
    comment: Annotated[str, Meta(max_length=5000)] | None = None


class ReturnIn(Strict):
    reasons: LongText


class InspectionIn(Strict):
    inspected_on: date
    inspectors: Annotated[list[Annotated[str, Meta(min_length=1, max_length=50)]], Meta(min_length=1)]
    findings: LongText
    rating: Rating
    rectification_due_on: date | None = None


class ClosureIn(Strict):
    note: LongText


class ConclusionIn(Strict):
    grade: Grade
    concluded_on: Annotated[date | None, Meta(description="结题日期，默认今天 (day of the decision; today by default)")
                            ] = None
