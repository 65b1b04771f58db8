"""Load many small aggregates in one query.

A rush of registrations names a thousand different organisations; loading
each through the repository costs two round trips apiece in the writer's
single thread. Commands name the aggregates they will read (`prefetch`), and
the writer loads the ones it does not hold with one SELECT per batch.
Snapshots are ignored here on purpose: folding every event gives the same
state, and the aggregates worth prefetching are short.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from projections.store import ViewDatabase


def load_many(app: Application, db: ViewDatabase, ids: Iterable[UUID]) -> list[Any]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    table = app.recorder.events_table_name  # type: ignore[attr-defined]
    keys: list[Any] = [i.hex for i in wanted] if db.dialect == "sqlite" else wanted
    events: dict[UUID, list[StoredEvent]] = defaultdict(list)
    with db.read() as tx:
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            for row in tx.fetchall(
                f"SELECT originator_id, originator_version, topic, state FROM {table} "
                f"WHERE originator_id IN ({marks}) ORDER BY originator_id, originator_version", chunk):
                originator = row["originator_id"]
                originator = originator if isinstance(originator, UUID) else UUID(originator)
                events[originator].append(StoredEvent(originator, row["originator_version"], row["topic"],
                                                      bytes(row["state"])))
    loaded = []
    for stored in events.values():
        aggregate: Any = None
        for s in stored:
            aggregate = app.mapper.to_domain_event(s).mutate(aggregate)
        loaded.append(aggregate)
    return loaded


def latest_versions(app: Application, db: ViewDatabase, ids: Iterable[UUID]) -> dict[UUID, int]:
    """The stored version of each aggregate (one SELECT per 500): what the writer checks the
    aggregates it read, but did not change, against before it saves."""
    wanted = list(dict.fromkeys(ids))
    table = app.recorder.events_table_name  # type: ignore[attr-defined]
    keys: list[Any] = [i.hex for i in wanted] if db.dialect == "sqlite" else wanted
    found: dict[UUID, int] = {}
    with db.read() as tx:
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            for row in tx.fetchall(f"SELECT originator_id, MAX(originator_version) AS version FROM {table} "
                                   f"WHERE originator_id IN ({marks}) GROUP BY originator_id", chunk):
                originator = row["originator_id"]
                found[originator if isinstance(originator, UUID) else UUID(originator)] = int(row["version"])
    return found
