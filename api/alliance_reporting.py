"""报告、检查与结题: reports and their judgement, inspections, rectification and
the conclusion (API.md "Alliances"; domain.alliance_reporting)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, post

from api.alliance_schemas import Acceptance, ClosureIn, ConclusionIn, InspectionIn, ReportIn, ReturnIn
from api.alliances import TAGS, recorded
from api.deps import platform_of
from api.policy import actor_of, allow
from api.schemas import Done
from service import alliances


class ReportingController(Controller):
    path = "/api/v1/alliances"
    tags = TAGS

    @post("/{id:uuid}/reports", opt=allow("member", "staff"), operation_id="fileReport", status_code=201)
    async def report(self, request: Request, id: UUID, data: ReportIn) -> dict[str, Any]:
        """年度报告 / 总结报告: filing again for a returned report resubmits it. The secretariat
        enters a paper report with the day it was received (`received_on`)."""
        p = platform_of(request)
        fields = {k: v for k, v in msgspec.to_builtins(data).items() if k != "received_on"}
        report_id, position = await p.writer.run(alliances.file_report(
            id, fields, actor_of(request), data.received_on, p.clock.today()))
        return {"id": report_id, "position": position}

    @post("/{id:uuid}/reports/{rid:str}/acceptance", opt=allow("staff"), operation_id="acceptReport",
          status_code=200)
    async def accept_report(self, request: Request, id: UUID, rid: str, data: Acceptance) -> Done:
        """通过报告."""
        return await recorded(request, id, alliances.judge_report(id, rid, accept=True, comment=data.comment,
                                                                  actor=actor_of(request)))

    @post("/{id:uuid}/reports/{rid:str}/return", opt=allow("staff"), operation_id="returnReport", status_code=200)
    async def return_report(self, request: Request, id: UUID, rid: str, data: ReturnIn) -> Done:
        """退回修改, with the reasons."""
        return await recorded(request, id, alliances.judge_report(id, rid, accept=False, comment=data.reasons,
                                                                  actor=actor_of(request)))

    @post("/{id:uuid}/inspections", opt=allow("staff"), operation_id="inspectAlliance", status_code=200)
    async def inspection(self, request: Request, id: UUID, data: InspectionIn) -> Done:
        """检查评估: findings, rating and an optional rectification deadline."""
        fields = {"inspected_on": data.inspected_on, "inspectors": list(data.inspectors), "findings": data.findings,
                  "rating": data.rating, "rectification_due_on": data.rectification_due_on}
        return await recorded(request, id, alliances.inspect(id, fields, actor_of(request)))

    @post("/{id:uuid}/rectifications/{inspection_id:str}/closure", opt=allow("staff"),
          operation_id="closeRectification", status_code=200)
    async def rectification(self, request: Request, id: UUID, inspection_id: str, data: ClosureIn) -> Done:
        """整改完成: close an inspection's rectification, with a note."""
        return await recorded(request, id, alliances.close_rectification(id, inspection_id, data.note,
                                                                         actor_of(request)))

    @post("/{id:uuid}/conclusion", opt=allow("staff"), operation_id="concludeAlliance", status_code=200)
    async def conclusion(self, request: Request, id: UUID, data: ConclusionIn) -> Done:
        """结题, with a grade (after the completion report is accepted)."""
        p = platform_of(request)
        return await recorded(request, id, alliances.conclude(id, data.grade, actor_of(request),
                                                              today=p.clock.today(), concluded_on=data.concluded_on))
