"""A client's spreadsheet of cases (受理清单), checked row by row before anything is received.

Columns: 单位名称 / organisation_name, 统一社会信用代码 / credit_code, 年度 / year, optionally
申报材料 / documents (separated by ；), then the declared figures: `declared_<name>` or
`申报<名称>` (any other header is a declared figure under its own name). Rows are numbered as
the spreadsheet numbers them (the header is row 1), like the members import
(service.roster_files: `read_table`, `RowProblem`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.errors import InvalidValue
from domain.values import normalise_credit_code
from service.roster_files import LIST_SEPARATORS, RowProblem

COLUMNS: dict[str, tuple[str, ...]] = {
    "organisation_name": ("单位名称", "企业名称", "名称", "organisation_name"),
    "credit_code": ("统一社会信用代码", "信用代码", "credit_code"),
    "year": ("年度", "申报年度", "year"),
    "documents": ("申报材料", "材料", "documents"),
}
_HEADERS = {h: name for name, headers in COLUMNS.items() for h in headers}


@dataclass
class CasePlan:
    rows: int = 0
    ready: list[dict[str, Any]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def _figure(header: str) -> str:
    for prefix in ("declared_", "申报"):
        if header.startswith(prefix) and len(header) > len(prefix):
            return header[len(prefix):]
    return header


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(str(value).replace(",", "").strip()) if not isinstance(value, int | float) else value
    return int(number) if float(number).is_integer() else float(number)


def _row(raw: dict[str, Any], plan: CasePlan, latest: int) -> dict[str, Any] | None:
    number = raw["__row__"]
    fields: dict[str, Any] = {"row": number, "declared": {}, "documents": []}
    bad = []
    for header, value in raw.items():
        if header == "__row__" or not header:
            continue
        name = _HEADERS.get(header)
        text = "" if value is None else str(value).strip()
        if name == "documents":
            fields["documents"] = [d.strip() for d in LIST_SEPARATORS.split(text) if d.strip()]
        elif name is not None:
            fields[name] = text
        elif text:
            try:
                fields["declared"][_figure(header)] = _number(value)
            except ValueError:
                bad.append(RowProblem(number, _figure(header), f"「{header}」须为数字，收到「{text}」 (a number)",
                                      header))
    if not fields.get("organisation_name"):
        bad.append(RowProblem(number, "organisation_name", "须填写单位名称 (the name is required)", "单位名称"))
    try:
        fields["credit_code"] = normalise_credit_code(fields.get("credit_code") or "")
    except InvalidValue as exc:
        bad.append(RowProblem(number, "credit_code", exc.message, "统一社会信用代码"))
    try:
        fields["year"] = int(_number(fields.get("year") or ""))
        if not 1990 <= fields["year"] <= latest:  # as the intake allows (service.verification)
            raise ValueError(fields["year"])
    except ValueError:
        bad.append(RowProblem(number, "year", f"年度须为四位年份，收到「{fields.get('year')}」 (a year)", "年度"))
    plan.problems += bad
    return None if bad else fields


def plan_cases(rows: list[dict[str, Any]], today: date) -> CasePlan:
    """Every row checked; the same organisation and year twice in one file is a bad row (across
    commissions it is a duplicate the intake flags, not an error)."""
    plan, seen = CasePlan(rows=len(rows)), {}
    for raw in rows:
        fields = _row(raw, plan, today.year + 1)
        if fields is None:
            continue
        key = (fields["credit_code"], fields["year"])
        if key in seen:
            plan.problems.append(RowProblem(fields["row"], "credit_code", f"与第 {seen[key]} 行为同一单位同一年度 "
                                            "(the same organisation and year as an earlier row)", "统一社会信用代码"))
            continue
        seen[key] = fields["row"]
        plan.ready.append(fields)
    plan.problems.sort(key=lambda p: p.row)
    return plan
