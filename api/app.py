"""The Litestar application: all wiring in one place, the entry point stays small."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import RedocRenderPlugin, SwaggerRenderPlugin

from api.accounts import AccountsController, AuthController
from api.alliances import AlliancesController, ProgramsController
from api.audit import AuditController, StatsController
from api.health import health, ready
from api.members import MembersController
from api.policy import PrincipalCache, policy_guard
from api.problems import HANDLERS
from api.ratelimit import RateLimit
from api.sessions import SessionsController
from qihui.bootstrap import Platform

MAX_BODY = 1 << 20  # 1 MiB: nothing a form here sends is larger


def create_app(platform: Platform) -> Litestar:
    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncGenerator[None, None]:
        platform.writer.start()
        if platform.settings.run_workers:
            platform.start_workers()
        yield

    return Litestar(
        route_handlers=[MembersController, SessionsController, ProgramsController, AlliancesController,
                        AuditController, StatsController, AuthController, AccountsController, health, ready],
        guards=[policy_guard],
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        lifespan=[lifespan],
        request_max_body_size=MAX_BODY,
        openapi_config=OpenAPIConfig(
            title="企会 qihui API", version="1.0.0", path="/schema",
            description="会员、活动与企会协作创新联盟平台 (membership, sessions and alliances)",
            render_plugins=[RedocRenderPlugin(), SwaggerRenderPlugin()],
        ),
        state=State({"platform": platform, "principals": PrincipalCache(), "limits": {
            "sign_in": RateLimit.parse(platform.settings.rate_limit_sign_in),
            "apply": RateLimit.parse(platform.settings.rate_limit_apply),
        }}),
        debug=False,
    )
