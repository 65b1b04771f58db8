"""The scheduler: every `QIHUI_SCHEDULER_INTERVAL` seconds, each context's jobs
(workers.jobs, declared in qihui.contexts) run once, reading the clock afresh."""

from __future__ import annotations

import logging
import threading
from typing import Any

from workers.lease import lead

log = logging.getLogger(__name__)


def tick(platform: Any) -> dict[str, int]:
    """Run every job once; the clock is read afresh by each."""
    done = {}
    for job in platform.jobs:
        try:
            done[job.__name__] = job(platform)
        except Exception:
            log.exception("scheduler job %s failed", job.__name__)
    return done


def run_scheduler(platform: Any, stop: threading.Event) -> None:
    """Wake every QIHUI_SCHEDULER_INTERVAL seconds; a clock jump is caught up
    within one interval because every tick reads the clock. One scheduler works at a
    time; another waits as a standby (workers.lease)."""

    def work(until: threading.Event) -> None:
        while not until.is_set():
            tick(platform)
            until.wait(platform.settings.scheduler_interval)

    lead(platform.settings, "scheduler", stop, work)
