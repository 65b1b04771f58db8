"""Matchmaking (DOMAIN.md "Matchmaking"; API.md "Matchmaking"): an enterprise's technical
need (技术需求) from posting to the feedback it is owed.

Lifecycle: draft → submitted → analysed (staff: note, tags) → published to the
catalogue (需求目录) → expired on its deadline (the scheduler) ⇄ renewed by its
owner → closed with an outcome. Seed 003 promises feedback on every need (100%反馈):
a need never closes without an outcome and a feedback text, and feedback may also be
given while it is still open. The need's details are confidential: the read side
shows them only to the owner, staff and the solvers they were disclosed to (each
disclosure is an event). Proposals live inside their need: its owner decides on them.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.errors import DomainError, InvalidValue, NotFound
from domain.model import Entity
from domain.values import Actor

OUTCOMES = ("deal", "no_suitable_solver", "withdrawn", "solved_internally")
CLOSING_OUTCOMES = OUTCOMES[1:]  # `deal` is recorded by signing the deal (Deal.sign)
COOPERATION = ("technology_transfer", "licensing", "joint_development", "commissioned_development",
               "consulting", "other")
OPEN = ("submitted", "analysed", "published", "expired")  # neither a draft nor closed
PROPOSAL_LIVE = ("submitted", "shortlisted")


class MatchmakingRefusal(DomainError):
    """A matchmaking rule said no; `code` is stable (API.md)."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message, code=code, field=field)


def required_text(value: str | None, field: str, what: str) -> str:
    if value is None or not value.strip():
        raise InvalidValue(f"须填写{what} ({field} is required)", field=field)
    return value.strip()


