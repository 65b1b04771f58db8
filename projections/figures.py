"""The figures the seeds compile by hand (DOMAIN.md "Figures"), from the history.

Each context counts its own section (`Figures`, declared on its Context); `summary`
asks every declared section for one period and puts the answers side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from projections.store import ViewDatabase

UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Period:
    """The days asked for (inclusive, in the association's time) and the same span as UTC
    instants for recorded times; `now` so that what is still ahead is not counted as done."""

    start: date
    end: date
    utc_from: str
    utc_to: str  # exclusive
    now: str

    @classmethod
    def of(cls, start: date, end: date, zone: ZoneInfo, now: datetime | None = None) -> Period:
        def instant(day: date) -> str:
            return datetime.combine(day, time(), zone).astimezone(UTC).isoformat()

        return cls(start, end, instant(start), instant(end + timedelta(days=1)),
                   (now or datetime.now(UTC)).astimezone(UTC).isoformat())

    def holds(self, recorded_at: str) -> bool:
        return self.utc_from <= recorded_at < self.utc_to


@dataclass(frozen=True)
class Figures:
    """A context's section of the summary: its name there, the Struct it answers with, and
    how it is counted from the views (a read transaction and the period)."""

    section: str
    description: str  # Chinese first, English in parentheses
    answer: type[msgspec.Struct]
    count: Callable[[Any, Period], msgspec.Struct]


def summary(db: ViewDatabase, start: date, end: date, zone: ZoneInfo, sections: Sequence[Figures],
            now: datetime | None = None) -> dict[str, Any]:
    """Every section for one period, as plain data (the API answers it typed, `qihui stats` prints it)."""
    period = Period.of(start, end, zone, now)
    with db.read() as tx:
        counted = {s.section: s.count(tx, period) for s in sections}
    return {"from": start.isoformat(), "to": end.isoformat(), **msgspec.to_builtins(counted)}
