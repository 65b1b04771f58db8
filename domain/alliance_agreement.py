"""协议书: the agreement of an alliance, as seed 002 asks for it.

Two levels of checking. `check_agreement` runs on every version (a draft may
be unfinished, but never wrong: parties, leads, vocabulary, dates, money that
adds up). `check_submission` runs when the parties submit (and on an
amendment): the content the seed requires must be there —

- 二（一）"每一个创新联盟必须要有明确的协作目标任务和具体保障措施": goals, tasks, safeguards;
- 四（三）"明确工作思路、进度安排、定期考核指标及资金使用方向和使用范围，项目资金实行专账管理":
  work plan, tasks with due dates, periodic indicators, use and scope of funds, a dedicated account;
- 一（三）1 "研发投入应以企业为主": the enterprises' own contribution exceeds the requested funding.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import msgspec

from domain.alliance_values import AGREEMENT_FIELDS, Agreement, Value
from domain.errors import DomainError, InvalidValue
from domain.vocabularies import cooperation_keys, sector_key

__all__ = ["AGREEMENT_FIELDS", "Agreement", "check_agreement", "check_submission"]

# The fields an agreement cannot do without, even as a draft.
REQUIRED_FIELDS = tuple(f.name for f in msgspec.structs.fields(Agreement) if f.required)

# What submission requires, with the seed's words (field -> requirement).
REQUIRED_CONTENT = {
    "goals": "明确的协作目标任务",
    "tasks": "进度安排（任务及完成时间）",
    "safeguards": "具体保障措施",
    "work_plan": "工作思路",
    "indicators": "定期考核指标",
    "fund_use_direction": "资金使用方向",
    "fund_use_scope": "资金使用范围",
    "dedicated_account": "项目资金专账",
}
ENTERPRISE_LED_RULE = "研发投入应以企业为主：企业自筹投入须大于申请资助金额"


def _date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidValue(f"{field} 须为 YYYY-MM-DD (a date)", field=field) from None


def check_agreement(agreement: Mapping[str, Any]) -> Agreement:
    """One version of the agreement: consistent, in the vocabularies, money adding up.
    Returns the normalised agreement (keys for labels, dates as dates, defaults filled).
    `agreement` may be sent fields, an Agreement, or an Agreement with changes laid over it."""
    a = {"other_sectors": [], "work_plan": "", "indicators": [], "safeguards": "", "contributions": [],
         "fund_use_direction": "", "fund_use_scope": "", "dedicated_account": None, "workspace": "",
         "expert_team": [], **msgspec.to_builtins(dict(agreement))}
    missing = [field for field in REQUIRED_FIELDS if a.get(field) is None]
    if missing:
        raise InvalidValue(f"缺少 {missing[0]} (a required field)", field=missing[0])
    enterprises, societies = [str(p) for p in a.get("enterprises") or []], [str(p) for p in a.get("societies") or []]
    if not enterprises:
        raise InvalidValue("至少需要一家企业 (at least one enterprise)", field="enterprises")
    if not societies:
        raise InvalidValue("至少需要一个学会 (at least one society)", field="societies")
    if len(set(enterprises)) != len(enterprises) or len(set(societies)) != len(societies):
        raise InvalidValue("联盟成员不能重复 (a party is listed twice)", field="enterprises")
    if set(enterprises) & set(societies):
        raise InvalidValue("同一单位不能既是企业方又是学会方 (a party cannot be both)", field="societies")
    if str(a["lead_enterprise_id"]) not in enterprises:
        raise InvalidValue("牵头企业须为联盟企业之一 (the lead enterprise must be a party)",
                           field="lead_enterprise_id")
    if str(a["lead_society_id"]) not in societies:
        raise InvalidValue("牵头学会须为联盟学会之一 (the lead society must be a party)", field="lead_society_id")
    a.update(enterprises=enterprises, societies=societies, lead_enterprise_id=str(a["lead_enterprise_id"]),
             lead_society_id=str(a["lead_society_id"]))
    if not a.get("cooperation_areas"):
        raise InvalidValue("至少选择一项合作内容 (at least one cooperation content)", field="cooperation_areas")
    a["cooperation_areas"] = cooperation_keys(a["cooperation_areas"])
    a["sector"] = sector_key(a["sector"])
    a["other_sectors"] = [s for s in (sector_key(x, "other_sectors") for x in a["other_sectors"])
                          if s != a["sector"]]
    if not a.get("tasks"):
        raise InvalidValue("至少一项任务 (at least one task)", field="tasks")
    a["starts_on"], a["ends_on"] = _date(a["starts_on"], "starts_on"), _date(a["ends_on"], "ends_on")
    if a["ends_on"] <= a["starts_on"]:
        raise InvalidValue("结束日期须晚于开始日期 (ends_on after starts_on)", field="ends_on")
    if a["requested_funding_fen"] > a["budget_fen"]:
        raise InvalidValue("申请资助不能超过总预算 (requested funding exceeds the budget)",
                           field="requested_funding_fen")
    a["contributions"] = _contributions(a["contributions"], [*enterprises, *societies])
    own = sum(c["amount_fen"] for c in a["contributions"])
    if own + a["requested_funding_fen"] > a["budget_fen"]:
        raise InvalidValue(f"各方自筹 {own} 分加申请资助 {a['requested_funding_fen']} 分超过总预算 "
                           f"{a['budget_fen']} 分 (contributions and funding exceed the budget)",
                           field="contributions")
    a["expert_team"] = [_expert(e, societies, a["lead_society_id"]) for e in a["expert_team"]]
    return Agreement.of(a)


def _contributions(items: list[dict[str, Any]], parties: list[str]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for item in items:
        party = str(item.get("party_id"))
        if party not in parties:
            raise InvalidValue("自筹投入须由联盟一方承担 (a contribution must come from a party)",
                               field="contributions")
        if party in seen:
            raise InvalidValue("每方只列一项自筹投入 (one contribution per party)", field="contributions")
        if int(item.get("amount_fen", -1)) < 0:
            raise InvalidValue("投入金额不能为负 (amount must not be negative)", field="contributions")
        seen.add(party)
        out.append({"party_id": party, "amount_fen": int(item["amount_fen"])})
    return out


def _expert(expert: dict[str, Any], societies: list[str], lead_society: str) -> dict[str, Any]:
    """Each expert is sent by one society (三（二）4 "学会应派出…专家团队"); the lead
    society when the agreement does not say, and the stored version says so."""
    society = str(expert.get("society_id") or lead_society)
    if society not in societies:
        raise InvalidValue("专家须由联盟中的学会派出 (an expert's society must be a party)",
                           field="expert_team")
    return {**expert, "society_id": society}


def enterprise_contribution(agreement: Mapping[str, Any]) -> int:
    enterprises = set(agreement["enterprises"])
    return sum(c["amount_fen"] for c in agreement.get("contributions") or [] if c["party_id"] in enterprises)


def missing_content(agreement: Mapping[str, Any]) -> list[str]:
    """The fields of REQUIRED_CONTENT the agreement leaves empty."""
    return [field for field in REQUIRED_CONTENT if not _filled(agreement.get(field))]


def _filled(value: Any) -> bool:
    if isinstance(value, Value):
        value = value.plain()
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, dict):
        return all(_filled(v) for v in value.values()) and bool(value)
    return bool(value)


def check_submission(agreement: Agreement) -> None:
    """What the seed requires before the association receives the agreement."""
    missing = missing_content(agreement)
    if missing:
        listed = "、".join(REQUIRED_CONTENT[m] for m in missing)
        raise DomainError(f"协议书缺少：{listed} (the agreement lacks {', '.join(missing)})",
                          code="agreement_incomplete", field=missing[0])
    own, requested = enterprise_contribution(agreement), agreement.requested_funding_fen
    if own <= requested:
        raise DomainError(f"{ENTERPRISE_LED_RULE}；企业自筹 {own} 分，申请资助 {requested} 分 "
                          f"(R&D investment must be enterprise-led: own {own} fen <= requested {requested} fen)",
                          code="not_enterprise_led", field="contributions")


def effective_day(on: date | None, today: date, field: str) -> date:
    """The day a decision took effect in the world: today unless given; never in the future."""
    if on is None:
        return today
    if on > today:
        raise InvalidValue(f"{field} 不能晚于今天 (a date in the future)", field=field)
    return on


def reason_given(text: str | None, field: str = "reason") -> str:
    """A decision that needs its reason (a refusal, a resolution, a note): the text, trimmed."""
    if not text or not text.strip():
        raise InvalidValue("须说明理由 (a reason is required)", field=field)
    return text.strip()
