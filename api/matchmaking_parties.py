"""Campaigns (征集活动), solvers (技术解决方) and deals' payments (API.md "Matchmaking")."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.params import Parameter
from msgspec import Meta

from api.accounts import InvitationOut
from api.clients import client_address
from api.deps import platform_of, trim_page, wait_for_view
from api.matchmaking import Field
from api.matchmaking_answers import CampaignsPage, SolversPage, solver_answer
from api.member_answers import HistoryPage
from api.policy import actor_of, allow, principal_of, public, signed_in
from api.schemas import Accepted, Email, MinPosition, Name, Note, Phone, Position, Reason, Strict, Text, answer
from projections import matchmaking as views
from projections.audit import organisation_history
from projections.confidential import for_viewer
from service import matchmaking, matchmaking_parties


class CampaignIn(Strict):
    title: Text
    opens_on: date
    closes_on: date
    organiser: Annotated[str, Meta(min_length=1, max_length=200, description="主办单位 (organiser)")]


class SolverContact(Strict):
    name: Name
    phone: Phone
    email: Email


class SolverIn(Strict):
    kind: Literal["university", "institute", "team"]
    name: Text
    field: Field
    contacts: Annotated[list[SolverContact], Meta(min_length=1, max_length=20)]
    credit_code: Annotated[str, Meta(min_length=1, max_length=32)] | None = None


class ApprovalIn(Strict):
    note: Note | None = None


class RejectionIn(Strict):
    reason: Reason


class SolverInvitationIn(Strict):
    email: Email


class PaymentIn(Strict):
    amount_fen: Annotated[int, Meta(ge=1, le=10**13)]
    paid_on: date


class CampaignsController(Controller):
    path = "/api/v1/campaigns"
    tags = ["matchmaking 技术对接"]  # noqa: RUF012

    @post("/", opt=allow("staff"), operation_id="openCampaign", status_code=201)
    async def open(self, request: Request, data: CampaignIn) -> Accepted:
        """发布征集活动 (e.g. 中国创新挑战赛): needs may be posted into it during its window."""
        fields = {"title": data.title, "opens_on": data.opens_on, "closes_on": data.closes_on,
                  "organiser": data.organiser}
        campaign_id, position = await platform_of(request).writer.run(
            matchmaking.open_campaign(fields, actor_of(request)))
        return Accepted(id=campaign_id, position=position, status="open")

    @get("/", opt=signed_in(), operation_id="listCampaigns", sync_to_thread=True)
    def list(self, request: Request, min_position: MinPosition = None) -> CampaignsPage:
        """征集活动列表."""
        p = platform_of(request)
        wait_for_view(p, "campaigns", min_position)
        return answer({"items": views.list_documents(p.views, "view_campaigns")}, CampaignsPage)


class SolversController(Controller):
    path = "/api/v1/solvers"
    tags = ["matchmaking 技术对接"]  # noqa: RUF012

    @post("/", opt=public(), operation_id="signUpSolver", status_code=201)
    async def sign_up(self, request: Request, data: SolverIn) -> Accepted:
        """报名成为技术解决方: anyone (rate-limited) → pending until staff approve; staff registering
        one approve it at once. Its contacts are personal data, sealed."""
        request.app.state.limits["apply"].check(client_address(request))
        fields = {"kind": data.kind, "name": data.name, "field": data.field, "credit_code": data.credit_code}
        contacts = [{"name": c.name, "phone": c.phone, "email": c.email} for c in data.contacts]
        (solver_id, status), position = await platform_of(request).writer.run(
            matchmaking_parties.sign_up(fields, contacts, actor_of(request)))
        return Accepted(id=solver_id, position=position, status=status)

    @get("/", opt=allow("staff", "auditor"), operation_id="listSolvers", sync_to_thread=True)
    def list(self, request: Request, status: Literal["pending", "approved", "rejected"] | None = None,
             min_position: MinPosition = None) -> SolversPage:
        """技术解决方名单 with their contacts (`?status=pending`: awaiting approval)."""
        p = platform_of(request)
        wait_for_view(p, "solvers", min_position)
        docs = views.list_documents(p.views, "view_solvers", status)
        return answer({"items": [solver_answer(p.views, d) for d in docs]}, SolversPage)

    @get("/{id:uuid}/history", opt=allow("staff", "auditor", "member", member_of="id"), operation_id="solverHistory",
         sync_to_thread=True)
    def history(self, request: Request, id: UUID, cursor: Position = 0,
                limit: Annotated[int, Parameter(ge=1, le=500)] = 50, min_position: MinPosition = None) -> HistoryPage:
        """解决方的活动记录: its sign-up and approval, disclosures to it, its proposals, meetings and
        deals, oldest first (a solver's own accounts read theirs)."""
        p = platform_of(request)
        wait_for_view(p, "audit", min_position)
        if views.document(p.views, "view_solvers", str(id)) is None:
            raise NotFoundException("技术解决方不存在 (no such solver)")
        items, next_cursor = trim_page(organisation_history(p.views, str(id), after=cursor, limit=limit + 1),
                                       limit, lambda i: str(i["position"]))
        return answer({"items": for_viewer(items, principal_of(request).role), "next_cursor": next_cursor},
                      HistoryPage)

    @post("/{id:uuid}/approval", opt=allow("staff"), operation_id="approveSolver", status_code=200)
    async def approve(self, request: Request, id: UUID, data: ApprovalIn) -> Accepted:
        """审核通过: the solver may act in matchmaking and have accounts."""
        _, position = await platform_of(request).writer.run(
            matchmaking_parties.decide(id, True, data.note, actor_of(request)))
        return Accepted(id=id, position=position, status="approved")

    @post("/{id:uuid}/rejection", opt=allow("staff"), operation_id="rejectSolver", status_code=200)
    async def reject(self, request: Request, id: UUID, data: RejectionIn) -> Accepted:
        """不予通过, with the reason."""
        _, position = await platform_of(request).writer.run(
            matchmaking_parties.decide(id, False, data.reason, actor_of(request)))
        return Accepted(id=id, position=position, status="rejected")

    @post("/{id:uuid}/invitations", opt=allow("staff"), operation_id="inviteSolverAccount", status_code=201)
    async def invite(self, request: Request, id: UUID, data: SolverInvitationIn) -> InvitationOut:
        """邀请解决方开通账号: a single-use token (accepted at /auth/invitations/accept) for an account
        of role member acting for this approved solver, in matchmaking only."""
        p = platform_of(request)
        issued, position = await p.writer.run(matchmaking_parties.invite(id, data.email, now=p.clock.now(),
                                                                         actor=actor_of(request)))
        return InvitationOut(id=issued.id, token=issued.token, expires_at=issued.expires_at, position=position)


def deal_owner(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A member account records payments only on its own organisation's deal."""
    who = principal_of(connection)
    if who is None or who.role != "member":
        return
    doc = views.need_of_deal(connection.app.state.platform.views, str(connection.path_params["id"]))
    if doc is not None and doc["organisation_id"] != who.organisation_id:
        raise PermissionDeniedException("只有需求方可以登记到账 (only the need's owner)")


class DealsController(Controller):
    path = "/api/v1/deals"
    tags = ["matchmaking 技术对接"]  # noqa: RUF012

    @post("/{id:uuid}/payments", opt=allow("staff", "member"), guards=[deal_owner], operation_id="recordDealPayment",
          status_code=200)
    async def pay(self, request: Request, id: UUID, data: PaymentIn) -> Accepted:
        """合同到账: a payment against the deal (never more than the contract in total)."""
        p = platform_of(request)
        _, position = await p.writer.run(matchmaking.record_payment(id, data.amount_fen, data.paid_on,
                                                                    today=p.clock.today(), actor=actor_of(request)))
        return Accepted(id=id, position=position)
