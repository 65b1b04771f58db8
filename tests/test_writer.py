"""The group-commit writer, on both backends: batching, undo, races between processes."""

import threading
from datetime import date

import pytest

from domain.errors import DuplicateCreditCode, IllegalTransition
from domain.organisations import Organisation
from domain.values import Actor
from service import membership
from tests.factories import application, credit_code

STAFF = Actor(id="staff-1", role="staff")
TODAY = date(2026, 11, 23)


def apply(platform, **overrides):
    fields = application(**overrides)
    fields["effective_on"] = TODAY
    return platform.writer.execute(membership.apply_for_membership(fields, Actor.public()))


def test_a_command_returns_its_id_and_log_position(platform):
    org_id, position = apply(platform)
    assert position == platform.runner.head()
    assert platform.app.repository.get(org_id).status == "applied"


def test_many_concurrent_commands_are_all_stored_once(platform):
    results, errors = [], []

    def worker():
        try:
            results.append(apply(platform))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    positions = [p for _, p in results]
    assert len(set(positions)) == 60  # each application got its own log position
    assert platform.runner.head() == max(positions)


def test_a_failing_command_leaves_the_rest_of_its_batch_intact(platform):
    org_id, _ = apply(platform)
    done = threading.Event()

    def admit_then_fail(uow):
        uow.get(Organisation, org_id).admit(tier="member", note=None, effective_on=TODAY, actor=STAFF)
        raise RuntimeError("a bug after the decision")

    # Queue a good command, a failing one touching the same aggregate, and a good one.
    outcomes = []
    platform.writer.submit(membership.admit(org_id, tier="council", note="理事会", effective_on=TODAY,
                                            actor=STAFF), outcomes.append)
    platform.writer.submit(admit_then_fail, outcomes.append)
    platform.writer.submit(lambda uow: done.set(), outcomes.append)
    assert done.wait(5)
    platform.writer.execute(lambda uow: None)  # flush
    assert outcomes[0].error is None
    assert isinstance(outcomes[1].error, (RuntimeError, IllegalTransition))
    stored = platform.app.repository.get(org_id)
    assert (stored.status, stored.tier, stored.version) == ("admitted", "council", 2)


def test_the_same_credit_code_from_two_processes_is_accepted_once(make_platform):
    replicas = [make_platform(), make_platform()]
    code = credit_code()
    outcomes = []
    barrier = threading.Barrier(8)

    def worker(i):
        barrier.wait()
        try:
            outcomes.append(apply(replicas[i % 2], credit_code=code))
        except DuplicateCreditCode as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(accepted) == 1
    assert sum(isinstance(o, DuplicateCreditCode) for o in outcomes) == 7


def test_a_stale_copy_in_another_process_is_refreshed_not_overwritten(make_platform):
    a, b = make_platform(), make_platform()
    org_id, _ = apply(a)
    b.writer.execute(lambda uow: uow.get(Organisation, org_id))  # b caches the applicant
    a.writer.execute(membership.admit(org_id, tier="member", note=None, effective_on=TODAY, actor=STAFF))
    with pytest.raises(IllegalTransition):
        b.writer.execute(membership.reject(org_id, reason="重复申请", effective_on=TODAY, actor=STAFF))
    assert a.app.repository.get(org_id).status == "admitted"


def test_the_writers_cache_is_bounded_by_the_events_its_aggregates_hold(platform):
    """Least recently used aggregates go once those held have folded more events than allowed
    (their size, roughly), but never one the batch in progress holds."""
    from service.writer import AggregateCache

    ids = [apply(platform)[0] for _ in range(6)]
    org = platform.app.repository.get(ids[0])
    org.admit(tier="member", note=None, effective_on=TODAY, actor=STAFF)
    platform.app.save(org)  # the first one has grown: two events
    cache = AggregateCache(platform.app, maxsize=100, max_events=4)
    cache.begin_batch()
    for i in ids:
        cache.get(i)
    assert len(cache._items) == 6 and cache.events == 7  # all held by this batch: none dropped mid-batch
    cache.begin_batch()  # that batch is over
    assert list(cache._items) == ids[-4:] and cache.events == 4  # the least recently used went first
    assert cache.get(ids[0]).status == "admitted"  # and comes back from the store when asked for
