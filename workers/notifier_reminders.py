"""The scheduler's reminders (提醒): found in the views, each recorded once as a
`Reminder.Recorded` event (its id comes from kind, subject and due day), which the
notices rules turn into notices and the audit log puts on the organisations' history."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from domain.alliances import Alliance, Program
from domain.errors import DomainError
from domain.organisations import dues_due_on, grace_ends_on
from projections.alliances import in_progress
from projections.notices import SUBJECTS
from projections.roster import owing_dues
from projections.view import decode_doc
from service.notices import record_reminder

log = logging.getLogger(__name__)

LAPSE_WARNING = timedelta(days=14)  # how long before the lapse date members are warned
REPORT_WARNINGS = ((7, "report_due_7"), (30, "report_due_30"))  # nearest first
RECTIFICATION_WARNING = 7  # days before a rectification falls due


def _day_bounds(platform: Any, day: date) -> tuple[str, str]:
    tz = platform.clock.time_zone
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    return start.isoformat(), (start + timedelta(days=1)).isoformat()


def _local(platform: Any, iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(platform.clock.time_zone).strftime("%Y-%m-%d %H:%M")


def _names(platform: Any, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    with platform.views.read() as tx:
        rows = tx.fetchall(f"SELECT id, doc FROM {SUBJECTS} WHERE id IN ({marks})", ids)
    return {r["id"]: decode_doc(r["doc"]).get("title", "—") for r in rows}


def _record(platform: Any, kind: str, subject: str, due_on: date, orgs: list[str], values: dict[str, Any]) -> int:
    if not orgs:
        return 0
    try:
        return int(bool(platform.writer.execute(record_reminder(kind, subject, due_on, orgs, values))[0]))
    except DomainError as exc:
        log.info("reminder %s for %s not recorded: %s", kind, subject, exc.code)
        return 0


def _sessions(platform: Any, today: date) -> int:
    """Sessions tomorrow (to confirmed registrants, with check-in details) and registrations
    closing within a day (to admitted members not registered yet)."""
    done = 0
    start, end = _day_bounds(platform, today + timedelta(days=1))
    now = platform.clock.now().isoformat()
    with platform.views.read() as tx:
        tomorrow = tx.fetchall("SELECT id, doc FROM view_sessions WHERE status = 'scheduled' AND starts_at >= ? "
                               "AND starts_at < ?", (start, end))
        closing = tx.fetchall("SELECT id, doc FROM view_sessions WHERE status = 'scheduled' AND registration_state "
                              "= 'open' AND registration_closes_at > ? AND registration_closes_at <= ?",
                              (now, (platform.clock.now() + timedelta(days=1)).isoformat()))
        confirmed = {r["id"]: [x["organisation_id"] for x in tx.fetchall(
            "SELECT organisation_id FROM view_session_registrations WHERE session_id = ? AND status = 'confirmed' "
            "ORDER BY organisation_id", (r["id"],))] for r in tomorrow}
        members = [r["id"] for r in tx.fetchall("SELECT id FROM view_roster WHERE status = 'admitted' ORDER BY id")]
        registered = {r["id"]: {x["organisation_id"] for x in tx.fetchall(
            "SELECT organisation_id FROM view_session_registrations WHERE session_id = ?", (r["id"],))}
            for r in closing}
    for row in tomorrow:
        doc = decode_doc(row["doc"])
        done += _record(platform, "session_tomorrow", row["id"], today + timedelta(days=1), confirmed[row["id"]],
                        {"title": doc["title"], "starts_at": _local(platform, doc["starts_at"]), "venue": doc["venue"]})
    for row in closing:
        doc = decode_doc(row["doc"])
        closes = datetime.fromisoformat(doc["registration_closes_at"])
        orgs = [m for m in members if m not in registered[row["id"]]]
        done += _record(platform, "registration_closing", row["id"], closes.astimezone(platform.clock.time_zone).date(),
                        orgs, {"title": doc["title"], "closes_at": _local(platform, doc["registration_closes_at"])})
    return done


def _dues(platform: Any, today: date) -> int:
    """Dues fallen due this year, and the lapse date within LAPSE_WARNING."""
    done = 0
    owing = owing_dues(platform.views, today.year)
    names = _names(platform, [org for org, _ in owing])
    grace = platform.settings.dues_grace_days
    for org, admitted_on in owing:
        due, ends = dues_due_on(today.year, admitted_on), grace_ends_on(today.year, admitted_on, grace)
        if today < due or today > ends:
            continue
        values = {"name": names.get(org, "—"), "year": today.year, "grace_ends_on": ends.isoformat()}
        done += _record(platform, "dues_due", org, due, [org], values)
        if ends - today <= LAPSE_WARNING:
            done += _record(platform, "lapse_approaching", org, ends, [org], values)
    return done


def _reports(platform: Any, today: date) -> int:
    """Alliance reports due within 30 and within 7 days (overdue ones are flagged by the
    alliances context's own job, and its rule tells the parties), and rectifications due
    within a week."""
    done = 0
    for alliance_id in in_progress(platform.views):
        alliance = platform.app.repository.get(UUID(alliance_id))
        if not isinstance(alliance, Alliance):
            continue
        settings = platform.app.repository.get(alliance.program_id)
        settings = settings.settings if isinstance(settings, Program) else {}
        upcoming = alliance.reports_due(today + timedelta(days=31),
                                        annual_due_days=settings.get("annual_report_due_days"),
                                        completion_due_days=settings.get("completion_report_due_days"))
        parties = [str(p) for p in alliance.parties()]
        title = alliance.agreement.title or "—"
        for inspection_id, rectification in alliance.rectifications.items():
            due_on = rectification.due_on  # domain.alliance_values.Rectification
            if rectification.status == "open" and 0 <= (due_on - today).days <= RECTIFICATION_WARNING:
                done += _record(platform, "rectification_due", f"{alliance_id}:{inspection_id}", due_on, parties,
                                {"title": title, "due_on": due_on.isoformat(), "days": (due_on - today).days})
        for kind, year, due_on in upcoming:
            days = (due_on - today).days
            warning = next((k for limit, k in REPORT_WARNINGS if 0 <= days <= limit), None)
            if kind == "annual" and warning is not None:
                done += _record(platform, warning, f"{alliance_id}:{kind}:{year}", due_on, parties,
                                {"title": title, "year": year,
                                 "due_on": due_on.isoformat()})
    return done


def remind(platform: Any) -> int:
    """提醒: sessions tomorrow, registration closing, dues due and lapse approaching, alliance
    reports due in 30 and 7 days, rectifications due within a week. A second run on the same
    day records nothing."""
    today = platform.clock.today()
    return _sessions(platform, today) + _dues(platform, today) + _reports(platform, today)
