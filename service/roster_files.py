"""Member lists as files: import an association's existing roster (CSV or
XLSX, Chinese headers) and export the roster with the same filters as the API.

Import is checked row by row first (a dry run reports every bad row with its
spreadsheet row number) and is idempotent: a credit code already on the
platform is skipped, so running the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.errors import DomainError
from domain.organisations import KINDS, TIERS, Organisation
from domain.unique import UniqueClaim, claim_id
from domain.values import Actor, normalise_credit_code
from projections.roster import RosterQuery, list_members
from projections.store import ViewDatabase
from service.spreadsheets import MEDIA_TYPES, tabular
from service.writer import Command, CommandWriter, UnitOfWork

KIND_NAMES = {"enterprise": "企业", "society": "学会", "university_association": "高校科协",
              "institute": "科研院所", "service_agency": "服务机构"}
TIER_NAMES = {"member": "会员单位", "council": "理事单位", "vice_president": "副会长单位",
              "president": "会长单位"}
STATUS_NAMES = {"applied": "申请中", "admitted": "正常", "suspended": "暂停", "lapsed": "失效",
                "withdrawn": "已退会", "rejected": "未通过"}
LIBRARY_NAMES = {"tech_sme": "科技型中小企业库", "high_tech": "高新技术企业库",
                 "advanced_service": "技术先进型服务企业库"}
STAGE_NAMES = {"startup_team": "创业团队", "tech_sme": "科技型中小企业", "high_tech": "高新技术企业",
               "little_giant": "科技小巨人领军企业"}

# Import columns: field -> accepted headers (Chinese first, English too).
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("单位名称", "name"),
    "credit_code": ("统一社会信用代码", "credit_code"),
    "kind": ("单位类型", "kind"),
    "sector": ("所属行业", "行业", "sector"),
    "address": ("地址", "address"),
    "contact_name": ("联系人", "contact_name"),
    "contact_phone": ("联系电话", "contact_phone"),
    "contact_email": ("电子邮箱", "contact_email"),
    "tier": ("会员等级", "tier"),
    "admitted_on": ("入会日期", "admitted_on"),
}
REQUIRED = ("name", "credit_code", "kind", "sector", "contact_name", "contact_phone", "admitted_on")

EXPORT_TYPES = MEDIA_TYPES


# -- reading files -------------------------------------------------------------------------
def read_table(path: Path) -> list[dict[str, Any]]:
    """Rows as {header: value}; data rows carry their spreadsheet row number."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
    else:
        text = path.read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    return [{"__row__": number, **dict(zip(headers, row, strict=False))}
            for number, row in enumerate(rows[1:], start=2)
            if any(v not in (None, "") for v in row)]


@dataclass
class RowProblem:
    row: int
    field: str
    message: str


@dataclass
class ImportPlan:
    rows: int = 0
    ready: list[dict[str, Any]] = field(default_factory=list)
    existing: list[tuple[int, str]] = field(default_factory=list)  # (row, credit code) already here
    problems: list[RowProblem] = field(default_factory=list)


def _cell(raw: dict[str, Any], name: str) -> Any:
    for header in IMPORT_COLUMNS[name]:
        value = raw.get(header)
        if value not in (None, ""):
            return value.strip() if isinstance(value, str) else value
    return None


def _lookup(value: str, names: dict[str, str], allowed: tuple[str, ...]) -> str | None:
    if value in allowed:
        return value
    by_name = {v: k for k, v in names.items()}
    return by_name.get(value)


def _parse_row(raw: dict[str, Any]) -> tuple[dict[str, Any] | None, list[RowProblem]]:
    row = raw["__row__"]
    problems = [RowProblem(row, name, f"缺少必填项 {IMPORT_COLUMNS[name][0]} (missing {name})")
                for name in REQUIRED if _cell(raw, name) is None]
    if problems:
        return None, problems
    out: dict[str, Any] = {"row": row, "name": str(_cell(raw, "name")), "sector": str(_cell(raw, "sector")),
                           "address": _cell(raw, "address")}
    try:
        out["credit_code"] = normalise_credit_code(str(_cell(raw, "credit_code")))
    except DomainError as exc:
        problems.append(RowProblem(row, "credit_code", exc.message))
    kind = _lookup(str(_cell(raw, "kind")), KIND_NAMES, KINDS)
    if kind is None:
        problems.append(RowProblem(row, "kind", f"未知的单位类型 {_cell(raw, 'kind')!r} (unknown kind)"))
    out["kind"] = kind
    tier_raw = _cell(raw, "tier")
    tier = _lookup(str(tier_raw), TIER_NAMES, TIERS) if tier_raw else "member"
    if tier is None:
        problems.append(RowProblem(row, "tier", f"未知的会员等级 {tier_raw!r} (unknown tier)"))
    out["tier"] = tier
    admitted = _cell(raw, "admitted_on")
    try:
        out["admitted_on"] = (admitted.date() if isinstance(admitted, datetime) else
                              admitted if isinstance(admitted, date) else
                              date.fromisoformat(str(admitted).replace("/", "-")))
    except ValueError:
        problems.append(RowProblem(row, "admitted_on", f"日期格式应为 YYYY-MM-DD，收到 {admitted!r} (bad date)"))
    contact = {"name": str(_cell(raw, "contact_name")), "phone": str(_cell(raw, "contact_phone"))}
    if _cell(raw, "contact_email"):
        contact["email"] = str(_cell(raw, "contact_email"))
    out["contacts"] = [contact]
    return (None if problems else out), problems


