"""The membership routes over HTTP, on both backends."""

import threading

import pytest

from api.app import create_app
from tests.factories import application, credit_code, with_wrong_check_digit
from tests.http import http, live_server, login


def apply(client, **overrides):
    response = client.post("/api/v1/members", json=application(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def assert_problem(response, status, field=None, code=None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    if code is not None:
        assert body["code"] == code
    return body


def test_an_application_travels_to_the_roster(client, staff):
    created = apply(client, name="厦门鹭岛光电科技有限公司")
    assert created["status"] == "applied" and created["position"] > 0
    page = client.get(f"/api/v1/members?min_position={created['position']}", headers=staff).json()
    assert [m["name"] for m in page["items"]] == ["厦门鹭岛光电科技有限公司"]
    member = client.get(f"/api/v1/members/{created['id']}", headers=staff).json()
    assert member["status"] == "applied"
    assert member["contacts"][0]["id"]
    assert member["status_history"][0]["actor"]["role"] == "public"


def test_staff_admit_and_the_roster_filters_by_status(client, staff, platform):
    admitted, pending, rejected = apply(client), apply(client), apply(client)
    r = client.post(f"/api/v1/members/{admitted['id']}/admit",
                    json={"tier": "council", "note": "2026年第一次理事会"},
                    headers=staff)
    assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/members/{rejected['id']}/reject", json={"reason": "非本市注册企业"},
                    headers=staff)
    last = r.json()["position"]
    by_status = {s: [m["id"] for m in client.get(
        f"/api/v1/members?status={s}&min_position={last}", headers=staff).json()["items"]]
        for s in ("admitted", "applied", "rejected")}
    assert by_status == {"admitted": [admitted["id"]], "applied": [pending["id"]],
                         "rejected": [rejected["id"]]}
    member = client.get(f"/api/v1/members/{admitted['id']}", headers=staff).json()
    today = platform.clock.today().isoformat()  # effective today, in Shanghai
    assert (member["tier"], member["admitted_on"]) == ("council", today)
    assert member["status_history"][-1]["reason"] == "2026年第一次理事会"


def test_illegal_transitions_are_409_with_a_stable_code(client, staff):
    org = apply(client)
    client.post(f"/api/v1/members/{org['id']}/reject", json={"reason": "材料不全"}, headers=staff)
    r = client.post(f"/api/v1/members/{org['id']}/admit", json={}, headers=staff)
    assert_problem(r, 409, code="illegal_transition")


def test_pagination_walks_the_whole_roster_once(client, staff):
    ids = [apply(client)["id"] for _ in range(7)]
    last = client.post("/api/v1/members", json=application()).json()
    ids.append(last["id"])
    seen, cursor = [], None
    while True:
        url = f"/api/v1/members?limit=3&min_position={last['position']}"
        page = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=staff).json()
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


@pytest.mark.parametrize(("change", "field"), [
    ({"credit_code": "91350200MA2Y00000"}, "credit_code"),
    ({"credit_code": with_wrong_check_digit(credit_code())}, "credit_code"),
    ({"kind": "bank"}, "kind"),
    ({"name": 42}, "name"),
    ({"nickname": "星海"}, "nickname"),
    ({"contacts": []}, "contacts"),
    ({"contacts": [{"name": "王芳", "phone": "13800000000", "email": "not-an-email"}]},
     "contacts[0].email"),
    ({"annual_stats": {"year": 2025, "employees": 10, "rd_staff": 1,
                       "revenue_fen": -5, "rd_spend_fen": 0}}, "annual_stats.revenue_fen"),
    ({"annual_stats": {"year": 2025, "employees": 10, "rd_staff": 11,
                       "revenue_fen": 5, "rd_spend_fen": 0}}, "annual_stats.rd_staff"),
])
def test_bad_applications_are_refused_naming_the_field(client, staff, change, field):
    response = client.post("/api/v1/members", json=application(**change))
    assert response.status_code in (400, 422)
    assert_problem(response, response.status_code, field=field)
    assert client.get("/api/v1/members", headers=staff).json()["items"] == []  # nothing written


def test_missing_fields_and_malformed_json_are_400(client):
    body = application()
    del body["sector"]
    assert_problem(client.post("/api/v1/members", json=body), 400, field="sector")
    r = client.post("/api/v1/members", content=b'{"kind": "enterprise",',
                    headers={"content-type": "application/json"})
    assert_problem(r, 400)


def test_an_oversized_body_is_refused(client):
    r = client.post("/api/v1/members", json=application(address="厦" * 600_000))
    assert r.status_code in (400, 413)


def test_a_second_organisation_with_the_same_credit_code_is_refused(client):
    code = credit_code()
    apply(client, credit_code=code)
    r = client.post("/api/v1/members", json=application(credit_code=code.lower()))
    assert_problem(r, 409, field="credit_code", code="duplicate_credit_code")


def test_concurrent_duplicate_applications_on_two_replicas_exactly_one_wins(make_platform):
    replicas = [make_platform(), make_platform()]
    code = credit_code()
    statuses = []
    barrier = threading.Barrier(10)
    with live_server(create_app(replicas[0])) as a, live_server(create_app(replicas[1])) as b:
        def worker(url):
            with http(url) as c:
                barrier.wait()
                statuses.append(c.post("/api/v1/members", json=application(credit_code=code)))
        threads = [threading.Thread(target=worker, args=([a, b][i % 2],)) for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    codes = sorted(r.status_code for r in statuses)
    assert codes == [201] + [409] * 9
    assert all(r.json()["code"] == "duplicate_credit_code" for r in statuses if r.status_code == 409)


def test_staff_routes_need_a_staff_token(client):
    org = apply(client)
    assert_problem(client.post(f"/api/v1/members/{org['id']}/admit", json={}), 401)
    assert_problem(client.get("/api/v1/members"), 401)
    bad = {"Authorization": "Bearer forged.token"}
    assert_problem(client.get("/api/v1/members", headers=bad), 401)


def test_unknown_ids_are_404(client, staff):
    missing = "0b6e8a5e-2f43-4d1c-8a3f-6b9f4c8d2e11"
    assert_problem(client.get(f"/api/v1/members/{missing}", headers=staff), 404)
    assert_problem(client.post(f"/api/v1/members/{missing}/admit", json={}, headers=staff), 404,
                   code="not_found")


def test_sign_in_refuses_wrong_passwords(client):
    r = client.post("/api/v1/auth/login", json={"username": "secretary", "password": "wrong-password"})
    assert_problem(r, 401)
    r = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "wrong-password"})
    assert_problem(r, 401)
    me = client.get("/api/v1/auth/me", headers=login(client)).json()
    assert me["role"] == "staff"


def test_health_ready_and_the_schema_are_served(client):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready").json()
    assert ready["status"] == "ready" and "roster" in ready["views"]
    schema = client.get("/schema/openapi.json").json()
    assert "/api/v1/members" in schema["paths"]
    assert client.get("/schema/swagger").status_code == 200


def test_every_route_declares_an_access_policy(platform):
    app = create_app(platform)
    undeclared = [
        (route.path, handler.handler_name)
        for route in app.routes if not route.path.startswith("/schema")
        for handler in route.route_handlers
        if "policy" not in handler.opt and handler.http_methods != {"OPTIONS"}
    ]
    assert undeclared == []


def test_an_admission_cannot_take_effect_before_the_application(client, staff):
    org = apply(client)
    r = client.post(f"/api/v1/members/{org['id']}/admit", json={"effective_on": "2016-03-31"}, headers=staff)
    assert_problem(r, 422, field="effective_on")
