"""What the session routes answer (issue 14): sessions and rosters, typed, so the
served OpenAPI document describes them. Fields a session may lack are UNSET
(left out of the JSON, as before)."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import UNSET, Meta, UnsetType

from api.schemas import Answer

_Attendees = Annotated[list[dict[str, Any]], Meta(description="参会人员 (attendees; personal fields opened or erased)")]
_Registered = Annotated[str | None, Meta(description="报名时间 (when the registration was recorded)")]
_Attendance = Annotated[str | None, Meta(description="签到情况 (pending, checked_in or no_show)")]
_Confirmed = Annotated[int, Meta(description="已确认数 (confirmed registrations)")]
_Waitlisted = Annotated[int, Meta(description="候补数 (registrations on the waitlist)")]


class SessionSummary(Answer):
    """活动: one session as the list shows it."""

    id: str
    kind: str
    title: str
    topic: str | None
    starts_at: str
    ends_at: str
    venue: str | None
    capacity: int
    seats_per_organisation: int | None
    registration_closes_at: str | None
    members_only: bool
    waitlist_enabled: Annotated[bool, Meta(description="是否允许候补 (whether a full session takes a waitlist)")]
    status: str
    registration_open: Annotated[bool, Meta(description="是否开放报名 (whether registration is open)")]
    confirmed_count: _Confirmed
    waitlist_count: _Waitlisted


class SessionsPage(Answer):
    """A page of sessions by start time."""

    items: list[SessionSummary]
    next_cursor: str | None


class MyRegistration(Answer):
    """The caller's organisation's registration."""

    organisation_id: str
    status: str
    attendees: _Attendees
    registered_at: _Registered
    waitlist_position: int | None
    attendance: _Attendance


class SessionAnswer(SessionSummary, kw_only=True):
    """活动详情: the session, its counts and the caller's own registration."""

    registration_state: Annotated[str, Meta(description="报名状态 (open or closed)")]
    attendance_state: Annotated[str, Meta(description="签到状态 (pending or closed)")]
    scheduled_by: Annotated[dict[str, Any], Meta(description="发布人 (who scheduled it: id, role, organisation)")]
    changes: Annotated[list[dict[str, Any]], Meta(description="变更记录 (capacity, waitlist and time changes)")]
    my_registration: Annotated[MyRegistration | None, Meta(description="本单位报名 (your organisation's, if any)")]
    cancel_reason: Annotated[str | None, Meta(description="取消原因 (why it was cancelled)")] | UnsetType = UNSET
    no_show_count: Annotated[int, Meta(description="缺席单位数 (no-shows when attendance closed)")] | UnsetType = UNSET
    average_rating: Annotated[float, Meta(description="平均评分 (average feedback rating)")] | UnsetType = UNSET


class RosterEntry(Answer):
    """One registered organisation."""

    organisation_id: str
    name: str | None
    attendees: _Attendees
    registered_at: _Registered
    waitlist_position: int | None
    attendance: _Attendance
    checked_in_attendees: Annotated[list[str | None], Meta(description="已签到人员 (who checked in)")]
    rating: int | None


class RosterCounts(Answer):
    """The roster's counts."""

    confirmed: _Confirmed
    waitlisted: _Waitlisted
    checked_in: Annotated[int, Meta(description="已签到数 (checked in)")]
    no_show: Annotated[int, Meta(description="缺席数 (no-shows)")]


class SessionRoster(Answer):
    """签到名单: confirmed, the waitlist in order, who checked in, and the counts."""

    session_id: str
    title: str
    capacity: int
    confirmed: Annotated[list[RosterEntry], Meta(description="已确认 (confirmed registrations)")]
    waitlist: Annotated[list[RosterEntry], Meta(description="候补名单 (the waitlist, in order)")]
    checked_in: Annotated[list[RosterEntry], Meta(description="已签到 (confirmed and checked in)")]
    counts: Annotated[RosterCounts, Meta(description="统计 (counts)")]
