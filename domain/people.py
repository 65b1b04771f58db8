"""Persons under PIPL: the record that one person's personal data was erased.

A person is anyone whose personal fields the platform keeps sealed (a contact,
an attendee, an invitee, an objector, an expert…), named by an id the server
gave them. Erasure is a fact like any other: the `Person.Erased` event says
who asked for it, why and when; the person's key is destroyed in reaction to
it (service.personal.ErasureReaction), after which every sealed copy of their
fields, in the events, the views, the NATS stream and the backups of those,
reads as erased. The aggregate's id is derived from the person's id, so a
person is erased at most once, also under concurrent requests.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.errors import DomainError, InvalidValue
from domain.model import Entity
from domain.unique import claim_id
from domain.values import Actor


class AlreadyErased(DomainError):
    code = "already_erased"

    def __init__(self, field: str = "person_id") -> None:
        super().__init__("该人员的个人信息已删除 (already erased)", field=field)


def person_aggregate_id(person_id: str) -> UUID:
    return claim_id("person", person_id)


class Person(Entity):
    LABEL = "个人"

    @staticmethod
    def create_id(person_id: str, **_: object) -> UUID:
        return person_aggregate_id(person_id)

    @classmethod
    def erase(cls, *, person_id: str, organisation_id: str | None, reason: str, actor: Actor) -> Person:
        if not reason or not reason.strip():
            raise InvalidValue("须说明理由 (a reason is required)", field="reason")
        return cls(person_id=person_id, organisation_id=organisation_id, actor=actor, reason=reason.strip())

    @event("Erased")
    def __init__(self, person_id: str, organisation_id: str | None, actor: Actor, reason: str):
        self.person_id = person_id
        # The organisation the person belongs to (their history shows the erasure), if any.
        self.organisation_id = organisation_id
        self.status = "erased"
