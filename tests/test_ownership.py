"""Each aggregate's commands go to one writer when several API replicas run (issue 21):
a command reaching a replica that does not own its aggregate is forwarded to the owner;
when the owner dies, the others take its aggregates over without a failed command."""

import time
from contextlib import ExitStack
from datetime import timedelta

import pytest

from api.app import create_app
from api.ownership import aggregate_of
from tests.http import create_staff, free_port, http, live_server, login, ok
from tests.roles import admitted_org
from workers.replicas import TTL, owner_among


def test_an_aggregate_has_one_owner_and_few_move_when_a_replica_joins():
    three = {"a": "http://a", "b": "http://b", "c": "http://c"}
    ids = [f"{i:032x}" for i in range(3000)]
    owners = {i: owner_among(three, i) for i in ids}
    assert {owner for owner in owners.values()} == {"a", "b", "c"}
    assert max(list(owners.values()).count(r) for r in three) < 1150  # about a third each
    four = {**three, "d": "http://d"}
    moved = [i for i in ids if owner_among(four, i) != owners[i]]
    assert all(owner_among(four, i) == "d" for i in moved) and 500 < len(moved) < 1000  # only to the newcomer
    assert aggregate_of("/api/v1/sessions/3F0C9E4E-6D1A-4C7E-9A52-2B1F0D8E7A11/registrations") == \
        "3f0c9e4e6d1a4c7e9a522b1f0d8e7a11"
    assert aggregate_of("/api/v1/sessions") is None and aggregate_of("/portal/sessions/x") is None


def salon(client, staff, start, title):
    return client.post("/api/v1/sessions", headers=staff, json={
        "kind": "salon", "title": title, "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(), "venue": "协会",
        "registration_closes_at": (start - timedelta(days=1)).isoformat()})


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_commands_go_to_the_owner_and_survive_its_death(make_platform, nats):
    ports = [free_port(), free_port()]
    platforms = [make_platform(QIHUI_NATS_URL=nats.url, QIHUI_REPLICA_URL=f"http://127.0.0.1:{port}")
                 for port in ports]
    create_staff(platforms[0])
    servers = [ExitStack(), ExitStack()]
    try:
        urls = [stack.enter_context(live_server(create_app(p), port))
                for stack, p, port in zip(servers, platforms, ports, strict=True)]
        clients = [stack.enter_context(http(url)) for stack, url in zip(servers, urls, strict=True)]
        time.sleep(2.5)  # both have heart-beaten and read each other
        staff = login(clients[0])
        start = platforms[0].clock.now() + timedelta(days=10)
        # A command naming no aggregate runs where it arrives: that names each replica.
        answers = [salon(c, staff, start, f"第 {i} 场") for i, c in enumerate(clients)]
        replica_of = [a.headers["x-qihui-replica"] for a in answers]
        assert len(set(replica_of)) == 2
        session = answers[0].json()["id"]
        orgs = [admitted_org(clients[i % 2], staff) for i in range(6)]
        ran_on = set()
        for i, org in enumerate(orgs[:4]):
            answer = clients[i % 2].post(f"/api/v1/sessions/{session}/registrations", headers=staff,
                                         json={"organisation_id": org, "attendees": [{"name": "王强"}]})
            assert answer.status_code == 201, answer.text
            ran_on.add(answer.headers["x-qihui-replica"])
        assert len(ran_on) == 1  # whichever replica was asked, one ran them all: the session's owner
        owner = replica_of.index(ran_on.pop())
        survivor = 1 - owner

        servers[owner].close()  # the owner stops (its heartbeat with it)
        for org in orgs[4:]:
            answer = clients[survivor].post(f"/api/v1/sessions/{session}/registrations", headers=staff,
                                            json={"organisation_id": org, "attendees": [{"name": "李娜"}]})
            assert answer.status_code == 201, answer.text  # never a failed command
            assert answer.headers["x-qihui-replica"] == replica_of[survivor]
        time.sleep(TTL + 1.5)
        roster = ok(clients[survivor].get(f"/api/v1/sessions/{session}/roster?min_position="
                                          f"{platforms[survivor].runner.head()}", headers=staff))
        assert len(roster["confirmed"]) + len(roster["waitlist"]) == 6
    finally:
        for stack in servers:
            stack.close()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_writer_never_decides_on_what_another_process_changed_since(make_platform):
    """Two writers (replicas, or the CLI beside the API): what one read earlier and still holds
    is checked against the store before it saves, so a registration sees the suspension the
    other recorded meanwhile."""
    from domain.values import Actor
    from service import membership, sessions
    from tests.factories import application

    one, two = make_platform(), make_platform()
    staff = Actor(id="staff-1", role="staff")
    start = one.clock.now() + timedelta(days=10)
    org, _ = one.writer.execute(membership.apply_for_membership(
        {**application(), "effective_on": one.clock.today()}, Actor.public()))
    one.writer.execute(membership.admit(org, tier="member", note=None, effective_on=one.clock.today(), actor=staff))
    first, _ = one.writer.execute(sessions.schedule(
        dict(kind="salon", title="第一场", topic=None, starts_at=start, ends_at=start + timedelta(hours=2),
             venue="协会", capacity=None, seats_per_organisation=1,
             registration_closes_at=start - timedelta(days=1), members_only=True, waitlist=True),
        now=one.clock.now(), actor=staff))
    second, _ = one.writer.execute(sessions.schedule(
        dict(kind="salon", title="第二场", topic=None, starts_at=start, ends_at=start + timedelta(hours=2),
             venue="协会", capacity=None, seats_per_organisation=1,
             registration_closes_at=start - timedelta(days=1), members_only=True, waitlist=True),
        now=one.clock.now(), actor=staff))
    register = lambda s: sessions.register(s, org, [{"name": "王强"}], now=one.clock.now(), actor=staff)  # noqa: E731
    one.writer.execute(register(first))  # `one` now holds the organisation, admitted
    two.writer.execute(membership.decide(org, "suspend", reason="欠缴会费", effective_on=two.clock.today(),
                                         actor=staff, grace_days=two.settings.dues_grace_days))
    with pytest.raises(Exception, match=r"not_a_member|仅限会员单位"):
        one.writer.execute(register(second))
