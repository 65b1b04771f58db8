"""Satisfaction surveys (满意度问卷) and innovation check-ups (创新体检, seed 003)."""

from datetime import date

import pytest

from tests.http import ok, on
from tests.roles import admitted_org, invited
from tests.test_services import head, hook, unit_with_staff

QUESTIONS = [{"id": "overall", "kind": "rating", "text": "对本季度走访服务的总体满意度"},
             {"id": "channel", "kind": "choice", "text": "最常用的诉求渠道", "choices": ["热线", "网上留言", "走访"]},
             {"id": "advice", "kind": "text", "text": "意见和建议"}]
SCORES = {"foresight": 62, "integration": 55, "support": 70, "realisation": 48}


def send(client, staff, audience, questions=QUESTIONS, title="2026 年三季度服务满意度问卷"):
    return client.post("/api/v1/surveys", headers=staff, json={"title": title, "questions": questions,
                                                                "audience": audience})


def answer(client, headers, survey, overall=5, channel="热线", **extra):
    return client.post(f"/api/v1/surveys/{survey}/answers", headers=headers,
                       json={"answers": {"overall": overall, "channel": channel, **extra}})


@pytest.fixture
def firms(client, staff, platform):
    """Three admitted enterprises, each with its own account, on 1 July 2026."""
    on(platform, date(2026, 7, 1))
    orgs = [admitted_org(client, staff) for _ in range(3)]
    return [(org, invited(client, staff, f"qiye_{i}", "member", organisation_id=org)) for i, org in enumerate(orgs)]


def test_each_surveyed_organisation_answers_once_and_results_count_per_question_and_unit(client, staff, platform,
                                                                                          firms):
    (a, member_a), (b, member_b), (_, member_c) = firms
    unit, _ = unit_with_staff(client, staff)
    hook(client, staff, unit, organisation_ids=[a, b])
    survey = ok(send(client, staff, {"unit_id": unit}), 201)["id"]  # by hook-up: a and b
    platform.runner.catch_up()
    assert answer(client, member_c, survey).status_code == 404  # not surveyed: never shown
    assert client.get(f"/api/v1/surveys/{survey}", headers=member_c).status_code == 404
    r = answer(client, member_a, survey, overall=6)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "answers.overall"
    r = answer(client, member_a, survey, channel="微博")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "answers.channel"
    r = answer(client, member_a, survey, nope="x")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "answers.nope"
    ok(answer(client, member_a, survey, overall=4, advice="希望多办政策宣讲"), 201)
    again = answer(client, member_a, survey, overall=1)
    assert (again.status_code, again.json()["code"]) == (409, "already_answered")
    shown = ok(client.get(f"/api/v1/surveys/{survey}?min_position={head(platform)}", headers=member_a))
    assert shown["answered_by_you"] is True and "sent" not in shown
    assert [s["id"] for s in ok(client.get("/api/v1/surveys", headers=member_b))["items"]] == [survey]
    assert ok(client.get("/api/v1/surveys", headers=member_c))["items"] == []
    results = ok(client.get(f"/api/v1/surveys/{survey}/results", headers=staff))
    assert (results["sent"], results["answered"], results["response_rate"]) == (2, 1, 0.5)
    overall, channel, advice = results["questions"]
    assert overall["average"] == 4.0 and overall["distribution"]["4"] == 1
    assert channel["counts"] == {"热线": 1, "网上留言": 0, "走访": 0} and advice["texts"] == ["希望多办政策宣讲"]
    assert [(u["unit_id"], u["sent"], u["answered"]) for u in results["units"]] == [(unit, 2, 1)]
    assert client.get(f"/api/v1/surveys/{survey}/results", headers=member_a).status_code == 403


