"""站内信 the in-app inbox of every account, and its notice settings (channels per kind of
notice, where to reach it)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.params import Parameter
from msgspec import Meta

from api.deps import platform_of, wait_for_view
from api.policy import actor_of, principal_of, signed_in
from api.schemas import Done, Email, MinPosition, Phone, Strict, answer, line
from domain.errors import InvalidValue, NotFound
from domain.notices import DEFAULT_CHANNELS
from projections import notices_inbox as views
from qihui import contexts
from service import notices

Channel = Literal["email", "sms", "wechat"]
NoticeId = Annotated[str, Meta(min_length=36, max_length=36, pattern=r"^[0-9a-f\-]{36}$(?!\n)",
                               description="通知编号 (notice id)")]
OpenId = line(64)


class ReadIn(Strict):
    ids: Annotated[list[NoticeId], Meta(min_length=1, max_length=500,
                                        description="要标记已读的通知 (notices to mark read)")]


class ChannelsIn(Strict):
    kind: Annotated[str, Meta(min_length=1, max_length=64, description="通知类型 (kind of notice)")]
    channels: Annotated[list[Channel], Meta(max_length=3, description="站内信之外的渠道 (channels besides the inbox)")]


# API.md "Notices": {kind: [channels]} for any number of kinds; "inbox" may be named (it is always on).
Kind = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z_]+$")]
AnyChannel = Literal["inbox", "email", "sms", "wechat"]
PreferencesIn = Annotated[dict[Kind, Annotated[list[AnyChannel], Meta(max_length=4)]],
                          Meta(min_length=1, max_length=100)]


class ContactIn(Strict):
    email: Email | None = None
    phone: Phone | None = None
    openid: Annotated[OpenId | None, Meta(description="微信公众号 openid (WeChat official-account openid)")] = None


class NoticeItem(msgspec.Struct):
    """一条通知 (one notice)."""

    id: Annotated[str, Meta(description="通知编号 (notice id)")]
    kind: Annotated[str, Meta(description="通知类型 (kind of notice)")]
    position: Annotated[int, Meta(description="事件位置 (position of the event it came from)")]
    created_at: Annotated[str, Meta(description="时间 (when the event happened)")]
    title_zh: Annotated[str, Meta(description="标题 (title, Chinese)")]
    body_zh: Annotated[str, Meta(description="正文 (text, Chinese)")]
    title_en: Annotated[str, Meta(description="标题 (title, English)")]
    body_en: Annotated[str, Meta(description="正文 (text, English)")]
    read: Annotated[bool, Meta(description="是否已读 (read)")]
    read_at: Annotated[str | None, Meta(description="阅读时间 (when it was marked read)")]


class InboxPage(msgspec.Struct):
    """收件箱 (the inbox, newest first)."""

    items: Annotated[list[NoticeItem], Meta(description="通知 (notices)")]
    unread: Annotated[int, Meta(description="未读数 (unread notices)")]
    next_cursor: Annotated[str | None, Meta(description="下一页游标 (cursor of the next page)")]


class KindSetting(msgspec.Struct):
    """一类通知的渠道 (the channels of one kind)."""

    kind: Annotated[str, Meta(description="通知类型 (kind of notice)")]
    label: Annotated[str, Meta(description="名称 (name of the kind)")]
    channels: Annotated[list[str], Meta(description="已选渠道，站内信总是开启 (chosen; the inbox is always on)")]


class Preferences(msgspec.Struct):
    """通知设置 (notice settings)."""

    kinds: Annotated[list[KindSetting], Meta(description="各类通知的渠道 (channels per kind)")]
    contact: Annotated[dict[str, Any], Meta(description="联系方式：email、phone、openid (where you are reached)")]
    available: Annotated[dict[str, str], Meta(description="平台渠道状态 (the platform's channels: on, or off and why)")]


def _kinds() -> dict[str, str]:
    return {r.kind: r.label for r in contexts.notices()}


class InboxController(Controller):
    path = "/api/v1/inbox"
    tags = ["notices 通知"]  # noqa: RUF012

    @get("/", opt=signed_in(), operation_id="listInbox", sync_to_thread=True)
    def list(self, request: Request,
             unread: Annotated[bool, Parameter(description="只看未读 (unread only)")] = False,
             limit: Annotated[int, Parameter(ge=1, le=200, description="每页条数 (page size)")] = 50,
             cursor: Annotated[str | None, Parameter(max_length=18, pattern=r"^[0-9]{1,18}$(?!\n)",
                                                     description="分页游标 (cursor)")] = None,
             min_position: MinPosition = None) -> InboxPage:
        """收件箱: the caller's notices, newest first; `unread=true` for the unread only."""
        p = platform_of(request)
        wait_for_view(p, "notices", min_position)
        who = principal_of(request)
        assert who is not None
        items, count = views.inbox(p.views, who.account_id, unread=unread, limit=limit + 1,
                                   before=int(cursor) if cursor else None)
        more = len(items) > limit
        items = items[:limit]
        return answer({"items": items, "unread": count,
                       "next_cursor": str(items[-1]["position"]) if more else None}, InboxPage)

    @post("/read", opt=signed_in(), operation_id="markInboxRead", status_code=200)
    async def read(self, request: Request, data: ReadIn) -> Done:
        """标记已读: the caller's own notices only (another account's: 404)."""
        return await _mark_read(request, data.ids, "ids")

    @post("/{id:str}/read", opt=signed_in(), operation_id="markNoticeRead", status_code=200)
    async def read_one(self, request: Request, id: Annotated[str, Parameter(max_length=36)]) -> Done:
        """标记一条已读 (API.md `POST /inbox/{id}/read`): the caller's own notice only (another's: 404)."""
        return await _mark_read(request, [id], "id")

    @get("/preferences", opt=signed_in(), operation_id="inboxPreferences", sync_to_thread=True)
    def preferences(self, request: Request, min_position: MinPosition = None) -> Preferences:
        """通知设置: channels per kind of notice, your contact (opened) and which channels the platform has on."""
        p, who = platform_of(request), principal_of(request)
        assert who is not None
        wait_for_view(p, "notices", min_position)
        doc = views.account(p.views, who.account_id)
        chosen = doc.get("channels", {})
        kinds = [{"kind": k, "label": label, "channels": chosen.get(k, list(DEFAULT_CHANNELS))}
                 for k, label in _kinds().items()]
        return answer({"kinds": kinds, "contact": views.contact(p.views, doc),
                       "available": p.settings.notice_channels()}, Preferences)

    @post("/preferences", opt=signed_in(), operation_id="chooseNoticeChannels", status_code=200)
    async def choose(self, request: Request, data: ChannelsIn) -> Done:
        """选择渠道: which channels (email, sms, wechat) one kind of notice goes to; the inbox always."""
        p, who = platform_of(request), principal_of(request)
        assert who is not None
        prefs_id, position = await p.writer.run(notices.choose_channels(
            who.account_id, data.kind, data.channels, known_kinds=list(_kinds()), actor=actor_of(request)))
        return Done(id=prefs_id, position=position)

    @post("/contact", opt=signed_in(), operation_id="setNoticeContact", status_code=200)
    async def contact(self, request: Request, data: ContactIn) -> Done:
        """联系方式: where notices reach you (stored sealed: personal information)."""
        p, who = platform_of(request), principal_of(request)
        assert who is not None
        given = {k: v for k, v in msgspec.structs.asdict(data).items() if v}
        if not given:
            raise InvalidValue("至少填写一种联系方式 (give at least one of email, phone, openid)", field="email")
        prefs_id, position = await p.writer.run(notices.set_contact(
            who.account_id, who.organisation_id, given, actor=actor_of(request)))
        return Done(id=prefs_id, position=position)


