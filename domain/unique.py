"""Uniqueness across aggregates (credit codes, usernames).

A claim is an aggregate whose id is derived from the claimed value, so two
writers claiming the same value both try to create version 1 of the same
aggregate, and the event store's optimistic concurrency lets exactly one win,
also across processes. The claim is saved in the same transaction as its owner.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.model import Entity
from domain.values import Actor

_NAMESPACE = uuid5(NAMESPACE_URL, "https://qihui.invalid/unique")


class UniqueClaim(Entity):
    LABEL = "唯一标识"

    @staticmethod
    def create_id(kind: str, value: str, **_: object) -> UUID:
        return claim_id(kind, value)

    @event("Claimed")
    def __init__(self, kind: str, value: str, owner_id: UUID, actor: Actor, reason: str | None = None):
        self.kind = kind
        self.value = value
        self.owner_id = owner_id
        self.status = "claimed"


def claim_id(kind: str, value: str) -> UUID:
    return uuid5(_NAMESPACE, f"{kind}:{value}")
