"""Idempotent commands (API.md "Conventions"): `Idempotency-Key` on any POST,
PUT, PATCH or DELETE under /api/v1.

A retry with the same key and the same request (method, path, query and body)
answers the first outcome — same status, headers and body, plus
`Idempotent-Replayed: true` — and runs nothing. The same key with another
request is 422 `idempotency_key_reused`; a malformed key (not 1–255 printable
ASCII characters) is 400 `invalid_idempotency_key`. Both name the header in
`errors[].field`.

Records live in `qihui_idempotency`, beside the views, so every API replica
sees them. A request *claims* its key (an upsert that succeeds only when the
key is new, expired, or held by a request whose lease ran out), runs, and then
stores its outcome — before the last byte of the answer leaves, so a client
that has the answer and retries always gets the replay. While the first request
runs, a second one with the same key waits up to `WAIT_SECONDS` for it and then
answers 409 `idempotency_key_in_progress` with `Retry-After`: the command never
runs twice at the same time.

Stored: 2xx answers and refusals of the command itself (404, 409, 422…). Not
stored, so a retry runs the command: 5xx (503 included), 429, and 400/401/403/
408/413 (malformed input, or the caller's token, role or connection at that
moment, not the command, said no).

Keys are scoped to the caller: the signed-in account, otherwise the client
address (`api.clients.client_address`). Principals are resolved by the route's
guard, which Litestar runs only after middleware, so for a request with a key
the middleware calls the guard itself first (`api.policy.policy_guard`): that
names the caller, and answers 401/403 before any replay to a caller the route
would not admit now. The scope is stored as an HMAC, the outcome sealed with
AES-GCM (answers may carry tokens: sign-in, invitations), both under keys
derived from the platform secret. Records are kept
`RETENTION_SECONDS` (24 h) from the first request and pruned by each process at
most every `PRUNE_EVERY_SECONDS`; `prune()` is there for a scheduler or CLI too.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import os
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import msgspec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.clients import client_address
from api.policy import policy_guard, principal_of
from domain.errors import DomainError
from projections.store import ViewDatabase

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
TABLE = "qihui_idempotency"
COMMANDS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PREFIX = "/api/v1/"

RETENTION_SECONDS = 24 * 3600  # API.md: "kept at least 24 hours"
LEASE_SECONDS = 120  # a claim older than this, still without outcome, belongs to a dead request
WAIT_SECONDS = 2.0  # a concurrent duplicate waits this long for the first before 409
POLL_SECONDS = 0.05
PRUNE_EVERY_SECONDS = 600
MAX_STORED_BODY = 1 << 20  # larger answers are not kept (commands answer a few hundred bytes)

# Refusals that are not the command's: malformed input (the same body gets the
# same 400 anyway, and anonymous junk is not worth a row), the caller's token or
# role at that moment, the connection, the body size, the rate limit.
UNSTORED_4XX = frozenset({400, 401, 403, 408, 413, 429})
# Per-response or transport headers: not replayed (content-length is recomputed).
UNSTORED_HEADERS = frozenset({b"content-length", b"date", b"server", b"connection",
                              b"transfer-encoding", b"set-cookie", b"keep-alive"})

_KEY = re.compile(r"[\x20-\x7e]{1,255}")

DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    "scope TEXT NOT NULL, idem_key TEXT NOT NULL, fingerprint TEXT NOT NULL, owner TEXT NOT NULL, "
    "status INTEGER, response TEXT, created_at BIGINT NOT NULL, locked_until BIGINT NOT NULL, "
    "PRIMARY KEY (scope, idem_key))",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_created ON {TABLE} (created_at)",
)


def ensure_table(db: ViewDatabase) -> None:
    with db.transaction() as tx:
        for statement in DDL:
            tx.execute(statement)


def prune(db: ViewDatabase, now: float) -> int:
    """Forget records older than the retention period; the number forgotten."""
    with db.transaction() as tx:
        return tx.execute(f"DELETE FROM {TABLE} WHERE created_at < ?", (int(now) - RETENTION_SECONDS,))


# -- the records -------------------------------------------------------------------
class Outcome(msgspec.Struct, array_like=True):
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass(frozen=True)
class Claimed:
    owner: str


@dataclass(frozen=True)
class Found:
    fingerprint: str
    outcome: Outcome | None  # None: the first request is still running


class Records:
    """The table, with scopes hashed and outcomes sealed under the platform secret."""

    def __init__(self, db: ViewDatabase, secret: bytes):
        self.db = db
        self._mac = hmac.new(secret, b"qihui idempotency scope+fingerprint", hashlib.sha256).digest()
        self._seal = AESGCM(hmac.new(secret, b"qihui idempotency seal", hashlib.sha256).digest())

    def scope(self, caller: str) -> str:
        return hmac.new(self._mac, b"scope\0" + caller.encode(), hashlib.sha256).hexdigest()

    def fingerprint(self, method: str, target: str, body: bytes) -> str:
        head = f"{method}\0{target}\0".encode("utf-8", "surrogateescape")
        return hmac.new(self._mac, head + body, hashlib.sha256).hexdigest()

    def lookup(self, scope: str, key: str, now: float) -> Found | None:
        """The key's record, read only (replays take no write lock); None when the
        key is free: never used, expired, or held by a request whose lease ran out."""
        with self.db.read() as tx:
            row = tx.fetchone(f"SELECT fingerprint, status, response, created_at, locked_until FROM {TABLE} "
                              "WHERE scope = ? AND idem_key = ?", (scope, key))
        if row is None or row["created_at"] < int(now) - RETENTION_SECONDS:
            return None
        if row["status"] is None:
            return None if row["locked_until"] < int(now) else Found(row["fingerprint"], None)
        return Found(row["fingerprint"], self._open(scope, key, row["response"]))

    def claim(self, scope: str, key: str, fingerprint: str, now: float) -> Claimed | Found | None:
        """Take the key, or say who holds it; None when it was released meanwhile."""
        owner, now_s = uuid.uuid4().hex, int(now)
        with self.db.transaction() as tx:
            taken = tx.execute(
                f"INSERT INTO {TABLE} (scope, idem_key, fingerprint, owner, status, response, created_at, "
                "locked_until) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?) "
                "ON CONFLICT (scope, idem_key) DO UPDATE SET fingerprint = excluded.fingerprint, "
                "owner = excluded.owner, status = NULL, response = NULL, created_at = excluded.created_at, "
                f"locked_until = excluded.locked_until WHERE {TABLE}.created_at < ? "
                f"OR ({TABLE}.status IS NULL AND {TABLE}.locked_until < ?)",
                (scope, key, fingerprint, owner, now_s, now_s + LEASE_SECONDS,
                 now_s - RETENTION_SECONDS, now_s))
            if taken == 1:
                return Claimed(owner)
            row = tx.fetchone(f"SELECT fingerprint, status, response FROM {TABLE} "
                              "WHERE scope = ? AND idem_key = ?", (scope, key))
        if row is None:
            return None
        if row["status"] is None:
            return Found(row["fingerprint"], None)
        return Found(row["fingerprint"], self._open(scope, key, row["response"]))

    def finish(self, scope: str, key: str, owner: str, outcome: Outcome) -> None:
        with self.db.transaction() as tx:
            tx.execute(f"UPDATE {TABLE} SET status = ?, response = ? "
                       "WHERE scope = ? AND idem_key = ? AND owner = ?",
                       (outcome.status, self._close(scope, key, outcome), scope, key, owner))

    def release(self, scope: str, key: str, owner: str) -> None:
        with self.db.transaction() as tx:
            tx.execute(f"DELETE FROM {TABLE} WHERE scope = ? AND idem_key = ? AND owner = ?",
                       (scope, key, owner))

    def _close(self, scope: str, key: str, outcome: Outcome) -> str:
        nonce = os.urandom(12)
        sealed = self._seal.encrypt(nonce, msgspec.msgpack.encode(outcome), f"{scope}\0{key}".encode())
        return base64.b64encode(nonce + sealed).decode()

    def _open(self, scope: str, key: str, text: str) -> Outcome:
        raw = base64.b64decode(text)
        # Scopes are keyed by the same secret, so a record sealed under an older
        # secret is never found: a failure here is tampering, and raises.
        plain = self._seal.decrypt(raw[:12], raw[12:], f"{scope}\0{key}".encode())
        return msgspec.msgpack.decode(plain, type=Outcome)


# -- the middleware ----------------------------------------------------------------
class IdempotencyRefused(DomainError):
    """A problem with the key itself; names the header as the field to blame."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(message, code=code, field=HEADER)
        self.status = status
        self.retry_after_seconds = retry_after


