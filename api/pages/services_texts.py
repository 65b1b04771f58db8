"""The enterprise-service pages' texts and vocabulary labels, Chinese first (api.i18n)."""

from __future__ import annotations

from domain.services import VISIT_KINDS
from domain.services_requests import CATEGORIES, CHANNELS

MESSAGES: dict[str, tuple[str, str]] = {
    "nav.services.ledger": ("诉求台账", "Requests"),
    "nav.services.mine": ("我的诉求", "My requests"),
    "services.ledger": ("诉求台账", "Request ledger"),
    "services.mine": ("我的诉求", "My requests"),
    "services.request": ("诉求", "Request"),
    "services.unit": ("责任处室", "Unit"),
    "services.organisation": ("单位", "Organisation"),
    "services.category": ("诉求类别", "Category"),
    "services.channel": ("渠道", "Channel"),
    "services.text": ("诉求内容", "Request"),
    "services.received_on": ("收到日期", "Received"),
    "services.due_on": ("办理期限", "Due"),
    "services.overdue": ("已逾期", "Overdue"),
    "services.empty": ("暂无记录", "Nothing yet"),
    "services.replies": ("答复", "Replies"),
    "services.no_replies": ("尚未答复", "No reply yet"),
    "services.reopenings": ("重新打开", "Reopened"),
    "services.reply": ("答复", "Reply"),
    "services.outcome": ("办结结果", "Outcome"),
    "services.explanation": ("说明", "Explanation"),
    "services.explanation_hint": ("无法解决时必须说明原因", "Required when it cannot be solved"),
    "services.close": ("办结", "Close"),
    "services.raise": ("提交诉求", "Raise the request"),
    "services.coverage": ("走访覆盖", "Visit coverage"),
    "services.quarter": ("季度", "Quarter"),
    "services.visits": ("走访与恳谈会", "Visits and forums"),
    "services.not_visited": ("本季度未走访", "Not visited this quarter"),
    "services.coverage_counts": ("挂钩 {hooked} 家，已走访 {visited} 家，未走访 {not_visited} 家",
                                 "{hooked} hooked, {visited} visited, {not_visited} not visited"),
    "services.done.replied": ("已答复", "Reply recorded"),
    "services.done.closed": ("已办结", "Request closed"),
    "services.done.raised": ("诉求已提交", "Request raised"),
}

_ENGLISH_CATEGORIES = {"policy": "Policy", "funding": "Funding", "talent": "Talent", "finance": "Finance",
                       "technology": "Technology", "site": "Premises", "innovation": "Innovation", "other": "Other"}
_ENGLISH_CHANNELS = {"online": "Online", "visit": "Visit", "forum": "Forum", "hotline": "Hotline",
                     "group_chat": "Group chat", "checkup": "Check-up"}
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "request_category": {k: (v, _ENGLISH_CATEGORIES[k]) for k, v in CATEGORIES.items()},
    "request_channel": {k: (v, _ENGLISH_CHANNELS[k]) for k, v in CHANNELS.items()},
    "request_status": {"open": ("未办结", "Open"), "received": ("待交办", "Received"),
                       "assigned": ("办理中", "Assigned"), "reopened": ("重新办理", "Reopened"),
                       "resolved": ("已解决", "Resolved"), "explained": ("已说明", "Explained")},
    "visit_kind": {k: (v, {"visit": "Visit", "forum": "Forum"}[k]) for k, v in VISIT_KINDS.items()},
}
