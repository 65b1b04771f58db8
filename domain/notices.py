"""Notices (DOMAIN.md "Notices"): who is told what of an event, on which channels.

A notice is decided from an event by a `Rule` that the event's context declares
(qihui.contexts, `notices=`): the kind of notice, who is told (the accounts of the
organisations concerned, the secretariat) and the values its template is filled
with. The facts of this context are few: an account's channel preferences and
contact (`NoticePreferences`, the contact sealed: e-mail, phone and WeChat openid
are personal), what it has read (`Inbox`), and reminders the scheduler records
(`Reminder`, one per kind, subject and due day, so a second run records nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.errors import InvalidValue
from domain.model import Entity
from domain.values import Actor

_NAMESPACE = uuid5(NAMESPACE_URL, "https://qihui.invalid/notices")

INBOX = "inbox"  # always on: every account reads its notices in the app
CHANNELS = ("email", "sms", "wechat")  # the channels an account may choose per kind
DEFAULT_CHANNELS = CHANNELS  # until an account chooses: every channel that can reach it

# What the rules read: an event as published (projections.records.event_record, JSON-decoded).
Fact = Mapping[str, Any]


@dataclass(frozen=True)
class Audience:
    """Who is told: the accounts of these organisations, and/or the secretariat (staff)."""

    organisations: Sequence[str] = ()
    staff: bool = False


@dataclass(frozen=True)
class Template:
    """A notice's text, Chinese first, with English; `{name}` placeholders filled from the
    rule's values (never personal data: names of sessions and organisations only)."""

    title_zh: str
    body_zh: str
    title_en: str
    body_en: str

    def render(self, values: Mapping[str, Any]) -> dict[str, str]:
        return {"title_zh": self.title_zh.format_map(values), "body_zh": self.body_zh.format_map(values),
                "title_en": self.title_en.format_map(values), "body_en": self.body_en.format_map(values)}


@dataclass(frozen=True)
class Rule:
    """A context's rule: on event `event` ("Aggregate.Event") tell `audience(fact, names)` a notice
    of `kind` with `values(fact, names)` (names: titles of sessions and organisations, see
    projections.notices.Names). `when` leaves events out (a registration that was waitlisted)."""

    event: str
    kind: str
    label: str  # the kind, for people (Chinese)
    template: Template
    audience: Callable[[Fact, Any], Audience]
    values: Callable[[Fact, Any], Mapping[str, Any]] = lambda fact, names: {}
    when: Callable[[Fact], bool] = lambda fact: True


def preferences_id(account_id: str | UUID) -> UUID:
    return uuid5(_NAMESPACE, f"preferences:{account_id}")


def inbox_id(account_id: str | UUID) -> UUID:
    return uuid5(_NAMESPACE, f"inbox:{account_id}")


def reminder_id(kind: str, subject_id: str, due_on: date) -> UUID:
    return uuid5(_NAMESPACE, f"reminder:{kind}:{subject_id}:{due_on.isoformat()}")


def check_channels(channels: Sequence[str]) -> list[str]:
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise InvalidValue(f"未知渠道 {unknown[0]!r}，可选 email、sms、wechat (unknown channel)", field="channels")
    return sorted(set(channels), key=CHANNELS.index)


class NoticePreferences(Entity):
    """One account's choices: channels per kind of notice, and where to reach it (sealed)."""

    LABEL = "通知设置"

    @staticmethod
    def create_id(account_id: str, **_: object) -> UUID:
        return preferences_id(account_id)

    @event("Started")
    def __init__(self, account_id: str, actor: Actor, reason: str | None = None):
        self.account_id = account_id
        self.channels: dict[str, list[str]] = {}
        self.contact: dict[str, Any] | None = None

    def choose(self, *, kind: str, channels: Sequence[str], known_kinds: Sequence[str], actor: Actor) -> None:
        if kind not in known_kinds:
            raise InvalidValue(f"未知的通知类型 {kind!r} (unknown kind of notice)", field="kind")
        chosen = check_channels(channels)
        if self.channels.get(kind) != chosen:
            self._channels_chosen(account_id=self.account_id, kind=kind, channels=chosen, actor=actor)

    @event("ChannelsChosen")
    def _channels_chosen(self, account_id: str, kind: str, channels: list[str], actor: Actor,
                         reason: str | None = None) -> None:
        self.channels = {**self.channels, kind: channels}

    def set_contact(self, *, contact: dict[str, Any], actor: Actor) -> None:
        """`contact` is a sealed person (service.personal): never recorded in the clear."""
        self._contact_set(account_id=self.account_id, contact=contact, actor=actor)

    @event("ContactSet")
    def _contact_set(self, account_id: str, contact: dict[str, Any], actor: Actor, reason: str | None = None) -> None:
        self.contact = contact


class Inbox(Entity):
    """What one account has read of its notices (the notices themselves are a view)."""

    LABEL = "收件箱"

    @staticmethod
    def create_id(account_id: str, **_: object) -> UUID:
        return inbox_id(account_id)

    @event("Opened")
    def __init__(self, account_id: str, actor: Actor, reason: str | None = None):
        self.account_id = account_id
        self.read: set[str] = set()

    def mark_read(self, notice_ids: Sequence[str], actor: Actor) -> list[str]:
        fresh = sorted(set(notice_ids) - self.read)
        if fresh:
            self._read(notice_ids=fresh, actor=actor)
        return fresh

    @event("Read")
    def _read(self, notice_ids: list[str], actor: Actor, reason: str | None = None) -> None:
        self.read = self.read | set(notice_ids)


class Reminder(Entity):
    """提醒: recorded once per (kind, subject, due day); the notice follows from it."""

    LABEL = "提醒"

    @staticmethod
    def create_id(kind: str, subject_id: str, due_on: date, **_: object) -> UUID:
        return reminder_id(kind, subject_id, due_on)

    @event("Recorded")
    def __init__(self, kind: str, subject_id: str, due_on: date, organisation_ids: list[str],
                 values: dict[str, Any], actor: Actor, reason: str | None = None):
        self.kind = kind
        self.subject_id = subject_id
        self.due_on = due_on
        self.organisation_ids = organisation_ids
        self.values = values


@dataclass(frozen=True)
class Notice:
    """One decided notice: kind, text and the account told (channels are chosen when sending)."""

    event_id: str
    position: int
    kind: str
    account_id: str
    text: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(uuid5(_NAMESPACE, f"notice:{self.event_id}:{self.account_id}:{self.kind}"))
