"""WeChat official-account template messages (微信公众号模板消息): an access token fetched
with the app id and secret and kept until it expires (or the API says 40001/42001, then
fetched again once), a template id per kind of notice, the data, and the member's openid
(personal: stored sealed, opened only to send)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from workers.channels import Message, PermanentFailure, TransientFailure
from workers.channels.http import call

TOKEN_INVALID = {40001, 40014, 42001}  # invalid credential, invalid token, token expired
RATE_LIMITED = {45009, 45047, -1}  # call quota reached, too many messages, system busy


class WechatChannel:
    name = "wechat"
    resumable = False

    def __init__(self, settings: Any):
        self.s = settings
        self.templates = dict(settings.wechat_templates)
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def address(self, contact: dict[str, Any]) -> str | None:
        return contact.get("openid")

    def close(self) -> None:
        pass

    def token(self, *, fresh: bool = False) -> str:
        with self._lock:
            if fresh or self._token is None or time.monotonic() >= self._expires:
                query = urlencode({"grant_type": "client_credential", "appid": self.s.wechat_appid,
                                   "secret": self.s.wechat_secret})
                answer = call("GET", f"{self.s.wechat_api}/cgi-bin/token?{query}")
                if "access_token" not in answer:
                    raise TransientFailure(f"wechat token: {answer.get('errcode')} {answer.get('errmsg', '')}")
                self._token = answer["access_token"]
                # Renewed a little early: a token used at its last second may already be refused.
                self._expires = time.monotonic() + max(int(answer.get("expires_in", 7200)) - 300, 60)
            return self._token

    def send(self, message: Message, commit: Callable[[], None]) -> None:
        body = {"touser": message.to, "template_id": self.templates.get(message.kind, message.kind),
                "data": {"first": {"value": message.text["title_zh"]}, "remark": {"value": message.text["body_zh"]},
                         **{k: {"value": v} for k, v in message.values.items()}}}
        for fresh in (False, True):
            answer = call("POST", f"{self.s.wechat_api}/cgi-bin/message/template/send?access_token="
                          f"{self.token(fresh=fresh)}", body)
            code = int(answer.get("errcode", -1))
            if code not in TOKEN_INVALID:
                break
        if code == 0:
            commit()
        elif code in RATE_LIMITED or code in TOKEN_INVALID:
            raise TransientFailure(f"wechat: {code} {answer.get('errmsg', '')}")
        else:
            raise PermanentFailure(f"wechat refused: {code} {answer.get('errmsg', '')}")
