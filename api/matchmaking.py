"""Technical needs (技术需求) and their proposals, feedback, closure and deal (API.md "Matchmaking")."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.params import Parameter
from msgspec import Meta

from api.deps import platform_of, trim_page, wait_for_view
from api.matchmaking_answers import Backlog, NeedAnswer, NeedsPage, for_viewer, may_see, summary
from api.policy import actor_of, allow, principal_of, signed_in
from api.schemas import (
    MULTI_LINE,
    SINGLE_LINE,
    Accepted,
    MinPosition,
    Note,
    QueryText,
    Reason,
    Strict,
    Text,
    answer,
    paragraphs,
)
from domain.errors import InvalidValue
from projections import known
from projections import matchmaking as views
from service import matchmaking

Fen = Annotated[int, Meta(ge=0, le=10**13)]
Field = Annotated[str, Meta(min_length=1, max_length=200, pattern=SINGLE_LINE,
                            description="技术领域 (technical field)")]
Summary = Annotated[str, Meta(min_length=1, max_length=2000, pattern=MULTI_LINE,
                              description="公开摘要 (public summary)")]
LongText = paragraphs(10_000)
Cooperation = Literal["technology_transfer", "licensing", "joint_development", "commissioned_development",
                      "consulting", "other"]
Status = Literal["draft", "submitted", "analysed", "published", "expired", "closed"]


class NeedIn(Strict):
    title: Text
    field: Field
    summary: Summary
    details: LongText
    deadline: date
    cooperation: Cooperation
    organisation_id: UUID | None = None  # staff entering a need on an enterprise's behalf
    campaign_id: UUID | None = None
    budget_min_fen: Fen | None = None
    budget_max_fen: Fen | None = None
    draft: bool = False


class AnalysisIn(Strict):
    note: Reason
    tags: Annotated[list[Text], Meta(max_length=20)] = []  # noqa: RUF012


class RenewalIn(Strict):
    deadline: date
    reason: Note | None = None


class DisclosureIn(Strict):
    solver_id: UUID


class ProposalIn(Strict):
    summary: Summary
    approach: LongText
    team: Note = ""
    price_fen: Fen | None = None


class DeclineIn(Strict):
    reason: Reason


class WithdrawalIn(Strict):
    reason: Note | None = None


class FeedbackIn(Strict):
    text: Annotated[str, Meta(min_length=1, max_length=2000, pattern=MULTI_LINE,
                              description="给企业的反馈内容 (feedback to the enterprise)")]


class ClosureIn(Strict):
    outcome: Literal["no_suitable_solver", "withdrawn", "solved_internally", "deal"]
    feedback: Reason


class DealIn(Strict):
    solver_id: UUID
    contract_fen: Annotated[int, Meta(ge=1, le=10**13)]
    signed_on: date
    evidence: Note | None = None
    feedback: Note | None = None


class DealOut(msgspec.Struct):
    id: UUID
    deal_id: UUID
    position: int
    status: str = "closed"


def need_owner(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A member account acts here only on its own organisation's need: refused before its body
    is read (the command checks again, on the aggregate)."""
    who = principal_of(connection)
    if who is None or who.role != "member":
        return
    doc = views.document(connection.app.state.platform.views, "view_needs", str(connection.path_params["id"]))
    if doc is None or doc["organisation_id"] == who.organisation_id:
        return
    if not may_see(doc, who):
        raise NotFoundException("技术需求不存在 (no such need)")
    raise PermissionDeniedException("只有需求方可以执行此操作 (only the need's owner)")


def _doc(p: Any, need_id: UUID, request: Request) -> dict[str, Any]:
    doc = views.document(p.views, "view_needs", str(need_id))
    if doc is None or not may_see(doc, principal_of(request)):
        raise NotFoundException("技术需求不存在 (no such need)")
    return doc


