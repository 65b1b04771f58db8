"""Matchmaking's access contract (tests/context_access.py), and the few steps its tests share:
a need taken from posting to the catalogue, a solver approved with an account."""

from __future__ import annotations

from datetime import timedelta

from tests.http import login, ok
from tests.roles import PASSWORD

ANYONE = {"anonymous", "staff", "auditor", "reviewer", "member", "other_member"}
SIGNED_IN = ANYONE - {"anonymous"}
_NEED = "/api/v1/needs/{id:uuid}"
_PROPOSAL = _NEED + "/proposals/{proposal_id:str}"
_SESSION = "/api/v1/sessions/{id:uuid}"

ACCESS = {
    ("POST", "/api/v1/campaigns"): {"staff"},
    ("GET", "/api/v1/campaigns"): SIGNED_IN,
    ("POST", "/api/v1/solvers"): ANYONE,  # rate-limited sign-up; staff registering one approve it at once
    ("GET", "/api/v1/solvers"): {"staff", "auditor"},
    ("GET", "/api/v1/solvers/{id:uuid}/history"): {"staff", "auditor"},  # and the solver's own accounts
    ("POST", "/api/v1/solvers/{id:uuid}/approval"): {"staff"},
    ("POST", "/api/v1/solvers/{id:uuid}/rejection"): {"staff"},
    ("POST", "/api/v1/solvers/{id:uuid}/invitations"): {"staff"},
    # A member posts for its own organisation (the body's organisation_id is checked by the command).
    ("POST", "/api/v1/needs"): {"staff", "member", "other_member"},
    ("GET", "/api/v1/needs"): SIGNED_IN,
    ("GET", "/api/v1/needs/feedback-backlog"): {"staff"},
    # A published need's public part is for everyone signed in; its details per role (test_matchmaking).
    ("GET", _NEED): SIGNED_IN,
    ("POST", _NEED + "/submission"): {"member"},
    ("POST", _NEED + "/analysis"): {"staff"},
    ("POST", _NEED + "/publication"): {"staff"},
    ("POST", _NEED + "/renewal"): {"member"},
    ("POST", _NEED + "/disclosures"): {"staff", "member"},
    # Any other organisation may propose; the owner itself is refused by the domain (409 own_need).
    ("POST", _NEED + "/proposals"): {"member", "other_member"},
    ("POST", _PROPOSAL + "/shortlist"): {"member"},
    ("POST", _PROPOSAL + "/decline"): {"member"},
    # Its author withdraws a proposal: any member passes the guard, the domain refuses a non-author.
    ("POST", _PROPOSAL + "/withdrawal"): {"member", "other_member"},
    ("POST", _NEED + "/feedback"): {"staff"},
    ("POST", _NEED + "/closure"): {"staff", "member"},
    ("POST", _NEED + "/deal"): {"staff", "member"},
    ("POST", "/api/v1/deals/{id:uuid}/payments"): {"staff", "member"},
    ("POST", _SESSION + "/slots"): {"staff"},
    # Participants are checked by the command (a confirmed registrant, or an approved solver).
    ("POST", _SESSION + "/meeting-requests"): {"staff", "member", "other_member"},
    ("POST", _SESSION + "/meeting-requests/{request_id:str}/acceptance"): {"member", "other_member"},
    ("POST", _SESSION + "/meeting-requests/{request_id:str}/decline"): {"member", "other_member"},
    ("POST", _SESSION + "/meetings/{meeting_id:str}/outcome"): {"staff", "member", "other_member"},
    # A member reads its own organisation's agenda (asking for another's: 403).
    ("GET", _SESSION + "/agenda"): {"staff", "auditor", "member", "other_member"},
}
MEMBERS = {"member", "other_member"}
PAGE_ACCESS: dict[tuple[str, str], set[str]] = {
    ("GET", "/portal/needs"): SIGNED_IN,
    ("GET", "/portal/needs/new"): MEMBERS,
    ("POST", "/portal/needs"): MEMBERS,  # for the account's own organisation
    ("GET", "/portal/needs/{id:uuid}"): SIGNED_IN,  # a published need; details per role
    ("POST", "/portal/needs/{id:uuid}/proposals"): MEMBERS,
    ("GET", "/portal/desk/needs"): {"staff", "auditor"},
    ("POST", "/portal/desk/needs/{id:uuid}/analysis"): {"staff"},
    ("POST", "/portal/desk/needs/{id:uuid}/publication"): {"staff"},
}


def need_body(platform, **overrides) -> dict:
    deadline = platform.clock.today() + timedelta(days=20)
    return {"title": "高功率激光器散热技术", "field": "光电子", "summary": "寻求激光器封装散热方案，提升功率稳定性",
            "details": "现有铜基热沉在 200W 时温升 35℃，需降至 15℃ 以内；样品与图纸签保密协议后提供。",
            "deadline": deadline.isoformat(), "cooperation": "joint_development",
            "budget_min_fen": 50_000_000, "budget_max_fen": 200_000_000, **overrides}


def published_need(client, staff, platform, owner_headers=None, organisation_id=None, **overrides) -> str:
    """A need posted (by its owner's account, or by staff for `organisation_id`), analysed and published."""
    body = need_body(platform, **overrides)
    if owner_headers is None:
        body["organisation_id"] = organisation_id
    need = ok(client.post("/api/v1/needs", json=body, headers=owner_headers or staff), 201)["id"]
    ok(client.post(f"/api/v1/needs/{need}/analysis", json={"note": "需求明确，可公开征集", "tags": ["激光"]},
                   headers=staff))
    ok(client.post(f"/api/v1/needs/{need}/publication", headers=staff))
    platform.runner.catch_up()  # read your own writes
    return need


def solver(client, staff, name: str = "厦门大学光电研究所", kind: str = "institute") -> str:
    """A solver registered by staff (approved at once)."""
    body = {"kind": kind, "name": name, "field": "光电子",
            "contacts": [{"name": "林教授", "phone": "+86 592 2180000", "email": "lin@xmu.example.cn"}]}
    return ok(client.post("/api/v1/solvers", json=body, headers=staff), 201)["id"]


def solver_account(client, staff, solver_id: str, username: str) -> dict[str, str]:
    token = ok(client.post(f"/api/v1/solvers/{solver_id}/invitations", json={"email": f"{username}@example.cn"},
                           headers=staff), 201)["token"]
    ok(client.post("/api/v1/auth/invitations/accept",
                   json={"token": token, "username": username, "password": PASSWORD}), 201)
    return login(client, username, PASSWORD)


def concerned(client, cast) -> dict[str, str]:
    staff, member = cast.headers["staff"], cast.headers["member"]
    platform = client.app.state.platform
    need = published_need(client, staff, platform, owner_headers=member)
    sold = published_need(client, staff, platform, owner_headers=member, title="锂电池隔膜涂覆工艺")
    team = solver(client, staff)
    deal = ok(client.post(f"/api/v1/needs/{sold}/deal", headers=staff, json={
        "solver_id": team, "contract_fen": 30_000_000, "signed_on": platform.clock.today().isoformat()}), 201)
    return {"/api/v1/needs": need, "/api/v1/deals": deal["deal_id"], "/api/v1/solvers": team, "needs": need}
