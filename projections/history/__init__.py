"""Each bounded context's part of the audit log and the organisations' histories:
one readable Chinese line per event type (`summaries`, keyed by event class) and
the organisations an event concerns (`links`, keyed by event class or a base
class). Contexts declare theirs (qihui.contexts); the audit view is handed the
merged declaration, and a test fails when an event type has no summary or link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from projections.store import Tx
from projections.view import decode_doc, encode

TITLES = "view_audit_titles"
PARTIES = "view_audit_parties"
DDL = (f"CREATE TABLE IF NOT EXISTS {TITLES} (aggregate_id TEXT PRIMARY KEY, title TEXT NOT NULL)",
       f"CREATE TABLE IF NOT EXISTS {PARTIES} (alliance_id TEXT PRIMARY KEY, parties TEXT NOT NULL)")


class Names:
    """What summaries and links look up while a batch is projected: the titles of
    sessions, programmes and alliances, and an alliance's parties. Remembered in the
    audit view's own tables (written in the batch's transaction), so a summary never
    depends on another view having caught up."""

    def __init__(self, tx: Tx):
        self.tx = tx
        self._titles: dict[str, str] = {}
        self._parties: dict[str, list[str]] = {}

    def title(self, aggregate_id: Any) -> str:
        key = str(aggregate_id)
        if key not in self._titles:
            self._titles[key] = self.tx.scalar(f"SELECT title FROM {TITLES} WHERE aggregate_id = ?", (key,)) or "—"
        return self._titles[key]

    def remember_title(self, aggregate_id: Any, title: str) -> None:
        key = str(aggregate_id)
        self.tx.execute(f"DELETE FROM {TITLES} WHERE aggregate_id = ?", (key,))
        self.tx.execute(f"INSERT INTO {TITLES} (aggregate_id, title) VALUES (?, ?)", (key, title))
        self._titles[key] = title

    def parties(self, alliance_id: Any) -> list[str]:
        key = str(alliance_id)
        if key not in self._parties:
            known = self.tx.scalar(f"SELECT parties FROM {PARTIES} WHERE alliance_id = ?", (key,))
            self._parties[key] = decode_doc(known) if known else []
        return self._parties[key]

    def remember_parties(self, alliance_id: Any, parties: list[str]) -> None:
        key = str(alliance_id)
        self.tx.execute(f"DELETE FROM {PARTIES} WHERE alliance_id = ?", (key,))
        self.tx.execute(f"INSERT INTO {PARTIES} (alliance_id, parties) VALUES (?, ?)", (key, encode(parties)))
        self._parties[key] = parties


Summary = Callable[[Any, Names], str]
Link = Callable[[Any, Names], list[str]]


def nobody(_: Any, __: Names) -> list[str]:
    """An event that concerns no organisation's history (an account, a programme)."""
    return []


@dataclass(frozen=True)
class History:
    summaries: Mapping[type, Summary] = field(default_factory=dict)
    links: Mapping[type, Link] = field(default_factory=dict)

    @staticmethod
    def merge(parts: Iterable[History]) -> History:
        summaries: dict[type, Summary] = {}
        links: dict[type, Link] = {}
        for part in parts:
            summaries.update(part.summaries)
            links.update(part.links)
        return History(summaries, links)

    def summary_of(self, event_class: type) -> Summary | None:
        return self.summaries.get(event_class)

    def link_of(self, event_class: type) -> Link | None:
        for cls in event_class.__mro__:  # the event's own class first, then its aggregate's Event
            if cls in self.links:
                return self.links[cls]
        return None

    def summarise(self, event: Any, names: Names) -> str:
        summary = self.summary_of(type(event))
        fallback = type(event).__qualname__
        if summary is None:
            return fallback  # a missing summary fails tests/test_contexts.py, never a batch
        try:
            return summary(event, names)
        except (AttributeError, KeyError, TypeError, ValueError):
            return fallback

    def organisations(self, event: Any, names: Names) -> list[str]:
        link = self.link_of(type(event))
        return [str(o) for o in link(event, names)] if link else []


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f} 元"
