"""Issue 23, judged: a subsidy check of 300 cases from the client's spreadsheet, three checkers,
findings, clawbacks recovered, the client's report exact; a maker-space rating; a conflict refused."""

import csv
import io
import random
from datetime import date

from openpyxl import load_workbook

from tests.factories import credit_code
from tests.http import ok, on
from tests.roles import admitted_org
from tests.test_verification import SHEET, THRESHOLDS, commission, expert, met

HEADERS = ["单位名称", "统一社会信用代码", "年度", "申报研发费用", "declared_rd_staff"]


def spreadsheet(member_code: str) -> tuple[bytes, list[int]]:
    rng = random.Random(23)
    rows = [[f"厦门第{i}科技有限公司", member_code if i == 0 else credit_code(rng), 2025, 1_000_000 + i, 12]
            for i in range(300)]
    bad = {57: ["", credit_code(rng), 2025, 5, 1],  # no name
           120: ["厦门错码公司", "91350200XXXXXXXXXX", 2025, 5, 1],  # not a credit code
           201: ["厦门年度公司", credit_code(rng), "去年", 5, 1],  # not a year
           288: ["厦门数字公司", credit_code(rng), 2025, "约一百万", 1]}  # not a number
    for at in sorted(bad):  # ascending: each lands at its index in the final list
        rows.insert(at, bad[at])
    text = io.StringIO()
    csv.writer(text).writerows([HEADERS, *rows])
    return text.getvalue().encode(), sorted(at + 2 for at in bad)  # the header is row 1


def upload(client, staff, c, content, **flags):
    return client.post(f"/api/v1/commissions/{c}/cases/import", headers=staff,
                       files={"file": ("受理清单.csv", content, "text/csv")},
                       data={k: str(v).lower() for k, v in flags.items()})


