"""Realistic test data: valid credit codes, Chinese organisation names."""

from __future__ import annotations

import itertools
import random

from domain.values import credit_code_check_char

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_counter = itertools.count(1)

CITIES = ["厦门", "武汉", "海门", "福州", "泉州", "南京"]
WORDS = ["星海", "鹭岛", "光谷", "海沧", "同安", "翔安", "东方", "华创", "联芯", "远景", "天马", "中科"]
TRADES = ["光电科技", "生物医药", "新材料", "智能装备", "软件信息", "节能环保", "新能源"]


def credit_code(rng: random.Random | None = None) -> str:
    """A fresh, valid 统一社会信用代码 (9 = company, 1 = enterprise, Xiamen)."""
    rng = rng or random.Random()
    body = "91350200" + "".join(rng.choice(_ALPHABET) for _ in range(9))
    return body + credit_code_check_char(body)


def with_wrong_check_digit(code: str) -> str:
    return code[:17] + next(c for c in _ALPHABET if c != code[17])


def org_name(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    return f"{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(TRADES)}有限公司{next(_counter)}号"


def application(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "kind": "enterprise",
        "name": org_name(),
        "credit_code": credit_code(),
        "sector": "光电",
        "address": "厦门市思明区软件园二期",
        "contacts": [{"name": "张伟", "phone": "13800000000", "email": "zhangwei@example.com"}],
        "annual_stats": {"year": 2025, "employees": 120, "rd_staff": 18,
                         "revenue_fen": 500_000_000, "rd_spend_fen": 40_000_000},
    }
    body.update(overrides)
    return body
