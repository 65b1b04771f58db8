"""Read-model storage: one small interface, one implementation per backend.

Views live in the same database as the events. SQL is written once with `?`
placeholders and portable types (TEXT, BIGINT, INTEGER); the PostgreSQL
implementation translates the placeholders. Each view's position in the
notification log lives in `qihui_tracking` and is advanced in the same
transaction as the view's rows, with a compare-and-set so that two runners
(or a rebuild racing a projector) can never apply the same events twice.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

SCHEMA_LOCK = 0x7169687569  # "qihui" in ASCII: the advisory lock key of schema set-up
# Shared counters of the rate limits (api.ratelimit): one row per (door, client), its window's start
# (seconds since the epoch) and the requests counted in it, so every API replica counts the same.
RATE_DDL = "CREATE TABLE IF NOT EXISTS qihui_rate_hits (key TEXT PRIMARY KEY, started DOUBLE PRECISION NOT NULL, " \
           "hits INTEGER NOT NULL)"
VERSIONS_DDL = "CREATE TABLE IF NOT EXISTS qihui_view_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS qihui_tracking ("
    "name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
)


class StoreUnavailable(Exception):
    """The database cannot be reached (the API answers 503)."""


class TrackingConflict(Exception):
    """Another runner moved this view's position first; nothing was written."""


class Tx(ABC):
    """One transaction's cursor, with rows as dicts."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the number of rows it changed."""

    @abstractmethod
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    @abstractmethod
    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                    on_conflict: str = "", types: Sequence[str] | None = None) -> None:
        """Many rows in few multi-row INSERT statements (far fewer round trips
        than executemany); `on_conflict` is appended as it stands. `types`
        (SQL types per column) let a backend send columns as arrays."""
        per_statement = max(1, 30_000 // len(columns))  # under both backends' bind limits
        one = "(" + ", ".join("?" for _ in columns) + ")"
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        for i in range(0, len(rows), per_statement):
            chunk = rows[i:i + per_statement]
            self.execute(head + ", ".join(one for _ in chunk) + (f" {on_conflict}" if on_conflict else ""),
                         [value for row in chunk for value in row])

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self.fetchall(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.fetchone(sql, params)
        return next(iter(row.values())) if row else None


class ViewDatabase(ABC):
    dialect: str

    @abstractmethod
    def transaction(self) -> Any:
        """Context manager: a write transaction (committed on success)."""

    @abstractmethod
    def read(self) -> Any:
        """Context manager: a read-only view of the latest committed state."""

    def close(self) -> None:  # noqa: B027 (optional hook)
        pass

    # -- tracking ----------------------------------------------------------------
    def ensure_tracking(self, names: Iterable[str]) -> None:
        with self.transaction() as tx:
            tx.execute(TRACKING_DDL)
            tx.execute(RATE_DDL)
            for name in names:
                tx.execute(
                    "INSERT INTO qihui_tracking (name, position) VALUES (?, 0) "
                    "ON CONFLICT (name) DO NOTHING",
                    (name,),
                )

    def positions(self, names: Sequence[str] | None = None) -> dict[str, int]:
        with self.read() as tx:
            rows = tx.fetchall("SELECT name, position FROM qihui_tracking")
        found = {r["name"]: int(r["position"]) for r in rows}
        if names is None:
            return found
        return {n: found.get(n, 0) for n in names}

    @staticmethod
    def advance(tx: Tx, name: str, old: int, new: int) -> None:
        """Move a view from `old` to `new` inside the caller's transaction."""
        changed = tx.execute(
            "UPDATE qihui_tracking SET position = ? WHERE name = ? AND position = ?",
            (new, name, old),
        )
        if changed != 1:
            raise TrackingConflict(name)

    def count_hit(self, key: str, now: float, window: float) -> tuple[float, int]:
        """Count one request under `key` in a fixed window of `window` seconds: the window's
        start and the requests in it, this one included (one atomic statement)."""
        with self.transaction() as tx:
            row = tx.fetchone(
                "INSERT INTO qihui_rate_hits (key, started, hits) VALUES (?, ?, 1) ON CONFLICT (key) DO UPDATE SET "
                "hits = CASE WHEN ? - qihui_rate_hits.started >= ? THEN 1 ELSE qihui_rate_hits.hits + 1 END, "
                "started = CASE WHEN ? - qihui_rate_hits.started >= ? THEN ? ELSE qihui_rate_hits.started END "
                "RETURNING started, hits", (key, now, now, window, now, window, now))
        assert row is not None
        return float(row["started"]), int(row["hits"])

    @staticmethod
    def reset(tx: Tx, name: str) -> None:
        tx.execute("UPDATE qihui_tracking SET position = 0 WHERE name = ?", (name,))

    def settle(self, tables: Sequence[str]) -> None:  # noqa: B027 (optional: SQLite needs nothing)
        """After a bulk load (a rebuild), what the database's own upkeep would do later: fresh
        planner statistics, and on PostgreSQL the visibility map, without which an index-only
        scan (the roster's counts) visits the table's rows too."""

    def schema_lock(self) -> AbstractContextManager[None]:
        """Held while the schema is set up, so that processes starting together take turns
        (SQLite: one process has the file; PostgreSQL: an advisory lock)."""
        return nullcontext()

    @staticmethod
    def changed_versions(tx: Tx, versions: Mapping[str, int]) -> list[str]:
        """The views whose definition changed since their rows were written (their stored
        version differs; a view tracked before versions were kept counts as version 1);
        the new versions are recorded."""
        tx.execute(VERSIONS_DDL)
        stored = {r["name"]: int(r["version"]) for r in tx.fetchall("SELECT name, version FROM qihui_view_versions")}
        tracked = {r["name"]: int(r["position"]) for r in tx.fetchall("SELECT name, position FROM qihui_tracking")}
        changed = [name for name, version in versions.items()
                   if stored.get(name, 1) != version and tracked.get(name, 0) > 0]
        for name, version in versions.items():
            if stored.get(name) != version:
                tx.execute("INSERT INTO qihui_view_versions (name, version) VALUES (?, ?) "
                           "ON CONFLICT (name) DO UPDATE SET version = excluded.version", (name, version))
        return changed


# -- SQLite ----------------------------------------------------------------------
class _SQLiteTx(Tx):
    def __init__(self, cur: sqlite3.Cursor):
        self.cur = cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.cur.execute(sql, tuple(params))
        return self.cur.rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.cur.executemany(sql, rows)

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self.cur.execute(sql, tuple(params))
        names = [d[0] for d in self.cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in self.cur.fetchall()]


class SQLiteViews(ViewDatabase):
    """One connection per thread; WAL lets readers run beside the writer."""

    dialect = "sqlite"

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, uri=self.path.startswith("file:"),
                                       isolation_level=None, check_same_thread=False, timeout=10)
            except sqlite3.Error as exc:
                raise StoreUnavailable(str(exc)) from exc
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=10000")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        conn = self._conn()
        cur = conn.cursor()
        # IMMEDIATE: take the write lock up front instead of failing on upgrade.
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield _SQLiteTx(cur)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            cur.close()

    @contextmanager
    def read(self) -> Iterator[Tx]:
        conn = self._conn()
        cur = conn.cursor()
        cur.execute("BEGIN")  # one consistent snapshot for the whole read
        try:
            yield _SQLiteTx(cur)
        finally:
            conn.execute("ROLLBACK")
            cur.close()

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
        self._local = threading.local()


# -- PostgreSQL ------------------------------------------------------------------
class _PostgresTx(Tx):
    def __init__(self, cur: Any):
        self.cur = cur

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.cur.execute(self._sql(sql), tuple(params))
        return self.cur.rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.cur.executemany(self._sql(sql), list(rows))

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self.cur.execute(self._sql(sql), tuple(params))
        return list(self.cur.fetchall())

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                    on_conflict: str = "", types: Sequence[str] | None = None) -> None:
        if types is None:
            super().insert_rows(table, columns, rows, on_conflict)
            return
        # One array per column, unnested server-side: a short statement psycopg
        # parses once, whatever the number of rows (long VALUES lists are slow
        # to build and parse).
        arrays = ", ".join(f"%b::{t}[]" for t in types)  # binary: no text escaping
        sql = (f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
               + (f" {on_conflict}" if on_conflict else ""))
        for i in range(0, len(rows), 10_000):
            chunk = rows[i:i + 10_000]
            self.cur.execute(sql, [list(col) for col in zip(*chunk, strict=True)])