async def _mark_read(request: Request, ids: list[str], field: str) -> Done:
    p, who = platform_of(request), principal_of(request)
    assert who is not None
    mine = await asyncio.to_thread(views.owned, p.views, who.account_id, ids)
    missing = [i for i in ids if i not in mine]
    if missing:
        raise NotFound(f"通知 {missing[0][:36]} 不存在 (no such notice in your inbox)", field=field)
    inbox_id, position = await p.writer.run(notices.mark_read(who.account_id, ids, actor=actor_of(request)))
    return Done(id=inbox_id, position=position)


class MeController(Controller):
    """The signed-in account's own settings (API.md "Notices")."""

    path = "/api/v1/me"
    tags = ["notices 通知"]  # noqa: RUF012

    @put("/notice-preferences", opt=signed_in(), operation_id="setNoticePreferences", status_code=200)
    async def notice_preferences(self, request: Request, data: PreferencesIn) -> Done:
        """通知设置: the channels of several kinds of notice at once, `{kind: [channels]}` (all or none;
        the inbox is always on)."""
        p, who = platform_of(request), principal_of(request)
        assert who is not None
        if not data:
            raise InvalidValue("至少选择一类通知 (name at least one kind of notice)", field="kind")
        prefs_id, position = await p.writer.run(notices.choose_many(
            who.account_id, data, known_kinds=list(_kinds()), actor=actor_of(request)))
        return Done(id=prefs_id, position=position)
