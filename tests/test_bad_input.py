"""Issue 11: no 500 for bad input, anywhere (API.md "Never a 500 for anything a
client sent"). Each input below once reached the store or a library unguarded;
now each gets a 4xx application/problem+json naming the field. Both backends:
PostgreSQL refuses NUL in text and compares types strictly where SQLite does not.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import msgspec
import pytest

from tests.factories import application
from tests.roles import admitted_org, invited

PROBLEM = "application/problem+json"


def assert_refused(response: Any, field: str, *statuses: int) -> dict[str, Any]:
    """A 4xx problem+json whose `errors` name `field` (for 401: whose detail says why)."""
    statuses = statuses or (400, 422)
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith(PROBLEM), response.headers["content-type"]
    body = response.json()
    assert body["status"] == response.status_code and body["detail"]
    fields = [e["field"] for e in body.get("errors", [])]
    assert field in fields, (field, body)
    return body


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# --- Authorization -----------------------------------------------------------

BAD_AUTHORIZATION = [
    "Bearer 令牌.签名".encode(), b"Bearer \xff\xfe.\x80", "Bearer é.é".encode("latin-1"),
    b"Bearer abc.d\xc3\xa9f", b"Bearer", b"Bearer ", b"Bearer ...", b"Bearer a.b.c",
    b"Bearer " + b"A" * 6000 + b".x", b"Basic dXNlcjpwYXNz", b"bearer\tabc.def",
    b"Bearer " + _b64(b"\xff\xfe not json").encode() + b".sig",
]


def test_malformed_authorization_is_401(client: Any) -> None:
    for header in BAD_AUTHORIZATION:
        response = client.get("/api/v1/auth/me", headers={"Authorization": header})
        assert_refused(response, "Authorization", 401)
        assert response.headers.get("www-authenticate", "").startswith("Bearer")


def test_malformed_authorization_on_a_public_route_is_anonymous(client: Any) -> None:
    for header in BAD_AUTHORIZATION[:4]:
        response = client.post("/api/v1/members", json=application(), headers={"Authorization": header})
        assert response.status_code == 201, response.text


def test_a_forged_token_for_a_real_payload_is_401(client: Any, staff: dict[str, str]) -> None:
    payload = staff["Authorization"].removeprefix("Bearer ").partition(".")[0]
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {payload}.forged"})
    assert_refused(response, "Authorization", 401)


# --- JSON bodies -------------------------------------------------------------

def test_invalid_utf8_in_a_json_body_is_400(client: Any) -> None:
    body = b'{"username": "\xff\xfe\xc3", "password": "x"}'
    response = client.post("/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"})
    assert_refused(response, "body", 400)


def test_invalid_utf8_in_a_string_field_of_an_application_is_400(client: Any) -> None:
    body = msgspec.json.encode(application(name="XNAMEX")).replace(b"XNAMEX", b"\xed\xa0\x80")  # CESU surrogate
    response = client.post("/api/v1/members", content=body, headers={"Content-Type": "application/json"})
    assert_refused(response, "body", 400)


def test_deeply_nested_json_is_400(client: Any, staff: dict[str, str]) -> None:
    for depth in (1_000, 100_000):
        nested = b"[" * depth + b"]" * depth
        for body in (nested, b'{"a":' * depth + b"1" + b"}" * depth,
                     msgspec.json.encode(application(sector="XX")).replace(b'"XX"', nested)):
            for path in ("/api/v1/members", "/api/v1/sessions", "/api/v1/auth/login"):
                response = client.post(path, content=body, headers={"Content-Type": "application/json", **staff})
                assert_refused(response, "body", 400)


def test_malformed_json_is_400(client: Any) -> None:
    for body in (b"", b"{", b"null", b"[]", b'"text"', b"1e999", b'{"a":1,}', b"\x00", b"\xef\xbb\xbf{}"):
        response = client.post("/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"})
        assert_refused(response, "body", 400)


def test_an_oversized_body_is_413(client: Any) -> None:
    response = client.post("/api/v1/members", content=b"[" + b"1," * (1 << 20) + b"1]",
                           headers={"Content-Type": "application/json"})
    assert_refused(response, "body", 413)


# --- Cursors and positions ---------------------------------------------------

NOT_OUR_CURSORS = [
    "1e23", "garbage!!", "令牌", "\x00", "%", "=", "====", "A", _b64(b"\xff\xfe\x00junk"), _b64(b'{"a": 1}'),
    _b64(b'[{"a": 1}, 1]'), _b64(b'[["x"], 1]'), _b64(b'["x", 1e23]'), _b64(b'["x", 100000000000000000000000]'),
    _b64(b'["x", -1]'), _b64(b'["x", "1"]'), _b64(b"[1.5, 1]"), _b64(b"[100000000000000000000000, 1]"),
    _b64(b'["x\\u0000y", 1]'), _b64(b'["\\ud800", 1]'), _b64(b'["x", 1, 2]'), _b64(b"[null, 1]"),
    _b64(b"[true, 1]"), _b64(b"[]"), _b64(b"null"),
]


def test_roster_refuses_a_cursor_it_did_not_make(client: Any, staff: dict[str, str]) -> None:
    client.post("/api/v1/members", json=application())
    for sort in ("applied", "-name", "credit_code", "-admitted_on"):
        own_kind = _b64(b"[1, 1]") if sort != "applied" else _b64(b'["x", 1]')  # the other sort's value type
        for cursor in [*NOT_OUR_CURSORS, own_kind]:
            response = client.get("/api/v1/members", params={"cursor": cursor, "sort": sort}, headers=staff)
            assert_refused(response, "cursor")


def test_roster_cursors_of_its_own_still_page(client: Any, staff: dict[str, str]) -> None:
    for _ in range(3):
        position = client.post("/api/v1/members", json=application()).json()["position"]
    for sort in ("applied", "-name", "credit_code", "admitted_on"):
        seen, cursor = [], None
        while True:
            params = {"limit": 1, "sort": sort, "min_position": position} | ({"cursor": cursor} if cursor else {})
            page = client.get("/api/v1/members", params=params, headers=staff)
            assert page.status_code == 200, page.text
            seen += [m["id"] for m in page.json()["items"]]
            if not (cursor := page.json()["next_cursor"]):
                break
        assert len(seen) == len(set(seen)) == 3, sort


def test_sessions_refuse_a_cursor_they_did_not_make(client: Any, staff: dict[str, str]) -> None:
    for cursor in [*NOT_OUR_CURSORS, "2026-01-01T00:00:00+00:00" + "x" * 36,
                   "2026-13-01T00:00:00+00:00" + "00000000-0000-4000-8000-000000000000",
                   "２０２６-01-01T00:00:00+00:00" + "00000000-0000-4000-8000-000000000000"]:
        response = client.get("/api/v1/sessions", params={"cursor": cursor}, headers=staff)
        assert_refused(response, "cursor")


def test_session_cursors_of_their_own_still_page(client: Any, staff: dict[str, str], platform: Any) -> None:
    starts = platform.clock.now() + timedelta(days=10)
    for n in range(3):
        at = starts + timedelta(days=n)
        r = client.post("/api/v1/sessions", headers=staff, json={
            "kind": "training", "title": f"培训 {n}", "starts_at": at.isoformat(), "capacity": 30,
            "ends_at": (at + timedelta(hours=2)).isoformat(), "venue": "协会会议室",
            "registration_closes_at": (at - timedelta(days=1)).isoformat()})
        assert r.status_code == 201, r.text
    seen, cursor, position = [], None, r.json()["position"]
    while True:
        params = {"limit": 1, "min_position": position} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/sessions", params=params, headers=staff)
        assert page.status_code == 200, page.text
        seen += [s["title"] for s in page.json()["items"]]
        if not (cursor := page.json()["next_cursor"]):
            break
    assert seen == ["培训 0", "培训 1", "培训 2"]


HUGE = ["1e23", "100000000000000000000000", "9223372036854775808", "-1", "1.5", "NaN", "inf", "0x10", "١"]


def test_audit_after_position_out_of_range_is_400(client: Any, staff: dict[str, str]) -> None:
    for value in HUGE:
        response = client.get("/api/v1/audit/events", params={"after_position": value}, headers=staff)
        assert_refused(response, "after_position")


def test_history_cursor_out_of_range_is_400(client: Any, staff: dict[str, str]) -> None:
    created = client.post("/api/v1/members", json=application()).json()
    for value in HUGE:
        response = client.get(f"/api/v1/members/{created['id']}/history",
                              params={"cursor": value, "min_position": created["position"]}, headers=staff)
        assert_refused(response, "cursor")


@pytest.mark.parametrize("path", ["/api/v1/audit/events", "/api/v1/sessions",
                                  "/api/v1/members", "/api/v1/programs/00000000-0000-4000-8000-000000000000"])
def test_min_position_out_of_range_is_4xx(client: Any, staff: dict[str, str], path: str) -> None:
    for value in ("1e23", "9223372036854775808", "100000000000000000000000", "-1"):
        response = client.get(path, params={"min_position": value}, headers=staff)
        assert_refused(response, "min_position")


def test_audit_filters_refuse_control_characters(client: Any, staff: dict[str, str]) -> None:
    for param in ("actor", "type"):
        for value in ("\x00", "a\x00b", "\u202e", "\x1b[31m"):
            response = client.get("/api/v1/audit/events", params={param: value}, headers=staff)
            assert_refused(response, param)


def test_query_parameters_refuse_control_characters(client: Any, staff: dict[str, str]) -> None:
    """Every route, whatever its own declaration says (PostgreSQL refuses NUL in text)."""
    for path in ("/api/v1/members", "/api/v1/alliances", "/api/v1/members/export"):
        for param in ("q", "sector"):
            for value in ("\x00", "光\x00电", "\u202e", "\ud800"):
                response = client.get(f"{path}?{param}={_percent(value)}", headers=staff)
                assert_refused(response, param)


def test_path_parameters_refuse_control_characters(client: Any, staff: dict[str, str]) -> None:
    org = client.post("/api/v1/members", json=application()).json()["id"]
    response = client.post(f"/api/v1/members/{org}/contacts/a%00b/erasure", json={"reason": "个人要求"},
                           headers=staff)
    assert_refused(response, "contact_id")


def _percent(value: str) -> str:
    """Percent-encode, lone surrogates included (as their CESU-8 bytes, which are not UTF-8)."""
    raw = value.encode("utf-8", "surrogatepass")
    return "".join(f"%{b:02X}" for b in raw)


# --- Free text -----------------------------------------------------------------

BAD_TEXT = [
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\u202a", "\u2066", "\u2069",  # bidi embedding and isolates
    "\x00", "\x07", "\x1b", "\x7f", "\x85",  # C0, DEL, C1
    "\u200b", "\u200d", "\u200f", "\ufeff", "\u2060",  # zero-width, BOM, word joiner
    "\u00ad", "\u061c", "\U000e0041",  # other format characters (Cf): soft hyphen, Arabic mark, tags
    "\ud800",  # a lone surrogate (JSON can carry one as an escape)
]
SINGLE_LINE_ONLY = ["\n", "\t", "\r", "\u2028"]


def _named(field: str, char: str) -> str:
    """The field a refusal names: a lone surrogate is refused by the JSON decoder
    itself (no string holds it), so the body is named."""
    return "body" if char == "\ud800" else field


def _with(value: str) -> str:
    return f"厦门{value}光电科技有限公司"


def _post(client: Any, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    # msgspec refuses to encode lone surrogates; JSON's \\uXXXX escape carries them.
    raw = msgspec.json.encode(_escape_surrogates(body))
    return client.post(path, content=raw.replace(b"\\\\u", b"\\u"),
                       headers={"Content-Type": "application/json", **(headers or {})})


def _escape_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return "".join(f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
    if isinstance(value, dict):
        return {k: _escape_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape_surrogates(v) for v in value]
    return value


def test_application_names_refuse_control_and_bidi_characters(client: Any) -> None:
    for field in ("name", "sector"):
        for char in BAD_TEXT + SINGLE_LINE_ONLY:
            response = _post(client, "/api/v1/members", application(**{field: _with(char)}))
            body = assert_refused(response, _named(field, char))
            assert "regex" not in body["errors"][0]["message"]  # the client is told why, not our pattern


def test_reasons_refuse_control_and_bidi_characters(client: Any, staff: dict[str, str]) -> None:
    org = client.post("/api/v1/members", json=application()).json()["id"]
    for char in BAD_TEXT:
        response = _post(client, f"/api/v1/members/{org}/reject", {"reason": f"材料不全{char}"}, staff)
        assert_refused(response, _named("reason", char))


def test_reasons_keep_line_breaks_and_tabs(client: Any, staff: dict[str, str]) -> None:
    org = client.post("/api/v1/members", json=application()).json()["id"]
    response = client.post(f"/api/v1/members/{org}/reject", json={"reason": "材料不全：\n\t一、营业执照\r\n二、章程"},
                           headers=staff)
    assert response.status_code == 200, response.text


def test_ordinary_chinese_and_emoji_text_is_accepted(client: Any) -> None:
    response = client.post("/api/v1/members", json=application(name="厦门·星海（光电）科技有限公司 🚀 Ltd."))
    assert response.status_code == 201, response.text


def _session_body(platform: Any, **overrides: Any) -> dict[str, Any]:
    starts = platform.clock.now() + timedelta(days=10)
    return {"kind": "salon", "title": "小集会", "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(), "venue": "协会会议室",
            "registration_closes_at": (starts - timedelta(days=1)).isoformat(), "topic": "主题\n第二行",
            **overrides}


def test_session_text_refuses_control_and_bidi_characters(client: Any, staff: dict[str, str],
                                                          platform: Any) -> None:
    for field in ("title", "venue", "topic"):
        for char in BAD_TEXT:
            response = _post(client, "/api/v1/sessions", _session_body(platform, **{field: f"活动{char}"}), staff)
            assert_refused(response, _named(field, char))


def test_session_registration_names_refuse_control_characters(client: Any, staff: dict[str, str],
                                                              platform: Any) -> None:
    session = client.post("/api/v1/sessions", json=_session_body(platform), headers=staff).json()["id"]
    org = admitted_org(client, staff)
    for char in ("\u202e", "\x00", "\u200b", "\n"):
        response = _post(client, f"/api/v1/sessions/{session}/registrations",
                         {"organisation_id": org, "attendees": [{"name": f"张{char}伟"}]}, staff)
        assert_refused(response, "attendees[0].name")


def test_contact_names_refuse_control_characters(client: Any) -> None:
    for char in ("\u202e", "\x00", "\n"):
        contacts = [{"name": f"张{char}伟", "phone": "13800000000", "email": "zhangwei@example.com"}]
        response = _post(client, "/api/v1/members", application(contacts=contacts))
        assert_refused(response, "contacts[0].name")


def test_usernames_refuse_control_characters(client: Any, staff: dict[str, str]) -> None:
    r = client.post("/api/v1/auth/invitations", json={"email": "a@example.com", "role": "auditor"}, headers=staff)
    for char in ("\u202e", "\x00", "\n"):
        body = {"token": r.json()["token"], "username": f"wang{char}", "password": "a-long-enough-password"}
        response = _post(client, "/api/v1/auth/invitations/accept", body)
        assert_refused(response, "username")


def test_alliance_text_refuses_bidi_overrides(client: Any, staff: dict[str, str], platform: Any) -> None:
    org = admitted_org(client, staff)
    invited(client, staff, "huiyuan", "member", organisation_id=org)
    now = platform.clock.now()
    response = _post(client, "/api/v1/programs", {
        "year": now.year, "title": "计划\u202e", "budget_fen": 100, "priority_sectors": ["光电"],
        "submission_opens_at": now.isoformat(), "submission_closes_at": (now + timedelta(days=3)).isoformat(),
        "notice_days": 7}, staff)
    assert_refused(response, "title")
