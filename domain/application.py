"""The one eventsourcing Application holding every aggregate of the platform:
one event store, one notification log, one total order (ARCHITECTURE.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.alliance_values import Agreement, ProgressItem, Rectification, ReportRecord, Value
from domain.values import Actor


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, Any]:
        return obj.as_dict()

    def decode(self, data: dict[str, Any]) -> Actor:
        return Actor(**data)


class ValueAsDict(Transcoding):
    """A typed value of the domain (a frozen msgspec Struct) stored as its JSON object."""

    def __init__(self, value_type: type[Value], name: str):
        self._type, self._name = value_type, name

    @property
    def type(self) -> type:  # type: ignore[override]
        return self._type

    @property
    def name(self) -> str:  # type: ignore[override]
        return self._name

    def encode(self, obj: Value) -> dict[str, Any]:
        return obj.plain()

    def decode(self, data: dict[str, Any]) -> Value:
        return self._type.of(data)


# The typed values events carry, each under a name stored with it (never rename one).
# (ReportRecord and Rectification live in the Alliance's snapshots.)
VALUES: tuple[tuple[type[Value], str], ...] = ((Agreement, "alliance_agreement"), (ProgressItem, "alliance_progress"),
                                               (ReportRecord, "alliance_report_record"),
                                               (Rectification, "alliance_rectification"))


class Qihui(Application):
    # The name gives every setting its QIHUI_ prefix (QIHUI_PERSISTENCE_MODULE, …).
    name = "qihui"
    # Cold loads start from a snapshot: members gather years of history, a popular
    # session thousands of events in a rush. Each context says how often
    # (qihui.contexts); the writer takes snapshots from the aggregates it holds.
    is_snapshotting_enabled = True
    snapshot_every: dict[type, int] = {}  # noqa: RUF012  (set per application by qihui.bootstrap)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(ActorAsDict())
        for value_type, name in VALUES:
            transcoder.register(ValueAsDict(value_type, name))
