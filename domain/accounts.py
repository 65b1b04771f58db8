"""Accounts, invitations and password resets (DOMAIN.md "actor"; API.md "Accounts").

An account has one role at a time: staff, auditor (read-only staff), reviewer
(expert reviewer, optionally affiliated with an organisation) or member (acts
for exactly one organisation). Password hashes are computed outside the domain
(a slow, memory-hard function); the aggregate only stores them, and
`PRIVATE_FIELDS` keeps them out of anything published or exported.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.errors import DomainError, InvalidValue
from domain.model import Entity
from domain.unique import claim_id
from domain.values import Actor

ROLES = ("staff", "auditor", "reviewer", "member")

# Event fields that never leave the event store (relay, audit exports).
PRIVATE_FIELDS = frozenset({"password_hash", "token_hash"})

# Repeated failed sign-ins slow the account down *from that client address*:
# after FREE_FAILURES in a row each further attempt from there must wait twice
# as long as the last, up to MAX_LOCKOUT. Other addresses are not slowed, so
# nobody can lock staff out from elsewhere. A run of failures is forgotten a
# day after its last one.
FREE_FAILURES = 5
MAX_LOCKOUT = timedelta(minutes=15)
FAILURE_MEMORY = timedelta(days=1)

INVITATION_LIFETIME = timedelta(days=7)
PASSWORD_RESET_LIFETIME = timedelta(hours=24)


class AccountDisabled(DomainError):
    code = "account_disabled"
    status = 403

    def __init__(self) -> None:
        super().__init__("账号已停用 (account disabled)")


class SignInThrottled(DomainError):
    code = "too_many_failures"
    status = 429

    def __init__(self, retry_after: timedelta):
        super().__init__("登录失败次数过多，请稍后再试 (too many failed sign-ins, wait)")
        self.retry_after_seconds = max(1, int(retry_after.total_seconds() + 0.999))


def lockout_remaining(count: int, last: datetime, now: datetime) -> timedelta | None:
    """How long the next attempt must still wait after `count` failures in a row, the last at `last`."""
    extra = count - FREE_FAILURES + 1
    if extra <= 0:
        return None
    lockout = min(timedelta(seconds=2 ** min(extra, 20)), MAX_LOCKOUT)
    remaining = last + lockout - now
    return remaining if remaining > timedelta(0) else None


def next_failure_count(previous: tuple[int, datetime] | None, at: datetime) -> int:
    """The length of the run of failures once one more happens at `at`."""
    if previous is None or at - previous[1] > FAILURE_MEMORY:
        return 1
    return previous[0] + 1


def check_role(role: str, organisation_id: UUID | None) -> None:
    if role not in ROLES:
        raise InvalidValue(f"未知角色 {role!r} (unknown role)", field="role")
    if role == "member" and organisation_id is None:
        raise InvalidValue("会员账号必须绑定一个单位 (a member account needs organisation_id)",
                           field="organisation_id")
    if role != "member" and organisation_id is not None:
        raise InvalidValue("只有会员账号绑定单位 (only member accounts belong to an organisation)",
                           field="organisation_id")


class Account(Entity):
    LABEL = "账号"

    @classmethod
    def create(
        cls, *, username: str, role: str, password_hash: str, organisation_id: UUID | None,
        actor: Actor, affiliation_organisation_id: UUID | None = None, reason: str | None = None,
    ) -> Account:
        check_role(role, organisation_id)
        if not username.strip():
            raise InvalidValue("用户名不能为空 (username is required)", field="username")
        return cls(
            username=username.strip(), role=role, password_hash=password_hash,
            organisation_id=organisation_id, affiliation_organisation_id=affiliation_organisation_id,
            actor=actor, reason=reason,
        )

    @event("Created")
    def __init__(
        self,
        username: str,
        role: str,
        password_hash: str,
        organisation_id: UUID | None,
        actor: Actor,
        affiliation_organisation_id: UUID | None = None,
        reason: str | None = None,
    ):
        self.username = username
        self.role: str | None = role
        self.password_hash = password_hash
        self.organisation_id = organisation_id
        self.affiliation_organisation_id = affiliation_organisation_id
        self.status = "active"
        # Per client address: [failures in a row, ISO time of the last one].
        self.failures: dict[str, list[Any]] = {}
        # Tokens issued and not signed out: token id -> expiry (revoked on a password change).
        self.tokens: dict[str, datetime] = {}
        self.password_version = 0  # counts password changes; a reset is for one version

    # -- roles ---------------------------------------------------------------------
    def grant_role(self, *, role: str, organisation_id: UUID | None, actor: Actor, reason: str) -> None:
        self.require_status("grant a role", "active")
        check_role(role, organisation_id)
        if self.role is not None:
            self._role_revoked(role=self.role, actor=actor, reason=reason)
        self._role_granted(role=role, organisation_id=organisation_id, actor=actor, reason=reason)

    @event("RoleGranted")
    def _role_granted(self, role: str, organisation_id: UUID | None, actor: Actor, reason: str) -> None:
        self.role = role
        self.organisation_id = organisation_id

    def revoke_role(self, *, actor: Actor, reason: str) -> None:
        if self.role is None:
            raise InvalidValue("该账号没有角色 (the account has no role)", field="role")
        self._role_revoked(role=self.role, actor=actor, reason=reason)

    @event("RoleRevoked")
    def _role_revoked(self, role: str, actor: Actor, reason: str) -> None:
        self.role = None
        self.organisation_id = None

    # -- credentials -----------------------------------------------------------------
    def change_password(self, *, password_hash: str, actor: Actor, reason: str, now: datetime,
                        keep_token_id: str | None = None) -> None:
        """A new password; every token issued before it stops working, except
        `keep_token_id` (the session that changed it, when it was the holder)."""
        self.require_status("change the password", "active")
        self._password_changed(password_hash=password_hash, actor=actor, reason=reason)
        self.revoke_tokens(now=now, actor=actor, keep_token_id=keep_token_id,
                           reason="密码已更改，其他登录失效 (password changed: other sessions signed out)")

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str, actor: Actor, reason: str | None) -> None:
        self.password_hash = password_hash
        self.failures = {}
        self.password_version += 1

    def revoke_tokens(self, *, now: datetime, actor: Actor, reason: str, keep_token_id: str | None = None) -> None:
        """Sign out every session still open (one SignedOut per token)."""
        for token_id, expires_at in sorted(self.tokens.items()):
            if token_id != keep_token_id and expires_at > now:
                self._signed_out(token_id=token_id, expires_at=expires_at, actor=actor, reason=reason)

    def disable(self, *, actor: Actor, reason: str, now: datetime) -> None:
        """Its tokens stop working at once, and stay revoked if it is enabled again."""
        self.require_status("disable", "active")
        if not reason.strip():
            raise InvalidValue("停用账号须说明理由 (a reason is required)", field="reason")
        self._disabled(actor=actor, reason=reason.strip())
        self.revoke_tokens(now=now, actor=actor, reason=f"账号停用 (account disabled): {reason.strip()}")

    @event("Disabled")
    def _disabled(self, actor: Actor, reason: str) -> None:
        self.status = "disabled"

    def enable(self, *, actor: Actor, reason: str) -> None:
        self.require_status("enable", "disabled")
        if not reason.strip():
            raise InvalidValue("重新启用账号须说明理由 (a reason is required)", field="reason")
        self._enabled(actor=actor, reason=reason.strip())

    @event("Enabled")
    def _enabled(self, actor: Actor, reason: str) -> None:
        self.status = "active"
        self.failures = {}

    # -- sign-in -----------------------------------------------------------------------
    def may_sign_in(self) -> bool:
        return self.status == "active" and self.role is not None

    def check_may_sign_in(self, now: datetime, client: str = "") -> None:
        """Refuse before the password is even checked: disabled, or throttled from this client."""
        if not self.may_sign_in():
            raise AccountDisabled
        wait = self.lockout_until(now, client)
        if wait is not None:
            raise SignInThrottled(wait)

    def lockout_until(self, now: datetime, client: str = "") -> timedelta | None:
        run = self.failures.get(client)
        if run is None:
            return None
        return lockout_remaining(run[0], datetime.fromisoformat(run[1]), now)

    def signed_in(self, *, token_id: str, expires_at: datetime, actor: Actor, client: str = "") -> None:
        self._signed_in(token_id=token_id, expires_at=expires_at, actor=actor, reason=None,
                        client_address=client)

    @event("SignedIn")
    def _signed_in(self, token_id: str, expires_at: datetime, actor: Actor, reason: str | None,
                   client_address: str | None = None) -> None:
        self.failures = {k: v for k, v in self.failures.items() if k != (client_address or "")}
        # Forget tokens that have expired by now (the previous event's time is early enough).
        self.tokens = {t: e for t, e in self.tokens.items() if e > self.modified_on}
        self.tokens[token_id] = expires_at

    def sign_in_failed(self, *, at: datetime, actor: Actor, client: str = "") -> None:
        self._sign_in_failed(at=at, actor=actor, reason="密码错误 (wrong password)", client_address=client)

    @event("SignInFailed")
    def _sign_in_failed(self, at: datetime, actor: Actor, reason: str,
                        client_address: str | None = None) -> None:
        key = client_address or ""
        run = self.failures.get(key)
        count = next_failure_count((run[0], datetime.fromisoformat(run[1])) if run else None, at)
        # Runs from other addresses that ended a day ago are forgotten, so the map stays small.
        self.failures = {k: v for k, v in self.failures.items()
                         if at - datetime.fromisoformat(v[1]) <= FAILURE_MEMORY}
        self.failures[key] = [count, at.isoformat()]

    def signed_out(self, *, token_id: str, expires_at: datetime, actor: Actor) -> None:
        self._signed_out(token_id=token_id, expires_at=expires_at, actor=actor, reason=None)

    @event("SignedOut")
    def _signed_out(self, token_id: str, expires_at: datetime, actor: Actor, reason: str | None) -> None:
        self.tokens.pop(token_id, None)


class InvitationUsed(DomainError):
    code = "invitation_used"

    def __init__(self) -> None:
        super().__init__("邀请已被使用 (invitation already used)", field="token")


class InvitationExpired(DomainError):
    code = "invitation_expired"

    def __init__(self) -> None:
        super().__init__("邀请已过期 (invitation expired)", field="token")


class Invitation(Entity):
    """A single-use, expiring invitation. Only a hash of its token is stored;
    the aggregate's id is derived from that hash so the token finds it."""

    LABEL = "邀请"

    @staticmethod
    def create_id(token_hash: str, **_: object) -> UUID:
        return claim_id("invitation", token_hash)

    @event("Issued")
    def __init__(
        self,
        token_hash: str,
        email: dict[str, Any] | str,  # the invitee, a sealed person (service.personal.INVITEE); text before
        role: str,
        organisation_id: UUID | None,
        affiliation_organisation_id: UUID | None,
        expires_at: datetime,
        actor: Actor,
        reason: str | None = None,
    ):
        self.token_hash = token_hash
        self.email = email
        self.role = role
        self.organisation_id = organisation_id
        self.affiliation_organisation_id = affiliation_organisation_id
        self.expires_at = expires_at
        self.status = "open"
        self.account_id: UUID | None = None

    def check_open(self, now: datetime) -> None:
        if self.status != "open":
            raise InvitationUsed
        if now >= self.expires_at:
            raise InvitationExpired

    def accept(self, *, account_id: UUID, now: datetime, actor: Actor) -> None:
        self.check_open(now)
        self._accepted(account_id=account_id, actor=actor, reason=None)

    @event("Accepted")
    def _accepted(self, account_id: UUID, actor: Actor, reason: str | None) -> None:
        self.status = "accepted"
        self.account_id = account_id


