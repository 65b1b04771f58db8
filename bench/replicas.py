"""One API replica against two, on PostgreSQL with NATS (issue 21).

Each replica is `qihui serve` in its own process (QIHUI_REPLICA_URL set, so each aggregate's
commands go to one of them, api.ownership); each replica's projector process beside it, one
working at a time (the lease), the other standing by. Measured for
1 and 2 replicas, clients spread evenly across the replicas:

- mixed registrations over 40 sessions, 32 keep-alive clients, for a fixed time;
- the rush: 1,000 organisations register at once for one 20-seat salon (exactly 20 confirmed,
  every answer within a second).

Baseline, same database, same run: raw single-row INSERTs from 32 threads.

    .venv/bin/python bench/replicas.py [--seconds 10] [--clients 32]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.commands import SESSIONS, raw_inserts
from bench.common import api_process, staff_token, store
from qihui.bootstrap import bootstrap
from qihui.settings import Settings
from tests.crowd import admitted_members
from tests.loadgen import all_at_once, closed_loop
from tests.servers import NatsServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def salon(url: str, headers: dict, start, title: str, kind: str = "salon", **extra) -> str:
    return httpx.post(f"{url}/api/v1/sessions", headers=headers, timeout=30, json={
        "kind": kind, "title": title, "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(), "venue": "协会",
        "registration_closes_at": start.isoformat(), **extra}).json()["id"]


def measure(replicas: int, clients: int, seconds: float, nats_url: str) -> dict[str, float]:
    with store("postgres") as (env, _):
        env = {**env, "QIHUI_NATS_URL": nats_url, "QIHUI_RUN_WORKERS": "n",
               "QIHUI_CHAIN_KEY": "bench-chain-key-0123456789abcdef-chain"}
        platform = bootstrap(Settings.from_env(env))
        orgs = admitted_members(platform, 4000)
        platform.runner.catch_up()  # the projector processes start level with the log
        with ExitStack() as stack:
            ports = [free_port() for _ in range(replicas)]
            urls = [stack.enter_context(api_process({**env, "QIHUI_REPLICA_URL": f"http://127.0.0.1:{port}"}, port))
                    for port in ports]
            time.sleep(2.5)  # the replicas have heart-beaten and read each other
            headers = staff_token(platform, urls[0])
            start = platform.clock.now() + timedelta(days=7)
            sessions = [salon(urls[0], headers, start, f"小灶班 {i}", "training", capacity=100_000)
                        for i in range(SESSIONS)]
            share = clients // replicas

            def pairs(offset: int):
                def make(client: int, sent: int):
                    n = offset + client + clients * sent
                    return ("POST", f"/api/v1/sessions/{sessions[n % SESSIONS]}/registrations",
                            {"organisation_id": orgs[(n // SESSIONS) % len(orgs)], "attendees": [{"name": "王强"}]})
                return make

            async def everyone(offset: int, duration: float):
                runs = [closed_loop(url, share, duration, pairs(offset + i * share), headers)
                        for i, url in enumerate(urls)]
                return [reply for part in await asyncio.gather(*runs) for reply in part]

            asyncio.run(everyone(0, 1.0))  # warm-up
            started = time.perf_counter()
            replies = asyncio.run(everyone(len(orgs) * SESSIONS // 4, seconds))
            elapsed = time.perf_counter() - started

            rush = salon(urls[0], headers, start, "小集会", capacity=20)
            rushers = orgs[:1000]

            async def rush_all():
                parts = [all_at_once(url, [("POST", f"/api/v1/sessions/{rush}/registrations",
                                            {"organisation_id": o, "attendees": [{"name": "王强"}]})
                                           for o in rushers[i::replicas]], headers)
                         for i, url in enumerate(urls)]
                done = await asyncio.gather(*parts)
                return [r for part, _ in done for r in part], max(s for _, s in done)

            rush_replies, rush_s = asyncio.run(rush_all())
        baseline = raw_inserts(platform, 32, seconds)
        platform.close()
    good = [r for r in replies if r.status == 201]
    latencies = sorted(r.seconds for r in good)
    statuses = [r.json().get("status") if r.status == 201 else f"HTTP {r.status}" for r in rush_replies]
    return {"rate": len(good) / elapsed, "errors": len(replies) - len(good), "baseline": baseline,
            "p99": latencies[int(len(latencies) * 0.99)] * 1000,
            "confirmed": statuses.count("confirmed"), "rush_errors": sum(1 for s in statuses if s.startswith("HTTP")),
            "rush_s": rush_s, "rush_max": max(r.seconds for r in rush_replies),
            "rush_p50": statistics.median(r.seconds for r in rush_replies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    nats = NatsServer().start()
    try:
        print(f"{'replicas':<10}{'registrations/s':>16}{'errors':>8}{'p99 ms':>8}{'raw inserts/s':>15}"
              f"{'rush confirmed':>16}{'rush errors':>12}{'slowest answer':>16}")
        for replicas in (1, 2):
            r = measure(replicas, args.clients, args.seconds, nats.url)
            print(f"{replicas:<10}{r['rate']:>16,.0f}{r['errors']:>8}{r['p99']:>8.1f}{r['baseline']:>15,.0f}"
                  f"{r['confirmed']:>16}{r['rush_errors']:>12}{r['rush_max']:>15.2f}s", flush=True)
    finally:
        nats.stop()


if __name__ == "__main__":
    main()
