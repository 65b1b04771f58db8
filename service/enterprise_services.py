"""Enterprise-service use cases (企业服务): units, hook-ups, visits, the request ledger,
surveys and check-ups. Each returns a command for the writer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from domain.accounts import Account
from domain.errors import InvalidValue, NotFound
from domain.organisations import Organisation
from domain.services import VISIT_KINDS, ServiceRefusal, ServiceUnit, Visit
from domain.services_requests import ServiceRequest
from domain.services_surveys import Checkup, CheckupAppointment, NotAppointed, Survey, appointment_id
from domain.values import Actor
from service.membership import require_active
from service.writer import Command, UnitOfWork, on_aggregate


def _organisations(uow: UnitOfWork, ids: list[UUID], field: str = "organisation_ids") -> None:
    for org_id in ids:
        if uow.find(Organisation, org_id) is None:
            raise NotFound(f"单位 {org_id} 不存在 (no such organisation)", field=field)


def _staff_account(uow: UnitOfWork, account_id: UUID, field: str) -> None:
    account = uow.find(Account, account_id)
    if account is None or account.role != "staff" or account.status != "active":
        raise NotFound(f"工作人员账号 {account_id} 不存在 (no such staff account)", field=field)


# -- units and hook-ups ----------------------------------------------------------------------
def create_unit(name: str, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        unit = ServiceUnit.create(name=name, actor=actor)
        uow.add(unit)
        return unit.id

    return command


def add_staff(unit_id: UUID, account_id: UUID, actor: Actor) -> Command:
    """处室成员: a staff account joins the unit."""

    def command(uow: UnitOfWork) -> None:
        unit = uow.get(ServiceUnit, unit_id)
        _staff_account(uow, account_id, "account_id")
        unit.add_staff(account_id=account_id, actor=actor)

    return command


def hook_up(unit_id: UUID, organisation_ids: list[UUID] | None, rule: dict[str, str] | None, starts_on: date,
            ends_on: date | None, actor: Actor, reason: str | None = None) -> Command:
    """挂钩: explicit organisations (each must exist) or a rule resolved when coverage is read."""

    def command(uow: UnitOfWork) -> str:
        unit = uow.get(ServiceUnit, unit_id)
        _organisations(uow, organisation_ids or [])
        return unit.hook_up(organisation_ids=organisation_ids, rule=rule, starts_on=starts_on, ends_on=ends_on,
                            actor=actor, reason=reason)

    return command


def end_hookup(unit_id: UUID, hookup_id: str, ends_on: date, actor: Actor, reason: str | None) -> Command:
    return on_aggregate(ServiceUnit, unit_id, lambda u: u.end_hookup(hookup_id=hookup_id, ends_on=ends_on,
                                                                    actor=actor, reason=reason))


# -- visits and forums ---------------------------------------------------------------------
def record_visit(fields: dict[str, Any], today: date, actor: Actor) -> Command:
    """走访 / 恳谈会 by a unit: the visitors are staff accounts, the organisations must exist."""

    def command(uow: UnitOfWork) -> UUID:
        uow.get(ServiceUnit, fields["unit_id"])
        _organisations(uow, fields["organisation_ids"])
        for visitor in fields["visitors"]:
            _staff_account(uow, visitor, "visitors")
        visit = Visit.record(today=today, actor=actor, **fields)
        uow.add(visit)
        return visit.id

    return command


# -- the request ledger --------------------------------------------------------------------
def _from_visit(uow: UnitOfWork, fields: dict[str, Any]) -> dict[str, Any]:
    """A request entered from a visit or forum names it: the organisation was there, the channel is
    the visit's kind, and it was received that day unless said otherwise."""
    visit_id = fields.pop("visit_id", None)
    if visit_id is None:
        return fields
    visit = uow.get(Visit, visit_id)
    if str(fields["organisation_id"]) not in visit.organisation_ids:
        raise InvalidValue("该单位不在这次走访中 (the organisation was not visited then)", field="visit_id")
    if fields.get("channel") != visit.kind:
        raise InvalidValue(f"来自{VISIT_KINDS[visit.kind]}的诉求，渠道应为 {visit.kind} (channel)", field="channel")
    return {**fields, "received_on": fields.get("received_on") or visit.visited_on, "source_id": str(visit.id)}


def raise_request(fields: dict[str, Any], today: date, actor: Actor) -> Command:
    """提出诉求: by the organisation's own account (online, while it is active) or by staff, perhaps
    from a visit or forum (`visit_id`)."""

    def command(uow: UnitOfWork) -> dict[str, Any]:
        org = uow.find(Organisation, fields["organisation_id"])
        if org is None:
            raise NotFound("单位不存在 (no such organisation)", field="organisation_id")
        require_active(uow, actor, org)
        given = _from_visit(uow, dict(fields))
        request = ServiceRequest.raise_request(today=today, actor=actor, **{
            **given, "received_on": given.get("received_on") or today})
        uow.add(request)
        return {"id": request.id, "due_on": request.due_on}

    return command


