"""Sessions: trainings (小灶班), salons (小集会), briefings, matchmaking meetings
(DOMAIN.md "Sessions"; API.md "Sessions").

Capacity is counted in organisations and is never exceeded: every decision
about a seat is taken inside this one aggregate, and the event store's
optimistic concurrency protects it across processes. Beyond capacity a
registration is waitlisted in arrival order (or refused when the session has
no waitlist); every freed seat promotes the head of the waitlist in the same
decision.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.errors import DomainError, InvalidValue
from domain.model import Entity
from domain.values import Actor

KINDS = ("training", "salon", "briefing", "matchmaking")
SALON_CAPACITY = 20  # seed 000: a salon gathers at most 20 enterprises
CHECK_IN_OPENS = timedelta(hours=1)
LATE_CANCELLATION = timedelta(hours=24)
FEEDBACK_WINDOW = timedelta(days=30)


class SessionRefusal(DomainError):
    """A session rule said no; `code` is one of API.md's session codes."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message, code=code, field=field)


def _refuse(code: str, message: str, field: str | None = None) -> SessionRefusal:
    return SessionRefusal(code, message, field)


# Attendees are persons (PIPL): the service hands the rules a `seal` that turns new
# attendees into sealed values (service.personal) once the rules have decided (always
# required, so none is recorded in the clear by mistake), and a `reveal` that reads the
# ones held, to find a person by name (without it only plain records are found).
People = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def _plain(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return people


def attendee_ref(attendee: dict[str, Any]) -> str:
    """What names an attendee inside the session: their person id (sealed), else their name
    (attendees recorded before sealing existed)."""
    return attendee.get("person_id") or attendee["name"]


def _attendees(attendees: list[dict[str, Any]], seats: int) -> list[dict[str, Any]]:
    if not attendees:
        raise InvalidValue("至少登记一名参会人 (at least one attendee)", field="attendees")
    if len(attendees) > seats:
        raise InvalidValue(f"每家单位最多 {seats} 人参加 (at most {seats} attendees per organisation)",
                           field="attendees")
    names = [a["name"].strip() for a in attendees]
    if len(set(names)) != len(names):
        raise InvalidValue("参会人姓名重复 (attendee names repeat)", field="attendees")
    return [{**a, "name": a["name"].strip()} for a in attendees]


def _find(attendees: list[dict[str, Any]], name: str, reveal: People) -> dict[str, Any] | None:
    """The attendee (as held) going by `name`; an erased one goes by none."""
    for held, seen in zip(attendees, reveal(attendees), strict=True):
        if seen.get("name") == name and not seen.get("erased"):
            return held
    return None


class Session(Entity):
    LABEL = "活动"

    @classmethod
    def schedule(cls, *, kind: str, title: str, topic: str | None, starts_at: datetime, ends_at: datetime,
                 venue: str, capacity: int | None, seats_per_organisation: int,
                 registration_closes_at: datetime, members_only: bool, waitlist: bool, now: datetime,
                 actor: Actor) -> Session:
        if kind not in KINDS:
            raise InvalidValue(f"未知的活动类型 {kind!r} (unknown kind)", field="kind")
        if capacity is None:
            capacity = SALON_CAPACITY if kind == "salon" else 0
        _check_capacity(kind, capacity)
        if seats_per_organisation < 1:
            raise InvalidValue("每家单位名额至少为 1 (at least one seat)", field="seats_per_organisation")
        if ends_at <= starts_at:
            raise InvalidValue("结束时间须晚于开始时间 (ends_at must be after starts_at)", field="ends_at")
        if starts_at <= now:
            raise InvalidValue("开始时间须在将来 (starts_at must be in the future)", field="starts_at")
        if registration_closes_at > starts_at:
            raise InvalidValue("报名截止须不晚于开始时间 (registration must close by the start)",
                               field="registration_closes_at")
        return cls(kind=kind, title=title.strip(), topic=topic, starts_at=starts_at, ends_at=ends_at,
                   venue=venue, capacity=capacity, seats_per_organisation=seats_per_organisation,
                   registration_closes_at=registration_closes_at, members_only=members_only,
                   waitlist=waitlist, actor=actor)

    @event("Scheduled")
    def __init__(self, kind: str, title: str, topic: str | None, starts_at: datetime, ends_at: datetime,
                 venue: str, capacity: int, seats_per_organisation: int, registration_closes_at: datetime,
                 members_only: bool, waitlist: bool, actor: Actor, reason: str | None = None):
        self.kind = kind
        self.title = title
        self.topic = topic
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.venue = venue
        self.capacity = capacity
        self.seats_per_organisation = seats_per_organisation
        self.registration_closes_at = registration_closes_at
        self.members_only = members_only
        self.waitlist_enabled = waitlist
        self.status = "scheduled"
        self.registration_open = True
        # org id (str) -> {"status": confirmed|waitlisted, "attendees": [...], "registered_at": iso}
        self.registrations: dict[str, dict[str, Any]] = {}
        self.confirmed: list[str] = []   # in order of confirmation
        self.waitlist: list[str] = []    # in waiting order: the head is promoted first
        self.checked_in: dict[str, list[str]] = {}  # org -> attendees checked in (attendee_ref)
        self.attendance_closed = False
        self.feedback: dict[str, dict[str, Any]] = {}

    # -- what the rules read ------------------------------------------------------------
    def free_seats(self) -> int:
        return self.capacity - len(self.confirmed)

    def registrants(self) -> list[str]:
        return [*self.confirmed, *self.waitlist]

    def _require_open(self, now: datetime) -> None:
        if self.status == "cancelled":
            raise _refuse("session_cancelled", "活动已取消 (session cancelled)")
        if not self.registration_open or now >= self.registration_closes_at or now >= self.starts_at:
            raise _refuse("registration_closed", "报名已截止 (registration closed)")

    def _require_not_cancelled(self) -> None:
        if self.status == "cancelled":
            raise _refuse("session_cancelled", "活动已取消 (session cancelled)")

    def _registration(self, org: str) -> dict[str, Any]:
        found = self.registrations.get(org)
        if found is None:
            raise DomainError("该单位未报名此活动 (no registration for this organisation)", code="not_found",
                              field="organisation_id")
        return found

    # -- registering -----------------------------------------------------------------------
    def register(self, *, organisation_id: UUID, is_member: bool, attendees: list[dict[str, Any]],
                 now: datetime, actor: Actor, seal: People) -> str:
        """报名. Returns "confirmed" or "waitlisted". The attendees are sealed (`seal`, required:
        no attendee is ever recorded in the clear) only once the registration is accepted."""
        self._require_open(now)
        org = str(organisation_id)
        if self.members_only and not is_member:
            raise _refuse("not_a_member", "仅限会员单位报名；暂停或失效的会员不能报名 "
                          "(members only; suspended or lapsed members cannot register)", "organisation_id")
        if org in self.registrations:
            raise _refuse("already_registered", "该单位已报名 (already registered)", "organisation_id")
        people = _attendees(attendees, self.seats_per_organisation)
        if self.free_seats() > 0:
            outcome = "confirmed"
        elif self.waitlist_enabled:
            outcome = "waitlisted"
        else:
            raise _refuse("session_full", "名额已满 (session full)")
        self._registered(organisation_id=org, attendees=seal(people), outcome=outcome, at=now, actor=actor)
        return self.registrations[org]["status"]

    @event("Registered")
    def _registered(self, organisation_id: str, attendees: list[dict[str, Any]], outcome: str, at: datetime,
                    actor: Actor, reason: str | None = None) -> None:
        # In place: a rush appends a thousand times to the same session.
        self.registrations[organisation_id] = {
            "status": outcome, "attendees": attendees, "registered_at": at.isoformat()}
        (self.confirmed if outcome == "confirmed" else self.waitlist).append(organisation_id)

    def waitlist_position(self, organisation_id: UUID | str) -> int | None:
        org = str(organisation_id)
        return self.waitlist.index(org) + 1 if org in self.waitlist else None

    def cancel_registration(self, *, organisation_id: UUID, now: datetime, actor: Actor,
                            reason: str | None = None) -> None:
        """取消报名: a freed seat goes to the head of the waitlist in the same decision."""
        self._require_not_cancelled()
        if now >= self.starts_at:
            raise _refuse("session_started", "活动已开始，不能取消 (the session has started)")
        org = str(organisation_id)
        registration = self._registration(org)
        late = registration["status"] == "confirmed" and self.starts_at - now < LATE_CANCELLATION
        self._registration_cancelled(organisation_id=org, was=registration["status"], late=late, at=now,
                                     actor=actor, reason=reason)
        self._promote(now, actor)

    @event("RegistrationCancelled")
    def _registration_cancelled(self, organisation_id: str, was: str, late: bool, at: datetime, actor: Actor,
                                reason: str | None) -> None:
        del self.registrations[organisation_id]
        (self.confirmed if was == "confirmed" else self.waitlist).remove(organisation_id)

    def _promote(self, now: datetime, actor: Actor) -> None:
        while self.free_seats() > 0 and self.waitlist:
            self._promoted(organisation_id=self.waitlist[0], at=now, actor=actor, reason="候补递补 (seat freed)")

    @event("Promoted")
    def _promoted(self, organisation_id: str, at: datetime, actor: Actor, reason: str) -> None:
        self.waitlist.remove(organisation_id)
        self.confirmed.append(organisation_id)
        self.registrations[organisation_id]["status"] = "confirmed"

    # -- staff changes -----------------------------------------------------------------------
    def change_capacity(self, *, capacity: int, actor: Actor, now: datetime, reason: str | None = None) -> None:
        """Raising promotes as many as fit; lowering below the confirmed count is refused."""
        self._require_not_cancelled()
        _check_capacity(self.kind, capacity)
        if capacity < len(self.confirmed):
            raise _refuse("capacity_below_confirmed",
                          f"已确认 {len(self.confirmed)} 家，容量不能低于此数 "
                          f"(capacity below the {len(self.confirmed)} confirmed)", "capacity")
        if capacity != self.capacity:
            self._capacity_changed(capacity=capacity, previous=self.capacity, actor=actor, reason=reason)
            self._promote(now, actor)

    @event("CapacityChanged")
    def _capacity_changed(self, capacity: int, previous: int, actor: Actor, reason: str | None) -> None:
        self.capacity = capacity

    def move_in_waitlist(self, *, organisation_id: UUID, to_position: int, reason: str, actor: Actor) -> None:
        """Staff may reorder the waitlist only with a recorded reason."""
        if not reason or not reason.strip():
            raise InvalidValue("调整候补顺序须说明理由 (a reason is required)", field="reason")
        org = str(organisation_id)
        if org not in self.waitlist:
            raise DomainError("该单位不在候补名单中 (not on the waitlist)", code="not_waitlisted",
                              field="organisation_id")
        if not 1 <= to_position <= len(self.waitlist):
            raise InvalidValue(f"位置须在 1 到 {len(self.waitlist)} 之间 (position out of range)",
                               field="to_position")
        self._waitlist_moved(organisation_id=org, from_position=self.waitlist.index(org) + 1,
                             to_position=to_position, actor=actor, reason=reason.strip())

    @event("WaitlistMoved")
    def _waitlist_moved(self, organisation_id: str, from_position: int, to_position: int, actor: Actor,
                        reason: str) -> None:
        rest = [o for o in self.waitlist if o != organisation_id]
        self.waitlist = [*rest[:to_position - 1], organisation_id, *rest[to_position - 1:]]

    def substitute(self, *, organisation_id: UUID, attendee_name: str, substitute: dict[str, Any], now: datetime,
                   actor: Actor, seal: People, reason: str | None = None, reveal: People = _plain) -> None:
        """更换参会人 until the session starts. The event names the attendee replaced and the
        substitute as persons (sealed), never by name in the clear."""
        self._require_not_cancelled()
        if now >= self.starts_at:
            raise _refuse("session_started", "活动已开始，不能更换参会人 (the session has started)")
        org = str(organisation_id)
        registration = self._registration(org)
        held = _find(registration["attendees"], attendee_name, reveal)
        if held is None:
            raise InvalidValue(f"{attendee_name} 不在参会名单中 (not an attendee)", field="attendee_name")
        new = {**substitute, "name": substitute["name"].strip()}
        if _find(registration["attendees"], new["name"], reveal) is not None:
            raise InvalidValue("替换人已在名单中 (already an attendee)", field="substitute.name")
        self._substituted(organisation_id=org, attendee=held, substitute=seal([new])[0], actor=actor,
                          reason=reason)

    @event("AttendeeSubstituted")
    def _substituted(self, organisation_id: str, substitute: dict[str, Any], actor: Actor, reason: str | None,
                     attendee: dict[str, Any] | None = None, attendee_name: str | None = None) -> None:
        # `attendee_name`: substitutions recorded before attendees were sealed.
        replaced = attendee_ref(attendee) if attendee is not None else attendee_name
        registration = self.registrations[organisation_id]
        attendees = [substitute if attendee_ref(a) == replaced else a for a in registration["attendees"]]
        self.registrations = {**self.registrations, organisation_id: {**registration, "attendees": attendees}}

    def close_registration(self, *, now: datetime, actor: Actor) -> None:
        """报名截止 (the scheduler, at the deadline; the deadline also holds without it)."""
        if not self.registration_open or self.status == "cancelled":
            raise _refuse("registration_closed", "报名已截止 (registration already closed)")
        if now < self.registration_closes_at:
            raise _refuse("registration_open", "未到报名截止时间 (the deadline has not passed)")
        self._registration_closed(at=now, actor=actor, reason="报名截止 (deadline reached)")

    @event("RegistrationClosed")
    def _registration_closed(self, at: datetime, actor: Actor, reason: str) -> None:
        self.registration_open = False

    def cancel(self, *, reason: str, now: datetime, actor: Actor) -> None:
        """取消活动: every registrant is told (the event names them all)."""
        self._require_not_cancelled()
        if not reason or not reason.strip():
            raise InvalidValue("取消活动须说明理由 (a reason is required)", field="reason")
        if now >= self.ends_at:
            raise _refuse("session_ended", "活动已结束 (the session is over)")
        self._cancelled(registrants=self.registrants(), actor=actor, reason=reason.strip())

    @event("Cancelled")
    def _cancelled(self, registrants: list[str], actor: Actor, reason: str) -> None:
        self.status = "cancelled"

    def reschedule(self, *, starts_at: datetime, ends_at: datetime, reason: str, now: datetime,
                   actor: Actor) -> None:
        """改期: every registrant is told; registration closes no later than the new start."""
        self._require_not_cancelled()
        if not reason or not reason.strip():
            raise InvalidValue("改期须说明理由 (a reason is required)", field="reason")
        if ends_at <= starts_at:
            raise InvalidValue("结束时间须晚于开始时间 (ends_at must be after starts_at)", field="ends_at")
        if starts_at <= now:
            raise InvalidValue("开始时间须在将来 (starts_at must be in the future)", field="starts_at")
        self._rescheduled(starts_at=starts_at, ends_at=ends_at, previous_starts_at=self.starts_at,
                          registrants=self.registrants(), actor=actor, reason=reason.strip())

    @event("Rescheduled")
    def _rescheduled(self, starts_at: datetime, ends_at: datetime, previous_starts_at: datetime,
                     registrants: list[str], actor: Actor, reason: str) -> None:
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.registration_closes_at = min(self.registration_closes_at, starts_at)

    # -- the day itself ------------------------------------------------------------------------
    def check_in(self, *, organisation_id: UUID, attendee_name: str, now: datetime, actor: Actor,
                 reveal: People = _plain) -> None:
        """签到: from one hour before the start until the end. The event names the attendee
        as a person (their sealed value), never by name in the clear."""
        self._require_not_cancelled()
        if not self.starts_at - CHECK_IN_OPENS <= now <= self.ends_at:
            raise _refuse("check_in_closed", "签到时间为开始前 1 小时至结束 (check-in opens 1 h before the start "
                          "and closes at the end)")
        org = str(organisation_id)
        registration = self._registration(org)
        if registration["status"] != "confirmed":
            raise _refuse("not_confirmed", "候补单位不能签到 (only confirmed registrations check in)",
                          "organisation_id")
        held = _find(registration["attendees"], attendee_name, reveal)
        if held is None:
            raise InvalidValue(f"{attendee_name} 不在参会名单中 (not an attendee)", field="attendee_name")
        if attendee_ref(held) in self.checked_in.get(org, []):
            raise _refuse("already_checked_in", f"{attendee_name} 已签到 (already checked in)", "attendee_name")
        self._checked_in(organisation_id=org, attendee=held, at=now, actor=actor)

    @event("CheckedIn")
    def _checked_in(self, organisation_id: str, at: datetime, actor: Actor, reason: str | None = None,
                    attendee: dict[str, Any] | None = None, attendee_name: str | None = None) -> None:
        # `attendee_name`: check-ins recorded before attendees were sealed.
        ref = attendee_ref(attendee) if attendee is not None else attendee_name
        self.checked_in = {**self.checked_in, organisation_id: [*self.checked_in.get(organisation_id, []), ref]}

    def no_shows(self) -> list[str]:
        return [o for o in self.confirmed if o not in self.checked_in]

    def record_no_shows(self, *, now: datetime, actor: Actor) -> None:
        """缺席: once the session has ended, confirmed organisations nobody checked in for."""
        if self.attendance_closed or self.status == "cancelled":
            raise _refuse("attendance_closed", "出勤已登记 (attendance already recorded)")
        if now < self.ends_at:
            raise _refuse("session_not_ended", "活动尚未结束 (the session has not ended)")
        self._attendance_closed(no_shows=self.no_shows(), actor=actor, reason="活动结束后未签到 (no check-in)")

    @event("AttendanceClosed")
    def _attendance_closed(self, no_shows: list[str], actor: Actor, reason: str) -> None:
        self.attendance_closed = True

    def give_feedback(self, *, organisation_id: UUID, rating: int, comment: str | None, now: datetime,
                      actor: Actor) -> None:
        """满意度: 1–5 with a comment, from organisations that attended, for 30 days after the end."""
        org = str(organisation_id)
        if org not in self.checked_in:
            raise _refuse("not_attended", "只有到场参会的单位可以评价 (only organisations that attended)",
                          "organisation_id")
        if not self.ends_at <= now <= self.ends_at + FEEDBACK_WINDOW:
            raise _refuse("feedback_closed",
                          "评价时间为活动结束后 30 天内 (feedback is open for 30 days after the end)")
        if not 1 <= rating <= 5:
            raise InvalidValue("评分须为 1–5 (rating 1..5)", field="rating")
        self._feedback_given(organisation_id=org, rating=rating, comment=comment, replaces=org in self.feedback,
                             actor=actor)

    @event("FeedbackGiven")
    def _feedback_given(self, organisation_id: str, rating: int, comment: str | None, replaces: bool,
                        actor: Actor, reason: str | None = None) -> None:
        self.feedback = {**self.feedback, organisation_id: {"rating": rating, "comment": comment}}


def _check_capacity(kind: str, capacity: int) -> None:
    if capacity < 1:
        raise InvalidValue("容量至少为 1 家单位 (capacity at least 1)", field="capacity")
    if kind == "salon" and capacity > SALON_CAPACITY:
        raise InvalidValue(f"小集会最多 {SALON_CAPACITY} 家企业 (a salon has at most {SALON_CAPACITY})",
                           field="capacity")
