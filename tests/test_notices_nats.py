"""The notifier in distributed mode: `qihui worker notifier` as its own process, consuming
QIHUI_EVENTS on a real NATS server (the relay publishing beside it), sending SMS through a
local fake gateway that fails as real ones do."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import threading

import nats as nats_client
import pytest

from api.app import create_app
from tests.fake_gateways import SmsGateway
from tests.http import create_staff, in_process_client, ok
from tests.test_cli_and_workers import QIHUI
from tests.test_notices import eventually, inbox, register, salon, two_members
from workers.notifier_nats import DLQ, DURABLE
from workers.relay import STREAM, Relay

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


async def _reset(url):
    nc = await nats_client.connect(url)
    js = nc.jetstream()
    for stream in (STREAM, DLQ):
        with contextlib.suppress(nats_client.js.errors.NotFoundError):
            await js.delete_stream(stream)
    await nc.close()


async def _consumer_exists(url):
    nc = await nats_client.connect(url)
    try:
        await nc.jetstream().consumer_info(STREAM, DURABLE)
        return True
    except nats_client.js.errors.NotFoundError:
        return False
    finally:
        await nc.close()


@pytest.fixture
def gateway():
    server = SmsGateway().start()
    yield server
    server.stop()


@pytest.fixture
def distributed(make_platform, store_env, nats, gateway):
    """An API with its projector, the relay in a thread, and `qihui worker notifier` as a process."""
    asyncio.run(_reset(nats.url))
    env = {**store_env, **gateway.env(), "QIHUI_NATS_URL": nats.url, "QIHUI_NOTIFIER_BACKOFF": "0.2",
           "QIHUI_NOTIFIER_MAX_DELIVER": "5", "QIHUI_NOTIFIER_LEASE": "5"}
    platform = make_platform(**{k: v for k, v in env.items() if k not in store_env})
    create_staff(platform)
    stop = threading.Event()
    relay = threading.Thread(target=lambda: asyncio.run(Relay(platform).run(stop, nats.url, idle=0.02)))
    relay.start()
    procs = []

    def start_worker(**extra):
        """Once the relay has published what happened so far, start a worker and wait for its
        consumer (created once, it takes the events published after it)."""
        assert eventually(lambda: Relay(platform).position() >= platform.runner.head())
        proc = subprocess.Popen([QIHUI, "worker", "notifier"], env={**os.environ, **env, **extra},
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        assert eventually(lambda: asyncio.run(_consumer_exists(nats.url)))
        return proc

    def cli(*args, **extra):
        return subprocess.run([QIHUI, *args], env={**os.environ, **env, **extra}, capture_output=True, text=True,
                              timeout=60)

    try:
        with in_process_client(create_app(platform)) as client:
            yield platform, client, start_worker, cli
    finally:
        stop.set()
        relay.join(10)
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()


def promote_b(client, platform, phone="13800138000"):
    """B waits for the one seat (told in the app only), then A cancels and B is promoted."""
    staff, org_a, org_b, member_a, member_b = two_members(client)
    ok(client.post("/api/v1/inbox/contact", headers=member_b, json={"phone": phone}))
    ok(client.post("/api/v1/inbox/preferences", headers=member_b,
                   json={"kind": "registration_waitlisted", "channels": []}))
    session = salon(client, platform, staff)
    register(client, session, org_a, member_a)
    register(client, session, org_b, member_b)
    return lambda: ok(client.delete(f"/api/v1/sessions/{session}/registrations/{org_a}", headers=member_a)), \
        member_b


def test_a_gateway_failing_three_times_then_answering_sends_once(distributed, gateway):
    platform, client, start_worker, _ = distributed
    cancel, member_b = promote_b(client, platform)
    worker = start_worker()
    gateway.script = ["500", "500", "500"]
    done = cancel()
    assert eventually(lambda: gateway.sent(), timeout=30)
    threading.Event().wait(1)  # time for any (wrong) repeat
    sent = gateway.sent()
    assert len(sent) == 1 and [r["answer"] for r in gateway.requests] == ["500", "500", "500", "ok"]
    assert sent[0]["PhoneNumbers"] == "13800138000" and sent[0]["TemplateCode"] == "SMS_900001"
    assert sent[0]["SignName"] == "企会" and "人工智能小集会" in json.loads(sent[0]["TemplateParam"])["title"]
    assert all(r["signed"] for r in gateway.requests)
    assert inbox(client, member_b, done["position"])["items"][0]["kind"] == "promoted"
    assert worker.poll() is None


def test_a_gateway_that_keeps_failing_ends_in_the_dead_letter_stream_and_retry_sends_it(distributed, gateway):
    platform, client, start_worker, cli = distributed
    cancel, _ = promote_b(client, platform)
    start_worker(QIHUI_NOTIFIER_MAX_DELIVER="3")
    gateway.script = ["500"] * 3
    cancel()
    failed = eventually(lambda: json.loads(cli("notices", "failed", "--json").stdout or "[]"), timeout=30)
    assert len(failed) == 1 and failed[0]["deliveries"] == 3 and "500" in failed[0]["reason"]
    assert failed[0]["subject"] == "qihui.notices.dead.Session.Promoted"
    assert gateway.sent() == [] and len(gateway.requests) == 3
    # The gateway recovers; the operator replays the dead letters.
    retried = cli("notices", "retry")
    assert retried.returncode == 0, retried.stderr
    assert "sent 1 notices; 0 still failing" in retried.stdout
    assert len(gateway.sent()) == 1
    assert json.loads(cli("notices", "failed", "--json").stdout) == []
    assert "sent 0 notices" in cli("notices", "retry").stdout  # nothing left: nothing sent twice
    assert len(gateway.sent()) == 1
