"""Organisations and members (API.md "Organisations and members")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from msgspec import Meta

from api.clients import client_address
from api.deps import platform_of, trim_page, wait_for_view
from api.member_answers import HistoryPage, MemberProfile, MemberSessions, RosterPage
from api.people import erase_person
from api.policy import actor_of, allow, principal_of, public
from api.schemas import (
    SINGLE_LINE,
    Accepted,
    Email,
    MinPosition,
    Name,
    Note,
    Phone,
    Position,
    Reason,
    Strict,
    Text,
    answer,
    exported_as,
    file_media_types,
)
from domain.errors import InvalidValue
from domain.values import normalise_credit_code
from projections import roster
from projections.audit import organisation_history
from projections.confidential import for_viewer
from projections.known import known_instant
from projections.sessions import attendance_of
from service import membership
from service.alliances import declare_attributes  # the attributes the alliance programme reads
from service.roster_files import EXPORT_TYPES, export_roster

_FILE_TYPES = file_media_types(EXPORT_TYPES)
Kind = Literal["enterprise", "society", "university_association", "institute", "service_agency"]
Tier = Literal["member", "council", "vice_president", "president"]
Status = Literal["applied", "admitted", "suspended", "lapsed", "withdrawn", "rejected"]
Library = Literal["tech_sme", "high_tech", "advanced_service"]
Stage = Literal["startup_team", "tech_sme", "high_tech", "little_giant"]
Sort = Literal["applied", "-applied", "name", "-name", "credit_code", "-credit_code",
               "admitted_on", "-admitted_on", "relevance"]
Count = Annotated[int, Meta(ge=0, le=10_000_000)]
Fen = Annotated[int, Meta(ge=0, le=10**15)]
Year = Annotated[int, Meta(ge=1949, le=2100)]


class ContactIn(Strict):
    name: Name
    phone: Phone
    email: Email
    id: Annotated[str, Meta(max_length=64)] | None = None


class AnnualStatsIn(Strict, omit_defaults=True):
    year: Year
    employees: Count
    rd_staff: Count
    revenue_fen: Fen
    rd_spend_fen: Fen
    total_assets_fen: Fen | None = None  # 资产总额 (the tech-SME size test, seed 002; issue 15)


class MembershipApplication(Strict):
    kind: Kind
    name: Text
    credit_code: Annotated[str, Meta(min_length=1, max_length=32)]
    sector: Text
    contacts: Annotated[list[ContactIn], Meta(min_length=1, max_length=20)]
    address: Annotated[str, Meta(max_length=500)] | None = None
    annual_stats: AnnualStatsIn | None = None
    # A paper application entered by staff keeps the day it was received (not in the future):
    # its admission may then be back-dated consistently.
    received_on: Annotated[date | None, Meta(description="收到日期（仅秘书处录入纸质申请时填写）"
                                                        "(day a paper application was received; staff only)")] = None


class Admission(Strict):
    tier: Tier = "member"
    note: Note | None = None
    effective_on: date | None = None


class Decision(Strict):
    reason: Reason
    effective_on: date | None = None


class Reasoned(Strict):
    reason: Reason


class ProfileChange(Strict):
    name: Text | None = None
    sector: Text | None = None
    address: Annotated[str, Meta(max_length=500)] | None = None
    contacts: Annotated[list[ContactIn], Meta(min_length=1, max_length=20)] | None = None
    reason: Note | None = None


class DuesPayment(Strict):
    year: Year
    amount_fen: Annotated[int, Meta(gt=0, le=10**12)]
    effective_on: date | None = None
    note: Note | None = None


class TierChange(Strict):
    tier: Tier
    reason: Reason
    effective_on: date | None = None


class LibraryChange(Strict):
    add: list[Library] = msgspec.field(default_factory=list)
    remove: list[Library] = msgspec.field(default_factory=list)
    reason: Note | None = None
    effective_on: date | None = None


class StageChange(Strict):
    stage: Stage
    reason: Note | None = None
    effective_on: date | None = None


class AttributesIn(Strict):
    """申报属性 (seed 002 §3, issue 15): declared with an evidence reference, never inferred."""

    evidence: Annotated[str, Meta(min_length=1, max_length=500, pattern=SINGLE_LINE)]
    legal_form: Literal["legal_person", "branch"] | None = None  # 法人 / 分支机构
    science_association: Literal["established", "founding", "none"] | None = None  # 企业科协
    affiliation: Literal["city_society", "local_university_association", "none"] | None = None
    effective_on: date | None = None
    reason: Note | None = None


def _fields(data: msgspec.Struct) -> dict[str, Any]:
    return {k: v for k, v in msgspec.structs.asdict(data).items()}


def _contacts(contacts: list[ContactIn]) -> list[dict[str, Any]]:
    return [{k: v for k, v in msgspec.structs.asdict(c).items() if not (k == "id" and v is None)}
            for c in contacts]


def _bitemporal(p: Any, as_of: date | None, known_as_of: datetime | None) -> dict[str, Any]:
    """The roster's two times: the day asked about (effective time) and the instant whose
    records answer (recording time); with only the instant, the day is that instant's own
    (in the association's time zone)."""
    if known_as_of is None:
        return {"as_of": as_of}
    if known_as_of.tzinfo is None:
        known_as_of = known_as_of.replace(tzinfo=p.settings.time_zone)
    day = as_of or known_as_of.astimezone(p.settings.time_zone).date()
    return {"as_of": day, "known_as_of": known_instant(known_as_of)}


def application_fields(data: MembershipApplication, effective_on: date) -> dict[str, Any]:
    """The application as the use case takes it (the API and the apply page alike)."""
    fields = _fields(data)
    fields.pop("received_on", None)  # it is the effective day, decided by the caller
    # An applicant names new people: contact ids are the platform's to give (service.membership seals
    # them as the organisation's own, with keys made in the command).
    fields["contacts"] = [{k: v for k, v in c.items() if k != "id"} for c in _contacts(data.contacts)]
    fields["annual_stats"] = msgspec.to_builtins(data.annual_stats) if data.annual_stats else None
    fields["effective_on"] = effective_on
    return fields


def _received_on(request: Request, received_on: date | None) -> date:
    """The application's effective day: today, or for staff entering a paper application,
    the day it was received (never in the future)."""
    today = platform_of(request).clock.today()
    if received_on is None:
        return today
    who = principal_of(request)
    if who is None or who.role != "staff":
        raise InvalidValue("只有秘书处可填写收到日期 (only staff enter a received date)", field="received_on")
    if received_on > today:
        raise InvalidValue("收到日期不能晚于今天 (received_on in the future)", field="received_on")
    return received_on


class MembersController(Controller):
    path = "/api/v1/members"
    tags = ["members 会员"]  # noqa: RUF012

    @post("/", opt=public(), operation_id="applyForMembership", status_code=201)
    async def apply(self, request: Request, data: MembershipApplication) -> Accepted:
        """入会申请: anyone may apply (rate-limited); the credit code must be valid and unused.
        An organisation that lapsed, withdrew or was rejected applies again with the same code: the
        details it proposes change nothing until staff admit it (staff see them as `pending_application`)."""
        request.app.state.limits["apply"].check(client_address(request))
        normalise_credit_code(data.credit_code)  # refuse early, before queueing
        fields = application_fields(data, _received_on(request, data.received_on))
        org_id, position = await platform_of(request).writer.run(
            membership.apply_for_membership(fields, actor_of(request)))
        return Accepted(id=org_id, position=position, status="applied")

    @post("/{id:uuid}/admit", opt=allow("staff"), operation_id="admitMember", status_code=200)
    async def admit(self, request: Request, id: UUID, data: Admission) -> Accepted:
        """入会审批通过: admit an applicant with a tier."""
        p = platform_of(request)
        _, position = await p.writer.run(membership.admit(
            id, tier=data.tier, note=data.note,
            effective_on=data.effective_on or p.clock.today(), actor=actor_of(request)))
        return Accepted(id=id, position=position, status="admitted")

    async def _decide(self, request: Request, org_id: UUID, decision: str, data: Decision) -> Accepted:
        p = platform_of(request)
        _, position = await p.writer.run(membership.decide(
            org_id, decision, reason=data.reason, effective_on=data.effective_on or p.clock.today(),
            actor=actor_of(request), grace_days=p.settings.dues_grace_days))
        return Accepted(id=org_id, position=position)

    @post("/{id:uuid}/reject", opt=allow("staff"), operation_id="rejectApplication", status_code=200)
    async def reject(self, request: Request, id: UUID, data: Decision) -> Accepted:
        """不予入会: reject an application, with the reason."""
        return await self._decide(request, id, "reject", data)

    @post("/{id:uuid}/suspend", opt=allow("staff"), operation_id="suspendMember", status_code=200)
    async def suspend(self, request: Request, id: UUID, data: Decision) -> Accepted:
        """暂停会籍: suspend an admitted member, with the reason."""
        return await self._decide(request, id, "suspend", data)

    @post("/{id:uuid}/reinstate", opt=allow("staff"), operation_id="reinstateMember", status_code=200)
    async def reinstate(self, request: Request, id: UUID, data: Decision) -> Accepted:
        """恢复会籍: reinstate a suspended member, or a lapsed one once its arrears are paid
        (409 dues_in_arrears names the unpaid years)."""
        return await self._decide(request, id, "reinstate", data)

    @post("/{id:uuid}/lapse-correction", opt=allow("staff"), operation_id="correctLapse", status_code=200)
    async def correct_lapse(self, request: Request, id: UUID, data: Reasoned) -> Accepted:
        """失效更正: undo a wrong lapse as of the day it took effect, with the reason
        (e.g. 错误失效更正); 409 dues_in_arrears while this year's dues are still overdue."""
        p = platform_of(request)
        _, position = await p.writer.run(membership.correct_lapse(
            id, reason=data.reason, today=p.clock.today(), grace_days=p.settings.dues_grace_days,
            actor=actor_of(request)))
        return Accepted(id=id, position=position)

    @post("/{id:uuid}/withdraw", opt=allow("staff"), operation_id="withdrawMember", status_code=200)
    async def withdraw(self, request: Request, id: UUID, data: Decision) -> Accepted:
        """退会: the member leaves the association."""
        return await self._decide(request, id, "withdraw", data)

    @patch("/{id:uuid}", opt=allow("staff", "member", member_of="id"), operation_id="updateMember")
    async def update(self, request: Request, id: UUID, data: ProfileChange) -> Accepted:
        """资料变更: name, sector, address and contacts, each change its own event. A member
        account changes its organisation only while it is admitted (403 organisation_not_active)."""
        changes = {k: v for k, v in _fields(data).items()
                   if k in ("name", "sector", "address") and v is not None}
        contacts = _contacts(data.contacts) if data.contacts is not None else None
        _, position = await platform_of(request).writer.run(membership.update_profile(
            id, changes=changes, contacts=contacts, reason=data.reason, actor=actor_of(request)))
        return Accepted(id=id, position=position)

    @patch("/{id:uuid}/attributes", opt=allow("staff", "member", member_of="id"), operation_id="declareAttributes")
    async def attributes(self, request: Request, id: UUID, data: AttributesIn) -> Accepted:
        """申报属性: legal form (法人 / 分支机构), an enterprise's 企业科协 (established / founding /
        none), a society's affiliation (市科协所属学会 / 在汉高校科协 / none), each with an
        evidence reference. The organisation's own account may declare whether or not it is
        a member (alliance parties need not be); suspended, withdrawn or lapsed: 403."""
        p = platform_of(request)
        attributes = {k: v for k in ("legal_form", "science_association", "affiliation")
                      if (v := getattr(data, k)) is not None}
        if not attributes:
            raise InvalidValue("至少申报一项属性 (declare at least one attribute)", field="legal_form")
        _, position = await p.writer.run(declare_attributes(
            id, attributes, data.evidence, data.effective_on or p.clock.today(), data.reason, actor_of(request)))
        return Accepted(id=id, position=position)

    @post("/{id:uuid}/contacts/{contact_id:str}/erasure", opt=allow("staff"), operation_id="eraseContact",
          status_code=200)
    async def erase_contact(self, request: Request, id: UUID, contact_id: str, data: Decision) -> Accepted:
        """个人信息删除 (PIPL): the contact person's key is destroyed; their name, phone and e-mail
        become unreadable everywhere, while the history and its hash chain stay intact. The same
        as `POST /api/v1/people/{contact_id}/erasure`, for a contact of this organisation."""
        position = await erase_person(request, contact_id, data.reason, organisation_id=id, field="contact_id")
        return Accepted(id=id, position=position)

    @post("/{id:uuid}/annual-stats", opt=allow("staff", "member", member_of="id"),
          operation_id="recordAnnualStats", status_code=200)
    async def annual_stats(self, request: Request, id: UUID, data: AnnualStatsIn) -> Accepted:
        """年度数据: one year's employees, R&D staff, revenue and R&D spend (fen)."""
        stats, actor = msgspec.to_builtins(data), actor_of(request)
        _, position = await platform_of(request).writer.run(membership.record_annual_stats(id, stats, actor))
        return Accepted(id=id, position=position)

    @post("/{id:uuid}/dues", opt=allow("staff"), operation_id="recordDues", status_code=200)
    async def dues(self, request: Request, id: UUID, data: DuesPayment) -> Accepted:
        """缴纳会费: dues for one calendar year, in fen."""
        p, actor = platform_of(request), actor_of(request)
        _, position = await p.writer.run(membership.pay_dues(
            id, year=data.year, amount_fen=data.amount_fen, effective_on=data.effective_on or p.clock.today(),
            note=data.note, actor=actor))
        return Accepted(id=id, position=position)

    @post("/{id:uuid}/tier", opt=allow("staff"), operation_id="changeTier", status_code=200)
    async def tier(self, request: Request, id: UUID, data: TierChange) -> Accepted:
        """会员等级变更: e.g. elected council unit (理事单位)."""
        p, actor = platform_of(request), actor_of(request)
        _, position = await p.writer.run(membership.change_tier(
            id, tier=data.tier, reason=data.reason, effective_on=data.effective_on or p.clock.today(), actor=actor))
        return Accepted(id=id, position=position)

    @post("/{id:uuid}/libraries", opt=allow("staff"), operation_id="changeLibraries", status_code=200)
    async def libraries(self, request: Request, id: UUID, data: LibraryChange) -> Accepted:
        """企业库: add or remove 科技型中小企业库 / 高新技术企业库 / 技术先进型服务企业库 tags."""
        p, actor = platform_of(request), actor_of(request)
        _, position = await p.writer.run(membership.change_libraries(
            id, add=list(data.add), remove=list(data.remove), effective_on=data.effective_on or p.clock.today(),
            reason=data.reason, actor=actor))
        return Accepted(id=id, position=position)

    @post("/{id:uuid}/growth-stage", opt=allow("staff"), operation_id="moveGrowthStage", status_code=200)
    async def growth_stage(self, request: Request, id: UUID, data: StageChange) -> Accepted:
        """成长阶梯: 创业团队 → 科技型中小企业 → 高新技术企业 → 科技小巨人领军企业."""
        p, actor = platform_of(request), actor_of(request)
        _, position = await p.writer.run(membership.move_growth_stage(
            id, stage=data.stage, effective_on=data.effective_on or p.clock.today(), reason=data.reason, actor=actor))
        return Accepted(id=id, position=position)

    @get("/", opt=allow("staff", "auditor"), operation_id="listMembers", sync_to_thread=True)
    def list(
        self,
        request: Request,
        status: Status | None = None,
        kind: Kind | None = None,
        tier: Tier | None = None,
        sector: Annotated[str | None, Parameter(max_length=100)] = None,
        library: Library | None = None,
        growth_stage: Stage | None = None,
        q: Annotated[str | None, Parameter(max_length=100)] = None,
        as_of: date | None = None,
        known_as_of: datetime | None = None,
        sort: Annotated[Sort | None, Parameter(
            description="排序，前加 - 为倒序；有搜索词时默认按相关度 (sort key; by relevance when searching)")] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
        cursor: Annotated[str | None, Parameter(max_length=500)] = None,
        min_position: MinPosition = None,
    ) -> RosterPage:
        """会员名录: the roster (every status unless filtered), searchable by name, sortable,
        `as_of` any past date by effective dates (how many members on 2016-03-31?) and
        `known_as_of` an instant by recording time (what did our records say then, before a
        late correction?); both together: what we believed at that instant about that day."""
        p = platform_of(request)
        wait_for_view(p, "roster", min_position)
        query = roster.RosterQuery(status=status, kind=kind, tier=tier, sector=sector, library=library,
                                   growth_stage=growth_stage, q=q, sort=sort or ('relevance' if q else 'applied'),
                                   **_bitemporal(p, as_of, known_as_of))
        try:
            items, nxt, total = roster.list_members(p.views, query, limit=limit, cursor=cursor)
        except ValueError:
            raise InvalidValue("无效的分页游标 (invalid cursor)", field="cursor") from None
        return answer({"items": items, "next_cursor": nxt, "total": total}, RosterPage)

    @get("/export", opt=allow("staff", "auditor"), operation_id="exportMembers", sync_to_thread=True,
         operation_class=exported_as(*_FILE_TYPES.values()))
    def export(
        self,
        request: Request,
        format: Literal["csv", "xlsx"] = "csv",
        status: Status | None = None,
        kind: Kind | None = None,
        tier: Tier | None = None,
        sector: Annotated[str | None, Parameter(max_length=100)] = None,
        library: Library | None = None,
        growth_stage: Stage | None = None,
        q: Annotated[str | None, Parameter(max_length=100)] = None,
        as_of: date | None = None,
        known_as_of: datetime | None = None,
        sort: Annotated[Sort | None, Parameter(
            description="排序，前加 - 为倒序；有搜索词时默认按相关度 (sort key; by relevance when searching)")] = None,
    ) -> Response[bytes]:
        """导出会员名录: the roster with the same filters, as CSV or XLSX with Chinese headers."""
        p = platform_of(request)
        query = roster.RosterQuery(status=status, kind=kind, tier=tier, sector=sector, library=library,
                                   growth_stage=growth_stage, q=q, sort=sort or ('relevance' if q else 'applied'),
                                   **_bitemporal(p, as_of, known_as_of))
        as_of = query.as_of
        body = export_roster(p.views, query, format)
        stamp = (as_of or p.clock.today()).isoformat()
        return Response(body, media_type=_FILE_TYPES[format], headers={
            "Content-Disposition": f"attachment; filename=\"roster-{stamp}.{format}\"; "
                                   f"filename*=UTF-8''%E4%BC%9A%E5%91%98%E5%90%8D%E5%BD%95-{stamp}.{format}"})

    @get("/{id:uuid}", opt=allow("staff", "auditor", "member", member_of="id"),
         operation_id="getMember", sync_to_thread=True)
    def show(self, request: Request, id: UUID, known_as_of: datetime | None = None,
             min_position: MinPosition = None) -> MemberProfile:
        """单位详情: profile, contacts, status history, dues, yearly figures, tags, growth stage;
        `known_as_of`: as the records stood at that instant."""
        p = platform_of(request)
        wait_for_view(p, "roster", min_position)
        if known_as_of is not None:
            wait_for_view(p, "audit", min_position)
            doc = roster.member_as_known(p.views, p.app, str(id), known_instant(known_as_of))
        else:
            doc = roster.get_member(p.views, str(id), with_changes=True)
        if doc is None:
            raise NotFoundException(f"单位 {id} 不存在 (no such organisation)")
        attendance = attendance_of(p.views, str(id))
        who = principal_of(request)
        if who is not None and who.role == "member":
            # A re-application's proposed details are for staff to judge (whoever sent them).
            doc.pop("pending_application", None)
        return answer(doc | {"no_show_count": attendance["no_show_count"],
                             "late_cancellation_count": attendance["late_cancellation_count"]}, MemberProfile)

    @get("/{id:uuid}/history", opt=allow("staff", "auditor", "member", member_of="id"),
         operation_id="memberHistory", sync_to_thread=True)
    def history(self, request: Request, id: UUID, cursor: Position = 0,
                limit: Annotated[int, Parameter(ge=1, le=500)] = 50, known_as_of: datetime | None = None,
                min_position: MinPosition = None) -> HistoryPage:
        """活动记录: everything that touched the organisation (membership, registrations,
        attendance, feedback, alliances it is party to), oldest first; `known_as_of`: only
        what had been recorded by that instant."""
        p = platform_of(request)
        wait_for_view(p, "audit", min_position)
        if roster.get_member(p.views, str(id)) is None:
            raise NotFoundException(f"单位 {id} 不存在 (no such organisation)")
        known = known_instant(known_as_of) if known_as_of else None
        items, next_cursor = trim_page(organisation_history(p.views, str(id), after=cursor, limit=limit + 1,
                                                            known_as_of=known),
                                       limit, lambda i: str(i["position"]))
        who = principal_of(request)
        return answer({"items": for_viewer(items, who.role if who else None), "next_cursor": next_cursor},
                      HistoryPage)

    @get("/{id:uuid}/sessions", opt=allow("staff", "auditor", "member", member_of="id"),
         operation_id="memberSessions", sync_to_thread=True)
    def sessions(self, request: Request, id: UUID,
                 min_position: MinPosition = None) -> MemberSessions:
        """参会记录: the organisation's sessions, newest first, with no-shows and late cancellations."""
        p = platform_of(request)
        wait_for_view(p, "attendance", min_position)
        if roster.get_member(p.views, str(id)) is None:
            raise NotFoundException(f"单位 {id} 不存在 (no such organisation)")
        return answer(attendance_of(p.views, str(id)), MemberSessions)