def test_a_subsidy_check_of_300_cases_and_a_maker_space_rating(client, staff, platform):
    on(platform, date(2026, 3, 2))
    member = admitted_org(client, staff)
    platform.runner.catch_up()
    code = ok(client.get(f"/api/v1/members/{member}", headers=staff))["credit_code"]
    c = commission(client, staff, required_figures=["研发费用", "rd_staff"], fee_fen=80_000_00)

    # The client's spreadsheet: 304 rows, 4 bad, each reported by its row number.
    content, bad_rows = spreadsheet(code)
    dry = ok(upload(client, staff, c, content, dry_run=True))
    assert (dry["rows"], dry["valid"]) == (304, 300)
    assert [e["row"] for e in dry["errors"]] == bad_rows
    assert [e["field"] for e in dry["errors"]] == ["organisation_name", "credit_code", "year", "研发费用"]
    assert upload(client, staff, c, content).json()["code"] == "import_has_problems"
    imported = ok(upload(client, staff, c, content, skip_bad=True))
    assert len(imported["received"]) == 300 and all(r["intake"]["complete"] for r in imported["received"])

    # Three checkers, a hundred cases each, visits planned for 10 March.
    checkers = [expert(client, staff, f"hecha{i}") for i in range(3)]
    bulk = ok(client.post(f"/api/v1/commissions/{c}/assignments?min_position={imported['position']}",
                          headers=staff, json={"checker_ids": [i for _, i in checkers], "visit_on": "2026-03-10"}))
    assert sorted(bulk["assigned"].values()) == [100, 100, 100] and bulk["refused"] == []
    platform.runner.catch_up()
    worklists = [ok(client.get("/api/v1/cases/worklist?day=2026-03-10", headers=h))["items"] for h, _ in checkers]
    assert [len(w) for w in worklists] == [100, 100, 100]

    # 280 checked on the day (the clock moved), 12 failing with findings; the rest pass at 5万元 each.
    on(platform, date(2026, 3, 10))
    checked = [(h, case["id"]) for (h, _), work in zip(checkers, worklists, strict=True) for case in work[:94]][:280]
    failing = {case_id for _, case_id in checked[::24][:12]}
    for headers, case_id in checked:
        fail = case_id in failing
        ok(client.post(f"/api/v1/cases/{case_id}/site-check", headers=headers, json={
            "checked_on": "2026-03-10", "answers": met(value=not fail), "findings": "研发费用归集不实" if fail else "",
            "evidence": [f"核查底稿 {case_id[:8]}"]}))
        ok(client.post(f"/api/v1/cases/{case_id}/recommendation", headers=headers,
                       json={"outcome": "fail"} if fail else {"outcome": "pass", "amount_fen": 50_000_00}))

    # Two failing cases had been paid in advance: clawed back, one repaid in two instalments.
    on(platform, date(2026, 4, 1))
    first, second = sorted(failing)[:2]
    for case_id, amount in ((first, 30_000_00), (second, 45_000_00)):
        ok(client.post(f"/api/v1/cases/{case_id}/decision", headers=staff,
                       json={"decision": "fail", "decided_on": "2026-03-31"}))
        ok(client.post(f"/api/v1/cases/{case_id}/clawback", headers=staff,
                       json={"amount_fen": amount, "reason": "核查不通过，预拨补助追回"}))
    ok(client.post(f"/api/v1/cases/{first}/recovery", headers=staff,
                   json={"amount_fen": 30_000_00, "recovered_on": "2026-04-01"}))
    on(platform, date(2026, 4, 20))
    ok(client.post(f"/api/v1/cases/{second}/recovery", headers=staff,
                   json={"amount_fen": 20_000_00, "recovered_on": "2026-04-15"}))
    last = ok(client.post(f"/api/v1/cases/{second}/recovery", headers=staff,
                          json={"amount_fen": 25_000_00, "recovered_on": "2026-04-20"}))
    assert last["outstanding_fen"] == 0

    # The board, the client's report and the figures, exact.
    platform.runner.catch_up()
    figures = {"received": 300, "checked": 280, "passed": 268, "conditional": 0, "failed": 12,
               "recommended_fen": 268 * 50_000_00, "clawed_back_fen": 75_000_00, "recovered_fen": 75_000_00}
    board = ok(client.get(f"/api/v1/commissions/{c}/board", headers=staff))
    assert board["figures"] == figures and len(board["overdue"]) == 20  # planned for 10 March, still unchecked
    assert board["by_status"] == {"assigned": 20, "recommended": 268 + 10, "recovered": 2}
    report = client.get(f"/api/v1/commissions/{c}/report?format=xlsx", headers=staff)
    sheet = list(load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True))
    assert len([r for r in sheet[1:301] if r[1]]) == 300 and sheet[1][0] == 2
    assert sheet[302][0] == "汇总 (summary)" and sheet[303][:2] == ("受理", "received")
    assert {r[1]: r[2] for r in sheet[303:]} == figures
    summary = ok(client.get("/api/v1/stats/summary?from=2026-03-01&to=2026-04-30", headers=staff))
    assert summary["verification"] == figures
    april = ok(client.get("/api/v1/stats/summary?from=2026-04-01&to=2026-04-30", headers=staff))["verification"]
    assert (april["received"], april["checked"], april["recovered_fen"]) == (0, 0, 75_000_00)
    mid_april = ok(client.get(f"/api/v1/commissions/{c}/board?from=2026-04-02&to=2026-04-30", headers=staff))
    assert mid_april["figures"] == {**dict.fromkeys(figures, 0), "recovered_fen": 45_000_00}
    history = ok(client.get(f"/api/v1/members/{member}/history?limit=100", headers=staff))["items"]
    assert any(i["summary"].startswith("「2025 年度研发补助核查」受理核查对象「厦门第0科技有限公司") for i in history)

    # A maker-space rating on a weighted sheet: the rating follows the published thresholds.
    rating = commission(client, staff, kind="space_rating", criteria=SHEET, thresholds=THRESHOLDS)
    ratings = {}
    for name, scores in (("甲空间", (90, 90, 80)), ("乙空间", (70, 60, 50)), ("丙空间", (50, 60, 40))):
        space = ok(client.post(f"/api/v1/commissions/{rating}/cases", headers=staff, json={
            "organisation_name": name, "credit_code": credit_code(), "year": 2025}), 201)["id"]
        headers, checker = checkers[0]
        ok(client.post(f"/api/v1/cases/{space}/assignment", headers=staff, json={"checker_ids": [checker]}))
        answers = {item["id"]: {"score": s} for item, s in zip(SHEET, scores, strict=True)}
        ok(client.post(f"/api/v1/cases/{space}/site-check", headers=headers, json={
            "checked_on": "2026-04-20", "answers": answers, "findings": "" if scores[0] > 60 else "运营不达标"}))
        ok(client.post(f"/api/v1/cases/{space}/recommendation", headers=headers,
                       json={"outcome": "pass" if scores[0] > 60 else "fail"}))
        ratings[name] = space
    platform.runner.catch_up()
    got = {n: ok(client.get(f"/api/v1/cases/{i}", headers=staff))["recommendation"] for n, i in ratings.items()}
    assert {n: (r["score"], r["rating"]) for n, r in got.items()} == {
        "甲空间": (87.0, "优秀"), "乙空间": (60.0, "合格"), "丙空间": (51.0, None)}

    # The member's space, also in the subsidy check for 2025 (flagged); its own expert is refused.
    _, insider = expert(client, staff, "neibu", affiliation=member)
    received = ok(client.post(f"/api/v1/commissions/{rating}/cases", headers=staff, json={
        "organisation_name": "厦门第0科技有限公司", "credit_code": code, "year": 2025}), 201)
    subsidy_case = next(r["id"] for r in imported["received"] if r["row"] == 2)
    assert [d["case_id"] for d in received["intake"]["duplicates"]] == [subsidy_case]
    mine = received["id"]
    r = client.post(f"/api/v1/cases/{mine}/assignment", headers=staff, json={"checker_ids": [insider]})
    assert r.status_code == 409 and r.json()["code"] == "conflict_of_interest"
