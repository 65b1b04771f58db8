"""Every route the app serves, called by every kind of caller (QUALITY.md, Security).

The table below is the access contract. A route the app serves that is missing
from the table fails the test, so a new route cannot slip in undeclared.
"""


import re

import pytest

from api.app import create_app
from api.policy import PAGES_PREFIX
from tests import context_access
from tests.http import in_process_client
from tests.roles import cast

CALLERS = ("anonymous", "staff", "auditor", "reviewer", "member", "other_member")
ANYONE = set(CALLERS)
SIGNED_IN = ANYONE - {"anonymous"}

# (method, path) -> callers allowed. "member" is a member of the organisation the
# route concerns; "other_member" belongs to another organisation.
ACCESS = {
    ("GET", "/health"): ANYONE,
    ("GET", "/ready"): ANYONE,
    # The web pages' own files and the way in; the pages themselves (PAGES_PREFIX) have their
    # own table, called with the session cookie: tests/test_pages_access.py PAGE_ACCESS.
    ("GET", "/"): ANYONE,
    ("GET", "/static/{file_path:path}"): ANYONE,
    ("HEAD", "/static/{file_path:path}"): ANYONE,
    ("POST", "/api/v1/members"): ANYONE,
    ("GET", "/api/v1/members"): {"staff", "auditor"},
    ("POST", "/api/v1/members/import"): {"staff"},  # multipart upload, dry_run flag
    ("GET", "/api/v1/members/{id:uuid}"): {"staff", "auditor", "member"},
    ("POST", "/api/v1/members/{id:uuid}/admit"): {"staff"},
    ("POST", "/api/v1/members/{id:uuid}/reject"): {"staff"},
    ("POST", "/api/v1/members/{id:uuid}/suspend"): {"staff"},
    ("POST", "/api/v1/members/{id:uuid}/reinstate"): {"staff"},
    ("POST", "/api/v1/members/{id:uuid}/withdraw"): {"staff"},
    ("POST", "/api/v1/members/{id:uuid}/lapse-correction"): {"staff"},
    ("PATCH", "/api/v1/members/{id:uuid}"): {"staff", "member"},
    ("POST", "/api/v1/members/{id:uuid}/annual-stats"): {"staff", "member"},
    ("POST", "/api/v1/members/{id:uuid}/dues"): {"staff"},
    ("POST", "/api/v1/members/{id:uuid}/tier"): {"staff"},
    ("POST", "/api/v1/members/{id:uuid}/libraries"): {"staff"},
    ("POST", "/api/v1/members/{id:uuid}/growth-stage"): {"staff"},
    ("GET", "/api/v1/members/export"): {"staff", "auditor"},
    ("GET", "/api/v1/members/{id:uuid}/sessions"): {"staff", "auditor", "member"},
    ("POST", "/api/v1/sessions"): {"staff"},
    ("GET", "/api/v1/sessions"): SIGNED_IN,
    ("GET", "/api/v1/sessions/{id:uuid}"): SIGNED_IN,
    ("GET", "/api/v1/sessions/{id:uuid}/roster"): {"staff", "auditor"},
    # The organisation registering is in the body: any member passes the guard, and
    # registering another organisation is refused by the handler (tested separately).
    ("POST", "/api/v1/sessions/{id:uuid}/registrations"): {"staff", "member", "other_member"},
    ("DELETE", "/api/v1/sessions/{id:uuid}/registrations/{organisation_id:uuid}"): {"staff", "member"},
    ("POST", "/api/v1/sessions/{id:uuid}/registrations/{organisation_id:uuid}/substitution"): {"staff", "member"},
    ("POST", "/api/v1/sessions/{id:uuid}/waitlist/{organisation_id:uuid}/move"): {"staff"},
    ("POST", "/api/v1/sessions/{id:uuid}/check-ins"): {"staff"},
    ("POST", "/api/v1/sessions/{id:uuid}/feedback"): {"member", "other_member"},
    ("POST", "/api/v1/sessions/{id:uuid}/cancel"): {"staff"},
    ("POST", "/api/v1/sessions/{id:uuid}/reschedule"): {"staff"},
    ("POST", "/api/v1/sessions/{id:uuid}/capacity"): {"staff"},
    ("GET", "/api/v1/members/{id:uuid}/history"): {"staff", "auditor", "member"},
    ("POST", "/api/v1/members/{id:uuid}/contacts/{contact_id:str}/erasure"): {"staff"},
    ("POST", "/api/v1/people/{person_id:str}/erasure"): {"staff"},
    ("GET", "/api/v1/audit/events"): {"staff", "auditor"},
    ("GET", "/api/v1/audit/verify"): {"staff", "auditor"},
    ("GET", "/api/v1/audit/anchors"): {"staff", "auditor"},
    ("GET", "/api/v1/stats/summary"): {"staff", "auditor"},
    ("POST", "/api/v1/programs"): {"staff"},
    ("GET", "/api/v1/programs/{id:uuid}"): SIGNED_IN,
    ("POST", "/api/v1/programs/{id:uuid}/ranking"): {"staff"},
    ("PATCH", "/api/v1/programs/{id:uuid}"): {"staff"},
    ("GET", "/api/v1/programs/vocabularies"): SIGNED_IN,
    # A party declares for itself: any organisation's account passes the guard, a non-party gets 409.
    ("POST", "/api/v1/alliances/{id:uuid}/declarations"): {"staff", "member", "other_member"},
    ("POST", "/api/v1/alliances/{id:uuid}/amendments/{aid:str}/screening"): {"staff"},
    ("PATCH", "/api/v1/members/{id:uuid}/attributes"): {"staff", "member"},
    # Drafting, revising, signing, submitting, amendments and reports are for a party: any member passes
    # the guard and the domain refuses a non-party (409 not_a_party), tested in test_alliances.
    ("POST", "/api/v1/alliances"): {"staff", "member", "other_member"},
    ("GET", "/api/v1/alliances"): SIGNED_IN,
    ("GET", "/api/v1/alliances/{id:uuid}"): {"staff", "auditor", "member"},
    ("PUT", "/api/v1/alliances/{id:uuid}/agreement"): {"staff", "member", "other_member"},
    ("POST", "/api/v1/alliances/{id:uuid}/signatures"): {"member", "other_member", "staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/submit"): {"member", "other_member"},
    ("POST", "/api/v1/alliances/{id:uuid}/screening"): {"staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/reviewers"): {"staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/declaration"): {"reviewer"},
    ("POST", "/api/v1/alliances/{id:uuid}/reviews"): {"reviewer"},
    ("POST", "/api/v1/alliances/{id:uuid}/public-notice"): {"staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/objections"): ANYONE,
    ("POST", "/api/v1/alliances/{id:uuid}/objections/{oid:str}/resolution"): {"staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/approval"): {"staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/payments"): {"staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/amendments/{aid:str}/signatures"): {"member", "other_member"},
    ("POST", "/api/v1/alliances/{id:uuid}/amendments"): {"member", "other_member"},
    ("POST", "/api/v1/alliances/{id:uuid}/amendments/{aid:str}/decision"): {"staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/reports"): {"member", "other_member", "staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/reports/{rid:str}/acceptance"): {"staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/reports/{rid:str}/return"): {"staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/inspections"): {"staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/conclusion"): {"staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/rectifications/{inspection_id:str}/closure"): {"staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/termination"): {"staff"},
    ("POST", "/api/v1/alliances/{id:uuid}/date-corrections"): {"staff"},
    ("POST", "/api/v1/auth/login"): ANYONE,
    ("POST", "/api/v1/auth/logout"): SIGNED_IN,
    ("GET", "/api/v1/auth/me"): SIGNED_IN,
    ("POST", "/api/v1/auth/invitations"): {"staff"},
    ("POST", "/api/v1/auth/invitations/accept"): ANYONE,
    ("POST", "/api/v1/auth/password"): SIGNED_IN,
    ("POST", "/api/v1/auth/password-resets"): {"staff"},
    ("POST", "/api/v1/auth/password-resets/accept"): ANYONE,
    ("GET", "/api/v1/accounts"): {"staff"},
    ("POST", "/api/v1/accounts/{id:uuid}/disable"): {"staff"},
    ("POST", "/api/v1/accounts/{id:uuid}/enable"): {"staff"},
    ("POST", "/api/v1/accounts/{id:uuid}/role"): {"staff"},
}
ACCESS.update(context_access.access())  # the newer contexts' own tables (tests/access_<context>.py)


