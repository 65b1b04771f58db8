"""Account use cases: create staff, sign in."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application

from domain.accounts import Account
from domain.errors import DuplicateUsername, InvalidValue
from domain.unique import UniqueClaim, claim_id
from domain.values import Actor
from service.credentials import MIN_PASSWORD_LENGTH, hash_password, verify_password
from service.writer import Command, UnitOfWork


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValue(
            f"密码至少 {MIN_PASSWORD_LENGTH} 位 (password needs at least {MIN_PASSWORD_LENGTH} characters)",
            field="password",
        )


def create_account(username: str, password: str, role: str, organisation_id: UUID | None,
                   actor: Actor, reason: str | None = None) -> Command:
    """Hashes outside the writer thread (argon2 is deliberately slow)."""
    check_password_strength(password)
    password_hash = hash_password(password)
    key = username.strip().lower()

    def command(uow: UnitOfWork) -> UUID:
        if uow.find(UniqueClaim, claim_id("username", key)) is not None:
            raise DuplicateUsername(username)
        account = Account.create(username=username, role=role, password_hash=password_hash,
                                 organisation_id=organisation_id, actor=actor, reason=reason)
        uow.add(account)
        uow.add(UniqueClaim(kind="username", value=key, owner_id=account.id, actor=actor))
        return account.id

    return command


def authenticate(app: Application, username: str, password: str) -> Account | None:
    """The account if the password matches, else None (same cost either way)."""
    account: Account | None = None
    try:
        claim = app.repository.get(claim_id("username", username.strip().lower()))
        account = app.repository.get(claim.owner_id)
    except AggregateNotFoundError:
        account = None
    ok = verify_password(account.password_hash if account else None, password)
    return account if ok and account is not None and account.status == "active" else None
