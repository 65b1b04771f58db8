"""Notices, embedded: a salon of one seat fills up, the second enterprise waits, the first
cancels, and the second is told by e-mail (a real local SMTP server) and in its inbox."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import replace
from datetime import timedelta

import pytest

from api.app import create_app
from projections import notices_inbox
from projections.notices import decided, fact_of
from tests.fake_gateways import SmsGateway, SmtpServer
from tests.http import create_staff, in_process_client, login, ok
from tests.roles import admitted_org, invited
from tests.test_cli_and_workers import QIHUI
from tests.test_pages_access import Browser
from tests.test_pipl import event_store_text
from workers.channels.email import EmailChannel
from workers.channels.sms import SmsChannel
from workers.notifier import Notifier


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailing(make_platform, smtp):
    """A platform whose notifier sends e-mail to the local server, with its HTTP client."""
    platform = make_platform(**smtp.env(), QIHUI_NOTIFIER_BACKOFF="0.1")
    create_staff(platform)
    with in_process_client(create_app(platform)) as client:
        yield platform, client


def salon(client, platform, staff, capacity=1, **extra):
    starts = platform.clock.now() + timedelta(days=10)
    return ok(client.post("/api/v1/sessions", headers=staff, json={
        "kind": "salon", "title": "人工智能小集会", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(), "venue": "协会会议室", "capacity": capacity,
        "registration_closes_at": (starts - timedelta(days=1)).isoformat(), **extra}), 201)["id"]


def register(client, session, org, headers):
    return ok(client.post(f"/api/v1/sessions/{session}/registrations", headers=headers,
                          json={"organisation_id": org, "attendees": [{"name": "王芳"}]}), 201)


def inbox(client, headers, position=0, **params):
    return ok(client.get("/api/v1/inbox", headers=headers, params={"min_position": position, **params}))


def eventually(check, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def two_members(client):
    staff = login(client)
    org_a, org_b = admitted_org(client, staff), admitted_org(client, staff)
    return staff, org_a, org_b, invited(client, staff, "huiyuan_a", "member", org_a), \
        invited(client, staff, "huiyuan_b", "member", org_b)


def test_a_promotion_from_the_waitlist_reaches_the_member_by_email_and_inbox(mailing, smtp):
    platform, client = mailing
    staff, org_a, org_b, member_a, member_b = two_members(client)
    session = salon(client, platform, staff)
    assert register(client, session, org_a, member_a)["status"] == "confirmed"
    assert register(client, session, org_b, member_b)["status"] == "waitlisted"
    # The first enterprise cancels: the second takes the seat at once.
    cancelled = ok(client.delete(f"/api/v1/sessions/{session}/registrations/{org_a}", headers=member_a))

    mine = inbox(client, member_b, cancelled["position"])
    assert [n["kind"] for n in mine["items"]] == ["promoted", "registration_waitlisted"]
    assert mine["unread"] == 2
    promoted = mine["items"][0]
    assert promoted["title_zh"] == "候补递补成功：人工智能小集会" and "协会会议室" in promoted["body_zh"]
    assert promoted["title_en"] == "Promoted from the waitlist: 人工智能小集会" and not promoted["read"]
    assert [n["kind"] for n in inbox(client, member_a)["items"]] == ["registration_confirmed"]

    mails = eventually(lambda: smtp.to("huiyuan_b@example.com") if len(smtp.to("huiyuan_b@example.com")) >= 2
                       else None)
    assert sorted(m["Subject"] for m in mails) == ["候补递补成功：人工智能小集会", "已进入候补：人工智能小集会"]
    body = next(m for m in mails if m["Subject"].startswith("候补递补")).get_content()
    assert "正式参会单位" in body and "A seat freed" in body
    # The secretariat heard of both applications, in its inbox and by nothing else (no staff e-mail known).
    assert [n["kind"] for n in inbox(client, staff)["items"]].count("new_application") == 2
    time.sleep(0.3)
    assert len(smtp.to("huiyuan_b@example.com")) == 2  # once each, however long the notifier runs


def test_a_member_marks_its_own_notices_read_and_no_one_else_s(mailing):
    platform, client = mailing
    staff, org_a, _, member_a, member_b = two_members(client)
    session = salon(client, platform, staff)
    done = register(client, session, org_a, member_a)
    notice = inbox(client, member_a, done["position"])["items"][0]
    # Another organisation's member cannot touch it, nor learn it exists.
    r = client.post("/api/v1/inbox/read", headers=member_b, json={"ids": [notice["id"]]})
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "ids"
    assert client.post("/api/v1/inbox/read", json={"ids": [notice["id"]]}).status_code == 401
    assert client.post("/api/v1/inbox/read", headers=member_a, json={"ids": ["not-an-id"]}).status_code == 400
    assert inbox(client, member_b)["items"] == []
    read = ok(client.post("/api/v1/inbox/read", headers=member_a, json={"ids": [notice["id"]]}))
    after = inbox(client, member_a, read["position"])
    assert after["unread"] == 0 and after["items"][0]["read"] and after["items"][0]["read_at"]
    assert inbox(client, member_a, unread="true")["items"] == []
    # API.md's form, one notice by its id: the same rule.
    assert client.post(f"/api/v1/inbox/{notice['id']}/read", headers=member_b).status_code == 404
    assert client.post("/api/v1/inbox/not-a-notice/read", headers=member_a).status_code == 404
    ok(client.post(f"/api/v1/inbox/{notice['id']}/read", headers=member_a))


def test_api_md_preferences_choose_several_kinds_at_once_or_none(mailing):
    _, client = mailing
    _, _, _, member_a, _ = two_members(client)
    done = ok(client.put("/api/v1/me/notice-preferences", headers=member_a,
                         json={"registration_confirmed": ["inbox", "sms"], "promoted": ["email", "wechat"]}))
    prefs = ok(client.get(f"/api/v1/inbox/preferences?min_position={done['position']}", headers=member_a))
    chosen = {k["kind"]: k["channels"] for k in prefs["kinds"]}
    assert chosen["registration_confirmed"] == ["sms"] and chosen["promoted"] == ["email", "wechat"]
    # One unknown kind refuses the whole change.
    r = client.put("/api/v1/me/notice-preferences", headers=member_a,
                   json={"promoted": ["email"], "nonsense": ["email"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    again = {k["kind"]: k["channels"] for k in ok(client.get("/api/v1/inbox/preferences", headers=member_a))["kinds"]}
    assert again["promoted"] == ["email", "wechat"]
    empty = client.put("/api/v1/me/notice-preferences", headers=member_a, json={})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "kind"
    assert client.put("/api/v1/me/notice-preferences", json={"promoted": ["email"]}).status_code == 401


def test_preferences_choose_the_channels_and_an_erased_person_gets_nothing(mailing, smtp):
    platform, client = mailing
    staff, org_a, org_b, member_a, member_b = two_members(client)
    prefs = ok(client.get("/api/v1/inbox/preferences", headers=member_a))
    assert prefs["contact"] == {"email": "huiyuan_a@example.com"}  # where the invitation went
    assert prefs["available"]["email"] == "on" and prefs["available"]["sms"].startswith("off")
    assert {k["kind"]: k["channels"] for k in prefs["kinds"]}["registration_confirmed"] == ["email", "sms", "wechat"]
    # Bad choices are refused, naming the field.
    r = client.post("/api/v1/inbox/preferences", headers=member_a, json={"kind": "nonsense", "channels": []})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    r = client.post("/api/v1/inbox/preferences", headers=member_a, json={"kind": "promoted", "channels": ["fax"]})
    assert r.status_code == 400 and "channels" in r.text
    # A chose the inbox alone for confirmations; B keeps e-mail.
    ok(client.post("/api/v1/inbox/preferences", headers=member_a,
                   json={"kind": "registration_confirmed", "channels": []}))
    session = salon(client, platform, staff, capacity=5)
    register(client, session, org_a, member_a)
    done = register(client, session, org_b, member_b)
    assert eventually(lambda: smtp.to("huiyuan_b@example.com"))
    time.sleep(0.3)
    assert smtp.to("huiyuan_a@example.com") == []
    assert len(inbox(client, member_a, done["position"])["items"]) == 1

    # B's person is erased (PIPL): B's accounts are told in the app only, never by e-mail again.
    account_b = ok(client.get("/api/v1/auth/me", headers=member_b))["id"]
    person = notices_inbox.account(platform.views, account_b)["invited_email"]["person_id"]
    ok(client.post(f"/api/v1/people/{person}/erasure", headers=staff, json={"reason": "本人申请删除"}))
    cancelled = ok(client.post(f"/api/v1/sessions/{session}/cancel", headers=staff, json={"reason": "场地检修"}))
    assert inbox(client, member_b, cancelled["position"])["items"][0]["kind"] == "session_cancelled"
    assert ok(client.get("/api/v1/inbox/preferences", headers=member_b))["contact"] == {}
    time.sleep(1)
    assert [m["Subject"] for m in smtp.to("huiyuan_b@example.com")] == ["报名已确认：人工智能小集会"]


def test_a_contact_of_ones_own_is_sealed_and_used(mailing, smtp):
    platform, client = mailing
    staff, org_a, _, member_a, _ = two_members(client)
    r = client.post("/api/v1/inbox/contact", headers=member_a, json={})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "email"
    r = client.post("/api/v1/inbox/contact", headers=member_a, json={"email": "not an address"})
    assert r.status_code == 400
    done = ok(client.post("/api/v1/inbox/contact", headers=member_a,
                          json={"email": "wang.fang@qiye.example.cn", "phone": "13800138000"}))
    prefs = ok(client.get("/api/v1/inbox/preferences", headers=member_a, params={"min_position": done["position"]}))
    assert prefs["contact"] == {"email": "wang.fang@qiye.example.cn", "phone": "13800138000"}
    # Stored sealed: the address is nowhere in the clear in the event store.
    assert "wang.fang" not in event_store_text(platform) and "13800138000" not in event_store_text(platform)
    session = salon(client, platform, staff)
    register(client, session, org_a, member_a)
    assert eventually(lambda: smtp.to("wang.fang@qiye.example.cn"))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_send_claimed_by_a_worker_that_died_is_taken_over_only_where_nothing_went_out(
        make_platform, smtp):
    gateway = SmsGateway().start()
    platform = make_platform()  # no channel of its own: the two notifiers below are the workers
    platform.settings = replace(platform.settings, notifier_lease=0.3, notifier_backoff=(0.1,))
    sending = replace(platform.settings, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_from="m@xiehui.example.cn",
                      smtp_tls="none", sms_url=gateway.url + "/", sms_key=SmsGateway.KEY,
                      sms_secret=SmsGateway.SECRET)
    channels = lambda: {"email": EmailChannel(sending), "sms": SmsChannel(sending)}  # noqa: E731
    create_staff(platform)
    try:
        with in_process_client(create_app(platform)) as client:
            staff, org_a, _, member_a, _ = two_members(client)
            ok(client.post("/api/v1/inbox/contact", headers=member_a, json={"phone": "13800138000"}))
            done = register(client, salon(client, platform, staff), org_a, member_a)
            inbox(client, member_a, done["position"])
            dead, alive = Notifier(platform, channels=channels()), Notifier(platform, channels=channels())
            fact = fact_of(*platform.runner.read_batch(done["position"] - 1)[0])
            with platform.views.read() as tx:
                notice = decided(tx, [fact["event_id"]])[0]
            # The first worker claimed both sends and died before sending either.
            dead._claim_all([(notice, dead.channels["email"])])
            dead._claim_all([(notice, dead.channels["sms"])])
            outcome = alive.handle(fact)
            assert outcome.sent == 0 and "being sent by another worker" in outcome.failures[0]
            time.sleep(0.4)  # the lease ends
            assert alive.due_retries() == [fact["position"]]
            assert alive.replay(alive.due_retries()).sent == 1
            assert [m["Subject"] for m in smtp.to("huiyuan_a@example.com")] == ["报名已确认：人工智能小集会"]
            # The SMS may have gone out before the worker died: never sent twice, listed as in doubt.
            assert gateway.requests == []
            assert [(r["channel"], r["status"]) for r in alive.failed()] == [("sms", "sending")]
            assert alive.replay([fact["position"]]).sent == 0 and len(smtp.messages) == 1
    finally:
        gateway.stop()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_inbox_page_shows_ones_own_notices_in_the_chosen_language_and_marks_them_read(client, staff, platform):
    org_a, org_b = admitted_org(client, staff), admitted_org(client, staff)
    member_a = invited(client, staff, "huiyuan_a", "member", org_a)
    member_b = invited(client, staff, "huiyuan_b", "member", org_b)
    done = register(client, salon(client, platform, staff), org_a, member_a)
    inbox(client, member_a, done["position"])
    page_a, page_b = Browser(client, member_a), Browser(client, member_b)
    seen = page_a.get("/portal/inbox")
    assert seen.status_code == 200 and "报名已确认：人工智能小集会" in seen.text and "1 条未读" in seen.text
    assert "报名已确认" not in page_b.get("/portal/inbox").text  # another organisation's account sees none of it
    r = page_a.post("/portal/inbox/read", {})
    assert r.status_code == 303 and r.headers["location"].endswith("done=notices.done.read")
    assert "0 条未读" in page_a.get("/portal/inbox").text
    assert inbox(client, member_a)["unread"] == 0
    client.cookies.clear()
    english = client.get("/portal/inbox", headers={"cookie": page_a._cookie()["cookie"] + "; qihui_lang=en"})
    assert "Registration confirmed: 人工智能小集会" in english.text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_embedded_a_gateway_that_keeps_failing_is_given_up_listed_and_retried_by_the_command(
        make_platform, store_env):
    gateway = SmsGateway().start()
    env = {**gateway.env(), "QIHUI_NOTIFIER_MAX_DELIVER": "2", "QIHUI_NOTIFIER_BACKOFF": "0.1"}
    platform = make_platform(**env)  # embedded: the notifier follows the log in this process
    create_staff(platform)

    def cli(*args):
        return subprocess.run([QIHUI, *args], env={**os.environ, **store_env, **env}, capture_output=True,
                              text=True, timeout=60)

    try:
        with in_process_client(create_app(platform)) as client:
            staff, org_a, _, member_a, _ = two_members(client)
            ok(client.post("/api/v1/inbox/contact", headers=member_a, json={"phone": "13800138000"}))
            gateway.script = ["500", "500"]
            register(client, salon(client, platform, staff), org_a, member_a)
            failed = eventually(lambda: json.loads(cli("notices", "failed", "--json").stdout or "[]"))
            assert [(f["channel"], f["kind"], f["status"], f["attempts"]) for f in failed] == [
                ("sms", "registration_confirmed", "dead", 2)]
            assert "500" in failed[0]["error"] and gateway.sent() == []
            done = cli("notices", "retry")
            assert done.returncode == 0 and "sent 1 notices; 0 still failing" in done.stdout, done.stderr
            assert len(gateway.sent()) == 1 and json.loads(cli("notices", "failed", "--json").stdout) == []
    finally:
        gateway.stop()
