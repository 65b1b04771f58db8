"""The request ledger (诉求台账, seed 001 五.3 "闭环式诉求反馈机制"): every request an
organisation raises (online, or entered by staff from a visit, a forum, the hotline or
a group chat) is assigned to a unit and an owner with a due date, answered, and closed
as resolved or explained (问题归零); the organisation may reopen it within 30 days.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from eventsourcing.domain import event

from domain.errors import InvalidValue
from domain.model import Entity
from domain.services import ServiceRefusal, add_working_days, required_text
from domain.values import Actor

CHANNELS = {"online": "网上留言", "visit": "走访", "forum": "恳谈会", "hotline": "服务热线",
            "group_chat": "微信/QQ 群", "checkup": "创新体检"}
# Working days to answer, per category (seed 001 gives none: 15 is the platform's default; a
# policy question is answered sooner). Settings would make these the association's to choose.
CATEGORIES = {"policy": "政策咨询", "funding": "项目资金", "talent": "人才服务", "finance": "科技金融",
              "technology": "技术需求", "site": "场地与配套", "innovation": "创新能力提升", "other": "其他"}
DUE_WORKING_DAYS = {"policy": 5}
DEFAULT_DUE_WORKING_DAYS = 15
REOPEN_WINDOW = timedelta(days=30)
OUTCOMES = {"resolved": "已解决", "explained": "已说明"}
CLOSED = tuple(OUTCOMES)


def due_on_for(category: str, received_on: date) -> date:
    return add_working_days(received_on, DUE_WORKING_DAYS.get(category, DEFAULT_DUE_WORKING_DAYS))


class ServiceRequest(Entity):
    LABEL = "诉求"

    @classmethod
    def raise_request(cls, *, organisation_id: UUID, category: str, text: str, channel: str, received_on: date,
                      today: date, actor: Actor, source_id: str | None = None,
                      request_id: UUID | None = None) -> ServiceRequest:
        """提出诉求. An organisation's own account raises online only; staff enter the rest."""
        if category not in CATEGORIES:
            raise InvalidValue(f"未知的诉求类别 {category!r} (unknown category)", field="category")
        if channel not in CHANNELS:
            raise InvalidValue(f"未知的渠道 {channel!r} (unknown channel)", field="channel")
        if actor.role == "member" and channel != "online":
            raise InvalidValue("单位自行提交的诉求渠道为 online (an organisation raises online)", field="channel")
        if received_on > today:
            raise InvalidValue("收到日期不能在将来 (received_on in the future)", field="received_on")
        return cls(organisation_id=str(organisation_id), category=category,
                   text=required_text(text, "text", "诉求内容"), channel=channel, received_on=received_on,
                   due_on=due_on_for(category, received_on), source_id=source_id, actor=actor, id=request_id)

    @event("Raised")
    def __init__(self, organisation_id: str, category: str, text: str, channel: str, received_on: date,
                 due_on: date, source_id: str | None, actor: Actor, reason: str | None = None,
                 id: UUID | None = None):  # the library's way to choose the id: a check-up's items
        self.organisation_id = organisation_id
        self.category = category
        self.text = text
        self.channel = channel
        self.received_on = received_on
        self.due_on = due_on
        self.source_id = source_id  # the visit or check-up it came from
        self.status = "received"
        self.unit_id: str | None = None
        self.owner_id: str | None = None
        self.closed_on: date | None = None
        self.flagged: list[date] = []  # due dates already flagged overdue

    def _require_open(self) -> None:
        if self.status in CLOSED:
            raise ServiceRefusal("request_closed", "诉求已办结 (the request is closed)")

    def assign(self, *, unit_id: UUID, owner_id: UUID, due_on: date | None, actor: Actor,
               reason: str | None = None) -> None:
        """交办: to a unit and an owner; the due date stays unless one is given."""
        self._require_open()
        due = due_on or self.due_on
        if due < self.received_on:
            raise InvalidValue("办理期限不能早于收到日期 (due_on before received_on)", field="due_on")
        self._assigned(organisation_id=self.organisation_id, unit_id=str(unit_id), owner_id=str(owner_id),
                       due_on=due, actor=actor, reason=reason)

    @event("Assigned")
    def _assigned(self, organisation_id: str, unit_id: str, owner_id: str, due_on: date, actor: Actor,
                  reason: str | None) -> None:
        self.unit_id, self.owner_id, self.due_on = unit_id, owner_id, due_on
        if self.status == "received":
            self.status = "assigned"

    def reply(self, *, text: str, today: date, actor: Actor) -> None:
        """答复 (several may follow one another before closure)."""
        self._require_open()
        self._replied(organisation_id=self.organisation_id, text=required_text(text, "text", "答复内容"),
                      replied_on=today, actor=actor)

    @event("Replied")
    def _replied(self, organisation_id: str, text: str, replied_on: date, actor: Actor,
                 reason: str | None = None) -> None:
        pass

    def close(self, *, outcome: str, explanation: str | None, today: date, actor: Actor) -> None:
        """办结: resolved, or explained when it cannot be solved — then the explanation is required."""
        self._require_open()
        if outcome not in OUTCOMES:
            raise InvalidValue("办结结果只能是 resolved 或 explained (outcome)", field="outcome")
        text = (explanation or "").strip()
        if outcome == "explained" and not text:
            raise InvalidValue("无法解决的诉求须说明原因 (an explanation is required)", field="explanation")
        self._closed(organisation_id=self.organisation_id, outcome=outcome, explanation=text or None,
                     closed_on=today, actor=actor)

    @event("Closed")
    def _closed(self, organisation_id: str, outcome: str, explanation: str | None, closed_on: date, actor: Actor,
                reason: str | None = None) -> None:
        self.status = outcome
        self.closed_on = closed_on

    def reopen(self, *, reason: str, today: date, actor: Actor) -> None:
        """重新办理, by the organisation within 30 days of closure; a new due date by category."""
        if self.status not in CLOSED or self.closed_on is None:
            raise ServiceRefusal("request_open", "诉求尚未办结 (the request is not closed)")
        if actor.organisation_id != self.organisation_id:
            raise ServiceRefusal("not_your_request", "只有提出诉求的单位可以重新打开 (only the organisation)")
        if today > self.closed_on + REOPEN_WINDOW:
            raise ServiceRefusal("reopening_closed", "办结已超过 30 天，不能重新打开 (more than 30 days since closure)")
        self._reopened(organisation_id=self.organisation_id, reopened_on=today,
                       due_on=due_on_for(self.category, today), actor=actor,
                       reason=required_text(reason, "reason", "理由"))

    @event("Reopened")
    def _reopened(self, organisation_id: str, reopened_on: date, due_on: date, actor: Actor, reason: str) -> None:
        self.status = "reopened"
        self.due_on = due_on
        self.closed_on = None

    def flag_overdue(self, *, today: date, actor: Actor) -> None:
        """逾期 (the scheduler): once per due date, only while open and past due."""
        self._require_open()
        if today <= self.due_on:
            raise ServiceRefusal("not_overdue", "尚未逾期 (not past its due date)")
        if self.due_on in self.flagged:
            raise ServiceRefusal("already_flagged", "已标记逾期 (already flagged)")
        self._flagged_overdue(organisation_id=self.organisation_id, due_on=self.due_on, flagged_on=today,
                              actor=actor, reason="超过办理期限 (past the due date)")

    @event("FlaggedOverdue")
    def _flagged_overdue(self, organisation_id: str, due_on: date, flagged_on: date, actor: Actor,
                         reason: str) -> None:
        self.flagged = [*self.flagged, due_on]
