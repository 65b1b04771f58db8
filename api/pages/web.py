"""What every page shares: the session cookie, CSRF, the reader's language,
rendering, form checking with errors beside their fields, and the pages'
answers to refusals (HTML, not problem+json).

The session cookie carries the very bearer token the API issues (already
HMAC-signed, expiring, revocable), so a page request is authorised by the same
guard, the same token checks and the same policies as an API call
(api.policy reads the cookie for paths under PAGES_PREFIX only; the JSON API
never accepts it, so no API route can be driven cross-site).

CSRF: a random `qihui_csrf` cookie, and in every form a hidden `_csrf` field
holding an HMAC of that cookie and the session's token id (a signed double
submit, bound to the session). Every POST under the page prefix is checked
before its handler runs; SameSite=Lax on both cookies is a second wall.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import time
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import msgspec
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request, Response
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig

from api import i18n
from api.clients import parse_address
from api.deps import platform_of, wait_for_view
from api.policy import PAGES_PREFIX, SESSION_COOKIE, Principal, principal_of
from api.problems import HANDLERS
from api.schemas import PATTERN_MESSAGES, Email, Phone, Username
from domain.errors import DomainError

CSRF_COOKIE = "qihui_csrf"
CSRF_FIELD = "_csrf"
LANG_COOKIE = "qihui_lang"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

T = TypeVar("T")


# -- templates ---------------------------------------------------------------------------------
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.globals.update(prefix=PAGES_PREFIX, label=i18n.label, choices=i18n.choices, portal_nav=[], desk_nav=[])
    env.filters.update(yuan=yuan, local=_local_time, day=_day)
    return env


def install_nav(portal: Sequence[Any], desk: Sequence[Any]) -> None:
    """The contexts' own entries in the portal's and the desk's navigation (qihui.contexts.Nav)."""
    ENVIRONMENT.globals.update(portal_nav=list(portal), desk_nav=list(desk))


def yuan(fen: int | None) -> str:
    """Integer fen as yuan with two decimals and thousands separators."""
    if fen is None:
        return ""
    return f"{Decimal(fen) / 100:,.2f}"


def _local_time(value: str | None, zone: Any) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _day(value: str | None) -> str:
    return (value or "")[:10]


ENVIRONMENT = _environment()
TEMPLATE_CONFIG = TemplateConfig(instance=JinjaTemplateEngine.from_environment(ENVIRONMENT))


