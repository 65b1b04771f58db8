"""评选: screening, expert review, the public notice and its objections (API.md
"Alliances"; domain.alliance_selection). The ranking itself is the programme's
(api.alliance_programs)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, post

from api.alliance_schemas import DeclarationIn, ObjectionIn, ResolutionIn, ReviewersIn, ReviewIn, Screening
from api.alliances import TAGS, recorded
from api.clients import client_address
from api.deps import platform_of
from api.policy import actor_of, allow, public
from api.schemas import Done
from service import alliances


class SelectionController(Controller):
    path = "/api/v1/alliances"
    tags = TAGS

    @post("/{id:uuid}/screening", opt=allow("staff"), operation_id="screenAlliance", status_code=200)
    async def screening(self, request: Request, id: UUID, data: Screening) -> Done:
        """科协把关: the eligibility report (every party's checks, figures and rule text) is
        computed and stored with the decision. Screening binds: passing a failed report
        needs `override: {reason}` (409 not_eligible without it), recorded and shown."""
        p = platform_of(request)
        return await recorded(request, id, alliances.screen(
            id, data.decision, data.reasons, data.override.reason if data.override else None, p.clock.today(),
            actor_of(request)))

    @post("/{id:uuid}/reviewers", opt=allow("staff"), operation_id="assignReviewers", status_code=200)
    async def reviewers(self, request: Request, id: UUID, data: ReviewersIn) -> Done:
        """分配评审专家: refused (409 conflict_of_interest) when a reviewer works for a party."""
        return await recorded(request, id, alliances.assign_reviewers(id, data.reviewer_ids, actor_of(request)))

    @post("/{id:uuid}/declaration", opt=allow("reviewer"), operation_id="declareNoConflict", status_code=200)
    async def declaration(self, request: Request, id: UUID, data: DeclarationIn) -> Done:
        """无利益冲突声明: before it the reviewer sees only the title and the parties."""
        return await recorded(request, id, alliances.declare_no_conflict(id, data.statement, actor_of(request)))

    @post("/{id:uuid}/reviews", opt=allow("reviewer"), operation_id="reviewAlliance", status_code=200)
    async def review(self, request: Request, id: UUID, data: ReviewIn) -> Done:
        """专家评审: a score 0–100 for each of the programme's criteria (by default innovation,
        feasibility, team, collaboration, benefit), and a recommendation; a reviewer may
        revise until ranking."""
        actor = actor_of(request)
        return await recorded(request, id, alliances.review(id, UUID(actor.id), dict(data.scores), data.recommend,
                                                            data.comment, actor))

    @post("/{id:uuid}/public-notice", opt=allow("staff"), operation_id="startPublicNotice", status_code=200)
    async def public_notice(self, request: Request, id: UUID) -> Done:
        """社会公示: for the program's notice days (recommended alliances only)."""
        p = platform_of(request)
        return await recorded(request, id, alliances.start_notice(id, p.clock.now(), actor_of(request)))

    @post("/{id:uuid}/objections", opt=public(), operation_id="raiseObjection", status_code=201)
    async def objection(self, request: Request, id: UUID, data: ObjectionIn) -> dict[str, Any]:
        """提出异议: anyone, during the public notice (rate-limited)."""
        request.app.state.limits["apply"].check(client_address(request))
        p = platform_of(request)
        objection_id, position = await p.writer.run(alliances.raise_objection(
            id, data.grounds, data.contact, p.clock.now(), actor_of(request)))
        return {"id": objection_id, "position": position}

    @post("/{id:uuid}/objections/{oid:str}/resolution", opt=allow("staff"), operation_id="resolveObjection",
          status_code=200)
    async def resolution(self, request: Request, id: UUID, oid: str, data: ResolutionIn) -> Done:
        """处理异议: upheld stops the alliance (not_approved)."""
        return await recorded(request, id, alliances.resolve_objection(id, oid, data.outcome, data.reason,
                                                                       actor_of(request)))
