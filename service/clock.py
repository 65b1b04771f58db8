"""The one clock everything reads, so tests can move time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass
class Clock:
    time_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    offset: timedelta = timedelta(0)  # tests move time by changing this

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def today(self) -> date:
        """Today in the association's time zone (effective dates default to it)."""
        return self.now().astimezone(self.time_zone).date()

    def instant(self, value: datetime) -> datetime:
        """A time as the association means it, in UTC: one without an offset is read
        in the association's time zone (QIHUI_TIME_ZONE), not refused."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.time_zone)
        return value.astimezone(UTC)
