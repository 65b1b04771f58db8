"""Account use cases: create, invite, accept, sign in and out, roles, disable.

Password hashing and verification (argon2, deliberately slow) happen in the
caller's thread, never in the writer's, so sign-ins cannot stall other writes.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application

from domain.accounts import INVITATION_LIFETIME, Account, Invitation, check_role
from domain.errors import DomainError, DuplicateUsername, InvalidValue, NotFound
from domain.organisations import Organisation
from domain.unique import UniqueClaim, claim_id
from domain.values import Actor
from service.credentials import MIN_PASSWORD_LENGTH, TokenSigner, hash_password, verify_password
from service.writer import Command, CommandWriter, UnitOfWork


class WrongCredentials(DomainError):
    code = "wrong_credentials"
    status = 401

    def __init__(self) -> None:
        super().__init__("用户名或密码错误 (wrong username or password)")


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValue(
            f"密码至少 {MIN_PASSWORD_LENGTH} 位 (password needs at least {MIN_PASSWORD_LENGTH} characters)",
            field="password",
        )


def _username_key(username: str) -> str:
    return username.strip().lower()


def _new_account(uow: UnitOfWork, *, username: str, role: str, password_hash: str,
                 organisation_id: UUID | None, affiliation: UUID | None, actor: Actor,
                 reason: str | None) -> Account:
    key = _username_key(username)
    if uow.find(UniqueClaim, claim_id("username", key)) is not None:
        raise DuplicateUsername(username)
    account = Account.create(username=username, role=role, password_hash=password_hash,
                             organisation_id=organisation_id, affiliation_organisation_id=affiliation,
                             actor=actor, reason=reason)
    uow.add(account)
    uow.add(UniqueClaim(kind="username", value=key, owner_id=account.id, actor=actor))
    return account


def create_account(username: str, password: str, role: str, organisation_id: UUID | None,
                   actor: Actor, reason: str | None = None) -> Command:
    check_password_strength(password)
    password_hash = hash_password(password)

    def command(uow: UnitOfWork) -> UUID:
        return _new_account(uow, username=username, role=role, password_hash=password_hash,
                            organisation_id=organisation_id, affiliation=None, actor=actor,
                            reason=reason).id

    return command


# -- invitations -------------------------------------------------------------------
def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_id(token: str) -> UUID:
    return claim_id("invitation", token_hash(token))


@dataclass(frozen=True)
class IssuedInvitation:
    id: UUID
    token: str
    expires_at: datetime


def invite(*, email: str, role: str, organisation_id: UUID | None,
           affiliation_organisation_id: UUID | None, now: datetime, actor: Actor) -> Command:
    """邀请: a single-use token for one person; only its hash is stored."""
    check_role(role, organisation_id)
    if affiliation_organisation_id is not None and role != "reviewer":
        raise InvalidValue("只有评审专家可登记所属单位 (only reviewers have an affiliation)",
                           field="affiliation_organisation_id")
    token = secrets.token_urlsafe(32)
    expires_at = now + INVITATION_LIFETIME

    def command(uow: UnitOfWork) -> IssuedInvitation:
        if organisation_id is not None:
            org = uow.find(Organisation, organisation_id)
            if org is None or org.status != "admitted":
                raise InvalidValue("只能邀请已入会单位的联系人 (the organisation must be an admitted member)",
                                   field="organisation_id")
        if affiliation_organisation_id is not None and uow.find(
                Organisation, affiliation_organisation_id) is None:
            raise InvalidValue("所属单位不存在 (unknown organisation)", field="affiliation_organisation_id")
        invitation = Invitation(
            token_hash=token_hash(token), email=email, role=role, organisation_id=organisation_id,
            affiliation_organisation_id=affiliation_organisation_id, expires_at=expires_at, actor=actor,
        )
        uow.add(invitation)
        return IssuedInvitation(invitation.id, token, expires_at)

    return command


def accept_invitation(*, token: str, username: str, password: str, now: datetime) -> Command:
    check_password_strength(password)
    password_hash = hash_password(password)

    def command(uow: UnitOfWork) -> UUID:
        invitation = uow.find(Invitation, invitation_id(token))
        if invitation is None:
            raise NotFound("邀请码无效 (unknown invitation token)", field="token")
        invitation.check_open(now)
        account = _new_account(
            uow, username=username, role=invitation.role, password_hash=password_hash,
            organisation_id=invitation.organisation_id,
            affiliation=invitation.affiliation_organisation_id,
            actor=Actor(id="invitee", role=invitation.role,
                        organisation_id=str(invitation.organisation_id or "") or None),
            reason=f"accepted invitation {invitation.id}",
        )
        invitation.accept(account_id=account.id, now=now,
                          actor=Actor(id=str(account.id), role=invitation.role))
        return account.id

    return command


# -- signing in and out ---------------------------------------------------------------
def find_account(app: Application, username: str) -> Account | None:
    try:
        claim = app.repository.get(claim_id("username", _username_key(username)))
        return app.repository.get(claim.owner_id)
    except AggregateNotFoundError:
        return None


@dataclass(frozen=True)
class SignIn:
    token: str
    account_id: UUID
    role: str
    organisation_id: UUID | None
    expires_at: datetime
    position: int


def sign_in(app: Application, writer: CommandWriter, signer: TokenSigner, *, username: str,
            password: str, now: datetime) -> SignIn:
    """Check, verify (slowly, here), then record the outcome as an event."""
    account = find_account(app, username)
    if account is None:
        verify_password(None, password)  # as slow as a real check: no username probing
        raise WrongCredentials
    account.check_may_sign_in(now)
    if account.role is None:
        raise WrongCredentials
    if not verify_password(account.password_hash, password):
        writer.execute(_record(account.id, lambda a: a.sign_in_failed(
            at=now, actor=Actor(id=str(account.id), role="public"))))
        raise WrongCredentials
    org = str(account.organisation_id) if account.organisation_id else None
    token, claims = signer.issue(str(account.id), account.role, org, now=now.timestamp())
    expires_at = datetime.fromtimestamp(claims.exp, now.tzinfo)
    actor = Actor(id=str(account.id), role=account.role, organisation_id=org)
    _, position = writer.execute(_record(account.id, lambda a: (
        a.check_may_sign_in(now), a.signed_in(token_id=claims.jti, expires_at=expires_at, actor=actor))))
    return SignIn(token, account.id, account.role, account.organisation_id, expires_at, position)


def sign_out(account_id: UUID, token_id: str, expires_at: datetime, actor: Actor) -> Command:
    return _record(account_id, lambda a: a.signed_out(token_id=token_id, expires_at=expires_at,
                                                      actor=actor))


def disable(account_id: UUID, *, reason: str, actor: Actor) -> Command:
    return _record(account_id, lambda a: a.disable(actor=actor, reason=reason))


def grant_role(account_id: UUID, *, role: str, organisation_id: UUID | None, reason: str,
               actor: Actor) -> Command:
    return _record(account_id, lambda a: a.grant_role(role=role, organisation_id=organisation_id,
                                                      actor=actor, reason=reason))


def _record(account_id: UUID, change: Callable[[Account], object]) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        change(uow.get(Account, account_id))
        return account_id

    return command
