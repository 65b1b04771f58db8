"""站内信 the inbox page of every signed-in account: its notices, newest first, in the page's
language, and a button that marks them read (the same use case as POST /api/v1/inbox/read)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from api.deps import platform_of
from api.pages.desk_base import Form
from api.pages.web import redirect, render, settle, who
from api.policy import PAGES_PREFIX, actor_of, signed_in
from projections import notices_inbox
from service import notices

TEXTS = {
    "nav.notices.inbox": ("收件箱", "Inbox"),
    "notices.inbox": ("收件箱", "Inbox"),
    "notices.unread": ("{count} 条未读", "{count} unread"),
    "notices.empty": ("暂无通知", "No notices yet"),
    "notices.mark_read": ("全部标为已读", "Mark all read"),
    "notices.new": ("未读", "unread"),
    "notices.done.read": ("已全部标为已读", "All marked read"),
}


class InboxPages(Controller):
    path = "/"

    @get("/inbox", opt=signed_in(), sync_to_thread=True)
    def inbox(self, request: Request) -> Template:
        """收件箱: the account's notices, newest first (as GET /api/v1/inbox)."""
        p, principal = platform_of(request), who(request)
        assert principal is not None
        rows, unread = notices_inbox.inbox(p.views, principal.account_id, limit=200)
        return render(request, "notices/inbox.html", rows=rows, unread=unread)

    @post("/inbox/read", opt=signed_in(), sync_to_thread=True, status_code=303)
    def read(self, request: Request, data: Form) -> Redirect:
        """全部标为已读, as POST /api/v1/inbox/read with every unread notice."""
        p, principal = platform_of(request), who(request)
        assert principal is not None
        rows, _ = notices_inbox.inbox(p.views, principal.account_id, unread=True, limit=500)
        if rows:
            _, position = p.writer.execute(notices.mark_read(principal.account_id, [r["id"] for r in rows],
                                                             actor=actor_of(request)))
            settle(request, position, "notices")
        return redirect(f"{PAGES_PREFIX}/inbox", done="notices.done.read")
