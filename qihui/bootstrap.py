"""Wires the platform together: one place that knows every part."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from domain.application import Qihui
from projections import all_views, personal
from projections.runner import ProjectionRunner
from projections.store import PostgresViews, SQLiteViews, ViewDatabase
from qihui.settings import Settings
from service.clock import Clock
from service.credentials import TokenSigner
from service.preload import load_many
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
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start_workers(self) -> None:
        """Embedded mode: the projector and the scheduler run as threads of this process."""
        from workers.scheduler import run_scheduler

        for name, target in (("qihui-projector", self.runner.run_forever),
                             ("qihui-scheduler", lambda stop: run_scheduler(self, stop))):
            thread = threading.Thread(target=target, args=(self._stop,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def close(self) -> None:
        self._stop.set()
        self.runner.wakeup.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self.writer.stop()
        self.views.close()
        self.app.close()


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None) -> Platform:
    settings = settings or Settings.from_env()
    app = Qihui(env=settings.store_env)
    views: ViewDatabase
    if settings.is_postgres:
        views = PostgresViews(settings.postgres_conninfo())
    else:
        views = SQLiteViews(settings.sqlite_path)
    runner = ProjectionRunner(app, views, all_views(settings.secret_key))
    runner.ensure_schema()
    personal.ensure_table(views)
    writer = CommandWriter(app, on_commit=lambda _pos: runner.wakeup.set(), deadline=settings.command_deadline,
                           load_many=lambda ids: load_many(app, views, ids))
    return Platform(
        settings=settings, app=app, views=views, runner=runner, writer=writer,
        signer=TokenSigner(settings.secret_key, settings.token_ttl_seconds),
        clock=clock or Clock(time_zone=settings.time_zone),
    )