def assign(request_id: UUID, unit_id: UUID, owner_id: UUID, due_on: date | None, actor: Actor,
           reason: str | None) -> Command:
    """交办: the owner must be one of the unit's staff."""

    def command(uow: UnitOfWork) -> None:
        request = uow.get(ServiceRequest, request_id)
        unit = uow.get(ServiceUnit, unit_id)
        if str(owner_id) not in unit.staff:
            raise ServiceRefusal("owner_not_in_unit", "责任人须为该处室工作人员 (the owner is not in the unit)",
                                 "owner_id")
        request.assign(unit_id=unit_id, owner_id=owner_id, due_on=due_on, actor=actor, reason=reason)

    return command


def on_request(request_id: UUID, change: Callable[[ServiceRequest], Any]) -> Command:
    return on_aggregate(ServiceRequest, request_id, change)


def reopen(request_id: UUID, reason: str, today: date, actor: Actor) -> Command:
    """重新办理, by the organisation itself while it is active."""

    def command(uow: UnitOfWork) -> None:
        require_active(uow, actor)
        uow.get(ServiceRequest, request_id).reopen(reason=reason, today=today, actor=actor)

    return command


# -- surveys and check-ups -----------------------------------------------------------------
def send_survey(title: str, questions: list[dict[str, Any]], organisation_ids: list[str],
                audience: dict[str, Any], today: date, actor: Actor) -> Command:
    def command(uow: UnitOfWork) -> UUID:
        _organisations(uow, [UUID(o) for o in organisation_ids])
        survey = Survey.send(title=title, questions=questions, organisation_ids=organisation_ids,
                             audience=audience, today=today, actor=actor)
        uow.add(survey)
        return survey.id

    return command


def answer_survey(survey_id: UUID, answers: dict[str, Any], actor: Actor) -> Command:
    """答卷 by the acting account's organisation."""

    def command(uow: UnitOfWork) -> None:
        require_active(uow, actor)
        uow.get(Survey, survey_id).answer(organisation_id=UUID(str(actor.organisation_id)), answers=answers,
                                          actor=actor)

    return command


def appoint_expert(organisation_id: UUID, expert_id: UUID, actor: Actor, reason: str | None) -> Command:
    """聘请体检专家: a reviewer account, once per organisation."""

    def command(uow: UnitOfWork) -> UUID:
        _organisations(uow, [organisation_id], "organisation_id")
        expert = uow.find(Account, expert_id)
        if expert is None or expert.role != "reviewer" or expert.status != "active":
            raise NotFound(f"专家账号 {expert_id} 不存在 (no such expert account)", field="expert_id")
        if uow.find(CheckupAppointment, appointment_id(organisation_id, expert_id)) is not None:
            raise ServiceRefusal("already_appointed", "该专家已受聘 (already appointed)", "expert_id")
        affiliation = expert.affiliation_organisation_id
        appointment = CheckupAppointment.appoint(organisation_id=organisation_id, expert_id=expert_id,
                                                 affiliation=str(affiliation) if affiliation else None,
                                                 actor=actor, reason=reason)
        uow.add(appointment)
        return appointment.id

    return command


def hold_checkup(fields: dict[str, Any], today: date, actor: Actor) -> Command:
    """创新体检 by staff or an appointed expert: recorded with its follow-up items, each raised in the
    ledger in the same transaction (category 创新能力提升, channel 创新体检, received that day)."""

    def command(uow: UnitOfWork) -> dict[str, Any]:
        org_id = fields["organisation_id"]
        _organisations(uow, [org_id], "organisation_id")
        if actor.role == "reviewer" and uow.find(CheckupAppointment, appointment_id(org_id, actor.id)) is None:
            raise NotAppointed("未受聘为该单位的体检专家 (not appointed for this organisation)",
                               field="organisation_id")
        follow_ups = [f.strip() for f in fields["follow_ups"] if f.strip()]
        request_ids = [uuid4() for _ in follow_ups]  # chosen first: the check-up names them
        checkup = Checkup.hold(today=today, actor=actor, request_ids=[str(i) for i in request_ids],
                               **{**fields, "follow_ups": follow_ups})
        uow.add(checkup)
        for request_id, text in zip(request_ids, follow_ups, strict=True):
            uow.add(ServiceRequest.raise_request(
                organisation_id=org_id, category="innovation", text=text, channel="checkup",
                received_on=fields["held_on"], today=today, actor=actor, source_id=str(checkup.id),
                request_id=request_id))
        return {"id": checkup.id, "request_ids": request_ids}

    return command
