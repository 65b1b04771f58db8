"""The write path: one writer thread per process, group commit.

HTTP handlers hand a command (a function of a UnitOfWork) to the writer and
wait for its outcome. The writer keeps the aggregates it has loaded in memory,
applies every waiting command in arrival order and saves all changed
aggregates in one transaction. A command is acknowledged only after that
transaction commits, so nothing is reported done that is not stored.

Why: saving one request at a time collapses under a rush (STACK-NOTES: 18/s on
one hot session versus thousands per second with group commit). The event
store's optimistic concurrency stays the safety net: when another process
wrote first, the batch is replayed one command at a time against fresh state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, PersistenceError

from domain.errors import ConcurrentUpdate, NotFound

log = logging.getLogger(__name__)

A = TypeVar("A", bound=Aggregate)
Command = Callable[["UnitOfWork"], Any]

RETRIES = 5


class StoreUnavailable(Exception):
    """The event store could not be reached; the API answers 503."""


@dataclass
class Outcome:
    value: Any = None
    position: int = 0
    error: BaseException | None = None

    def unwrap(self) -> tuple[Any, int]:
        if self.error is not None:
            raise self.error
        return self.value, self.position


@dataclass
class _Job:
    command: Command
    done: Callable[[Outcome], None]
    outcome: Outcome = field(default_factory=Outcome)
    events: list[tuple[UUID, int]] = field(default_factory=list)


class AggregateCache:
    """The writer's in-memory aggregates; the least recently used are dropped once there are
    more than `maxsize` of them or they have folded more than `max_events` events in all (an
    aggregate's version: its size, roughly, for the ones that grow, such as a session with its
    registrations), so memory stays bounded by size, not only by count."""

    def __init__(self, app: Application, maxsize: int, max_events: int | None = None):
        self.app = app
        self.maxsize, self.max_events = maxsize, max_events
        self.events = 0  # the versions of the aggregates held, summed
        self._weights: dict[UUID, int] = {}
        self._items: OrderedDict[UUID, Aggregate] = OrderedDict()
        self.read: set[UUID] = set()  # handed to this batch's commands
        self._fresh: set[UUID] = set()  # loaded from the store during this batch
        # Handed to a command or put here since the last save, in that order: the only ones that may
        # hold unsaved events (a save looks at these, not at the whole cache).
        self._touched: dict[UUID, None] = {}

    def begin_batch(self) -> None:
        self.read, self._fresh = set(), set()
        touched = self._touched
        for i in touched:  # what the last batch saved has grown
            if (a := self._items.get(i)) is not None:
                self._weigh(a)
        self._touched = {i: None for i in touched if (a := self._items.get(i)) is not None and a.pending_events}
        self._shrink()

    def touch(self, aggregate_id: UUID) -> None:
        self._touched[aggregate_id] = None

    def held_before_batch(self, aggregate_id: UUID) -> bool:
        return aggregate_id not in self._fresh

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        agg = self._items.get(aggregate_id)
        if agg is not None:
            self._items.move_to_end(aggregate_id)
            return agg
        try:
            agg = self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        self.put(agg)
        self._fresh.add(agg.id)
        return agg

    def put(self, agg: Aggregate) -> None:
        self._touched[agg.id] = None
        self._items[agg.id] = agg
        self._items.move_to_end(agg.id)
        self._weigh(agg)
        self._shrink()

    def _weigh(self, agg: Aggregate) -> None:
        weight = agg.version
        self.events += weight - self._weights.get(agg.id, 0)
        self._weights[agg.id] = weight

    def _over(self) -> bool:
        if len(self._items) > self.maxsize:
            return True
        return self.max_events is not None and self.events > self.max_events and len(self._items) > 1

    def _shrink(self) -> None:
        while self._over():
            oldest_id, oldest = next(iter(self._items.items()))
            if oldest.pending_events or oldest_id in self._touched:  # never what this batch holds
                break
            self.evict(oldest_id)

    def evict(self, aggregate_id: UUID) -> None:
        self._items.pop(aggregate_id, None)
        self.events -= self._weights.pop(aggregate_id, 0)

    def changed(self) -> list[Aggregate]:
        return [a for i in self._touched if (a := self._items.get(i)) is not None and a.pending_events]


class UnitOfWork:
    """What a command sees: aggregates by id, and a place to add new ones.

    It remembers, for each aggregate it hands out, how many unsaved events the
    aggregate had before this command, so a failing command can be undone
    without losing the batch's earlier commands.
    """

    def __init__(self, cache: AggregateCache):
        self._cache = cache
        self._marks: dict[UUID, int] = {}
        self._new: dict[UUID, Aggregate] = {}

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        agg = self._new.get(aggregate_id)
        if agg is None:
            agg = self._cache.get(aggregate_id)
            if agg is None:
                return None
            self._marks.setdefault(agg.id, len(agg.pending_events))
            self._cache.read.add(agg.id)
            self._cache.touch(agg.id)
        return agg if isinstance(agg, cls) else None

    def get(self, cls: type[A], aggregate_id: UUID) -> A:
        agg = self.find(cls, aggregate_id)
        if agg is None:
            raise NotFound(f"{getattr(cls, 'LABEL', cls.__name__)} {aggregate_id} 不存在 (not found)")
        return agg

    def add(self, agg: Aggregate) -> None:
        self._new[agg.id] = agg

    # -- used by the writer --------------------------------------------------
    def new_events(self) -> list[tuple[UUID, int]]:
        keys = []
        for agg_id, mark in self._marks.items():
            agg = self._cache._items.get(agg_id)
            if agg is not None:
                keys += [(e.originator_id, e.originator_version) for e in agg.pending_events[mark:]]
        for agg in self._new.values():
            keys += [(e.originator_id, e.originator_version) for e in agg.pending_events]
        return keys

    def commit_new(self) -> None:
        for agg in self._new.values():
            self._cache.put(agg)

    def undo(self) -> None:
        """Drop this command's events from the aggregates it touched."""
        for agg_id, mark in self._marks.items():
            agg = self._cache._items.get(agg_id)
            if agg is None or len(agg.pending_events) == mark:
                continue
            self._cache.evict(agg_id)
            kept = list(agg.pending_events[:mark])
            if not kept:
                continue
            # Rebuild from the stored state plus the batch's earlier events.
            try:
                rebuilt: Any = self._cache.app.repository.get(agg_id)
            except AggregateNotFoundError:
                rebuilt = None
            for e in kept:
                rebuilt = e.mutate(rebuilt)
            rebuilt._pending_events = kept
            self._cache.put(rebuilt)


