"""Settings, from the environment only (README lists each with its default)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

SQLITE = "eventsourcing.sqlite"
POSTGRES = "eventsourcing.postgres"


def _get(env: dict[str, str], key: str, default: str | None = None) -> str | None:
    """`QIHUI_KEY` first, then the library's plain `KEY` (eventsourcing's rule)."""
    return env.get(f"QIHUI_{key}", env.get(key, default))


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    persistence_module: str
    store_env: dict[str, str]  # handed to the eventsourcing Application
    secret_key: bytes
    nats_url: str | None
    run_workers: bool
    scheduler_interval: float
    time_zone: ZoneInfo
    token_ttl_seconds: int
    rate_limit_sign_in: str  # "count/seconds" per client address
    rate_limit_apply: str
    dues_grace_days: int
    command_deadline: float  # seconds an HTTP command waits for the store before 503
    read_wait: float  # seconds a query with ?min_position= waits for its view before 503

    @property
    def is_postgres(self) -> bool:
        return self.persistence_module == POSTGRES

    @property
    def sqlite_path(self) -> str:
        return self.store_env["QIHUI_SQLITE_DBNAME"]

    def postgres_conninfo(self) -> str:
        e = self.store_env
        parts = {
            "host": _get(e, "POSTGRES_HOST", "127.0.0.1"),
            "port": _get(e, "POSTGRES_PORT", "5432"),
            "dbname": _get(e, "POSTGRES_DBNAME", "qihui"),
            "user": _get(e, "POSTGRES_USER", "qihui"),
            "password": _get(e, "POSTGRES_PASSWORD", ""),
            "connect_timeout": _get(e, "POSTGRES_CONNECT_TIMEOUT", "5"),
        }
        return " ".join(f"{k}='{v}'" for k, v in parts.items() if v)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        data_dir = Path(_get(env, "DATA_DIR", "./var") or "./var").resolve()
        module = _get(env, "PERSISTENCE_MODULE", SQLITE) or SQLITE
        store_env = {k: v for k, v in env.items()
                     if k.startswith(("QIHUI_", "POSTGRES_", "SQLITE_"))}
        store_env["QIHUI_PERSISTENCE_MODULE"] = module
        if module == SQLITE:
            data_dir.mkdir(parents=True, exist_ok=True)
            store_env["QIHUI_SQLITE_DBNAME"] = (_get(env, "SQLITE_DBNAME")
                                                or str(data_dir / "qihui.db"))
        else:
            # Fail fast instead of the library's 30 s connect timeout (STACK-NOTES).
            store_env.setdefault("QIHUI_POSTGRES_CONNECT_TIMEOUT", "5")
            store_env.setdefault("QIHUI_POSTGRES_POOL_SIZE", "4")
            store_env.setdefault("QIHUI_POSTGRES_MAX_OVERFLOW", "4")
        return cls(
            data_dir=data_dir,
            persistence_module=module,
            store_env=store_env,
            secret_key=_secret_key(env, data_dir),
            nats_url=_get(env, "NATS_URL") or None,
            run_workers=(_get(env, "RUN_WORKERS", "y") or "y").lower() in ("y", "yes", "1", "true"),
            scheduler_interval=float(_get(env, "SCHEDULER_INTERVAL", "15") or 15),
            time_zone=ZoneInfo(_get(env, "TIME_ZONE", "Asia/Shanghai") or "Asia/Shanghai"),
            token_ttl_seconds=int(_get(env, "TOKEN_TTL_SECONDS", "28800") or 28800),
            rate_limit_sign_in=_get(env, "RATE_LIMIT_SIGN_IN", "10/60") or "10/60",
            rate_limit_apply=_get(env, "RATE_LIMIT_APPLY", "20/3600") or "20/3600",
            dues_grace_days=int(_get(env, "DUES_GRACE_DAYS", "90") or 90),
            command_deadline=float(_get(env, "COMMAND_DEADLINE", "2") or 2),
            read_wait=float(_get(env, "READ_WAIT", "2") or 2),
        )


def _secret_key(env: dict[str, str], data_dir: Path) -> bytes:
    """From QIHUI_SECRET_KEY; the embedded default makes one under ./var once."""
    configured = _get(env, "SECRET_KEY")
    if configured:
        return configured.encode()
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()
