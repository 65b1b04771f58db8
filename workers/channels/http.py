"""A small JSON-over-HTTP call for the gateways (standard library only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from workers.channels import TransientFailure


def call(method: str, url: str, body: Any = None, *, headers: dict[str, str] | None = None,
         timeout: float = 10.0) -> dict[str, Any]:
    """The gateway's JSON answer; a network error or a 5xx/429 is transient."""
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code == 429:
            raise TransientFailure(f"gateway answered {exc.code}") from exc
        raw = exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise TransientFailure(f"gateway unreachable: {exc}") from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise TransientFailure("gateway answered something that is not JSON") from exc
    return answer if isinstance(answer, dict) else {}
