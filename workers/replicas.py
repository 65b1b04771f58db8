"""Which API replica owns which aggregate (issue 21): each aggregate's commands go to one
writer, so replicas never race each other on a hot aggregate.

The live replicas announce themselves in a NATS KV bucket whose entries expire
(`TTL` seconds after the last heartbeat); an aggregate's owner is chosen among them by
rendezvous hashing, so a replica joining or leaving moves only its own share. A replica
that dies stops heart-beating and its aggregates pass to the others within `TTL`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from typing import Any

import nats

log = logging.getLogger(__name__)

BUCKET = "qihui_replicas"
TTL = 4.0  # seconds without a heartbeat before a replica counts as gone
BEAT = 1.0  # seconds between heartbeats (and between refreshes of the live set)


def owner_among(replicas: dict[str, str], aggregate_id: str) -> str | None:
    """Rendezvous hashing: the replica with the highest hash of (replica, aggregate)."""
    if not replicas:
        return None
    return max(replicas, key=lambda r: hashlib.blake2b(f"{r}:{aggregate_id}".encode(), digest_size=8).digest())


class Replicas:
    def __init__(self, nats_url: str, own_url: str):
        self.nats_url, self.own_url = nats_url, own_url
        self.me = uuid.uuid4().hex
        self.live: dict[str, str] = {}  # replica id -> its internal address
        self._task: asyncio.Task[None] | None = None
        self._nc: Any = None

    def owner(self, aggregate_id: str) -> tuple[str, str] | None:
        """(replica id, address) of the aggregate's owner, or None when the set is unknown."""
        found = owner_among(self.live, aggregate_id)
        return (found, self.live[found]) if found else None

    def forget(self, replica: str) -> None:
        """A replica that did not answer: out of the set until it heart-beats again."""
        self.live.pop(replica, None)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="qihui-replicas")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._nc is not None:
            with contextlib.suppress(Exception):
                kv = await self._nc.jetstream().key_value(BUCKET)
                await kv.delete(self.me)  # leave at once: the others take over without waiting for the TTL
            with contextlib.suppress(Exception):
                await self._nc.close()

    async def _bucket(self) -> Any:
        js = self._nc.jetstream()
        try:
            return await js.key_value(BUCKET)
        except Exception:  # noqa: BLE001 (not there yet)
            from nats.js.api import KeyValueConfig

            return await js.create_key_value(KeyValueConfig(bucket=BUCKET, ttl=TTL, history=1))

    async def _run(self) -> None:
        while True:
            try:
                self._nc = await nats.connect(self.nats_url, connect_timeout=2, max_reconnect_attempts=-1,
                                              reconnect_time_wait=1)
                kv = await self._bucket()
                while True:
                    await kv.put(self.me, self.own_url.encode())
                    self.live = await self._read(kv)
                    await asyncio.sleep(BEAT)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 (NATS away: every replica serves its own commands)
                log.warning("replicas: %s: %s; serving every command here meanwhile", type(exc).__name__, exc)
                self.live = {}
                with contextlib.suppress(Exception):
                    await self._nc.close()
                await asyncio.sleep(BEAT)

    async def _read(self, kv: Any) -> dict[str, str]:
        live = {}
        try:
            keys = await kv.keys()
        except Exception:  # noqa: BLE001 (nats-py raises when the bucket is empty)
            keys = []
        for key in keys:
            with contextlib.suppress(Exception):
                entry = await kv.get(key)
                if entry.value:
                    live[key] = entry.value.decode()
        return live or {self.me: self.own_url}
