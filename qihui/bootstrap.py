"""Wires the platform together: one place that knows every part."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from domain.application import Qihui
from projections import personal
from projections.chain import AnchorLog, ChainKeys
from projections.figures import Figures, summary
from projections.runner import ProjectionRunner
from projections.store import PostgresViews, SQLiteViews, ViewDatabase
from qihui import contexts
from qihui.contexts.base import Job, Needs
from qihui.settings import Settings
from service.clock import Clock
from service.credentials import TokenSigner
from service.keystore import KeyStore, adopt_legacy_keys, open_keystore
from service.personal import PersonalFields
from service.preload import latest_versions, load_many
from service.writer import CommandWriter


@dataclass
class Platform:
    settings: Settings
    app: Qihui
    views: ViewDatabase
    runner: ProjectionRunner
    writer: CommandWriter
    signer: TokenSigner
    clock: Clock
    chain_keys: ChainKeys
    anchors: AnchorLog  # the signed chain heads, under the data directory
    keys: KeyStore  # person keys (PIPL), apart from the events and the views
    jobs: list[Job] = field(default_factory=list)  # the scheduler's, from every context
    figures: list[Figures] = field(default_factory=list)  # every context's section of the summary
    # Set while this process's own projector follows the log (embedded mode; of several
    # replicas, the one holding the projector's lease): its runner then tells where the views stand.
    projecting: threading.Event = field(default_factory=threading.Event)
    project_here: bool = True  # False: a child process keeps the views (`qihui serve`, workers.projector_process)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start_workers(self) -> None:
        """Embedded mode: the projector and the scheduler run as threads of this process, and the
        notifier too once a notice channel is configured (without NATS: distributed, it is
        `qihui worker notifier`)."""
        from workers.lease import lead
        from workers.notifier import run_notifier
        from workers.scheduler import run_scheduler

        project: Callable[[threading.Event], None] = self._project
        if self.settings.replica_url:  # one of several replicas: one projector among them works
            project = partial(lead, self.settings, "projector", work=self._project)
        workers = [("qihui-projector", project)] if self.project_here else []
        workers.append(("qihui-scheduler", lambda stop: run_scheduler(self, stop)))
        if not self.settings.nats_url and "on" in [v for k, v in self.settings.notice_channels().items()
                                                   if k != "inbox"]:
            workers.append(("qihui-notifier", lambda stop: run_notifier(self, stop)))
        for name, target in workers:
            thread = threading.Thread(target=target, args=(self._stop,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _project(self, until: threading.Event) -> None:
        self.projecting.set()
        try:
            self.runner.run_forever(until)
        finally:
            self.projecting.clear()

    def summary(self, start: date, end: date) -> dict[str, Any]:
        """The period's figures, every context's section (GET /stats/summary, the desk, `qihui stats`)."""
        return summary(self.views, start, end, self.settings.time_zone, self.figures, self.clock.now())

    def close(self) -> None:
        self._stop.set()
        self.runner.wakeup.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self.writer.stop()
        self.views.close()
        self.keys.close()
        self.app.close()


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None) -> Platform:
    settings = settings or Settings.from_env()
    views: ViewDatabase
    if settings.is_postgres:
        views = PostgresViews(settings.postgres_conninfo())
    else:
        views = SQLiteViews(settings.sqlite_path)
    chain_keys = ChainKeys(settings.chain_keys, settings.chain_key_dir)
    anchors = AnchorLog(settings.anchors_file)
    # Processes started together (compose) take turns creating tables: the event store's, the
    # key store's and the views' (a race loses one of them otherwise, issue 21).
    with views.schema_lock():
        app = Qihui(env=settings.store_env)
        app.snapshot_every = contexts.snapshot_every()  # read by the writer after each save
        keys = open_keystore(settings)
        app.keys = keys  # type: ignore[attr-defined]  # commands seal with it (service.personal.keys_of)
        personal.bind(views, keys)  # queries open sealed values with it (projections.personal)
        # Every context's views (the people context's erasure reaction destroys keys as the projector
        # meets Person.Erased: at least once, idempotent).
        needs = Needs(settings=settings, chain_keys=chain_keys, anchors=anchors, keys=keys)
        runner = ProjectionRunner(app, views, contexts.views(needs))
        runner.ensure_schema()
        adopt_legacy_keys(views, keys)  # keys once kept beside the views move to the key store, once
    writer = CommandWriter(app, on_commit=lambda _pos: runner.wakeup.set(), deadline=settings.command_deadline,
                           cache_events=settings.cache_events,
                           load_many=lambda ids: load_many(app, views, ids),
                           # Other processes write to PostgreSQL too (replicas, the CLI): check what was read.
                           latest_versions=(lambda ids: latest_versions(app, views, ids)) if settings.is_postgres
                           else None,
                           before_save=PersonalFields(contexts.personal()).refuse_clear)
    return Platform(
        settings=settings, app=app, views=views, runner=runner, writer=writer,
        signer=TokenSigner(settings.secret_key, settings.token_ttl_seconds),
        clock=clock or Clock(time_zone=settings.time_zone), chain_keys=chain_keys, anchors=anchors, keys=keys,
        jobs=contexts.jobs(), figures=contexts.figures(),
    )
