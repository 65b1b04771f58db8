"""The enterprise–society collaborative innovation programme (企会协作创新计划,
seed 002; DOMAIN.md "Alliances").

A Program is a yearly call with a budget and the settings of its review
(domain.alliance_review): the granted total never exceeds the budget, because
every grant is decided inside the Program aggregate. An Alliance is enterprises
and societies bound by an agreement (协议书, domain.alliance_agreement), which
walks: draft → submitted → screened (passed | rejected) → under_review →
recommended | not_recommended → in_public_notice → approved | not_approved →
in_progress → concluded | terminated.

Screening binds (二（二）3 "审核把关，淘汰不符合要求的申报"): an alliance whose
eligibility report failed passes only with an explicit, recorded override.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.alliance_agreement import AGREEMENT_FIELDS, check_agreement, check_submission
from domain.alliance_review import (
    RANKING_SETTINGS,
    check_settings,
    default_settings,
    opened_settings,
    ordered,
    review_complete,
)
from domain.errors import DomainError, InvalidValue
from domain.model import Entity
from domain.values import Actor
from domain.vocabularies import COOPERATION_CONTENTS, priority_sector_keys

__all__ = ["AGREEMENT_FIELDS", "COOPERATION_AREAS", "Alliance", "Program", "check_agreement"]

COOPERATION_AREAS = tuple(COOPERATION_CONTENTS)
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

    def change_settings(self, *, changes: dict[str, Any], actor: Actor, reason: str | None) -> None:
        """计划设置: criteria and weights, pass score, bonuses, tie-breakers, priority
        sectors, notice days, report deadlines. What decides the ranking is fixed once
        the programme has ranked, so every round ranks by the same rules."""
        changes = check_settings(changes)
        current = {**self.settings, "priority_sectors": self.priority_sectors}
        real = {k: v for k, v in changes.items() if current.get(k) != v}
        if not real:
            raise InvalidValue("设置没有变化 (nothing to change)", field="settings")
        frozen = sorted(set(real) & set(RANKING_SETTINGS))
        if frozen and self.rounds:
            raise _refuse("ranking_rules_frozen", f"已排序过，评审规则不能再改：{', '.join(frozen)} "
                          "(the programme has ranked: its ranking rules are fixed)", frozen[0])
        self._settings_changed(changes=real, actor=actor, reason=reason)

    @event("SettingsChanged")
    def _settings_changed(self, changes: dict[str, Any], actor: Actor, reason: str | None) -> None:
        changes = dict(changes)
        if "priority_sectors" in changes:
            self.priority_sectors = changes.pop("priority_sectors")
        self.settings = {**self.settings, **changes}

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

    def record_ranking(self, *, entries: list[dict[str, Any]], actor: Actor) -> None:
        """One round of ranking: the alliances reviewed since the last round join the
        programme's standings (alliances screened later are ranked by a later round)."""
        if not entries:
            raise _refuse("nothing_to_rank", "没有待排序的联盟 (no reviewed alliance awaits ranking)")
        ranked = {e["alliance_id"] for e in self.ranking}
        if any(e["alliance_id"] in ranked for e in entries):
            raise _refuse("already_ranked", "联盟已排序 (an alliance was ranked already)")
        self._ranked(ranking=entries, round=self.rounds + 1, actor=actor, reason=None)

    @event("Ranked")
    def _ranked(self, ranking: list[dict[str, Any]], actor: Actor, reason: str | None,
                round: int | None = None) -> None:
        self.rounds = round or self.rounds + 1
        self.ranked = True
        entries = [{**e, "round": self.rounds} for e in ranking]
        self.ranking = ordered([*getattr(self, "ranking", []), *entries], self.settings["tie_breakers"])


