"""Alliance programme use cases: each returns a command for the writer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from domain.accounts import Account
from domain.alliances import Alliance, Program
from domain.eligibility import eligibility_report
from domain.errors import DomainError, InvalidValue, NotFound
from domain.organisations import Organisation
from domain.values import Actor
from service.writer import Command, UnitOfWork, on_aggregate

ENTERPRISE_KINDS = ("enterprise",)
SOCIETY_KINDS = ("society", "university_association")


def open_program(fields: dict[str, Any], actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        program = Program.open_call(actor=actor, **fields)
        uow.add(program)
        return program.id

    return command


def on_alliance(alliance_id: UUID, change: Callable[[Alliance], Any]) -> Command:
    return on_aggregate(Alliance, alliance_id, change)


def _check_parties(uow: UnitOfWork, agreement: dict[str, Any]) -> None:
    for field, ids, kinds in (("enterprises", agreement["enterprises"], ENTERPRISE_KINDS),
                              ("societies", agreement["societies"], SOCIETY_KINDS)):
        for party in ids:
            org = uow.find(Organisation, UUID(party))
            if org is None:
                raise NotFound(f"单位 {party} 不存在 (no such organisation)", field=field)
            if org.kind not in kinds:
                raise InvalidValue(f"{org.name} 的单位类型 {org.kind} 不能作为{field} (wrong kind of party)",
                                   field=field)


def _acting_party(actor: Actor, alliance_parties: list[str]) -> None:
    """A member acts only for an organisation that is a party."""
    if actor.role == "member" and actor.organisation_id not in alliance_parties:
        raise DomainError("只有联盟各方可以操作 (only the parties may do this)", code="not_a_party")


def draft(program_id: UUID, agreement: dict[str, Any], actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        uow.get(Program, program_id)
        _check_parties(uow, agreement)
        _acting_party(actor, [*agreement["enterprises"], *agreement["societies"]])
        alliance = Alliance.draft(program_id=program_id, agreement=agreement, actor=actor)
        uow.add(alliance)
        return alliance.id

    return command


def revise(alliance_id: UUID, agreement: dict[str, Any], actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        alliance = uow.get(Alliance, alliance_id)
        _acting_party(actor, alliance.parties())
        _check_parties(uow, agreement)
        alliance.revise(agreement=agreement, actor=actor)
        return alliance_id

    return command


def sign(alliance_id: UUID, party_id: UUID, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        alliance = uow.get(Alliance, alliance_id)
        if actor.role == "member" and actor.organisation_id != str(party_id):
            raise DomainError("只能代表本单位签署 (sign for your own organisation)", code="not_a_party")
        alliance.sign(party_id=party_id, actor=actor)
        return alliance_id

    return command


def submit(alliance_id: UUID, now: datetime, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        alliance = uow.get(Alliance, alliance_id)
        _acting_party(actor, alliance.parties())
        alliance.submit(program_open=uow.get(Program, alliance.program_id).is_open(now), actor=actor)
        return alliance_id

    return command


def screen(alliance_id: UUID, decision: str, reasons: str, actor: Actor) -> Command:
    """The eligibility report is computed from the parties' records at this moment."""

    def command(uow: UnitOfWork) -> dict[str, Any]:
        alliance = uow.get(Alliance, alliance_id)
        agreement = alliance.agreement
        report = eligibility_report(
            agreement, [uow.get(Organisation, UUID(i)) for i in agreement["enterprises"]],
            [uow.get(Organisation, UUID(i)) for i in agreement["societies"]])
        alliance.screen(decision=decision, reasons=reasons, eligibility=report, actor=actor)
        return report

    return command


