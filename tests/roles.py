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
    program: str  # a yearly alliance call
    alliance: str  # a draft alliance of org_a with a society
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
    program, alliance = alliance_for(client, staff, platform, org_a)
    return Cast(org_a, org_b, session, program, alliance, headers, ids)


def open_program(client, staff, platform, budget_fen=1_000_000_00, **overrides) -> str:
    now = platform.clock.now()
    body = {"year": now.year, "title": "企会协作创新计划", "budget_fen": budget_fen,
            "priority_sectors": ["光电子", "生物医药与健康", "新材料"],
            "submission_opens_at": (now - timedelta(days=1)).isoformat(),
            "submission_closes_at": (now + timedelta(days=30)).isoformat(), "notice_days": 7, **overrides}
    r = client.post("/api/v1/programs", json=body, headers=staff)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def agreement(enterprises: list[str], societies: list[str], **overrides) -> dict:
    body = {
        "title": "高性能光纤传感器联合攻关", "enterprises": enterprises, "societies": societies,
        "lead_enterprise_id": enterprises[0], "lead_society_id": societies[0],
        "cooperation_areas": ["joint_research", "talent_exchange"], "sector": "光电子",
        "goals": "两年内完成样机并实现小批量生产",
        "tasks": [{"title": "样机研制", "due_on": "2027-06-30", "indicator": "样机一台"},
                  {"title": "小批量试产", "due_on": "2027-12-31", "indicator": "100 套"}],
        "starts_on": "2027-01-01", "ends_on": "2028-12-31", "budget_fen": 80_000_000,
        "requested_funding_fen": 30_000_000,
        # 研发投入应以企业为主: the lead enterprise's own 40 万元 against 30 万元 requested.
        "contributions": [{"party_id": enterprises[0], "amount_fen": 40_000_000}],
        # 三（二）4: each society sends its own expert team.
        "expert_team": [{"name": f"周教授{i or ''}", "title": "教授", "employer": "华中科技大学",
                         "speciality": "光纤传感", "society_id": s} for i, s in enumerate(societies)],
        "work_plan": "企业提出需求、学会组织专家，按季度联合攻关", "safeguards": "双方各派联络人，每月例会，专家驻企",
        "indicators": [{"due_on": "2027-06-30", "indicator": "完成样机设计评审"},
                       {"due_on": "2027-12-31", "indicator": "样机通过第三方测试"}],
        "fund_use_direction": "样机材料、测试与专家劳务", "fund_use_scope": "仅限本联盟任务，不得挪用",
        "dedicated_account": {"bank": "中国银行武汉东湖支行", "account_name": "企会协作创新联盟专账",
                              "account_number": "5700 1234 5678"},
    }
    body.update(overrides)
    return body


def society(client, staff, affiliation: str | None = "city_society") -> str:
    """An admitted society; by default one of the city association's (市科协所属学会, seed 002 三（二）1)."""
    created = client.post("/api/v1/members", json=application(kind="society", name="武汉光学学会")).json()
    r = client.post(f"/api/v1/members/{created['id']}/admit", json={}, headers=staff)
    assert r.status_code == 200, r.text
    if affiliation:
        r = client.patch(f"/api/v1/members/{created['id']}/attributes", headers=staff,
                         json={"affiliation": affiliation, "evidence": "市科协所属学会名单（2026 年）"})
        assert r.status_code == 200, r.text
    return created["id"]


def alliance_for(client, staff, platform, enterprise: str) -> tuple[str, str]:
    program = open_program(client, staff, platform)
    r = client.post("/api/v1/alliances", headers=staff,
                    json={"program_id": program, **agreement([enterprise], [society(client, staff)])})
    assert r.status_code == 201, r.text
    return program, r.json()["id"]


def party_account(client, staff, platform, username: str, organisation_id: str) -> dict[str, str]:
    """A signed-in account of role `member` bound to an organisation that need not be a
    member (an alliance party, seed 002), invited by staff like any other account."""
    body = {"email": f"{username}@example.com", "role": "member", "organisation_id": organisation_id}
    r = client.post("/api/v1/auth/invitations", json=body, headers=staff)
    assert r.status_code == 201, r.text
    accepted = client.post("/api/v1/auth/invitations/accept",
                           json={"token": r.json()["token"], "username": username, "password": PASSWORD})
    assert accepted.status_code == 201, accepted.text
    return login(client, username, PASSWORD)
