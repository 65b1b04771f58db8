"""Memory of the API process with a large store (issue 24): RSS of `qihui serve` idle after
start (the baseline, same run), then after a burst of mixed queries and commands from 8
clients: roster pages of 50 and 500, name search, as-of roster, profiles, history pages,
and profile edits that load organisations into the writer's cache.

The store: 10,000 admitted organisations, each with a long history of profile edits, to
`--events` in all (1,000,000 by default), projected before the API starts. The projector is
`qihui serve`'s child process; its RSS is printed beside the API's.

    .venv/bin/python bench/memory.py [--events 1000000] [--seconds 20] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import quote
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import STAFF, api_process, staff_token, store
from qihui.bootstrap import bootstrap
from qihui.settings import Settings
from tests.crowd import admitted_members
from tests.http import free_port
from tests.loadgen import closed_loop

ORGANISATIONS = 10_000


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak) in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def process_of(text: str, parent: int | None = None) -> int:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                command = Path(f"/proc/{entry}/cmdline").read_text().replace("\0", " ")
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if text in command and (parent is None or ppid == parent):
                return int(entry)
    raise LookupError(text)


def fill(platform, events: int) -> tuple[list[str], int]:
    orgs = admitted_members(platform, ORGANISATIONS)
    stored = platform.runner.head()
    edits = max(0, (events - stored) // len(orgs))
    for start in range(0, len(orgs), 100):
        chunk = [platform.app.repository.get(UUID(i)) for i in orgs[start:start + 100]]
        for org in chunk:
            for n in range(edits):
                org.update_profile(changes={"address": f"厦门市软件园二期 {n} 号"}, actor=STAFF, reason=None)
        platform.app.save(*chunk)
        if start % 2000 == 0:
            print(f"  {platform.runner.head():,} events stored", flush=True)
    return orgs, platform.runner.head()


def measure(backend: str, events: int, seconds: float) -> dict[str, float]:
    with store(backend) as (env, _):
        platform = bootstrap(Settings.from_env(env))
        orgs, stored = fill(platform, events)
        started = time.perf_counter()
        platform.runner.catch_up()
        print(f"  {stored:,} events projected in {time.perf_counter() - started:.0f} s", flush=True)
        port = free_port()
        with api_process(env, port) as url:
            headers = staff_token(platform, url)
            api = process_of(f"serve --port {port}")
            projector = process_of("worker projector", parent=api)
            time.sleep(2)
            idle = rss_mb(api)[0]
            rng = random.Random(1)

            def request(client: int, sent: int):
                org = rng.choice(orgs)
                return rng.choice([
                    ("GET", "/api/v1/members?status=admitted&limit=50", None),
                    ("GET", "/api/v1/members?limit=500", None),
                    ("GET", f"/api/v1/members?q={quote('光电')}", None),  # the load generator sends bytes as given
                    ("GET", "/api/v1/members?q=xiamen", None),
                    ("GET", "/api/v1/members?status=admitted&as_of=2020-06-30", None),
                    ("GET", f"/api/v1/members/{org}", None),
                    ("GET", f"/api/v1/members/{org}/history?limit=50", None),
                    ("PATCH", f"/api/v1/members/{org}", {"address": f"厦门市湖里区 {client}-{sent} 号"}),
                ])

            replies = asyncio.run(closed_loop(url, 8, seconds, request, headers))
            now, peak = rss_mb(api)
            child = rss_mb(projector)[1]
        platform.close()
    failed = sum(1 for r in replies if r.status >= 400)
    return {"events": stored, "idle": idle, "after": now, "peak": peak, "requests": len(replies) / seconds,
            "failed": failed, "projector": child}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    print(f"{args.backend}: filling the store…", flush=True)
    r = measure(args.backend, args.events, args.seconds)
    print(f"{'events':>10}{'idle MB':>9}{'after MB':>10}{'peak MB':>9}{'requests/s':>12}{'failed':>8}"
          f"{'projector peak MB':>19}")
    print(f"{r['events']:>10,}{r['idle']:>9.0f}{r['after']:>10.0f}{r['peak']:>9.0f}{r['requests']:>12.0f}"
          f"{r['failed']:>8}{r['projector']:>19.0f}")


if __name__ == "__main__":
    main()
