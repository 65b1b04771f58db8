"""科协把关: the eligibility report of seed 002 §3 ("申报条件").

Every party is checked on its own record and its own declarations: one line
per rule per party, each with the figures it used, the evidence reference it
relied on and the seed's rule text. Nothing is inferred: legal-person status,
the enterprise science association and a society's affiliation are what the
organisation declared (with evidence); workspace, service experience and the
work plan are what that party declared for this alliance; figures are those
of the last completed year. Membership of the association is shown, never
required (the seed does not ask for it).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.alliance_agreement import ENTERPRISE_LED_RULE, REQUIRED_CONTENT, enterprise_contribution, missing_content

RD_STAFF_MIN = 0.10  # 三（一）2 科技人员占职工总数的比例10%以上
RD_SPEND_MIN = 0.05  # 三（一）2 研发经费不低于当年营业收入的5%
# 科技型中小企业评价办法 (国科发政〔2017〕115号) 第六条（三）: the size test.
SME_MAX_EMPLOYEES = 500
SME_MAX_REVENUE_FEN = 200_000_000_00  # 2 亿元
SME_MAX_ASSETS_FEN = 200_000_000_00  # 2 亿元

LEGAL_FORMS = ("legal_person", "branch")  # 法人 / 分支机构
SCIENCE_ASSOCIATION = ("established", "founding", "none")  # 企业科协：已建立 / 正在筹建 / 无
AFFILIATIONS = ("city_society", "local_university_association", "none")  # 市科协所属学会 / 在汉高校科协 / 无

RULES = {
    "enterprise_legal_person": "三（一）1 必须具有独立法人资格（申报单位声明为法人；分支机构不具有独立法人资格）",
    "enterprise_tech_sme": "三（一）1 科技型中小企业：上一完整年度职工总数不超过500人、年销售收入不超过2亿元、"
                           "资产总额不超过2亿元（科技型中小企业评价办法），或已列入科技型中小企业库",
    "rd_staff_ratio": "三（一）2 企业直接从事研究开发的科技人员占职工总数的比例10%以上（上一完整年度）",
    "rd_spend_ratio": "三（一）2 每年用于技术产品研究开发的经费不低于当年营业收入的5%（上一完整年度）",
    "workspace": "三（一）3 企业能为企会协作创新联盟提供必要的工作场所和设备等基础条件",
    "enterprise_science_association": "三（一）4 企业须已建立或正在筹建企业科协组织",
    "society_affiliation": "三（二）1 申报学会须是市科协所属的学会或在汉高校科协",
    "society_experience": "三（二）2 有开展服务企业技术创新活动的经历（如开展学术交流、人才培训等）",
    "annual_plan_with_staff": "三（二）3 学会要将该任务列入本年度的工作计划，有专门工作人员负责组织实施",
    "expert_team": "三（二）4 学会应派出完成协作任务所需要的专家团队",
    "agreement_content": "二（一）、四（三）协议书须有协作目标任务、具体保障措施、工作思路、进度安排、定期考核指标、"
                         "资金使用方向和使用范围，项目资金实行专账管理",
    "enterprise_led_investment": f"一（三）1 {ENTERPRISE_LED_RULE}",
}


def _check(name: str, party: Any | None, passed: bool, **figures: Any) -> dict[str, Any]:
    return {"name": name, "party_id": str(party.id) if party is not None else None,
            "party_name": party.name if party is not None else None, "passed": bool(passed),
            "rule": RULES[name], "figures": figures}


def _attribute(org: Any, key: str) -> tuple[str | None, str | None]:
    """(value, evidence) of an attribute the organisation declared."""
    found = (getattr(org, "attributes", None) or {}).get(key)
    return (found["value"], found.get("evidence")) if found else (None, None)


def _figures(org: Any, year: int) -> tuple[dict[str, int] | None, int | None]:
    """The figures of `year` (the last completed one), and the latest year on record."""
    stats = getattr(org, "annual_stats", None) or {}
    latest = max((int(y) for y in stats), default=None)
    return stats.get(str(year)), latest


def _out_of_date(year: int, latest: int | None) -> str | None:
    if latest is None:
        return f"无年度数据，须有 {year} 年数据 (no figures; {year} required)"
    if latest < year:
        return f"年度数据为 {latest} 年，已过期，须有 {year} 年数据 ({latest} figures are out of date; {year} required)"
    return None


def enterprise_checks(org: Any, declaration: dict[str, Any], year: int) -> list[dict[str, Any]]:
    legal_form, legal_evidence = _attribute(org, "legal_form")
    association, association_evidence = _attribute(org, "science_association")
    stats, latest = _figures(org, year)
    stale = None if stats else _out_of_date(year, latest)
    employees = stats["employees"] if stats else None
    revenue = stats["revenue_fen"] if stats else None
    assets = stats.get("total_assets_fen") if stats else None
    in_library = "tech_sme" in (getattr(org, "libraries", None) or [])
    size_ok = (stats is not None and assets is not None and employees <= SME_MAX_EMPLOYEES
               and revenue <= SME_MAX_REVENUE_FEN and assets <= SME_MAX_ASSETS_FEN)
    staff_ratio = stats["rd_staff"] / employees if stats and employees else None
    spend_ratio = stats["rd_spend_fen"] / revenue if stats and revenue else None
    ratio = {"required_year": year, "year": year if stats else latest, "out_of_date": stale}
    return [
        _check("enterprise_legal_person", org, org.kind == "enterprise" and legal_form == "legal_person",
               kind=org.kind, legal_form=legal_form, evidence=legal_evidence),
        _check("enterprise_tech_sme", org, in_library or size_ok, tech_sme_library=in_library,
               employees=employees, revenue_fen=revenue, total_assets_fen=assets,
               limits={"employees": SME_MAX_EMPLOYEES, "revenue_fen": SME_MAX_REVENUE_FEN,
                       "total_assets_fen": SME_MAX_ASSETS_FEN},
               note=None if in_library or stats is None or assets is not None
               else f"{year} 年数据缺少资产总额 (total assets missing)", **ratio),
        _check("rd_staff_ratio", org, staff_ratio is not None and staff_ratio >= RD_STAFF_MIN,
               employees=employees, rd_staff=stats["rd_staff"] if stats else None,
               ratio=None if staff_ratio is None else round(staff_ratio, 4), threshold=RD_STAFF_MIN, **ratio),
        _check("rd_spend_ratio", org, spend_ratio is not None and spend_ratio >= RD_SPEND_MIN,
               revenue_fen=revenue, rd_spend_fen=stats["rd_spend_fen"] if stats else None,
               ratio=None if spend_ratio is None else round(spend_ratio, 4), threshold=RD_SPEND_MIN, **ratio),
        _check("workspace", org, bool((declaration.get("workspace") or "").strip()),
               workspace=declaration.get("workspace"), evidence=declaration.get("evidence")),
        _check("enterprise_science_association", org, association in ("established", "founding"),
               science_association=association, evidence=association_evidence),
    ]


def society_checks(org: Any, declaration: dict[str, Any], experts: list[dict[str, Any]],
                   year: int) -> list[dict[str, Any]]:
    affiliation, evidence = _attribute(org, "affiliation")
    staff = declaration.get("responsible_staff") or []
    plan_year = declaration.get("work_plan_year")
    return [
        _check("society_affiliation", org, affiliation in ("city_society", "local_university_association"),
               kind=org.kind, affiliation=affiliation, evidence=evidence),
        _check("society_experience", org, bool((declaration.get("service_experience") or "").strip()),
               service_experience=declaration.get("service_experience"), evidence=declaration.get("evidence")),
        _check("annual_plan_with_staff", org,
               plan_year == year and bool((declaration.get("work_plan") or "").strip()) and bool(staff),
               required_year=year, work_plan_year=plan_year, work_plan=declaration.get("work_plan"),
               responsible_staff=staff, evidence=declaration.get("evidence")),
        _check("expert_team", org, bool(experts), experts=experts),  # sealed persons, opened on reading
    ]


def alliance_checks(agreement: dict[str, Any]) -> list[dict[str, Any]]:
    missing = missing_content(agreement)
    own = enterprise_contribution(agreement)
    return [
        _check("agreement_content", None, not missing, missing=[REQUIRED_CONTENT[m] for m in missing]),
        _check("enterprise_led_investment", None, own > agreement["requested_funding_fen"],
               enterprise_contribution_fen=own, requested_funding_fen=agreement["requested_funding_fen"]),
    ]


def eligibility_report(agreement: dict[str, Any], declarations: dict[str, dict[str, Any]],
                       enterprises: list[Any], societies: list[Any], on: date) -> dict[str, Any]:
    """The report as of the screening day `on`: figures of the year before, this year's plan."""
    year = on.year - 1
    checks = [c for org in enterprises for c in enterprise_checks(org, declarations.get(str(org.id), {}), year)]
    checks += [c for org in societies for c in society_checks(
        org, declarations.get(str(org.id), {}),
        [e for e in agreement.get("expert_team") or []
         if (e.get("society_id") or agreement["lead_society_id"]) == str(org.id)], on.year)]
    checks += alliance_checks(agreement)
    parties = [{"party_id": str(org.id), "name": org.name, "kind": org.kind, "role": role,
                "membership_status": org.status}
               for role, orgs in (("enterprise", enterprises), ("society", societies)) for org in orgs]
    return {"passed": all(c["passed"] for c in checks), "screened_on": on.isoformat(), "figures_year": year,
            "plan_year": on.year, "parties": parties, "checks": checks}
