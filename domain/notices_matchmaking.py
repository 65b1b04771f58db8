"""What the matchmaking context tells (对接通知): an enterprise that its need was published,
received a proposal or expired (it may renew it)."""

from __future__ import annotations

from typing import Any

from domain.notices import Audience, Fact, Rule, Template


def _owner(fact: Fact, names: Any) -> Audience:
    return Audience(organisations=[fact["data"].get("organisation_id") or names.subject(fact["aggregate_id"]).get(
        "organisation_id", "")])


NOTICES = (
    Rule("Need.Published", "need_published", "需求发布",
         Template("您的技术需求已发布", "您单位的技术需求已经秘书处分析并发布到需求目录。",
                  "Your need was published", "Your organisation's technical need was analysed and published."),
         _owner),
    Rule("Need.ProposalMade", "need_proposal", "收到方案",
         Template("您的技术需求收到新方案", "有解决方提交了合作方案，请登录查看并决定是否入围。",
                  "A proposal for your need",
                  "A solver proposed to meet your need; sign in to shortlist or decline it."),
         _owner),
    Rule("Need.Expired", "need_expired", "需求到期",
         Template("您的技术需求已到期", "您单位的技术需求已过截止日期，如仍需合作请登录续期，或告知办理结果。",
                  "Your need expired",
                  "Your organisation's need passed its deadline; renew it or tell us the outcome."),
         _owner),
)
