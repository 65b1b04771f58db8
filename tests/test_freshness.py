"""Read-your-writes waits, from the side of a caller who abuses them: a position
that will never come, and a dozen slow waits while others use the platform."""

import threading
import time

import anyio.to_thread

from api.app import create_app
from tests.factories import application
from tests.http import create_staff, in_process_client, login


def test_a_position_beyond_the_store_is_refused_at_once(client, staff, platform):
    org = client.post("/api/v1/members", json=application()).json()
    started = time.monotonic()
    r = client.get(f"/api/v1/members/{org['id']}?min_position={org['position'] + 1000}", headers=staff)
    assert time.monotonic() - started < 1
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "min_position"
    assert client.get(f"/api/v1/members/{org['id']}?min_position={org['position']}", headers=staff).status_code == 200


def test_a_dozen_waiting_reads_hold_no_thread_and_slow_nobody(make_platform):
    # No projector in this process: the views stay behind until the test catches them up.
    platform = make_platform(QIHUI_RUN_WORKERS="n", QIHUI_READ_WAIT="20")
    platform.runner.catch_up()
    create_staff(platform)
    with in_process_client(create_app(platform)) as client:
        following = threading.Event()
        projector = threading.Thread(target=platform.runner.run_forever, args=(following,))
        projector.start()  # only while signing in: the sign-in waits for its own write
        staff = login(client)
        following.set()
        projector.join()
        org = client.post("/api/v1/members", json=application()).json()
        answers: list[int] = []
        waiters = [threading.Thread(target=lambda: answers.append(client.get(
            f"/api/v1/members/{org['id']}?min_position={org['position']}", headers=staff).status_code))
            for _ in range(12)]
        for waiter in waiters:
            waiter.start()
        time.sleep(0.5)  # every waiter is now parked

        def borrowed() -> float:
            return anyio.to_thread.current_default_thread_limiter().borrowed_tokens

        with client.portal() as portal:
            assert portal.call(borrowed) <= 1  # the waits hold no worker thread
        timings = []
        for _ in range(5):
            started = time.monotonic()
            assert client.get("/api/v1/members?limit=5", headers=staff).status_code == 200
            timings.append(time.monotonic() - started)
        assert min(timings) < 0.1, timings
        assert answers == []  # still waiting
        platform.runner.catch_up()
        for waiter in waiters:
            waiter.join(10)
        assert answers == [200] * 12
