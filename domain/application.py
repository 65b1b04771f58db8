"""The one eventsourcing Application holding every aggregate of the platform:
one event store, one notification log, one total order (ARCHITECTURE.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.organisations import Organisation
from domain.sessions import Session
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
    # Members accumulate years of history: cold loads start from a snapshot.
    # Cold loads start from a snapshot: members gather years of history, a
    # popular session thousands of events in a rush. The writer takes them from
    # the aggregate it holds in memory (service.writer), every N events.
    is_snapshotting_enabled = True
    snapshot_every = {Organisation: 50, Session: 200}  # noqa: RUF012

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(ActorAsDict())
