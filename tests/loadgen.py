"""A minimal HTTP/1.1 load generator on asyncio streams.

httpx's async client spends ~20 ms of CPU per request when a thousand run at
once, which measures the client, not the server. This one writes requests as
bytes on keep-alive connections and reads Content-Length bodies: enough for
our own JSON API, and cheap enough to measure it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import msgspec


@dataclass
class Reply:
    status: int
    body: bytes
    seconds: float  # from sending the request to the last byte of the answer

    def json(self):
        return msgspec.json.decode(self.body)


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, headers: dict):
        self.reader, self.writer, self.host = reader, writer, host
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())

    @classmethod
    async def open(cls, base_url: str, headers: dict | None = None) -> Connection:
        parts = urlsplit(base_url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer, f"{parts.hostname}:{parts.port}", headers or {})

    async def request(self, method: str, path: str, json: object = None) -> Reply:
        body = b"" if json is None else msgspec.json.encode(json)
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.extra}"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        started = time.perf_counter()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        data = await self.reader.readexactly(length) if length else b""
        return Reply(int(status_line.split()[1]), data, time.perf_counter() - started)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


async def all_at_once(base_url: str, requests: list[tuple[str, str, object]], headers: dict | None = None
                      ) -> tuple[list[Reply], float]:
    """Open one connection per request, then send every request together.
    Returns the replies in request order and the seconds until the last answer."""
    connections = await asyncio.gather(*(Connection.open(base_url, headers) for _ in requests))
    started = time.perf_counter()
    replies = await asyncio.gather(*(c.request(m, p, j) for c, (m, p, j) in zip(connections, requests, strict=True)))
    elapsed = time.perf_counter() - started
    await asyncio.gather(*(c.close() for c in connections))
    return list(replies), elapsed


async def closed_loop(base_url: str, clients: int, seconds: float, make_request, headers: dict | None = None
                      ) -> list[Reply]:
    """`clients` connections each sending its next request as soon as the last is answered."""
    deadline = time.perf_counter() + seconds
    replies: list[Reply] = []

    async def client(number: int) -> None:
        connection = await Connection.open(base_url, headers)
        sent = 0
        while time.perf_counter() < deadline:
            replies.append(await connection.request(*make_request(number, sent)))
            sent += 1
        await connection.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    return replies
