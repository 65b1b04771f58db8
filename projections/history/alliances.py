"""The alliance programme (企会协作) in the audit log: each line names its alliance
or programme; an alliance's events belong to every party's history."""

from __future__ import annotations

from typing import Any

from domain.alliance_values import Agreement
from domain.alliances import Alliance as A
from domain.alliances import Program as P
from domain.vocabularies import GRADE_NAMES, RATING_NAMES, REPORT_KIND_NAMES, label
from projections.history import History, Names, nobody, yuan

_DECISIONS = {"approved": "批准", "terminated": "终止", "concluded": "结题"}


def _agreement(e: Any, n: Names, text: str) -> str:
    """An event carrying the agreement: remember its title and parties first."""
    agreement: Agreement | None = getattr(e, "agreement", None)
    if agreement is not None:
        n.remember_title(e.originator_id, agreement.title)
        n.remember_parties(e.originator_id, agreement.parties())
    return f"「{n.title(e.originator_id)}」{text}"


def _paper(e: Any, day: str) -> bool:
    """A paper document the secretariat entered (only staff give its day): its day is told."""
    return bool(getattr(e, day, None)) and e.actor.role == "staff"


def _on(text: str):
    return lambda e, n: f"「{n.title(e.originator_id)}」{text}"


def _opened(e: P.Opened, n: Names) -> str:
    n.remember_title(e.originator_id, e.title)
    return f"发布 {e.year} 年度计划「{e.title}」，预算 {yuan(e.budget_fen)}"


def _parties(e: Any, n: Names) -> list[str]:
    agreement: Agreement | None = getattr(e, "agreement", None)
    if agreement is not None:
        n.remember_parties(e.originator_id, agreement.parties())
    return n.parties(e.originator_id)


HISTORY = History(
    summaries={
        P.Opened: _opened,
        P.SettingsChanged: lambda e, n: f"修改计划「{n.title(e.originator_id)}」设置：{'、'.join(e.changes)}",
        P.Granted: lambda e, n: f"从「{n.title(e.originator_id)}」预算资助 {yuan(e.amount_fen)}",
        P.Released: lambda e, n: f"退回「{n.title(e.originator_id)}」预算 {yuan(e.amount_fen)}",
        P.Ranked: lambda e, n: f"「{n.title(e.originator_id)}」评审结束，{len(e.ranking)} 个联盟排序",
        A.Drafted: lambda e, n: _agreement(e, n, "组建联盟，拟定协议书"),
        A.Revised: lambda e, n: _agreement(e, n, "修改协议书（已有签署作废）"),
        A.PartyDeclared: _on("联盟一方提交申报声明（附证明材料）"),
        A.Signed: lambda e, n: (f"「{n.title(e.originator_id)}」签署协议书第 {e.agreement_version} 版"
                                + (f"（纸质签署于 {e.signed_on}）" if _paper(e, "signed_on") else "")),
        A.Submitted: _on("联合申报"),
        A.EligibilityOverridden: lambda e, n: (f"「{n.title(e.originator_id)}」资格审查 {len(e.failed)} 项未达标，"
                                               f"特批通过：{e.reason}"),
        A.Screened: lambda e, n: (f"「{n.title(e.originator_id)}」科协把关："
                                  f"{'通过' if e.decision == 'pass' else '不通过'}"),
        A.ReviewerAssigned: _on("分配评审专家"),
        A.Declared: _on("评审专家声明无利益冲突"),
        A.Reviewed: lambda e, n: f"「{n.title(e.originator_id)}」专家评审：{'推荐' if e.recommend else '不推荐'}",
        A.ReviewConcluded: lambda e, n: (f"「{n.title(e.originator_id)}」评审排名第 {e.rank}："
                                         f"{'推荐' if e.recommended else '不推荐'}"),
        A.NoticeStarted: _on("开始社会公示"),
        A.Objected: _on("公示期收到异议"),
        A.ObjectionResolved: lambda e, n: (f"「{n.title(e.originator_id)}」异议处理："
                                           f"{'成立' if e.outcome == 'upheld' else '驳回'}"),
        A.Approved: lambda e, n: f"「{n.title(e.originator_id)}」批准立项，资助 {yuan(e.granted_fen)}",
        A.Paid: lambda e, n: f"「{n.title(e.originator_id)}」拨付 {yuan(e.amount_fen)}",
        A.AmendmentRequested: _on("申请变更协议书"),
        A.AmendmentSigned: _on("签署协议书变更"),
        A.AmendmentScreened: lambda e, n: (f"「{n.title(e.originator_id)}」成员变更重新把关："
                                           f"{'通过' if e.decision == 'pass' else '不通过'}"),
        A.AmendmentDecided: lambda e, n: _agreement(e, n, f"变更申请{'获批' if e.approved else '未获批'}"),
        A.ReportFiled: lambda e, n: (f"「{n.title(e.originator_id)}」提交 {e.year} 年"
                                     f"{label(REPORT_KIND_NAMES, e.report_kind)}"
                                     + (f"（纸质报告 {e.received_on} 收到）" if _paper(e, "received_on") else "")),
        A.ReportJudged: lambda e, n: f"「{n.title(e.originator_id)}」报告{'通过' if e.accepted else '退回修改'}",
        A.ReportOverdue: lambda e, n: f"「{n.title(e.originator_id)}」{e.year} 年报告逾期（应于 {e.due_on} 前提交）",
        A.Inspected: lambda e, n: f"「{n.title(e.originator_id)}」检查评估：{label(RATING_NAMES, e.rating)}",
        A.RectificationClosed: _on("整改完成"),
        A.Concluded: lambda e, n: f"「{n.title(e.originator_id)}」结题，评定{label(GRADE_NAMES, e.grade)}",
        A.Terminated: lambda e, n: f"「{n.title(e.originator_id)}」终止，追回 {yuan(e.recover_fen)}：{e.reason}",
        A.RectificationOverdue: lambda e, n: f"「{n.title(e.originator_id)}」整改逾期（应于 {e.due_on} 前完成）",
        A.DateCorrected: lambda e, n: (f"「{n.title(e.originator_id)}」更正{_DECISIONS.get(e.what, e.what)}日期："
                                       f"{e.previous} → {e.on}（{e.reason}）"),
    },
    links={A.Event: _parties, P.Event: nobody},
)
