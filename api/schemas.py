"""Types every controller shares: free text that cannot carry invisible or
control characters, query parameters with bounds, strict bodies, exports.

Refused in all text: C0 and C1 controls and DEL (except line breaks and tabs in
multi-line text), every format character (Unicode category Cf: zero-width
spaces and joiners, bidi embeddings, overrides and isolates such as U+202E,
the byte-order mark, invisible tag characters), line and paragraph separators,
and lone surrogates. They spoof names in lists and exports ("moc.elgoog"
displayed for "google.com"), hide text from reviewers, and PostgreSQL refuses
NUL in text outright. Ordinary Chinese, punctuation and emoji pass.

The list is written out (Unicode 14's Cf) rather than computed from
`unicodedata`, so the served OpenAPI schema does not change with the Python
version. Patterns are Python regexes (msgspec searches with `re`); `$(?!\\n)`
ends at the true end, since a bare `$` also matches before a final newline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote_to_bytes
from uuid import UUID

import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.params import Parameter
from msgspec import Meta

# Format characters (Cf), line/paragraph separators (Zl, Zp) and surrogates (Cs).
_INVISIBLE = (r"\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e"
              r"\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
              r"\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")
SINGLE_LINE = rf"^[^\x00-\x1f\x7f-\x9f{_INVISIBLE}]*$(?!\n)"
MULTI_LINE = rf"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVISIBLE}]*$(?!\n)"  # \t \n \r allowed


def line(max_length: int, min_length: int = 1) -> type[str]:
    """One line of text (a name, a title, a place)."""
    return Annotated[str, Meta(min_length=min_length, max_length=max_length, pattern=SINGLE_LINE)]  # type: ignore[return-value]


def paragraphs(max_length: int, min_length: int = 1) -> type[str]:
    """Text that may span lines (a reason, a plan, a comment)."""
    return Annotated[str, Meta(min_length=min_length, max_length=max_length, pattern=MULTI_LINE)]  # type: ignore[return-value]


Name = Annotated[str, Meta(min_length=1, max_length=50, pattern=SINGLE_LINE)]  # a person's name
Text = Annotated[str, Meta(min_length=1, max_length=200, pattern=SINGLE_LINE)]  # a title, a sector, a name
Place = Annotated[str, Meta(min_length=1, max_length=500, pattern=SINGLE_LINE)]  # a venue, an address
Reason = Annotated[str, Meta(min_length=1, max_length=2000, pattern=MULTI_LINE)]  # required
Note = Annotated[str, Meta(max_length=2000, pattern=MULTI_LINE)]  # optional, may be empty
LongText = Annotated[str, Meta(min_length=1, max_length=10_000, pattern=MULTI_LINE)]
Username = Annotated[str, Meta(min_length=2, max_length=64, pattern=r"^[\w.@\-]+$(?!\n)")]
Phone = Annotated[str, Meta(pattern=r"^\+?[0-9][0-9 \-]{4,24}$(?!\n)")]
_ADDRESS = rf"[^@\s\x00-\x1f\x7f-\x9f{_INVISIBLE}]+"
Email = Annotated[str, Meta(max_length=254, pattern=rf"^{_ADDRESS}@{_ADDRESS}\.{_ADDRESS}$(?!\n)")]

# What a client is told instead of the regular expression it failed.
PATTERN_MESSAGES = {
    SINGLE_LINE: "只能是一行文字，不能含控制字符或不可见字符 (one line; no control or invisible characters)",
    MULTI_LINE: "不能含控制字符或不可见字符 (no control or invisible characters)",
    Username.__metadata__[0].pattern: "只能含字母、数字和 . @ _ - (letters, digits and . @ _ - only)",
    Phone.__metadata__[0].pattern: "不是有效的电话号码 (not a phone number)",
    Email.__metadata__[0].pattern: "不是有效的电子邮件地址 (not an email address)",
}

# Positions are the store's notification ids (64-bit in both backends; SQLite
# cannot even bind a larger number). The bound is lower still: no store reaches a
# quintillion events, and api.freshness refuses a `min_position` beyond the head
# at once only up to 18 digits (a longer one would wait out the deadline: 503).
MAX_POSITION = 10**18 - 1
Position = Annotated[int, Parameter(ge=0, le=MAX_POSITION)]
MinPosition = Annotated[int | None, Parameter(ge=0, le=MAX_POSITION)]
# A query parameter matched against stored text.
QueryText = Annotated[str | None, Parameter(max_length=100, pattern=SINGLE_LINE)]


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """Request bodies refuse fields they do not know (API.md)."""


def file_media_types(media_types: dict[str, str]) -> dict[str, str]:
    """Spreadsheet media types as a Response takes them (Litestar adds the charset itself)."""
    return {fmt: media_type.split(";")[0] for fmt, media_type in media_types.items()}


def exported_as(*media_types: str) -> type[Operation]:
    """The OpenAPI operation of a route whose success may also be a file in these
    formats (`?format=csv|xlsx`): `@get(..., operation_class=exported_as(...))`.
    Without it the document says JSON only, and a client (or schemathesis)
    receiving the spreadsheet it asked for sees an undocumented content type."""

    @dataclass
    class Exported(Operation):
        def __post_init__(self) -> None:
            binary = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))
            for status, response in (self.responses or {}).items():
                if status.startswith("2") and isinstance(response, OpenAPIResponse):
                    response.content = {**(response.content or {}), **dict.fromkeys(media_types, binary)}

    return Exported


_REFUSED = re.compile(rf"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")


def refuse_invisible_characters(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Query parameters and path segments carry no control or invisible
    characters, whatever the route declares (a NUL would reach PostgreSQL,
    which refuses it with an error instead of finding nothing)."""
    for pair in connection.scope.get("query_string", b"").split(b"&"):
        # Litestar decodes what is not UTF-8 into U+FFFD and carries on; refuse it instead.
        name, _, value = pair.partition(b"=")
        try:
            unquote_to_bytes(value).decode()
        except UnicodeDecodeError:
            _refuse(unquote_to_bytes(name).decode(errors="replace"), "不是有效的 UTF-8 (not valid UTF-8)")
    for name, value in connection.query_params.multi_items():
        if _REFUSED.search(name) or _REFUSED.search(value):
            _refuse(name if not _REFUSED.search(name) else "query")
    for name, value in connection.path_params.items():
        if isinstance(value, str) and _REFUSED.search(value):
            _refuse(name)


def _refuse(field: str, message: str = "含有控制字符或不可见字符 (contains control or invisible characters)") -> None:
    raise ValidationException(message, extra=[{"key": field, "message": message}])


# -- answers (issue 14): what GET routes return, so the served OpenAPI document describes them.

class Accepted(msgspec.Struct):
    """A command was recorded: the aggregate and the event's position."""

    id: UUID
    position: int
    status: str | None = None


class Done(msgspec.Struct):
    id: UUID
    position: int


class Page(msgspec.Struct):
    """A page of documents not yet typed (`items` are open objects)."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    total: int | None = None


_T = TypeVar("_T")


class Answer(msgspec.Struct, forbid_unknown_fields=False):
    """A response document. Fields absent from the projection's document default to
    UNSET and are left out of the JSON, so the answer is the document, typed."""


def answer(doc: Any, kind: type[_T]) -> _T:
    """The projection's document as the answer type `kind` (validated on the way)."""
    return msgspec.convert(doc, kind, from_attributes=False)
