"""The Litestar application: all wiring in one place, the entry point stays small."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from api import i18n, openapi, pages
from api.freshness import await_views
from api.health import health, ready
from api.idempotency import IdempotencyMiddleware
from api.member_import import MemberImportController
from api.ownership import OwnershipGate
from api.policy import PrincipalCache, policy_guard
from api.problems import HANDLERS
from api.ratelimit import RateLimit
from qihui import contexts
from qihui.bootstrap import Platform
from workers.replicas import Replicas

MAX_BODY = 1 << 20  # 1 MiB: nothing a form here sends is larger


def create_app(platform: Platform) -> Litestar:
    shared = platform.views if platform.settings.is_postgres else None
    # Several replicas on NATS: each aggregate's commands go to one of them (api.ownership).
    replicas = (Replicas(platform.settings.nats_url, platform.settings.replica_url)
                if platform.settings.nats_url and platform.settings.replica_url else None)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncGenerator[None, None]:
        platform.writer.start()
        if platform.settings.run_workers:
            platform.start_workers()
        if replicas is not None:
            await replicas.start()
        try:
            yield
        finally:
            if replicas is not None:
                await replicas.stop()

    app = Litestar(
        route_handlers=[*contexts.controllers(), MemberImportController, health, ready,
                        *pages.routes(contexts.pages())],  # the web pages, their static files, / → the portal
        guards=[policy_guard],
        before_request=await_views,  # read-your-writes waits on the event loop, not in a thread
        middleware=[IdempotencyMiddleware(platform)],
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        lifespan=[lifespan],
        template_config=pages.TEMPLATE_CONFIG,
        request_max_body_size=MAX_BODY,
        openapi_config=OpenAPIConfig(
            title="企会 qihui API", version="1.0.0", path="/schema",
            description="会员、活动与企会协作创新联盟平台 (membership, sessions and alliances)",
            render_plugins=pages.OPENAPI_UIS,  # Swagger UI at /schema, its files served by us (no CDN)
            use_handler_docstrings=True,
        ),
        state=State({"platform": platform, "principals": PrincipalCache(), "limits": {
            # Several replicas run on PostgreSQL: there they count in the database, together.
            "sign_in": RateLimit.parse(platform.settings.rate_limit_sign_in, "sign_in", shared),
            "apply": RateLimit.parse(platform.settings.rate_limit_apply, "apply", shared),
        }}),
        debug=False,
    )
    openapi.install(app, contexts.glossary())  # roles, bearer scheme and field descriptions
    i18n.extend(contexts.messages(), contexts.labels())  # the contexts' own texts for their pages
    pages.install_nav(contexts.nav("portal"), contexts.nav("desk"))
    # Several replicas: a command for another's aggregate is forwarded before the framework runs.
    return OwnershipGate(app, replicas) if replicas is not None else app  # type: ignore[return-value]
