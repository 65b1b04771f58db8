"""The figures the seeds compile by hand (DOMAIN.md "Figures"), from the history."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from projections.audit import LOG
from projections.sessions import REGISTRATIONS
from projections.store import ViewDatabase
from projections.view import decode_doc


def _members_on(tx: Any, day: date) -> int:
    return int(tx.scalar("SELECT COUNT(*) FROM view_roster_periods WHERE status = 'admitted' AND valid_from <= ? "
                         "AND (valid_to IS NULL OR valid_to > ?)", (day.isoformat(), day.isoformat())))


def _count_effective(tx: Any, types: tuple[str, ...], start: date, end: date) -> int:
    marks = ", ".join("?" for _ in types)
    return int(tx.scalar(f"SELECT COUNT(*) FROM {LOG} WHERE aggregate_type = 'Organisation' AND type IN ({marks}) "
                         "AND effective_on >= ? AND effective_on <= ?", (*types, start.isoformat(), end.isoformat())))


def summary(db: ViewDatabase, start: date, end: date, zone: ZoneInfo, now: datetime | None = None) -> dict[str, Any]:
    """Members at the start and end and the movement between; sessions held (started in the
    period, not cancelled) by kind with attendees and satisfaction; alliances submitted in the
    period by status and sector, and the funding approved in it."""
    utc_from = datetime.combine(start, time(), zone).astimezone(ZoneInfo("UTC")).isoformat()
    utc_to = datetime.combine(end + timedelta(days=1), time(), zone).astimezone(ZoneInfo("UTC")).isoformat()
    # A session counts as held once it has started: one scheduled later in the period has not been held yet.
    started_before = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo("UTC")).isoformat()
    with db.read() as tx:
        members = {
            "at_start": _members_on(tx, start), "at_end": _members_on(tx, end),
            "admitted": _count_effective(tx, ("Admitted",), start, end),
            "left": _count_effective(tx, ("Withdrawn", "Lapsed"), start, end),
        }
        held = tx.fetchall("SELECT id, kind, doc FROM view_sessions WHERE starts_at >= ? AND starts_at < ? "
                           "AND starts_at <= ? AND status <> 'cancelled'", (utc_from, utc_to, started_before))
        by_kind = Counter(r["kind"] for r in held)
        attendees, ratings = 0, []
        if held:
            marks = ", ".join("?" for _ in held)
            for r in tx.fetchall(f"SELECT checked_in, rating FROM {REGISTRATIONS} WHERE session_id IN ({marks})",
                                 [h["id"] for h in held]):
                attendees += len(decode_doc(r["checked_in"]))
                if r["rating"] is not None:
                    ratings.append(int(r["rating"]))
        alliances = [decode_doc(r["doc"]) for r in tx.fetchall("SELECT doc FROM view_alliances")]
    submitted = [a for a in alliances
                 if any(h["event"] == "submitted" and utc_from <= h["recorded_at"] < utc_to for h in a["history"])]
    by_sector: dict[str, dict[str, int]] = defaultdict(lambda: {"alliances": 0, "granted_fen": 0})
    for a in submitted:
        by_sector[a["sector"]]["alliances"] += 1
        by_sector[a["sector"]]["granted_fen"] += a.get("granted_fen", 0)
    granted = sum(h.get("granted_fen", 0) for a in alliances for h in a["history"]
                  if h["event"] == "approved" and utc_from <= h["recorded_at"] < utc_to)
    return {
        "from": start.isoformat(), "to": end.isoformat(),
        "members": members,
        "sessions": {"held": len(held), "by_kind": dict(by_kind), "attendees": attendees,
                     "average_rating": round(sum(ratings) / len(ratings), 2) if ratings else None},
        "alliances": {"submitted": len(submitted), "by_status": dict(Counter(a["status"] for a in submitted)),
                      "by_sector": dict(by_sector), "granted_fen": granted},
        "needs": {},  # matchmaking (needs and deals) is not built yet
    }