# -- who, which language, which scheme -----------------------------------------------------------
def lang_of(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen:
        return i18n.language(chosen)
    accept = request.headers.get("accept-language", "")
    return "en" if accept.lower().startswith("en") else i18n.DEFAULT


def is_secure(request: Request) -> bool:
    """HTTPS as the browser sees it: the request's own scheme, or a trusted proxy saying so."""
    if request.url.scheme == "https":
        return True
    proto = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    if proto != "https" or request.client is None:
        return False
    peer = parse_address(request.client.host)
    trusted = platform_of(request).settings.trusted_proxies
    return peer is not None and any(
        peer.version == net.version and peer in net
        for net in (ipaddress.ip_network(spec, strict=False) for spec in trusted))


def who(request: Request) -> Principal | None:
    return principal_of(request)


def local_path(target: str | None, default: str = PAGES_PREFIX + "/") -> str:
    """Only our own pages are redirect targets (never `//elsewhere` or a full URL)."""
    if not target or not target.startswith(PAGES_PREFIX) or target.startswith("//") or "\\" in target:
        return default
    return target


def cookie(request: Request, name: str, value: str, *, max_age: int | None = None) -> Cookie:
    return Cookie(key=name, value=value, path="/", httponly=True, samesite="lax", secure=is_secure(request),
                  max_age=max_age)


def session_cookie(request: Request, token: str, expires_at: datetime) -> Cookie:
    remaining = max(0, int(expires_at.timestamp() - time.time()))
    return cookie(request, SESSION_COOKIE, token, max_age=remaining)


def cleared(request: Request, name: str) -> Cookie:
    return cookie(request, name, "", max_age=0)


# -- CSRF --------------------------------------------------------------------------------------
def _csrf_key(request: Request) -> bytes:
    return hmac.new(platform_of(request).settings.secret_key, b"qihui-pages-csrf", hashlib.sha256).digest()


def csrf_token(request: Request, seed: str) -> str:
    principal = who(request)
    bound = f"{seed}|{principal.token_id if principal else ''}"
    return hmac.new(_csrf_key(request), bound.encode(), hashlib.sha256).hexdigest()


def _csrf_seed(request: Request) -> tuple[str, bool]:
    seed = request.cookies.get(CSRF_COOKIE, "")
    if len(seed) == 43 and seed.replace("-", "").replace("_", "").isalnum():
        return seed, False
    return secrets.token_urlsafe(32), True


async def check_csrf(request: Request) -> None:
    """The page router's before_request: every POST carries the form's CSRF token."""
    if request.method != "POST":
        return
    form = await request.form()
    seed = request.cookies.get(CSRF_COOKIE, "")
    sent = str(form.get(CSRF_FIELD, ""))
    if not seed or not sent.isascii() or not hmac.compare_digest(sent, csrf_token(request, seed)):
        raise PermissionDeniedException("csrf", extra={"csrf": True})


# -- rendering ---------------------------------------------------------------------------------
def render(request: Request, template: str, *, status: int = 200, cookies: list[Cookie] | None = None,
           **context: Any) -> Template:
    lang = lang_of(request)
    seed, fresh = _csrf_seed(request)
    p = platform_of(request)
    principal = who(request)
    done = request.query_params.get("done")
    context.setdefault("errors", {})
    context.setdefault("values", {})
    page = {
        "lang": lang, "html_lang": "en" if lang == "en" else "zh-CN",
        "t": lambda key, **v: i18n.t(lang, key, **v),
        "L": lambda vocabulary, key: i18n.label(lang, vocabulary, key),
        "pick": lambda message: i18n.pick(lang, message),
        "who": principal, "csrf": csrf_token(request, seed), "csrf_field": CSRF_FIELD,
        "path": request.url.path, "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "zone": p.settings.time_zone,
        "done": done if done in i18n.MESSAGES else None,
        "quote": quote,
    }
    jar = list(cookies or [])
    if fresh:
        jar.append(cookie(request, CSRF_COOKIE, seed))
    return Template(template_name=template, context={**page, **context}, status_code=status, cookies=jar,
                    headers={"Cache-Control": "no-store"})


def redirect(path: str, *, done: str | None = None, cookies: list[Cookie] | None = None) -> Redirect:
    if done:
        path += ("&" if "?" in path else "?") + f"done={done}"
    return Redirect(path=path, status_code=303, cookies=cookies or [])


def settle(request: Request, position: int, *views: str) -> None:
    """Read-your-writes before the next page: wait until the views shown next have the change."""
    p = platform_of(request)
    for view in views:
        wait_for_view(p, view, position)


# -- forms ---------------------------------------------------------------------------------------
class FormError(Exception):
    """Errors by field name, to show beside each field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def _message(lang: str, raw: str, field: str = "") -> str:
    """msgspec's wording, in the reader's language (a pattern by what the field holds)."""
    patterns = [
        (r"Expected `str` of length >= (\d+)", "err.min_length"),
        (r"Expected `str` of length <= (\d+)", "err.max_length"),
        (r"Expected `array` of length >= (\d+)", "err.min_items"),
        (r"Expected `array` of length <= (\d+)", "err.max_items"),
        (r"Expected `(?:int|float)` >= (-?[\d.]+)", "err.ge"),
        (r"Expected `(?:int|float)` <= (-?[\d.]+)", "err.le"),
        (r"Expected `(?:int|float)` > (-?[\d.]+)", "err.gt"),
    ]
    for pattern, key in patterns:
        if m := re.match(pattern, raw):
            return i18n.t(lang, key, n=m[1])
    if m := re.match(r"^Expected `str` matching regex (?P<p>'.*')$", raw, re.DOTALL):
        for regex, friendly in PATTERN_MESSAGES.items():
            if repr(regex) == m["p"]:
                return i18n.pick(lang, friendly)
        kind = {"email": Email, "phone": Phone, "username": Username}.get(field.rsplit(".", 1)[-1])
        if kind is not None:
            return i18n.pick(lang, PATTERN_MESSAGES[kind.__metadata__[0].pattern])
        return i18n.t(lang, "err.format")
    if raw.startswith("Expected `int`"):
        return i18n.t(lang, "err.int")
    if raw.startswith(("Expected `float`", "Expected `number`")):
        return i18n.t(lang, "err.number")
    if raw.startswith("Invalid enum value") or "Literal" in raw:
        return i18n.t(lang, "err.choice")
    if "date" in raw.lower() and ("Invalid" in raw or "Expected" in raw):
        return i18n.t(lang, "err.date")
    if "uuid" in raw.lower():
        return i18n.t(lang, "err.uuid")
    if raw.startswith("Object missing required field"):
        return i18n.t(lang, "err.required")
    return i18n.t(lang, "err.format")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check(lang: str, kind: type[T], values: Mapping[str, Any], prefix: str = "") -> T:
    """`values` as the request Struct `kind` the API uses, checking each field on its own so
    that every wrong field gets its own message (msgspec alone stops at the first)."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for field in msgspec.structs.fields(kind):  # type: ignore[arg-type]
        name = field.encode_name
        value = values.get(name)
        if _blank(value) and not isinstance(value, list | dict):
            if field.required:
                errors[prefix + name] = i18n.t(lang, "err.required")
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            inner = _struct_in(field.type)
            if inner is not None:
                rows = []
                for i, row in enumerate(value):
                    try:
                        rows.append(msgspec.to_builtins(check(lang, inner, row, f"{prefix}{name}.{i}.")))
                    except FormError as exc:
                        errors.update(exc.errors)
                value = rows
        try:
            msgspec.convert(value, field.type, strict=False)
        except msgspec.ValidationError as exc:
            errors.setdefault(prefix + name, _message(lang, str(exc).split(" - at ")[0], name))
            continue
        clean[name] = value
    if errors:
        raise FormError(errors)
    try:
        return msgspec.convert(clean, kind, strict=False)
    except msgspec.ValidationError as exc:
        text = str(exc)
        path = text.split(" - at `$.")[-1].rstrip("`") if " - at `$." in text else "form"
        path = path.replace("[", ".").replace("]", "")
        raise FormError({prefix + path: _message(lang, text.split(" - at ")[0], path)}) from None


def _struct_in(annotation: Any) -> type | None:
    """The Struct type inside `list[Struct]` (Annotated or not)."""
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _struct_in(args[0])
    if origin is list and args and isinstance(args[0], type) and issubclass(args[0], msgspec.Struct):
        return args[0]
    for arg in args:
        found = _struct_in(arg)
        if found is not None:
            return found
    return None


def fen(lang: str, values: Mapping[str, Any], name: str, errors: dict[str, str], *,
        required: bool = True) -> int | None:
    """A yuan amount typed in a form, as integer fen (money is never a float)."""
    raw = str(values.get(name) or "").replace(",", "").replace("，", "").strip()
    if not raw:
        if required:
            errors[name] = i18n.t(lang, "err.required")
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        errors[name] = i18n.t(lang, "err.money")
        return None
    if amount != amount.quantize(Decimal("0.01")) or amount < 0:
        errors[name] = i18n.t(lang, "err.money")
        return None
    return int(amount * 100)


def domain_errors(lang: str, exc: DomainError, fields: Mapping[str, str] | None = None) -> dict[str, str]:
    """A business refusal beside the field it names (or above the form)."""
    field = exc.field or "form"
    field = (fields or {}).get(field, field)
    return {field: i18n.pick(lang, exc.message)}


def attempt(lang: str, action: Callable[[], T], fields: Mapping[str, str] | None = None) -> T:
    """Run a use case; a business refusal becomes a form error."""
    try:
        return action()
    except DomainError as exc:
        raise FormError(domain_errors(lang, exc, fields)) from exc


# -- refusals as pages ---------------------------------------------------------------------------
def _error_page(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    template = render(request, "error.html", status=status, message=message)
    rendered = ENVIRONMENT.get_template("error.html").render(template.context)
    response = Response(rendered, status_code=status, media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store", **(headers or {})})
    for c in template.cookies:
        response.set_cookie(c)
    return response


def on_unauthorised(request: Request, exc: Exception) -> Response:
    """Not signed in (or the session ended): to the sign-in page, and back here afterwards."""
    target = request.url.path if request.method == "GET" else PAGES_PREFIX + "/"
    response: Response = Redirect(path=f"{PAGES_PREFIX}/login?next={quote(target)}", status_code=303)
    if request.cookies.get(SESSION_COOKIE):
        response.set_cookie(cleared(request, SESSION_COOKIE))
    return response


def on_error(request: Request, exc: Exception) -> Response:
    lang = lang_of(request)
    if isinstance(exc, PermissionDeniedException) and isinstance(exc.extra, dict) and exc.extra.get("csrf"):
        return _error_page(request, 403, i18n.t(lang, "error.csrf"))
    if isinstance(exc, DomainError):
        return _error_page(request, exc.status, i18n.pick(lang, exc.message))
    if isinstance(exc, HTTPException):
        key = {403: "error.forbidden", 404: "error.not_found", 429: "error.too_many",
               503: "error.unavailable"}.get(exc.status_code)
        message = i18n.t(lang, key) if key else i18n.pick(lang, str(exc.detail))
        return _error_page(request, exc.status_code, message, headers=exc.headers)
    unavailable = HANDLERS.get(type(exc))
    if unavailable is not None and unavailable.__name__ == "on_unavailable":
        return _error_page(request, 503, i18n.t(lang, "error.unavailable"), headers={"Retry-After": "2"})
    HANDLERS[Exception](request, exc)  # logs it, as for the API
    return _error_page(request, 500, i18n.t(lang, "error.internal"))


# The pages answer every refusal the API answers with problem+json, as a page.
EXCEPTION_HANDLERS: dict[Any, Any] = {key: on_error for key in HANDLERS} | {
    NotAuthorizedException: on_unauthorised}
