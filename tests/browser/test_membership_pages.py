"""An enterprise applies on the public form, the secretariat admits it (through
the API until the staff pages exist) and invites its contact; the account
accepts, signs in, keeps its organisation's profile and figures, reads its
history, changes its password, and reads the portal in English."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, no_serious_accessibility_violations, person, shot, sign_in
from tests.factories import credit_code, with_wrong_check_digit

NAME = "厦门鹭岛光电科技有限公司"


def test_an_enterprise_applies_is_admitted_invited_and_keeps_its_profile(browser, site):
    page = person(browser, site)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/portal/?$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    shot(page, "home-anonymous")
    no_serious_accessibility_violations(page)

    # The public application form: the credit code is checked as it is typed.
    page.get_by_role("link", name="申请入会").first.click()
    code = credit_code()
    page.get_by_label("统一社会信用代码").fill(with_wrong_check_digit(code))
    expect(page.locator("#e-credit_code")).to_contain_text("校验位错误")
    # Sent half filled in: each error beside its field, in Chinese, and what was typed is kept.
    page.get_by_label("单位名称").fill(NAME)
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#e-sector")).to_have_text("此项必填")
    expect(page.locator("#e-contacts-0-name")).to_have_text("此项必填")
    expect(page.locator("#f-sector")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("单位名称")).to_have_value(NAME)
    expect(page.get_by_role("alert")).to_contain_text("请修改标出的内容")
    shot(page, "apply-errors")
    no_serious_accessibility_violations(page)

    page.get_by_label("统一社会信用代码").fill(code)
    expect(page.locator("#e-credit_code")).to_have_text("信用代码校验通过")
    page.get_by_label("所属行业").fill("光电")
    page.locator("#f-contacts-0-name").fill("张伟")
    page.locator("#f-contacts-0-phone").fill("13800000000")
    page.locator("#f-contacts-0-email").fill("not-an-email")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#e-contacts-0-email")).to_contain_text("不是有效的电子邮件地址")
    page.locator("#f-contacts-0-email").fill("zhangwei@example.com")
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".notice")).to_contain_text("申请已提交")
    shot(page, "apply-done")

    # The secretariat admits it and invites its contact (no staff pages yet: the API).
    api, staff = site.api, site.staff
    org = api.get("/api/v1/members", params={"q": code}, headers=staff).json()["items"][0]["id"]
    assert api.post(f"/api/v1/members/{org}/admit", json={}, headers=staff).status_code == 200
    invitation = api.post("/api/v1/auth/invitations", headers=staff,
                          json={"email": "zhangwei@example.com", "role": "member", "organisation_id": org}).json()

    # The invitation link: choose a username and password, then signed in.
    page.goto(f"/portal/invitation?token={invitation['token']}")
    shot(page, "invitation")
    page.get_by_label("用户名", exact=False).fill("zhangwei")
    page.get_by_label("设置密码").fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD + "x")
    page.get_by_role("button", name="设置并登录").click()
    expect(page.locator("#e-confirm")).to_have_text("两次输入的密码不一致")
    page.get_by_label("设置密码").fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_role("button", name="设置并登录").click()
    expect(page).to_have_url(re.compile(r"/portal/?$"))
    shot(page, "home-member")

    # My organisation: profile, dues, figures, tags and growth stage.
    page.get_by_role("link", name="我的单位").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.locator(".s-admitted")).to_have_text("正式会员")
    shot(page, "organisation")
    no_serious_accessibility_violations(page)

    page.get_by_role("link", name="修改资料").click()
    page.get_by_label("地址").fill("厦门市思明区软件园二期观日路 24 号")
    page.locator("#f-contacts-0-phone").fill("12")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#e-contacts-0-phone")).to_contain_text("不是有效的电话号码")
    expect(page.get_by_label("地址")).to_have_value("厦门市思明区软件园二期观日路 24 号")
    shot(page, "profile-errors")
    page.locator("#f-contacts-0-phone").fill("13900000000")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".notice")).to_have_text("已保存。")
    expect(page.get_by_text("观日路 24 号")).to_be_visible()
    expect(page.get_by_text("13900000000")).to_be_visible()

    page.get_by_text("填报年度数据").click()
    page.get_by_label("职工人数").fill("120")
    page.get_by_label("研发人员").fill("18")
    page.get_by_label("营业收入（元）").fill("五百万")
    page.get_by_label("研发投入（元）").fill("400000.50")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#e-revenue")).to_contain_text("请填写金额")
    page.get_by_label("营业收入（元）").fill("5,000,000")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".notice")).to_have_text("已保存。")
    expect(page.get_by_role("cell", name="5,000,000.00")).to_be_visible()
    expect(page.get_by_role("cell", name="400,000.50")).to_be_visible()

    # Its whole history as a timeline.
    page.get_by_role("link", name="历史记录").click()
    expect(page.locator(".timeline li")).to_have_count(5)  # applied, admitted, profile, contacts, figures
    expect(page.locator(".timeline")).to_contain_text("提交入会申请")
    shot(page, "history")
    no_serious_accessibility_violations(page)

    # Change the password: a wrong current one is refused beside its field.
    page.get_by_role("link", name="修改密码").click()
    page.get_by_label("当前密码").fill("not-the-password")
    page.get_by_label("新密码", exact=True).fill("another-long-password")
    page.get_by_label("再次输入新密码").fill("another-long-password")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#e-current_password")).to_contain_text("当前密码错误")
    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("another-long-password")
    page.get_by_label("再次输入新密码").fill("another-long-password")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".notice")).to_contain_text("密码已修改")

    # Sign out; the old password no longer opens it, the new one does.
    page.get_by_role("button", name="退出").click()
    expect(page.locator(".notice")).to_have_text("已退出登录。")
    page.get_by_label("用户名").fill("zhangwei")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#e-password")).to_contain_text("用户名或密码错误")
    expect(page.get_by_label("用户名")).to_have_value("zhangwei")
    shot(page, "login-error")
    no_serious_accessibility_violations(page)
    sign_in(page, "zhangwei", "another-long-password")

    # English on request, on the page one is on.
    page.goto(f"/portal/organisations/{org}")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Profile")).to_be_visible()
    expect(page).to_have_url(re.compile(f"/portal/organisations/{org}$"))
    shot(page, "organisation-english")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_the_api_documentation_is_served_without_any_other_host(browser, site):
    """Swagger UI's scripts and styles come from the platform (the swagger-ui-bundle wheel)."""
    page = person(browser, site, desktop=True)
    page.goto("/schema")
    expect(page.get_by_text("企会 qihui API").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    shot(page, "openapi-ui")