def plan_import(rows: list[dict[str, Any]], is_registered: Any) -> ImportPlan:
    """Check every row; `is_registered(credit_code)` says whether the platform knows it."""
    plan = ImportPlan(rows=len(rows))
    seen: dict[str, int] = {}
    for raw in rows:
        parsed, problems = _parse_row(raw)
        plan.problems += problems
        if parsed is None:
            continue
        code = parsed["credit_code"]
        if code in seen:
            plan.problems.append(RowProblem(parsed["row"], "credit_code",
                                            f"与第 {seen[code]} 行重复 (duplicate of row {seen[code]})"))
            continue
        seen[code] = parsed["row"]
        if is_registered(code):
            plan.existing.append((parsed["row"], code))
        else:
            plan.ready.append(parsed)
    return plan


def import_row(row: dict[str, Any], actor: Actor) -> Command:
    """One existing member, admitted on its real date; skipped if already here."""

    def command(uow: UnitOfWork) -> UUID | None:
        if uow.find(UniqueClaim, claim_id("credit_code", row["credit_code"])) is not None:
            return None  # imported before (or applied meanwhile): idempotent
        reason = f"从原会员名册导入，第 {row['row']} 行 (imported from the existing roster)"
        org = Organisation.apply(
            kind=row["kind"], name=row["name"], credit_code=row["credit_code"], sector=row["sector"],
            address=row["address"], contacts=row["contacts"], annual_stats=None,
            effective_on=row["admitted_on"], actor=actor, reason=reason)
        org.admit(tier=row["tier"], note=reason, effective_on=row["admitted_on"], actor=actor)
        uow.add(org)
        uow.add(UniqueClaim(kind="credit_code", value=row["credit_code"], owner_id=org.id, actor=actor))
        return org.id

    return command


def run_import(writer: CommandWriter, plan: ImportPlan, actor: Actor, views: ViewDatabase) -> int:
    """Import the plan's ready rows through the writer (group-committed); contact
    people's fields are sealed with their own keys first."""
    import threading
    from uuid import uuid4

    from projections.personal import seal_contacts

    outcomes: list[Any] = []
    done = threading.Semaphore(0)
    for row in plan.ready:
        row = {**row, "contacts": seal_contacts(views, row["contacts"], uuid4)}
        writer.submit(import_row(row, actor), lambda o: (outcomes.append(o), done.release()))
    for _ in plan.ready:
        done.acquire()
    for outcome in outcomes:
        if outcome.error is not None:
            raise outcome.error
    return sum(1 for o in outcomes if o.value is not None)


# -- export ------------------------------------------------------------------------------------
EXPORT_HEADERS = ("单位名称", "统一社会信用代码", "单位类型", "所属行业", "会员等级", "会籍状态", "入会日期",
                  "地址", "联系人", "联系电话", "电子邮箱", "企业库", "成长阶段", "最近缴费年度")


def export_rows(db: ViewDatabase, query: RosterQuery) -> list[list[Any]]:
    rows: list[list[Any]] = []
    cursor = None
    while True:
        items, cursor, _ = list_members(db, query, limit=500, cursor=cursor, with_total=False)
        for m in items:
            contact = (m.get("contacts") or [{}])[0]
            rows.append([
                m["name"], m["credit_code"], KIND_NAMES.get(m["kind"], m["kind"]), m["sector"],
                TIER_NAMES.get(m.get("tier") or "", ""), STATUS_NAMES.get(m["status"], m["status"]),
                m.get("admitted_on") or "", m.get("address") or "", contact.get("name", ""),
                contact.get("phone", ""), contact.get("email", ""),
                "、".join(LIBRARY_NAMES[x] for x in m.get("libraries", [])),
                STAGE_NAMES.get(m.get("growth_stage") or "", ""), m.get("last_dues_year") or "",
            ])
        if cursor is None:
            return rows


def export_roster(db: ViewDatabase, query: RosterQuery, fmt: str) -> bytes:
    return tabular(EXPORT_HEADERS, export_rows(db, query), fmt, "会员名录")
