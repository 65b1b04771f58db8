"""Commissioned-verification use cases (受托核查): commissions, cases received one by one or by the
hundred, assignment (single and in bulk), site checks, recommendations, the client's decision,
clawbacks and recoveries. Each returns a command for the writer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from domain.accounts import Account
from domain.errors import NotFound
from domain.unique import UniqueClaim, claim_id
from domain.values import Actor, normalise_credit_code
from domain.verification import CaseRegister, Commission, VerificationRefusal, register_id
from domain.verification_cases import CHECKER_ROLES, VerificationCase
from projections.verification import recovering
from service.writer import Command, UnitOfWork, on_aggregate


def create_commission(fields: dict[str, Any], today: date, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        commission = Commission.commission(today=today, actor=actor, **fields)
        uow.add(commission)
        return commission.id

    return command


def revise_criteria(commission_id: UUID, criteria: list[dict[str, Any]], thresholds: list[dict[str, Any]] | None,
                    actor: Actor, reason: str) -> Command:
    return on_aggregate(Commission, commission_id, lambda c: c.revise_criteria(
        criteria=criteria, thresholds=thresholds, actor=actor, reason=reason))


def exists(commission_id: UUID) -> Command:
    """Writes nothing: refuses (404) a commission that does not exist, before its work is read."""
    return on_aggregate(Commission, commission_id, lambda _: None)


# -- intake --------------------------------------------------------------------------------------
def _receive(uow: UnitOfWork, commission: Commission, fields: dict[str, Any], today: date, actor: Actor,
             row: int | None = None) -> VerificationCase:
    """受理: the organisation is linked when its credit code is registered on the platform; the register
    of its (credit code, year) flags every earlier case, in any commission, as a duplicate."""
    code = normalise_credit_code(fields["credit_code"])
    claim = uow.find(UniqueClaim, claim_id("credit_code", code))
    register = uow.find(CaseRegister, register_id(code, fields["year"]))
    if register is None:
        register = CaseRegister(credit_code=code, year=fields["year"], actor=actor)
        uow.add(register)
    case_id = uuid4()
    earlier = register.register(case_id=case_id, commission_id=commission.id, actor=actor)
    case = VerificationCase.receive(
        commission=commission, organisation_name=fields["organisation_name"], credit_code=code,
        year=fields["year"], declared=fields.get("declared") or {}, documents=fields.get("documents") or [],
        organisation_id=str(claim.owner_id) if claim else None, duplicates=earlier, today=today, actor=actor,
        case_id=case_id, row=row)
    uow.add(case)
    return case


def receive_case(commission_id: UUID, fields: dict[str, Any], today: date, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> dict[str, Any]:
        case = _receive(uow, uow.get(Commission, commission_id), fields, today, actor)
        return {"id": case.id, "intake": case.intake}

    return command


def receive_rows(commission_id: UUID, rows: list[dict[str, Any]], today: date, actor: Actor) -> Command:
    """A client's spreadsheet, already checked row by row: every good row received in one transaction."""

    def command(uow: UnitOfWork) -> list[dict[str, Any]]:
        commission = uow.get(Commission, commission_id)
        received = []
        for fields in rows:
            case = _receive(uow, commission, fields, today, actor, row=fields["row"])
            received.append({"row": fields["row"], "id": str(case.id), "intake": case.intake})
        return received

    return command


# -- assignment ------------------------------------------------------------------------------------
def _checker(uow: UnitOfWork, account_id: UUID) -> dict[str, Any]:
    account = uow.find(Account, account_id)
    if account is None or account.role not in CHECKER_ROLES or account.status != "active":
        raise NotFound(f"核查人员账号 {account_id} 不存在 (no such staff or expert account)", field="checker_ids")
    affiliation = account.affiliation_organisation_id
    return {"id": str(account_id), "affiliation": str(affiliation) if affiliation else None}


def assign(case_id: UUID, checker_ids: list[UUID], visit_on: date | None, actor: Actor,
           reason: str | None) -> Command:
    def command(uow: UnitOfWork) -> None:
        case = uow.get(VerificationCase, case_id)
        case.assign(checkers=[_checker(uow, c) for c in checker_ids], visit_on=visit_on, actor=actor, reason=reason)

    return command


def assign_in_bulk(commission_id: UUID, case_ids: list[UUID], checker_ids: list[UUID], visit_on: date | None,
                   actor: Actor, reason: str | None) -> Command:
    """分派 by the hundred: the cases in turn to each checker (round robin); a conflicted checker is
    passed over for the next; a case every checker is conflicted with is reported, not assigned."""

    def command(uow: UnitOfWork) -> dict[str, Any]:
        checkers = [_checker(uow, c) for c in checker_ids]
        counts = {c["id"]: 0 for c in checkers}
        refused, turn = [], 0
        for case_id in case_ids:
            case = uow.get(VerificationCase, case_id)
            if case.commission_id != str(commission_id):
                raise NotFound(f"核查对象 {case_id} 不属于本事项 (not a case of this commission)", field="case_ids")
            for attempt in range(len(checkers)):
                at = (turn + attempt) % len(checkers)
                try:
                    case.assign(checkers=[checkers[at]], visit_on=visit_on, actor=actor, reason=reason)
                except VerificationRefusal as exc:
                    if exc.code != "conflict_of_interest":
                        raise
                    continue
                counts[checkers[at]["id"]] += 1
                turn = at + 1  # the next case goes to the next checker after this one
                break
            else:
                refused.append(str(case_id))
        return {"assigned": counts, "refused": refused}

    return command


def chase_recoveries(platform: Any) -> int:
    """追回跟踪 (the scheduler's job): every clawback still outstanding a month after its order, or
    after its last chase, is chased once (the case refuses a second chase within the month, so a
    repeated tick or a second scheduler does nothing)."""
    today, chased = platform.clock.today(), 0
    for doc in recovering(platform.views):
        done, _ = platform.writer.execute(on_case(UUID(doc["id"]), lambda c: c.chase(
            today=today, actor=Actor.system())))
        chased += 1 if done else 0
    return chased


def on_case(case_id: UUID, change: Callable[[VerificationCase], Any]) -> Command:
    return on_aggregate(VerificationCase, case_id, change)


def with_commission(case_id: UUID, change: Callable[[VerificationCase, Commission], Any]) -> Command:
    """A step that reads the commission's criteria and thresholds (the site check, the recommendation)."""

    def command(uow: UnitOfWork) -> Any:
        case = uow.get(VerificationCase, case_id)
        return change(case, uow.get(Commission, UUID(case.commission_id)))

    return command
