"""Matchmaking pages: the portal's catalogue of technical needs (需求目录), a need's page
as the reader may see it (details only for the owner, staff and disclosed solvers) with
the proposal form, the form to post a need; the desk's list of needs to analyse and
publish, with the feedback backlog.

Reads are projections.matchmaking as the API reads them (and api.matchmaking_answers
decides what each reader sees); writes are the same use cases with the API's Structs.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template

from api.deps import platform_of
from api.matchmaking import AnalysisIn, NeedIn, ProposalIn
from api.matchmaking_answers import for_viewer, may_see
from api.pages.desk_base import READERS, ROUTE, STAFF, D, Form, desk, form_or_page, run
from api.pages.web import FormError, attempt, check, fen, lang_of, redirect, render, settle, who
from api.policy import PAGES_PREFIX, actor_of, allow, signed_in
from projections import matchmaking as views
from service import matchmaking

Word = Annotated[str | None, Parameter(max_length=100)]
STATUSES = ("published", "expired", "closed")
VIEWS = ("needs",)
MEMBERS = allow("member")


def _doc(request: Request, need_id: UUID) -> dict[str, Any]:
    doc = views.document(platform_of(request).views, "view_needs", str(need_id))
    if doc is None or not may_see(doc, who(request)):
        raise NotFoundException()
    return doc


class NeedPages(Controller):
    path = "/needs"

    @get("/", opt=signed_in(), sync_to_thread=True)
    def catalogue(self, request: Request, q: Word = None, field: Word = None, status: Word = None) -> Template:
        """需求目录: needs ever published, newest first, searchable in Chinese (as GET /api/v1/needs)."""
        p, principal = platform_of(request), who(request)
        chosen = status if status in STATUSES else None
        docs = views.list_needs(p.views, viewer_org=principal.organisation_id if principal.role == "member" else None,
                                everything=principal.role in ("staff", "auditor"), campaign_id=None,
                                field=field or None, status=chosen, q=(q or "").strip() or None, min_budget_fen=None,
                                limit=200, after=None)
        return render(request, "matchmaking/catalogue.html", rows=docs, q=q or "", field=field or "", wanted=chosen,
                      statuses=STATUSES)

    @get("/new", opt=MEMBERS, sync_to_thread=True)
    def new(self, request: Request) -> Template:
        """发布技术需求: the form (an enterprise's own account)."""
        return render(request, "matchmaking/new.html")

    @post("/", opt=MEMBERS, sync_to_thread=True, status_code=303)
    def post_need(self, request: Request, data: Form) -> Redirect | Template:
        """提交需求, as POST /api/v1/needs, for the account's own organisation."""
        p, lang, actor = platform_of(request), lang_of(request), actor_of(request)
        errors: dict[str, str] = {}
        money = {k: fen(lang, data, k, errors, required=False) for k in ("budget_min_fen", "budget_max_fen")}
        try:
            form = check(lang, NeedIn, {**data, **{k: v for k, v in money.items() if v is not None},
                                        "draft": False, "organisation_id": None, "campaign_id": None})
            if errors:
                raise FormError(errors)
            fields = {k: getattr(form, k) for k in ("title", "field", "summary", "details", "deadline", "cooperation",
                                                    "budget_min_fen", "budget_max_fen", "draft", "campaign_id")}
            need_id, position = attempt(lang, lambda: p.writer.execute(matchmaking.post_need(
                fields, None, today=p.clock.today(), actor=actor)))
        except FormError as exc:
            return render(request, "matchmaking/new.html", status=422, errors={**errors, **exc.errors}, values=data)
        settle(request, position, *VIEWS)
        return redirect(f"{PAGES_PREFIX}/needs/{need_id}", done="needs.done.posted")

    @get("/{id:uuid}", opt=signed_in(), sync_to_thread=True)
    def show(self, request: Request, id: UUID) -> Template:
        """技术需求: as the reader may see it, with the proposal form for other organisations."""
        return self._page(request, id, {}, {})

    def _page(self, request: Request, id: UUID, errors: dict[str, str], values: dict[str, Any]) -> Template:
        principal = who(request)
        need = for_viewer(_doc(request, id), principal)
        may_propose = (principal.role == "member" and need["status"] == "published"
                       and principal.organisation_id != need["organisation_id"])
        return render(request, "matchmaking/need.html", status=422 if errors else 200, need=need,
                      may_propose=may_propose, errors=errors, values=values)

    @post("/{id:uuid}/proposals", opt=MEMBERS, sync_to_thread=True, status_code=303)
    def propose(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """提交方案, as POST /api/v1/needs/{id}/proposals."""
        p, lang, actor = platform_of(request), lang_of(request), actor_of(request)
        _doc(request, id)
        errors: dict[str, str] = {}
        price = fen(lang, data, "price_fen", errors, required=False)
        try:
            form = check(lang, ProposalIn, {**data, "price_fen": price, "team": data.get("team") or ""})
            if errors:
                raise FormError(errors)
            fields = {k: getattr(form, k) for k in ("summary", "approach", "team", "price_fen")}
            _, position = attempt(lang, lambda: p.writer.execute(matchmaking.propose(id, fields, actor)))
        except FormError as exc:
            return self._page(request, id, {**errors, **exc.errors}, data)
        settle(request, position, *VIEWS)
        return redirect(f"{PAGES_PREFIX}/needs/{id}", done="needs.done.proposed")


class DeskNeedPages(Controller):
    path = ROUTE + "/needs"

    @get("/", opt=READERS, sync_to_thread=True)
    def handle(self, request: Request) -> Template:
        """待分析与发布, and the needs owed feedback past their deadline (100%反馈)."""
        return self._page(request, {}, {})

    def _page(self, request: Request, errors: dict[str, str], values: dict[str, Any]) -> Template:
        p = platform_of(request)
        days = p.settings.needs_feedback_days
        waiting = [d for d in views.list_needs(p.views, viewer_org=None, everything=True, campaign_id=None, field=None,
                                               status=None, q=None, min_budget_fen=None, limit=500, after=None)
                   if d["status"] in ("submitted", "analysed")]
        return desk(request, "matchmaking/desk.html", status=422 if errors else 200, rows=waiting, days=days,
                    backlog=views.feedback_backlog(p.views, p.clock.today(), days), errors=errors, values=values)

    @post("/{id:uuid}/analysis", opt=STAFF, sync_to_thread=True, status_code=303)
    def analyse(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """需求分析, as POST /api/v1/needs/{id}/analysis (tags comma-separated)."""
        lang, actor = lang_of(request), actor_of(request)
        tags = [t.strip() for t in str(data.get("tags") or "").replace("，", ",").split(",") if t.strip()]

        def act() -> Redirect:
            form = check(lang, AnalysisIn, {"note": data.get("note"), "tags": tags})
            return run(request, matchmaking.analyse(id, form.note, form.tags, actor), VIEWS, f"{D}/needs",
                       "needs.done.analysed")

        return form_or_page(request, act, lambda errors: self._page(request, errors, data))

    @post("/{id:uuid}/publication", opt=STAFF, sync_to_thread=True, status_code=303)
    def publish(self, request: Request, id: UUID) -> Redirect | Template:
        """发布到需求目录, as POST /api/v1/needs/{id}/publication."""
        p, actor = platform_of(request), actor_of(request)
        return form_or_page(request, lambda: run(request, matchmaking.publish(id, p.clock.today(), actor), VIEWS,
                                                 f"{D}/needs", "needs.done.published"),
                            lambda errors: self._page(request, errors, {}))
