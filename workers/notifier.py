"""The notifier: turns events into notices and sends them on the channels each account
chose (workers.channels), at most once per (event, recipient, channel).

The sent-once record is a row per (event, account, channel) in the views' database,
claimed before sending (`sending`), marked `sent` at the channel's point of no return.
A claim left by a worker that died is taken over after QIHUI_NOTIFIER_LEASE seconds only
where the channel says nothing can have reached the recipient (e-mail); otherwise it
stays "in doubt" and is listed, never sent twice. A send that failed is tried again
with back-off (`failed`), up to QIHUI_NOTIFIER_MAX_DELIVER times, then given up (`dead`,
with the reason), to be listed by `qihui notices failed` and replayed by `qihui notices retry`.

Embedded (the default) it follows the event log in-process (`follow_log`); distributed,
workers.notifier_nats consumes the JetStream stream QIHUI_EVENTS. Both decide with the
same rules from the same view (projections.notices), once it has passed the event.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.notices import DEFAULT_CHANNELS, Notice, Rule
from projections import notices_inbox
from projections.notices import Rules, decided, fact_of
from projections.store import TrackingConflict
from workers.channels import Channel, Message, PermanentFailure, TransientFailure, configured

log = logging.getLogger(__name__)

DELIVERIES = "notice_deliveries"
DDL = (f"CREATE TABLE IF NOT EXISTS {DELIVERIES} (id TEXT PRIMARY KEY, event_id TEXT NOT NULL, "
       "position BIGINT NOT NULL, account_id TEXT NOT NULL, channel TEXT NOT NULL, kind TEXT NOT NULL, "
       "status TEXT NOT NULL, attempts INTEGER NOT NULL, owner TEXT NOT NULL, claimed_at BIGINT NOT NULL, "
       "error TEXT)",
       f"CREATE INDEX IF NOT EXISTS ix_{DELIVERIES}_status ON {DELIVERIES} (status, claimed_at)")
CHECKPOINT = "notifier:log"
_NAMESPACE = uuid.UUID("6f1d0c8e-5b7a-4d0e-9a3c-2e8f4b1d7c60")


def _key(notice: Notice, channel: Channel) -> str:
    return f"{notice.id}:{channel.name}"


def _ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class Outcome:
    sent: int = 0
    failures: tuple[str, ...] = ()  # transient: the event is worth handling again later


class Notifier:
    def __init__(self, platform: Any, *, channels: Mapping[str, Channel] | None = None,
                 rules: Iterable[Rule] | None = None, view_wait: float = 30.0):
        from qihui import contexts

        self.platform = platform
        self.settings = platform.settings
        self.channels = dict(configured(platform.settings) if channels is None else channels)
        self.rules = Rules(contexts.notices() if rules is None else rules)
        self.owner = uuid.uuid4().hex
        self.view_wait = view_wait
        self._lock = threading.Lock()  # channels keep one connection: one send at a time
        with platform.views.transaction() as tx:
            for statement in DDL:
                tx.execute(statement)
        if CHECKPOINT not in platform.views.positions():
            # A notifier's first start: from now on, not years of history at once (the inbox has it).
            platform.views.ensure_tracking([CHECKPOINT])
            with contextlib.suppress(TrackingConflict), platform.views.transaction() as tx:
                platform.views.advance(tx, CHECKPOINT, 0, platform.runner.head())

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()

    # -- one event ----------------------------------------------------------------------------
    def _wait_for_view(self, position: int) -> None:
        deadline = time.monotonic() + self.view_wait
        while self.platform.views.positions(["notices"])["notices"] < position:
            if time.monotonic() > deadline:
                raise TransientFailure(f"the notices view has not reached position {position} yet")
            time.sleep(0.02)

    def handle(self, fact: Mapping[str, Any]) -> Outcome:
        """Send what this event asks for; what already went (or is in doubt) is not sent again."""
        return self.handle_all([fact])[fact["event_id"]]

    def handle_all(self, facts: Sequence[Mapping[str, Any]]) -> dict[str, Outcome]:
        """`handle` for many events at once (a batch of the log or of the stream): one read of who
        is told and where, one claim, e-mails sent side by side. Each event's outcome on its own."""
        sent: dict[str, int] = {f["event_id"]: 0 for f in facts}
        failures: dict[str, list[str]] = {f["event_id"]: [] for f in facts}
        mine = [f for f in facts if self.channels and f"{f['aggregate_type']}.{f['type']}" in self.rules.by_event]
        if mine:
            try:
                self._wait_for_view(max(int(f["position"]) for f in mine))
                self._send_all(mine, sent, failures)
            except TransientFailure as exc:
                for f in mine:
                    failures[f["event_id"]].append(str(exc))
        return {e: Outcome(sent=sent[e], failures=tuple(failures[e])) for e in sent}

    def _send_all(self, facts: Sequence[Mapping[str, Any]], sent: dict[str, int],
                  failures: dict[str, list[str]]) -> None:
        with self.platform.views.read() as tx:
            # As the inbox has them: the accounts told are those of the moment of the event.
            notices = decided(tx, [f["event_id"] for f in facts])
        sends = []  # (notice, channel, address)
        accounts = notices_inbox.accounts(self.platform.views, [n.account_id for n in notices])
        docs = [accounts[n.account_id] for n in notices]
        for notice, account, contact in zip(notices, docs, notices_inbox.contacts(self.platform.views, docs),
                                            strict=True):
            for name in account.get("channels", {}).get(notice.kind, DEFAULT_CHANNELS):
                channel = self.channels.get(name)
                to = channel.address(contact) if channel is not None else None
                if channel is not None and to:  # else: off here, or no way to reach them (erased: none)
                    sends.append((notice, channel, to))
        # Claims for resumable channels in one transaction (one left unsent by a dead worker is
        # taken over); the others one at a time, just before sending (never left "in doubt" unsent).
        claimed, busy = self._claim_all([(n, c) for n, c, _ in sends if c.resumable])
        batched = [(n, c, to) for n, c, to in sends if _key(n, c) in claimed and hasattr(c, "send_batch")]
        for channel in {c.name: c for _, c, _ in batched}.values():
            self._deliver_batch(channel, [(n, to) for n, c, to in batched if c is channel], sent, failures)
        for notice, channel, to in sends:
            if (notice, channel, to) in batched:
                continue
            key = _key(notice, channel)
            won = key in claimed if channel.resumable else bool(self._claim_all([(notice, channel)])[0])
            if key in busy:  # claimed by a worker that may have died: look again once its lease ends
                failures[notice.event_id].append(f"{channel.name} {notice.account_id}: being sent by another worker")
            if not won:
                continue  # sent already, being sent, or in doubt
            try:
                sent[notice.event_id] += self._deliver(notice, channel, to)
            except TransientFailure as exc:
                failures[notice.event_id].append(f"{channel.name} {notice.account_id}: {exc}")

    def _deliver_batch(self, channel: Any, items: list[tuple[Notice, str]], sent: dict[str, int],
                       failures: dict[str, list[str]]) -> None:
        """Claimed sends on a channel that sends many at once (e-mail): one record commit for each
        group it sends side by side, at their common point of no return."""
        keys = [_key(n, channel) for n, _ in items]
        messages = [Message(message_id=str(uuid.uuid5(_NAMESPACE, key)), kind=n.kind, to=to, text=n.text,
                            values=n.values) for key, (n, to) in zip(keys, items, strict=True)]
        with self._lock:
            results = channel.send_batch(messages, lambda indices: self._mark_sent([keys[i] for i in indices]))
        for key, (notice, _), result in zip(keys, items, results, strict=True):
            if result is None:
                sent[notice.event_id] += 1
            elif isinstance(result, PermanentFailure):
                self._mark(key, "rejected", str(result))
            else:
                self._failed(key, str(result))
                failures[notice.event_id].append(f"{channel.name} {notice.account_id}: {result}")

    def _deliver(self, notice: Notice, channel: Channel, to: str) -> int:
        """Send one claimed notice; the record says sent from the channel's point of no return."""
        key = _key(notice, channel)
        message = Message(message_id=str(uuid.uuid5(_NAMESPACE, key)), kind=notice.kind, to=to, text=notice.text,
                          values=notice.values)
        committed = []

        def commit() -> None:
            self._mark(key, "sent", None)
            committed.append(True)

        try:
            with self._lock:
                channel.send(message, commit)
        except PermanentFailure as exc:
            self._mark(key, "rejected", str(exc))
            return 0
        except TransientFailure as exc:
            self._failed(key, str(exc))
            raise
        except Exception as exc:  # a bug in a channel must not stop the others: record it as a failure
            log.exception("channel %s failed", channel.name)
            self._failed(key, f"{type(exc).__name__}: {exc}")
            raise TransientFailure(str(exc)) from exc
        if not committed:  # a channel that never called commit (none should)
            commit()
        return 1

    # -- the sent-once record -----------------------------------------------------------------
    def _claim_all(self, sends: list[tuple[Notice, Channel]]) -> tuple[set[str], set[str]]:
        """Claim these sends (new ones; failed ones; stale ones where the channel allows): the keys
        won, and those another worker holds that may be taken over once stale."""
        if not sends:
            return set(), set()
        now, won, busy = _ms(), set(), set()
        stale = now - int(self.settings.notifier_lease * 1000)
        with self.platform.views.transaction() as tx:
            for start in range(0, len(sends), 400):  # new sends: one statement per 400
                chunk = sends[start:start + 400]
                rows = ", ".join("(?, ?, ?, ?, ?, ?, 'sending', 1, ?, ?)" for _ in chunk)
                won |= {r["id"] for r in tx.fetchall(
                    f"INSERT INTO {DELIVERIES} (id, event_id, position, account_id, channel, kind, status, attempts, "
                    f"owner, claimed_at) VALUES {rows} ON CONFLICT (id) DO NOTHING RETURNING id",
                    [v for n, c in chunk for v in (_key(n, c), n.event_id, n.position, n.account_id, c.name, n.kind,
                                                    self.owner, now)])}
            for notice, channel in sends:  # known ones: failed, given up, or left by a worker that died
                key = _key(notice, channel)
                if key in won:
                    continue
                if tx.execute(f"UPDATE {DELIVERIES} SET status = 'sending', attempts = attempts + 1, owner = ?, "
                              "claimed_at = ? WHERE id = ? AND (status IN ('failed', 'dead') OR "
                              "(status = 'sending' AND ? = 1 AND claimed_at < ?))",
                              (self.owner, now, key, 1 if channel.resumable else 0, stale)) == 1:
                    won.add(key)
                elif channel.resumable and tx.scalar(f"SELECT status FROM {DELIVERIES} WHERE id = ?",
                                                     (key,)) == "sending":
                    busy.add(key)
        return won, busy

    def _mark(self, key: str, status: str, error: str | None) -> None:
        with self.platform.views.transaction() as tx:
            tx.execute(f"UPDATE {DELIVERIES} SET status = ?, error = ? WHERE id = ? AND owner = ?",
                       (status, error, key, self.owner))

    def _mark_sent(self, keys: list[str]) -> None:
        marks = ", ".join("?" for _ in keys)
        with self.platform.views.transaction() as tx:
            tx.execute(f"UPDATE {DELIVERIES} SET status = 'sent', error = NULL WHERE owner = ? AND id IN ({marks})",
                       (self.owner, *keys))

    def _failed(self, key: str, error: str) -> None:
        with self.platform.views.transaction() as tx:
            tx.execute(f"UPDATE {DELIVERIES} SET status = CASE WHEN attempts >= ? THEN 'dead' ELSE 'failed' END, "
                       "error = ?, claimed_at = ? WHERE id = ? AND owner = ?",
                       (self.settings.notifier_max_deliver, error, _ms(), key, self.owner))

    # -- embedded: following the log ------------------------------------------------------------
    def position(self) -> int:
        return self.platform.views.positions([CHECKPOINT])[CHECKPOINT]

    def follow_once(self, limit: int = 500) -> int:
        """Handle the next events of the log after the checkpoint; return how many were read."""
        start = self.position()
        batch = self.platform.runner.read_batch(start)[:limit]
        self.handle_all([fact_of(position, event) for position, event in batch if self.rules.answers(event)])
        if batch:
            try:
                with self.platform.views.transaction() as tx:
                    self.platform.views.advance(tx, CHECKPOINT, start, batch[-1][0])
            except TrackingConflict:
                log.info("another notifier moved the checkpoint; continuing from there")
        return len(batch)

    def due_retries(self) -> list[int]:
        """Positions of events with a failed send whose back-off has passed."""
        backoff = self.settings.notifier_backoff or (1.0,)
        now = _ms()
        resumable = [name for name, channel in self.channels.items() if channel.resumable]
        marks = ", ".join("?" for _ in resumable) or "NULL"
        with self.platform.views.read() as tx:
            rows = tx.fetchall(f"SELECT position, attempts, claimed_at FROM {DELIVERIES} WHERE status = 'failed'")
            # Claims of a worker that died, on channels where nothing can have gone out: take them over.
            stale = tx.fetchall(f"SELECT DISTINCT position FROM {DELIVERIES} WHERE status = 'sending' "
                                f"AND claimed_at < ? AND channel IN ({marks})",
                                (now - int(self.settings.notifier_lease * 1000), *resumable))
        return sorted({r["position"] for r in rows
                       if r["claimed_at"] + 1000 * backoff[min(r["attempts"], len(backoff)) - 1] <= now}
                      | {r["position"] for r in stale})

    def replay(self, positions: Iterable[int]) -> Outcome:
        """Handle these events again (a retry): what was sent stays sent."""
        app, facts = self.platform.app, []
        for position in positions:
            found = app.recorder.select_notifications(start=position, limit=1, inclusive_of_start=True)
            if found and found[0].id == position:
                facts.append(fact_of(position, app.mapper.to_domain_event(found[0])))
        outcomes = self.handle_all(facts).values()
        return Outcome(sent=sum(o.sent for o in outcomes), failures=tuple(f for o in outcomes for f in o.failures))

    def follow_log(self, stop: threading.Event, idle: float = 0.2) -> None:
        while not stop.is_set():
            try:
                busy = self.follow_once()
                self.replay(self.due_retries())
            except Exception:  # the store may be away: keep following
                log.exception("notifier batch failed")
                busy = 0
            if not busy:
                stop.wait(idle)

    # -- what went wrong ----------------------------------------------------------------------
    def failed(self) -> list[dict[str, Any]]:
        """Given up (dead), refused by a gateway (rejected), and claims left in doubt."""
        stale = _ms() - int(self.settings.notifier_lease * 1000)
        with self.platform.views.read() as tx:
            return tx.fetchall(
                f"SELECT id, event_id, position, account_id, channel, kind, status, attempts, error FROM {DELIVERIES} "
                "WHERE status IN ('dead', 'rejected') OR (status = 'sending' AND claimed_at < ?) ORDER BY position, id",
                (stale,))


def run_notifier(platform: Any, stop: threading.Event) -> None:
    """Embedded mode: follow the log in this process (started by Platform.start_workers)."""
    notifier = Notifier(platform)
    try:
        notifier.follow_log(stop)
    finally:
        notifier.close()
