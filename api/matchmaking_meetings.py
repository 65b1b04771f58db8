"""One-to-one meetings at a matchmaking session (API.md "Matchmaking"): slots, requests,
acceptance into the earliest free slot and table, decline, outcome, and each
organisation's agenda. Only these sub-routes of /api/v1/sessions live here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from msgspec import Meta

from api.deps import platform_of, wait_for_view
from api.matchmaking_answers import AgendaAnswer
from api.policy import actor_of, allow, principal_of
from api.schemas import Accepted, MinPosition, Note, Strict, answer
from projections import matchmaking as views
from service import matchmaking_meetings as meetings

Instant = Annotated[datetime, Meta(description="时间，无时区时按协会时区 (no offset: the association's zone)")]


class SlotsIn(Strict):
    starts_at: Instant
    minutes: Annotated[int, Meta(ge=5, le=480)]
    count: Annotated[int, Meta(ge=1, le=100)]
    tables: Annotated[int, Meta(ge=1, le=500)]


class MeetingRequestIn(Strict):
    with_organisation_id: UUID
    need_id: UUID | None = None
    note: Note | None = None
    expires_at: Instant | None = None
    from_organisation_id: UUID | None = None  # staff arranging a meeting between two participants


class AnswerIn(Strict):
    reason: Note | None = None


class OutcomeIn(Strict):
    outcome: Literal["follow_up", "no_fit", "deal_expected"]
    note: Note | None = None


class SlotsOut(msgspec.Struct):
    id: UUID
    position: int
    slots: int


class MeetingOut(msgspec.Struct):
    id: str
    slot_starts_at: str
    table: int
    position: int


class MeetingsController(Controller):
    path = "/api/v1/sessions"
    tags = ["matchmaking 技术对接"]  # noqa: RUF012

    @post("/{id:uuid}/slots", opt=allow("staff"), operation_id="addMeetingSlots", status_code=201)
    async def slots(self, request: Request, id: UUID, data: SlotsIn) -> SlotsOut:
        """洽谈时段: `count` consecutive slots of `minutes` with `tables` tables each (matchmaking sessions)."""
        p = platform_of(request)
        total, position = await p.writer.run(meetings.add_slots(
            id, p.clock.instant(data.starts_at), data.minutes, data.count, data.tables, now=p.clock.now(),
            actor=actor_of(request)))
        return SlotsOut(id=id, position=position, slots=total)

    @post("/{id:uuid}/meeting-requests", opt=allow("staff", "member"), operation_id="requestMeeting",
          status_code=201)
    async def request_meeting(self, request: Request, id: UUID, data: MeetingRequestIn) -> Accepted:
        """约见: a participant asks another for a one-to-one meeting (expires at the session's start
        unless `expires_at` says sooner)."""
        p = platform_of(request)
        expires = p.clock.instant(data.expires_at) if data.expires_at else None
        request_id, position = await p.writer.run(meetings.request_meeting(
            id, data.with_organisation_id, data.need_id, data.note, expires, data.from_organisation_id,
            now=p.clock.now(), actor=actor_of(request)))
        return Accepted(id=UUID(request_id), position=position, status="open")

    @post("/{id:uuid}/meeting-requests/{request_id:str}/acceptance", opt=allow("member"),
          operation_id="acceptMeeting", status_code=201)
    async def accept(self, request: Request, id: UUID, request_id: str, data: AnswerIn) -> MeetingOut:
        """接受约见: placed in the earliest slot where both are free and a table is (409 no_slot_free)."""
        p = platform_of(request)
        meeting, position = await p.writer.run(meetings.accept(id, request_id, now=p.clock.now(),
                                                               actor=actor_of(request)))
        return MeetingOut(id=meeting["id"], slot_starts_at=meeting["starts_at"], table=meeting["table"],
                          position=position)

    @post("/{id:uuid}/meeting-requests/{request_id:str}/decline", opt=allow("member"), operation_id="declineMeeting",
          status_code=200)
    async def decline(self, request: Request, id: UUID, request_id: str, data: AnswerIn) -> Accepted:
        """婉拒约见: the requested organisation."""
        p = platform_of(request)
        _, position = await p.writer.run(meetings.decline(id, request_id, data.reason, now=p.clock.now(),
                                                          actor=actor_of(request)))
        return Accepted(id=id, position=position, status="declined")

    @post("/{id:uuid}/meetings/{meeting_id:str}/outcome", opt=allow("staff", "member"),
          operation_id="recordMeetingOutcome", status_code=200)
    async def outcome(self, request: Request, id: UUID, meeting_id: str, data: OutcomeIn) -> Accepted:
        """洽谈结果: either party or staff, once the meeting has started."""
        p = platform_of(request)
        _, position = await p.writer.run(meetings.record_outcome(id, meeting_id, data.outcome, data.note,
                                                                 now=p.clock.now(), actor=actor_of(request)))
        return Accepted(id=id, position=position, status=data.outcome)

    @get("/{id:uuid}/agenda", opt=allow("staff", "auditor", "member"), operation_id="meetingAgenda",
         sync_to_thread=True)
    def agenda(self, request: Request, id: UUID, organisation_id: UUID | None = None,
               min_position: MinPosition = None) -> AgendaAnswer:
        """洽谈日程: an organisation's meetings in time order (a member: its own; staff: any, or all)."""
        p, who = platform_of(request), principal_of(request)
        wait_for_view(p, "matchmaking_agendas", min_position)
        org = str(organisation_id) if organisation_id else None
        if who.role == "member":
            if org is not None and org != who.organisation_id:
                raise PermissionDeniedException("只能查看本单位的日程 (only your own agenda)")
            org = who.organisation_id
        doc = views.agenda_of(p.views, str(id))
        if doc is None:
            raise NotFoundException("本场活动没有洽谈安排 (no meetings at this session)")
        return answer(_agenda(doc, str(id), org), AgendaAnswer)


def _agenda(doc: dict[str, Any], session_id: str, org: str | None) -> dict[str, Any]:
    def mine(orgs: list[str]) -> bool:
        return org is None or org in orgs

    found = sorted((m for m in doc["meetings"].values() if mine(m["organisations"])),
                   key=lambda m: (m["starts_at"], m["table"]))
    asked = [r for r in doc["requests"].values() if mine([r["from_organisation_id"], r["with_organisation_id"]])]
    return {"session_id": session_id, "organisation_id": org, "slots": doc["slots"], "meetings": found,
            "requests": sorted(asked, key=lambda r: r["position"])}