class NeedsController(Controller):
    path = "/api/v1/needs"
    tags = ["matchmaking 技术对接"]  # noqa: RUF012

    @post("/", opt=allow("staff", "member"), operation_id="postNeed", status_code=201)
    async def post_need(self, request: Request, data: NeedIn) -> Accepted:
        """发布技术需求: an enterprise's own account, or staff on its behalf (`organisation_id`)."""
        p = platform_of(request)
        fields = {k: v for k, v in msgspec.structs.asdict(data).items() if k != "organisation_id"}
        need_id, position = await p.writer.run(matchmaking.post_need(
            fields, data.organisation_id, today=p.clock.today(), actor=actor_of(request)))
        return Accepted(id=need_id, position=position, status="draft" if data.draft else "submitted")

    @get("/", opt=signed_in(), operation_id="listNeeds", sync_to_thread=True)
    def catalogue(self, request: Request, campaign_id: UUID | None = None,
                  field: Annotated[str | None, Parameter(max_length=200, pattern=SINGLE_LINE,
                                                         description="技术领域 (technical field)")] = None,
                  status: Status | None = None, q: Annotated[QueryText, Parameter(
                      description="标题或摘要中的文字 (text in the title or summary)")] = None,
                  min_budget_fen: Annotated[int | None, Parameter(ge=0, le=10**13)] = None,
                  limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
                  cursor: Annotated[str | None, Parameter(max_length=100, pattern=r"^[0-9a-f\-]+$")] = None,
                  known_as_of: datetime | None = None, min_position: MinPosition = None) -> NeedsPage:
        """需求目录: published and expired needs (public summaries), and your own in any status;
        `known_as_of`: the catalogue as the records stood at that instant."""
        p, who = platform_of(request), principal_of(request)
        wait_for_view(p, "needs", min_position)
        instant = known.known_instant(known_as_of) if known_as_of else None
        if instant:
            wait_for_view(p, "audit", min_position)
        with known.views_known(p.views, p.app, "Need", instant, lambda: [views.NeedsView()]) as db:
            docs = views.list_needs(db, viewer_org=who.organisation_id if who.role == "member" else None,
                                    everything=who.role in ("staff", "auditor"),
                                    campaign_id=str(campaign_id) if campaign_id else None, field=field,
                                    status=status, q=q.strip() if q else None, min_budget_fen=min_budget_fen,
                                    limit=limit + 1, after=_cursor(p, cursor))
        docs, nxt = trim_page(docs, limit, lambda d: d["id"])
        return answer({"items": [summary(d) for d in docs], "next_cursor": nxt}, NeedsPage)

    @get("/feedback-backlog", opt=allow("staff"), operation_id="needsFeedbackBacklog", sync_to_thread=True)
    def backlog(self, request: Request, min_position: MinPosition = None) -> Backlog:
        """待反馈需求: needs still without feedback past their deadline plus the feedback days."""
        p = platform_of(request)
        wait_for_view(p, "needs", min_position)
        days = p.settings.needs_feedback_days  # QIHUI_NEEDS_FEEDBACK_DAYS (seed 003: 100 % feedback)
        docs = views.feedback_backlog(p.views, p.clock.today(), days)
        due = timedelta(days=days)
        items = [{k: d[k] for k in ("id", "organisation_id", "title", "status", "deadline")}
                 | {"feedback_due_on": (date.fromisoformat(d["deadline"]) + due).isoformat()} for d in docs]
        return answer({"feedback_days": days, "count": len(items), "items": items}, Backlog)

    @get("/{id:uuid}", opt=signed_in(), operation_id="getNeed", sync_to_thread=True)
    def show(self, request: Request, id: UUID, min_position: MinPosition = None) -> NeedAnswer:
        """技术需求详情: the details only for the owner, staff and the solvers they were disclosed to."""
        p = platform_of(request)
        wait_for_view(p, "needs", min_position)
        return answer(for_viewer(_doc(p, id, request), principal_of(request)), NeedAnswer)

    async def _run(self, request: Request, need_id: UUID, command: Any, status: str | None = None) -> Accepted:
        value, position = await platform_of(request).writer.run(command)
        return Accepted(id=UUID(value) if isinstance(value, str) else need_id, position=position, status=status)

    @post("/{id:uuid}/submission", opt=allow("member"), guards=[need_owner], operation_id="submitNeed",
          status_code=200)
    async def submit(self, request: Request, id: UUID) -> Accepted:
        """提交草稿: the owner sends its draft for analysis."""
        return await self._run(request, id, matchmaking.submit(id, actor_of(request)), "submitted")

    @post("/{id:uuid}/analysis", opt=allow("staff"), operation_id="analyseNeed", status_code=200)
    async def analyse(self, request: Request, id: UUID, data: AnalysisIn) -> Accepted:
        """需求分析: staff's note and tags (again until published)."""
        return await self._run(request, id, matchmaking.analyse(id, data.note, data.tags, actor_of(request)),
                               "analysed")

    @post("/{id:uuid}/publication", opt=allow("staff"), operation_id="publishNeed", status_code=200)
    async def publish(self, request: Request, id: UUID) -> Accepted:
        """发布到需求目录: an analysed need whose deadline is ahead."""
        p = platform_of(request)
        return await self._run(request, id, matchmaking.publish(id, p.clock.today(), actor_of(request)), "published")

    @post("/{id:uuid}/renewal", opt=allow("member"), guards=[need_owner], operation_id="renewNeed", status_code=200)
    async def renew(self, request: Request, id: UUID, data: RenewalIn) -> Accepted:
        """续期: the owner moves the deadline; an expired need returns to the catalogue."""
        p = platform_of(request)
        return await self._run(request, id, matchmaking.renew(id, data.deadline, p.clock.today(), actor_of(request),
                                                               data.reason), "published")

    @post("/{id:uuid}/disclosures", opt=allow("staff", "member"), guards=[need_owner],
          operation_id="discloseNeedDetails", status_code=200)
    async def disclose(self, request: Request, id: UUID, data: DisclosureIn) -> Accepted:
        """披露详情: this solver may read the need's details (each disclosure is recorded)."""
        return await self._run(request, id, matchmaking.disclose(id, data.solver_id, actor_of(request)))

    @post("/{id:uuid}/proposals", opt=allow("member"), operation_id="proposeForNeed", status_code=201)
    async def propose(self, request: Request, id: UUID, data: ProposalIn) -> Accepted:
        """提交方案: a solver's (or another member's) account, on a published need."""
        fields = msgspec.structs.asdict(data)
        return await self._run(request, id, matchmaking.propose(id, fields, actor_of(request)), "submitted")

    @post("/{id:uuid}/proposals/{proposal_id:str}/shortlist", opt=allow("member"), guards=[need_owner],
          operation_id="shortlistProposal", status_code=200)
    async def shortlist(self, request: Request, id: UUID, proposal_id: str) -> Accepted:
        """方案入围: the need's owner."""
        return await self._run(request, id, matchmaking.decide_proposal(id, proposal_id, "shortlist",
                                                                        actor_of(request)), "shortlisted")

    @post("/{id:uuid}/proposals/{proposal_id:str}/decline", opt=allow("member"), guards=[need_owner],
          operation_id="declineProposal", status_code=200)
    async def decline(self, request: Request, id: UUID, proposal_id: str, data: DeclineIn) -> Accepted:
        """婉拒方案: the need's owner, with the reason."""
        return await self._run(request, id, matchmaking.decide_proposal(id, proposal_id, "decline",
                                                                        actor_of(request), data.reason), "declined")

    @post("/{id:uuid}/proposals/{proposal_id:str}/withdrawal", opt=allow("member"),
          operation_id="withdrawProposal", status_code=200)
    async def withdraw(self, request: Request, id: UUID, proposal_id: str, data: WithdrawalIn) -> Accepted:
        """撤回方案: its author's organisation only."""
        return await self._run(request, id, matchmaking.decide_proposal(id, proposal_id, "withdrawal",
                                                                        actor_of(request), data.reason), "withdrawn")

    @post("/{id:uuid}/feedback", opt=allow("staff"), operation_id="giveNeedFeedback", status_code=200)
    async def feedback(self, request: Request, id: UUID, data: FeedbackIn) -> Accepted:
        """反馈: staff tell the enterprise where its need stands (100%反馈)."""
        return await self._run(request, id, matchmaking.give_feedback(id, data.text, actor_of(request)))

    @post("/{id:uuid}/closure", opt=allow("staff", "member"), guards=[need_owner], operation_id="closeNeed",
          status_code=200)
    async def close(self, request: Request, id: UUID, data: ClosureIn) -> Accepted:
        """关闭需求: never without an outcome and a feedback text (a deal is recorded with /deal)."""
        return await self._run(request, id, matchmaking.close(id, data.outcome, data.feedback, actor_of(request)),
                               "closed")

    @post("/{id:uuid}/deal", opt=allow("staff", "member"), guards=[need_owner], operation_id="signDeal",
          status_code=201)
    async def deal(self, request: Request, id: UUID, data: DealIn) -> DealOut:
        """签约: the deal closes the need with outcome `deal`."""
        p = platform_of(request)
        fields = {k: v for k, v in msgspec.structs.asdict(data).items() if k != "feedback"}
        deal_id, position = await p.writer.run(matchmaking.sign_deal(id, fields, data.feedback,
                                                                     today=p.clock.today(), actor=actor_of(request)))
        return DealOut(id=id, deal_id=deal_id, position=position)


def _cursor(p: Any, cursor: str | None) -> str | None:
    """A cursor is the last need's id: the page goes on after its (posted_on, id)."""
    if cursor is None:
        return None
    try:
        doc = views.document(p.views, "view_needs", str(UUID(cursor)))
    except ValueError:
        doc = None
    if doc is None:
        raise InvalidValue("无效的分页游标 (invalid cursor)", field="cursor")
    return doc["posted_on"] + doc["id"]
