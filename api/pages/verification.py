"""Commissioned-verification desk pages: the commissions, a commission's board (cases by status,
per checker, overdue) and a case with its site-check form, which staff and the case's own
experts fill in item by item. Reads are projections.verification as the API reads them; the
form is checked by the API's SiteCheckIn and runs the same use case."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template

from api.deps import platform_of
from api.pages.desk_base import READERS, ROUTE, D, Form, desk, form_or_page, run
from api.pages.web import check, lang_of, who
from api.policy import actor_of, allow
from api.verification_cases import SiteCheckIn
from projections import verification as q
from projections.accounts import list_accounts
from service import verification

CHECKERS = allow("staff", "auditor", "reviewer")
VIEWS = ("verification_cases",)


def _commission(p: Any, commission_id: str) -> dict[str, Any]:
    doc = q.get_doc(p.views, "view_verification_commissions", commission_id)
    if doc is None:
        raise NotFoundException()
    return doc


def _case(request: Request, case_id: UUID) -> dict[str, Any]:
    """The case, if the reader may see it: an expert only its own (anything else is not found)."""
    doc = q.get_doc(platform_of(request).views, "view_verification_cases", str(case_id))
    principal: Any = who(request)
    if doc is None or (principal.role == "reviewer" and principal.account_id not in doc["checker_ids"]):
        raise NotFoundException()
    return doc


def _answers(criteria: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The form's per-item fields (met_<id> or score_<id>, note_<id>) as the API's `answers`."""
    found: dict[str, dict[str, Any]] = {}
    for c in criteria:
        key = "score" if c["weight"] is not None else "met"
        value = str(data.get(f"{key}_{c['id']}") or "").strip()
        if value:
            found[c["id"]] = {key: value, "note": str(data.get(f"note_{c['id']}") or "")}
    return found


class DeskVerificationPages(Controller):
    path = ROUTE

    @get("/commissions", opt=READERS, sync_to_thread=True)
    def commissions(self, request: Request) -> Template:
        """受托事项: every commission by deadline, with its progress."""
        p = platform_of(request)
        rows = [{**c, "figures": q.figures_of(q.cases_of(p.views, c["id"]))} for c in q.all_commissions(p.views)]
        return desk(request, "verification/commissions.html", rows=rows)

    @get("/commissions/{id:uuid}", opt=READERS, sync_to_thread=True)
    def board(self, request: Request, id: UUID) -> Template:
        """受托事项看板: figures, cases by status, per checker, overdue; the cases with their status."""
        p = platform_of(request)
        doc = _commission(p, str(id))
        cases = q.cases_of(p.views, str(id))
        names = {a["id"]: a["username"] for a in list_accounts(p.views)}
        return desk(request, "verification/board.html", c=doc, cases=cases, figures=q.figures_of(cases),
                    board=q.board(doc, cases, p.clock.today()), names=names)

    @get("/worklist", opt=CHECKERS, sync_to_thread=True)
    def worklist(self, request: Request, day: Annotated[str | None, Parameter(max_length=10)] = None) -> Template:
        """当日工作单: the reader's own site visits planned for the day (today by default)."""
        p = platform_of(request)
        try:
            chosen = date.fromisoformat(day) if day else p.clock.today()
        except ValueError:
            chosen = p.clock.today()
        principal: Any = who(request)
        return desk(request, "verification/worklist.html", day=chosen.isoformat(),
                    cases=q.worklist(p.views, principal.account_id, chosen))

    @get("/cases/{id:uuid}", opt=CHECKERS, sync_to_thread=True)
    def case(self, request: Request, id: UUID) -> Template:
        """核查对象: declared figures, intake checks, and the site-check form (staff and its experts)."""
        return self._page(request, id, {}, {})

    def _page(self, request: Request, id: UUID, errors: dict[str, str], values: dict[str, Any]) -> Template:
        p = platform_of(request)
        doc = _case(request, id)
        principal: Any = who(request)
        return desk(request, "verification/case.html", status=422 if errors else 200, k=doc,
                    c=_commission(p, doc["commission_id"]), errors=errors, values=values,
                    may_check=principal.role in ("staff", "reviewer") and doc["status"] in ("assigned", "checked"))

    @post("/cases/{id:uuid}/site-check", opt=allow("staff", "reviewer"), sync_to_thread=True, status_code=303)
    def site_check(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """现场核查, as POST /api/v1/cases/{id}/site-check: every item answered, findings, evidence."""
        p, lang, actor = platform_of(request), lang_of(request), actor_of(request)

        def act() -> Redirect:
            commission = _commission(p, _case(request, id)["commission_id"])
            lines = str(data.get("evidence") or "").splitlines()
            form = check(lang, SiteCheckIn, {
                "checked_on": data.get("checked_on"), "answers": _answers(commission["criteria"], data),
                "findings": data.get("findings") or "", "evidence": [e.strip() for e in lines if e.strip()]})
            answers = {k: {"met": v.met, "score": v.score, "note": v.note} for k, v in form.answers.items()}
            return run(request, verification.with_commission(id, lambda c, m: c.site_check(
                commission=m, checked_on=form.checked_on, answers=answers, findings=form.findings,
                evidence=form.evidence, photos=[], today=p.clock.today(), actor=actor)),
                VIEWS, f"{D}/cases/{id}", "verification.done.checked")

        return form_or_page(request, act, lambda errors: self._page(request, id, errors, data))
