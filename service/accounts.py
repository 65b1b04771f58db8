"""Account use cases: create, invite, accept, sign in and out, roles, disable
and enable, change a password, and staff-issued password resets.

Password hashing and verification (argon2, deliberately slow) happen in the
caller's thread, never in the writer's, so sign-ins cannot stall other writes.

Sign-in answers a hostile caller the same way whatever it guessed wrong: an
unknown name, a disabled account and a wrong password all get 401
`wrong_credentials` after one argon2 verification, and the throttle after
repeated failures (per account *and* client address) applies to names that
cannot sign in exactly as to real ones, so neither the answer, nor its timing,
nor a 429 tells which usernames exist.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application

from domain.accounts import (
    FAILURE_MEMORY,
    INVITATION_LIFETIME,
    PASSWORD_RESET_LIFETIME,
    Account,
    Invitation,
    PasswordReset,
    SignInThrottled,
    check_role,
    lockout_remaining,
    next_failure_count,
)
from domain.errors import DomainError, DuplicateUsername, InvalidValue, NotFound
from domain.organisations import Organisation
from domain.unique import UniqueClaim, claim_id
from domain.values import Actor
from service.credentials import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    PASSWORD_RULE,
    TokenSigner,
    hash_password,
    verify_password,
)
from service.personal import INVITEE, seal_in
from service.writer import Command, CommandWriter, UnitOfWork


class WrongCredentials(DomainError):
    code = "wrong_credentials"
    status = 401

    def __init__(self) -> None:
        super().__init__("用户名或密码错误 (wrong username or password)")


class WrongPassword(DomainError):
    """The current password given to change it is wrong (the caller is signed in)."""

    code = "wrong_password"
    status = 403

    def __init__(self) -> None:
        super().__init__("当前密码错误 (current password is wrong)", field="current_password")


def check_password_strength(password: str, username: str | None = None, *, field: str = "password") -> None:
    """The one password rule (service.credentials.PASSWORD_RULE)."""
    too_plain = username is not None and password.strip().casefold() == username.strip().casefold()
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH or too_plain:
        raise InvalidValue(PASSWORD_RULE, field=field)


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
    check_password_strength(password, username)
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
class IssuedToken:
    """A single-use token just issued (an invitation or a password reset): shown once."""

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

    def command(uow: UnitOfWork) -> IssuedToken:
        if organisation_id is not None:
            org = uow.find(Organisation, organisation_id)
            # Alliance parties need not be members (seed 002): any organisation on the platform may
            # have accounts, except one whose membership is suspended or has ended.
            if org is None or org.status in ("suspended", "withdrawn", "lapsed"):
                raise InvalidValue("只能邀请平台上在册单位的联系人 (the organisation must be registered and "
                                   "not suspended, withdrawn or lapsed)", field="organisation_id")
        if affiliation_organisation_id is not None and uow.find(
                Organisation, affiliation_organisation_id) is None:
            raise InvalidValue("所属单位不存在 (unknown organisation)", field="affiliation_organisation_id")
        # The e-mail address is the invitee's personal data: sealed under a key of their own.
        invitee = seal_in(uow, INVITEE, {"email": email}, scope=organisation_id)
        invitation = Invitation(
            token_hash=token_hash(token), email=invitee, role=role, organisation_id=organisation_id,
            affiliation_organisation_id=affiliation_organisation_id, expires_at=expires_at, actor=actor,
        )
        uow.add(invitation)
        return IssuedToken(invitation.id, token, expires_at)

    return command


def accept_invitation(*, token: str, username: str, password: str, now: datetime) -> Command:
    check_password_strength(password, username)
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


class FailureBook:
    """Failed sign-ins for names that cannot sign in (unknown or disabled),
    per (name, client address), in this process's memory. They are throttled
    by the same rule as real accounts, so a 429 does not give a name away."""

    def __init__(self, size: int = 100_000):
        self.size = size
        self._runs: dict[tuple[str, str], tuple[int, datetime]] = {}
        self._lock = threading.Lock()

    def check(self, name: str, client: str, now: datetime) -> None:
        run = self._runs.get((name, client))
        wait = lockout_remaining(run[0], run[1], now) if run else None
        if wait is not None:
            raise SignInThrottled(wait)

    def failed(self, name: str, client: str, now: datetime) -> None:
        with self._lock:
            if len(self._runs) >= self.size:
                self._runs = {k: v for k, v in self._runs.items() if now - v[1] <= FAILURE_MEMORY}
                if len(self._runs) >= self.size:
                    self._runs.clear()
            key = (name, client)
            self._runs[key] = (next_failure_count(self._runs.get(key), now), now)


_STRANGERS = FailureBook()  # for callers that do not bring their own (the API keeps one per app)


@dataclass(frozen=True)
class SignIn:
    token: str
    account_id: UUID
    role: str
    organisation_id: UUID | None
    expires_at: datetime
    position: int


def sign_in(app: Application, writer: CommandWriter, signer: TokenSigner, *, username: str,
            password: str, now: datetime, client: str = "unknown",
            strangers: FailureBook | None = None) -> SignIn:
    """Check, verify (slowly, here), then record the outcome as an event.

    `client` is the caller's address: the throttle after repeated failures
    counts per (account, address), so failures from one place never make
    the account wait elsewhere."""
    account = find_account(app, username)
    if account is None or not account.may_sign_in():
        book = _STRANGERS if strangers is None else strangers
        name = _username_key(username)
        book.check(name, client, now)
        verify_password(None, password)  # as slow as a real check: no username probing
        book.failed(name, client, now)
        raise WrongCredentials
    account.check_may_sign_in(now, client)
    verified = account.password_hash
    if not verify_password(verified, password):
        writer.execute(_record(account.id, lambda a: a.sign_in_failed(
            at=now, actor=Actor(id=str(account.id), role="public"), client=client)))
        raise WrongCredentials
    role = account.role
    assert role is not None  # may_sign_in() above
    org = str(account.organisation_id) if account.organisation_id else None
    token, claims = signer.issue(str(account.id), role, org, now=now.timestamp())
    expires_at = datetime.fromtimestamp(claims.exp, now.tzinfo)
    actor = Actor(id=str(account.id), role=role, organisation_id=org)

    def record(a: Account) -> None:
        # Disabled, or the password changed, while we were verifying: the old one no longer opens it.
        if not a.may_sign_in() or a.password_hash != verified:
            raise WrongCredentials
        a.check_may_sign_in(now, client)
        a.signed_in(token_id=claims.jti, expires_at=expires_at, actor=actor, client=client)

    _, position = writer.execute(_record(account.id, record))
    return SignIn(token, account.id, role, account.organisation_id, expires_at, position)


def sign_out(account_id: UUID, token_id: str, expires_at: datetime, actor: Actor) -> Command:
    return _record(account_id, lambda a: a.signed_out(token_id=token_id, expires_at=expires_at,
                                                      actor=actor))


# -- passwords ------------------------------------------------------------------------
def change_password(app: Application, writer: CommandWriter, *, account_id: UUID, current_password: str,
                    new_password: str, now: datetime, actor: Actor, client: str = "unknown",
                    keep_token_id: str | None = None) -> int:
    """修改密码: the holder, with the current password. Every other session of
    the account is signed out; `keep_token_id` (the one in use) stays.
    A wrong current password counts as a failed sign-in from `client`."""
    try:
        account: Account = app.repository.get(account_id)
    except AggregateNotFoundError as exc:
        raise NotFound("账号不存在 (unknown account)") from exc
    account.check_may_sign_in(now, client)
    check_password_strength(new_password, account.username, field="new_password")
    verified = account.password_hash
    if not verify_password(verified, current_password):
        writer.execute(_record(account_id, lambda a: a.sign_in_failed(at=now, actor=actor, client=client)))
        raise WrongPassword
    password_hash = hash_password(new_password)

    def change(a: Account) -> None:
        if a.password_hash != verified:  # changed meanwhile: the "current" one is no longer current
            raise WrongPassword
        a.change_password(password_hash=password_hash, actor=actor, now=now, keep_token_id=keep_token_id,
                          reason="本人修改密码 (changed by the account holder)")

    _, position = writer.execute(_record(account_id, change))
    return position


def reset_id(token: str) -> UUID:
    return claim_id("password_reset", token_hash(token))


def issue_password_reset(account_id: UUID, *, now: datetime, actor: Actor,
                         reason: str | None = None) -> Command:
    """重置密码: staff give one person a single-use token (valid 24 hours) with
    which to set a new password; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    expires_at = now + PASSWORD_RESET_LIFETIME

    def command(uow: UnitOfWork) -> IssuedToken:
        account = uow.find(Account, account_id)
        if account is None:
            raise NotFound("账号不存在 (unknown account)", field="account_id")
        account.require_status("reset the password", "active")
        reset = PasswordReset(token_hash=token_hash(token), account_id=account.id,
                              password_version=account.password_version, expires_at=expires_at,
                              actor=actor, reason=reason)
        uow.add(reset)
        return IssuedToken(reset.id, token, expires_at)

    return command


