"""Seed 003 at small scale, on both backends: the bureau's challenge campaign (中国创新挑战赛)
collects 10 needs from 5 enterprises, 6 solver teams take part, 3 agreements are signed
(one already paid), one need closes without a solver, and every need gets feedback
(100%反馈). The year's figures tell the same story."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from tests.access_matchmaking import published_need, solver, solver_account
from tests.http import ok
from tests.roles import admitted_org, invited

FIELDS = ("光电子", "新材料", "生物医药与健康", "新能源与高效节能", "资源与环境")


def test_seed_003_at_small_scale(client, staff, platform):
    today = platform.clock.today()
    # The bureau opens the campaign.
    campaign = ok(client.post("/api/v1/campaigns", headers=staff, json={
        "title": "第二届中国创新挑战赛（海门）", "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=60)).isoformat(), "organiser": "海门市科技局"}), 201)["id"]
    # Five enterprises post two needs each; staff analyse and publish them.
    enterprises = [admitted_org(client, staff) for _ in range(5)]
    owners = [invited(client, staff, f"qiye{i}", "member", organisation_id=org) for i, org in enumerate(enterprises)]
    needs = [published_need(client, staff, platform, owner_headers=owners[i // 2], campaign_id=campaign,
                            title=f"技术难题{i + 1}号：{FIELDS[i % 5]}工艺改进", field=FIELDS[i % 5])
             for i in range(10)]
    owner_of = {need: owners[i // 2] for i, need in enumerate(needs)}
    # Six solver teams (universities, institutes, teams) join, each with an account.
    kinds = ("university", "institute", "team")
    teams = [solver(client, staff, name=f"解决方{i + 1}", kind=kinds[i % 3]) for i in range(6)]
    team_accounts = [solver_account(client, staff, t, f"jiejue{i}") for i, t in enumerate(teams)]
    # Each team proposes on two needs; the owners disclose their details to them first.
    for k, team in enumerate(team_accounts):
        for need in (needs[k], needs[(k + 3) % 10]):
            ok(client.post(f"/api/v1/needs/{need}/disclosures", json={"solver_id": teams[k]}, headers=owner_of[need]))
            ok(client.post(f"/api/v1/needs/{need}/proposals", headers=team, json={
                "summary": "联合攻关方案", "approach": "实验室小试、企业中试、联合申报专利",
                "team": "教授 1 名、研究生 4 名", "price_fen": 150_000_000}), 201)
    # Three agreements are signed; the first has money paid already.
    amounts = (180_000_000, 210_000_000, 150_000_000)
    deals = [ok(client.post(f"/api/v1/needs/{needs[k]}/deal", headers=owner_of[needs[k]], json={
        "solver_id": teams[k], "contract_fen": amounts[k], "signed_on": today.isoformat(),
        "evidence": f"合作协议 HM-2017-{k + 1:02d}"}), 201)["deal_id"] for k in range(3)]
    ok(client.post(f"/api/v1/deals/{deals[0]}/payments", headers=staff,
                   json={"amount_fen": 35_800_000, "paid_on": today.isoformat()}))
    # The tenth need finds no solver: closed with an outcome and feedback.
    ok(client.post(f"/api/v1/needs/{needs[9]}/closure", headers=staff, json={
        "outcome": "no_suitable_solver", "feedback": "已推介 6 家团队，暂无合适方案，建议纳入下届挑战赛"}))
    platform.runner.catch_up()
    # Six needs are still open: none of them is past its feedback deadline yet, yet each gets feedback.
    assert ok(client.get("/api/v1/needs/feedback-backlog", headers=staff))["count"] == 0
    for need in needs[3:9]:
        ok(client.post(f"/api/v1/needs/{need}/feedback", headers=staff,
                       json={"text": "已组织解决方对接，正在洽谈方案"}))
    platform.runner.catch_up()

    summary = ok(client.get(f"/api/v1/stats/summary?from={today.year}-01-01&to={today.year}-12-31", headers=staff))
    assert summary["needs"] == {
        "collected": 10, "demand_organisations": 5, "solvers_engaged": 6, "proposals": 12, "meetings_held": 0,
        "deals": 3, "contract_fen": 540_000_000, "paid_fen": 35_800_000, "feedback_rate": 1.0,
        "by_campaign": {campaign: 10}}
    # A period before the campaign counts nothing.
    before = ok(client.get(f"/api/v1/stats/summary?from={today.year - 1}-01-01&to={today.year - 1}-12-31",
                           headers=staff))
    assert before["needs"]["collected"] == 0 and before["needs"]["feedback_rate"] is None
    # The catalogue shows the campaign's needs with their outcomes; Chinese text search finds one.
    listed = ok(client.get(f"/api/v1/needs?campaign_id={campaign}&limit=100", headers=team_accounts[5]))["items"]
    assert Counter(i["status"] for i in listed) == {"closed": 4, "published": 6}
    found = ok(client.get("/api/v1/needs?q=10号", headers=team_accounts[5]))["items"]
    assert [i["id"] for i in found] == [needs[9]]
    # The first enterprise's history tells its story in Chinese.
    history = ok(client.get(f"/api/v1/members/{enterprises[0]}/history?limit=200", headers=staff))["items"]
    lines = [i["summary"] for i in history]
    assert "就技术需求「技术难题1号：光电子工艺改进」签订合作协议，合同金额 1,800,000.00 元" in lines
    assert "技术需求「技术难题1号：光电子工艺改进」合同到账 358,000.00 元" in lines
    team_history = ok(client.get(f"/api/v1/solvers/{teams[0]}/history?limit=200", headers=team_accounts[0]))["items"]
    assert client.get(f"/api/v1/solvers/{teams[0]}/history", headers=team_accounts[1]).status_code == 403
    assert "技术需求「技术难题1号：光电子工艺改进」收到解决方案" in [i["summary"] for i in team_history]
