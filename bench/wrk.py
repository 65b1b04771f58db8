"""Command throughput measured from outside by a C load generator (issue 24): `wrk`, 32
connections, each request a new registration spread over 500 sessions, against `qihui serve`
in its own process. Afterwards every 2xx is checked in the sessions' rosters. Baseline, same
database, same run: raw single-row INSERTs from 32 threads (bench/commands.py).

`wrk` is Debian's package, installed here when missing (apt-get, as root).

    .venv/bin/python bench/wrk.py [--seconds 20] [--connections 32] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench.commands import raw_inserts
from bench.common import api_process, staff_token, store, trainings
from qihui.bootstrap import bootstrap
from qihui.settings import Settings
from tests.crowd import admitted_members

SESSIONS = 500

# Each connection walks its own stretch of (session, organisation) pairs: every request is a new
# registration; the thread id keeps the stretches apart.
LUA = """
local sessions = {%s}
local orgs = {%s}
local token = "%s"
local counter = 0
base = 0  -- global: thread:set() below gives each thread its own
local next_base = 0
function setup(thread)
  thread:set("base", next_base)
  next_base = next_base + 1000000
end
function init(args)
  counter = 0
end
request = function()
  local n = base + counter * 64 + math.random(0, 63)
  counter = counter + 1
  local s = sessions[(n %% #sessions) + 1]
  local o = orgs[(math.floor(n / #sessions) %% #orgs) + 1]
  local body = '{"organisation_id":"' .. o .. '","attendees":[{"name":"王强"}]}'
  return wrk.format("POST", "/api/v1/sessions/" .. s .. "/registrations",
    {["Content-Type"] = "application/json", ["Authorization"] = token}, body)
end
response = function(status, headers, body)
  if status ~= 201 then io.stderr:write(status .. " " .. string.sub(body, 1, 120) .. "\\n") end
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
        found = shutil.which("wrk")
    assert found, "wrk is not installed (apt-get install wrk)"
    return found


def measure(backend: str, seconds: float, connections: int) -> dict[str, float]:
    wrk = ensure_wrk()
    with store(backend) as (env, _):
        platform = bootstrap(Settings.from_env(env))
        orgs = admitted_members(platform, 4000)
        platform.runner.catch_up()
        with api_process(env) as url:
            headers = staff_token(platform, url)
            sessions = trainings(platform, url, headers, SESSIONS)
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                script.write(LUA % (",".join(json.dumps(s) for s in sessions), ",".join(json.dumps(o) for o in orgs),
                                    headers["Authorization"]))
            done = subprocess.run([wrk, "-t", "2", "-c", str(connections), "-d", f"{int(seconds)}s", "--latency",
                                   "-s", script.name, url], capture_output=True, text=True, check=True)
            rate = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)[1])
            p99 = re.search(r"99%\s+([\d.]+)(ms|s|us)", done.stdout)
            p99_ms = float(p99[1]) * {"ms": 1, "s": 1000, "us": 0.001}[p99[2]]
            refused = len([line for line in done.stderr.splitlines() if line.strip()])
            platform.runner.catch_up()
            with platform.views.read() as tx:
                registered = int(tx.scalar("SELECT COUNT(*) FROM view_session_registrations"))
        baseline = raw_inserts(platform, connections, min(seconds, 10))
        platform.close()
    return {"rate": rate, "p99": p99_ms, "errors": refused, "registered": registered, "baseline": baseline}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    print(f"{'backend':<10}{'registrations/s':>16}{'p99 ms':>8}{'non-2xx':>8}{'in rosters':>12}"
          f"{'raw inserts/s':>15}{'ratio':>7}")
    for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
        r = measure(backend, args.seconds, args.connections)
        print(f"{backend:<10}{r['rate']:>16,.0f}{r['p99']:>8.1f}{r['errors']:>8}{r['registered']:>12,}"
              f"{r['baseline']:>15,.0f}{r['rate'] / r['baseline']:>7.2f}", flush=True)


if __name__ == "__main__":
    main()
