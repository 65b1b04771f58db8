"""Web pages: another entry point over the same use cases and views as the JSON
API (ARCHITECTURE.md "Pages"), server-rendered with Jinja2, Chinese first with
an English switch, every asset served by the platform itself.

`routes(controllers)` (the contexts' pages under PAGES_PREFIX, the static files, `/` → the portal),
`TEMPLATE_CONFIG` and `OPENAPI_UIS` (Swagger UI 5 from the `swagger-ui-py` wheel,
served under /schema/assets, no CDN) are what `api.app` wires in.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from typing import Any

from litestar import Router, get
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from api.pages.web import EXCEPTION_HANDLERS, STATIC_DIR, TEMPLATE_CONFIG, check_csrf, install_nav
from api.policy import PAGES_PREFIX, public

STATIC_PREFIX = "/static"
OPENAPI_ASSETS = "/schema/assets"  # beside the documentation they serve (public, as /schema is)
SWAGGER_UI = files("swagger_ui") / "static"  # swagger-ui-dist 5.x (OpenAPI 3.1), from the swagger-ui-py wheel


@get("/", opt=public(), include_in_schema=False)
async def root() -> Redirect:
    """The platform's address opens the portal."""
    return Redirect(path=PAGES_PREFIX + "/", status_code=302)


def pages_router(controllers: Sequence[Any]) -> Router:
    """The pages every context declares, under PAGES_PREFIX."""
    return Router(
        path=PAGES_PREFIX,
        route_handlers=list(controllers),
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=check_csrf,  # every POST carries the form's CSRF token (after the guard)
        include_in_schema=False,
    )


STATIC = create_static_files_router(
    path=STATIC_PREFIX, directories=[STATIC_DIR], opt=public(), include_in_schema=False,
    cache_control=CacheControlHeader(max_age=3600, public=True),
)
OPENAPI_FILES = create_static_files_router(
    path=OPENAPI_ASSETS, directories=[SWAGGER_UI], opt=public(), include_in_schema=False, name="openapi-assets",
    cache_control=CacheControlHeader(max_age=86400, public=True),
)



def routes(controllers: Sequence[Any]) -> list[Any]:
    """The contexts' pages, the static files, the API documentation's files and `/`."""
    return [pages_router(controllers), STATIC, OPENAPI_FILES, root]

_FAVICON = f"<link rel='icon' type='image/svg+xml' href='{STATIC_PREFIX}/favicon.svg'>"

# The browsable API documentation, from files the platform serves (no CDN: many
# intranets and the WeChat in-app browser cannot reach one).
OPENAPI_UIS = [SwaggerRenderPlugin(
    path=["/", "/swagger"], favicon=_FAVICON,
    js_url=f"{OPENAPI_ASSETS}/swagger-ui-bundle.js", css_url=f"{OPENAPI_ASSETS}/swagger-ui.css",
    standalone_preset_js_url=f"{OPENAPI_ASSETS}/swagger-ui-standalone-preset.js",
)]

__all__ = ["OPENAPI_UIS", "PAGES_PREFIX", "STATIC_PREFIX", "TEMPLATE_CONFIG", "install_nav", "routes"]
