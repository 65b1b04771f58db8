"""Technical needs from posting to feedback (seed 003: 100%反馈), read per role.

Each test reads like the bureau's work: an enterprise posts a need, staff analyse and
publish it, solvers propose, the enterprise decides, and the need closes only with an
outcome and feedback."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.access_matchmaking import need_body, published_need, solver, solver_account
from tests.http import ok, on
from tests.roles import admitted_org, invited
from workers.scheduler import tick

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def world(client, staff, platform):
    """An enterprise with its account, another member, an approved solver team with an account,
    a reviewer and an auditor; one published need of the enterprise."""
    ent = admitted_org(client, staff)
    other = admitted_org(client, staff)
    team = solver(client, staff)
    w = {
        "ent": ent, "other": other, "team": team, "staff": staff,
        "owner": invited(client, staff, "qiye", "member", organisation_id=ent),
        "other_member": invited(client, staff, "bieren", "member", organisation_id=other),
        "solver": solver_account(client, staff, team, "jiejuefang"),
        "auditor": invited(client, staff, "shenji", "auditor"),
        "reviewer": invited(client, staff, "zhuanjia", "reviewer"),
    }
    w["need"] = published_need(client, staff, platform, owner_headers=w["owner"])
    return w


def _need(client, need, headers):
    client.app.state.platform.runner.catch_up()  # read your own writes
    return client.get(f"/api/v1/needs/{need}", headers=headers)


def test_details_only_to_the_owner_staff_and_solvers_they_were_disclosed_to(client, world, platform):
    need = world["need"]
    secret = "铜基热沉"
    # Before any disclosure: the owner and staff read the details; nobody else does.
    for who in ("owner", "staff"):
        assert secret in ok(_need(client, need, world[who]))["details"]
    for who in ("solver", "other_member", "reviewer", "auditor"):
        answer = ok(_need(client, need, world[who]))
        assert answer["details"] is None and answer["details_visible"] is False
        assert secret not in str(answer) and answer["summary"]  # the public summary is there
    # The catalogue never carries the details, for anyone.
    platform.runner.catch_up()
    for who in ("owner", "staff", "solver"):
        assert secret not in client.get("/api/v1/needs", headers=world[who]).text
    # Another member cannot disclose somebody else's need to itself.
    refused = client.post(f"/api/v1/needs/{need}/disclosures", json={"solver_id": world["other"]},
                          headers=world["other_member"])
    assert refused.status_code == 403 and secret not in refused.text
    # The owner discloses to the solver team: that team reads them, the other member still does not.
    ok(client.post(f"/api/v1/needs/{need}/disclosures", json={"solver_id": world["team"]}, headers=world["owner"]))
    assert secret in ok(_need(client, need, world["solver"]))["details"]
    assert ok(_need(client, need, world["other_member"]))["details"] is None
    # Disclosing twice is refused: each disclosure is one event.
    again = client.post(f"/api/v1/needs/{need}/disclosures", json={"solver_id": world["team"]}, headers=world["staff"])
    assert again.status_code == 409 and again.json()["code"] == "already_disclosed"
    assert ok(_need(client, need, world["staff"]))["disclosed"] == [world["team"]]
    # Anonymous callers get nothing.
    assert client.get(f"/api/v1/needs/{need}").status_code == 401


def test_an_unpublished_need_is_invisible_to_other_organisations(client, world, platform):
    draft = ok(client.post("/api/v1/needs", json=need_body(platform, draft=True), headers=world["owner"]), 201)
    assert draft["status"] == "draft"
    platform.runner.catch_up()
    for who in ("other_member", "solver", "reviewer"):
        assert _need(client, draft["id"], world[who]).status_code == 404
        assert draft["id"] not in client.get("/api/v1/needs", headers=world[who]).text
    assert draft["id"] in client.get("/api/v1/needs", headers=world["owner"]).text
    # Nobody may propose on it, and another member cannot submit it.
    assert client.post(f"/api/v1/needs/{draft['id']}/proposals", headers=world["solver"],
                       json={"summary": "方案", "approach": "路线"}).status_code == 404
    assert client.post(f"/api/v1/needs/{draft['id']}/submission", headers=world["other_member"]).status_code == 404
    ok(client.post(f"/api/v1/needs/{draft['id']}/submission", headers=world["owner"]))
    # Not analysed yet: it cannot be published.
    early = client.post(f"/api/v1/needs/{draft['id']}/publication", headers=world["staff"])
    assert early.status_code == 409


def test_a_member_posts_only_for_its_own_organisation(client, world, platform):
    body = need_body(platform, organisation_id=world["other"])
    assert client.post("/api/v1/needs", json=body, headers=world["owner"]).status_code == 403
    # A solver's account is not an enterprise: it cannot post a need.
    assert client.post("/api/v1/needs", json=need_body(platform), headers=world["solver"]).status_code == 422
    # Staff must name the enterprise they post for.
    refused = client.post("/api/v1/needs", json=need_body(platform), headers=world["staff"])
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "organisation_id"
    bad = client.post("/api/v1/needs", headers=world["owner"],
                      json=need_body(platform, budget_min_fen=500, budget_max_fen=100))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "budget_max_fen"
    negative = client.post("/api/v1/needs", headers=world["owner"], json=need_body(platform, budget_min_fen=-1))
    assert negative.status_code in (400, 422) and "budget_min_fen" in negative.text


def test_proposals_shortlist_decline_and_withdraw(client, world):
    need = world["need"]
    proposal = {"summary": "微通道液冷热沉", "approach": "微通道液冷加金刚石铜复合材料", "team": "教授 1 名、博士 3 名",
                "price_fen": 120_000_000}
    pid = ok(client.post(f"/api/v1/needs/{need}/proposals", json=proposal, headers=world["solver"]), 201)["id"]
    # One live proposal per solver; the owner cannot propose on its own need.
    assert client.post(f"/api/v1/needs/{need}/proposals", json=proposal,
                       headers=world["solver"]).json()["code"] == "already_proposed"
    assert client.post(f"/api/v1/needs/{need}/proposals", json=proposal,
                       headers=world["owner"]).json()["code"] == "own_need"
    other_pid = ok(client.post(f"/api/v1/needs/{need}/proposals", json=proposal, headers=world["other_member"]),
                   201)["id"]
    # Only the owner decides; a solver cannot shortlist itself.
    assert client.post(f"/api/v1/needs/{need}/proposals/{pid}/shortlist",
                       headers=world["solver"]).status_code == 403
    ok(client.post(f"/api/v1/needs/{need}/proposals/{pid}/shortlist", headers=world["owner"]))
    no_reason = client.post(f"/api/v1/needs/{need}/proposals/{other_pid}/decline", json={}, headers=world["owner"])
    assert no_reason.status_code == 400 and "reason" in no_reason.text
    ok(client.post(f"/api/v1/needs/{need}/proposals/{other_pid}/decline", json={"reason": "成本过高"},
                   headers=world["owner"]))
    # Somebody else's proposal cannot be withdrawn; its author can.
    stolen = client.post(f"/api/v1/needs/{need}/proposals/{pid}/withdrawal", json={}, headers=world["other_member"])
    assert stolen.status_code == 409 and stolen.json()["code"] == "not_author"
    ok(client.post(f"/api/v1/needs/{need}/proposals/{pid}/withdrawal", json={}, headers=world["solver"]))
    # The owner sees every proposal; a solver sees only its own.
    seen = ok(_need(client, need, world["owner"]))["proposals"]
    assert {p["status"] for p in seen} == {"withdrawn", "declined"}
    mine = ok(_need(client, need, world["solver"]))["proposals"]
    assert [p["id"] for p in mine] == [pid]
    assert ok(_need(client, need, world["reviewer"]))["proposals"] == []


def test_closing_needs_an_outcome_and_feedback(client, world):
    need = world["need"]
    url = f"/api/v1/needs/{need}/closure"
    missing = client.post(url, json={"feedback": "暂无合适团队"}, headers=world["owner"])
    assert missing.status_code == 400 and "outcome" in missing.text
    silent = client.post(url, json={"outcome": "no_suitable_solver"}, headers=world["owner"])
    assert silent.status_code == 400 and "feedback" in silent.text
    blank = client.post(url, json={"outcome": "no_suitable_solver", "feedback": "   "}, headers=world["owner"])
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "feedback"
    deal = client.post(url, json={"outcome": "deal", "feedback": "已签约"}, headers=world["owner"])
    assert deal.status_code == 409 and deal.json()["code"] == "deal_required"
    assert client.post(url, json={"outcome": "withdrawn", "feedback": "x"},
                       headers=world["other_member"]).status_code == 403
    assert ok(_need(client, need, world["staff"]))["status"] == "published"
    ok(client.post(url, json={"outcome": "no_suitable_solver", "feedback": "已对接 6 家团队，暂无合适方案"},
                   headers=world["staff"]))
    closed = ok(_need(client, need, world["owner"]))
    assert closed["status"] == "closed" and closed["outcome"] == "no_suitable_solver"
    assert closed["feedback"][0]["text"] == "已对接 6 家团队，暂无合适方案"
    assert client.post(url, json={"outcome": "withdrawn", "feedback": "再关一次"},
                       headers=world["owner"]).status_code == 409


def test_a_deal_closes_the_need_and_payments_never_exceed_it(client, world, platform):
    need = world["need"]
    today = platform.clock.today().isoformat()
    body = {"solver_id": world["team"], "contract_fen": 1_200_000_00, "signed_on": today,
            "evidence": "合同扫描件 HT-2026-01"}
    assert client.post(f"/api/v1/needs/{need}/deal", json=body, headers=world["solver"]).status_code == 403
    deal = ok(client.post(f"/api/v1/needs/{need}/deal", json=body, headers=world["owner"]), 201)
    shown = ok(_need(client, need, world["owner"]))
    assert shown["status"] == "closed" and shown["outcome"] == "deal" and shown["deal"]["contract_fen"] == 120_000_000
    # The deal's solver sees the deal; the other member does not.
    assert ok(_need(client, need, world["solver"]))["deal"]["id"] == deal["deal_id"]
    assert ok(_need(client, need, world["other_member"]))["deal"] is None
    pay = f"/api/v1/deals/{deal['deal_id']}/payments"
    ok(client.post(pay, json={"amount_fen": 100_000_000, "paid_on": today}, headers=world["owner"]))
    over = client.post(pay, json={"amount_fen": 30_000_000, "paid_on": today}, headers=world["staff"])
    assert over.status_code == 409 and over.json()["code"] == "overpaid"
    assert client.post(pay, json={"amount_fen": 1, "paid_on": today}, headers=world["other_member"]).status_code == 403
    assert ok(_need(client, need, world["staff"]), 200)["deal"]["paid_fen"] == 100_000_000


def test_expiry_on_a_moved_clock_and_renewal_by_the_owner(client, world, platform):
    need = world["need"]
    deadline = platform.clock.today() + timedelta(days=20)
    on(platform, deadline)
    tick(platform)
    platform.runner.catch_up()
    assert ok(_need(client, need, world["staff"]))["status"] == "published"  # the deadline day still counts
    on(platform, deadline + timedelta(days=1))
    tick(platform)
    platform.runner.catch_up()
    assert ok(_need(client, need, world["owner"]))["status"] == "expired"
    assert client.post(f"/api/v1/needs/{need}/proposals", headers=world["solver"],
                       json={"summary": "方案", "approach": "路线"}).status_code == 409
    # Only its owner renews it; a past deadline is refused.
    later = (deadline + timedelta(days=90)).isoformat()
    assert client.post(f"/api/v1/needs/{need}/renewal", json={"deadline": later},
                       headers=world["other_member"]).status_code == 403
    past = client.post(f"/api/v1/needs/{need}/renewal", json={"deadline": deadline.isoformat()}, headers=world["owner"])
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "deadline"
    ok(client.post(f"/api/v1/needs/{need}/renewal", json={"deadline": later}, headers=world["owner"]))
    renewed = ok(_need(client, need, world["owner"]))
    assert renewed["status"] == "published" and renewed["deadline"] == later


def test_the_feedback_backlog_lists_needs_past_the_feedback_deadline(client, world, platform):
    need = world["need"]
    deadline = platform.clock.today() + timedelta(days=20)
    on(platform, deadline + timedelta(days=30))
    tick(platform)
    platform.runner.catch_up()
    assert ok(client.get("/api/v1/needs/feedback-backlog", headers=world["staff"]))["count"] == 0
    on(platform, deadline + timedelta(days=31))
    backlog = ok(client.get("/api/v1/needs/feedback-backlog", headers=world["staff"]))
    assert backlog["feedback_days"] == 30 and [i["id"] for i in backlog["items"]] == [need]
    assert client.get("/api/v1/needs/feedback-backlog", headers=world["owner"]).status_code == 403
    ok(client.post(f"/api/v1/needs/{need}/feedback", json={"text": "需求已到期，建议续期或调整预算"},
                   headers=world["staff"]))
    platform.runner.catch_up()
    assert ok(client.get("/api/v1/needs/feedback-backlog", headers=world["staff"]))["count"] == 0


def test_the_catalogue_filters_by_campaign_field_status_and_chinese_text(client, world, platform):
    staff = world["staff"]
    today = platform.clock.today()
    campaign = ok(client.post("/api/v1/campaigns", headers=staff, json={
        "title": "第二届中国创新挑战赛", "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=30)).isoformat(), "organiser": "海门市科技局"}), 201)["id"]
    in_campaign = published_need(client, staff, platform, owner_headers=world["owner"], campaign_id=campaign,
                                 title="生物发酵废水处理", field="资源与环境", summary="高浓度有机废水达标排放")
    platform.runner.catch_up()

    def ids(query):
        platform.runner.catch_up()
        return [i["id"] for i in ok(client.get(f"/api/v1/needs?{query}", headers=world["solver"]))["items"]]

    assert ids(f"campaign_id={campaign}") == [in_campaign]
    assert ids("field=光电子") == [world["need"]]
    assert ids("q=废水") == [in_campaign] and ids("q=散热") == [world["need"]]
    assert ids("q=100%25") == []  # LIKE's wildcards are matched literally
    assert set(ids("status=published")) == {in_campaign, world["need"]}
    assert ids("min_budget_fen=300000000") == []
    assert ids("limit=1") and len(ids("limit=1")) == 1
    # A campaign accepts needs only within its window.
    on(platform, today + timedelta(days=31))
    late = client.post("/api/v1/needs", headers=world["owner"], json=need_body(platform, campaign_id=campaign))
    assert late.status_code == 409 and late.json()["code"] == "campaign_closed"


def test_solvers_sign_up_pending_until_staff_approve(client, world, platform):
    body = {"kind": "team", "name": "上海交大微纳团队", "field": "新材料",
            "contacts": [{"name": "陈博士", "phone": "+86 21 5550000", "email": "chen@sjtu.example.cn"}]}
    signed = ok(client.post("/api/v1/solvers", json=body), 201)
    assert signed["status"] == "pending"
    # Not approved: no account can be issued for it.
    assert client.post(f"/api/v1/solvers/{signed['id']}/invitations", json={"email": "chen@sjtu.example.cn"},
                       headers=world["staff"]).status_code == 409
    bad_kind = client.post("/api/v1/solvers", json={**body, "kind": "enterprise"})
    assert bad_kind.status_code == 400 and "kind" in bad_kind.text
    platform.runner.catch_up()
    pending = ok(client.get("/api/v1/solvers?status=pending", headers=world["staff"]))["items"]
    assert [s["contacts"][0]["name"] for s in pending] == ["陈博士"]
    assert client.get("/api/v1/solvers", headers=world["solver"]).status_code == 403
    ok(client.post(f"/api/v1/solvers/{signed['id']}/approval", json={}, headers=world["staff"]))
    account = solver_account(client, world["staff"], signed["id"], "chenboshi")
    me = ok(client.get("/api/v1/auth/me", headers=account))
    assert me["organisation_id"] == signed["id"] and me["role"] == "member"
    # A solver's account acts in matchmaking only: it is not a member organisation.
    assert client.get(f"/api/v1/members/{signed['id']}", headers=account).status_code == 404


def test_solver_sign_up_is_rate_limited(make_platform):
    from api.app import create_app
    from tests.http import in_process_client

    platform = make_platform(QIHUI_RATE_LIMIT_APPLY="2/3600")
    body = {"kind": "university", "name": "厦门大学", "field": "光电子",
            "contacts": [{"name": "林教授", "phone": "+86 592 2180000", "email": "lin@xmu.example.cn"}]}
    with in_process_client(create_app(platform)) as client:
        answers = [client.post("/api/v1/solvers", json=body).status_code for _ in range(3)]
    assert answers == [201, 201, 429]


def test_solver_contacts_are_sealed_and_erasable(client, world, platform):
    from tests.test_pipl import database_text, event_store_text, leaked

    person = {"name": "诸葛青云", "phone": "+86 592 7770001", "email": "zhuge.qingyun@example.cn"}
    secrets = tuple(person.values())
    body = {"kind": "university", "name": "集美大学", "field": "海洋工程", "contacts": [person]}
    signed = ok(client.post("/api/v1/solvers", json=body), 201)
    platform.runner.catch_up()
    # Stored sealed: the events, the snapshots and the views hold none of it in the clear.
    assert leaked(event_store_text(platform), secrets) == []
    assert leaked(database_text(platform), secrets) == []
    # Staff read it opened; the history's summaries name nobody.
    listed = ok(client.get("/api/v1/solvers?status=pending", headers=world["staff"]))["items"]
    contact = next(s for s in listed if s["id"] == signed["id"])["contacts"][0]
    assert contact["name"] == person["name"] and contact["phone"] == person["phone"]
    history = client.get(f"/api/v1/solvers/{signed['id']}/history", headers=world["staff"]).text
    assert "集美大学" in history and person["name"] in history  # the event's data opened for staff
    summaries = [i["summary"] for i in ok(client.get(f"/api/v1/solvers/{signed['id']}/history",
                                                     headers=world["staff"]))["items"]]
    assert leaked(" ".join(summaries), secrets) == []
    # Erasure (PIPL) makes the person unreadable everywhere; the solver's sign-up stays.
    ok(client.post(f"/api/v1/people/{contact['person_id']}/erasure", json={"reason": "本人依法申请删除"},
                   headers=world["staff"]))
    platform.runner.catch_up()
    after = ok(client.get("/api/v1/solvers?status=pending", headers=world["staff"]))["items"]
    erased = next(s for s in after if s["id"] == signed["id"])
    assert erased["name"] == "集美大学" and person["name"] not in str(erased)
    assert person["name"] not in client.get(f"/api/v1/solvers/{signed['id']}/history", headers=world["staff"]).text
