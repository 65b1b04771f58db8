"""Matchmaking use cases (API.md "Matchmaking"): each returns a command for the writer.

Who acts: staff, or an account of role `member` whose `organisation_id` names either a
membership Organisation (not suspended, lapsed or withdrawn: `require_active`) or an
approved Solver (solvers need not be members and act only here).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from domain.errors import DomainError, InvalidValue, NotFound
from domain.matchmaking import MatchmakingRefusal, Need
from domain.matchmaking_parties import Campaign, Deal, Solver
from domain.organisations import Organisation
from domain.values import Actor
from projections.history import yuan
from service.membership import require_active
from service.writer import Command, UnitOfWork


class NotYours(DomainError):
    """The caller's organisation does not own what it reaches for."""

    code = "not_owner"
    status = 403

    def __init__(self, what: str = "需求") -> None:
        super().__init__(f"只有{what}方或秘书处可以执行此操作 (only the owner or staff)")


class SolverNotApproved(DomainError):
    code = "solver_not_approved"
    status = 403

    def __init__(self, status: str) -> None:
        super().__init__(f"技术解决方状态为 {status}，须经秘书处审核通过 (solver is {status}: not approved yet)")


def acting_party(uow: UnitOfWork, actor: Actor) -> str | None:
    """The organisation a member account acts for here (None for staff); refused when its
    organisation may not act (a read-only member, a solver not approved)."""
    if actor.role != "member":
        return None
    solver = uow.find(Solver, UUID(str(actor.organisation_id)))
    if solver is not None:
        if solver.status != "approved":
            raise SolverNotApproved(solver.status)
        return str(solver.id)
    require_active(uow, actor)
    return actor.organisation_id


def known_party(uow: UnitOfWork, party_id: UUID, field: str) -> str:
    """An organisation that may take part in matchmaking: an approved solver or any organisation."""
    solver = uow.find(Solver, party_id)
    if solver is not None and solver.status == "approved":
        return str(party_id)
    if solver is None and uow.find(Organisation, party_id) is not None:
        return str(party_id)
    raise InvalidValue("不是已审核的技术解决方或平台上的单位 (not an approved solver or a known organisation)",
                       field=field)


