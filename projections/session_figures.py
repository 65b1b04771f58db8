"""Sessions' figures: sessions held in a period by kind, their attendees and satisfaction."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from msgspec import Meta, Struct

from projections.figures import Figures, Period
from projections.sessions import REGISTRATIONS
from projections.view import decode_doc


class SessionFigures(Struct, frozen=True):
    held: Annotated[int, Meta(description="已举办场次（期内开始且未取消）(sessions held: started, not cancelled)")]
    by_kind: Annotated[dict[str, int], Meta(description="按类型的场次 (sessions held per kind)")]
    attendees: Annotated[int, Meta(description="签到人数 (people checked in)")]
    average_rating: Annotated[float | None, Meta(description="平均满意度 1–5，无评价为空 (average rating)")]


def count(tx: Any, period: Period) -> SessionFigures:
    # A session counts as held once it has started: one scheduled later in the period has not been held yet.
    held = tx.fetchall("SELECT id, kind FROM view_sessions WHERE starts_at >= ? AND starts_at < ? "
                       "AND starts_at <= ? AND status <> 'cancelled'", (period.utc_from, period.utc_to, period.now))
    attendees, ratings = 0, []
    if held:
        marks = ", ".join("?" for _ in held)
        for r in tx.fetchall(f"SELECT checked_in, rating FROM {REGISTRATIONS} WHERE session_id IN ({marks})",
                             [h["id"] for h in held]):
            attendees += len(decode_doc(r["checked_in"]))
            if r["rating"] is not None:
                ratings.append(int(r["rating"]))
    return SessionFigures(held=len(held), by_kind=dict(Counter(r["kind"] for r in held)), attendees=attendees,
                          average_rating=round(sum(ratings) / len(ratings), 2) if ratings else None)


FIGURES = Figures("sessions", "活动 (sessions)", SessionFigures, count)
