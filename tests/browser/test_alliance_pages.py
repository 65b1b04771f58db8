"""An alliance's parties at work: the lead enterprise edits the agreement (a new
version), both parties sign, they submit jointly; the secretariat screens,
has it reviewed, publishes the notice and approves it (through the API until
the staff pages exist); the enterprise files an annual report, which is
returned and resubmitted — each step seen on the parties' own pages."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.conftest import no_serious_accessibility_violations, person, shot, sign_in
from tests.roles import agreement, invited, open_program, society
from tests.test_alliances import WAN, declaration, enterprise, reviewer

TITLE = "高性能光纤传感器联合攻关"


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def settled(site, answer) -> None:
    """The staff's command (through the API) is in every view before a page is read again."""
    ok(site.api.get("/api/v1/auth/me", params={"min_position": answer["position"]}, headers=site.staff))


def test_parties_edit_sign_submit_and_file_a_returned_report_again(browser, site):
    api, staff, platform = site.api, site.staff, site.platform
    program = open_program(api, staff, platform)
    ent, soc = enterprise(api, staff, "鹭岛光纤传感有限公司"), society(api, staff)
    accounts = {ent: invited(api, staff, "qiye", "member", organisation_id=ent),
                soc: invited(api, staff, "xuehui", "member", organisation_id=soc)}
    alliance = ok(api.post("/api/v1/alliances", json={"program_id": program, **agreement([ent], [soc])},
                           headers=accounts[ent]), 201)["id"]
    for role, party in (("enterprise", ent), ("society", soc)):  # declarations have no page yet
        ok(api.post(f"/api/v1/alliances/{alliance}/declarations", headers=accounts[party],
                    json=declaration(role, platform.clock.today().year)))

    # The lead enterprise edits the agreement: a new version.
    lead = person(browser, site)
    sign_in(lead, "qiye")
    lead.get_by_role("link", name="我的联盟").first.click()
    lead.get_by_role("link", name=TITLE).click()
    expect(lead.locator("#alliance-status")).to_have_text("草稿")
    shot(lead, "alliance-draft")
    no_serious_accessibility_violations(lead)
    lead.get_by_role("link", name="修改协议书").click()
    lead.get_by_label("合作目标").fill("一年内完成样机，两年内实现小批量生产并形成行业标准草案")
    lead.get_by_label("申请资助（元）").fill("三十万")
    lead.get_by_role("button", name="保存").click()
    expect(lead.locator("#e-requested")).to_contain_text("请填写金额")
    expect(lead.get_by_label("合作目标")).to_have_value("一年内完成样机，两年内实现小批量生产并形成行业标准草案")
    shot(lead, "agreement-errors")
    no_serious_accessibility_violations(lead)
    lead.get_by_label("申请资助（元）").fill("300000")
    lead.get_by_role("button", name="保存").click()
    expect(lead.locator(".notice")).to_have_text("协议书已保存为新版本。")
    expect(lead.get_by_role("heading", name="协议书第 2 版").first).to_be_visible()
    expect(lead.get_by_text("形成行业标准草案")).to_be_visible()

    # It signs; submitting alone is refused, with the reason beside the button.
    lead.get_by_role("button", name="签署当前版本").click()
    expect(lead.locator(".notice")).to_have_text("已签署。")
    lead.get_by_role("button", name="联合申报").click()
    expect(lead.locator("#e-submit")).not_to_be_empty()
    shot(lead, "alliance-submit-refused")

    # The society signs and submits, on a desktop.
    partner = person(browser, site, desktop=True)
    sign_in(partner, "xuehui")
    partner.goto(f"/portal/alliances/{alliance}")
    partner.get_by_role("button", name="签署当前版本").click()
    expect(partner.locator(".notice")).to_have_text("已签署。")
    partner.get_by_role("button", name="联合申报").click()
    expect(partner.locator(".notice")).to_have_text("已联合申报。")
    expect(partner.locator("#alliance-status")).to_have_text("已申报")
    shot(partner, "alliance-submitted-desktop")

    # The secretariat: screening, one expert's review, ranking, public notice, approval, a payment.
    ok(api.post(f"/api/v1/alliances/{alliance}/screening", json={"decision": "pass", "reasons": "符合条件"},
                headers=staff))
    expert_id, expert = reviewer(api, staff, "zhuanjia")
    ok(api.post(f"/api/v1/alliances/{alliance}/reviewers", json={"reviewer_ids": [expert_id]}, headers=staff))
    ok(api.post(f"/api/v1/alliances/{alliance}/declaration", json={"no_conflict": True}, headers=expert))
    scores = dict.fromkeys(("innovation", "feasibility", "team", "collaboration", "benefit"), 88)
    ok(api.post(f"/api/v1/alliances/{alliance}/reviews", headers=expert,
                json={"scores": scores, "recommend": True, "comment": "专家意见：方案可行"}))
    ok(api.post(f"/api/v1/programs/{program}/ranking", headers=staff))
    settled(site, ok(api.post(f"/api/v1/alliances/{alliance}/public-notice", headers=staff)))
    lead.reload()
    expect(lead.locator("#alliance-status")).to_have_text("公示中")
    expect(lead.locator("main")).not_to_contain_text("zhuanjia")  # parties never learn who reviewed them
    expect(lead.locator("main")).not_to_contain_text("专家意见")
    platform.clock.offset = timedelta(days=8)
    ok(api.post(f"/api/v1/alliances/{alliance}/approval", json={"granted_fen": 25 * WAN}, headers=staff))
    settled(site, ok(api.post(f"/api/v1/alliances/{alliance}/payments", headers=staff,
                              json={"amount_fen": 10 * WAN, "paid_on": "2027-01-10"})))

    # The enterprise files its annual report: a year outside the agreement is refused beside the field.
    lead.reload()
    expect(lead.locator("#alliance-status")).to_have_text("实施中")
    expect(lead.locator("#h-pay + p")).to_contain_text("250,000.00")
    expect(lead.get_by_text("2027-01-10 · ¥100,000.00")).to_be_visible()
    lead.locator("summary", has_text="提交报告").click()
    lead.get_by_label("报告类型").select_option("annual")
    lead.get_by_label("年度").fill("2031")
    lead.get_by_label("进展").first.select_option("done")
    lead.get_by_label("专账支出（元）").fill("120000")
    lead.get_by_label("成果（专利、产品、培养人才、收入）").fill("申请发明专利 2 项")
    lead.get_by_role("button", name="提交").click()
    expect(lead.locator("#e-year")).to_contain_text("协议期")
    lead.get_by_label("年度").fill("2027")
    lead.get_by_role("button", name="提交").click()
    expect(lead.locator(".notice")).to_have_text("报告已提交。")
    expect(lead.locator("[data-report='annual-2027']")).to_contain_text("已提交")

    # Returned by the secretariat, with the reasons; resubmitted.
    report = next(iter(ok(api.get(f"/api/v1/alliances/{alliance}", headers=staff))["reports"]))
    settled(site, ok(api.post(f"/api/v1/alliances/{alliance}/reports/{report}/return", headers=staff,
                              json={"reasons": "经费支出明细不全"})))
    lead.reload()
    expect(lead.locator("[data-report='annual-2027']")).to_contain_text("已退回")
    expect(lead.locator("[data-report='annual-2027']")).to_contain_text("经费支出明细不全")
    shot(lead, "report-returned")
    no_serious_accessibility_violations(lead)
    lead.get_by_label("年度").fill("2027")
    lead.get_by_label("专账支出（元）").fill("120000")
    lead.get_by_label("成果（专利、产品、培养人才、收入）").fill("申请发明专利 2 项；支出明细见附表")
    lead.get_by_role("button", name="提交").click()
    expect(lead.locator(".notice")).to_have_text("报告已提交。")
    expect(lead.locator("[data-report='annual-2027']")).to_contain_text("v2")
    expect(lead.locator("[data-report='annual-2027']")).to_contain_text("已提交")
    shot(lead, "report-resubmitted")

    # The approved agreement is frozen: a later end date is an amendment request.
    lead.locator("summary", has_text="申请变更").click()
    lead.get_by_label("结束日期").fill("2029-06-30")
    lead.get_by_role("button", name="提交").last.click()
    expect(lead.locator("#e-amend-reason")).to_have_text("此项必填")
    lead.get_by_label("变更理由").fill("样机测试周期延长")
    lead.get_by_role("button", name="提交").last.click()
    expect(lead.locator(".notice")).to_have_text("变更申请已提交。")
    expect(lead.locator("#amendments")).to_contain_text("待审批")
    platform.clock.offset = timedelta(0)
