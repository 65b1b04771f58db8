"""Membership use cases: each returns a command for the writer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from domain.errors import DuplicateCreditCode
from domain.organisations import REAPPLICABLE, Organisation, OrganisationNotActive
from domain.unique import UniqueClaim, claim_id
from domain.values import Actor, normalise_credit_code
from service.personal import check_own, new_organisation, seal_contacts
from service.writer import Command, UnitOfWork


def apply_for_membership(application: dict[str, Any], actor: Actor) -> Command:
    """入会申请. The credit code is claimed in the same transaction as the
    organisation is created, so concurrent duplicates cannot both succeed. An
    organisation that lapsed, withdrew or was rejected applies again under its
    own record, keeping its history; what it proposes waits for staff to admit it."""

    def command(uow: UnitOfWork) -> UUID:
        code = normalise_credit_code(application["credit_code"])
        claim = uow.find(UniqueClaim, claim_id("credit_code", code))
        # An applicant names new people: contact ids are the platform's to give (sealed, PIPL).
        fresh = [{k: v for k, v in c.items() if k != "id"} for c in application["contacts"]]
        if claim is not None:
            existing = uow.get(Organisation, claim.owner_id)
            if existing.status not in REAPPLICABLE:
                raise DuplicateCreditCode(code)
            existing.reapply(actor=actor, **{k: v for k, v in application.items() if k != "credit_code"}
                             | {"contacts": seal_contacts(uow, fresh, scope=existing.id)})
            return existing.id
        org = new_organisation(uow, actor=actor, **{**application, "credit_code": code})
        uow.add(org)
        uow.add(UniqueClaim(kind="credit_code", value=code, owner_id=org.id, actor=actor))
        return org.id

    return command


# An organisation in these states keeps read access to its own records and nothing else.
READ_ONLY_STATUSES = ("suspended", "withdrawn", "lapsed")


def require_active(uow: UnitOfWork, actor: Actor, org: Organisation | None = None) -> None:
    """The one check for commands by an organisation's own account: withdrawn, lapsed
    and suspended organisations keep read access to their own history and nothing
    else. Membership itself is not required here (an alliance party need not be a
    member, seed 002); members-only sessions check membership on their own. Staff
    and the system are not organisations: no check. `org` is the acting
    organisation when the command has loaded it already."""
    if actor.role != "member":
        return
    if org is None or str(org.id) != actor.organisation_id:
        org = uow.find(Organisation, UUID(actor.organisation_id)) if actor.organisation_id else None
    if org is None or org.status in READ_ONLY_STATUSES:
        raise OrganisationNotActive(org.status if org is not None else None)


def on_organisation(org_id: UUID, change: Callable[[Organisation], object], actor: Actor | None = None) -> Command:
    """A command that changes one organisation (with `actor`, the organisation's own
    account may change it only while it is not read-only: `require_active`)."""

    def command(uow: UnitOfWork) -> UUID:
        org = uow.get(Organisation, org_id)
        if actor is not None:
            require_active(uow, actor, org)
        change(org)
        return org_id

    return command


def update_profile(org_id: UUID, *, changes: dict[str, Any], contacts: list[dict[str, Any]] | None,
                   reason: str | None, actor: Actor) -> Command:
    """资料变更 and 联系人变更. Contacts are sealed here, as the organisation's own: one sent
    with an id must already be a contact of this organisation (422 `contacts[i].id`
    otherwise: never another organisation's person, never an id the client made up)."""

    def command(uow: UnitOfWork) -> UUID:
        org = uow.get(Organisation, org_id)
        require_active(uow, actor, org)
        org.update_profile(changes=changes, actor=actor, reason=reason)
        if contacts is not None:
            check_own([c.get("id") for c in contacts], [c["id"] for c in org.contacts], "contacts")
            sealed = seal_contacts(uow, contacts, scope=org.id, current=org.contacts)
            org.change_contacts(contacts=sealed, actor=actor, reason=reason,
                                existing_ids=[c["id"] for c in contacts if c.get("id")])
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


def decide(org_id: UUID, decision: str, *, reason: str, effective_on: date, actor: Actor,
           grace_days: int | None = None) -> Command:
    """`grace_days` matters to a reinstatement from lapsed: this year's dues count
    as arrears once their grace period has passed."""
    method = DECISIONS[decision]
    extra = {"grace_days": grace_days} if decision == "reinstate" else {}
    return on_organisation(org_id, lambda o: method(o, reason=reason, effective_on=effective_on, actor=actor,
                                                    **extra))


def correct_lapse(org_id: UUID, *, reason: str, today: date, grace_days: int, actor: Actor) -> Command:
    """失效更正: undo a wrong lapse as of the day it took effect."""
    return on_organisation(org_id, lambda o: o.correct_lapse(reason=reason, today=today, grace_days=grace_days,
                                                             actor=actor))


def lapse_if_overdue(org_id: UUID, *, year: int, today: date, grace_days: int) -> Command:
    return on_organisation(org_id, lambda o: o.lapse_for_unpaid_dues(
        year=year, today=today, grace_days=grace_days, actor=Actor.system()))


# -- single-organisation use cases, named (the API and the pages call the same ones) -------------
def record_annual_stats(org_id: UUID, stats: dict[str, Any], actor: Actor) -> Command:
    """年度数据, by staff or the organisation's own account."""
    return on_organisation(org_id, lambda o: o.record_annual_stats(stats=stats, actor=actor), actor)


def pay_dues(org_id: UUID, *, year: int, amount_fen: int, effective_on: date, note: str | None,
             actor: Actor) -> Command:
    """缴纳会费 for one calendar year (also while lapsed: arrears)."""
    return on_organisation(org_id, lambda o: o.pay_dues(year=year, amount_fen=amount_fen, effective_on=effective_on,
                                                        actor=actor, reason=note))


def change_tier(org_id: UUID, *, tier: str, reason: str, effective_on: date, actor: Actor) -> Command:
    """会员等级变更."""
    return on_organisation(org_id, lambda o: o.change_tier(tier=tier, reason=reason, effective_on=effective_on,
                                                           actor=actor))


def change_libraries(org_id: UUID, *, add: list[str], remove: list[str], effective_on: date, reason: str | None,
                     actor: Actor) -> Command:
    """企业库 tags."""
    return on_organisation(org_id, lambda o: o.change_libraries(add=add, remove=remove, effective_on=effective_on,
                                                                actor=actor, reason=reason))


def move_growth_stage(org_id: UUID, *, stage: str, effective_on: date, reason: str | None, actor: Actor) -> Command:
    """成长阶梯."""
    return on_organisation(org_id, lambda o: o.move_growth_stage(stage=stage, effective_on=effective_on,
                                                                 actor=actor, reason=reason))

