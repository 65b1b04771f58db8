"""The alliance programme (API.md "Alliances")."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, patch, post, put
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from msgspec import Meta

from api.alliance_schemas import (
    AgreementIn,
    AllianceIn,
    AmendmentDecision,
    AmendmentIn,
    Fen,
    PartyDeclarationIn,
    ProgramIn,
    ProgramSettingsIn,
    ReviewIn,
    Screening,
)
from api.clients import client_address
from api.deps import platform_of, wait_for_view
from api.policy import Principal, actor_of, allow, principal_of, public, signed_in
from api.schemas import Done, LongText, MinPosition, Strict, Text
from domain.alliance_review import PRIORITIES
from domain.vocabularies import COOPERATION_CONTENTS, PRIORITY_SECTORS, SECTORS, as_listing, sector_key
from projections import alliances as views
from service import alliances


class ReviewersIn(Strict):
    reviewer_ids: Annotated[list[UUID], Meta(min_length=1, max_length=20)]


class DeclarationIn(Strict):
    no_conflict: Literal[True]
    statement: Annotated[str, Meta(max_length=2000)] | None = None


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
        """年度计划: a yearly call with its budget, priority sectors (the seed's eight, by key
        or Chinese label), window, and the settings of its review — criteria and weights,
        pass score, bonuses, tie-breakers, notice days (default 7), report deadlines.
        Unset, the seed's defaults: equal weights, no pass score, no points."""
        fields, clock = msgspec.structs.asdict(data), platform_of(request).clock
        for key in ("submission_opens_at", "submission_closes_at"):
            fields[key] = clock.instant(fields[key])
        settings = {k: fields.pop(k) for k in ("criteria", "bonuses", "tie_breakers", "annual_report_due_days",
                                               "completion_report_due_days")}
        fields["settings"] = {k: v for k, v in settings.items() if v is not None}
        program_id, position = await platform_of(request).writer.run(
            alliances.open_program(fields, actor_of(request)))
        return Done(id=program_id, position=position)

    @patch("/{id:uuid}", opt=allow("staff"), operation_id="changeProgramSettings")
    async def settings(self, request: Request, id: UUID, data: ProgramSettingsIn) -> Done:
        """计划设置: change criteria and weights, pass score (`null` removes it), bonuses,
        tie-breakers, priority sectors, notice days, report deadlines. What decides the
        ranking is fixed once the programme has ranked (409 ranking_rules_frozen)."""
        changes = msgspec.to_builtins(data)
        reason = changes.pop("reason", None)
        _, position = await platform_of(request).writer.run(alliances.change_program_settings(
            id, changes, reason, actor_of(request)))
        return Done(id=id, position=position)

    @get("/vocabularies", opt=signed_in(), operation_id="alliancesVocabularies", sync_to_thread=False)
    def vocabularies(self) -> dict[str, Any]:
        """词表: the seed's eight priority sectors (plus 其他行业 for an alliance outside
        them), the seven cooperation contents, and the priorities a programme may reward."""
        return {"priority_sectors": as_listing(PRIORITY_SECTORS), "sectors": as_listing(SECTORS),
                "cooperation_contents": as_listing(COOPERATION_CONTENTS),
                "priorities": as_listing(PRIORITIES)}

    @get("/{id:uuid}", opt=signed_in(), operation_id="getProgram", sync_to_thread=True)
    def show(self, request: Request, id: UUID,
             min_position: MinPosition = None) -> dict[str, Any]:
        """年度计划详情: budget, granted, remaining, settings, every ranking round and the
        standings."""
        p = platform_of(request)
        wait_for_view(p, "programs", min_position)
        doc = views.get_program(p.views, str(id))
        if doc is None:
            raise NotFoundException(f"年度计划 {id} 不存在 (no such program)")
        return doc

    @post("/{id:uuid}/ranking", opt=allow("staff"), operation_id="rankProgram", status_code=200,
          sync_to_thread=True)
    def ranking(self, request: Request, id: UUID) -> dict[str, Any]:
        """排序 (one round): every reviewed alliance still under review, by the programme's
        settings — the raw average, the weighted average, each bonus, the final score;
        recommended when most reviewers recommend (and the final score reaches the pass
        score, when set). Run again for alliances screened later (409 nothing_to_rank
        when none waits)."""
        p = platform_of(request)
        wait_for_view(p, "alliances", p.runner.head())  # rank every alliance screened so far
        candidates = [UUID(d["id"]) for d in views.register(p.views, program_id=str(id), status="under_review",
                                                             sector=None, as_of=None, limit=100_000)]
        outcome, position = p.writer.execute(alliances.rank(id, candidates, actor_of(request)))
        return {"id": str(id), **outcome, "position": position}


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
             min_position: MinPosition = None) -> Page:
        """协议书登记: the register by program, status, sector (key or label); `as_of` a past date."""
        p = platform_of(request)
        wait_for_view(p, "alliances", min_position)
        who = principal_of(request)
        sector = sector_key(sector) if sector else None  # a key or its label; 422 outside the vocabulary
        docs = views.register(p.views, program_id=str(program_id) if program_id else None, status=status,
                              sector=sector, as_of=as_of, limit=10_000)
        visible = [v for v in (_visible(d, who) for d in docs) if v is not None]
        return Page(items=visible[:limit])

    @get("/{id:uuid}", opt=signed_in(), operation_id="getAlliance", sync_to_thread=True)
    def show(self, request: Request, id: UUID,
             min_position: MinPosition = None) -> dict[str, Any]:
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

    @post("/{id:uuid}/declarations", opt=allow("staff", "member"), operation_id="declareParty", status_code=200)
    async def declaration_of_party(self, request: Request, id: UUID, data: PartyDeclarationIn) -> Done:
        """申报声明: one party's own statement with an evidence reference — an enterprise the
        workspace and equipment it provides; a society its service experience, this
        year's work plan and the staff named for it. A party's account declares for
        itself; staff record a paper declaration naming `party_id`."""
        fields = {k: v for k, v in msgspec.to_builtins(data).items() if v is not None and k != "party_id"}
        return await self._run(request, id, alliances.declare(id, data.party_id, fields, actor_of(request)))

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
        """科协把关: the eligibility report (every party's checks, figures and rule text) is
        computed and stored with the decision. Screening binds: passing a failed report
        needs `override: {reason}` (409 not_eligible without it), recorded and shown."""
        p = platform_of(request)
        return await self._run(request, id, alliances.screen(
            id, data.decision, data.reasons, data.override.reason if data.override else None, p.clock.today(),
            actor_of(request)))

    @post("/{id:uuid}/reviewers", opt=allow("staff"), operation_id="assignReviewers", status_code=200)
    async def reviewers(self, request: Request, id: UUID, data: ReviewersIn) -> Done:
        """分配评审专家: refused (409 conflict_of_interest) when a reviewer works for a party."""
        return await self._run(request, id, alliances.assign_reviewers(id, data.reviewer_ids, actor_of(request)))

    @post("/{id:uuid}/declaration", opt=allow("reviewer"), operation_id="declareNoConflict", status_code=200)
    async def declaration(self, request: Request, id: UUID, data: DeclarationIn) -> Done:
        """无利益冲突声明: before it the reviewer sees only the title and the parties."""
        return await self._run(request, id, alliances.declare_no_conflict(id, data.statement, actor_of(request)))

    @post("/{id:uuid}/reviews", opt=allow("reviewer"), operation_id="reviewAlliance", status_code=200)
    async def review(self, request: Request, id: UUID, data: ReviewIn) -> Done:
        """专家评审: a score 0–100 for each of the programme's criteria (by default innovation,
        feasibility, team, collaboration, benefit), and a recommendation; a reviewer may
        revise until ranking."""
        actor = actor_of(request)
        return await self._run(request, id, alliances.review(id, UUID(actor.id), dict(data.scores), data.recommend,
                                                             data.comment, actor))

    @post("/{id:uuid}/public-notice", opt=allow("staff"), operation_id="startPublicNotice", status_code=200)
    async def public_notice(self, request: Request, id: UUID) -> Done:
        """社会公示: for the program's notice days (recommended alliances only)."""
        p = platform_of(request)
        return await self._run(request, id, alliances.start_notice(id, p.clock.now(), actor_of(request)))

    @post("/{id:uuid}/objections", opt=public(), operation_id="raiseObjection", status_code=201)
    async def objection(self, request: Request, id: UUID, data: ObjectionIn) -> dict[str, Any]:
        """提出异议: anyone, during the public notice (rate-limited)."""
        request.app.state.limits["apply"].check(client_address(request))
        p = platform_of(request)
        objection_id, position = await p.writer.run(alliances.raise_objection(
            id, data.grounds, data.contact, p.clock.now(), actor_of(request)))
        return {"id": objection_id, "position": position}

    @post("/{id:uuid}/objections/{oid:str}/resolution", opt=allow("staff"), operation_id="resolveObjection",
          status_code=200)
    async def resolution(self, request: Request, id: UUID, oid: str, data: ResolutionIn) -> Done:
        """处理异议: upheld stops the alliance (not_approved)."""
        return await self._run(request, id, alliances.resolve_objection(id, oid, data.outcome, data.reason,
                                                                        actor_of(request)))

    @post("/{id:uuid}/approval", opt=allow("staff"), operation_id="approveAlliance", status_code=200)
    async def approval(self, request: Request, id: UUID, data: ApprovalIn) -> Done:
        """批准立项: grants funding from the program's budget (409 budget_exceeded)."""
        p = platform_of(request)
        return await self._run(request, id, alliances.approve(id, data.granted_fen, p.clock.now(),
                                                              actor_of(request)))

    @post("/{id:uuid}/payments", opt=allow("staff"), operation_id="payTranche", status_code=200)
    async def payment(self, request: Request, id: UUID, data: PaymentIn) -> Done:
        """拨付: a tranche of the grant."""
        return await self._run(request, id, alliances.pay(id, data.amount_fen, data.paid_on, actor_of(request)))

    @post("/{id:uuid}/amendments", opt=allow("member"), operation_id="requestAmendment", status_code=201)
    async def amendment(self, request: Request, id: UUID, data: AmendmentIn) -> dict[str, Any]:
        """变更申请: the approved agreement is frozen; changes go through staff."""
        changes = msgspec.to_builtins(data.changes)  # only the fields sent (UNSET ones are omitted)
        amendment_id, position = await platform_of(request).writer.run(alliances.request_amendment(
            id, changes, data.reason, actor_of(request)))
        return {"id": amendment_id, "position": position}

    @post("/{id:uuid}/amendments/{aid:str}/signatures", opt=allow("member"), operation_id="signAmendment",
          status_code=200)
    async def sign_amendment(self, request: Request, id: UUID, aid: str) -> Done:
        """签署变更: a change of parties binds once every party of the amended agreement has signed."""
        return await self._run(request, id, alliances.sign_amendment(id, aid, actor_of(request)))

    @post("/{id:uuid}/amendments/{aid:str}/screening", opt=allow("staff"), operation_id="screenAmendment",
          status_code=200)
    async def amendment_screening(self, request: Request, id: UUID, aid: str, data: Screening) -> Done:
        """变更把关: a change of parties is screened again once every party of the amended
        agreement has signed; the same override rule binds."""
        p = platform_of(request)
        return await self._run(request, id, alliances.screen_amendment(
            id, aid, data.decision, data.reasons, data.override.reason if data.override else None, p.clock.today(),
            actor_of(request)))

    @post("/{id:uuid}/amendments/{aid:str}/decision", opt=allow("staff"), operation_id="decideAmendment",
          status_code=200)
    async def amendment_decision(self, request: Request, id: UUID, aid: str, data: AmendmentDecision) -> Done:
        """审批变更: an approved amendment becomes a new agreement version; a change of parties
        needs every party's signature and a passed new screening."""
        return await self._run(request, id, alliances.decide_amendment(id, aid, data.approve, data.reason,
                                                                       actor_of(request)))

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
        return await self._run(request, id, alliances.judge_report(id, rid, accept=True, comment=data.comment,
                                                                   actor=actor_of(request)))

    @post("/{id:uuid}/reports/{rid:str}/return", opt=allow("staff"), operation_id="returnReport", status_code=200)
    async def return_report(self, request: Request, id: UUID, rid: str, data: ReturnIn) -> Done:
        """退回修改, with the reasons."""
        return await self._run(request, id, alliances.judge_report(id, rid, accept=False, comment=data.reasons,
                                                                   actor=actor_of(request)))

    @post("/{id:uuid}/inspections", opt=allow("staff"), operation_id="inspectAlliance", status_code=200)
    async def inspection(self, request: Request, id: UUID, data: InspectionIn) -> Done:
        """检查评估: findings, rating and an optional rectification deadline."""
        fields = {"inspected_on": data.inspected_on, "inspectors": list(data.inspectors), "findings": data.findings,
                  "rating": data.rating, "rectification_due_on": data.rectification_due_on}
        return await self._run(request, id, alliances.inspect(id, fields, actor_of(request)))

    @post("/{id:uuid}/rectifications/{inspection_id:str}/closure", opt=allow("staff"),
          operation_id="closeRectification", status_code=200)
    async def rectification(self, request: Request, id: UUID, inspection_id: str, data: ClosureIn) -> Done:
        """整改完成: close an inspection's rectification, with a note."""
        return await self._run(request, id, alliances.close_rectification(id, inspection_id, data.note,
                                                                          actor_of(request)))

    @post("/{id:uuid}/conclusion", opt=allow("staff"), operation_id="concludeAlliance", status_code=200)
    async def conclusion(self, request: Request, id: UUID, data: ConclusionIn) -> Done:
        """结题, with a grade (after the completion report is accepted)."""
        return await self._run(request, id, alliances.conclude(id, data.grade, actor_of(request)))

    @post("/{id:uuid}/termination", opt=allow("staff"), operation_id="terminateAlliance", status_code=200)
    async def termination(self, request: Request, id: UUID, data: TerminationIn) -> Done:
        """终止: with the reason and the funds to recover (追回资金)."""
        return await self._run(request, id, alliances.terminate(id, data.reason, data.recover_fen,
                                                                actor_of(request)))
