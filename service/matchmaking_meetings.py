"""One-to-one meetings at a matchmaking session: each use case is a command on the
session's one Agenda aggregate (domain.matchmaking_meetings), which is what keeps
concurrent acceptances from double-booking."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from domain.errors import InvalidValue, NotFound
from domain.matchmaking import MatchmakingRefusal, Need
from domain.matchmaking_meetings import Agenda, agenda_id
from domain.matchmaking_parties import Solver
from domain.sessions import Session
from domain.values import Actor
from service.matchmaking import acting_party
from service.writer import Command, UnitOfWork


def _session(uow: UnitOfWork, session_id: UUID, now: datetime) -> Session:
    session = uow.get(Session, session_id)
    if session.kind != "matchmaking":
        raise MatchmakingRefusal("not_matchmaking", "只有对接会活动可安排洽谈 (not a matchmaking session)")
    if session.status == "cancelled":
        raise MatchmakingRefusal("session_cancelled", "活动已取消 (session cancelled)")
    if now >= session.ends_at:
        raise MatchmakingRefusal("session_ended", "活动已结束 (the session is over)")
    return session


def _agenda(uow: UnitOfWork, session: Session, actor: Actor) -> Agenda:
    """The session's agenda, opened on first use."""
    agenda = uow.find(Agenda, agenda_id(session.id))
    if agenda is None:
        agenda = Agenda(session_id=str(session.id), title=session.title, actor=actor)
        uow.add(agenda)
    return agenda


def _participant(uow: UnitOfWork, session: Session, org: str, field: str) -> str:
    """A confirmed registrant of the session, or an approved solver (solvers are not members
    and do not register for sessions)."""
    solver = uow.find(Solver, UUID(org))
    if (solver is not None and solver.status == "approved") or \
            session.registrations.get(org, {}).get("status") == "confirmed":
        return org
    raise InvalidValue("该单位不是本场对接会的参会方 (not a participant of this session)", field=field)


def add_slots(session_id: UUID, starts_at: datetime, minutes: int, count: int, tables: int, *, now: datetime,
              actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> int:
        session = _session(uow, session_id, now)
        if not session.starts_at <= starts_at < session.ends_at:
            raise InvalidValue("时段须在活动时间之内 (slots lie within the session)", field="starts_at")
        agenda = _agenda(uow, session, actor)
        agenda.add_slots(starts_at=starts_at, minutes=minutes, count=count, tables=tables, ends_by=session.ends_at,
                         actor=actor)
        return len(agenda.slots)

    return command


def request_meeting(session_id: UUID, with_org: UUID, need_id: UUID | None, note: str | None,
                    expires_at: datetime | None, from_org: UUID | None, *, now: datetime, actor: Actor) -> Command:
    """约见: by a participant's own account (staff may arrange one between two participants)."""
    request_id = str(uuid4())

    def command(uow: UnitOfWork) -> str:
        session = _session(uow, session_id, now)
        party = acting_party(uow, actor)
        requester = party or (str(from_org) if from_org else None)
        if requester is None:
            raise InvalidValue("秘书处代约须指明发起单位 (from_organisation_id is required)",
                               field="from_organisation_id")
        if party is not None and from_org is not None and str(from_org) != party:
            raise InvalidValue("只能以本单位名义约见 (only for your own organisation)", field="from_organisation_id")
        _participant(uow, session, requester, "from_organisation_id")
        _participant(uow, session, str(with_org), "with_organisation_id")
        if need_id is not None:
            need = uow.find(Need, need_id)
            if need is None or need.organisation_id not in (requester, str(with_org)):
                raise InvalidValue("需求须属于洽谈的一方 (the need must be one side's)", field="need_id")
        _agenda(uow, session, actor).request(
            request_id=request_id, from_org=requester, with_org=str(with_org),
            need_id=str(need_id) if need_id else None, note=note, expires_at=expires_at or session.starts_at,
            now=now, actor=actor)
        return request_id

    return command


def _on_agenda(session_id: UUID, actor: Actor, change: Any) -> Command:
    def command(uow: UnitOfWork) -> Any:
        agenda = uow.find(Agenda, agenda_id(session_id))
        if agenda is None:
            raise NotFound("本场活动没有洽谈安排 (no meetings at this session)")
        return change(agenda, acting_party(uow, actor))

    command.prefetch = (agenda_id(session_id),)  # type: ignore[attr-defined]
    return command


def accept(session_id: UUID, request_id: str, *, now: datetime, actor: Actor) -> Command:
    meeting_id = str(uuid4())
    return _on_agenda(session_id, actor, lambda a, party: a.accept(
        request_id=request_id, meeting_id=meeting_id, by_org=party, now=now, actor=actor))


def decline(session_id: UUID, request_id: str, reason: str | None, *, now: datetime, actor: Actor) -> Command:
    return _on_agenda(session_id, actor, lambda a, party: a.decline(
        request_id=request_id, by_org=party, now=now, actor=actor, reason=reason))


def record_outcome(session_id: UUID, meeting_id: str, outcome: str, note: str | None, *, now: datetime,
                   actor: Actor) -> Command:
    return _on_agenda(session_id, actor, lambda a, party: a.record_outcome(
        meeting_id=meeting_id, outcome=outcome, note=note, by_org=party, now=now, actor=actor))


def expire_requests(session_id: UUID, now: datetime) -> Command:
    """过期, by the clock: every open request of the session past its expiry."""
    actor = Actor.system()

    def change(agenda: Agenda, _: Any) -> int:
        due = agenda.expired_requests(now)
        for request_id in due:
            agenda.expire(request_id=request_id, now=now, actor=actor)
        return len(due)

    return _on_agenda(session_id, actor, change)
