"""SMS through an HTTP gateway in the shape of the common Chinese SMS APIs (Aliyun's
SendSms, Tencent Cloud's): a pre-approved template code plus its parameters, the
signature name (签名), and the request signed with the access key's secret: HMAC-SHA256
over the canonical query (parameters sorted by name, RFC 3986-encoded), base64.

Answers: `Code` "OK" is sent; a flow-control code (rate-limited) is worth retrying;
an illegal mobile number or a refused template is not."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from workers.channels import Message, PermanentFailure, TransientFailure
from workers.channels.http import call

RATE_LIMITED = {"isv.BUSINESS_LIMIT_CONTROL", "Throttling", "LimitExceeded", "isv.DAY_LIMIT_CONTROL"}


def canonical(params: Mapping[str, str]) -> str:
    return "&".join(f"{quote(k, safe='-_.~')}={quote(str(v), safe='-_.~')}" for k, v in sorted(params.items()))


def signature(secret: str, params: Mapping[str, str]) -> str:
    """What the gateway recomputes: base64(HMAC-SHA256(secret, "POST&%2F&" + encoded canonical query))."""
    to_sign = "POST&%2F&" + quote(canonical(params), safe="-_.~")
    return base64.b64encode(hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).digest()).decode()


class SmsChannel:
    name = "sms"
    resumable = False  # a request the worker died during may have been sent

    def __init__(self, settings: Any):
        self.s = settings
        self.templates = dict(settings.sms_templates)

    def address(self, contact: dict[str, Any]) -> str | None:
        return contact.get("phone")

    def close(self) -> None:
        pass

    def send(self, message: Message, commit: Callable[[], None]) -> None:
        params = {
            "Action": "SendSms", "AccessKeyId": self.s.sms_key, "PhoneNumbers": message.to.replace(" ", ""),
            "SignName": self.s.sms_sign, "TemplateCode": self.templates.get(message.kind, message.kind),
            "TemplateParam": json.dumps({"title": message.text["title_zh"], **message.values}, ensure_ascii=False),
            "OutId": message.message_id, "SignatureMethod": "HMAC-SHA256", "SignatureNonce": uuid.uuid4().hex,
            "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        answer = call("POST", self.s.sms_url, {**params, "Signature": signature(self.s.sms_secret, params)})
        code = answer.get("Code")
        if code == "OK":
            commit()
        elif code in RATE_LIMITED:
            raise TransientFailure(f"sms rate-limited: {code} {answer.get('Message', '')}")
        else:
            raise PermanentFailure(f"sms refused: {code} {answer.get('Message', '')}")
