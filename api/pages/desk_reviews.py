"""The reviewer's desk (评审专家): the alliances assigned to me; the declaration of
no conflict of interest (before it, only the title and the parties are shown);
then the agreement, its eligibility report and the scoring form — a score 0–100
on each of the programme's criteria (by default the five: innovation,
feasibility, team, collaboration, benefit), a recommendation and a comment,
revisable until the programme ranks.

What a reviewer sees is `api.alliances._visible` (projections.alliances
.for_reviewer: their own scores, never another reviewer's); the writes are the
API's POST /alliances/{id}/declaration and …/reviews use cases with their Structs.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from api import i18n
from api.alliance_schemas import DeclarationIn, ReviewIn
from api.alliances import _visible
from api.deps import platform_of
from api.pages.alliances import visible_alliance
from api.pages.desk_base import REVIEWER, ROUTE, D, Form, desk, run
from api.pages.web import FormError, check, lang_of, who
from api.policy import actor_of
from projections import alliances as views
from projections import roster
from service import alliances

VIEWS = ("alliances", "audit")


def _page(request: Request, alliance_id: UUID, *, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None, status: int = 200) -> Template:
    p = platform_of(request)
    principal: Any = who(request)
    doc = visible_alliance(request, alliance_id)
    names = {}
    for org_id in doc["parties"]:
        found = roster.get_member(p.views, org_id)
        names[org_id] = found["name"] if found else org_id
    program = views.get_program(p.views, doc["program_id"]) if "program_id" in doc else None
    criteria = list(((program or {}).get("settings") or {}).get("criteria", {}))
    mine = (doc.get("reviewers") or {}).get(principal.account_id, {})
    defaults: dict[str, Any] = {f"score-{k}": v for k, v in (mine.get("scores") or {}).items()}
    if mine.get("scores"):
        defaults.update(recommend="yes" if mine.get("recommend") else "no", comment=mine.get("comment") or "")
    return desk(request, "desk/review.html", status=status, a=doc, names=names, criteria=criteria, mine=mine,
                program=program, errors=errors or {}, values={**defaults, **(values or {})},
                open_for_review=doc.get("status") == "under_review")


class DeskReviewPages(Controller):
    path = ROUTE

    @get("/reviews", opt=REVIEWER, sync_to_thread=True)
    def assigned(self, request: Request) -> Template:
        """我的评审: the alliances assigned to me, as GET /api/v1/alliances answers a reviewer."""
        p = platform_of(request)
        principal: Any = who(request)
        docs = views.register(p.views, program_id=None, status=None, sector=None, as_of=None, limit=100_000)
        mine = [v for v in (_visible(d, principal) for d in docs) if v is not None]
        return desk(request, "desk/reviews.html", items=mine, me=principal.account_id)

    @get("/reviews/{id:uuid}", opt=REVIEWER, sync_to_thread=True)
    def show(self, request: Request, id: UUID) -> Template:
        """评审: the declaration first, then the agreement and the scoring form."""
        return _page(request, id)

    @post("/reviews/{id:uuid}/declaration", opt=REVIEWER, sync_to_thread=True, status_code=303)
    def declare(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """无利益冲突声明: as POST /api/v1/alliances/{id}/declaration."""
        lang, actor = lang_of(request), actor_of(request)
        visible_alliance(request, id)
        try:
            if not data.get("no_conflict"):
                raise FormError({"no_conflict": i18n.t(lang, "desk.review.must_declare")})
            form = check(lang, DeclarationIn, {"no_conflict": True, "statement": data.get("statement") or None})
            return run(request, alliances.on_alliance(id, lambda a: a.declare_no_conflict(
                reviewer_id=UUID(actor.id), statement=form.statement, actor=actor)), VIEWS, f"{D}/reviews/{id}",
                "desk.review.declared", {"form": "no_conflict"})
        except FormError as exc:
            return _page(request, id, errors=exc.errors, values=dict(data), status=400)

    @post("/reviews/{id:uuid}/score", opt=REVIEWER, sync_to_thread=True, status_code=303)
    def score(self, request: Request, id: UUID, data: Form) -> Redirect | Template:
        """专家评审: as POST /api/v1/alliances/{id}/reviews — revisable until the programme ranks."""
        lang, actor = lang_of(request), actor_of(request)
        doc = visible_alliance(request, id)
        p = platform_of(request)
        program = views.get_program(p.views, doc["program_id"]) if "program_id" in doc else None
        criteria = list(((program or {}).get("settings") or {}).get("criteria", {}))
        errors: dict[str, str] = {}
        scores: dict[str, Any] = {}
        for criterion in criteria:  # each score checked on its own, with the API's Struct, beside its field
            raw = str(data.get(f"score-{criterion}") or "").strip()
            if not raw:
                errors[f"score-{criterion}"] = i18n.t(lang, "err.required")
                continue
            try:
                check(lang, ReviewIn, {"scores": {criterion: raw}, "recommend": True, "comment": "-"})
                scores[criterion] = raw
            except FormError as exc:
                errors[f"score-{criterion}"] = next(iter(exc.errors.values()))
        if data.get("recommend") not in ("yes", "no"):
            errors["recommend"] = i18n.t(lang, "err.choice")
        try:
            comment = str(data.get("comment") or "")
            try:  # the comment may be left empty, as the API allows (`check` would call it missing)
                check(lang, ReviewIn, {"scores": scores or {"x": 0}, "recommend": True, "comment": comment or "-"})
            except FormError as exc:
                errors.update({_score_field(k): v for k, v in exc.errors.items()})
            if errors:
                raise FormError(errors)
            form = msgspec.convert({"scores": scores, "recommend": data.get("recommend") == "yes",
                                    "comment": comment}, ReviewIn, strict=False)
            return run(request, alliances.review(id, UUID(actor.id), dict(form.scores), form.recommend, form.comment,
                                                 actor), VIEWS, f"{D}/reviews/{id}", "desk.review.saved",
                       {"scores": "form", "comment": "comment"})
        except FormError as exc:
            return _page(request, id, errors=exc.errors, values=dict(data), status=400)


def _score_field(path: str) -> str:
    """`scores.innovation` (the Struct's path) as the form's `score-innovation`."""
    return "score-" + path.split(".", 1)[1] if path.startswith("scores.") else path
