"""Accounts (账号) in the audit log: access events concern no organisation's history."""

from __future__ import annotations

from domain.accounts import Account, Invitation, PasswordReset
from domain.unique import UniqueClaim
from domain.vocabularies import ROLE_NAMES, label
from projections.history import History, nobody

HISTORY = History(
    summaries={
        Account.Created: lambda e, n: f"创建账号 {e.username}（{label(ROLE_NAMES, e.role)}）",
        Account.RoleGranted: lambda e, n: f"授予角色：{label(ROLE_NAMES, e.role)}",
        Account.RoleRevoked: lambda e, n: f"撤销角色：{label(ROLE_NAMES, e.role)}",
        Account.PasswordChanged: lambda e, n: "修改密码",
        Account.Disabled: lambda e, n: f"停用账号：{e.reason}",
        Account.Enabled: lambda e, n: f"重新启用账号：{e.reason}",
        Account.SignedIn: lambda e, n: "登录",
        Account.SignInFailed: lambda e, n: "登录失败",
        Account.SignedOut: lambda e, n: "退出登录",
        Invitation.Issued: lambda e, n: f"发出邀请（{label(ROLE_NAMES, e.role)}）",
        Invitation.Accepted: lambda e, n: "接受邀请",
        PasswordReset.Issued: lambda e, n: "签发密码重置链接（24 小时内有效，限用一次）",
        PasswordReset.Used: lambda e, n: "使用密码重置链接重设密码",
        UniqueClaim.Claimed: lambda e, n: f"登记唯一标识（{_CLAIMS.get(e.kind, e.kind)}）",
    },
    links={Account.Event: nobody, Invitation.Event: nobody, PasswordReset.Event: nobody, UniqueClaim.Event: nobody},
)

_CLAIMS = {"credit_code": "统一社会信用代码", "username": "用户名", "invitation": "邀请", "person": "人员"}
