"""科协把关: the eligibility report of seed 002 §3, computed from the parties'
records and the agreement, each check with the figures it used."""

from __future__ import annotations

from typing import Any

RD_STAFF_MIN = 0.10   # R&D staff ≥ 10 % of employees
RD_SPEND_MIN = 0.05   # R&D spend ≥ 5 % of revenue
TECH_STAGES = ("tech_sme", "high_tech", "little_giant")


def _check(name: str, passed: bool, rule: str, **figures: Any) -> dict[str, Any]:
    return {"name": name, "passed": bool(passed), "rule": rule, "figures": figures}


def _latest(stats: dict[str, dict[str, int]]) -> dict[str, int] | None:
    return stats[max(stats, key=int)] if stats else None


def enterprise_checks(org: Any, agreement: dict[str, Any]) -> list[dict[str, Any]]:
    who = {"organisation_id": str(org.id), "organisation_name": org.name}
    latest = _latest(org.annual_stats)
    employees = latest["employees"] if latest else 0
    rd_staff = latest["rd_staff"] if latest else 0
    revenue = latest["revenue_fen"] if latest else 0
    rd_spend = latest["rd_spend_fen"] if latest else 0
    staff_ratio = rd_staff / employees if employees else 0.0
    spend_ratio = rd_spend / revenue if revenue else 0.0
    association = agreement.get("enterprise_science_association", "none")
    return [
        _check("enterprise_legal_person", org.kind == "enterprise" and org.credit_code.startswith("91"),
               "独立法人资格的企业（统一社会信用代码以 91 开头）", credit_code=org.credit_code, **who),
        _check("enterprise_tech_sme", "tech_sme" in org.libraries or org.growth_stage in TECH_STAGES,
               "科技型中小企业（入库或成长阶梯已达科技型中小企业）", libraries=org.libraries,
               growth_stage=org.growth_stage, **who),
        _check("rd_staff_ratio", latest is not None and staff_ratio >= RD_STAFF_MIN,
               "研发人员占职工总数 10% 以上", year=latest["year"] if latest else None, employees=employees,
               rd_staff=rd_staff, ratio=round(staff_ratio, 4), **who),
        _check("rd_spend_ratio", latest is not None and spend_ratio >= RD_SPEND_MIN,
               "研发经费不低于当年营业收入 5%", year=latest["year"] if latest else None, revenue_fen=revenue,
               rd_spend_fen=rd_spend, ratio=round(spend_ratio, 4), **who),
        _check("workspace", bool((agreement.get("workspace") or "").strip()),
               "企业提供工作场所和设备", workspace=agreement.get("workspace"), **who),
        _check("enterprise_science_association", association in ("established", "founding"),
               "已建立或正在筹建企业科协", enterprise_science_association=association, **who),
    ]


def society_checks(org: Any, agreement: dict[str, Any]) -> list[dict[str, Any]]:
    who = {"organisation_id": str(org.id), "organisation_name": org.name}
    belongs = org.kind == "university_association" or (org.kind == "society" and org.status == "admitted")
    staff = agreement.get("annual_plan_staff") or []
    return [
        _check("society_affiliation", belongs, "市科协所属学会或高校科协", kind=org.kind, status=org.status, **who),
        _check("society_experience", bool((agreement.get("society_experience") or "").strip()),
               "有服务企业技术创新活动的经历", experience=agreement.get("society_experience"), **who),
        _check("annual_plan_with_staff", bool(staff), "任务列入年度工作计划并有专人负责", staff=staff, **who),
        _check("expert_team", bool(agreement.get("expert_team")), "派出完成任务所需的专家团队",
               experts=len(agreement.get("expert_team") or []), **who),
    ]


def eligibility_report(agreement: dict[str, Any], enterprises: list[Any], societies: list[Any]) -> dict[str, Any]:
    checks = [c for org in enterprises for c in enterprise_checks(org, agreement)]
    checks += [c for org in societies for c in society_checks(org, agreement)]
    return {"passed": all(c["passed"] for c in checks), "checks": checks}