class PostgresViews(ViewDatabase):
    dialect = "postgres"

    def __init__(self, conninfo: str, *, pool_size: int = 4, connect_timeout: float = 1.5):
        import psycopg
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool, PoolTimeout

        self._psycopg = psycopg
        self._pool_timeout = PoolTimeout
        self.pool = ConnectionPool(
            conninfo, min_size=1, max_size=pool_size, open=False, timeout=connect_timeout,
            kwargs={"row_factory": dict_row, "autocommit": False}, name="qihui-views",
        )
        self.pool.open(wait=False)

    @contextmanager
    def _cursor(self) -> Iterator[Tx]:
        try:
            with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                yield _PostgresTx(cur)
        except (self._psycopg.OperationalError, self._pool_timeout) as exc:
            raise StoreUnavailable(str(exc)) from exc

    def transaction(self) -> Any:
        return self._cursor()

    def read(self) -> Any:
        return self._cursor()

    def close(self) -> None:
        self.pool.close()

    def settle(self, tables: Sequence[str]) -> None:
        with self._psycopg.connect(self.pool.conninfo, autocommit=True) as conn:  # VACUUM: no transaction
            for table in tables:
                conn.execute(f"VACUUM (ANALYZE) {table}")

    @contextmanager
    def schema_lock(self) -> Iterator[None]:
        # A session lock on a connection of its own: it spans the event store's set-up too,
        # which runs on the application's connections (issue 21: racing starts).
        try:
            conn = self._psycopg.connect(self.pool.conninfo, autocommit=True, connect_timeout=10)
        except self._psycopg.OperationalError as exc:
            raise StoreUnavailable(str(exc)) from exc
        with conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
