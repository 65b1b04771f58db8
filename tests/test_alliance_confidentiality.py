"""Seed 002's review and public notice, as a curious party would probe them:
who reviewed us, what did they write, who objected and how do we reach them?
And amendments as a hostile party would send them: untyped keys, a changed
set of parties slipped in without the others' signatures."""

from datetime import timedelta

from tests.roles import open_program, society
from tests.test_alliances import WAN, World, declaration, enterprise, ok, reviewer

SCORES = dict.fromkeys(("innovation", "feasibility", "team", "collaboration", "benefit"), 88)


def _approved_alliance(client, staff, platform):
    """An alliance walked to approval with a reviewer and one dismissed objection by a signed-in member."""
    w = World(client, staff, platform)
    program = open_program(client, staff, platform)
    ent, soc = enterprise(client, staff, "保密测试科技有限公司"), society(client, staff)
    outsider = enterprise(client, staff, "旁观者科技有限公司")
    w.member(ent, "baomi_e")
    w.member(soc, "baomi_s")
    w.member(outsider, "pangguan")
    alliance = w.alliance(program, [ent], [soc])
    w.post(f"/api/v1/alliances/{alliance}/screening", {"decision": "pass", "reasons": "符合条件"})
    expert = reviewer(client, staff, "secret_expert")
    w.post(f"/api/v1/alliances/{alliance}/reviewers", {"reviewer_ids": [expert[0]]})
    w.post(f"/api/v1/alliances/{alliance}/declaration", {"no_conflict": True, "statement": "本人无关联"}, expert[1])
    w.post(f"/api/v1/alliances/{alliance}/reviews",
           {"scores": SCORES, "recommend": True, "comment": "专家甲的私下意见：团队偏弱"}, expert[1])
    w.post(f"/api/v1/programs/{program}/ranking")
    w.post(f"/api/v1/alliances/{alliance}/public-notice")
    objection = w.post(f"/api/v1/alliances/{alliance}/objections",
                       {"grounds": "专利权属有争议", "contact": "13800001111 张举报"}, w.accounts[outsider], 201)
    w.post(f"/api/v1/alliances/{alliance}/objections/{objection['id']}/resolution",
           {"outcome": "dismissed", "reason": "经核实无争议"})
    platform.clock.offset = timedelta(days=8)
    w.post(f"/api/v1/alliances/{alliance}/approval", {"granted_fen": 10 * WAN})
    return w, alliance, ent, soc, outsider, expert


def _history(client, org, headers, platform):
    return ok(client.get(f"/api/v1/members/{org}/history?limit=500&min_position={platform.runner.head()}",
                         headers=headers))["items"]


def test_parties_never_learn_who_reviewed_or_objected_while_staff_see_everything(client, staff, platform):
    w, alliance, ent, _soc, outsider, expert = _approved_alliance(client, staff, platform)
    secrets = (expert[0], "专家甲的私下意见", "13800001111", "张举报", "本人无关联", w_outsider_account(w, outsider))

    # The party reads its organisation's history and its alliance: no reviewer, comment, objector or contact.
    party_history = _history(client, ent, w.accounts[ent], platform)
    as_party = client.get(f"/api/v1/alliances/{alliance}", headers=w.accounts[ent]).text
    for text in (str(party_history), as_party):
        for secret in secrets:
            assert secret not in text
    objected = [i for i in party_history if i["type"] == "Objected"]
    assert objected and objected[0]["summary"] == "公示异议：专利权属有争议"
    assert objected[0]["data"] == {"objection_id": objected[0]["data"]["objection_id"], "grounds": "专利权属有争议"}
    reviewed = [i for i in party_history if i["type"] == "Reviewed"]
    assert reviewed and reviewed[0]["actor"]["id"] is None and reviewed[0]["data"] == {}

    # Staff and auditors see the same history whole.
    staff_history = str(_history(client, ent, staff, platform))
    for secret in secrets:
        assert secret in staff_history
    log = client.get(f"/api/v1/audit/events?aggregate_id={alliance}&limit=500", headers=staff).text
    assert "13800001111" in log and expert[0] in log


