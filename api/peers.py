"""Keep-alive HTTP/1.1 connections from one API replica to the others, for forwarding a
command to its aggregate's owner (api.ownership).

Both ends are our own servers, so the client is small: it writes the request as it came
and reads a response framed by Content-Length (or chunked). A general-purpose client
(httpx) spent more CPU on a forwarded command than the owner spent running it, on the
same cores (issue 21: two replicas must not be slower than one).
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

Headers = list[tuple[bytes, bytes]]


class PeerUnreachable(Exception):
    """The owner could not be reached, or broke off before answering."""


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class Peers:
    def __init__(self, timeout: float = 30.0, idle_per_peer: int = 64):
        self.timeout, self.idle_per_peer = timeout, idle_per_peer
        self._idle: dict[tuple[str, int], list[_Connection]] = {}

    async def request(self, base_url: str, method: str, target: str, headers: Headers,
                      body: bytes) -> tuple[int, Headers, bytes]:
        """(status, headers, body) of the peer's answer. Raises PeerUnreachable."""
        parts = urlsplit(base_url)
        peer = (parts.hostname or "127.0.0.1", parts.port or 80)
        head = [f"{method} {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n".encode("latin-1")]
        head += [name + b": " + value + b"\r\n" for name, value in headers]
        head.append(b"content-length: %d\r\n\r\n" % len(body))
        message = b"".join(head) + body
        for attempt in range(2):
            reused = bool(self._idle.get(peer))
            conn = self._idle[peer].pop() if reused else await self._connect(peer)
            try:
                conn.writer.write(message)
                status, answer_headers, answer, keep = await asyncio.wait_for(self._read(conn), self.timeout)
            except _ClosedBeforeAnswer:
                conn.close()
                if reused and attempt == 0:
                    continue  # the peer had closed an idle connection: the request never reached it
                raise PeerUnreachable("the replica closed the connection") from None
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                conn.close()
                raise PeerUnreachable(str(exc) or type(exc).__name__) from exc
            if keep and len(self._idle.setdefault(peer, [])) < self.idle_per_peer:
                self._idle[peer].append(conn)
            else:
                conn.close()
            return status, answer_headers, answer
        raise PeerUnreachable("no connection")  # pragma: no cover (the loop returns or raises)

    async def _connect(self, peer: tuple[str, int]) -> _Connection:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(*peer), min(self.timeout, 3.0))
        except (TimeoutError, OSError) as exc:
            raise PeerUnreachable(str(exc) or type(exc).__name__) from exc
        return _Connection(reader, writer)

    @staticmethod
    async def _read(conn: _Connection) -> tuple[int, Headers, bytes, bool]:
        reader = conn.reader
        try:
            await conn.writer.drain()
            status_line = await reader.readline()
        except (ConnectionResetError, BrokenPipeError):
            raise _ClosedBeforeAnswer from None
        if not status_line:
            raise _ClosedBeforeAnswer
        status = int(status_line.split(b" ", 2)[1])
        headers: Headers = []
        length, chunked, keep = None, False, True
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip()
            headers.append((name, value))
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and value.lower() == b"close":
                keep = False
        if chunked:
            chunks = []
            while size := int((await reader.readline()).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            while await reader.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            body = b"".join(chunks)
        elif length is not None:
            body = await reader.readexactly(length)
        else:
            body, keep = await reader.read(), False  # framed by the connection's end
        return status, headers, body, keep

    async def aclose(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()


class _ClosedBeforeAnswer(Exception):
    pass
