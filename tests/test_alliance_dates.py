"""Alliance decisions keep the day they took effect (issue 22): an approval entered later,
a wrong day corrected by an event of its own, the register read by those days, as known
at any instant; and a missed rectification deadline flagged once."""

import time
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from tests.roles import agreement, open_program, society
from tests.test_alliances import WAN, World, declaration, enterprise, reviewer
from workers.scheduler import tick


def in_notice(client, staff, platform, name="日期公司", username="riqi"):
    """An alliance through review and ranking, its public notice started today (7 days)."""
    w = World(client, staff, platform)
    program = open_program(client, staff, platform)
    ent, soc = enterprise(client, staff, name), society(client, staff)
    w.member(ent, username)
    w.member(soc, f"{username}_xh")
    alliance = w.alliance(program, [ent], [soc])
    w.post(f"/api/v1/alliances/{alliance}/screening", {"decision": "pass", "reasons": "材料齐全"})
    w.review(alliance, [reviewer(client, staff, f"{username}_zj")], 90, True)
    w.post(f"/api/v1/programs/{program}/ranking")
    w.post(f"/api/v1/alliances/{alliance}/public-notice")
    return w, alliance, ent


def status_on(w, day, **extra):
    query = "&".join(f"{k}={v}" for k, v in {"as_of": day.isoformat(), **extra}.items())
    return {a["id"]: a["status"] for a in w.get(f"/api/v1/alliances?{query}")["items"]}


def test_an_approval_entered_later_keeps_its_day_and_a_wrong_day_is_corrected(client, staff, platform):
    w, alliance, ent = in_notice(client, staff, platform)
    notice_ends = date.today() + timedelta(days=7)  # recorded today, by the store's clock
    platform.clock.offset = timedelta(days=9)
    too_early = client.post(f"/api/v1/alliances/{alliance}/approval", headers=staff,
                            json={"granted_fen": 10 * WAN,
                                  "approved_on": (notice_ends - timedelta(days=1)).isoformat()})
    assert too_early.status_code == 422 and too_early.json()["errors"][0]["field"] == "approved_on"
    future = client.post(f"/api/v1/alliances/{alliance}/approval", headers=staff,
                         json={"granted_fen": 10 * WAN, "approved_on": (date.today() + timedelta(days=30)).isoformat()})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "approved_on"
    w.post(f"/api/v1/alliances/{alliance}/approval", {"granted_fen": 10 * WAN, "approved_on": notice_ends.isoformat()})

    assert w.get(f"/api/v1/alliances/{alliance}")["approved_on"] == notice_ends.isoformat()
    # The register reads the day the decision took effect, not the day it was typed in.
    assert status_on(w, notice_ends)[alliance] == "in_progress"
    assert status_on(w, notice_ends - timedelta(days=1))[alliance] == "in_public_notice"

    time.sleep(0.01)
    before_correction = quote(datetime.now(UTC).isoformat())
    time.sleep(0.01)
    w.post(f"/api/v1/alliances/{alliance}/date-corrections",
           {"what": "approved", "on": (notice_ends + timedelta(days=1)).isoformat(), "reason": "会议纪要日期为次日"})
    assert status_on(w, notice_ends)[alliance] == "in_public_notice"
    assert status_on(w, notice_ends + timedelta(days=1))[alliance] == "in_progress"
    # What the register said before the correction, about that day.
    assert status_on(w, notice_ends, known_as_of=before_correction)[alliance] == "in_progress"
    assert status_on(w, notice_ends, known_as_of=quote("2020-01-01T00:00:00+00:00")) == {}
    # The correction is on every party's history, in Chinese, with its reason.
    history = w.get(f"/api/v1/members/{ent}/history?limit=200")["items"]
    corrected = [i["summary"] for i in history if i["type"] == "DateCorrected"]
    assert corrected and "更正批准日期" in corrected[0] and "会议纪要日期为次日" in corrected[0]

    # Nothing to correct, the same day again, or a day in the future: refused, nothing recorded.
    head = platform.runner.head()
    w.refused(f"/api/v1/alliances/{alliance}/date-corrections",
              {"what": "terminated", "on": notice_ends.isoformat(), "reason": "x"}, "not_found")
    same = client.post(f"/api/v1/alliances/{alliance}/date-corrections", headers=staff, json={
        "what": "approved", "on": (notice_ends + timedelta(days=1)).isoformat(), "reason": "再次"})
    assert same.status_code == 422 and same.json()["errors"][0]["field"] == "on"
    other = client.post(f"/api/v1/alliances/{alliance}/date-corrections", headers=w.accounts[ent], json={
        "what": "approved", "on": notice_ends.isoformat(), "reason": "企业想改"})
    assert other.status_code == 403
    assert platform.runner.head() == head


