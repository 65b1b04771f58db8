"""The one eventsourcing Application holding every aggregate of the platform:
one event store, one notification log, one total order (ARCHITECTURE.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Transcoding

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
