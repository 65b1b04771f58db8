"""What the staff desk's pages share (the secretariat's workbench, the reviewer's
desk, the auditor's view): who may open what, rendering with the desk's own
navigation, the association's local times typed in forms, and running a use
case from a form with its refusal shown beside the field.

The desk lives under PAGES_PREFIX (`/portal/desk`), so it is authorised exactly
as the portal is: the session cookie carries the API's bearer token, the same
guard resolves it and the same policies decide (api.policy). Staff may write;
an auditor reads everything and is never shown a form that writes (templates
test `can_write`, and every POST route allows staff or reviewers only); a
reviewer sees only the reviewer's desk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from api import i18n
from api.deps import platform_of
from api.pages.web import FormError, attempt, lang_of, redirect, render, settle, who
from api.policy import PAGES_PREFIX, allow

ROUTE = "/desk"  # under the pages router (PAGES_PREFIX)
D = PAGES_PREFIX + ROUTE
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]

STAFF = allow("staff")  # every desk form that writes
READERS = allow("staff", "auditor")  # every desk page that reads (the auditor reads everything)
REVIEWER = allow("reviewer")
DESK = allow("staff", "auditor", "reviewer")

UPLOAD_LIMIT = 16 << 20  # a member list of some tens of thousands of rows (the app's default is 1 MiB)


def can_write(request: Request) -> bool:
    principal = who(request)
    return principal is not None and principal.role == "staff"


def desk(request: Request, template: str, *, status: int = 200, **context: Any) -> Template:
    """A desk page: the desk's navigation, and whether this reader may write."""
    lang = lang_of(request)

    def known(key: str, fallback: str) -> str:  # a vocabulary the programme may extend (criteria, event names)
        return i18n.t(lang, key) if key in i18n.MESSAGES else fallback

    return render(request, template, status=status, desk=D, can_write=can_write(request), known=known, **context)


def local_day_bounds(p: Any, start: date, end: date) -> tuple[str, str]:
    """[start, end] in the association's time zone, as UTC ISO bounds (end exclusive)."""
    zone = p.settings.time_zone

    def utc(day: date) -> str:
        return datetime.combine(day, time.min, zone).astimezone(UTC).isoformat()

    return utc(start), utc(end + timedelta(days=1))


def local_instant(p: Any, value: Any) -> Any:
    """A `datetime-local` field (no offset) read in the association's time zone, with its offset
    (the API's Structs want one); anything else is left for the Struct to refuse."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return p.clock.instant(moment).isoformat()


def local_input(p: Any, value: str | None) -> str:
    """A stored UTC instant as a `datetime-local` field's value."""
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(p.settings.time_zone).strftime("%Y-%m-%dT%H:%M")


def run(request: Request, command: Any, views: tuple[str, ...], target: str, done: str,
        fields: Mapping[str, str] | None = None) -> Redirect:
    """Run a use case (its business refusal becomes a FormError), wait until the views shown
    next have it, and go on to `target`."""
    p = platform_of(request)
    _, position = attempt(lang_of(request), lambda: p.writer.execute(command), fields)
    settle(request, position, *views)
    path, mark, fragment = target.partition("#")  # the notice's query goes before the fragment
    if done:
        path += ("&" if "?" in path else "?") + f"done={done}"
    return redirect(path + mark + fragment)


def form_or_page(request: Request, action: Callable[[], Redirect],
                 page: Callable[[dict[str, str]], Template]) -> Redirect | Template:
    """The action's redirect, or the page again with the errors beside their fields."""
    try:
        return action()
    except FormError as exc:
        return page(exc.errors)


def fill_rate(confirmed: int, capacity: int) -> int:
    return round(100 * confirmed / capacity) if capacity else 0
