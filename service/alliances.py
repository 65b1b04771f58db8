"""Alliance programme use cases: each returns a command for the writer.

Parties need not be members (seed 002 never asks it): any organisation
registered on the platform can be an enterprise or society party, and its own
account (role `member`, bound to it) acts and signs for it whatever its
membership status — applied, admitted, rejected or never applied. Membership
is recorded on the eligibility report, not required. The one exception is the
platform-wide rule of issue 11: an organisation whose membership the
association suspended or ended (suspended, withdrawn, lapsed) keeps read-only
accounts, here as everywhere (403 organisation_not_active); staff still act.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from domain.accounts import Account
from domain.alliance_review import is_recommended, ordered, priorities_met, score
from domain.alliances import Alliance, Program
from domain.eligibility import eligibility_report
from domain.errors import DomainError, InvalidValue, NotFound
from domain.organisations import Organisation
from domain.values import Actor
from projections.personal import is_sealed, person_of
from service.membership import require_active
from service.personal import EXPERT, INSPECTOR, OBJECTOR, PLAN_STAFF, seal_in
from service.writer import Command, UnitOfWork, on_aggregate

ENTERPRISE_KINDS = ("enterprise",)
SOCIETY_KINDS = ("society", "university_association")
# Issue 11: accounts of these organisations are read-only everywhere, alliances included.


def open_program(fields: dict[str, Any], actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        program = Program.open_call(actor=actor, **fields)
        uow.add(program)
        return program.id

    return command


def change_program_settings(program_id: UUID, changes: dict[str, Any], reason: str | None, actor: Actor) -> Command:
    return on_aggregate(Program, program_id, lambda p: p.change_settings(changes=changes, actor=actor,
                                                                         reason=reason))


def on_alliance(alliance_id: UUID, change: Callable[[Alliance], Any]) -> Command:
    return on_aggregate(Alliance, alliance_id, change)


# -- who may act ----------------------------------------------------------------------------------
def require_party_standing(uow: UnitOfWork, actor: Actor) -> None:
    """An organisation's account acts in alliance matters unless its accounts are
    read-only (suspended, withdrawn, lapsed). Membership is not required (seed 002)."""
    require_active(uow, actor)


def _check_parties(uow: UnitOfWork, agreement: dict[str, Any]) -> None:
    """Every party is an organisation on the platform of the right kind; members or not."""
    for field, ids, kinds in (("enterprises", agreement["enterprises"], ENTERPRISE_KINDS),
                              ("societies", agreement["societies"], SOCIETY_KINDS)):
        for party in ids:
            org = uow.find(Organisation, UUID(str(party)))
            if org is None:
                raise NotFound(f"单位 {party} 不存在 (no such organisation)", field=field)
            if org.kind not in kinds:
                raise InvalidValue(f"{org.name} 的单位类型 {org.kind} 不能作为{field} (wrong kind of party)",
                                   field=field)


def _acting_party(actor: Actor, alliance_parties: list[str]) -> None:
    """An organisation's account acts only for an organisation that is a party."""
    if actor.role == "member" and actor.organisation_id not in alliance_parties:
        raise DomainError("只有联盟各方可以操作 (only the parties may do this)", code="not_a_party")


# -- drafting, declaring, signing, submitting -----------------------------------------------------
def _sealed_team(uow: UnitOfWork, agreement: dict[str, Any], current: list[Any],
                 field: str = "expert_team") -> dict[str, Any]:
    """The expert team's names, titles and employers sealed, each expert as a person of the
    society sending them; an expert already on the team may keep their `person_id`."""
    if not agreement.get("expert_team"):
        return agreement
    known = {person_of(e) for e in current if is_sealed(e)}
    team = []
    for i, expert in enumerate(agreement["expert_team"]):
        person_id = str(expert["person_id"]) if expert.get("person_id") else None
        if person_id is not None and person_id not in known:
            raise InvalidValue("不是本联盟专家团队的人员 (not an expert of this alliance's team)",
                               field=f"{field}[{i}].person_id")
        record = {k: v for k, v in expert.items() if k != "person_id"}
        society = record.get("society_id") or agreement.get("lead_society_id")
        team.append(seal_in(uow, EXPERT, record, scope=society, person_id=person_id,
                            field=f"{field}[{i}].person_id"))
    return {**agreement, "expert_team": team}


