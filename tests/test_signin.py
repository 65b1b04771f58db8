"""Sign-in from the attacker's side (issue 11): what a hostile caller can learn
from the answers, whether it can lock staff out from elsewhere, and whether it
can pick its own client address.

The in-process client always connects as the peer "testclient"; `from_peer`
lets each request name the TCP peer a real server would see (the header
`x-test-peer`), so the tests can play a reverse proxy, an office behind NAT
and an attacker on another network.
"""

from __future__ import annotations

import ipaddress
import statistics
import time
from contextlib import contextmanager
from datetime import datetime

import pytest

from api.app import create_app
from api.clients import resolve
from api.ratelimit import RateLimit, counted_as
from domain.values import Actor
from qihui.bootstrap import bootstrap
from qihui.settings import DEFAULT_RATE_LIMIT_SIGN_IN, Settings
from service.accounts import _new_account, create_account, disable
from service.credentials import hash_password
from tests.http import STAFF_PASSWORD, create_staff, in_process_client

LOGIN = "/api/v1/auth/login"
PASSWORD = "zhang-wei-passphrase"
PROXY = "10.0.0.2"  # the association's reverse proxy
OFFICE = "198.51.100.7"  # the secretariat's NAT address
ATTACKER = "203.0.113.66"
SYSTEM = Actor(id="test", role="system")


def from_peer(app):
    """`app` as reached over TCP: the header x-test-peer plays the connection's peer address."""

    async def asgi(scope, receive, send):
        if scope["type"] == "http":
            peer = dict(scope["headers"]).get(b"x-test-peer")
            if peer:
                scope = {**scope, "client": (peer.decode(), 40000)}
        await app(scope, receive, send)

    return asgi


@contextmanager
def door(platform):
    """A client on the platform whose requests say which peer they come from."""
    with in_process_client(from_peer(create_app(platform))) as client:
        yield client


def attempt(client, username, password, peer, forwarded_for=None):
    headers = {"x-test-peer": peer}
    if forwarded_for is not None:
        headers["x-forwarded-for"] = forwarded_for
    return client.post(LOGIN, json={"username": username, "password": password}, headers=headers)


def answer(response):
    return response.status_code, response.headers["content-type"], response.json()


def freeze(platform):
    """Stop the platform's clock, so "in a row" does not depend on how loaded the machine is."""
    frozen = platform.clock.now()
    platform.clock.now = lambda: frozen


def people(platform):
    """zhang_wei can sign in; li_na's account was disabled (she left the association)."""
    create_staff(platform)
    platform.writer.execute(create_account("zhang_wei", PASSWORD, "staff", None, SYSTEM))
    li_na, _ = platform.writer.execute(create_account("li_na", PASSWORD, "staff", None, SYSTEM))
    platform.writer.execute(disable(li_na, reason="已离职", actor=SYSTEM, now=platform.clock.now()))


# -- what the answers give away ------------------------------------------------------
def test_unknown_disabled_and_wrong_password_get_the_same_answer_in_about_the_same_time(platform):
    people(platform)
    guesses = {
        "wrong password": ("zhang_wei", "not-the-passphrase"),
        "unknown username": ("wang_fang", "not-the-passphrase"),
        "disabled, its right password": ("li_na", PASSWORD),
        "disabled, a wrong password": ("li_na", "not-the-passphrase"),
    }
    with door(platform) as client:
        answers, timings = {}, {}
        for kind, (username, password) in guesses.items():
            times = []
            for i in range(3):  # a new address each time: no throttling gets in the way
                started = time.perf_counter()
                r = attempt(client, username, password, f"192.0.2.{10 + i}")
                times.append(time.perf_counter() - started)
                answers.setdefault(kind, answer(r))
                assert answer(r) == answers[kind]
            timings[kind] = statistics.median(times)
    assert len({repr(a) for a in answers.values()}) == 1, answers
    status, content_type, body = answers["wrong password"]
    assert (status, body["code"]) == (401, "wrong_credentials")
    assert content_type.startswith("application/problem+json")
    # Each is one argon2 verification: none answers in a fraction of another's time.
    assert max(timings.values()) < 3 * min(timings.values()), timings


