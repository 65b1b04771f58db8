"""What a bounded context declares, once (STYLE.md "Contexts that plug in")."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from projections.figures import Figures
from projections.history import History
from projections.view import View

Job = Callable[[Any], int]  # a scheduler job: (platform) -> how many things it did


@dataclass(frozen=True)
class Needs:
    """What a context's views may be built with (the platform's parts, as bootstrap has them)."""

    settings: Any
    chain_keys: Any
    anchors: Any
    keys: Any


@dataclass(frozen=True)
class Nav:
    """A link in the portal's (`area="portal"`) or the staff desk's (`area="desk"`) navigation,
    shown to the roles named; `path` is under the area's prefix, `message` an i18n key."""

    area: str
    path: str
    message: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Context:
    name: str
    label: str  # Chinese, for people
    aggregates: Sequence[type] = ()  # every aggregate the context owns (tests walk their event types)
    snapshot_every: Mapping[type, int] = field(default_factory=dict)
    views: Callable[[Needs], Sequence[View]] = lambda _needs: ()
    controllers: Sequence[Any] = ()  # Litestar controllers and route handlers of the JSON API
    history: History = field(default_factory=History)  # audit summaries and organisation links
    jobs: Sequence[Job] = ()  # the scheduler's work, in order
    # (aggregate, event) -> the event fields holding sealed persons (service.personal; the writer
    # refuses to save one in the clear, tests/test_pipl.py walks them all)
    personal: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    figures: Figures | None = None  # its section of /stats/summary and `qihui stats`
    glossary: Mapping[str, str] = field(default_factory=dict)  # its API fields' meanings (api.glossary)
    messages: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # its pages' texts (api.i18n)
    labels: Mapping[str, Mapping[str, tuple[str, str]]] = field(default_factory=dict)  # its vocabularies' labels
    pages: Sequence[Any] = ()  # its web pages' controllers (under PAGES_PREFIX)
    nav: Sequence[Nav] = ()  # its entries in the portal's and the desk's navigation
    notices: Sequence[Any] = ()  # who is told what of its events (the notifier's rules)
