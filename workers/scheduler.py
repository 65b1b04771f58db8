"""The scheduler: the clock's commands (lapse members whose dues are overdue;
later: close registrations, end public notices, flag overdue reports).

It finds due work in the read models and hands each decision to the domain,
which checks the rule again. A second scheduler, a lagging view or a repeated
tick therefore never acts twice for the same reason: the domain refuses.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from domain.errors import DomainError
from domain.organisations import dues_due_on
from domain.values import Actor
from projections.alliances import in_progress
from projections.roster import owing_dues
from projections.sessions import due_for_attendance, due_to_close
from service.alliances import on_alliance
from service.membership import lapse_if_overdue
from service.sessions import on_session

log = logging.getLogger(__name__)

Job = Callable[[Any], int]


def lapse_unpaid_dues(platform: Any) -> int:
    """会籍失效: members whose dues for this year are unpaid after the grace period."""
    today = platform.clock.today()
    grace = platform.settings.dues_grace_days
    lapsed = 0
    for org_id, admitted_on in owing_dues(platform.views, today.year):
        if today <= dues_due_on(today.year, admitted_on) + timedelta(days=grace):
            continue
        try:
            platform.writer.execute(lapse_if_overdue(UUID(org_id), year=today.year, today=today,
                                                     grace_days=grace))
            lapsed += 1
        except DomainError as exc:  # paid meanwhile, or already lapsed by another scheduler
            log.info("not lapsing %s: %s", org_id, exc.code)
    return lapsed


def _each(platform: Any, ids: list[str], change: Callable[[Any], None]) -> int:
    done = 0
    for session_id in ids:
        try:
            platform.writer.execute(on_session(UUID(session_id), change))
            done += 1
        except DomainError as exc:  # already done (another scheduler) or no longer due
            log.info("session %s: %s", session_id, exc.code)
    return done


def close_registrations(platform: Any) -> int:
    """报名截止: close registration of sessions whose deadline has passed."""
    now = platform.clock.now()
    return _each(platform, due_to_close(platform.views, now.isoformat()),
                 lambda s: s.close_registration(now=now, actor=Actor.system()))


def record_no_shows(platform: Any) -> int:
    """缺席登记: after a session ends, confirmed organisations with no check-in are no-shows."""
    now = platform.clock.now()
    return _each(platform, due_for_attendance(platform.views, now.isoformat()),
                 lambda s: s.record_no_shows(now=now, actor=Actor.system()))


def flag_overdue_reports(platform: Any) -> int:
    """报告逾期: funded alliances whose annual or completion report is late."""
    today = platform.clock.today()
    flagged = 0
    for alliance_id in in_progress(platform.views):
        count, _ = platform.writer.execute(on_alliance(UUID(alliance_id), lambda a: a.flag_overdue_reports(
            today=today, actor=Actor.system())))
        flagged += count
    return flagged


JOBS: tuple[Job, ...] = (lapse_unpaid_dues, close_registrations, record_no_shows, flag_overdue_reports)


def tick(platform: Any) -> dict[str, int]:
    """Run every job once; the clock is read afresh by each."""
    done = {}
    for job in JOBS:
        try:
            done[job.__name__] = job(platform)
        except Exception:
            log.exception("scheduler job %s failed", job.__name__)
    return done


def run_scheduler(platform: Any, stop: threading.Event) -> None:
    """Wake every QIHUI_SCHEDULER_INTERVAL seconds; a clock jump is caught up
    within one interval because every tick reads the clock."""
    while not stop.is_set():
        tick(platform)
        stop.wait(platform.settings.scheduler_interval)
