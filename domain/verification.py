"""Commissioned verification (受托核查, seed 000; DOMAIN.md "Commissioned verification").

A bureau commissions the association (受托事项): a kind of work, a scope, criteria (a
checklist, or a scoring sheet of weighted items with the published rating thresholds),
versioned, and a deadline. Under it, cases: one organisation's application for a year
(member or not) with its declared figures. A case is assigned to staff or external experts
(conflicts refused), checked on site item by item, recommended (pass, conditional, fail;
scored kinds with the weighted score and the rating the thresholds give), decided by the
client, and — where money must come back — clawed back and followed until recovered.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.errors import InvalidValue
from domain.model import Entity
from domain.services import ServiceRefusal, required_text
from domain.values import Actor

KINDS = {"rd_appraisal": "研发项目鉴定", "subsidy_check": "研发补助核查", "high_tech_filing": "高企备案核查",
         "site_check": "现场核查", "space_rating": "众创空间评级", "policy_evaluation": "政策后评估",
         "survey": "抽样调查"}
RATED_KINDS = ("space_rating",)  # published rating thresholds: a scoring sheet is required
OUTCOMES = {"pass": "通过", "conditional": "有条件通过", "fail": "不通过"}
STATUSES = {"received": "已受理", "assigned": "已分派", "checked": "已核查", "recommended": "已提出意见",
            "decided": "委托方已决定", "clawback": "追回中", "recovered": "已追回"}
_REGISTER = uuid5(NAMESPACE_URL, "https://qihui.invalid/verification-register")


class VerificationRefusal(ServiceRefusal):
    """A verification rule said no; `code` names which (conflict_of_interest, findings_required)."""


text_given = required_text


def checked_criteria(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A checklist (no weights) or a scoring sheet (every item weighted); ids unique."""
    if not criteria:
        raise InvalidValue("至少一项核查标准 (at least one criterion)", field="criteria")
    ids = [str(c["id"]).strip() for c in criteria]
    if "" in ids or len(set(ids)) != len(ids):
        raise InvalidValue("标准编号须唯一且非空 (criterion ids unique)", field="criteria")
    weighted = [c.get("weight") is not None for c in criteria]
    if any(weighted) and not all(weighted):
        raise InvalidValue("评分表每项都须有权重 (a scoring sheet weights every item)", field="criteria")
    if any(weighted) and any(c["weight"] <= 0 for c in criteria):
        raise InvalidValue("权重须为正数 (weights are positive)", field="criteria")
    return [{"id": i, "text": text_given(c.get("text"), "criteria", "标准内容"), "weight": c.get("weight")}
            for i, c in zip(ids, criteria, strict=True)]


def is_scored(criteria: list[dict[str, Any]]) -> bool:
    return criteria[0]["weight"] is not None