def accept_password_reset(*, token: str, password: str, now: datetime) -> Command:
    """Set a new password with a reset token. Every session of the account is
    signed out; the token is spent, and so is any other open reset."""
    check_password_strength(password)
    password_hash = hash_password(password)

    def command(uow: UnitOfWork) -> UUID:
        reset = uow.find(PasswordReset, reset_id(token))
        if reset is None:
            raise NotFound("重置链接无效 (unknown password reset token)", field="token")
        account = uow.get(Account, reset.account_id)
        reset.check_open(now, account)
        check_password_strength(password, account.username)
        actor = Actor(id=str(account.id), role=account.role or "public",
                      organisation_id=str(account.organisation_id) if account.organisation_id else None)
        reset.use(account=account, now=now, actor=actor)
        account.change_password(password_hash=password_hash, actor=actor, now=now,
                                reason=f"凭员工签发的重置链接重设密码 (password reset {reset.id}, "
                                       f"issued by {reset.issued_by})")
        return account.id

    return command


# -- administration ------------------------------------------------------------------
def disable(account_id: UUID, *, reason: str, actor: Actor, now: datetime) -> Command:
    return _record(account_id, lambda a: a.disable(actor=actor, reason=reason, now=now))


def enable(account_id: UUID, *, reason: str, actor: Actor) -> Command:
    return _record(account_id, lambda a: a.enable(actor=actor, reason=reason))


def grant_role(account_id: UUID, *, role: str, organisation_id: UUID | None, reason: str,
               actor: Actor) -> Command:
    return _record(account_id, lambda a: a.grant_role(role=role, organisation_id=organisation_id,
                                                      actor=actor, reason=reason))


def _record(account_id: UUID, change: Callable[[Account], object]) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        change(uow.get(Account, account_id))
        return account_id

    return command
