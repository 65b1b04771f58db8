"""Passwords over HTTP (issue 13): changing one's own, staff-issued single-use
resets, re-enabling an account, the password rule, and the first staff account
made without a terminal."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from click.testing import CliRunner

from api.app import create_app
from qihui.bootstrap import bootstrap
from qihui.cli import main
from qihui.settings import Settings
from service.credentials import MIN_PASSWORD_LENGTH, PASSWORD_RULE
from tests.http import in_process_client, login
from tests.roles import PASSWORD, admitted_org, invited

NEW_PASSWORD = "桃花潭水深千尺-2026"


def member(client, staff, username="lin_na"):
    """A contact person's account: (Authorization header, account id)."""
    headers = invited(client, staff, username, "member", organisation_id=admitted_org(client, staff))
    return headers, client.get("/api/v1/auth/me", headers=headers).json()["id"]


def change(client, headers, current, new):
    return client.post("/api/v1/auth/password", json={"current_password": current, "new_password": new},
                       headers=headers)


def sign_in(client, username, password):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def issue_reset(client, staff, account_id, **body):
    r = client.post("/api/v1/auth/password-resets", json={"account_id": account_id, **body}, headers=staff)
    assert r.status_code == 201, r.text
    return r.json()


def use_reset(client, token, password=NEW_PASSWORD):
    return client.post("/api/v1/auth/password-resets/accept", json={"token": token, "password": password})


def events_of(client, staff, aggregate_id, position):
    r = client.get(f"/api/v1/audit/events?aggregate_id={aggregate_id}&min_position={position}", headers=staff)
    assert r.status_code == 200, r.text
    return r.json()["items"]


# -- changing one's own password ------------------------------------------------------
def test_changing_ones_password_needs_the_current_one_and_signs_out_other_sessions(client, staff):
    here, account = member(client, staff)
    elsewhere = login(client, "lin_na", PASSWORD)  # the same person on another computer

    wrong = change(client, here, "not-my-password", NEW_PASSWORD)
    assert (wrong.status_code, wrong.json()["code"]) == (403, "wrong_password")
    assert wrong.json()["errors"][0]["field"] == "current_password"
    short = change(client, here, PASSWORD, "short")
    assert (short.status_code, short.json()["errors"][0]["field"]) == (422, "new_password")
    assert short.json()["detail"] == PASSWORD_RULE

    done = change(client, here, PASSWORD, NEW_PASSWORD)
    assert done.status_code == 200, done.text
    assert client.get("/api/v1/auth/me", headers=here).status_code == 200  # this session stays
    assert client.get("/api/v1/auth/me", headers=elsewhere).status_code == 401  # the others end
    assert sign_in(client, "lin_na", PASSWORD).status_code == 401
    assert sign_in(client, "lin_na", NEW_PASSWORD).status_code == 200

    # The history says who changed it and why, and holds no password or hash.
    changed = [e for e in events_of(client, staff, account, done.json()["position"])
               if e["type"].endswith("PasswordChanged")]
    assert len(changed) == 1
    assert changed[0]["actor"]["id"] == account and "本人修改密码" in changed[0]["reason"]
    assert "password_hash" not in changed[0]["data"]


def test_wrong_current_passwords_count_as_failed_sign_ins(client, staff, platform):
    here, _ = member(client, staff)
    frozen = platform.clock.now()
    platform.clock.now = lambda: frozen
    codes = [change(client, here, f"guess-{i}-guess", NEW_PASSWORD).status_code for i in range(6)]
    assert codes == [403] * 5 + [429]


