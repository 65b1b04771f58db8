"""The matchmaking rules on their own, without a database: a need's lifecycle and the
placement of meetings in slots and tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import DomainError, IllegalTransition, InvalidValue
from domain.matchmaking import Need
from domain.matchmaking_meetings import Agenda
from domain.values import Actor

STAFF = Actor(id="s", role="staff")
TODAY = date(2026, 3, 2)


def need(**overrides) -> Need:
    fields = {"organisation_id": uuid4(), "campaign_id": None, "title": "废水处理", "field": "资源与环境",
              "summary": "高浓度有机废水", "details": "COD 20000 mg/L", "budget_min_fen": None, "budget_max_fen": None,
              "deadline": TODAY + timedelta(days=30), "cooperation": "commissioned_development", "draft": False,
              "today": TODAY, "actor": STAFF, **overrides}
    return Need.post(**fields)


def test_a_need_goes_from_submitted_to_the_catalogue_expires_and_is_renewed():
    n = need()
    with pytest.raises(IllegalTransition):
        n.publish(today=TODAY, actor=STAFF)  # not analysed yet
    n.analyse(note="可公开征集", tags=["环保", "环保", " "], actor=STAFF)
    n.publish(today=TODAY, actor=STAFF)
    with pytest.raises(DomainError, match=r"未到截止日期"):
        n.expire(today=n.deadline, actor=STAFF)  # the deadline day itself still counts
    n.expire(today=n.deadline + timedelta(days=1), actor=STAFF)
    assert n.status == "expired"
    n.renew(deadline=TODAY + timedelta(days=90), today=TODAY + timedelta(days=31), actor=STAFF)
    assert n.status == "published" and n.deadline == TODAY + timedelta(days=90)


def test_closing_without_an_outcome_or_feedback_is_refused():
    n = need()
    with pytest.raises(InvalidValue) as no_outcome:
        n.close(outcome=None, feedback="已反馈", actor=STAFF)
    assert no_outcome.value.field == "outcome"
    with pytest.raises(InvalidValue) as no_feedback:
        n.close(outcome="withdrawn", feedback=" ", actor=STAFF)
    assert no_feedback.value.field == "feedback"
    n.close(outcome="withdrawn", feedback="企业撤回需求", actor=STAFF)
    assert (n.status, n.outcome, n.feedback_given) == ("closed", "withdrawn", True)


def test_meetings_take_the_earliest_slot_where_both_and_a_table_are_free():
    start = datetime(2026, 5, 10, 1, 0, tzinfo=UTC)
    agenda = Agenda(session_id=str(uuid4()), title="对接会", actor=STAFF)
    agenda.add_slots(starts_at=start, minutes=20, count=3, tables=2, ends_by=start + timedelta(hours=4), actor=STAFF)
    with pytest.raises(DomainError, match=r"重叠"):
        agenda.add_slots(starts_at=start + timedelta(minutes=30), minutes=20, count=1, tables=1,
                         ends_by=start + timedelta(hours=4), actor=STAFF)
    now = start - timedelta(days=1)
    pairs = [("a", "x"), ("b", "y"), ("c", "z"), ("a", "y")]
    placed = []
    for i, (one, other) in enumerate(pairs):
        agenda.request(request_id=f"r{i}", from_org=one, with_org=other, need_id=None, note=None,
                       expires_at=start, now=now, actor=STAFF)
        placed.append(agenda.accept(request_id=f"r{i}", meeting_id=f"m{i}", by_org=other, now=now, actor=STAFF))
    # Two tables in the first slot; the third pair waits for slot 2; a and y are both busy in slot 1.
    assert [(m["slot"], m["table"]) for m in placed] == [(0, 1), (0, 2), (1, 1), (1, 2)]
