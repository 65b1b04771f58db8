"""Singletons that stay single (issue 21): a second scheduler, relay or projector waits as a hot
standby and takes over within seconds of the first one's death (kill -9); the relay goes
on after what the stream holds, even after an outage longer than its duplicate window."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.test_relay import fill, reset_stream, run_relay_until, stream_messages
from workers import relay as relay_module
from workers.relay import STREAM

QIHUI = str(Path(sys.executable).parent / "qihui")


class Worker:
    """A `qihui worker …` process whose stderr is read as it comes."""

    def __init__(self, env, *args):
        self.lines: list[str] = []
        self.proc = subprocess.Popen([QIHUI, "worker", *args], env={**os.environ, **env}, text=True,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def says(self, text, within=20.0):
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.mark.parametrize("name", ["scheduler", "relay", "projector"])
def test_a_second_instance_stands_by_and_takes_over_after_kill_9(store_env, nats, name):
    env = {**store_env, "QIHUI_NATS_URL": nats.url}
    first = Worker(env, name)
    second = None
    try:
        assert first.says(f"{name}: leading"), "".join(first.lines)
        second = Worker(env, name)
        assert second.says(f"{name}: another instance leads; standing by"), "".join(second.lines)
        assert not second.says(f"{name}: leading", within=2)  # while the first lives, it waits
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(10)
        started = time.monotonic()
        assert second.says(f"{name}: leading", within=15), "".join(second.lines)
        assert time.monotonic() - started < 10  # within seconds of the death
    finally:
        first.stop()
        if second is not None:
            second.stop()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_relay_goes_on_after_the_stream_even_past_its_duplicate_window(platform, nats, monkeypatch):
    monkeypatch.setattr(relay_module, "DUPLICATE_WINDOW", 1.0)  # a one-second window stands for two days
    asyncio.run(reset_stream(nats.url))
    fill(platform, 6)
    head = platform.runner.head()
    run_relay_until(platform, nats.url, lambda r: r.position() >= head)
    time.sleep(1.5)  # the outage outlasts the window: NATS would take every repeat as new

    # The relay's checkpoint is lost (restored from an old backup, say), and more happens.
    with platform.views.transaction() as tx:
        platform.views.reset(tx, "relay:nats")
    fill(platform, 2)
    head = platform.runner.head()
    run_relay_until(platform, nats.url, lambda r: r.position() >= head)

    msgs = asyncio.run(stream_messages(nats.url, STREAM))
    ids = [m.headers["Nats-Msg-Id"] for m in msgs]
    assert len(ids) == len(set(ids)) == head  # each stored event once, none re-published
