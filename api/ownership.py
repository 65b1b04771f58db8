"""Commands go to their aggregate's owner (workers.replicas): a command under
/api/v1/<collection>/<id>/… that reaches a replica not owning <id> is forwarded to the
owner as it came (method, path, query, headers, body) and the owner's answer returned,
so one writer serves each aggregate however many replicas run. If the owner does not
answer, the command runs here (optimistic concurrency keeps it correct) and the owner is
left out until it heart-beats again. Every command's answer names the replica that ran it
(`X-Qihui-Replica`). Without QIHUI_REPLICA_URL (one replica) nothing is forwarded.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar.types import Message, Receive, Scope, Send

from api.peers import Peers, PeerUnreachable

log = logging.getLogger(__name__)

COMMANDS = {"POST", "PUT", "PATCH", "DELETE"}
FORWARDED = "x-qihui-forwarded"
REPLICA = "x-qihui-replica"
_AGGREGATE = re.compile(r"^/api/v1/[a-z-]+/([0-9a-fA-F-]{32,36})(?:/|$)")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"}
_NOT_FORWARDED = _HOP_BY_HOP | {"x-forwarded-for"}  # set anew, naming this hop too


def aggregate_of(path: str) -> str | None:
    found = _AGGREGATE.match(path)
    return found[1].replace("-", "").lower() if found else None


class OwnershipGate:
    """The forwarding in front of the framework: a command for another replica's aggregate
    leaves before Litestar routes, parses or authenticates it (that is the owner's work, and
    doing it twice cost the second replica its gain). Everything else goes to `app`, whose
    attributes this object answers for."""

    def __init__(self, app: Any, replicas: Any):
        self.app, self.replicas = app, replicas
        self.peers = Peers(timeout=30)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        replicas, app = self.replicas, self.app
        if scope["type"] != "http" or scope["method"] not in COMMANDS:
            await app(scope, receive, send)
            return
        aggregate = aggregate_of(scope["path"])
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
        owner = replicas.owner(aggregate) if aggregate else None
        if owner is None or owner[0] == replicas.me or FORWARDED in headers:
            await app(scope, receive, _naming(send, replicas.me))
            return
        body, messages = await _body(receive)
        forwarded = [(k, v) for k, v in scope["headers"] if k.decode().lower() not in _NOT_FORWARDED]
        forwarded += [(FORWARDED.encode(), replicas.me.encode()),
                      (b"x-forwarded-for", _forwarded_for(scope, headers).encode("latin-1"))]
        try:
            status, answer_headers, answer = await self.peers.request(
                owner[1], scope["method"], scope["raw_path"].decode("latin-1") + _query(scope), forwarded, body)
        except PeerUnreachable as exc:
            log.warning("replica %s did not answer (%s); running the command here", owner[0], exc)
            replicas.forget(owner[0])
            await app(scope, _replay(messages, receive), _naming(send, replicas.me))
            return
        out = [(k, v) for k, v in answer_headers if k.decode("latin-1") not in _HOP_BY_HOP]
        await send({"type": "http.response.start", "status": status,
                    "headers": [*out, (b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})


def _query(scope: Scope) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    return f"?{query}" if query else ""


def _forwarded_for(scope: Scope, headers: dict[str, str]) -> str:
    client = (scope.get("client") or ("", 0))[0]
    earlier = headers.get("x-forwarded-for")
    return f"{earlier}, {client}" if earlier else client


async def _body(receive: Receive) -> tuple[bytes, list[Message]]:
    messages, chunks = [], []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks), messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def again() -> Message:
        return pending.pop(0) if pending else await receive()

    return again


def _naming(send: Send, me: str) -> Send:
    async def named(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (REPLICA.encode(), me.encode())]}
        await send(message)

    return named
