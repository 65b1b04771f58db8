"""Contract suite for the projection runner, on both backends: batches, a crash
between batches, replays, rivals; the view always ends equal to a rebuild."""

import threading
from datetime import date

import pytest

from domain.values import Actor
from projections.roster import RosterView
from projections.runner import ProjectionRunner
from projections.store import TrackingConflict
from service import membership
from tests.factories import application

STAFF = Actor(id="staff-1", role="staff")
TODAY = date(2026, 11, 23)


def fill(platform, n=25):
    """n applications, every third admitted, every fifth rejected."""
    ids = []
    for i in range(n):
        fields = {**application(), "effective_on": TODAY}
        org_id, _ = platform.writer.execute(membership.apply_for_membership(fields, Actor.public()))
        ids.append(org_id)
        if i % 3 == 0:
            platform.writer.execute(membership.admit(org_id, tier="member", note=None,
                                                     effective_on=TODAY, actor=STAFF))
        elif i % 5 == 0:
            platform.writer.execute(membership.reject(org_id, reason="材料不全",
                                                      effective_on=TODAY, actor=STAFF))
    return ids


def dump(platform):
    with platform.views.read() as tx:
        return tx.fetchall("SELECT id, position, status, tier, doc FROM view_roster ORDER BY id")


def rebuilt(platform):
    platform.runner.rebuild()
    return dump(platform)


def test_one_catch_up_applies_everything_in_order(platform):
    ids = fill(platform)
    platform.runner.catch_up()
    rows = {r["id"]: r for r in dump(platform)}
    assert len(rows) == len(ids)
    assert rows[str(ids[0])]["status"] == "admitted"
    assert rows[str(ids[5])]["status"] == "rejected"
    assert rows[str(ids[1])]["status"] == "applied"
    assert platform.views.positions(["roster"])["roster"] == platform.runner.head()


def test_small_batches_give_the_same_view_as_one_big_one(platform):
    fill(platform)
    ProjectionRunner(platform.app, platform.views, [RosterView()], batch_size=7).catch_up()
    incremental = dump(platform)
    assert incremental == rebuilt(platform)


class CrashingView(RosterView):
    """Dies while writing its second batch, as a killed process would."""

    def __init__(self):
        self.batches = 0

    def apply(self, tx, events):
        self.batches += 1
        super().apply(tx, events)
        if self.batches == 2:
            raise KeyboardInterrupt("killed mid-transaction")


def test_a_crash_between_batches_loses_and_repeats_nothing(platform):
    fill(platform)
    crashing = ProjectionRunner(platform.app, platform.views, [CrashingView()], batch_size=10)
    crashing.run_once()
    with pytest.raises(KeyboardInterrupt):
        crashing.run_once()
    # The second batch rolled back whole: position and rows are the first batch's.
    assert platform.views.positions(["roster"])["roster"] == 10
    assert max(r["position"] for r in dump(platform)) <= 10
    # A restarted runner carries on from there and ends where a rebuild ends.
    ProjectionRunner(platform.app, platform.views, [RosterView()], batch_size=10).catch_up()
    assert dump(platform) == rebuilt(platform)


def test_replaying_an_applied_batch_changes_nothing(platform):
    fill(platform, 10)
    platform.runner.catch_up()
    before = dump(platform)
    head = platform.runner.head()
    batch = platform.runner.read_batch(0)
    with pytest.raises(TrackingConflict), platform.views.transaction() as tx:
        RosterView().apply(tx, batch)
        platform.views.advance(tx, "roster", 0, head)
    assert dump(platform) == before


def test_two_runners_racing_apply_each_event_once(platform):
    fill(platform, 40)
    runners = [ProjectionRunner(platform.app, platform.views, [RosterView()], batch_size=5)
               for _ in range(2)]
    threads = [threading.Thread(target=r.catch_up) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    raced = dump(platform)
    for row in raced:  # a double-applied event would repeat a status_history entry
        history = [h["position"] for h in __import__("msgspec").json.decode(row["doc"])["status_history"]]
        assert history == sorted(set(history))
    assert raced == rebuilt(platform)


def test_rebuild_beside_a_running_projector(platform):
    fill(platform, 30)
    stop = threading.Event()
    follower = threading.Thread(target=platform.runner.run_forever, args=(stop, 0.01))
    follower.start()
    try:
        platform.runner.rebuild()
        fill(platform, 5)
        platform.runner.catch_up()
    finally:
        stop.set()
        follower.join()
    assert dump(platform) == rebuilt(platform)
