"""What the member routes answer (issue 14): the roster's documents, typed, so the
served OpenAPI document describes them. Fields a document may lack are UNSET
(left out of the JSON, as before); histories whose entries vary by event stay
open objects."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import UNSET, Meta, UnsetType

from api.audit_answers import AuditEntry
from api.schemas import Answer

_Entries = Annotated[list[dict[str, Any]], Meta(description="记录 (entries; their fields vary by event)")]
_Open = list[dict[str, Any]]


class DuesAnswer(Answer):
    """One year's dues."""

    year: int
    amount_fen: int
    paid_on: str | None
    position: int


class MemberAnswer(Answer):
    """单位: an organisation on the roster, whatever its status."""

    id: str
    kind: str
    name: str
    credit_code: str | None
    sector: str | None
    address: str | None
    contacts: Annotated[_Open, Meta(description="联系人 (contact people; personal fields opened or erased)")]
    tier: str | None
    annual_stats: Annotated[list[dict[str, Any]], Meta(description="年度数据 (yearly figures, one per year)")]
    applied_at: Annotated[str, Meta(description="申请记录时间 (when the application was recorded)")]
    applied_on: Annotated[str | None, Meta(description="申请日期 (the application's effective date)")]
    admitted_on: Annotated[str | None, Meta(description="入会日期 (admission date)")]
    dues: Annotated[list[DuesAnswer], Meta(description="会费记录 (dues paid, by year)")]
    last_dues_year: Annotated[int | None, Meta(description="最近缴费年度 (last year counted as paid)")]
    libraries: Annotated[list[str], Meta(description="入库标签 (libraries the organisation is tagged in)")]
    growth_stage: str | None
    status: str
    status_history: Annotated[list[dict[str, Any]], Meta(description="状态记录 (status and tier changes, as recorded)")]
    changes: Annotated[_Open, Meta(description="变更记录 (profile and other changes)")] | UnsetType = UNSET
    pending_application: Annotated[
        dict[str, Any] | None, Meta(description="待审重新申请 (a re-application's proposed details; staff only)")
    ] | UnsetType = UNSET
    lapsed_for: Annotated[int | None, Meta(description="欠费失效年度 (the year it lapsed for)")] | UnsetType = UNSET
    dues_paid_through: Annotated[int, Meta(description="会费缴至年度 (dues paid through)")] | UnsetType = UNSET
    attributes: Annotated[
        dict[str, dict[str, Any]], Meta(description="申报属性 (declared attributes, each with evidence and date)")
    ] | UnsetType = UNSET
    as_of: str | UnsetType = UNSET
    known_as_of: str | UnsetType = UNSET


class MemberProfile(MemberAnswer, kw_only=True):
    """单位详情: the organisation and its attendance counts."""

    no_show_count: Annotated[int, Meta(description="缺席次数 (no-shows)")]
    late_cancellation_count: Annotated[int, Meta(description="迟取消次数 (late cancellations)")]


class RosterPage(Answer):
    """A page of the roster."""

    items: list[MemberAnswer]
    next_cursor: str | None
    total: int | None = None


class HistoryPage(Answer):
    """A page of an organisation's activity, oldest first."""

    items: list[AuditEntry]
    next_cursor: str | None
    total: int | None = None


class AttendanceAnswer(Answer):
    """One session the organisation registered for."""

    session_id: str
    kind: str | None
    title: str | None
    starts_at: str | None
    session_status: Annotated[str | None, Meta(description="活动状态 (the session's status)")]
    status: str | None
    rating: int | None
    events: _Entries


class MemberSessions(Answer):
    """参会记录: the organisation's sessions, newest first, with its counts."""

    no_show_count: Annotated[int, Meta(description="缺席次数 (no-shows)")]
    late_cancellation_count: Annotated[int, Meta(description="迟取消次数 (late cancellations)")]
    sessions: Annotated[list[AttendanceAnswer], Meta(description="参会记录 (sessions, newest first)")]
