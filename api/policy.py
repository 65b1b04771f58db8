"""Who may call a route. Every route declares a Policy in its `opt`; a route
without one is refused (default deny). The guard resolves the bearer token to
the account's *current* state (a disabled account or a signed-out token stops
working at once, a changed role applies at once).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler

from api.schemas import refuse_invisible_characters
from domain.values import Actor
from projections.accounts import principal_row

OPENAPI_PREFIX = "/schema"
# The web pages (api.pages) live under this prefix and carry the API's bearer token in
# this cookie; the cookie counts on those paths only (the JSON API takes the header).
PAGES_PREFIX = "/portal"
SESSION_COOKIE = "qihui_session"


@dataclass(frozen=True)
class Policy:
    roles: frozenset[str] = frozenset()
    public: bool = False
    # Members may call the route when this path parameter is their organisation.
    own_organisation_param: str | None = None

    def opt(self) -> dict[str, Any]:
        return {"policy": self}


@dataclass(frozen=True)
class Principal:
    account_id: str
    username: str
    role: str
    organisation_id: str | None
    affiliation_organisation_id: str | None
    token_id: str
    expires_at: int

    @property
    def actor(self) -> Actor:
        return Actor(id=self.account_id, role=self.role, organisation_id=self.organisation_id)


def public() -> dict[str, Any]:
    return Policy(public=True).opt()


def allow(*roles: str, member_of: str | None = None) -> dict[str, Any]:
    return Policy(roles=frozenset(roles), own_organisation_param=member_of).opt()


def signed_in() -> dict[str, Any]:
    return allow("staff", "auditor", "reviewer", "member")


class PrincipalCache:
    """Account rows behind tokens, kept for a moment so that a rush of requests
    does not query the accounts view once per request. Commands that change
    access (sign-out, disable, role change) clear it in their own process, so
    they take effect at once there; other replicas see them within `ttl`."""

    def __init__(self, ttl: float = 1.0, size: int = 10_000):
        self.ttl, self.size = ttl, size
        self._rows: dict[tuple[str, str], tuple[float, dict[str, Any] | None]] = {}

    def get(self, views: Any, account_id: str, token_id: str) -> dict[str, Any] | None:
        key, now = (account_id, token_id), time.monotonic()
        hit = self._rows.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        row = principal_row(views, account_id, token_id)
        if len(self._rows) >= self.size:
            self._rows.clear()
        self._rows[key] = (now + self.ttl, row)
        return row

    def clear(self) -> None:
        self._rows.clear()


# A token we issue is `<payload>.<signature>`, both base64url: anything else is
# refused before it reaches the signer (non-ASCII text would make the constant-time
# comparison raise, a huge header would cost a hash of it).
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{1,2048}\.[A-Za-z0-9_\-]{1,128}")


def _resolve(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip(" ")
    if not header and _page_session(connection):
        scheme, token = "bearer", _page_session(connection)
    if scheme.lower() != "bearer" or not _TOKEN.fullmatch(token):
        return None
    platform = connection.app.state.platform
    claims = platform.signer.verify(token, now=platform.clock.now().timestamp())
    if claims is None:
        return None
    row = connection.app.state.principals.get(platform.views, claims.sub, claims.jti)
    if row is None or row["status"] != "active" or row["role"] is None:
        return None
    return Principal(
        account_id=claims.sub, username=row["username"], role=row["role"],
        organisation_id=row["organisation_id"],
        affiliation_organisation_id=row["affiliation_organisation_id"],
        token_id=claims.jti, expires_at=claims.exp,
    )


def _page_session(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The session cookie's token, on page paths only."""
    path = connection.scope["path"]
    if path != PAGES_PREFIX and not path.startswith(PAGES_PREFIX + "/"):
        return ""
    return connection.cookies.get(SESSION_COOKIE, "")


def _unauthorised() -> NotAuthorizedException:
    message = "请先登录，或登录已失效 (sign in; the token is invalid or expired)"
    return NotAuthorizedException(message, headers={"WWW-Authenticate": 'Bearer realm="qihui"'},
                                  extra=[{"field": "Authorization", "message": message}])


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    return connection.scope.get("state", {}).get("principal")


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    principal = principal_of(connection)
    return principal.actor if principal else Actor.public()


def policy_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    _authorise(connection, handler)
    # After the caller is known (401/403 first, as for any other invalid parameter).
    refuse_invisible_characters(connection)


def _authorise(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    policy: Policy | None = handler.opt.get("policy")
    if policy is None and connection.scope["path"].startswith(OPENAPI_PREFIX):
        return  # the schema and its browsable UIs are public documentation
    if policy is None and connection.scope.get("method") == "OPTIONS":
        return  # Litestar's automatic OPTIONS answer only lists the allowed methods
    if policy is None:
        raise PermissionDeniedException("该接口未声明访问策略 (route has no access policy)")
    if policy.public:
        if connection.headers.get("authorization") or _page_session(connection):
            connection.scope.setdefault("state", {})["principal"] = _resolve(connection)
        return
    principal = _resolve(connection)
    connection.scope.setdefault("state", {})["principal"] = principal
    if principal is None:
        raise _unauthorised()
    if principal.role not in policy.roles:
        raise PermissionDeniedException("当前角色无权执行此操作 (role not allowed)")
    if principal.role != "member" or policy.own_organisation_param is None:
        return
    own = str(connection.path_params.get(policy.own_organisation_param, "")).replace("-", "")
    if not own or own != (principal.organisation_id or "").replace("-", ""):
        # Never confirm that another organisation's resource exists.
        raise PermissionDeniedException("无权访问其他单位的数据 (not your organisation)")
