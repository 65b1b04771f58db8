"""Value objects shared by the aggregates."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import InvalidValue

# GB 32100-2015: 31 characters (no I, O, Z, S, V), position weights 3^i mod 31.
_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(_CHARSET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a Unified Social Credit Code, given the first 17."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHARSET[(31 - total % 31) % 31]


def normalise_credit_code(raw: str) -> str:
    """Validate a 统一社会信用代码 and return it upper-cased.

    Raises InvalidValue naming `credit_code` when the length, the alphabet,
    the administrative-division digits or the check digit are wrong.
    """
    code = raw.strip().upper()
    if len(code) != 18:
        raise InvalidValue(
            f"统一社会信用代码应为 18 位，收到 {len(code)} 位 (must be 18 characters)",
            field="credit_code",
        )
    bad = [c for c in code if c not in _VALUE]
    if bad:
        raise InvalidValue(
            f"统一社会信用代码含非法字符 {''.join(bad)!r} (characters not allowed)",
            field="credit_code",
        )
    if not code[2:8].isdigit():
        raise InvalidValue(
            "统一社会信用代码第 3–8 位应为行政区划码 (positions 3–8 must be digits)",
            field="credit_code",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise InvalidValue(
            "统一社会信用代码校验位错误 (check digit does not match, GB 32100-2015)",
            field="credit_code",
        )
    return code


@dataclass(frozen=True)
class Actor:
    """Who caused an event: an account, the public, or the system's clock."""

    id: str
    role: str
    organisation_id: str | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(id="system", role="system")

    @classmethod
    def public(cls) -> Actor:
        return cls(id="anonymous", role="public")

    def as_dict(self) -> dict[str, str | None]:
        return {"id": self.id, "role": self.role, "organisation_id": self.organisation_id}
