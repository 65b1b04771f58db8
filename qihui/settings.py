"""Settings, from the environment only (README lists each with its default)."""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

SQLITE = "eventsourcing.sqlite"
POSTGRES = "eventsourcing.postgres"

# Sixty sign-ins a minute per client address: an office of fifty colleagues
# behind one NAT address can all sign in within a minute, with room for a few
# mistyped passwords. Guessing one account is bounded separately (per account
# and address, domain.accounts.FREE_FAILURES).
DEFAULT_RATE_LIMIT_SIGN_IN = "60/60"


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
    # Reverse proxies whose X-Forwarded-For is believed: addresses or CIDR networks.
    trusted_proxies: tuple[str, ...] = ()
    # The writer's cache of aggregates holds at most this many events folded in all (its size, roughly)
    cache_events: int = 1_000_000
    # `qihui serve` with workers: the projector as a child process (the second core), not a thread
    projector_process: bool = True
    # This API replica's address as the other replicas reach it (QIHUI_REPLICA_URL, e.g.
    # http://api-1:8000): with NATS, each aggregate's commands then go to one replica (api.ownership).
    replica_url: str | None = None
    # Matchmaking: days after a need's deadline (or its closure request) within which its
    # enterprise must have feedback before the need counts in the backlog (seed 003: 100 %反馈).
    needs_feedback_days: int = 30
    # The hash chain's keys from QIHUI_CHAIN_KEYS_RETIRED and QIHUI_CHAIN_KEY (oldest first;
    # empty: the key ring under chain_key_dir alone), never the token key.
    chain_keys: tuple[bytes, ...] = ()
    chain_key_dir: Path | None = None
    anchor_interval: float = 3600.0  # seconds between the scheduler's anchors of the chain head
    # Person keys (PIPL), apart from the events and views: SQLite, a file of their own;
    # PostgreSQL, a schema of their own (QIHUI_KEYSTORE_*: another database or server).
    keystore_path: Path | None = None
    keystore_schema: str = "qihui_keys"
    # Notice channels (workers.notifier): each is off until configured, and GET /ready says so.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None
    smtp_tls: str = "starttls"  # none, starttls or ssl
    smtp_ca_file: str | None = None  # certificates to trust beside the system's (a private relay's)
    sms_url: str | None = None
    sms_key: str | None = None
    sms_secret: str | None = None
    sms_sign: str = "企会"
    sms_templates: tuple[tuple[str, str], ...] = ()  # kind -> the gateway's approved template code
    wechat_api: str = "https://api.weixin.qq.com"
    wechat_appid: str | None = None
    wechat_secret: str | None = None
    wechat_templates: tuple[tuple[str, str], ...] = ()  # kind -> template id
    # The notifier's JetStream consumer: deliveries before the dead-letter stream, the waits
    # between them (seconds), and how long a claimed send may stay unfinished before another
    # worker may take it over.
    notifier_max_deliver: int = 5
    notifier_backoff: tuple[float, ...] = (2.0, 10.0, 60.0, 300.0)
    notifier_lease: float = 60.0

    def notice_channels(self) -> dict[str, str]:
        """Each channel: "on", or "off (…what is missing)". The inbox is always on."""
        needed = {"email": {"QIHUI_SMTP_HOST": self.smtp_host, "QIHUI_SMTP_FROM": self.smtp_from},
                  "sms": {"QIHUI_SMS_URL": self.sms_url, "QIHUI_SMS_KEY": self.sms_key,
                          "QIHUI_SMS_SECRET": self.sms_secret},
                  "wechat": {"QIHUI_WECHAT_APPID": self.wechat_appid, "QIHUI_WECHAT_SECRET": self.wechat_secret}}
        status = {"inbox": "on"}
        for channel, settings in needed.items():
            missing = [name for name, value in settings.items() if not value]
            status[channel] = f"off (not configured: {', '.join(missing)})" if missing else "on"
        return status

    @property
    def anchors_file(self) -> Path:
        """The append-only file of signed chain heads (copy it off the machine)."""
        return self.data_dir / "anchors.jsonl"

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

    def keystore_conninfo(self) -> str:
        """PostgreSQL key store: QIHUI_KEYSTORE_HOST, _PORT, _DBNAME, _USER, _PASSWORD, each
        defaulting to the event store's (same server and database, schema QIHUI_KEYSTORE_SCHEMA)."""
        e = self.store_env
        parts = {
            name: e.get(f"QIHUI_KEYSTORE_{key}") or _get(e, f"POSTGRES_{key}", default)
            for name, key, default in (("host", "HOST", "127.0.0.1"), ("port", "PORT", "5432"),
                                       ("dbname", "DBNAME", "qihui"), ("user", "USER", "qihui"),
                                       ("password", "PASSWORD", ""),
                                       ("connect_timeout", "CONNECT_TIMEOUT", "5"))
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
            _private_dir(data_dir)
            store_env["QIHUI_SQLITE_DBNAME"] = (_get(env, "SQLITE_DBNAME")
                                                or str(data_dir / "qihui.db"))
            _private_database(store_env["QIHUI_SQLITE_DBNAME"])
        else:
            # Fail fast instead of the library's 30 s connect timeout (STACK-NOTES).
            store_env.setdefault("QIHUI_POSTGRES_CONNECT_TIMEOUT", "5")
            store_env.setdefault("QIHUI_POSTGRES_POOL_SIZE", "4")
            store_env.setdefault("QIHUI_POSTGRES_MAX_OVERFLOW", "4")
        keystore_path = None
        if module == SQLITE:
            keystore_path = Path(_get(env, "KEYSTORE_SQLITE_DBNAME") or data_dir / "keys.db").resolve()
            if str(keystore_path) == str(Path(store_env["QIHUI_SQLITE_DBNAME"]).resolve()):
                raise ValueError("QIHUI_KEYSTORE_SQLITE_DBNAME names the events' database: person keys "
                                 "must live apart from the data they open")
        secret_key = _secret_key(env, data_dir)
        chain_keys, chain_key_dir = _chain_keys(env, data_dir, secret_key,
                                                distributed=bool(_get(env, "NATS_URL")))
        return cls(
            data_dir=data_dir,
            persistence_module=module,
            store_env=store_env,
            secret_key=secret_key,
            chain_keys=chain_keys,
            chain_key_dir=chain_key_dir,
            anchor_interval=float(_get(env, "ANCHOR_INTERVAL", "3600") or 3600),
            nats_url=_get(env, "NATS_URL") or None,
            replica_url=(_get(env, "REPLICA_URL") or "").rstrip("/") or None,
            needs_feedback_days=int(_get(env, "NEEDS_FEEDBACK_DAYS", "30") or 30),
            run_workers=(_get(env, "RUN_WORKERS", "y") or "y").lower() in ("y", "yes", "1", "true"),
            cache_events=int(_get(env, "CACHE_EVENTS", "1000000") or 1_000_000),
            projector_process=(_get(env, "PROJECTOR_PROCESS", "y") or "y").lower() in ("y", "yes", "1", "true"),
            scheduler_interval=float(_get(env, "SCHEDULER_INTERVAL", "15") or 15),
            time_zone=ZoneInfo(_get(env, "TIME_ZONE", "Asia/Shanghai") or "Asia/Shanghai"),
            token_ttl_seconds=int(_get(env, "TOKEN_TTL_SECONDS", "28800") or 28800),
            rate_limit_sign_in=(_get(env, "RATE_LIMIT_SIGN_IN", DEFAULT_RATE_LIMIT_SIGN_IN)
                                or DEFAULT_RATE_LIMIT_SIGN_IN),
            rate_limit_apply=_get(env, "RATE_LIMIT_APPLY", "20/3600") or "20/3600",
            dues_grace_days=int(_get(env, "DUES_GRACE_DAYS", "90") or 90),
            command_deadline=float(_get(env, "COMMAND_DEADLINE", "2") or 2),
            read_wait=float(_get(env, "READ_WAIT", "2") or 2),
            trusted_proxies=_networks(_get(env, "TRUSTED_PROXIES", "") or ""),
            keystore_path=keystore_path,
            keystore_schema=_get(env, "KEYSTORE_SCHEMA", "qihui_keys") or "qihui_keys",
            **_notice_settings(env),
        )


def _notice_settings(env: dict[str, str]) -> dict[str, object]:
    """QIHUI_SMTP_*, QIHUI_SMS_*, QIHUI_WECHAT_* and QIHUI_NOTIFIER_* (every one optional)."""
    def pairs(name: str) -> tuple[tuple[str, str], ...]:
        spec = _get(env, name, "") or ""  # "kind=code,kind=code"
        return tuple((k.strip(), v.strip()) for k, _, v in (p.partition("=") for p in spec.split(",")) if v.strip())

    tls = (_get(env, "SMTP_TLS", "starttls") or "starttls").lower()
    if tls not in ("none", "starttls", "ssl"):
        raise ValueError(f"QIHUI_SMTP_TLS is {tls!r}: use none, starttls or ssl")
    return {
        "smtp_host": _get(env, "SMTP_HOST") or None,
        "smtp_port": int(_get(env, "SMTP_PORT", "587") or 587),
        "smtp_user": _get(env, "SMTP_USER") or None, "smtp_password": _get(env, "SMTP_PASSWORD") or None,
        "smtp_from": _get(env, "SMTP_FROM") or None, "smtp_tls": tls,
        "smtp_ca_file": _get(env, "SMTP_CA_FILE") or None,
        "sms_url": _get(env, "SMS_URL") or None, "sms_key": _get(env, "SMS_KEY") or None,
        "sms_secret": _get(env, "SMS_SECRET") or None, "sms_sign": _get(env, "SMS_SIGN", "企会") or "企会",
        "sms_templates": pairs("SMS_TEMPLATES"),
        "wechat_api": (_get(env, "WECHAT_API") or "https://api.weixin.qq.com").rstrip("/"),
        "wechat_appid": _get(env, "WECHAT_APPID") or None, "wechat_secret": _get(env, "WECHAT_SECRET") or None,
        "wechat_templates": pairs("WECHAT_TEMPLATES"),
        "notifier_max_deliver": int(_get(env, "NOTIFIER_MAX_DELIVER", "5") or 5),
        "notifier_backoff": tuple(float(x) for x in (_get(env, "NOTIFIER_BACKOFF", "2,10,60,300")
                                                     or "2,10,60,300").split(",") if x.strip()),
        "notifier_lease": float(_get(env, "NOTIFIER_LEASE", "60") or 60),
    }


def _networks(spec: str) -> tuple[str, ...]:
    """'10.0.0.5, 172.16.0.0/12' -> the networks, checked now so a typo fails at start."""
    networks = []
    for item in spec.split(","):
        if item.strip():
            try:
                networks.append(str(ipaddress.ip_network(item.strip(), strict=False)))
            except ValueError as exc:
                raise ValueError(f"QIHUI_TRUSTED_PROXIES: {item.strip()!r} is not an address or network") from exc
    return tuple(networks)


MIN_KEY_BYTES = 32


def _private_dir(path: Path) -> None:
    """Make a directory only its owner can enter (0700); an existing one is left as it is."""
    if not path.exists():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)


