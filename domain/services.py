"""Enterprise services (企业服务, seed 001 "落实完善服务企业长效机制"; DOMAIN.md "Service ledger").

Service units (处室/直属单位) have staff accounts as members and are hooked (挂钩) to
organisations, singly or by a rule (every member in a library, growth stage or
sector), each hook-up with a start and an optional end. Units visit their hooked
organisations at least once a quarter and hold forums (恳谈会) with several of them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.errors import DomainError, InvalidValue
from domain.model import Entity
from domain.values import Actor

VISIT_KINDS = {"visit": "走访", "forum": "恳谈会"}
RULE_KEYS = ("library", "growth_stage", "sector")


class ServiceRefusal(DomainError):
    """A service rule said no; `code` names which."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message, code=code, field=field)


def required_text(value: str | None, field: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidValue(f"须填写{what} ({field} is required)", field=field)
    return text


def add_working_days(start: date, days: int) -> date:
    """`days` working days after `start`, weekends skipped. Chinese public holidays (and the
    weekend days worked in their place, 调休) are not known to the platform and count as
    ordinary days: a due date may fall inside a holiday."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def quarter_of(text: str) -> tuple[date, date]:
    """`YYYY-Qn` as its first and last day."""
    try:
        year, q = text.split("-Q")
        y, n = int(year), int(q)
        if not (1 <= n <= 4 and 2000 <= y <= 2100 and len(year) == 4):
            raise ValueError(text)
    except ValueError:
        raise InvalidValue("季度格式应为 YYYY-Qn，如 2026-Q3 (quarter as YYYY-Qn)", field="quarter") from None
    first = date(y, 3 * n - 2, 1)
    last = date(y + 1, 1, 1) if n == 4 else date(y, 3 * n + 1, 1)
    return first, last - timedelta(days=1)


def _ids(values: list[Any], field: str) -> list[str]:
    seen: list[str] = []
    for v in values:
        if str(v) not in seen:
            seen.append(str(v))
    if not seen:
        raise InvalidValue("至少选择一家单位 (at least one organisation)", field=field)
    return seen


class ServiceUnit(Entity):
    LABEL = "服务处室"

    @classmethod
    def create(cls, *, name: str, actor: Actor) -> ServiceUnit:
        return cls(name=required_text(name, "name", "处室名称"), actor=actor)

    @event("Created")
    def __init__(self, name: str, actor: Actor, reason: str | None = None):
        self.name = name
        self.staff: list[str] = []
        self.hookups: list[dict[str, Any]] = []

    def add_staff(self, *, account_id: UUID, actor: Actor, reason: str | None = None) -> None:
        if str(account_id) in self.staff:
            raise ServiceRefusal("already_in_unit", "该账号已在本处室 (already a member of the unit)", "account_id")
        self._staff_added(account_id=str(account_id), actor=actor, reason=reason)

    @event("StaffAdded")
    def _staff_added(self, account_id: str, actor: Actor, reason: str | None) -> None:
        self.staff = [*self.staff, account_id]

    def hook_up(self, *, organisation_ids: list[UUID] | None, rule: dict[str, str] | None, starts_on: date,
                ends_on: date | None, actor: Actor, reason: str | None = None) -> str:
        """挂钩: explicit organisations or a rule (library / growth stage / sector), never neither."""
        rule = {k: v for k, v in (rule or {}).items() if v}
        if bool(organisation_ids) == bool(rule):
            raise InvalidValue("须指定挂钩单位或挂钩规则之一 (organisations or a rule, one of them)",
                               field="organisation_ids")
        if set(rule) - set(RULE_KEYS):
            raise InvalidValue("规则只能按 library、growth_stage、sector (rule keys)", field="rule")
        if ends_on is not None and ends_on < starts_on:
            raise InvalidValue("结束日期不能早于开始日期 (ends_on before starts_on)", field="ends_on")
        hookup_id = str(uuid4())
        self._hooked_up(hookup_id=hookup_id, organisation_ids=_ids(organisation_ids, "organisation_ids")
                        if organisation_ids else [], rule=rule or None, starts_on=starts_on, ends_on=ends_on,
                        actor=actor, reason=reason)
        return hookup_id

    @event("HookedUp")
    def _hooked_up(self, hookup_id: str, organisation_ids: list[str], rule: dict[str, str] | None, starts_on: date,
                   ends_on: date | None, actor: Actor, reason: str | None) -> None:
        self.hookups = [*self.hookups, {"id": hookup_id, "organisation_ids": organisation_ids, "rule": rule,
                                        "starts_on": starts_on, "ends_on": ends_on}]

    def end_hookup(self, *, hookup_id: str, ends_on: date, actor: Actor, reason: str | None = None) -> None:
        """结束挂钩 on a day (kept in the history: coverage of earlier quarters still shows it)."""
        found = next((h for h in self.hookups if h["id"] == hookup_id), None)
        if found is None:
            raise ServiceRefusal("not_found", "挂钩关系不存在 (no such hook-up)", "hookup_id")
        if ends_on < found["starts_on"]:
            raise InvalidValue("结束日期不能早于开始日期 (ends_on before starts_on)", field="ends_on")
        self._hookup_ended(hookup_id=hookup_id, organisation_ids=found["organisation_ids"], ends_on=ends_on,
                           actor=actor, reason=reason)

    @event("HookupEnded")
    def _hookup_ended(self, hookup_id: str, organisation_ids: list[str], ends_on: date, actor: Actor,
                      reason: str | None) -> None:
        self.hookups = [{**h, "ends_on": ends_on} if h["id"] == hookup_id else h for h in self.hookups]


class Visit(Entity):
    """A visit (走访) or a forum (恳谈会) by a unit: who went, whom, what was found, what follows."""

    LABEL = "走访"

    @classmethod
    def record(cls, *, kind: str, unit_id: UUID, visited_on: date, organisation_ids: list[UUID],
               visitors: list[UUID], findings: str, follow_ups: list[str], today: date, actor: Actor) -> Visit:
        if kind not in VISIT_KINDS:
            raise InvalidValue("类型只能是 visit 或 forum (kind)", field="kind")
        if visited_on > today:
            raise InvalidValue("走访日期不能在将来 (visited_on in the future)", field="visited_on")
        orgs = _ids(organisation_ids, "organisation_ids")
        if not visitors:
            raise InvalidValue("至少一名走访人员 (at least one visitor)", field="visitors")
        return cls(kind=kind, unit_id=str(unit_id), visited_on=visited_on, organisation_ids=orgs,
                   visitors=[str(v) for v in visitors], findings=required_text(findings, "findings", "走访情况"),
                   follow_ups=[f.strip() for f in follow_ups if f.strip()], actor=actor)

    @event("Recorded")
    def __init__(self, kind: str, unit_id: str, visited_on: date, organisation_ids: list[str], visitors: list[str],
                 findings: str, follow_ups: list[str], actor: Actor, reason: str | None = None):
        self.kind = kind
        self.unit_id = unit_id
        self.visited_on = visited_on
        self.organisation_ids = organisation_ids
        self.visitors = visitors
        self.findings = findings
        self.follow_ups = follow_ups
