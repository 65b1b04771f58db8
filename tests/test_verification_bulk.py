"""Cases by the hundred: an XLSX import, bulk assignment that passes over a conflicted expert,
criteria revised between site checks, and the checker's worklist as staff read it."""

import io
from datetime import date

from openpyxl import Workbook

from tests.access_verification import CHECKLIST
from tests.factories import credit_code
from tests.http import ok, on
from tests.roles import admitted_org
from tests.test_verification import case, commission, expert, met


def xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_list_is_received_and_bulk_assignment_passes_over_a_conflict(client, staff, platform):
    on(platform, date(2026, 5, 4))
    org = admitted_org(client, staff)
    platform.runner.catch_up()
    code = ok(client.get(f"/api/v1/members/{org}", headers=staff))["credit_code"]
    c = commission(client, staff, kind="high_tech_filing")
    content = xlsx([["organisation_name", "credit_code", "year", "declared_revenue", "申报材料"],
                    ["会员公司", code, 2025, 12_000_000, "审计报告；专利证书"],
                    ["其他公司", credit_code(), 2025, None, ""],
                    ["坏码公司", "123", 2025, 1, ""],
                    ["未来公司", credit_code(), 2099, 1, ""]])
    upload = {"file": ("list.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    dry = ok(client.post(f"/api/v1/commissions/{c}/cases/import", headers=staff, files=upload,
                         data={"dry_run": "true"}))
    assert dry["valid"] == 2 and [(e["row"], e["field"]) for e in dry["errors"]] == [(4, "credit_code"),
                                                                                     (5, "year")]
    done = ok(client.post(f"/api/v1/commissions/{c}/cases/import", headers=staff, files=upload,
                          data={"skip_bad": "true"}))
    member_case, other_case = (r["id"] for r in done["received"])
    _, insider = expert(client, staff, "neibu", affiliation=org)
    _, outsider = expert(client, staff, "waibu")
    bulk = ok(client.post(f"/api/v1/commissions/{c}/assignments?min_position={done['position']}", headers=staff,
                          json={"checker_ids": [insider, outsider], "visit_on": "2026-05-06"}))
    assert bulk["assigned"] == {insider: 1, outsider: 1} and bulk["refused"] == []
    platform.runner.catch_up()
    got = ok(client.get(f"/api/v1/cases/{member_case}", headers=staff))
    assert got["checker_ids"] == [outsider] and got["organisation_id"] == org
    assert got["documents"] == ["审计报告", "专利证书"] and got["declared"] == {"revenue": 12_000_000}
    assert ok(client.get(f"/api/v1/cases/{other_case}", headers=staff))["checker_ids"] == [insider]
    work = ok(client.get(f"/api/v1/cases/worklist?day=2026-05-06&checker_id={outsider}", headers=staff))
    assert [w["id"] for w in work["items"]] == [member_case]
    assert ok(client.get("/api/v1/commissions", headers=staff))["items"][0]["id"] == c


def test_a_bad_file_and_unknown_commission_are_refused(client, staff, platform):
    c = commission(client, staff)
    r = client.post(f"/api/v1/commissions/{c}/cases/import", headers=staff,
                    files={"file": ("list.pdf", b"%PDF-1.4", "application/pdf")})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    ghost = "3f0c9e4e-6d1a-4c7e-9a52-2b1f0d8e7a11"
    r = client.post(f"/api/v1/commissions/{ghost}/cases/import", headers=staff,
                    files={"file": ("list.csv", b"a,b\n1,2\n", "text/csv")}, data={"dry_run": "true"})
    assert r.status_code == 404
    r = client.post(f"/api/v1/commissions/{c}/cases", headers=staff,
                    json={"organisation_name": "某公司", "credit_code": "123", "year": 2025})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "credit_code"


def test_revised_criteria_apply_to_later_site_checks_only(client, staff, platform):
    c = commission(client, staff)
    me = ok(client.get("/api/v1/auth/me", headers=staff))["id"]
    early, late = case(client, staff, c)["id"], case(client, staff, c)["id"]
    for x in (early, late):
        ok(client.post(f"/api/v1/cases/{x}/assignment", headers=staff, json={"checker_ids": [me]}))
    ok(client.post(f"/api/v1/cases/{early}/site-check", headers=staff,
                   json={"checked_on": "2026-01-01", "answers": met()}))
    revised = [*CHECKLIST, {"id": "c3", "text": "研发项目立项文件齐全"}]
    r = client.post(f"/api/v1/commissions/{c}/criteria", headers=staff, json={"criteria": revised, "reason": ""})
    assert r.status_code == 400  # a revision names its reason
    ok(client.post(f"/api/v1/commissions/{c}/criteria", headers=staff,
                   json={"criteria": revised, "reason": "委托方补充立项核查"}), 201)
    stale = client.post(f"/api/v1/cases/{late}/site-check", headers=staff,
                        json={"checked_on": "2026-01-01", "answers": met()})
    assert stale.status_code == 422 and "c3" in stale.text
    ok(client.post(f"/api/v1/cases/{late}/site-check", headers=staff,
                   json={"checked_on": "2026-01-01", "answers": met(revised)}))
    platform.runner.catch_up()
    versions = [ok(client.get(f"/api/v1/cases/{x}", headers=staff))["site_check"]["criteria_version"]
                for x in (early, late)]
    assert versions == [1, 2]
    assert len(ok(client.get(f"/api/v1/commissions/{c}", headers=staff))["versions"]) == 2
