"""Sign in and out, accept an invitation, change one's password, choose a language.

The same use cases as `api.accounts` (service.accounts), the same rate limit and
the same throttle; the token the API would answer goes into the session cookie.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from api import i18n
from api.accounts import Acceptance, Login, PasswordChange, _limited, _signed_out_at_once, _strangers
from api.deps import platform_of, wait_for_view
from api.pages.web import (
    LANG_COOKIE,
    FormError,
    attempt,
    check,
    cleared,
    cookie,
    lang_of,
    local_path,
    redirect,
    render,
    session_cookie,
    who,
)
from api.policy import PAGES_PREFIX, SESSION_COOKIE, public, signed_in
from service import accounts

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _sign_in(request: Request, username: str, password: str, target: str) -> Redirect:
    p = platform_of(request)
    lang = lang_of(request)
    client = _limited(request)
    done = attempt(lang, lambda: accounts.sign_in(
        p.app, p.writer, p.signer, username=username, password=password, now=p.clock.now(), client=client,
        strangers=_strangers(request)), {"form": "password"})
    wait_for_view(p, "accounts", done.position)  # the cookie works on the next request
    return redirect(target, cookies=[session_cookie(request, done.token, done.expires_at.astimezone(UTC))])


class AuthPages(Controller):
    path = "/"

    @get("/", opt=public(), name="home")
    async def home(self, request: Request) -> Template:
        """首页: where a member goes next; anyone may apply."""
        return render(request, "home.html")

    @get("/lang", opt=public())
    async def language(self, request: Request, to: str = "zh", next: str | None = None) -> Redirect:
        """中文 / English: a preference cookie, then back to the page."""
        return redirect(local_path(next), cookies=[cookie(request, LANG_COOKIE, i18n.language(to),
                                                         max_age=365 * 86400)])

    @get("/login", opt=public())
    async def login_form(self, request: Request, next: str | None = None) -> Template:
        return render(request, "login.html", values={"next": local_path(next)})

    @post("/login", opt=public(), sync_to_thread=True, status_code=303)
    def login(self, request: Request, data: Form) -> Redirect | Template:
        """登录: as POST /api/v1/auth/login, the token kept in an HttpOnly cookie."""
        lang = lang_of(request)
        values = {"username": data.get("username", ""), "next": local_path(data.get("next"))}
        try:
            form = check(lang, Login, {"username": data.get("username"), "password": data.get("password")})
            return _sign_in(request, form.username, form.password, values["next"])
        except FormError as exc:
            return render(request, "login.html", status=400, values=values, errors=exc.errors)

    @post("/logout", opt=signed_in(), sync_to_thread=True, status_code=303)
    def logout(self, request: Request) -> Redirect:
        """退出: the token stops working at once, as POST /api/v1/auth/logout."""
        p = platform_of(request)
        principal: Any = who(request)
        _, position = p.writer.execute(accounts.sign_out(
            UUID(principal.account_id), principal.token_id, datetime.fromtimestamp(principal.expires_at, UTC),
            principal.actor))
        wait_for_view(p, "revoked_tokens", position)
        request.app.state.principals.clear()
        return redirect(f"{PAGES_PREFIX}/login", done="logout.done", cookies=[cleared(request, SESSION_COOKIE)])

    @get("/invitation", opt=public())
    async def invitation_form(self, request: Request, token: str | None = None) -> Template:
        return render(request, "invitation.html", values={"token": (token or "")[:200]})

    @post("/invitation", opt=public(), sync_to_thread=True, status_code=303)
    def accept(self, request: Request, data: Form) -> Redirect | Template:
        """接受邀请: choose a username and password (as POST /api/v1/auth/invitations/accept), then
        signed in with them."""
        lang = lang_of(request)
        p = platform_of(request)
        values = {"token": data.get("token", ""), "username": data.get("username", "")}
        try:
            form = check(lang, Acceptance, {k: data.get(k) for k in ("token", "username", "password")})
            if data.get("password") != data.get("confirm"):
                raise FormError({"confirm": i18n.t(lang, "err.password_mismatch")})
            _limited(request)
            attempt(lang, lambda: p.writer.execute(accounts.accept_invitation(
                token=form.token, username=form.username, password=form.password, now=p.clock.now())))
            return _sign_in(request, form.username, form.password, PAGES_PREFIX + "/")
        except FormError as exc:
            return render(request, "invitation.html", status=400, values=values, errors=exc.errors)

    @get("/password", opt=signed_in())
    async def password_form(self, request: Request) -> Template:
        return render(request, "password.html")

    @post("/password", opt=signed_in(), sync_to_thread=True, status_code=303)
    def change_password(self, request: Request, data: Form) -> Redirect | Template:
        """修改密码: as POST /api/v1/auth/password; every other session is signed out."""
        lang = lang_of(request)
        p = platform_of(request)
        principal: Any = who(request)
        try:
            form = check(lang, PasswordChange, {k: data.get(k) for k in ("current_password", "new_password")})
            if data.get("new_password") != data.get("confirm"):
                raise FormError({"confirm": i18n.t(lang, "err.password_mismatch")})
            client = _limited(request)
            position = attempt(lang, lambda: accounts.change_password(
                p.app, p.writer, account_id=UUID(principal.account_id), current_password=form.current_password,
                new_password=form.new_password, now=p.clock.now(), actor=principal.actor, client=client,
                keep_token_id=principal.token_id))
            _signed_out_at_once(request, position)
            return redirect(f"{PAGES_PREFIX}/", done="password.done")
        except FormError as exc:
            return render(request, "password.html", status=400, errors=exc.errors)
