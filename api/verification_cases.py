"""A verification case's own steps (API.md "Commissioned verification"): assignment, a checker's
conflict declaration, the site check, the recommendation, the client's decision, clawback and
recovery; the case itself and a checker's worklist for a day. An expert (role reviewer) reaches
only the cases assigned to it: any other is 404, never its data."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from msgspec import Meta

from api.deps import platform_of, wait_for_view
from api.member_answers import HistoryPage
from api.policy import actor_of, allow, principal_of
from api.schemas import Done, LongText, MinPosition, Note, Reason, Strict, Text, answer
from api.verification_answers import CaseAnswer, CasesPage, RecoveredOut
from domain.errors import NotFound
from projections import verification as q
from projections.audit import organisation_history
from projections.confidential import for_viewer
from service import verification

Outcome = Literal["pass", "conditional", "fail"]
Fen = Annotated[int, Meta(ge=0, le=10**13)]
Refs = Annotated[list[Text], Meta(max_length=100)]


class AssignmentIn(Strict):
    checker_ids: Annotated[list[UUID], Meta(min_length=1, max_length=10)]
    visit_on: date | None = None
    reason: Note | None = None


class ConflictIn(Strict):
    statement: Reason


class AnswerIn(Strict, omit_defaults=True):
    met: Annotated[bool, Meta(description="是否符合（核查清单）(met, on a checklist)")] | None = None
    score: Annotated[float, Meta(ge=0, le=100, description="得分 0–100（评分表）(score, on a sheet)")] | None = None
    note: Note | None = None


class SiteCheckIn(Strict):
    checked_on: date
    answers: Annotated[dict[Annotated[str, Meta(max_length=40)], AnswerIn], Meta(max_length=100)]
    findings: Annotated[str, Meta(max_length=10_000)] = ""
    evidence: Refs = []  # noqa: RUF012
    photos: Refs = []  # noqa: RUF012


class RecommendationIn(Strict):
    outcome: Outcome
    score: Annotated[float, Meta(ge=0, le=100)] | None = None
    rating: Annotated[str, Meta(max_length=20)] | None = None
    amount_fen: Fen | None = None
    reason: Note | None = None


class DecisionIn(Strict):
    decision: Outcome
    decided_on: date
    amount_fen: Fen | None = None
    reason: Note | None = None


class ClawbackIn(Strict):
    amount_fen: Annotated[int, Meta(gt=0, le=10**13)]
    reason: LongText


class RecoveryIn(Strict):
    amount_fen: Annotated[int, Meta(gt=0, le=10**13)]
    recovered_on: date
    reason: Note | None = None


def expert_of(request: Request) -> str | None:
    """The caller's account id when it is an expert (role reviewer): it sees only its own cases."""
    principal = principal_of(request)
    return principal.account_id if principal and principal.role == "reviewer" else None


def case_doc(request: Request, case_id: UUID) -> dict[str, Any]:
    """The case, if the caller may see it (an expert: only while assigned to it)."""
    doc = q.get_doc(platform_of(request).views, "view_verification_cases", str(case_id))
    expert = expert_of(request)
    if doc is None or (expert and expert not in doc["checker_ids"]):
        raise NotFound(f"核查对象 {case_id} 不存在 (no such case)")
    return doc


