"""The auditor: reads everything and changes nothing. Signed in in a browser of
their own, the auditor opens every desk page — the workbench, applications, the
roster, an organisation with its timeline, sessions, a session's roster, the
alliance board, an alliance, a programme, the audit log (filtered, exported),
the verification with its result, the anchors, the figures (exported, printable)
— and no page shows a form that writes (signing out is the one POST form); the
pages that write answer 403."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from projections.chain import anchor_platform
from tests.browser.conftest import no_serious_accessibility_violations, person, shot, sign_in
from tests.roles import agreement, invited, open_program, society
from tests.test_alliances import enterprise


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_an_auditor_reads_the_log_verifies_and_can_change_nothing(browser, site):
    api, staff, platform = site.api, site.staff, site.platform
    org = enterprise(api, staff, "鹭岛审计样本科技有限公司")
    ok(api.post(f"/api/v1/members/{org}/dues", json={"year": platform.clock.today().year, "amount_fen": 300_000},
                headers=staff))
    starts = platform.clock.now() + timedelta(days=3)
    session = ok(api.post("/api/v1/sessions", headers=staff, json={
        "kind": "training", "title": "小灶班：研发费用加计扣除", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(), "venue": "协会培训室", "capacity": 30,
        "registration_closes_at": (starts - timedelta(days=1)).isoformat()}), 201)["id"]
    ok(api.post(f"/api/v1/sessions/{session}/registrations", headers=staff,
                json={"organisation_id": org, "attendees": [{"name": "王工"}]}), 201)
    program = open_program(api, staff, platform)
    alliance = ok(api.post("/api/v1/alliances", headers=staff,
                           json={"program_id": program, **agreement([org], [society(api, staff)])}), 201)["id"]
    invited(api, staff, "shenji", "auditor")

    page = person(browser, site, desktop=True)
    sign_in(page, "shenji")
    opened: list[str] = []

    def visit(path: str, name: str, *, check_a11y: bool = False) -> None:
        page.goto(path)
        expect(page.locator(".read-only")).to_contain_text("只读")
        writes = page.locator("form[method=post]:not([action$='/portal/logout'])")
        assert writes.count() == 0, f"{path}: {writes.count()} forms that write"
        assert page.locator("form[method=post][action$='/portal/logout']").count() == 1
        shot(page, f"desk-auditor-{name}")
        if check_a11y:
            no_serious_accessibility_violations(page)
        opened.append(path)

    visit("/portal/desk", "dashboard")
    visit("/portal/desk/applications", "applications")
    visit("/portal/desk/members", "roster")
    visit(f"/portal/desk/members/{org}", "member", check_a11y=True)
    expect(page.locator(".timeline")).to_contain_text("缴纳")
    expect(page.get_by_text("秘书处操作")).to_have_count(0)
    visit(f"/portal/desk/members/{org}?context=sessions", "member-sessions")
    expect(page.locator(".timeline")).to_contain_text("小灶班：研发费用加计扣除")
    visit("/portal/desk/sessions", "sessions")
    visit(f"/portal/desk/sessions/{session}", "session")
    expect(page.get_by_role("link", name="签到台")).to_have_count(0)
    visit("/portal/desk/alliances", "board")
    visit(f"/portal/desk/alliances/{alliance}", "alliance")
    visit(f"/portal/desk/programs/{program}", "program")
    visit("/portal/desk/figures", "figures", check_a11y=True)
    export = page.request.get("/portal/desk/figures/export")
    assert export.ok and export.headers["content-type"].startswith("application/vnd.openxmlformats")

    # The global log: filtered by type, exported with the same filter.
    visit("/portal/desk/audit", "audit-log", check_a11y=True)
    expect(page.locator("#log tbody tr").first).to_be_visible()
    page.get_by_label("事件类型").fill("DuesPaid")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#log tbody tr")).to_have_count(1)
    expect(page.locator("#log")).to_contain_text("缴纳")
    csv = page.request.get(page.get_by_role("link", name="导出 CSV").get_attribute("href"))
    assert csv.ok and csv.text().count("DuesPaid") == 1
    shot(page, "desk-auditor-audit-filtered")

    # Verification, its result shown; the anchors (one more published now).
    anchor_platform(platform, force=True)
    page.get_by_role("link", name="校验记录完整性").click()
    expect(page.locator("#verify-result")).to_contain_text("校验通过")
    expect(page.locator("#anchors tbody tr")).not_to_have_count(0)
    visit("/portal/desk/audit/verify", "verify", check_a11y=True)

    # What writes is not the auditor's: refused, and nothing to click anyway.
    for path in ("/portal/desk/members/import", "/portal/desk/sessions/new",
                 f"/portal/desk/sessions/{session}/check-in"):
        assert page.request.get(path).status == 403, path
    refused = page.request.post(f"/portal/desk/members/{org}/act/suspend", form={"suspend-reason": "x"})
    assert refused.status == 403
    assert len(opened) >= 13
    assert re.search(r"正式会员", page.goto(f"/portal/desk/members/{org}").text())