def test_the_throttle_does_not_tell_which_usernames_exist(platform):
    people(platform)
    freeze(platform)
    with door(platform) as client:
        for username, password in (("zhang_wei", "guess"), ("wang_fang", "guess"), ("li_na", PASSWORD)):
            codes = [attempt(client, username, password, ATTACKER).status_code for _ in range(6)]
            assert codes == [401] * 5 + [429], username
        last = [attempt(client, name, "guess", ATTACKER) for name in ("zhang_wei", "wang_fang", "li_na")]
        bodies = [(r.status_code, r.json()["code"], r.json()["detail"]) for r in last]
        assert bodies == [(429, "too_many_failures", bodies[0][2])] * 3
        assert all(int(r.headers["retry-after"]) >= 1 for r in last)


# -- locking staff out from elsewhere ---------------------------------------------------
def test_failures_from_one_address_do_not_make_the_account_wait_at_another(make_platform):
    platform = make_platform(QIHUI_TRUSTED_PROXIES=f"{PROXY}/32")
    create_staff(platform)
    freeze(platform)
    with door(platform) as client:
        # Someone on another network tries passwords for the secretary, through the proxy.
        codes = [attempt(client, "secretary", f"guess-{i}", PROXY, ATTACKER).status_code for i in range(8)]
        assert codes == [401] * 5 + [429] * 3
        # The secretary, at the office behind the same proxy, is not kept waiting.
        assert attempt(client, "secretary", STAFF_PASSWORD, PROXY, OFFICE).status_code == 200
        # Nor from a direct connection.
        assert attempt(client, "secretary", STAFF_PASSWORD, "192.0.2.44").status_code == 200
        # Her success does not wipe the attacker's record.
        assert attempt(client, "secretary", STAFF_PASSWORD, PROXY, ATTACKER).status_code == 429


# -- choosing one's own address -------------------------------------------------------------
def test_x_forwarded_for_from_an_untrusted_peer_changes_nothing(make_platform):
    platform = make_platform(QIHUI_RATE_LIMIT_SIGN_IN="3/60")
    create_staff(platform)
    with door(platform) as client:
        codes = [attempt(client, "nobody", "guess", ATTACKER, f"192.0.2.{i}").status_code for i in range(4)]
        assert codes == [401, 401, 401, 429]


def test_a_trusted_proxy_is_believed_only_for_the_address_it_added(make_platform):
    platform = make_platform(QIHUI_RATE_LIMIT_SIGN_IN="3/60", QIHUI_TRUSTED_PROXIES="10.0.0.0/24")
    create_staff(platform)
    with door(platform) as client:
        # The attacker writes its own X-Forwarded-For; the proxy appends the address it saw.
        codes = [attempt(client, "nobody", "guess", PROXY, f"192.0.2.{i}, {ATTACKER}").status_code
                 for i in range(4)]
        assert codes == [401, 401, 401, 429]
        # A peer that is not a trusted proxy cannot speak for others either.
        codes = [attempt(client, "nobody", "guess", "192.0.2.99", f"198.51.100.{i}").status_code
                 for i in range(4)]
        assert codes == [401, 401, 401, 429]
        # Another client behind the proxy has its own allowance.
        assert attempt(client, "secretary", STAFF_PASSWORD, PROXY, OFFICE).status_code == 200


def test_the_account_throttle_cannot_be_dodged_by_spoofing_the_address(platform):
    create_staff(platform)
    freeze(platform)
    with door(platform) as client:
        codes = [attempt(client, "secretary", "guess", ATTACKER, f"192.0.2.{i}").status_code for i in range(6)]
        assert codes == [401] * 5 + [429]


# -- an office behind one NAT address ------------------------------------------------------
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_fifty_colleagues_behind_one_address_sign_in_within_a_minute(store_env):
    env = {k: v for k, v in store_env.items() if k != "QIHUI_RATE_LIMIT_SIGN_IN"}  # the default limit
    platform = bootstrap(Settings.from_env(env))
    try:
        assert platform.settings.rate_limit_sign_in == DEFAULT_RATE_LIMIT_SIGN_IN
        password_hash = hash_password(PASSWORD)  # one slow hash for all fifty
        names = [f"tongshi_{i:02d}" for i in range(50)]
        platform.writer.execute(lambda uow: [_new_account(
            uow, username=name, role="staff", password_hash=password_hash, organisation_id=None,
            affiliation=None, actor=SYSTEM, reason=None) for name in names])
        with door(platform) as client:
            started = time.monotonic()
            codes = [attempt(client, name, PASSWORD, OFFICE).status_code for name in names]
            assert codes == [200] * 50
            # Room for a few mistyped passwords, and still a limit on one address.
            typos = [attempt(client, f"tongshi_{i:02d}x", "guess", OFFICE) for i in range(11)]
            assert time.monotonic() - started < 60, "too slow to say anything about one window"
            assert [r.status_code for r in typos] == [401] * 10 + [429]
            assert "too many requests" in typos[-1].json()["detail"]
    finally:
        platform.close()


