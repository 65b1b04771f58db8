"""Member lists as files: import an association's existing roster (CSV or
XLSX, Chinese headers) and export the roster with the same filters as the API.

The import reads back every column the export writes, so export → import into
an empty platform gives the same roster: status and its date, tier, dues paid
per year, the dues position, libraries, growth stage, every contact.

Import is checked row by row first: a dry run reports every bad row with its
spreadsheet row number and column header (and the values that column accepts),
and says per good row what will happen — including who would lapse at the
scheduler's next tick, and why. It is idempotent: a credit code already on the
platform is skipped, so running the same file twice changes nothing. It refuses
to leave imported members lapsing at once unless told so (`allow_lapse`): give
the dues position in the file (最近缴费年度 / 会费缴纳记录) or as an option
(`dues_paid_through`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.errors import DomainError
from domain.organisations import (
    DEFAULT_GRACE_DAYS,
    GROWTH_STAGES,
    IN_GOOD_STANDING,
    KINDS,
    LIBRARIES,
    STATUSES,
    TIERS,
    dues_due_on,
    grace_ends_on,
    lapse_reason,
)
from domain.unique import UniqueClaim, claim_id
from domain.values import Actor, normalise_credit_code
from domain.vocabularies import KIND_NAMES, LIBRARY_NAMES, STAGE_NAMES, STATUS_NAMES, TIER_NAMES
from projections.personal import ERASED
from projections.roster import RosterQuery, list_members, periods
from projections.store import ViewDatabase
from service.personal import new_organisation
from service.spreadsheets import MEDIA_TYPES, restore, tabular
from service.writer import Command, CommandWriter, UnitOfWork

# The names the export writes (and the import reads first) are the vocabularies' labels.

# Every spelling the import accepts, Chinese and English, with the synonyms
# associations use (compared after `_spelling`: no spaces, no "(单位)", lower case).
KIND_SPELLINGS: dict[str, tuple[str, ...]] = {
    "enterprise": ("企业", "公司", "enterprise", "company"),
    "society": ("学会", "society"),
    "university_association": ("高校科协", "高校", "university_association", "university association"),
    "institute": ("科研院所", "研究所", "研究院", "科研机构", "institute", "research institute"),
    "service_agency": ("服务机构", "科技服务机构", "service_agency", "service agency"),
}
TIER_SPELLINGS: dict[str, tuple[str, ...]] = {
    "member": ("会员单位", "普通会员", "会员", "member"),
    "council": ("理事单位", "理事", "council", "council member"),
    "vice_president": ("副会长单位", "副会长", "副理事长单位", "副理事长", "vice_president", "vice president"),
    "president": ("会长单位", "会长", "理事长单位", "理事长", "president"),
}
STATUS_SPELLINGS: dict[str, tuple[str, ...]] = {
    "applied": ("申请中", "待审批", "applied"),
    "admitted": ("正常", "在册", "有效", "admitted", "active"),
    "suspended": ("暂停", "暂停会籍", "suspended"),
    "lapsed": ("失效", "会籍失效", "lapsed"),
    "withdrawn": ("已退会", "退会", "withdrawn"),
    "rejected": ("未通过", "不予入会", "rejected"),
}
LIBRARY_SPELLINGS: dict[str, tuple[str, ...]] = {
    "tech_sme": ("科技型中小企业库", "科技型中小企业", "tech_sme"),
    "high_tech": ("高新技术企业库", "高新技术企业", "高企", "high_tech"),
    "advanced_service": ("技术先进型服务企业库", "技术先进型服务企业", "advanced_service"),
}
STAGE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "startup_team": ("创业团队", "startup_team"),
    "tech_sme": ("科技型中小企业", "tech_sme"),
    "high_tech": ("高新技术企业", "high_tech"),
    "little_giant": ("科技小巨人领军企业", "科技小巨人", "小巨人", "little_giant"),
}
assert set(KIND_SPELLINGS) == set(KINDS) and set(TIER_SPELLINGS) == set(TIERS)
assert set(STATUS_SPELLINGS) == set(STATUSES) and set(LIBRARY_SPELLINGS) == set(LIBRARIES)
assert set(STAGE_SPELLINGS) == set(GROWTH_STAGES)

# Import columns: field -> accepted headers (the export's header first, then synonyms, English).
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("单位名称", "名称", "name"),
    "credit_code": ("统一社会信用代码", "信用代码", "credit_code"),
    "kind": ("单位类型", "类型", "kind"),
    "sector": ("所属行业", "行业", "sector"),
    "tier": ("会员等级", "等级", "tier"),
    "status": ("会籍状态", "状态", "status"),
    "admitted_on": ("入会日期", "admitted_on"),
    "address": ("地址", "单位地址", "address"),
    "contact_name": ("联系人", "contact_name"),
    "contact_phone": ("联系电话", "电话", "手机", "contact_phone"),
    "contact_email": ("电子邮箱", "邮箱", "email", "contact_email"),
    "libraries": ("企业库", "libraries"),
    "growth_stage": ("成长阶段", "成长阶梯", "growth_stage"),
    "last_dues_year": ("最近缴费年度", "会费缴至", "last_dues_year"),
    "dues": ("会费缴纳记录", "dues"),
    "other_contacts": ("其他联系人", "other_contacts"),
    "status_on": ("状态生效日期", "status_on"),
    "applied_on": ("申请日期", "applied_on"),
}
REQUIRED = ("name", "credit_code", "kind", "sector", "contact_name", "contact_phone")
# Statuses an organisation reaches only through admission: they need 入会日期.
WAS_ADMITTED = ("admitted", "suspended", "lapsed", "withdrawn")

EXPORT_TYPES = MEDIA_TYPES
DATE_FORMATS = "YYYY-MM-DD、YYYY/M/D、YYYY年M月D日 或表格日期单元格 (or a spreadsheet date cell)"
LIST_SEPARATORS = re.compile(r"[；;\n]+")
FIELD_SEPARATORS = re.compile(r"[，,]")


# -- reading files -------------------------------------------------------------------------
def read_table(path: Path) -> list[dict[str, Any]]:
    """Rows as {header: value}; data rows carry their spreadsheet row number.
    Text our own export quoted against formulas is read back as it was."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
    else:
        text = path.read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    headers = [str(restore(h)).strip() if h is not None else "" for h in rows[0]]
    return [{"__row__": number, **{h: restore(v) for h, v in zip(headers, row, strict=False)}}
            for number, row in enumerate(rows[1:], start=2)
            if any(v not in (None, "") for v in row)]


