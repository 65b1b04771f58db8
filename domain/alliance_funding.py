"""资助: the money. A programme grants out of its yearly budget, never more than
is left, because every grant is decided inside the Program aggregate; an
approved alliance is paid in tranches up to its grant; a terminated one may
have funds recovered (追回资金, seed 000), and its unpaid grant returns to the
budget. The commands of `domain.alliances.Program` and `Alliance`; the facts
they record (`Granted`, `Released`, `Approved`, `Paid`, `Terminated`) are their
@event methods.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from domain.alliance_agreement import effective_day, reason_given
from domain.errors import DomainError, InvalidValue
from domain.values import Actor


class Budget:
    """Mixed into Program: the yearly budget and what is granted out of it."""

    @property
    def granted_fen(self) -> int:
        return sum(self.granted.values())

    @property
    def remaining_fen(self) -> int:
        return self.budget_fen - self.granted_fen

    def grant(self, *, alliance_id: UUID, amount_fen: int, actor: Actor) -> None:
        """Funding comes out of the yearly budget; never more than is left."""
        if amount_fen <= 0:
            raise InvalidValue("资助金额须为正数 (amount must be positive)", field="granted_fen")
        if amount_fen > self.remaining_fen:
            raise DomainError(f"超出年度预算：剩余 {self.remaining_fen} 分，申请 {amount_fen} 分 "
                              f"(budget exceeded: {self.remaining_fen} fen left)", code="budget_exceeded",
                              field="granted_fen")
        self._granted(alliance_id=str(alliance_id), amount_fen=amount_fen, actor=actor)

    def release(self, *, alliance_id: UUID, amount_fen: int, actor: Actor, reason: str) -> None:
        """A terminated alliance's unspent grant returns to the budget."""
        key = str(alliance_id)
        if key in self.granted and amount_fen > 0:
            self._released(alliance_id=key, amount_fen=min(amount_fen, self.granted[key]), actor=actor,
                           reason=reason)


class Funding:
    """Mixed into Alliance: approval with its grant, tranches, termination."""

    def approve(self, *, granted_fen: int, now: datetime, actor: Actor, approved_on: date | None = None) -> None:
        """Approval after a clean notice period; the Program grants the money in the same decision.
        `approved_on`: the day of the decision when it is entered later (not before the notice ended)."""
        self.require_status("approve", "in_public_notice")
        if self.notice_ends_at is not None and now < self.notice_ends_at:
            raise DomainError("公示期未结束 (the public notice is still running)", code="notice_running")
        if self.open_objections():
            raise DomainError("尚有未处理的异议 (an objection is still open)", code="objection_open")
        if granted_fen > self.agreement.requested_funding_fen:
            raise InvalidValue("资助不能超过申请额 (more than requested)", field="granted_fen")
        day = effective_day(approved_on, now.date(), "approved_on")
        if self.notice_ends_at is not None and day < self.notice_ends_at.date():
            raise InvalidValue("批准日期早于公示期结束 (approved before the notice ended)", field="approved_on")
        self._approved(granted_fen=granted_fen, agreement_version=self.agreement_version, approved_on=day,
                       actor=actor)

    def pay(self, *, amount_fen: int, paid_on: date, actor: Actor) -> None:
        """拨付: tranches up to the grant."""
        self.require_status("pay", "in_progress")
        if amount_fen <= 0:
            raise InvalidValue("金额须为正数 (amount must be positive)", field="amount_fen")
        if self.paid_fen + amount_fen > self.granted_fen:
            raise DomainError("拨付总额不能超过资助额 (payments exceed the grant)", code="over_grant",
                              field="amount_fen")
        self._paid(amount_fen=amount_fen, paid_on=paid_on, actor=actor)

    def terminate(self, *, reason: str, recover_fen: int, actor: Actor, today: date | None = None,
                  effective_on: date | None = None) -> None:
        """终止, with the funds to recover (追回资金, seed 000); `effective_on` the day it took effect."""
        self.require_status("terminate", "in_progress")
        if not 0 <= recover_fen <= self.paid_fen:
            raise InvalidValue("追回金额须在 0 到已拨付金额之间 (recovery between 0 and the amount paid)",
                               field="recover_fen")
        day = effective_day(effective_on, today, "effective_on") if today is not None else effective_on
        self._terminated(recover_fen=recover_fen, unpaid_fen=self.granted_fen - self.paid_fen, actor=actor,
                         reason=reason_given(reason), effective_on=day)
