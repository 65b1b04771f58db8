"""GET /api/v1/stats/summary: every context's figures for a period (API.md "Audit and figures").

The answer's type is put together from the sections the contexts declare, so the
served OpenAPI document describes each of them (projections.figures)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.params import Parameter
from msgspec import Meta

from api.deps import platform_of, wait_for_view
from api.policy import allow
from api.schemas import MinPosition
from domain.errors import InvalidValue
from projections.figures import Figures


def summary_answer(sections: Sequence[Figures]) -> type[msgspec.Struct]:
    period: list[Any] = [
        ("from_", Annotated[str, Meta(description="第一天 (first day, inclusive)")], msgspec.field(name="from")),
        ("to", Annotated[str, Meta(description="最后一天 (last day, inclusive)")]),
    ]
    described = [(s.section, Annotated[s.answer, Meta(description=s.description)]) for s in sections]
    return msgspec.defstruct("Summary", [*period, *described], frozen=True)


def stats_controller(sections: Sequence[Figures]) -> type[Controller]:
    answer = summary_answer(sections)

    class StatsController(Controller):
        path = "/api/v1/stats"
        tags = ["audit 审计"]  # noqa: RUF012

        @get("/summary", opt=allow("staff", "auditor"), operation_id="statsSummary", sync_to_thread=True)
        def summary(self, request: Request, from_: Annotated[date, Parameter(query="from")], to: date,
                    min_position: MinPosition = None) -> Any:
            """年度数据: members at start and end, growth; sessions held by kind with attendees and
            satisfaction; alliances by status and sector with amounts; each context's section
            (dates inclusive, association time)."""
            p = platform_of(request)
            wait_for_view(p, "audit", min_position)
            if to < from_:
                raise InvalidValue("结束日期不能早于开始日期 (to before from)", field="to")
            return msgspec.convert(p.summary(from_, to), answer)

    # The answer's type is known only now: give the handler it (Litestar reads the annotation).
    StatsController.summary.fn.__annotations__["return"] = answer
    return StatsController