# -- the alliance -------------------------------------------------------------------------------
ENTERPRISE_DECLARATION = ("workspace", "evidence")
SOCIETY_DECLARATION = ("service_experience", "work_plan_year", "work_plan", "responsible_staff", "evidence")


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
        self.declarations: dict[str, dict[str, Any]] = {}  # party id -> its own declaration
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
        self.flagged: list[str] = []

    def parties(self) -> list[str]:
        return [*self.agreement["enterprises"], *self.agreement["societies"]]

    # -- drafting, declaring and signing --------------------------------------------------------
    def revise(self, *, agreement: dict[str, Any], actor: Actor) -> None:
        """A new version of the agreement; every signature on the old one is void."""
        self.require_status("revise the agreement", "draft")
        self._revised(agreement=check_agreement(agreement), voided=list(self.signatures), actor=actor)

    @event("Revised")
    def _revised(self, agreement: dict[str, Any], voided: list[str], actor: Actor, reason: str | None = None) -> None:
        self.agreement = agreement
        self.agreement_version += 1
        self.signatures = []

    def declare(self, *, party_id: UUID, declaration: dict[str, Any], actor: Actor) -> None:
        """申报声明: what one party states for itself, with an evidence reference —
        an enterprise the workspace and equipment it provides (三（一）3); a society its
        service experience, this year's work plan and the staff named for it (三（二）2–3).
        A later declaration replaces the earlier one; it does not touch the signatures.
        After approval, the parties of a change of parties declare before its new screening."""
        self.require_status("declare", "draft", "in_progress")
        party = str(party_id)
        agreement = self.agreement if self.status == "draft" else self._agreement_awaiting_screening(party)
        if party in agreement["enterprises"]:
            fields = ENTERPRISE_DECLARATION
        elif party in agreement["societies"]:
            fields = SOCIETY_DECLARATION
        else:
            raise _refuse("not_a_party", "只有联盟各方可以申报 (only parties declare)", "party_id")
        unknown = sorted(set(declaration) - set(fields))
        if unknown:
            raise InvalidValue(f"{unknown[0]} 不属于该方的申报内容 (not part of this party's declaration)",
                               field=unknown[0])
        if not (declaration.get("evidence") or "").strip():
            raise InvalidValue("须注明证明材料 (an evidence reference is required)", field="evidence")
        self._party_declared(party_id=party, declaration={k: declaration.get(k) for k in fields}, actor=actor)

    def _agreement_awaiting_screening(self, party: str) -> dict[str, Any]:
        """After approval a party declares only for a pending change of parties not yet screened."""
        for amendment_id, amendment in self.amendments.items():
            if amendment["status"] == "requested" and amendment.get("screening") is None:
                parties = self.amended_parties(amendment_id)
                if parties is not None and party in parties:
                    return self.amended_agreement(amendment_id)
        raise _refuse("not_a_party", "只有待把关的成员变更的各方可以申报 (only parties of a change of parties "
                      "awaiting screening declare)", "party_id")

    @event("PartyDeclared")
    def _party_declared(self, party_id: str, declaration: dict[str, Any], actor: Actor,
                        reason: str | None = None) -> None:
        self.declarations = {**self.declarations, party_id: declaration}

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
        """联合申报: every party has signed the current version, within the window, and
        the agreement holds what the seed asks for (content; enterprise-led R&D investment)."""
        self.require_status("submit", "draft")
        missing = [p for p in self.parties() if p not in self.signatures]
        if missing:
            raise _refuse("signatures_missing", f"尚有 {len(missing)} 方未签署 (not every party has signed)")
        if not program_open:
            raise _refuse("program_closed", "不在申报期内 (the submission window is closed)")
        check_submission(self.agreement)
        self._submitted(agreement_version=self.agreement_version, actor=actor)

    @event("Submitted")
    def _submitted(self, agreement_version: int, actor: Actor, reason: str | None = None) -> None:
        self.status = "submitted"

    # -- screening -------------------------------------------------------------------------------
    def screen(self, *, decision: str, reasons: str, eligibility: dict[str, Any], actor: Actor,
               override: str | None = None) -> None:
        """科协把关: the computed eligibility report is stored with the staff's decision.
        Screening binds: passing a failed report needs an override with its reason,
        recorded as its own event before the decision."""
        self.require_status("screen", "submitted")
        reasons = _reason(reasons, "reasons")
        override = _check_override(decision, eligibility, override)
        if override is not None:
            self._eligibility_overridden(failed=_failed(eligibility), actor=actor, reason=override)
        self._screened(decision=decision, eligibility=eligibility, override=override, actor=actor, reason=reasons)

    @event("EligibilityOverridden")
    def _eligibility_overridden(self, failed: list[dict[str, Any]], actor: Actor, reason: str) -> None:
        pass

    @event("Screened")
    def _screened(self, decision: str, eligibility: dict[str, Any], actor: Actor, reason: str,
                  override: str | None = None) -> None:
        self.eligibility = {**eligibility, "override": override}
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

    def declare_no_conflict(self, *, reviewer_id: UUID, statement: str | None, actor: Actor) -> None:
        """无利益冲突声明, before the reviewer sees the application."""
        self.require_status("declare", "under_review")
        if self._reviewer(reviewer_id)["declared"]:
            raise _refuse("already_declared", "已声明 (already declared)")
        self._declared(reviewer_id=str(reviewer_id), statement=statement, actor=actor)

    @event("Declared")
    def _declared(self, reviewer_id: str, statement: str | None, actor: Actor, reason: str | None = None) -> None:
        self.reviewers = {**self.reviewers, reviewer_id: {**self.reviewers[reviewer_id], "declared": True}}

    def review(self, *, reviewer_id: UUID, scores: dict[str, float], recommend: bool, comment: str,
               criteria: dict[str, float], actor: Actor) -> None:
        """专家评审 on the programme's criteria (each 0–100); a reviewer may revise until ranking."""
        self.require_status("review", "under_review")
        if not self._reviewer(reviewer_id)["declared"]:
            raise _refuse("declaration_required", "请先声明无利益冲突 (declare no conflict first)")
        if not review_complete(scores, criteria):
            raise InvalidValue(f"须按本计划的评审指标评分：{', '.join(criteria)} (score every criterion)",
                               field="scores")
        if any(not 0 <= v <= 100 for v in scores.values()):
            raise InvalidValue("每项评分 0–100 (each score 0..100)", field="scores")
        self._reviewed(reviewer_id=str(reviewer_id), scores=scores, recommend=recommend, comment=comment,
                       actor=actor)

    @event("Reviewed")
    def _reviewed(self, reviewer_id: str, scores: dict[str, float], recommend: bool, comment: str, actor: Actor,
                  reason: str | None = None) -> None:
        self.reviewers = {**self.reviewers, reviewer_id: {
            **self.reviewers[reviewer_id], "scores": scores, "recommend": recommend, "comment": comment}}

    def reviews(self, criteria: dict[str, float] | None = None) -> list[dict[str, Any]]:
        """The reviews given (with `criteria`, only those scoring exactly these)."""
        return [r for r in self.reviewers.values()
                if "scores" in r and (criteria is None or review_complete(r["scores"], criteria))]

    def conclude_review(self, *, score: dict[str, Any], recommended: bool, rank: int, round: int,
                        actor: Actor) -> None:
        """The programme's ranking decides: recommended or not."""
        self.require_status("rank", "under_review")
        self._review_concluded(score=score, rank=rank, recommended=recommended, round=round, actor=actor)

    @event("ReviewConcluded")
    def _review_concluded(self, score: dict[str, Any], rank: int, recommended: bool, actor: Actor,
                          reason: str | None = None, round: int | None = None) -> None:
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

    def object(self, *, objection_id: str, grounds: str, contact: dict[str, Any] | None, now: datetime,
               actor: Actor) -> None:
        self.require_status("object", "in_public_notice")
        if self.notice_ends_at is not None and now >= self.notice_ends_at:
            raise _refuse("notice_ended", "公示期已结束 (the notice period has ended)")
        self._objected(objection_id=objection_id, grounds=_reason(grounds, "grounds"), contact=contact, actor=actor)

    @event("Objected")
    def _objected(self, objection_id: str, grounds: str, contact: dict[str, Any] | str | None, actor: Actor,
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

    # -- after approval: amendments ----------------------------------------------------------------
    def request_amendment(self, *, amendment_id: str, changes: dict[str, Any], reason: str, actor: Actor) -> None:
        """The approved agreement is frozen: changes go through an amendment. Only
        agreement fields may change, and the amended agreement must still be one the
        programme would receive (complete, enterprise-led)."""
        self.require_status("request an amendment", "in_progress")
        unknown = sorted(set(changes) - AGREEMENT_FIELDS)
        if unknown:
            raise InvalidValue(f"不能变更的字段 {', '.join(unknown)} (not an agreement field)",
                               field=f"changes.{unknown[0]}")
        if not changes:
            raise InvalidValue("变更内容为空 (no change requested)", field="changes")
        check_submission(check_agreement({**self.agreement, **changes}))
        self._amendment_requested(amendment_id=amendment_id, changes=changes, actor=actor, reason=_reason(reason))

    @event("AmendmentRequested")
    def _amendment_requested(self, amendment_id: str, changes: dict[str, Any], actor: Actor, reason: str) -> None:
        self.amendments = {**self.amendments, amendment_id: {"changes": changes, "status": "requested",
                                                             "signatures": [], "screening": None}}

    def amended_agreement(self, amendment_id: str) -> dict[str, Any]:
        return check_agreement({**self.agreement, **self._pending_amendment(amendment_id)["changes"]})

    def amended_parties(self, amendment_id: str) -> list[str] | None:
        """The parties after an amendment, when it changes them (else None)."""
        after = self.amended_agreement(amendment_id)
        parties = [*after["enterprises"], *after["societies"]]
        return parties if set(parties) != set(self.parties()) else None

    def _pending_amendment(self, amendment_id: str) -> dict[str, Any]:
        amendment = self.amendments.get(amendment_id)
        if amendment is None or amendment["status"] != "requested":
            raise DomainError("没有待决的变更申请 (no pending amendment)", code="not_found", field="amendment_id")
        return amendment

    def sign_amendment(self, *, amendment_id: str, party_id: UUID, actor: Actor) -> None:
        """A change of parties binds only when every party of the amended agreement signs it."""
        amendment = self._pending_amendment(amendment_id)
        party = str(party_id)
        if party not in (self.amended_parties(amendment_id) or self.parties()):
            raise _refuse("not_a_party", "只有变更后的联盟各方可以签署 (only parties sign)", "party")
        if party in amendment.get("signatures", []):
            raise _refuse("already_signed", "已签署该变更 (already signed this amendment)")
        self._amendment_signed(amendment_id=amendment_id, party_id=party, actor=actor)

    @event("AmendmentSigned")
    def _amendment_signed(self, amendment_id: str, party_id: str, actor: Actor, reason: str | None = None) -> None:
        amendment = self.amendments[amendment_id]
        self.amendments = {**self.amendments, amendment_id: {
            **amendment, "signatures": [*amendment.get("signatures", []), party_id]}}

    def _unsigned(self, amendment_id: str) -> list[str]:
        new_parties = self.amended_parties(amendment_id) or []
        return [p for p in new_parties if p not in self.amendments[amendment_id].get("signatures", [])]

    def screen_amendment(self, *, amendment_id: str, decision: str, reasons: str, eligibility: dict[str, Any],
                         actor: Actor, override: str | None = None) -> None:
        """A change of parties is screened again (科协把关), once every party of the
        amended agreement has signed; the same rule binds: a failed report passes
        only with an override."""
        self._pending_amendment(amendment_id)
        if self.amended_parties(amendment_id) is None:
            raise _refuse("screening_not_needed", "该变更不涉及联盟成员，无需重新把关 (parties unchanged)")
        if self._unsigned(amendment_id):
            raise _refuse("signatures_missing", f"尚有 {len(self._unsigned(amendment_id))} 方未签署该变更 "
                          "(not every party has signed the amendment)", "signatures")
        reasons = _reason(reasons, "reasons")
        override = _check_override(decision, eligibility, override)
        if override is not None:
            self._eligibility_overridden(failed=_failed(eligibility), actor=actor, reason=override)
        self._amendment_screened(amendment_id=amendment_id, decision=decision, eligibility=eligibility,
                                 override=override, actor=actor, reason=reasons)

    @event("AmendmentScreened")
    def _amendment_screened(self, amendment_id: str, decision: str, eligibility: dict[str, Any],
                            override: str | None, actor: Actor, reason: str) -> None:
        self.amendments = {**self.amendments, amendment_id: {
            **self.amendments[amendment_id],
            "screening": {"decision": decision, "eligibility": {**eligibility, "override": override}}}}

    def decide_amendment(self, *, amendment_id: str, approve: bool, reason: str, actor: Actor) -> None:
        """审批变更. A change of parties needs every party's signature and a new
        screening that passed."""
        amendment = self._pending_amendment(amendment_id)
        agreement = self.amended_agreement(amendment_id) if approve else None
        if approve and self.amended_parties(amendment_id) is not None:
            unsigned = self._unsigned(amendment_id)
            if unsigned:
                raise _refuse("signatures_missing", f"联盟成员变更须经各方签署，尚有 {len(unsigned)} 方未签署 "
                              "(a change of parties needs every party's signature)", "signatures")
            screening = amendment.get("screening")
            if screening is None:
                raise _refuse("screening_required", "联盟成员变更须重新经科协把关 (a change of parties is "
                              "screened again first)", "amendment_id")
            if screening["decision"] != "pass":
                raise _refuse("not_eligible", "变更后的联盟未通过把关 (the amended alliance did not pass screening)",
                              "amendment_id")
        self._amendment_decided(amendment_id=amendment_id, approved=approve, agreement=agreement, actor=actor,
                                reason=_reason(reason))

    @event("AmendmentDecided")
    def _amendment_decided(self, amendment_id: str, approved: bool, agreement: dict[str, Any] | None, actor: Actor,
                           reason: str) -> None:
        self.amendments = {**self.amendments, amendment_id: {
            **self.amendments[amendment_id], "status": "approved" if approved else "refused"}}
        if approved and agreement is not None:
            amendment = self.amendments[amendment_id]
            if {*agreement["enterprises"], *agreement["societies"]} != set(self.parties()):
                self.signatures = list(amendment.get("signatures", []))  # the signatures on the amendment bind
                if amendment.get("screening"):
                    self.eligibility = amendment["screening"]["eligibility"]
            self.agreement = agreement
            self.agreement_version += 1

    # -- reports (四（四）"按年度或在完成任务后…报送任务完成情况和总结报告") --------------------------
    def annual_report_years(self) -> list[int]:
        """The full calendar years of the agreed period, but the last: its report is
        the completion report. A part-year asks for no annual report."""
        starts_on, ends_on = self.agreement["starts_on"], self.agreement["ends_on"]
        first = starts_on.year if starts_on <= date(starts_on.year, 1, 1) else starts_on.year + 1
        return [y for y in range(first, ends_on.year + 1) if date(y, 12, 31) < ends_on]

    def file_report(self, *, report_id: str, kind: str, year: int, progress: list[dict[str, Any]],
                    spending_fen: int, outcomes: str, actor: Actor) -> str:
        """年度报告 / 总结报告. Filing again for a returned report is its resubmission."""
        self.require_status("file a report", "in_progress")
        if kind not in ("annual", "completion"):
            raise InvalidValue("kind 须为 annual 或 completion", field="kind")
        if spending_fen < 0:
            raise InvalidValue("支出不能为负 (spending must not be negative)", field="spending_fen")
        starts_on, ends_on = self.agreement["starts_on"], self.agreement["ends_on"]
        if kind == "annual" and not starts_on.year <= year <= ends_on.year:
            raise InvalidValue(f"年度报告的年份须在协议期 {starts_on.year}–{ends_on.year} 内 (year outside the "
                               "agreed period)", field="year")
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

    def reports_due(self, today: date, *, annual_due_days: int | None,
                    completion_due_days: int | None) -> list[tuple[str, int, date]]:
        """(kind, year, due date) of every report that should have been filed by
        `today`, by the programme's deadlines: an annual report `annual_due_days`
        after each full year ends, the completion report `completion_due_days` after
        the agreed end. A deadline the programme has not set asks for nothing."""
        if self.status != "in_progress":
            return []
        due = []
        if annual_due_days is not None:
            due += [("annual", y, date(y, 12, 31) + timedelta(days=annual_due_days))
                    for y in self.annual_report_years()]
        if completion_due_days is not None:
            ends_on = self.agreement["ends_on"]
            due.append(("completion", ends_on.year, ends_on + timedelta(days=completion_due_days)))
        filed = {r["key"] for r in self.reports.values()}
        return [(kind, year, on) for kind, year, on in due
                if on < today and f"{kind}:{year}" not in filed and f"{kind}:{year}" not in self.flagged]

    def flag_overdue_reports(self, *, today: date, actor: Actor, annual_due_days: int | None = None,
                             completion_due_days: int | None = None) -> int:
        """报告逾期 (the scheduler): each missing report is flagged once."""
        overdue = self.reports_due(today, annual_due_days=annual_due_days, completion_due_days=completion_due_days)
        for kind, year, due_on in overdue:
            self._report_overdue(report_kind=kind, year=year, due_on=due_on, actor=actor,
                                 reason=f"{year} 年{'年度' if kind == 'annual' else '总结'}报告应于 {due_on} 前提交 "
                                        f"(report due {due_on})")
        return len(overdue)

    @event("ReportOverdue")
    def _report_overdue(self, report_kind: str, year: int, due_on: date, actor: Actor, reason: str) -> None:
        self.flagged = [*self.flagged, f"{report_kind}:{year}"]

    # -- inspections and the end -------------------------------------------------------------------
    def inspect(self, *, inspection_id: str, inspected_on: date, inspectors: list[Any], findings: str,
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
    def _inspected(self, inspection_id: str, inspected_on: date, inspectors: list[Any], findings: str, rating: str,
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


def _failed(eligibility: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": c["name"], "party_id": c.get("party_id")} for c in eligibility["checks"] if not c["passed"]]


def _check_override(decision: str, eligibility: dict[str, Any], override: str | None) -> str | None:
    """Screening binds: a failed report passes only with an override naming its reason;
    an override is meaningless on a passed report or a rejection."""
    if decision not in ("pass", "reject"):
        raise InvalidValue("decision 须为 pass 或 reject", field="decision")
    if decision == "pass" and not eligibility["passed"]:
        if override is None or not override.strip():
            listed = "、".join(f"{c['name']}" for c in _failed(eligibility))
            raise _refuse("not_eligible", f"资格审查未通过（{listed}），通过须注明特批理由 (the eligibility report "
                          "failed: passing it needs an override with a reason)", "override")
        return override.strip()
    if override is not None:
        raise InvalidValue("只有通过未达标的申报才需特批理由 (an override applies only to passing a failed report)",
                           field="override")
    return None
