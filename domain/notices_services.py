"""What the enterprise-services context tells (企业服务通知): the secretariat of a request
assigned or overdue, an organisation of the answer to its request and of its closure."""

from __future__ import annotations

from typing import Any

from domain.notices import Audience, Fact, Rule, Template


def _staff(fact: Fact, names: Any) -> Audience:
    return Audience(staff=True)


def _org(fact: Fact, names: Any) -> Audience:
    return Audience(organisations=[fact["data"]["organisation_id"]])


def _request(fact: Fact, names: Any) -> dict[str, Any]:
    return {"name": names.title(fact["data"]["organisation_id"]), "due_on": fact["data"].get("due_on") or "—"}


NOTICES = (
    Rule("ServiceRequest.Assigned", "request_assigned", "诉求分派",
         Template("诉求已分派：{name}", "「{name}」的诉求已分派办理，请于 {due_on} 前答复。",
                  "Request assigned: {name}", "A request from \"{name}\" was assigned; answer it by {due_on}."),
         _staff, _request),
    Rule("ServiceRequest.FlaggedOverdue", "request_overdue", "诉求逾期",
         Template("诉求逾期未办结：{name}", "「{name}」的诉求应于 {due_on} 前办结，现已逾期。",
                  "Request overdue: {name}", "A request from \"{name}\" was due by {due_on} and is still open."),
         _staff, _request),
    Rule("ServiceRequest.Replied", "request_replied", "诉求答复",
         Template("您的诉求有新答复", "秘书处已答复您单位提出的诉求，请登录查看。",
                  "Your request was answered",
                  "The secretariat answered your organisation's request; sign in to read it."),
         _org),
    Rule("ServiceRequest.Closed", "request_closed", "诉求办结",
         Template("您的诉求已办结", "您单位提出的诉求已办结，如有异议可在 30 天内申请重新办理。",
                  "Your request was closed",
                  "Your organisation's request was closed; you may reopen it within 30 days."),
         _org),
)
