"""Stored alliance events keep loading (issue 14). Each stored event names its class
by topic; the topics below are every one Program and Alliance recorded before
their commands moved out of domain/alliances.py, written out literally so that
moving or renaming an event class fails here instead of on a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import get_topic, resolve_topic

from domain.alliances import Alliance, Program
from domain.application import Qihui
from domain.values import Actor

AGGREGATE_TOPICS = {"domain.alliances:Program": Program, "domain.alliances:Alliance": Alliance}
EVENT_TOPICS = [
    "domain.alliances:Program.Created",
    "domain.alliances:Program.Granted",
    "domain.alliances:Program.Opened",
    "domain.alliances:Program.Ranked",
    "domain.alliances:Program.Released",
    "domain.alliances:Program.SettingsChanged",
    "domain.alliances:Alliance.AmendmentDecided",
    "domain.alliances:Alliance.AmendmentRequested",
    "domain.alliances:Alliance.AmendmentScreened",
    "domain.alliances:Alliance.AmendmentSigned",
    "domain.alliances:Alliance.Approved",
    "domain.alliances:Alliance.Concluded",
    "domain.alliances:Alliance.DateCorrected",  # issue 22
    "domain.alliances:Alliance.Created",
    "domain.alliances:Alliance.Declared",
    "domain.alliances:Alliance.Drafted",
    "domain.alliances:Alliance.EligibilityOverridden",
    "domain.alliances:Alliance.Inspected",
    "domain.alliances:Alliance.NoticeStarted",
    "domain.alliances:Alliance.Objected",
    "domain.alliances:Alliance.ObjectionResolved",
    "domain.alliances:Alliance.Paid",
    "domain.alliances:Alliance.PartyDeclared",
    "domain.alliances:Alliance.RectificationClosed",
    "domain.alliances:Alliance.RectificationOverdue",  # issue 22
    "domain.alliances:Alliance.ReportFiled",
    "domain.alliances:Alliance.ReportJudged",
    "domain.alliances:Alliance.ReportOverdue",
    "domain.alliances:Alliance.ReviewConcluded",
    "domain.alliances:Alliance.Reviewed",
    "domain.alliances:Alliance.ReviewerAssigned",
    "domain.alliances:Alliance.Revised",
    "domain.alliances:Alliance.Screened",
    "domain.alliances:Alliance.Signed",
    "domain.alliances:Alliance.Submitted",
    "domain.alliances:Alliance.Terminated",
]


def event_classes(aggregate: type) -> dict[str, type]:
    return {name: value for name, value in vars(aggregate).items()
            if isinstance(value, type) and issubclass(value, CanMutateAggregate) and name != "Event"}


@pytest.mark.parametrize("topic", EVENT_TOPICS)
def test_every_old_event_topic_resolves_to_the_aggregates_event_class(topic):
    aggregate_topic, _, name = topic.rpartition(".")
    assert resolve_topic(topic) is getattr(AGGREGATE_TOPICS[aggregate_topic], name)


def test_the_aggregates_resolve_and_every_event_class_keeps_its_topic():
    for topic, aggregate in AGGREGATE_TOPICS.items():
        assert resolve_topic(topic) is aggregate and get_topic(aggregate) == topic
    current = sorted(get_topic(cls) for aggregate in (Program, Alliance) for cls in event_classes(aggregate).values())
    assert current == sorted(EVENT_TOPICS)  # none moved; a new event type is added to the list on purpose


def test_events_are_stored_under_those_topics_and_load_again():
    app = Qihui(env={"QIHUI_PERSISTENCE_MODULE": "eventsourcing.popo"})
    staff, opens = Actor(id="staff-1", role="staff"), datetime(2026, 3, 1, tzinfo=UTC)
    program = Program.open_call(year=2026, title="企会协作创新计划", budget_fen=1_000_000,
                                priority_sectors=["光电子"], submission_opens_at=opens,
                                submission_closes_at=opens + timedelta(days=60), actor=staff)
    program.grant(alliance_id=uuid4(), amount_fen=300_000, actor=staff)
    app.save(program)
    stored = list(app.recorder.select_events(program.id))
    assert [s.topic for s in stored] == ["domain.alliances:Program.Opened", "domain.alliances:Program.Granted"]
    assert app.repository.get(program.id).state() == program.state()
