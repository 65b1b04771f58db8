"""My alliances: the agreement editor with its versions, the parties and their
signatures, joint submission, the status through screening, review, notice and
approval, annual and completion reports (a returned one resubmitted), amendment
requests and the payments received.

Kept thin on purpose: what a party may see is `api.alliances._visible`, every
write is a use case of `service.alliances` checked with the API's own Structs.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Redirect, Template

from api import i18n
from api.alliance_schemas import AgreementIn, AmendmentIn, ReportIn
from api.alliances import _agreement, _visible
from api.deps import platform_of
from api.pages.web import FormError, attempt, check, fen, lang_of, redirect, render, settle, who
from api.policy import PAGES_PREFIX, actor_of, allow, signed_in
from domain.vocabularies import COOPERATION_CONTENTS, SECTORS
from projections import alliances as views
from projections import roster
from service import alliances

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
VIEWS = ("alliances", "audit")


def visible_alliance(request: Request, alliance_id: UUID) -> dict[str, Any]:
    """The alliance as the signed-in person may see it (the API's rule), or 404."""
    p = platform_of(request)
    doc = views.get_alliance(p.views, str(alliance_id))
    visible = _visible(doc, who(request)) if doc else None
    if visible is None:
        raise NotFoundException()
    return visible


def organisation_names(p: Any, ids: list[str]) -> dict[str, str]:
    """Organisations' names for display, by id (the id itself when unknown)."""
    found = {}
    for org_id in ids:
        doc = roster.get_member(p.views, org_id)
        found[org_id] = doc["name"] if doc else org_id
    return found


def _tasks_text(agreement: dict[str, Any]) -> str:
    return "\n".join(f"{t['title']} | {t['due_on']} | {t['indicator']}" for t in agreement.get("tasks", []))


def _tasks(text: str) -> list[dict[str, str]]:
    rows = []
    for line in (text or "").splitlines():
        if line.strip():
            parts = [part.strip() for part in line.split("|")]
            rows.append({"title": parts[0], "due_on": parts[1] if len(parts) > 1 else "",
                         "indicator": parts[2] if len(parts) > 2 else ""})
    return rows


def _context(request: Request, alliance_id: UUID) -> dict[str, Any]:
    p = platform_of(request)
    doc = visible_alliance(request, alliance_id)
    agreement = doc["agreement"]
    program = views.get_program(p.views, doc["program_id"])
    principal = who(request)
    org = principal.organisation_id if principal else None
    current = next((v for v in doc.get("versions", []) if v["version"] == doc.get("agreement_version")), None)
    return {"a": doc, "agreement": agreement, "program": program, "names": organisation_names(p, doc["parties"]),
            "mine": org, "is_party": org in doc["parties"], "current": current,
            "signed_by_me": org in doc.get("signatures", []),
            "all_signed": set(doc["parties"]) <= set(doc.get("signatures", [])),
            "reports": sorted(doc.get("reports", {}).values(), key=lambda r: (r["year"], r["kind"])),
            "amendments": list(doc.get("amendments", {}).values()), "steps": i18n.ALLIANCE_STEPS,
            "sectors": SECTORS, "areas": COOPERATION_CONTENTS, "this_year": p.clock.today().year}


def _editor_values(agreement: dict[str, Any]) -> dict[str, Any]:
    values = {k: agreement.get(k) or "" for k in ("title", "goals", "work_plan", "safeguards", "sector",
                                                  "starts_on", "ends_on")}
    values["tasks"] = _tasks_text(agreement)
    values["budget"] = f"{agreement.get('budget_fen', 0) / 100:.2f}"
    values["requested"] = f"{agreement.get('requested_funding_fen', 0) / 100:.2f}"
    for area in agreement.get("cooperation_areas", []):
        values[f"area-{area}"] = "on"
    return values


class AlliancePages(Controller):
    path = "/"

    @get("/alliances", opt=signed_in(), sync_to_thread=True)
    def mine(self, request: Request) -> Template:
        """我的联盟: the alliances the account may see (its organisation's, as GET /api/v1/alliances)."""
        p = platform_of(request)
        principal = who(request)
        docs = views.register(p.views, program_id=None, status=None, sector=None, as_of=None, limit=10_000)
        visible = [v for v in (_visible(d, principal) for d in docs) if v is not None]
        return render(request, "alliances.html", alliances=visible)

    @get("/alliances/{id:uuid}", opt=signed_in(), sync_to_thread=True)
    def show(self, request: Request, id: UUID) -> Template:
        """联盟档案 as a party sees it (no reviewer, no objector)."""
        return render(request, "alliance.html", values={}, **_context(request, id))

    @get("/alliances/{id:uuid}/agreement", opt=allow("staff", "member"), sync_to_thread=True)
    def editor(self, request: Request, id: UUID) -> Template:
        context = _context(request, id)
        return render(request, "agreement.html", values=_editor_values(context["agreement"]), **context)

    @post("/alliances/{id:uuid}/agreement", opt=allow("staff", "member"), sync_to_thread=True, status_code=303)
    def revise(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """修改协议书: as PUT /api/v1/alliances/{id}/agreement — a new version, every signature void."""
        lang = lang_of(request)
        p = platform_of(request)
        context = _context(request, id)
        errors: dict[str, str] = {}
        edited: dict[str, Any] = {k: data.get(k) for k in ("title", "goals", "work_plan", "safeguards", "sector",
                                                           "starts_on", "ends_on")}
        edited["tasks"] = _tasks(str(data.get("tasks") or ""))
        edited["cooperation_areas"] = [a for a in COOPERATION_CONTENTS if data.get(f"area-{a}")]
        edited["budget_fen"] = fen(lang, data, "budget", errors)
        edited["requested_funding_fen"] = fen(lang, data, "requested", errors)
        names = {"budget_fen": "budget", "requested_funding_fen": "requested"}
        try:
            try:
                agreement = check(lang, AgreementIn, {**context["agreement"], **edited})
            except FormError as exc:
                errors.update({names.get(k, k.split(".")[0]): v for k, v in exc.errors.items()
                               if names.get(k, k.split(".")[0]) not in errors})
            if errors:
                raise FormError(errors)
            _, position = attempt(lang, lambda: p.writer.execute(alliances.revise(
                id, _agreement(agreement), actor_of(request))), names)
        except FormError as exc:
            return render(request, "agreement.html", status=400, values=dict(data), errors=exc.errors, **context)
        settle(request, position, *VIEWS)
        return redirect(f"{PAGES_PREFIX}/alliances/{id}", done="alliance.saved")

    @post("/alliances/{id:uuid}/signatures", opt=allow("member"), sync_to_thread=True, status_code=303)
    def sign(self, request: Request, id: UUID) -> Redirect | Template:
        """签署: as POST /api/v1/alliances/{id}/signatures, for the account's organisation."""
        actor = actor_of(request)
        return self._act(request, id, lambda: alliances.sign(id, UUID(str(actor.organisation_id)), actor,
                                                             today=platform_of(request).clock.today()),
                         "alliance.signed_now", "sign")

    @post("/alliances/{id:uuid}/submit", opt=allow("member"), sync_to_thread=True, status_code=303)
    def submit(self, request: Request, id: UUID) -> Redirect | Template:
        """联合申报: as POST /api/v1/alliances/{id}/submit."""
        p = platform_of(request)
        return self._act(request, id, lambda: alliances.submit(id, p.clock.now(), actor_of(request)),
                         "alliance.submitted", "submit")

    @post("/alliances/{id:uuid}/reports", opt=allow("member"), sync_to_thread=True, status_code=303)
    def report(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """年度报告 / 总结报告: as POST /api/v1/alliances/{id}/reports (again for a returned one)."""
        lang = lang_of(request)
        p = platform_of(request)
        context = _context(request, id)
        errors: dict[str, str] = {}
        spending = fen(lang, data, "spending", errors)
        progress = [{"task": t["title"], "status": data.get(f"task-{i}-status") or "not_started",
                     "note": str(data.get(f"task-{i}-note") or "")}
                    for i, t in enumerate(context["agreement"].get("tasks", []))]
        try:
            try:
                report = check(lang, ReportIn, {"kind": data.get("kind"), "year": data.get("year"),
                                                "progress": progress, "spending_fen": spending,
                                                "outcomes": data.get("outcomes") or ""})
            except FormError as exc:
                errors.update({("spending" if k == "spending_fen" else k): v for k, v in exc.errors.items()
                               if k != "spending_fen" or "spending" not in errors})
            if errors:
                raise FormError(errors)
            _, position = attempt(lang, lambda: p.writer.execute(alliances.file_report(
                id, msgspec.to_builtins(report), actor_of(request), today=p.clock.today())),
                {"spending_fen": "spending"})
        except FormError as exc:
            return render(request, "alliance.html", status=400, values=dict(data), errors=exc.errors,
                          anchor="report", **context)
        settle(request, position, *VIEWS)
        return redirect(f"{PAGES_PREFIX}/alliances/{id}", done="alliance.report.filed")

    @post("/alliances/{id:uuid}/amendments", opt=allow("member"), sync_to_thread=True, status_code=303)
    def amendment(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """变更申请: as POST /api/v1/alliances/{id}/amendments (title, goals, end date, budget)."""
        lang = lang_of(request)
        p = platform_of(request)
        context = _context(request, id)
        errors: dict[str, str] = {}
        changes: dict[str, Any] = {k: data.get(f"amend-{k}") for k in ("title", "goals", "ends_on")
                                   if str(data.get(f"amend-{k}") or "").strip()}
        if str(data.get("amend-budget") or "").strip():
            changes["budget_fen"] = fen(lang, data, "amend-budget", errors)
        try:
            try:
                request_in = check(lang, AmendmentIn, {"changes": changes, "reason": data.get("amend-reason")})
            except FormError as exc:
                errors.update({"amend-" + k.split(".")[-1].removesuffix("_fen"): v for k, v in exc.errors.items()})
            if errors:
                raise FormError(errors)
            _, position = attempt(lang, lambda: p.writer.execute(alliances.request_amendment(
                id, msgspec.to_builtins(request_in.changes), request_in.reason, actor_of(request))),
                {"reason": "amend-reason", "changes": "amend-reason"})
        except FormError as exc:
            return render(request, "alliance.html", status=400, values=dict(data), errors=exc.errors,
                          anchor="amendment", **context)
        settle(request, position, *VIEWS)
        return redirect(f"{PAGES_PREFIX}/alliances/{id}", done="alliance.amendment.filed")

    def _act(self, request: Request, id: UUID, command: Any, done: str, field: str) -> Redirect | Template:
        lang = lang_of(request)
        p = platform_of(request)
        try:
            _, position = attempt(lang, lambda: p.writer.execute(command()))
        except FormError as exc:
            return render(request, "alliance.html", status=409, values={},
                          errors={field: next(iter(exc.errors.values()))}, **_context(request, id))
        settle(request, position, *VIEWS)
        return redirect(f"{PAGES_PREFIX}/alliances/{id}", done=done)