class CasesController(Controller):
    path = "/api/v1/cases"
    tags = ["verification 受托核查"]  # noqa: RUF012

    @get("/worklist", opt=allow("staff", "auditor", "reviewer"), operation_id="checkerWorklist",
         sync_to_thread=True)
    def worklist(self, request: Request, day: date | None = None, checker_id: UUID | None = None,
                 min_position: MinPosition = None) -> CasesPage:
        """核查人员当日工作单: the site visits planned for the day (today by default); staff name the
        checker, an expert always gets its own."""
        p = platform_of(request)
        wait_for_view(p, "verification_cases", min_position)
        checker = expert_of(request) or (str(checker_id) if checker_id else principal_of(request).account_id)
        return answer({"items": q.worklist(p.views, checker, day or p.clock.today())}, CasesPage)

    @get("/{id:uuid}", opt=allow("staff", "auditor", "reviewer"), operation_id="getCase", sync_to_thread=True)
    def show(self, request: Request, id: UUID, min_position: MinPosition = None) -> CaseAnswer:
        """核查对象详情: intake checks, checkers, site check, recommendation, decision, clawbacks."""
        wait_for_view(platform_of(request), "verification_cases", min_position)
        return answer(case_doc(request, id), CaseAnswer)

    @get("/{id:uuid}/history", opt=allow("staff", "auditor"), operation_id="caseHistory", sync_to_thread=True)
    def history(self, request: Request, id: UUID, limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
                min_position: MinPosition = None) -> HistoryPage:
        """被核查单位的活动记录 (Chinese summaries), oldest first: the organisation's whole history when it
        is registered on the platform, else this case's own (a non-member is known by its case)."""
        p = platform_of(request)
        wait_for_view(p, "audit", min_position)
        doc = case_doc(request, id)
        items = organisation_history(p.views, doc["organisation_id"] or doc["id"], after=0, limit=limit)
        who = principal_of(request)
        return answer({"items": for_viewer(items, who.role if who else None), "next_cursor": None}, HistoryPage)

    @post("/{id:uuid}/assignment", opt=allow("staff"), operation_id="assignCase", status_code=200)
    async def assign(self, request: Request, id: UUID, data: AssignmentIn) -> Done:
        """分派 to staff or experts (role reviewer); an expert working for the organisation, or one who
        declared a conflict on the case, is refused (409 conflict_of_interest)."""
        _, position = await platform_of(request).writer.run(verification.assign(
            id, data.checker_ids, data.visit_on, actor_of(request), data.reason))
        return Done(id=id, position=position)

    @post("/{id:uuid}/conflict", opt=allow("staff", "reviewer"), operation_id="declareCaseConflict",
          status_code=200)
    async def conflict(self, request: Request, id: UUID, data: ConflictIn) -> Done:
        """回避声明 by an assigned checker: it leaves the case and cannot be assigned to it again."""
        actor = actor_of(request)
        _, position = await platform_of(request).writer.run(verification.on_case(id, lambda c: c.declare_conflict(
            checker_id=actor.id, statement=data.statement, actor=actor)))
        return Done(id=id, position=position)

    @post("/{id:uuid}/site-check", opt=allow("staff", "reviewer"), operation_id="recordSiteCheck",
          status_code=200)
    async def site_check(self, request: Request, id: UUID, data: SiteCheckIn) -> Done:
        """现场核查: every criterion of the commission's current version answered (`met` on a checklist,
        `score` on a scoring sheet), evidence and photos' references, findings."""
        p, actor = platform_of(request), actor_of(request)
        answers = {k: {"met": v.met, "score": v.score, "note": v.note} for k, v in data.answers.items()}
        _, position = await p.writer.run(verification.with_commission(id, lambda c, m: c.site_check(
            commission=m, checked_on=data.checked_on, answers=answers, findings=data.findings,
            evidence=data.evidence, photos=data.photos, today=p.clock.today(), actor=actor)))
        return Done(id=id, position=position)

    @post("/{id:uuid}/recommendation", opt=allow("staff", "reviewer"), operation_id="recommendCase",
          status_code=200)
    async def recommend(self, request: Request, id: UUID, data: RecommendationIn) -> Done:
        """核查意见: pass, conditional or fail (the latter two need findings); a scored case carries the
        weighted score and the rating the thresholds give."""
        p, actor = platform_of(request), actor_of(request)
        _, position = await p.writer.run(verification.with_commission(id, lambda c, m: c.recommend(
            commission=m, outcome=data.outcome, score=data.score, rating=data.rating, amount_fen=data.amount_fen,
            today=p.clock.today(), actor=actor, reason=data.reason)))
        return Done(id=id, position=position)

    @post("/{id:uuid}/decision", opt=allow("staff"), operation_id="recordClientDecision", status_code=200)
    async def decide(self, request: Request, id: UUID, data: DecisionIn) -> Done:
        """委托方决定, as the client sent it (and the amount granted, if any)."""
        p, actor = platform_of(request), actor_of(request)
        _, position = await p.writer.run(verification.on_case(id, lambda c: c.decide(
            decision=data.decision, decided_on=data.decided_on, amount_fen=data.amount_fen, today=p.clock.today(),
            actor=actor, reason=data.reason)))
        return Done(id=id, position=position)

    @post("/{id:uuid}/clawback", opt=allow("staff"), operation_id="orderClawback", status_code=200)
    async def claw_back(self, request: Request, id: UUID, data: ClawbackIn) -> Done:
        """追回资金: the amount and the reason; followed until fully recovered."""
        p, actor = platform_of(request), actor_of(request)
        _, position = await p.writer.run(verification.on_case(id, lambda c: c.claw_back(
            amount_fen=data.amount_fen, reason=data.reason, today=p.clock.today(), actor=actor)))
        return Done(id=id, position=position)

    @post("/{id:uuid}/recovery", opt=allow("staff"), operation_id="recordRecovery", status_code=200)
    async def recover(self, request: Request, id: UUID, data: RecoveryIn) -> RecoveredOut:
        """已追回: a repayment (at most what is outstanding) and its date."""
        p, actor = platform_of(request), actor_of(request)
        outstanding, position = await p.writer.run(verification.on_case(id, lambda c: c.recover(
            amount_fen=data.amount_fen, recovered_on=data.recovered_on, today=p.clock.today(), actor=actor,
            reason=data.reason)))
        return RecoveredOut(id=str(id), position=position, outstanding_fen=outstanding)
