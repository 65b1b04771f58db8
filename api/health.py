"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from api.deps import platform_of
from api.policy import public
from api.problems import problem


@get("/health", opt=public(), operation_id="health", tags=["operations"])
async def health() -> dict[str, str]:
    """存活检查: the process answers."""
    return {"status": "ok"}


@get("/ready", opt=public(), operation_id="ready", tags=["operations"], sync_to_thread=True)
def ready(request: Request) -> Response[dict[str, Any]]:
    """就绪检查: the store answers and the read models' lag."""
    p = platform_of(request)
    try:
        # The views' pool fails fast (1.5 s) when the database is away; ask it first.
        positions = p.views.positions([v.name for v in p.runner.views])
        head = p.runner.head()
    except Exception as exc:  # noqa: BLE001 (any store failure means not ready)
        return problem(503, f"数据库不可用 (store unavailable): {type(exc).__name__}",
                       code="unavailable", headers={"Retry-After": "2"})
    views = {name: {"position": pos, "lag": max(head - pos, 0)} for name, pos in positions.items()}
    # Notice channels: "on", or "off (not configured: …)" naming the settings missing.
    return Response({"status": "ready", "head": head, "views": views,
                     "nats": "configured" if p.settings.nats_url else "off", "notices": p.settings.notice_channels()})