@dataclass
class RowProblem:
    row: int
    field: str  # the platform's name for it (credit_code)
    message: str  # names the column as the file has it, and what it accepts
    column: str = ""  # the header, as in the file (统一社会信用代码)


@dataclass
class RowOutcome:
    """What importing one good row will do."""

    row: int
    credit_code: str
    name: str
    text: str
    lapsing: bool = False  # lapses at the scheduler's next tick


@dataclass
class ImportPlan:
    rows: int = 0
    ready: list[dict[str, Any]] = field(default_factory=list)
    existing: list[tuple[int, str]] = field(default_factory=list)  # (row, credit code) already here
    problems: list[RowProblem] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)  # one per ready row
    today: date | None = None
    grace_days: int = DEFAULT_GRACE_DAYS

    @property
    def lapsing(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.lapsing]


class ImportWouldLapse(DomainError):
    code = "import_would_lapse"

    def __init__(self, plan: ImportPlan):
        n, year = len(plan.lapsing), (plan.today or date.today()).year
        super().__init__(
            f"导入后 {n} 家会员将在下次定时任务时失效（{year} 年会费未缴且宽限期 {plan.grace_days} 天已过），"
            f"未导入任何数据。请在文件中填写会费情况（最近缴费年度 / 会费缴纳记录），或指定 --dues-paid-through "
            f"年度；确需让其失效时加 --allow-lapse "
            f"(nothing imported: {n} members would lapse at the scheduler's next tick, dues for {year} unpaid "
            f"after {plan.grace_days} days' grace; give the dues position in the file or --dues-paid-through YEAR, "
            f"or pass --allow-lapse)")


def _spelling(value: str) -> str:
    text = re.sub(r"[（(]\s*单位\s*[)）]", "单位", str(value).strip())
    return re.sub(r"[\s\-]+", " ", text).strip().lower().replace(" ", "_")


def _vocabulary(spellings: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_spelling(s): code for code, names in spellings.items() for s in names}


