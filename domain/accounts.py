"""Accounts and invitations (DOMAIN.md "actor"; API.md "Accounts").

An account has one role at a time: staff, auditor (read-only staff), reviewer
(expert reviewer, optionally affiliated with an organisation) or member (acts
for exactly one organisation). Password hashes are computed outside the domain
(a slow, memory-hard function); the aggregate only stores them, and
`PRIVATE_FIELDS` keeps them out of anything published or exported.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import event

from domain.errors import DomainError, InvalidValue
from domain.model import Entity
from domain.unique import claim_id
from domain.values import Actor

ROLES = ("staff", "auditor", "reviewer", "member")

# Event fields that never leave the event store (relay, audit exports).
PRIVATE_FIELDS = frozenset({"password_hash", "token_hash"})

# Repeated failed sign-ins slow the account down: after FREE_FAILURES in a row
# each further attempt must wait twice as long as the last, up to MAX_LOCKOUT.
FREE_FAILURES = 5
MAX_LOCKOUT = timedelta(minutes=15)

INVITATION_LIFETIME = timedelta(days=7)


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
        self.failures: list[str] = []  # ISO times of consecutive failed sign-ins

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
    def change_password(self, *, password_hash: str, actor: Actor, reason: str | None = None) -> None:
        self.require_status("change the password", "active")
        self._password_changed(password_hash=password_hash, actor=actor, reason=reason)

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str, actor: Actor, reason: str | None) -> None:
        self.password_hash = password_hash
        self.failures = []

    def disable(self, *, actor: Actor, reason: str) -> None:
        self.require_status("disable", "active")
        if not reason.strip():
            raise InvalidValue("停用账号须说明理由 (a reason is required)", field="reason")
        self._disabled(actor=actor, reason=reason.strip())

    @event("Disabled")
    def _disabled(self, actor: Actor, reason: str) -> None:
        self.status = "disabled"

    # -- sign-in -----------------------------------------------------------------------
    def check_may_sign_in(self, now: datetime) -> None:
        """Refuse before the password is even checked: disabled, or throttled."""
        if self.status != "active":
            raise AccountDisabled
        wait = self.lockout_until(now)
        if wait is not None:
            raise SignInThrottled(wait)

    def lockout_until(self, now: datetime) -> timedelta | None:
        extra = len(self.failures) - FREE_FAILURES + 1
        if extra <= 0:
            return None
        lockout = min(timedelta(seconds=2 ** extra), MAX_LOCKOUT)
        remaining = datetime.fromisoformat(self.failures[-1]) + lockout - now
        return remaining if remaining > timedelta(0) else None

    def signed_in(self, *, token_id: str, expires_at: datetime, actor: Actor) -> None:
        self._signed_in(token_id=token_id, expires_at=expires_at, actor=actor, reason=None)

    @event("SignedIn")
    def _signed_in(self, token_id: str, expires_at: datetime, actor: Actor, reason: str | None) -> None:
        self.failures = []

    def sign_in_failed(self, *, at: datetime, actor: Actor) -> None:
        self._sign_in_failed(at=at, actor=actor, reason="密码错误 (wrong password)")

    @event("SignInFailed")
    def _sign_in_failed(self, at: datetime, actor: Actor, reason: str) -> None:
        self.failures = [*self.failures, at.isoformat()]

    def signed_out(self, *, token_id: str, expires_at: datetime, actor: Actor) -> None:
        self._signed_out(token_id=token_id, expires_at=expires_at, actor=actor, reason=None)

    @event("SignedOut")
    def _signed_out(self, token_id: str, expires_at: datetime, actor: Actor, reason: str | None) -> None:
        pass


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
        email: str,
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
