"""Organisations and membership (DOMAIN.md "Organisations and membership").

Lifecycle: applied → admitted | rejected (the rest of the lifecycle —
suspension, lapse, withdrawal, re-application — comes with issue 4).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from eventsourcing.domain import event

from domain.errors import InvalidValue
from domain.model import Entity
from domain.values import Actor, normalise_credit_code

KINDS = ("enterprise", "society", "university_association", "institute", "service_agency")
TIERS = ("member", "council", "vice_president", "president")
STATUSES = ("applied", "admitted", "suspended", "lapsed", "withdrawn", "rejected")


class Organisation(Entity):
    LABEL = "单位"

    @classmethod
    def apply(
        cls,
        *,
        kind: str,
        name: str,
        credit_code: str,
        sector: str,
        address: str | None,
        contacts: list[dict[str, Any]],
        annual_stats: dict[str, int] | None,
        effective_on: date,
        actor: Actor,
    ) -> Organisation:
        """A membership application (入会申请). Contacts get stable ids here so
        that a later erasure can name one person."""
        if kind not in KINDS:
            raise InvalidValue(f"未知的单位类型 {kind!r} (unknown kind)", field="kind")
        if not name.strip():
            raise InvalidValue("单位名称不能为空 (name is required)", field="name")
        if not contacts:
            raise InvalidValue("至少需要一位联系人 (at least one contact)", field="contacts")
        stats = _check_stats(annual_stats) if annual_stats else None
        return cls(
            kind=kind,
            name=name.strip(),
            credit_code=normalise_credit_code(credit_code),
            sector=sector.strip(),
            address=address,
            contacts=[{"id": str(uuid4()), **c} for c in contacts],
            annual_stats=stats,
            effective_on=effective_on,
            actor=actor,
        )

    @event("Applied")
    def __init__(
        self,
        kind: str,
        name: str,
        credit_code: str,
        sector: str,
        address: str | None,
        contacts: list[dict[str, Any]],
        annual_stats: dict[str, int] | None,
        effective_on: date,
        actor: Actor,
        reason: str | None = None,
    ):
        self.kind = kind
        self.name = name
        self.credit_code = credit_code
        self.sector = sector
        self.address = address
        self.contacts = contacts
        self.annual_stats = {str(annual_stats["year"]): annual_stats} if annual_stats else {}
        self.status = "applied"
        self.tier: str | None = None

    def admit(self, *, tier: str, note: str | None, effective_on: date, actor: Actor) -> None:
        """Admission (入会) by council meeting or secretariat decision."""
        self.require_status("admit", "applied")
        if tier not in TIERS:
            raise InvalidValue(f"未知的会员等级 {tier!r} (unknown tier)", field="tier")
        self._admitted(tier=tier, effective_on=effective_on, actor=actor, reason=note)

    @event("Admitted")
    def _admitted(self, tier: str, effective_on: date, actor: Actor, reason: str | None) -> None:
        self.status = "admitted"
        self.tier = tier

    def reject(self, *, reason: str, effective_on: date, actor: Actor) -> None:
        self.require_status("reject", "applied")
        if not reason.strip():
            raise InvalidValue("拒绝申请须说明理由 (a reason is required)", field="reason")
        self._rejected(effective_on=effective_on, actor=actor, reason=reason.strip())

    @event("Rejected")
    def _rejected(self, effective_on: date, actor: Actor, reason: str) -> None:
        self.status = "rejected"


def _check_stats(stats: dict[str, int]) -> dict[str, int]:
    for key in ("employees", "rd_staff", "revenue_fen", "rd_spend_fen"):
        if stats.get(key, 0) < 0:
            raise InvalidValue(f"{key} 不能为负数 (must not be negative)", field=f"annual_stats.{key}")
    if stats.get("rd_staff", 0) > stats.get("employees", 0):
        raise InvalidValue(
            "研发人员不能多于职工总数 (rd_staff exceeds employees)", field="annual_stats.rd_staff"
        )
    return dict(stats)
