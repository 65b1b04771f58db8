"""Sessions as staff and members see them: the session list and each
session's roster (confirmed, waitlist in order, checked in, counts), and per
organisation its session history with no-show and late-cancellation counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from domain.sessions import Session, attendee_ref
from projections.personal import opened
from projections.store import Tx, ViewDatabase
from projections.view import DocumentView, View, decode_doc, encode

S = Session


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


# -- per session ---------------------------------------------------------------------------
def _scheduled(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(
        id=str(e.originator_id), kind=e.kind, title=e.title, topic=e.topic, starts_at=_iso(e.starts_at),
        ends_at=_iso(e.ends_at), venue=e.venue, capacity=e.capacity,
        seats_per_organisation=e.seats_per_organisation, registration_closes_at=_iso(e.registration_closes_at),
        members_only=e.members_only, waitlist_enabled=e.waitlist, status="scheduled", registration_open=True,
        registration_state="open", attendance_state="pending", ratings={},
        scheduled_by=e.actor.as_dict(), changes=[],
    )


def _capacity(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["capacity"] = e.capacity
    doc["changes"].append({"event": "capacity_changed", "capacity": e.capacity, "previous": e.previous,
                           "actor": e.actor.as_dict(), "position": pos})


def _moved(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["changes"].append({"event": "waitlist_moved", "organisation_id": e.organisation_id,
                           "from_position": e.from_position, "to_position": e.to_position,
                           "reason": e.reason, "actor": e.actor.as_dict(), "position": pos})


def _closed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(registration_open=False, registration_state="closed")


def _cancelled(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="cancelled", cancel_reason=e.reason)


def _rescheduled(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(starts_at=_iso(e.starts_at), ends_at=_iso(e.ends_at))
    doc["registration_closes_at"] = min(doc["registration_closes_at"], doc["starts_at"])
    doc["changes"].append({"event": "rescheduled", "previous_starts_at": _iso(e.previous_starts_at),
                           "reason": e.reason, "actor": e.actor.as_dict(), "position": pos})


def _attendance_closed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(attendance_state="closed", no_show_count=len(e.no_shows))


def _feedback(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["ratings"][e.organisation_id] = e.rating
    doc["average_rating"] = round(sum(doc["ratings"].values()) / len(doc["ratings"]), 2)


class SessionsView(DocumentView):
    """One small document per session; its registrations are rows of their own
    (a popular session's thousand registrations must not be re-encoded as one
    document on every batch)."""

    name = "sessions"
    table = "view_sessions"
    columns: ClassVar[dict[str, str]] = {
        "kind": "TEXT", "title": "TEXT", "starts_at": "TEXT", "ends_at": "TEXT", "status": "TEXT",
        "registration_closes_at": "TEXT", "registration_state": "TEXT", "attendance_state": "TEXT"}
    indexes = ("starts_at", "registration_closes_at", "ends_at")
    handlers: ClassVar[dict[type, Any]] = {
        S.Scheduled: _scheduled, S.CapacityChanged: _capacity, S.WaitlistMoved: _moved,
        S.RegistrationClosed: _closed, S.Cancelled: _cancelled, S.Rescheduled: _rescheduled,
        S.AttendanceClosed: _attendance_closed, S.FeedbackGiven: _feedback,
    }


REGISTRATIONS = "view_session_registrations"
_COLUMNS = ("session_id", "organisation_id", "status", "attendees", "registered_at", "queue_key", "checked_in",
            "attendance", "rating")


class RegistrationsView(View):
    """Each registration as a row: confirmed in order of confirmation, the
    waitlist in waiting order (`queue_key`), check-ins, no-shows, ratings."""

    name = "session_registrations"
    tables = (REGISTRATIONS,)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {REGISTRATIONS} (session_id TEXT NOT NULL, organisation_id TEXT NOT NULL, "
        "status TEXT NOT NULL, attendees TEXT NOT NULL, registered_at TEXT NOT NULL, queue_key BIGINT NOT NULL, "
        "checked_in TEXT NOT NULL, attendance TEXT, rating INTEGER, PRIMARY KEY (session_id, organisation_id))",
        f"CREATE INDEX IF NOT EXISTS ix_{REGISTRATIONS}_queue ON {REGISTRATIONS} (session_id, status, queue_key)",
    )

    def apply(self, tx: Tx, events: Sequence[tuple[int, Any]]) -> None:
        pending: list[tuple[Any, ...]] = []  # consecutive registrations, inserted together

        def flush() -> None:
            if pending:
                tx.insert_rows(REGISTRATIONS, _COLUMNS, pending, types=("TEXT",) * 5 + ("BIGINT", "TEXT", "TEXT",
                                                                                        "INTEGER"))
                pending.clear()

        for pos, e in events:
            kind = type(e)
            if kind is S.Registered:
                pending.append((str(e.originator_id), e.organisation_id, e.outcome, encode(e.attendees),
                                _iso(e.at), pos, "[]", None, None))
                continue
            if kind not in _ROW_CHANGES:
                continue
            flush()
            _ROW_CHANGES[kind](tx, str(e.originator_id), e, pos)
        flush()


def _row(tx: Tx, session: str, org: str, column: str) -> Any:
    return tx.scalar(f"SELECT {column} FROM {REGISTRATIONS} WHERE session_id = ? AND organisation_id = ?",
                     (session, org))


def _set(tx: Tx, session: str, org: str, **values: Any) -> None:
    assignments = ", ".join(f"{k} = ?" for k in values)
    tx.execute(f"UPDATE {REGISTRATIONS} SET {assignments} WHERE session_id = ? AND organisation_id = ?",
               (*values.values(), session, org))


def _r_cancelled(tx: Tx, session: str, e: Any, pos: int) -> None:
    tx.execute(f"DELETE FROM {REGISTRATIONS} WHERE session_id = ? AND organisation_id = ?",
               (session, e.organisation_id))


def _r_promoted(tx: Tx, session: str, e: Any, pos: int) -> None:
    _set(tx, session, e.organisation_id, status="confirmed", queue_key=pos)


def _r_moved(tx: Tx, session: str, e: Any, pos: int) -> None:
    rows = tx.fetchall(f"SELECT organisation_id, queue_key FROM {REGISTRATIONS} WHERE session_id = ? "
                       "AND status = 'waitlisted' ORDER BY queue_key", (session,))
    order = [r["organisation_id"] for r in rows if r["organisation_id"] != e.organisation_id]
    order.insert(e.to_position - 1, e.organisation_id)
    for org, key in zip(order, sorted(r["queue_key"] for r in rows), strict=True):
        _set(tx, session, org, queue_key=key)


def _attendee(e: Any) -> Any:
    """Who an event names: the sealed attendee, or the name of one recorded before sealing."""
    return e.attendee if getattr(e, "attendee", None) is not None else e.attendee_name


def _r_substituted(tx: Tx, session: str, e: Any, pos: int) -> None:
    attendees = decode_doc(_row(tx, session, e.organisation_id, "attendees"))
    who = _attendee(e)
    replaced = who if isinstance(who, str) else attendee_ref(who)
    _set(tx, session, e.organisation_id, attendees=encode(
        [e.substitute if attendee_ref(a) == replaced else a for a in attendees]))


def _r_checked_in(tx: Tx, session: str, e: Any, pos: int) -> None:
    # The persons checked in, as sealed values (opened when the roster is read).
    people = decode_doc(_row(tx, session, e.organisation_id, "checked_in"))
    _set(tx, session, e.organisation_id, checked_in=encode([*people, _attendee(e)]), attendance="checked_in")


def _r_no_shows(tx: Tx, session: str, e: Any, pos: int) -> None:
    for org in e.no_shows:
        _set(tx, session, org, attendance="no_show")


def _r_feedback(tx: Tx, session: str, e: Any, pos: int) -> None:
    _set(tx, session, e.organisation_id, rating=e.rating)


_ROW_CHANGES = {
    S.RegistrationCancelled: _r_cancelled, S.Promoted: _r_promoted, S.WaitlistMoved: _r_moved,
    S.AttendeeSubstituted: _r_substituted, S.CheckedIn: _r_checked_in, S.AttendanceClosed: _r_no_shows,
    S.FeedbackGiven: _r_feedback,
}


# -- per organisation ------------------------------------------------------------------------
def _entry(doc: dict[str, Any], e: Any) -> dict[str, Any]:
    doc.setdefault("sessions", {})
    doc.setdefault("no_show_count", 0)
    doc.setdefault("late_cancellation_count", 0)
    return doc["sessions"].setdefault(str(e.originator_id), {"session_id": str(e.originator_id), "events": []})


def _note(doc: dict[str, Any], e: Any, pos: int, what: str, **extra: Any) -> dict[str, Any]:
    entry = _entry(doc, e)
    entry["events"].append({"event": what, "recorded_at": _iso(e.timestamp), "actor": e.actor.as_dict(),
                            "reason": getattr(e, "reason", None), "position": pos, **extra})
    return entry


def _org_registered(doc: dict[str, Any], e: Any, pos: int) -> None:
    _note(doc, e, pos, e.outcome)["status"] = e.outcome


def _org_promoted(doc: dict[str, Any], e: Any, pos: int) -> None:
    _note(doc, e, pos, "promoted")["status"] = "confirmed"


def _org_cancelled(doc: dict[str, Any], e: Any, pos: int) -> None:
    _note(doc, e, pos, "cancelled", late=e.late)["status"] = "cancelled"
    if e.late:
        doc["late_cancellation_count"] += 1


def _org_checked_in(doc: dict[str, Any], e: Any, pos: int) -> None:
    who = _attendee(e)
    named = {"attendee_name": who} if isinstance(who, str) else {"attendee": who}  # sealed: opened on reading
    _note(doc, e, pos, "checked_in", **named)["status"] = "attended"


def _org_no_show(doc: dict[str, Any], e: Any, pos: int) -> None:
    _note(doc, e, pos, "no_show")["status"] = "no_show"
    doc["no_show_count"] += 1


def _org_feedback(doc: dict[str, Any], e: Any, pos: int) -> None:
    _note(doc, e, pos, "feedback", rating=e.rating)["rating"] = e.rating


def _org_session_cancelled(doc: dict[str, Any], e: Any, pos: int) -> None:
    _note(doc, e, pos, "session_cancelled")["status"] = "session_cancelled"


def _org_rescheduled(doc: dict[str, Any], e: Any, pos: int) -> None:
    _note(doc, e, pos, "session_rescheduled", starts_at=_iso(e.starts_at))


class AttendanceView(DocumentView):
    name = "attendance"
    table = "view_attendance"
    columns: ClassVar[dict[str, str]] = {"no_show_count": "INTEGER", "late_cancellation_count": "INTEGER"}
    handlers: ClassVar[dict[type, Any]] = {
        S.Registered: _org_registered, S.Promoted: _org_promoted, S.RegistrationCancelled: _org_cancelled,
        S.CheckedIn: _org_checked_in, S.AttendanceClosed: _org_no_show, S.FeedbackGiven: _org_feedback,
        S.Cancelled: _org_session_cancelled, S.Rescheduled: _org_rescheduled,
    }

    def keys(self, event: Any) -> list[str]:
        if isinstance(event, S.AttendanceClosed):
            return list(event.no_shows)
        if isinstance(event, S.Cancelled | S.Rescheduled):
            return list(event.registrants)
        return [event.organisation_id]


# -- queries -------------------------------------------------------------------------------------
def due_to_close(db: ViewDatabase, now: str) -> list[str]:
    """Sessions whose registration deadline has passed but are still open."""
    with db.read() as tx:
        return [r["id"] for r in tx.fetchall(
            "SELECT id FROM view_sessions WHERE status = 'scheduled' AND registration_state = 'open' "
            "AND registration_closes_at <= ?", (now,))]


def due_for_attendance(db: ViewDatabase, now: str) -> list[str]:
    """Ended sessions whose no-shows are not recorded yet."""
    with db.read() as tx:
        return [r["id"] for r in tx.fetchall(
            "SELECT id FROM view_sessions WHERE status = 'scheduled' AND attendance_state = 'pending' "
            "AND ends_at <= ?", (now,))]


def get_session(db: ViewDatabase, session_id: str) -> dict[str, Any] | None:
    with db.read() as tx:
        row = tx.fetchone("SELECT doc FROM view_sessions WHERE id = ?", (session_id,))
    return decode_doc(row["doc"]) if row else None


def list_sessions(db: ViewDatabase, *, kind: str | None, starts_from: str | None, starts_to: str | None,
                  limit: int, after: str | None) -> list[dict[str, Any]]:
    where, params = [], []
    for clause, value in (("kind = ?", kind), ("starts_at >= ?", starts_from), ("starts_at < ?", starts_to),
                          ("(starts_at || id) > ?", after)):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = "SELECT doc FROM view_sessions" + (f" WHERE {' AND '.join(where)}" if where else "")
    with db.read() as tx:
        rows = tx.fetchall(sql + " ORDER BY starts_at, id LIMIT ?", [*params, limit])
    return [decode_doc(r["doc"]) for r in rows]


def counts(db: ViewDatabase, session_ids: list[str]) -> dict[str, dict[str, int]]:
    """Confirmed and waitlisted counts per session."""
    found: dict[str, dict[str, int]] = {sid: {"confirmed": 0, "waitlisted": 0} for sid in session_ids}
    if not session_ids:
        return found
    marks = ", ".join("?" for _ in session_ids)
    with db.read() as tx:
        for r in tx.fetchall(f"SELECT session_id, status, COUNT(*) AS n FROM {REGISTRATIONS} "
                             f"WHERE session_id IN ({marks}) GROUP BY session_id, status", session_ids):
            found[r["session_id"]][r["status"]] = int(r["n"])
    return found


def registration_of(db: ViewDatabase, session_id: str, org_id: str) -> dict[str, Any] | None:
    """One organisation's registration, with its place on the waitlist."""
    with db.read() as tx:
        row = tx.fetchone(f"SELECT * FROM {REGISTRATIONS} WHERE session_id = ? AND organisation_id = ?",
                          (session_id, org_id))
        if row is None:
            return None
        place = None
        if row["status"] == "waitlisted":
            place = 1 + int(tx.scalar(f"SELECT COUNT(*) FROM {REGISTRATIONS} WHERE session_id = ? "
                                      "AND status = 'waitlisted' AND queue_key < ?", (session_id, row["queue_key"])))
    return {"organisation_id": org_id, "status": row["status"], "attendees": opened(db, decode_doc(row["attendees"])),
            "registered_at": row["registered_at"], "waitlist_position": place, "attendance": row["attendance"]}


