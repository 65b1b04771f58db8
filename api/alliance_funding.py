"""资助: approval with its grant from the programme's budget, tranches, and
termination with the funds to recover (API.md "Alliances"; domain.alliance_funding)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Request, post

from api.alliance_schemas import ApprovalIn, DateCorrectionIn, PaymentIn, TerminationIn
from api.alliances import TAGS, recorded
from api.deps import platform_of
from api.policy import actor_of, allow
from api.schemas import Done
from service import alliances


class FundingController(Controller):
    path = "/api/v1/alliances"
    tags = TAGS

    @post("/{id:uuid}/approval", opt=allow("staff"), operation_id="approveAlliance", status_code=200)
    async def approval(self, request: Request, id: UUID, data: ApprovalIn) -> Done:
        """批准立项: grants funding from the program's budget (409 budget_exceeded)."""
        p = platform_of(request)
        return await recorded(request, id, alliances.approve(id, data.granted_fen, p.clock.now(),
                                                             actor_of(request), approved_on=data.approved_on))

    @post("/{id:uuid}/payments", opt=allow("staff"), operation_id="payTranche", status_code=200)
    async def payment(self, request: Request, id: UUID, data: PaymentIn) -> Done:
        """拨付: a tranche of the grant."""
        return await recorded(request, id, alliances.pay(id, data.amount_fen, data.paid_on, actor_of(request)))

    @post("/{id:uuid}/termination", opt=allow("staff"), operation_id="terminateAlliance", status_code=200)
    async def termination(self, request: Request, id: UUID, data: TerminationIn) -> Done:
        """终止: with the reason and the funds to recover (追回资金)."""
        p = platform_of(request)
        return await recorded(request, id, alliances.terminate(id, data.reason, data.recover_fen, actor_of(request),
                                                               today=p.clock.today(), effective_on=data.effective_on))

    @post("/{id:uuid}/date-corrections", opt=allow("staff"), operation_id="correctAllianceDate", status_code=200)
    async def date_correction(self, request: Request, id: UUID, data: DateCorrectionIn) -> Done:
        """更正生效日期: an approval's, a termination's or a conclusion's day was entered wrong; the
        correction is an event of its own on the history (the register's as_of follows it)."""
        p = platform_of(request)
        return await recorded(request, id, alliances.correct_date(id, data.what, data.on, p.clock.today(),
                                                                  data.reason, actor_of(request)))
