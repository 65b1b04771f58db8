"""The sessions calendar and a session's page: register with named attendees,
see the registration confirmed or its place on the waitlist (live), cancel,
substitute an attendee, a check-in QR code per attendee, feedback after
attending; and the staff's page a QR code opens.

Reads are `projections.sessions` as `api.sessions` reads them; writes are the
same use cases (service.sessions) with the same Structs checking the input.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
import segno
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template

from api import i18n
from api.deps import platform_of
from api.pages.web import FormError, attempt, check, lang_of, redirect, render, settle, who
from api.policy import PAGES_PREFIX, actor_of, allow, signed_in
from api.sessions import Attendee, FeedbackIn, SubstitutionIn, _after
from projections import roster
from projections import sessions as views
from service import sessions

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
KINDS = ("training", "salon", "briefing", "matchmaking")
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
Filter = Annotated[str | None, Parameter(max_length=20)]
PAGE = 50
VIEWS = ("session_registrations", "sessions", "attendance", "audit")


# -- check-in codes: what a QR code carries, signed so it cannot be forged -------------------------
def _checkin_key(request: Request) -> bytes:
    return hmac.new(platform_of(request).settings.secret_key, b"qihui-check-in", hashlib.sha256).digest()


def checkin_token(request: Request, session_id: str, organisation_id: str, seat: int) -> str:
    """The nth attendee's seat of a registration (no name in the link: PIPL; a substitute takes the seat)."""
    payload = base64.urlsafe_b64encode(msgspec.json.encode([session_id, organisation_id, seat])).decode()
    payload = payload.rstrip("=")
    mac = hmac.new(_checkin_key(request), payload.encode(), hashlib.sha256).digest()[:16]
    return f"{payload}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def read_checkin_token(request: Request, token: str) -> tuple[str, str, int] | None:
    payload, _, mac = token.partition(".")
    if not payload or not token.isascii():
        return None
    expected = hmac.new(_checkin_key(request), payload.encode(), hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(mac, base64.urlsafe_b64encode(expected).decode().rstrip("=")):
        return None
    try:
        session_id, org, seat = msgspec.json.decode(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)),
                                                    type=tuple[str, str, int])
    except (msgspec.DecodeError, ValueError):
        return None
    return session_id, org, seat


# -- helpers ---------------------------------------------------------------------------------------
def _session(p: Any, session_id: UUID) -> dict[str, Any]:
    doc = views.get_session(p.views, str(session_id))
    if doc is None:
        raise NotFoundException()
    return doc


def _month_range(p: Any, month: str | None) -> tuple[str | None, str | None]:
    """A calendar month in the association's time zone, as UTC bounds; none: from today on."""
    zone = p.settings.time_zone

    def utc(day: date) -> str:
        return datetime.combine(day, time.min, zone).astimezone(UTC).isoformat()

    if month is None:
        return utc(p.clock.today()), None
    first = date.fromisoformat(month + "-01")
    return utc(first), utc((first.replace(day=28) + timedelta(days=4)).replace(day=1))


def _page_context(request: Request, session_id: UUID) -> dict[str, Any]:
    """What the session page shows, as GET /api/v1/sessions/{id} answers it."""
    p = platform_of(request)
    doc = _session(p, session_id)
    principal = who(request)
    mine = (views.registration_of(p.views, doc["id"], principal.organisation_id)
            if principal is not None and principal.organisation_id else None)
    numbers = views.counts(p.views, [doc["id"]])[doc["id"]]
    public = {k: v for k, v in doc.items() if k != "ratings"}
    now = p.clock.now().isoformat()
    return {"s": public, "mine": mine, "counts": numbers, "started": now >= doc["starts_at"],
            "ended": now >= doc["ends_at"],
            "qr": [checkin_token(request, doc["id"], mine["organisation_id"], n)
                   for n in range(len(mine["attendees"]))] if mine and mine["status"] == "confirmed" else []}


