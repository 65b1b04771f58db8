"""What the accounts context tells (账号通知): an organisation's accounts that a colleague was
invited, and the secretariat that an invitation was accepted."""

from __future__ import annotations

from domain.notices import Audience, Rule, Template

NOTICES = (
    Rule("Invitation.Issued", "account_invited", "账号邀请",
         Template("本单位新邀请了一个账号", "秘书处邀请了一位同事加入「{name}」的账号，邀请 7 天内有效。",
                  "A colleague was invited",
                  "The secretariat invited a colleague to \"{name}\"'s accounts; the invitation is valid 7 days."),
         lambda f, n: Audience(organisations=[f["data"]["organisation_id"]]),
         lambda f, n: {"name": n.title(f["data"]["organisation_id"])},
         when=lambda f: bool(f["data"].get("organisation_id"))),
    Rule("Invitation.Accepted", "invitation_accepted", "邀请已接受",
         Template("邀请已接受", "一份账号邀请已被接受，新账号已可登录。",
                  "Invitation accepted", "An account invitation was accepted; the new account can sign in."),
         lambda f, n: Audience(staff=True)),
)
