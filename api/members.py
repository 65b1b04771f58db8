"""Organisations and members (API.md "Organisations and members")."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from msgspec import Meta

from api.deps import platform_of, wait_for_view
from api.policy import actor_of, allow, public
from domain.errors import InvalidValue
from domain.values import normalise_credit_code
from projections import roster
from service import membership

Kind = Literal["enterprise", "society", "university_association", "institute", "service_agency"]
Tier = Literal["member", "council", "vice_president", "president"]
Status = Literal["applied", "admitted", "suspended", "lapsed", "withdrawn", "rejected"]
Text = Annotated[str, Meta(min_length=1, max_length=200)]
Count = Annotated[int, Meta(ge=0, le=10_000_000)]
Fen = Annotated[int, Meta(ge=0, le=10**15)]


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """Request bodies refuse fields they do not know (API.md)."""


class ContactIn(Strict):
    name: Annotated[str, Meta(min_length=1, max_length=50)]
    phone: Annotated[str, Meta(pattern=r"^\+?[0-9][0-9 \-]{4,24}$")]
    email: Annotated[str, Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class AnnualStatsIn(Strict):
    year: Annotated[int, Meta(ge=1949, le=2100)]
    employees: Count
    rd_staff: Count
    revenue_fen: Fen
    rd_spend_fen: Fen


class MembershipApplication(Strict):
    kind: Kind
    name: Text
    credit_code: Annotated[str, Meta(min_length=1, max_length=32)]
    sector: Text
    contacts: Annotated[list[ContactIn], Meta(min_length=1, max_length=20)]
    address: Annotated[str, Meta(max_length=500)] | None = None
    annual_stats: AnnualStatsIn | None = None


class Admission(Strict):
    tier: Tier = "member"
    note: Annotated[str, Meta(max_length=2000)] | None = None
    effective_on: date | None = None


class Decision(Strict):
    reason: Annotated[str, Meta(min_length=1, max_length=2000)]
    effective_on: date | None = None


class Accepted(msgspec.Struct):
    id: UUID
    position: int
    status: str | None = None


class Page(msgspec.Struct):
    items: list[dict[str, Any]]
    next_cursor: str | None


class MembersController(Controller):
    path = "/api/v1/members"
    tags = ["members 会员"]  # noqa: RUF012

    @post("/", opt=public(), operation_id="applyForMembership", status_code=201)
    async def apply(self, request: Request, data: MembershipApplication) -> Accepted:
        """入会申请: anyone may apply (rate-limited); the credit code must be valid and unused."""
        request.app.state.limits["apply"].check(request.client.host if request.client else "unknown")
        normalise_credit_code(data.credit_code)  # refuse early, before queueing
        fields = msgspec.to_builtins(data)
        fields["address"] = data.address
        fields["annual_stats"] = fields.get("annual_stats")
        fields["effective_on"] = platform_of(request).clock.today()
        org_id, position = await platform_of(request).writer.run(
            membership.apply_for_membership(fields, actor_of(request)))
        return Accepted(id=org_id, position=position, status="applied")

    @post("/{id:uuid}/admit", opt=allow("staff"), operation_id="admitMember", status_code=200)
    async def admit(self, request: Request, id: UUID, data: Admission) -> Accepted:
        """入会审批通过: admit an applicant with a tier."""
        p = platform_of(request)
        _, position = await p.writer.run(membership.admit(
            id, tier=data.tier, note=data.note,
            effective_on=data.effective_on or p.clock.today(), actor=actor_of(request)))
        return Accepted(id=id, position=position, status="admitted")

    @post("/{id:uuid}/reject", opt=allow("staff"), operation_id="rejectApplication", status_code=200)
    async def reject(self, request: Request, id: UUID, data: Decision) -> Accepted:
        """不予入会: reject an application, with the reason."""
        p = platform_of(request)
        _, position = await p.writer.run(membership.reject(
            id, reason=data.reason, effective_on=data.effective_on or p.clock.today(),
            actor=actor_of(request)))
        return Accepted(id=id, position=position, status="rejected")

    @get("/", opt=allow("staff", "auditor"), operation_id="listMembers", sync_to_thread=True)
    def list(
        self,
        request: Request,
        status: Status | None = None,
        kind: Kind | None = None,
        tier: Tier | None = None,
        sector: str | None = None,
        q: Annotated[str | None, Parameter(max_length=100)] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
        cursor: str | None = None,
        min_position: Annotated[int | None, Parameter(ge=0)] = None,
    ) -> Page:
        """会员名录: the roster, every status unless filtered, in application order."""
        p = platform_of(request)
        wait_for_view(p, "roster", min_position)
        try:
            items, nxt = roster.list_members(
                p.views, filters={"status": status, "kind": kind, "tier": tier, "sector": sector},
                q=q, limit=limit, cursor=cursor)
        except ValueError:
            raise InvalidValue("无效的分页游标 (invalid cursor)", field="cursor") from None
        return Page(items=items, next_cursor=nxt)

    @get("/{id:uuid}", opt=allow("staff", "auditor", "member", member_of="id"),
         operation_id="getMember", sync_to_thread=True)
    def show(self, request: Request, id: UUID,
             min_position: Annotated[int | None, Parameter(ge=0)] = None) -> dict[str, Any]:
        """单位详情: profile, status and its history."""
        p = platform_of(request)
        wait_for_view(p, "roster", min_position)
        doc = roster.get_member(p.views, str(id))
        if doc is None:
            raise NotFoundException(f"单位 {id} 不存在 (no such organisation)")
        return doc
