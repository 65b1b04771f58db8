"""技术对接 matchmaking (seeds 003, 004): campaigns, solvers, technical needs, proposals,
one-to-one meetings at matchmaking sessions, deals, and feedback on every need."""

from api.matchmaking import NeedsController
from api.matchmaking_meetings import MeetingsController
from api.matchmaking_parties import CampaignsController, DealsController, SolversController
from api.pages.matchmaking import DeskNeedPages, NeedPages
from api.pages.matchmaking_texts import LABELS, MESSAGES
from domain.matchmaking import Need
from domain.matchmaking_meetings import Agenda
from domain.matchmaking_parties import Campaign, Deal, Solver
from domain.notices_matchmaking import NOTICES
from projections.history.matchmaking import HISTORY
from projections.matchmaking import views
from projections.matchmaking_figures import FIGURES
from qihui.contexts.base import Context, Nav
from service.matchmaking_jobs import expire_meeting_requests, expire_needs

GLOSSARY = {
    "campaign_id": "征集活动标识，空为滚动目录 (campaign id; none: the rolling catalogue)",
    "opens_on": "征集开始日 (first day of the campaign)",
    "closes_on": "征集截止日 (last day of the campaign)",
    "details": "需求详情，保密 (confidential details)",
    "budget_min_fen": "预算下限，分 (budget from, fen)",
    "budget_max_fen": "预算上限，分 (budget up to, fen)",
    "min_budget_fen": "预算上限不低于此数，分 (needs whose budget reaches this, fen)",
    "deadline": "需求截止日 (the need's deadline)",
    "posted_on": "提交日期 (posted on)",
    "cooperation": "期望合作方式 (expected form of cooperation)",
    "draft": "仅保存草稿 (keep as a draft)",
    "tags": "标签 (tags)",
    "solver_id": "技术解决方标识 (solver organisation id)",
    "approach": "技术路线 (technical approach)",
    "team": "团队 (team)",
    "price_fen": "报价，分 (indicative price, fen)",
    "feedback": "给企业的反馈 (feedback to the enterprise)",
    "contract_fen": "合同金额，分 (contract amount, fen)",
    "signed_on": "签约日期 (signed on)",
    "deal_id": "合作协议标识 (deal id)",
    "proposal_id": "方案标识 (proposal id)",
    "request_id": "约见请求标识 (meeting request id)",
    "meeting_id": "洽谈标识 (meeting id)",
    "with_organisation_id": "被约见的单位 (the organisation asked to meet)",
    "from_organisation_id": "发起约见的单位（秘书处代约时填写）(the requesting organisation; staff only)",
    "need_id": "相关技术需求 (the need the meeting is about)",
    "minutes": "每段分钟数 (minutes per slot)",
    "count": "数量 (count)",
    "tables": "洽谈桌数 (tables per slot)",
    "slots": "洽谈时段 (slots)",
    "slot_starts_at": "洽谈开始时间 (the meeting's slot starts at)",
    "table": "洽谈桌号 (table number)",
}

CONTEXT = Context(
    name="matchmaking", label="技术对接", aggregates=(Campaign, Solver, Need, Deal, Agenda),
    snapshot_every={Agenda: 200, Need: 100},
    views=lambda needs: views(),
    controllers=(CampaignsController, SolversController, NeedsController, DealsController, MeetingsController),
    history=HISTORY, jobs=(expire_needs, expire_meeting_requests), figures=FIGURES,
    personal={("Solver", "SignedUp"): ("contacts",)},
    glossary=GLOSSARY, pages=(NeedPages, DeskNeedPages), messages=MESSAGES, labels=LABELS, notices=NOTICES,
    nav=(Nav("portal", "/needs", "nav.needs.catalogue", frozenset({"staff", "auditor", "reviewer", "member"})),
         Nav("desk", "/needs", "nav.needs.desk", frozenset({"staff", "auditor"}))),
)
