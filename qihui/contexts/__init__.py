"""The bounded contexts the platform runs: adding one is its own modules and one line here.

Bootstrap builds the views, the audit log's history, snapshots, the personal-field
guard, the figures and the scheduler's jobs from this list; the app takes the
controllers, pages, navigation, glossary and texts from it. tests/test_contexts.py
fails when a context's event type has no audit summary or organisation link.
"""

from __future__ import annotations

from collections.abc import Sequence

from api.stats import stats_controller
from projections.audit import AuditLogView
from projections.figures import Figures
from projections.history import History
from projections.view import View
from qihui.contexts import accounts, alliances, audit, matchmaking, membership, people, sessions
from qihui.contexts import notices as notices_context  # (its name is also the function below)
from qihui.contexts import services as services_context
from qihui.contexts import verification as verification_context
from qihui.contexts.base import Context, Job, Nav, Needs

CONTEXTS: tuple[Context, ...] = (
    audit.CONTEXT,
    membership.CONTEXT,
    accounts.CONTEXT,
    sessions.CONTEXT,
    alliances.CONTEXT,
    people.CONTEXT,
    notices_context.CONTEXT,
    services_context.CONTEXT,
    matchmaking.CONTEXT,
    verification_context.CONTEXT,
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
    """Every context's routes, and the figures' route over every context's section."""
    return [*(handler for c in contexts for handler in c.controllers), stats_controller(figures(contexts))]


def personal(contexts: Sequence[Context] = CONTEXTS) -> dict[tuple[str, str], tuple[str, ...]]:
    return {event: fields for c in contexts for event, fields in c.personal.items()}


def figures(contexts: Sequence[Context] = CONTEXTS) -> list[Figures]:
    return [c.figures for c in contexts if c.figures is not None]


def glossary(contexts: Sequence[Context] = CONTEXTS) -> dict[str, str]:
    return {name: meaning for c in contexts for name, meaning in c.glossary.items()}


def messages(contexts: Sequence[Context] = CONTEXTS) -> dict[str, tuple[str, str]]:
    return {key: text for c in contexts for key, text in c.messages.items()}


def labels(contexts: Sequence[Context] = CONTEXTS) -> dict[str, dict[str, tuple[str, str]]]:
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for c in contexts:
        for name, table in c.labels.items():
            found.setdefault(name, {}).update(table)
    return found


def pages(contexts: Sequence[Context] = CONTEXTS) -> list[object]:
    return [page for c in contexts for page in c.pages]


def nav(area: str, contexts: Sequence[Context] = CONTEXTS) -> list[Nav]:
    return [n for c in contexts for n in c.nav if n.area == area]


def notices(contexts: Sequence[Context] = CONTEXTS) -> list[object]:
    """Every context's notice rules (who is told what of its events), for the notifier."""
    return [rule for c in contexts for rule in c.notices]
