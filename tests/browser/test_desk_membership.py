"""The secretariat at its desk (a desktop browser): the workbench; an application
found by search and admitted; a staff action refused beside its field, then done;
the roster filtered, as of a date, exported; and the existing member list of 500
rows imported from an XLSX file — the dry run lists exactly the three bad rows by
their row numbers, then the other 497 are imported (a second upload changes
nothing)."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from playwright.sync_api import expect

from tests.browser.conftest import no_serious_accessibility_violations, person, shot, sign_in
from tests.factories import application, credit_code, with_wrong_check_digit
from tests.http import STAFF_PASSWORD

NAME = "厦门鹭岛微光电子科技有限公司"
BAD_ROWS = {101: "统一社会信用代码", 250: "所属行业", 400: "单位类型"}  # spreadsheet row -> column at fault


def member_list(path: Path, rows: int, year: int) -> Path:
    """An association's existing list: `rows` organisations, three of them wrong."""
    book = Workbook()
    sheet = book.active
    sheet.append(["单位名称", "统一社会信用代码", "单位类型", "所属行业", "会员等级", "入会日期", "联系人", "联系电话",
                  "最近缴费年度"])
    for number in range(2, rows + 2):  # spreadsheet row numbers: the header is row 1
        code = credit_code()
        kind, sector = "企业", "光电子"
        if BAD_ROWS.get(number) == "统一社会信用代码":
            code = with_wrong_check_digit(code)
        if BAD_ROWS.get(number) == "所属行业":
            sector = None
        if BAD_ROWS.get(number) == "单位类型":
            kind = "合作社"
        tier = "理事单位" if number % 10 == 0 else "会员单位"
        sheet.append([f"导入测试科技有限公司{number:03d}号", code, kind, sector, tier,
                      f"20{16 + number % 8}-0{1 + number % 9}-15", f"联系人{number}", "13800000000", year])
    book.save(path)
    return path


def test_staff_admit_an_application_found_by_search_and_act_on_a_member(browser, site):
    for _ in range(3):
        assert site.api.post("/api/v1/members", json=application()).status_code == 201
    org = site.api.post("/api/v1/members", json=application(name=NAME)).json()["id"]

    page = person(browser, site, desktop=True)
    sign_in(page, "secretary", STAFF_PASSWORD)
    page.goto("/portal/desk")
    expect(page.get_by_role("heading", level=1)).to_have_text("秘书处工作台")
    expect(page.locator("#h-apps .count")).to_have_text("4")
    shot(page, "desk-dashboard")
    no_serious_accessibility_violations(page)

    # The application, found by a word of its name.
    page.get_by_role("link", name="入会审批").first.click()
    expect(page.locator("tbody tr")).to_have_count(4)
    page.get_by_label("搜索").fill("微光")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    shot(page, "desk-applications-search")
    page.get_by_role("link", name=NAME).click()
    expect(page).to_have_url(re.compile(f"/portal/desk/members/{org}$"))
    expect(page.locator("#org-status")).to_have_text("已申请")
    shot(page, "desk-member-applied")
    no_serious_accessibility_violations(page)

    # Admitted as a council unit.
    page.get_by_label("会员等级").select_option("council")
    page.get_by_role("button", name="批准入会").click()
    expect(page.locator(".notice")).to_have_text("已完成。")
    expect(page.locator("#org-status")).to_have_text("正式会员")
    expect(page.locator(".timeline")).to_contain_text("批准入会")

    # A suspension needs its reason: refused beside the field, then done.
    page.locator("summary", has_text="暂停会籍").click()
    page.get_by_role("button", name="暂停会籍").click()
    expect(page.locator("#e-suspend-reason")).to_have_text("此项必填")
    expect(page.locator("#f-suspend-reason")).to_have_attribute("aria-invalid", "true")
    shot(page, "desk-member-action-error")
    page.locator("#f-suspend-reason").fill("连续两次未参加理事会")
    page.get_by_role("button", name="暂停会籍").click()
    expect(page.locator("#org-status")).to_have_text("暂停")
    page.locator("summary", has_text="恢复会籍").click()
    page.locator("#f-reinstate-reason").fill("已说明情况")
    page.get_by_role("button", name="恢复会籍").click()
    expect(page.locator("#org-status")).to_have_text("正式会员")

    # Dues, typed in yuan; the timeline filtered by context.
    page.locator("summary", has_text="登记会费").click()
    page.locator("#f-dues-amount").fill("3,000")
    page.locator("#do-dues").get_by_role("button", name="保存").click()
    expect(page.get_by_role("cell", name="3,000.00")).to_be_visible()
    page.get_by_role("link", name="会籍", exact=True).click()
    expect(page.locator(".timeline li")).to_have_count(5)  # applied, admitted, suspended, reinstated, dues
    shot(page, "desk-member-admitted")

    # The roster: filtered, as of a date, exported with the same filters.
    page.get_by_role("link", name="会员名录").first.click()
    page.get_by_label("会籍状态").select_option("admitted")
    page.get_by_label("会员等级").select_option("council")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("h1 .count")).to_have_text("1")
    expect(page.get_by_role("link", name=NAME)).to_be_visible()
    shot(page, "desk-roster")
    no_serious_accessibility_violations(page)
    page.get_by_label("截至日期").fill("2001-01-01")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("h1 .count")).to_have_text("0")
    export = page.request.get(page.get_by_role("link", name="导出 Excel").get_attribute("href"))
    assert export.ok and export.headers["content-type"].startswith("application/vnd.openxmlformats")


