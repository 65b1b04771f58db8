"""What the verification routes answer, typed (field meanings: the context's glossary in
qihui.contexts.verification, or Meta here)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta

from api.schemas import Answer

_Recorded = Annotated[dict[str, Any], Meta(description="记录人与时间 (who recorded it, when, at which position)")]
_Fen = Annotated[int, Meta(description="金额，分 (amount in fen)")]


class Criterion(Answer):
    id: Annotated[str, Meta(description="标准编号 (criterion id)")]
    text: Annotated[str, Meta(description="标准内容 (what is checked)")]
    weight: Annotated[float | None, Meta(description="权重；核查清单为空 (weight; null on a checklist)")]


class Threshold(Answer):
    rating: Annotated[str, Meta(description="等级 (rating)")]
    min_score: Annotated[float, Meta(description="该等级的最低加权得分 (the lowest weighted score for it)")]


class Figures(Answer):
    received: int
    checked: int
    passed: int
    conditional: int
    failed: int
    recommended_fen: int
    clawed_back_fen: int
    recovered_fen: int


class CaseLine(Answer):
    id: str
    organisation_name: str
    credit_code: str
    year: int
    status: str
    checker_ids: list[str]
    visit_on: str | None
    outcome: str | None


class CommissionAnswer(Answer):
    """受托事项, its criteria (current and earlier versions), progress and cases."""

    id: str
    client: str
    kind: str
    title: str
    scope: str
    due_on: str
    criteria: list[Criterion]
    thresholds: list[Threshold]
    criteria_version: int
    versions: Annotated[list[dict[str, Any]], Meta(description="核查标准各版本 (every version of the criteria)")]
    fee_fen: int | None
    required_figures: list[str]
    commissioned: _Recorded
    figures: Figures
    cases: list[CaseLine]


class CommissionsPage(Answer):
    items: list[dict[str, Any]]


class CaseAnswer(Answer):
    """核查对象: intake, assignment, site check, recommendation, decision, clawbacks."""

    id: str
    commission_id: str
    organisation_name: str
    credit_code: str
    organisation_id: str | None
    year: int
    declared: dict[str, Any]
    documents: list[str]
    intake: Annotated[dict[str, Any], Meta(description="受理检查：complete、missing、duplicates (intake checks)")]
    received_on: str
    row: Annotated[int | None, Meta(description="导入文件中的行号 (row in the imported file)")]
    status: str
    checker_ids: list[str]
    visit_on: str | None
    conflicts: list[dict[str, Any]]
    site_check: dict[str, Any] | None
    checked_on: str | None
    recommendation: dict[str, Any] | None
    recommended_on: str | None
    outcome: str | None
    decision: dict[str, Any] | None
    clawbacks: list[dict[str, Any]]
    recoveries: list[dict[str, Any]]
    clawed_back_fen: _Fen
    recovered_fen: _Fen
    outstanding_fen: _Fen
    received: _Recorded
    chases: Annotated[list[dict[str, Any]], Meta(description="追回催缴记录：chased_on、outstanding_fen (chases of an "
                                                            "outstanding clawback)")] = []  # noqa: RUF012


class CasesPage(Answer):
    items: list[CaseAnswer]


class Board(Answer):
    """受托事项看板."""

    id: str
    title: str
    due_on: str
    figures: Figures
    by_status: dict[str, int]
    per_checker: Annotated[dict[str, dict[str, int]], Meta(
        description="每名核查人员的分派数与已核查数 (per checker: assigned, checked)")]
    overdue: list[str]
    outstanding_fen: _Fen
    recovering: Annotated[list[str], Meta(description="追回未完成的核查对象 (cases with money still outstanding)")]


class Received(msgspec.Struct):
    id: Annotated[str, Meta(description="核查对象标识 (case id)")]
    position: Annotated[int, Meta(description="事件位置 (the event's position)")]
    intake: Annotated[dict[str, Any], Meta(description="受理检查：complete、missing、duplicates (intake checks)")]


class BulkAssigned(msgspec.Struct):
    assigned: Annotated[dict[str, int], Meta(description="每名核查人员分得的件数 (cases per checker)")]
    refused: Annotated[list[str], Meta(description="因全部回避未能分派的核查对象 (cases every checker is "
                                                   "conflicted with)")]
    position: Annotated[int, Meta(description="事件位置 (the event's position)")]


class RecoveredOut(msgspec.Struct):
    id: Annotated[str, Meta(description="核查对象标识 (case id)")]
    position: Annotated[int, Meta(description="事件位置 (the event's position)")]
    outstanding_fen: Annotated[int, Meta(description="尚未追回，分 (still outstanding, fen)")]