def w_outsider_account(w, outsider):
    me = w.client.get("/api/v1/auth/me", headers=w.accounts[outsider]).json()
    return me["id"]


def test_a_reviewer_sees_only_their_own_scores(client, staff, platform):
    w = World(client, staff, platform)
    program = open_program(client, staff, platform)
    ent, soc = enterprise(client, staff, "双评审科技有限公司"), society(client, staff)
    w.member(ent, "shuang_e")
    w.member(soc, "shuang_s")
    alliance = w.alliance(program, [ent], [soc])
    w.post(f"/api/v1/alliances/{alliance}/screening", {"decision": "pass", "reasons": "符合条件"})
    one, two = reviewer(client, staff, "expert_a"), reviewer(client, staff, "expert_b")
    w.review(alliance, [one, two], 70, True)
    ok(client.post(f"/api/v1/alliances/{alliance}/reviews",
                   json={"scores": SCORES, "recommend": False, "comment": "乙的独立意见"}, headers=two[1]))
    w.post(f"/api/v1/programs/{program}/ranking")
    seen = ok(client.get(f"/api/v1/alliances/{alliance}?min_position={platform.runner.head()}", headers=one[1]))
    assert list(seen["reviewers"]) == [one[0]] and "乙的独立意见" not in str(seen)


def test_amendments_are_typed_and_a_change_of_parties_needs_every_signature(client, staff, platform):
    w, alliance, ent, soc, outsider, _ = _approved_alliance(client, staff, platform)
    path = f"/api/v1/alliances/{alliance}/amendments"

    # Untyped or forbidden keys, wrong types, nonsense dates: 400 naming the field, never a 500.
    for changes, field in (({"status": "concluded"}, "changes"), ({"granted_fen": 10**9}, "changes"),
                           ({"ends_on": "not a date"}, "changes.ends_on"), ({"tasks": "x"}, "changes.tasks"),
                           ({"enterprises": [1, 2]}, "changes.enterprises")):
        r = client.post(path, json={"changes": changes, "reason": "试探"}, headers=w.accounts[ent])
        assert r.status_code in (400, 422), r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"].startswith(field), r.text
    r = client.post(path, json={"changes": {"ends_on": "2020-01-01"}, "reason": "提前"}, headers=w.accounts[ent])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ends_on"

    # Adding the outsider as a second enterprise: staff cannot approve before every party has signed.
    amendment = w.post(path, {"changes": {"enterprises": [ent, outsider]}, "reason": "新增合作企业"},
                       w.accounts[ent], 201)["id"]
    decision = f"{path}/{amendment}/decision"
    w.refused(decision, {"approve": True, "reason": "同意"}, "signatures_missing")
    w.post(f"{path}/{amendment}/signatures", who=w.accounts[ent])
    w.post(f"{path}/{amendment}/signatures", who=w.accounts[soc])
    w.refused(decision, {"approve": True, "reason": "同意"}, "signatures_missing")
    w.post(f"{path}/{amendment}/signatures", who=w.accounts[outsider])
    # Issue 15: a change of parties is screened again (the new enterprise declares its workspace first).
    w.refused(decision, {"approve": True, "reason": "同意"}, "screening_required")
    w.post(f"/api/v1/alliances/{alliance}/declarations", declaration("enterprise"), w.accounts[outsider])
    w.post(f"{path}/{amendment}/screening", {"decision": "pass", "reasons": "新增企业符合申报条件"})
    w.post(decision, {"approve": True, "reason": "同意"})
    record = w.get(f"/api/v1/alliances/{alliance}")
    assert outsider in record["parties"] and sorted(record["signatures"]) == sorted([ent, soc, outsider])

    # A third organisation that is not a party of the amendment cannot sign it.
    stranger = enterprise(client, staff, "无关科技有限公司")
    w.member(stranger, "wuguan")
    other = w.post(path, {"changes": {"title": "新标题"}, "reason": "更名"}, w.accounts[ent], 201)["id"]
    w.refused(f"{path}/{other}/signatures", {}, "not_a_party", w.accounts[stranger])
