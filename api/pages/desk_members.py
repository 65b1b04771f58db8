"""Membership at the desk: applications to admit or reject; the roster with every
filter, search, sort, an as-of date and export; an organisation's page with its
whole timeline (filtered by context) and every staff action — suspend, reinstate,
withdraw, correct a lapse, tier, dues, library tags, growth stage, and a contact
person's erasure (PIPL, confirmed twice); and the import of an existing member
list (a dry run listing every bad row with its row number, then the import).

Reads are the roster and audit views exactly as GET /api/v1/members, …/{id} and
…/{id}/history read them; every write is the use case the API route calls
(service.membership, api.people.erase_person, api.member_import), its input
checked with the API's own Structs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template

from api import i18n
from api.deps import platform_of
from api.member_import import UPLOAD_LIMIT, import_planned, plan_upload
from api.members import Admission, Decision, DuesPayment, LibraryChange, Reasoned, StageChange, TierChange
from api.pages.desk_base import READERS, ROUTE, STAFF, D, Form, Upload, desk, run
from api.pages.web import FormError, check, fen, lang_of, redirect, settle, who
from api.people import erase_person
from api.policy import actor_of
from domain.errors import DomainError
from projections import roster
from projections.audit import organisation_history
from projections.confidential import for_viewer
from projections.sessions import attendance_of
from service import membership
from service.roster_files import EXPORT_TYPES, export_roster

PAGE = 50  # roster rows per page
TIMELINE = 100  # timeline entries per page
VIEWS = ("roster", "audit")
Text = Annotated[str | None, Parameter(max_length=100)]
SORTS = ("applied", "-applied", "name", "-name", "credit_code", "-credit_code", "admitted_on", "-admitted_on")
FILTERS = {"status": "status", "kind": "kind", "tier": "tier", "library": "library", "growth_stage": "stage"}
# The organisation's timeline by context: which aggregates' events belong to each.
CONTEXTS = {"membership": ("Organisation", "UniqueClaim"), "sessions": ("Session",),
            "alliances": ("Alliance", "Program"), "people": ("Person",)}
STATUS_ACTIONS = {  # the status changes a member's current status allows (the domain refuses the others)
    "applied": ("admit", "reject"), "admitted": ("suspend", "withdraw"), "suspended": ("reinstate", "withdraw"),
    "lapsed": ("reinstate", "lapse-correction"), "withdrawn": (), "rejected": (),
}


def _query(params: dict[str, Any]) -> tuple[roster.RosterQuery, dict[str, Any]]:
    """GET /api/v1/members' filters from the page's query (an unknown value is no filter)."""
    chosen: dict[str, Any] = {}
    for name, vocabulary in FILTERS.items():
        value = params.get(name)
        if value in i18n.LABELS[vocabulary]:
            chosen[name] = value
    for name in ("sector", "q"):
        if (params.get(name) or "").strip():
            chosen[name] = params[name].strip()
    try:
        as_of = date.fromisoformat(params["as_of"]) if params.get("as_of") else None
    except ValueError:
        as_of = None
    if as_of:
        chosen["as_of"] = as_of.isoformat()
    sort = params.get("sort") if params.get("sort") in SORTS else "applied"
    chosen["sort"] = sort
    # A search without a chosen order lists the best matches first (as the API does).
    ordered = "relevance" if chosen.get("q") and params.get("sort") not in SORTS else sort
    query = roster.RosterQuery(**{k: v for k, v in chosen.items() if k not in ("as_of", "sort")}, as_of=as_of,
                               sort=ordered)
    return query, chosen


def _member(p: Any, org_id: UUID) -> dict[str, Any]:
    doc = roster.get_member(p.views, str(org_id))
    if doc is None:
        raise NotFoundException()
    return doc


def _timeline(request: Request, org_id: UUID, context: str | None, after: int) -> tuple[list[dict[str, Any]],
                                                                                         int | None]:
    """GET /api/v1/members/{id}/history page by page, only the context asked for."""
    p = platform_of(request)
    principal = who(request)
    kinds = CONTEXTS.get(context or "")
    items: list[dict[str, Any]] = []
    cursor = after
    while len(items) <= TIMELINE:
        batch = organisation_history(p.views, str(org_id), after=cursor, limit=500)
        if not batch:
            break
        cursor = batch[-1]["position"]
        items += [e for e in batch if kinds is None or e["aggregate_type"] in kinds]
        if len(batch) < 500:
            break
    more = len(items) > TIMELINE
    items = for_viewer(items[:TIMELINE], principal.role if principal else None)
    return items, (items[-1]["position"] if more and items else None)


def _org_page(request: Request, org_id: UUID, *, context: str | None = None, after: int = 0,
              errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
              status: int = 200) -> Template:
    p = platform_of(request)
    doc = _member(p, org_id)
    items, next_after = _timeline(request, org_id, context, after)
    today = p.clock.today()
    defaults = {"dues-year": today.year, "tier-tier": doc.get("tier") or "member",
                "growth-stage-stage": doc.get("growth_stage") or "",
                **{f"libraries-{x}": "on" for x in doc.get("libraries", [])}}
    return desk(request, "desk/member.html", status=status, org=doc, attendance=attendance_of(p.views, str(org_id)),
                items=items, next_after=next_after, after=after, context=context, contexts=list(CONTEXTS),
                actions=STATUS_ACTIONS.get(doc["status"], ()), errors=errors or {},
                opened={a for a in ALL_ACTIONS if any(k.startswith(a + "-") for k in (errors or {}))},
                values={**defaults, **(values or {})}, this_year=today.year)


def _command(request: Request, org_id: UUID, action: str, data: dict[str, Any]) -> Any:
    """The use case a staff action runs, its form checked with the API route's Struct
    (fields are named `<action>-<field>` on the page, so every form's fields stay apart)."""
    p, lang, actor = platform_of(request), lang_of(request), actor_of(request)
    today, prefix = p.clock.today(), action + "-"
    values = {k[len(prefix):]: v for k, v in data.items() if k.startswith(prefix) and str(v).strip()}
    errors: dict[str, str] = {}

    def checked(kind: type) -> Any:
        try:
            found = check(lang, kind, values)
        except FormError as exc:
            errors.update(exc.errors)
            found = None
        if errors:
            raise FormError({prefix + k: v for k, v in errors.items()})
        return found

    if action == "admit":
        f = checked(Admission)
        return membership.admit(org_id, tier=f.tier, note=f.note, effective_on=f.effective_on or today, actor=actor)
    if action in membership.DECISIONS:
        f = checked(Decision)
        return membership.decide(org_id, action, reason=f.reason, effective_on=f.effective_on or today, actor=actor,
                                 grace_days=p.settings.dues_grace_days)
    if action == "lapse-correction":
        f = checked(Reasoned)
        return membership.correct_lapse(org_id, reason=f.reason, today=today,
                                        grace_days=p.settings.dues_grace_days, actor=actor)
    if action == "dues":
        values["amount_fen"] = fen(lang, values, "amount", errors)
        f = checked(DuesPayment)
        return membership.on_organisation(org_id, lambda o: o.pay_dues(
            year=f.year, amount_fen=f.amount_fen, effective_on=f.effective_on or today, actor=actor, reason=f.note))
    if action == "tier":
        f = checked(TierChange)
        return membership.on_organisation(org_id, lambda o: o.change_tier(
            tier=f.tier, reason=f.reason, effective_on=f.effective_on or today, actor=actor))
    if action == "libraries":
        current = set(_member(p, org_id).get("libraries", []))
        wanted = {x for x in i18n.LABELS["library"] if values.get(x)}
        values.update(add=sorted(wanted - current), remove=sorted(current - wanted))
        if not values["add"] and not values["remove"]:
            raise FormError({prefix + "form": i18n.t(lang, "desk.member.no_change")})
        f = checked(LibraryChange)
        return membership.on_organisation(org_id, lambda o: o.change_libraries(
            add=list(f.add), remove=list(f.remove), effective_on=f.effective_on or today, actor=actor,
            reason=f.reason))
    if action == "growth-stage":
        f = checked(StageChange)
        return membership.on_organisation(org_id, lambda o: o.move_growth_stage(
            stage=f.stage, effective_on=f.effective_on or today, actor=actor, reason=f.reason))
    raise NotFoundException()


ALL_ACTIONS = ("admit", "reject", "suspend", "reinstate", "withdraw", "lapse-correction", "dues", "tier",
               "libraries", "growth-stage")
ACTION_FIELDS = ("reason", "effective_on", "tier", "note", "year", "amount_fen", "stage", "add", "remove")


class DeskMemberPages(Controller):
    path = ROUTE

    # -- applications and the roster --------------------------------------------------------------
    @get("/applications", opt=READERS, sync_to_thread=True)
    def applications(self, request: Request, q: Text = None) -> Template:
        """入会审批: every application waiting, oldest first, searchable."""
        p = platform_of(request)
        items, _, total = roster.list_members(p.views, roster.RosterQuery(status="applied", q=q or None),
                                              limit=500, cursor=None)
        return desk(request, "desk/applications.html", items=items, total=total, q=q or "")

    @get("/members", opt=READERS, sync_to_thread=True)
    def members(self, request: Request, status: Text = None, kind: Text = None, tier: Text = None,
                sector: Text = None, library: Text = None, growth_stage: Text = None, q: Text = None,
                as_of: Annotated[str | None, Parameter(max_length=10)] = None, sort: Text = None,
                cursor: Annotated[str | None, Parameter(max_length=500)] = None) -> Template:
        """会员名录: as GET /api/v1/members — every filter, search, sort, as of a date, and export."""
        p = platform_of(request)
        query, chosen = _query({"status": status, "kind": kind, "tier": tier, "sector": sector, "library": library,
                                "growth_stage": growth_stage, "q": q, "as_of": as_of, "sort": sort})
        try:
            items, next_cursor, total = roster.list_members(p.views, query, limit=PAGE, cursor=cursor,
                                                            open_personal=False)  # the page shows no contacts
        except ValueError:  # a cursor we did not make: the first page
            items, next_cursor, total = roster.list_members(p.views, query, limit=PAGE, cursor=None)
        link = urlencode(chosen)
        return desk(request, "desk/members.html", items=items, total=total, next_cursor=next_cursor,
                    chosen=chosen, link=link, cursor=cursor, sorts=SORTS)

    @get("/members/export", opt=READERS, sync_to_thread=True)
    def export(self, request: Request, format: Text = "xlsx", status: Text = None, kind: Text = None,
               tier: Text = None, sector: Text = None, library: Text = None, growth_stage: Text = None,
               q: Text = None, as_of: Annotated[str | None, Parameter(max_length=10)] = None,
               sort: Text = None) -> Response[bytes]:
        """导出会员名录: as GET /api/v1/members/export, the same filters."""
        p = platform_of(request)
        fmt = format if format in EXPORT_TYPES else "xlsx"
        query, _ = _query({"status": status, "kind": kind, "tier": tier, "sector": sector, "library": library,
                           "growth_stage": growth_stage, "q": q, "as_of": as_of, "sort": sort})
        stamp = (query.as_of or p.clock.today()).isoformat()
        return Response(export_roster(p.views, query, fmt), media_type=EXPORT_TYPES[fmt], headers={
            "Content-Disposition": f"attachment; filename=\"roster-{stamp}.{fmt}\"; "
                                   f"filename*=UTF-8''%E4%BC%9A%E5%91%98%E5%90%8D%E5%BD%95-{stamp}.{fmt}",
            "Cache-Control": "no-store"})

    # -- one organisation -------------------------------------------------------------------------
    @get("/members/{id:uuid}", opt=READERS, sync_to_thread=True)
    def show(self, request: Request, id: UUID, context: Text = None,
             after: Annotated[int, Parameter(ge=0, le=2**63 - 1)] = 0) -> Template:
        """单位档案: profile, status history, dues, figures, tags, attendance, the timeline, and the
        staff's actions."""
        return _org_page(request, id, context=context if context in CONTEXTS else None, after=after)

    @post("/members/{id:uuid}/act/{action:str}", opt=STAFF, sync_to_thread=True, status_code=303)
    def act(self, request: Request, id: UUID, action: str, data: Form) -> Redirect | Template:
        """A staff action on the organisation, as POST /api/v1/members/{id}/<action>."""
        prefix = action + "-"
        try:
            command = _command(request, id, action, data)
            return run(request, command, VIEWS, f"{D}/members/{id}", "desk.done",
                       {**{k: prefix + k for k in ACTION_FIELDS}, "form": prefix + "form",
                        "amount_fen": prefix + "amount"})
        except FormError as exc:
            return _org_page(request, id, errors=exc.errors, values=dict(data), status=400)

    @post("/members/{id:uuid}/contacts/{contact_id:str}/erasure", opt=STAFF, status_code=303)
    async def erase(self, request: Request, id: UUID, contact_id: str, data: Form) -> Redirect | Template:
        """个人信息删除 (PIPL): as POST /api/v1/members/{id}/contacts/{contact_id}/erasure — confirmed
        by ticking the box (and by the browser's own question) before the key is destroyed."""
        lang = lang_of(request)
        field = f"erase-{contact_id}"
        reason = str(data.get(f"{field}-reason") or "").strip()
        errors: dict[str, str] = {}
        if not reason:
            errors[f"{field}-reason"] = i18n.t(lang, "err.required")
        if not data.get(f"{field}-confirm"):
            errors[f"{field}-confirm"] = i18n.t(lang, "desk.member.erase.unconfirmed")
        if not errors:
            try:
                position = await erase_person(request, contact_id, reason, organisation_id=id, field="contact_id")
                await asyncio.to_thread(settle, request, position, *VIEWS)
                return redirect(f"{D}/members/{id}", done="desk.member.erased")
            except DomainError as exc:
                errors[f"{field}-reason"] = i18n.pick(lang, exc.message)
        return await asyncio.to_thread(_org_page, request, id, errors=errors, values=dict(data), status=400)

    # -- import -----------------------------------------------------------------------------------
    @get("/members/import", opt=STAFF)
    async def import_form(self, request: Request) -> Template:
        """导入会员名单: upload the existing list; a dry run first."""
        return desk(request, "desk/import.html", plan=None)

    @post("/members/import", opt=STAFF, sync_to_thread=True, status_code=200, request_max_body_size=UPLOAD_LIMIT)
    def dry_run(self, request: Request, data: Upload) -> Template:
        """试导入: every bad row with its row number and column, and what each good row will do
        (as POST /api/v1/members/import with dry_run)."""
        lang = lang_of(request)
        upload = data.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return desk(request, "desk/import.html", status=400, plan=None,
                        errors={"file": i18n.t(lang, "err.required")})
        content = upload.file.read()
        return self._plan(request, content, upload.filename, data, status=200)

    @post("/members/import/run", opt=STAFF, sync_to_thread=True, status_code=200,
          request_max_body_size=UPLOAD_LIMIT * 2)  # the checked file again, base64 in the form
    def run_import(self, request: Request, data: Form) -> Template:
        """导入: the file the dry run checked, imported (as POST /api/v1/members/import)."""
        lang = lang_of(request)
        p = platform_of(request)
        try:
            content = base64.b64decode(str(data.get("content") or ""), validate=True)
        except (binascii.Error, ValueError):
            content = b""
        filename = str(data.get("filename") or "")
        if not content:
            return desk(request, "desk/import.html", status=400, plan=None,
                        errors={"file": i18n.t(lang, "err.required")})
        plan, errors = self._checked_plan(request, content, filename, data)
        if plan is None:
            return desk(request, "desk/import.html", status=400, plan=None, errors=errors)
        try:
            imported = import_planned(p, plan, actor_of(request), skip_bad=bool(data.get("skip_bad")),
                                      allow_lapse=bool(data.get("allow_lapse")))
        except DomainError as exc:
            return self._plan(request, content, filename, data, status=409,
                              errors={"form": i18n.pick(lang, exc.message)})
        settle(request, p.runner.head(), "roster", "audit")  # every imported organisation shown next
        return desk(request, "desk/import.html", plan=plan, imported=imported, done_import=True)

    def _checked_plan(self, request: Request, content: bytes, filename: str,
                      data: dict[str, Any]) -> tuple[Any, dict[str, str]]:
        lang = lang_of(request)
        through_text = str(data.get("dues_paid_through") or "").strip()
        through = None
        if through_text:
            if not through_text.isdigit() or not 1949 <= int(through_text) <= 2100:
                return None, {"dues_paid_through": i18n.t(lang, "desk.import.year")}
            through = int(through_text)
        try:
            return plan_upload(platform_of(request), content, filename, dues_paid_through=through), {}
        except DomainError as exc:
            return None, {"file": i18n.pick(lang, exc.message)}

    def _plan(self, request: Request, content: bytes, filename: str, data: dict[str, Any], *, status: int,
              errors: dict[str, str] | None = None) -> Template:
        plan, problems = self._checked_plan(request, content, filename, data)
        if plan is None:
            return desk(request, "desk/import.html", status=400, plan=None, errors=problems,
                        values={k: v for k, v in data.items() if isinstance(v, str)})
        return desk(request, "desk/import.html", status=status, plan=plan, filename=filename,
                    content=base64.b64encode(content).decode(), errors=errors or {},
                    values={k: v for k, v in data.items() if isinstance(v, str)})
