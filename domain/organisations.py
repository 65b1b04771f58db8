"""Organisations and membership (DOMAIN.md "Organisations and membership").

Lifecycle: applied → admitted | rejected; admitted ⇄ suspended; admitted or
suspended → lapsed (dues unpaid after the grace period) | withdrawn; lapsed →
admitted again when staff reinstate it after the arrears are paid, or when a
wrong lapse is corrected; lapsed, withdrawn or rejected → applied again
(re-application keeps the same organisation and its history). Every change is
its own event with the actor, the reason and the day it took effect.

A re-application is only a request: the credit code is public, so anyone can
send one. The details it proposes (name, sector, address, contacts, figures)
wait beside the record as `pending_application` and take effect only when staff
admit it (`ReapplicationAdopted`); a rejection drops them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.errors import DomainError, InvalidValue
from domain.model import Entity
from domain.values import Actor, normalise_credit_code

KINDS = ("enterprise", "society", "university_association", "institute", "service_agency")
TIERS = ("member", "council", "vice_president", "president")
STATUSES = ("applied", "admitted", "suspended", "lapsed", "withdrawn", "rejected")
LIBRARIES = ("tech_sme", "high_tech", "advanced_service")
GROWTH_STAGES = ("startup_team", "tech_sme", "high_tech", "little_giant")
PROFILE_FIELDS = ("name", "sector", "address")

# Statuses from which an organisation may apply again.
REAPPLICABLE = ("lapsed", "withdrawn", "rejected")
# Statuses in which an organisation owes dues.
IN_GOOD_STANDING = ("admitted", "suspended")
# Statuses in which dues may be recorded: a lapsed member pays its arrears.
DUES_PAYABLE = (*IN_GOOD_STANDING, "lapsed")
# The only status in which a member's own accounts may change anything.
ACTIVE = "admitted"
# What a re-application proposes (and admission adopts).
APPLICATION_FIELDS = ("kind", "name", "sector", "address", "contacts", "annual_stats")

DEFAULT_GRACE_DAYS = 90

# Declared attributes (issue 15): key -> allowed values, and the kinds they apply to.
DECLARED_ATTRIBUTES = {
    "legal_form": ("legal_person", "branch"),  # 法人 / 分支机构
    "science_association": ("established", "founding", "none"),  # 企业科协：已建立 / 正在筹建 / 无
    "affiliation": ("city_society", "local_university_association", "none"),  # 市科协所属学会 / 在汉高校科协 / 无
}
ATTRIBUTE_KINDS = {"science_association": ("enterprise",),
                   "affiliation": ("society", "university_association")}


class DuesNotOverdue(DomainError):
    code = "dues_not_overdue"

    def __init__(self, year: int):
        super().__init__(f"{year} 年会费未逾期或已缴 (dues for {year} are paid or not yet overdue)")


class DuesInArrears(DomainError):
    code = "dues_in_arrears"

    def __init__(self, years: list[int], what: str):
        listed = "、".join(str(y) for y in years)
        super().__init__(f"须先补缴 {listed} 年会费，才能{what} (dues for {listed} unpaid)", field="year")
        self.years = years


class OrganisationNotActive(DomainError):
    """A member account of an organisation that is not admitted (withdrawn,
    lapsed, suspended, …) keeps read access to its own history and nothing else."""

    code = "organisation_not_active"
    status = 403

    def __init__(self, status: str | None):
        super().__init__(f"本单位会籍状态为 {status or '未知'}，只能查看本单位的记录 "
                         f"(the organisation is {status or 'unknown'}: read-only access to its own history)")
        self.organisation_status = status


def _reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise InvalidValue("须说明理由 (a reason is required)", field="reason")
    return reason.strip()


def _contacts(contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Contacts keep the id they were given; new ones get one."""
    if not contacts:
        raise InvalidValue("至少需要一位联系人 (at least one contact)", field="contacts")
    return [{**c, "id": c.get("id") or str(uuid4())} for c in contacts]


