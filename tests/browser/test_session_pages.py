"""A salon of 2 seats fills up; the third enterprise is waitlisted; one cancels;
the third is confirmed — seen by three member accounts in three browsers, each
page showing it (the third's without a reload). Then an attendee is
substituted, checked in at the door with the QR code, and the organisation
gives its feedback after the salon."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.conftest import no_serious_accessibility_violations, person, shot, sign_in
from tests.factories import application
from tests.http import STAFF_PASSWORD
from tests.roles import invited

TITLE = "企业科协建设小集会（第 3 期）"


def member_organisation(site, username: str) -> str:
    org = site.api.post("/api/v1/members", json=application()).json()["id"]
    assert site.api.post(f"/api/v1/members/{org}/admit", json={}, headers=site.staff).status_code == 200
    invited(site.api, site.staff, username, "member", organisation_id=org)
    return org


def test_three_members_register_for_a_salon_of_two_seats(browser, site):
    # The secretariat schedules a salon of two seats (no staff pages yet: the API).
    starts = site.platform.clock.now() + timedelta(days=10)
    response = site.api.post("/api/v1/sessions", headers=site.staff, json={
        "kind": "salon", "title": TITLE, "topic": "企业科协如何组建与运行", "capacity": 2,
        "seats_per_organisation": 2, "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(), "venue": "协会三楼会议室",
        "registration_closes_at": (starts - timedelta(days=1)).isoformat()})
    assert response.status_code == 201, response.text
    names = ["alpha", "beta", "gamma"]
    orgs = [member_organisation(site, name) for name in names]
    pages = [person(browser, site) for _ in names]

    for i, (page, name) in enumerate(zip(pages, names, strict=True)):
        sign_in(page, name)
        page.get_by_role("link", name="活动日历").first.click()
        if i == 0:
            page.get_by_label("活动类型").select_option("salon")
            page.get_by_role("button", name="筛选").click()
            expect(page).to_have_url(re.compile(r"kind=salon"))
            shot(page, "sessions-calendar")
            no_serious_accessibility_violations(page)
        page.get_by_role("link", name=TITLE).click()
        if i == 0:
            # Sent without a name: the error is beside the field.
            page.get_by_role("button", name="报名").click()
            expect(page.locator("#e-attendees-0-name")).to_have_text("此项必填")
        page.get_by_label("姓名").first.fill(f"{name} 经理")
        page.get_by_label("手机").first.fill("13800000001")
        page.get_by_role("button", name="报名").click()
        expect(page.locator(".notice")).to_have_text("报名成功。")

    expect(pages[0].locator("[data-status]")).to_have_text("已确认参会")
    expect(pages[1].locator("[data-status]")).to_have_text("已确认参会")
    expect(pages[2].locator("[data-status]")).to_have_text("候补第 1 位")
    expect(pages[2].get_by_role("img", name=re.compile("签到二维码"))).to_have_count(0)
    shot(pages[2], "session-waitlisted")
    no_serious_accessibility_violations(pages[2])

    # The first cancels: the head of the waitlist takes the seat, and the third's open page says so.
    pages[0].get_by_role("button", name="取消报名").click()
    expect(pages[0].locator(".notice")).to_have_text("报名已取消。")
    expect(pages[2].locator("[data-status]")).to_have_text("已确认参会", timeout=15_000)
    expect(pages[2].get_by_role("img", name=re.compile("签到二维码"))).to_have_count(1)
    shot(pages[0], "session-cancelled")
    shot(pages[2], "session-promoted")
    pages[1].reload()
    expect(pages[1].locator("#registration-status .meta")).to_contain_text("2/2")

    # A QR code per attendee, signed: it opens the check-in page, nothing else.
    qr = pages[1].get_by_role("img", name=re.compile("签到二维码"))
    expect(qr).to_have_count(1)
    svg = pages[1].request.get(qr.get_attribute("src"))
    assert svg.ok and svg.headers["content-type"].startswith("image/svg+xml")

    # The second substitutes its attendee before the salon.
    pages[1].locator("summary", has_text="更换参会人").click()
    pages[1].get_by_label("新参会人 · 姓名").fill("beta 副经理")
    pages[1].get_by_role("button", name="更换参会人").click()
    expect(pages[1].locator(".notice")).to_have_text("参会人已更换。")
    expect(pages[1].locator(".attendees")).to_contain_text("beta 副经理")
    link = pages[1].locator("figure.qr").first.get_attribute("data-checkin")
    shot(pages[1], "session-confirmed-qr")

    # Half an hour before the start, the secretariat scans the code at the door.
    site.platform.clock.offset = starts - site.platform.clock.now() + site.platform.clock.offset - timedelta(minutes=30)
    door = person(browser, site)
    sign_in(door, "secretary", STAFF_PASSWORD)
    door.goto(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))  # a forged code is no code at all
    expect(door.get_by_role("heading", level=1)).to_have_text("出错了")
    door.goto(link)
    expect(door.get_by_text("beta 副经理")).to_be_visible()
    door.get_by_role("button", name="确认签到").click()
    expect(door.locator(".notice")).to_have_text("已签到。")
    shot(door, "check-in")

    # After the salon, the organisation that attended gives its feedback.
    site.platform.clock.offset += timedelta(hours=3)
    pages[1].reload()
    pages[1].get_by_label("满意度（1–5）").select_option("5")
    pages[1].get_by_label("意见建议").fill("案例很实用，希望多办")
    pages[1].get_by_role("button", name="提交").click()
    expect(pages[1].locator(".notice")).to_have_text("感谢评价。")
    shot(pages[1], "session-feedback")

    # The organisation's own page counts it.
    pages[1].goto(f"/portal/organisations/{orgs[1]}")
    expect(pages[1].get_by_text(TITLE)).to_be_visible()
    site.platform.clock.offset = timedelta(0)
