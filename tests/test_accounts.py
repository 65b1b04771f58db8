"""Accounts over HTTP on both backends: invitations, tokens, sign-out,
disabling, throttling, rate limits, and no secret in logs or in the store."""

import logging
from datetime import timedelta

from api.app import create_app
from tests.factories import application
from tests.http import STAFF_PASSWORD, create_staff, in_process_client, login
from tests.roles import PASSWORD, admitted_org, invited


def invitation(client, staff, **body):
    r = client.post("/api/v1/auth/invitations", json={"email": "lin@example.com", **body}, headers=staff)
    assert r.status_code == 201, r.text
    return r.json()["token"]


def accept(client, token, username="lin_na", password=PASSWORD):
    return client.post("/api/v1/auth/invitations/accept",
                       json={"token": token, "username": username, "password": password})


def test_an_invited_contact_person_acts_for_their_organisation_only(client, staff):
    org = admitted_org(client, staff)
    member = invited(client, staff, "lin_na", "member", organisation_id=org)
    me = client.get("/api/v1/auth/me", headers=member).json()
    assert (me["role"], me["organisation_id"], me["username"]) == ("member", org, "lin_na")
    assert client.get(f"/api/v1/members/{org}", headers=member).status_code == 200
    assert client.get("/api/v1/members", headers=member).status_code == 403


def test_an_invitation_is_single_use(client, staff):
    token = invitation(client, staff, organisation_id=admitted_org(client, staff))
    assert accept(client, token).status_code == 201
    again = accept(client, token, username="someone_else")
    assert (again.status_code, again.json()["code"]) == (409, "invitation_used")


def test_an_invitation_expires_after_seven_days(client, staff, platform):
    token = invitation(client, staff, organisation_id=admitted_org(client, staff))
    platform.clock.offset = timedelta(days=7, minutes=1)
    late = accept(client, token)
    assert (late.status_code, late.json()["code"]) == (409, "invitation_expired")


def test_invitations_are_for_organisations_in_good_standing_and_real_tokens(client, staff):
    # An applicant may have an account (an alliance party need not be a member, seed 002) ...
    applicant = client.post("/api/v1/members", json=application()).json()["id"]
    r = client.post("/api/v1/auth/invitations", json={"email": "a@example.com", "organisation_id": applicant},
                    headers=staff)
    assert r.status_code == 201
    # ... a withdrawn organisation may not get new ones, nor may an organisation that does not exist.
    member = admitted_org(client, staff)
    assert client.post(f"/api/v1/members/{member}/withdraw", json={"reason": "退会"}, headers=staff).status_code == 200
    for org in (member, "3f0c9e4e-6d1a-4c7e-9a52-2b1f0d8e7a11"):
        r = client.post("/api/v1/auth/invitations", json={"email": "a@example.com", "organisation_id": org},
                        headers=staff)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "organisation_id"
    r = client.post("/api/v1/auth/invitations", json={"email": "a@example.com"}, headers=staff)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "organisation_id"
    assert accept(client, "not-a-real-invitation-token").status_code == 404


def test_a_username_is_taken_once_whatever_its_case(client, staff):
    org = admitted_org(client, staff)
    assert accept(client, invitation(client, staff, organisation_id=org), "Lin_Na").status_code == 201
    r = accept(client, invitation(client, staff, organisation_id=org), "lin_na")
    assert (r.status_code, r.json()["code"]) == (409, "duplicate_username")


def test_tokens_expire(client, staff, platform):
    assert client.get("/api/v1/auth/me", headers=staff).status_code == 200
    platform.clock.offset = timedelta(seconds=platform.settings.token_ttl_seconds + 1)
    assert client.get("/api/v1/auth/me", headers=staff).status_code == 401


def test_signing_out_revokes_that_token_only(client, staff):
    second = login(client)
    assert client.post("/api/v1/auth/logout", headers=staff).status_code == 204
    assert client.get("/api/v1/auth/me", headers=staff).status_code == 401
    assert client.get("/api/v1/auth/me", headers=second).status_code == 200


