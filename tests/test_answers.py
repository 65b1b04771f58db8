"""Issue 14, typed answers: GET routes answer Structs, so the served OpenAPI document
describes every response, and the typed answer is the projection's document, key for key."""

import msgspec
import pytest

from api.accounts import AccountsPage
from api.alliance_answers import AllianceAnswer, AlliancesPage, ProgramAnswer, Vocabularies
from api.app import create_app
from api.audit_answers import AuditPage
from api.member_answers import HistoryPage, MemberProfile, MemberSessions, RosterPage
from api.schemas import answer
from api.session_answers import SessionAnswer, SessionRoster
from projections import alliances as alliance_views
from projections import roster
from projections import sessions as session_views
from projections.accounts import list_accounts
from projections.audit import AuditQuery, audit_events, organisation_history
from projections.sessions import attendance_of
from tests.http import in_process_client
from tests.roles import cast

TYPED = [
    ("/api/v1/members", "get"),
    ("/api/v1/members/{id}", "get"),
    ("/api/v1/members/{id}/history", "get"),
    ("/api/v1/members/{id}/sessions", "get"),
    ("/api/v1/sessions", "get"),
    ("/api/v1/sessions/{id}", "get"),
    ("/api/v1/sessions/{id}/roster", "get"),
    ("/api/v1/auth/me", "get"),
    ("/api/v1/accounts", "get"),
    ("/api/v1/audit/verify", "get"),
    ("/api/v1/audit/events", "get"),
    ("/api/v1/alliances", "get"),
    ("/api/v1/alliances/{id}", "get"),
    ("/api/v1/programs/{id}", "get"),
    ("/api/v1/programs/vocabularies", "get"),
]


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def same(doc, kind):
    """The answer type keeps every key and value of the document (as JSON)."""
    plain = msgspec.json.decode(msgspec.json.encode(doc))
    assert msgspec.to_builtins(answer(plain, kind)) == plain


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_typed_routes_answer_a_described_component(platform):
    with in_process_client(create_app(platform)) as client:
        document = ok(client.get("/schema/openapi.json"))
    components = document["components"]["schemas"]
    for path, method in TYPED:
        schema = document["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in schema, (path, schema)
        component = components[schema["$ref"].rsplit("/", 1)[-1]]
        assert component.get("properties"), (path, component)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_answers_are_the_projections_documents(platform):
    with in_process_client(create_app(platform)) as client:
        _answers_are_the_projections_documents(platform, client)


def _answers_are_the_projections_documents(platform, client):
    c = cast(platform, client)
    staff = c.headers["staff"]
    org = c.org_a
    for path, body in ((f"/api/v1/members/{org}/dues", {"year": 2026, "amount_fen": 100000}),
                       (f"/api/v1/members/{org}/tier", {"tier": "council", "reason": "理事会选举"}),
                       (f"/api/v1/members/{org}/libraries", {"add": ["tech_sme"]}),
                       (f"/api/v1/sessions/{c.session}/registrations",
                        {"organisation_id": org, "attendees": [{"name": "王强"}]}),
                       (f"/api/v1/sessions/{c.session}/capacity", {"capacity": 12, "reason": "换了会场"})):
        response = client.post(path, json=body, headers=staff)
        assert response.status_code in (200, 201), (path, response.text)
    ok(client.patch(f"/api/v1/members/{org}", json={"address": "武汉市东湖高新区", "reason": "搬迁"},
                    headers=staff))
    head = platform.runner.head()
    views = platform.views

    member = ok(client.get(f"/api/v1/members/{org}?min_position={head}", headers=staff))
    doc = roster.get_member(views, org, with_changes=True)
    counts = attendance_of(views, org)
    expected = doc | {"no_show_count": counts["no_show_count"],
                      "late_cancellation_count": counts["late_cancellation_count"]}
    same(expected, MemberProfile)
    assert member == msgspec.json.decode(msgspec.json.encode(expected))
    assert {"changes", "dues", "status_history"} <= member.keys() and member["dues"][0]["year"] == 2026

    page = ok(client.get(f"/api/v1/members?min_position={head}", headers=staff))
    items, nxt, total = roster.list_members(views, roster.RosterQuery(), limit=50, cursor=None)
    same({"items": items, "next_cursor": nxt, "total": total}, RosterPage)
    assert page == msgspec.json.decode(msgspec.json.encode({"items": items, "next_cursor": nxt, "total": total}))
    as_of = ok(client.get(f"/api/v1/members?as_of=2026-01-01&min_position={head}", headers=staff))
    assert all("as_of" in i for i in as_of["items"])

    history = ok(client.get(f"/api/v1/members/{org}/history?min_position={head}", headers=staff))
    entries = organisation_history(views, org, after=0, limit=51)
    same({"items": entries, "next_cursor": None, "total": None}, HistoryPage)
    assert history["items"] == msgspec.json.decode(msgspec.json.encode(entries))
    assert history["total"] is None

    attended = ok(client.get(f"/api/v1/members/{org}/sessions?min_position={head}", headers=staff))
    same(attendance_of(views, org), MemberSessions)
    assert attended == msgspec.json.decode(msgspec.json.encode(attendance_of(views, org)))

    session = ok(client.get(f"/api/v1/sessions/{c.session}?min_position={head}", headers=c.headers["member"]))
    sdoc = session_views.get_session(views, c.session)
    assert session.keys() == ({k for k in sdoc if k != "ratings"}
                              | {"confirmed_count", "waitlist_count", "my_registration"})
    assert session["my_registration"]["organisation_id"] == org
    same(session, SessionAnswer)
    same({k: v for k, v in sdoc.items() if k != "ratings"}
         | {"confirmed_count": 1, "waitlist_count": 0, "my_registration": None}, SessionAnswer)

    listed = ok(client.get(f"/api/v1/sessions?min_position={head}", headers=staff))
    assert listed["items"][0]["id"] == c.session and listed["items"][0]["confirmed_count"] == 1

    seated = ok(client.get(f"/api/v1/sessions/{c.session}/roster?min_position={head}", headers=staff))
    expected_roster = session_views.session_roster(views, sdoc)
    same(expected_roster, SessionRoster)
    assert seated == msgspec.json.decode(msgspec.json.encode(expected_roster))

    logged = ok(client.get(f"/api/v1/audit/events?limit=500&min_position={head}", headers=staff))
    events = audit_events(views, AuditQuery(), 501)
    assert len(events) < 501
    same({"items": events, "next_cursor": None}, AuditPage)
    assert logged == msgspec.json.decode(msgspec.json.encode({"items": events, "next_cursor": None}))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_alliance_and_account_answers_are_the_documents_each_caller_may_see(platform):
    with in_process_client(create_app(platform)) as client:
        c = cast(platform, client)
        head = platform.runner.head()
        views = platform.views

        def get(path, caller="staff", status=200):
            return ok(client.get(f"{path}?min_position={head}", headers=c.headers[caller]), status)

        # Staff and auditors see the whole record; a party all but who reviewed it; anyone else nothing.
        record = get(f"/api/v1/alliances/{c.alliance}")  # the views have caught up from here on
        doc = alliance_views.get_alliance(views, c.alliance)
        same(doc, AllianceAnswer)
        assert record == get(f"/api/v1/alliances/{c.alliance}", "auditor") == doc
        assert get(f"/api/v1/alliances/{c.alliance}", "member") == {**doc, "reviewers": {}}
        get(f"/api/v1/alliances/{c.alliance}", "other_member", status=404)
        # An assigned reviewer who has not declared no conflict sees a glimpse, typed as well.
        same(alliance_views.for_reviewer({**doc, "reviewers": {"r1": {"declared": False}}}, "r1"), AllianceAnswer)

        register = get("/api/v1/alliances")
        assert register == {"items": [doc], "next_cursor": None}
        same(register, AlliancesPage)
        assert get("/api/v1/alliances", "other_member") == {"items": [], "next_cursor": None}

        program = get(f"/api/v1/programs/{c.program}", "member")
        assert program == alliance_views.get_program(views, c.program)
        same(program, ProgramAnswer)
        vocabularies = get("/api/v1/programs/vocabularies", "reviewer")
        same(vocabularies, Vocabularies)
        assert vocabularies["priority_sectors"][0] == {"key": "optoelectronics", "label": "光电子"}

        accounts = get("/api/v1/accounts")
        assert accounts == {"items": list_accounts(views), "next_cursor": None}
        same(accounts, AccountsPage)
        assert {a["role"] for a in accounts["items"]} == {"staff", "auditor", "reviewer", "member"}
