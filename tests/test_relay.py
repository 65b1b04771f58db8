"""The relay against a real NATS JetStream server, on both backends."""

import asyncio
import contextlib
import threading
from datetime import date

import msgspec
import nats
import pytest

from domain.values import Actor
from service import membership
from service.accounts import create_account
from tests.factories import application
from workers.relay import STREAM, Relay

TODAY = date(2026, 11, 23)


def fill(platform, n):
    for _ in range(n):
        platform.writer.execute(membership.apply_for_membership(
            {**application(), "effective_on": TODAY}, Actor.public()))


async def stream_messages(url, stream):
    """Every message in the stream, oldest first."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    info = await js.stream_info(stream)
    msgs = [await js.get_msg(stream, seq) for seq in range(info.state.first_seq, info.state.last_seq + 1)]
    await nc.close()
    return msgs


async def reset_stream(url):
    nc = await nats.connect(url)
    js = nc.jetstream()
    with contextlib.suppress(nats.js.errors.NotFoundError):
        await js.delete_stream(STREAM)
    await nc.close()


def run_relay_until(platform, url, done, meanwhile=None):
    stop = threading.Event()
    relay = Relay(platform, batch_size=7)
    thread = threading.Thread(target=lambda: asyncio.run(relay.run(stop, url, idle=0.02)))
    thread.start()
    try:
        if meanwhile is not None:
            meanwhile()
        for _ in range(3000):  # up to a minute: the relay backs off while NATS is away
            if done(relay):
                break
            threading.Event().wait(0.02)
        else:
            pytest.fail("relay did not finish")
    finally:
        stop.set()
        thread.join(10)
    return relay


def test_every_event_is_published_once_and_a_restart_adds_no_duplicates(platform, nats):
    asyncio.run(reset_stream(nats.url))
    fill(platform, 10)
    platform.writer.execute(create_account("relay-staff", "a-long-password", "staff", None,
                                           Actor(id="test", role="system")))
    head = platform.runner.head()
    run_relay_until(platform, nats.url, lambda r: r.position() >= head)

    # A restarted relay that lost its checkpoint re-publishes everything: the
    # stream's duplicate window must drop every repeat.
    with platform.views.transaction() as tx:
        platform.views.reset(tx, "relay:nats")
    fill(platform, 3)
    head = platform.runner.head()
    run_relay_until(platform, nats.url, lambda r: r.position() >= head)

    msgs = asyncio.run(stream_messages(nats.url, STREAM))
    ids = [m.headers["Nats-Msg-Id"] for m in msgs]
    assert len(ids) == len(set(ids)) == head  # each stored event exactly once
    positions = [int(m.headers["Qihui-Position"]) for m in msgs]
    assert positions == sorted(positions)
    first = msgspec.json.decode(msgs[0].data)
    assert msgs[0].subject == "qihui.events.Organisation.Applied"
    assert first["actor"]["role"] == "public" and first["data"]["credit_code"]
    account = [msgspec.json.decode(m.data) for m in msgs if ".Account." in m.subject]
    assert account and all("password_hash" not in a["data"] for a in account)


def test_commands_succeed_while_nats_is_down_and_the_relay_catches_up(platform, nats):
    asyncio.run(reset_stream(nats.url))
    fill(platform, 3)

    def outage():
        threading.Event().wait(0.3)  # the relay is publishing
        nats.stop()
        try:
            fill(platform, 5)  # no NATS: commands are unaffected
            threading.Event().wait(1)
        finally:
            nats.start_same_port()

    run_relay_until(platform, nats.url, lambda r: r.position() >= platform.runner.head(),
                    meanwhile=outage)
    msgs = asyncio.run(stream_messages(nats.url, STREAM))
    assert len(msgs) == len({m.headers["Nats-Msg-Id"] for m in msgs}) == platform.runner.head()
