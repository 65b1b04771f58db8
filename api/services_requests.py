"""The request ledger (诉求台账, API.md "Enterprise services"): raised online by an
organisation's own account or entered by staff, assigned, answered, closed as resolved or
explained, reopened by the organisation within 30 days; the year-end list for the December
meeting as CSV or XLSX."""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.params import Parameter
from msgspec import Meta

from api.deps import platform_of, trim_page, wait_for_view
from api.policy import actor_of, allow, principal_of
from api.schemas import Done, LongText, MinPosition, Note, Reason, Strict, answer, exported_as, file_media_types
from api.services_answers import RaisedOut, RequestAnswer, RequestsPage
from domain.errors import InvalidValue, NotFound
from domain.services_requests import CATEGORIES, CHANNELS, OUTCOMES
from domain.vocabularies import label
from projections import known
from projections import services_queries as q
from projections.services import RequestsView
from service import enterprise_services as services
from service.spreadsheets import MEDIA_TYPES, tabular

Category = Literal["policy", "funding", "talent", "finance", "technology", "site", "innovation", "other"]
Channel = Literal["online", "visit", "forum", "hotline", "group_chat"]
Status = Literal["open", "received", "assigned", "reopened", "resolved", "explained"]
_FILES = file_media_types(MEDIA_TYPES)
STATUS_NAMES = {"received": "待交办", "assigned": "办理中", "reopened": "重新办理", **OUTCOMES}


class RequestIn(Strict):
    organisation_id: UUID
    category: Category
    text: LongText
    channel: Channel = "online"
    received_on: date | None = None
    visit_id: Annotated[UUID, Meta(description="来源走访或恳谈会 (the visit or forum it came from)")] | None = None


class AssignmentIn(Strict):
    unit_id: UUID
    owner_id: UUID
    due_on: date | None = None
    reason: Note | None = None


class ReplyIn(Strict):
    text: LongText


class ClosureIn(Strict):
    outcome: Literal["resolved", "explained"]
    explanation: Note | None = None


class ReopeningIn(Strict):
    reason: Reason


