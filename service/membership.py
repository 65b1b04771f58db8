"""Membership use cases: each returns a command for the writer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from domain.errors import DuplicateCreditCode
from domain.organisations import REAPPLICABLE, Organisation
from domain.unique import UniqueClaim, claim_id
from domain.values import Actor, normalise_credit_code
from service.writer import Command, UnitOfWork


def apply_for_membership(application: dict[str, Any], actor: Actor) -> Command:
    """入会申请. The credit code is claimed in the same transaction as the
    organisation is created, so concurrent duplicates cannot both succeed. An
    organisation that lapsed, withdrew or was rejected applies again under its
    own record, keeping its history."""

    def command(uow: UnitOfWork) -> UUID:
        code = normalise_credit_code(application["credit_code"])
        claim = uow.find(UniqueClaim, claim_id("credit_code", code))
        if claim is not None:
            existing = uow.get(Organisation, claim.owner_id)
            if existing.status not in REAPPLICABLE:
                raise DuplicateCreditCode(code)
            existing.reapply(actor=actor, **{k: v for k, v in application.items() if k != "credit_code"})
            return existing.id
        org = Organisation.apply(actor=actor, **{**application, "credit_code": code})
        uow.add(org)
        uow.add(UniqueClaim(kind="credit_code", value=code, owner_id=org.id, actor=actor))
        return org.id

    return command


def on_organisation(org_id: UUID, change: Callable[[Organisation], object]) -> Command:
    """A command that changes one organisation."""

    def command(uow: UnitOfWork) -> UUID:
        change(uow.get(Organisation, org_id))
        return org_id

    return command


def admit(org_id: UUID, *, tier: str, note: str | None, effective_on: date, actor: Actor) -> Command:
    return on_organisation(org_id, lambda o: o.admit(tier=tier, note=note, effective_on=effective_on,
                                                     actor=actor))


def reject(org_id: UUID, *, reason: str, effective_on: date, actor: Actor) -> Command:
    return on_organisation(org_id, lambda o: o.reject(reason=reason, effective_on=effective_on, actor=actor))


# The status changes that take only a reason and a date, by route name.
DECISIONS: dict[str, Callable[..., None]] = {
    "reject": Organisation.reject,
    "suspend": Organisation.suspend,
    "reinstate": Organisation.reinstate,
    "withdraw": Organisation.withdraw,
}


def decide(org_id: UUID, decision: str, *, reason: str, effective_on: date, actor: Actor) -> Command:
    method = DECISIONS[decision]
    return on_organisation(org_id, lambda o: method(o, reason=reason, effective_on=effective_on, actor=actor))


def lapse_if_overdue(org_id: UUID, *, year: int, today: date, grace_days: int) -> Command:
    return on_organisation(org_id, lambda o: o.lapse_for_unpaid_dues(
        year=year, today=today, grace_days=grace_days, actor=Actor.system()))
