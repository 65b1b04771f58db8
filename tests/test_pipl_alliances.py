"""PIPL for the alliance programme's people: the objector's contact, the expert
team, the society's plan staff and the inspectors are sealed in every stored
copy, readable by staff, and 已删除 once erased, while the facts stay."""

from projections.personal import ERASED
from tests.test_alliance_confidentiality import _approved_alliance
from tests.test_pipl import database_text, event_store_text, head, leaked, ok


def test_alliance_people_are_sealed_and_erasable(client, staff, platform):
    w, alliance, ent, _soc, _outsider, _expert = _approved_alliance(client, staff, platform)
    w.post(f"/api/v1/alliances/{alliance}/inspections", {
        "inspected_on": "2027-05-01", "inspectors": ["赵检查"], "findings": "台账不全", "rating": "fair"})
    people = ("周教授", "刘秘书长", "赵检查", "13800001111 张举报")
    head(platform)

    # No stored copy holds them in the clear: events, snapshots, views, the audit log.
    assert leaked(event_store_text(platform), people) == []
    assert leaked(database_text(platform), people) == []

    # Staff read them where they belong.
    record = ok(client.get(f"/api/v1/alliances/{alliance}?min_position={head(platform)}", headers=staff))
    experts = record["agreement"]["expert_team"]
    assert experts[0]["name"].startswith("周教授") and experts[0]["person_id"]
    assert record["inspections"][0]["inspectors"][0]["name"] == "赵检查"
    log = client.get(f"/api/v1/audit/events?aggregate_id={alliance}&limit=500", headers=staff).text
    assert "13800001111 张举报" in log and "刘秘书长" in log

    # Erase the expert: 已删除 everywhere, the alliance and the chain intact.
    erased = ok(client.post(f"/api/v1/people/{experts[0]['person_id']}/erasure", json={"reason": "本人申请删除"},
                            headers=staff))
    assert erased["position"]
    after = ok(client.get(f"/api/v1/alliances/{alliance}?min_position={head(platform)}", headers=staff))
    assert after["agreement"]["expert_team"][0]["name"] == ERASED and after["status"] == record["status"]
    assert experts[0]["name"] not in client.get(f"/api/v1/audit/events?aggregate_id={alliance}&limit=500",
                                                headers=staff).text
    assert ok(client.get("/api/v1/audit/verify", headers=staff))["ok"] is True

    # A party cannot slip in a person it does not hold by id (another alliance's, or made up).
    r = client.post(f"/api/v1/alliances/{alliance}/amendments", headers=w.accounts[ent], json={
        "reason": "更换专家", "changes": {"expert_team": [
            {"name": "冒名", "title": "教授", "employer": "某大学", "speciality": "光学",
             "person_id": "3f0c9e4e-6d1a-4c7e-9a52-2b1f0d8e7a11"}]}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "changes.expert_team[0].person_id", r.text
