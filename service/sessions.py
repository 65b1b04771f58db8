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
from service.writer import Command, UnitOfWork, on_aggregate


def schedule(fields: dict[str, Any], *, now: datetime, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        session = Session.schedule(now=now, actor=actor, **fields)
        uow.add(session)
        return session.id

    return command


def on_session(session_id: UUID, change: Callable[[Session], Any]) -> Command:
    return on_aggregate(Session, session_id, change)


def register(session_id: UUID, organisation_id: UUID, attendees: list[dict[str, Any]], *, now: datetime,
             actor: Actor) -> Command:
    """报名: the organisation's membership is read at the moment of decision."""

    def command(uow: UnitOfWork) -> dict[str, Any]:
        session = uow.get(Session, session_id)
        org = uow.find(Organisation, organisation_id)
        if org is None:
            raise NotFound(f"单位 {organisation_id} 不存在 (no such organisation)", field="organisation_id")
        outcome = session.register(organisation_id=organisation_id, is_member=org.status == "admitted",
                                   attendees=attendees, now=now, actor=actor)
        return {"status": outcome, "waitlist_position": session.waitlist_position(organisation_id)}

    command.prefetch = (session_id, organisation_id)  # type: ignore[attr-defined]
    return command