def test_a_survey_goes_to_a_library_or_named_organisations_and_refuses_bad_questions(client, staff, platform, firms):
    (a, _), _, (c, _) = firms
    ok(client.post(f"/api/v1/members/{c}/libraries", json={"add": ["tech_sme"]}, headers=staff))
    platform.runner.catch_up()
    survey = ok(send(client, staff, {"library": "tech_sme", "organisation_ids": [a]}), 201)["id"]
    shown = ok(client.get(f"/api/v1/surveys/{survey}?min_position={head(platform)}", headers=staff))
    assert (shown["sent"], shown["answered"]) == (2, 0)
    r = send(client, staff, {"library": "advanced_service"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "audience"
    r = send(client, staff, {"organisation_ids": [a]}, questions=[{"id": "x", "kind": "choice", "text": "单选"}])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "questions[0].choices"
    r = send(client, staff, {"organisation_ids": [a]}, questions=[QUESTIONS[0], QUESTIONS[0]])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "questions"
    # API.md's form names the organisations at the top of the body.
    plain = ok(client.post("/api/v1/surveys", headers=staff, json={
        "title": "服务满意度", "questions": QUESTIONS, "organisation_ids": [a, c]}), 201)["id"]
    assert ok(client.get(f"/api/v1/surveys/{plain}?min_position={head(platform)}", headers=staff))["sent"] == 2
    both = client.post("/api/v1/surveys", headers=staff, json={
        "title": "x", "questions": QUESTIONS, "organisation_ids": [a], "audience": {"library": "tech_sme"}})
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "organisation_ids"
    neither = client.post("/api/v1/surveys", headers=staff, json={"title": "x", "questions": QUESTIONS})
    assert neither.status_code == 422 and neither.json()["errors"][0]["field"] == "audience"


def test_a_checkups_follow_ups_become_ledger_requests_and_repeats_show_the_trend(client, staff, platform, firms):
    (a, member_a), (_, member_b), _ = firms
    body = {"organisation_id": a, "held_on": "2026-07-01", "scores": SCORES, "diagnosis": "研发体系不健全，成果转化弱",
            "indicators": [{"dimension": "foresight", "name": "技术路线图", "score": 50, "evidence": "无成文规划"}],
            "follow_ups": ["建立企业研发准备金制度", "对接高校共建研发中心"]}
    held = ok(client.post("/api/v1/checkups", json=body, headers=staff), 201)
    assert len(held["request_ids"]) == 2
    ledger = ok(client.get(f"/api/v1/requests?organisation_id={a}&min_position={head(platform)}",
                           headers=member_a))["items"]
    assert sorted(r["text"] for r in ledger) == sorted(body["follow_ups"])
    assert {(r["channel"], r["category"], r["source_id"]) for r in ledger} == {("checkup", "innovation", held["id"])}
    on(platform, date(2026, 8, 20))  # tokens live 60 days
    ok(client.post("/api/v1/checkups", headers=staff, json={
        **body, "held_on": "2026-08-20", "follow_ups": [],
        "scores": {**SCORES, "foresight": 75, "realisation": 40}}), 201)
    items = ok(client.get(f"/api/v1/checkups?organisation_id={a}&min_position={head(platform)}",
                          headers=member_a))["items"]
    assert [i["trend"] for i in items] == [
        dict.fromkeys(SCORES), {"foresight": 13, "integration": 0, "support": 0, "realisation": -8}]
    assert items[0]["indicators"][0]["evidence"] == "无成文规划"
    assert client.get(f"/api/v1/checkups?organisation_id={a}", headers=member_b).status_code == 403
    r = client.get(f"/api/v1/checkups/{held['id']}", headers=member_b)
    assert r.status_code == 404 and "研发" not in r.text
    assert ok(client.get(f"/api/v1/checkups/{held['id']}", headers=member_a))["diagnosis"].startswith("研发体系")
    for change, field in (({"scores": {**SCORES, "support": 101}}, "scores.support"),
                          ({"scores": {"foresight": 1}}, "scores"),
                          ({"held_on": "2026-08-21"}, "held_on")):
        r = client.post("/api/v1/checkups", json={**body, **change}, headers=staff)
        assert r.status_code in (400, 422) and field in r.text, r.text
    history = [i["summary"] for i in ok(client.get(f"/api/v1/members/{a}/history?limit=100",
                                                   headers=staff))["items"]]
    assert "创新体检（2026-07-01）：前瞻力 62，统合力 55，支撑力 70，实现力 48；后续事项 2 项转入诉求台账" in history


def test_an_appointed_expert_holds_a_checkup_and_no_one_else(client, staff, platform, firms):
    (a, _), (b, _), _ = firms
    expert = invited(client, staff, "zhuanjia", "reviewer", affiliation=b)
    expert_id = ok(client.get("/api/v1/auth/me", headers=expert))["id"]
    body = {"organisation_id": a, "held_on": "2026-07-01", "scores": SCORES, "diagnosis": "统合力不足"}
    r = client.post("/api/v1/checkups", json=body, headers=expert)
    assert (r.status_code, r.json()["code"]) == (403, "not_appointed")
    # Never for the organisation the expert works for; once per organisation.
    r = client.post("/api/v1/checkups/appointments", json={"organisation_id": b, "expert_id": expert_id},
                    headers=staff)
    assert (r.status_code, r.json()["code"], r.json()["errors"][0]["field"]) == (409, "conflict_of_interest",
                                                                                  "expert_id")
    ok(client.post("/api/v1/checkups/appointments", json={"organisation_id": a, "expert_id": expert_id},
                   headers=staff), 201)
    again = client.post("/api/v1/checkups/appointments", json={"organisation_id": a, "expert_id": expert_id},
                        headers=staff)
    assert (again.status_code, again.json()["code"]) == (409, "already_appointed")
    not_an_expert = client.post("/api/v1/checkups/appointments", headers=staff, json={
        "organisation_id": a, "expert_id": ok(client.get("/api/v1/auth/me", headers=staff))["id"]})
    assert not_an_expert.status_code == 404 and not_an_expert.json()["errors"][0]["field"] == "expert_id"
    held = ok(client.post("/api/v1/checkups", json=body, headers=expert), 201)
    r = client.post("/api/v1/checkups", json={**body, "organisation_id": b}, headers=expert)
    assert r.status_code == 403
    platform.runner.catch_up()
    shown = ok(client.get(f"/api/v1/checkups/{held['id']}", headers=staff))
    assert shown["held"]["actor"]["id"] == expert_id
    history = [i["summary"] for i in ok(client.get(f"/api/v1/members/{a}/history?limit=100",
                                                   headers=staff))["items"]]
    assert "聘请专家开展创新体检" in history


def test_a_survey_goes_to_the_organisations_that_attended_a_session(client, staff, platform, firms):
    (a, member_a), (b, member_b), _ = firms
    session = ok(client.post("/api/v1/sessions", headers=staff, json={
        "kind": "briefing", "title": "科技政策宣讲会", "capacity": 100, "starts_at": "2026-07-10T11:00:00+08:00",
        "ends_at": "2026-07-10T14:00:00+08:00", "venue": "市科技局报告厅",
        "registration_closes_at": "2026-07-09T18:00:00+08:00"}), 201)["id"]
    for org, member in ((a, member_a), (b, member_b)):
        ok(client.post(f"/api/v1/sessions/{session}/registrations", headers=member,
                       json={"organisation_id": org, "attendees": [{"name": "王强"}]}), 201)
    on(platform, date(2026, 7, 10))  # noon: the briefing is on; only a checks in
    ok(client.post(f"/api/v1/sessions/{session}/check-ins", json={"organisation_id": a, "attendee_name": "王强"},
                   headers=staff))
    survey = ok(send(client, staff, {"session_id": session}, title="宣讲会满意度"), 201)["id"]
    platform.runner.catch_up()
    assert ok(client.get(f"/api/v1/surveys/{survey}", headers=staff))["sent"] == 1
    assert client.get(f"/api/v1/surveys/{survey}", headers=member_b).status_code == 404
    ok(answer(client, member_a, survey), 201)
