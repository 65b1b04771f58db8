"""`qihui serve` keeps the views by a child process (issue 24: the second core): what is
written is read back at once (read-your-writes), a killed projector is started again and
catches up, and stopping the API stops it too."""

import os
import signal
import time

import httpx
import pytest

from qihui.bootstrap import bootstrap
from qihui.settings import Settings
from tests.factories import application
from tests.http import create_staff, free_port, login
from tests.test_faults import start, wait_ready


def projectors_of(pid: int) -> list[int]:
    """The `qihui worker projector` processes whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
                with open(f"/proc/{entry}/cmdline") as f:
                    command = f.read()
            except OSError:
                continue
            if parent == pid and "projector" in command:
                found.append(int(entry))
    return found


def until(check, within=20.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.05)
    return check()


def applied_and_read(client, staff) -> None:
    created = client.post("/api/v1/members", json=application())
    assert created.status_code == 201, created.text
    body = created.json()
    member = client.get(f"/api/v1/members/{body['id']}?min_position={body['position']}", headers=staff)
    assert member.status_code == 200 and member.json()["status"] == "applied", member.text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_serve_keeps_the_views_in_a_child_process_that_is_restarted_and_stops_with_it(store_env):
    platform = bootstrap(Settings.from_env(store_env))
    create_staff(platform)
    platform.close()
    port = free_port()
    serve = start(store_env, "serve", "--port", str(port))
    again: list[int] = []
    try:
        wait_ready(f"http://127.0.0.1:{port}")
        first = until(lambda: projectors_of(serve.pid))
        assert len(first) == 1
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            staff = login(client)
            for _ in range(3):
                applied_and_read(client, staff)

            os.kill(first[0], signal.SIGKILL)
            again = until(lambda: [p for p in projectors_of(serve.pid) if p not in first])
            assert len(again) == 1  # started again, within seconds
            for _ in range(3):  # and the views follow the log again
                applied_and_read(client, staff)
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(30)
    # Stopped with it, not left behind (an orphan would be adopted by init: look by pid).
    assert until(lambda: not any(os.path.exists(f"/proc/{pid}") and not _zombie(pid) for pid in again), within=10)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
