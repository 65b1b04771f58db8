"""Schema set-up: processes started together take turns, and a view whose definition
changed is replayed from the log at the next start (issue 21)."""

import os
import subprocess
import sys
import time

import pytest

from projections.roster import RosterView
from tests.factories import application
from tests.http import ok


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_processes_started_together_on_a_fresh_database_all_start(store_env):
    # Six processes each creating the event store's, the key store's and the views' tables at
    # once: without the schema lock one of them died of "tuple concurrently updated" or a
    # duplicate pg_type row.
    # Each imports everything first, then all set up at the same instant.
    env = {**os.environ, **store_env}
    at = time.time() + 8
    script = ("import time; from qihui.bootstrap import bootstrap; "
              f"time.sleep(max(0, {at} - time.time())); bootstrap().close()")
    started = [subprocess.Popen([sys.executable, "-c", script], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(6)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in started]
    assert [code for code, _ in results] == [0] * 6, [err[-500:] for _, err in results]


def test_a_view_whose_definition_changed_is_rebuilt_at_the_next_start(client, staff, platform, make_platform,
                                                                      monkeypatch):
    org = ok(client.post("/api/v1/members", json=application()), 201)["id"]
    ok(client.post(f"/api/v1/members/{org}/admit", headers=staff, json={"tier": "member"}))
    platform.runner.catch_up()
    before = platform.views.positions(["roster", "sessions"])
    assert before["roster"] > 0

    monkeypatch.setattr(RosterView, "version", RosterView.version + 1)
    again = make_platform()
    after = again.views.positions(["roster", "sessions"])
    assert after == {"roster": 0, "sessions": before["sessions"]}  # only the changed view starts over
    again.runner.catch_up()
    with again.views.read() as tx:
        assert tx.scalar("SELECT status FROM view_roster WHERE id = ?", (org,)) == "admitted"
    third = make_platform()  # recorded: the same definition is not rebuilt again
    assert third.views.positions(["roster"])["roster"] > 0
