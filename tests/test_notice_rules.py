"""The rules alone (no database): who is told what of an event, read from its published
record. The alliance programme's rules are declared here until the alliances context lists
them (`notices=` in qihui/contexts/alliances.py)."""

from __future__ import annotations

from domain.notices import Audience
from domain.notices_alliances import NOTICES as ALLIANCE_NOTICES
from domain.notices_sessions import NOTICES as SESSION_NOTICES
from projections.notices import Rules

ALLIANCE = "0b6f1d5e-2f40-4c8e-9b1a-7d3c5e9f1a20"
ENTERPRISE, SOCIETY = "1c7e2f6a-3a51-4d9f-8c2b-8e4d6f0a2b31", "2d8f3a7b-4b62-4eaf-9d3c-9f5e7a1b3c42"


class Names:
    """What the view's Names answers, from memory: one alliance, its two parties, two staff."""

    def title(self, subject_id):
        return "高性能光纤传感器联合攻关" if subject_id == ALLIANCE else "—"

    def parties(self, alliance_id):
        return [ENTERPRISE, SOCIETY]

    def subject(self, subject_id):
        return {"title": "人工智能小集会", "starts_at": "2026-12-12T02:00:00+00:00", "venue": "协会会议室"}

    def local(self, iso):
        return "2026-12-12 10:00"

    def recipients(self, audience: Audience):
        told = [f"account-of-{org}" for org in audience.organisations]
        return told + (["staff-1", "staff-2"] if audience.staff else [])


def fact(aggregate, kind, data, reason=None):
    return {"aggregate_type": aggregate, "type": kind, "aggregate_id": ALLIANCE, "event_id": f"{ALLIANCE}:7",
            "position": 7, "reason": reason, "data": data}


def test_staff_hear_of_an_objection_and_a_report_and_parties_of_an_overdue_report():
    rules = Rules(ALLIANCE_NOTICES)
    objected = rules.decide(fact("Alliance", "Objected", {"objection_id": "o1", "grounds": "专利权属有争议",
                                                          "contact": {"sealed": "…", "person_id": "p"}}), Names())
    assert [(n.kind, n.account_id) for n in objected] == [("objection_submitted", "staff-1"),
                                                          ("objection_submitted", "staff-2")]
    assert objected[0].text["title_zh"] == "收到公示异议：高性能光纤传感器联合攻关"
    assert "专利权属" not in str(objected[0].text)  # the grounds and the objector stay with staff's pages
    filed = rules.decide(fact("Alliance", "ReportFiled", {"report_id": "r1", "report_kind": "annual", "year": 2027,
                                                          "progress": [], "spending_fen": 1, "outcomes": "样机"}),
                         Names())
    assert filed[0].text["body_zh"] == "联盟「高性能光纤传感器联合攻关」提交了 2027 年年度报告，请审阅。"
    overdue = rules.decide(fact("Alliance", "ReportOverdue", {"report_kind": "completion", "year": 2028,
                                                              "due_on": "2029-03-01"}), Names())
    assert [n.account_id for n in overdue] == [f"account-of-{ENTERPRISE}", f"account-of-{SOCIETY}"]
    assert "2029-03-01" in overdue[0].text["body_zh"] and "completion" in overdue[0].text["body_en"]


def test_a_cancelled_session_tells_every_registrant_why():
    rules = Rules(SESSION_NOTICES)
    told = rules.decide(fact("Session", "Cancelled", {"registrants": [ENTERPRISE, SOCIETY]}, reason="场地检修"),
                        Names())
    assert {n.account_id for n in told} == {f"account-of-{ENTERPRISE}", f"account-of-{SOCIETY}"}
    assert told[0].text["body_zh"] == "「人工智能小集会」已取消。原因：场地检修"


def test_a_rule_that_cannot_read_its_event_is_skipped_not_fatal():
    rules = Rules(SESSION_NOTICES)
    assert rules.decide(fact("Session", "Promoted", {"unexpected": True}), Names()) == []