def check_stats(stats: dict[str, int]) -> dict[str, int]:
    for key in ("employees", "rd_staff", "revenue_fen", "rd_spend_fen"):
        if stats.get(key, 0) < 0:
            raise InvalidValue(f"{key} 不能为负数 (must not be negative)", field=f"annual_stats.{key}")
    if stats.get("rd_staff", 0) > stats.get("employees", 0):
        raise InvalidValue(
            "研发人员不能多于职工总数 (rd_staff exceeds employees)", field="annual_stats.rd_staff"
        )
    return dict(stats)


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
        reason: str | None = None,
        id: UUID | None = None,  # chosen first when contacts are sealed as this organisation's
    ) -> Organisation:
        """A membership application (入会申请). Contacts are persons with stable ids
        (sealed ones: service.personal) so that a later erasure can name one person."""
        fields = _application(kind, name, sector, contacts, annual_stats)
        given = {"credit_code": normalise_credit_code(credit_code), "address": address, "effective_on": effective_on,
                 "actor": actor, "reason": reason, **fields}
        if id is not None:
            return cls._create(event_class=cls.Applied, id=id, **given)
        return cls(**given)

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
        self.status_since = effective_on
        self.tier: str | None = None
        self.admitted_on: date | None = None
        self.dues: dict[str, int] = {}  # year -> fen paid
        self.libraries: list[str] = []
        self.growth_stage: str | None = None
        # Read with getattr elsewhere: snapshots taken before these existed lack them.
        self.pending_application: dict[str, Any] | None = None
        self.dues_paid_through: int | None = None
        self.lapsed_for: int | None = None
        self.status_before_lapse: str | None = None

    def check_effective(self, effective_on: date) -> None:
        """A change cannot take effect before the current status did: the
        history read "as of" a date must stay in order."""
        if effective_on < self.status_since:
            raise InvalidValue(
                f"生效日期 {effective_on.isoformat()} 早于当前状态的生效日期 {self.status_since.isoformat()} "
                f"(effective date before the current status took effect)", field="effective_on")

    # -- re-application ---------------------------------------------------------------
    def reapply(self, *, kind: str, name: str, sector: str, address: str | None,
                contacts: list[dict[str, Any]], annual_stats: dict[str, int] | None,
                effective_on: date, actor: Actor, reason: str | None = None) -> None:
        """重新申请: a lapsed, withdrawn or rejected organisation applies again.
        The proposed details change nothing yet: staff see them and admission
        adopts them (anyone may know a credit code, so anyone may send this)."""
        self.require_status("apply again", *REAPPLICABLE)
        self.check_effective(effective_on)
        fields = _application(kind, name, sector, contacts, annual_stats)
        self._reapplication_filed(proposed={**fields, "address": address}, effective_on=effective_on,
                                  actor=actor, reason=reason)

    @event("ReapplicationFiled")
    def _reapplication_filed(self, proposed: dict[str, Any], effective_on: date, actor: Actor,
                             reason: str | None) -> None:
        self.pending_application = {**proposed, "received_on": effective_on.isoformat()}
        self.status = "applied"
        self.tier = None
        self.status_since = effective_on

    @event("Reapplied")
    def _reapplied(self, kind: str, name: str, sector: str, address: str | None,
                   contacts: list[dict[str, Any]], annual_stats: dict[str, int] | None,
                   effective_on: date, actor: Actor, reason: str | None) -> None:
        """Re-applications stored before issue 11 replaced the details at once;
        they replay so. Nothing records this event any more."""
        self.kind, self.name, self.sector, self.address, self.contacts = kind, name, sector, address, contacts
        if annual_stats:
            self.annual_stats = {**self.annual_stats, str(annual_stats["year"]): annual_stats}
        self.status = "applied"
        self.tier = None
        self.status_since = effective_on

    @event("ReapplicationAdopted")
    def _reapplication_adopted(self, details: dict[str, Any], effective_on: date, actor: Actor,
                               reason: str | None) -> None:
        self.kind, self.name, self.sector = details["kind"], details["name"], details["sector"]
        self.address, self.contacts = details["address"], details["contacts"]
        stats = details.get("annual_stats")
        if stats:
            self.annual_stats = {**self.annual_stats, str(stats["year"]): stats}
        self.pending_application = None

    # -- decisions ----------------------------------------------------------------------
    def admit(self, *, tier: str, note: str | None, effective_on: date, actor: Actor) -> None:
        """Admission (入会) by council meeting or secretariat decision."""
        self.require_status("admit", "applied")
        self.check_effective(effective_on)
        _check_tier(tier)
        pending = getattr(self, "pending_application", None)
        if pending:  # a re-application: its details take effect now
            self._reapplication_adopted(details={k: pending.get(k) for k in APPLICATION_FIELDS},
                                        effective_on=effective_on, actor=actor, reason=note)
        self._admitted(tier=tier, effective_on=effective_on, actor=actor, reason=note)

    @event("Admitted")
    def _admitted(self, tier: str, effective_on: date, actor: Actor, reason: str | None) -> None:
        self.status = "admitted"
        self.status_since = effective_on
        self.tier = tier
        self.admitted_on = effective_on

    def reject(self, *, reason: str, effective_on: date, actor: Actor) -> None:
        self.require_status("reject", "applied")
        self.check_effective(effective_on)
        self._rejected(effective_on=effective_on, actor=actor, reason=_reason(reason))

    @event("Rejected")
    def _rejected(self, effective_on: date, actor: Actor, reason: str) -> None:
        self.status = "rejected"
        self.status_since = effective_on
        self.pending_application = None  # a rejected re-application's details are dropped

    def suspend(self, *, reason: str, effective_on: date, actor: Actor) -> None:
        """暂停会籍."""
        self.require_status("suspend", "admitted")
        self.check_effective(effective_on)
        self._suspended(effective_on=effective_on, actor=actor, reason=_reason(reason))

    @event("Suspended")
    def _suspended(self, effective_on: date, actor: Actor, reason: str) -> None:
        self.status = "suspended"
        self.status_since = effective_on

    def reinstate(self, *, reason: str, effective_on: date, actor: Actor, grace_days: int | None = None) -> None:
        """恢复会籍: a suspended member, or a lapsed one that has paid its arrears
        (the dues of the year it lapsed for, of every year since, and of the
        year of reinstatement once its grace period, when given, has passed)."""
        self.require_status("reinstate", "suspended", "lapsed")
        self.check_effective(effective_on)
        reason = _reason(reason)
        if self.status == "lapsed":
            owed = self.arrears(effective_on, grace_days)
            if owed:
                raise DuesInArrears(owed, "恢复会籍 (reinstate)")
        self._reinstated(effective_on=effective_on, actor=actor, reason=reason)

    @event("Reinstated")
    def _reinstated(self, effective_on: date, actor: Actor, reason: str) -> None:
        self.status = "admitted"
        self.status_since = effective_on
        self.lapsed_for = None

    def withdraw(self, *, reason: str, effective_on: date, actor: Actor) -> None:
        """退会."""
        self.require_status("withdraw", *IN_GOOD_STANDING)
        self.check_effective(effective_on)
        self._withdrawn(effective_on=effective_on, actor=actor, reason=_reason(reason))

    @event("Withdrawn")
    def _withdrawn(self, effective_on: date, actor: Actor, reason: str) -> None:
        self.status = "withdrawn"
        self.status_since = effective_on

    # -- dues and lapse ---------------------------------------------------------------
    def dues_due_on(self, year: int) -> date:
        return dues_due_on(year, self.admitted_on)

    def dues_paid(self, year: int) -> bool:
        """Paid for `year`: a payment recorded for it, or an imported position
        "paid through" that year or later."""
        through = getattr(self, "dues_paid_through", None)
        return str(year) in self.dues or (through is not None and year <= through)

    def dues_overdue(self, year: int, today: date, grace_days: int) -> bool:
        return (self.status in IN_GOOD_STANDING and not self.dues_paid(year)
                and today > grace_ends_on(year, self.admitted_on, grace_days))

    def arrears(self, on: date, grace_days: int | None) -> list[int]:
        """The years a lapsed member must pay before it is reinstated on `on`."""
        first = getattr(self, "lapsed_for", None) or on.year
        owed = [y for y in range(first, on.year + 1)
                if y == first or y < on.year
                or (grace_days is not None and on > grace_ends_on(y, self.admitted_on, grace_days))]
        return [y for y in owed if not self.dues_paid(y)]

    def pay_dues(self, *, year: int, amount_fen: int, effective_on: date, actor: Actor,
                 reason: str | None = None) -> None:
        """缴纳会费 for one calendar year (a lapsed member pays its arrears too)."""
        self.require_status("pay dues", *DUES_PAYABLE)
        if amount_fen <= 0:
            raise InvalidValue("会费金额须为正数 (amount must be positive)", field="amount_fen")
        if str(year) in self.dues:
            raise DomainError(f"{year} 年会费已缴 (dues for {year} already paid)", code="dues_already_paid",
                              field="year")
        self._dues_paid(year=year, amount_fen=amount_fen, effective_on=effective_on, actor=actor,
                        reason=reason)

    @event("DuesPaid")
    def _dues_paid(self, year: int, amount_fen: int, effective_on: date, actor: Actor,
                   reason: str | None) -> None:
        self.dues = {**self.dues, str(year): amount_fen}

    def record_dues_paid_through(self, *, year: int, effective_on: date, actor: Actor, reason: str) -> None:
        """会费缴至某年: the dues position an earlier roster gives without amounts
        (an import). Every year up to `year` counts as paid; nothing if it already does."""
        self.require_status("record dues", *DUES_PAYABLE)
        through = getattr(self, "dues_paid_through", None)
        if through is None or year > through:
            self._dues_paid_through(year=year, effective_on=effective_on, actor=actor, reason=_reason(reason))

    @event("DuesPaidThrough")
    def _dues_paid_through(self, year: int, effective_on: date, actor: Actor, reason: str) -> None:
        self.dues_paid_through = year

    def lapse_for_unpaid_dues(self, *, year: int, today: date, grace_days: int, actor: Actor) -> None:
        """会籍失效: the rule is checked here, so the scheduler can never lapse
        a member wrongly or twice."""
        self.require_status("lapse", *IN_GOOD_STANDING)
        if not self.dues_overdue(year, today, grace_days):
            raise DuesNotOverdue(year)
        self._lapsed(year=year, effective_on=today, actor=actor,
                     reason=lapse_reason(year, self.dues_due_on(year), grace_days))

    def record_past_lapse(self, *, effective_on: date, actor: Actor, reason: str) -> None:
        """A lapse that happened before the platform (an imported roster says so)."""
        self.require_status("lapse", *IN_GOOD_STANDING)
        self.check_effective(effective_on)
        self._lapsed(year=effective_on.year, effective_on=effective_on, actor=actor, reason=_reason(reason))

    @event("Lapsed")
    def _lapsed(self, year: int, effective_on: date, actor: Actor, reason: str) -> None:
        self.status_before_lapse = self.status
        self.lapsed_for = year
        self.status = "lapsed"
        self.status_since = effective_on

    def correct_lapse(self, *, reason: str, today: date, grace_days: int, actor: Actor) -> None:
        """失效更正: a lapse that should not have happened is undone as of the day
        it took effect (the roster "as of" that time shows the member throughout).
        Refused while the dues are still overdue: the scheduler would lapse the
        member again at its next tick; record the payment first."""
        self.require_status("correct a lapse", "lapsed")
        reason = _reason(reason)
        restored = getattr(self, "status_before_lapse", None) or "admitted"
        if not self.dues_paid(today.year) and today > grace_ends_on(today.year, self.admitted_on, grace_days):
            raise DuesInArrears([today.year], "更正失效 (correct the lapse)")
        self._lapse_corrected(status=restored, effective_on=self.status_since, actor=actor, reason=reason)

    @event("LapseCorrected")
    def _lapse_corrected(self, status: str, effective_on: date, actor: Actor, reason: str) -> None:
        self.status = status
        self.lapsed_for = None

    # -- profile, tier, figures, tags --------------------------------------------------
    def change_tier(self, *, tier: str, reason: str, effective_on: date, actor: Actor) -> None:
        """会员等级变更 (e.g. elected to the council)."""
        self.require_status("change tier", *IN_GOOD_STANDING)
        self.check_effective(effective_on)
        _check_tier(tier)
        if tier == self.tier:
            raise InvalidValue(f"会员等级已是 {tier} (tier unchanged)", field="tier")
        self._tier_changed(tier=tier, previous=self.tier, effective_on=effective_on, actor=actor,
                           reason=_reason(reason))

    @event("TierChanged")
    def _tier_changed(self, tier: str, previous: str | None, effective_on: date, actor: Actor,
                      reason: str) -> None:
        self.tier = tier

    def update_profile(self, *, changes: dict[str, Any], actor: Actor, reason: str | None) -> None:
        """资料变更: only the fields that really change are recorded."""
        unknown = set(changes) - set(PROFILE_FIELDS)
        if unknown:
            raise InvalidValue(f"不能修改字段 {sorted(unknown)} (not a profile field)", field=sorted(unknown)[0])
        if "name" in changes and not str(changes["name"]).strip():
            raise InvalidValue("单位名称不能为空 (name is required)", field="name")
        real = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if real:
            self._profile_changed(changes=real, actor=actor, reason=reason)

    @event("ProfileChanged")
    def _profile_changed(self, changes: dict[str, Any], actor: Actor, reason: str | None) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def change_contacts(self, *, contacts: list[dict[str, Any]], actor: Actor, reason: str | None,
                        existing_ids: list[str] | None = None) -> None:
        """联系人变更: the whole list, contacts keeping their ids. `existing_ids` are
        the ids the caller says are already contacts (new people may have fresh ids)."""
        new = _contacts(contacts)
        known = {c["id"] for c in self.contacts}
        claimed = existing_ids if existing_ids is not None else [c["id"] for c in contacts if c.get("id")]
        stray = [i for i in claimed if i not in known]
        if stray:
            raise InvalidValue(f"未知的联系人 {stray[0]} (unknown contact id)", field="contacts")
        if new != self.contacts:
            self._contacts_changed(contacts=new, actor=actor, reason=reason)

    @event("ContactsChanged")
    def _contacts_changed(self, contacts: list[dict[str, Any]], actor: Actor, reason: str | None) -> None:
        self.contacts = contacts

    def erase_contact(self, *, contact_id: str, reason: str, actor: Actor) -> None:
        """PIPL: a contact person's personal fields become unreadable (their key is
        destroyed after this event); the fact that the person was a contact stays.
        A person named in a pending re-application may ask too."""
        pending = getattr(self, "pending_application", None) or {}
        if contact_id not in {c["id"] for c in [*self.contacts, *pending.get("contacts", [])]}:
            raise DomainError("联系人不存在 (no such contact)", code="not_found", field="contact_id")
        if contact_id in getattr(self, "erased_contacts", []):
            raise DomainError("该联系人已删除 (already erased)", code="already_erased", field="contact_id")
        self._contact_erased(contact_id=contact_id, actor=actor, reason=_reason(reason))

    @event("ContactErased")
    def _contact_erased(self, contact_id: str, actor: Actor, reason: str) -> None:
        self.erased_contacts = [*getattr(self, "erased_contacts", []), contact_id]

    def record_annual_stats(self, *, stats: dict[str, int], actor: Actor, reason: str | None = None) -> None:
        """年度数据: one year's figures; a later report for the same year replaces it."""
        self.require_status("record figures", "applied", *IN_GOOD_STANDING)
        self._annual_stats_recorded(stats=check_stats(stats), actor=actor, reason=reason)

    @event("AnnualStatsRecorded")
    def _annual_stats_recorded(self, stats: dict[str, int], actor: Actor, reason: str | None) -> None:
        self.annual_stats = {**self.annual_stats, str(stats["year"]): stats}

    def change_libraries(self, *, add: list[str], remove: list[str], effective_on: date, actor: Actor,
                         reason: str | None) -> None:
        """企业库 tags: 科技型中小企业库, 高新技术企业库, 技术先进型服务企业库."""
        for library in [*add, *remove]:
            if library not in LIBRARIES:
                raise InvalidValue(f"未知的企业库 {library!r} (unknown library)", field="library")
        for library in add:
            if library not in self.libraries:
                self._library_tagged(library=library, effective_on=effective_on, actor=actor, reason=reason)
        for library in remove:
            if library in self.libraries:
                self._library_untagged(library=library, effective_on=effective_on, actor=actor,
                                       reason=reason)

    @event("LibraryTagged")
    def _library_tagged(self, library: str, effective_on: date, actor: Actor, reason: str | None) -> None:
        self.libraries = [*self.libraries, library]

    @event("LibraryUntagged")
    def _library_untagged(self, library: str, effective_on: date, actor: Actor, reason: str | None) -> None:
        self.libraries = [x for x in self.libraries if x != library]

    def move_growth_stage(self, *, stage: str, effective_on: date, actor: Actor, reason: str | None) -> None:
        """成长阶梯: 创业团队 → 科技型中小企业 → 高新技术企业 → 科技小巨人领军企业."""
        if stage not in GROWTH_STAGES:
            raise InvalidValue(f"未知的成长阶段 {stage!r} (unknown growth stage)", field="stage")
        if stage != self.growth_stage:
            self._growth_stage_changed(stage=stage, previous=self.growth_stage, effective_on=effective_on,
                                       actor=actor, reason=reason)

    @event("GrowthStageChanged")
    def _growth_stage_changed(self, stage: str, previous: str | None, effective_on: date, actor: Actor,
                              reason: str | None) -> None:
        self.growth_stage = stage

    # -- declared attributes (seed 002 §3; issue 15) ------------------------------------
    def declare_attributes(self, *, attributes: dict[str, str], evidence: str, effective_on: date, actor: Actor,
                           reason: str | None = None) -> None:
        """申报属性: facts about the organisation the alliance programme checks, each
        declared with an evidence reference rather than inferred — legal form (法人 /
        分支机构), an enterprise's science association (企业科协), a society's
        affiliation (市科协所属学会 / 在汉高校科协). Only real changes are recorded."""
        for key, value in attributes.items():
            allowed = DECLARED_ATTRIBUTES.get(key)
            if allowed is None:
                raise InvalidValue(f"未知的属性 {key!r} (unknown attribute)", field=key)
            if value not in allowed:
                raise InvalidValue(f"{key} 须为 {' / '.join(allowed)} 之一", field=key)
            kinds = ATTRIBUTE_KINDS.get(key)
            if kinds is not None and self.kind not in kinds:
                raise InvalidValue(f"{key} 不适用于 {self.kind} 类单位 (not for this kind)", field=key)
        if not evidence or not evidence.strip():
            raise InvalidValue("须注明证明材料 (an evidence reference is required)", field="evidence")
        current = getattr(self, "attributes", None) or {}
        real = {k: v for k, v in attributes.items()
                if current.get(k, {}).get("value") != v or current.get(k, {}).get("evidence") != evidence.strip()}
        if real:
            self._attributes_declared(attributes=real, evidence=evidence.strip(), effective_on=effective_on,
                                      actor=actor, reason=reason)

    @event("AttributesDeclared")
    def _attributes_declared(self, attributes: dict[str, str], evidence: str, effective_on: date, actor: Actor,
                             reason: str | None) -> None:
        declared = {k: {"value": v, "evidence": evidence, "declared_on": effective_on.isoformat()}
                    for k, v in attributes.items()}
        self.attributes = {**(getattr(self, "attributes", None) or {}), **declared}


