"""专家评审 and 择优支持: what a programme sets for its review, and how the
programme ranks its alliances.

Seed 002 gives no points, no weights and no pass score: "武汉市科协将根据专家意见
和年度预算规模进行择优支持", and "优先支持…" for three kinds of alliance. So every
number here is a programme setting, shown on the programme and chosen by staff.
The defaults are the seed's own: five equally weighted criteria (a plain
average), no pass score (the reviewers' majority decides), no bonus points,
and the three priorities only as tie-breakers, in the seed's order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from domain.errors import DomainError, InvalidValue
from domain.values import Actor
from domain.vocabularies import priority_sector_keys

DEFAULT_CRITERIA = {"innovation": 1.0, "feasibility": 1.0, "team": 1.0, "collaboration": 1.0, "benefit": 1.0}
DEFAULT_NOTICE_DAYS = 7
# 三（三）: the seed's priorities, in its order.
PRIORITIES = {
    "priority_sector": "重点支持方向：光电子、生物医药与健康、新材料等年度重点支持行业",
    "cross_sector": "优先支持跨行业、多学科、多领域、综合交叉的企会创新协作项目",
    "multi_party": "优先支持多个企业与多个学会共同建立协作创新联盟",
}
DEFAULT_TIE_BREAKERS = ("priority_sector", "cross_sector", "multi_party")
# What the platform built in before issue 15; programmes opened then keep it on replay.
LEGACY_BONUSES = {"priority_sector": 5.0, "multi_party": 3.0, "cross_sector": 2.0}

# Settings that decide the ranking: fixed once a programme has ranked, so every round ranks alike.
RANKING_SETTINGS = ("priority_sectors", "criteria", "pass_score", "bonuses", "tie_breakers")
SETTINGS = (*RANKING_SETTINGS, "notice_days", "annual_report_due_days", "completion_report_due_days")
_CRITERION = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def default_settings() -> dict[str, Any]:
    return {"criteria": dict(DEFAULT_CRITERIA), "pass_score": None, "bonuses": {},
            "tie_breakers": list(DEFAULT_TIE_BREAKERS), "notice_days": DEFAULT_NOTICE_DAYS,
            "annual_report_due_days": None, "completion_report_due_days": None}


def check_settings(changes: dict[str, Any]) -> dict[str, Any]:
    """Validate (and normalise) programme settings; unknown keys are refused."""
    unknown = sorted(set(changes) - set(SETTINGS))
    if unknown:
        raise InvalidValue(f"未知的计划设置 {unknown[0]} (unknown setting)", field=unknown[0])
    out = dict(changes)
    if "priority_sectors" in out:
        out["priority_sectors"] = priority_sector_keys(out["priority_sectors"] or [])
    if "criteria" in out:
        criteria = out["criteria"] or {}
        if not 1 <= len(criteria) <= 10:
            raise InvalidValue("评审指标 1 至 10 项 (one to ten criteria)", field="criteria")
        for name, weight in criteria.items():
            if not _CRITERION.match(name):
                raise InvalidValue(f"评审指标名 {name!r} 须为小写英文标识 (criterion key)", field="criteria")
            if not 0 < float(weight) <= 100:
                raise InvalidValue(f"权重须大于 0、不超过 100 ({name}: weight)", field="criteria")
        out["criteria"] = {k: float(v) for k, v in criteria.items()}
    if out.get("pass_score") is not None and not 0 <= float(out["pass_score"]) <= 100:
        raise InvalidValue("及格分须在 0–100 之间 (pass score 0..100)", field="pass_score")
    if "bonuses" in out:
        bonuses = out["bonuses"] or {}
        for key, points in bonuses.items():
            if key not in PRIORITIES:
                raise InvalidValue(f"未知的优先支持项 {key!r}，可选 {', '.join(PRIORITIES)} (unknown priority)",
                                   field="bonuses")
            if not 0 <= float(points) <= 100:
                raise InvalidValue("加分须在 0–100 之间 (bonus points 0..100)", field="bonuses")
        out["bonuses"] = {k: float(v) for k, v in bonuses.items() if float(v) > 0}
    if "tie_breakers" in out:
        ties = list(out["tie_breakers"] or [])
        if any(t not in PRIORITIES for t in ties) or len(set(ties)) != len(ties):
            raise InvalidValue(f"同分优先顺序须为 {', '.join(PRIORITIES)} 中不重复的项 (tie-breakers)",
                               field="tie_breakers")
        out["tie_breakers"] = ties
    if "notice_days" in out and not 1 <= int(out["notice_days"]) <= 90:
        raise InvalidValue("公示期 1–90 天 (notice days 1..90)", field="notice_days")
    for key in ("annual_report_due_days", "completion_report_due_days"):
        if out.get(key) is not None and not 0 <= int(out[key]) <= 366:
            raise InvalidValue("报告期限 0–366 天 (deadline 0..366 days)", field=key)
    return out


# -- scoring ---------------------------------------------------------------------------------------
def priorities_met(agreement: dict[str, Any], priority_sectors: Iterable[str]) -> dict[str, bool]:
    """Which of the seed's priorities an alliance meets, from its agreement only."""
    return {
        "priority_sector": agreement["sector"] in set(priority_sectors),
        "cross_sector": bool(agreement.get("other_sectors")),
        "multi_party": len(agreement["enterprises"]) > 1 and len(agreement["societies"]) > 1,
    }


