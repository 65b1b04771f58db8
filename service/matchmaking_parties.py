"""Solvers (技术解决方): sign-up, staff approval, and their accounts.

A solver's contact people are persons (PIPL): sealed as the solver's own before any
event carries them. Accounts: the platform's invitations (domain.accounts.Invitation,
accepted at POST /auth/invitations/accept) bound to the solver's id; the accounts
context's own POST /auth/invitations only knows membership Organisations, so solvers
are invited through POST /solvers/{id}/invitations.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from domain.accounts import INVITATION_LIFETIME, Invitation
from domain.matchmaking_parties import Solver
from domain.values import Actor
from service.accounts import IssuedToken, token_hash
from service.personal import INVITEE, Personal, seal_in
from service.writer import Command, UnitOfWork, on_aggregate

# A solver team's contact people (declared in qihui.contexts.matchmaking `personal`).
SOLVER_CONTACT = Personal("solver_contact", ("name", "phone", "email"))


def sign_up(fields: dict[str, Any], contacts: list[dict[str, Any]], actor: Actor) -> Command:
    """报名成为解决方: pending until staff approve; staff registering one approve it at once."""

    def command(uow: UnitOfWork) -> tuple[UUID, str]:
        solver_id = uuid4()
        sealed = [seal_in(uow, SOLVER_CONTACT, c, scope=solver_id, field=f"contacts[{i}]")
                  for i, c in enumerate(contacts)]
        solver = Solver.sign_up(**fields, contacts=sealed, actor=actor, id=solver_id)
        if actor.role == "staff":
            solver.approve(actor=actor, note="秘书处登记 (registered by staff)")
        uow.add(solver)
        return solver.id, solver.status

    return command


def decide(solver_id: UUID, approve: bool, reason: str | None, actor: Actor) -> Command:
    if approve:
        return on_aggregate(Solver, solver_id, lambda s: s.approve(actor=actor, note=reason))
    return on_aggregate(Solver, solver_id, lambda s: s.reject(reason=reason or "", actor=actor))


def invite(solver_id: UUID, email: str, *, now: datetime, actor: Actor) -> Command:
    """邀请解决方的联系人开通账号 (role member, acting for the solver in matchmaking only)."""
    token = secrets.token_urlsafe(32)
    expires_at = now + INVITATION_LIFETIME

    def command(uow: UnitOfWork) -> IssuedToken:
        solver = uow.get(Solver, solver_id)
        solver.require_status("invite", "approved")
        invitee = seal_in(uow, INVITEE, {"email": email}, scope=solver_id)
        invitation = Invitation(token_hash=token_hash(token), email=invitee, role="member", organisation_id=solver_id,
                                affiliation_organisation_id=None, expires_at=expires_at, actor=actor)
        uow.add(invitation)
        return IssuedToken(invitation.id, token, expires_at)

    return command
