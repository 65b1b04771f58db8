"""Issue 13: every validation message in Chinese, with the English original in
parentheses, and a time without an offset read in QIHUI_TIME_ZONE instead of
refused. Both backends (the `client` fixture)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from api.problems import in_chinese

PROBLEM = "application/problem+json"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def message_of(response: Any, field: str) -> str:
    """The message of the first error, which names `field`; in Chinese first."""
    assert response.status_code in (400, 422), (response.status_code, response.text)
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    error = body["errors"][0]
    assert error["field"] == field, body
    assert CHINESE.search(error["message"]), error
    assert body["detail"] == error["message"], body
    return error["message"]


def _session(**overrides: Any) -> dict[str, Any]:
    return {"kind": "salon", "title": "小集会", "starts_at": "2099-03-10T09:00:00+08:00",
            "ends_at": "2099-03-10T11:00:00+08:00", "venue": "协会会议室",
            "registration_closes_at": "2099-03-09T18:00:00+08:00", **overrides}


def test_a_wrong_type(client: Any, staff: dict[str, str]) -> None:
    r = client.post("/api/v1/sessions", json=_session(capacity="many"), headers=staff)
    message = message_of(r, "capacity")
    assert message.startswith("须为整数") and "(Expected `int | null`, got `str`)" in message


def test_a_too_short_string(client: Any, staff: dict[str, str]) -> None:
    message = message_of(client.post("/api/v1/sessions", json=_session(title=""), headers=staff), "title")
    assert message == "至少 1 个字符 (Expected `str` of length >= 1)"


def test_a_missing_field(client: Any, staff: dict[str, str]) -> None:
    body = {k: v for k, v in _session().items() if k != "venue"}
    message = message_of(client.post("/api/v1/sessions", json=body, headers=staff), "venue")
    assert message == "缺少必填字段 venue (Object missing required field `venue`)"


def test_an_unknown_field(client: Any, staff: dict[str, str]) -> None:
    message = message_of(client.post("/api/v1/sessions", json=_session(colour="red"), headers=staff), "colour")
    assert message == "不认识的字段 colour (Object contains unknown field `colour`)"


def test_an_invalid_enum_value_lists_the_allowed_ones(client: Any, staff: dict[str, str]) -> None:
    message = message_of(client.post("/api/v1/sessions", json=_session(kind="party"), headers=staff), "kind")
    assert message.startswith("须为以下之一：") and "(Invalid enum value 'party')" in message
    assert all(kind in message for kind in ("training", "salon", "briefing", "matchmaking"))
    message = message_of(client.get("/api/v1/sessions?kind=party", headers=staff), "kind")
    assert message.startswith("须为以下之一：") and "salon" in message and "(Invalid enum value 'party')" in message


def test_a_bad_date(client: Any, staff: dict[str, str]) -> None:
    r = client.post("/api/v1/sessions", json=_session(starts_at="2099-13-01T10:00:00"), headers=staff)
    message = message_of(r, "starts_at")
    assert message.startswith("不是有效的日期时间") and message.endswith("(Invalid RFC3339 encoded datetime)")


def test_a_bad_uuid_in_the_body(client: Any, staff: dict[str, str]) -> None:
    r = client.post(f"/api/v1/sessions/{uuid4()}/registrations", headers=staff,
                    json={"organisation_id": "not-a-uuid", "attendees": [{"name": "王强"}]})
    assert message_of(r, "organisation_id") == "不是有效的 UUID (Invalid UUID)"


def test_too_many_or_too_few_items(client: Any, staff: dict[str, str]) -> None:
    r = client.post(f"/api/v1/sessions/{uuid4()}/registrations", headers=staff,
                    json={"organisation_id": str(uuid4()), "attendees": []})
    assert message_of(r, "attendees") == "至少 1 项 (Expected `array` of length >= 1)"


def test_a_number_out_of_bounds(client: Any, staff: dict[str, str]) -> None:
    message = message_of(client.post("/api/v1/sessions", json=_session(capacity=0), headers=staff), "capacity")
    assert message == "不能小于 1 (Expected `int` >= 1)"


def test_a_wrong_query_parameter_type(client: Any, staff: dict[str, str]) -> None:
    message = message_of(client.get("/api/v1/sessions?limit=many", headers=staff), "limit")
    assert message == "须为整数 (Expected `int`, got `str`)"


def test_a_missing_query_parameter(client: Any, staff: dict[str, str]) -> None:
    message = message_of(client.get("/api/v1/stats/summary?from=2026-01-01", headers=staff), "body")
    assert message.startswith("缺少必填的查询参数 to (Missing required query parameter 'to'")


def test_malformed_json_and_the_wrong_shape(client: Any, staff: dict[str, str]) -> None:
    headers = {"Content-Type": "application/json", **staff}
    message = message_of(client.post("/api/v1/sessions", content=b'{"kind": "salon",}', headers=headers), "body")
    assert message.startswith("JSON 格式错误：") and "(JSON is malformed: trailing comma in object" in message
    message = message_of(client.post("/api/v1/sessions", content=b"[]", headers=headers), "body")
    assert message == "须为对象 (Expected `object`, got `array`)"


# Every message form msgspec's decoder and Litestar's parameter handling can give.
MSGSPEC = [
    "Expected `int`, got `str`", "Expected `int | null`, got `float`", "Expected `str`",
    "Expected `datetime` with a timezone component", "Expected `time` with no timezone component",
    "Expected `str` of length >= 1", "Expected `str` of length <= 200", "Expected `array` of length <= 20",
    "Expected `array` of length >= 1", "Expected `bytes` of length <= 3", "Expected `object` of length >= 1",
    "Expected `array` of at least length 2, got 1", "Expected `array` of at most length 3, got 4",
    "Expected `array` of length 2 to 3, got 5", "Expected `array` of length 2, got 1",
    "Expected `int` >= 0", "Expected `int` <= 5", "Expected `float` > 0.0", "Expected `float` < 1.5",
    "Expected `int` that's a multiple of 5", "Expected `str` matching regex '^x$'",
    "Integer value out of range", "Number out of range", "Invalid enum value 'x'", "Invalid value 3",
    "Invalid RFC3339 encoded datetime", "Invalid RFC3339 encoded date", "Invalid RFC3339 encoded time",
    "Invalid ISO8601 duration", "Invalid ISO8601 date", "Duration is out of range", "Invalid epoch timestamp",
    "Invalid UUID", "Invalid UUID bytes", "Invalid base64 encoded string", "Invalid decimal string",
    "Object missing required field `name`", "Object contains unknown field `foo`",
    "JSON is malformed: expected ':' (byte 5)", "JSON is malformed: invalid character (byte 0)",
    "Input data was truncated", "Missing required query parameter 'to' for path /api/v1/stats/summary",
    "Missing required header parameter 'x-key' for path /", "Validation failed for POST /api/v1/sessions",
    "Request Entity Too Large",
]


@pytest.mark.parametrize("english", MSGSPEC)
def test_each_message_form_has_its_chinese(english: str) -> None:
    message = in_chinese(english)
    assert message.endswith(f" ({english})") and CHINESE.search(message.removesuffix(english))
    assert not message.startswith("数据无效"), message  # a specific translation, not the fallback


def test_anything_else_falls_back_and_chinese_stays() -> None:
    assert in_chinese("Something new") == "数据无效 (Something new)"
    assert in_chinese("缺少请求体 (request body is missing)") == "缺少请求体 (request body is missing)"
    assert in_chinese("Invalid enum value 'x'") == "取值无效 (Invalid enum value 'x')"


# --- times without an offset ---------------------------------------------------------


def test_a_time_without_an_offset_is_read_in_the_association_zone(client: Any, staff: dict[str, str],
                                                                 platform: Any) -> None:
    assert platform.clock.time_zone.key == "Asia/Shanghai"  # QIHUI_TIME_ZONE's default
    year = platform.clock.now().year + 1  # next year's 10 March is in the future
    r = client.post("/api/v1/sessions", headers=staff, json=_session(
        starts_at=f"{year}-03-10T09:00:00", ends_at=f"{year}-03-10T11:00:00",
        registration_closes_at=f"{year}-03-09T18:00:00"))
    assert r.status_code == 201, r.text
    session, position = r.json()["id"], r.json()["position"]
    doc = client.get(f"/api/v1/sessions/{session}?min_position={position}", headers=staff).json()
    assert datetime.fromisoformat(doc["starts_at"]) == datetime(year, 3, 10, 1, tzinfo=UTC)
    assert datetime.fromisoformat(doc["ends_at"]) == datetime(year, 3, 10, 3, tzinfo=UTC)
    assert datetime.fromisoformat(doc["registration_closes_at"]) == datetime(year, 3, 9, 10, tzinfo=UTC)

    # The list's period, without an offset, is in the same zone.
    listed = client.get(f"/api/v1/sessions?from={year}-03-10T08:59:00&to={year}-03-10T09:01:00", headers=staff)
    assert [s["id"] for s in listed.json()["items"]] == [session], listed.text
    later = client.get(f"/api/v1/sessions?from={year}-03-10T09:01:00", headers=staff)
    assert later.json()["items"] == [], later.text

    # And so is a new schedule.
    r = client.post(f"/api/v1/sessions/{session}/reschedule", headers=staff, json={
        "starts_at": f"{year}-03-11T14:00:00", "ends_at": f"{year}-03-11T16:00:00", "reason": "场地调整"})
    assert r.status_code == 200, r.text
    doc = client.get(f"/api/v1/sessions/{session}?min_position={r.json()['position']}", headers=staff).json()
    assert datetime.fromisoformat(doc["starts_at"]) == datetime(year, 3, 11, 6, tzinfo=UTC)
