"""Shared set-up for benchmarks: a fresh store on either backend, filled fast."""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from domain.organisations import Organisation
from domain.unique import UniqueClaim
from domain.values import Actor
from qihui.bootstrap import Platform, bootstrap
from qihui.settings import Settings
from tests.factories import application
from tests.servers import PostgresServer

STAFF = Actor(id="bench", role="staff")
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")


@contextmanager
def fresh_platform(backend: str) -> Iterator[Platform]:
    with tempfile.TemporaryDirectory(prefix="qihui-bench-") as tmp:
        env = {"QIHUI_DATA_DIR": str(Path(tmp) / "var"), "QIHUI_SECRET_KEY": "bench"}
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
            fields = {**application(), "effective_on": date(2016, 1, 1)}
            org = Organisation.apply(actor=Actor.public(), **fields)
            if i % 3:
                org.admit(tier="member", note=None, effective_on=date(2016, 3, 31), actor=STAFF)
            claim = UniqueClaim(kind="credit_code", value=org.credit_code, owner_id=org.id,
                                actor=Actor.public())
            aggregates += [org, claim]
        stored += len(platform.app.save(*aggregates))
    return stored
