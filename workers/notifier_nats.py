"""The notifier in distributed mode (`qihui worker notifier`): a durable JetStream pull
consumer on QIHUI_EVENTS with explicit ack. Each event is handled by workers.notifier
(the same rules and sent-once record as the embedded mode); one whose sends failed is
redelivered after the back-off (QIHUI_NOTIFIER_BACKOFF), and at the last delivery
(QIHUI_NOTIFIER_MAX_DELIVER) it goes to the dead-letter stream QIHUI_NOTICES_DLQ with
the reason, for `qihui notices failed` and `qihui notices retry`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

import msgspec
import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig
from nats.js.errors import NotFoundError

from workers.notifier import Notifier
from workers.relay import STREAM, SUBJECTS, ensure_stream

log = logging.getLogger(__name__)

DLQ = "QIHUI_NOTICES_DLQ"
DLQ_SUBJECTS = "qihui.notices.dead.>"
DURABLE = "qihui-notifier"
FETCH = 100


async def ensure_dead_letters(js: Any) -> None:
    config = StreamConfig(name=DLQ, subjects=[DLQ_SUBJECTS], duplicate_window=2 * 24 * 3600.0)
    try:
        await js.stream_info(DLQ)
    except NotFoundError:
        await js.add_stream(config)


def consumer_config(settings: Any) -> ConsumerConfig:
    # Two deliveries beyond ours: a worker that dies on the last one still gets to dead-letter it.
    # Created once, from the events published after it (not years of history: the inbox has them).
    return ConsumerConfig(durable_name=DURABLE, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.NEW,
                          filter_subject=SUBJECTS, ack_wait=max(settings.notifier_lease, 1.0),
                          max_deliver=settings.notifier_max_deliver + 2, max_ack_pending=10_000)


class NatsNotifier:
    def __init__(self, platform: Any, notifier: Notifier | None = None):
        self.platform = platform
        self.settings = platform.settings
        self.notifier = notifier or Notifier(platform)
        self.handled = 0

    async def on_messages(self, js: Any, msgs: list[Any]) -> None:
        """A fetched batch handled at once; each message acknowledged, delayed or dead-lettered on its own."""
        facts = [msgspec.json.decode(msg.data) for msg in msgs]
        outcomes = await asyncio.to_thread(self.notifier.handle_all, facts)
        for msg, fact in zip(msgs, facts, strict=True):
            await self.settle(js, msg, fact, outcomes[fact["event_id"]])

    async def settle(self, js: Any, msg: Any, fact: dict[str, Any], outcome: Any) -> None:
        self.handled += 1
        if not outcome.failures:
            await msg.ack()
            return
        delivered = msg.metadata.num_delivered
        reason = "; ".join(outcome.failures)[:2000]
        if delivered >= self.settings.notifier_max_deliver:
            await js.publish(f"qihui.notices.dead.{fact['aggregate_type']}.{fact['type']}", msg.data, headers={
                "Nats-Msg-Id": f"{fact['event_id']}:dead", "Qihui-Event-Id": fact["event_id"],
                "Qihui-Reason": reason.replace("\r", " ").replace("\n", " "), "Qihui-Deliveries": str(delivered)})
            await msg.term()
            log.warning("notices of %s dead-lettered after %d deliveries: %s", fact["event_id"], delivered, reason)
            return
        backoff = self.settings.notifier_backoff or (1.0,)
        await msg.nak(delay=backoff[min(delivered, len(backoff)) - 1])

    async def run(self, stop: threading.Event, url: str) -> None:
        backoff = 0.5
        while not stop.is_set():
            nc = None
            try:
                nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=-1, reconnect_time_wait=1)
                js = nc.jetstream()
                await ensure_stream(js)
                await ensure_dead_letters(js)
                sub = await js.pull_subscribe(SUBJECTS, durable=DURABLE, stream=STREAM,
                                              config=consumer_config(self.settings))
                backoff = 0.5
                while not stop.is_set():
                    try:
                        msgs = await sub.fetch(FETCH, timeout=1)
                    except (TimeoutError, nats.errors.TimeoutError):
                        continue
                    await self.on_messages(js, msgs)
            except Exception as exc:  # noqa: BLE001 (NATS or the store is away: wait and retry)
                log.warning("notifier paused (%s: %s); retrying in %.1fs", type(exc).__name__, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
            finally:
                if nc is not None and not nc.is_closed:
                    with contextlib.suppress(Exception):
                        await nc.close()


def run_nats_notifier(platform: Any, stop: threading.Event) -> None:
    notifier = NatsNotifier(platform)
    try:
        asyncio.run(notifier.run(stop, platform.settings.nats_url))
    finally:
        notifier.notifier.close()


# -- the dead letters ---------------------------------------------------------------------------
async def dead_letters(url: str) -> list[dict[str, Any]]:
    """Every message in QIHUI_NOTICES_DLQ: its sequence, the event, the reason."""
    nc = await nats.connect(url, connect_timeout=2)
    try:
        js = nc.jetstream()
        try:
            info = await js.stream_info(DLQ)
        except NotFoundError:
            return []
        found = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                msg = await js.get_msg(DLQ, seq)
            except NotFoundError:  # deleted after a successful retry
                continue
            headers = msg.headers or {}
            found.append({"seq": seq, "subject": msg.subject, "event_id": headers.get("Qihui-Event-Id"),
                          "deliveries": int(headers.get("Qihui-Deliveries", 0)), "reason": headers.get("Qihui-Reason"),
                          "fact": msgspec.json.decode(msg.data)})
        return found
    finally:
        await nc.close()


async def retry_dead_letters(url: str, notifier: Notifier) -> tuple[int, list[dict[str, Any]]]:
    """Handle every dead letter again, here and now; the ones that went through leave the
    stream. Returns (notices sent, the letters still failing)."""
    sent, still = 0, []
    letters = await dead_letters(url)
    nc = await nats.connect(url, connect_timeout=2)
    try:
        js = nc.jetstream()
        for letter in letters:
            outcome = await asyncio.to_thread(notifier.handle, letter["fact"])
            sent += outcome.sent
            if outcome.failures:
                still.append({**letter, "reason": "; ".join(outcome.failures)})
            else:
                await js.delete_msg(DLQ, letter["seq"])
    finally:
        await nc.close()
    return sent, still