def dues_due_on(year: int, admitted_on: date | None) -> date:
    """Dues fall due on 1 January, or on admission for a member admitted that year."""
    first = date(year, 1, 1)
    if admitted_on is not None and admitted_on.year == year:
        return max(first, admitted_on)
    return first


def grace_ends_on(year: int, admitted_on: date | None, grace_days: int) -> date:
    """The last day of grace for `year`'s dues: a member still unpaid the day
    after lapses at the scheduler's next tick."""
    return dues_due_on(year, admitted_on) + timedelta(days=grace_days)


def lapse_reason(year: int, due: date, grace_days: int) -> str:
    return (f"{year} 年会费自 {due.isoformat()} 起应缴，宽限期 {grace_days} 天已过仍未缴纳 "
            f"(dues for {year} due {due.isoformat()} unpaid after {grace_days} days' grace)")


def _check_tier(tier: str) -> None:
    if tier not in TIERS:
        raise InvalidValue(f"未知的会员等级 {tier!r} (unknown tier)", field="tier")


def _application(kind: str, name: str, sector: str, contacts: list[dict[str, Any]],
                 annual_stats: dict[str, int] | None) -> dict[str, Any]:
    if kind not in KINDS:
        raise InvalidValue(f"未知的单位类型 {kind!r} (unknown kind)", field="kind")
    if not name.strip():
        raise InvalidValue("单位名称不能为空 (name is required)", field="name")
    return {"kind": kind, "name": name.strip(), "sector": sector.strip(), "contacts": _contacts(contacts),
            "annual_stats": check_stats(annual_stats) if annual_stats else None}