def _private_database(name: str) -> None:
    """The SQLite file (and its WAL and shared-memory files) readable by the owner only:
    created empty 0600 before SQLite opens it, tightened if it was made readable to others."""
    if name.startswith("file:") or name == ":memory:":
        return
    path = Path(name)
    if not path.exists():
        _private_dir(path.parent)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)
        except OSError:  # absent, or not ours to change
            pass


def _key(name: str, value: str) -> bytes:
    key = value.strip().encode()
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"QIHUI_{name} is {'empty' if not key else f'only {len(key)} bytes'}: "
                         f"use at least {MIN_KEY_BYTES} random bytes "
                         "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    return key


def _secret_key(env: dict[str, str], data_dir: Path) -> bytes:
    """From QIHUI_SECRET_KEY; the embedded default makes one under ./var once."""
    configured = _get(env, "SECRET_KEY")
    if configured is not None:
        return _key("SECRET_KEY", configured)
    path = data_dir / "secret_key"
    if not path.exists():
        _private_dir(data_dir)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    key = path.read_text().strip().encode()
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"{path} holds a secret key of {len(key)} bytes: use at least {MIN_KEY_BYTES} "
                         "(delete the file to have one made; every signed-in user signs in again)")
    return key


def _chain_keys(env: dict[str, str], data_dir: Path, secret_key: bytes,
                *, distributed: bool) -> tuple[tuple[bytes, ...], Path]:
    """The hash chain's keys: QIHUI_CHAIN_KEYS_RETIRED (comma-separated, oldest first) and
    QIHUI_CHAIN_KEY (the one that signs), after the key ring under $QIHUI_DATA_DIR/chain_keys.
    Without QIHUI_CHAIN_KEY and without a ring, the embedded default makes the ring's
    first key (0600); distributed mode (QIHUI_NATS_URL) refuses to start instead."""
    from projections.chain import read_key_dir

    directory = data_dir / "chain_keys"
    current = _get(env, "CHAIN_KEY")
    retired = [k for k in (_get(env, "CHAIN_KEYS_RETIRED", "") or "").replace(" ", ",").split(",") if k]
    if retired and current is None:
        raise ValueError("QIHUI_CHAIN_KEYS_RETIRED is set without QIHUI_CHAIN_KEY (the key that signs now)")
    configured = [_key("CHAIN_KEYS_RETIRED", k) for k in retired]
    if current is not None:
        configured.append(_key("CHAIN_KEY", current))
    ring = read_key_dir(directory)
    if any(hmac.compare_digest(k, secret_key) for k in [*configured, *ring]):
        raise ValueError("the hash chain's key must not be the token key QIHUI_SECRET_KEY: "
                         "set a separate QIHUI_CHAIN_KEY")
    if not configured and not ring:
        if distributed:
            raise ValueError("QIHUI_CHAIN_KEY is not set: in distributed mode (QIHUI_NATS_URL) every API "
                             "replica and worker needs the same chain key, at least "
                             f"{MIN_KEY_BYTES} random bytes")
        from projections.chain import new_key_file

        _private_dir(data_dir)
        new_key_file(directory)
    return tuple(configured), directory