# -- campaigns ------------------------------------------------------------------------------
def open_campaign(fields: dict[str, Any], actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        campaign = Campaign.open(**fields, actor=actor)
        uow.add(campaign)
        return campaign.id

    return command


# -- needs -------------------------------------------------------------------------------------
def post_need(fields: dict[str, Any], organisation_id: UUID | None, *, today: date, actor: Actor) -> Command:
    """发布需求: by a member enterprise's own account, or by staff on its behalf."""

    def command(uow: UnitOfWork) -> UUID:
        owner = organisation_id
        if actor.role == "member":
            owner = UUID(str(actor.organisation_id))
            if organisation_id is not None and organisation_id != owner:
                raise NotYours("本单位")
        if owner is None:
            raise InvalidValue("秘书处代填须指明需求单位 (organisation_id is required)", field="organisation_id")
        org = uow.find(Organisation, owner)
        if org is None:
            raise InvalidValue("需求方须为平台上的单位 (the owner must be an organisation on the platform)",
                               field="organisation_id")
        require_active(uow, actor, org)
        if fields.get("campaign_id") is not None:
            uow.get(Campaign, fields["campaign_id"]).check_accepts(today)
        need = Need.post(organisation_id=owner, today=today, actor=actor, **fields)
        uow.add(need)
        return need.id

    return command


def on_need(need_id: UUID, change: Callable[[Need, str | None], Any], actor: Actor, *,
            owner_only: bool = False, staff_too: bool = True) -> Command:
    """A change to one need by `actor`: `owner_only` for the owner's decisions (with `staff_too`,
    staff may make them as well). `change` gets the need and the acting organisation."""

    def command(uow: UnitOfWork) -> Any:
        need = uow.get(Need, need_id)
        party = acting_party(uow, actor)
        if actor.role == "member" and not need.is_owner(actor) and not need.listed:
            raise NotFound("技术需求不存在 (no such need)")  # not published: never confirm it exists
        if owner_only and not need.is_owner(actor) and not (staff_too and actor.role == "staff"):
            raise NotYours()
        return change(need, party)

    return command


def analyse(need_id: UUID, note: str, tags: list[str], actor: Actor) -> Command:
    return on_need(need_id, lambda n, _: n.analyse(note=note, tags=tags, actor=actor), actor)


def publish(need_id: UUID, today: date, actor: Actor) -> Command:
    return on_need(need_id, lambda n, _: n.publish(today=today, actor=actor), actor)


def submit(need_id: UUID, actor: Actor) -> Command:
    return on_need(need_id, lambda n, _: n.submit(actor=actor), actor, owner_only=True)


def renew(need_id: UUID, deadline: date, today: date, actor: Actor, reason: str | None) -> Command:
    return on_need(need_id, lambda n, _: n.renew(deadline=deadline, today=today, actor=actor, reason=reason),
                   actor, owner_only=True, staff_too=False)


def expire(need_id: UUID, today: date) -> Command:
    """到期, by the clock (the scheduler): refused when not due or no longer published."""
    return on_need(need_id, lambda n, _: n.expire(today=today, actor=Actor.system()), Actor.system())


def disclose(need_id: UUID, solver_id: UUID, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> None:
        known_party(uow, solver_id, "solver_id")
        on_need(need_id, lambda n, _: n.disclose(solver_id=solver_id, actor=actor), actor, owner_only=True)(uow)

    return command


def propose(need_id: UUID, fields: dict[str, Any], actor: Actor) -> Command:
    """方案: by a solver's or a member's own account, for its own organisation."""
    proposal_id = str(uuid4())

    def change(need: Need, party: str | None) -> str:
        if party is None:
            raise MatchmakingRefusal("not_a_solver", "方案须由解决方账号提交 (proposals come from a solver's account)")
        need.propose(proposal_id=proposal_id, solver_id=UUID(party), actor=actor, **fields)
        return proposal_id

    return on_need(need_id, change, actor)


def decide_proposal(need_id: UUID, proposal_id: str, decision: str, actor: Actor,
                    reason: str | None = None) -> Command:
    """入围 · 婉拒 (the owner) · 撤回 (its author)."""
    if decision == "withdrawal":
        return on_need(need_id, lambda n, _: n.withdraw(proposal_id=proposal_id, actor=actor, reason=reason), actor)
    if decision == "shortlist":
        return on_need(need_id, lambda n, _: n.shortlist(proposal_id=proposal_id, actor=actor), actor,
                       owner_only=True, staff_too=False)
    return on_need(need_id, lambda n, _: n.decline(proposal_id=proposal_id, reason=reason or "", actor=actor),
                   actor, owner_only=True, staff_too=False)


def give_feedback(need_id: UUID, text: str, actor: Actor) -> Command:
    return on_need(need_id, lambda n, _: n.give_feedback(text=text, actor=actor), actor)


def close(need_id: UUID, outcome: str | None, feedback: str | None, actor: Actor) -> Command:
    return on_need(need_id, lambda n, _: n.close(outcome=outcome, feedback=feedback, actor=actor), actor,
                   owner_only=True)


# -- deals -------------------------------------------------------------------------------------
def sign_deal(need_id: UUID, fields: dict[str, Any], feedback: str | None, *, today: date, actor: Actor) -> Command:
    """签约: the deal and the need's closure with outcome `deal`, in one transaction."""

    def command(uow: UnitOfWork) -> UUID:
        solver = known_party(uow, fields["solver_id"], "solver_id")

        def change(need: Need, _: str | None) -> UUID:
            deal = Deal.sign(need_id=need_id, owner_id=need.organisation_id, today=today, actor=actor, **fields)
            text = feedback or f"已与解决方签约，合同金额 {yuan(deal.contract_fen)}"
            need.close_by_deal(deal_id=str(deal.id), solver_id=solver, contract_fen=deal.contract_fen,
                               feedback=text, actor=actor)
            uow.add(deal)
            return deal.id

        return on_need(need_id, change, actor, owner_only=True)(uow)

    return command


def record_payment(deal_id: UUID, amount_fen: int, paid_on: date, *, today: date, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> None:
        deal = uow.get(Deal, deal_id)
        acting_party(uow, actor)
        if actor.role != "staff" and actor.organisation_id != deal.owner_id:
            raise NotYours("合同")
        deal.record_payment(amount_fen=amount_fen, paid_on=paid_on, today=today, actor=actor)

    return command
