"""One-to-one meetings at a matchmaking session (一对一洽谈): requests, acceptance into
a time slot and a table, decline, expiry, outcome.

Every placement at one session is decided inside this one aggregate (one per
session, its id derived from the session's), so the writer's single thread and
the event store's optimistic concurrency serialise concurrent acceptances: an
organisation is never in two meetings in one slot, a table never hosts two.
Slots never overlap, so "busy in a slot" is "busy at that time".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.errors import InvalidValue, NotFound
from domain.matchmaking import MatchmakingRefusal
from domain.model import Entity
from domain.values import Actor

MEETING_OUTCOMES = ("follow_up", "no_fit", "deal_expected")
_NAMESPACE = uuid5(NAMESPACE_URL, "https://qihui.invalid/matchmaking/agenda")


class NotAParty(MatchmakingRefusal):
    """An organisation answering a request that was not addressed to it."""

    status = 403


def agenda_id(session_id: UUID | str) -> UUID:
    return uuid5(_NAMESPACE, str(session_id))


class Agenda(Entity):
    LABEL = "洽谈日程"

    @staticmethod
    def create_id(session_id: str, **_: object) -> UUID:
        return agenda_id(session_id)

    @event("Opened")
    def __init__(self, session_id: str, title: str, actor: Actor, reason: str | None = None):
        self.session_id = session_id
        self.title = title
        self.slots: list[dict[str, Any]] = []  # {starts_at, ends_at, tables} in time order
        self.requests: dict[str, dict[str, Any]] = {}
        self.meetings: dict[str, dict[str, Any]] = {}  # id -> {from, with, slot, table, starts_at, outcome}
        self.status = "open"

    # -- slots ------------------------------------------------------------------------------
    def add_slots(self, *, starts_at: datetime, minutes: int, count: int, tables: int, ends_by: datetime,
                  actor: Actor) -> None:
        """`count` consecutive slots of `minutes`, each with `tables` tables, ending by `ends_by` (the
        session's end); never overlapping the slots already there."""
        if not 5 <= minutes <= 480:
            raise InvalidValue("每段 5–480 分钟 (minutes 5..480)", field="minutes")
        if not 1 <= count <= 100 or not 1 <= tables <= 500:
            raise InvalidValue("时段数 1–100、桌数 1–500 (count 1..100, tables 1..500)",
                               field="count" if not 1 <= count <= 100 else "tables")
        new = [(starts_at + timedelta(minutes=minutes * i), starts_at + timedelta(minutes=minutes * (i + 1)))
               for i in range(count)]
        if new[-1][1] > ends_by:
            raise InvalidValue("时段超出活动结束时间 (the slots run past the session's end)", field="count")
        for start, end in new:
            for slot in self.slots:
                if start < datetime.fromisoformat(slot["ends_at"]) and datetime.fromisoformat(slot["starts_at"]) < end:
                    raise MatchmakingRefusal("slots_overlap", "与已有时段重叠 (overlaps existing slots)", "starts_at")
        self._slots_added(slots=[{"starts_at": s.isoformat(), "ends_at": e.isoformat(), "tables": tables}
                                 for s, e in new], actor=actor)

    @event("SlotsAdded")
    def _slots_added(self, slots: list[dict[str, Any]], actor: Actor, reason: str | None = None) -> None:
        self.slots = sorted([*self.slots, *slots], key=lambda s: s["starts_at"])

    # -- requests ---------------------------------------------------------------------------
    def request(self, *, request_id: str, from_org: str, with_org: str, need_id: str | None, note: str | None,
                expires_at: datetime, now: datetime, actor: Actor) -> None:
        if from_org == with_org:
            raise InvalidValue("不能约见本单位 (cannot meet yourself)", field="with_organisation_id")
        if expires_at <= now:
            raise InvalidValue("有效期须在将来 (expires_at must be in the future)", field="expires_at")
        pair = {from_org, with_org}
        for r in self.requests.values():
            if r["status"] == "open" and {r["from"], r["with"]} == pair:
                raise MatchmakingRefusal("already_requested", "双方已有待答复的约见 (an open request exists)",
                                         "with_organisation_id")
        self._requested(request_id=request_id, from_org=from_org, with_org=with_org, need_id=need_id, note=note,
                        expires_at=expires_at, actor=actor)

    @event("MeetingRequested")
    def _requested(self, request_id: str, from_org: str, with_org: str, need_id: str | None, note: str | None,
                   expires_at: datetime, actor: Actor, reason: str | None = None) -> None:
        self.requests = {**self.requests, request_id: {"from": from_org, "with": with_org, "need_id": need_id,
                                                       "expires_at": expires_at.isoformat(), "status": "open"}}

    def _open_request(self, request_id: str, by_org: str | None, now: datetime) -> dict[str, Any]:
        found = self.requests.get(request_id)
        if found is None:
            raise NotFound("约见请求不存在 (no such request)", field="request_id")
        if by_org is not None and by_org != found["with"]:
            raise NotAParty("not_requested", "只有被约见的单位可以答复 (only the requested side answers)",
                                     "request_id")
        if found["status"] != "open":
            raise MatchmakingRefusal("request_closed", f"约见请求已{found['status']} (request is {found['status']})")
        if now >= datetime.fromisoformat(found["expires_at"]):
            raise MatchmakingRefusal("request_expired", "约见请求已过期 (request expired)")
        return found

    def accept(self, *, request_id: str, meeting_id: str, by_org: str | None, now: datetime,
               actor: Actor) -> dict[str, Any]:
        """接受: the earliest future slot where neither organisation is busy and a table is free."""
        found = self._open_request(request_id, by_org, now)
        pair = (found["from"], found["with"])
        for index, slot in enumerate(self.slots):
            if datetime.fromisoformat(slot["starts_at"]) <= now:
                continue
            here = [m for m in self.meetings.values() if m["slot"] == index]
            if any(o in pair for m in here for o in (m["from"], m["with"])):
                continue
            taken = {m["table"] for m in here}
            table = next((t for t in range(1, slot["tables"] + 1) if t not in taken), None)
            if table is None:
                continue
            self._accepted(request_id=request_id, meeting_id=meeting_id, from_org=pair[0], with_org=pair[1],
                           need_id=found["need_id"], slot=index, starts_at=slot["starts_at"], table=table,
                           actor=actor)
            return self.meetings[meeting_id]
        raise MatchmakingRefusal("no_slot_free", "没有双方都空闲且有空桌的时段 (no slot free for both)")

    @event("RequestAccepted")
    def _accepted(self, request_id: str, meeting_id: str, from_org: str, with_org: str, need_id: str | None,
                  slot: int, starts_at: str, table: int, actor: Actor, reason: str | None = None) -> None:
        self.requests[request_id]["status"] = "accepted"  # in place: a rush accepts many at once
        self.meetings[meeting_id] = {"id": meeting_id, "from": from_org, "with": with_org, "slot": slot,
                                     "table": table, "starts_at": starts_at, "need_id": need_id, "outcome": None}

    def decline(self, *, request_id: str, by_org: str | None, now: datetime, actor: Actor,
                reason: str | None = None) -> None:
        found = self._open_request(request_id, by_org, now)
        self._declined(request_id=request_id, from_org=found["from"], with_org=found["with"], actor=actor,
                       reason=reason)

    @event("RequestDeclined")
    def _declined(self, request_id: str, from_org: str, with_org: str, actor: Actor, reason: str | None) -> None:
        self.requests[request_id]["status"] = "declined"

    def expire(self, *, request_id: str, now: datetime, actor: Actor) -> None:
        """过期 (the scheduler): an open request nobody answered in time."""
        found = self.requests.get(request_id)
        if found is None or found["status"] != "open" or now < datetime.fromisoformat(found["expires_at"]):
            raise MatchmakingRefusal("not_due", "约见请求未到期或已答复 (not due)")
        self._expired(request_id=request_id, from_org=found["from"], with_org=found["with"], actor=actor,
                      reason="约见请求过期 (not answered in time)")

    @event("RequestExpired")
    def _expired(self, request_id: str, from_org: str, with_org: str, actor: Actor, reason: str) -> None:
        self.requests[request_id]["status"] = "expired"

    def expired_requests(self, now: datetime) -> list[str]:
        return [rid for rid, r in self.requests.items()
                if r["status"] == "open" and now >= datetime.fromisoformat(r["expires_at"])]

    # -- after the meeting -------------------------------------------------------------------
    def record_outcome(self, *, meeting_id: str, outcome: str, note: str | None, by_org: str | None,
                       now: datetime, actor: Actor) -> None:
        meeting = self.meetings.get(meeting_id)
        if meeting is None or (by_org is not None and by_org not in (meeting["from"], meeting["with"])):
            raise NotFound("洽谈不存在 (no such meeting)", field="meeting_id")
        if outcome not in MEETING_OUTCOMES:
            raise InvalidValue(f"未知的洽谈结果 {outcome!r} (unknown outcome)", field="outcome")
        if now < datetime.fromisoformat(meeting["starts_at"]):
            raise MatchmakingRefusal("meeting_not_held", "洽谈尚未开始 (the meeting has not started)")
        self._outcome(meeting_id=meeting_id, from_org=meeting["from"], with_org=meeting["with"],
                      need_id=meeting.get("need_id"), outcome=outcome, note=note, actor=actor)

    @event("OutcomeRecorded")
    def _outcome(self, meeting_id: str, from_org: str, with_org: str, need_id: str | None, outcome: str,
                 note: str | None, actor: Actor, reason: str | None = None) -> None:
        self.meetings[meeting_id]["outcome"] = outcome
