"""Sessions as staff and members see them: the session list and each
session's roster (confirmed, waitlist in order, checked in, counts), and per
organisation its session history with no-show and late-cancellation counts."""

from __future__ import annotations

from typing import Any, ClassVar

from domain.sessions import Session
from projections.store import ViewDatabase
from projections.view import DocumentView, decode_doc

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
        registration_state="open", attendance_state="pending",
        registrations={}, confirmed=[], waitlist=[], checked_in={}, no_shows=[], feedback={},
        scheduled_by=e.actor.as_dict(), changes=[],
    )


def _registered(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["registrations"][e.organisation_id] = {
        "organisation_id": e.organisation_id, "attendees": e.attendees, "registered_at": _iso(e.at),
        "status": e.outcome, "position": pos}
    doc["confirmed" if e.outcome == "confirmed" else "waitlist"].append(e.organisation_id)


def _cancelled_registration(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["registrations"].pop(e.organisation_id, None)
    for queue in ("confirmed", "waitlist"):
        if e.organisation_id in doc[queue]:
            doc[queue].remove(e.organisation_id)


def _promoted(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["waitlist"].remove(e.organisation_id)
    doc["confirmed"].append(e.organisation_id)
    doc["registrations"][e.organisation_id]["status"] = "confirmed"


def _capacity(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["capacity"] = e.capacity
    doc["changes"].append({"event": "capacity_changed", "capacity": e.capacity, "previous": e.previous,
                           "actor": e.actor.as_dict(), "position": pos})


def _moved(doc: dict[str, Any], e: Any, pos: int) -> None:
    rest = [o for o in doc["waitlist"] if o != e.organisation_id]
    doc["waitlist"] = [*rest[:e.to_position - 1], e.organisation_id, *rest[e.to_position - 1:]]
    doc["changes"].append({"event": "waitlist_moved", "organisation_id": e.organisation_id,
                           "from_position": e.from_position, "to_position": e.to_position,
                           "reason": e.reason, "actor": e.actor.as_dict(), "position": pos})


def _substituted(doc: dict[str, Any], e: Any, pos: int) -> None:
    registration = doc["registrations"][e.organisation_id]
    registration["attendees"] = [e.substitute if a["name"] == e.attendee_name else a
                                 for a in registration["attendees"]]


def _closed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(registration_open=False, registration_state="closed")


def _cancelled(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="cancelled", cancel_reason=e.reason)


def _rescheduled(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(starts_at=_iso(e.starts_at), ends_at=_iso(e.ends_at))
    doc["registration_closes_at"] = min(doc["registration_closes_at"], doc["starts_at"])
    doc["changes"].append({"event": "rescheduled", "previous_starts_at": _iso(e.previous_starts_at),
                           "reason": e.reason, "actor": e.actor.as_dict(), "position": pos})


def _checked_in(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["checked_in"].setdefault(e.organisation_id, []).append(e.attendee_name)


def _attendance_closed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(no_shows=e.no_shows, attendance_state="closed")


def _feedback(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["feedback"][e.organisation_id] = {"rating": e.rating, "comment": e.comment}
    ratings = [f["rating"] for f in doc["feedback"].values()]
    doc["average_rating"] = round(sum(ratings) / len(ratings), 2)


class SessionsView(DocumentView):
    name = "sessions"
    table = "view_sessions"
    columns: ClassVar[dict[str, str]] = {
        "kind": "TEXT", "title": "TEXT", "starts_at": "TEXT", "ends_at": "TEXT", "status": "TEXT",
        "registration_closes_at": "TEXT", "registration_state": "TEXT", "attendance_state": "TEXT"}
    indexes = ("starts_at", "registration_closes_at", "ends_at")
    handlers: ClassVar[dict[type, Any]] = {
        S.Scheduled: _scheduled, S.Registered: _registered, S.RegistrationCancelled: _cancelled_registration,
        S.Promoted: _promoted, S.CapacityChanged: _capacity, S.WaitlistMoved: _moved,
        S.AttendeeSubstituted: _substituted, S.RegistrationClosed: _closed, S.Cancelled: _cancelled,
        S.Rescheduled: _rescheduled, S.CheckedIn: _checked_in, S.AttendanceClosed: _attendance_closed,
        S.FeedbackGiven: _feedback,
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
    _note(doc, e, pos, "checked_in", attendee_name=e.attendee_name)["status"] = "attended"


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


def names(db: ViewDatabase, org_ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    with db.read() as tx:
        for i in range(0, len(org_ids), 500):
            chunk = org_ids[i:i + 500]
            marks = ", ".join("?" for _ in chunk)
            for r in tx.fetchall(f"SELECT id, name FROM view_roster WHERE id IN ({marks})", chunk):
                found[r["id"]] = r["name"]
    return found


def session_roster(db: ViewDatabase, doc: dict[str, Any]) -> dict[str, Any]:
    """API.md's roster: confirmed, waitlist in order, checked in, counts."""
    regs = doc["registrations"]
    label = names(db, list(regs))
    no_shows = set(doc.get("no_shows", []))

    def entry(org: str, waitlist_position: int | None = None) -> dict[str, Any]:
        r = regs[org]
        attendance = "checked_in" if org in doc["checked_in"] else "no_show" if org in no_shows else None
        return {"organisation_id": org, "name": label.get(org), "attendees": r["attendees"],
                "registered_at": r["registered_at"], "waitlist_position": waitlist_position,
                "attendance": attendance, "checked_in_attendees": doc["checked_in"].get(org, [])}

    confirmed = [entry(o) for o in doc["confirmed"]]
    return {
        "session_id": doc["id"], "title": doc["title"], "capacity": doc["capacity"],
        "confirmed": confirmed,
        "waitlist": [entry(o, i + 1) for i, o in enumerate(doc["waitlist"])],
        "checked_in": [c for c in confirmed if c["attendance"] == "checked_in"],
        "counts": {"confirmed": len(doc["confirmed"]), "waitlisted": len(doc["waitlist"]),
                   "checked_in": len(doc["checked_in"]), "no_show": len(no_shows)},
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
    return {"no_show_count": doc.get("no_show_count", 0),
            "late_cancellation_count": doc.get("late_cancellation_count", 0), "sessions": items}
