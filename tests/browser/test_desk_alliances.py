"""An alliance walked from its joint submission to approval at the desk, with a
reviewer working in a second browser: the board by status; screening with the
eligibility report (every check with its figures); reviewer assignment (one
with a conflict of interest refused); the reviewer declares no conflict, scores
the five criteria with a recommendation and revises a score; the programme
ranks; public notice, an objection dismissed with its reason; approval refused
beyond the programme's budget, then granted within it; a tranche paid, an
inspection's rectification closed, and the alliance terminated with money
recovered (returned to the budget)."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.conftest import no_serious_accessibility_violations, person, shot, sign_in
from tests.http import STAFF_PASSWORD
from tests.roles import agreement, invited, open_program, society
from tests.test_alliances import WAN, declaration, enterprise

TITLE = "高性能光纤传感器联合攻关"


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_an_alliance_from_submission_to_approval_with_a_reviewer(browser, site):
    api, staff, platform = site.api, site.staff, site.platform
    program = open_program(api, staff, platform, budget_fen=25 * WAN)  # 25 万元; 30 万元 requested
    ent, soc = enterprise(api, staff, "鹭岛光纤传感有限公司"), society(api, staff)
    parties = {ent: invited(api, staff, "qiye", "member", organisation_id=ent),
               soc: invited(api, staff, "xuehui", "member", organisation_id=soc)}
    alliance = ok(api.post("/api/v1/alliances", json={"program_id": program, **agreement([ent], [soc])},
                           headers=parties[ent]), 201)["id"]
    for role, party in (("enterprise", ent), ("society", soc)):
        ok(api.post(f"/api/v1/alliances/{alliance}/declarations", headers=parties[party],
                    json=declaration(role, platform.clock.today().year)))
        ok(api.post(f"/api/v1/alliances/{alliance}/signatures", headers=parties[party]))
    ok(api.post(f"/api/v1/alliances/{alliance}/submit", headers=parties[ent]))  # the parties' portal pages do this
    invited(api, staff, "pingshen", "reviewer")
    invited(api, staff, "guanlian", "reviewer", affiliation=ent)  # works for the enterprise

    desk = person(browser, site, desktop=True)
    sign_in(desk, "secretary", STAFF_PASSWORD)
    desk.goto("/portal/desk/alliances")
    expect(desk.locator("[data-status=submitted] li")).to_have_count(1)
    shot(desk, "desk-alliance-board")
    no_serious_accessibility_violations(desk)
    desk.locator("[data-status=submitted]").get_by_role("link", name=TITLE).click()
    expect(desk.locator("#alliance-status")).to_have_text("已申报")

    # Screening: the report is computed and stored with the decision, every check with its figures.
    desk.get_by_label("决定").select_option("pass")
    desk.get_by_role("button", name="科协把关").click()
    expect(desk.locator("#e-screen-reasons")).to_have_text("此项必填")
    desk.get_by_label("审查意见").fill("材料齐全，符合申报条件")
    desk.get_by_role("button", name="科协把关").click()
    expect(desk.locator("#alliance-status")).to_have_text("专家评审中")
    expect(desk.locator("#checks tbody tr").first).to_be_visible()
    assert desk.locator("#checks td.pass").count() == desk.locator("#checks tbody tr").count()
    expect(desk.locator("#checks")).to_contain_text("研发人员")

    # Reviewers: one working for a party is refused, beside the form.
    desk.get_by_label("guanlian").check()
    desk.get_by_role("button", name="分配评审专家").click()
    expect(desk.locator("#e-reviewers-form")).to_contain_text("评审专家所在单位是联盟一方")
    shot(desk, "desk-alliance-conflict")
    desk.get_by_label("guanlian").uncheck()
    desk.get_by_label("pingshen").check()
    desk.get_by_role("button", name="分配评审专家").click()
    expect(desk.locator("#reviewers tbody tr")).to_have_count(1)
    shot(desk, "desk-alliance-screened")
    no_serious_accessibility_violations(desk)

    # The reviewer, in a browser of their own: declaration first, then the five criteria.
    expert = person(browser, site, desktop=True)
    sign_in(expert, "pingshen")
    expert.goto("/portal/desk")
    expect(expert).to_have_url(re.compile("/portal/desk/reviews$"))
    expect(expert.locator("#assigned")).to_contain_text("待声明")
    shot(expert, "desk-reviews")
    expert.get_by_role("link", name=TITLE).click()
    expect(expert.get_by_role("heading", name="无利益冲突声明")).to_be_visible()
    expect(expert.get_by_text("两年内完成样机")).to_have_count(0)  # nothing but title and parties before it
    expert.get_by_role("button", name="声明").click()
    expect(expert.locator("#e-no_conflict")).to_have_text("请勾选声明")
    expert.get_by_label("本人与联盟各方不存在利益冲突").check()
    expert.get_by_role("button", name="声明").click()
    expect(expert.locator(".notice")).to_have_text("已声明，可以评审。")
    expect(expert.get_by_text("两年内完成样机")).to_be_visible()
    for criterion, score in (("创新性", "88"), ("可行性", "82"), ("团队", "90"), ("协作", "85")):
        expert.get_by_label(criterion).fill(score)
    expert.get_by_label("推荐", exact=True).check()
    expert.get_by_role("button", name="提交评分").click()
    expect(expert.locator("#e-score-benefit")).to_have_text("此项必填")
    expert.get_by_label("效益").fill("120")
    expert.get_by_role("button", name="提交评分").click()
    expect(expert.locator("#e-score-benefit")).to_contain_text("100")
    expert.get_by_label("效益").fill("80")
    expert.get_by_label("评审意见").fill("技术路线清晰，企业投入充分")
    expert.get_by_role("button", name="提交评分").click()
    expect(expert.locator(".notice")).to_have_text("评分已保存。")
    expert.get_by_label("创新性").fill("90")  # revisable until the ranking
    expert.get_by_role("button", name="修改评分").click()
    expect(expert.locator(".notice")).to_have_text("评分已保存。")
    expect(expert.get_by_label("创新性")).to_have_value("90.0")
    shot(expert, "desk-review-scored")
    no_serious_accessibility_violations(expert)

    # The programme ranks; the reviewer can no longer change anything.
    desk.reload()
    expect(desk.locator("#reviewers")).to_contain_text("技术路线清晰")
    desk.get_by_role("link", name="到年度计划排序").click()
    desk.get_by_role("button", name="排序（本轮）").click()
    expect(desk.locator(".notice")).to_have_text("排序完成。")
    expect(desk.locator("#standings tbody tr")).to_have_count(1)
    expect(desk.locator("#standings tbody tr")).to_contain_text("是")
    shot(desk, "desk-program-ranked")
    expert.reload()
    expect(expert.get_by_text("评审已结束（已排序），不能再修改。")).to_be_visible()

    # Public notice; an objection raised by the public is dismissed with its reason.
    desk.locator("#standings").get_by_role("link", name=TITLE).click()
    expect(desk.locator("#alliance-status")).to_have_text("推荐立项")
    desk.get_by_role("button", name="开始公示").click()
    expect(desk.locator("#alliance-status")).to_have_text("公示中")
    objection = ok(api.post(f"/api/v1/alliances/{alliance}/objections",
                            json={"grounds": "企业研发人员人数存疑", "contact": "13900000000"}), 201)["id"]
    platform.clock.offset += timedelta(days=8)  # the notice period is over
    desk.reload()
    desk.get_by_label("资助金额（元）").fill("200000")
    desk.get_by_role("button", name="批准立项").click()
    expect(desk.locator("#e-approve-form")).to_contain_text("尚有未处理的异议")
    desk.locator(f"#f-resolve-{objection}-outcome").select_option("dismissed")
    desk.locator(f"#f-resolve-{objection}-reason").fill("经核实研发人员 18 人，符合条件")
    desk.get_by_role("button", name="处理异议").click()
    expect(desk.locator(".objection")).to_contain_text("不成立")

    # Approval: beyond the budget refused beside the amount, within it granted.
    desk.get_by_label("资助金额（元）").fill("300000")
    desk.get_by_role("button", name="批准立项").click()
    expect(desk.locator("#approval .error:not([hidden])")).to_contain_text("预算")
    shot(desk, "desk-alliance-budget-refused")
    desk.get_by_label("资助金额（元）").fill("200000")
    desk.get_by_role("button", name="批准立项").click()
    expect(desk.locator("#alliance-status")).to_have_text("实施中")
    expect(desk.locator("#approval")).to_contain_text("¥200,000.00")
    shot(desk, "desk-alliance-approved")
    desk.goto(f"/portal/desk/programs/{program}")
    expect(desk.locator("#remaining")).to_have_text("¥50,000.00")

    # After approval: a tranche paid, an inspection with a rectification closed, then terminated with
    # money recovered (what was not paid, and what is recovered, returns to the budget).
    desk.goto(f"/portal/desk/alliances/{alliance}")
    desk.get_by_label("金额（元）").fill("100000")
    desk.get_by_role("button", name="拨付").click()
    expect(desk.locator("#money")).to_contain_text("¥100,000.00")
    desk.locator("summary", has_text="记录检查评估").click()
    desk.get_by_label("检查日期").fill(platform.clock.today().isoformat())
    desk.get_by_label("评估结论").select_option("fair")
    desk.get_by_label("检查人员").fill("李处长、王科长")
    desk.get_by_label("检查发现").fill("专账支出凭证不全")
    desk.get_by_label("整改期限（选填）").fill((platform.clock.today() + timedelta(days=30)).isoformat())
    desk.locator("#inspections").get_by_role("button", name="记录检查评估").click()
    expect(desk.locator(".inspection")).to_contain_text("整改中")
    desk.locator(".inspection textarea").fill("已补齐凭证")
    desk.get_by_role("button", name="整改完成").click()
    expect(desk.locator(".inspection")).to_contain_text("已完成")
    desk.get_by_label("理由", exact=True).last.fill("企业经营困难，无法继续")
    desk.get_by_label("追回资金（元）").fill("20000")
    desk.get_by_role("button", name="终止联盟").click()
    expect(desk.locator("#alliance-status")).to_have_text("已终止")
    shot(desk, "desk-alliance-terminated")
    desk.goto(f"/portal/desk/programs/{program}")
    expect(desk.locator("#remaining")).to_have_text("¥170,000.00")
    platform.clock.offset = timedelta(0)
