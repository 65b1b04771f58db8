"""Notices (通知) in the audit log: an account's settings concern no organisation; a reminder
is on the history of every organisation it reminded."""

from __future__ import annotations

from domain.notices import Inbox, NoticePreferences, Reminder
from domain.notices_reminders import TEMPLATES
from projections.history import History, nobody

_CHANNELS = {"email": "电子邮件", "sms": "短信", "wechat": "微信"}

HISTORY = History(
    summaries={
        NoticePreferences.Started: lambda e, n: "开始设置通知",
        NoticePreferences.ChannelsChosen: lambda e, n: (
            f"通知渠道（{e.kind}）：" + ("、".join(_CHANNELS.get(c, c) for c in e.channels) or "仅站内信")),
        NoticePreferences.ContactSet: lambda e, n: "更新通知联系方式",  # persons are never named here (PIPL)
        Inbox.Opened: lambda e, n: "开通收件箱",
        Inbox.Read: lambda e, n: f"标记 {len(e.notice_ids)} 条通知为已读",
        Reminder.Recorded: lambda e, n: f"提醒：{TEMPLATES.get(e.kind, (e.kind,))[0]}（{e.due_on}）",
    },
    links={NoticePreferences.Event: nobody, Inbox.Event: nobody,
           Reminder.Event: lambda e, n: list(getattr(e, "organisation_ids", []))},
)
