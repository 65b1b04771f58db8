"""Sign-in, invitations and account administration (API.md "Accounts")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from msgspec import UNSET, Meta, UnsetType

from api.clients import client_address
from api.deps import platform_of, wait_for_view
from api.policy import actor_of, allow, principal_of, public, signed_in
from api.schemas import Answer, Reason, Strict, Username, answer
from projections.accounts import list_accounts
from service import accounts
from service.credentials import PASSWORD_RULE

Role = Literal["staff", "auditor", "reviewer", "member"]
Password = Annotated[str, Meta(min_length=1, max_length=200)]
# A password being chosen: the rule is checked by the service (one message everywhere).
NewPassword = Annotated[str, Meta(min_length=1, max_length=200, description=PASSWORD_RULE)]


class Login(Strict):
    username: Annotated[str, Meta(min_length=1, max_length=100)]
    password: Password


class Token(msgspec.Struct):
    access_token: str
    token_type: str
    expires_at: datetime
    role: str
    organisation_id: str | None


class Me(msgspec.Struct):
    id: str
    username: str
    role: str
    organisation_id: str | None
    affiliation_organisation_id: str | None
    expires_at: datetime


class InvitationIn(Strict):
    email: Annotated[str, Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    role: Role = "member"
    organisation_id: UUID | None = None
    affiliation_organisation_id: UUID | None = None


class InvitationOut(msgspec.Struct):
    id: UUID
    token: str
    expires_at: datetime
    position: int


class Acceptance(Strict):
    token: Annotated[str, Meta(min_length=10, max_length=200)]
    username: Username
    password: NewPassword


class PasswordChange(Strict):
    current_password: Password
    new_password: NewPassword


class ResetIn(Strict):
    account_id: UUID
    reason: Annotated[str, Meta(max_length=2000)] | None = None


class ResetOut(msgspec.Struct):
    id: UUID
    token: str
    expires_at: datetime
    position: int


class ResetAcceptance(Strict):
    token: Annotated[str, Meta(min_length=10, max_length=200)]
    password: NewPassword


class Created(msgspec.Struct):
    id: UUID
    position: int


class Disabling(Strict):
    reason: Reason


class Enabling(Strict):
    reason: Reason


class RoleChange(Strict):
    role: Role
    reason: Reason
    organisation_id: UUID | None = None


class AccountAnswer(Answer):
    """账号: an account as the list shows it (never its password or token hashes)."""

    id: str
    username: str
    role: Annotated[str | None, Meta(description="角色，撤销后为空 (role: staff, auditor, reviewer, member; "
                                                 "null once revoked)")]
    organisation_id: str | None
    affiliation_organisation_id: str | None
    status: Annotated[str, Meta(description="状态 (active or disabled)")]
    created_at: Annotated[str, Meta(description="创建时间 (created at)")]
    last_sign_in_at: Annotated[str | None, Meta(description="最近登录时间 (last signed in at)")]
    failed_sign_ins: Annotated[int, Meta(description="连续登录失败次数 (failed sign-ins since the last success)")]
    password_changed_at: Annotated[str, Meta(description="最近改密码时间 (password changed at)")] | UnsetType = UNSET


class AccountsPage(Answer):
    """账号列表: every account, by username."""

    items: list[AccountAnswer]
    next_cursor: str | None = None


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["accounts 账号"]  # noqa: RUF012

    @post("/login", opt=public(), operation_id="login", status_code=200, sync_to_thread=True)
    def login(self, request: Request, data: Login) -> Token:
        """登录: exchange a username and password for a bearer token (rate-limited per client
        address). An unknown username, a disabled account and a wrong password get the same
        401 `wrong_credentials`; repeated failures slow that account down from that address only."""
        p = platform_of(request)
        client = _limited(request)
        done = accounts.sign_in(p.app, p.writer, p.signer, username=data.username,
                                password=data.password, now=p.clock.now(), client=client,
                                strangers=_strangers(request))
        wait_for_view(p, "accounts", done.position)  # the token works on the next request
        return Token(access_token=done.token, token_type="bearer",
                     expires_at=done.expires_at.astimezone(UTC), role=done.role,
                     organisation_id=str(done.organisation_id) if done.organisation_id else None)

    @post("/logout", opt=signed_in(), operation_id="logout", status_code=204, sync_to_thread=True)
    def logout(self, request: Request) -> None:
        """退出登录: the token in use stops working at once."""
        p = platform_of(request)
        who: Any = principal_of(request)
        _, position = p.writer.execute(accounts.sign_out(
            UUID(who.account_id), who.token_id, datetime.fromtimestamp(who.expires_at, UTC), who.actor))
        wait_for_view(p, "revoked_tokens", position)
        request.app.state.principals.clear()

    @get("/me", opt=signed_in(), operation_id="me")
    async def me(self, request: Request) -> Me:
        """当前账号: the account behind the token, with its current role."""
        who: Any = principal_of(request)
        return Me(id=who.account_id, username=who.username, role=who.role,
                  organisation_id=who.organisation_id,
                  affiliation_organisation_id=who.affiliation_organisation_id,
                  expires_at=datetime.fromtimestamp(who.expires_at, UTC))

    @post("/invitations", opt=allow("staff"), operation_id="invite", status_code=201)
    async def invite(self, request: Request, data: InvitationIn) -> InvitationOut:
        """邀请: a single-use token, valid seven days, with which one person sets a password."""
        p = platform_of(request)
        issued, position = await p.writer.run(accounts.invite(
            email=data.email, role=data.role, organisation_id=data.organisation_id,
            affiliation_organisation_id=data.affiliation_organisation_id, now=p.clock.now(),
            actor=actor_of(request)))
        return InvitationOut(id=issued.id, token=issued.token, expires_at=issued.expires_at,
                             position=position)

    @post("/invitations/accept", opt=public(), operation_id="acceptInvitation", status_code=201,
          sync_to_thread=True)
    def accept(self, request: Request, data: Acceptance) -> Created:
        """接受邀请: choose a username and password; the invitation is then used up."""
        p = platform_of(request)
        _limited(request)
        account_id, position = p.writer.execute(accounts.accept_invitation(
            token=data.token, username=data.username, password=data.password, now=p.clock.now()))
        return Created(id=account_id, position=position)

    @post("/password", opt=signed_in(), operation_id="changePassword", status_code=200, sync_to_thread=True)
    def change_password(self, request: Request, data: PasswordChange) -> Created:
        """修改密码: with the current password. Every other session of the account is signed
        out; the token in use keeps working. A wrong current password is 403 `wrong_password`
        and counts as a failed sign-in."""
        p = platform_of(request)
        client = _limited(request)
        who: Any = principal_of(request)
        account_id = UUID(who.account_id)
        position = accounts.change_password(
            p.app, p.writer, account_id=account_id, current_password=data.current_password,
            new_password=data.new_password, now=p.clock.now(), actor=who.actor, client=client,
            keep_token_id=who.token_id)
        _signed_out_at_once(request, position)
        return Created(id=account_id, position=position)

    @post("/password-resets", opt=allow("staff"), operation_id="issuePasswordReset", status_code=201)
    async def issue_reset(self, request: Request, data: ResetIn) -> ResetOut:
        """签发密码重置: a single-use token, valid 24 hours, with which the account's holder sets a
        new password (`POST /auth/password-resets/accept`). Only its hash is stored."""
        p = platform_of(request)
        issued, position = await p.writer.run(accounts.issue_password_reset(
            data.account_id, now=p.clock.now(), actor=actor_of(request), reason=data.reason))
        return ResetOut(id=issued.id, token=issued.token, expires_at=issued.expires_at, position=position)

    @post("/password-resets/accept", opt=public(), operation_id="acceptPasswordReset", status_code=200,
          sync_to_thread=True)
    def accept_reset(self, request: Request, data: ResetAcceptance) -> Created:
        """重设密码: set a new password with a reset token; every session of the account is signed
        out. A used or expired token is 409 `password_reset_used` / `password_reset_expired`."""
        p = platform_of(request)
        _limited(request)
        account_id, position = p.writer.execute(accounts.accept_password_reset(
            token=data.token, password=data.password, now=p.clock.now()))
        _signed_out_at_once(request, position)
        return Created(id=account_id, position=position)


class AccountsController(Controller):
    path = "/api/v1/accounts"
    tags = ["accounts 账号"]  # noqa: RUF012

    @get("/", opt=allow("staff"), operation_id="listAccounts", sync_to_thread=True)
    def list(self, request: Request) -> AccountsPage:
        """账号列表: every account with its role and status."""
        return answer({"items": list_accounts(platform_of(request).views), "next_cursor": None}, AccountsPage)

    # Both answer only once the guard sees the change: "at once" means the next request.
    @post("/{id:uuid}/disable", opt=allow("staff"), operation_id="disableAccount", status_code=200,
          sync_to_thread=True)
    def disable(self, request: Request, id: UUID, data: Disabling) -> Created:
        """停用账号: its tokens stop working at once (and stay revoked if it is enabled again)."""
        p = platform_of(request)
        _, position = p.writer.execute(accounts.disable(id, reason=data.reason, actor=actor_of(request),
                                                        now=p.clock.now()))
        _signed_out_at_once(request, position)
        return Created(id=id, position=position)

    @post("/{id:uuid}/enable", opt=allow("staff"), operation_id="enableAccount", status_code=200,
          sync_to_thread=True)
    def enable(self, request: Request, id: UUID, data: Enabling) -> Created:
        """重新启用账号: a disabled account may sign in again (its old tokens stay revoked)."""
        p = platform_of(request)
        _, position = p.writer.execute(accounts.enable(id, reason=data.reason, actor=actor_of(request)))
        wait_for_view(p, "accounts", position)
        request.app.state.principals.clear()
        return Created(id=id, position=position)

    @post("/{id:uuid}/role", opt=allow("staff"), operation_id="grantRole", status_code=200,
          sync_to_thread=True)
    def role(self, request: Request, id: UUID, data: RoleChange) -> Created:
        """变更角色: grant a role (the previous one is revoked), with the reason."""
        p = platform_of(request)
        _, position = p.writer.execute(accounts.grant_role(
            id, role=data.role, organisation_id=data.organisation_id, reason=data.reason,
            actor=actor_of(request)))
        wait_for_view(p, "accounts", position)
        request.app.state.principals.clear()
        return Created(id=id, position=position)


def _limited(request: Request) -> str:
    """Count the request against the sign-in rate limit of its client address; that address."""
    client = client_address(request)
    request.app.state.limits["sign_in"].check(client)
    return client


def _strangers(request: Request) -> accounts.FailureBook:
    """Failed sign-ins of names that cannot sign in, kept for this app (see FailureBook)."""
    return request.app.state.setdefault("unknown_sign_ins", accounts.FailureBook())


def _signed_out_at_once(request: Request, position: int) -> None:
    """Answer only once the guard sees the revoked tokens: "at once" means the next request."""
    p = platform_of(request)
    wait_for_view(p, "accounts", position)
    wait_for_view(p, "revoked_tokens", position)
    request.app.state.principals.clear()

