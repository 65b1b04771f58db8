"""Idempotency-Key on commands, on both backends: a retry answers the first
outcome and applies nothing, across replicas; keys are per caller; failures
(5xx) release the key; a key held by a running request is waited for, then 409."""

import threading
import time
import uuid
from datetime import timedelta
from uuid import UUID

import msgspec
import pytest
from eventsourcing.persistence import OperationalError

from api import idempotency
from api.app import create_app
from tests.factories import application
from tests.http import create_staff, in_process_client, login

HEADER = "Idempotency-Key"


def assert_problem(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["code"] == code
    return body


def names_the_header(body):
    assert HEADER in [e["field"] for e in body["errors"]], body


def key() -> str:
    return f"retry-{uuid.uuid4()}"


def roster_count(client, platform, staff, name) -> int:
    r = client.get("/api/v1/members", params={"q": name, "min_position": platform.runner.head()},
                   headers=staff)
    assert r.status_code == 200, r.text
    return len(r.json()["items"])


def account_id(client, headers) -> str:
    return client.get("/api/v1/auth/me", headers=headers).json()["id"]


def test_an_application_sent_twice_creates_one_organisation(client, platform, staff):
    body, k = application(), key()
    first = client.post("/api/v1/members", json=body, headers={HEADER: k})
    again = client.post("/api/v1/members", json=body, headers={HEADER: k})
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert roster_count(client, platform, staff, body["name"]) == 1
    # Without the key the same application really runs again, and is refused.
    r = client.post("/api/v1/members", json=body)
    assert_problem(r, 409, "duplicate_credit_code")


def test_a_staff_command_retried_gives_one_event_and_the_same_answer(client, platform, staff):
    org = client.post("/api/v1/members", json=application()).json()
    k = key()
    answers = [client.post(f"/api/v1/members/{org['id']}/admit", json={"tier": "council"},
                           headers={**staff, HEADER: k}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[1].json() == answers[2].json() == answers[0].json()
    assert platform.app.repository.get(UUID(org["id"])).version == 2  # applied + admitted, once


def test_a_refusal_is_an_outcome_too(client, platform, staff):
    """A business refusal is kept: the retry answers it even though the state has moved on."""
    org = client.post("/api/v1/members", json=application()).json()
    k, reason = key(), {"reason": "未缴会费"}
    refused = client.post(f"/api/v1/members/{org['id']}/suspend", json=reason, headers={**staff, HEADER: k})
    assert_problem(refused, 409, "illegal_transition")
    assert client.post(f"/api/v1/members/{org['id']}/admit", json={}, headers=staff).status_code == 200
    again = client.post(f"/api/v1/members/{org['id']}/suspend", json=reason, headers={**staff, HEADER: k})
    assert again.status_code == 409 and again.content == refused.content
    assert again.headers["idempotent-replayed"] == "true"
    assert platform.app.repository.get(UUID(org["id"])).status == "admitted"


def test_the_same_key_for_another_request_is_refused(client, staff):
    k = key()
    assert client.post("/api/v1/members", json=application(), headers={HEADER: k}).status_code == 201
    other = client.post("/api/v1/members", json=application(), headers={HEADER: k})
    names_the_header(assert_problem(other, 422, "idempotency_key_reused"))
    # Same body, another route: refused as well.
    a, b = (client.post("/api/v1/members", json=application()).json()["id"] for _ in range(2))
    assert client.post(f"/api/v1/members/{a}/admit", json={}, headers={**staff, HEADER: k}).status_code == 200
    other = client.post(f"/api/v1/members/{b}/admit", json={}, headers={**staff, HEADER: k})
    names_the_header(assert_problem(other, 422, "idempotency_key_reused"))


def test_two_replicas_apply_a_retried_key_once(make_platform):
    replicas = [make_platform(), make_platform()]
    create_staff(replicas[0])
    with in_process_client(create_app(replicas[0])) as a, in_process_client(create_app(replicas[1])) as b:
        body, k = application(), key()
        first = a.post("/api/v1/members", json=body, headers={HEADER: k})
        again = b.post("/api/v1/members", json=body, headers={HEADER: k})
        assert first.status_code == again.status_code == 201, again.text
        assert again.content == first.content and again.headers["idempotent-replayed"] == "true"

        # Several retries at once, on both replicas: the command runs once; the
        # others wait for it and answer its outcome (or 409 if it takes too long).
        body, k = application(), key()
        barrier, answers = threading.Barrier(6), []

        def send(client):
            barrier.wait()
            answers.append(client.post("/api/v1/members", json=body, headers={HEADER: k}))

        threads = [threading.Thread(target=send, args=(c,)) for c in (a, b) * 3]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        created = [r for r in answers if r.status_code == 201]
        assert len(created) + sum(r.status_code == 409 for r in answers) == 6, [r.text for r in answers]
        assert len({r.content for r in created}) == 1
        assert sum("idempotent-replayed" not in r.headers for r in created) == 1
        for r in answers:
            if r.status_code == 409:
                assert_problem(r, 409, "idempotency_key_in_progress")
                assert r.headers["retry-after"]
        staff = login(a)
        assert roster_count(a, replicas[0], staff, body["name"]) == 1


def test_two_callers_may_use_the_same_key(client, platform, staff):
    create_staff(platform, "treasurer")
    other = login(client, "treasurer")
    one, two = (client.post("/api/v1/members", json=application()).json()["id"] for _ in range(2))
    k = key()
    r1 = client.post(f"/api/v1/members/{one}/admit", json={}, headers={**staff, HEADER: k})
    r2 = client.post(f"/api/v1/members/{two}/admit", json={}, headers={**other, HEADER: k})
    assert r1.status_code == r2.status_code == 200
    assert "idempotent-replayed" not in r2.headers and r2.json()["id"] == two
    # A public caller (scoped by address) has its own keys too.
    r3 = client.post("/api/v1/members", json=application(), headers={HEADER: k})
    assert r3.status_code == 201 and "idempotent-replayed" not in r3.headers


@pytest.mark.parametrize("bad", ["", "   ", "x" * 256, "键".encode(), b"a\x7fb"])
def test_a_malformed_key_is_refused_and_nothing_runs(client, platform, staff, bad):
    body = application()
    r = client.post("/api/v1/members", json=body, headers={HEADER: bad})
    names_the_header(assert_problem(r, 400, "invalid_idempotency_key"))
    assert roster_count(client, platform, staff, body["name"]) == 0


def test_the_longest_key_is_accepted(client):
    k = "~" * 200 + " " + "k" * 54
    assert client.post("/api/v1/members", json=application(), headers={HEADER: k}).status_code == 201


def test_a_retry_after_a_failure_runs_the_command(client, platform, staff):
    """The database drops the first save (a 503): the key is released, the retry applies."""
    real_save, calls = platform.app.save, []

    def flaky_save(*aggregates, **kwargs):
        calls.append(aggregates)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_save(*aggregates, **kwargs)

    platform.app.save = flaky_save
    body, k = application(), key()
    failed = client.post("/api/v1/members", json=body, headers={HEADER: k})
    assert_problem(failed, 503, "unavailable")
    retried = client.post("/api/v1/members", json=body, headers={HEADER: k})
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
    again = client.post("/api/v1/members", json=body, headers={HEADER: k})
    assert again.content == retried.content and again.headers["idempotent-replayed"] == "true"
    assert roster_count(client, platform, staff, body["name"]) == 1


def test_a_key_held_by_a_running_request_is_waited_for_then_409(platform, monkeypatch):
    """Another replica holds the key (its command still running): a duplicate waits
    briefly, then 409 with Retry-After; another body is 422 at once; when the other
    request gives up the key, a waiting duplicate runs; a dead holder's lease expires."""
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.5)
    create_staff(platform)
    with in_process_client(create_app(platform)) as client:
        staff = login(client)
        records = idempotency.Records(platform.views, platform.settings.secret_key)
        scope = records.scope(f"account:{account_id(client, staff)}")
        org = client.post("/api/v1/members", json=application()).json()
        path, content = f"/api/v1/members/{org['id']}/admit", msgspec.json.encode({"tier": "member"})
        headers = {**staff, "Content-Type": "application/json"}

        def admit(k, body=content):
            return client.post(path, content=body, headers={**headers, HEADER: k})

        def hold(k):
            now = platform.clock.now().timestamp()
            claimed = records.claim(scope, k, records.fingerprint("POST", path, content), now)
            assert isinstance(claimed, idempotency.Claimed)
            return claimed.owner

        k = key()
        owner = hold(k)
        started = time.monotonic()
        busy = admit(k)
        assert time.monotonic() - started >= 0.4
        assert_problem(busy, 409, "idempotency_key_in_progress")
        assert busy.headers["retry-after"] == "1"
        names_the_header(assert_problem(admit(k, b'{"tier": "council"}'), 422, "idempotency_key_reused"))
        assert platform.app.repository.get(UUID(org["id"])).version == 1  # nothing ran

        # The holder fails (releases the key) while a duplicate waits: the duplicate runs.
        threading.Timer(0.2, records.release, (scope, k, owner)).start()
        ran = admit(k)
        assert ran.status_code == 200 and "idempotent-replayed" not in ran.headers
        assert platform.app.repository.get(UUID(org["id"])).version == 2

        # A holder that died never answers: after its lease the key can be used again.
        k = key()
        hold(k)
        assert admit(k).status_code == 409
        platform.clock.offset += timedelta(seconds=idempotency.LEASE_SECONDS + 1)
        taken_over = admit(k)
        assert taken_over.status_code == 409 and taken_over.json()["code"] == "illegal_transition"


def test_records_are_kept_a_day_then_forgotten(client, platform):
    body, k = application(), key()
    assert client.post("/api/v1/members", json=body, headers={HEADER: k}).status_code == 201
    platform.clock.offset += timedelta(hours=23)
    again = client.post("/api/v1/members", json=body, headers={HEADER: k})
    assert again.headers["idempotent-replayed"] == "true"
    platform.clock.offset += timedelta(hours=2)
    # Expired: the key is free again (another body is no longer refused as reuse).
    fresh = client.post("/api/v1/members", json=application(), headers={HEADER: k})
    assert fresh.status_code == 201 and "idempotent-replayed" not in fresh.headers
    platform.clock.offset += timedelta(hours=25)
    assert idempotency.prune(platform.views, platform.clock.now().timestamp()) >= 1
    with platform.views.read() as tx:
        assert tx.scalar(f"SELECT COUNT(*) FROM {idempotency.TABLE}") == 0


def test_a_replay_is_only_for_a_caller_the_route_still_admits(client, staff):
    org = client.post("/api/v1/members", json=application()).json()
    k = key()
    assert client.post(f"/api/v1/members/{org['id']}/admit", json={}, headers={**staff, HEADER: k}).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=staff).status_code == 204
    r = client.post(f"/api/v1/members/{org['id']}/admit", json={}, headers={**staff, HEADER: k})
    assert r.status_code == 401 and "idempotent-replayed" not in r.headers
    # The same account signed in again is the same caller: its key still replays.
    r = client.post(f"/api/v1/members/{org['id']}/admit", json={}, headers={**login(client), HEADER: k})
    assert r.status_code == 200 and r.headers["idempotent-replayed"] == "true"


def test_malformed_input_does_not_use_up_the_key(client):
    k, body = key(), application()
    bad = client.post("/api/v1/members", json={**body, "kind": "guild"}, headers={HEADER: k})
    assert bad.status_code == 400
    good = client.post("/api/v1/members", json=body, headers={HEADER: k})
    assert good.status_code == 201 and "idempotent-replayed" not in good.headers


def test_commands_without_a_key_and_queries_are_untouched(client, staff):
    k = key()
    r = client.get("/api/v1/members", headers={**staff, HEADER: k})
    assert r.status_code == 200 and "idempotent-replayed" not in r.headers
    r = client.get("/api/v1/members", headers={**staff, HEADER: k})
    assert "idempotent-replayed" not in r.headers
    # An unauthenticated call to a staff route is refused by the guard, and not kept.
    org = client.post("/api/v1/members", json=application()).json()
    r = client.post(f"/api/v1/members/{org['id']}/admit", json={}, headers={HEADER: k})
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    r = client.post(f"/api/v1/members/{org['id']}/admit", json={}, headers={**staff, HEADER: k})
    assert r.status_code == 200 and "idempotent-replayed" not in r.headers