def assign_reviewers(alliance_id: UUID, reviewer_ids: list[UUID], actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        alliance = uow.get(Alliance, alliance_id)
        for reviewer_id in reviewer_ids:
            account = uow.find(Account, reviewer_id)
            if account is None or account.role != "reviewer" or account.status != "active":
                raise InvalidValue(f"{reviewer_id} 不是评审专家账号 (not a reviewer account)", field="reviewer_ids")
            alliance.assign_reviewer(reviewer_id=reviewer_id, affiliation=account.affiliation_organisation_id,
                                     actor=actor)
        return alliance_id

    return command


def rank(program_id: UUID, alliance_ids: list[UUID], actor: Actor) -> Command:
    """Close review: rank the program's reviewed alliances by final score."""

    def command(uow: UnitOfWork) -> list[dict[str, Any]]:
        program = uow.get(Program, program_id)
        if program.ranked:
            raise DomainError("评审已结束 (review already closed)", code="already_ranked")
        candidates = []
        for alliance_id in alliance_ids:
            alliance = uow.get(Alliance, alliance_id)
            if alliance.program_id != program.id or alliance.status != "under_review":
                continue
            disciplines = len({uow.get(Organisation, UUID(s)).sector for s in alliance.agreement["societies"]}
                              | {uow.get(Organisation, UUID(e)).sector for e in alliance.agreement["enterprises"]})
            candidates.append((alliance, alliance.score(program.priority_sectors, disciplines)))
        candidates.sort(key=lambda c: (c[1]["final"] is None, -(c[1]["final"] or 0)))
        ranking = []
        for place, (alliance, score) in enumerate(candidates, start=1):
            alliance.conclude_review(score=score, pass_score=program.pass_score, rank=place, actor=actor)
            ranking.append({"rank": place, "alliance_id": str(alliance.id), "title": alliance.agreement["title"],
                            **score, "recommended": alliance.status == "recommended"})
        program.close_review(ranking=ranking, actor=actor)
        return ranking

    return command


def start_notice(alliance_id: UUID, now: datetime, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        alliance = uow.get(Alliance, alliance_id)
        alliance.start_notice(now=now, notice_days=uow.get(Program, alliance.program_id).notice_days, actor=actor)
        return alliance_id

    return command


def raise_objection(alliance_id: UUID, grounds: str, contact: str | None, now: datetime, actor: Actor) -> Command:
    objection_id = str(uuid4())

    def command(uow: UnitOfWork) -> str:
        uow.get(Alliance, alliance_id).object(objection_id=objection_id, grounds=grounds, contact=contact, now=now,
                                              actor=actor)
        return objection_id

    return command


def approve(alliance_id: UUID, granted_fen: int, now: datetime, actor: Actor) -> Command:
    """批准立项: the program grants the money in the same transaction, so the
    granted total can never pass the budget, however many approve at once."""

    def command(uow: UnitOfWork) -> UUID:
        alliance = uow.get(Alliance, alliance_id)
        program = uow.get(Program, alliance.program_id)
        alliance.approve(granted_fen=granted_fen, now=now, actor=actor)
        program.grant(alliance_id=alliance_id, amount_fen=granted_fen, actor=actor)
        return alliance_id

    return command


def terminate(alliance_id: UUID, reason: str, recover_fen: int, actor: Actor) -> Command:
    """终止: what was granted but not paid, and what is recovered, return to the budget."""

    def command(uow: UnitOfWork) -> UUID:
        alliance = uow.get(Alliance, alliance_id)
        program = uow.get(Program, alliance.program_id)
        unpaid = alliance.granted_fen - alliance.paid_fen
        alliance.terminate(reason=reason, recover_fen=recover_fen, actor=actor)
        program.release(alliance_id=alliance_id, amount_fen=unpaid + recover_fen, actor=actor,
                        reason=f"联盟终止 (alliance terminated): {reason}")
        return alliance_id

    return command


def request_amendment(alliance_id: UUID, changes: dict[str, Any], reason: str, actor: Actor) -> Command:
    amendment_id = str(uuid4())

    def command(uow: UnitOfWork) -> str:
        alliance = uow.get(Alliance, alliance_id)
        _acting_party(actor, alliance.parties())
        alliance.request_amendment(amendment_id=amendment_id, changes=changes, reason=reason, actor=actor)
        return amendment_id

    return command


def file_report(alliance_id: UUID, fields: dict[str, Any], actor: Actor) -> Command:
    report_id = str(uuid4())

    def command(uow: UnitOfWork) -> str:
        alliance = uow.get(Alliance, alliance_id)
        _acting_party(actor, alliance.parties())
        return alliance.file_report(report_id=report_id, actor=actor, **fields)

    return command