def test_a_missed_rectification_deadline_is_flagged_once_and_shown(client, staff, platform):
    w, alliance, ent = in_notice(client, staff, platform, name="整改公司", username="zhenggai")
    platform.clock.offset = timedelta(days=8)
    w.post(f"/api/v1/alliances/{alliance}/approval", {"granted_fen": 10 * WAN})
    due = platform.clock.today() + timedelta(days=30)
    w.post(f"/api/v1/alliances/{alliance}/inspections", {
        "inspected_on": platform.clock.today().isoformat(), "inspectors": ["赵专家"], "findings": "台账不全",
        "rating": "fair", "rectification_due_on": due.isoformat()})
    inspection = w.get(f"/api/v1/alliances/{alliance}")["inspections"][0]["id"]
    platform.runner.catch_up()
    assert tick(platform)["flag_overdue_rectifications"] == 0  # not yet due
    platform.clock.offset += timedelta(days=31)
    assert tick(platform)["flag_overdue_rectifications"] == 1
    assert tick(platform)["flag_overdue_rectifications"] == 0  # once
    w.staff = staff
    record = w.get(f"/api/v1/alliances/{alliance}")
    assert record["rectifications"][inspection]["overdue"] is True
    assert any(h["event"] == "rectification_overdue" for h in record["history"])
    summaries = [i["summary"] for i in w.get(f"/api/v1/members/{ent}/history?limit=200")["items"]]
    assert any("整改逾期" in s and due.isoformat() in s for s in summaries)
    # Closing it late still closes it.
    w.post(f"/api/v1/alliances/{alliance}/rectifications/{inspection}/closure", {"note": "已补齐台账"})
    assert w.get(f"/api/v1/alliances/{alliance}")["rectifications"][inspection]["status"] == "closed"


def test_a_paper_signature_and_a_paper_report_keep_the_days_they_were_made(client, staff, platform):
    w = World(client, staff, platform)
    program = open_program(client, staff, platform)
    ent, soc = enterprise(client, staff, "纸质公司"), society(client, staff)
    w.member(ent, "zhizhi")
    w.member(soc, "zhizhi_xh")
    body = {"program_id": program, **agreement([ent], [soc])}
    alliance = w.post("/api/v1/alliances", body, w.accounts[ent], 201)["id"]
    for role, party in (("enterprise", ent), ("society", soc)):
        w.post(f"/api/v1/alliances/{alliance}/declarations", declaration(role, platform.clock.today().year),
               w.accounts[party])
    today = platform.clock.today()
    on_paper = today - timedelta(days=3)
    signatures = f"/api/v1/alliances/{alliance}/signatures"

    # A party signs online, dated the day it is recorded; only the secretariat enters a paper
    # signature's day, naming the party, and never a day to come. Refusals record nothing.
    head = platform.runner.head()
    for who, body, field in ((w.accounts[ent], {"signed_on": on_paper.isoformat()}, "signed_on"),
                             (staff, {"signed_on": on_paper.isoformat()}, "party_id"),
                             (staff, {"party_id": soc, "signed_on": (today + timedelta(days=1)).isoformat()},
                              "signed_on")):
        refused = client.post(signatures, headers=who, json=body)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field, refused.text
    assert platform.runner.head() == head

    w.post(signatures, {"party_id": soc, "signed_on": on_paper.isoformat()})
    w.post(signatures, who=w.accounts[ent])
    record = w.get(f"/api/v1/alliances/{alliance}")
    assert record["signed_on"] == {soc: on_paper.isoformat(), ent: today.isoformat()}
    paper = [h for h in record["history"] if h["event"] == "signed" and h["party_id"] == soc]
    assert paper[0]["effective_on"] == on_paper.isoformat()
    summaries = [i["summary"] for i in w.get(f"/api/v1/members/{soc}/history?limit=200")["items"]]
    assert any(f"纸质签署于 {on_paper.isoformat()}" in s for s in summaries)


def test_a_paper_report_keeps_the_day_it_was_received(client, staff, platform):
    w, alliance, ent = in_notice(client, staff, platform, name="报告公司", username="baogao")
    platform.clock.offset = timedelta(days=8)
    w.post(f"/api/v1/alliances/{alliance}/approval", {"granted_fen": 10 * WAN})
    received = platform.clock.today() - timedelta(days=5)
    report = {"kind": "annual", "year": 2027, "spending_fen": 5 * WAN, "outcomes": "样机设计完成",
              "progress": [{"task": "样机研制", "status": "in_progress"}]}
    reports = f"/api/v1/alliances/{alliance}/reports"
    own = client.post(reports, headers=w.accounts[ent], json={**report, "received_on": received.isoformat()})
    assert own.status_code == 422 and own.json()["errors"][0]["field"] == "received_on"
    future = client.post(reports, headers=staff,
                         json={**report, "received_on": (platform.clock.today() + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "received_on"

    rid = w.post(reports, {**report, "received_on": received.isoformat()}, status=201)["id"]
    record = w.get(f"/api/v1/alliances/{alliance}")
    assert record["reports"][rid]["versions"][0]["received_on"] == received.isoformat()
    filed = [h for h in record["history"] if h["event"] == "report_filed"]
    assert filed[0]["effective_on"] == received.isoformat() and filed[0]["actor"]["role"] == "staff"
    summaries = [i["summary"] for i in w.get(f"/api/v1/members/{ent}/history?limit=200")["items"]]
    assert any(f"纸质报告 {received.isoformat()} 收到" in s for s in summaries)
