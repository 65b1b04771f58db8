"""Membership use cases: each returns a command for the writer."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.errors import DuplicateCreditCode
from domain.organisations import Organisation
from domain.unique import UniqueClaim, claim_id
from domain.values import Actor, normalise_credit_code
from service.writer import Command, UnitOfWork


def apply_for_membership(application: dict[str, Any], actor: Actor) -> Command:
    """入会申请. The credit code is claimed in the same transaction as the
    organisation is created, so concurrent duplicates cannot both succeed."""

    def command(uow: UnitOfWork) -> UUID:
        code = normalise_credit_code(application["credit_code"])
        if uow.find(UniqueClaim, claim_id("credit_code", code)) is not None:
            raise DuplicateCreditCode(code)
        org = Organisation.apply(actor=actor, **{**application, "credit_code": code})
        uow.add(org)
        uow.add(UniqueClaim(kind="credit_code", value=code, owner_id=org.id, actor=actor))
        return org.id

    return command


def admit(org_id: UUID, *, tier: str, note: str | None, effective_on: date, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        uow.get(Organisation, org_id).admit(tier=tier, note=note, effective_on=effective_on, actor=actor)
        return org_id

    return command


def reject(org_id: UUID, *, reason: str, effective_on: date, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        uow.get(Organisation, org_id).reject(reason=reason, effective_on=effective_on, actor=actor)
        return org_id

    return command