def owned(view: str, concerns: Any) -> Any:
    """A guard: an organisation's account reaches only objects that concern its organisation
    (`concerns(doc, org_id)`); anything else is 404, so another's object is never confirmed. An
    object not in the view yet is looked for again once the view holds what is stored (one
    created a moment ago is found)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        who = principal_of(connection)
        if who is None or who.role != "member":
            return
        platform = connection.app.state.platform
        key = str(connection.path_params["id"])
        doc = await anyio.to_thread.run_sync(q.get_doc, platform.views, f"view_{view}", key)
        if doc is None:
            stored = await anyio.to_thread.run_sync(platform.runner.head)
            deadline = time.monotonic() + platform.settings.read_wait
            while time.monotonic() < deadline and (await anyio.to_thread.run_sync(
                    platform.views.positions, [view]))[view] < stored:
                await asyncio.sleep(0.01)
            doc = await anyio.to_thread.run_sync(q.get_doc, platform.views, f"view_{view}", key)
        if doc is None or not concerns(doc, who.organisation_id or ""):
            raise NotFoundException("不存在 (not found)")

    return guard


def own_only(request: Request, organisation_id: UUID | str | None) -> str | None:
    """The organisation a caller may ask about: an organisation's account its own (asking for another
    is 403), staff and auditors whichever they name."""
    who = principal_of(request)
    wanted = str(organisation_id) if organisation_id else None
    if who is None or who.role != "member":
        return wanted
    if wanted is not None and wanted != who.organisation_id:
        raise PermissionDeniedException("只能查看或办理本单位的事项 (your own organisation only)")
    return who.organisation_id


own_request = owned("service_requests", lambda doc, org: doc["organisation_id"] == org)


def _after(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        date.fromisoformat(cursor[:10])
        UUID(cursor[10:])
    except ValueError:
        raise InvalidValue("无效的分页游标 (invalid cursor)", field="cursor") from None
    return cursor


class RequestsController(Controller):
    path = "/api/v1/requests"
    tags = ["services 企业服务"]  # noqa: RUF012

    @post("/", opt=allow("staff", "member"), operation_id="raiseRequest", status_code=201)
    async def raise_request(self, request: Request, data: RequestIn) -> RaisedOut:
        """提出诉求: an organisation's own account online, or staff from a visit, a forum, the hotline or a
        group chat; due by category (15 working days unless the category says otherwise)."""
        own_only(request, data.organisation_id)
        p = platform_of(request)
        today = p.clock.today()
        fields = {"organisation_id": data.organisation_id, "category": data.category, "text": data.text,
                  "channel": data.channel, "received_on": data.received_on, "visit_id": data.visit_id}
        raised, position = await p.writer.run(services.raise_request(fields, today, actor_of(request)))
        return RaisedOut(id=raised["id"], due_on=raised["due_on"].isoformat(), position=position)

    @get("/", opt=allow("staff", "auditor", "member"), operation_id="listRequests", sync_to_thread=True)
    def list(self, request: Request, unit_id: UUID | None = None, owner_id: UUID | None = None,
             organisation_id: UUID | None = None, status: Status | None = None, overdue: bool | None = None,
             mine: bool = False,
             limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
             cursor: Annotated[str | None, Parameter(max_length=100)] = None,
             known_as_of: datetime | None = None, min_position: MinPosition = None) -> RequestsPage:
        """诉求台账, newest first, by unit, owner, status and overdue (open and past its due date);
        `mine=true`: the units the caller's staff account belongs to; an organisation's account sees its
        own organisation's requests only."""
        p = platform_of(request)
        wait_for_view(p, "service_requests", min_position)
        who = principal_of(request)
        units = q.units_of(p.views, who.account_id) if mine and who is not None else None
        instant = known.known_instant(known_as_of) if known_as_of else None  # the ledger as recorded then
        if instant:
            wait_for_view(p, "audit", min_position)
        with known.views_known(p.views, p.app, "ServiceRequest", instant, lambda: [RequestsView()]) as db:
            docs = q.list_requests(db, today=p.clock.today(), organisation_id=own_only(request, organisation_id),
                                   unit_id=str(unit_id) if unit_id else None,
                                   owner_id=str(owner_id) if owner_id else None, status=status, overdue=overdue,
                                   limit=limit + 1, after=_after(cursor), unit_ids=units)
        docs, nxt = trim_page(docs, limit, lambda d: d["received_on"] + d["id"])
        return answer({"items": docs, "next_cursor": nxt}, RequestsPage)

    @get("/export", opt=allow("staff", "auditor"), operation_id="exportYearEndRequests", sync_to_thread=True,
         operation_class=exported_as(*_FILES.values()))
    def export(self, request: Request, year: Annotated[int, Parameter(ge=2000, le=2100)],
               format: Literal["csv", "xlsx"] = "csv") -> Response[bytes]:
        """年底问题清单: the hooked organisations' requests still unresolved, or explained that year, for
        the December meeting on their problems (seed 001 一.4)."""
        p = platform_of(request)
        units = q.all_units(p.views)
        docs = q.year_end(p.views, units, year, p.clock.today())
        named = q.names(p.views, [d["organisation_id"] for d in docs])
        unit_names = {u["id"]: u["name"] for u in units}
        rows = [[named.get(d["organisation_id"], d["organisation_id"]), label(CATEGORIES, d["category"]),
                 label(CHANNELS, d["channel"]), d["text"], d["received_on"], d["due_on"],
                 unit_names.get(d["unit_id"] or "", ""), label(STATUS_NAMES, d["status"]), d["explanation"] or "",
                 "\n".join(r["text"] for r in d["replies"])] for d in docs]
        body = tabular(["单位名称", "诉求类别", "渠道", "诉求内容", "收到日期", "办理期限", "责任处室", "状态",
                        "说明", "答复"], rows, format, f"{year}年诉求清单")
        return Response(body, media_type=_FILES[format], headers={
            "Content-Disposition": f"attachment; filename=\"requests-{year}.{format}\""})

    @get("/{id:uuid}", opt=allow("staff", "auditor", "member"), guards=[own_request], operation_id="getRequest",
         sync_to_thread=True)
    def show(self, request: Request, id: UUID, min_position: MinPosition = None) -> RequestAnswer:
        """诉求详情: replies, closures, reopenings and overdue flags."""
        p = platform_of(request)
        wait_for_view(p, "service_requests", min_position)
        doc = q.get_doc(p.views, "view_service_requests", str(id))
        if doc is None:
            raise NotFound(f"诉求 {id} 不存在 (no such request)")
        return answer(q.with_overdue(doc, p.clock.today()), RequestAnswer)

    @post("/{id:uuid}/assignment", opt=allow("staff"), operation_id="assignRequest", status_code=200)
    async def assign(self, request: Request, id: UUID, data: AssignmentIn) -> Done:
        """交办: to a unit and one of its staff as owner; `due_on` moves the due date."""
        _, position = await platform_of(request).writer.run(services.assign(
            id, data.unit_id, data.owner_id, data.due_on, actor_of(request), data.reason))
        return Done(id=id, position=position)

    @post("/{id:uuid}/replies", opt=allow("staff"), operation_id="replyToRequest", status_code=201)
    async def reply(self, request: Request, id: UUID, data: ReplyIn) -> Done:
        """答复 (the organisation reads it on its request)."""
        p = platform_of(request)
        today, actor = p.clock.today(), actor_of(request)
        _, position = await p.writer.run(services.on_request(id, lambda r: r.reply(text=data.text, today=today,
                                                                                   actor=actor)))
        return Done(id=id, position=position)

    @post("/{id:uuid}/closure", opt=allow("staff"), operation_id="closeRequest", status_code=200)
    async def close(self, request: Request, id: UUID, data: ClosureIn) -> Done:
        """办结: `resolved`, or `explained` with the explanation why it cannot be solved (required)."""
        p = platform_of(request)
        today, actor = p.clock.today(), actor_of(request)
        _, position = await p.writer.run(services.on_request(id, lambda r: r.close(
            outcome=data.outcome, explanation=data.explanation, today=today, actor=actor)))
        return Done(id=id, position=position)

    @post("/{id:uuid}/reopening", opt=allow("member"), guards=[own_request], operation_id="reopenRequest",
          status_code=200)
    async def reopen(self, request: Request, id: UUID, data: ReopeningIn) -> Done:
        """重新办理: the organisation reopens its closed request within 30 days (later: 409)."""
        p = platform_of(request)
        _, position = await p.writer.run(services.reopen(id, data.reason, p.clock.today(), actor_of(request)))
        return Done(id=id, position=position)
