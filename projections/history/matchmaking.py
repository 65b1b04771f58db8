"""Matchmaking in the audit log and on the organisations' histories: each line names
the need (or the session) it is about; contact people are never named (PIPL), and a
need's confidential details never appear in a summary."""

from __future__ import annotations

from typing import Any

from domain.matchmaking import Need as N
from domain.matchmaking_meetings import Agenda as A
from domain.matchmaking_parties import Campaign, Deal, Solver
from projections.history import History, Names, nobody, yuan

OUTCOME_NAMES = {"deal": "成交", "no_suitable_solver": "无合适解决方", "withdrawn": "需求撤回",
                 "solved_internally": "企业自行解决"}
MEETING_OUTCOME_NAMES = {"follow_up": "继续跟进", "no_fit": "不匹配", "deal_expected": "有望签约"}
SOLVER_KIND_NAMES = {"university": "高校", "institute": "科研院所", "team": "团队"}


def _title(e: Any, n: Names) -> str:
    return f"「{n.title(e.originator_id)}」"


def _posted(e: N.Posted, n: Names) -> str:
    n.remember_title(e.originator_id, e.title)
    n.remember_parties(e.originator_id, [e.organisation_id])
    return f"{'起草' if e.status == 'draft' else '提交'}技术需求「{e.title}」（{e.field}）"


def _on(text: str):
    return lambda e, n: f"技术需求{_title(e, n)}{text}"


def _owner(e: Any, n: Names) -> list[str]:
    return n.parties(e.originator_id)


def _owner_and_solver(e: Any, n: Names) -> list[str]:
    return [*n.parties(e.originator_id), e.solver_id]


def _agenda_opened(e: A.Opened, n: Names) -> str:
    n.remember_title(e.originator_id, e.title)
    return f"对接会「{e.title}」开始安排一对一洽谈"


def _meeting(text: str):
    return lambda e, n: f"对接会「{n.title(e.originator_id)}」{text}"


def _both(e: Any, n: Names) -> list[str]:
    return [e.from_org, e.with_org]


HISTORY = History(
    summaries={
        Campaign.Opened: lambda e, n: f"发布征集活动「{e.title}」（{e.opens_on} 至 {e.closes_on}，{e.organiser}）",
        Solver.SignedUp: lambda e, n: f"{SOLVER_KIND_NAMES.get(e.kind, e.kind)}「{e.name}」申请成为技术解决方",
        Solver.Approved: lambda e, n: "技术解决方审核通过",
        Solver.Rejected: lambda e, n: f"技术解决方未获通过：{e.reason}",
        N.Posted: _posted,
        N.Submitted: _on("提交审核"),
        N.Analysed: lambda e, n: f"技术需求{_title(e, n)}完成分析" + (f"，标签：{'、'.join(e.tags)}" if e.tags else ""),
        N.Published: _on("发布到需求目录"),
        N.Expired: _on("到期下架"),
        N.Renewed: lambda e, n: f"技术需求{_title(e, n)}续期至 {e.deadline}",
        N.DetailsDisclosed: _on("向解决方披露需求详情"),
        N.ProposalMade: _on("收到解决方案"),
        N.ProposalShortlisted: _on("的方案入围"),
        N.ProposalDeclined: lambda e, n: f"技术需求{_title(e, n)}的方案未被采纳：{e.reason}",
        N.ProposalWithdrawn: _on("的方案被撤回"),
        N.FeedbackGiven: _on("已向企业反馈"),
        N.Closed: lambda e, n: f"技术需求{_title(e, n)}关闭：{OUTCOME_NAMES.get(e.outcome, e.outcome)}，已反馈",
        N.DealClosed: lambda e, n: f"技术需求{_title(e, n)}成交关闭，合同金额 {yuan(e.contract_fen)}",
        Deal.Signed: lambda e, n: f"就技术需求「{n.title(e.need_id)}」签订合作协议，合同金额 {yuan(e.contract_fen)}",
        Deal.PaymentRecorded: lambda e, n: f"技术需求「{n.title(e.need_id)}」合同到账 {yuan(e.amount_fen)}",
        A.Opened: _agenda_opened,
        A.SlotsAdded: lambda e, n: f"对接会「{n.title(e.originator_id)}」新增 {len(e.slots)} 个洽谈时段",
        A.MeetingRequested: _meeting("发起一对一洽谈请求"),
        A.RequestAccepted: lambda e, n: (f"对接会「{n.title(e.originator_id)}」一对一洽谈已安排："
                                         f"{e.starts_at[11:16]} UTC，{e.table} 号桌"),
        A.RequestDeclined: _meeting("洽谈请求被婉拒"),
        A.RequestExpired: _meeting("洽谈请求过期未答复"),
        A.OutcomeRecorded: lambda e, n: (f"对接会「{n.title(e.originator_id)}」洽谈结果："
                                         f"{MEETING_OUTCOME_NAMES.get(e.outcome, e.outcome)}"),
    },
    links={
        Campaign.Event: nobody,
        Solver.Event: lambda e, n: [str(e.originator_id)],
        N.Event: _owner,
        N.DetailsDisclosed: _owner_and_solver,
        N.ProposalMade: _owner_and_solver,
        N.ProposalShortlisted: _owner_and_solver,
        N.ProposalDeclined: _owner_and_solver,
        N.ProposalWithdrawn: _owner_and_solver,
        N.DealClosed: _owner_and_solver,
        Deal.Event: lambda e, n: [e.owner_id, e.solver_id],
        A.Event: nobody,
        A.MeetingRequested: _both,
        A.RequestAccepted: _both,
        A.RequestDeclined: _both,
        A.RequestExpired: _both,
        A.OutcomeRecorded: _both,
    },
)