class Need(Entity):
    LABEL = "技术需求"

    @classmethod
    def post(cls, *, organisation_id: UUID, campaign_id: UUID | None, title: str, field: str, summary: str,
             details: str, budget_min_fen: int | None, budget_max_fen: int | None, deadline: date,
             cooperation: str, draft: bool, today: date, actor: Actor) -> Need:
        if cooperation not in COOPERATION:
            raise InvalidValue(f"未知的合作方式 {cooperation!r} (unknown cooperation)", field="cooperation")
        for name, fen in (("budget_min_fen", budget_min_fen), ("budget_max_fen", budget_max_fen)):
            if fen is not None and fen < 0:
                raise InvalidValue("金额不能为负数 (must not be negative)", field=name)
        if budget_min_fen is not None and budget_max_fen is not None and budget_min_fen > budget_max_fen:
            raise InvalidValue("预算上限低于下限 (budget_max_fen below budget_min_fen)", field="budget_max_fen")
        if deadline <= today:
            raise InvalidValue("截止日期须在今天之后 (deadline must be after today)", field="deadline")
        return cls(organisation_id=str(organisation_id), campaign_id=str(campaign_id) if campaign_id else None,
                   title=required_text(title, "title", "标题"), field=required_text(field, "field", "技术领域"),
                   summary=required_text(summary, "summary", "公开摘要"),
                   details=required_text(details, "details", "需求详情"), budget_min_fen=budget_min_fen,
                   budget_max_fen=budget_max_fen, deadline=deadline, cooperation=cooperation,
                   status="draft" if draft else "submitted", posted_on=today, actor=actor)

    @event("Posted")
    def __init__(self, organisation_id: str, campaign_id: str | None, title: str, field: str, summary: str,
                 details: str, budget_min_fen: int | None, budget_max_fen: int | None, deadline: date,
                 cooperation: str, status: str, posted_on: date, actor: Actor, reason: str | None = None):
        self.organisation_id = organisation_id
        self.campaign_id = campaign_id
        self.title = title
        self.deadline = deadline
        self.status = status
        self.disclosed: list[str] = []
        self.proposals: dict[str, dict[str, Any]] = {}  # proposal id -> {solver_id, status}
        self.feedback_given = False
        self.outcome: str | None = None
        self.listed = False  # once published, everyone signed in may read its public part, closed or not

    # -- what the rules read -------------------------------------------------------------
    def is_owner(self, actor: Actor) -> bool:
        return actor.role == "member" and actor.organisation_id == self.organisation_id

    def may_read_details(self, actor: Actor) -> bool:
        return actor.role == "staff" or self.is_owner(actor) or (
            actor.role == "member" and actor.organisation_id in self.disclosed)

    def _proposal(self, proposal_id: str) -> dict[str, Any]:
        found = self.proposals.get(proposal_id)
        if found is None:
            raise NotFound("方案不存在 (no such proposal)", field="proposal_id")
        return found

    # -- the lifecycle ----------------------------------------------------------------------
    def submit(self, *, actor: Actor) -> None:
        self.require_status("submit", "draft")
        self._submitted(actor=actor)

    @event("Submitted")
    def _submitted(self, actor: Actor, reason: str | None = None) -> None:
        self.status = "submitted"

    def analyse(self, *, note: str, tags: list[str], actor: Actor) -> None:
        """需求分析 by staff (again while not yet published, to correct it)."""
        self.require_status("analyse", "submitted", "analysed")
        self._analysed(note=required_text(note, "note", "分析意见"),
                       tags=sorted({t.strip() for t in tags if t.strip()}), actor=actor)

    @event("Analysed")
    def _analysed(self, note: str, tags: list[str], actor: Actor, reason: str | None = None) -> None:
        self.status = "analysed"

    def publish(self, *, today: date, actor: Actor) -> None:
        self.require_status("publish", "analysed")
        if self.deadline <= today:
            raise MatchmakingRefusal("deadline_passed", "截止日期已过，请先由需求方续期 (deadline passed)")
        self._published(published_on=today, actor=actor)

    @event("Published")
    def _published(self, published_on: date, actor: Actor, reason: str | None = None) -> None:
        self.status = "published"
        self.listed = True

    def expire(self, *, today: date, actor: Actor) -> None:
        """到期 (the scheduler): the day after the deadline."""
        self.require_status("expire", "published")
        if today <= self.deadline:
            raise MatchmakingRefusal("not_due", "未到截止日期 (the deadline has not passed)")
        self._expired(expired_on=today, actor=actor, reason="需求到期 (deadline passed)")

    @event("Expired")
    def _expired(self, expired_on: date, actor: Actor, reason: str) -> None:
        self.status = "expired"

    def renew(self, *, deadline: date, today: date, actor: Actor, reason: str | None = None) -> None:
        """续期 by the owner: an expired need returns to the catalogue."""
        self.require_status("renew", "published", "expired")
        if deadline <= today:
            raise InvalidValue("新截止日期须在今天之后 (deadline must be after today)", field="deadline")
        self._renewed(deadline=deadline, previous=self.deadline, actor=actor, reason=reason)

    @event("Renewed")
    def _renewed(self, deadline: date, previous: date, actor: Actor, reason: str | None) -> None:
        self.deadline = deadline
        self.status = "published"

    # -- confidential details ---------------------------------------------------------------
    def disclose(self, *, solver_id: UUID, actor: Actor) -> None:
        """披露详情: this solver may read the details from now on."""
        self.require_status("disclose", "published", "expired")
        solver = str(solver_id)
        if solver == self.organisation_id:
            raise InvalidValue("需求方本身即可查看详情 (the owner reads them already)", field="solver_id")
        if solver in self.disclosed:
            raise MatchmakingRefusal("already_disclosed", "已向该方披露 (already disclosed)", "solver_id")
        self._disclosed(solver_id=solver, actor=actor)

    @event("DetailsDisclosed")
    def _disclosed(self, solver_id: str, actor: Actor, reason: str | None = None) -> None:
        self.disclosed = [*self.disclosed, solver_id]

    # -- proposals ---------------------------------------------------------------------------
    def propose(self, *, proposal_id: str, solver_id: UUID, summary: str, approach: str, team: str,
                price_fen: int | None, actor: Actor) -> None:
        """方案 / 意向 on a published need; one live proposal per solver."""
        self.require_status("propose", "published")
        solver = str(solver_id)
        if solver == self.organisation_id:
            raise MatchmakingRefusal("own_need", "不能对本单位的需求提交方案 (your own need)")
        if any(p["solver_id"] == solver and p["status"] in PROPOSAL_LIVE for p in self.proposals.values()):
            raise MatchmakingRefusal("already_proposed", "已提交方案，可先撤回 (a live proposal exists)")
        if price_fen is not None and price_fen < 0:
            raise InvalidValue("金额不能为负数 (must not be negative)", field="price_fen")
        self._proposed(proposal_id=proposal_id, solver_id=solver, summary=required_text(summary, "summary", "方案摘要"),
                       approach=required_text(approach, "approach", "技术路线"), team=team.strip(),
                       price_fen=price_fen, actor=actor)

    @event("ProposalMade")
    def _proposed(self, proposal_id: str, solver_id: str, summary: str, approach: str, team: str,
                  price_fen: int | None, actor: Actor, reason: str | None = None) -> None:
        self.proposals = {**self.proposals, proposal_id: {"solver_id": solver_id, "status": "submitted"}}

    def _decide(self, proposal_id: str, action: str, *allowed: str) -> dict[str, Any]:
        if self.status == "closed":
            raise MatchmakingRefusal("need_closed", "需求已关闭 (the need is closed)")
        proposal = self._proposal(proposal_id)
        if proposal["status"] not in allowed:
            raise MatchmakingRefusal("illegal_transition", f"方案当前状态为 {proposal['status']}，不能{action} "
                                     f"(cannot {action} a {proposal['status']} proposal)")
        return proposal

    def shortlist(self, *, proposal_id: str, actor: Actor) -> None:
        proposal = self._decide(proposal_id, "入围", "submitted")
        self._shortlisted(proposal_id=proposal_id, solver_id=proposal["solver_id"], actor=actor)

    @event("ProposalShortlisted")
    def _shortlisted(self, proposal_id: str, solver_id: str, actor: Actor, reason: str | None = None) -> None:
        self._set_proposal(proposal_id, "shortlisted")

    def decline(self, *, proposal_id: str, reason: str, actor: Actor) -> None:
        proposal = self._decide(proposal_id, "婉拒", *PROPOSAL_LIVE)
        self._declined(proposal_id=proposal_id, solver_id=proposal["solver_id"], actor=actor,
                       reason=required_text(reason, "reason", "婉拒理由"))

    @event("ProposalDeclined")
    def _declined(self, proposal_id: str, solver_id: str, actor: Actor, reason: str) -> None:
        self._set_proposal(proposal_id, "declined")

    def withdraw(self, *, proposal_id: str, actor: Actor, reason: str | None = None) -> None:
        """A solver withdraws its own proposal (nobody else's)."""
        proposal = self._proposal(proposal_id)
        if actor.organisation_id != proposal["solver_id"]:
            raise MatchmakingRefusal("not_author", "只能撤回本单位的方案 (not your proposal)", "proposal_id")
        self._decide(proposal_id, "撤回", *PROPOSAL_LIVE)
        self._withdrawn(proposal_id=proposal_id, solver_id=proposal["solver_id"], actor=actor, reason=reason)

    @event("ProposalWithdrawn")
    def _withdrawn(self, proposal_id: str, solver_id: str, actor: Actor, reason: str | None) -> None:
        self._set_proposal(proposal_id, "withdrawn")

    def _set_proposal(self, proposal_id: str, status: str) -> None:
        self.proposals = {**self.proposals, proposal_id: {**self.proposals[proposal_id], "status": status}}

    # -- feedback and closure -----------------------------------------------------------------
    def give_feedback(self, *, text: str, actor: Actor) -> None:
        """反馈 to the enterprise (seed 003: every need gets one)."""
        self.require_status("give feedback", *OPEN, "closed")
        self._feedback_given(text=required_text(text, "text", "反馈意见"), actor=actor)

    @event("FeedbackGiven")
    def _feedback_given(self, text: str, actor: Actor, reason: str | None = None) -> None:
        self.feedback_given = True

    def close(self, *, outcome: str | None, feedback: str | None, actor: Actor) -> None:
        """关闭: never without an outcome and a feedback text to the enterprise."""
        if outcome == "deal":
            raise MatchmakingRefusal("deal_required", "成交须登记合同 (record the deal: POST /needs/{id}/deal)",
                                     "outcome")
        if outcome not in CLOSING_OUTCOMES:
            raise InvalidValue("须选择关闭结果 (an outcome is required)", field="outcome")
        text = required_text(feedback, "feedback", "给企业的反馈")
        self.require_status("close", *OPEN)
        self._closed(outcome=outcome, feedback=text, actor=actor)

    @event("Closed")
    def _closed(self, outcome: str, feedback: str, actor: Actor, reason: str | None = None) -> None:
        self.status = "closed"
        self.outcome = outcome
        self.feedback_given = True

    def close_by_deal(self, *, deal_id: str, solver_id: str, contract_fen: int, feedback: str,
                      actor: Actor) -> None:
        """成交: a signed deal closes its need with outcome `deal`."""
        self.require_status("sign a deal", "published", "expired")
        if solver_id == self.organisation_id:
            raise InvalidValue("解决方不能是需求方本身 (the solver is the owner)", field="solver_id")
        self._deal_closed(deal_id=deal_id, solver_id=solver_id, contract_fen=contract_fen,
                          feedback=required_text(feedback, "feedback", "给企业的反馈"), actor=actor)

    @event("DealClosed")
    def _deal_closed(self, deal_id: str, solver_id: str, contract_fen: int, feedback: str, actor: Actor,
                     reason: str | None = None) -> None:
        self.status = "closed"
        self.outcome = "deal"
        self.feedback_given = True
