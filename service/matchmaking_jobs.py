"""Matchmaking's scheduler jobs (declared in qihui.contexts.matchmaking, run by
workers.scheduler): each finds due work in the views and hands it to the domain,
which checks again, so a lagging view or a second scheduler never acts twice."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from domain.errors import DomainError
from projections.matchmaking import agendas_with_expired_requests, due_to_expire
from service import matchmaking, matchmaking_meetings

log = logging.getLogger(__name__)


def _each(platform: Any, ids: list[str], command: Any) -> int:
    done = 0
    for key in ids:
        try:
            value, _ = platform.writer.execute(command(UUID(key)))
            done += value if isinstance(value, int) else 1
        except DomainError as exc:  # no longer due, or done by another scheduler
            log.info("matchmaking %s: %s", key, exc.code)
    return done


def expire_needs(platform: Any) -> int:
    """需求到期: published needs whose deadline has passed leave the catalogue."""
    today = platform.clock.today()
    return _each(platform, due_to_expire(platform.views, today), lambda i: matchmaking.expire(i, today))


def expire_meeting_requests(platform: Any) -> int:
    """约见过期: open meeting requests nobody answered before they expired."""
    now = platform.clock.now()
    return _each(platform, agendas_with_expired_requests(platform.views, now.isoformat()),
                 lambda i: matchmaking_meetings.expire_requests(i, now))
