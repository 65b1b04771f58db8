"""What the enterprise-service routes answer, typed, so the served OpenAPI document describes
them (field meanings: the context's glossary in qihui.contexts.services, or Meta here)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from api.schemas import Answer

_Recorded = Annotated[dict[str, Any], Meta(description="记录人与时间 (who recorded it, when, at which position)")]
_Count = Annotated[int, Meta(description="数量 (count)")]


class Hookup(Answer):
    """挂钩关系."""

    id: Annotated[str, Meta(description="挂钩关系标识 (hook-up id)")]
    organisation_ids: list[str]
    rule: Annotated[dict[str, str] | None, Meta(description="挂钩规则：library、growth_stage、sector (the rule)")]
    starts_on: str
    ends_on: str | None
    reason: str | None


class UnitAnswer(Answer):
    """服务处室: its staff accounts and hook-ups."""

    id: str
    name: str
    staff: list[str]
    hookups: list[Hookup]
    created: _Recorded


class UnitsPage(Answer):
    items: list[UnitAnswer]


class VisitAnswer(Answer):
    """走访或恳谈会."""

    id: str
    kind: str
    unit_id: str
    visited_on: str
    organisation_ids: list[str]
    visitors: list[str]
    findings: Annotated[str, Meta(description="走访发现的情况与问题 (what was found)")]
    follow_ups: list[str]
    recorded: _Recorded


class VisitsPage(Answer):
    items: list[VisitAnswer]


class VisitRef(Answer):
    id: str
    kind: str
    visited_on: str


class CoverageEntry(Answer):
    organisation_id: str
    name: str | None
    visits: Annotated[list[VisitRef], Meta(description="本季度本处室的走访与恳谈会 (this quarter's visits and forums)")]


class CoverageCounts(Answer):
    hooked: Annotated[int, Meta(description="挂钩单位数 (organisations hooked during the quarter)")]
    visited: Annotated[int, Meta(description="已走访单位数 (visited at least once)")]
    not_visited: Annotated[int, Meta(description="未走访单位数 (not visited)")]


class CoverageAnswer(Answer):
    """走访覆盖: one quarter of one unit."""

    unit_id: str
    quarter: str
    from_: Annotated[str, Meta(description="季度首日 (first day of the quarter)")] = msgspec.field(name="from")
    to: Annotated[str, Meta(description="季度末日 (last day of the quarter)")]
    organisations: list[CoverageEntry]
    not_visited: Annotated[list[str], Meta(description="本季度未走访的挂钩单位 (hooked, not visited this quarter)")]
    counts: CoverageCounts


class Reply(Answer):
    text: str
    replied_on: str
    actor: dict[str, Any]
    recorded_at: str
    position: int


_Entries = Annotated[list[dict[str, Any]], Meta(description="记录 (entries, oldest first)")]


class RequestAnswer(Answer):
    """诉求: the ledger's row with its replies, closures, reopenings and overdue flags."""

    id: str
    organisation_id: str
    category: str
    text: str
    channel: str
    received_on: str
    due_on: str
    source_id: str | None
    status: str
    unit_id: str | None
    owner_id: str | None
    closed_on: str | None
    outcome: Annotated[str | None, Meta(description="办结结果 resolved 或 explained (outcome of the closure)")]
    explanation: str | None
    replies: list[Reply]
    closures: _Entries
    reopenings: _Entries
    overdue_flags: _Entries
    overdue: bool
    raised: _Recorded
    flagged_on: Annotated[str, Meta(description="最近一次标记逾期的日期 (last flagged overdue on)")] | UnsetType = UNSET


class RequestsPage(Answer):
    items: list[RequestAnswer]
    next_cursor: str | None


class RaisedOut(msgspec.Struct):
    id: UUID
    due_on: str
    position: int


class Question(Answer):
    id: Annotated[str, Meta(description="题目编号 (question id)")]
    kind: str
    text: str
    choices: list[str]


class SurveyAnswer(Answer):
    """问卷: its questions; staff and auditors also see how many were sent and answered."""

    id: str
    title: str
    questions: list[Question]
    sent_on: Annotated[str, Meta(description="发放日期 (sent on)")]
    answered_by_you: Annotated[bool, Meta(description="本单位是否已答卷 (answered by yours)")] | UnsetType = UNSET
    sent: _Count | UnsetType = UNSET
    answered: _Count | UnsetType = UNSET


class SurveysPage(Answer):
    items: list[SurveyAnswer]


class QuestionResult(Answer):
    question_id: str
    kind: str
    text: str
    answered: _Count
    average: Annotated[float | None, Meta(description="平均分 (average rating)")] | UnsetType = UNSET
    distribution: Annotated[dict[str, int], Meta(description="各分值人数 (answers per rating)")] | UnsetType = UNSET
    counts: Annotated[dict[str, int], Meta(description="各选项数 (answers per choice)")] | UnsetType = UNSET
    texts: Annotated[list[str], Meta(description="文字答案 (text answers)")] | UnsetType = UNSET


class UnitResult(Answer):
    unit_id: str
    name: str
    sent: _Count
    answered: _Count
    questions: list[QuestionResult]


class SurveyResults(Answer):
    """问卷结果: per question, per unit (its hooked organisations), and the response rate."""

    survey_id: str
    title: str
    sent: _Count
    answered: _Count
    response_rate: float
    questions: list[QuestionResult]
    units: list[UnitResult]


_Scores = Annotated[dict[str, int], Meta(description="四维得分 0–100：foresight 前瞻力、integration 统合力、"
                                                     "support 支撑力、realisation 实现力 (scores per dimension)")]


_Trend = Annotated[dict[str, int | None], Meta(description="较上次体检的变化 (change since the last)")]


class CheckupAnswer(Answer):
    """创新体检."""

    id: str
    organisation_id: str
    held_on: str
    scores: _Scores
    indicators: Annotated[list[dict[str, Any]], Meta(description="分项指标及依据 (sub-indicators and evidence)")]
    diagnosis: str
    follow_ups: list[str]
    request_ids: list[str]
    held: _Recorded
    trend: _Trend | UnsetType = UNSET


class CheckupsPage(Answer):
    items: list[CheckupAnswer]


class CheckupOut(msgspec.Struct):
    id: UUID
    request_ids: list[UUID]
    position: int
