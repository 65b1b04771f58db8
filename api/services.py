"""Enterprise services (API.md "Enterprise services"): service units, hook-ups, visits and
forums, quarterly coverage. The ledger, surveys and check-ups: api/services_*.py."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from msgspec import Meta

from api.deps import platform_of, wait_for_view
from api.policy import actor_of, allow
from api.schemas import Done, LongText, MinPosition, Note, Reason, Strict, Text, answer
from api.services_answers import CoverageAnswer, UnitAnswer, UnitsPage, VisitAnswer, VisitsPage
from domain.errors import NotFound
from domain.services import quarter_of
from projections import services_queries as q
from service import enterprise_services as services

Library = Literal["tech_sme", "high_tech", "advanced_service"]
Stage = Literal["startup_team", "tech_sme", "high_tech", "little_giant"]
Quarter = Annotated[str | None, Parameter(pattern=r"^\d{4}-Q[1-4]$", max_length=7)]
OrgIds = Annotated[list[UUID], Meta(min_length=1, max_length=5000)]


class UnitIn(Strict):
    name: Text


class StaffIn(Strict):
    account_id: UUID


class RuleIn(Strict, omit_defaults=True):
    library: Library | None = None
    growth_stage: Stage | None = None
    sector: Text | None = None


class HookupIn(Strict):
    starts_on: date
    organisation_ids: OrgIds | None = None
    rule: Annotated[RuleIn, Meta(description="按规则挂钩：企业库、成长阶梯或行业的全部会员 (by rule)")] | None = None
    ends_on: date | None = None
    reason: Note | None = None


class HookupEndIn(Strict):
    ends_on: date
    reason: Note | None = None


class HookupOut(msgspec.Struct):
    id: UUID
    hookup_id: Annotated[str, Meta(description="挂钩关系标识 (hook-up id)")]
    position: int


class VisitIn(Strict):
    unit_id: UUID
    visited_on: date
    organisation_ids: Annotated[list[UUID], Meta(min_length=1, max_length=200)]
    visitors: Annotated[list[UUID], Meta(min_length=1, max_length=20)]
    findings: LongText
    kind: Literal["visit", "forum"] = "visit"
    follow_ups: Annotated[list[Reason], Meta(max_length=50)] = []  # noqa: RUF012 (msgspec copies defaults)


def _unit(request: Request, unit_id: UUID) -> dict[str, Any]:
    doc = q.get_doc(platform_of(request).views, "view_service_units", str(unit_id))
    if doc is None:
        raise NotFound(f"服务处室 {unit_id} 不存在 (no such unit)")
    return doc


def current_quarter(today: date) -> str:
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


class UnitsController(Controller):
    path = "/api/v1/units"
    tags = ["services 企业服务"]  # noqa: RUF012

    @post("/", opt=allow("staff"), operation_id="createServiceUnit", status_code=201)
    async def create(self, request: Request, data: UnitIn) -> Done:
        """设立服务处室 (a 处室 or 直属单位 that serves its hooked enterprises)."""
        unit_id, position = await platform_of(request).writer.run(services.create_unit(data.name, actor_of(request)))
        return Done(id=unit_id, position=position)

    @get("/", opt=allow("staff", "auditor"), operation_id="listServiceUnits", sync_to_thread=True)
    def list(self, request: Request, min_position: MinPosition = None) -> UnitsPage:
        """服务处室列表, with staff and hook-ups."""
        p = platform_of(request)
        wait_for_view(p, "service_units", min_position)
        return answer({"items": q.all_units(p.views)}, UnitsPage)

    @get("/{id:uuid}", opt=allow("staff", "auditor"), operation_id="getServiceUnit", sync_to_thread=True)
    def show(self, request: Request, id: UUID, min_position: MinPosition = None) -> UnitAnswer:
        """服务处室详情: staff accounts and hook-ups (with their start and end)."""
        wait_for_view(platform_of(request), "service_units", min_position)
        return answer(_unit(request, id), UnitAnswer)

    @post("/{id:uuid}/staff", opt=allow("staff"), operation_id="addUnitStaff", status_code=201)
    async def add_staff(self, request: Request, id: UUID, data: StaffIn) -> Done:
        """增加处室工作人员 (a staff account)."""
        _, position = await platform_of(request).writer.run(services.add_staff(id, data.account_id,
                                                                               actor_of(request)))
        return Done(id=id, position=position)

    @post("/{id:uuid}/hookups", opt=allow("staff"), operation_id="hookUp", status_code=201)
    async def hook_up(self, request: Request, id: UUID, data: HookupIn) -> HookupOut:
        """挂钩联系: organisations by id, or every member of a library, growth stage or sector (resolved
        against the roster whenever coverage is read), from `starts_on` until `ends_on`."""
        rule = msgspec.to_builtins(data.rule) if data.rule else None
        hookup_id, position = await platform_of(request).writer.run(services.hook_up(
            id, data.organisation_ids, rule, data.starts_on, data.ends_on, actor_of(request), data.reason))
        return HookupOut(id=id, hookup_id=hookup_id, position=position)

    @post("/{id:uuid}/hookups/{hookup_id:str}/end", opt=allow("staff"), operation_id="endHookup",
          status_code=200)
    async def end_hookup(self, request: Request, id: UUID,
                         hookup_id: Annotated[str, Parameter(max_length=64)], data: HookupEndIn) -> Done:
        """结束挂钩 on a day; earlier quarters' coverage still counts it."""
        _, position = await platform_of(request).writer.run(services.end_hookup(
            id, hookup_id, data.ends_on, actor_of(request), data.reason))
        return Done(id=id, position=position)

    @get("/{id:uuid}/coverage", opt=allow("staff", "auditor"), operation_id="unitCoverage", sync_to_thread=True)
    def coverage(self, request: Request, id: UUID, quarter: Quarter = None,
                 min_position: MinPosition = None) -> CoverageAnswer:
        """走访覆盖 (每季度至少走访一次): the organisations hooked during the quarter (this one by
        default, or any past one) with the unit's visits, and `not_visited`."""
        p = platform_of(request)
        wait_for_view(p, "service_visits", min_position)
        today = p.clock.today()
        quarter = quarter or current_quarter(today)
        first, last = quarter_of(quarter)
        return answer(q.coverage(p.views, _unit(request, id), quarter, first, last, today), CoverageAnswer)