class PasswordResetUsed(DomainError):
    code = "password_reset_used"

    def __init__(self) -> None:
        super().__init__("重置链接已使用或已失效 (password reset already used, or the password changed since)",
                         field="token")


class PasswordResetExpired(DomainError):
    code = "password_reset_expired"

    def __init__(self) -> None:
        super().__init__("重置链接已过期 (password reset expired)", field="token")


class PasswordReset(Entity):
    """A single-use, expiring password reset that staff issue for one account.
    Like an invitation, only a hash of its token is stored and the id is
    derived from that hash. It is good for the password the account had when
    it was issued: once the password changes (by this reset or otherwise), it
    is spent."""

    LABEL = "密码重置"

    @staticmethod
    def create_id(token_hash: str, **_: object) -> UUID:
        return claim_id("password_reset", token_hash)

    @event("Issued")
    def __init__(
        self,
        token_hash: str,
        account_id: UUID,
        password_version: int,
        expires_at: datetime,
        actor: Actor,
        reason: str | None = None,
    ):
        self.token_hash = token_hash
        self.account_id = account_id
        self.password_version = password_version
        self.expires_at = expires_at
        self.issued_by = actor.id
        self.status = "open"

    def check_open(self, now: datetime, account: Account) -> None:
        if self.status != "open" or account.password_version != self.password_version:
            raise PasswordResetUsed
        if now >= self.expires_at:
            raise PasswordResetExpired

    def use(self, *, account: Account, now: datetime, actor: Actor) -> None:
        self.check_open(now, account)
        self._used(actor=actor, reason=None)

    @event("Used")
    def _used(self, actor: Actor, reason: str | None) -> None:
        self.status = "used"
