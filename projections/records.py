"""One event as the outside world sees it: the shape shared by the NATS
relay and the audit log. Private fields (password hashes) never leave."""

from __future__ import annotations

from typing import Any

from domain.accounts import PRIVATE_FIELDS

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "actor", "reason"}


def names_of(event: Any) -> tuple[str, str]:
    """(aggregate type, event type), e.g. ("Organisation", "Applied")."""
    aggregate, _, kind = type(event).__qualname__.rpartition(".")
    return aggregate or "Unknown", kind


def event_id(event: Any) -> str:
    return f"{event.originator_id}:{event.originator_version}"


def event_record(position: int, event: Any) -> dict[str, Any]:
    aggregate_type, event_type = names_of(event)
    actor = getattr(event, "actor", None)
    data = {k: v for k, v in event.__dict__.items()
            if k not in _ENVELOPE and k not in PRIVATE_FIELDS}
    return {
        "position": position,
        "event_id": event_id(event),
        "type": event_type,
        "aggregate_type": aggregate_type,
        "aggregate_id": str(event.originator_id),
        "version": event.originator_version,
        "recorded_at": event.timestamp,
        "effective_on": data.get("effective_on"),
        "actor": actor.as_dict() if actor is not None else None,
        "reason": getattr(event, "reason", None),
        "data": data,
    }
