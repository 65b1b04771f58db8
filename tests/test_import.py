"""Importing an association's existing member list, on both backends: 500
organisations with realistic names and valid codes, and a handful of bad rows."""

import csv
import os
import random
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from domain.values import Actor
from projections.roster import RosterQuery, list_members
from service.roster_files import plan_import, read_table, run_import
from tests.factories import credit_code, org_name, with_wrong_check_digit

HEADERS = ["单位名称", "统一社会信用代码", "单位类型", "所属行业", "地址", "联系人", "联系电话", "电子邮箱",
           "会员等级", "入会日期"]
QIHUI = str(Path(sys.executable).parent / "qihui")


def member_list(n=500, seed=7):
    """n good rows, then the broken ones; returns (rows, {row number: field})."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append([org_name(rng), credit_code(rng), rng.choice(["企业", "学会", "科研院所"]),
                     rng.choice(["光电", "生物医药", "新材料"]), "厦门市思明区", "张伟",
                     f"1380000{i:04d}", f"m{i}@example.com", rng.choice(["会员单位", "理事单位"]),
                     (date(2016, 1, 1) + timedelta(days=i)).isoformat()])
    broken = {
        n + 2: ("credit_code", [org_name(rng), with_wrong_check_digit(credit_code(rng)), "企业", "光电", "",
                                "李娜", "13900000000", "", "", "2017-05-01"]),
        n + 3: ("credit_code", [org_name(rng), rows[10][1], "企业", "光电", "", "李娜", "13900000001", "", "",
                                "2017-05-01"]),  # duplicates row 12
        n + 4: ("name", ["", credit_code(rng), "企业", "光电", "", "李娜", "13900000002", "", "", "2017-05-01"]),
        n + 5: ("kind", [org_name(rng), credit_code(rng), "银行", "金融", "", "李娜", "13900000003", "", "",
                         "2017-05-01"]),
        n + 6: ("admitted_on", [org_name(rng), credit_code(rng), "企业", "光电", "", "李娜", "13900000004", "",
                                "", "2017年13月1日"]),
    }
    return rows + [r for _, r in broken.values()], {row: f for row, (f, _) in broken.items()}


def write(path: Path, rows) -> Path:
    if path.suffix == ".xlsx":
        book = Workbook()
        book.active.append(HEADERS)
        for row in rows:
            book.active.append(row)
        book.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows([HEADERS, *rows])
    return path


def is_registered(platform, code):
    with platform.views.read() as tx:
        return tx.fetchone("SELECT 1 AS x FROM view_roster WHERE credit_code = ?", (code,)) is not None


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_dry_run_names_every_bad_row_and_the_import_is_idempotent(platform, tmp_path, suffix):
    rows, broken = member_list()
    path = write(tmp_path / f"roster{suffix}", rows)
    today = platform.clock.today()
    plan = plan_import(read_table(path), lambda code: is_registered(platform, code), today=today,
                       dues_paid_through=today.year)
    assert {p.row: p.field for p in plan.problems} == broken
    assert len(plan.ready) == 500 and plan.rows == 505 and plan.lapsing == []
    assert run_import(platform.writer, plan, Actor(id="importer", role="staff"), platform.views) == 500
    platform.runner.catch_up()
    _, _, total = list_members(platform.views, RosterQuery(status="admitted"), limit=5, cursor=None)
    assert total == 500
    # As of the day before the 101st admission, exactly 100 members.
    _, _, then = list_members(platform.views, RosterQuery(status="admitted", as_of=date(2016, 4, 9)),
                              limit=1, cursor=None)
    assert then == 100
    # The same file again: everything is already registered, nothing changes.
    head = platform.runner.head()
    again = plan_import(read_table(path), lambda code: is_registered(platform, code), today=today)
    assert again.ready == [] and len(again.existing) == 500
    assert run_import(platform.writer, again, Actor(id="importer", role="staff"), platform.views) == 0
    assert platform.runner.head() == head


def test_import_from_the_command_line(store_env, tmp_path):
    rows, _ = member_list(n=30)
    path = write(tmp_path / "roster.csv", rows)
    # One day of grace: the file's members (no dues columns) owe this year's dues from 2 January on.
    env = {**os.environ, **store_env, "QIHUI_DUES_GRACE_DAYS": "1"}
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    past_grace = today > date(today.year, 1, 2)

    def qihui(*args):
        return subprocess.run([QIHUI, *args], env=env, capture_output=True, text=True, timeout=120)

    dry = qihui("members", "import", str(path), "--dry-run")
    assert dry.returncode == 1 and "第 32 行" in dry.stderr and "统一社会信用代码" in dry.stderr
    assert "单位类型：无法识别「银行」；可填：企业" in dry.stderr  # the header, and what it accepts
    assert "第 2 行" in dry.stdout and "导入为正常" in dry.stdout  # what happens to every good row
    refused = qihui("members", "import", str(path))
    assert refused.returncode != 0 and "nothing imported" in refused.stderr
    if past_grace:  # no dues position: every member would lapse at the scheduler's next tick
        assert "下次定时任务将使其会籍失效" in dry.stdout and "30 would lapse" in dry.stdout
        lapsing = qihui("members", "import", str(path), "--skip-bad")
        assert lapsing.returncode != 0 and "would lapse" in lapsing.stderr and "--allow-lapse" in lapsing.stderr
        assert "imported" not in lapsing.stdout
    dry = qihui("members", "import", str(path), "--dry-run", "--dues-paid-through", str(today.year))
    assert f"{today.year} 年会费已缴" in dry.stdout and "0 would lapse" in dry.stdout
    done = qihui("members", "import", str(path), "--skip-bad", "--dues-paid-through", str(today.year))
    assert done.returncode == 0 and "imported 30" in done.stdout
    again = qihui("members", "import", str(path), "--skip-bad")
    assert "imported 0" in again.stdout and "30 already registered" in again.stdout
    out = tmp_path / "export.xlsx"
    assert qihui("members", "export", str(out), "--status", "admitted").returncode == 0
    assert len(read_table(out)) == 30


# -- issue 13: the export round-trips; nobody lapses by surprise; a lapse is recoverable -------------------

def on(platform, day: date) -> None:
    """Move the platform's clock to noon (Shanghai) on `day`."""
    target = datetime(day.year, day.month, day.day, 12, 0, tzinfo=platform.clock.time_zone)
    platform.clock.offset = timedelta(0)
    platform.clock.offset = target - platform.clock.now()