# -- reading the address ----------------------------------------------------------------------
def nets(*specs):
    return tuple(ipaddress.ip_network(s) for s in specs)


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    ("203.0.113.66", [], (), "203.0.113.66"),
    ("203.0.113.66", ["1.2.3.4"], (), "203.0.113.66"),  # nobody trusted: the header is ignored
    ("10.0.0.2", ["1.2.3.4"], ("10.0.0.2/32",), "1.2.3.4"),
    ("10.0.0.2", ["6.6.6.6, 1.2.3.4"], ("10.0.0.0/8",), "1.2.3.4"),  # right-most, not the spoofable left
    ("10.0.0.2", ["6.6.6.6", "1.2.3.4, 10.0.0.9"], ("10.0.0.0/8",), "1.2.3.4"),  # two proxies, two headers
    ("10.0.0.2", [], ("10.0.0.0/8",), "10.0.0.2"),
    ("10.0.0.2", ["10.0.0.7"], ("10.0.0.0/8",), "10.0.0.7"),  # only proxies on the way
    ("10.0.0.2", ["1.2.3.4:5678"], ("10.0.0.0/8",), "1.2.3.4"),
    ("10.0.0.2", ["[2001:db8::1]:443"], ("10.0.0.0/8",), "2001:db8::1"),
    ("10.0.0.2", ["6.6.6.6, not-an-address"], ("10.0.0.0/8",), "10.0.0.2"),  # garbage: count the proxy
    ("::ffff:10.0.0.2", ["1.2.3.4"], ("10.0.0.0/8",), "1.2.3.4"),
    ("fd00::2", ["2001:db8::5"], ("fd00::/8",), "2001:db8::5"),
    ("testclient", ["1.2.3.4"], ("10.0.0.0/8",), "testclient"),
])
def test_the_client_address_is_the_right_most_untrusted_hop(peer, forwarded, trusted, expected):
    assert resolve(peer, forwarded, nets(*trusted)) == expected


def test_trusted_proxies_are_checked_when_the_settings_are_read(tmp_path):
    env = {"QIHUI_DATA_DIR": str(tmp_path), "QIHUI_SECRET_KEY": "k" * 48}
    settings = Settings.from_env({**env, "QIHUI_TRUSTED_PROXIES": " 10.0.0.5, 172.16.0.0/12 ,"})
    assert settings.trusted_proxies == ("10.0.0.5/32", "172.16.0.0/12")
    assert Settings.from_env(env).trusted_proxies == ()
    with pytest.raises(ValueError, match="QIHUI_TRUSTED_PROXIES"):
        Settings.from_env({**env, "QIHUI_TRUSTED_PROXIES": "proxy.internal"})


def test_an_ipv6_client_counts_by_its_64_block():
    assert counted_as("2001:db8:1:2::1") == counted_as("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert counted_as("2001:db8:1:3::1") != counted_as("2001:db8:1:2::1")
    assert counted_as("198.51.100.7") == "198.51.100.7"
    limit = RateLimit.parse("2/60")
    limit.check("2001:db8::1", now=0)
    limit.check("2001:db8::2", now=1)
    with pytest.raises(Exception, match="too many requests"):
        limit.check("2001:db8::3", now=2)


def test_throttle_waits_double_after_five_failures():
    """The rule itself, per (account, address): five free, then 2 s, 4 s, 8 s … up to 15 min."""
    from domain.accounts import lockout_remaining

    last = datetime(2026, 1, 1, 9, 0)
    assert lockout_remaining(4, last, last) is None
    assert lockout_remaining(5, last, last).total_seconds() == 2
    assert lockout_remaining(7, last, last).total_seconds() == 8
    assert lockout_remaining(500, last, last).total_seconds() == 15 * 60
