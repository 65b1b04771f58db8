"""Who may call a route. Every route declares a Policy in its `opt`; a route
without one is refused (default deny). The guard also decodes the bearer token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler

from domain.values import Actor
from service.credentials import TokenClaims

OPENAPI_PREFIX = "/schema"


@dataclass(frozen=True)
class Policy:
    roles: frozenset[str] = frozenset()
    public: bool = False
    # Members may call the route when this path parameter is their organisation.
    own_organisation_param: str | None = None

    def opt(self) -> dict[str, Any]:
        return {"policy": self}


def public() -> dict[str, Any]:
    return Policy(public=True).opt()


def allow(*roles: str, member_of: str | None = None) -> dict[str, Any]:
    return Policy(roles=frozenset(roles), own_organisation_param=member_of).opt()


def signed_in() -> dict[str, Any]:
    return allow("staff", "auditor", "reviewer", "member")


def claims_of(connection: ASGIConnection[Any, Any, Any, Any]) -> TokenClaims | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    signer = connection.app.state.platform.signer
    return signer.verify(token.strip(), now=connection.app.state.platform.clock.now().timestamp())


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    claims: TokenClaims | None = connection.scope.get("state", {}).get("claims")
    if claims is None:
        return Actor.public()
    return Actor(id=claims.sub, role=claims.role, organisation_id=claims.org)


def policy_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    policy: Policy | None = handler.opt.get("policy")
    if policy is None and connection.scope["path"].startswith(OPENAPI_PREFIX):
        return  # the schema and its browsable UIs are public documentation
    if policy is None and connection.scope.get("method") == "OPTIONS":
        return  # Litestar's automatic OPTIONS answer only lists the allowed methods
    claims = claims_of(connection)
    connection.scope.setdefault("state", {})["claims"] = claims
    if policy is None:
        raise PermissionDeniedException("该接口未声明访问策略 (route has no access policy)")
    if policy.public:
        return
    if claims is None:
        raise NotAuthorizedException("请先登录 (sign in first)")
    if claims.role in policy.roles:
        if claims.role != "member" or policy.own_organisation_param is None:
            return
        own = str(connection.path_params.get(policy.own_organisation_param, "")).replace("-", "")
        if own and own == (claims.org or "").replace("-", ""):
            return
        # Never confirm that another organisation's resource exists.
        raise PermissionDeniedException("无权访问其他单位的数据 (not your organisation)")
    raise PermissionDeniedException("当前角色无权执行此操作 (role not allowed)")
