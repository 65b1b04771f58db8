"""Importing an association's existing member list, on both backends: 500
organisations with realistic names and valid codes, and a handful of bad rows."""

import csv
import os
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

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
                                "", "2017年5月1日"]),
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
    plan = plan_import(read_table(path), lambda code: is_registered(platform, code))
    assert {p.row: p.field for p in plan.problems} == broken
    assert len(plan.ready) == 500 and plan.rows == 505
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
    again = plan_import(read_table(path), lambda code: is_registered(platform, code))
    assert again.ready == [] and len(again.existing) == 500
    assert run_import(platform.writer, again, Actor(id="importer", role="staff"), platform.views) == 0
    assert platform.runner.head() == head


def test_import_from_the_command_line(store_env, tmp_path):
    rows, _ = member_list(n=30)
    path = write(tmp_path / "roster.csv", rows)
    env = {**os.environ, **store_env}

    def qihui(*args):
        return subprocess.run([QIHUI, *args], env=env, capture_output=True, text=True, timeout=120)

    dry = qihui("members", "import", str(path), "--dry-run")
    assert dry.returncode == 1 and "第 32 行" in dry.stderr and "credit_code" in dry.stderr
    refused = qihui("members", "import", str(path))
    assert refused.returncode != 0 and "nothing imported" in refused.stderr
    done = qihui("members", "import", str(path), "--skip-bad")
    assert done.returncode == 0 and "imported 30" in done.stdout
    again = qihui("members", "import", str(path), "--skip-bad")
    assert "imported 0" in again.stdout and "30 already registered" in again.stdout
    out = tmp_path / "export.xlsx"
    assert qihui("members", "export", str(out), "--status", "admitted").returncode == 0
    assert len(read_table(out)) == 30
