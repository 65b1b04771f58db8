"""What the membership context tells (会员通知): the secretariat of a new application, an
organisation of its admission and of its lapse."""

from __future__ import annotations

from typing import Any

from domain.notices import Audience, Fact, Rule, Template


def _staff(fact: Fact, names: Any) -> Audience:
    return Audience(staff=True)


def _org(fact: Fact, names: Any) -> Audience:
    return Audience(organisations=[fact["aggregate_id"]])


def _name(fact: Fact, names: Any) -> dict[str, Any]:
    return {"name": names.title(fact["aggregate_id"])}


NOTICES = (
    Rule("Organisation.Applied", "new_application", "新入会申请",
         Template("新入会申请：{name}", "「{name}」提交了入会申请，请审核。",
                  "New membership application: {name}", "\"{name}\" applied for membership; please review it."),
         _staff, _name),
    Rule("Organisation.Reapplied", "new_application", "新入会申请",
         Template("重新入会申请：{name}", "「{name}」重新提交了入会申请，请审核。",
                  "Membership reapplication: {name}", "\"{name}\" applied again for membership; please review it."),
         _staff, _name),
    Rule("Organisation.Admitted", "admitted", "入会通过",
         Template("入会申请已通过", "「{name}」已成为协会会员单位。",
                  "Membership admitted", "\"{name}\" is now a member of the association."),
         _org, _name),
    Rule("Organisation.Lapsed", "membership_lapsed", "会籍失效",
         Template("会籍已失效", "「{name}」因会费未缴，会籍已失效。如有疑问请联系秘书处。",
                  "Membership lapsed", "\"{name}\"'s membership lapsed for unpaid dues; contact the secretariat."),
         _org, _name),
)
