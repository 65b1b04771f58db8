"""Sessions at the desk: schedule a training, salon, briefing or matchmaking
meeting; change its time or capacity, or cancel it; its roster (confirmed, the
waitlist in order, a move with its reason), no-shows and feedback after it; and
check-in at the door on a tablet — the attendee's QR code read by the camera
(the browser's BarcodeDetector, a few lines of api/static/desk.js) or by a
hand-held scanner typing it, or a name searched — each check-in shown at once.

Reads are projections.sessions as GET /api/v1/sessions/{id} and …/roster read
them; writes are the use cases the API routes call (service.sessions), checked
with the API's own Structs. The QR code is the portal's signed check-in link
(api.pages.sessions.checkin_token), read with the same check of its signature.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template

from api import i18n
from api.deps import platform_of
from api.pages.desk_base import READERS, ROUTE, STAFF, D, Form, desk, fill_rate, local_input, local_instant, run
from api.pages.sessions import KINDS, MONTH, _month_range, read_checkin_token
from api.pages.web import FormError, attempt, check, lang_of, redirect, render, settle
from api.policy import actor_of
from api.sessions import CancelIn, CapacityIn, MoveIn, RescheduleIn, SessionIn
from projections import sessions as views
from service import sessions

VIEWS = ("session_registrations", "sessions", "attendance", "audit")
Filter = Annotated[str | None, Parameter(max_length=20)]
Search = Annotated[str | None, Parameter(max_length=50)]
TIMES = ("starts_at", "ends_at", "registration_closes_at")


def _session(p: Any, session_id: UUID) -> dict[str, Any]:
    doc = views.get_session(p.views, str(session_id))
    if doc is None:
        raise NotFoundException()
    return doc


def _page(request: Request, session_id: UUID, *, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None, status: int = 200) -> Template:
    """活动管理: the session, its roster as GET /api/v1/sessions/{id}/roster answers it, and the forms."""
    p = platform_of(request)
    doc = _session(p, session_id)
    roster = views.session_roster(p.views, doc)
    now = p.clock.now().isoformat()
    defaults = {"reschedule-starts_at": local_input(p, doc["starts_at"]),
                "reschedule-ends_at": local_input(p, doc["ends_at"]), "capacity-capacity": doc["capacity"]}
    return desk(request, "desk/session.html", status=status, s=doc, roster=roster,
                fill=fill_rate(roster["counts"]["confirmed"], doc["capacity"]), started=now >= doc["starts_at"],
                ended=now >= doc["ends_at"], errors=errors or {}, values={**defaults, **(values or {})},
                opened={a for a in ("reschedule", "capacity", "cancel")
                        if any(k.startswith(a + "-") for k in errors or {})})


def _door(request: Request, session_id: UUID, q: str | None, last: tuple[str, int] | None = None, *,
          errors: dict[str, str] | None = None, status: int = 200) -> Template:
    """签到台: every confirmed attendee (those matching the search), who is in, and the tally."""
    p = platform_of(request)
    doc = _session(p, session_id)
    roster = views.session_roster(p.views, doc)
    term = (q or "").strip().lower()
    people = []
    for entry in roster["confirmed"]:
        for seat, attendee in enumerate(entry["attendees"]):
            name = attendee.get("name") or ""
            if term and term not in name.lower() and term not in (entry["name"] or "").lower():
                continue
            people.append({"org": entry["organisation_id"], "org_name": entry["name"], "seat": seat, "name": name,
                           "position": attendee.get("position"), "in": name in entry["checked_in_attendees"]})
    present = sum(len(e["checked_in_attendees"]) for e in roster["confirmed"])
    expected = sum(len(e["attendees"]) for e in roster["confirmed"])
    last_in = None
    if last is not None:
        registration = views.registration_of(p.views, str(session_id), last[0])
        entry = next((e for e in roster["confirmed"] if e["organisation_id"] == last[0]), None)
        if registration and 0 <= last[1] < len(registration["attendees"]):
            last_in = {"name": registration["attendees"][last[1]]["name"], "org_name": entry["name"] if entry else ""}
    now = p.clock.now().isoformat()
    return desk(request, "desk/door.html", status=status, s=doc, people=people, q=q or "", present=present,
                expected=expected, last_in=last_in, errors=errors or {}, ended=now >= doc["ends_at"],
                too_early=p.clock.now().timestamp() < _epoch(doc["starts_at"]) - 3600)


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _token_of(code: str) -> str:
    """A QR code's text: the portal's check-in link (…/check-in/<token>) or the bare token."""
    code = code.strip()
    if "/check-in/" in code:
        code = code.rsplit("/check-in/", 1)[1]
    return code.split("?", 1)[0].split("#", 1)[0].strip("/")


class DeskSessionPages(Controller):
    path = ROUTE

    @get("/sessions", opt=READERS, sync_to_thread=True)
    def calendar(self, request: Request, kind: Filter = None, month: Filter = None,
                 cursor: Annotated[str | None, Parameter(max_length=200)] = None) -> Template:
        """活动: by kind and month (from today on by default), each with its fill rate."""
        p = platform_of(request)
        kind = kind if kind in KINDS else None
        month = month if month and MONTH.fullmatch(month) else None
        starts_from, starts_to = _month_range(p, month)
        after = cursor if cursor and len(cursor) > 36 and cursor.isascii() else None
        docs = views.list_sessions(p.views, kind=kind, starts_from=starts_from, starts_to=starts_to, limit=101,
                                   after=after)
        more, docs = len(docs) > 100, docs[:100]
        numbers = views.counts(p.views, [d["id"] for d in docs])
        today = p.clock.today()
        months = [(today.replace(day=1) + timedelta(days=31 * i)).strftime("%Y-%m") for i in range(-12, 7)]
        rows = [{"s": d, "n": numbers[d["id"]], "fill": fill_rate(numbers[d["id"]]["confirmed"], d["capacity"])}
                for d in docs]
        return desk(request, "desk/sessions.html", rows=rows, kind=kind, month=month, months=months,
                    next_cursor=docs[-1]["starts_at"] + docs[-1]["id"] if more else None)

    @get("/sessions/new", opt=STAFF)
    async def new(self, request: Request) -> Template:
        """安排活动."""
        return desk(request, "desk/session_new.html",
                    values={"kind": "salon", "seats_per_organisation": 1, "members_only": "on", "waitlist": "on"})

    @post("/sessions", opt=STAFF, sync_to_thread=True, status_code=303)
    def schedule(self, request: Request, data: Form) -> Redirect | Template:
        """安排活动: as POST /api/v1/sessions (times typed in the association's time zone)."""
        p, lang = platform_of(request), lang_of(request)
        body: dict[str, Any] = {k: data.get(k) for k in ("kind", "title", "topic", "venue", "capacity",
                                                         "seats_per_organisation") if str(data.get(k) or "").strip()}
        body.update({k: local_instant(p, data.get(k)) for k in TIMES})
        body.update(members_only=bool(data.get("members_only")), waitlist=bool(data.get("waitlist")))
        try:
            form = check(lang, SessionIn, body)
            fields = msgspec.structs.asdict(form)
            for key in TIMES:
                fields[key] = p.clock.instant(fields[key])
            session_id, position = _execute(request, sessions.schedule(fields, now=p.clock.now(),
                                                                         actor=actor_of(request)))
        except FormError as exc:
            return desk(request, "desk/session_new.html", status=400, errors=exc.errors, values=dict(data))
        settle(request, position, *VIEWS)
        return redirect(f"{D}/sessions/{session_id}", done="desk.session.scheduled")

    @get("/sessions/{id:uuid}", opt=READERS, sync_to_thread=True)
    def show(self, request: Request, id: UUID) -> Template:
        """活动管理: roster, waitlist, check-ins, no-shows, feedback."""
        return _page(request, id)

    @post("/sessions/{id:uuid}/act/{action:str}", opt=STAFF, sync_to_thread=True, status_code=303)
    def act(self, request: Request, id: UUID, action: str, data: Form) -> Redirect | Template:
        """改期 / 调整容量 / 取消活动: as POST /api/v1/sessions/{id}/reschedule|capacity|cancel."""
        p, lang, actor = platform_of(request), lang_of(request), actor_of(request)
        prefix = action + "-"
        values = {k[len(prefix):]: v for k, v in data.items() if k.startswith(prefix) and str(v).strip()}
        try:
            try:
                if action == "reschedule":
                    values.update({k: local_instant(p, values.get(k)) for k in ("starts_at", "ends_at")})
                    f = check(lang, RescheduleIn, values)
                    command = sessions.on_session(id, lambda s: s.reschedule(
                        starts_at=p.clock.instant(f.starts_at), ends_at=p.clock.instant(f.ends_at), reason=f.reason,
                        now=p.clock.now(), actor=actor))
                elif action == "capacity":
                    f = check(lang, CapacityIn, values)
                    command = sessions.on_session(id, lambda s: s.change_capacity(
                        capacity=f.capacity, now=p.clock.now(), actor=actor, reason=f.reason))
                elif action == "cancel":
                    f = check(lang, CancelIn, values)
                    command = sessions.on_session(id, lambda s: s.cancel(reason=f.reason, now=p.clock.now(),
                                                                         actor=actor))
                else:
                    raise NotFoundException()
            except FormError as exc:
                raise FormError({prefix + k: v for k, v in exc.errors.items()}) from None
            return run(request, command, VIEWS, f"{D}/sessions/{id}", "desk.done",
                       {k: prefix + k for k in ("starts_at", "ends_at", "reason", "capacity", "form")})
        except FormError as exc:
            return _page(request, id, errors=exc.errors, values=dict(data), status=400)

    @post("/sessions/{id:uuid}/waitlist/{organisation_id:uuid}/move", opt=STAFF, sync_to_thread=True,
          status_code=303)
    def move(self, request: Request, id: UUID, organisation_id: UUID, data: Form) -> Redirect | Template:
        """调整候补顺序: only with a reason, as POST /api/v1/sessions/{id}/waitlist/{org}/move."""
        lang, actor = lang_of(request), actor_of(request)
        prefix = f"move-{organisation_id}-"
        values = {k[len(prefix):]: v for k, v in data.items() if k.startswith(prefix) and str(v).strip()}
        try:
            try:
                f = check(lang, MoveIn, values)
            except FormError as exc:
                raise FormError({prefix + k: v for k, v in exc.errors.items()}) from None
            return run(request, sessions.on_session(id, lambda s: s.move_in_waitlist(
                organisation_id=organisation_id, to_position=f.to_position, reason=f.reason, actor=actor)),
                VIEWS, f"{D}/sessions/{id}#waitlist", "desk.done",
                {"to_position": prefix + "to_position", "reason": prefix + "reason", "form": prefix + "reason"})
        except FormError as exc:
            return _page(request, id, errors=exc.errors, values=dict(data), status=400)

    # -- the door ------------------------------------------------------------------------------------
    @get("/sessions/{id:uuid}/check-in", opt=STAFF, sync_to_thread=True)
    def door(self, request: Request, id: UUID, q: Search = None,
             org: Annotated[UUID | None, Parameter(query="org")] = None,
             seat: Annotated[int | None, Parameter(ge=0, le=50)] = None) -> Template:
        """签到台 (a tablet at the door): scan, or search a name."""
        return _door(request, id, q, (str(org), seat) if org is not None and seat is not None else None)

    @get("/sessions/{id:uuid}/check-in/tally", opt=STAFF, sync_to_thread=True)
    def tally(self, request: Request, id: UUID) -> Template:
        """Who is in, for the door page to keep itself current (several doors, one session)."""
        p = platform_of(request)
        roster = views.session_roster(p.views, _session(p, id))
        present = sum(len(e["checked_in_attendees"]) for e in roster["confirmed"])
        expected = sum(len(e["attendees"]) for e in roster["confirmed"])
        return render(request, "desk/_tally.html", present=present, expected=expected)

    @post("/sessions/{id:uuid}/check-ins", opt=STAFF, sync_to_thread=True, status_code=303)
    def check_in(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """签到: as POST /api/v1/sessions/{id}/check-ins — the attendee named by a scanned QR code
        (its signature checked) or chosen from the search."""
        p, lang, actor = platform_of(request), lang_of(request), actor_of(request)
        q = str(data.get("q") or "")[:50]
        code = str(data.get("code") or "").strip()
        try:
            if code:
                read = read_checkin_token(request, _token_of(code))
                if read is None:
                    raise FormError({"code": i18n.t(lang, "session.checkin.invalid")})
                session_id, org, seat = read
                if session_id != str(id):
                    raise FormError({"code": i18n.t(lang, "desk.door.other_session")})
            else:
                org, seat_text = str(data.get("org") or ""), str(data.get("seat") or "")
                if not seat_text.isdigit():
                    raise FormError({"code": i18n.t(lang, "err.required")})
                seat = int(seat_text)
                try:
                    org = str(UUID(org))
                except ValueError:
                    raise FormError({"code": i18n.t(lang, "err.uuid")}) from None
            registration = views.registration_of(p.views, str(id), org)
            if registration is None or not 0 <= seat < len(registration["attendees"]):
                raise FormError({"code": i18n.t(lang, "desk.door.not_registered")})
            name = registration["attendees"][seat]["name"]
            run(request, sessions.check_in(id, UUID(org), name, now=p.clock.now(), actor=actor), VIEWS, "", "",
                {"organisation_id": "code", "attendee_name": "code", "form": "code"})
        except FormError as exc:
            return _door(request, id, q, errors=exc.errors, status=409)
        target = f"{D}/sessions/{id}/check-in?org={org}&seat={seat}" + (f"&q={_quoted(q)}" if q else "")
        return redirect(target, done="session.checkin.done")


def _quoted(text: str) -> str:
    return quote(text)


def _execute(request: Request, command: Any) -> tuple[Any, int]:
    p = platform_of(request)
    return attempt(lang_of(request), lambda: p.writer.execute(command))
