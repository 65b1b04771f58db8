"""The auditor's view (审计): the global log with its filters and export, its
verification with the result shown (the hash chain recomputed and held against
every anchor), and the anchors published so far. Any organisation's timeline is
the desk's organisation page; the figures of any period are the figures page.
Read-only: every route here is a GET.

The same reads as GET /api/v1/audit/events, …/verify and …/anchors
(projections.audit.audit_events, projections.chain.verify_platform and
gather_anchors) and the same export (api.audit.export).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.params import Parameter
from litestar.response import Template

from api.audit import _EXPORT_TYPES, export
from api.deps import platform_of
from api.pages.desk_base import READERS, ROUTE, desk, local_day_bounds
from projections.audit import AuditQuery, audit_events
from projections.chain import gather_anchors, verify_platform

PAGE = 100
Day = Annotated[str | None, Parameter(max_length=10)]
Word = Annotated[str | None, Parameter(max_length=64)]


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _query(p: Any, start: str | None, end: str | None, actor: str | None, type_: str | None,
           aggregate: str | None) -> tuple[AuditQuery, dict[str, str]]:
    """GET /api/v1/audit/events' filters, dates read as whole days in the association's time zone."""
    first, last = _day(start), _day(end)
    chosen: dict[str, str] = {}
    recorded_from = recorded_to = None
    if first:
        recorded_from = local_day_bounds(p, first, first)[0]
        chosen["from"] = first.isoformat()
    if last:
        recorded_to = local_day_bounds(p, last, last)[1]
        chosen["to"] = last.isoformat()
    for key, value in (("actor", actor), ("type", type_)):
        if value and value.strip():
            chosen[key] = value.strip()
    try:
        aggregate_id = str(UUID(aggregate)) if aggregate else None
    except ValueError:
        aggregate_id = None
    if aggregate_id:
        chosen["aggregate_id"] = aggregate_id
    return AuditQuery(recorded_from=recorded_from, recorded_to=recorded_to, actor=chosen.get("actor"),
                      type=chosen.get("type"), aggregate_id=aggregate_id), chosen


class DeskAuditPages(Controller):
    path = ROUTE

    @get("/audit", opt=READERS, sync_to_thread=True)
    def log(self, request: Request, from_: Annotated[str | None, Parameter(query="from", max_length=10)] = None,
            to: Day = None, actor: Word = None, type: Word = None, aggregate_id: Word = None,
            after: Annotated[int, Parameter(ge=0, le=2**63 - 1)] = 0) -> Template:
        """审计日志: every stored event, oldest first, filtered by time, actor, type, aggregate."""
        p = platform_of(request)
        query, chosen = _query(p, from_, to, actor, type, aggregate_id)
        query.after_position = after
        items = audit_events(p.views, query, PAGE + 1)
        more, items = len(items) > PAGE, items[:PAGE]
        return desk(request, "desk/audit.html", items=items, chosen=chosen, link=urlencode(chosen), after=after,
                    next_after=items[-1]["position"] if more and items else None)

    @get("/audit/export", opt=READERS, sync_to_thread=True)
    def export(self, request: Request, format: Word = "xlsx",
               from_: Annotated[str | None, Parameter(query="from", max_length=10)] = None, to: Day = None,
               actor: Word = None, type: Word = None, aggregate_id: Word = None) -> Response[bytes]:
        """导出审计日志: every event that matches, as GET /api/v1/audit/events?format=csv|xlsx."""
        p = platform_of(request)
        fmt = format if format in ("csv", "xlsx") else "xlsx"
        query, _ = _query(p, from_, to, actor, type, aggregate_id)
        items: list[dict[str, Any]] = []
        while batch := audit_events(p.views, query, 5000):
            items += batch
            query.after_position = batch[-1]["position"]
        return Response(export(items, fmt), media_type=_EXPORT_TYPES[fmt], headers={
            "Content-Disposition": f'attachment; filename="audit.{fmt}"', "Cache-Control": "no-store"})

    @get("/audit/verify", opt=READERS, sync_to_thread=True)
    def verify(self, request: Request) -> Template:
        """校验: the chain recomputed over the stored log and held against every anchor, as
        GET /api/v1/audit/verify; and the anchors, as GET /api/v1/audit/anchors."""
        p = platform_of(request)
        result = verify_platform(p)
        own = p.anchors.path
        try:
            anchors = gather_anchors([own] if own.exists() else [], p.settings.nats_url)
        except ValueError:
            anchors = []
        return desk(request, "desk/verify.html", result=result, anchors=anchors,
                    checked_at=p.clock.now().isoformat())