def test_a_disabled_account_is_locked_out_at_once(client, staff):
    org = admitted_org(client, staff)
    member = invited(client, staff, "lin_na", "member", organisation_id=org)
    account = client.get("/api/v1/auth/me", headers=member).json()["id"]
    r = client.post(f"/api/v1/accounts/{account}/disable", json={"reason": "联系人已离职"}, headers=staff)
    assert r.status_code == 200
    assert client.get(f"/api/v1/members/{org}", headers=member).status_code == 401
    # The right password no longer opens it, and the answer does not say the account exists.
    r = client.post("/api/v1/auth/login", json={"username": "lin_na", "password": PASSWORD})
    assert (r.status_code, r.json()["code"]) == (401, "wrong_credentials")
    accounts = client.get("/api/v1/accounts", headers=staff).json()["items"]
    listed = {a["username"]: a["status"] for a in accounts}
    assert listed["lin_na"] == "disabled"


def test_a_new_role_applies_to_tokens_already_issued(client, staff):
    org = admitted_org(client, staff)
    member = invited(client, staff, "lin_na", "member", organisation_id=org)
    account = client.get("/api/v1/auth/me", headers=member).json()["id"]
    assert client.get("/api/v1/members", headers=member).status_code == 403
    r = client.post(f"/api/v1/accounts/{account}/role", json={"role": "auditor", "reason": "调任秘书处审计"},
                    headers=staff)
    assert r.status_code == 200, r.text
    after = r.json()["position"]
    assert client.get(f"/api/v1/members?min_position={after}", headers=member).status_code == 200


def test_repeated_failed_sign_ins_slow_the_account_down(client, platform):
    for _ in range(5):
        r = client.post("/api/v1/auth/login", json={"username": "secretary", "password": "wrong-password"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/login", json={"username": "secretary", "password": STAFF_PASSWORD})
    assert (r.status_code, r.json()["code"]) == (429, "too_many_failures")
    assert int(r.headers["retry-after"]) >= 1
    platform.clock.offset = timedelta(seconds=3)
    assert client.post("/api/v1/auth/login",
                       json={"username": "secretary", "password": STAFF_PASSWORD}).status_code == 200


def test_sign_in_and_applications_are_rate_limited_per_client(make_platform):
    platform = make_platform(QIHUI_RATE_LIMIT_SIGN_IN="3/60", QIHUI_RATE_LIMIT_APPLY="2/3600")
    create_staff(platform)
    with in_process_client(create_app(platform)) as client:
        codes = [client.post("/api/v1/auth/login", json={"username": "secretary", "password": "x" * 12})
                 .status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        codes = [client.post("/api/v1/members", json=application()).status_code for _ in range(3)]
        assert codes == [201, 201, 429]
        limited = client.post("/api/v1/members", json=application())
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert 1 <= int(limited.headers["retry-after"]) <= 3600


def test_no_password_or_token_reaches_the_logs_or_the_event_store(client, staff, platform, caplog):
    caplog.set_level(logging.DEBUG)
    org = admitted_org(client, staff)
    token = invitation(client, staff, organisation_id=org)
    assert accept(client, token, "lin_na", "secret-passphrase-42").status_code == 201
    bearer = login(client, "lin_na", "secret-passphrase-42")["Authorization"].split()[1]
    client.post("/api/v1/auth/login", json={"username": "lin_na", "password": "wrong-passphrase-43"})
    client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {bearer}"})
    secrets = ["secret-passphrase-42", "wrong-passphrase-43", token, bearer, STAFF_PASSWORD]
    logged = caplog.text
    assert [s for s in secrets if s in logged] == []
    table = platform.app.recorder.events_table_name
    with platform.views.read() as tx:
        stored = " ".join(bytes(r["state"]).decode() for r in tx.fetchall(f"SELECT state FROM {table}"))
    assert "lin_na" in stored  # the scan reads real event payloads
    assert [s for s in secrets if s in stored] == []
