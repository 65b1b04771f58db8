"""Satisfaction surveys (满意度问卷, seed 001 二.4) and innovation check-ups (企业创新体检,
seed 003: 前瞻力、统合力、支撑力、实现力, a diagnosis and the follow-up points)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.errors import DomainError, InvalidValue
from domain.model import Entity
from domain.services import ServiceRefusal, required_text
from domain.values import Actor

QUESTION_KINDS = {"rating": "评分 1–5", "choice": "单选", "text": "文字"}
DIMENSIONS = {"foresight": "前瞻力", "integration": "统合力", "support": "支撑力", "realisation": "实现力"}


def _questions(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not questions:
        raise InvalidValue("问卷至少一道题 (at least one question)", field="questions")
    ids = [q["id"] for q in questions]
    if len(set(ids)) != len(ids):
        raise InvalidValue("题目编号重复 (question ids repeat)", field="questions")
    checked = []
    for i, q in enumerate(questions):
        if q["kind"] not in QUESTION_KINDS:
            raise InvalidValue("题型只能是 rating、choice、text (question kind)", field=f"questions[{i}].kind")
        choices = [c.strip() for c in q.get("choices") or [] if c.strip()]
        if q["kind"] == "choice" and len(set(choices)) < 2:
            raise InvalidValue("单选题至少两个不同选项 (a choice needs two choices)", field=f"questions[{i}].choices")
        text = required_text(q["text"], f"questions[{i}].text", "题目")
        kept = choices if q["kind"] == "choice" else []
        checked.append({"id": q["id"], "kind": q["kind"], "text": text, "choices": kept})
    return checked


class Survey(Entity):
    LABEL = "问卷"

    @classmethod
    def send(cls, *, title: str, questions: list[dict[str, Any]], organisation_ids: list[str],
             audience: dict[str, Any], today: date, actor: Actor) -> Survey:
        """发放问卷 to the organisations resolved from its audience (ids, hook-ups, library, a session)."""
        if not organisation_ids:
            raise InvalidValue("问卷对象为空 (the audience names no organisation)", field="organisation_ids")
        return cls(title=required_text(title, "title", "问卷标题"), questions=_questions(questions),
                   organisation_ids=list(dict.fromkeys(str(o) for o in organisation_ids)), audience=audience,
                   sent_on=today, actor=actor)

    @event("Sent")
    def __init__(self, title: str, questions: list[dict[str, Any]], organisation_ids: list[str],
                 audience: dict[str, Any], sent_on: date, actor: Actor, reason: str | None = None):
        self.title = title
        self.sent_on = sent_on
        self.questions = questions
        self.organisation_ids = organisation_ids
        self.audience = audience
        self.answered: list[str] = []

    def answer(self, *, organisation_id: UUID, answers: dict[str, Any], actor: Actor) -> None:
        """答卷: once per surveyed organisation; ratings and choices required, text optional."""
        org = str(organisation_id)
        if org not in self.organisation_ids:
            raise ServiceRefusal("not_surveyed", "该单位不在问卷对象中 (not surveyed)", "organisation_id")
        if org in self.answered:
            raise ServiceRefusal("already_answered", "该单位已答卷 (already answered)", "organisation_id")
        known = {q["id"]: q for q in self.questions}
        unknown = sorted(set(answers) - set(known))
        if unknown:
            raise InvalidValue(f"没有编号为 {unknown[0]} 的题目 (no such question)", field=f"answers.{unknown[0]}")
        kept: dict[str, Any] = {}
        for qid, q in known.items():
            value = answers.get(qid)
            field = f"answers.{qid}"
            if q["kind"] == "rating":
                if type(value) is not int or not 1 <= value <= 5:
                    raise InvalidValue("评分须为 1–5 的整数 (a rating 1..5)", field=field)
            elif q["kind"] == "choice":
                if value not in q["choices"]:
                    raise InvalidValue(f"须从选项中选择：{'、'.join(q['choices'])} (one of the choices)", field=field)
            elif value is not None and (not isinstance(value, str) or len(value) > 2000):
                raise InvalidValue("文字答案至多 2000 字 (text up to 2000 characters)", field=field)
            if value not in (None, ""):
                kept[qid] = value.strip() if isinstance(value, str) else value
        self._answered(organisation_id=org, answers=kept, actor=actor)

    @event("Answered")
    def _answered(self, organisation_id: str, answers: dict[str, Any], actor: Actor, reason: str | None = None) -> None:
        self.answered = [*self.answered, organisation_id]


class Checkup(Entity):
    """创新体检: four dimensions scored 0–100 with sub-indicators and evidence, a diagnosis, and
    follow-up items, each of which becomes a request in the ledger (`request_ids`)."""

    LABEL = "创新体检"

    @classmethod
    def hold(cls, *, organisation_id: UUID, held_on: date, scores: dict[str, int],
             indicators: list[dict[str, Any]], diagnosis: str, follow_ups: list[str], request_ids: list[str],
             today: date, actor: Actor) -> Checkup:
        if held_on > today:
            raise InvalidValue("体检日期不能在将来 (held_on in the future)", field="held_on")
        if set(scores) != set(DIMENSIONS):
            raise InvalidValue("须给出四个维度的得分：foresight、integration、support、realisation "
                               "(all four dimensions)", field="scores")
        for key, value in scores.items():
            if type(value) is not int or not 0 <= value <= 100:
                raise InvalidValue("得分须为 0–100 的整数 (a score 0..100)", field=f"scores.{key}")
        for i, ind in enumerate(indicators):
            if ind["dimension"] not in DIMENSIONS:
                raise InvalidValue("指标所属维度未知 (unknown dimension)", field=f"indicators[{i}].dimension")
        return cls(organisation_id=str(organisation_id), held_on=held_on, scores=dict(scores),
                   indicators=indicators, diagnosis=required_text(diagnosis, "diagnosis", "诊断结论"),
                   follow_ups=follow_ups, request_ids=request_ids, actor=actor)

    @event("Held")
    def __init__(self, organisation_id: str, held_on: date, scores: dict[str, int], indicators: list[dict[str, Any]],
                 diagnosis: str, follow_ups: list[str], request_ids: list[str], actor: Actor,
                 reason: str | None = None):
        self.organisation_id = organisation_id
        self.held_on = held_on
        self.scores = scores
        self.indicators = indicators
        self.diagnosis = diagnosis
        self.follow_ups = follow_ups
        self.request_ids = request_ids


_APPOINTMENTS = UUID("6f1d3c52-0f6b-4d1e-9a7e-2c4b8e1f7a30")


def appointment_id(organisation_id: UUID | str, expert_id: UUID | str) -> UUID:
    """The one appointment of an expert to an organisation's check-ups (found without a view)."""
    return uuid5(_APPOINTMENTS, f"{organisation_id}:{expert_id}")


class NotAppointed(DomainError):
    code = "not_appointed"
    status = 403


class CheckupAppointment(Entity):
    """聘请专家: staff appoint an expert (a reviewer account) to hold an organisation's check-ups;
    never one affiliated with that organisation."""

    LABEL = "体检专家聘请"

    @classmethod
    def appoint(cls, *, organisation_id: UUID, expert_id: UUID, affiliation: str | None, actor: Actor,
                reason: str | None = None) -> CheckupAppointment:
        if affiliation is not None and affiliation == str(organisation_id):
            raise ServiceRefusal("conflict_of_interest", "专家所在单位不能是受检单位 (the expert works there)",
                                 "expert_id")
        return cls(organisation_id=str(organisation_id), expert_id=str(expert_id), actor=actor, reason=reason,
                   id=appointment_id(organisation_id, expert_id))

    @event("Appointed")
    def __init__(self, organisation_id: str, expert_id: str, actor: Actor, reason: str | None = None,
                 id: UUID | None = None):  # the library's way to choose the id: found by its pair
        self.organisation_id = organisation_id
        self.expert_id = expert_id