TODAY = date(2026, 5, 1)  # 2026's grace period (90 days from 1 January) is over


@pytest.fixture
def empty_platform(make_platform, backend, tmp_path, request):
    """A second, empty platform (its own store) on the same backend."""
    extra = {"QIHUI_DATA_DIR": str(tmp_path / "other")}
    if backend == "postgres":
        name = f"qihui_import_{os.getpid()}_{random.randrange(10**9)}"
        request.getfixturevalue("postgres").create_database(name)
        extra["QIHUI_POSTGRES_DBNAME"] = name
    return make_platform(**extra)


def build_roster(platform, n=50, seed=11) -> None:
    """n organisations with years of history: dues, tiers, tags, several contacts,
    and some suspended, lapsed, withdrawn; one with a dues position and no amounts;
    the last two never admitted (one still applying, one rejected)."""
    from domain.organisations import TIERS
    from domain.unique import UniqueClaim
    from service.personal import new_organisation

    rng, actor = random.Random(seed), Actor(id="staff", role="staff")
    for i in range(n):
        admitted = date(2016, 1, 4) + timedelta(days=53 * i)
        contacts = [{"name": "张伟", "phone": f"1380000{i:04d}", "email": f"m{i}@example.com"}]
        if i % 3 == 0:
            contacts.append({"name": "陈静", "phone": f"+86 136{i:08d}"})
        if i % 4 == 0:
            contacts.append({"name": "赵磊", "phone": f"137{i:08d}", "email": f"zl{i}@example.com"})
        name = '=HYPERLINK("http://x",B2)' if i == 0 else org_name(rng)
        code = credit_code(rng)

        def command(uow, i=i, admitted=admitted, contacts=contacts, name=name, code=code):
            org = new_organisation(  # contacts sealed as the organisation's own, keys made here
                uow,
                kind=rng.choice(["enterprise", "society", "institute", "university_association", "service_agency"]),
                name=name, credit_code=code, sector=rng.choice(["光电", "生物医药", "-新材料"]),
                address=None if i % 5 == 0 else f"厦门市思明区软件园二期 {i} 号", contacts=contacts,
                annual_stats=None, effective_on=admitted - timedelta(days=20), actor=actor)
            if i >= n - 2:
                if i == n - 1:
                    org.reject(reason="材料不全", effective_on=admitted, actor=actor)
                org.change_libraries(add=["tech_sme"], remove=[], effective_on=admitted, actor=actor, reason=None)
                uow.add(org)
                uow.add(UniqueClaim(kind="credit_code", value=code, owner_id=org.id, actor=actor))
                return
            org.admit(tier=TIERS[i % 4], note=None, effective_on=admitted, actor=actor)
            if i % 2 == 0:
                org.change_libraries(add=["high_tech", "tech_sme"][: 1 + i % 3 // 2], remove=[],
                                     effective_on=admitted, actor=actor, reason=None)
            if i % 3 == 1:
                org.move_growth_stage(stage="little_giant", effective_on=admitted, actor=actor, reason=None)
            last = {3: 2024, 5: 2024}.get(i % 10, 2026)  # lapsed and withdrawn members stopped paying
            if i != 9:
                for year in range(admitted.year, last + 1):
                    org.pay_dues(year=year, amount_fen=300_000 + 50_000 * (i % 4), actor=actor,
                                 effective_on=max(admitted, date(year, 2, 15)))
            else:
                org.record_dues_paid_through(year=2026, effective_on=date(2026, 1, 20), actor=actor, reason="旧账")
            if i % 10 == 3:
                org.lapse_for_unpaid_dues(year=2025, today=date(2025, 4, 2), grace_days=90, actor=Actor.system())
            elif i % 10 == 5:
                org.withdraw(reason="企业迁出", effective_on=date(2025, 6, 30), actor=actor)
            elif i % 10 == 7:
                org.suspend(reason="违反章程", effective_on=date(2026, 2, 1), actor=actor)
            uow.add(org)
            uow.add(UniqueClaim(kind="credit_code", value=code, owner_id=org.id, actor=actor))

        platform.writer.execute(command)
    platform.runner.catch_up()


def roster_of(platform, **query):
    from service.roster_files import export_rows

    platform.runner.catch_up()
    return export_rows(platform.views, RosterQuery(**query))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_into_an_empty_platform_gives_the_same_roster(platform, empty_platform, tmp_path,
                                                                         suffix):
    from service.roster_files import export_roster
    from workers.scheduler import tick

    on(platform, TODAY)
    on(empty_platform, TODAY)
    build_roster(platform)
    source = roster_of(platform)
    assert len(source) == 50 and {r[5] for r in source} == {"正常", "失效", "已退会", "暂停", "申请中", "未通过"}
    assert any(r[14].count("；") >= 5 for r in source) and any(r[15] for r in source)  # dues years, contacts
    path = tmp_path / f"export{suffix}"
    path.write_bytes(export_roster(platform.views, RosterQuery(), suffix[1:]))

    plan = plan_import(read_table(path), lambda code: is_registered(empty_platform, code), today=TODAY,
                       grace_days=empty_platform.settings.dues_grace_days)
    assert plan.problems == [] and len(plan.ready) == 50 and plan.lapsing == []
    said = {o.row: o.text for o in plan.outcomes}
    assert "2026 年会费已缴" in said[2] and "失效" in said[5]  # row 5 is member 3: lapsed in 2025
    assert run_import(empty_platform.writer, plan, Actor(id="importer", role="staff"), empty_platform.views) == 50
    assert roster_of(empty_platform) == source
    assert "申请中" in {r[5] for r in roster_of(platform, as_of=date(2016, 7, 20))}  # applied, not yet admitted
    for day in (date(2016, 6, 30), date(2016, 7, 20), date(2020, 1, 1), date(2025, 5, 1), date(2026, 3, 1)):
        assert roster_of(empty_platform, as_of=day) == roster_of(platform, as_of=day)

    # Nobody lapses over two scheduler ticks, the second at the year's end.
    assert tick(empty_platform)["lapse_unpaid_dues"] == 0
    on(empty_platform, date(2026, 12, 31))
    empty_platform.runner.catch_up()
    assert tick(empty_platform)["lapse_unpaid_dues"] == 0
    assert roster_of(empty_platform) == source


def test_an_import_that_would_lapse_members_is_refused_unless_allowed(platform, tmp_path):
    from service.roster_files import ImportWouldLapse
    from workers.scheduler import tick

    on(platform, TODAY)
    rows, _ = member_list(n=20)
    path = write(tmp_path / "old.csv", rows[:4])
    plan = plan_import(read_table(path), lambda code: is_registered(platform, code), today=TODAY)
    assert len(plan.lapsing) == 4
    assert "下次定时任务将使其会籍失效：2026 年会费自 2026-01-01 起应缴，宽限期 90 天已过" in plan.outcomes[0].text
    head = platform.runner.head()
    with pytest.raises(ImportWouldLapse) as caught:
        run_import(platform.writer, plan, Actor(id="importer", role="staff"), platform.views)
    assert "--allow-lapse" in caught.value.message and platform.runner.head() == head
    # Within the grace period nobody lapses yet, and the dry run says until when.
    early = plan_import(read_table(path), lambda code: False, today=date(2026, 2, 1))
    assert early.lapsing == [] and "宽限期至 2026-04-01" in early.outcomes[0].text
    # The operator allows it: imported, and the next tick lapses them, saying why.
    assert run_import(platform.writer, plan, Actor(id="importer", role="staff"), platform.views,
                      allow_lapse=True) == 4
    platform.runner.catch_up()
    assert tick(platform)["lapse_unpaid_dues"] == 4


def test_spellings_dates_and_dues_columns_are_read():
    headers = ["单位名称", "信用代码", "类型", "行业", "联系人", "电话", "等级", "入会日期", "企业库", "成长阶梯",
               "最近缴费年度", "会费缴纳记录", "会籍状态", "其他联系人"]
    spellings = [("研究所", "普通会员", "2016-01-05"), ("科研院所", "会员", "2016/1/5"),
                 ("企业", "理事", "2016年1月5日"), ("学会", "理事单位", datetime(2016, 1, 5)),
                 ("高校科协", "副理事长(单位)", "2016.1.5"), ("服务机构", "副理事长（单位）", date(2016, 1, 5)),
                 ("Enterprise", "理事长", "2016-01-05 00:00:00"), ("institute", "理事长单位", "2016-1-5"),
                 ("society", "Vice President", "2016年01月05日"), ("企业", "council", "2016-01-05")]
    rows = [{"__row__": n, **dict(zip(headers, [org_name(), credit_code(), kind, "光电", "张伟", 13800000000, tier,
                                               day, "高新技术企业库、科技型中小企业", "小巨人", 2026,
                                               "2025年3000元；2026：3,000.50元（2026/2/1）", "正常",
                                               "陈静，13600000000；赵磊，137000,zl@example.com"], strict=True))}
            for n, (kind, tier, day) in enumerate(spellings, start=2)]
    plan = plan_import(rows, lambda code: False, today=TODAY)
    assert plan.problems == []
    assert [r["kind"] for r in plan.ready] == ["institute", "institute", "enterprise", "society",
                                               "university_association", "service_agency", "enterprise",
                                               "institute", "society", "enterprise"]
    assert [r["tier"] for r in plan.ready] == ["member", "member", "council", "council", "vice_president",
                                               "vice_president", "president", "president", "vice_president",
                                               "council"]
    assert {r["admitted_on"] for r in plan.ready} == {date(2016, 1, 5)}
    first = plan.ready[0]
    assert first["libraries"] == ["high_tech", "tech_sme"] and first["growth_stage"] == "little_giant"
    assert first["dues"] == [{"year": 2025, "amount_fen": 300_000, "paid_on": None},
                             {"year": 2026, "amount_fen": 300_050, "paid_on": date(2026, 2, 1)}]
    assert [c["name"] for c in first["contacts"]] == ["张伟", "陈静", "赵磊"]
    assert first["contacts"][0]["phone"] == "13800000000" and plan.lapsing == []

    bad = [{"__row__": 2, "单位名称": "甲公司", "统一社会信用代码": credit_code(), "单位类型": "银行",
            "所属行业": "金融", "联系人": "李娜", "联系电话": "139", "会员等级": "主席", "入会日期": "去年",
            "企业库": "独角兽库", "会费缴纳记录": "很多钱", "会籍状态": "冻结"}]
    problems = {p.column: p.message for p in plan_import(bad, lambda code: False, today=TODAY).problems}
    assert set(problems) == {"单位类型", "会员等级", "入会日期", "企业库", "会费缴纳记录", "会籍状态"}
    assert "研究所" in problems["单位类型"] and "institute" in problems["单位类型"]
    assert "理事长单位" in problems["会员等级"] and "普通会员" in problems["会员等级"]
    assert "YYYY年M月D日" in problems["入会日期"] and "已退会" in problems["会籍状态"]


def test_real_date_cells_in_a_workbook(tmp_path):
    book = Workbook()
    book.active.append(["单位名称", "统一社会信用代码", "单位类型", "所属行业", "联系人", "联系电话", "入会日期"])
    book.active.append([org_name(), credit_code(), "企业", "光电", "张伟", 13800000000, datetime(2017, 3, 9)])
    book.save(tmp_path / "dates.xlsx")
    plan = plan_import(read_table(tmp_path / "dates.xlsx"), lambda code: False, today=date(2026, 2, 1))
    assert plan.problems == [] and plan.ready[0]["admitted_on"] == date(2017, 3, 9)


def test_a_lapsed_member_pays_its_arrears_and_is_reinstated(client, staff, platform):
    from tests.factories import application
    from workers.scheduler import tick

    def ok(response, status=200):
        assert response.status_code == status, response.text
        return response.json()

    on(platform, date(2025, 1, 10))
    org = ok(client.post("/api/v1/members", json=application()), 201)["id"]
    post = lambda action, body: client.post(f"/api/v1/members/{org}/{action}", json=body, headers=staff)  # noqa: E731
    ok(post("admit", {"effective_on": "2025-01-10"}))
    ok(post("dues", {"year": 2025, "amount_fen": 300_000}))
    on(platform, date(2026, 4, 2))  # 2026 unpaid, grace over
    platform.runner.catch_up()
    assert tick(platform)["lapse_unpaid_dues"] == 1
    on(platform, date(2026, 6, 1))
    refused = post("reinstate", {"reason": "申请恢复"})
    assert refused.status_code == 409 and refused.json()["code"] == "dues_in_arrears" and "2026" in refused.text
    ok(post("dues", {"year": 2026, "amount_fen": 300_000, "note": "补缴 2026 年会费"}))  # accepted while lapsed
    r = ok(post("reinstate", {"reason": "已补缴 2026 年会费，理事会同意恢复"}))
    member = ok(client.get(f"/api/v1/members/{org}?min_position={r['position']}", headers=staff))
    assert member["status"] == "admitted"
    assert [h["event"] for h in member["status_history"]][-2:] == ["lapsed", "reinstated"]
    assert member["status_history"][-1]["reason"] == "已补缴 2026 年会费，理事会同意恢复"
    platform.runner.catch_up()
    assert tick(platform)["lapse_unpaid_dues"] == 0
    # The gap stays in the history: lapsed in April and May.
    page = ok(client.get(f"/api/v1/members?as_of=2026-05-01&status=lapsed&min_position={r['position']}",
                         headers=staff))
    assert [m["id"] for m in page["items"]] == [org]
    history = ok(client.get(f"/api/v1/members/{org}/history?min_position={r['position']}", headers=staff))
    summaries = [i["summary"] for i in history["items"]]
    assert any(s.startswith("会籍失效") for s in summaries) and any(s.startswith("恢复会籍") for s in summaries)


def test_a_wrong_lapse_is_corrected_as_if_it_never_happened(client, staff, platform):
    from tests.factories import application
    from workers.scheduler import tick

    def ok(response, status=200):
        assert response.status_code == status, response.text
        return response.json()

    on(platform, date(2025, 1, 10))
    org = ok(client.post("/api/v1/members", json=application()), 201)["id"]
    ok(client.post(f"/api/v1/members/{org}/admit", json={}, headers=staff))
    ok(client.post(f"/api/v1/members/{org}/dues", json={"year": 2025, "amount_fen": 1}, headers=staff))
    on(platform, date(2026, 4, 2))
    platform.runner.catch_up()
    assert tick(platform)["lapse_unpaid_dues"] == 1
    on(platform, date(2026, 4, 8))
    body = {"reason": "错误失效更正"}
    r = client.post(f"/api/v1/members/{org}/lapse-correction", json=body, headers=staff)
    assert r.status_code == 409 and r.json()["code"] == "dues_in_arrears"  # the next tick would lapse it again
    # The payment was made in March and recorded late; then the lapse is corrected.
    ok(client.post(f"/api/v1/members/{org}/dues", json={"year": 2026, "amount_fen": 1, "effective_on": "2026-03-20"},
                   headers=staff))
    r = ok(client.post(f"/api/v1/members/{org}/lapse-correction", json=body, headers=staff))
    member = ok(client.get(f"/api/v1/members/{org}?min_position={r['position']}", headers=staff))
    assert member["status"] == "admitted" and member["status_history"][-1]["event"] == "lapse_corrected"
    assert member["status_history"][-1]["effective_on"] == "2026-04-02"
    for day in ("2026-04-02", "2026-04-05"):  # as of any day, a member throughout
        page = ok(client.get(f"/api/v1/members?as_of={day}&status=admitted", headers=staff))
        assert [m["id"] for m in page["items"]] == [org]
    assert client.post(f"/api/v1/members/{org}/lapse-correction", json=body, headers=staff).status_code == 409
    platform.runner.catch_up()
    assert tick(platform)["lapse_unpaid_dues"] == 0
