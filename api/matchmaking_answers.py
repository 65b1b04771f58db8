"""What the matchmaking routes answer, typed, and what each caller may see of a need.

A need's `details` are confidential (API.md "Matchmaking"): only its owner, staff and
the solvers they were disclosed to read them. Proposals, feedback, the analysis note,
disclosures and the deal are the owner's business (and staff's; auditors read them
too, without the details); a solver sees its own proposals and its own deal.
"""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta

from api.policy import Principal
from api.schemas import Answer
from projections.personal import opened

_Fen = Annotated[int | None, Meta(description="金额，分 (amount in fen)")]
_Items = Annotated[list[dict[str, Any]], Meta(description="条目 (entries; each with recorded_at and actor)")]


class NeedSummary(Answer):
    """技术需求: as the catalogue lists it (public part)."""

    id: str
    organisation_id: str
    campaign_id: str | None
    title: str
    field: Annotated[str, Meta(description="技术领域 (technical field)")]
    summary: Annotated[str, Meta(description="公开摘要 (public summary)")]
    budget_min_fen: _Fen
    budget_max_fen: _Fen
    deadline: str
    cooperation: str
    status: str
    posted_on: str
    outcome: str | None
    proposal_count: Annotated[int, Meta(description="方案数 (proposals received)")]


class NeedsPage(Answer):
    """需求目录: a page of needs, newest first."""

    items: list[NeedSummary]
    next_cursor: str | None


class NeedAnswer(NeedSummary, kw_only=True):
    """技术需求详情 as the caller may see it."""

    details: Annotated[str | None, Meta(
        description="需求详情（保密：仅需求方、秘书处和已获披露的解决方可见，其余为空）(confidential details; null "
                    "unless you are the owner, staff or a disclosed solver)")]
    details_visible: Annotated[bool, Meta(description="是否可见详情 (whether details are shown to you)")]
    analysis: Annotated[dict[str, Any] | None, Meta(description="秘书处分析 (staff analysis: note, tags)")]
    disclosed: Annotated[list[str], Meta(description="已披露详情的解决方 (solvers the details were disclosed to)")]
    proposals: Annotated[list[dict[str, Any]], Meta(description="方案 (proposals you may see)")]
    feedback: _Items
    renewals: _Items
    meetings: Annotated[list[dict[str, Any]], Meta(description="一对一洽谈 (meetings about this need)")]
    deal: Annotated[dict[str, Any] | None, Meta(description="合作协议与到账 (the deal and its payments)")]


class BacklogItem(Answer):
    """A need owed feedback."""

    id: str
    organisation_id: str
    title: str
    status: str
    deadline: str
    feedback_due_on: Annotated[str, Meta(description="反馈截止日 (feedback was due on this day)")]


class Backlog(Answer):
    """待反馈需求: past the feedback deadline without feedback."""

    feedback_days: Annotated[int, Meta(description="截止后几天内须反馈 (days after the deadline feedback is due)")]
    count: Annotated[int, Meta(description="待反馈需求数 (needs without feedback past the deadline)")]
    items: list[BacklogItem]


class SolverAnswer(Answer):
    """技术解决方: staff see its contacts (opened; erased ones read as erased)."""

    id: str
    kind: str
    name: str
    credit_code: str | None
    field: Annotated[str, Meta(description="技术领域 (technical field)")]
    status: str
    contacts: Annotated[list[dict[str, Any]], Meta(description="联系人 (contact people; personal data)")]
    decided: Annotated[dict[str, Any] | None, Meta(description="审核 (the decision: actor, reason)")]


class SolversPage(Answer):
    """技术解决方名单."""

    items: list[SolverAnswer]


class CampaignAnswer(Answer):
    """征集活动."""

    id: str
    title: str
    opens_on: str
    closes_on: str
    organiser: Annotated[str, Meta(description="主办单位 (organiser)")]


class CampaignsPage(Answer):
    """征集活动列表."""

    items: list[CampaignAnswer]


class AgendaAnswer(Answer):
    """洽谈日程: an organisation's meetings at a session, in time order (staff: every one)."""

    session_id: str
    organisation_id: str | None
    slots: Annotated[list[dict[str, Any]], Meta(description="时段 (slots: starts_at, ends_at, tables)")]
    meetings: Annotated[list[dict[str, Any]], Meta(description="洽谈 (meetings: starts_at, table, organisations)")]
    requests: Annotated[list[dict[str, Any]], Meta(description="约见请求 (requests to or from the organisation)")]


# -- who sees what ---------------------------------------------------------------------------
def may_see(doc: dict[str, Any], who: Principal) -> bool:
    """Needs never published are the owner's and staff's only."""
    return bool(doc["listed"]) or who.role in ("staff", "auditor") or who.organisation_id == doc[
        "organisation_id"]


def summary(doc: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "organisation_id", "campaign_id", "title", "field", "summary", "budget_min_fen", "budget_max_fen",
            "deadline", "cooperation", "status", "posted_on", "outcome")
    return {k: doc.get(k) for k in keys} | {"proposal_count": len(doc["proposals"])}


def for_viewer(doc: dict[str, Any], who: Principal) -> dict[str, Any]:
    org = who.organisation_id if who.role == "member" else None
    owner = org is not None and org == doc["organisation_id"]
    insider = owner or who.role in ("staff", "auditor")
    disclosed = [d["solver_id"] for d in doc["disclosed"]]
    details_visible = owner or who.role == "staff" or (org is not None and org in disclosed)
    deal = doc.get("deal")
    return summary(doc) | {
        "details": doc["details"] if details_visible else None, "details_visible": details_visible,
        "analysis": doc["analysis"] if insider else None, "disclosed": disclosed if insider else [],
        "proposals": [p for p in doc["proposals"] if insider or p["solver_id"] == org],
        "feedback": doc["feedback"] if insider else [], "renewals": doc["renewals"],
        "meetings": [m for m in doc["meetings"] if insider or org in m["organisations"]],
        "deal": deal if deal and (insider or deal["solver_id"] == org) else None,
    }


def solver_answer(db: Any, doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "contacts": opened(db, doc["contacts"])}
