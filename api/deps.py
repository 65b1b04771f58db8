"""Small helpers every controller uses."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from litestar import Request
from litestar.exceptions import HTTPException

if TYPE_CHECKING:  # the composition root is only named here, never imported at run time
    from qihui.bootstrap import Platform


T = TypeVar("T")


def platform_of(request: Request[Any, Any, Any]) -> Platform:
    return request.app.state.platform


def trim_page(items: list[T], limit: int, cursor_of: Callable[[T], str]) -> tuple[list[T], str | None]:
    """Queries fetch `limit + 1` rows; the extra one only says that a next page exists."""
    if len(items) <= limit:
        return items, None
    return items[:limit], cursor_of(items[limit - 1])


def wait_for_view(platform: Platform, view: str, min_position: int | None) -> None:
    """Read-your-writes: block until `view` has applied `min_position`. A query's
    `?min_position=` has already been awaited on the event loop (api.freshness),
    so there this returns at once; commands use it to wait for their own write."""
    if not min_position:
        return
    wait = platform.settings.read_wait
    deadline = time.monotonic() + wait
    if platform.projecting.is_set():
        if platform.runner.wait_for(view, min_position, wait):
            return
    else:
        while time.monotonic() < deadline:
            if platform.views.positions([view])[view] >= min_position:
                return
            time.sleep(0.01)
    raise HTTPException(
        status_code=503, headers={"Retry-After": "1"},
        detail=f"读模型尚未追上位置 {min_position} (read model not caught up yet)",
    )
