"""Enterprise-service pages: the desk's ledger (诉求台账) with a request's page where staff reply
and close it, a unit's quarterly coverage; and the portal page where an organisation raises its
requests online and reads the answers.

Reads are projections.services_queries as the API reads them; writes are the same use cases
(service.enterprise_services) with the API's Structs checking the input.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template

from api.deps import platform_of
from api.pages.desk_base import READERS, ROUTE, STAFF, D, Form, desk, form_or_page, run
from api.pages.web import FormError, attempt, check, lang_of, redirect, render, settle, who
from api.policy import PAGES_PREFIX, actor_of, allow
from api.services import current_quarter
from api.services_requests import ClosureIn, ReplyIn, RequestIn
from domain.errors import DomainError
from domain.services import quarter_of
from projections import services_queries as q
from service import enterprise_services as services

Word = Annotated[str | None, Parameter(max_length=40)]
STATUSES = ("open", "received", "assigned", "reopened", "resolved", "explained")
VIEWS = ("service_requests",)


def _request(p: Any, request_id: UUID) -> dict[str, Any]:
    doc = q.get_doc(p.views, "view_service_requests", str(request_id))
    if doc is None:
        raise NotFoundException()
    return q.with_overdue(doc, p.clock.today())


def _names(p: Any, docs: list[dict[str, Any]]) -> dict[str, str]:
    return q.names(p.views, [d["organisation_id"] for d in docs])


class DeskServicePages(Controller):
    path = ROUTE

    @get("/requests", opt=READERS, sync_to_thread=True)
    def ledger(self, request: Request, status: Word = None, overdue: Word = None, unit_id: Word = None) -> Template:
        """诉求台账: every request, newest first, by status, unit and overdue (as GET /api/v1/requests)."""
        p = platform_of(request)
        units = q.all_units(p.views)
        unit = unit_id if unit_id in {u["id"] for u in units} else None
        chosen = status if status in STATUSES else None
        docs = q.list_requests(p.views, today=p.clock.today(), unit_id=unit, status=chosen,
                               overdue=True if overdue == "1" else None, limit=500)
        return desk(request, "services/ledger.html", rows=docs, names=_names(p, docs), units=units,
                    unit_names={u["id"]: u["name"] for u in units}, wanted=chosen, overdue=overdue == "1",
                    unit=unit, statuses=STATUSES, quarter=current_quarter(p.clock.today()))

    @get("/requests/{id:uuid}", opt=READERS, sync_to_thread=True)
    def show(self, request: Request, id: UUID) -> Template:
        """诉求: its replies and closures, with the reply and closure forms for staff."""
        return self._page(request, id, {}, {})

    def _page(self, request: Request, id: UUID, errors: dict[str, str], values: dict[str, Any]) -> Template:
        p = platform_of(request)
        doc = _request(p, id)
        units = {u["id"]: u["name"] for u in q.all_units(p.views)}
        return desk(request, "services/request.html", status=422 if errors else 200, r=doc,
                    name=_names(p, [doc]).get(doc["organisation_id"]), unit_name=units.get(doc["unit_id"] or ""),
                    errors=errors, values=values)

    @post("/requests/{id:uuid}/reply", opt=STAFF, sync_to_thread=True, status_code=303)
    def reply(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """答复, as POST /api/v1/requests/{id}/replies."""
        p, lang, actor = platform_of(request), lang_of(request), actor_of(request)

        def act() -> Redirect:
            form = check(lang, ReplyIn, data)
            return run(request, services.on_request(id, lambda r: r.reply(text=form.text, today=p.clock.today(),
                                                                           actor=actor)),
                       VIEWS, f"{D}/requests/{id}", "services.done.replied")

        return form_or_page(request, act, lambda errors: self._page(request, id, errors, data))

    @post("/requests/{id:uuid}/close", opt=STAFF, sync_to_thread=True, status_code=303)
    def close(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """办结, as POST /api/v1/requests/{id}/closure (an explanation is required when explained)."""
        p, lang, actor = platform_of(request), lang_of(request), actor_of(request)

        def act() -> Redirect:
            form = check(lang, ClosureIn, {**data, "explanation": data.get("explanation") or None})
            return run(request, services.on_request(id, lambda r: r.close(
                outcome=form.outcome, explanation=form.explanation, today=p.clock.today(), actor=actor)),
                VIEWS, f"{D}/requests/{id}", "services.done.closed")

        return form_or_page(request, act, lambda errors: self._page(request, id, errors, data))

    @get("/units/{id:uuid}/coverage", opt=READERS, sync_to_thread=True)
    def coverage(self, request: Request, id: UUID, quarter: Word = None) -> Template:
        """走访覆盖: the unit's hooked organisations in a quarter, those not visited first."""
        p = platform_of(request)
        unit = q.get_doc(p.views, "view_service_units", str(id))
        if unit is None:
            raise NotFoundException()
        today = p.clock.today()
        try:
            chosen = quarter or current_quarter(today)
            first, last = quarter_of(chosen)
        except DomainError:
            chosen = current_quarter(today)
            first, last = quarter_of(chosen)
        report = q.coverage(p.views, unit, chosen, first, last, today)
        report["organisations"].sort(key=lambda o: (o["organisation_id"] not in report["not_visited"],
                                                    o["name"] or ""))
        return desk(request, "services/coverage.html", unit=unit, report=report)


class PortalServicePages(Controller):
    path = "/"

    @get("/requests", opt=allow("member"), sync_to_thread=True)
    def mine(self, request: Request) -> Template:
        """我的诉求: the organisation's own requests with their answers, and the form to raise one."""
        return self._page(request, {}, {})

    def _page(self, request: Request, errors: dict[str, str], values: dict[str, Any]) -> Template:
        p = platform_of(request)
        principal: Any = who(request)
        docs = q.list_requests(p.views, today=p.clock.today(), organisation_id=principal.organisation_id, limit=500)
        return render(request, "services/mine.html", status=422 if errors else 200, rows=docs, errors=errors,
                      values=values)

    @post("/requests", opt=allow("member"), sync_to_thread=True, status_code=303)
    def raise_online(self, request: Request, data: Form) -> Redirect | Template:
        """提出诉求 online, as POST /api/v1/requests, for the account's own organisation."""
        p, lang, actor = platform_of(request), lang_of(request), actor_of(request)
        principal: Any = who(request)
        try:
            form = check(lang, RequestIn, {**data, "organisation_id": principal.organisation_id, "channel": "online"})
            fields = {"organisation_id": form.organisation_id, "category": form.category, "text": form.text,
                      "channel": "online"}
            _, position = attempt(lang, lambda: p.writer.execute(services.raise_request(fields, p.clock.today(),
                                                                                         actor)))
        except FormError as exc:
            return self._page(request, exc.errors, data)
        settle(request, position, *VIEWS)
        return redirect(f"{PAGES_PREFIX}/requests", done="services.done.raised")
