"""The key store: one AES-256 key per person, apart from the events and the views.

Personal fields are sealed with their person's key (service.personal). The keys
live here and nowhere else: a database file of their own on SQLite
(`$QIHUI_DATA_DIR/keys.db`, 0600), a schema of their own (`qihui_keys`) or a
database of their own on PostgreSQL (`QIHUI_KEYSTORE_*`). So a copy of the
event store, of the views or of the NATS stream holds no key, and the key
store has its own backup schedule (README, "Personal information").

- `create` makes a person's key if it is absent (inside the command that first
  needs it) and returns it; an erased person is never keyed again.
- While the writer holds new keys (`holding`), a key made for a person id minted just now
  stays in memory until `flush_held` writes the batch's keys in one transaction, before the
  batch's events are saved: one key-store round trip a batch, not one a registration. A key
  is always stored before any event sealed with it.
- `destroy` is idempotent: the key is overwritten by a tombstone (the row stays,
  key NULL, erased_at set), so the id can never be re-keyed.
- `scope` records whom a person belongs to (an organisation's id, or None): an
  organisation's command may only name persons of its own.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from projections.store import StoreUnavailable

log = logging.getLogger(__name__)

TABLE = "person_keys"
LEGACY_TABLE = "qihui_personal_keys"  # where keys lived before, beside the views


class KeyStoreUnavailable(StoreUnavailable):
    """The key store cannot be reached (the API answers 503, as for the views)."""


class PersonErased(Exception):
    """This person was erased: their id is tombstoned and is never keyed again."""

    def __init__(self, person_id: str):
        super().__init__(person_id)
        self.person_id = person_id


@dataclass(frozen=True)
class PersonRecord:
    person_id: str
    scope: str | None
    erased: bool


def _now() -> str:
    return datetime.now(UTC).isoformat()


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


class KeyStore(ABC):
    """Where person keys live. Every method is safe to call from any thread."""

    location: str  # for messages and `/ready`: the file or the schema, never a password
    _holding: threading.local  # per thread: the new keys a batch holds (each backend's __init__ makes it)

    # -- the primitives each backend implements ---------------------------------------------------
    @abstractmethod
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    @abstractmethod
    def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    @property
    @abstractmethod
    def table(self) -> str: ...

    def _after_destroy(self) -> None:  # noqa: B027 (optional hook: purge old copies of the page)
        pass

    def close(self) -> None:  # noqa: B027
        pass

    def _insert_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        for row in rows:  # a backend may do better in one round trip
            self._execute(sql, row)

    # -- keys made inside the writer's batch -----------------------------------------------------------
    @property
    def _held(self) -> dict[str, tuple[str | None, bytes]] | None:
        return getattr(self._holding, "keys", None)

    @contextmanager
    def holding(self) -> Iterator[None]:
        """This thread's new keys wait for `flush_held` (the writer, for one batch)."""
        self._holding.keys = {}
        try:
            yield
        finally:
            self._holding.keys = None

    def forget_held(self) -> None:
        """Keys made by commands that were undone (the batch runs again): never stored."""
        if self._held is not None:
            self._held.clear()

    def flush_held(self) -> None:
        """Store the keys held so far, in one transaction; then the events sealed with them."""
        held = self._held
        if held:
            now = _now()
            self._insert_many(f"INSERT INTO {self.table} (person_id, scope, key, created_at) VALUES (?, ?, ?, ?)",
                              [(person_id, scope, key, now) for person_id, (scope, key) in held.items()])
            held.clear()

    # -- the interface --------------------------------------------------------------------------------
    def create(self, person_id: str, scope: str | None, *, minted: bool = False) -> bytes:
        """The person's key, made now if absent. Raises PersonErased for a tombstoned id.
        `minted`: the id was made just now (uuid4), so no row can hold it: while holding,
        the key waits in memory for `flush_held`."""
        held = self._held
        if held is not None:
            if person_id in held:
                return held[person_id][1]
            if minted:
                key = new_key()
                held[person_id] = (scope, key)
                return key
        self._execute(f"INSERT INTO {self.table} (person_id, scope, key, created_at) VALUES (?, ?, ?, ?) "
                      "ON CONFLICT (person_id) DO NOTHING", (person_id, scope, new_key(), _now()))
        rows = self._fetchall(f"SELECT key FROM {self.table} WHERE person_id = ?", (person_id,))
        key = rows[0][0] if rows else None
        if key is None:
            raise PersonErased(person_id)
        return bytes(key)

    def lookup(self, person_id: str) -> PersonRecord | None:
        """Whom the person belongs to and whether they were erased (None: never keyed here)."""
        held = self._held
        if held and person_id in held:
            return PersonRecord(person_id, held[person_id][0], False)
        rows = self._fetchall(f"SELECT scope, erased_at FROM {self.table} WHERE person_id = ?", (person_id,))
        if not rows:
            return None
        return PersonRecord(person_id, rows[0][0], rows[0][1] is not None)

    def keys_of(self, person_ids: Iterable[str]) -> dict[str, bytes]:
        """The live keys of these persons (erased and unknown ones are absent)."""
        wanted = sorted(set(person_ids))
        found: dict[str, bytes] = {}
        held = self._held
        if held:
            found.update({p: held[p][1] for p in wanted if p in held})
            wanted = [p for p in wanted if p not in held]
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            marks = ", ".join("?" for _ in chunk)
            for person_id, key in self._fetchall(
                    f"SELECT person_id, key FROM {self.table} WHERE person_id IN ({marks}) AND key IS NOT NULL",
                    chunk):
                found[person_id] = bytes(key)
        return found

    def get(self, person_id: str) -> bytes | None:
        return self.keys_of([person_id]).get(person_id)

    def destroy(self, person_id: str, scope: str | None = None) -> bool:
        """Erase the person's key for good (idempotent): the row becomes a tombstone, an
        unknown id gets one, so nobody can key that id again. True when a live key went now."""
        live = bool(self._fetchall(f"SELECT 1 FROM {self.table} WHERE person_id = ? AND key IS NOT NULL",
                                   (person_id,)))
        self._execute(
            f"INSERT INTO {self.table} AS k (person_id, scope, key, created_at, erased_at) "
            "VALUES (?, ?, NULL, ?, ?) ON CONFLICT (person_id) DO UPDATE SET key = NULL, "
            "erased_at = COALESCE(k.erased_at, excluded.erased_at)",
            (person_id, scope, _now(), _now()))
        if live:
            self._after_destroy()
        return live

    def adopt(self, person_id: str, key: bytes, scope: str | None = None) -> None:
        """A key made elsewhere (the migration from the views database); never over a tombstone."""
        self._execute(f"INSERT INTO {self.table} (person_id, scope, key, created_at) VALUES (?, ?, ?, ?) "
                      "ON CONFLICT (person_id) DO NOTHING", (person_id, scope, key, _now()))

    def counts(self) -> dict[str, int]:
        rows = self._fetchall(f"SELECT COUNT(*), COUNT(key) FROM {self.table}")
        total, live = rows[0]
        return {"persons": int(total), "live": int(live), "erased": int(total) - int(live)}