def _key_of(scope: Scope) -> str | None:
    values = [v for k, v in scope["headers"] if k == b"idempotency-key"]
    if not values:
        return None
    key = values[0].decode("latin-1").strip(" \t")
    if len(values) > 1 or not _KEY.fullmatch(key):
        raise IdempotencyRefused(400, "invalid_idempotency_key",
                                 f"{HEADER} 须为 1–255 个可打印 ASCII 字符 "
                                 "(must be 1 to 255 printable ASCII characters, sent once)")
    return key


async def _read_body(receive: Receive, limit: int) -> tuple[list[Message], bytes | None]:
    """The request's messages, and its body unless it is over `limit` (then None:
    the handler refuses it with 413 as usual, from the replayed messages on)."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        size += len(message.get("body", b""))
        if size > limit:
            return messages, None
        if not message.get("more_body", False):
            return messages, b"".join(m.get("body", b"") for m in messages)


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


def _stored(status: int) -> bool:
    return 200 <= status < 300 or (400 <= status < 500 and status not in UNSTORED_4XX)


class IdempotencyMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, platform: Any, *, wait: float | None = None):
        ensure_table(platform.views)
        self.platform = platform
        self.records = Records(platform.views, platform.settings.secret_key)
        self.wait = WAIT_SECONDS if wait is None else wait
        self._next_prune = 0.0

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["method"] not in COMMANDS or not scope["path"].startswith(PREFIX):
            await next_app(scope, receive, send)
            return
        key = _key_of(scope)
        if key is None:
            await next_app(scope, receive, send)
            return
        # The route's own guard, ahead of its turn: who the caller is (the key's
        # scope), and a replay is answered only to a caller the route would admit
        # now (not to a token signed out since). It runs again, cached, later.
        connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope, receive)
        policy_guard(connection, scope["route_handler"])
        principal = principal_of(connection)
        caller = f"account:{principal.account_id}" if principal else f"client:{client_address(connection)}"
        limit = scope["route_handler"].resolve_request_max_body_size() or (1 << 20)
        messages, body = await _read_body(receive, limit)
        receive = _replaying(messages, receive)
        if body is None:
            await next_app(scope, receive, send)
            return
        target = scope["path"] + ("?" + scope["query_string"].decode("latin-1") if scope["query_string"] else "")
        scope_id = self.records.scope(caller)
        fingerprint = self.records.fingerprint(scope["method"], target, body)

        owner = await self._claim(scope_id, key, fingerprint, send)
        if owner is None:
            return  # answered with the first outcome
        await self._run(scope, receive, send, next_app, scope_id, key, owner)

    async def _claim(self, scope_id: str, key: str, fingerprint: str, send: Send) -> str | None:
        """Our claim's owner id, or None after replaying the first outcome."""
        deadline = time.monotonic() + self.wait
        while True:
            now = self.platform.clock.now().timestamp()
            found: Claimed | Found | None = await anyio.to_thread.run_sync(self.records.lookup, scope_id, key, now)
            if found is None:
                found = await anyio.to_thread.run_sync(self.records.claim, scope_id, key, fingerprint, now)
            if isinstance(found, Claimed):
                await self._maybe_prune(now)
                return found.owner
            if found is not None and found.fingerprint != fingerprint:
                raise IdempotencyRefused(422, "idempotency_key_reused",
                                         f"{HEADER} 已用于另一个请求 (this key was used for a different "
                                         "request: another method, path or body)")
            if found is not None and found.outcome is not None:
                await _send_outcome(send, found.outcome)
                return None
            if time.monotonic() >= deadline:
                raise IdempotencyRefused(409, "idempotency_key_in_progress",
                                         f"使用该 {HEADER} 的请求仍在处理中，请稍后重试 "
                                         "(a request with this key is still running, retry later)",
                                         retry_after=1)
            await asyncio.sleep(POLL_SECONDS)

    async def _run(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp,
                   scope_id: str, key: str, owner: str) -> None:
        status, headers, chunks, size = 0, [], [], 0
        held: list[Message] = []
        lost = False

        async def forward(message: Message) -> None:
            nonlocal lost
            if lost:
                return
            try:
                await send(message)
            except Exception:  # noqa: BLE001 (the client left: the outcome is still recorded)
                lost = True

        async def capture(message: Message) -> None:
            nonlocal status, headers, size
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if not message.get("more_body", False):
                    held.append(message)  # the last bytes go out once the outcome is recorded
                    return
            await forward(message)

        try:
            await next_app(scope, receive, capture)
        except asyncio.CancelledError:
            raise  # the outcome is unknown (the command may still commit): the lease runs out
        except Exception:
            await self._settle(self.records.release, scope_id, key, owner)
            raise
        if held and _stored(status) and size <= MAX_STORED_BODY:
            kept = [(k.lower(), v) for k, v in headers if k.lower() not in UNSTORED_HEADERS]
            outcome = Outcome(status=status, headers=kept, body=b"".join(chunks))
            await self._settle(self.records.finish, scope_id, key, owner, outcome)
        else:
            await self._settle(self.records.release, scope_id, key, owner)
        for message in held:
            await forward(message)

    async def _settle(self, step: Any, *args: Any) -> None:
        try:
            await anyio.to_thread.run_sync(step, *args)
        except Exception:  # the answer still goes out; the claim's lease ends it later
            log.exception("idempotency record could not be updated")

    async def _maybe_prune(self, now: float) -> None:
        if time.monotonic() < self._next_prune:
            return
        self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
        try:
            await anyio.to_thread.run_sync(prune, self.platform.views, now)
        except Exception:
            log.exception("pruning idempotency records failed")


async def _send_outcome(send: Send, outcome: Outcome) -> None:
    headers = [*outcome.headers, (REPLAYED.lower().encode(), b"true")]
    if outcome.status not in (204, 304):
        headers.append((b"content-length", str(len(outcome.body)).encode()))
    await send({"type": "http.response.start", "status": outcome.status, "headers": headers})
    await send({"type": "http.response.body", "body": outcome.body, "more_body": False})
