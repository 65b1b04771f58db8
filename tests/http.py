"""HTTP helpers: an in-process client, a real server on loopback, a signed-in staff."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import httpx
import uvicorn
from litestar import Litestar
from litestar.testing import TestClient

from domain.values import Actor
from service.accounts import create_account
from tests.servers import free_port

STAFF_PASSWORD = "correct-horse-battery"


def create_staff(platform, username: str = "secretary") -> None:
    platform.writer.execute(create_account(username, STAFF_PASSWORD, "staff", None,
                                           Actor(id="test", role="system")))


def login(client, username: str = "secretary", password: str = STAFF_PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@contextmanager
def in_process_client(app: Litestar) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@contextmanager
def live_server(app: Litestar, port: int | None = None) -> Iterator[str]:
    """Serve `app` with uvicorn on a loopback port (`port`, or a free one), as production would."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise TimeoutError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def http(base_url: str, **kwargs) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=30, **kwargs)


def ok(response, status: int = 200):
    """The answer's JSON, after checking its status (the body is shown when it is not)."""
    assert response.status_code == status, response.text
    return response.json()


def on(platform, day: date) -> None:
    """Move the platform's clock to noon of `day` in the association's time zone."""
    target = datetime(day.year, day.month, day.day, 12, 0, tzinfo=platform.clock.time_zone)
    platform.clock.offset = timedelta(0)
    platform.clock.offset = target - platform.clock.now()