class VisitsController(Controller):
    path = "/api/v1/visits"
    tags = ["services 企业服务"]  # noqa: RUF012

    @post("/", opt=allow("staff"), operation_id="recordVisit", status_code=201)
    async def record(self, request: Request, data: VisitIn) -> Done:
        """登记走访或恳谈会: date, visitors (staff accounts), organisations, findings, follow-ups."""
        p = platform_of(request)
        visit_id, position = await p.writer.run(services.record_visit(
            msgspec.structs.asdict(data), p.clock.today(), actor_of(request)))
        return Done(id=visit_id, position=position)

    @get("/", opt=allow("staff", "auditor"), operation_id="listVisits", sync_to_thread=True)
    def list(self, request: Request, quarter: Quarter = None, unit_id: UUID | None = None,
             organisation_id: UUID | None = None, min_position: MinPosition = None) -> VisitsPage:
        """走访记录 of a quarter (this one by default), by unit and organisation."""
        p = platform_of(request)
        wait_for_view(p, "service_visits", min_position)
        first, last = quarter_of(quarter or current_quarter(p.clock.today()))
        visits = q.visits_between(p.views, first, last, str(unit_id) if unit_id else None)
        if organisation_id is not None:
            visits = [v for v in visits if str(organisation_id) in v["organisation_ids"]]
        return answer({"items": visits}, VisitsPage)

    @get("/{id:uuid}", opt=allow("staff", "auditor"), operation_id="getVisit", sync_to_thread=True)
    def show(self, request: Request, id: UUID, min_position: MinPosition = None) -> VisitAnswer:
        """走访详情."""
        p = platform_of(request)
        wait_for_view(p, "service_visits", min_position)
        doc = q.get_doc(p.views, "view_service_visits", str(id))
        if doc is None:
            raise NotFound(f"走访记录 {id} 不存在 (no such visit)")
        return answer(doc, VisitAnswer)
