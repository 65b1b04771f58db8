"""The scheduler's jobs: the clock's commands, one function each, declared by
their contexts (qihui.contexts) and run in turn by workers.scheduler.

Each finds due work in the read models and hands each decision to the domain,
which checks the rule again. A second scheduler, a lagging view or a repeated
tick therefore never acts twice for the same reason: the domain refuses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from domain.errors import DomainError
from domain.organisations import grace_ends_on
from domain.values import Actor
from projections.alliances import in_progress
from projections.roster import owing_dues
from projections.sessions import due_for_attendance, due_to_close
from service import sessions
from service.alliances import flag_overdue_rectifications as flag_alliance_rectifications
from service.alliances import flag_overdue_reports as flag_alliance_reports
from service.membership import lapse_if_overdue

log = logging.getLogger(__name__)


def lapse_unpaid_dues(platform: Any) -> int:
    """会籍失效: members whose dues for this year (due 1 January, or on admission
    that year) are unpaid after QIHUI_DUES_GRACE_DAYS. Dues paid in any form count:
    a payment, or an imported position "paid through" the year (see `owing_dues`)."""
    today = platform.clock.today()
    grace = platform.settings.dues_grace_days
    lapsed = 0
    for org_id, admitted_on in owing_dues(platform.views, today.year):
        if today <= grace_ends_on(today.year, admitted_on, grace):
            continue
        try:
            platform.writer.execute(lapse_if_overdue(UUID(org_id), year=today.year, today=today,
                                                     grace_days=grace))
            lapsed += 1
        except DomainError as exc:  # paid meanwhile, or already lapsed by another scheduler
            log.info("not lapsing %s: %s", org_id, exc.code)
    return lapsed


def _each(platform: Any, ids: list[str], use_case: Callable[[UUID, Any], Any], now: Any) -> int:
    done = 0
    for session_id in ids:
        try:
            platform.writer.execute(use_case(UUID(session_id), now))
            done += 1
        except DomainError as exc:  # already done (another scheduler) or no longer due
            log.info("session %s: %s", session_id, exc.code)
    return done


def close_registrations(platform: Any) -> int:
    """报名截止: close registration of sessions whose deadline has passed."""
    now = platform.clock.now()
    return _each(platform, due_to_close(platform.views, now.isoformat()), sessions.close_registration, now)


def record_no_shows(platform: Any) -> int:
    """缺席登记: after a session ends, confirmed organisations with no check-in are no-shows."""
    now = platform.clock.now()
    return _each(platform, due_for_attendance(platform.views, now.isoformat()), sessions.record_no_shows, now)


def _flag_in_progress(platform: Any, flag: Any) -> int:
    """Run a flagging use case on every funded alliance; how many things it flagged."""
    today = platform.clock.today()
    return sum(platform.writer.execute(flag(UUID(alliance_id), today, Actor.system()))[0]
               for alliance_id in in_progress(platform.views))


def flag_overdue_reports(platform: Any) -> int:
    """报告逾期: funded alliances whose annual or completion report is late."""
    return _flag_in_progress(platform, flag_alliance_reports)


def flag_overdue_rectifications(platform: Any) -> int:
    """整改逾期: funded alliances with a rectification still open after its deadline."""
    return _flag_in_progress(platform, flag_alliance_rectifications)


def anchor_chain(platform: Any) -> int:
    """锚定: sign the hash chain's head and put it outside the database (anchors file,
    and QIHUI_ANCHORS in distributed mode), every QIHUI_ANCHOR_INTERVAL seconds."""
    from projections.chain import anchor_platform

    anchor, _ = anchor_platform(platform)
    return 0 if anchor is None else 1
