"""Password hashing (argon2id) and signed, expiring bearer tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import msgspec
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id, library defaults (memory-hard)

# Verifying against this keeps unknown usernames as slow as wrong passwords.
_DUMMY_HASH = _hasher.hash("qihui-dummy-password")

# The password rule, stated once: the CLI prompt, the API's refusal and the
# OpenAPI document all show PASSWORD_RULE. Length is counted in characters, so a
# Chinese passphrase counts one per character; nothing else is required of it.
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
PASSWORD_RULE = (
    f"密码须为 {MIN_PASSWORD_LENGTH}–{MAX_PASSWORD_LENGTH} 个字符，任意字符均可（含中文、空格），"
    f"不能只是用户名 (a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters of any kind, "
    "Chinese and spaces included, and is not just the username)"
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


class TokenClaims(msgspec.Struct, frozen=True):
    sub: str  # account id
    role: str
    org: str | None
    exp: int  # unix seconds
    jti: str


@dataclass(frozen=True)
class TokenSigner:
    """HMAC-SHA256 signed tokens: `<payload>.<signature>`, both base64url."""

    key: bytes
    ttl_seconds: int = 8 * 3600

    def issue(self, account_id: str, role: str, organisation_id: str | None,
              now: float | None = None) -> tuple[str, TokenClaims]:
        claims = TokenClaims(
            sub=account_id, role=role, org=organisation_id,
            exp=int((now or time.time()) + self.ttl_seconds), jti=secrets.token_hex(12),
        )
        payload = _b64(msgspec.json.encode(claims))
        return f"{payload}.{self._sign(payload)}", claims

    def verify(self, token: str, now: float | None = None) -> TokenClaims | None:
        """The token's claims, or None when forged, malformed or expired."""
        payload, _, signature = token.partition(".")
        if not payload or not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            claims = msgspec.json.decode(_unb64(payload), type=TokenClaims)
        except (msgspec.DecodeError, ValueError):
            return None
        if claims.exp <= (now or time.time()):
            return None
        return claims

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self.key, payload.encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