def review_complete(scores: dict[str, float], criteria: dict[str, float]) -> bool:
    return set(scores) == set(criteria)


def score(reviews: list[dict[str, Any]], settings: dict[str, Any], met: dict[str, bool]) -> dict[str, Any]:
    """The raw average of every score given, the average weighted by the programme's
    criteria, each bonus the programme grants with the rule it rewards, the final score."""
    criteria = settings["criteria"]
    total_weight = sum(criteria.values())
    raw = [v for r in reviews for k, v in r["scores"].items() if k in criteria]
    weighted = [sum(r["scores"][k] * w for k, w in criteria.items()) / total_weight for r in reviews]
    raw_average = round(sum(raw) / len(raw), 2) if raw else None
    weighted_average = round(sum(weighted) / len(weighted), 2) if weighted else None
    adjustments = [{"priority": key, "points": points, "rule": PRIORITIES[key]}
                   for key, points in settings["bonuses"].items() if met.get(key)]
    final = None if weighted_average is None else round(weighted_average + sum(a["points"] for a in adjustments), 2)
    return {"raw_average": raw_average, "weighted_average": weighted_average, "adjustments": adjustments,
            "final": final, "priorities": met, "recommend_votes": sum(1 for r in reviews if r["recommend"]),
            "reviews": len(reviews)}


def is_recommended(result: dict[str, Any], pass_score: float | None) -> bool:
    """Most reviewers recommend it, and, when the programme sets one, the final score
    reaches the pass score."""
    majority = result["reviews"] > 0 and result["recommend_votes"] * 2 > result["reviews"]
    return majority and (pass_score is None or (result["final"] is not None and result["final"] >= pass_score))


def ordered(entries: list[dict[str, Any]], tie_breakers: Iterable[str]) -> list[dict[str, Any]]:
    """Best first: final score, then the programme's tie-breakers in order (an alliance
    meeting a priority goes first), then the more recommendations; numbered from 1."""
    ties = list(tie_breakers)

    def key(e: dict[str, Any]) -> tuple[Any, ...]:
        met = e.get("priorities") or {}
        return (-(e.get("final") or 0.0), *[0 if met.get(t) else 1 for t in ties],
                -(e.get("recommend_votes") or 0), e.get("alliance_id", ""))

    return [{**e, "rank": place} for place, e in enumerate(sorted(entries, key=key), start=1)]


def opened_settings(settings: dict[str, Any] | None, notice_days: int, pass_score: float | None) -> dict[str, Any]:
    """A programme's settings as its Opened event gives them. Programmes opened
    before issue 15 carried no settings: they replay with the bonuses then built in."""
    legacy = {"bonuses": dict(LEGACY_BONUSES)} if settings is None else {}
    return {**default_settings(), **legacy, **(settings or {}), "notice_days": notice_days, "pass_score": pass_score}


class Ranking:
    """Mixed into domain.alliances.Program: its settings and its rounds of ranking
    (the facts, `SettingsChanged` and `Ranked`, are the Program's @event methods)."""

    def change_settings(self, *, changes: dict[str, Any], actor: Actor, reason: str | None) -> None:
        """计划设置: criteria and weights, pass score, bonuses, tie-breakers, priority
        sectors, notice days, report deadlines. What decides the ranking is fixed once
        the programme has ranked, so every round ranks by the same rules."""
        changes = check_settings(changes)
        current = {**self.settings, "priority_sectors": self.priority_sectors}
        real = {k: v for k, v in changes.items() if current.get(k) != v}
        if not real:
            raise InvalidValue("设置没有变化 (nothing to change)", field="settings")
        frozen = sorted(set(real) & set(RANKING_SETTINGS))
        if frozen and self.rounds:
            raise DomainError(f"已排序过，评审规则不能再改：{', '.join(frozen)} (the programme has ranked: its "
                              "ranking rules are fixed)", code="ranking_rules_frozen", field=frozen[0])
        self._settings_changed(changes=real, actor=actor, reason=reason)

    def record_ranking(self, *, entries: list[dict[str, Any]], actor: Actor) -> None:
        """One round of ranking: the alliances reviewed since the last round join the
        programme's standings (alliances screened later are ranked by a later round)."""
        if not entries:
            raise DomainError("没有待排序的联盟 (no reviewed alliance awaits ranking)", code="nothing_to_rank")
        ranked = {e["alliance_id"] for e in self.ranking}
        if any(e["alliance_id"] in ranked for e in entries):
            raise DomainError("联盟已排序 (an alliance was ranked already)", code="already_ranked")
        self._ranked(ranking=entries, round=self.rounds + 1, actor=actor, reason=None)
