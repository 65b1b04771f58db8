"""Membership's figures: members at the start and end of a period and the movement between."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from msgspec import Meta, Struct

from projections.audit import LOG
from projections.figures import Figures, Period


class MemberFigures(Struct, frozen=True):
    at_start: Annotated[int, Meta(description="期初会员数 (members on the first day)")]
    at_end: Annotated[int, Meta(description="期末会员数 (members on the last day)")]
    admitted: Annotated[int, Meta(description="期内入会 (admitted in the period, by effective date)")]
    left: Annotated[int, Meta(description="期内退出或失效 (withdrawn or lapsed in the period)")]


def _members_on(tx: Any, day: date) -> int:
    return int(tx.scalar("SELECT COUNT(*) FROM view_roster_periods WHERE status = 'admitted' AND valid_from <= ? "
                         "AND (valid_to IS NULL OR valid_to > ?)", (day.isoformat(), day.isoformat())))


def _count_effective(tx: Any, types: tuple[str, ...], start: date, end: date) -> int:
    marks = ", ".join("?" for _ in types)
    return int(tx.scalar(f"SELECT COUNT(*) FROM {LOG} WHERE aggregate_type = 'Organisation' AND type IN ({marks}) "
                         "AND effective_on >= ? AND effective_on <= ?", (*types, start.isoformat(), end.isoformat())))


def count(tx: Any, period: Period) -> MemberFigures:
    return MemberFigures(
        at_start=_members_on(tx, period.start), at_end=_members_on(tx, period.end),
        admitted=_count_effective(tx, ("Admitted",), period.start, period.end),
        left=_count_effective(tx, ("Withdrawn", "Lapsed"), period.start, period.end))


FIGURES = Figures("members", "会员 (members)", MemberFigures, count)
