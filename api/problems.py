"""RFC 9457 problem+json for every refusal, never a bare 500 for client input."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
)

from api.schemas import PATTERN_MESSAGES
from domain.errors import DomainError
from projections.store import StoreUnavailable as ViewsUnavailable
from service.writer import StoreUnavailable

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"

_TITLES = {
    400: "请求无效 (Bad request)",
    401: "需要登录 (Authentication required)",
    403: "无权访问 (Forbidden)",
    404: "不存在 (Not found)",
    405: "方法不允许 (Method not allowed)",
    409: "业务规则不允许 (Conflict with a business rule)",
    413: "请求体过大 (Request body too large)",
    422: "数据无效 (Invalid data)",
    429: "请求过于频繁 (Too many requests)",
    503: "服务暂不可用 (Service unavailable)",
}


def problem(status: int, detail: str, *, code: str | None = None,
            errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"https://qihui.invalid/problems/{code or status}",
        "title": _TITLES.get(status, "错误 (Error)"),
        "status": status,
        "detail": detail,
    }
    if code:
        body["code"] = code
    if errors is not None:
        body["errors"] = errors
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers)


_AT = re.compile(r"^(?P<msg>.*?) - at `\$(?P<path>[^`]*)`$")
_PATTERN = re.compile(r"^Expected `str` matching regex (?P<pattern>'.*')$", re.DOTALL)
_PATTERNS = {repr(pattern): message for pattern, message in PATTERN_MESSAGES.items()}
_NAMED = re.compile(r"(?:unknown|missing required) field `(?P<name>[^`]+)`")

# --- msgspec's and Litestar's English, in Chinese first ---------------------------
# Every message form msgspec 0.22 (_core.c: "Expected `...", "Invalid ...",
# "Object ...", "JSON is malformed: ...") and Litestar (missing parameters, a
# failed validation, a bad body) can give a client, as "中文 (English original)".

_TYPE_NAMES = {
    "int": "整数", "float": "数字", "str": "字符串", "bool": "布尔值（true 或 false）", "null": "null",
    "array": "数组", "object": "对象", "bytes": "字节串", "bytearray": "字节串", "memoryview": "字节串",
    "datetime": "日期时间", "date": "日期", "time": "时间", "duration": "时长", "timedelta": "时长",
    "uuid": "UUID", "decimal": "十进制数", "ext": "MessagePack 扩展类型",
}
_ITEMS = {"str": "个字符", "bytes": "个字节", "array": "项", "object": "个键"}
_COMPARED = {">=": "不能小于", ">": "须大于", "<=": "不能大于", "<": "须小于"}
_PARAMETER_KINDS = {"query": "查询参数", "header": "请求头", "cookie": "Cookie", "path": "路径参数"}
_JSON_FAULTS = {
    "invalid character": "无效字符",
    "invalid character in unicode escape": "Unicode 转义中有无效字符",
    "invalid escape character in string": "字符串中有无效的转义字符",
    "invalid escaped character": "无效的转义字符",
    "invalid number": "无效的数字",
    "invalid utf-16 surrogate pair": "无效的 UTF-16 代理对",
    "object keys must be strings": "对象的键必须是字符串",
    "trailing characters": "末尾有多余的字符",
    "trailing comma in array": "数组末尾多了逗号",
    "trailing comma in object": "对象末尾多了逗号",
    "unexpected end of escaped utf-16 surrogate pair": "UTF-16 代理对转义不完整",
    "unexpected end of hex escape": "十六进制转义不完整",
    "map keys must be hashable": "映射的键须可哈希",
}
_CHINESE = re.compile(r"[\u3400-\u9fff]")
_SPACED = re.compile(r"(?<=[\u3400-\u9fff])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[\u3400-\u9fff])")


def _type_name(names: str) -> str:
    """`int | null` → 整数或 null."""
    return "或".join(_TYPE_NAMES.get(name.strip(), name.strip()) for name in names.split("|"))


def _fault(text: str) -> str:
    if text in _JSON_FAULTS:
        return _JSON_FAULTS[text]
    if m := re.fullmatch(r"expected (.+)", text):  # expected '"', expected ',' or ']', ...
        return "此处应为 " + m[1].replace(" or ", " 或 ")
    if m := re.fullmatch(r"invalid opcode (.+)", text):
        return f"无效的操作码 {m[1]}"
    return text


def _one_of(choices: Sequence[str]) -> str:
    return "须为以下之一：" + "、".join(choices) if choices else "取值无效"


_Translate = Callable[[re.Match[str], Sequence[str]], str]
_TABLE: list[tuple[str, _Translate]] = [
    # types
    (r"Expected `(?P<want>[^`]+)`, got `(?P<got>[^`]+)`", lambda m, _: f"须为{_type_name(m['want'])}"),
    (r"Expected `(?P<want>[^`]+)` with a timezone component", lambda m, _: "须带时区偏移（如 +08:00）"),
    (r"Expected `(?P<want>[^`]+)` with no timezone component", lambda m, _: "不能带时区偏移"),
    (r"Expected `(?P<want>[^`|]+(?: \| [^`|]+)*)`", lambda m, _: f"须为{_type_name(m['want'])}"),
    # lengths
    (r"Expected `(?P<t>str|bytes|array|object)` of length >= (?P<n>\d+)",
     lambda m, _: f"至少 {m['n']} {_ITEMS[m['t']]}"),
    (r"Expected `(?P<t>str|bytes|array|object)` of length <= (?P<n>\d+)",
     lambda m, _: f"最多 {m['n']} {_ITEMS[m['t']]}"),
    (r"Expected `array` of at least length (?P<n>\d+)(?:, got (?P<got>\d+))?",
     lambda m, _: f"至少 {m['n']} 项" + (f"，实际 {m['got']} 项" if m["got"] else "")),
    (r"Expected `array` of at most length (?P<n>\d+)(?:, got (?P<got>\d+))?",
     lambda m, _: f"最多 {m['n']} 项" + (f"，实际 {m['got']} 项" if m["got"] else "")),
    (r"Expected `array` of length (?P<lo>\d+) to (?P<hi>\d+)(?:, got (?P<got>\d+))?",
     lambda m, _: f"须有 {m['lo']} 到 {m['hi']} 项" + (f"，实际 {m['got']} 项" if m["got"] else "")),
    (r"Expected `array` of length (?P<n>\d+)(?:, got (?P<got>\d+))?",
     lambda m, _: f"须恰好 {m['n']} 项" + (f"，实际 {m['got']} 项" if m["got"] else "")),
    # numbers
    (r"Expected `(?:int|float)` (?P<op>>=|<=|>|<) (?P<n>\S+)", lambda m, _: f"{_COMPARED[m['op']]} {m['n']}"),
    (r"Expected `(?:int|float)` that's a multiple of (?P<n>\S+)", lambda m, _: f"须为 {m['n']} 的倍数"),
    (r"(?:Integer value|Number) out of range", lambda m, _: "数值超出范围"),
    # text
    (r"Expected `str` matching regex .*", lambda m, _: "格式不正确"),
    # values
    (r"Invalid (?:enum )?value .+", lambda m, choices: _one_of(choices)),
    (r"Invalid RFC3339 encoded datetime", lambda m, _: "不是有效的日期时间（如 2026-03-10T09:00:00+08:00）"),
    (r"Invalid RFC3339 encoded date", lambda m, _: "不是有效的日期（如 2026-03-10）"),
    (r"Invalid RFC3339 encoded time", lambda m, _: "不是有效的时间（如 09:00:00）"),
    (r"Invalid ISO8601 duration", lambda m, _: "不是有效的时长（ISO 8601，如 P1DT2H）"),
    (r"Invalid ISO8601 (?P<t>\w+)", lambda m, _: f"不是有效的{_type_name(m['t'])}（ISO 8601）"),
    (r"Only units 'D', 'H', 'M', and 'S' are supported when parsing ISO8601 durations",
     lambda m, _: "时长只能用 D、H、M、S 为单位"),
    (r"Duration is out of range.*", lambda m, _: "时长超出范围"),
    (r"Invalid epoch timestamp", lambda m, _: "不是有效的时间戳"),
    (r"Timestamp is out of range.*", lambda m, _: "时间戳超出范围"),
    (r"Invalid MessagePack timestamp.*", lambda m, _: "不是有效的 MessagePack 时间戳"),
    (r"Invalid UUID(?: bytes)?", lambda m, _: "不是有效的 UUID"),
    (r"Invalid base64 encoded string", lambda m, _: "不是有效的 Base64 编码"),
    (r"Invalid decimal string", lambda m, _: "不是有效的十进制数"),
    # objects
    (r"Object missing required field `(?P<name>[^`]+)`", lambda m, _: f"缺少必填字段 {m['name']}"),
    (r"Object contains unknown field `(?P<name>[^`]+)`", lambda m, _: f"不认识的字段 {m['name']}"),
    # the body as a whole
    (r"JSON is malformed: (?P<fault>.+) \(byte (?P<at>\d+)\)",
     lambda m, _: f"JSON 格式错误：{_fault(m['fault'])}（字节位置 {m['at']}）"),
    (r"MessagePack data is malformed: (?P<fault>.+) \(byte (?P<at>\d+)\)",
     lambda m, _: f"MessagePack 格式错误：{_fault(m['fault'])}（字节位置 {m['at']}）"),
    (r"Input data was truncated", lambda m, _: "请求体不完整（数据被截断）"),
    # Litestar's own
    (r"Missing required (?P<kind>\w+) parameter (?P<q>['\"])(?P<name>.*)(?P=q) for path .*",
     lambda m, _: f"缺少必填的{_PARAMETER_KINDS.get(m['kind'], '参数')} {m['name']}"),
    (r"Validation failed for .*", lambda m, _: "请求数据校验失败"),
    (r"Invalid content-length: .*", lambda m, _: "Content-Length 无效"),
    (r"multipart boundary missing in Content-Type", lambda m, _: "Content-Type 缺少 multipart 边界"),
    (r"Invalid multipart/form-data", lambda m, _: "multipart/form-data 格式无效"),
    (r"Unexpected eof in multipart/form-data", lambda m, _: "multipart/form-data 意外结束"),
    (r"Request Entity Too Large", lambda m, _: "请求体过大"),
    (r"Bad Request", lambda m, _: "请求无效"),
    (r"Invalid host header", lambda m, _: "Host 请求头无效"),
]
_MESSAGES = [(re.compile(pattern, re.DOTALL), translate) for pattern, translate in _TABLE]


def in_chinese(message: str, choices: Sequence[str] = ()) -> str:
    """msgspec's or Litestar's English as "中文 (English)"; anything already in
    Chinese as it is; anything else unknown as "数据无效 (English)". `choices`: the
    allowed values, for an invalid enum or literal value."""
    for pattern, translate in _MESSAGES:
        if m := pattern.fullmatch(message):
            return f"{_SPACED.sub(' ', translate(m, choices))} ({message})"
    if _CHINESE.search(message):
        return message
    return f"数据无效 ({message})"


def _choices(request: Request | None, field: str, body: bool) -> list[str]:
    """The values a Literal or Enum field allows, read from the route's signature
    (`field` as named in the answer: `kind`, `attendees[0].role`, `from_`)."""
    try:
        parameters = request.route_handler.parsed_fn_signature.parameters if request is not None else {}
        parts = re.findall(r"[^.\[\]]+", field)
        if not body and parts and parts[0] in parameters:
            annotation = parameters[parts.pop(0)].annotation
        elif "data" in parameters:
            annotation = parameters["data"].annotation
        else:
            return []
        return _allowed(msgspec.inspect.type_info(annotation), parts)
    except Exception:  # noqa: BLE001 - an unusual signature only loses the list of values
        return []


def _allowed(info: Any, parts: list[str]) -> list[str]:
    mi = msgspec.inspect
    if isinstance(info, mi.Metadata):
        return _allowed(info.type, parts)
    if isinstance(info, mi.UnionType):
        return next((found for t in info.types if (found := _allowed(t, parts))), [])
    if not parts:
        if isinstance(info, mi.LiteralType):
            return [str(v) for v in info.values]
        if isinstance(info, mi.EnumType):
            return [str(member.value) for member in info.cls]
        return []
    head, rest = parts[0], parts[1:]
    if isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType) and head.isdigit():
        return _allowed(info.item_type, rest)
    if isinstance(info, mi.TupleType) and head.isdigit() and int(head) < len(info.item_types):
        return _allowed(info.item_types[int(head)], rest)
    if isinstance(info, mi.DictType):
        return _allowed(info.value_type, rest)
    if isinstance(info, mi.StructType | mi.DataclassType | mi.TypedDictType | mi.NamedTupleType):
        for f in info.fields:
            if head in (f.name, f.encode_name):
                return _allowed(f.type, rest)
    return []


def _field_error(item: dict[str, Any], request: Request | None = None) -> dict[str, str]:
    """Turn Litestar's/msgspec's wording into {field, message}, in Chinese first."""
    message = str(item.get("message", ""))
    key = str(item.get("key") or "")
    prefix = ""
    if m := _AT.match(message):
        message, prefix = m["msg"], m["path"].lstrip(".")
    field = prefix or ("" if key == "data" else key)
    if (m := _PATTERN.match(message)) and (friendly := _PATTERNS.get(m["pattern"])):
        message = friendly
    if key == "data" and message == "'data'":  # Litestar's KeyError text for an empty body
        message = "缺少请求体 (request body is missing)"
    if m := _NAMED.search(message):
        field = f"{field}.{m['name']}" if field else m["name"]
    choices = _choices(request, field, item.get("source") == "body") if _ENUM.match(message) else []
    return {"field": field or "body", "message": in_chinese(message, choices)}


_ENUM = re.compile(r"^Invalid (?:enum )?value ")


def on_validation(request: Request, exc: ValidationException) -> Response[dict[str, Any]]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [_field_error(e, request) for e in extra if isinstance(e, dict)]
    detail = errors[0]["message"] if errors else in_chinese(str(exc.detail))
    return problem(400, detail, code="invalid_request", errors=errors or [
        {"field": "body", "message": detail}])


def on_http(_: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    code = getattr(exc, "code", None)
    detail = str(exc.detail)
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [{"field": str(e["field"]), "message": str(e.get("message", exc.detail))}
              for e in extra if isinstance(e, dict) and "field" in e]
    if not errors and exc.status_code in (400, 413):
        # Litestar's own: malformed JSON, a bad form, a body over the size limit.
        detail = in_chinese(detail)
        errors = [{"field": "body", "message": detail}]
        code = code or ("invalid_request" if exc.status_code == 400 else "body_too_large")
    return problem(exc.status_code, detail, code=code, errors=errors or None, headers=exc.headers)


def _from_body_decoding(exc: BaseException) -> bool:
    """Did the error come out of decoding the request body? msgspec raises
    RecursionError for JSON nested deeper than the interpreter's recursion limit
    and UnicodeDecodeError for bytes that are not UTF-8; Litestar turns only
    msgspec's own DecodeError into a 400. Anything else stays a 500."""
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name in ("decode_json", "decode_msgpack") and tb.tb_frame.f_globals.get(
                "__name__") == "litestar.serialization.msgspec_hooks":
            return True
        tb = tb.tb_next
    return False


