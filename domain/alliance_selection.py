"""评选: from a submitted alliance to one the association may approve — 科协把关
(screening), 专家评审 (expert review), the programme's ranking and 社会公示 (the
public notice, with its objections). The commands of `domain.alliances.Alliance`;
the facts they record are its @event methods. How a programme scores and ranks
is domain.alliance_review.

Screening binds (二（二）3 "审核把关，淘汰不符合要求的申报"): an alliance whose
eligibility report failed passes only with an explicit, recorded override.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain.alliance_agreement import reason_given
from domain.alliance_review import review_complete
from domain.errors import DomainError, InvalidValue
from domain.values import Actor
from domain.vocabularies import ObjectionOutcome, ScreeningDecision, require_key


def failed_checks(eligibility: dict[str, Any]) -> list[dict[str, Any]]:
    """The checks an eligibility report failed: name and party."""
    return [{"name": c["name"], "party_id": c.get("party_id")} for c in eligibility["checks"] if not c["passed"]]


def check_override(decision: str, eligibility: dict[str, Any], override: str | None) -> str | None:
    """Screening binds: a failed report passes only with an override naming its reason;
    an override is meaningless on a passed report or a rejection."""
    require_key(ScreeningDecision, decision, "decision")
    if decision == "pass" and not eligibility["passed"]:
        if override is None or not override.strip():
            listed = "、".join(f"{c['name']}" for c in failed_checks(eligibility))
            raise DomainError(f"资格审查未通过（{listed}），通过须注明特批理由 (the eligibility report failed: "
                              "passing it needs an override with a reason)", code="not_eligible", field="override")
        return override.strip()
    if override is not None:
        raise InvalidValue("只有通过未达标的申报才需特批理由 (an override applies only to passing a failed report)",
                           field="override")
    return None


class Selection:
    """Mixed into Alliance: screening, expert review, ranking's verdict, public notice."""

    # -- screening -------------------------------------------------------------------------------
    def screen(self, *, decision: str, reasons: str, eligibility: dict[str, Any], actor: Actor,
               override: str | None = None) -> None:
        """科协把关: the computed eligibility report is stored with the staff's decision.
        Screening binds: passing a failed report needs an override with its reason,
        recorded as its own event before the decision."""
        self.require_status("screen", "submitted")
        reasons = reason_given(reasons, "reasons")
        override = check_override(decision, eligibility, override)
        if override is not None:
            self._eligibility_overridden(failed=failed_checks(eligibility), actor=actor, reason=override)
        self._screened(decision=decision, eligibility=eligibility, override=override, actor=actor, reason=reasons)

    # -- expert review ---------------------------------------------------------------------------
    def assign_reviewer(self, *, reviewer_id: UUID, affiliation: UUID | None, actor: Actor) -> None:
        self.require_status("assign reviewers", "under_review")
        if affiliation is not None and str(affiliation) in self.parties():
            raise DomainError("评审专家所在单位是联盟一方 (the reviewer works for a party)",
                              code="conflict_of_interest", field="reviewer_ids")
        if str(reviewer_id) not in self.reviewers:
            self._reviewer_assigned(reviewer_id=str(reviewer_id), actor=actor)

    def _reviewer(self, reviewer_id: UUID | str) -> dict[str, Any]:
        found = self.reviewers.get(str(reviewer_id))
        if found is None:
            raise DomainError("未分配给该专家 (not assigned to this reviewer)", code="not_assigned")
        return found

    def declare_no_conflict(self, *, reviewer_id: UUID, statement: str | None, actor: Actor) -> None:
        """无利益冲突声明, before the reviewer sees the application."""
        self.require_status("declare", "under_review")
        if self._reviewer(reviewer_id)["declared"]:
            raise DomainError("已声明 (already declared)", code="already_declared")
        self._declared(reviewer_id=str(reviewer_id), statement=statement, actor=actor)

    def review(self, *, reviewer_id: UUID, scores: dict[str, float], recommend: bool, comment: str,
               criteria: dict[str, float], actor: Actor) -> None:
        """专家评审 on the programme's criteria (each 0–100); a reviewer may revise until ranking."""
        self.require_status("review", "under_review")
        if not self._reviewer(reviewer_id)["declared"]:
            raise DomainError("请先声明无利益冲突 (declare no conflict first)", code="declaration_required")
        if not review_complete(scores, criteria):
            raise InvalidValue(f"须按本计划的评审指标评分：{', '.join(criteria)} (score every criterion)",
                               field="scores")
        if any(not 0 <= v <= 100 for v in scores.values()):
            raise InvalidValue("每项评分 0–100 (each score 0..100)", field="scores")
        self._reviewed(reviewer_id=str(reviewer_id), scores=scores, recommend=recommend, comment=comment,
                       actor=actor)

    def reviews(self, criteria: dict[str, float] | None = None) -> list[dict[str, Any]]:
        """The reviews given (with `criteria`, only those scoring exactly these)."""
        return [r for r in self.reviewers.values()
                if "scores" in r and (criteria is None or review_complete(r["scores"], criteria))]

    def conclude_review(self, *, score: dict[str, Any], recommended: bool, rank: int, round: int,
                        actor: Actor) -> None:
        """The programme's ranking decides: recommended or not."""
        self.require_status("rank", "under_review")
        self._review_concluded(score=score, rank=rank, recommended=recommended, round=round, actor=actor)

    # -- public notice and objections ----------------------------------------------------------
    def start_notice(self, *, now: datetime, notice_days: int, actor: Actor) -> None:
        """社会公示 for the program's notice days (recommended alliances only)."""
        self.require_status("start the public notice", "recommended")
        self._notice_started(ends_at=now + timedelta(days=notice_days), actor=actor)

    def object(self, *, objection_id: str, grounds: str, contact: dict[str, Any] | None, now: datetime,
               actor: Actor) -> None:
        self.require_status("object", "in_public_notice")
        if self.notice_ends_at is not None and now >= self.notice_ends_at:
            raise DomainError("公示期已结束 (the notice period has ended)", code="notice_ended")
        self._objected(objection_id=objection_id, grounds=reason_given(grounds, "grounds"), contact=contact,
                       actor=actor)

    def resolve_objection(self, *, objection_id: str, outcome: str, reason: str, actor: Actor) -> None:
        objection = self.objections.get(objection_id)
        if objection is None:
            raise DomainError("异议不存在 (no such objection)", code="not_found", field="objection_id")
        if objection["status"] != "open":
            raise DomainError("该异议已处理 (already resolved)", code="objection_resolved")
        require_key(ObjectionOutcome, outcome, "outcome")
        self._objection_resolved(objection_id=objection_id, outcome=outcome, actor=actor,
                                 reason=reason_given(reason))

    def open_objections(self) -> int:
        return sum(1 for o in self.objections.values() if o["status"] == "open")
