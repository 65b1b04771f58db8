"""Commissioned verification's access contract (tests/context_access.py): staff run the work,
auditors read it, an expert (role reviewer) reaches only the cases assigned to it; organisations'
accounts reach nothing here (their cases show on their history)."""

from __future__ import annotations

from typing import Any

STAFF, READERS = {"staff"}, {"staff", "auditor"}
CHECKERS = {"staff", "reviewer"}

ACCESS = {
    ("POST", "/api/v1/commissions"): STAFF,
    ("GET", "/api/v1/commissions"): READERS,
    ("GET", "/api/v1/commissions/{id:uuid}"): READERS | {"reviewer"},  # only its own cases
    ("POST", "/api/v1/commissions/{id:uuid}/criteria"): STAFF,
    ("POST", "/api/v1/commissions/{id:uuid}/cases"): STAFF,
    ("POST", "/api/v1/commissions/{id:uuid}/cases/import"): STAFF,
    ("POST", "/api/v1/commissions/{id:uuid}/assignments"): STAFF,
    ("GET", "/api/v1/commissions/{id:uuid}/board"): READERS,
    ("GET", "/api/v1/commissions/{id:uuid}/report"): READERS,
    ("GET", "/api/v1/cases/worklist"): READERS | {"reviewer"},  # an expert: its own
    ("GET", "/api/v1/cases/{id:uuid}"): READERS | {"reviewer"},  # an expert: assigned to it
    ("GET", "/api/v1/cases/{id:uuid}/history"): READERS,
    ("POST", "/api/v1/cases/{id:uuid}/assignment"): STAFF,
    ("POST", "/api/v1/cases/{id:uuid}/conflict"): CHECKERS,
    ("POST", "/api/v1/cases/{id:uuid}/site-check"): CHECKERS,
    ("POST", "/api/v1/cases/{id:uuid}/recommendation"): CHECKERS,
    ("POST", "/api/v1/cases/{id:uuid}/decision"): STAFF,
    ("POST", "/api/v1/cases/{id:uuid}/clawback"): STAFF,
    ("POST", "/api/v1/cases/{id:uuid}/recovery"): STAFF,
}

DESK = "/portal/desk"
PAGE_ACCESS: dict[tuple[str, str], set[str]] = {
    ("GET", f"{DESK}/commissions"): READERS,
    ("GET", f"{DESK}/commissions/{{id:uuid}}"): READERS,
    ("GET", f"{DESK}/worklist"): READERS | {"reviewer"},  # each its own site visits
    ("GET", f"{DESK}/cases/{{id:uuid}}"): READERS | {"reviewer"},  # an expert: its own cases
    ("POST", f"{DESK}/cases/{{id:uuid}}/site-check"): CHECKERS,
}

CHECKLIST = [{"id": "c1", "text": "研发费用归集准确"}, {"id": "c2", "text": "研发人员与项目对应"}]


def concerned(client: Any, cast: Any) -> dict[str, str]:
    """A subsidy check of org_a's application, assigned to the cast's expert (who works for org_b)."""
    staff = cast.headers["staff"]
    code = client.get(f"/api/v1/members/{cast.org_a}", headers=staff).json()["credit_code"]
    r = client.post("/api/v1/commissions", headers=staff, json={
        "client": "市科技局", "kind": "subsidy_check", "title": "研发补助核查", "due_on": "2099-12-31",
        "criteria": CHECKLIST})
    assert r.status_code == 201, r.text
    commission = r.json()["id"]
    r = client.post(f"/api/v1/commissions/{commission}/cases", headers=staff, json={
        "organisation_name": "甲公司", "credit_code": code, "year": 2025, "declared": {"rd_spend": 100}})
    assert r.status_code == 201, r.text
    case = r.json()["id"]
    r = client.post(f"/api/v1/cases/{case}/assignment", headers=staff,
                    json={"checker_ids": [cast.account_ids["reviewer"]]})
    assert r.status_code == 200, r.text
    client.app.state.platform.runner.catch_up()
    return {"/api/v1/commissions": commission, "/api/v1/cases": case, "commissions": commission, "cases": case}
