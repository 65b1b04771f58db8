"""What the audit log answers (issue 14): its entries, typed for the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta

from api.schemas import Answer


class ActorAnswer(Answer):
    """Who recorded an event (a party sees "—" for confidential steps)."""

    id: Annotated[str | None, Meta(description="账号编号 (the account's id; none for the system or the public)")]
    role: Annotated[str | None, Meta(description="角色 (the actor's role)")]
    organisation_id: str | None
    name: Annotated[str, Meta(description="操作人 (the account's username, or what the system is called)")]


class AuditEntry(Answer):
    """One recorded event as the audit log shows it."""

    position: int
    event_id: Annotated[str, Meta(description="事件编号 (the event's id)")]
    type: str
    aggregate_id: str
    aggregate_type: Annotated[str, Meta(description="对象类型 (Organisation, Session, Alliance, …)")]
    version: Annotated[int, Meta(description="对象版本 (the aggregate's version after the event)")]
    recorded_at: Annotated[str, Meta(description="记录时间 (when it was recorded, ISO 8601)")]
    effective_on: str | None
    actor: ActorAnswer
    reason: str | None
    summary: Annotated[str | None, Meta(description="摘要 (what happened, in words)")]
    data: Annotated[dict[str, Any], Meta(description="事件内容 (the event's own fields; open, by event type)")]


class AuditPage(Answer):
    """A page of the audit log."""

    items: list[AuditEntry]
    next_cursor: str | None
