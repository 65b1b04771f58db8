"""The alliance programme (API.md "Alliances")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from msgspec import Meta

from api.deps import platform_of, wait_for_view
from api.policy import Principal, actor_of, allow, principal_of, public, signed_in
from projections import alliances as views
from service import alliances

Text = Annotated[str, Meta(min_length=1, max_length=200)]
LongText = Annotated[str, Meta(min_length=1, max_length=10_000)]
Fen = Annotated[int, Meta(ge=0, le=10**13)]
Instant = Annotated[datetime, Meta(tz=True)]
Area = Literal["strategy_consulting", "technology_information", "mass_innovation", "joint_research",
               "technology_introduction", "talent_exchange", "other"]


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    pass


class ProgramIn(Strict):
    year: Annotated[int, Meta(ge=2000, le=2100)]
    title: Text
    budget_fen: Annotated[int, Meta(gt=0, le=10**13)]
    priority_sectors: list[Text]
    submission_opens_at: Instant
    submission_closes_at: Instant
    notice_days: Annotated[int, Meta(ge=1, le=90)]
    pass_score: Annotated[float, Meta(ge=0, le=120)] | None = None


class Task(Strict):
    title: Text
    due_on: date
    indicator: Text


class Expert(Strict):
    name: Annotated[str, Meta(min_length=1, max_length=50)]
    title: Annotated[str, Meta(max_length=100)]
    employer: Annotated[str, Meta(max_length=200)]
    speciality: Annotated[str, Meta(max_length=200)]


class AgreementIn(Strict):
    title: Text
    enterprises: Annotated[list[UUID], Meta(min_length=1, max_length=50)]
    societies: Annotated[list[UUID], Meta(min_length=1, max_length=50)]
    lead_enterprise_id: UUID
    lead_society_id: UUID
    cooperation_areas: Annotated[list[Area], Meta(min_length=1)]
    sector: Text
    goals: LongText
    tasks: Annotated[list[Task], Meta(min_length=1, max_length=100)]
    starts_on: date
    ends_on: date
    budget_fen: Fen
    requested_funding_fen: Fen
    expert_team: list[Expert]
    workspace: Annotated[str, Meta(max_length=2000)]
    enterprise_science_association: Literal["established", "founding", "none"] = "none"
    society_experience: Annotated[str, Meta(max_length=5000)] = ""
    annual_plan_staff: list[Annotated[str, Meta(max_length=50)]] = []


class AllianceIn(AgreementIn, kw_only=True):
    program_id: UUID


class Screening(Strict):
    decision: Literal["pass", "reject"]
    reasons: LongText


class ReviewersIn(Strict):
    reviewer_ids: Annotated[list[UUID], Meta(min_length=1, max_length=20)]


class DeclarationIn(Strict):
    no_conflict: Literal[True]
    statement: Annotated[str, Meta(max_length=2000)] | None = None


class ReviewIn(Strict):
    scores: dict[Literal["innovation", "feasibility", "team", "collaboration", "benefit"],
                 Annotated[float, Meta(ge=0, le=100)]]
    recommend: bool
    comment: Annotated[str, Meta(max_length=5000)]


class ObjectionIn(Strict):
    grounds: LongText
    contact: Annotated[str, Meta(max_length=200)] | None = None


class ResolutionIn(Strict):
    outcome: Literal["dismissed", "upheld"]
    reason: LongText


class ApprovalIn(Strict):
    granted_fen: Annotated[int, Meta(gt=0, le=10**13)]


class PaymentIn(Strict):
    amount_fen: Annotated[int, Meta(gt=0, le=10**13)]
    paid_on: date


class Progress(Strict):
    task: Text
    status: Literal["not_started", "in_progress", "done", "delayed"]
    note: Annotated[str, Meta(max_length=5000)] = ""


class ReportIn(Strict):
    kind: Literal["annual", "completion"]
    year: Annotated[int, Meta(ge=2000, le=2100)]
    progress: list[Progress]
    spending_fen: Fen
    outcomes: Annotated[str, Meta(max_length=10_000)]


class Acceptance(Strict):
    comment: Annotated[str, Meta(max_length=5000)] | None = None


class ReturnIn(Strict):
    reasons: LongText


class InspectionIn(Strict):
    inspected_on: date
    inspectors: Annotated[list[Annotated[str, Meta(min_length=1, max_length=50)]], Meta(min_length=1)]
    findings: LongText
    rating: Literal["good", "fair", "poor"]
    rectification_due_on: date | None = None


class ConclusionIn(Strict):
    grade: Literal["excellent", "good", "pass", "fail"]


class ClosureIn(Strict):
    note: LongText


class TerminationIn(Strict):
    reason: LongText
    recover_fen: Fen


class AmendmentIn(Strict):
    changes: dict[str, Any]
    reason: LongText


class AmendmentDecision(Strict):
    approve: bool
    reason: LongText


class Done(msgspec.Struct):
    id: UUID
    position: int


class Page(msgspec.Struct):
    items: list[dict[str, Any]]
    next_cursor: str | None = None


def _agreement(data: AgreementIn) -> dict[str, Any]:
    fields = msgspec.to_builtins(data)
    fields.pop("program_id", None)
    fields["starts_on"], fields["ends_on"] = data.starts_on, data.ends_on
    return fields


def _visible(doc: dict[str, Any], who: Principal | None) -> dict[str, Any] | None:
    """Staff and auditors see everything; parties their alliance; an assigned
    reviewer the title and parties until declaring no conflict."""
    if who is None:
        return None
    if who.role in ("staff", "auditor"):
        return doc
    if who.role == "reviewer" and who.account_id in doc["reviewers"]:
        return views.for_reviewer(doc, who.account_id)
    if who.role == "member" and who.organisation_id in doc["parties"]:
        return {**doc, "reviewers": {}}  # parties do not see who reviewed them
    return None


class ProgramsController(Controller):
    path = "/api/v1/programs"
    tags = ["alliances 企会协作"]  # noqa: RUF012

    @post("/", opt=allow("staff"), operation_id="openProgram", status_code=201)
    async def open(self, request: Request, data: ProgramIn) -> Done:
        """年度计划: a yearly call with its budget, priority sectors, window and notice days."""
        fields = msgspec.structs.asdict(data)
        for key in ("submission_opens_at", "submission_closes_at"):
            fields[key] = fields[key].astimezone(UTC)
        program_id, position = await platform_of(request).writer.run(
            alliances.open_program(fields, actor_of(request)))
        return Done(id=program_id, position=position)

    @get("/{id:uuid}", opt=signed_in(), operation_id="getProgram", sync_to_thread=True)
    def show(self, request: Request, id: UUID,
             min_position: Annotated[int | None, Parameter(ge=0)] = None) -> dict[str, Any]:
        """年度计划详情: budget, granted, remaining, ranking."""
        p = platform_of(request)
        wait_for_view(p, "programs", min_position)
        doc = views.get_program(p.views, str(id))
        if doc is None:
            raise NotFoundException(f"年度计划 {id} 不存在 (no such program)")
        return doc

    @post("/{id:uuid}/ranking", opt=allow("staff"), operation_id="rankProgram", status_code=200,
          sync_to_thread=True)
    def ranking(self, request: Request, id: UUID) -> dict[str, Any]:
        """结束评审并排序: average score plus bonuses; recommended when most reviewers
        recommend and the final score reaches the pass score."""
        p = platform_of(request)
        wait_for_view(p, "alliances", p.runner.head())  # rank every alliance screened so far
        candidates = [UUID(d["id"]) for d in views.register(p.views, program_id=str(id), status="under_review",
                                                             sector=None, as_of=None, limit=100_000)]
        ranking, position = p.writer.execute(alliances.rank(id, candidates, actor_of(request)))
        return {"id": str(id), "ranking": ranking, "position": position}


class AlliancesController(Controller):
    path = "/api/v1/alliances"
    tags = ["alliances 企会协作"]  # noqa: RUF012

    @post("/", opt=allow("staff", "member"), operation_id="draftAlliance", status_code=201)
    async def draft(self, request: Request, data: AllianceIn) -> Done:
        """组建联盟: the agreement (协议书) of at least one enterprise and one society."""
        p = platform_of(request)
        alliance_id, position = await p.writer.run(alliances.draft(data.program_id, _agreement(data),
                                                                   actor_of(request)))
        return Done(id=alliance_id, position=position)

    @get("/", opt=signed_in(), operation_id="listAlliances", sync_to_thread=True)
    def list(self, request: Request, program_id: UUID | None = None, status: str | None = None,
             sector: Annotated[str | None, Parameter(max_length=100)] = None, as_of: date | None = None,
             limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
             min_position: Annotated[int | None, Parameter(ge=0)] = None) -> Page:
        """协议书登记: the register by program, status, sector; `as_of` a past date."""
        p = platform_of(request)
        wait_for_view(p, "alliances", min_position)
        who = principal_of(request)
        docs = views.register(p.views, program_id=str(program_id) if program_id else None, status=status,
                              sector=sector, as_of=as_of, limit=10_000)
        visible = [v for v in (_visible(d, who) for d in docs) if v is not None]
        return Page(items=visible[:limit])

    @get("/{id:uuid}", opt=signed_in(), operation_id="getAlliance", sync_to_thread=True)
    def show(self, request: Request, id: UUID,
             min_position: Annotated[int | None, Parameter(ge=0)] = None) -> dict[str, Any]:
        """联盟档案: status, every agreement version, eligibility, scores, objections,
        grants, payments, reports, inspections."""
        p = platform_of(request)
        wait_for_view(p, "alliances", min_position)
        doc = views.get_alliance(p.views, str(id))
        visible = _visible(doc, principal_of(request)) if doc else None
        if visible is None:
            raise NotFoundException(f"联盟 {id} 不存在 (no such alliance)")
        return visible

    async def _run(self, request: Request, alliance_id: UUID, command: Any) -> Done:
        _, position = await platform_of(request).writer.run(command)
        return Done(id=alliance_id, position=position)

    @put("/{id:uuid}/agreement", opt=allow("staff", "member"), operation_id="reviseAgreement")
    async def revise(self, request: Request, id: UUID, data: AgreementIn) -> Done:
        """修改协议书: a new version; every signature is void."""
        return await self._run(request, id, alliances.revise(id, _agreement(data), actor_of(request)))

    @post("/{id:uuid}/signatures", opt=allow("member"), operation_id="signAgreement", status_code=200)
    async def sign(self, request: Request, id: UUID) -> Done:
        """签署: a party signs the current version for its organisation."""
        actor = actor_of(request)
        return await self._run(request, id, alliances.sign(id, UUID(str(actor.organisation_id)), actor))

    @post("/{id:uuid}/submit", opt=allow("member"), operation_id="submitAlliance", status_code=200)
    async def submit(self, request: Request, id: UUID) -> Done:
        """联合申报: every party signed, within the program's window."""
        p = platform_of(request)
        return await self._run(request, id, alliances.submit(id, p.clock.now(), actor_of(request)))

    @post("/{id:uuid}/screening", opt=allow("staff"), operation_id="screenAlliance", status_code=200)
    async def screening(self, request: Request, id: UUID, data: Screening) -> Done:
        """科协把关: the eligibility report is computed and stored with the decision."""
        return await self._run(request, id, alliances.screen(id, data.decision, data.reasons, actor_of(request)))

    @post("/{id:uuid}/reviewers", opt=allow("staff"), operation_id="assignReviewers", status_code=200)
    async def reviewers(self, request: Request, id: UUID, data: ReviewersIn) -> Done:
        """分配评审专家: refused (409 conflict_of_interest) when a reviewer works for a party."""
        return await self._run(request, id, alliances.assign_reviewers(id, data.reviewer_ids, actor_of(request)))

    @post("/{id:uuid}/declaration", opt=allow("reviewer"), operation_id="declareNoConflict", status_code=200)
    async def declaration(self, request: Request, id: UUID, data: DeclarationIn) -> Done:
        """无利益冲突声明: before it the reviewer sees only the title and the parties."""
        actor = actor_of(request)
        return await self._run(request, id, alliances.on_alliance(id, lambda a: a.declare(
            reviewer_id=UUID(actor.id), statement=data.statement, actor=actor)))

    @post("/{id:uuid}/reviews", opt=allow("reviewer"), operation_id="reviewAlliance", status_code=200)
    async def review(self, request: Request, id: UUID, data: ReviewIn) -> Done:
        """专家评审: scores 0–100 for innovation, feasibility, team, collaboration, benefit, and a
        recommendation; a reviewer may revise until ranking."""
        actor = actor_of(request)
        return await self._run(request, id, alliances.on_alliance(id, lambda a: a.review(
            reviewer_id=UUID(actor.id), scores=dict(data.scores), recommend=data.recommend,
            comment=data.comment, actor=actor)))

    @post("/{id:uuid}/public-notice", opt=allow("staff"), operation_id="startPublicNotice", status_code=200)
    async def public_notice(self, request: Request, id: UUID) -> Done:
        """社会公示: for the program's notice days (recommended alliances only)."""
        p = platform_of(request)
        return await self._run(request, id, alliances.start_notice(id, p.clock.now(), actor_of(request)))

    @post("/{id:uuid}/objections", opt=public(), operation_id="raiseObjection", status_code=201)
    async def objection(self, request: Request, id: UUID, data: ObjectionIn) -> dict[str, Any]:
        """提出异议: anyone, during the public notice (rate-limited)."""
        request.app.state.limits["apply"].check(request.client.host if request.client else "unknown")
        p = platform_of(request)
        objection_id, position = await p.writer.run(alliances.raise_objection(
            id, data.grounds, data.contact, p.clock.now(), actor_of(request)))
        return {"id": objection_id, "position": position}

    @post("/{id:uuid}/objections/{oid:str}/resolution", opt=allow("staff"), operation_id="resolveObjection",
          status_code=200)
    async def resolution(self, request: Request, id: UUID, oid: str, data: ResolutionIn) -> Done:
        """处理异议: upheld stops the alliance (not_approved)."""
        actor = actor_of(request)
        return await self._run(request, id, alliances.on_alliance(id, lambda a: a.resolve_objection(
            objection_id=oid, outcome=data.outcome, reason=data.reason, actor=actor)))

    @post("/{id:uuid}/approval", opt=allow("staff"), operation_id="approveAlliance", status_code=200)
    async def approval(self, request: Request, id: UUID, data: ApprovalIn) -> Done:
        """批准立项: grants funding from the program's budget (409 budget_exceeded)."""
        p = platform_of(request)
        return await self._run(request, id, alliances.approve(id, data.granted_fen, p.clock.now(),
                                                              actor_of(request)))

    @post("/{id:uuid}/payments", opt=allow("staff"), operation_id="payTranche", status_code=200)
    async def payment(self, request: Request, id: UUID, data: PaymentIn) -> Done:
        """拨付: a tranche of the grant."""
        actor = actor_of(request)
        return await self._run(request, id, alliances.on_alliance(id, lambda a: a.pay(
            amount_fen=data.amount_fen, paid_on=data.paid_on, actor=actor)))

    @post("/{id:uuid}/amendments", opt=allow("member"), operation_id="requestAmendment", status_code=201)
    async def amendment(self, request: Request, id: UUID, data: AmendmentIn) -> dict[str, Any]:
        """变更申请: the approved agreement is frozen; changes go through staff."""
        amendment_id, position = await platform_of(request).writer.run(alliances.request_amendment(
            id, data.changes, data.reason, actor_of(request)))
        return {"id": amendment_id, "position": position}

    @post("/{id:uuid}/amendments/{aid:str}/decision", opt=allow("staff"), operation_id="decideAmendment",
          status_code=200)
    async def amendment_decision(self, request: Request, id: UUID, aid: str, data: AmendmentDecision) -> Done:
        """审批变更: an approved amendment becomes a new agreement version."""
        actor = actor_of(request)
        return await self._run(request, id, alliances.on_alliance(id, lambda a: a.decide_amendment(
            amendment_id=aid, approve=data.approve, reason=data.reason, actor=actor)))

    @post("/{id:uuid}/reports", opt=allow("member"), operation_id="fileReport", status_code=201)
    async def report(self, request: Request, id: UUID, data: ReportIn) -> dict[str, Any]:
        """年度报告 / 总结报告: filing again for a returned report resubmits it."""
        report_id, position = await platform_of(request).writer.run(alliances.file_report(
            id, msgspec.to_builtins(data), actor_of(request)))
        return {"id": report_id, "position": position}

    @post("/{id:uuid}/reports/{rid:str}/acceptance", opt=allow("staff"), operation_id="acceptReport",
          status_code=200)
    async def accept_report(self, request: Request, id: UUID, rid: str, data: Acceptance) -> Done:
        """通过报告."""
        actor = actor_of(request)
        return await self._run(request, id, alliances.on_alliance(id, lambda a: a.judge_report(
            report_id=rid, accept=True, comment=data.comment, actor=actor)))

    @post("/{id:uuid}/reports/{rid:str}/return", opt=allow("staff"), operation_id="returnReport", status_code=200)
    async def return_report(self, request: Request, id: UUID, rid: str, data: ReturnIn) -> Done:
        """退回修改, with the reasons."""
        actor = actor_of(request)
        return await self._run(request, id, alliances.on_alliance(id, lambda a: a.judge_report(
            report_id=rid, accept=False, comment=data.reasons, actor=actor)))

    @post("/{id:uuid}/inspections", opt=allow("staff"), operation_id="inspectAlliance", status_code=200)
    async def inspection(self, request: Request, id: UUID, data: InspectionIn) -> Done:
        """检查评估: findings, rating and an optional rectification deadline."""
        actor = actor_of(request)
        return await self._run(request, id, alliances.on_alliance(id, lambda a: a.inspect(
            inspection_id=str(uuid4()), inspected_on=data.inspected_on, inspectors=list(data.inspectors),
            findings=data.findings, rating=data.rating, rectification_due_on=data.rectification_due_on,
            actor=actor)))

    @post("/{id:uuid}/rectifications/{inspection_id:str}/closure", opt=allow("staff"),
          operation_id="closeRectification", status_code=200)
    async def rectification(self, request: Request, id: UUID, inspection_id: str, data: ClosureIn) -> Done:
        """整改完成: close an inspection's rectification, with a note."""
        actor = actor_of(request)
        return await self._run(request, id, alliances.on_alliance(id, lambda a: a.close_rectification(
            inspection_id=inspection_id, note=data.note, actor=actor)))

    @post("/{id:uuid}/conclusion", opt=allow("staff"), operation_id="concludeAlliance", status_code=200)
    async def conclusion(self, request: Request, id: UUID, data: ConclusionIn) -> Done:
        """结题, with a grade (after the completion report is accepted)."""
        actor = actor_of(request)
        return await self._run(request, id, alliances.on_alliance(id, lambda a: a.conclude(grade=data.grade,
                                                                                           actor=actor)))

    @post("/{id:uuid}/termination", opt=allow("staff"), operation_id="terminateAlliance", status_code=200)
    async def termination(self, request: Request, id: UUID, data: TerminationIn) -> Done:
        """终止: with the reason and the funds to recover (追回资金)."""
        return await self._run(request, id, alliances.terminate(id, data.reason, data.recover_fen,
                                                                actor_of(request)))