def on_undecodable(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    if not _from_body_decoding(exc):
        return on_unexpected(request, exc)
    detail = ("请求体嵌套过深 (request body nested too deeply)" if isinstance(exc, RecursionError)
              else "请求体不是有效的 UTF-8 (request body is not valid UTF-8)")
    return problem(400, detail, code="invalid_request", errors=[{"field": "body", "message": detail}])


def on_domain(_: Request, exc: DomainError) -> Response[dict[str, Any]]:
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
    retry = getattr(exc, "retry_after_seconds", None)
    headers = {"Retry-After": str(retry)} if retry else None
    return problem(exc.status, exc.message, code=exc.code, errors=errors, headers=headers)


def on_unavailable(_: Request, exc: Exception) -> Response[dict[str, Any]]:
    log.warning("store unavailable: %s", exc)
    return problem(503, "数据库暂不可用，请稍后重试 (database unavailable, retry)",
                   code="unavailable", headers={"Retry-After": "2"})


def on_unexpected(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "服务器内部错误 (internal error)", code="internal_error")


HANDLERS = {
    ValidationException: on_validation,
    HTTPException: on_http,
    DomainError: on_domain,
    RecursionError: on_undecodable,
    UnicodeDecodeError: on_undecodable,
    StoreUnavailable: on_unavailable,
    ViewsUnavailable: on_unavailable,
    Exception: on_unexpected,
}


# --- the served OpenAPI document ------------------------------------------------

_PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT, required=["type", "title", "status", "detail"],
    description="RFC 9457 problem details (错误说明)",
    properties={
        "type": Schema(type=OpenAPIType.STRING), "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER), "detail": Schema(type=OpenAPIType.STRING),
        "code": Schema(type=OpenAPIType.STRING, description="稳定的机器代码 (stable machine code)"),
        "errors": Schema(type=OpenAPIType.ARRAY, description="出错的字段 (the fields at fault)", items=Schema(
            type=OpenAPIType.OBJECT, required=["field", "message"],
            properties={"field": Schema(type=OpenAPIType.STRING), "message": Schema(type=OpenAPIType.STRING)})),
    })


