"""协议书与签署: agreement versions, each party's declaration, signatures, the
joint submission, and amendments after approval (API.md "Alliances";
domain.alliance_signing, domain.alliance_amendments)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, post, put

from api.alliance_schemas import (
    AgreementIn,
    AmendmentDecision,
    AmendmentIn,
    PartyDeclarationIn,
    Screening,
    SignatureIn,
)
from api.alliances import TAGS, _agreement, recorded
from api.deps import platform_of
from api.policy import actor_of, allow
from api.schemas import Done
from domain.errors import InvalidValue
from service import alliances


class AgreementsController(Controller):
    path = "/api/v1/alliances"
    tags = TAGS

    @put("/{id:uuid}/agreement", opt=allow("staff", "member"), operation_id="reviseAgreement")
    async def revise(self, request: Request, id: UUID, data: AgreementIn) -> Done:
        """修改协议书: a new version; every signature is void."""
        return await recorded(request, id, alliances.revise(id, _agreement(data), actor_of(request)))

    @post("/{id:uuid}/declarations", opt=allow("staff", "member"), operation_id="declareParty", status_code=200)
    async def declaration_of_party(self, request: Request, id: UUID, data: PartyDeclarationIn) -> Done:
        """申报声明: one party's own statement with an evidence reference — an enterprise the
        workspace and equipment it provides; a society its service experience, this
        year's work plan and the staff named for it. A party's account declares for
        itself; staff record a paper declaration naming `party_id`."""
        fields = {k: v for k, v in msgspec.to_builtins(data).items() if v is not None and k != "party_id"}
        return await recorded(request, id, alliances.declare(id, data.party_id, fields, actor_of(request)))

    @post("/{id:uuid}/signatures", opt=allow("member", "staff"), operation_id="signAgreement", status_code=200)
    async def sign(self, request: Request, id: UUID, data: SignatureIn | None = None) -> Done:
        """签署: a party signs the current version for its organisation; the secretariat enters a
        paper signature naming `party_id`, with the day it was signed (`signed_on`)."""
        actor, data = actor_of(request), data or SignatureIn()
        if actor.role == "staff" and data.party_id is None:
            raise InvalidValue("须指明签署方 (name the party that signed)", field="party_id")
        party = data.party_id if actor.role == "staff" else UUID(str(actor.organisation_id))
        return await recorded(request, id, alliances.sign(id, party, actor, data.signed_on,
                                                          platform_of(request).clock.today()))

    @post("/{id:uuid}/submit", opt=allow("member"), operation_id="submitAlliance", status_code=200)
    async def submit(self, request: Request, id: UUID) -> Done:
        """联合申报: every party signed, within the program's window."""
        p = platform_of(request)
        return await recorded(request, id, alliances.submit(id, p.clock.now(), actor_of(request)))

    # -- after approval -------------------------------------------------------------------------------
    @post("/{id:uuid}/amendments", opt=allow("member"), operation_id="requestAmendment", status_code=201)
    async def amendment(self, request: Request, id: UUID, data: AmendmentIn) -> dict[str, Any]:
        """变更申请: the approved agreement is frozen; changes go through staff."""
        changes = msgspec.to_builtins(data.changes)  # only the fields sent (UNSET ones are omitted)
        amendment_id, position = await platform_of(request).writer.run(alliances.request_amendment(
            id, changes, data.reason, actor_of(request)))
        return {"id": amendment_id, "position": position}

    @post("/{id:uuid}/amendments/{aid:str}/signatures", opt=allow("member"), operation_id="signAmendment",
          status_code=200)
    async def sign_amendment(self, request: Request, id: UUID, aid: str) -> Done:
        """签署变更: a change of parties binds once every party of the amended agreement has signed."""
        return await recorded(request, id, alliances.sign_amendment(id, aid, actor_of(request)))

    @post("/{id:uuid}/amendments/{aid:str}/screening", opt=allow("staff"), operation_id="screenAmendment",
          status_code=200)
    async def amendment_screening(self, request: Request, id: UUID, aid: str, data: Screening) -> Done:
        """变更把关: a change of parties is screened again once every party of the amended
        agreement has signed; the same override rule binds."""
        p = platform_of(request)
        return await recorded(request, id, alliances.screen_amendment(
            id, aid, data.decision, data.reasons, data.override.reason if data.override else None, p.clock.today(),
            actor_of(request)))

    @post("/{id:uuid}/amendments/{aid:str}/decision", opt=allow("staff"), operation_id="decideAmendment",
          status_code=200)
    async def amendment_decision(self, request: Request, id: UUID, aid: str, data: AmendmentDecision) -> Done:
        """审批变更: an approved amendment becomes a new agreement version; a change of parties
        needs every party's signature and a passed new screening."""
        return await recorded(request, id, alliances.decide_amendment(id, aid, data.approve, data.reason,
                                                                      actor_of(request)))
