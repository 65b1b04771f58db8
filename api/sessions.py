"""Trainings, salons, briefings and matchmaking meetings (API.md "Sessions")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Parameter
from msgspec import Meta

from api.deps import platform_of, trim_page, wait_for_view
from api.policy import actor_of, allow, principal_of, signed_in
from api.schemas import Done, MinPosition, Name, Note, Phone, Place, Reason, Strict, Text, answer, line
from api.session_answers import SessionAnswer, SessionRoster, SessionsPage
from domain.errors import InvalidValue
from projections import known
from projections import sessions as views
from service import sessions

Kind = Literal["training", "salon", "briefing", "matchmaking"]
# RFC 3339; one without an offset is read in QIHUI_TIME_ZONE (Clock.instant); stored in UTC.
Instant = Annotated[datetime, Meta(description="时间，无时区时按协会时区 (no offset: the association's zone)")]
JobTitle = line(100, min_length=0)


class SessionIn(Strict):
    kind: Kind
    title: Text
    starts_at: Instant
    ends_at: Instant
    venue: Place
    registration_closes_at: Instant
    capacity: Annotated[int, Meta(ge=1, le=100_000)] | None = None  # salons default to 20
    seats_per_organisation: Annotated[int, Meta(ge=1, le=50)] = 1
    topic: Note | None = None
    members_only: bool = True
    waitlist: bool = True


class Attendee(Strict):
    name: Name
    phone: Phone | None = None
    position: JobTitle | None = None


class RegistrationIn(Strict):
    organisation_id: UUID
    attendees: Annotated[list[Attendee], Meta(min_length=1, max_length=50)]


class CheckIn(Strict):
    organisation_id: UUID
    attendee_name: Name


class FeedbackIn(Strict):
    rating: Annotated[int, Meta(ge=1, le=5)]
    comment: Note | None = None


class CancelIn(Strict):
    reason: Reason


class RescheduleIn(Strict):
    starts_at: Instant
    ends_at: Instant
    reason: Reason


class CapacityIn(Strict):
    capacity: Annotated[int, Meta(ge=1, le=100_000)]
    reason: Note | None = None


class SubstitutionIn(Strict):
    attendee_name: Name
    substitute: Attendee
    reason: Note | None = None


class MoveIn(Strict):
    to_position: Annotated[int, Meta(ge=1)]
    reason: Reason


class RegistrationOut(msgspec.Struct):
    session_id: UUID
    organisation_id: UUID
    status: str
    position: int
    waitlist_position: int | None = None


def _after(cursor: str | None) -> str | None:
    """A cursor is a session's start (ISO 8601, UTC) followed by its id; refuse
    any other (422, field `cursor`) instead of comparing junk."""
    if cursor is None:
        return None
    try:
        UUID(cursor[-36:])
        ok = cursor.isascii() and len(cursor) > 36 and datetime.fromisoformat(cursor[:-36]).tzinfo is not None
    except ValueError:
        ok = False
    if not ok:
        raise InvalidValue("无效的分页游标 (invalid cursor)", field="cursor")
    return cursor


def _own_organisation(request: Request, organisation_id: UUID) -> None:
    """A member acts only for its own organisation (staff for any)."""
    who = principal_of(request)
    if who is not None and who.role == "member" and who.organisation_id != str(organisation_id):
        raise PermissionDeniedException("会员只能为本单位报名 (members register their own organisation)")


class SessionsController(Controller):
    path = "/api/v1/sessions"
    tags = ["sessions 活动"]  # noqa: RUF012

    @post("/", opt=allow("staff"), operation_id="scheduleSession", status_code=201)
    async def schedule(self, request: Request, data: SessionIn) -> Done:
        """安排活动: a training, salon (at most 20 organisations), briefing or matchmaking meeting."""
        p = platform_of(request)
        fields = msgspec.structs.asdict(data)
        for key in ("starts_at", "ends_at", "registration_closes_at"):
            fields[key] = p.clock.instant(fields[key])
        session_id, position = await p.writer.run(sessions.schedule(fields, now=p.clock.now(),
                                                                    actor=actor_of(request)))
        return Done(id=session_id, position=position)

    @get("/", opt=signed_in(), operation_id="listSessions", sync_to_thread=True)
    def list(
        self,
        request: Request,
        kind: Kind | None = None,
        from_: Annotated[Instant | None, Parameter(query="from")] = None,
        to: Instant | None = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
        cursor: Annotated[str | None, Parameter(max_length=200)] = None,
        min_position: MinPosition = None,
    ) -> SessionsPage:
        """活动列表: sessions by start time, filtered by kind and period."""
        p = platform_of(request)
        wait_for_view(p, "sessions", min_position)
        starts_from = p.clock.instant(from_).isoformat() if from_ else None
        starts_to = p.clock.instant(to).isoformat() if to else None
        docs = views.list_sessions(p.views, kind=kind, starts_from=starts_from, starts_to=starts_to,
                                   limit=limit + 1, after=_after(cursor))
        docs, next_cursor = trim_page(docs, limit, lambda d: d["starts_at"] + d["id"])
        numbers = views.counts(p.views, [d["id"] for d in docs])
        summary = [{k: d[k] for k in ("id", "kind", "title", "topic", "starts_at", "ends_at", "venue", "capacity",
                                      "seats_per_organisation", "registration_closes_at", "members_only",
                                      "waitlist_enabled", "status", "registration_open")}
                   | {"confirmed_count": numbers[d["id"]]["confirmed"],
                      "waitlist_count": numbers[d["id"]]["waitlisted"]}
                   for d in docs]
        return answer({"items": summary, "next_cursor": next_cursor}, SessionsPage)

    @get("/{id:uuid}", opt=signed_in(), operation_id="getSession", sync_to_thread=True)
    def show(self, request: Request, id: UUID,
             min_position: MinPosition = None) -> SessionAnswer:
        """活动详情: the session and its counts (the roster of registrants is staff-only)."""
        p = platform_of(request)
        wait_for_view(p, "session_registrations", min_position)
        doc = _session(p, id)
        who = principal_of(request)
        mine = (views.registration_of(p.views, doc["id"], who.organisation_id)
                if who is not None and who.organisation_id else None)
        numbers = views.counts(p.views, [doc["id"]])[doc["id"]]
        public = {k: v for k, v in doc.items() if k != "ratings"}
        return answer(public | {"confirmed_count": numbers["confirmed"], "waitlist_count": numbers["waitlisted"],
                                "my_registration": mine}, SessionAnswer)

    @get("/{id:uuid}/roster", opt=allow("staff", "auditor"), operation_id="sessionRoster", sync_to_thread=True)
    def roster(self, request: Request, id: UUID, known_as_of: datetime | None = None,
               min_position: MinPosition = None) -> SessionRoster:
        """签到名单: confirmed, the waitlist in order, who checked in, and the counts;
        `known_as_of`: as the records stood at that instant."""
        p = platform_of(request)
        wait_for_view(p, "session_registrations", min_position)
        if known_as_of is None:
            return answer(views.session_roster(p.views, _session(p, id)), SessionRoster)
        wait_for_view(p, "audit", min_position)
        events = known.recorded_by(p.views, p.app, [str(id)], known.known_instant(known_as_of))
        with known.as_known(p.views, [views.SessionsView(), views.RegistrationsView()], events) as then:
            doc = views.get_session(then, str(id))
            if doc is None:
                raise NotFoundException(f"活动 {id} 当时尚无记录 (no such session on record then)")
            return answer(views.session_roster(then, doc, names_from=p.views), SessionRoster)

    @post("/{id:uuid}/registrations", opt=allow("staff", "member"), operation_id="register", status_code=201)
    async def register(self, request: Request, id: UUID, data: RegistrationIn) -> RegistrationOut:
        """报名: confirmed while seats last, then waitlisted in arrival order (409 session_full without one)."""
        _own_organisation(request, data.organisation_id)
        p = platform_of(request)
        attendees = [msgspec.to_builtins(a) for a in data.attendees]
        outcome, position = await p.writer.run(sessions.register(
            id, data.organisation_id, attendees, now=p.clock.now(), actor=actor_of(request)))
        return RegistrationOut(session_id=id, organisation_id=data.organisation_id, status=outcome["status"],
                               waitlist_position=outcome["waitlist_position"], position=position)

    @delete("/{id:uuid}/registrations/{organisation_id:uuid}",
            opt=allow("staff", "member", member_of="organisation_id"), operation_id="cancelRegistration",
            status_code=200)
    async def cancel_registration(self, request: Request, id: UUID, organisation_id: UUID) -> Done:
        """取消报名: the head of the waitlist takes the seat at once."""
        p, actor = platform_of(request), actor_of(request)
        _, position = await p.writer.run(sessions.cancel_registration(id, organisation_id, p.clock.now(), actor))
        return Done(id=id, position=position)

    @post("/{id:uuid}/registrations/{organisation_id:uuid}/substitution",
          opt=allow("staff", "member", member_of="organisation_id"), operation_id="substituteAttendee",
          status_code=200)
    async def substitute(self, request: Request, id: UUID, organisation_id: UUID, data: SubstitutionIn) -> Done:
        """更换参会人: until the session starts (409 session_started after)."""
        p, actor = platform_of(request), actor_of(request)
        substitute = msgspec.to_builtins(data.substitute)
        _, position = await p.writer.run(sessions.substitute(
            id, organisation_id, data.attendee_name, substitute, now=p.clock.now(), actor=actor,
            reason=data.reason))
        return Done(id=id, position=position)

    @post("/{id:uuid}/waitlist/{organisation_id:uuid}/move", opt=allow("staff"), operation_id="moveInWaitlist",
          status_code=200)
    async def move(self, request: Request, id: UUID, organisation_id: UUID, data: MoveIn) -> Done:
        """调整候补顺序: only with a recorded reason (otherwise strictly first come, first served)."""
        p, actor = platform_of(request), actor_of(request)
        _, position = await p.writer.run(sessions.move_in_waitlist(id, organisation_id, data.to_position,
                                                                   data.reason, actor))
        return Done(id=id, position=position)

    @post("/{id:uuid}/check-ins", opt=allow("staff"), operation_id="checkIn", status_code=200)
    async def check_in(self, request: Request, id: UUID, data: CheckIn) -> Done:
        """签到: from one hour before the start until the end."""
        p, actor = platform_of(request), actor_of(request)
        _, position = await p.writer.run(sessions.check_in(
            id, data.organisation_id, data.attendee_name, now=p.clock.now(), actor=actor))
        return Done(id=id, position=position)

    @post("/{id:uuid}/feedback", opt=allow("member"), operation_id="giveFeedback", status_code=200)
    async def feedback(self, request: Request, id: UUID, data: FeedbackIn) -> Done:
        """满意度评价: 1–5 and a comment, from an organisation that attended, within 30 days."""
        p, actor = platform_of(request), actor_of(request)
        _, position = await p.writer.run(sessions.give_feedback(id, data.rating, data.comment, p.clock.now(), actor))
        return Done(id=id, position=position)

    @post("/{id:uuid}/cancel", opt=allow("staff"), operation_id="cancelSession", status_code=200)
    async def cancel(self, request: Request, id: UUID, data: CancelIn) -> Done:
        """取消活动: recorded in every registrant's history."""
        p, actor = platform_of(request), actor_of(request)
        _, position = await p.writer.run(sessions.cancel(id, data.reason, p.clock.now(), actor))
        return Done(id=id, position=position)

    @post("/{id:uuid}/reschedule", opt=allow("staff"), operation_id="rescheduleSession", status_code=200)
    async def reschedule(self, request: Request, id: UUID, data: RescheduleIn) -> Done:
        """改期: recorded in every registrant's history."""
        p, actor = platform_of(request), actor_of(request)
        _, position = await p.writer.run(sessions.reschedule(
            id, p.clock.instant(data.starts_at), p.clock.instant(data.ends_at), data.reason, p.clock.now(), actor))
        return Done(id=id, position=position)

    @post("/{id:uuid}/capacity", opt=allow("staff"), operation_id="changeCapacity", status_code=200)
    async def capacity(self, request: Request, id: UUID, data: CapacityIn) -> Done:
        """调整容量: raising it promotes from the waitlist; below the confirmed count is refused."""
        p, actor = platform_of(request), actor_of(request)
        _, position = await p.writer.run(sessions.change_capacity(id, data.capacity, data.reason, p.clock.now(),
                                                                  actor))
        return Done(id=id, position=position)


def _session(p: Any, session_id: UUID) -> dict[str, Any]:
    doc = views.get_session(p.views, str(session_id))
    if doc is None:
        raise NotFoundException(f"活动 {session_id} 不存在 (no such session)")
    return doc
