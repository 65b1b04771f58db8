"""kill -9 of the notifier under a burst of 2,000 notices: every notice reaches the SMTP
server exactly once (counted there, by its Message-ID), however often the worker dies."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter

import pytest

from api.app import create_app
from tests.factories import application
from tests.fake_gateways import SmtpServer
from tests.http import create_staff, in_process_client, login, ok
from tests.roles import PASSWORD
from tests.test_cli_and_workers import QIHUI
from tests.test_notices import eventually
from tests.test_notices_nats import _consumer_exists, _reset
from workers.notifier import CHECKPOINT, DELIVERIES
from workers.relay import Relay

STAFF, APPLICATIONS = 40, 50  # every application tells every staff account: 2,000 e-mails


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("mode", ["log", "nats"])
def test_kill_9_of_the_notifier_under_a_burst_sends_each_notice_exactly_once(make_platform, store_env, mode,
                                                                             request):
    smtp = SmtpServer().start()
    distributed = {}
    if mode == "nats":  # `qihui worker notifier` on JetStream, the relay publishing beside it
        nats = request.getfixturevalue("nats")
        asyncio.run(_reset(nats.url))
        distributed = {"QIHUI_NATS_URL": nats.url}
    platform = make_platform(**distributed)  # the API and its projector, no notice channel: the worker sends
    create_staff(platform)
    worker_env = {**os.environ, **store_env, **distributed, **smtp.env(), "QIHUI_NOTIFIER_LEASE": "1"}
    workers: list[subprocess.Popen] = []
    stop = threading.Event()
    relay = threading.Thread(target=lambda: asyncio.run(Relay(platform).run(stop, nats.url, idle=0.02)))
    if mode == "nats":
        relay.start()

    def start():
        workers.append(subprocess.Popen([QIHUI, "worker", "notifier"], env=worker_env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    try:
        with in_process_client(create_app(platform)) as client:
            staff = login(client)
            for i in range(STAFF):
                token = ok(client.post("/api/v1/auth/invitations", headers=staff, json={
                    "email": f"mishu{i}@xiehui.example.cn", "role": "staff"}), 201)["token"]
                ok(client.post("/api/v1/auth/invitations/accept", json={
                    "token": token, "username": f"mishu{i}", "password": PASSWORD}), 201)
            if mode == "nats":
                assert eventually(lambda: Relay(platform).position() >= platform.runner.head())
            start()
            assert eventually(lambda: asyncio.run(_consumer_exists(nats.url)) if mode == "nats"
                              else CHECKPOINT in platform.views.positions())
            for _ in range(APPLICATIONS):  # the burst
                ok(client.post("/api/v1/members", json=application()), 201)

            rng = random.Random()
            for mark in sorted(rng.sample(range(100, 1800), 4)):  # kill -9 at random moments of the sending
                deadline = time.monotonic() + 60
                while len(smtp.messages) < mark and time.monotonic() < deadline:
                    time.sleep(0.002)
                workers[-1].send_signal(signal.SIGKILL)
                workers[-1].wait(10)
                start()
            smtp.wait_for(STAFF * APPLICATIONS, timeout=120)
            time.sleep(2)  # anything sent twice would arrive by now

            counts = Counter(m["Message-ID"] for m in smtp.messages)
            assert len(counts) == STAFF * APPLICATIONS
            assert [mid for mid, n in counts.items() if n > 1] == []
            assert len({m["To"] for m in smtp.messages}) == STAFF
            with platform.views.read() as tx:
                statuses = tx.fetchall(f"SELECT status, COUNT(*) AS n FROM {DELIVERIES} GROUP BY status")
            assert {r["status"]: r["n"] for r in statuses} == {"sent": STAFF * APPLICATIONS}
    finally:
        stop.set()
        if relay.is_alive():
            relay.join(10)
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(10)
        smtp.stop()