def checked_thresholds(kind: str, criteria: list[dict[str, Any]],
                       thresholds: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Rating thresholds, highest first: {rating, min_score} on the 0–100 weighted score."""
    if kind in RATED_KINDS and not (is_scored(criteria) and thresholds):
        raise InvalidValue("评级类事项须有加权评分表和评级标准 (a rated kind needs a scoring sheet and thresholds)",
                           field="thresholds" if is_scored(criteria) else "criteria")
    if thresholds and not is_scored(criteria):
        raise InvalidValue("只有评分表才有评级标准 (thresholds need a scoring sheet)", field="thresholds")
    found = sorted(({"rating": text_given(t.get("rating"), "thresholds", "等级"), "min_score": t["min_score"]}
                    for t in thresholds or []), key=lambda t: -t["min_score"])
    if len({t["rating"] for t in found}) != len(found) or len({t["min_score"] for t in found}) != len(found):
        raise InvalidValue("等级及其分数线须各不相同 (ratings and scores distinct)", field="thresholds")
    return found


def weighted_score(criteria: list[dict[str, Any]], answers: dict[str, dict[str, Any]]) -> float:
    total = sum(c["weight"] for c in criteria)
    return round(sum(c["weight"] * answers[c["id"]]["score"] for c in criteria) / total, 2)


def rating_for(thresholds: list[dict[str, Any]], score: float) -> str | None:
    """The highest rating whose line the score reaches; none below the lowest (未达标)."""
    return next((t["rating"] for t in thresholds if score >= t["min_score"]), None)


def checked_answers(criteria: list[dict[str, Any]], answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every item answered: `met` on a checklist, `score` 0–100 on a scoring sheet."""
    missing = [c["id"] for c in criteria if c["id"] not in answers]
    unknown = sorted(set(answers) - {c["id"] for c in criteria})
    if missing or unknown:
        raise InvalidValue(f"须逐项作答：缺 {missing}，多余 {unknown} (answer each criterion exactly)",
                           field="answers")
    key = "score" if is_scored(criteria) else "met"
    for c in criteria:
        value = answers[c["id"]].get(key)
        if value is None or (key == "score" and not 0 <= value <= 100):
            raise InvalidValue(f"标准 {c['id']} 须填写 {key}{'（0–100）' if key == 'score' else ''} "
                               f"({key} for each criterion)", field="answers")
    return {c["id"]: {key: answers[c["id"]][key], "note": answers[c["id"]].get("note") or ""} for c in criteria}


def register_id(credit_code: str, year: int) -> UUID:
    return uuid5(_REGISTER, f"{credit_code}:{year}")


class Commission(Entity):
    LABEL = "受托事项"

    @classmethod
    def commission(cls, *, client: str, kind: str, title: str, scope: str, due_on: date,
                   criteria: list[dict[str, Any]], thresholds: list[dict[str, Any]] | None,
                   fee_fen: int | None, required_figures: list[str], today: date, actor: Actor) -> Commission:
        if kind not in KINDS:
            raise InvalidValue(f"事项类型只能是 {', '.join(KINDS)} (kind)", field="kind")
        if due_on < today:
            raise InvalidValue("完成期限不能早于今天 (due_on in the past)", field="due_on")
        if fee_fen is not None and fee_fen < 0:
            raise InvalidValue("费用不能为负 (fee_fen)", field="fee_fen")
        items = checked_criteria(criteria)
        return cls(client=text_given(client, "client", "委托方"), kind=kind, title=text_given(title, "title", "名称"),
                   scope=scope.strip(), due_on=due_on, criteria=items,
                   thresholds=checked_thresholds(kind, items, thresholds), fee_fen=fee_fen,
                   required_figures=[f.strip() for f in required_figures if f.strip()], actor=actor)

    @event("Commissioned")
    def __init__(self, client: str, kind: str, title: str, scope: str, due_on: date, criteria: list[dict[str, Any]],
                 thresholds: list[dict[str, Any]], fee_fen: int | None, required_figures: list[str], actor: Actor,
                 reason: str | None = None):
        self.client, self.kind, self.title, self.scope, self.due_on = client, kind, title, scope, due_on
        self.criteria, self.thresholds, self.criteria_version = criteria, thresholds, 1
        self.fee_fen, self.required_figures = fee_fen, required_figures

    def revise_criteria(self, *, criteria: list[dict[str, Any]], thresholds: list[dict[str, Any]] | None,
                        actor: Actor, reason: str) -> int:
        """A new version of the criteria; site checks already made keep the version they used."""
        items = checked_criteria(criteria)
        self._criteria_revised(criteria=items, thresholds=checked_thresholds(self.kind, items, thresholds),
                               version=self.criteria_version + 1, actor=actor,
                               reason=text_given(reason, "reason", "修订理由"))
        return self.criteria_version

    @event("CriteriaRevised")
    def _criteria_revised(self, criteria: list[dict[str, Any]], thresholds: list[dict[str, Any]], version: int,
                          actor: Actor, reason: str) -> None:
        self.criteria, self.thresholds, self.criteria_version = criteria, thresholds, version


class CaseRegister(Entity):
    """Every case of one organisation (credit code) and year, across commissions: the intake's
    duplicate check reads it in the same transaction as the new case is received."""

    LABEL = "核查登记"

    @staticmethod
    def create_id(credit_code: str, year: int, **_: object) -> UUID:
        return register_id(credit_code, year)

    @event("Opened")
    def __init__(self, credit_code: str, year: int, actor: Actor, reason: str | None = None):
        self.credit_code, self.year = credit_code, year
        self.cases: list[dict[str, str]] = []

    def register(self, *, case_id: UUID, commission_id: UUID, actor: Actor) -> list[dict[str, str]]:
        earlier = list(self.cases)
        self._registered(case_id=str(case_id), commission_id=str(commission_id), actor=actor)
        return earlier

    @event("Registered")
    def _registered(self, case_id: str, commission_id: str, actor: Actor, reason: str | None = None) -> None:
        self.cases = [*self.cases, {"case_id": case_id, "commission_id": commission_id}]
