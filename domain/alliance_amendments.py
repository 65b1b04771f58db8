"""变更: after approval the agreement is frozen, and every change goes through an
amendment. The commands of `domain.alliances.Alliance`; the facts they record
(`AmendmentRequested`, `AmendmentSigned`, `AmendmentScreened`, `AmendmentDecided`)
are its @event methods.

A change of parties binds only when every party of the amended agreement has
signed it and a new screening (科协把关) passed; the same override rule binds
as at the first screening.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.alliance_agreement import AGREEMENT_FIELDS, check_agreement, check_submission, reason_given
from domain.alliance_selection import check_override, failed_checks
from domain.alliance_values import Agreement
from domain.errors import DomainError, InvalidValue
from domain.values import Actor


class Amending:
    """Mixed into Alliance: requesting, signing, screening and deciding amendments."""

    def request_amendment(self, *, amendment_id: str, changes: dict[str, Any], reason: str, actor: Actor) -> None:
        """The approved agreement is frozen: changes go through an amendment. Only
        agreement fields may change, and the amended agreement must still be one the
        programme would receive (complete, enterprise-led)."""
        self.require_status("request an amendment", "in_progress")
        unknown = sorted(set(changes) - AGREEMENT_FIELDS)
        if unknown:
            raise InvalidValue(f"不能变更的字段 {', '.join(unknown)} (not an agreement field)",
                               field=f"changes.{unknown[0]}")
        if not changes:
            raise InvalidValue("变更内容为空 (no change requested)", field="changes")
        check_submission(check_agreement({**self.agreement, **changes}))
        self._amendment_requested(amendment_id=amendment_id, changes=changes, actor=actor,
                                  reason=reason_given(reason))

    def amended_agreement(self, amendment_id: str) -> Agreement:
        return check_agreement({**self.agreement, **self._pending_amendment(amendment_id)["changes"]})

    def amended_parties(self, amendment_id: str) -> list[str] | None:
        """The parties after an amendment, when it changes them (else None)."""
        after = self.amended_agreement(amendment_id)
        parties = after.parties()
        return parties if set(parties) != set(self.parties()) else None

    def agreement_awaiting_screening(self, party: str) -> Agreement:
        """After approval a party declares only for a pending change of parties not yet screened."""
        for amendment_id, amendment in self.amendments.items():
            if amendment["status"] == "requested" and amendment.get("screening") is None:
                parties = self.amended_parties(amendment_id)
                if parties is not None and party in parties:
                    return self.amended_agreement(amendment_id)
        raise DomainError("只有待把关的成员变更的各方可以申报 (only parties of a change of parties awaiting "
                          "screening declare)", code="not_a_party", field="party_id")

    def _pending_amendment(self, amendment_id: str) -> dict[str, Any]:
        amendment = self.amendments.get(amendment_id)
        if amendment is None or amendment["status"] != "requested":
            raise DomainError("没有待决的变更申请 (no pending amendment)", code="not_found", field="amendment_id")
        return amendment

    def _unsigned(self, amendment_id: str) -> list[str]:
        new_parties = self.amended_parties(amendment_id) or []
        return [p for p in new_parties if p not in self.amendments[amendment_id].get("signatures", [])]

    def sign_amendment(self, *, amendment_id: str, party_id: UUID, actor: Actor) -> None:
        """A change of parties binds only when every party of the amended agreement signs it."""
        amendment = self._pending_amendment(amendment_id)
        party = str(party_id)
        if party not in (self.amended_parties(amendment_id) or self.parties()):
            raise DomainError("只有变更后的联盟各方可以签署 (only parties sign)", code="not_a_party", field="party")
        if party in amendment.get("signatures", []):
            raise DomainError("已签署该变更 (already signed this amendment)", code="already_signed")
        self._amendment_signed(amendment_id=amendment_id, party_id=party, actor=actor)

    def screen_amendment(self, *, amendment_id: str, decision: str, reasons: str, eligibility: dict[str, Any],
                         actor: Actor, override: str | None = None) -> None:
        """A change of parties is screened again (科协把关), once every party of the
        amended agreement has signed; the same rule binds: a failed report passes
        only with an override."""
        self._pending_amendment(amendment_id)
        if self.amended_parties(amendment_id) is None:
            raise DomainError("该变更不涉及联盟成员，无需重新把关 (parties unchanged)", code="screening_not_needed")
        self._require_every_signature(amendment_id, "尚有 {} 方未签署该变更 (not every party has signed the "
                                                    "amendment)")
        reasons = reason_given(reasons, "reasons")
        override = check_override(decision, eligibility, override)
        if override is not None:
            self._eligibility_overridden(failed=failed_checks(eligibility), actor=actor, reason=override)
        self._amendment_screened(amendment_id=amendment_id, decision=decision, eligibility=eligibility,
                                 override=override, actor=actor, reason=reasons)

    def decide_amendment(self, *, amendment_id: str, approve: bool, reason: str, actor: Actor) -> None:
        """审批变更. A change of parties needs every party's signature and a new
        screening that passed."""
        amendment = self._pending_amendment(amendment_id)
        agreement = self.amended_agreement(amendment_id) if approve else None
        if approve and self.amended_parties(amendment_id) is not None:
            self._require_every_signature(amendment_id, "联盟成员变更须经各方签署，尚有 {} 方未签署 (a change of "
                                                        "parties needs every party's signature)")
            screening = amendment.get("screening")
            if screening is None:
                raise DomainError("联盟成员变更须重新经科协把关 (a change of parties is screened again first)",
                                  code="screening_required", field="amendment_id")
            if screening["decision"] != "pass":
                raise DomainError("变更后的联盟未通过把关 (the amended alliance did not pass screening)",
                                  code="not_eligible", field="amendment_id")
        self._amendment_decided(amendment_id=amendment_id, approved=approve, agreement=agreement, actor=actor,
                                reason=reason_given(reason))

    def _require_every_signature(self, amendment_id: str, message: str) -> None:
        unsigned = self._unsigned(amendment_id)
        if unsigned:
            raise DomainError(message.format(len(unsigned)), code="signatures_missing", field="signatures")
