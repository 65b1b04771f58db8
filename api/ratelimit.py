"""Per-client rate limits for the public doors (sign-in, membership application).

A fixed window per (door, client address), kept in this process's memory.
The address comes from `api.clients.client_address` (X-Forwarded-For only from
trusted proxies); an IPv6 client counts by its /64, the block one subscriber
usually holds, so hopping between its own addresses gains nothing.
On PostgreSQL (where several API replicas may run) the count is kept in the
database instead (`shared`), so the limit holds across replicas; the embedded
default is one process and counts in memory.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import TooManyRequestsException


@dataclass
class RateLimit:
    limit: int
    window: float  # seconds
    door: str = ""
    shared: Any = None  # a ViewDatabase whose counters every replica shares (None: this process's memory)
    _hits: dict[str, tuple[float, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def parse(cls, spec: str, door: str = "", shared: Any = None) -> RateLimit:
        """'10/60' = ten requests per sixty seconds."""
        count, _, seconds = spec.partition("/")
        return cls(int(count), float(seconds or 60), door, shared)

    def check(self, client: str, now: float | None = None) -> None:
        client = counted_as(client)
        if self.shared is not None:
            now = time.time() if now is None else now  # wall-clock time: the replicas share it
            start, count = self.shared.count_hit(f"{self.door}:{client}", now, self.window)
            if count > self.limit:
                self._refuse(start, now)
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            start, count = self._hits.get(client, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            if count >= self.limit:
                self._refuse(start, now)
            self._hits[client] = (start, count + 1)
            if len(self._hits) > 100_000:  # forget idle clients
                self._hits = {k: v for k, v in self._hits.items() if now - v[0] < self.window}

    def _refuse(self, start: float, now: float) -> None:
        retry = max(1, math.ceil(start + self.window - now))
        raise TooManyRequestsException(detail="请求过于频繁，请稍后再试 (too many requests, retry later)",
                                       headers={"Retry-After": str(retry)})


def counted_as(client: str) -> str:
    """The key a client address counts under: itself, or its /64 for IPv6."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return client
