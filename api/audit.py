"""Audit: the global log, its verification, and organisations' histories (API.md "Audit and figures")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from api.audit_answers import AuditPage
from api.deps import platform_of, trim_page, wait_for_view
from api.policy import allow
from api.schemas import MinPosition, Position, answer, exported_as, file_media_types
from projections.audit import AuditQuery, audit_events
from projections.chain import Anchor, gather_anchors, verify_platform
from service.spreadsheets import MEDIA_TYPES, tabular

EXPORT_HEADERS = ("位置", "事件编号", "事件类型", "对象类型", "对象编号", "版本", "记录时间", "生效日期",
                  "操作人", "角色", "所属单位", "理由", "摘要")


class Verification(msgspec.Struct):
    ok: bool
    checked: int
    first_bad_position: int | None = None
    # altered, missing, unchained, unknown_key, key_order, rewound, halted, anchor_missing,
    # anchor_mismatch, anchor_signature, anchor_file
    problem: str | None = None
    detail: str | None = None
    anchors_checked: int = 0


def _rows(items: list[dict[str, Any]]) -> list[list[Any]]:
    return [[i["position"], i["event_id"], i["type"], i["aggregate_type"], i["aggregate_id"], i["version"],
             i["recorded_at"], i["effective_on"] or "", i["actor"]["id"], i["actor"]["role"],
             i["actor"]["organisation_id"] or "", i["reason"] or "", i["summary"]] for i in items]


# Litestar adds the charset to a text/* type itself (MEDIA_TYPES' own would be doubled).
_EXPORT_TYPES = file_media_types(MEDIA_TYPES)


def export(items: list[dict[str, Any]], fmt: str) -> bytes:
    return tabular(EXPORT_HEADERS, _rows(items), fmt, "审计日志")


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit 审计"]  # noqa: RUF012

    @get("/events", opt=allow("staff", "auditor"), operation_id="auditEvents", sync_to_thread=True,
         operation_class=exported_as(*_EXPORT_TYPES.values()))
    def events(
        self,
        request: Request,
        from_: Annotated[datetime | None, Parameter(query="from")] = None,
        to: datetime | None = None,
        actor: Annotated[str | None, Parameter(max_length=64)] = None,
        type: Annotated[str | None, Parameter(max_length=64)] = None,
        aggregate_id: UUID | None = None,
        after_position: Position = 0,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
        format: Literal["json", "csv", "xlsx"] = "json",
        min_position: MinPosition = None,
    ) -> AuditPage:  # or, for format=csv|xlsx, the file (a Response: Litestar sends it as it is)
        """审计日志: every stored event, oldest first, filtered; `format=csv|xlsx` exports all that match."""
        p = platform_of(request)
        wait_for_view(p, "audit", min_position)
        query = AuditQuery(recorded_from=from_.isoformat() if from_ else None,
                           recorded_to=to.isoformat() if to else None, actor=actor, type=type,
                           aggregate_id=str(aggregate_id) if aggregate_id else None, after_position=after_position)
        if format != "json":
            items = []
            while batch := audit_events(p.views, query, 5000):
                items += batch
                query.after_position = batch[-1]["position"]
            return Response(export(items, format), media_type=_EXPORT_TYPES[format], headers={  # type: ignore[return-value]
                "Content-Disposition": f'attachment; filename="audit.{format}"'})
        items, next_cursor = trim_page(audit_events(p.views, query, limit + 1), limit,
                                       lambda i: str(i["position"]))
        return answer({"items": items, "next_cursor": next_cursor}, AuditPage)

    @get("/verify", opt=allow("staff", "auditor"), operation_id="auditVerify", sync_to_thread=True)
    def verify(self, request: Request) -> Verification:
        """校验: recompute the hash chain over the stored log and hold it against every
        anchor (the anchors file and, in distributed mode, the stream QIHUI_ANCHORS); name
        the first record altered, reordered or missing, a chain moved back, or an anchor
        the chain no longer matches."""
        return Verification(**verify_platform(platform_of(request)))

    @get("/anchors", opt=allow("staff", "auditor"), operation_id="auditAnchors", sync_to_thread=True)
    def anchors(self, request: Request) -> list[Anchor]:
        """锚点: the signed chain heads published so far, oldest first (copy them off the platform)."""
        p = platform_of(request)
        own = p.anchors.path
        return gather_anchors([own] if own.exists() else [], p.settings.nats_url)