def _attendees(data: dict[str, Any], seats: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(seats):
        row = {k: str(data.get(f"attendees-{i}-{k}", "")).strip() for k in ("name", "phone", "position")}
        if any(row.values()):
            rows.append({k: v for k, v in row.items() if v or k == "name"})
    return rows


def _rerender(request: Request, session_id: UUID, errors: dict[str, str], values: dict[str, Any],
              anchor: str) -> Template:
    return render(request, "session.html", status=400, errors=errors, values=values, anchor=anchor,
                  **_page_context(request, session_id))


class SessionPages(Controller):
    path = "/"

    @get("/sessions", opt=signed_in(), sync_to_thread=True)
    def calendar(self, request: Request, kind: Filter = None, month: Filter = None,
                 cursor: Annotated[str | None, Parameter(max_length=200)] = None) -> Template:
        """活动日历: by kind and month, as GET /api/v1/sessions (a blank filter is no filter)."""
        p = platform_of(request)
        kind = kind if kind in KINDS else None
        month = month if month and MONTH.fullmatch(month) else None
        starts_from, starts_to = _month_range(p, month)
        docs = views.list_sessions(p.views, kind=kind, starts_from=starts_from, starts_to=starts_to,
                                   limit=PAGE + 1, after=_after(cursor))
        more = len(docs) > PAGE
        docs = docs[:PAGE]
        numbers = views.counts(p.views, [d["id"] for d in docs])
        today = p.clock.today()
        months = [(today.replace(day=1) + timedelta(days=31 * i)).strftime("%Y-%m") for i in range(-2, 7)]
        return render(request, "sessions.html", sessions=docs, counts=numbers, kind=kind, month=month,
                      months=months, next_cursor=docs[-1]["starts_at"] + docs[-1]["id"] if more else None)

    @get("/sessions/{id:uuid}", opt=signed_in(), sync_to_thread=True)
    def show(self, request: Request, id: UUID) -> Template:
        """活动详情 with this organisation's registration and what it may do next."""
        return render(request, "session.html", values={}, **_page_context(request, id))

    @get("/sessions/{id:uuid}/status", opt=signed_in(), sync_to_thread=True)
    def status(self, request: Request, id: UUID) -> Template:
        """The registration's status alone, for the page to refresh itself (confirmed / waitlist place)."""
        return render(request, "_registration_status.html", **_page_context(request, id))

    @post("/sessions/{id:uuid}/registrations", opt=allow("member"), sync_to_thread=True, status_code=303)
    def register(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """报名: as POST /api/v1/sessions/{id}/registrations, for the account's own organisation."""
        lang = lang_of(request)
        p = platform_of(request)
        doc = _session(p, id)
        rows = _attendees(data, doc["seats_per_organisation"])
        errors: dict[str, str] = {}
        attendees = []
        for i, row in enumerate(rows):
            try:
                attendees.append(msgspec.to_builtins(check(lang, Attendee, row, f"attendees-{i}-")))
            except FormError as exc:
                errors.update({k.replace(".", "-"): v for k, v in exc.errors.items()})
        if not rows:
            errors["attendees-0-name"] = i18n.t(lang, "err.required")
        principal: Any = who(request)
        try:
            if errors:
                raise FormError(errors)
            _, position = attempt(lang, lambda: p.writer.execute(sessions.register(
                id, UUID(principal.organisation_id), attendees, now=p.clock.now(), actor=actor_of(request))),
                {"attendees": "attendees-0-name"})
        except FormError as exc:
            return _rerender(request, id, exc.errors, dict(data), "register")
        settle(request, position, *VIEWS)
        return redirect(f"{PAGES_PREFIX}/sessions/{id}", done="session.registered")

    @post("/sessions/{id:uuid}/registrations/{organisation_id:uuid}/cancel",
          opt=allow("staff", "member", member_of="organisation_id"), sync_to_thread=True, status_code=303)
    def cancel(self, request: Request, id: UUID, organisation_id: UUID) -> Redirect | Template:
        """取消报名: as DELETE /api/v1/sessions/{id}/registrations/{organisation_id}."""
        lang = lang_of(request)
        p, actor = platform_of(request), actor_of(request)
        try:
            _, position = attempt(lang, lambda: p.writer.execute(sessions.on_session(
                id, lambda s: s.cancel_registration(organisation_id=organisation_id, now=p.clock.now(), actor=actor),
                actor)))
        except FormError as exc:
            return _rerender(request, id, {"cancel": next(iter(exc.errors.values()))}, {}, "mine")
        settle(request, position, *VIEWS)
        return redirect(f"{PAGES_PREFIX}/sessions/{id}", done="session.cancelled")

    @post("/sessions/{id:uuid}/registrations/{organisation_id:uuid}/substitution",
          opt=allow("staff", "member", member_of="organisation_id"), sync_to_thread=True, status_code=303)
    def substitute(self, request: Request, id: UUID, organisation_id: UUID, data: Form) -> Redirect | Template:
        """更换参会人: as POST …/registrations/{organisation_id}/substitution."""
        lang = lang_of(request)
        p, actor = platform_of(request), actor_of(request)
        new = {k: str(data.get(f"substitute-{k}", "")).strip() for k in ("name", "phone", "position")}
        try:
            form = check(lang, SubstitutionIn, {
                "attendee_name": data.get("attendee_name"), "reason": data.get("reason"),
                "substitute": {k: v for k, v in new.items() if v or k == "name"}})
            substitute = msgspec.to_builtins(form.substitute)
            _, position = attempt(lang, lambda: p.writer.execute(sessions.substitute(
                id, organisation_id, form.attendee_name, substitute, now=p.clock.now(), actor=actor,
                reason=form.reason)), {"substitute": "substitute-name"})
        except FormError as exc:
            errors = {k.replace("substitute.", "substitute-"): v for k, v in exc.errors.items()}
            return _rerender(request, id, errors, dict(data), "substitute")
        settle(request, position, *VIEWS)
        return redirect(f"{PAGES_PREFIX}/sessions/{id}", done="session.substituted")

    @get("/sessions/{id:uuid}/registrations/{organisation_id:uuid}/qr/{n:int}",
         opt=allow("staff", "member", member_of="organisation_id"), sync_to_thread=True)
    def qr(self, request: Request, id: UUID, organisation_id: UUID, n: int) -> Response[bytes]:
        """签到二维码: the nth attendee's signed check-in link, as an SVG image."""
        p = platform_of(request)
        mine = views.registration_of(p.views, str(id), str(organisation_id))
        if mine is None or mine["status"] != "confirmed" or not 0 <= n < len(mine["attendees"]):
            raise NotFoundException()
        token = checkin_token(request, str(id), str(organisation_id), n)
        url = f"{request.base_url}{PAGES_PREFIX.lstrip('/')}/check-in/{token}"
        svg = io.BytesIO()
        segno.make(url, error="m").save(svg, kind="svg", scale=5, dark="#000", light="#fff", xmldecl=False)
        return Response(svg.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=300"})

    @post("/sessions/{id:uuid}/feedback", opt=allow("member"), sync_to_thread=True, status_code=303)
    def feedback(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """满意度评价: as POST /api/v1/sessions/{id}/feedback."""
        lang = lang_of(request)
        p, actor = platform_of(request), actor_of(request)
        try:
            form = check(lang, FeedbackIn, {"rating": data.get("rating"), "comment": data.get("comment")})
            org = UUID(str(actor.organisation_id))
            _, position = attempt(lang, lambda: p.writer.execute(sessions.on_session(id, lambda s: s.give_feedback(
                organisation_id=org, rating=form.rating, comment=form.comment, now=p.clock.now(), actor=actor),
                actor)), {"organisation_id": "rating"})
        except FormError as exc:
            return _rerender(request, id, exc.errors, dict(data), "feedback")
        settle(request, position, *VIEWS)
        return redirect(f"{PAGES_PREFIX}/sessions/{id}", done="session.feedback.done")

    # -- the page a check-in QR code opens (staff at the door) ----------------------------------------
    @get("/check-in/{token:str}", opt=allow("staff"), sync_to_thread=True)
    def checkin_page(self, request: Request, token: str) -> Template:
        return render(request, "checkin.html", **_checkin(request, token))

    @post("/check-in/{token:str}", opt=allow("staff"), sync_to_thread=True, status_code=303)
    def checkin(self, request: Request, token: str) -> Redirect | Template:
        """签到: as POST /api/v1/sessions/{id}/check-ins, the attendee named by the signed code."""
        lang = lang_of(request)
        p, actor = platform_of(request), actor_of(request)
        found = _checkin(request, token)
        session_id, org, attendee = UUID(found["s"]["id"]), UUID(found["org"]), found["attendee"]
        try:
            _, position = attempt(lang, lambda: p.writer.execute(sessions.check_in(
                session_id, org, attendee, now=p.clock.now(), actor=actor)))
        except FormError as exc:
            return render(request, "checkin.html", status=409, errors=exc.errors, **found)
        settle(request, position, *VIEWS)
        return redirect(f"{PAGES_PREFIX}/check-in/{token}", done="session.checkin.done")


def _checkin(request: Request, token: str) -> dict[str, Any]:
    read = read_checkin_token(request, token)
    if read is None:
        raise NotFoundException()
    session_id, org, seat = read
    p = platform_of(request)
    doc = views.get_session(p.views, session_id)
    registration = views.registration_of(p.views, session_id, org)
    if doc is None or registration is None or not 0 <= seat < len(registration["attendees"]):
        raise NotFoundException()
    attendee = registration["attendees"][seat]["name"]
    member = roster.get_member(p.views, org)
    return {"s": doc, "org": org, "org_name": member["name"] if member else org, "attendee": attendee,
            "registration": registration, "token": token}
