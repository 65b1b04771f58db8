"""Sign-in and the signed-in account (API.md "Accounts")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotAuthorizedException
from msgspec import Meta

from api.deps import platform_of
from api.policy import claims_of, public, signed_in
from service.accounts import authenticate


class Login(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, Meta(min_length=1, max_length=100)]
    password: Annotated[str, Meta(min_length=1, max_length=200)]


class Token(msgspec.Struct):
    access_token: str
    token_type: str
    expires_at: datetime
    role: str
    organisation_id: str | None


class Me(msgspec.Struct):
    id: str
    role: str
    organisation_id: str | None
    expires_at: datetime


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["accounts 账号"]  # noqa: RUF012

    @post("/login", opt=public(), operation_id="login", status_code=200, sync_to_thread=True)
    def login(self, request: Request, data: Login) -> Token:
        """登录: exchange a username and password for a bearer token."""
        p = platform_of(request)
        account = authenticate(p.app, data.username, data.password)
        if account is None:
            raise NotAuthorizedException("用户名或密码错误 (wrong username or password)")
        org = str(account.organisation_id) if account.organisation_id else None
        token, claims = p.signer.issue(str(account.id), account.role, org,
                                       now=p.clock.now().timestamp())
        return Token(access_token=token, token_type="bearer",
                     expires_at=datetime.fromtimestamp(claims.exp, UTC),
                     role=account.role, organisation_id=org)

    @get("/me", opt=signed_in(), operation_id="me")
    async def me(self, request: Request) -> Me:
        """当前账号: who the token belongs to."""
        claims: Any = claims_of(request)
        return Me(id=claims.sub, role=claims.role, organisation_id=claims.org,
                  expires_at=datetime.fromtimestamp(claims.exp, UTC))
