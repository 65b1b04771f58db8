"""Read-your-writes without holding a thread: a query carrying `min_position`
waits here, on the event loop, until the views have applied that position.

The handler's own `wait_for_view` then finds the view caught up at once. A
position beyond the store's head can never be reached: it is refused at once
(422) instead of waiting out the deadline.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from litestar import Request
from litestar.exceptions import HTTPException

from domain.errors import InvalidValue

if TYPE_CHECKING:  # the composition root is only named here, never imported at run time
    from qihui.bootstrap import Platform

_POLL = 0.01  # seconds between looks at the views' positions


def _wanted(request: Request[Any, Any, Any]) -> int | None:
    raw = request.query_params.get("min_position")
    if raw is None or not raw.isdigit() or len(raw) > 18:
        return None  # absent, or malformed: the handler's own validation answers 400
    return int(raw) or None


class _ViewsPosition:
    """Where the views stand, read from the database by one waiter at a time and
    shared by all of them (a projector in another process)."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.value, self.read_at = 0, 0.0

    async def get(self, platform: Platform) -> int:
        if platform.projecting.is_set():  # this process's own projector says so for free
            return platform.runner.applied
        async with self.lock:
            if time.monotonic() - self.read_at >= _POLL:
                names = [v.name for v in platform.runner.views]
                positions = await anyio.to_thread.run_sync(platform.views.positions, names)
                self.value, self.read_at = min(positions.values()), time.monotonic()
            return self.value


def _position_of(request: Request[Any, Any, Any]) -> _ViewsPosition:
    state = request.app.state
    if "views_position" not in state:
        state["views_position"] = _ViewsPosition()
    return state["views_position"]


async def await_views(request: Request[Any, Any, Any]) -> None:
    wanted = _wanted(request)
    if wanted is None:
        return
    platform: Platform = request.app.state.platform
    if platform.projecting.is_set() and platform.runner.applied >= wanted:
        return
    head = await anyio.to_thread.run_sync(platform.runner.head)
    if wanted > head:
        raise InvalidValue(f"min_position {wanted} 超出事件库末尾 {head} (beyond the last stored event)",
                           field="min_position")
    deadline = time.monotonic() + platform.settings.read_wait
    position = _position_of(request)
    while time.monotonic() < deadline:
        if await position.get(platform) >= wanted:
            return
        await asyncio.sleep(_POLL)
    raise HTTPException(status_code=503, headers={"Retry-After": "1"},
                        detail=f"读模型尚未追上位置 {wanted} (read model not caught up yet)")
