"""Apply for membership (public); my organisation: profile and contacts, dues,
yearly figures, library tags and growth stage, and its whole history.

Reads are `projections.roster` / `projections.audit` through the same filters as
`api.members` (a member never sees staff-only fields, parties never see who
reviewed them); writes are the same use cases (service.membership).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template

from api import i18n
from api.clients import client_address
from api.deps import platform_of
from api.members import AnnualStatsIn, ContactIn, MembershipApplication, ProfileChange, _contacts, application_fields
from api.pages.web import FormError, attempt, check, fen, lang_of, redirect, render, settle, who
from api.policy import PAGES_PREFIX, actor_of, allow, public
from domain.errors import DomainError
from domain.values import normalise_credit_code
from projections import roster
from projections.audit import organisation_history
from projections.confidential import for_viewer
from projections.sessions import attendance_of
from service import membership

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
HISTORY_PAGE = 100  # entries per timeline page (the API's `limit` allows up to 500)
CONTACT_ROWS = 20


def _rows(data: dict[str, Any], prefix: str, names: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
    """`contacts-0-name`, `contacts-0-phone`, … as a list of rows; rows left blank are dropped."""
    rows = []
    for i in range(limit):
        row = {n: str(data.get(f"{prefix}-{i}-{n}", "")).strip() for n in names}
        if any(row.values()) and not row.get("remove"):
            rows.append({k: v for k, v in row.items() if k != "remove"})
    return rows


def _stats(lang: str, data: dict[str, Any], errors: dict[str, str], *, required: bool) -> dict[str, Any] | None:
    """Yearly figures typed in yuan, as the API's AnnualStatsIn (fen)."""
    keys = ("year", "employees", "rd_staff", "revenue", "rd_spend", "total_assets")
    if not required and not any(str(data.get(k) or "").strip() for k in keys):
        return None
    stats: dict[str, Any] = {"year": data.get("year"), "employees": data.get("employees"),
                             "rd_staff": data.get("rd_staff")}
    for name, key in (("revenue", "revenue_fen"), ("rd_spend", "rd_spend_fen")):
        stats[key] = fen(lang, data, name, errors)
    stats["total_assets_fen"] = fen(lang, data, "total_assets", errors, required=False)
    try:
        checked = check(lang, AnnualStatsIn, stats)
    except FormError as exc:
        for field, message in exc.errors.items():
            errors.setdefault(field.removesuffix("_fen"), message)
        return None
    return msgspec.to_builtins(checked)


def _errors_on_rows(errors: dict[str, str], prefix: str) -> dict[str, str]:
    """`contacts.0.name` (the Struct's path) as the form's `contacts-0-name`."""
    return {(k.replace(".", "-") if k.startswith(prefix + ".") else k): v for k, v in errors.items()}


