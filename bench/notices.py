"""Notices end to end: events stored in a burst, projected (the inbox decides who is told),
and e-mailed by the notifier to a local SMTP server, in notices per second.

Baseline, same run and same server: raw SMTP sends (smtplib, one connection, messages of
the same size). The SMTP server (aiosmtpd) runs in its own process so that it does not
share the notifier's interpreter. The target (QUALITY.md) is at least 0.5 of the raw rate.
Each figure is the median of three bursts (and three raw runs).

    .venv/bin/python bench/notices.py [--notices 2000] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import os
import smtplib
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import store
from domain.values import Actor
from qihui.bootstrap import bootstrap
from qihui.settings import Settings
from service import membership
from service.accounts import accept_invitation, invite
from tests.factories import application
from tests.servers import _wait_for_port, free_port
from workers.notifier import DELIVERIES, Notifier

STAFF = 40  # each application tells every staff account
ROUNDS = 3  # each figure is the median of three runs: the machine is shared and noisy
SERVER = """
import asyncio, sys
from aiosmtpd.controller import Controller
class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"
c = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1])); c.start()
sys.stdin.read(); c.stop()
"""


def raw_rate(port: int, count: int, sample: bytes) -> float:
    smtp = smtplib.SMTP("127.0.0.1", port)
    t0 = time.perf_counter()
    for i in range(count):
        smtp.sendmail("mishu@xiehui.example.cn", [f"mishu{i % STAFF}@xiehui.example.cn"], sample)
    elapsed = time.perf_counter() - t0
    smtp.quit()
    return count / elapsed


def staff_accounts(platform) -> None:
    system = Actor(id="bench", role="system")
    for i in range(STAFF):
        issued, _ = platform.writer.execute(invite(email=f"mishu{i}@xiehui.example.cn", role="staff",
                                                   organisation_id=None, affiliation_organisation_id=None,
                                                   now=platform.clock.now(), actor=system))
        platform.writer.execute(accept_invitation(token=issued.token, username=f"mishu{i}",
                                                  password="a-long-enough-password", now=platform.clock.now()))


def end_to_end(env: dict[str, str], notices: int) -> float:
    platform = bootstrap(Settings.from_env(env))
    platform.writer.start()
    stop = threading.Event()
    try:
        staff_accounts(platform)
        platform.runner.catch_up()
        notifier = Notifier(platform)
        threads = [threading.Thread(target=platform.runner.run_forever, args=(stop,)),
                   threading.Thread(target=notifier.follow_log, args=(stop, 0.01))]
        for thread in threads:
            thread.start()
        today = datetime.now(UTC).date()
        per_round, rates = notices // STAFF * STAFF, []
        for round_ in range(1, ROUNDS + 1):
            t0 = time.perf_counter()
            # The burst: applications arriving together (group-committed), each told to every staff account.
            stored = threading.Semaphore(0)
            for _ in range(notices // STAFF):
                platform.writer.submit(membership.apply_for_membership({**application(), "effective_on": today},
                                                                       Actor.public()), lambda _, s=stored: s.release())
            for _ in range(notices // STAFF):
                stored.acquire()
            while True:
                with platform.views.read() as tx:
                    sent = tx.scalar(f"SELECT COUNT(*) FROM {DELIVERIES} WHERE status = 'sent'")
                if sent >= per_round * round_:
                    break
                time.sleep(0.005)
            rates.append(per_round / (time.perf_counter() - t0))
        stop.set()
        for thread in threads:
            thread.join(10)
        notifier.close()
        return statistics.median(rates)
    finally:
        stop.set()
        platform.close()


def measure(backend: str, notices: int) -> dict[str, float]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stdin=subprocess.PIPE)
    try:
        _wait_for_port(port, 10, server)
        with store(backend) as (env, _):
            env = {**env, "QIHUI_SMTP_HOST": "127.0.0.1", "QIHUI_SMTP_PORT": str(port),
                   "QIHUI_SMTP_FROM": "mishu@xiehui.example.cn", "QIHUI_SMTP_TLS": "none",
                   "QIHUI_RUN_WORKERS": "n"}
            rate = end_to_end(env, notices)
        sample = EmailMessage()
        sample["Subject"], sample["From"], sample["To"] = "新入会申请：厦门星海光电科技有限公司", "a@b.cn", "c@d.cn"
        sample.set_content("「厦门星海光电科技有限公司」提交了入会申请，请审核。\n\n— New membership application\n")
        baseline = statistics.median(raw_rate(port, notices, sample.as_bytes()) for _ in range(ROUNDS))
        return {"notices": notices // STAFF * STAFF, "baseline": baseline, "rate": rate}
    finally:
        server.communicate(b"", timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=2000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    args = parser.parse_args()
    os.environ.setdefault("QIHUI_RUN_WORKERS", "n")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print(f"{'backend':<10}{'notices':>9}{'raw smtp/s':>12}{'notices/s':>11}{'ratio':>8}")
    for backend in backends:
        r = measure(backend, args.notices)
        print(f"{backend:<10}{r['notices']:>9}{r['baseline']:>12,.0f}{r['rate']:>11,.0f}"
              f"{r['rate'] / r['baseline']:>8.2f}")


if __name__ == "__main__":
    main()
