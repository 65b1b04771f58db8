"""Leadership for the singletons (the scheduler, the relay): one instance works, any other
waits as a hot standby and takes over within about `interval` seconds of the first one's
death (issue 21).

PostgreSQL: a session advisory lock held on a connection of the lease's own; the server
lets go of it when that connection ends, which a killed process's does. SQLite (one
machine): an exclusive lock on a file beside the data, which the kernel drops with the
process. A leader that loses its lock (the connection broke) stops working at once and
goes back to waiting.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import zlib
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class _PostgresLock:
    def __init__(self, conninfo: str, key: int):
        self.conninfo, self.key, self.conn = conninfo, key, None

    def try_acquire(self) -> bool:
        import psycopg

        try:
            if self.conn is None or self.conn.closed:
                self.conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=3)
            return bool(self.conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0])
        except psycopg.Error as exc:
            log.info("lease: database not reachable (%s)", exc)
            self.release()
            return False

    def still_held(self) -> bool:
        import psycopg

        try:
            row = self.conn.execute(  # type: ignore[union-attr]
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND objid = (%s::bigint & 4294967295) AND granted", (self.key,)).fetchone()
            return row is not None
        except (psycopg.Error, AttributeError):
            return False

    def release(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
        self.conn = None


class _FileLock:
    def __init__(self, path: str):
        self.path, self.fd = path, None

    def try_acquire(self) -> bool:
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def still_held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)  # closing the file drops the lock
        self.fd = None


def _lock(settings: Any, name: str) -> Any:
    if settings.is_postgres:
        return _PostgresLock(settings.postgres_conninfo(), zlib.crc32(f"qihui-lease:{name}".encode()))
    return _FileLock(str(settings.data_dir / f"{name}.lease"))


def lead(settings: Any, name: str, stop: threading.Event, work: Callable[[threading.Event], None],
         interval: float = 1.0) -> None:
    """Run `work(until)` whenever this process holds the `name` lease, until `stop`. `until` is
    set when the lease is lost or `stop` is; `work` returns then and the wait starts again."""
    lock = _lock(settings, name)
    announced = False
    try:
        while not stop.is_set():
            if not lock.try_acquire():
                if not announced:
                    log.warning("%s: another instance leads; standing by", name)
                    announced = True
                stop.wait(interval)
                continue
            log.warning("%s: leading (pid %s)", name, os.getpid())
            announced = False
            until = threading.Event()

            def watch(lost: threading.Event = until) -> None:
                while not lost.is_set() and not stop.wait(interval):
                    if not lock.still_held():
                        log.error("%s: lease lost; stopping work", name)
                        break
                lost.set()

            watcher = threading.Thread(target=watch, name=f"qihui-lease-{name}", daemon=True)
            watcher.start()
            try:
                work(until)
            finally:
                until.set()
                watcher.join(timeout=interval * 2)
                lock.release()
    finally:
        lock.release()
