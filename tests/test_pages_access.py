"""Who may open each web page (api.pages), and how the pages keep a session safe.

PAGE_ACCESS is the pages' access contract, kept apart from the JSON API's table
(tests/test_access_matrix.py skips the page prefix because this table covers it):
pages are called with the session cookie, not a bearer header, and answer a
refusal as people need it — not signed in: 303 to the sign-in page; signed in
but not allowed: a 403 page. A page route missing from the table fails the test.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from api.app import create_app
from api.policy import PAGES_PREFIX, SESSION_COOKIE
from tests import context_access
from tests.http import in_process_client
from tests.roles import cast

CALLERS = ("anonymous", "staff", "auditor", "reviewer", "member", "other_member")
ANYONE = set(CALLERS)
SIGNED_IN = ANYONE - {"anonymous"}
MEMBERS = {"member", "other_member"}
P = PAGES_PREFIX
S = f"{P}/sessions/{{id:uuid}}"
R = f"{S}/registrations/{{organisation_id:uuid}}"
A = f"{P}/alliances/{{id:uuid}}"
ORG = f"{P}/organisations/{{id:uuid}}"

# (method, path) -> callers the guard lets through. "member" belongs to the organisation
# the page concerns; "other_member" to another one.
PAGE_ACCESS: dict[tuple[str, str], set[str]] = {
    ("GET", P): ANYONE,
    ("GET", f"{P}/lang"): ANYONE,
    ("GET", f"{P}/login"): ANYONE,
    ("POST", f"{P}/login"): ANYONE,
    ("POST", f"{P}/logout"): SIGNED_IN,
    ("GET", f"{P}/invitation"): ANYONE,
    ("POST", f"{P}/invitation"): ANYONE,
    ("GET", f"{P}/password"): SIGNED_IN,
    ("POST", f"{P}/password"): SIGNED_IN,
    ("GET", f"{P}/apply"): ANYONE,
    ("POST", f"{P}/apply"): ANYONE,
    ("GET", f"{P}/apply/credit-code"): ANYONE,
    ("GET", f"{P}/apply/done"): ANYONE,
    ("GET", f"{P}/organisation"): MEMBERS,  # each to its own
    ("GET", ORG): {"staff", "auditor", "member"},
    ("GET", f"{ORG}/history"): {"staff", "auditor", "member"},
    ("GET", f"{ORG}/profile"): {"staff", "member"},
    ("POST", f"{ORG}/profile"): {"staff", "member"},
    ("POST", f"{ORG}/annual-stats"): {"staff", "member"},
    ("GET", f"{P}/sessions"): SIGNED_IN,
    ("GET", S): SIGNED_IN,
    ("GET", f"{S}/status"): SIGNED_IN,
    # A member registers its own organisation (the one its account acts for).
    ("POST", f"{S}/registrations"): MEMBERS,
    ("POST", f"{R}/cancel"): {"staff", "member"},
    ("POST", f"{R}/substitution"): {"staff", "member"},
    ("GET", f"{R}/qr/{{n:int}}"): {"staff", "member"},
    ("POST", f"{S}/feedback"): MEMBERS,
    ("GET", f"{P}/check-in/{{token:str}}"): {"staff"},  # the door, where a QR code leads
    ("POST", f"{P}/check-in/{{token:str}}"): {"staff"},
    # As the API: any signed-in caller passes the guard, the alliance answers 404 to a non-party.
    ("GET", f"{P}/alliances"): SIGNED_IN,
    ("GET", A): SIGNED_IN,
    ("GET", f"{A}/agreement"): {"staff", "member", "other_member"},
    ("POST", f"{A}/agreement"): {"staff", "member", "other_member"},
    ("POST", f"{A}/signatures"): MEMBERS,
    ("POST", f"{A}/submit"): MEMBERS,
    ("POST", f"{A}/reports"): MEMBERS,
    ("POST", f"{A}/amendments"): MEMBERS,
}

# The staff desk (api.pages.desk_*): staff write, auditors read everything and write nothing,
# reviewers have their own desk; members never open it.
DESK = f"{P}/desk"
STAFF_DESK = {"staff", "auditor"}
DM, DS, DA = f"{DESK}/members/{{id:uuid}}", f"{DESK}/sessions/{{id:uuid}}", f"{DESK}/alliances/{{id:uuid}}"
DESK_ACCESS: dict[tuple[str, str], set[str]] = {
    ("GET", DESK): STAFF_DESK | {"reviewer"},  # a reviewer is sent on to the reviewer's desk
    ("GET", f"{DESK}/applications"): STAFF_DESK,
    ("GET", f"{DESK}/members"): STAFF_DESK,
    ("GET", f"{DESK}/members/export"): STAFF_DESK,
    ("GET", DM): STAFF_DESK,
    ("POST", f"{DM}/act/{{action:str}}"): {"staff"},
    ("POST", f"{DM}/contacts/{{contact_id:str}}/erasure"): {"staff"},
    ("GET", f"{DESK}/members/import"): {"staff"},
    ("POST", f"{DESK}/members/import"): {"staff"},
    ("POST", f"{DESK}/members/import/run"): {"staff"},
    ("GET", f"{DESK}/sessions"): STAFF_DESK,
    ("GET", f"{DESK}/sessions/new"): {"staff"},
    ("POST", f"{DESK}/sessions"): {"staff"},
    ("GET", DS): STAFF_DESK,
    ("POST", f"{DS}/act/{{action:str}}"): {"staff"},
    ("POST", f"{DS}/waitlist/{{organisation_id:uuid}}/move"): {"staff"},
    ("GET", f"{DS}/check-in"): {"staff"},  # the door: a page that writes
    ("GET", f"{DS}/check-in/tally"): {"staff"},
    ("POST", f"{DS}/check-ins"): {"staff"},
    ("GET", f"{DESK}/alliances"): STAFF_DESK,
    ("GET", DA): STAFF_DESK,
    ("POST", f"{DA}/act/{{action:str}}"): {"staff"},
    ("GET", f"{DESK}/programs/{{id:uuid}}"): STAFF_DESK,
    ("POST", f"{DESK}/programs/{{id:uuid}}/ranking"): {"staff"},
    # Only a reviewer the alliance is assigned to sees it (others: 404, as the API).
    ("GET", f"{DESK}/reviews"): {"reviewer"},
    ("GET", f"{DESK}/reviews/{{id:uuid}}"): {"reviewer"},
    ("POST", f"{DESK}/reviews/{{id:uuid}}/declaration"): {"reviewer"},
    ("POST", f"{DESK}/reviews/{{id:uuid}}/score"): {"reviewer"},
    ("GET", f"{DESK}/audit"): STAFF_DESK,
    ("GET", f"{DESK}/audit/export"): STAFF_DESK,
    ("GET", f"{DESK}/audit/verify"): STAFF_DESK,
    ("GET", f"{DESK}/figures"): STAFF_DESK,
    ("GET", f"{DESK}/figures/export"): STAFF_DESK,
}
PAGE_ACCESS.update(DESK_ACCESS)
PAGE_ACCESS.update(context_access.page_access())  # the newer contexts' own (tests/access_<context>.py)


def page_routes(app: Any) -> list[tuple[str, str]]:
    return sorted((method, route.path) for route in app.routes
                  if route.path == P or route.path.startswith(P + "/")
                  for handler in route.route_handlers for method in handler.http_methods if method != "OPTIONS")


class Browser:
    """One caller's cookies: the session (the API's token) and the CSRF seed with its form token."""

    def __init__(self, client: Any, authorization: dict[str, str]):
        self.client = client
        token = authorization.get("Authorization", " ").split(" ", 1)[1]
        self.session = token
        page = self.get(f"{P}/login")
        self.seed = page.cookies.get("qihui_csrf") or ""
        self.csrf = re.search(r'name="_csrf" value="([0-9a-f]+)"', page.text)[1]

    def _cookie(self) -> dict[str, str]:
        jar = [f"{SESSION_COOKIE}={self.session}"] if self.session else []
        if getattr(self, "seed", ""):
            jar.append(f"qihui_csrf={self.seed}")
        return {"cookie": "; ".join(jar)} if jar else {}

    def get(self, path: str) -> Any:
        self.client.cookies.clear()
        return self.client.get(path, headers=self._cookie(), follow_redirects=False)

    def post(self, path: str, data: dict[str, str] | None = None, csrf: bool = True) -> Any:
        self.client.cookies.clear()
        form = {"_csrf": self.csrf} if csrf else {}
        return self.client.post(path, data={**form, **(data or {})}, headers=self._cookie(), follow_redirects=False)


@pytest.fixture
def people(platform: Any) -> Any:
    app = create_app(platform)
    with in_process_client(app) as client:
        cast_ = cast(platform, client)
        yield SimpleNamespace(app=app, client=client, c=cast_,
                              browsers={caller: Browser(client, cast_.headers[caller]) for caller in CALLERS})


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_page_route_is_in_the_page_table(platform):
    served = page_routes(create_app(platform))
    assert sorted(set(served) - set(PAGE_ACCESS)) == [], "declare the new page's access in PAGE_ACCESS"
    assert sorted(set(PAGE_ACCESS) - set(served)) == [], "PAGE_ACCESS names a page the app does not serve"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_page_answers_every_caller_as_declared(people):
    app = people.app
    client = people.client
    c = people.c
    browsers = people.browsers
    own = context_access.concerned(client, c)
    org_name = client.get(f"/api/v1/members/{c.org_a}", headers=c.headers["staff"]).json()["name"]
    failures = []
    # Signing out ends the caller's session, so it goes last.
    for method, template in sorted(page_routes(app), key=lambda r: r[1].endswith("/logout")):
        parts = [*template.split("/"), "", ""]
        section = parts[3] if parts[2] == "desk" else parts[2]  # /portal/desk/<section>/…
        concerned = {"sessions": c.session, "alliances": c.alliance, "reviews": c.alliance,
                     "programs": c.program, **own}.get(section, c.org_a)
        path = (template.replace("{id:uuid}", concerned).replace("{organisation_id:uuid}", c.org_a)
                .replace("{n:int}", "0").replace("{token:str}", "not-a-token"))
        path = re.sub(r"\{\w+:str\}", "unknown", path)
        for caller in CALLERS:
            who = browsers[caller]
            response = who.get(path) if method == "GET" else who.post(path)
            allowed = caller in PAGE_ACCESS[(method, template)]
            status, location = response.status_code, response.headers.get("location", "")
            to_sign_in = status == 303 and location.startswith(f"{P}/login?next=")
            if allowed and (status in (401, 403) or to_sign_in):
                failures.append(f"{caller} refused on {method} {template}: {status}")
            if not allowed:
                if caller == "anonymous" and not to_sign_in:
                    failures.append(f"anonymous got {status} {location} on {method} {template}")
                if caller != "anonymous" and status not in (403, 404):
                    failures.append(f"{caller} got {status} on {method} {template}")
                if caller == "other_member" and org_name in response.text:
                    failures.append(f"{caller} saw the organisation on {method} {template}")
            if status >= 500:
                failures.append(f"{caller}: {status} on {method} {template}")
    assert failures == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_form_without_its_csrf_token_changes_nothing(people):
    client = people.client
    c = people.c
    browsers = people.browsers
    member = browsers["member"]
    path = f"{P}/organisations/{c.org_a}/profile"
    refused = member.post(path, {"name": "被篡改的名称", "sector": "光电"}, csrf=False)
    assert refused.status_code == 403 and "表单已过期" in refused.text
    forged = member.post(path, {"_csrf": "0" * 64, "name": "被篡改的名称", "sector": "光电"}, csrf=False)
    assert forged.status_code == 403
    # Another caller's token is no token for this one (the token is bound to the session).
    stolen = member.post(path, {"_csrf": browsers["other_member"].csrf, "name": "被篡改的名称", "sector": "光电"},
                         csrf=False)
    assert stolen.status_code == 403
    assert client.get(f"/api/v1/members/{c.org_a}", headers=c.headers["staff"]).json()["name"] != "被篡改的名称"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_session_cookie_is_http_only_same_site_and_secure_over_tls(people):
    client = people.client
    browsers = people.browsers
    anonymous = browsers["anonymous"]
    for base, secure in (("http://testserver.local", False), ("https://testserver.local", True)):
        client.cookies.clear()
        answer = client.post(f"{base}{P}/login", headers=anonymous._cookie(), follow_redirects=False, data={
            "_csrf": anonymous.csrf, "username": "huiyuan_a", "password": "a-long-enough-password",
            "next": f"{P}/sessions"})
        assert answer.status_code == 303 and answer.headers["location"] == f"{P}/sessions"
        cookie = next(v for v in answer.headers.get_list("set-cookie") if v.startswith(SESSION_COOKIE + "="))
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
        assert ("secure" in flags) is secure
        token = cookie.split(";")[0].split("=", 1)[1]
        # The JSON API never takes the cookie (no API route can be driven from another site).
        client.cookies.clear()
        me = client.get("/api/v1/auth/me", headers={"cookie": f"{SESSION_COOKIE}={token}"})
        assert me.status_code == 401


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sign_in_goes_back_only_to_our_own_pages(people):
    browsers = people.browsers
    anonymous = browsers["anonymous"]
    for target in ("https://elsewhere.example/", "//elsewhere.example/portal", "/api/v1/members", "/\\elsewhere"):
        answer = anonymous.post(f"{P}/login", {"username": "huiyuan_a", "password": "a-long-enough-password",
                                               "next": target})
        assert answer.status_code == 303 and answer.headers["location"] == f"{P}/", target
    switched = anonymous.get(f"{P}/lang?to=en&next=https://elsewhere.example/")
    assert switched.headers["location"] == f"{P}/" and "qihui_lang=en" in switched.headers["set-cookie"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_pages_and_the_api_documentation_name_no_other_host(people):
    client = people.client
    c = people.c
    browsers = people.browsers
    external = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""", re.IGNORECASE)
    for who, path in (("anonymous", f"{P}/"), ("anonymous", f"{P}/login"), ("anonymous", f"{P}/apply"),
                      ("member", f"{P}/organisations/{c.org_a}"), ("member", f"{P}/sessions/{c.session}"),
                      ("member", f"{P}/alliances/{c.alliance}"), ("anonymous", "/schema"),
                      ("anonymous", "/schema/swagger")):
        page = browsers[who].get(path)
        assert page.status_code == 200, path
        assert not external.search(page.text), f"{path} names another host: {external.search(page.text)}"
    for asset in ("/static/portal.css", "/static/portal.js", "/schema/assets/swagger-ui-bundle.js",
                  "/schema/assets/swagger-ui.css", "/schema/assets/swagger-ui-standalone-preset.js"):
        assert client.get(asset).status_code == 200, asset


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_an_auditor_is_shown_no_form_that_writes(people):
    """Every desk page an auditor may open renders no POST form but signing out (read-only everywhere)."""
    c = people.c
    auditor = people.browsers["auditor"]
    ids = {"members": c.org_a, "sessions": c.session, "alliances": c.alliance, "programs": c.program}
    opened = []
    for method, template in sorted(DESK_ACCESS):
        if method != "GET" or "auditor" not in DESK_ACCESS[(method, template)] or template.endswith("/export"):
            continue
        parts = [*template.split("/"), ""]
        path = template.replace("{id:uuid}", ids.get(parts[3], c.org_a))
        page = auditor.get(path)
        assert page.status_code == 200, (path, page.status_code)
        forms = re.findall(r"<form[^>]*>", page.text)
        writes = [f for f in forms if re.search(r"method=\"?post", f, re.IGNORECASE) and f"{P}/logout" not in f]
        assert writes == [], f"{path} shows an auditor a form that writes: {writes}"
        assert re.search(r"method=\"?post[^>]*action=\"/portal/logout", page.text), path  # the one exception
        opened.append(path)
    assert len(opened) >= 12