_KINDS, _TIERS, _STATUSES = _vocabulary(KIND_SPELLINGS), _vocabulary(TIER_SPELLINGS), _vocabulary(STATUS_SPELLINGS)
_LIBRARIES, _STAGES = _vocabulary(LIBRARY_SPELLINGS), _vocabulary(STAGE_SPELLINGS)


def accepted(spellings: dict[str, tuple[str, ...]]) -> str:
    """The accepted values, for messages: 企业 / 公司 (enterprise)、学会 (society)…"""
    return "、".join(f"{' / '.join(s for s in names if not s.isascii())} ({code})"
                     for code, names in spellings.items())


class _Row:
    """One spreadsheet row: cells by field, problems naming the file's own header."""

    def __init__(self, raw: dict[str, Any]):
        self.raw, self.number = raw, raw["__row__"]
        self.problems: list[RowProblem] = []
        lowered = {str(k).strip().lower(): k for k in raw if k != "__row__"}
        self.header: dict[str, str] = {}
        for name, headers in IMPORT_COLUMNS.items():
            present = [lowered[h.lower()] for h in headers if h.lower() in lowered]
            self.header[name] = next((h for h in present if raw[h] not in (None, "")),
                                     present[0] if present else headers[0])

    def cell(self, name: str) -> Any:
        value = self.raw.get(self.header[name])
        if isinstance(value, str):
            value = value.strip()
        return None if value in (None, "") else value

    def text(self, name: str) -> str | None:
        value = self.cell(name)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return None if value is None else str(value)

    def problem(self, name: str, message: str) -> None:
        column = self.header[name]
        self.problems.append(RowProblem(self.number, name, f"{column}：{message}", column))

    def choice(self, name: str, words: dict[str, str], spellings: dict[str, tuple[str, ...]],
               default: str | None = None) -> str | None:
        raw = self.text(name)
        if raw is None:
            return default
        found = words.get(_spelling(raw))
        if found is None:
            self.problem(name, f"无法识别「{raw}」；可填：{accepted(spellings)} (unknown value)")
        return found

    def day(self, name: str) -> date | None:
        value = self.cell(name)
        if value is None:
            return None
        try:
            return parse_date(value)
        except ValueError:
            self.problem(name, f"「{value}」不是日期；可填 {DATE_FORMATS} (not a date)")
            return None

    def year(self, name: str) -> int | None:
        raw = self.text(name)
        if raw is None:
            return None
        match = re.fullmatch(r"(\d{4})\s*年?(度)?", raw)
        if match is None or not 1949 <= int(match[1]) <= 2100:
            self.problem(name, f"「{raw}」不是年度；可填如 2026 或 2026年 (not a year)")
            return None
        return int(match[1])