def served_routes(app):
    """Every route but the documentation's and the web pages' (PAGE_ACCESS covers those)."""
    return sorted(
        (method, route.path)
        for route in app.routes
        if not route.path.startswith("/schema") and not _is_page(route.path)
        for handler in route.route_handlers
        for method in handler.http_methods if method != "OPTIONS"
    )


def _is_page(path: str) -> bool:
    return path == PAGES_PREFIX or path.startswith(PAGES_PREFIX + "/")


def test_every_served_route_is_in_the_access_table(platform):
    served = served_routes(create_app(platform))
    assert sorted(set(served) - set(ACCESS)) == [], "declare the new route's access in ACCESS"
    assert sorted(set(ACCESS) - set(served)) == [], "ACCESS names a route the app does not serve"


def test_every_route_answers_every_caller_as_declared(platform):
    app = create_app(platform)
    with in_process_client(app) as client:
        people = cast(platform, client)
        own = context_access.concerned(client, people)
        # Logging out ends the caller's token, so it goes last.
        routes = sorted(served_routes(app), key=lambda r: r[1].endswith("/logout"))
        failures = []
        for method, template in routes:
            concerned = {"/api/v1/sessions": people.session, "/api/v1/accounts": people.account_ids["member"],
                         "/api/v1/programs": people.program, "/api/v1/alliances": people.alliance, **own}
            scope = "/".join(template.split("/")[:4])
            path = template.replace("{id:uuid}", concerned.get(scope, people.org_a))
            path = path.replace("{organisation_id:uuid}", people.org_a)
            path = re.sub(r"\{\w+:str\}", "unknown", path)
            for caller in CALLERS:
                response = client.request(method, path, json={} if method in ("POST", "PATCH") else None,
                                          headers=people.headers[caller])
                allowed = caller in ACCESS[(method, template)]
                status = response.status_code
                if allowed and status in (401, 403):
                    failures.append(f"{caller} refused on {method} {template}: {status}")
                if not allowed:
                    expected = (401,) if caller == "anonymous" else (403, 404)
                    if status not in expected:
                        failures.append(f"{caller} got {status} on {method} {template}")
                    elif caller == "other_member" and "name" in response.text:
                        failures.append(f"{caller} saw data on {method} {template}")
                if status >= 500:
                    failures.append(f"{caller}: {status} on {method} {template}")
        assert failures == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_member_reading_another_organisation_never_gets_its_data(platform):
    with in_process_client(create_app(platform)) as client:
        people = cast(platform, client)
        own = client.get(f"/api/v1/members/{people.org_a}", headers=people.headers["member"])
        assert own.status_code == 200 and own.json()["id"] == people.org_a
        other = client.get(f"/api/v1/members/{people.org_b}", headers=people.headers["member"])
        assert other.status_code in (403, 404)
        assert people.org_b not in other.text and "credit_code" not in other.text
