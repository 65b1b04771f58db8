"""Notice use cases: an account's channels and contact, marking its inbox read, and the
scheduler's reminders (each recorded once). Each returns a command for the writer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from domain.notices import INBOX, Inbox, NoticePreferences, Reminder, inbox_id, preferences_id, reminder_id
from domain.values import Actor
from service.personal import Personal, seal_in
from service.writer import Command, UnitOfWork

# Where an account is reached: personal, so sealed (the WeChat openid names one person too).
RECIPIENT = Personal("recipient", ("email", "phone", "openid"))


def _preferences(uow: UnitOfWork, account_id: str, actor: Actor) -> NoticePreferences:
    found = uow.find(NoticePreferences, preferences_id(account_id))
    if found is None:
        found = NoticePreferences(account_id=account_id, actor=actor)
        uow.add(found)
    return found


def choose_channels(account_id: str, kind: str, channels: Sequence[str], *, known_kinds: Sequence[str],
                    actor: Actor) -> Command:
    """选择通知渠道: the channels (email, sms, wechat) one kind of notice goes to; the inbox always."""

    def command(uow: UnitOfWork) -> UUID:
        prefs = _preferences(uow, account_id, actor)
        prefs.choose(kind=kind, channels=channels, known_kinds=known_kinds, actor=actor)
        return prefs.id

    return command


def set_contact(account_id: str, organisation_id: str | None, contact: dict[str, Any], *,
                actor: Actor) -> Command:
    """设置联系方式: e-mail, mobile and WeChat openid, sealed as a person of the account's organisation."""

    def command(uow: UnitOfWork) -> UUID:
        prefs = _preferences(uow, account_id, actor)
        clear = {k: v for k, v in contact.items() if v}
        prefs.set_contact(contact=seal_in(uow, RECIPIENT, clear, scope=organisation_id), actor=actor)
        return prefs.id

    return command


def mark_read(account_id: str, notice_ids: Sequence[str], *, actor: Actor) -> Command:
    """标记已读 (only new ones are recorded)."""

    def command(uow: UnitOfWork) -> UUID:
        inbox = uow.find(Inbox, inbox_id(account_id))
        if inbox is None:
            inbox = Inbox(account_id=account_id, actor=actor)
            uow.add(inbox)
        inbox.mark_read(notice_ids, actor)
        return inbox.id

    return command


def record_reminder(kind: str, subject_id: str, due_on: date, organisation_ids: Sequence[str],
                    values: dict[str, Any]) -> Command:
    """记录提醒, once per (kind, subject, due day): a second run finds it and records nothing
    (two schedulers racing: the store lets one create it; the other's retry finds it)."""

    def command(uow: UnitOfWork) -> bool:
        if uow.find(Reminder, reminder_id(kind, subject_id, due_on)) is not None:
            return False
        uow.add(Reminder(kind=kind, subject_id=subject_id, due_on=due_on, organisation_ids=list(organisation_ids),
                         values={k: str(v) for k, v in values.items()}, actor=Actor.system(),
                         reason=f"定时提醒 ({kind})"))
        return True

    return command


def choose_many(account_id: str, choices: Mapping[str, Sequence[str]], *, known_kinds: Sequence[str],
                actor: Actor) -> Command:
    """Channels for several kinds at once (API.md `PUT /me/notice-preferences`): all or none."""

    def command(uow: UnitOfWork) -> UUID:
        prefs = _preferences(uow, account_id, actor)
        for kind, channels in choices.items():
            prefs.choose(kind=kind, channels=[c for c in channels if c != INBOX], known_kinds=known_kinds,
                         actor=actor)
        return prefs.id

    return command
