"""Matchmaking's other nouns: campaigns (征集活动), solvers (技术解决方) and deals (签约).

Solvers are their own aggregate, not membership's Organisation: a university,
institute or team need not be a member (seed 003's 50+ solver teams came from
everywhere), membership's vocabulary has no `university` or `team` kind and no
`pending → approved` path outside admission, and an applying Organisation would
sit in the membership queue and the member figures. A solver's id is what its
accounts' `organisation_id` names.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.errors import InvalidValue
from domain.matchmaking import MatchmakingRefusal, required_text
from domain.model import Entity
from domain.values import Actor, normalise_credit_code

SOLVER_KINDS = ("university", "institute", "team")


class Campaign(Entity):
    """征集活动 (seed 003: 中国创新挑战赛): needs may belong to one."""

    LABEL = "征集活动"

    @classmethod
    def open(cls, *, title: str, opens_on: date, closes_on: date, organiser: str, actor: Actor) -> Campaign:
        if closes_on < opens_on:
            raise InvalidValue("结束日期不能早于开始日期 (closes_on before opens_on)", field="closes_on")
        return cls(title=required_text(title, "title", "标题"), opens_on=opens_on, closes_on=closes_on,
                   organiser=required_text(organiser, "organiser", "主办单位"), actor=actor)

    @event("Opened")
    def __init__(self, title: str, opens_on: date, closes_on: date, organiser: str, actor: Actor,
                 reason: str | None = None):
        self.title = title
        self.opens_on = opens_on
        self.closes_on = closes_on
        self.status = "open"

    def check_accepts(self, today: date) -> None:
        if not self.opens_on <= today <= self.closes_on:
            raise MatchmakingRefusal("campaign_closed", "不在征集期内 (outside the campaign's window)",
                                     "campaign_id")


class Solver(Entity):
    """技术解决方: signs up (pending), staff approve or reject it; approved, it acts in matchmaking."""

    LABEL = "技术解决方"

    @classmethod
    def sign_up(cls, *, kind: str, name: str, credit_code: str | None, field: str,
                contacts: list[dict[str, Any]], actor: Actor, id: UUID) -> Solver:
        if kind not in SOLVER_KINDS:
            raise InvalidValue(f"未知的解决方类型 {kind!r} (unknown kind)", field="kind")
        if not contacts:
            raise InvalidValue("至少需要一位联系人 (at least one contact)", field="contacts")
        code = normalise_credit_code(credit_code) if credit_code else None
        return cls._create(event_class=cls.SignedUp, id=id, kind=kind, name=required_text(name, "name", "名称"),
                           credit_code=code, field=required_text(field, "field", "技术领域"), contacts=contacts,
                           actor=actor, reason=None)

    @event("SignedUp")
    def __init__(self, kind: str, name: str, credit_code: str | None, field: str,
                 contacts: list[dict[str, Any]], actor: Actor, reason: str | None = None):
        self.kind = kind
        self.name = name
        self.contacts = contacts  # sealed persons (service.matchmaking_parties.SOLVER_CONTACT)
        self.status = "pending"

    def approve(self, *, actor: Actor, note: str | None = None) -> None:
        self.require_status("approve", "pending")
        self._approved(actor=actor, reason=note)

    @event("Approved")
    def _approved(self, actor: Actor, reason: str | None) -> None:
        self.status = "approved"

    def reject(self, *, reason: str, actor: Actor) -> None:
        self.require_status("reject", "pending")
        self._rejected(actor=actor, reason=required_text(reason, "reason", "理由"))

    @event("Rejected")
    def _rejected(self, actor: Actor, reason: str) -> None:
        self.status = "rejected"


class Deal(Entity):
    """签约: the need's owner and a solver, the contract amount, and the payments made on it."""

    LABEL = "合作协议"

    @classmethod
    def sign(cls, *, need_id: UUID, owner_id: str, solver_id: UUID, contract_fen: int, signed_on: date,
             evidence: str | None, today: date, actor: Actor) -> Deal:
        if contract_fen <= 0:
            raise InvalidValue("合同金额须大于 0 (contract_fen must be positive)", field="contract_fen")
        if signed_on > today:
            raise InvalidValue("签约日期不能晚于今天 (signed_on in the future)", field="signed_on")
        return cls(need_id=str(need_id), owner_id=owner_id, solver_id=str(solver_id), contract_fen=contract_fen,
                   signed_on=signed_on, evidence=evidence, actor=actor)

    @event("Signed")
    def __init__(self, need_id: str, owner_id: str, solver_id: str, contract_fen: int, signed_on: date,
                 evidence: str | None, actor: Actor, reason: str | None = None):
        self.need_id = need_id
        self.owner_id = owner_id
        self.solver_id = solver_id
        self.contract_fen = contract_fen
        self.signed_on = signed_on
        self.paid_fen = 0
        self.status = "signed"

    def record_payment(self, *, amount_fen: int, paid_on: date, today: date, actor: Actor) -> None:
        """到账: never more than the contract in total."""
        if amount_fen <= 0:
            raise InvalidValue("金额须大于 0 (amount_fen must be positive)", field="amount_fen")
        if paid_on > today or paid_on < self.signed_on:
            raise InvalidValue("付款日期须在签约日与今天之间 (paid_on between signed_on and today)", field="paid_on")
        if self.paid_fen + amount_fen > self.contract_fen:
            raise MatchmakingRefusal("overpaid", "累计付款超过合同金额 (payments exceed the contract)", "amount_fen")
        self._paid(amount_fen=amount_fen, paid_on=paid_on, need_id=self.need_id, owner_id=self.owner_id,
                   solver_id=self.solver_id, actor=actor)

    @event("PaymentRecorded")
    def _paid(self, amount_fen: int, paid_on: date, need_id: str, owner_id: str, solver_id: str, actor: Actor,
              reason: str | None = None) -> None:
        self.paid_fen += amount_fen
