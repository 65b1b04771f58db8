"""The relay: publishes every stored event to the JetStream stream QIHUI_EVENTS.

Subject `qihui.events.<AggregateType>.<EventType>`, header
`Nats-Msg-Id: <aggregate_id>:<version>` so that the stream drops repeats. The
relay's own checkpoint lives in the tracking table beside the views and moves
only after JetStream acknowledged every message before it: a crash or a NATS
outage means re-publishing a batch, which the duplicate window absorbs.
Commands never wait for any of this.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

import msgspec
import nats
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from projections.records import event_id, event_record, names_of
from projections.store import TrackingConflict
from workers.lease import lead

log = logging.getLogger(__name__)

STREAM = "QIHUI_EVENTS"
SUBJECTS = "qihui.events.>"
CHECKPOINT = "relay:nats"
DUPLICATE_WINDOW = 2 * 24 * 3600.0  # seconds: longer than any outage we plan for

_encode = msgspec.json.Encoder().encode


def subject_for(event: Any) -> str:
    aggregate_type, event_type = names_of(event)
    return f"qihui.events.{aggregate_type}.{event_type}"


async def ensure_stream(js: Any) -> None:
    config = StreamConfig(name=STREAM, subjects=[SUBJECTS], duplicate_window=DUPLICATE_WINDOW)
    try:
        await js.stream_info(STREAM)
        await js.update_stream(config)
    except NotFoundError:
        await js.add_stream(config)


class Relay:
    def __init__(self, platform: Any, *, batch_size: int = 500):
        self.platform = platform
        self.batch_size = batch_size
        platform.views.ensure_tracking([CHECKPOINT])

    def position(self) -> int:
        return self.platform.views.positions([CHECKPOINT])[CHECKPOINT]

    async def publish_batch(self, js: Any) -> int:
        """Publish the next batch; return how many events it held."""
        start = await asyncio.to_thread(self.position)
        batch = await asyncio.to_thread(self.platform.runner.read_batch, start)
        batch = batch[: self.batch_size]
        if not batch:
            return 0
        acks = []
        for position, event in batch:
            payload = _encode(event_record(position, event))
            headers = {"Nats-Msg-Id": event_id(event), "Qihui-Position": str(position)}
            acks.append(await js.publish_async(subject_for(event), payload, headers=headers))
        await asyncio.wait_for(asyncio.gather(*acks), timeout=30)
        await asyncio.to_thread(self._advance, start, batch[-1][0])
        return len(batch)

    async def resume_after_stream(self, js: Any) -> None:
        """Start after what the stream already holds: after an outage longer than the duplicate
        window a re-published event would no longer be dropped as a repeat."""
        state = (await js.stream_info(STREAM)).state
        if not state.messages:
            return
        last = await js.get_msg(STREAM, seq=state.last_seq)
        published = int((last.headers or {}).get("Qihui-Position", "0"))
        start = await asyncio.to_thread(self.position)
        if published > start:
            log.warning("relay: the stream already holds up to position %s (checkpoint %s); going on from there",
                        published, start)
            await asyncio.to_thread(self._advance, start, published)

    def _advance(self, old: int, new: int) -> None:
        try:
            with self.platform.views.transaction() as tx:
                self.platform.views.advance(tx, CHECKPOINT, old, new)
        except TrackingConflict:
            log.info("another relay moved the checkpoint; continuing from there")

    async def run(self, stop: threading.Event, url: str, idle: float = 0.1) -> None:
        backoff = 0.5
        while not stop.is_set():
            nc = None
            try:
                nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=-1,
                                        reconnect_time_wait=1, allow_reconnect=True)
                js = nc.jetstream(publish_async_max_pending=4000)
                await ensure_stream(js)
                await self.resume_after_stream(js)
                backoff = 0.5
                while not stop.is_set():
                    if not await self.publish_batch(js):
                        await asyncio.sleep(idle)
            except Exception as exc:  # noqa: BLE001 (NATS or the store is away: wait and retry)
                log.warning("relay paused (%s: %s); retrying in %.1fs", type(exc).__name__, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
            finally:
                if nc is not None and not nc.is_closed:
                    with contextlib.suppress(Exception):  # closing a broken connection
                        await nc.close()


def run_relay(platform: Any, stop: threading.Event) -> None:
    """One relay publishes at a time; another waits as a standby (workers.lease)."""
    url = platform.settings.nats_url
    # The worker process reads the log in a thread per batch, so the read
    # batch size (the runner's) bounds memory; the relay trims it further.
    lead(platform.settings, "relay", stop, lambda until: asyncio.run(Relay(platform).run(until, url)))
