"""The database stopped: the API answers 503 with Retry-After within about two
seconds instead of hanging, and serves again when the database is back, without
a restart (QUALITY.md, Reliability). PostgreSQL only: SQLite is a local file."""

import time

import httpx
import pytest

from api.app import create_app
from qihui.bootstrap import bootstrap
from qihui.settings import Settings
from tests.factories import application
from tests.http import create_staff, live_server, login
from tests.servers import PostgresServer


@pytest.fixture
def own_postgres():
    server = PostgresServer().start()  # its own server: this test stops it
    server.create_database("outage")
    yield server
    server.stop()


def test_a_stopped_database_gives_503_fast_and_recovery_needs_no_restart(own_postgres, tmp_path):
    env = {"QIHUI_DATA_DIR": str(tmp_path), "QIHUI_SECRET_KEY": "outage-test-secret-key-0123456789abcdef",
           "QIHUI_RATE_LIMIT_APPLY": "1000/1",
           **own_postgres.env("outage")}
    platform = bootstrap(Settings.from_env(env))
    create_staff(platform)
    try:
        with live_server(create_app(platform)) as url, httpx.Client(base_url=url, timeout=30) as client:
            staff = login(client)
            assert client.post("/api/v1/members", json=application()).status_code == 201
            own_postgres.halt()
            for method, path, body, headers in (
                    ("POST", "/api/v1/members", application(), {}),
                    ("GET", "/api/v1/members", None, staff),
                    ("GET", "/ready", None, {})):
                started = time.monotonic()
                r = client.request(method, path, json=body, headers=headers)
                elapsed = time.monotonic() - started
                assert r.status_code == 503, (path, r.text)
                assert r.headers["retry-after"] and r.headers["content-type"].startswith("application/problem")
                assert elapsed < 2.5, (path, elapsed)
            own_postgres.resume()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if client.post("/api/v1/members", json=application()).status_code == 201:
                    break
                time.sleep(0.5)
            else:
                pytest.fail("the API did not recover after the database came back")
            assert client.get("/api/v1/members", headers=staff).status_code == 200
    finally:
        platform.close()
