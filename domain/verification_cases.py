"""A verification case (核查对象): one organisation's application for a year under a commission,
from intake to the client's decision and any clawback followed until recovered."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.errors import InvalidValue, NotFound
from domain.model import Entity
from domain.values import Actor
from domain.verification import (
    OUTCOMES,
    Commission,
    VerificationRefusal,
    checked_answers,
    is_scored,
    rating_for,
    text_given,
    weighted_score,
)

CHECKER_ROLES = ("staff", "reviewer")
CHASE_DAYS = 30  # an outstanding clawback is chased this long after its order, and again after each chase


def not_conflicted(checker: dict[str, Any], organisation_id: str | None, declared: list[str]) -> None:
    """回避: an expert working for the organisation checked, or one who declared a conflict, is refused."""
    affiliation = checker.get("affiliation")
    if (organisation_id and affiliation == organisation_id) or checker["id"] in declared:
        raise VerificationRefusal("conflict_of_interest", "核查人员与被核查单位存在利益关系，须回避 "
                                  "(the checker has a conflict of interest with this organisation)", "checker_ids")


class VerificationCase(Entity):
    LABEL = "核查对象"

    @classmethod
    def receive(cls, *, commission: Commission, organisation_name: str, credit_code: str, year: int,
                declared: dict[str, Any], documents: list[str], organisation_id: str | None,
                duplicates: list[dict[str, str]], today: date, actor: Actor, case_id: UUID | None = None,
                row: int | None = None) -> VerificationCase:
        if not 1990 <= year <= today.year + 1:
            raise InvalidValue("年度不合理 (year out of range)", field="year")
        missing = [f for f in commission.required_figures if declared.get(f) in (None, "")]
        intake = {"complete": not missing, "missing": missing, "duplicates": duplicates}
        return cls(commission_id=str(commission.id), organisation_name=text_given(
            organisation_name, "organisation_name", "单位名称"), credit_code=credit_code, year=year,
            declared=declared, documents=documents, organisation_id=organisation_id, intake=intake,
            received_on=today, row=row, actor=actor, id=case_id)

    @event("Received")
    def __init__(self, commission_id: str, organisation_name: str, credit_code: str, year: int,
                 declared: dict[str, Any], documents: list[str], organisation_id: str | None,
                 intake: dict[str, Any], received_on: date, row: int | None, actor: Actor,
                 reason: str | None = None, id: UUID | None = None):  # chosen first: the register names it
        self.commission_id, self.organisation_name, self.credit_code = commission_id, organisation_name, credit_code
        self.year, self.declared, self.organisation_id, self.intake = year, declared, organisation_id, intake
        self.status = "received"
        self.checker_ids: list[str] = []
        self.conflicts: list[str] = []
        self.outcome: str | None = None
        self.clawed_back_fen = self.recovered_fen = 0

    # -- assignment and conflicts ----------------------------------------------------------------
    def assign(self, *, checkers: list[dict[str, Any]], visit_on: date | None, actor: Actor,
               reason: str | None = None) -> None:
        """分派 (or re-assign before the site check) to staff or experts, none conflicted; `visit_on` is
        the planned day of the site visit (the checker's worklist)."""
        self.require_status("assign", "received", "assigned")
        if not checkers:
            raise InvalidValue("至少一名核查人员 (at least one checker)", field="checker_ids")
        for checker in checkers:
            not_conflicted(checker, self.organisation_id, self.conflicts)
        ids = list(dict.fromkeys(c["id"] for c in checkers))
        self._assigned(checker_ids=ids, visit_on=visit_on, actor=actor, reason=reason)

    @event("Assigned")
    def _assigned(self, checker_ids: list[str], visit_on: date | None, actor: Actor, reason: str | None) -> None:
        self.checker_ids, self.status = checker_ids, "assigned"

    def declare_conflict(self, *, checker_id: str, statement: str, actor: Actor) -> None:
        """An assigned checker declares a conflict: it leaves the case and cannot be assigned again."""
        self.require_status("declare a conflict", "assigned")
        self.require_checker(checker_id)
        self._conflict_declared(checker_id=checker_id, actor=actor,
                                reason=text_given(statement, "statement", "回避理由"))

    @event("ConflictDeclared")
    def _conflict_declared(self, checker_id: str, actor: Actor, reason: str) -> None:
        self.conflicts = [*self.conflicts, checker_id]
        self.checker_ids = [c for c in self.checker_ids if c != checker_id]
        if not self.checker_ids:
            self.status = "received"

    def require_checker(self, account_id: str) -> None:
        if account_id not in self.checker_ids:
            # An expert learns nothing of a case not its own: the same answer as a case that does not exist.
            raise NotFound("核查对象不存在或未分派给您 (no such case assigned to you)")

    # -- the site check and the recommendation -------------------------------------------------------
    def site_check(self, *, commission: Commission, checked_on: date, answers: dict[str, dict[str, Any]],
                   findings: str, evidence: list[str], photos: list[str], today: date, actor: Actor) -> None:
        """现场核查, every criterion of the commission's current version answered."""
        self.require_status("record the site check", "assigned", "checked")
        if actor.role == "reviewer":
            self.require_checker(actor.id)
        if checked_on > today:
            raise InvalidValue("核查日期不能在将来 (checked_on in the future)", field="checked_on")
        given = checked_answers(commission.criteria, answers)
        score = weighted_score(commission.criteria, given) if is_scored(commission.criteria) else None
        self._site_checked(checked_on=checked_on, criteria_version=commission.criteria_version, answers=given,
                           score=score, findings=findings.strip(), evidence=evidence, photos=photos, actor=actor)

    @event("SiteChecked")
    def _site_checked(self, checked_on: date, criteria_version: int, answers: dict[str, Any], score: float | None,
                      findings: str, evidence: list[str], photos: list[str], actor: Actor,
                      reason: str | None = None) -> None:
        self.status, self.findings, self.score = "checked", findings, score

    def recommend(self, *, commission: Commission, outcome: str, score: float | None, rating: str | None,
                  amount_fen: int | None, today: date, actor: Actor, reason: str | None = None) -> None:
        """核查意见: failing or passing with conditions needs findings; a scored case's score and rating
        are the site check's weighted score and the rating the thresholds give (a different one is refused)."""
        self.require_status("recommend", "checked", "recommended")
        if actor.role == "reviewer":
            self.require_checker(actor.id)
        if outcome not in OUTCOMES:
            raise InvalidValue("意见只能是 pass、conditional 或 fail (outcome)", field="outcome")
        if outcome != "pass" and not self.findings:
            raise VerificationRefusal("findings_required", "不通过或有条件通过须有核查发现 (findings required)",
                                      "outcome")
        if amount_fen is not None and amount_fen < 0:
            raise InvalidValue("金额不能为负 (amount_fen)", field="amount_fen")
        computed = rating_for(commission.thresholds, self.score) if self.score is not None else None
        if score is not None and score != self.score:
            raise InvalidValue(f"得分应为现场核查的加权得分 {self.score} (the weighted score)", field="score")
        if rating is not None and rating != computed:
            raise InvalidValue(f"按评级标准应为 {computed or '未达标'} (the thresholds give {computed})",
                               field="rating")
        self._recommended(outcome=outcome, score=self.score, rating=computed, amount_fen=amount_fen,
                          recommended_on=today, actor=actor, reason=reason)

    @event("Recommended")
    def _recommended(self, outcome: str, score: float | None, rating: str | None, amount_fen: int | None,
                     recommended_on: date, actor: Actor, reason: str | None) -> None:
        self.status, self.outcome = "recommended", outcome

    # -- the client's decision and clawbacks ---------------------------------------------------------
    def decide(self, *, decision: str, decided_on: date, amount_fen: int | None, today: date, actor: Actor,
               reason: str | None = None) -> None:
        self.require_status("record the decision", "recommended")
        if decision not in OUTCOMES:
            raise InvalidValue("决定只能是 pass、conditional 或 fail (decision)", field="decision")
        if decided_on > today:
            raise InvalidValue("决定日期不能在将来 (decided_on in the future)", field="decided_on")
        self._decided(decision=decision, decided_on=decided_on, amount_fen=amount_fen, actor=actor, reason=reason)

    @event("Decided")
    def _decided(self, decision: str, decided_on: date, amount_fen: int | None, actor: Actor,
                 reason: str | None) -> None:
        self.status = "decided"

    def claw_back(self, *, amount_fen: int, reason: str, today: date, actor: Actor) -> None:
        """追回资金: ordered after the client's decision; recoveries follow until it is all back."""
        self.require_status("claw back", "decided", "recovered")
        if amount_fen <= 0:
            raise InvalidValue("追回金额须为正 (amount_fen > 0)", field="amount_fen")
        self._clawback_ordered(amount_fen=amount_fen, ordered_on=today, actor=actor,
                               reason=text_given(reason, "reason", "追回理由"))

    @event("ClawbackOrdered")
    def _clawback_ordered(self, amount_fen: int, ordered_on: date, actor: Actor, reason: str) -> None:
        self.clawed_back_fen += amount_fen
        self.status, self.followed_on = "clawback", ordered_on

    def chase(self, *, today: date, actor: Actor) -> bool:
        """催缴: money still outstanding CHASE_DAYS after the order (or the last chase) is chased once;
        a repeated tick the same day does nothing."""
        if self.status != "clawback" or (today - self.followed_on).days < CHASE_DAYS:
            return False
        self._recovery_chased(chased_on=today, outstanding_fen=self.clawed_back_fen - self.recovered_fen,
                              actor=actor)
        return True

    @event("RecoveryChased")
    def _recovery_chased(self, chased_on: date, outstanding_fen: int, actor: Actor, reason: str | None = None) -> None:
        self.followed_on = chased_on

    def recover(self, *, amount_fen: int, recovered_on: date, today: date, actor: Actor,
                reason: str | None = None) -> int:
        """A repayment received; the case is recovered when nothing remains outstanding."""
        self.require_status("record a recovery", "clawback")
        outstanding = self.clawed_back_fen - self.recovered_fen
        if not 0 < amount_fen <= outstanding:
            raise InvalidValue(f"追回金额须在 1–{outstanding} 分之间 (at most what is outstanding)",
                               field="amount_fen")
        if recovered_on > today:
            raise InvalidValue("追回日期不能在将来 (recovered_on in the future)", field="recovered_on")
        self._recovered(amount_fen=amount_fen, recovered_on=recovered_on,
                        outstanding_fen=outstanding - amount_fen, actor=actor, reason=reason)
        return outstanding - amount_fen

    @event("Recovered")
    def _recovered(self, amount_fen: int, recovered_on: date, outstanding_fen: int, actor: Actor,
                   reason: str | None) -> None:
        self.recovered_fen += amount_fen
        if outstanding_fen == 0:
            self.status = "recovered"
