"""How people type Chinese names into a search box: full pinyin (厦门 → xiamen) and
initials (xm). Kept beside a view's name so a search can match any of the three."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def spellings(name: str | None) -> tuple[str, str]:
    """(pinyin, initials) of a name, lower case without spaces; other characters kept as they are."""
    if not name:
        return "", ""
    def joined(parts: list[str]) -> str:
        return "".join(parts).lower().replace(" ", "")

    return joined(lazy_pinyin(name)), joined(lazy_pinyin(name, style=Style.FIRST_LETTER))
