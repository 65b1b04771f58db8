"""Enterprise services' access contract (tests/context_access.py): staff run the service,
auditors read everything, an organisation's account reaches its own requests, surveys and
check-ups only (another organisation's: 404, never the data)."""

from __future__ import annotations

from typing import Any

STAFF, READERS = {"staff"}, {"staff", "auditor"}
MEMBERS = {"member", "other_member"}

ACCESS = {
    ("POST", "/api/v1/units"): STAFF,
    ("GET", "/api/v1/units"): READERS,
    ("GET", "/api/v1/units/{id:uuid}"): READERS,
    ("POST", "/api/v1/units/{id:uuid}/staff"): STAFF,
    ("POST", "/api/v1/units/{id:uuid}/hookups"): STAFF,
    ("POST", "/api/v1/units/{id:uuid}/hookups/{hookup_id:str}/end"): STAFF,
    ("GET", "/api/v1/units/{id:uuid}/coverage"): READERS,
    ("POST", "/api/v1/visits"): STAFF,
    ("GET", "/api/v1/visits"): READERS,
    ("GET", "/api/v1/visits/{id:uuid}"): READERS,
    # The organisation is in the body (or the list is narrowed to the caller's own): any organisation's
    # account passes the guard; raising for another organisation is 403 (tests/test_services_ledger.py).
    ("POST", "/api/v1/requests"): STAFF | MEMBERS,
    ("GET", "/api/v1/requests"): READERS | MEMBERS,
    ("GET", "/api/v1/requests/export"): READERS,
    ("GET", "/api/v1/requests/{id:uuid}"): READERS | {"member"},
    ("POST", "/api/v1/requests/{id:uuid}/assignment"): STAFF,
    ("POST", "/api/v1/requests/{id:uuid}/replies"): STAFF,
    ("POST", "/api/v1/requests/{id:uuid}/closure"): STAFF,
    ("POST", "/api/v1/requests/{id:uuid}/reopening"): {"member"},
    ("POST", "/api/v1/surveys"): STAFF,
    ("GET", "/api/v1/surveys"): READERS | MEMBERS,  # an organisation sees the surveys sent to it
    ("GET", "/api/v1/surveys/{id:uuid}"): READERS | {"member"},
    ("POST", "/api/v1/surveys/{id:uuid}/answers"): {"member"},
    ("GET", "/api/v1/surveys/{id:uuid}/results"): READERS,
    ("POST", "/api/v1/checkups"): STAFF | {"reviewer"},  # an expert appointed for the organisation
    ("POST", "/api/v1/checkups/appointments"): STAFF,
    # ?organisation_id= is required: the access walk sends none (400 for those allowed); another
    # organisation's list is 403 (tests/test_services_surveys.py).
    ("GET", "/api/v1/checkups"): READERS | MEMBERS,
    ("GET", "/api/v1/checkups/{id:uuid}"): READERS | {"member"},
}

DESK = "/portal/desk"
PAGE_ACCESS: dict[tuple[str, str], set[str]] = {
    ("GET", f"{DESK}/requests"): READERS,
    ("GET", f"{DESK}/requests/{{id:uuid}}"): READERS,
    ("POST", f"{DESK}/requests/{{id:uuid}}/reply"): STAFF,
    ("POST", f"{DESK}/requests/{{id:uuid}}/close"): STAFF,
    ("GET", f"{DESK}/units/{{id:uuid}}/coverage"): READERS,
    ("GET", "/portal/requests"): MEMBERS,  # each its own organisation's
    ("POST", "/portal/requests"): MEMBERS,
}


def concerned(client: Any, cast: Any) -> dict[str, str]:
    """A unit hooked to org_a, a visit to it, its request, a survey sent to it alone, its check-up."""
    staff = cast.headers["staff"]

    def made(path: str, body: dict[str, Any]) -> str:
        r = client.post(path, json=body, headers=staff)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    unit = made("/api/v1/units", {"name": "高新技术处"})
    made(f"/api/v1/units/{unit}/hookups", {"organisation_ids": [cast.org_a], "starts_on": "2026-01-01"})
    visit = made("/api/v1/visits", {"unit_id": unit, "visited_on": "2026-01-05", "organisation_ids": [cast.org_a],
                                    "visitors": [cast.account_ids["staff"]], "findings": "研发场地紧张"})
    request = made("/api/v1/requests", {"organisation_id": cast.org_a, "category": "site", "text": "需要中试场地",
                                        "channel": "visit", "received_on": "2026-01-05"})
    survey = made("/api/v1/surveys", {"title": "服务满意度", "audience": {"organisation_ids": [cast.org_a]},
                                      "questions": [{"id": "q1", "kind": "rating", "text": "总体满意度"}]})
    checkup = made("/api/v1/checkups", {"organisation_id": cast.org_a, "held_on": "2026-01-06",
                                        "scores": {"foresight": 60, "integration": 55, "support": 70,
                                                   "realisation": 65}, "diagnosis": "研发体系待完善"})
    client.app.state.platform.runner.catch_up()  # the guards read the views
    return {"/api/v1/units": unit, "/api/v1/visits": visit, "/api/v1/requests": request,
            "/api/v1/surveys": survey, "/api/v1/checkups": checkup, "requests": request, "units": unit}
