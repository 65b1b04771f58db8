"""年度计划: the yearly call, its settings, the vocabularies, and its rounds of
ranking (API.md "Alliances"; domain.alliances.Program)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.exceptions import NotFoundException

from api.alliance_answers import ProgramAnswer, Vocabularies
from api.alliance_schemas import ProgramIn, ProgramSettingsIn
from api.alliances import TAGS
from api.deps import platform_of, wait_for_view
from api.policy import actor_of, allow, signed_in
from api.schemas import Done, MinPosition, answer
from domain.alliance_review import PRIORITIES
from domain.vocabularies import COOPERATION_CONTENTS, PRIORITY_SECTORS, SECTORS, as_listing
from projections import alliances as views
from service import alliances


class ProgramsController(Controller):
    path = "/api/v1/programs"
    tags = TAGS

    @post("/", opt=allow("staff"), operation_id="openProgram", status_code=201)
    async def open(self, request: Request, data: ProgramIn) -> Done:
        """年度计划: a yearly call with its budget, priority sectors (the seed's eight, by key
        or Chinese label), window, and the settings of its review — criteria and weights,
        pass score, bonuses, tie-breakers, notice days (default 7), report deadlines.
        Unset, the seed's defaults: equal weights, no pass score, no points."""
        fields, clock = msgspec.structs.asdict(data), platform_of(request).clock
        for key in ("submission_opens_at", "submission_closes_at"):
            fields[key] = clock.instant(fields[key])
        settings = {k: fields.pop(k) for k in ("criteria", "bonuses", "tie_breakers", "annual_report_due_days",
                                               "completion_report_due_days")}
        fields["settings"] = {k: v for k, v in settings.items() if v is not None}
        program_id, position = await platform_of(request).writer.run(
            alliances.open_program(fields, actor_of(request)))
        return Done(id=program_id, position=position)

    @patch("/{id:uuid}", opt=allow("staff"), operation_id="changeProgramSettings")
    async def settings(self, request: Request, id: UUID, data: ProgramSettingsIn) -> Done:
        """计划设置: change criteria and weights, pass score (`null` removes it), bonuses,
        tie-breakers, priority sectors, notice days, report deadlines. What decides the
        ranking is fixed once the programme has ranked (409 ranking_rules_frozen)."""
        changes = msgspec.to_builtins(data)
        reason = changes.pop("reason", None)
        _, position = await platform_of(request).writer.run(alliances.change_program_settings(
            id, changes, reason, actor_of(request)))
        return Done(id=id, position=position)

    @get("/vocabularies", opt=signed_in(), operation_id="alliancesVocabularies", sync_to_thread=False)
    def vocabularies(self) -> Vocabularies:
        """词表: the seed's eight priority sectors (plus 其他行业 for an alliance outside
        them), the seven cooperation contents, and the priorities a programme may reward."""
        return answer({"priority_sectors": as_listing(PRIORITY_SECTORS), "sectors": as_listing(SECTORS),
                       "cooperation_contents": as_listing(COOPERATION_CONTENTS),
                       "priorities": as_listing(PRIORITIES)}, Vocabularies)

    @get("/{id:uuid}", opt=signed_in(), operation_id="getProgram", sync_to_thread=True)
    def show(self, request: Request, id: UUID,
             min_position: MinPosition = None) -> ProgramAnswer:
        """年度计划详情: budget, granted, remaining, settings, every ranking round and the
        standings."""
        p = platform_of(request)
        wait_for_view(p, "programs", min_position)
        doc = views.get_program(p.views, str(id))
        if doc is None:
            raise NotFoundException(f"年度计划 {id} 不存在 (no such program)")
        return answer(doc, ProgramAnswer)

    @post("/{id:uuid}/ranking", opt=allow("staff"), operation_id="rankProgram", status_code=200,
          sync_to_thread=True)
    def ranking(self, request: Request, id: UUID) -> dict[str, Any]:
        """排序 (one round): every reviewed alliance still under review, by the programme's
        settings — the raw average, the weighted average, each bonus, the final score;
        recommended when most reviewers recommend (and the final score reaches the pass
        score, when set). Run again for alliances screened later (409 nothing_to_rank
        when none waits)."""
        p = platform_of(request)
        wait_for_view(p, "alliances", p.runner.head())  # rank every alliance screened so far
        candidates = [UUID(d["id"]) for d in views.register(p.views, program_id=str(id), status="under_review",
                                                             sector=None, as_of=None, limit=100_000)]
        outcome, position = p.writer.execute(alliances.rank(id, candidates, actor_of(request)))
        return {"id": str(id), **outcome, "position": position}
