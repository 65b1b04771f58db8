"""Notice channels behind one interface: e-mail (SMTP), SMS (an HTTP gateway in the shape of
the common Chinese SMS APIs) and WeChat official-account template messages. A channel
without its settings is off (`Settings.notice_channels`, shown by GET /ready).

`send(message, commit)`: the channel calls `commit()` at its point of no return (e-mail:
after the message body, before the end-of-data mark; HTTP gateways: once the gateway said
yes), which records the notice as sent; a failure before it leaves the notice to send again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class TransientFailure(Exception):
    """Worth trying again later (the gateway is down, busy or rate-limiting)."""


class PermanentFailure(Exception):
    """Trying again will not help (an invalid recipient, a refused template)."""


@dataclass(frozen=True)
class Message:
    message_id: str  # stable per (event, recipient, channel): a receiver may drop a repeat by it
    kind: str
    to: str
    text: dict[str, str]  # title_zh, body_zh, title_en, body_en
    values: dict[str, str] = field(default_factory=dict)


class Channel(Protocol):
    name: str
    # A send claimed by a worker that died before `commit` never reached anyone (e-mail: the
    # server drops a message without its end-of-data mark), so another worker may take it over.
    resumable: bool

    def address(self, contact: dict[str, Any]) -> str | None: ...

    def send(self, message: Message, commit: Callable[[], None]) -> None: ...

    def close(self) -> None: ...


def configured(settings: Any) -> dict[str, Channel]:
    """The channels whose settings are given (the inbox is not one: it is a view)."""
    from workers.channels.email import EmailChannel
    from workers.channels.sms import SmsChannel
    from workers.channels.wechat import WechatChannel

    status = settings.notice_channels()
    built: dict[str, Channel] = {}
    for name, make in (("email", EmailChannel), ("sms", SmsChannel), ("wechat", WechatChannel)):
        if status.get(name) == "on":
            built[name] = make(settings)
    return built