def test_staff_import_the_existing_member_list_of_500_rows(browser, site, tmp_path):
    upload = member_list(tmp_path / "会员名单.xlsx", 500, site.platform.clock.today().year)
    page = person(browser, site, desktop=True)
    sign_in(page, "secretary", STAFF_PASSWORD)
    page.goto("/portal/desk/members")
    page.get_by_role("link", name="导入会员名单").click()
    shot(page, "desk-import")
    no_serious_accessibility_violations(page)
    page.get_by_role("button", name="试导入").click()  # no file: said beside the field
    expect(page.locator("#e-file")).to_have_text("此项必填")

    # The dry run: exactly the three bad rows, by their row numbers, each naming its column.
    page.get_by_label("名单文件").set_input_files(str(upload))
    page.get_by_role("button", name="试导入").click()
    problems = page.locator("#import-problems tbody tr")
    expect(problems).to_have_count(3)
    for i, (row, column) in enumerate(sorted(BAD_ROWS.items())):
        expect(problems.nth(i).locator("td").nth(0)).to_have_text(f"第 {row} 行")
        expect(problems.nth(i).locator("td").nth(1)).to_have_text(column)
    expect(page.locator("main")).to_contain_text("共 500 行，可导入 497 行")
    shot(page, "desk-import-dry-run")
    no_serious_accessibility_violations(page)

    # Imported without the bad rows (asked for), then the roster has them.
    page.get_by_label(re.compile("跳过 3 处错误")).check()
    page.get_by_role("button", name="导入 497 家单位").click()
    expect(page.locator(".notice")).to_have_text("已导入 497 家单位。", timeout=60_000)
    shot(page, "desk-import-done")
    page.get_by_role("link", name="会员名录").first.click()
    page.get_by_label("搜索").fill("导入测试")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("h1 .count")).to_have_text("497")

    # The same file again changes nothing.
    page.goto("/portal/desk/members/import")
    page.get_by_label("名单文件").set_input_files(str(upload))
    page.get_by_role("button", name="试导入").click()
    expect(page.locator("main")).to_contain_text("可导入 0 行，已登记 497 行")

    # The same upload through the API (the same service functions): a dry run, then a CSV saved by a
    # spreadsheet program on Chinese Windows (GBK) imported.
    dry = site.api.post("/api/v1/members/import", headers=site.staff, data={"dry_run": "true"},
                        files={"file": ("会员名单.xlsx", upload.read_bytes())})
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert (report["rows"], report["to_import"], len(report["already_registered"])) == (500, 0, 497)
    assert sorted(p["row"] for p in report["problems"]) == sorted(BAD_ROWS)
    csv = ("单位名称,统一社会信用代码,单位类型,所属行业,联系人,联系电话,入会日期,最近缴费年度\n"
           f"武汉东湖新材料有限公司,{credit_code()},企业,新材料,周工,13700000000,2019年3月1日,"
           f"{site.platform.clock.today().year}\n").encode("gb18030")
    done = site.api.post("/api/v1/members/import", headers=site.staff, files={"file": ("名单.csv", csv)})
    assert done.status_code == 200 and done.json()["imported"] == 1, done.text
    refused = site.api.post("/api/v1/members/import", headers=site.staff,
                            files={"file": ("会员名单.xlsx", upload.read_bytes())})
    assert refused.status_code == 422 and refused.json()["code"] == "import_has_problems"

    # The year's figures, on the workbench and on the printable figures page.
    page.get_by_role("link", name="数据汇总").click()
    expect(page.locator("#h-m ~ table")).to_contain_text("新入会")
    expect(page.locator("svg.bars").first).to_be_visible()
    shot(page, "desk-figures")
    page.emulate_media(media="print")
    expect(page.locator(".desk-nav")).to_be_hidden()
    shot(page, "desk-figures-print")
    page.emulate_media(media="screen")
    page.goto("/portal/desk/audit")
    shot(page, "desk-audit-staff")
