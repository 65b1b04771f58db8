"""The bounded contexts the platform runs: adding one is its own modules and one line here.

Bootstrap builds the views, the audit log's history, snapshots and the scheduler's
jobs from this list; the app takes the controllers from it. tests/test_contexts.py
fails when a context's event type has no audit summary or organisation link.
"""

from __future__ import annotations

from collections.abc import Sequence

from projections.audit import AuditLogView
from projections.history import History
from projections.view import View
from qihui.contexts import accounts, alliances, audit, membership, people, sessions
from qihui.contexts.base import Context, Job, Needs

CONTEXTS: tuple[Context, ...] = (
    audit.CONTEXT,
    membership.CONTEXT,
    accounts.CONTEXT,
    sessions.CONTEXT,
    alliances.CONTEXT,
    people.CONTEXT,
)


def history(contexts: Sequence[Context] = CONTEXTS) -> History:
    return History.merge(c.history for c in contexts)


def views(needs: Needs, contexts: Sequence[Context] = CONTEXTS) -> list[View]:
    """Every view, in the order the runner applies them: the chain first, then the audit log."""
    built = [v for c in contexts for v in c.views(needs)]
    return [*built[:1], AuditLogView(history(contexts)), *built[1:]]


def snapshot_every(contexts: Sequence[Context] = CONTEXTS) -> dict[type, int]:
    return {cls: n for c in contexts for cls, n in c.snapshot_every.items()}


def jobs(contexts: Sequence[Context] = CONTEXTS) -> list[Job]:
    return [job for c in contexts for job in c.jobs]


def controllers(contexts: Sequence[Context] = CONTEXTS) -> list[object]:
    return [handler for c in contexts for handler in c.controllers]
