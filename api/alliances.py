"""The alliance programme (API.md "Alliances"): the register and each alliance's
record, and what every alliance controller shares — who may see an alliance,
and how a command's answer is made.

The routes are grouped as the domain is (domain.alliances):

- api.alliance_programs     programmes: the call, its settings, vocabularies, ranking
- api.alliances             the register, drafting, one alliance's record (this module)
- api.alliance_agreements   agreement versions, declarations, signatures, submission, amendments
- api.alliance_selection    screening, expert review, public notice, objections
- api.alliance_funding      approval, tranches, termination
- api.alliance_reporting    reports, inspections, rectification, conclusion
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

from api.alliance_answers import AllianceAnswer, AlliancesPage
from api.alliance_schemas import (
    AgreementIn,
    AllianceIn,
)
from api.deps import platform_of, wait_for_view
from api.policy import Principal, actor_of, allow, principal_of, signed_in
from api.schemas import Done, MinPosition, answer
from domain.vocabularies import sector_key
from projections import alliances as views
from projections import known
from service import alliances

TAGS = ["alliances 企会协作"]


def _agreement(data: AgreementIn) -> dict[str, Any]:
    fields = msgspec.to_builtins(data)
    fields.pop("program_id", None)
    fields["starts_on"], fields["ends_on"] = data.starts_on, data.ends_on
    return fields


def _visible(doc: dict[str, Any], who: Principal | None) -> dict[str, Any] | None:
    """Staff and auditors see everything; parties their alliance; an assigned
    reviewer the title and parties until declaring no conflict."""
    if who is None:
        return None
    if who.role in ("staff", "auditor"):
        return doc
    if who.role == "reviewer" and who.account_id in doc["reviewers"]:
        return views.for_reviewer(doc, who.account_id)
    if who.role == "member" and who.organisation_id in doc["parties"]:
        return {**doc, "reviewers": {}}  # parties do not see who reviewed them
    return None


async def recorded(request: Request, alliance_id: UUID, command: Any) -> Done:
    """Run a command on an alliance through the writer: the alliance and the event's position."""
    _, position = await platform_of(request).writer.run(command)
    return Done(id=alliance_id, position=position)


class AlliancesController(Controller):
    path = "/api/v1/alliances"
    tags = TAGS

    @post("/", opt=allow("staff", "member"), operation_id="draftAlliance", status_code=201)
    async def draft(self, request: Request, data: AllianceIn) -> Done:
        """组建联盟: the agreement (协议书) of at least one enterprise and one society."""
        p = platform_of(request)
        alliance_id, position = await p.writer.run(alliances.draft(data.program_id, _agreement(data),
                                                                   actor_of(request)))
        return Done(id=alliance_id, position=position)

    @get("/", opt=signed_in(), operation_id="listAlliances", sync_to_thread=True)
    def list(self, request: Request, program_id: UUID | None = None, status: str | None = None,
             sector: Annotated[str | None, Parameter(max_length=100)] = None, as_of: date | None = None,
             known_as_of: datetime | None = None, limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
             min_position: MinPosition = None) -> AlliancesPage:
        """协议书登记: the register by program, status, sector (key or label); `as_of` a past date
        (by each decision's effective day); `known_as_of` as the records stood at that instant."""
        p = platform_of(request)
        wait_for_view(p, "alliances", min_position)
        who = principal_of(request)
        sector = sector_key(sector) if sector else None  # a key or its label; 422 outside the vocabulary
        query = {"program_id": str(program_id) if program_id else None, "status": status, "sector": sector,
                 "as_of": as_of, "limit": 10_000}
        instant = known.known_instant(known_as_of) if known_as_of else None
        if instant:
            wait_for_view(p, "audit", min_position)
        with known.views_known(p.views, p.app, "Alliance", instant, lambda: [views.AlliancesView()]) as db:
            docs = [{**d, "known_as_of": instant} if instant else d for d in views.register(db, **query)]
        visible = [v for v in (_visible(d, who) for d in docs) if v is not None]
        return answer({"items": visible[:limit], "next_cursor": None}, AlliancesPage)

    @get("/{id:uuid}", opt=signed_in(), operation_id="getAlliance", sync_to_thread=True)
    def show(self, request: Request, id: UUID,
             min_position: MinPosition = None) -> AllianceAnswer:
        """联盟档案: status, every agreement version, eligibility, scores, objections,
        grants, payments, reports, inspections."""
        p = platform_of(request)
        wait_for_view(p, "alliances", min_position)
        doc = views.get_alliance(p.views, str(id))
        visible = _visible(doc, principal_of(request)) if doc else None
        if visible is None:
            raise NotFoundException(f"联盟 {id} 不存在 (no such alliance)")
        return answer(visible, AllianceAnswer)
