"""Follows the notification log and keeps every view up to date.

Events are read and decoded once per batch and handed to each view; each
view writes its rows and its new position in one transaction, so a crash at
any instant neither loses nor double-applies an event (exactly once).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.application import Application

from projections.store import TrackingConflict, ViewDatabase
from projections.view import View

log = logging.getLogger(__name__)


class ViewHalted(Exception):
    """A view refuses to apply more events (the hash chain, when its history was
    cut back): the runner stops that view, logs why, and goes on with the others."""

    def __init__(self, view: str, position: int, message: str):
        super().__init__(message)
        self.view = view
        self.position = position


class ProjectionRunner:
    def __init__(self, app: Application, db: ViewDatabase, views: Sequence[View],
                 *, batch_size: int = 2000):
        self.app = app
        self.db = db
        self.views = list(views)
        self.batch_size = batch_size
        self.wakeup = threading.Event()
        self._caught_up = threading.Condition()
        self.halted: dict[str, ViewHalted] = {}  # view -> why it was stopped (until restarted)
        self.applied = 0  # every view has applied at least this position (this process's view of it)

    def ensure_schema(self) -> None:
        """Create what is missing; a view whose definition changed (its `version`) is emptied
        and replayed from the log by the projector (under the caller's schema lock)."""
        with self.db.transaction() as tx:
            for view in self.views:
                view.create(tx)
        self.db.ensure_tracking(v.name for v in self.views)
        with self.db.transaction() as tx:
            changed = self.db.changed_versions(tx, {v.name: v.version for v in self.views})
            for view in self.views:
                if view.name in changed and getattr(view, "rebuildable", True):
                    log.warning("view %s changed definition: rebuilding it from the log", view.name)
                    view.clear(tx)
                    self.db.reset(tx, view.name)

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def read_batch(self, after: int) -> list[tuple[int, Any]]:
        return [(n.id, e) for n, e in self.read_raw_batch(after)]

    def read_raw_batch(self, after: int) -> list[tuple[Any, Any]]:
        """(stored notification, decoded event) pairs after `after`."""
        notifications = self.app.recorder.select_notifications(
            start=after, limit=self.batch_size, inclusive_of_start=False
        )
        to_event = self.app.mapper.to_domain_event
        return [(n, to_event(n)) for n in notifications]

    def run_once(self) -> int:
        """Apply one batch to every view that is behind; return events read."""
        views = [v for v in self.views if v.name not in self.halted]
        if not views:
            return 0
        positions = self.db.positions([v.name for v in views])
        raw = self.read_raw_batch(min(positions.values()))
        if not raw:
            self.applied = max(self.applied, min(positions.values()))
            return 0
        batch = [(n.id, e) for n, e in raw]
        stored = [(n.id, n) for n, _ in raw]
        last = batch[-1][0]
        # One transaction for every view's rows and positions: fewer commits, and
        # still exactly once per view (a position that moved meanwhile rolls the
        # whole batch back, and the next round re-reads).
        try:
            with self.db.transaction() as tx:
                for view in views:
                    old = positions[view.name]
                    if old < last:
                        # Claim the range first: a rival that got there first shows up as a
                        # TrackingConflict here, before any row could collide.
                        self.db.advance(tx, view.name, old, last)
                        if check := getattr(view, "check", None):
                            check(tx, old)  # the range is ours: may the view go on from `old`? (ViewHalted)
                        # A view that keeps the stored bytes (the hash chain) gets them instead.
                        source = stored if getattr(view, "raw", False) else batch
                        view.apply(tx, [(p, e) for p, e in source if p > old])
            self.applied = max(self.applied, last)
        except TrackingConflict as conflict:
            log.info("view %s was advanced elsewhere; re-reading", conflict)
        except ViewHalted as halted:  # nothing of this batch was written: re-run it without that view
            log.error("view %s stopped at position %s: %s", halted.view, halted.position, halted)
            self.halted[halted.view] = halted
        with self._caught_up:
            self._caught_up.notify_all()
        return len(batch)

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        total = 0
        while n := self.run_once():
            total += n
            if progress:
                progress(n)
        return total

    def rebuild(self, names: Sequence[str] | None = None,
                progress: Callable[[int], None] | None = None) -> int:
        """Empty the named views (all by default) and replay the log into them.
        Safe beside a running projector: the tracking compare-and-set lets only
        one of them apply each batch."""
        chosen = [v for v in self.views if (v.name in names if names is not None
                                             else getattr(v, "rebuildable", True))]  # the chain never is
        with self.db.transaction() as tx:
            for view in chosen:
                view.clear(tx)
                self.db.reset(tx, view.name)
        runner = ProjectionRunner(self.app, self.db, chosen, batch_size=self.batch_size)
        return runner.catch_up(progress)

    def settle(self, names: Sequence[str] | None = None) -> None:
        """After a rebuild: the database's upkeep for the rebuilt tables (ViewDatabase.settle)."""
        self.db.settle([t for v in self.views if names is None or v.name in names for t in v.tables])

    def run_forever(self, stop: threading.Event, interval: float = 0.05, gather: float = 0.01) -> None:
        """Follow the log until `stop`. Woken by a commit, wait `gather` seconds
        more so that a burst of commands is applied as one batch, not many."""
        while not stop.is_set():
            try:
                busy = self.catch_up()
            except Exception:  # keep following the log; the database may come back
                log.exception("projection batch failed")
                busy = 0
            if not busy:
                if self.wakeup.wait(interval):
                    stop.wait(gather)
                self.wakeup.clear()

    def wait_for(self, name: str, position: int, timeout: float) -> bool:
        """Block until `name` has applied `position` (in-process runners)."""
        with self._caught_up:
            return self._caught_up.wait_for(
                lambda: self.db.positions([name])[name] >= position, timeout
            )
