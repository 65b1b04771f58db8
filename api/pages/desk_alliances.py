"""The alliance programme at the desk: the pipeline as a board by status; an
alliance's page with every agreement version, the eligibility report (every
check with its figures), screening (an override with its reason), reviewer
assignment (a conflict of interest refused), the reviewers' scores and the
ranking, public notice and objections, approval within the programme's budget,
payments, reports, inspections and rectifications, amendments, conclusion and
termination; and a programme's page with its budget and its ranking rounds.

What staff and auditors may see is `api.alliances._visible` (everything);
every write is the use case the API route calls (service.alliances), its input
checked with the API's own Structs.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template

from api import i18n
from api.alliance_schemas import (
    Acceptance,
    AmendmentDecision,
    ApprovalIn,
    ClosureIn,
    ConclusionIn,
    InspectionIn,
    PaymentIn,
    ResolutionIn,
    ReturnIn,
    ReviewersIn,
    Screening,
    TerminationIn,
)
from api.deps import platform_of, wait_for_view
from api.pages.alliances import organisation_names, visible_alliance
from api.pages.desk_base import READERS, ROUTE, STAFF, D, Form, desk, run
from api.pages.web import FormError, check, fen, lang_of
from api.policy import actor_of
from domain.vocabularies import SECTORS
from projections import alliances as views
from projections.accounts import list_accounts
from service import alliances

VIEWS = ("alliances", "programs", "audit")
BOARD = ("draft", "submitted", "under_review", "recommended", "in_public_notice", "in_progress", "concluded",
         "rejected", "not_recommended", "not_approved", "terminated")
MONEY = {"approve": ("granted", "granted_fen"), "pay": ("amount", "amount_fen"),
         "terminate": ("recover", "recover_fen")}


def _page(request: Request, alliance_id: UUID, *, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None, status: int = 200) -> Template:
    """联盟档案 as staff and auditors see it, with the forms the status allows."""
    p = platform_of(request)
    doc = visible_alliance(request, alliance_id)
    program = views.get_program(p.views, doc["program_id"])
    accounts = {a["id"]: a for a in list_accounts(p.views)}
    reviewers = [a for a in accounts.values() if a.get("role") == "reviewer" and a.get("status") == "active"]
    parties = [*doc["agreement"]["enterprises"], *doc["agreement"]["societies"]]
    affiliations = [a["affiliation_organisation_id"] for a in reviewers if a.get("affiliation_organisation_id")]
    names = organisation_names(p, list(dict.fromkeys([*parties, *affiliations])))
    criteria = list(((program or {}).get("settings") or {}).get("criteria", {}))
    return desk(request, "desk/alliance.html", status=status, a=doc, program=program, names=names,
                accounts=accounts, reviewers=reviewers, criteria=criteria, steps=i18n.ALLIANCE_STEPS,
                sectors=SECTORS, figure=figure,
                reports=sorted(doc.get("reports", {}).values(), key=lambda r: (r["year"], r["kind"])),
                errors=errors or {}, values={"approve-granted": _yuan_text(doc["agreement"].get(
                    "requested_funding_fen")), "pay-paid_on": p.clock.today().isoformat(), **(values or {})},
                today=p.clock.today().isoformat(), now=p.clock.now().isoformat())


def figure(value: Any, key: str = "") -> str:
    """One figure of an eligibility check, as people read it: money in yuan, ratios as percentages,
    people and lists by name (never Python's own spelling of a list or a dict)."""
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if key.endswith("_fen") and isinstance(value, int | float):
        return f"¥{value / 100:,.2f}"
    if key in ("ratio", "threshold") and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if isinstance(value, dict):
        if "name" in value:
            return str(value["name"])
        return "；".join(f"{k} {figure(v, k)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(figure(v, key) for v in value)
    return str(value)


def _yuan_text(amount: int | None) -> str:
    return f"{amount / 100:.2f}" if amount else ""


def _command(request: Request, alliance_id: UUID, action: str, target: str, values: dict[str, Any],
             errors: dict[str, str]) -> Any:
    """The use case a staff action runs (as the API route of the same name), its form checked with
    the route's own Struct."""
    p, lang, actor = platform_of(request), lang_of(request), actor_of(request)
    if action in MONEY:
        typed, key = MONEY[action]
        values[key] = fen(lang, values, typed, errors)

    def checked(kind: type, body: dict[str, Any] | None = None) -> Any:
        try:
            found = check(lang, kind, values if body is None else body)
        except FormError as exc:
            errors.update(exc.errors)
            found = None
        if errors:
            raise FormError(dict(errors))
        return found

    if action == "screen":
        override = str(values.get("override") or "").strip()
        f = checked(Screening, {"decision": values.get("decision"), "reasons": values.get("reasons"),
                                **({"override": {"reason": override}} if override else {})})
        return alliances.screen(alliance_id, f.decision, f.reasons, f.override.reason if f.override else None,
                                p.clock.today(), actor)
    if action == "reviewers":
        chosen = [k.removeprefix("account-") for k, v in values.items() if k.startswith("account-") and v]
        f = checked(ReviewersIn, {"reviewer_ids": chosen})
        return alliances.assign_reviewers(alliance_id, f.reviewer_ids, actor)
    if action == "notice":
        return alliances.start_notice(alliance_id, p.clock.now(), actor)
    if action == "resolve":
        f = checked(ResolutionIn)
        return alliances.on_alliance(alliance_id, lambda a: a.resolve_objection(
            objection_id=target, outcome=f.outcome, reason=f.reason, actor=actor))
    if action == "approve":
        f = checked(ApprovalIn)
        return alliances.approve(alliance_id, f.granted_fen, p.clock.now(), actor)
    if action == "pay":
        f = checked(PaymentIn)
        return alliances.on_alliance(alliance_id, lambda a: a.pay(amount_fen=f.amount_fen, paid_on=f.paid_on,
                                                                   actor=actor))
    if action == "accept-report":
        f = checked(Acceptance)
        return alliances.on_alliance(alliance_id, lambda a: a.judge_report(
            report_id=target, accept=True, comment=f.comment, actor=actor))
    if action == "return-report":
        f = checked(ReturnIn)
        return alliances.on_alliance(alliance_id, lambda a: a.judge_report(
            report_id=target, accept=False, comment=f.reasons, actor=actor))
    if action == "inspect":
        names = [n.strip() for n in re.split(r"[，,、;；\n]+", str(values.get("inspectors") or "")) if n.strip()]
        f = checked(InspectionIn, {**values, "inspectors": names or None})
        return alliances.inspect(alliance_id, {
            "inspected_on": f.inspected_on, "inspectors": list(f.inspectors), "findings": f.findings,
            "rating": f.rating, "rectification_due_on": f.rectification_due_on}, actor)
    if action == "close-rectification":
        f = checked(ClosureIn)
        return alliances.on_alliance(alliance_id, lambda a: a.close_rectification(inspection_id=target, note=f.note,
                                                                                 actor=actor))
    if action == "amendment":
        f = checked(AmendmentDecision, {"approve": values.get("approve") == "yes", "reason": values.get("reason")})
        return alliances.decide_amendment(alliance_id, target, f.approve, f.reason, actor)
    if action == "conclude":
        f = checked(ConclusionIn)
        return alliances.on_alliance(alliance_id, lambda a: a.conclude(grade=f.grade, actor=actor))
    if action == "terminate":
        f = checked(TerminationIn)
        return alliances.terminate(alliance_id, f.reason, f.recover_fen, actor)
    raise NotFoundException()


ACTION_FIELDS = ("decision", "reasons", "override", "reviewer_ids", "outcome", "reason", "granted_fen", "amount_fen",
                 "paid_on", "comment", "inspected_on", "inspectors", "findings", "rating", "rectification_due_on",
                 "note", "grade", "recover_fen", "approve")


class DeskAlliancePages(Controller):
    path = ROUTE

    @get("/alliances", opt=READERS, sync_to_thread=True)
    def board(self, request: Request, program: Annotated[UUID | None, Parameter(query="program")] = None) -> Template:
        """联盟看板: every alliance of the programme, by status."""
        p = platform_of(request)
        docs = views.register(p.views, program_id=str(program) if program else None, status=None, sector=None,
                              as_of=None, limit=100_000)
        every = docs if program is None else views.register(p.views, program_id=None, status=None, sector=None,
                                                             as_of=None, limit=100_000)
        programs = [views.get_program(p.views, pid) for pid in dict.fromkeys(d["program_id"] for d in every)]
        columns = [(status, [d for d in docs if d["status"] == status]) for status in BOARD]
        return desk(request, "desk/alliances.html", columns=[c for c in columns if c[1] or c[0] in
                                                             i18n.ALLIANCE_STEPS],
                    programs=[x for x in programs if x], program=str(program) if program else None,
                    names=organisation_names(p, list(dict.fromkeys(
                        d["agreement"]["lead_enterprise_id"] for d in docs))))

    @get("/alliances/{id:uuid}", opt=READERS, sync_to_thread=True)
    def show(self, request: Request, id: UUID) -> Template:
        """联盟档案: versions, eligibility, reviews, notice, money, reports, inspections."""
        return _page(request, id)

    @post("/alliances/{id:uuid}/act/{action:str}", opt=STAFF, sync_to_thread=True, status_code=303)
    def act(self, request: Request, id: UUID, action: str, data: Form) -> Redirect | Template:
        """A staff step on the alliance, as the API route of the same name."""
        target = str(data.get("target") or "")[:64]
        prefix = f"{action}-{target}-" if target else f"{action}-"
        values = {k[len(prefix):]: v for k, v in data.items() if k.startswith(prefix) and str(v).strip()}
        errors: dict[str, str] = {}
        fields = {k: prefix + k for k in ACTION_FIELDS} | {"form": prefix + "form", "reviewer_ids": prefix + "form",
                                                            "granted_fen": prefix + "granted",
                                                            "amount_fen": prefix + "amount",
                                                            "recover_fen": prefix + "recover"}
        try:
            try:
                command = _command(request, id, action, target, values, errors)
            except FormError as exc:
                raise FormError({fields.get(k.split(".")[0], prefix + k): v for k, v in exc.errors.items()}) from None
            anchor = {"screen": "screening", "reviewers": "reviews", "notice": "notice", "resolve": "notice",
                      "approve": "approval", "pay": "money", "accept-report": "reports", "return-report": "reports",
                      "inspect": "inspections", "close-rectification": "inspections", "amendment": "amendments",
                      "conclude": "closing", "terminate": "closing"}.get(action, "")
            return run(request, command, VIEWS, f"{D}/alliances/{id}#{anchor}", "desk.done", fields)
        except FormError as exc:
            return _page(request, id, errors=exc.errors, values=dict(data), status=400)

    # -- programmes and ranking ---------------------------------------------------------------------
    @get("/programs/{id:uuid}", opt=READERS, sync_to_thread=True)
    def program(self, request: Request, id: UUID) -> Template:
        """年度计划: budget granted and remaining, the review's settings, every ranking round."""
        p = platform_of(request)
        doc = views.get_program(p.views, str(id))
        if doc is None:
            raise NotFoundException()
        docs = views.register(p.views, program_id=str(id), status=None, sector=None, as_of=None, limit=100_000)
        return desk(request, "desk/program.html", program=doc, alliances=docs,
                    waiting=[d for d in docs if d["status"] == "under_review"])

    @post("/programs/{id:uuid}/ranking", opt=STAFF, sync_to_thread=True, status_code=303)
    def rank(self, request: Request, id: UUID) -> Redirect | Template:
        """排序: one round, as POST /api/v1/programs/{id}/ranking (every reviewed alliance still under review)."""
        p = platform_of(request)
        wait_for_view(p, "alliances", p.runner.head())  # rank every alliance screened so far
        candidates = [UUID(d["id"]) for d in views.register(p.views, program_id=str(id), status="under_review",
                                                             sector=None, as_of=None, limit=100_000)]
        try:
            return run(request, alliances.rank(id, candidates, actor_of(request)), VIEWS, f"{D}/programs/{id}",
                       "desk.ranked")
        except FormError as exc:
            doc = views.get_program(p.views, str(id))
            if doc is None:
                raise NotFoundException() from None
            docs = views.register(p.views, program_id=str(id), status=None, sector=None, as_of=None, limit=100_000)
            return desk(request, "desk/program.html", status=409, program=doc, alliances=docs, errors=exc.errors,
                        waiting=[d for d in docs if d["status"] == "under_review"])
