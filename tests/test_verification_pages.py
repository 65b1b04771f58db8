"""The verification desk: the commissions, a commission's board, and a case's site-check form
filled in by its expert (an empty item shown beside its field; another expert's case not found)."""

from datetime import date

from tests.http import ok, on
from tests.test_pages_access import Browser
from tests.test_verification import SHEET, THRESHOLDS, case, commission, expert

P = "/portal/desk"


def test_an_expert_fills_in_the_scoring_sheet_on_the_case_page(client, staff, platform):
    on(platform, date(2026, 6, 1))
    c = commission(client, staff, kind="space_rating", criteria=SHEET, thresholds=THRESHOLDS)
    mine, theirs = case(client, staff, c)["id"], case(client, staff, c)["id"]
    headers, me = expert(client, staff, "kongjian")
    ok(client.post(f"/api/v1/cases/{mine}/assignment", headers=staff,
                   json={"checker_ids": [me], "visit_on": "2026-06-01"}))
    platform.runner.catch_up()
    checker, desk = Browser(client, headers), Browser(client, staff)
    assert checker.get(f"{P}/cases/{theirs}").status_code == 404
    work = checker.get(f"{P}/worklist?day=2026-06-01").text
    assert f"/cases/{mine}" in work and f"/cases/{theirs}" not in work
    assert f'href="{P}/worklist"' in work  # the expert's way back to it, in the desk's navigation
    page = checker.get(f"{P}/cases/{mine}")
    assert page.status_code == 200 and 'name="score_service"' in page.text
    form = {"checked_on": "2026-06-01", "score_site": "90", "score_service": "", "score_results": "80",
            "findings": "", "evidence": "照片 1\n台账 2"}
    refused = checker.post(f"{P}/cases/{mine}/site-check", form)
    assert refused.status_code == 422 and 'value="90"' in refused.text and "service" in refused.text
    done = checker.post(f"{P}/cases/{mine}/site-check", {**form, "score_service": "85"})
    assert done.status_code == 303 and done.headers["location"].endswith("done=verification.done.checked")
    got = ok(client.get(f"/api/v1/cases/{mine}", headers=staff))["site_check"]
    assert got["score"] == 85.0 and got["evidence"] == ["照片 1", "台账 2"]
    board = desk.get(f"{P}/commissions/{c}")
    assert board.status_code == 200 and "已核查：1" in board.text and f"/cases/{mine}" in board.text
    assert "kongjian：分派 1，已核查 1" in board.text
    listing = desk.get(f"{P}/commissions")
    assert "受理 2，已核查 1" in listing.text
    assert checker.get(f"{P}/commissions/{c}").status_code == 403
