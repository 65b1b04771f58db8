"""The alliance programme's typed values (issue 14), with no database: the agreement
the domain checks is a frozen value; its experts stay sealed persons the writer's
guard still finds; the vocabularies are defined once and the API speaks them."""

from __future__ import annotations

from datetime import date
from typing import Any, get_type_hints
from uuid import uuid4

import msgspec
import pytest

from api import alliance_schemas as api
from domain import vocabularies as v
from domain.alliance_agreement import check_agreement
from domain.alliance_values import Agreement, Task
from domain.alliances import Alliance
from domain.errors import InvalidValue
from domain.values import Actor
from qihui.contexts.alliances import CONTEXT
from service.personal import PersonalFields

E1, S1 = str(uuid4()), str(uuid4())
STAFF = Actor(id="staff-1", role="staff")
SENT = {"title": "光纤传感联合攻关", "enterprises": [E1], "societies": [S1], "lead_enterprise_id": E1,
        "lead_society_id": S1, "cooperation_areas": ["joint_research"], "sector": "光电子",
        "goals": "样机", "tasks": [{"title": "样机", "due_on": "2027-06-30", "indicator": "一台"}],
        "starts_on": "2026-07-01", "ends_on": "2028-06-30", "budget_fen": 1_000_000, "requested_funding_fen": 300_000}


def test_the_checked_agreement_is_a_frozen_value_with_dates_as_dates():
    agreement = check_agreement(SENT)
    assert isinstance(agreement, Agreement) and agreement.sector == "optoelectronics"
    assert agreement.tasks == [Task(title="样机", due_on=date(2027, 6, 30), indicator="一台")]
    assert (agreement.starts_on, agreement.expert_team, agreement.dedicated_account) == (date(2026, 7, 1), [], None)
    with pytest.raises(AttributeError):
        agreement.title = "改名"  # type: ignore[misc]
    # Read as JSON it is what the API and the audit log showed before: dates as YYYY-MM-DD
    assert agreement.plain()["tasks"] == SENT["tasks"] and agreement.plain()["ends_on"] == "2028-06-30"
    # Readers that index it as a dictionary keep working; a change laid over it is checked again
    assert agreement["title"] == agreement.get("title") == "光纤传感联合攻关" and agreement.get("nope") is None
    assert check_agreement({**agreement, "goals": "样机两台"}).goals == "样机两台"


def test_a_task_with_a_date_that_is_no_date_is_refused_naming_the_tasks():
    # The API refuses it first; a command called without the API (an import, a script) must too
    with pytest.raises(InvalidValue) as refused:
        check_agreement({**SENT, "tasks": [{"title": "样机", "due_on": "2027/06/30", "indicator": "一台"}]})
    assert refused.value.field == "tasks"
    with pytest.raises(InvalidValue) as refused:
        check_agreement({k: val for k, val in SENT.items() if k != "lead_society_id"})
    assert refused.value.field == "lead_society_id"


def test_an_expert_left_in_the_clear_is_still_refused_by_the_writers_guard():
    guard = PersonalFields(CONTEXT.personal)
    clear = Alliance.draft(program_id=uuid4(), actor=STAFF, agreement={
        **SENT, "expert_team": [{"name": "周教授", "title": "教授", "employer": "华中科技大学", "speciality": "光纤"}]})
    with pytest.raises(RuntimeError, match=r"agreement\.expert_team"):
        guard.refuse_clear([clear])
    sealed = Alliance.draft(program_id=uuid4(), actor=STAFF, agreement={
        **SENT, "expert_team": [{"person_id": str(uuid4()), "sealed": "c2VhbGVk", "fields": ["name"],
                                 "speciality": "光纤"}]})
    guard.refuse_clear([sealed])  # a sealed person passes, untouched by the typed agreement
    assert sealed.agreement.expert_team[0]["sealed"] == "c2VhbGVk"
    assert sealed.agreement.expert_team[0]["society_id"] == S1  # sent by the lead society when not said


@pytest.mark.parametrize(("schema", "field", "vocabulary"), [
    (api.ReportIn, "kind", v.ReportKind), (api.InspectionIn, "rating", v.Rating),
    (api.ConclusionIn, "grade", v.Grade), (api.Progress, "status", v.ProgressStatus),
    (api.Screening, "decision", v.ScreeningDecision), (api.ResolutionIn, "outcome", v.ObjectionOutcome)])
def test_the_api_speaks_the_domains_vocabularies(schema: type, field: str, vocabulary: Any):
    assert get_type_hints(schema)[field] == vocabulary


def test_each_vocabulary_has_one_set_of_keys_for_types_labels_and_requests():
    assert v.keys(v.Sector) == tuple(v.SECTORS) and v.keys(v.CooperationArea) == tuple(v.COOPERATION_CONTENTS)
    assert v.keys(v.Grade) == tuple(v.GRADE_NAMES) and v.keys(v.Rating) == tuple(v.RATING_NAMES)
    # The agreement's areas are the API's: one the API accepts is one the value holds
    accepted = msgspec.convert(["joint_research"], list[api.Area])
    assert check_agreement({**SENT, "cooperation_areas": accepted}).cooperation_areas == ["joint_research"]
    with pytest.raises(InvalidValue) as refused:
        v.require_key(v.Rating, "excellent", "rating")
    assert refused.value.field == "rating" and "good / fair / poor" in refused.value.message
