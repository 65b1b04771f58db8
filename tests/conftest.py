"""Fixtures: real servers once per run, a fresh store per test, on both backends."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from qihui.bootstrap import Platform, bootstrap
from qihui.settings import Settings
from tests.http import create_staff, in_process_client, login
from tests.servers import NatsServer, PostgresServer

_db_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def nats() -> Iterator[NatsServer]:
    server = NatsServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def store_env(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """Environment for a brand-new, empty store on the chosen backend."""
    env = {"QIHUI_DATA_DIR": str(tmp_path / "var"),
           # Keys of at least 32 bytes (shorter ones are refused); the chain's is not the token key.
           "QIHUI_SECRET_KEY": "test-secret-key-0123456789abcdef-tokens",
           "QIHUI_CHAIN_KEY": "test-chain-key-0123456789abcdef-hash-chain",
           # Tests post from one address; the rate-limit tests set their own limits.
           "QIHUI_RATE_LIMIT_SIGN_IN": "100000/60", "QIHUI_RATE_LIMIT_APPLY": "100000/60",
           # Tests move the clock by days; tokens outlive that (expiry has its own test).
           "QIHUI_TOKEN_TTL_SECONDS": str(60 * 86400),
           # Tests tick the scheduler themselves (workers.scheduler.tick) after moving the clock.
           "QIHUI_SCHEDULER_INTERVAL": "3600",
           # A loaded CI machine may need more than the default two seconds to catch up.
           "QIHUI_READ_WAIT": "15"}
    if backend == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres")
        name = f"qihui_test_{next(_db_numbers)}"
        server.create_database(name)
        env.update(server.env(name))
    return env


@pytest.fixture
def make_platform(store_env: dict[str, str]) -> Iterator[Any]:
    """Build platforms on the test's store (several = several processes' worth)."""
    made: list[Platform] = []

    def make(**extra: str) -> Platform:
        platform = bootstrap(Settings.from_env({**store_env, **extra}))
        made.append(platform)
        return platform

    yield make
    for platform in made:
        platform.close()


@pytest.fixture
def platform(make_platform: Any) -> Platform:
    return make_platform()


@pytest.fixture
def client(platform: Platform) -> Iterator[Any]:
    """An HTTP client on the platform, with one staff account ("secretary")."""
    create_staff(platform)
    with in_process_client(create_app(platform)) as client:
        yield client


@pytest.fixture
def staff(client: Any) -> dict[str, str]:
    """The staff account's Authorization header."""
    return login(client)
