"""The session aggregate without a database: the rules, then a stateful
property test of its invariants (capacity, waitlist order, promotion)."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.errors import DomainError, InvalidValue
from domain.sessions import Session
from domain.values import Actor

STAFF = Actor(id="staff-1", role="staff")
NOW = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
START = NOW + timedelta(days=10)


def salon(capacity=20, waitlist=True, members_only=True, seats=2) -> Session:
    return Session.schedule(kind="salon", title="企业科协建设小集会", topic=None, starts_at=START,
                            ends_at=START + timedelta(hours=2), venue="协会会议室", capacity=capacity,
                            seats_per_organisation=seats, registration_closes_at=START - timedelta(days=1),
                            members_only=members_only, waitlist=waitlist, now=NOW, actor=STAFF)


def plain(people):
    """No sealing here: the rules without the key store (service.personal seals for real)."""
    return people


def register(session, org=None, *, is_member=True, when=NOW, attendees=None):
    org = org or uuid4()
    outcome = session.register(organisation_id=org, is_member=is_member,
                               attendees=attendees or [{"name": "王强"}], now=when, actor=STAFF, seal=plain)
    return org, outcome


def refusal(code, call):
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, caught.value.message


def test_a_salon_of_20_fills_the_21st_is_waitlisted_and_promoted_when_one_cancels():
    s = salon()
    orgs = [register(s)[0] for _ in range(20)]
    late_comer, outcome = register(s)
    assert outcome == "waitlisted" and s.waitlist_position(late_comer) == 1
    s.cancel_registration(organisation_id=orgs[3], now=NOW, actor=STAFF)
    assert s.registrations[str(late_comer)]["status"] == "confirmed" and len(s.confirmed) == 20
    assert type(s.pending_events[-1]).__name__ == "Promoted"


def test_salons_hold_at_most_20_and_default_to_20():
    assert salon(capacity=None).capacity == 20
    with pytest.raises(InvalidValue):
        salon(capacity=21)


def test_without_a_waitlist_a_full_session_refuses():
    s = salon(capacity=1, waitlist=False)
    register(s)
    refusal("session_full", lambda: register(s))


def test_one_registration_per_organisation_and_seats_per_organisation():
    s = salon(seats=2)
    org, _ = register(s)
    refusal("already_registered", lambda: register(s, org))
    with pytest.raises(InvalidValue):
        register(s, attendees=[{"name": "甲"}, {"name": "乙"}, {"name": "丙"}])


def test_members_only_sessions_refuse_non_members():
    refusal("not_a_member", lambda: register(salon(), is_member=False))
    register(salon(members_only=False), is_member=False)


def test_registration_closes_at_the_deadline_even_without_the_scheduler():
    s = salon()
    refusal("registration_closed", lambda: register(s, when=START - timedelta(hours=23)))
    s.close_registration(now=START - timedelta(hours=23), actor=Actor.system())
    refusal("registration_closed", lambda: s.close_registration(now=START, actor=Actor.system()))


def test_capacity_changes():
    s = salon(capacity=2)
    first, second = register(s)[0], register(s)[0]
    waiting = [register(s)[0] for _ in range(3)]
    refusal("capacity_below_confirmed", lambda: s.change_capacity(capacity=1, now=NOW, actor=STAFF))
    s.change_capacity(capacity=4, now=NOW, actor=STAFF)
    assert s.confirmed == [str(first), str(second), str(waiting[0]), str(waiting[1])]
    assert s.waitlist == [str(waiting[2])]


def test_the_waitlist_moves_only_with_a_reason():
    s = salon(capacity=1)
    register(s)
    a, b, c = (register(s)[0] for _ in range(3))
    with pytest.raises(InvalidValue):
        s.move_in_waitlist(organisation_id=c, to_position=1, reason=" ", actor=STAFF)
    s.move_in_waitlist(organisation_id=c, to_position=1, reason="理事单位优先（理事会决议）", actor=STAFF)
    assert s.waitlist == [str(c), str(a), str(b)]


def test_late_cancellation_and_substitution_until_the_start():
    s = salon()
    org, _ = register(s, attendees=[{"name": "王强"}])
    s.substitute(organisation_id=org, attendee_name="王强", substitute={"name": "刘洋"}, seal=plain,
                 now=START - timedelta(minutes=5), actor=STAFF)
    assert s.registrations[str(org)]["attendees"] == [{"name": "刘洋"}]
    refusal("session_started", lambda: s.substitute(organisation_id=org, attendee_name="刘洋", seal=plain,
                                                    substitute={"name": "张三"}, now=START, actor=STAFF))
    s.cancel_registration(organisation_id=org, now=START - timedelta(hours=3), actor=STAFF)
    assert s.pending_events[-1].late is True


def test_check_in_window_no_shows_and_feedback():
    s = salon()
    came, absent = register(s)[0], register(s)[0]
    refusal("check_in_closed", lambda: s.check_in(organisation_id=came, attendee_name="王强",
                                                  now=START - timedelta(hours=2), actor=STAFF))
    s.check_in(organisation_id=came, attendee_name="王强", now=START - timedelta(minutes=30), actor=STAFF)
    refusal("already_checked_in", lambda: s.check_in(organisation_id=came, attendee_name="王强", now=START,
                                                     actor=STAFF))
    refusal("session_not_ended", lambda: s.record_no_shows(now=START, actor=Actor.system()))
    s.record_no_shows(now=START + timedelta(hours=3), actor=Actor.system())
    assert s.pending_events[-1].no_shows == [str(absent)]
    refusal("attendance_closed", lambda: s.record_no_shows(now=START + timedelta(hours=4), actor=Actor.system()))
    after = START + timedelta(days=1)
    refusal("not_attended", lambda: s.give_feedback(organisation_id=absent, rating=5, comment=None, now=after,
                                                    actor=STAFF))
    s.give_feedback(organisation_id=came, rating=4, comment="很有收获", now=after, actor=STAFF)
    s.give_feedback(organisation_id=came, rating=5, comment="补充", now=after, actor=STAFF)
    assert s.feedback[str(came)]["rating"] == 5 and s.pending_events[-1].replaces is True
    refusal("feedback_closed", lambda: s.give_feedback(organisation_id=came, rating=3, comment=None,
                                                       now=START + timedelta(days=32), actor=STAFF))


def test_cancelling_names_every_registrant():
    s = salon(capacity=1)
    orgs = [register(s)[0] for _ in range(3)]
    s.cancel(reason="场地临时不可用", now=NOW, actor=STAFF)
    assert s.pending_events[-1].registrants == [str(o) for o in orgs]
    refusal("session_cancelled", lambda: register(s))


class SessionMachine(RuleBasedStateMachine):
    """Random registrations, cancellations, capacity changes and waitlist moves;
    after every step the session's invariants hold, checked against a model."""

    def __init__(self):
        super().__init__()
        self.session = salon(capacity=3)
        self.arrivals: list[str] = []  # registration order of the orgs still registered

    @rule()
    def register(self):
        org = uuid4()
        register(self.session, org)
        self.arrivals.append(str(org))

    @precondition(lambda self: self.arrivals)
    @rule(data=st.data())
    def cancel(self, data):
        org = data.draw(st.sampled_from(self.arrivals))
        self.session.cancel_registration(organisation_id=UUID(org), now=NOW, actor=STAFF)
        self.arrivals.remove(org)

    @rule(capacity=st.integers(min_value=1, max_value=20))
    def change_capacity(self, capacity):
        if capacity < len(self.session.confirmed):
            with pytest.raises(DomainError):
                self.session.change_capacity(capacity=capacity, now=NOW, actor=STAFF)
        else:
            self.session.change_capacity(capacity=capacity, now=NOW, actor=STAFF)

    @precondition(lambda self: len(self.session.waitlist) > 1)
    @rule(data=st.data())
    def move(self, data):
        org = data.draw(st.sampled_from(self.session.waitlist))
        to = data.draw(st.integers(min_value=1, max_value=len(self.session.waitlist)))
        self.session.move_in_waitlist(organisation_id=UUID(org), to_position=to, reason="理事会决议",
                                      actor=STAFF)
        # A recorded move is the only way the order may differ from arrival.
        moved = [o for o in self.arrivals if o != org]
        waiting = [o for o in moved if o in self.session.waitlist]
        waiting.insert(to - 1, org)
        confirmed = [o for o in moved if o in self.session.confirmed]
        self.arrivals = confirmed + waiting

    @invariant()
    def never_more_confirmed_than_capacity(self):
        assert len(self.session.confirmed) <= self.session.capacity

    @invariant()
    def no_free_seat_while_someone_waits(self):
        assert not (self.session.free_seats() > 0 and self.session.waitlist)

    @invariant()
    def everyone_is_in_exactly_one_queue(self):
        s = self.session
        assert sorted(s.confirmed + s.waitlist) == sorted(self.arrivals) == sorted(s.registrations)
        assert not set(s.confirmed) & set(s.waitlist)

    @invariant()
    def the_waitlist_keeps_arrival_order(self):
        expected = [o for o in self.arrivals if o in self.session.waitlist]
        assert self.session.waitlist == expected


TestSessionInvariants = SessionMachine.TestCase
TestSessionInvariants.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