def draft(program_id: UUID, agreement: dict[str, Any], actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        require_party_standing(uow, actor)
        uow.get(Program, program_id)
        _check_parties(uow, agreement)
        _acting_party(actor, [str(p) for p in [*agreement["enterprises"], *agreement["societies"]]])
        alliance = Alliance.draft(program_id=program_id, agreement=_sealed_team(uow, agreement, []), actor=actor)
        uow.add(alliance)
        return alliance.id

    return command


def revise(alliance_id: UUID, agreement: dict[str, Any], actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        require_party_standing(uow, actor)
        alliance = uow.get(Alliance, alliance_id)
        _acting_party(actor, alliance.parties())
        _check_parties(uow, agreement)
        alliance.revise(agreement=_sealed_team(uow, agreement, alliance.agreement.expert_team),
                        actor=actor)
        return alliance_id

    return command


def declare(alliance_id: UUID, party_id: UUID | None, declaration: dict[str, Any], actor: Actor) -> Command:
    """申报声明 of one party: its own account declares for it; staff enter a paper
    declaration naming the party."""

    def command(uow: UnitOfWork) -> UUID:
        require_party_standing(uow, actor)
        alliance = uow.get(Alliance, alliance_id)
        party = party_id
        if actor.role == "member":
            if party is not None and str(party) != actor.organisation_id:
                raise DomainError("只能代表本单位申报 (declare for your own organisation)", code="not_a_party")
            party = UUID(str(actor.organisation_id))
        if party is None:
            raise InvalidValue("须指明申报的一方 (party_id is required)", field="party_id")
        declared = dict(declaration)
        if declared.get("responsible_staff"):  # the plan's named staff are persons of the declaring society
            declared["responsible_staff"] = [seal_in(uow, PLAN_STAFF, {"name": name}, scope=party)
                                             for name in declared["responsible_staff"]]
        alliance.declare(party_id=party, declaration=declared, actor=actor)
        return alliance_id

    return command


def _paper_date(actor: Actor, day: date | None, field: str) -> None:
    """A date before today is for a paper document the secretariat enters later, not for a
    party acting online (whose act is dated the day it is recorded)."""
    if day is not None and actor.role != "staff":
        raise InvalidValue("只有秘书处补录纸质材料时可填写日期 (only staff enter a paper document's date)",
                           field=field)


def sign(alliance_id: UUID, party_id: UUID, actor: Actor, signed_on: date | None = None,
         today: date | None = None) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        require_party_standing(uow, actor)
        alliance = uow.get(Alliance, alliance_id)
        if actor.role == "member" and actor.organisation_id != str(party_id):
            raise DomainError("只能代表本单位签署 (sign for your own organisation)", code="not_a_party")
        _paper_date(actor, signed_on, "signed_on")
        alliance.sign(party_id=party_id, actor=actor, signed_on=signed_on, today=today)
        return alliance_id

    return command


def submit(alliance_id: UUID, now: datetime, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        require_party_standing(uow, actor)
        alliance = uow.get(Alliance, alliance_id)
        _acting_party(actor, alliance.parties())
        alliance.submit(program_open=uow.get(Program, alliance.program_id).is_open(now), actor=actor)
        return alliance_id

    return command


def declare_attributes(org_id: UUID, attributes: dict[str, str], evidence: str, effective_on: date,
                       reason: str | None, actor: Actor) -> Command:
    """申报属性 of an organisation (legal form, 企业科协, affiliation): staff, or the
    organisation's own account, member or not."""

    def command(uow: UnitOfWork) -> UUID:
        require_party_standing(uow, actor)
        if actor.role == "member" and actor.organisation_id != str(org_id):
            raise DomainError("只能申报本单位的属性 (your own organisation only)", code="not_your_organisation")
        uow.get(Organisation, org_id).declare_attributes(attributes=attributes, evidence=evidence,
                                                         effective_on=effective_on, actor=actor, reason=reason)
        return org_id

    return command


# -- screening -----------------------------------------------------------------------------------
def _report(uow: UnitOfWork, alliance: Alliance, agreement: dict[str, Any], today: date) -> dict[str, Any]:
    """The eligibility report computed from the parties' records at this moment."""
    return eligibility_report(
        agreement, alliance.declarations,
        [uow.get(Organisation, UUID(i)) for i in agreement["enterprises"]],
        [uow.get(Organisation, UUID(i)) for i in agreement["societies"]], today)


def screen(alliance_id: UUID, decision: str, reasons: str, override: str | None, today: date,
           actor: Actor) -> Command:
    """科协把关: passing a failed report needs `override` (409 not_eligible without it)."""

    def command(uow: UnitOfWork) -> dict[str, Any]:
        alliance = uow.get(Alliance, alliance_id)
        report = _report(uow, alliance, alliance.agreement, today)
        alliance.screen(decision=decision, reasons=reasons, eligibility=report, override=override, actor=actor)
        return report

    return command


# -- review and ranking ----------------------------------------------------------------------------
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


def review(alliance_id: UUID, reviewer_id: UUID, scores: dict[str, float], recommend: bool, comment: str,
           actor: Actor) -> Command:
    """专家评审 on the criteria the alliance's programme sets."""

    def command(uow: UnitOfWork) -> UUID:
        alliance = uow.get(Alliance, alliance_id)
        criteria = uow.get(Program, alliance.program_id).settings["criteria"]
        alliance.review(reviewer_id=reviewer_id, scores=scores, recommend=recommend, comment=comment,
                        criteria=criteria, actor=actor)
        return alliance_id

    return command


def rank(program_id: UUID, alliance_ids: list[UUID], actor: Actor) -> Command:
    """One round of ranking: every reviewed alliance of the programme still under
    review, by the programme's settings. A later round ranks those screened later."""

    def command(uow: UnitOfWork) -> dict[str, Any]:
        program = uow.get(Program, program_id)
        settings = program.settings
        entries, alliances, pending = [], {}, []
        for alliance_id in alliance_ids:
            alliance = uow.get(Alliance, alliance_id)
            if alliance.program_id != program.id or alliance.status != "under_review":
                continue
            reviews = alliance.reviews()
            complete = alliance.reviews(settings["criteria"])
            if not reviews or len(complete) != len(reviews):
                pending.append({"alliance_id": str(alliance.id), "reason": "尚无完整评审 (no complete review yet)"})
                continue
            result = score(complete, settings, priorities_met(alliance.agreement, program.priority_sectors))
            entries.append({"alliance_id": str(alliance.id), "title": alliance.agreement.title,
                            "sector": alliance.agreement.sector, **result,
                            "reviewers_assigned": len(alliance.reviewers),
                            "recommended": is_recommended(result, program.pass_score)})
            alliances[str(alliance.id)] = alliance
        entries = ordered(entries, settings["tie_breakers"])
        round_ = program.rounds + 1
        program.record_ranking(entries=entries, actor=actor)
        for entry in entries:
            alliances[entry["alliance_id"]].conclude_review(score=entry, recommended=entry["recommended"],
                                                            rank=entry["rank"], round=round_, actor=actor)
        return {"round": round_, "ranked": [e["alliance_id"] for e in entries], "pending": pending,
                "ranking": program.ranking}

    return command


# -- notice, approval, money -----------------------------------------------------------------------
def start_notice(alliance_id: UUID, now: datetime, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        alliance = uow.get(Alliance, alliance_id)
        alliance.start_notice(now=now, notice_days=uow.get(Program, alliance.program_id).notice_days, actor=actor)
        return alliance_id

    return command


def raise_objection(alliance_id: UUID, grounds: str, contact: str | None, now: datetime, actor: Actor) -> Command:
    objection_id = str(uuid4())

    def command(uow: UnitOfWork) -> str:
        sealed = seal_in(uow, OBJECTOR, {"contact": contact}, scope=None) if contact else None
        uow.get(Alliance, alliance_id).object(objection_id=objection_id, grounds=grounds, contact=sealed, now=now,
                                              actor=actor)
        return objection_id

    return command


def approve(alliance_id: UUID, granted_fen: int, now: datetime, actor: Actor, approved_on: date | None = None,
            ) -> Command:
    """批准立项: the program grants the money in the same transaction, so the
    granted total can never pass the budget, however many approve at once."""

    def command(uow: UnitOfWork) -> UUID:
        alliance = uow.get(Alliance, alliance_id)
        program = uow.get(Program, alliance.program_id)
        alliance.approve(granted_fen=granted_fen, now=now, actor=actor, approved_on=approved_on)
        program.grant(alliance_id=alliance_id, amount_fen=granted_fen, actor=actor)
        return alliance_id

    return command


def terminate(alliance_id: UUID, reason: str, recover_fen: int, actor: Actor, today: date | None = None,
              effective_on: date | None = None) -> Command:
    """终止: what was granted but not paid, and what is recovered, return to the budget."""

    def command(uow: UnitOfWork) -> UUID:
        alliance = uow.get(Alliance, alliance_id)
        program = uow.get(Program, alliance.program_id)
        unpaid = alliance.granted_fen - alliance.paid_fen
        alliance.terminate(reason=reason, recover_fen=recover_fen, actor=actor, today=today,
                           effective_on=effective_on)
        program.release(alliance_id=alliance_id, amount_fen=unpaid + recover_fen, actor=actor,
                        reason=f"联盟终止 (alliance terminated): {reason}")
        return alliance_id

    return command


def inspect(alliance_id: UUID, fields: dict[str, Any], actor: Actor) -> Command:
    """检查评估: the inspectors' names are sealed (persons of no organisation)."""
    inspection_id = str(uuid4())

    def command(uow: UnitOfWork) -> str:
        inspectors = [seal_in(uow, INSPECTOR, {"name": name}, scope=None) for name in fields["inspectors"]]
        uow.get(Alliance, alliance_id).inspect(inspection_id=inspection_id, actor=actor,
                                               **{**fields, "inspectors": inspectors})
        return inspection_id

    return command


# -- amendments ---------------------------------------------------------------------------------
def request_amendment(alliance_id: UUID, changes: dict[str, Any], reason: str, actor: Actor) -> Command:
    amendment_id = str(uuid4())

    def command(uow: UnitOfWork) -> str:
        require_party_standing(uow, actor)
        alliance = uow.get(Alliance, alliance_id)
        _acting_party(actor, alliance.parties())
        if {"enterprises", "societies"} & set(changes):
            _check_parties(uow, {"enterprises": alliance.agreement.enterprises,
                                 "societies": alliance.agreement.societies, **changes})
        requested = dict(changes)
        if "expert_team" in requested:
            lead = requested.get("lead_society_id") or alliance.agreement.lead_society_id
            sealed = _sealed_team(uow, {"lead_society_id": lead, "expert_team": requested["expert_team"]},
                                  alliance.agreement.expert_team, field="changes.expert_team")
            requested["expert_team"] = sealed["expert_team"]
        alliance.request_amendment(amendment_id=amendment_id, changes=requested, reason=reason, actor=actor)
        return amendment_id

    return command


def sign_amendment(alliance_id: UUID, amendment_id: str, actor: Actor) -> Command:
    """A party of the amended agreement (old or new) signs a change of parties."""

    def command(uow: UnitOfWork) -> UUID:
        require_party_standing(uow, actor)
        alliance = uow.get(Alliance, alliance_id)
        if actor.organisation_id is None:
            raise DomainError("只能代表本单位签署 (sign for your own organisation)", code="not_a_party")
        alliance.sign_amendment(amendment_id=amendment_id, party_id=UUID(actor.organisation_id), actor=actor)
        return alliance_id

    return command


def screen_amendment(alliance_id: UUID, amendment_id: str, decision: str, reasons: str, override: str | None,
                     today: date, actor: Actor) -> Command:
    """A change of parties is screened again, on the amended agreement's parties."""

    def command(uow: UnitOfWork) -> dict[str, Any]:
        alliance = uow.get(Alliance, alliance_id)
        agreement = alliance.amended_agreement(amendment_id)
        _check_parties(uow, agreement)
        report = _report(uow, alliance, agreement, today)
        alliance.screen_amendment(amendment_id=amendment_id, decision=decision, reasons=reasons, eligibility=report,
                                  override=override, actor=actor)
        return report

    return command


def decide_amendment(alliance_id: UUID, amendment_id: str, approve: bool, reason: str, actor: Actor) -> Command:
    """审批变更: a change of parties needs every signature and a passed new screening."""
    return on_alliance(alliance_id, lambda a: a.decide_amendment(amendment_id=amendment_id, approve=approve,
                                                                 reason=reason, actor=actor))


# -- reports -------------------------------------------------------------------------------------
def file_report(alliance_id: UUID, fields: dict[str, Any], actor: Actor, received_on: date | None = None,
                today: date | None = None) -> Command:
    report_id = str(uuid4())

    def command(uow: UnitOfWork) -> str:
        require_party_standing(uow, actor)
        alliance = uow.get(Alliance, alliance_id)
        _acting_party(actor, alliance.parties())
        _paper_date(actor, received_on, "received_on")
        given = {k: v for k, v in fields.items() if k != "received_on"}  # the day comes as a date, on its own
        return alliance.file_report(report_id=report_id, actor=actor, received_on=received_on, today=today, **given)

    return command


def flag_overdue_reports(alliance_id: UUID, today: date, actor: Actor) -> Command:
    """报告逾期 by the deadlines the alliance's programme sets (none set: nothing is due)."""

    def command(uow: UnitOfWork) -> int:
        alliance = uow.get(Alliance, alliance_id)
        settings = uow.get(Program, alliance.program_id).settings
        return alliance.flag_overdue_reports(today=today, actor=actor,
                                             annual_due_days=settings["annual_report_due_days"],
                                             completion_due_days=settings["completion_report_due_days"])

    return command


# -- single-aggregate use cases, named (the API and the pages call the same ones) ----------------
def declare_no_conflict(alliance_id: UUID, statement: str | None, actor: Actor) -> Command:
    """无利益冲突声明 by the reviewer acting."""
    return on_alliance(alliance_id, lambda a: a.declare_no_conflict(
        reviewer_id=UUID(actor.id), statement=statement, actor=actor))


def resolve_objection(alliance_id: UUID, objection_id: str, outcome: str, reason: str, actor: Actor) -> Command:
    """处理异议: upheld stops the alliance (not_approved)."""
    return on_alliance(alliance_id, lambda a: a.resolve_objection(
        objection_id=objection_id, outcome=outcome, reason=reason, actor=actor))


def pay(alliance_id: UUID, amount_fen: int, paid_on: date, actor: Actor) -> Command:
    """拨付: a tranche of the grant."""
    return on_alliance(alliance_id, lambda a: a.pay(amount_fen=amount_fen, paid_on=paid_on, actor=actor))


def judge_report(alliance_id: UUID, report_id: str, *, accept: bool, comment: str | None, actor: Actor) -> Command:
    """通过报告, or 退回修改 with the reasons."""
    return on_alliance(alliance_id, lambda a: a.judge_report(report_id=report_id, accept=accept, comment=comment,
                                                             actor=actor))


def close_rectification(alliance_id: UUID, inspection_id: str, note: str, actor: Actor) -> Command:
    """整改完成."""
    return on_alliance(alliance_id, lambda a: a.close_rectification(inspection_id=inspection_id, note=note,
                                                                    actor=actor))


def conclude(alliance_id: UUID, grade: str, actor: Actor, today: date | None = None,
             concluded_on: date | None = None) -> Command:
    """结题, with a grade."""
    return on_alliance(alliance_id, lambda a: a.conclude(grade=grade, actor=actor, today=today,
                                                         concluded_on=concluded_on))


def correct_date(alliance_id: UUID, what: str, on: date, today: date, reason: str, actor: Actor) -> Command:
    """更正生效日期 of an approval, a termination or a conclusion (an event of its own)."""
    return on_alliance(alliance_id, lambda a: a.correct_date(what=what, on=on, today=today, actor=actor,
                                                             reason=reason))


def flag_overdue_rectifications(alliance_id: UUID, today: date, actor: Actor) -> Command:
    """整改逾期: each open rectification past its deadline, flagged once."""
    return on_alliance(alliance_id, lambda a: a.flag_overdue_rectifications(today=today, actor=actor))