def session_roster(db: ViewDatabase, doc: dict[str, Any], *, names_from: ViewDatabase | None = None,
                   ) -> dict[str, Any]:
    """API.md's roster: confirmed, waitlist in order, checked in, counts. `names_from`: where
    the organisations' names are read when `db` holds the registrations only (projections.known)."""
    with db.read() as tx:
        rows = tx.fetchall(f"SELECT r.* FROM {REGISTRATIONS} r WHERE r.session_id = ? ORDER BY r.queue_key",
                           (doc["id"],))
    with (names_from or db).read() as tx:
        ids = [r["organisation_id"] for r in rows]
        names = {n["id"]: n["name"] for n in (tx.fetchall(
            f"SELECT id, name FROM view_roster WHERE id IN ({', '.join('?' for _ in ids)})", ids) if ids else [])}
    rows = [{**r, "name": names.get(r["organisation_id"])} for r in rows]

    # Attendees are sealed in the view: opened here, every key fetched at once.
    people = opened(db, [[decode_doc(r["attendees"]), decode_doc(r["checked_in"])] for r in rows])

    def entry(r: dict[str, Any], i: int, waitlist_position: int | None = None) -> dict[str, Any]:
        attendees, checked_in = people[i]
        return {"organisation_id": r["organisation_id"], "name": r["name"], "attendees": attendees,
                "registered_at": r["registered_at"], "waitlist_position": waitlist_position,
                "attendance": r["attendance"],
                "checked_in_attendees": [c if isinstance(c, str) else c.get("name") for c in checked_in],
                "rating": r["rating"]}

    numbered = list(enumerate(rows))

    confirmed = [entry(r, i) for i, r in numbered if r["status"] == "confirmed"]
    waitlist = [entry(r, i, place + 1)
                for place, (i, r) in enumerate((i, r) for i, r in numbered if r["status"] == "waitlisted")]
    return {
        "session_id": doc["id"], "title": doc["title"], "capacity": doc["capacity"],
        "confirmed": confirmed, "waitlist": waitlist,
        "checked_in": [c for c in confirmed if c["attendance"] == "checked_in"],
        "counts": {"confirmed": len(confirmed), "waitlisted": len(waitlist),
                   "checked_in": sum(1 for c in confirmed if c["attendance"] == "checked_in"),
                   "no_show": sum(1 for c in confirmed if c["attendance"] == "no_show")},
    }


