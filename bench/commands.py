"""Command throughput over HTTP: registrations per second with 32 clients.

The API runs as `qihui serve` (one process, one writer with group commit);
32 keep-alive clients each send the next registration as soon as the last is
answered, for a fixed time, spread over many sessions so that no session
fills. Baseline, same database, same concurrency, same run: raw single-row
INSERTs from 32 threads, each its own transaction.

    .venv/bin/python bench/commands.py [--seconds 10] [--clients 32] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench.common import api_process, staff_token, store, trainings
from qihui.bootstrap import bootstrap
from qihui.settings import Settings
from tests.crowd import admitted_members
from tests.loadgen import closed_loop

SESSIONS = 40


def raw_inserts(platform, clients: int, seconds: float) -> float:
    """Single-row INSERTs, one transaction each, from `clients` threads."""
    settings = platform.settings
    if settings.is_postgres:
        import psycopg

        connect = lambda: psycopg.connect(settings.postgres_conninfo(), autocommit=True)  # noqa: E731
        mark = "%s"
    else:
        connect = lambda: sqlite3.connect(settings.sqlite_path, isolation_level=None, timeout=30)  # noqa: E731
        mark = "?"
    with connect() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id BIGINT, payload TEXT)")
    counts = [0] * clients
    deadline = time.perf_counter() + seconds

    def worker(n: int) -> None:
        conn = connect()
        payload = '{"organisation_id": "x", "attendees": [{"name": "王强"}]}'
        while time.perf_counter() < deadline:
            conn.execute(f"INSERT INTO bench_raw (id, payload) VALUES ({mark}, {mark})", (n, payload))
            counts[n] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def measure(backend: str, clients: int, seconds: float) -> dict[str, float]:
    with store(backend) as (env, _):
        platform = bootstrap(Settings.from_env(env))
        orgs = admitted_members(platform, 4000)
        with api_process(env) as url:
            headers = staff_token(platform, url)
            sessions = trainings(platform, url, headers, SESSIONS)

            def registration(client: int, sent: int):
                n = client + clients * sent  # every (session, organisation) pair used once
                return ("POST", f"/api/v1/sessions/{sessions[n % SESSIONS]}/registrations",
                        {"organisation_id": orgs[n // SESSIONS], "attendees": [{"name": "王强"}]})

            asyncio.run(closed_loop(url, clients, 1.0, registration, headers))  # warm-up (first pairs)
            offset = len(orgs) * SESSIONS // 4  # fresh pairs for the measured run

            def fresh(client: int, sent: int):
                n = offset + client + clients * sent
                return ("POST", f"/api/v1/sessions/{sessions[n % SESSIONS]}/registrations",
                        {"organisation_id": orgs[(n // SESSIONS) % len(orgs)], "attendees": [{"name": "王强"}]})

            started = time.perf_counter()
            replies = asyncio.run(closed_loop(url, clients, seconds, fresh, headers))
            elapsed = time.perf_counter() - started
        baseline = raw_inserts(platform, clients, seconds)
        platform.close()
    ok = [r for r in replies if r.status == 201]
    latencies = sorted(r.seconds for r in ok)
    return {"rate": len(ok) / elapsed, "errors": len(replies) - len(ok), "baseline": baseline,
            "p50": statistics.median(latencies) * 1000, "p99": latencies[int(len(latencies) * 0.99)] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    print(f"{'backend':<10}{'registrations/s':>16}{'errors':>8}{'p50 ms':>8}{'p99 ms':>8}"
          f"{'baseline: raw inserts/s':>25}{'ratio':>7}")
    for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
        r = measure(backend, args.clients, args.seconds)
        print(f"{backend:<10}{r['rate']:>16,.0f}{r['errors']:>8}{r['p50']:>8.1f}{r['p99']:>8.1f}"
              f"{r['baseline']:>25,.0f}{r['rate'] / r['baseline']:>7.2f}")


if __name__ == "__main__":
    main()
