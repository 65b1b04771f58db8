"""Spreadsheet formulas never execute (issue 11): every CSV and XLSX the platform
writes neutralises text a spreadsheet would run, on both backends."""

import csv
import io

from openpyxl import load_workbook

from service.spreadsheets import FORMULA_TRIGGERS, neutralise, restore, tabular
from tests.factories import application

FORMULA = '=HYPERLINK("http://x",B2)'


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_cells(body: bytes) -> list:
    sheet = load_workbook(io.BytesIO(body)).active  # formulas, if any, stay formulas (no data_only)
    return [cell for row in sheet.iter_rows() for cell in row]


def assert_harmless_csv(rows: list[list[str]]) -> None:
    for row in rows:
        for value in row:
            assert not value.startswith(FORMULA_TRIGGERS), value


def assert_harmless_xlsx(cells: list) -> None:
    for cell in cells:
        assert cell.data_type != "f", cell.value
        if isinstance(cell.value, str):
            assert cell.data_type == "s" and not cell.value.startswith(FORMULA_TRIGGERS), cell.value


def test_an_organisation_named_like_a_formula_exports_as_text(client, staff, platform):
    created = ok(client.post("/api/v1/members", json=application(
        name=FORMULA, sector="-1+1", address="@SUM(A1:A9)",
        contacts=[{"name": "+张伟", "phone": "+8613800000000", "email": "zw@example.com"}])), 201)
    ok(client.post(f"/api/v1/members/{created['id']}/admit", json={}, headers=staff))
    head = platform.runner.head()
    member = ok(client.get(f"/api/v1/members/{created['id']}?min_position={head}", headers=staff))
    assert member["name"] == FORMULA  # the name itself is kept as given

    rows = csv_rows(client.get("/api/v1/members/export?format=csv", headers=staff).content)
    assert_harmless_csv(rows)
    row = rows[1]
    assert row[0] == "'" + FORMULA and row[3] == "'-1+1"
    assert "'+8613800000000" in row and "'@SUM(A1:A9)" in row

    cells = xlsx_cells(client.get("/api/v1/members/export?format=xlsx", headers=staff).content)
    assert_harmless_xlsx(cells)
    assert "'" + FORMULA in [c.value for c in cells]


def test_the_audit_log_export_neutralises_formulas(client, staff, platform):
    created = ok(client.post("/api/v1/members", json=application(name=FORMULA)), 201)
    ok(client.post(f"/api/v1/members/{created['id']}/reject", json={"reason": "=1+1 不符合条件"}, headers=staff))
    head = platform.runner.head()
    r = client.get(f"/api/v1/audit/events?format=csv&aggregate_id={created['id']}&min_position={head}",
                   headers=staff)
    assert r.status_code == 200, r.text
    rows = csv_rows(r.content)
    assert len(rows) >= 3
    assert_harmless_csv(rows)
    assert any(v.startswith("'" + FORMULA) for row in rows for v in row)  # the summary names the applicant
    assert "'=1+1 不符合条件" in [v for row in rows for v in row]
    r = client.get(f"/api/v1/audit/events?format=xlsx&aggregate_id={created['id']}&min_position={head}",
                   headers=staff)
    cells = xlsx_cells(r.content)
    assert_harmless_xlsx(cells)
    assert any(isinstance(c.value, str) and c.value.startswith("'" + FORMULA) for c in cells)


def test_numbers_stay_numbers_and_only_text_is_neutralised():
    rows = [[-5, 3.5, "-5", "\tTAB", "\rCR", "普通文本", None, "a=b"]]
    cells = xlsx_cells(tabular(["a", "b", "c", "d", "e", "f", "g", "h"], rows, "xlsx", "表"))[8:]
    assert [c.value for c in cells[:2]] == [-5, 3.5] and cells[0].data_type == "n"
    assert [c.value for c in cells[2:4]] == ["'-5", "'\tTAB"] and cells[5].value == "普通文本"
    assert cells[4].value in ("'\rCR", "'\nCR")  # XML reads a carriage return back as a line feed
    assert cells[7].value == "a=b"
    line = csv_rows(tabular(["a"] * 8, rows, "csv", "表"))[1]
    assert line[:3] == ["-5", "3.5", "'-5"] and line[5:] == ["普通文本", "", "a=b"]
    for value in ("=x", "+1", "-", "@a", "\tb", "\rc", "plain", 7, None):
        assert restore(neutralise(value)) == value


def test_control_characters_do_not_break_an_xlsx_export():
    cells = xlsx_cells(tabular(["a"], [["甲\x01乙"], ["=1\x02"]], "xlsx", "表"))
    assert [c.value for c in cells] == ["a", "甲\ufffd乙", "'=1\ufffd"]
