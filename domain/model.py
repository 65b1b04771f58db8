"""What every aggregate shares: who acted and why travels with each event."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from domain.errors import IllegalTransition


class Entity(Aggregate):
    """Base aggregate. Every @event method takes `actor` and `reason` so that
    each stored fact names who caused it and why (DOMAIN.md, "Audit")."""

    LABEL = "对象"  # shown in refusals, e.g. "单位当前状态为 …"

    def require_status(self, action: str, *allowed: str) -> None:
        if self.status not in allowed:
            raise IllegalTransition(self.LABEL, self.status, action)

    def state(self) -> dict[str, Any]:
        """A plain-dict copy of the public state (for tests and debugging)."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
