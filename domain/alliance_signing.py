"""起草、申报声明、签署、联合申报: what the parties do with their agreement before
the association receives it. The commands of `domain.alliances.Alliance`; the
facts they record (`Revised`, `PartyDeclared`, `Signed`, `Submitted`) are its
@event methods, so the stored topics stay `domain.alliances:Alliance.*`.

Every party signs the current version; a new version voids every signature.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.alliance_agreement import check_agreement, check_submission, effective_day
from domain.errors import DomainError, InvalidValue
from domain.values import Actor

# 申报声明: what each kind of party states for itself (三（一）3, 三（二）2–3).
ENTERPRISE_DECLARATION = ("workspace", "evidence")
SOCIETY_DECLARATION = ("service_experience", "work_plan_year", "work_plan", "responsible_staff", "evidence")


class Signing:
    """Mixed into Alliance: drafting, declaring, signing and submitting."""

    def parties(self) -> list[str]:
        return self.agreement.parties()

    def revise(self, *, agreement: dict[str, Any], actor: Actor) -> None:
        """A new version of the agreement; every signature on the old one is void."""
        self.require_status("revise the agreement", "draft")
        self._revised(agreement=check_agreement(agreement), voided=list(self.signatures), actor=actor)

    def declare(self, *, party_id: UUID, declaration: dict[str, Any], actor: Actor) -> None:
        """申报声明: what one party states for itself, with an evidence reference —
        an enterprise the workspace and equipment it provides (三（一）3); a society its
        service experience, this year's work plan and the staff named for it (三（二）2–3).
        A later declaration replaces the earlier one; it does not touch the signatures.
        After approval, the parties of a change of parties declare before its new screening."""
        self.require_status("declare", "draft", "in_progress")
        party = str(party_id)
        agreement = self.agreement if self.status == "draft" else self.agreement_awaiting_screening(party)
        if party in agreement.enterprises:
            fields = ENTERPRISE_DECLARATION
        elif party in agreement.societies:
            fields = SOCIETY_DECLARATION
        else:
            raise DomainError("只有联盟各方可以申报 (only parties declare)", code="not_a_party", field="party_id")
        unknown = sorted(set(declaration) - set(fields))
        if unknown:
            raise InvalidValue(f"{unknown[0]} 不属于该方的申报内容 (not part of this party's declaration)",
                               field=unknown[0])
        if not (declaration.get("evidence") or "").strip():
            raise InvalidValue("须注明证明材料 (an evidence reference is required)", field="evidence")
        self._party_declared(party_id=party, declaration={k: declaration.get(k) for k in fields}, actor=actor)

    def sign(self, *, party_id: UUID, actor: Actor, signed_on: date | None = None, today: date | None = None) -> None:
        """签署, on the day `signed_on` (a paper signature entered later; never in the future),
        today by default (the association's day, which the caller passes as `today`)."""
        self.require_status("sign", "draft")
        party = str(party_id)
        if party not in self.parties():
            raise DomainError("只有联盟各方可以签署 (only parties sign)", code="not_a_party", field="party")
        if party in self.signatures:
            raise DomainError("已签署当前版本 (already signed this version)", code="already_signed")
        day = effective_day(signed_on, today, "signed_on") if today is not None else signed_on
        self._signed(party_id=party, agreement_version=self.agreement_version, actor=actor, signed_on=day)

    def submit(self, *, program_open: bool, actor: Actor) -> None:
        """联合申报: every party has signed the current version, within the window, and
        the agreement holds what the seed asks for (content; enterprise-led R&D investment)."""
        self.require_status("submit", "draft")
        missing = [p for p in self.parties() if p not in self.signatures]
        if missing:
            raise DomainError(f"尚有 {len(missing)} 方未签署 (not every party has signed)", code="signatures_missing")
        if not program_open:
            raise DomainError("不在申报期内 (the submission window is closed)", code="program_closed")
        check_submission(self.agreement)
        self._submitted(agreement_version=self.agreement_version, actor=actor)