def attendance_of(db: ViewDatabase, org_id: str) -> dict[str, Any]:
    """An organisation's session history, newest session first, with its counts."""
    with db.read() as tx:
        row = tx.fetchone("SELECT doc FROM view_attendance WHERE id = ?", (org_id,))
        doc = decode_doc(row["doc"]) if row else {"sessions": {}, "no_show_count": 0,
                                                     "late_cancellation_count": 0}
        ids = list(doc["sessions"])
        sessions = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ", ".join("?" for _ in chunk)
            for r in tx.fetchall(f"SELECT id, kind, title, starts_at, status FROM view_sessions "
                                 f"WHERE id IN ({marks})", chunk):
                sessions[r["id"]] = r
    items = []
    for sid, entry in doc["sessions"].items():
        session = sessions.get(sid, {})
        items.append({"session_id": sid, "kind": session.get("kind"), "title": session.get("title"),
                      "starts_at": session.get("starts_at"), "session_status": session.get("status"),
                      "status": entry.get("status"), "rating": entry.get("rating"), "events": entry["events"]})
    items.sort(key=lambda x: x.get("starts_at") or "", reverse=True)
    items = opened(db, items)  # the attendees named in check-ins
    return {"no_show_count": doc.get("no_show_count", 0),
            "late_cancellation_count": doc.get("late_cancellation_count", 0), "sessions": items}
