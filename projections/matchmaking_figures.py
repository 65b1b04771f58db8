"""Matchmaking's figures (seed 003: 103 needs from 46 enterprises, 50+ solver teams,
29 agreements worth 53.15 M CNY, 10 of them paid; 100 % feedback), for a period."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from msgspec import Meta, Struct

from projections.figures import Figures, Period
from projections.view import decode_doc

ROLLING = "rolling"  # needs outside any campaign: the rolling catalogue (004)


class NeedFigures(Struct, frozen=True):
    collected: Annotated[int, Meta(
        description="征集需求数（期内提交，不含草稿）(needs collected: submitted in the period)")]
    demand_organisations: Annotated[int, Meta(description="需求企业数 (organisations that posted them)")]
    solvers_engaged: Annotated[int, Meta(
        description="参与对接的解决方数（期内提交方案或签约）(solvers that proposed or signed in the period)")]
    proposals: Annotated[int, Meta(description="期内收到的方案数 (proposals made in the period)")]
    meetings_held: Annotated[int, Meta(description="期内已举行的一对一洽谈 (one-to-one meetings held)")]
    deals: Annotated[int, Meta(description="期内签约数 (deals signed in the period)")]
    contract_fen: Annotated[int, Meta(description="期内签约合同金额，分 (contract value signed, fen)")]
    paid_fen: Annotated[int, Meta(description="期内到账金额，分 (payments received in the period, fen)")]
    feedback_rate: Annotated[float | None, Meta(
        description="期内征集需求中已反馈的比例 0–1，无需求为空 (share of the needs collected given feedback)")]
    by_campaign: Annotated[dict[str, int], Meta(
        description="按征集活动的需求数，rolling 为滚动目录 (needs collected per campaign id; rolling: none)")]


def _in(period: Period, day: str | None) -> bool:
    return day is not None and period.start.isoformat() <= day[:10] <= period.end.isoformat()


def count(tx: Any, period: Period) -> NeedFigures:
    needs = [decode_doc(r["doc"]) for r in tx.fetchall("SELECT doc FROM view_needs WHERE status <> 'draft'")]
    collected = [n for n in needs if _in(period, n["posted_on"])]
    proposals = [p for n in needs for p in n["proposals"] if period.holds(p["recorded_at"])]
    deals = [n["deal"] for n in needs if n.get("deal") and _in(period, n["deal"]["signed_on"])]
    paid = sum(p["amount_fen"] for n in needs if n.get("deal") for p in n["deal"]["payments"]
               if _in(period, p["paid_on"]))
    held = 0
    for r in tx.fetchall("SELECT doc FROM view_agendas"):
        held += sum(1 for m in decode_doc(r["doc"])["meetings"].values()
                    if period.holds(m["starts_at"]) and m["starts_at"] <= period.now)
    return NeedFigures(
        collected=len(collected), demand_organisations=len({n["organisation_id"] for n in collected}),
        solvers_engaged=len({p["solver_id"] for p in proposals} | {d["solver_id"] for d in deals}),
        proposals=len(proposals), meetings_held=held, deals=len(deals),
        contract_fen=sum(d["contract_fen"] for d in deals), paid_fen=paid,
        feedback_rate=round(sum(1 for n in collected if n["has_feedback"]) / len(collected), 4) if collected else None,
        by_campaign=dict(Counter(n["campaign_id"] or ROLLING for n in collected)))


FIGURES = Figures("needs", "技术需求对接 (matchmaking)", NeedFigures, count)
