"""A salon at the desk: scheduled on its form (an error beside its field first),
twenty organisations registered and a waitlist moved with its reason; then, at
the door on a tablet, twenty attendees checked in — ten by their QR codes (as a
hand-held scanner types the code's link into the scan field; the camera path,
the browser's BarcodeDetector, cannot be driven headless, so the test sends the
same link the camera would read), ten by searching their names — each shown at
once, and the tally at 20 of 20."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

from playwright.sync_api import expect

from api.pages.sessions import checkin_token
from tests.browser.conftest import no_serious_accessibility_violations, person, shot, sign_in
from tests.factories import application
from tests.http import STAFF_PASSWORD

TITLE = "专精特新企业融资对接小集会"


def admitted(site) -> str:
    org = site.api.post("/api/v1/members", json=application()).json()["id"]
    assert site.api.post(f"/api/v1/members/{org}/admit", json={}, headers=site.staff).status_code == 200
    return org


def test_a_salon_scheduled_and_twenty_attendees_checked_in_at_the_door(browser, site):
    clock = site.platform.clock
    page = person(browser, site, desktop=True)
    sign_in(page, "secretary", STAFF_PASSWORD)
    page.goto("/portal/desk/sessions")
    shot(page, "desk-sessions")
    page.get_by_role("link", name="安排活动").click()
    shot(page, "desk-session-new")
    no_serious_accessibility_violations(page)

    starts = (clock.now() + timedelta(days=10)).astimezone(site.platform.settings.time_zone).replace(
        hour=14, minute=0, second=0, microsecond=0)
    stamp = "%Y-%m-%dT%H:%M"
    page.get_by_label("活动名称").fill(TITLE)
    page.get_by_label("地点").fill("协会三楼会议室")
    page.get_by_label("开始时间").fill(starts.strftime(stamp))
    page.get_by_label("结束时间").fill((starts - timedelta(hours=1)).strftime(stamp))  # before the start
    page.get_by_label("报名截止").fill((starts - timedelta(days=1)).strftime(stamp))
    page.get_by_role("button", name="安排").click()
    expect(page.locator("#e-ends_at")).to_contain_text("结束时间须晚于开始时间")
    page.get_by_label("结束时间").fill((starts + timedelta(hours=2)).strftime(stamp))
    page.get_by_role("button", name="安排").click()
    expect(page.locator(".notice")).to_have_text("活动已安排。")
    session = re.search(r"/sessions/([0-9a-f-]{36})", page.url)[1]

    # Twenty organisations fill the salon's twenty seats (through the API: members register themselves in
    # the portal, tests/browser/test_session_pages.py), two more wait.
    orgs = [admitted(site) for _ in range(22)]
    for i, org in enumerate(orgs):
        r = site.api.post(f"/api/v1/sessions/{session}/registrations", headers=site.staff,
                          json={"organisation_id": org, "attendees": [{"name": f"参会人{i + 1:02d}"}]})
        assert r.status_code == 201, r.text
    page.reload()
    expect(page.locator("#h-confirmed .count")).to_have_text("20")
    expect(page.locator("#h-waitlist .count")).to_have_text("2")

    # The second on the waitlist goes first, with the reason recorded.
    second = orgs[21]
    page.locator(f"#f-move-{second}-to_position").fill("1")
    page.locator(f"#f-move-{second}-reason").fill("理事单位推荐，优先候补")
    page.locator(f"form[action$='/waitlist/{second}/move']").get_by_role("button").click()
    expect(page.locator(".notice")).to_have_text("已完成。")
    expect(page.locator("#waitlist tbody tr").first.locator("a")).to_have_attribute(
        "href", f"/portal/desk/members/{second}")
    expect(page.get_by_text("调整候补顺序：2 → 1 · 理事单位推荐，优先候补")).to_be_visible()
    shot(page, "desk-session-roster")
    no_serious_accessibility_violations(page)

    # Half an hour before the start, a tablet at the door.
    clock.offset += starts - clock.now() - timedelta(minutes=30)
    door = person(browser, site)  # a tablet held upright: the narrow layout
    door.set_viewport_size({"width": 800, "height": 1100})
    sign_in(door, "secretary", STAFF_PASSWORD)
    door.goto(f"/portal/desk/sessions/{session}/check-in")
    expect(door.locator("#tally")).to_have_text("已签到 0 / 20 人")
    shot(door, "desk-door")
    no_serious_accessibility_violations(door)

    # Ten by their QR codes: the code's link, as the portal shows it to the member.
    signer = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(platform=site.platform)))
    for i, org in enumerate(orgs[:10]):
        link = f"{site.url}/portal/check-in/{checkin_token(signer, session, org, 0)}"
        door.get_by_label("扫码签到").fill(link)
        door.get_by_label("扫码签到").press("Enter")
        expect(door.locator("#last-check-in")).to_have_text(re.compile(f"已签到：参会人{i + 1:02d}"))
    expect(door.locator("#tally")).to_have_text("已签到 10 / 20 人")
    # A forged code is no code.
    door.get_by_label("扫码签到").fill(f"{site.url}/portal/check-in/{checkin_token(signer, session, orgs[10], 0)}x")
    door.get_by_label("扫码签到").press("Enter")
    expect(door.locator("#e-code")).to_have_text("二维码无效。")
    shot(door, "desk-door-qr")

    # Ten by name.
    for i in range(10, 20):
        name = f"参会人{i + 1:02d}"
        door.get_by_label("搜索姓名或单位").fill(name)
        door.get_by_role("button", name="搜索").click()
        door.get_by_role("button", name=f"确认签到：{name}").click()
        expect(door.locator("#last-check-in")).to_contain_text(f"已签到：{name}")
        expect(door.locator(".people li.in")).to_have_count(1)
    expect(door.locator("#tally")).to_have_text("已签到 20 / 20 人")
    shot(door, "desk-door-done")

    page.reload()
    expect(page.locator("dl.facts")).to_contain_text("20 · 缺席 0")
    shot(page, "desk-session-after")
    page.get_by_role("link", name="活动", exact=True).click()
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    expect(page.locator("tbody tr").first).to_contain_text("20/20")
    shot(page, "desk-sessions-filled")
    clock.offset = timedelta(0)