def test_the_password_rule_is_one_sentence_everywhere(client, staff):
    assert str(MIN_PASSWORD_LENGTH) in PASSWORD_RULE
    org = admitted_org(client, staff)
    r = client.post("/api/v1/auth/invitations", json={"email": "a@example.com", "organisation_id": org},
                    headers=staff)
    too_short = client.post("/api/v1/auth/invitations/accept",
                            json={"token": r.json()["token"], "username": "zhou_li", "password": "x" * 9})
    assert too_short.status_code == 422 and too_short.json()["detail"] == PASSWORD_RULE
    own_name = client.post("/api/v1/auth/invitations/accept",
                           json={"token": r.json()["token"], "username": "zhou_li_2026",
                                 "password": "Zhou_Li_2026"})
    assert own_name.status_code == 422 and own_name.json()["errors"][0]["field"] == "password"
    ten_chinese = client.post("/api/v1/auth/invitations/accept", json={
        "token": r.json()["token"], "username": "zhou_li", "password": "床前明月光疑是地上霜"})
    assert ten_chinese.status_code == 201
    schema = client.get("/schema/openapi.json").text
    assert PASSWORD_RULE.split(" (")[0] in schema


# -- resets issued by staff -------------------------------------------------------------
def test_a_reset_issued_by_staff_sets_a_new_password_once(client, staff):
    headers, account = member(client, staff)
    issued = issue_reset(client, staff, account, reason="联系人忘记密码，电话核实身份")
    assert set(issued) >= {"id", "token", "expires_at", "position"}

    done = use_reset(client, issued["token"])
    assert done.status_code == 200, done.text
    assert done.json()["id"] == account
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401  # every session ends
    assert sign_in(client, "lin_na", PASSWORD).status_code == 401
    assert sign_in(client, "lin_na", NEW_PASSWORD).status_code == 200

    again = use_reset(client, issued["token"], "yet-another-passphrase")
    assert (again.status_code, again.json()["code"]) == (409, "password_reset_used")
    assert sign_in(client, "lin_na", NEW_PASSWORD).status_code == 200

    history = events_of(client, staff, issued["id"], done.json()["position"])
    assert [e["type"].rsplit(".", 1)[-1] for e in history] == ["Issued", "Used"]
    assert history[0]["reason"] == "联系人忘记密码，电话核实身份"
    assert all("token_hash" not in e["data"] for e in history)


def test_a_reset_expires_after_a_day(client, staff, platform):
    _, account = member(client, staff)
    issued = issue_reset(client, staff, account)
    platform.clock.offset = timedelta(hours=24, minutes=1)
    late = use_reset(client, issued["token"])
    assert (late.status_code, late.json()["code"]) == (409, "password_reset_expired")
    assert sign_in(client, "lin_na", PASSWORD).status_code == 200


def test_a_reset_is_spent_once_the_password_changes_another_way(client, staff):
    headers, account = member(client, staff)
    first, second = issue_reset(client, staff, account), issue_reset(client, staff, account)
    assert change(client, headers, PASSWORD, NEW_PASSWORD).status_code == 200
    for issued in (first, second):
        r = use_reset(client, issued["token"], "someone-elses-passphrase")
        assert (r.status_code, r.json()["code"]) == (409, "password_reset_used")


def test_resets_refuse_unknown_tokens_and_accounts_and_disabled_accounts(client, staff):
    _, account = member(client, staff)
    assert use_reset(client, "not-a-real-reset-token").status_code == 404
    r = client.post("/api/v1/auth/password-resets", headers=staff,
                    json={"account_id": "00000000-0000-0000-0000-000000000001"})
    assert (r.status_code, r.json()["errors"][0]["field"]) == (404, "account_id")
    issued = issue_reset(client, staff, account)
    client.post(f"/api/v1/accounts/{account}/disable", json={"reason": "联系人离职"}, headers=staff)
    r = client.post("/api/v1/auth/password-resets", json={"account_id": account}, headers=staff)
    assert r.status_code == 409
    assert use_reset(client, issued["token"]).status_code == 409  # no way back in while disabled
    short = use_reset(client, issued["token"], "short")
    assert short.status_code == 422 and short.json()["detail"] == PASSWORD_RULE


