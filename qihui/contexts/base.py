"""What a bounded context declares, once (STYLE.md "Contexts that plug in")."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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
class Context:
    name: str
    label: str  # Chinese, for people
    aggregates: Sequence[type] = ()  # every aggregate the context owns (tests walk their event types)
    snapshot_every: Mapping[type, int] = field(default_factory=dict)
    views: Callable[[Needs], Sequence[View]] = lambda _needs: ()
    controllers: Sequence[Any] = ()  # Litestar controllers and route handlers of the JSON API
    history: History = field(default_factory=History)  # audit summaries and organisation links
    jobs: Sequence[Job] = ()  # the scheduler's work, in order
