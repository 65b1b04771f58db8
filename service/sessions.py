"""Session use cases: each returns a command for the writer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.errors import NotFound
from domain.organisations import Organisation
from domain.sessions import Session
from domain.values import Actor
from service.membership import require_active
from service.personal import ATTENDEE, reveal, sealer
from service.writer import Command, UnitOfWork, on_aggregate


def schedule(fields: dict[str, Any], *, now: datetime, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        session = Session.schedule(now=now, actor=actor, **fields)
        uow.add(session)
        return session.id

    return command


def on_session(session_id: UUID, change: Callable[[Session], Any], actor: Actor | None = None) -> Command:
    """With `actor`, a member account acts only while its organisation is admitted."""
    if actor is None:
        return on_aggregate(Session, session_id, change)

    def command(uow: UnitOfWork) -> Any:
        require_active(uow, actor)
        return change(uow.get(Session, session_id))

    return command


def register(session_id: UUID, organisation_id: UUID, attendees: list[dict[str, Any]], *, now: datetime,
             actor: Actor) -> Command:
    """报名: the organisation's membership is read at the moment of decision."""

    def command(uow: UnitOfWork) -> dict[str, Any]:
        session = uow.get(Session, session_id)
        org = uow.find(Organisation, organisation_id)
        if org is None:
            raise NotFound(f"单位 {organisation_id} 不存在 (no such organisation)", field="organisation_id")
        require_active(uow, actor, org)
        # Attendees are persons of the registering organisation, sealed once the session accepts them.
        outcome = session.register(organisation_id=organisation_id, is_member=org.status == "admitted",
                                   attendees=attendees, now=now, actor=actor,
                                   seal=sealer(uow, ATTENDEE, organisation_id))
        return {"status": outcome, "waitlist_position": session.waitlist_position(organisation_id)}

    command.prefetch = (session_id, organisation_id)  # type: ignore[attr-defined]
    return command


def substitute(session_id: UUID, organisation_id: UUID, attendee_name: str, substitute: dict[str, Any], *,
               now: datetime, actor: Actor, reason: str | None) -> Command:
    """更换参会人: the attendee is found by name among the sealed ones; the substitute is a new
    person of the organisation, sealed."""

    def command(uow: UnitOfWork) -> None:
        require_active(uow, actor)
        uow.get(Session, session_id).substitute(
            organisation_id=organisation_id, attendee_name=attendee_name, substitute=substitute, now=now,
            actor=actor, reason=reason, reveal=reveal(uow), seal=sealer(uow, ATTENDEE, organisation_id))

    return command


def check_in(session_id: UUID, organisation_id: UUID, attendee_name: str, *, now: datetime,
             actor: Actor) -> Command:
    """签到 by name: the event names the person (sealed), so no name is kept in the clear."""

    def command(uow: UnitOfWork) -> None:
        uow.get(Session, session_id).check_in(organisation_id=organisation_id, attendee_name=attendee_name,
                                              now=now, actor=actor, reveal=reveal(uow))

    return command


# -- single-session use cases, named (the API and the pages call the same ones) -----------------
def cancel_registration(session_id: UUID, organisation_id: UUID, now: datetime, actor: Actor) -> Command:
    """取消报名: the head of the waitlist takes the seat at once."""
    return on_session(session_id, lambda s: s.cancel_registration(organisation_id=organisation_id, now=now,
                                                                  actor=actor), actor)


def move_in_waitlist(session_id: UUID, organisation_id: UUID, to_position: int, reason: str, actor: Actor) -> Command:
    """调整候补顺序, only with a recorded reason."""
    return on_session(session_id, lambda s: s.move_in_waitlist(organisation_id=organisation_id,
                                                               to_position=to_position, reason=reason, actor=actor))


def give_feedback(session_id: UUID, rating: int, comment: str | None, now: datetime, actor: Actor) -> Command:
    """满意度评价 by the acting member's organisation."""
    organisation_id = UUID(str(actor.organisation_id))
    return on_session(session_id, lambda s: s.give_feedback(organisation_id=organisation_id, rating=rating,
                                                            comment=comment, now=now, actor=actor), actor)


def cancel(session_id: UUID, reason: str, now: datetime, actor: Actor) -> Command:
    """取消活动: recorded in every registrant's history."""
    return on_session(session_id, lambda s: s.cancel(reason=reason, now=now, actor=actor))


def reschedule(session_id: UUID, starts_at: datetime, ends_at: datetime, reason: str, now: datetime,
               actor: Actor) -> Command:
    """改期: recorded in every registrant's history."""
    return on_session(session_id, lambda s: s.reschedule(starts_at=starts_at, ends_at=ends_at, reason=reason,
                                                         now=now, actor=actor))


def change_capacity(session_id: UUID, capacity: int, reason: str | None, now: datetime, actor: Actor) -> Command:
    """调整容量: raising it promotes from the waitlist."""
    return on_session(session_id, lambda s: s.change_capacity(capacity=capacity, now=now, actor=actor,
                                                              reason=reason))


def close_registration(session_id: UUID, now: datetime) -> Command:
    """报名截止, by the clock (the scheduler): refused when not yet due or already closed."""
    return on_session(session_id, lambda s: s.close_registration(now=now, actor=Actor.system()))


def record_no_shows(session_id: UUID, now: datetime) -> Command:
    """缺席登记 after the session ends, by the clock."""
    return on_session(session_id, lambda s: s.record_no_shows(now=now, actor=Actor.system()))

