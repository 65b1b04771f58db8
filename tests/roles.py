"""A cast for access tests: one signed-in account per role, two organisations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tests.factories import application
from tests.http import create_staff, login

PASSWORD = "a-long-enough-password"


@dataclass
class Cast:
    org_a: str  # the organisation a route concerns
    org_b: str  # somebody else's
    session: str  # a salon both may register for
    headers: dict[str, dict[str, str]]  # caller -> Authorization header ({} = no token)
    account_ids: dict[str, str]


def admitted_org(client, staff) -> str:
    created = client.post("/api/v1/members", json=application()).json()
    r = client.post(f"/api/v1/members/{created['id']}/admit", json={}, headers=staff)
    assert r.status_code == 200, r.text
    return created["id"]


def invited(client, staff, username: str, role: str, organisation_id: str | None = None,
            affiliation: str | None = None) -> dict[str, str]:
    body = {"email": f"{username}@example.com", "role": role}
    if organisation_id:
        body["organisation_id"] = organisation_id
    if affiliation:
        body["affiliation_organisation_id"] = affiliation
    r = client.post("/api/v1/auth/invitations", json=body, headers=staff)
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/auth/invitations/accept",
                    json={"token": r.json()["token"], "username": username, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return login(client, username, PASSWORD)


def cast(platform, client) -> Cast:
    create_staff(platform)
    staff = login(client)
    org_a, org_b = admitted_org(client, staff), admitted_org(client, staff)
    headers = {
        "anonymous": {},
        "staff": staff,
        "auditor": invited(client, staff, "shenji", "auditor"),
        "reviewer": invited(client, staff, "zhuanjia", "reviewer", affiliation=org_b),
        "member": invited(client, staff, "huiyuan_a", "member", organisation_id=org_a),
        "other_member": invited(client, staff, "huiyuan_b", "member", organisation_id=org_b),
    }
    ids = {name: client.get("/api/v1/auth/me", headers=h).json()["id"]
           for name, h in headers.items() if h}
    starts = platform.clock.now() + timedelta(days=10)
    session = client.post("/api/v1/sessions", headers=staff, json={
        "kind": "salon", "title": "企业科协建设小集会", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(), "venue": "协会会议室",
        "registration_closes_at": (starts - timedelta(days=1)).isoformat()}).json()["id"]
    return Cast(org_a, org_b, session, headers, ids)