def _problem_response(status: int) -> OpenAPIResponse:
    return OpenAPIResponse(description=_TITLES[status], content={
        PROBLEM: OpenAPIMediaType(schema=Reference("#/components/schemas/Problem"))})


def document(openapi: OpenAPI) -> None:
    """Every refusal an operation can give, as the problem+json it is, in place of
    Litestar's own (which documents a 400 in another shape and no other error).
    Call after the operations' `security` is set: it says who is signed in."""
    components = openapi.components if isinstance(openapi.components, Components) else Components()
    openapi.components = components
    components.schemas = {**(components.schemas or {}), "Problem": _PROBLEM_SCHEMA}
    for item in (openapi.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation: Operation | None = getattr(item, method, None)
            if operation is None:
                continue
            statuses = {400, 422, 503}
            if operation.security:
                statuses |= {401, 403}
            elif method != "get":
                statuses.add(429)  # the public forms are rate-limited
            if any(getattr(p, "param_in", None) == "path" for p in operation.parameters or []):
                statuses.add(404)
            if method != "get":
                statuses.add(409)
            if operation.request_body is not None:
                statuses.add(413)
            responses = dict(operation.responses or {})
            responses.update({str(status): _problem_response(status) for status in sorted(statuses)})
            operation.responses = responses