class MembershipPages(Controller):
    path = "/"

    # -- apply -------------------------------------------------------------------------------------
    @get("/apply", opt=public())
    async def apply_form(self, request: Request) -> Template:
        """入会申请 form."""
        return render(request, "apply.html", values={"kind": "enterprise"})

    @get("/apply/credit-code", opt=public())
    async def check_credit_code(self, request: Request,
                                code: Annotated[str, Parameter(max_length=64)] = "") -> dict[str, Any]:
        """The credit code checked as it is typed (GB 32100-2015 check digit; the domain's own rule)."""
        lang = lang_of(request)
        try:
            normalised = normalise_credit_code(code)
        except DomainError as exc:
            return {"ok": False, "message": i18n.pick(lang, exc.message)}
        return {"ok": True, "message": i18n.t(lang, "apply.code_ok"), "code": normalised}

    @post("/apply", opt=public(), sync_to_thread=True, status_code=303)
    def apply(self, request: Request, data: Form) -> Redirect | Template:
        """入会申请: as POST /api/v1/members (rate-limited, the credit code checked first)."""
        lang = lang_of(request)
        p = platform_of(request)
        errors: dict[str, str] = {}
        stats = _stats(lang, data, errors, required=False)
        contacts = _rows(data, "contacts", ("name", "phone", "email"), 3)
        body = {k: data.get(k) for k in ("kind", "name", "credit_code", "sector", "address")}
        try:
            if not contacts:
                errors["contacts-0-name"] = i18n.t(lang, "err.required")
            try:
                application = check(lang, MembershipApplication, {**body, "contacts": contacts or None})
            except FormError as exc:
                errors.update(_errors_on_rows(exc.errors, "contacts"))
            if errors:
                raise FormError(errors)
            request.app.state.limits["apply"].check(client_address(request))
            attempt(lang, lambda: normalise_credit_code(application.credit_code))
            fields = {**application_fields(application, p.clock.today()), "annual_stats": stats}
            attempt(lang, lambda: p.writer.execute(membership.apply_for_membership(fields, who_actor(request))))
            return redirect(f"{PAGES_PREFIX}/apply/done")
        except FormError as exc:
            return render(request, "apply.html", status=400, values=dict(data), errors=exc.errors)

    @get("/apply/done", opt=public())
    async def applied(self, request: Request) -> Template:
        return render(request, "applied.html")

    # -- my organisation ---------------------------------------------------------------------------
    @get("/organisation", opt=allow("member"))
    async def mine(self, request: Request) -> Redirect:
        """我的单位: the signed-in account's own organisation."""
        principal: Any = who(request)
        return redirect(f"{PAGES_PREFIX}/organisations/{principal.organisation_id}")

    @get("/organisations/{id:uuid}", opt=allow("staff", "auditor", "member", member_of="id"), sync_to_thread=True)
    def show(self, request: Request, id: UUID) -> Template:
        """单位详情: as GET /api/v1/members/{id}, with the forms a member may use."""
        p = platform_of(request)
        doc = _member(p, id, request)
        attendance = attendance_of(p.views, str(id))
        this_year = p.clock.today().year
        paid = {d["year"] for d in doc.get("dues", [])}
        through = doc.get("dues_paid_through")
        dues_ok = this_year in paid or (through is not None and through >= this_year)
        return render(request, "organisation.html", org=doc, attendance=attendance, this_year=this_year,
                      dues_ok=dues_ok, values={"year": this_year - 1})

    @get("/organisations/{id:uuid}/profile", opt=allow("staff", "member", member_of="id"), sync_to_thread=True)
    def profile_form(self, request: Request, id: UUID) -> Template:
        p = platform_of(request)
        doc = _member(p, id, request)
        return render(request, "profile.html", org=doc, values=_profile_values(doc))

    @post("/organisations/{id:uuid}/profile", opt=allow("staff", "member", member_of="id"), sync_to_thread=True,
          status_code=303)
    def update_profile(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """资料变更: as PATCH /api/v1/members/{id} (each change its own event)."""
        lang = lang_of(request)
        p = platform_of(request)
        doc = _member(p, id, request)
        contacts = _rows(data, "contacts", ("id", "name", "phone", "email", "remove"), CONTACT_ROWS)
        try:
            change = check(lang, ProfileChange, {
                **{k: data.get(k) for k in ("name", "sector", "address", "reason")},
                "contacts": [{k: v for k, v in c.items() if v or k != "id"} for c in contacts] or None})
        except FormError as exc:
            return render(request, "profile.html", status=400, org=doc, values=dict(data),
                          errors=_errors_on_rows(exc.errors, "contacts"))
        changes = {k: v for k in ("name", "sector", "address") if (v := getattr(change, k)) is not None}
        new = change.contacts or []
        # The form always shows the contacts; they are sent on only when they changed.
        contacts = _contacts(new) if change.contacts is not None and _contacts_differ(doc["contacts"], new) else None
        try:
            _, position = attempt(lang, lambda: p.writer.execute(membership.update_profile(
                id, changes=changes, contacts=contacts, reason=change.reason, actor=who_actor(request))))
        except FormError as exc:
            return render(request, "profile.html", status=400, org=doc, values=dict(data),
                          errors=_errors_on_rows(exc.errors, "contacts"))
        settle(request, position, "roster", "audit")
        return redirect(f"{PAGES_PREFIX}/organisations/{id}", done="saved")

    @post("/organisations/{id:uuid}/annual-stats", opt=allow("staff", "member", member_of="id"),
          sync_to_thread=True, status_code=303)
    def annual_stats(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """年度数据: as POST /api/v1/members/{id}/annual-stats (money typed in yuan, kept in fen)."""
        lang = lang_of(request)
        p = platform_of(request)
        errors: dict[str, str] = {}
        stats = _stats(lang, data, errors, required=True)
        actor = who_actor(request)
        try:
            if errors or stats is None:
                raise FormError(errors)
            _, position = attempt(lang, lambda: p.writer.execute(membership.on_organisation(
                id, lambda o: o.record_annual_stats(stats=stats, actor=actor), actor)))
        except FormError as exc:
            doc = _member(p, id, request)
            return render(request, "organisation.html", status=400, org=doc,
                          attendance=attendance_of(p.views, str(id)), this_year=p.clock.today().year,
                          dues_ok=True, values=dict(data), errors=exc.errors, open_figures=True)
        settle(request, position, "roster", "audit")
        return redirect(f"{PAGES_PREFIX}/organisations/{id}", done="saved")

    @get("/organisations/{id:uuid}/history", opt=allow("staff", "auditor", "member", member_of="id"),
         sync_to_thread=True)
    def history(self, request: Request, id: UUID, after: Annotated[int, Parameter(ge=0, le=2**63 - 1)] = 0) -> Template:
        """活动记录 as a timeline: GET /api/v1/members/{id}/history, oldest first, page by page."""
        p = platform_of(request)
        doc = roster.get_member(p.views, str(id))
        if doc is None:
            raise NotFoundException()
        rows = organisation_history(p.views, str(id), after=after, limit=HISTORY_PAGE + 1)
        more = len(rows) > HISTORY_PAGE
        rows = rows[:HISTORY_PAGE]
        principal = who(request)
        items = for_viewer(rows, principal.role if principal else None)
        return render(request, "history.html", org=doc, items=items,
                      next_after=items[-1]["position"] if more and items else None, after=after)


def who_actor(request: Request) -> Any:
    return actor_of(request)


def _member(p: Any, org_id: UUID, request: Request) -> dict[str, Any]:
    doc = roster.get_member(p.views, str(org_id))
    if doc is None:
        raise NotFoundException()
    principal = who(request)
    if principal is not None and principal.role == "member":
        doc.pop("pending_application", None)  # as GET /api/v1/members/{id}: staff's to judge
    return doc


def _profile_values(doc: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {k: doc.get(k) or "" for k in ("name", "sector", "address")}
    for i, c in enumerate(doc.get("contacts", [])):
        for k in ("id", "name", "phone", "email"):
            values[f"contacts-{i}-{k}"] = c.get(k) or ""
    return values


def _contacts_differ(old: list[dict[str, Any]], new: list[ContactIn]) -> bool:
    def key(c: Any) -> tuple[Any, ...]:
        get = c.get if isinstance(c, dict) else (lambda k: getattr(c, k))
        return (get("id"), get("name"), get("phone"), get("email"))

    return [key(c) for c in old] != [key(c) for c in new]

