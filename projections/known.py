"""Views as the records stood at an instant (recording time, `known_as_of`).

The events of the aggregates asked about that had been recorded by then are replayed
into a scratch, in-memory copy of the views that answer, so every view answers the
question with its own code: nothing is kept twice, and a view needs no second model of time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from projections import personal
from projections.audit import LOG
from projections.store import SQLiteViews, ViewDatabase
from projections.view import View


def known_instant(moment: datetime) -> str:
    """An instant as the views record them (UTC, ISO 8601 with microseconds, so that it
    compares as text with every recorded_at); a naive one is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def recorded_by(db: ViewDatabase, app: Any, aggregate_ids: Iterable[str], instant: str) -> list[tuple[int, Any]]:
    """(position, event) of these aggregates' events recorded by `instant`, in log order."""
    ids = list(dict.fromkeys(str(i) for i in aggregate_ids))
    if not ids:
        return []
    found: list[tuple[int, Any]] = []
    with db.read() as tx:
        rows = []
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            rows += tx.fetchall(f"SELECT aggregate_id, position, version FROM {LOG} WHERE aggregate_id IN "
                                f"({', '.join('?' for _ in chunk)}) AND recorded_at <= ?", (*chunk, instant))
    wanted: dict[str, dict[int, int]] = {}
    for r in rows:
        wanted.setdefault(r["aggregate_id"], {})[int(r["version"])] = int(r["position"])
    for aggregate_id, positions in wanted.items():
        for item in app.recorder.select_events(UUID(aggregate_id), lte=max(positions)):
            if item.originator_version in positions:
                found.append((positions[item.originator_version], app.mapper.to_domain_event(item)))
    return sorted(found, key=lambda pair: pair[0])


def aggregates_of_type(db: ViewDatabase, aggregate_type: str, instant: str) -> list[str]:
    """Every aggregate of a type that had recorded an event by `instant`."""
    with db.read() as tx:
        return [r["aggregate_id"] for r in tx.fetchall(
            f"SELECT DISTINCT aggregate_id FROM {LOG} WHERE aggregate_type = ? AND recorded_at <= ?",
            (aggregate_type, instant))]


@contextmanager
def as_known(like: ViewDatabase, views: Sequence[View], events: Sequence[tuple[int, Any]]) -> Iterator[ViewDatabase]:
    """A scratch database holding `views` fed with `events` only (sealed values open with
    the same keys as `like`'s)."""
    scratch = SQLiteViews(f"file:known-{uuid4().hex}?mode=memory&cache=shared")
    personal.bind(scratch, personal.keys_for(like))
    try:
        with scratch.transaction() as tx:
            for view in views:
                view.create(tx)
                view.apply(tx, list(events))
        yield scratch
    finally:
        scratch.close()


@contextmanager
def views_known(db: ViewDatabase, app: Any, aggregate_type: str, instant: str | None,
                views: Callable[[], Sequence[View]]) -> Iterator[ViewDatabase]:
    """The views to query: `db` itself, or (`instant` given) scratch copies of `views()` holding
    every `aggregate_type` aggregate's events recorded by then."""
    if instant is None:
        yield db
        return
    events = recorded_by(db, app, aggregates_of_type(db, aggregate_type, instant), instant)
    with as_known(db, views(), events) as then:
        yield then
