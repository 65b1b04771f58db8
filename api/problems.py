"""RFC 9457 problem+json for every refusal, never a bare 500 for client input."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from domain.errors import DomainError
from projections.store import StoreUnavailable as ViewsUnavailable
from service.writer import StoreUnavailable

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"

_TITLES = {
    400: "请求无效 (Bad request)",
    401: "需要登录 (Authentication required)",
    403: "无权访问 (Forbidden)",
    404: "不存在 (Not found)",
    405: "方法不允许 (Method not allowed)",
    409: "业务规则不允许 (Conflict with a business rule)",
    413: "请求体过大 (Request body too large)",
    422: "数据无效 (Invalid data)",
    429: "请求过于频繁 (Too many requests)",
    503: "服务暂不可用 (Service unavailable)",
}


def problem(status: int, detail: str, *, code: str | None = None,
            errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"https://qihui.invalid/problems/{code or status}",
        "title": _TITLES.get(status, "错误 (Error)"),
        "status": status,
        "detail": detail,
    }
    if code:
        body["code"] = code
    if errors is not None:
        body["errors"] = errors
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers)


_AT = re.compile(r"^(?P<msg>.*?) - at `\$(?P<path>[^`]*)`$")
_NAMED = re.compile(r"(?:unknown|missing required) field `(?P<name>[^`]+)`")


def _field_error(item: dict[str, Any]) -> dict[str, str]:
    """Turn Litestar's/msgspec's wording into {field, message}."""
    message = str(item.get("message", ""))
    key = str(item.get("key") or "")
    prefix = ""
    if m := _AT.match(message):
        message, prefix = m["msg"], m["path"].lstrip(".")
    field = prefix or ("" if key == "data" else key)
    if m := _NAMED.search(message):
        field = f"{field}.{m['name']}" if field else m["name"]
    return {"field": field or "body", "message": message}


def on_validation(_: Request, exc: ValidationException) -> Response[dict[str, Any]]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [_field_error(e) for e in extra if isinstance(e, dict)]
    detail = errors[0]["message"] if errors else str(exc.detail)
    return problem(400, detail, code="invalid_request", errors=errors or [
        {"field": "body", "message": str(exc.detail)}])


def on_http(_: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    code = getattr(exc, "code", None)
    return problem(exc.status_code, str(exc.detail), code=code, headers=exc.headers)


def on_domain(_: Request, exc: DomainError) -> Response[dict[str, Any]]:
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
    retry = getattr(exc, "retry_after_seconds", None)
    headers = {"Retry-After": str(retry)} if retry else None
    return problem(exc.status, exc.message, code=exc.code, errors=errors, headers=headers)


def on_unavailable(_: Request, exc: Exception) -> Response[dict[str, Any]]:
    log.warning("store unavailable: %s", exc)
    return problem(503, "数据库暂不可用，请稍后重试 (database unavailable, retry)",
                   code="unavailable", headers={"Retry-After": "2"})


def on_unexpected(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "服务器内部错误 (internal error)", code="internal_error")


HANDLERS = {
    ValidationException: on_validation,
    HTTPException: on_http,
    DomainError: on_domain,
    StoreUnavailable: on_unavailable,
    ViewsUnavailable: on_unavailable,
    Exception: on_unexpected,
}
