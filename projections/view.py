"""A view: tables plus a function from a batch of events to rows.

`DocumentView` covers the common case: one row per aggregate (or other key)
holding a JSON document, with a few columns copied out of it for filtering
and sorting. A batch is folded in memory (one SELECT of the rows it touches,
one upsert of the results), which is what makes rebuilds fast.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import msgspec

from projections.store import Tx

Handler = Callable[[dict[str, Any], Any, int], None]

_encoder = msgspec.json.Encoder()


def _encode(doc: Any) -> str:
    return _encoder.encode(doc).decode()


_decode = msgspec.json.Decoder().decode


class View(ABC):
    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]
    ddl: ClassVar[tuple[str, ...]]  # CREATE TABLE / INDEX … IF NOT EXISTS
    # Raise it when the rows change meaning or a table is added: the next start rebuilds the view.
    version: ClassVar[int] = 1

    def create(self, tx: Tx) -> None:
        for statement in self.ddl:
            tx.execute(statement)

    def clear(self, tx: Tx) -> None:
        for table in self.tables:
            tx.execute(f"DELETE FROM {table}")

    @abstractmethod
    def apply(self, tx: Tx, events: Sequence[tuple[int, Any]]) -> None:
        """Write the rows for these (position, event) pairs, oldest first."""


class DocumentView(View):
    table: ClassVar[str]
    columns: ClassVar[dict[str, str]]  # column -> SQL type, copied from the doc
    indexes: ClassVar[tuple[str, ...]] = ()
    handlers: ClassVar[dict[type, Handler]]
    # Lists a handler appends to that are not kept in the document but handed to `spill` as
    # rows (a history that grows without bound must not make every write re-encode it).
    spills: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.spills and cls.spill is DocumentView.spill:
            raise TypeError(f"{cls.__name__} declares spills {cls.spills} but no spill() to write them")
        if "table" in cls.__dict__:
            cols = ", ".join(f"{c} {t}" for c, t in cls.columns.items())
            cls.tables = (cls.table,)
            cls.ddl = (
                f"CREATE TABLE IF NOT EXISTS {cls.table} ("
                f"id TEXT PRIMARY KEY, position BIGINT NOT NULL, {cols}, doc TEXT NOT NULL)",
                *(f"CREATE INDEX IF NOT EXISTS ix_{cls.table}_{c} ON {cls.table} ({c})"
                  for c in cls.indexes),
            )
            cls._names = ("id", "position", *cls.columns, "doc")
            cls._types = ("TEXT", "BIGINT", *cls.columns.values(), "TEXT")
            updates = ", ".join(f"{c} = excluded.{c}" for c in cls._names[1:])
            cls._on_conflict = f"ON CONFLICT (id) DO UPDATE SET {updates}"

    def key(self, event: Any) -> str:
        return str(event.originator_id)

    def keys(self, event: Any) -> list[str]:
        """The rows an event touches (one by default; a session's event may touch
        every registrant's row). Handlers find their row's key in doc["id"]."""
        return [self.key(event)]

    def apply(self, tx: Tx, events: Sequence[tuple[int, Any]]) -> None:
        mine = [(pos, e) for pos, e in events if type(e) in self.handlers]
        if not mine:
            return
        docs = self._load(tx, {k for _, e in mine for k in self.keys(e)})
        touched: dict[str, int] = {}
        for pos, e in mine:
            handler = self.handlers[type(e)]
            for key in self.keys(e):
                handler(docs.setdefault(key, {"id": key}), e, pos)
                touched[key] = pos
        spilled = {name: [(key, entry) for key in touched for entry in docs[key].pop(name, None) or ()]
                   for name in self.spills}
        tx.insert_rows(self.table, self._names, [
            (key, pos, *self.column_values(docs[key]), _encode(docs[key]))
            for key, pos in touched.items()
        ], on_conflict=self._on_conflict, types=self._types)
        for name, entries in spilled.items():
            if entries:
                self.spill(tx, name, entries)
        self.derive(tx, {key: docs[key] for key in touched})

    def spill(self, tx: Tx, name: str, entries: list[tuple[str, Any]]) -> None:
        """Write the entries handlers appended to the `name` list, as (row key, entry). A view
        declaring `spills` overrides it (checked when the class is defined)."""

    def column_values(self, doc: dict[str, Any]) -> list[Any]:
        """The columns' values for a document (copied from it, unless a view computes some)."""
        return [doc.get(c) for c in self.columns]

    def derive(self, tx: Tx, docs: dict[str, dict[str, Any]]) -> None:
        """Write rows derived from the changed documents (a hook; none by default)."""

    def _load(self, tx: Tx, keys: set[str]) -> dict[str, dict[str, Any]]:
        docs: dict[str, dict[str, Any]] = {}
        ordered = sorted(keys)
        for i in range(0, len(ordered), 500):  # stay under bind-parameter limits
            chunk = ordered[i:i + 500]
            marks = ", ".join("?" for _ in chunk)
            for row in tx.fetchall(
                f"SELECT id, doc FROM {self.table} WHERE id IN ({marks})", chunk
            ):
                docs[row["id"]] = _decode(row["doc"])
        return docs


def decode_doc(raw: str) -> Any:
    return _decode(raw)


def encode(value: Any) -> str:
    """JSON text for a view column."""
    return _encode(value)