class CommandWriter:
    """Runs commands in one thread with group commit (see module docstring)."""

    def __init__(self, app: Application, *, max_batch: int = 256, cache_size: int = 20_000,
                 cache_events: int | None = None,
                 deadline: float = 2.0,
                 on_commit: Callable[[int], None] | None = None,
                 load_many: Callable[[list[UUID]], list[Aggregate]] | None = None,
                 before_save: Callable[[list[Aggregate]], None] | None = None,
                 latest_versions: Callable[[list[UUID]], dict[UUID, int]] | None = None):
        self.app = app
        # Where other processes may write too: the stored versions of aggregates read (_stale_reads).
        self.latest_versions = latest_versions
        self.before_save = before_save  # a last guard on what is about to be stored (personal data sealed)
        self.deadline = deadline
        self.load_many = load_many
        self.max_batch = max_batch
        self.cache = AggregateCache(app, cache_size, cache_events)
        self.on_commit = on_commit
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._batch_started: float | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="qihui-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    # -- submitting --------------------------------------------------------------
    def submit(self, command: Command, done: Callable[[Outcome], None]) -> None:
        self.start()
        self._queue.put(_Job(command, done))

    def execute(self, command: Command, timeout: float = 30) -> tuple[Any, int]:
        """Run a command and wait (for threads: CLI, scheduler, tests)."""
        box: list[Outcome] = []
        ready = threading.Event()

        def done(outcome: Outcome) -> None:
            box.append(outcome)
            ready.set()

        self.submit(command, done)
        if not ready.wait(timeout):
            raise StoreUnavailable("the writer did not answer in time")
        return box[0].unwrap()

    async def run(self, command: Command) -> tuple[Any, int]:
        """Run a command from async code (HTTP handlers) without blocking the loop.
        When the store does not answer within the deadline (the library retries a
        lost database for a long while), the caller gets StoreUnavailable (503)
        instead of hanging; the command may still be applied when it returns."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Outcome] = loop.create_future()

        def done(outcome: Outcome) -> None:
            loop.call_soon_threadsafe(_resolve, fut, outcome)

        self.submit(command, done)
        waited = 0.0
        while True:
            try:
                outcome = await asyncio.wait_for(asyncio.shield(fut), self.deadline)
                return outcome.unwrap()
            except TimeoutError:
                waited += self.deadline
                # A writer that is merely busy (a rush) is waited for; one stuck in a
                # single batch for a good part of the deadline has lost its database.
                if self.stuck_for() >= self.deadline / 2 or waited >= 30:
                    raise StoreUnavailable("the event store did not answer in time") from None

    def stuck_for(self) -> float:
        """Seconds the current batch has been running (0 when idle)."""
        started = self._batch_started
        return time.monotonic() - started if started is not None else 0.0

    # -- the writer thread -------------------------------------------------------
    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(nxt)
            self._run_batch(batch)

    def _keys(self) -> Any:
        """The key store beside the application (qihui.bootstrap wires it): new persons' keys are
        held for a batch and stored once, before its events (service.keystore)."""
        return getattr(self.app, "keys", None)

    def _prefetch(self, batch: list[_Job]) -> None:
        """Load, in one go, the aggregates the batch's commands said they will read."""
        if self.load_many is None:
            return
        wanted = [i for job in batch for i in getattr(job.command, "prefetch", ())
                  if i not in self.cache._items]
        if len(wanted) > 1:
            for agg in self.load_many(wanted):
                self.cache.put(agg)

    def _run_batch(self, batch: list[_Job]) -> None:
        keys = self._keys()
        with keys.holding() if keys is not None else contextlib.nullcontext():
            self._run_held(batch, keys)

    def _run_held(self, batch: list[_Job], keys: Any) -> None:
        self._batch_started = time.monotonic()
        try:
            self._prefetch(batch)
            for attempt in range(RETRIES):
                self.cache.begin_batch()
                if keys is not None:
                    keys.forget_held()
                for job in batch:
                    self._apply(job)
                if attempt == RETRIES - 1 or not self._stale_reads():
                    break
            self._save([j for j in batch if j.outcome.error is None])
        except IntegrityError:
            # Someone else wrote one of these aggregates (another process, or a
            # uniqueness claim): replay each command alone against fresh state.
            for agg in self.cache.changed():
                self.cache.evict(agg.id)
            for job in batch:
                if job.outcome.error is None:
                    self._run_alone(job)
        except PersistenceError as exc:
            self._fail_batch(batch, exc)
        except Exception as exc:
            log.exception("writer batch failed")
            self._fail_batch(batch, exc)
        self._batch_started = None
        for job in batch:
            job.done(job.outcome)

    def _stale_reads(self) -> bool:
        """Did another process change an aggregate this batch decided on but did not change
        (an organisation's status read by a registration, say)? Then those are dropped, every
        change of the batch undone, and the batch runs again on fresh state. Only aggregates
        held from before the batch are checked (the others were just loaded)."""
        if self.latest_versions is None:
            return False
        held = [i for i in self.cache.read if self.cache.held_before_batch(i)]
        if not held:
            return False
        unchanged = {i: a.version for i in held if (a := self.cache._items.get(i)) is not None and not a.pending_events}
        stale = [i for i, v in self.latest_versions(list(unchanged)).items() if v > unchanged.get(i, v)]
        if not stale:
            return False
        log.info("writer: %s aggregate(s) changed elsewhere; running the batch again", len(stale))
        for agg_id in [*stale, *(a.id for a in self.cache.changed())]:
            self.cache.evict(agg_id)
        return True

    def _apply(self, job: _Job) -> None:
        uow = UnitOfWork(self.cache)
        job.outcome = Outcome()
        try:
            job.outcome.value = job.command(uow)
        except Exception as exc:  # noqa: BLE001 (the outcome carries it to the caller)
            uow.undo()
            job.outcome.error = exc
            return
        uow.commit_new()
        job.events = uow.new_events()

    def _save(self, jobs: list[_Job]) -> None:
        changed = self.cache.changed()
        if not changed:
            return
        versions_before = {a.id: a.version - len(a.pending_events) for a in changed}
        try:
            if self.before_save is not None:
                self.before_save(changed)
            keys = self._keys()
            if keys is not None:
                keys.flush_held()  # the keys before the events sealed with them
            recordings = self.app.save(*changed)
        except Exception:
            # save() has already taken the pending events off these aggregates:
            # their state in memory is no longer backed by the store. Drop them.
            for agg in changed:
                self.cache.evict(agg.id)
            raise
        self._snapshot(changed, versions_before)
        ids = {(r.domain_event.originator_id, r.domain_event.originator_version): r.notification.id
               for r in recordings}
        for job in jobs:
            job.outcome.position = max((ids[k] for k in job.events), default=0)
        if self.on_commit is not None and recordings:
            self.on_commit(recordings[-1].notification.id)

    def _snapshot(self, saved: list[Aggregate], versions_before: dict[UUID, int]) -> None:
        """Snapshot from the aggregate in memory whenever a save crosses a multiple
        of its interval (the library's own way reloads it from the store first)."""
        every = getattr(self.app, "snapshot_every", {})
        store = self.app.snapshots
        if store is None or not every:
            return
        for agg in saved:
            interval = every.get(type(agg))
            if interval and agg.version // interval > versions_before[agg.id] // interval:
                try:
                    store.put([type(agg).Snapshot.take(agg)])
                except Exception:
                    log.exception("snapshot of %s failed", agg.id)

    def _run_alone(self, job: _Job) -> None:
        keys = self._keys()
        for _ in range(RETRIES):
            try:
                if keys is not None:
                    keys.forget_held()
                self._apply(job)
                if job.outcome.error is None:
                    self._save([job])
                return
            except IntegrityError:
                for agg in self.cache.changed():
                    self.cache.evict(agg.id)
        job.outcome = Outcome(error=ConcurrentUpdate("数据正被同时修改，请重试 (concurrent update, retry)"))

    def _fail_batch(self, batch: list[_Job], exc: BaseException) -> None:
        for agg in self.cache.changed():
            self.cache.evict(agg.id)
        for job in batch:
            if job.outcome.error is None:
                job.outcome = Outcome(error=StoreUnavailable(str(exc)))


def on_aggregate(cls: type[A], aggregate_id: UUID, change: Callable[[A], Any]) -> Command:
    """The common command: load one aggregate and apply a change to it."""

    def command(uow: UnitOfWork) -> Any:
        return change(uow.get(cls, aggregate_id))

    return command


def _resolve(fut: asyncio.Future[Outcome], outcome: Outcome) -> None:
    if not fut.done():
        fut.set_result(outcome)