_DATE = re.compile(r"(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)"
                   r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def parse_date(value: Any) -> date:
    """YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日, or a spreadsheet date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.fullmatch(str(value).strip())
    if match is None:
        raise ValueError(value)
    year, month, day = match[1], match[2] or match[4], match[3] or match[5]
    return date(int(year), int(month), int(day))


def _fen(yuan: str) -> int:
    amount = Decimal(yuan.replace(",", ""))
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise InvalidOperation(yuan)
    return int(amount * 100)


_DUES_ITEM = re.compile(r"(\d{4})\s*年?\s*[:：]?\s*([\d,]+(?:\.\d{1,2})?)\s*元?\s*(?:[（(]\s*([^）)]*?)\s*[)）])?")


def format_dues(dues: list[dict[str, Any]]) -> str:
    """2019年3000.00元（2019-03-20）；2020年3000.00元（2020-02-11）"""
    return "；".join(f"{d['year']}年{d['amount_fen'] // 100}.{d['amount_fen'] % 100:02d}元（{d['paid_on']}）"
                    for d in dues)


def _dues(row: _Row) -> list[dict[str, Any]]:
    raw = row.text("dues")
    if raw is None:
        return []
    out: dict[int, dict[str, Any]] = {}
    for item in LIST_SEPARATORS.split(raw):
        if not item.strip():
            continue
        match = _DUES_ITEM.fullmatch(item.strip())
        try:
            if match is None:
                raise ValueError(item)
            paid_on = parse_date(match[3]) if match[3] else None
            out[int(match[1])] = {"year": int(match[1]), "amount_fen": _fen(match[2]), "paid_on": paid_on}
        except (ValueError, InvalidOperation):
            row.problem("dues", f"无法识别「{item.strip()}」；每年一项，以“；”分隔，如 2019年3000.00元（2019-03-20），"
                                f"日期可省略 (one year per item, e.g. 2019年3000.00元（2019-03-20）)")
    return [out[y] for y in sorted(out)]


def format_contact(contact: dict[str, Any]) -> str:
    return "，".join(str(contact.get(k) or "") for k in ("name", "phone", "email")).rstrip("，")


def _other_contacts(row: _Row) -> list[dict[str, Any]]:
    raw = row.text("other_contacts")
    contacts = []
    for item in LIST_SEPARATORS.split(raw or ""):
        parts = [p.strip() for p in FIELD_SEPARATORS.split(item.strip())] if item.strip() else []
        if not parts:
            continue
        if len(parts) < 2 or len(parts) > 3 or not parts[0] or not parts[1]:
            row.problem("other_contacts", f"无法识别「{item.strip()}」；每人一项，以“；”分隔，如 "
                                          f"陈静，13600000000，cj@example.com (name, phone, e-mail)")
            continue
        contacts.append({"name": parts[0], "phone": parts[1], **({"email": parts[2]} if len(parts) == 3
                                                                   and parts[2] else {})})
    return contacts


def _erased(contact: dict[str, Any]) -> bool:
    return contact.get("name") == ERASED


def _parse_row(raw: dict[str, Any]) -> tuple[dict[str, Any] | None, list[RowProblem]]:
    row = _Row(raw)
    for name in REQUIRED:
        if row.cell(name) is None:
            row.problem(name, f"缺少必填项 (missing {name})")
    if row.problems:
        return None, row.problems
    out: dict[str, Any] = {"row": row.number, "name": row.text("name"), "sector": row.text("sector"),
                           "address": row.text("address")}
    try:
        out["credit_code"] = normalise_credit_code(str(row.text("credit_code")))
    except DomainError as exc:
        row.problem("credit_code", exc.message)
    out["kind"] = row.choice("kind", _KINDS, KIND_SPELLINGS)
    out["tier"] = row.choice("tier", _TIERS, TIER_SPELLINGS, default="member")
    out["status"] = status = row.choice("status", _STATUSES, STATUS_SPELLINGS, default="admitted")
    out["admitted_on"] = admitted = row.day("admitted_on")
    out["status_on"] = status_on = row.day("status_on")
    out["applied_on"] = row.day("applied_on")
    if status in WAS_ADMITTED and admitted is None and row.cell("admitted_on") is None:
        row.problem("admitted_on", f"会籍状态为{STATUS_NAMES[status]}时必填入会日期；可填 {DATE_FORMATS} "
                                   f"(required for a member)")
    if admitted and status_on and status_on < admitted:
        row.problem("status_on", f"{status_on.isoformat()} 早于入会日期 {admitted.isoformat()} "
                                 f"(before the admission)")
    libraries = []
    for part in re.split(r"[、，,；;/\s]+", row.text("libraries") or ""):
        if part:
            found = _LIBRARIES.get(_spelling(part))
            if found is None:
                row.problem("libraries", f"无法识别「{part}」；可填：{accepted(LIBRARY_SPELLINGS)}，以“、”分隔 "
                                         f"(unknown library)")
            elif found not in libraries:
                libraries.append(found)
    out["libraries"] = libraries
    out["growth_stage"] = row.choice("growth_stage", _STAGES, STAGE_SPELLINGS)
    out["dues"] = _dues(row)
    out["last_dues_year"] = row.year("last_dues_year")
    first = {"name": row.text("contact_name"), "phone": row.text("contact_phone")}
    if row.cell("contact_email"):
        first["email"] = row.text("contact_email")
    contacts = [c for c in [first, *_other_contacts(row)] if not _erased(c)]
    if not contacts:
        row.problem("contact_name", "联系人均已删除（个人信息删除），请另填一位联系人 (every contact was erased)")
    out["contacts"] = contacts
    return (None if row.problems else out), row.problems


def _paid_years(row: dict[str, Any], through: int | None) -> tuple[set[int], int | None]:
    years = {d["year"] for d in row["dues"]}
    through = max((y for y in (row["last_dues_year"], through) if y is not None), default=None)
    if through is not None and years and through <= max(years):
        through = None  # the payments in the file say as much
    return years, through


def _outcome(row: dict[str, Any], today: date, grace_days: int, paid_through: int | None) -> RowOutcome:
    status, admitted = row["status"], row["admitted_on"]
    years, through = _paid_years(row, paid_through)
    row["paid_through"] = through
    what = f"导入为{STATUS_NAMES[status]}"
    if status in WAS_ADMITTED:
        what += f"（{TIER_NAMES[row['tier']]}，入会 {admitted.isoformat()}）"
    if status != "admitted" and row["status_on"]:
        what += f"，状态自 {row['status_on'].isoformat()} 起"
    if status not in IN_GOOD_STANDING:
        return RowOutcome(row["row"], row["credit_code"], row["name"],
                          what + "；无需缴纳会费，定时任务不会处理 (owes no dues)")
    year = today.year
    if year in years or (through is not None and year <= through):
        return RowOutcome(row["row"], row["credit_code"], row["name"], what + f"；{year} 年会费已缴")
    last_day = grace_ends_on(year, admitted, grace_days)
    if today > last_day:
        reason = lapse_reason(year, dues_due_on(year, admitted), grace_days)
        return RowOutcome(row["row"], row["credit_code"], row["name"],
                          what + f"；下次定时任务将使其会籍失效：{reason}", lapsing=True)
    return RowOutcome(row["row"], row["credit_code"], row["name"],
                      what + f"；{year} 年会费未缴，宽限期至 {last_day.isoformat()}，届时仍未缴纳将失效")


def plan_import(rows: list[dict[str, Any]], is_registered: Any, *, today: date | None = None,
                grace_days: int = DEFAULT_GRACE_DAYS, dues_paid_through: int | None = None) -> ImportPlan:
    """Check every row; `is_registered(credit_code)` says whether the platform knows it.
    `today` and `grace_days` (the platform's clock and QIHUI_DUES_GRACE_DAYS) say who
    would lapse; `dues_paid_through` is a dues position for every row without a later one."""
    today = today or date.today()
    plan = ImportPlan(rows=len(rows), today=today, grace_days=grace_days)
    seen: dict[str, int] = {}
    for raw in rows:
        parsed, problems = _parse_row(raw)
        plan.problems += problems
        if parsed is None:
            continue
        code = parsed["credit_code"]
        if code in seen:
            column = _Row(raw).header["credit_code"]
            plan.problems.append(RowProblem(parsed["row"], "credit_code",
                                            f"{column}：与第 {seen[code]} 行重复 (duplicate of row {seen[code]})",
                                            column))
            continue
        seen[code] = parsed["row"]
        if is_registered(code):
            plan.existing.append((parsed["row"], code))
        else:
            plan.ready.append(parsed)
            plan.outcomes.append(_outcome(parsed, today, grace_days, dues_paid_through))
    return plan


def import_row(row: dict[str, Any], actor: Actor, today: date) -> Command:
    """One organisation as the earlier roster had it (admitted on its real date,
    dues, tags, then its status); skipped if already here."""

    def command(uow: UnitOfWork) -> UUID | None:
        if uow.find(UniqueClaim, claim_id("credit_code", row["credit_code"])) is not None:
            return None  # imported before (or applied meanwhile): idempotent
        reason = f"从原会员名册导入，第 {row['row']} 行 (imported from the existing roster)"
        status, admitted = row["status"], row["admitted_on"]
        status_on = row["status_on"] or (admitted if status == "admitted" else today)
        applied = row["applied_on"] or (admitted if status in WAS_ADMITTED else status_on)
        applied = min(applied, admitted if status in WAS_ADMITTED else status_on)
        org = new_organisation(  # its contacts sealed as its own persons, inside the command
            uow, kind=row["kind"], name=row["name"], credit_code=row["credit_code"], sector=row["sector"],
            address=row["address"], contacts=row["contacts"], annual_stats=None,
            effective_on=applied, actor=actor, reason=reason)
        if status in WAS_ADMITTED:
            org.admit(tier=row["tier"], note=reason, effective_on=admitted, actor=actor)
        if row["libraries"]:
            org.change_libraries(add=row["libraries"], remove=[], effective_on=admitted or status_on, actor=actor,
                                 reason=reason)
        if row["growth_stage"]:
            org.move_growth_stage(stage=row["growth_stage"], effective_on=admitted or status_on, actor=actor,
                                  reason=reason)
        if status in WAS_ADMITTED:
            for dues in row["dues"]:
                org.pay_dues(year=dues["year"], amount_fen=dues["amount_fen"],
                             effective_on=dues["paid_on"] or today, actor=actor, reason=reason)
            if row.get("paid_through"):
                org.record_dues_paid_through(year=row["paid_through"], effective_on=today, actor=actor,
                                             reason=reason)
        was = f"{reason}：原名册会籍状态为{STATUS_NAMES[status]}"
        if status == "suspended":
            org.suspend(reason=was, effective_on=status_on, actor=actor)
        elif status == "lapsed":
            org.record_past_lapse(effective_on=status_on, actor=actor, reason=was)
        elif status == "withdrawn":
            org.withdraw(reason=was, effective_on=status_on, actor=actor)
        elif status == "rejected":
            org.reject(reason=was, effective_on=status_on, actor=actor)
        uow.add(org)
        uow.add(UniqueClaim(kind="credit_code", value=row["credit_code"], owner_id=org.id, actor=actor))
        return org.id

    return command


def run_import(writer: CommandWriter, plan: ImportPlan, actor: Actor, views: ViewDatabase, *,
               allow_lapse: bool = False) -> int:
    """Import the plan's ready rows through the writer (group-committed); contact
    people's fields are sealed with their own keys inside each command. Refuses (ImportWouldLapse,
    nothing written) when members would lapse at the next tick, unless `allow_lapse`."""
    import threading

    if plan.lapsing and not allow_lapse:
        raise ImportWouldLapse(plan)
    today = plan.today or date.today()
    outcomes: list[Any] = []
    done = threading.Semaphore(0)
    for row in plan.ready:
        writer.submit(import_row(row, actor, today), lambda o: (outcomes.append(o), done.release()))
    for _ in plan.ready:
        done.acquire()
    for outcome in outcomes:
        if outcome.error is not None:
            raise outcome.error
    return sum(1 for o in outcomes if o.value is not None)


# -- export ------------------------------------------------------------------------------------
EXPORT_HEADERS = ("单位名称", "统一社会信用代码", "单位类型", "所属行业", "会员等级", "会籍状态", "入会日期",
                  "地址", "联系人", "联系电话", "电子邮箱", "企业库", "成长阶段", "最近缴费年度",
                  "会费缴纳记录", "其他联系人", "状态生效日期", "申请日期")


def status_since(doc: dict[str, Any], as_of: str | None = None) -> str:
    """The day the status (as of `as_of`, or now) took effect, by the same
    membership periods the "as of" roster reads: a tier change is no status
    change, and a corrected lapse leaves no gap."""
    since, current = "", None
    for start, _end, status, _tier in periods(doc):
        if as_of is not None and start > as_of:
            break
        if status != current:
            current, since = status, start
    return since


def export_rows(db: ViewDatabase, query: RosterQuery) -> list[list[Any]]:
    rows: list[list[Any]] = []
    cursor = None
    while True:
        items, cursor, _ = list_members(db, query, limit=500, cursor=cursor, with_total=False)
        for m in items:
            contacts = m.get("contacts") or [{}]
            contact = contacts[0]
            rows.append([
                m["name"], m["credit_code"], KIND_NAMES.get(m["kind"], m["kind"]), m["sector"],
                TIER_NAMES.get(m.get("tier") or "", ""), STATUS_NAMES.get(m["status"], m["status"]),
                m.get("admitted_on") or "", m.get("address") or "", contact.get("name", ""),
                contact.get("phone", ""), contact.get("email", ""),
                "、".join(LIBRARY_NAMES[x] for x in m.get("libraries", [])),
                STAGE_NAMES.get(m.get("growth_stage") or "", ""), m.get("last_dues_year") or "",
                format_dues(m.get("dues", [])), "；".join(format_contact(c) for c in contacts[1:]),
                status_since(m, m.get("as_of")), m.get("applied_on") or "",
            ])
        if cursor is None:
            return rows


def export_roster(db: ViewDatabase, query: RosterQuery, fmt: str) -> bytes:
    return tabular(EXPORT_HEADERS, export_rows(db, query), fmt, "会员名录")