# -- re-enabling -------------------------------------------------------------------------
def test_a_disabled_account_is_enabled_again_with_a_reason(client, staff):
    old_token, account = member(client, staff)
    assert client.post(f"/api/v1/accounts/{account}/disable", json={"reason": "联系人离职"},
                       headers=staff).status_code == 200
    assert sign_in(client, "lin_na", PASSWORD).status_code == 401
    assert client.post(f"/api/v1/accounts/{account}/enable", json={"reason": " "},
                       headers=staff).status_code == 422
    r = client.post(f"/api/v1/accounts/{account}/enable", json={"reason": "联系人返岗"}, headers=staff)
    assert r.status_code == 200, r.text
    assert sign_in(client, "lin_na", PASSWORD).status_code == 200
    assert client.get("/api/v1/auth/me", headers=old_token).status_code == 401  # old sessions stay ended
    again = client.post(f"/api/v1/accounts/{account}/enable", json={"reason": "再次"}, headers=staff)
    assert (again.status_code, again.json()["code"]) == (409, "illegal_transition")
    listed = {a["username"]: a["status"] for a in client.get("/api/v1/accounts", headers=staff).json()["items"]}
    assert listed["lin_na"] == "active"
    history = events_of(client, staff, account, r.json()["position"])
    enabled = [e for e in history if e["type"].endswith("Enabled")]
    assert enabled[0]["reason"] == "联系人返岗" and enabled[0]["summary"] == "重新启用账号：联系人返岗"


# -- the first staff account without a terminal -------------------------------------------
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_create_staff_needs_no_terminal(store_env):
    runner = CliRunner()

    def create(username, *args, input=None, env=None):
        return runner.invoke(main, ["users", "create-staff", username, *args], input=input,
                             env={**store_env, **(env or {})})

    from_env = create("mishu_a", env={"QIHUI_NEW_PASSWORD": "from-the-environment"})
    assert from_env.exit_code == 0, from_env.output
    from_stdin = create("mishu_b", "--password-stdin", input="from-standard-input\n")
    assert from_stdin.exit_code == 0, from_stdin.output
    prompted = create("mishu_c", input="typed-at-the-prompt\ntyped-at-the-prompt\n")
    assert prompted.exit_code == 0, prompted.output
    assert PASSWORD_RULE in prompted.output  # stated before the prompt
    short = create("mishu_d", env={"QIHUI_NEW_PASSWORD": "short"})
    assert short.exit_code != 0 and PASSWORD_RULE in short.output

    platform = bootstrap(Settings.from_env(store_env))
    try:
        with in_process_client(create_app(platform)) as client:
            login(client, "mishu_a", "from-the-environment")
            login(client, "mishu_b", "from-standard-input")
            login(client, "mishu_c", "typed-at-the-prompt")
            assert sign_in(client, "mishu_d", "short").status_code == 401
    finally:
        platform.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_operators_enable_and_reset_from_the_command_line(store_env):
    runner = CliRunner()

    def users(*args, input=None):
        result = runner.invoke(main, ["users", *args], input=input, env=store_env)
        assert result.exit_code == 0, result.output
        return result.output

    users("create-staff", "mishu", "--password-stdin", input=f"{PASSWORD}\n")
    users("disable", "mishu", "--reason", "调岗")
    users("enable", "mishu", "--reason", "返岗")
    token = users("reset-password", "mishu").strip().splitlines()[-1]
    platform = bootstrap(Settings.from_env(store_env))
    try:
        with in_process_client(create_app(platform)) as client:
            assert use_reset(client, token).status_code == 200
            login(client, "mishu", NEW_PASSWORD)
    finally:
        platform.close()


def test_no_new_password_or_reset_token_reaches_the_logs_or_the_event_store(client, staff, platform, caplog):
    caplog.set_level(logging.DEBUG)
    headers, account = member(client, staff)
    assert change(client, headers, PASSWORD, "changed-passphrase-77").status_code == 200
    token = issue_reset(client, staff, account)["token"]
    assert use_reset(client, token, "reset-passphrase-88").status_code == 200
    secrets = ["changed-passphrase-77", "reset-passphrase-88", token]
    assert [s for s in secrets if s in caplog.text] == []
    table = platform.app.recorder.events_table_name
    with platform.views.read() as tx:
        stored = " ".join(bytes(r["state"]).decode() for r in tx.fetchall(f"SELECT state FROM {table}"))
    assert "PasswordChanged" in stored or "lin_na" in stored  # the scan reads real event payloads
    assert [s for s in secrets if s in stored] == []