# -- SQLite: a file of its own ---------------------------------------------------------------------
class SQLiteKeyStore(KeyStore):
    """`keys.db` beside (never inside) the events' database. `secure_delete` overwrites a
    destroyed key's bytes, and the WAL is truncated after each destruction, so no old
    page keeps it."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.location = str(self.path)
        self._holding = threading.local()
        _private_file(self.path)
        try:
            self._conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                         timeout=10)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA secure_delete=ON")
            self._conn.execute("PRAGMA busy_timeout=10000")
            self._conn.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (person_id TEXT PRIMARY KEY, scope TEXT, key BLOB, "
                "created_at TEXT NOT NULL, erased_at TEXT)")
        except sqlite3.Error as exc:
            raise KeyStoreUnavailable(f"{self.path}: {exc}") from exc
        _private_file(self.path)
        self._lock = threading.Lock()

    @property
    def table(self) -> str:
        return TABLE

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self._lock:
            try:
                self._conn.execute(sql, tuple(params))
            except sqlite3.Error as exc:
                raise KeyStoreUnavailable(str(exc)) from exc

    def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as exc:
                raise KeyStoreUnavailable(str(exc)) from exc

    def _insert_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.executemany(sql, [tuple(r) for r in rows])
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise KeyStoreUnavailable(str(exc)) from exc

    def _after_destroy(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._conn.close()


def _private_file(path: Path) -> None:
    """Created 0600 before SQLite opens it; its WAL and shared-memory files tightened too."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)
        except OSError:
            pass


