"""Enterprise services as staff read them: units with their staff and hook-ups, visits and
forums, the request ledger (one row per request, its replies and closures in the document),
surveys with their answers, and check-ups."""

from __future__ import annotations

from typing import Any, ClassVar

from domain.services import ServiceUnit as U
from domain.services import Visit as V
from domain.services_requests import ServiceRequest as R
from domain.services_surveys import Checkup as C
from domain.services_surveys import Survey as S
from projections.view import DocumentView


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _by(e: Any, pos: int) -> dict[str, Any]:
    return {"actor": e.actor.as_dict(), "recorded_at": _iso(e.timestamp), "position": pos}


# -- units -----------------------------------------------------------------------------------
def _unit_created(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(name=e.name, staff=[], hookups=[], created=_by(e, pos))


def _staff_added(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["staff"].append(e.account_id)


def _hooked_up(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["hookups"].append({"id": e.hookup_id, "organisation_ids": e.organisation_ids, "rule": e.rule,
                           "starts_on": _iso(e.starts_on), "ends_on": _iso(e.ends_on), "reason": e.reason})


def _hookup_ended(doc: dict[str, Any], e: Any, pos: int) -> None:
    for hookup in doc["hookups"]:
        if hookup["id"] == e.hookup_id:
            hookup["ends_on"] = _iso(e.ends_on)


class UnitsView(DocumentView):
    name = "service_units"
    table = "view_service_units"
    columns: ClassVar[dict[str, str]] = {"name": "TEXT"}
    handlers: ClassVar[dict[type, Any]] = {U.Created: _unit_created, U.StaffAdded: _staff_added,
                                           U.HookedUp: _hooked_up, U.HookupEnded: _hookup_ended}


# -- visits ------------------------------------------------------------------------------------
def _visit(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(kind=e.kind, unit_id=e.unit_id, visited_on=_iso(e.visited_on), organisation_ids=e.organisation_ids,
               visitors=e.visitors, findings=e.findings, follow_ups=e.follow_ups, recorded=_by(e, pos))


class VisitsView(DocumentView):
    name = "service_visits"
    table = "view_service_visits"
    columns: ClassVar[dict[str, str]] = {"kind": "TEXT", "unit_id": "TEXT", "visited_on": "TEXT"}
    indexes = ("unit_id", "visited_on")
    handlers: ClassVar[dict[type, Any]] = {V.Recorded: _visit}


# -- the request ledger ------------------------------------------------------------------------
def _raised(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(organisation_id=e.organisation_id, category=e.category, text=e.text, channel=e.channel,
               received_on=_iso(e.received_on), due_on=_iso(e.due_on), source_id=e.source_id, status="received",
               unit_id=None, owner_id=None, closed_on=None, outcome=None, explanation=None, replies=[],
               closures=[], reopenings=[], overdue_flags=[], raised=_by(e, pos))


def _assigned(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(unit_id=e.unit_id, owner_id=e.owner_id, due_on=_iso(e.due_on))
    if doc["status"] == "received":
        doc["status"] = "assigned"


def _replied(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["replies"].append({"text": e.text, "replied_on": _iso(e.replied_on), **_by(e, pos)})


def _closed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status=e.outcome, outcome=e.outcome, explanation=e.explanation, closed_on=_iso(e.closed_on))
    doc["closures"].append({"outcome": e.outcome, "explanation": e.explanation, "closed_on": _iso(e.closed_on),
                            **_by(e, pos)})


def _reopened(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="reopened", outcome=None, explanation=None, closed_on=None, due_on=_iso(e.due_on))
    doc["reopenings"].append({"reason": e.reason, "reopened_on": _iso(e.reopened_on), **_by(e, pos)})


def _flagged(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["overdue_flags"].append({"due_on": _iso(e.due_on), "flagged_on": _iso(e.flagged_on)})
    doc["flagged_on"] = _iso(e.flagged_on)


class RequestsView(DocumentView):
    name = "service_requests"
    table = "view_service_requests"
    columns: ClassVar[dict[str, str]] = {
        "organisation_id": "TEXT", "unit_id": "TEXT", "owner_id": "TEXT", "status": "TEXT", "category": "TEXT",
        "received_on": "TEXT", "due_on": "TEXT", "closed_on": "TEXT", "flagged_on": "TEXT"}
    indexes = ("organisation_id", "unit_id", "owner_id", "status", "received_on", "due_on")
    handlers: ClassVar[dict[type, Any]] = {R.Raised: _raised, R.Assigned: _assigned, R.Replied: _replied,
                                           R.Closed: _closed, R.Reopened: _reopened, R.FlaggedOverdue: _flagged}


# -- surveys and check-ups -----------------------------------------------------------------------
def _sent(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(title=e.title, questions=e.questions, organisation_ids=e.organisation_ids, audience=e.audience,
               answers={}, sent_on=_iso(e.sent_on), sent=_by(e, pos))


def _answered(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["answers"][e.organisation_id] = {"answers": e.answers, "answered_at": _iso(e.timestamp)}


class SurveysView(DocumentView):
    name = "service_surveys"
    table = "view_service_surveys"
    columns: ClassVar[dict[str, str]] = {"title": "TEXT", "sent_on": "TEXT"}
    indexes = ("sent_on",)
    handlers: ClassVar[dict[type, Any]] = {S.Sent: _sent, S.Answered: _answered}


def _held(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(organisation_id=e.organisation_id, held_on=_iso(e.held_on), scores=e.scores,
               indicators=e.indicators, diagnosis=e.diagnosis, follow_ups=e.follow_ups, request_ids=e.request_ids,
               held=_by(e, pos))


class CheckupsView(DocumentView):
    name = "service_checkups"
    table = "view_service_checkups"
    columns: ClassVar[dict[str, str]] = {"organisation_id": "TEXT", "held_on": "TEXT"}
    indexes = ("organisation_id", "held_on")
    handlers: ClassVar[dict[type, Any]] = {C.Held: _held}


VIEWS = (UnitsView, VisitsView, RequestsView, SurveysView, CheckupsView)
