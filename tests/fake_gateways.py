"""Local stand-ins for the notice gateways, started by the tests: a real SMTP server
(aiosmtpd, optionally with STARTTLS), and HTTP fakes of an SMS gateway and the WeChat
official-account API that record every request and answer as the real ones do."""

from __future__ import annotations

import email
import threading
import time
from collections import Counter
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller

from tests.servers import free_port


class _Recorder:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class SmtpServer:
    """A real SMTP server on a free port; `messages` holds every message it accepted."""

    def __init__(self, tls_context: Any = None):
        self.port = free_port()
        self.recorder = _Recorder()
        kwargs = {"tls_context": tls_context, "require_starttls": True} if tls_context is not None else {}
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **kwargs)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Any]:
        with self.recorder.lock:
            return list(self.recorder.messages)

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if m["To"] == address]

    def count_by_id(self) -> Counter[str]:
        return Counter(m["Message-ID"] for m in self.messages)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def env(self, **extra: str) -> dict[str, str]:
        return {"QIHUI_SMTP_HOST": "127.0.0.1", "QIHUI_SMTP_PORT": str(self.port),
                "QIHUI_SMTP_FROM": "秘书处 <mishu@xiehui.example.cn>", "QIHUI_SMTP_TLS": "none", **extra}


# -- HTTP gateways --------------------------------------------------------------------------------
class _Gateway:
    """An HTTP server on a free port, in a thread; `script` answers in turn (then `default`)."""

    def __init__(self) -> None:
        import http.server
        import json as _json

        self.port = free_port()
        self.requests: list[dict[str, Any]] = []
        self.script: list[Any] = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = _json.loads(raw) if raw else None
                status, answer = gateway.answer(self.command, self.path, body)
                data = _json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_scripted(self) -> Any:
        with self.lock:
            return self.script.pop(0) if self.script else None

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        raise NotImplementedError

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(entry)


class SmsGateway(_Gateway):
    """Answers like Aliyun's SendSms: {"Code": "OK"}, a flow-control code when rate-limited,
    isv.MOBILE_NUMBER_ILLEGAL for a bad number, and checks the request's signature. Scripted
    answers: "500" (a server error), "limited", or None (the normal answer)."""

    KEY, SECRET = "LTAI-test-key", "test-secret-0123456789"

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        from workers.channels.sms import signature

        params = {k: v for k, v in (body or {}).items() if k != "Signature"}
        entry = {"method": method, "params": params, "signed": signature(self.SECRET, params) == (body or {}).get(
            "Signature")}
        scripted = self.next_scripted()
        entry["answer"] = scripted or "ok"
        self.record(entry)
        if scripted == "500":
            return 500, {"Code": "InternalError"}
        if not entry["signed"] or params.get("AccessKeyId") != self.KEY:
            entry["answer"] = "unsigned"
            return 200, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
        if scripted == "limited":
            return 200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}
        if not str(params.get("PhoneNumbers", "")).lstrip("+").isdigit() or len(params["PhoneNumbers"]) < 11:
            entry["answer"] = "illegal"
            return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"{len(self.requests)}^0", "RequestId": "r"}

    def sent(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r["params"] for r in self.requests if r["answer"] == "ok" and r["signed"]]

    def env(self, **extra: str) -> dict[str, str]:
        return {"QIHUI_SMS_URL": f"{self.url}/", "QIHUI_SMS_KEY": self.KEY, "QIHUI_SMS_SECRET": self.SECRET,
                "QIHUI_SMS_SIGN": "企会", "QIHUI_SMS_TEMPLATES": "promoted=SMS_900001", **extra}


class WechatGateway(_Gateway):
    """The official-account API: /cgi-bin/token hands out tokens; template/send answers
    errcode 0, 40001 for a token it no longer honours, 45009 when rate-limited, 40003 for an
    openid it does not know. `expire()` makes the current token invalid (as WeChat does
    when another server fetched a new one)."""

    APPID, SECRET = "wx-test-appid", "wechat-test-secret"

    def __init__(self) -> None:
        super().__init__()
        self.valid: set[str] = set()
        self.tokens_issued = 0
        self.openids = {"o-wang-fang-openid"}

    def expire(self) -> None:
        with self.lock:
            self.valid.clear()

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        from urllib.parse import parse_qs, urlparse

        url = urlparse(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/cgi-bin/token":
            if query.get("appid") != self.APPID or query.get("secret") != self.SECRET:
                return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
            with self.lock:
                self.tokens_issued += 1
                token = f"token-{self.tokens_issued}"
                self.valid.add(token)
            return 200, {"access_token": token, "expires_in": 7200}
        scripted = self.next_scripted()
        entry = {"path": url.path, "token": query.get("access_token"), "body": body, "answer": scripted or "ok"}
        if query.get("access_token") not in self.valid:
            entry["answer"] = "40001"
            self.record(entry)
            return 200, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        self.record(entry)
        if scripted == "limited":
            return 200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
        if body["touser"] not in self.openids:
            entry["answer"] = "40003"
            return 200, {"errcode": 40003, "errmsg": "invalid openid"}
        return 200, {"errcode": 0, "errmsg": "ok", "msgid": len(self.requests)}

    def sent(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r["body"] for r in self.requests if r["answer"] == "ok"]

    def env(self, **extra: str) -> dict[str, str]:
        return {"QIHUI_WECHAT_API": self.url, "QIHUI_WECHAT_APPID": self.APPID, "QIHUI_WECHAT_SECRET": self.SECRET,
                "QIHUI_WECHAT_TEMPLATES": "promoted=TPL-promoted-001", **extra}