# -- PostgreSQL: a schema (or a database) of its own ----------------------------------------------------
class PostgresKeyStore(KeyStore):
    """Schema `qihui_keys` (by default in the events' database; `QIHUI_KEYSTORE_DBNAME` and
    the other `QIHUI_KEYSTORE_*` settings move it to a database or server of its own)."""

    def __init__(self, conninfo: str, schema: str = "qihui_keys", *, pool_size: int = 4):
        import psycopg
        from psycopg_pool import ConnectionPool, PoolTimeout

        if not schema.isidentifier():
            raise ValueError(f"QIHUI_KEYSTORE_SCHEMA: {schema!r} is not a plain SQL name")
        self.schema = schema
        self.conninfo = conninfo
        self._holding = threading.local()
        self.location = f"schema {schema} ({_without_password(conninfo)})"
        self._psycopg = psycopg
        self._pool_timeout = PoolTimeout
        self.pool = ConnectionPool(conninfo, min_size=1, max_size=pool_size, open=False, timeout=5,
                                   kwargs={"autocommit": False}, name="qihui-keys")
        self.pool.open(wait=False)
        with self._cursor() as cur:
            # Several processes may start at once: one creates the schema, the others wait.
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"qihui keystore {schema}",))
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            cur.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (person_id TEXT PRIMARY KEY, scope TEXT, "
                        "key BYTEA, created_at TEXT NOT NULL, erased_at TEXT)")

    @property
    def table(self) -> str:
        return f"{self.schema}.{TABLE}"

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        try:
            with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                yield cur
        except (self._psycopg.OperationalError, self._pool_timeout) as exc:
            raise KeyStoreUnavailable(str(exc)) from exc

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self._cursor() as cur:
            cur.execute(sql.replace("?", "%s"), tuple(params))

    def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._cursor() as cur:
            cur.execute(sql.replace("?", "%s"), tuple(params))
            return list(cur.fetchall())

    def _insert_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), [tuple(r) for r in rows])

    def _after_destroy(self) -> None:
        """Reclaim the old row version now rather than whenever autovacuum comes by."""
        try:
            with self._psycopg.connect(self.conninfo, autocommit=True) as conn:
                conn.execute(f"VACUUM {self.table}")
        except self._psycopg.Error as exc:
            log.warning("key store: VACUUM after an erasure failed (%s); autovacuum will reclaim it", exc)

    def close(self) -> None:
        self.pool.close()


def _without_password(conninfo: str) -> str:
    return " ".join(part for part in conninfo.split() if not part.startswith("password="))


# -- wiring ---------------------------------------------------------------------------------------------------
def open_keystore(settings: Any) -> KeyStore:
    """The key store the settings name (qihui.settings: QIHUI_KEYSTORE_*)."""
    if settings.is_postgres:
        return PostgresKeyStore(settings.keystore_conninfo(), settings.keystore_schema)
    return SQLiteKeyStore(settings.keystore_path)


def adopt_legacy_keys(views: Any, keys: KeyStore) -> int:
    """Keys kept beside the views before the key store existed (`qihui_personal_keys`) move
    into the key store once; the old table is then emptied and dropped, and never read
    again. A person erased meanwhile stays erased. Returns how many keys moved."""
    import base64

    with views.read() as tx:
        if not _legacy_present(tx, views.dialect):
            return 0
        rows = tx.fetchall(f"SELECT subject_id, key_b64 FROM {LEGACY_TABLE}")
    for row in rows:
        if row["key_b64"]:
            keys.adopt(row["subject_id"], base64.b64decode(row["key_b64"]))
    with views.transaction() as tx:
        if views.dialect == "sqlite":  # overwrite the old keys' bytes, not merely free their pages
            tx.execute("PRAGMA secure_delete=ON")
        # IF EXISTS: another process starting at the same time may have moved them first.
        if _legacy_present(tx, views.dialect):
            tx.execute(f"DELETE FROM {LEGACY_TABLE}")
        tx.execute(f"DROP TABLE IF EXISTS {LEGACY_TABLE}")
        if views.dialect == "sqlite":
            tx.execute("PRAGMA secure_delete=OFF")
    if rows:
        log.info("moved %d person keys from %s into the key store (%s)", len(rows), LEGACY_TABLE, keys.location)
    return len(rows)


def _legacy_present(tx: Any, dialect: str) -> bool:
    if dialect == "postgres":
        return bool(tx.scalar("SELECT to_regclass(?) IS NOT NULL", (LEGACY_TABLE,)))
    return bool(tx.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (LEGACY_TABLE,)))
