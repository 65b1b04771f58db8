"""Shared set-up for benchmarks: a fresh store on either backend, filled fast."""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from domain.organisations import Organisation
from domain.unique import UniqueClaim
from domain.values import Actor
from qihui.bootstrap import Platform, bootstrap
from qihui.settings import Settings
from tests.factories import application
from tests.servers import PostgresServer

STAFF = Actor(id="bench", role="staff")
SECRET_KEY = "bench-secret-key-0123456789abcdef-tokens"  # at least 32 bytes
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")


@contextmanager
def fresh_platform(backend: str) -> Iterator[Platform]:
    with tempfile.TemporaryDirectory(prefix="qihui-bench-") as tmp:
        env = {"QIHUI_DATA_DIR": str(Path(tmp) / "var"), "QIHUI_SECRET_KEY": SECRET_KEY}
        server = None
        if backend == "postgres":
            server = PostgresServer().start()
            server.create_database("bench")
            env.update(server.env("bench"))
        platform = bootstrap(Settings.from_env(env))
        try:
            yield platform
        finally:
            platform.close()
            if server is not None:
                server.stop()


def fill_members(platform: Platform, organisations: int, chunk: int = 500) -> int:
    """Applications (each with its credit-code claim) and admissions for two
    thirds of them, saved in big transactions. Returns events stored."""
    stored = 0
    for start in range(0, organisations, chunk):
        aggregates = []
        for i in range(start, min(start + chunk, organisations)):
            # Applications spread over 2016-2019, as the seed's roster grew 63 -> 490.
            applied_on = date(2016, 1, 1) + timedelta(days=i * 1400 // max(organisations, 1))
            fields = {**application(), "effective_on": applied_on}
            org = Organisation.apply(actor=Actor.public(), **fields)
            if i % 3:
                org.admit(tier="member" if i % 7 else "council", note=None,
                          effective_on=applied_on + timedelta(days=30), actor=STAFF)
                if i % 5 == 0:
                    org.change_libraries(add=["high_tech"], remove=[], effective_on=applied_on + timedelta(days=60),
                                         actor=STAFF, reason=None)
            claim = UniqueClaim(kind="credit_code", value=org.credit_code, owner_id=org.id,
                                actor=Actor.public())
            aggregates += [org, claim]
        stored += len(platform.app.save(*aggregates))
    return stored


@contextmanager
def store(backend: str) -> Iterator[tuple[dict[str, str], PostgresServer | None]]:
    """An empty store's environment (and the PostgreSQL server behind it)."""
    with tempfile.TemporaryDirectory(prefix="qihui-bench-") as tmp:
        env = {"QIHUI_DATA_DIR": str(Path(tmp) / "var"), "QIHUI_SECRET_KEY": SECRET_KEY,
               "QIHUI_RATE_LIMIT_SIGN_IN": "1000/1", "QIHUI_RATE_LIMIT_APPLY": "1000000/1",
               **({"QIHUI_RUN_WORKERS": os.environ["BENCH_RUN_WORKERS"]} if "BENCH_RUN_WORKERS" in os.environ else {})}
        server = None
        if backend == "postgres":
            server = PostgresServer().start()
            server.create_database("bench")
            env.update(server.env("bench"))
        try:
            yield env, server
        finally:
            if server is not None:
                server.stop()


@contextmanager
def api_process(env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """`qihui serve` in its own process (the load generator must not share its CPU time)."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    if port is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    qihui = str(Path(sys.executable).parent / "qihui")
    proc = subprocess.Popen([qihui, "serve", "--port", str(port)], env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Distributed shape: with QIHUI_RUN_WORKERS=n the projector is its own process.
    projector = None
    if env.get("QIHUI_RUN_WORKERS") == "n":
        projector = subprocess.Popen([qihui, "worker", "projector"], env={**os.environ, **env},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        else:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "qihui serve did not start")
        yield url
    finally:
        for process in (proc, projector):
            if process is not None:
                process.terminate()
                process.wait(15)


def staff_token(platform: Platform, url: str) -> dict[str, str]:
    import time

    import httpx

    from service.accounts import create_account

    platform.writer.execute(create_account("bench", "bench-password", "staff", None, STAFF))
    for _ in range(120):  # the API's projector may still be catching up with the filled store
        r = httpx.post(f"{url}/api/v1/auth/login", json={"username": "bench", "password": "bench-password"},
                       timeout=30)
        if r.status_code != 503:
            break
        time.sleep(0.5)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def trainings(platform: Platform, url: str, headers: dict[str, str], count: int) -> list[str]:
    """`count` trainings a week ahead with room for everyone: the registrations' targets."""
    import httpx

    start = platform.clock.now() + timedelta(days=7)
    return [httpx.post(f"{url}/api/v1/sessions", headers=headers, timeout=30, json={
        "kind": "training", "title": f"小灶班 {i}", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(), "venue": "协会", "capacity": 100_000,
        "registration_closes_at": start.isoformat()}).json()["id"] for i in range(count)]
