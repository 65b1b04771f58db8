"""The agreements register (协议书登记), each alliance's full record with every
agreement version, and each program's budget use and ranking."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from domain.alliance_review import PRIORITIES, opened_settings, ordered
from domain.alliance_values import Agreement
from domain.alliances import Alliance, Program
from domain.vocabularies import PRIORITY_SECTORS, SECTORS
from projections.personal import opened
from projections.store import ViewDatabase
from projections.view import DocumentView, decode_doc

A, P = Alliance, Program


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _log(doc: dict[str, Any], e: Any, pos: int, what: str, **details: Any) -> None:
    doc.setdefault("history", []).append({
        "event": what, "recorded_at": e.timestamp.isoformat(), "actor": e.actor.as_dict(),
        "reason": getattr(e, "reason", None), "position": pos, "status": doc.get("status"), **details})


def _status(doc: dict[str, Any], e: Any, pos: int, what: str, status: str, **details: Any) -> None:
    doc["status"] = status
    _log(doc, e, pos, what, **details)


def _version(doc: dict[str, Any], e: Any, pos: int, typed: Agreement) -> None:
    agreement = typed.plain()  # the document holds JSON (dates as YYYY-MM-DD)
    doc.setdefault("versions", []).append({"version": len(doc.get("versions", [])) + 1, "agreement": agreement,
                                           "recorded_at": e.timestamp.isoformat(), "position": pos})
    doc.update(agreement=agreement, agreement_version=len(doc["versions"]), title=typed.title,
               sector=typed.sector, sector_label=SECTORS.get(typed.sector, typed.sector), signatures=[], signed_on={},
               parties=typed.parties())


def _drafted(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(id=str(e.originator_id), program_id=str(e.program_id), status="draft", eligibility=None,
               declarations={}, reviewers={}, score=None, rank=None, ranking_round=None, objections={},
               granted_fen=0, payments=[], reports={}, inspections=[], rectifications={}, amendments={},
               notice_ends_at=None)
    _version(doc, e, pos, e.agreement)
    _log(doc, e, pos, "drafted")


def _revised(doc: dict[str, Any], e: Any, pos: int) -> None:
    _version(doc, e, pos, e.agreement)
    _log(doc, e, pos, "revised", voided_signatures=e.voided)


def _signed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["signatures"].append(e.party_id)
    on = _iso(getattr(e, "signed_on", None)) or e.timestamp.date().isoformat()  # (events before the day was kept)
    doc.setdefault("signed_on", {})[e.party_id] = on
    _log(doc, e, pos, "signed", party_id=e.party_id, agreement_version=e.agreement_version, effective_on=on)


def _declared_party(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.setdefault("declarations", {})[e.party_id] = {**e.declaration, "declared_at": e.timestamp.isoformat(),
                                                      "actor": e.actor.as_dict(), "position": pos}
    _log(doc, e, pos, "party_declared", party_id=e.party_id)


def _overridden(doc: dict[str, Any], e: Any, pos: int) -> None:
    _log(doc, e, pos, "eligibility_overridden", failed=e.failed)


def _screened(doc: dict[str, Any], e: Any, pos: int) -> None:
    override = getattr(e, "override", None)
    doc["eligibility"] = {**e.eligibility, "override": _override(e, override)}
    _status(doc, e, pos, "screened", "under_review" if e.decision == "pass" else "rejected", decision=e.decision,
            override=override)


def _override(e: Any, reason: str | None) -> dict[str, Any] | None:
    """Who passed a failed report, when and why (shown on the report and in the history)."""
    return None if reason is None else {"reason": reason, "actor": e.actor.as_dict(),
                                        "recorded_at": e.timestamp.isoformat()}


def _assigned(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["reviewers"][e.reviewer_id] = {"declared": False}


def _declared(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["reviewers"][e.reviewer_id]["declared"] = True


def _reviewed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["reviewers"][e.reviewer_id].update(scores=e.scores, recommend=e.recommend, comment=e.comment)


def _concluded_review(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(score=e.score, rank=e.rank, ranking_round=getattr(e, "round", None))
    _status(doc, e, pos, "ranked", "recommended" if e.recommended else "not_recommended")


def _notice(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["notice_ends_at"] = _iso(e.ends_at)
    _status(doc, e, pos, "public_notice_started", "in_public_notice")


def _objected(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["objections"][e.objection_id] = {"id": e.objection_id, "grounds": e.grounds, "status": "open",
                                         "raised_at": e.timestamp.isoformat()}


def _objection_resolved(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["objections"][e.objection_id].update(status=e.outcome, resolution=e.reason)
    if e.outcome == "upheld":
        _status(doc, e, pos, "objection_upheld", "not_approved")


def _approved(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(granted_fen=e.granted_fen, approved_on=_iso(e.approved_on))
    _status(doc, e, pos, "approved", "in_progress", granted_fen=e.granted_fen, effective_on=_iso(e.approved_on))


def _paid(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["payments"].append({"amount_fen": e.amount_fen, "paid_on": _iso(e.paid_on), "position": pos})


def _amendment_requested(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["amendments"][e.amendment_id] = {"id": e.amendment_id, "changes": e.changes, "status": "requested",
                                         "reason": e.reason}


def _amendment_signed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["amendments"][e.amendment_id].setdefault("signatures", []).append(e.party_id)


def _amendment_screened(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["amendments"][e.amendment_id]["screening"] = {
        "decision": e.decision, "reasons": e.reason, "recorded_at": e.timestamp.isoformat(),
        "eligibility": {**e.eligibility, "override": _override(e, e.override)}}
    _log(doc, e, pos, "amendment_screened", amendment_id=e.amendment_id, decision=e.decision, override=e.override)


def _amendment_decided(doc: dict[str, Any], e: Any, pos: int) -> None:
    amendment = doc["amendments"][e.amendment_id]
    amendment["status"] = "approved" if e.approved else "refused"
    if e.approved:
        parties_before = set(doc["parties"])
        signatures = doc["signatures"]
        _version(doc, e, pos, e.agreement)
        # A change of parties is bound by the signatures on the amendment, and by its new screening.
        if set(doc["parties"]) == parties_before:
            doc["signatures"] = signatures
        else:
            doc["signatures"] = amendment.get("signatures", [])
            if amendment.get("screening"):
                doc["eligibility"] = amendment["screening"]["eligibility"]
    _log(doc, e, pos, "amendment_decided", amendment_id=e.amendment_id, approved=e.approved)


def _report(doc: dict[str, Any], e: Any, pos: int) -> None:
    # the day it reached the secretariat (a paper report entered later: that day)
    received = _iso(getattr(e, "received_on", None)) or e.timestamp.date().isoformat()
    versions = doc["reports"].get(e.report_id, {}).get("versions", [])
    doc["reports"][e.report_id] = {
        "id": e.report_id, "kind": e.report_kind, "year": e.year, "status": "filed",
        "versions": [*versions, {"progress": [item.plain() for item in e.progress], "spending_fen": e.spending_fen,
                                 "outcomes": e.outcomes, "filed_at": e.timestamp.isoformat(),
                                 "received_on": received}]}
    _log(doc, e, pos, "report_filed", report_id=e.report_id, report_kind=e.report_kind, year=e.year,
         effective_on=received)


def _judged(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["reports"][e.report_id].update(status="accepted" if e.accepted else "returned", decision_note=e.reason)


def _inspected(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["inspections"].append({"id": e.inspection_id, "inspected_on": _iso(e.inspected_on),
                               "inspectors": e.inspectors, "findings": e.findings, "rating": e.rating,
                               "rectification_due_on": _iso(e.rectification_due_on)})
    if e.rectification_due_on is not None:
        doc["rectifications"][e.inspection_id] = {"due_on": _iso(e.rectification_due_on), "status": "open"}


def _rectified(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["rectifications"][e.inspection_id].update(status="closed", note=e.reason)


def _overdue(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.setdefault("overdue_reports", []).append({"kind": e.report_kind, "year": e.year, "due_on": _iso(e.due_on)})
    _log(doc, e, pos, "report_overdue", kind=e.report_kind, year=e.year)


def _concluded(doc: dict[str, Any], e: Any, pos: int) -> None:
    day = _iso(getattr(e, "effective_on", None))
    doc.update(grade=e.grade, concluded_on=day)
    _status(doc, e, pos, "concluded", "concluded", grade=e.grade, effective_on=day)


def _terminated(doc: dict[str, Any], e: Any, pos: int) -> None:
    day = _iso(getattr(e, "effective_on", None))
    doc.update(recover_fen=e.recover_fen, terminated_on=day)
    _status(doc, e, pos, "terminated", "terminated", recover_fen=e.recover_fen, effective_on=day)


def _date_corrected(doc: dict[str, Any], e: Any, pos: int) -> None:
    """The decision's entry takes the corrected day; the correction is an entry of its own."""
    for entry in reversed(doc.get("history", [])):
        if entry["event"] == e.what:
            entry["effective_on"] = _iso(e.on)
            break
    doc[f"{e.what}_on"] = _iso(e.on)
    _log(doc, e, pos, "date_corrected", decision=e.what, on=_iso(e.on), previous=_iso(e.previous))


def _rectification_overdue(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["rectifications"][e.inspection_id]["overdue"] = True
    _log(doc, e, pos, "rectification_overdue", inspection_id=e.inspection_id, due_on=_iso(e.due_on))


def _submitted(doc: dict[str, Any], e: Any, pos: int) -> None:
    _status(doc, e, pos, "submitted", "submitted", agreement_version=e.agreement_version)


class AlliancesView(DocumentView):
    name = "alliances"
    table = "view_alliances"
    # 2: decisions carry their effective day (effective_on) on the history; 3: signatures' and reports' days
    version = 3
    columns: ClassVar[dict[str, str]] = {"program_id": "TEXT", "status": "TEXT", "sector": "TEXT", "title": "TEXT"}
    indexes = ("program_id", "status")
    handlers: ClassVar[dict[type, Any]] = {
        A.Drafted: _drafted, A.Revised: _revised, A.Signed: _signed, A.Submitted: _submitted,
        A.PartyDeclared: _declared_party, A.EligibilityOverridden: _overridden,
        A.Screened: _screened, A.ReviewerAssigned: _assigned, A.Declared: _declared, A.Reviewed: _reviewed,
        A.ReviewConcluded: _concluded_review, A.NoticeStarted: _notice, A.Objected: _objected,
        A.ObjectionResolved: _objection_resolved, A.Approved: _approved, A.Paid: _paid,
        A.AmendmentRequested: _amendment_requested, A.AmendmentSigned: _amendment_signed,
        A.AmendmentScreened: _amendment_screened, A.AmendmentDecided: _amendment_decided,
        A.ReportFiled: _report, A.ReportJudged: _judged, A.Inspected: _inspected, A.Concluded: _concluded,
        A.RectificationClosed: _rectified, A.ReportOverdue: _overdue,
        A.Terminated: _terminated, A.DateCorrected: _date_corrected, A.RectificationOverdue: _rectification_overdue,
    }


def _settings(doc: dict[str, Any], settings: dict[str, Any]) -> None:
    """The programme's settings, shown whole: what each priority means, and the
    labels of its priority sectors."""
    doc.update(settings=settings, notice_days=settings["notice_days"], pass_score=settings["pass_score"],
               priorities=dict(PRIORITIES),
               priority_sector_labels=[PRIORITY_SECTORS.get(k, k) for k in doc["priority_sectors"]])


def _opened(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(id=str(e.originator_id), year=e.year, title=e.title, budget_fen=e.budget_fen,
               priority_sectors=e.priority_sectors, submission_opens_at=_iso(e.submission_opens_at),
               submission_closes_at=_iso(e.submission_closes_at), grants={}, granted_fen=0,
               remaining_fen=e.budget_fen, ranking=None, rankings=[], settings_history=[])
    _settings(doc, opened_settings(getattr(e, "settings", None), e.notice_days, e.pass_score))


def _current(doc: dict[str, Any]) -> dict[str, Any]:
    """The settings (a document projected before issue 15 has none stored)."""
    return doc.get("settings") or opened_settings(None, doc.get("notice_days", 7), doc.get("pass_score"))


def _settings_changed(doc: dict[str, Any], e: Any, pos: int) -> None:
    changes = dict(e.changes)
    if "priority_sectors" in changes:
        doc["priority_sectors"] = changes.pop("priority_sectors")
    _settings(doc, {**_current(doc), **changes})
    doc.setdefault("settings_history", []).append({"changes": e.changes, "reason": e.reason, "actor": e.actor.as_dict(),
                                    "recorded_at": e.timestamp.isoformat(), "position": pos})


def _granted(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["grants"][e.alliance_id] = doc["grants"].get(e.alliance_id, 0) + e.amount_fen
    doc["granted_fen"] = sum(doc["grants"].values())
    doc["remaining_fen"] = doc["budget_fen"] - doc["granted_fen"]


def _released(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["grants"][e.alliance_id] -= e.amount_fen
    doc["granted_fen"] = sum(doc["grants"].values())
    doc["remaining_fen"] = doc["budget_fen"] - doc["granted_fen"]


def _ranked(doc: dict[str, Any], e: Any, pos: int) -> None:
    """Each round is kept; the standings are every ranked alliance, best first."""
    rounds = doc.setdefault("rankings", [])
    number = getattr(e, "round", None) or len(rounds) + 1
    entries = [{**entry, "round": number} for entry in e.ranking]
    rounds.append({"round": number, "recorded_at": e.timestamp.isoformat(), "position": pos, "entries": entries})
    standings = [entry for r in rounds for entry in r["entries"]]
    doc["ranking"] = ordered(standings, _current(doc)["tie_breakers"])


class ProgramsView(DocumentView):
    name = "programs"
    table = "view_programs"
    columns: ClassVar[dict[str, str]] = {"year": "INTEGER", "title": "TEXT"}
    handlers: ClassVar[dict[type, Any]] = {P.Opened: _opened, P.Granted: _granted, P.Released: _released,
                                           P.Ranked: _ranked, P.SettingsChanged: _settings_changed}


# -- queries ----------------------------------------------------------------------------------------
def get_alliance(db: ViewDatabase, alliance_id: str) -> dict[str, Any] | None:
    with db.read() as tx:
        row = tx.fetchone("SELECT doc FROM view_alliances WHERE id = ?", (alliance_id,))
    return opened(db, decode_doc(row["doc"])) if row else None  # experts, staff, inspectors sealed


def get_program(db: ViewDatabase, program_id: str) -> dict[str, Any] | None:
    with db.read() as tx:
        row = tx.fetchone("SELECT doc FROM view_programs WHERE id = ?", (program_id,))
    return decode_doc(row["doc"]) if row else None


def status_on(doc: dict[str, Any], day: date) -> str | None:
    """The alliance's status at the end of `day`: by each decision's effective day where it has
    one (an approval entered later, a corrected day), else the day it was recorded (UTC)."""
    def effective(entry: dict[str, Any]) -> str:
        return entry.get("effective_on") or entry["recorded_at"][:10]

    # The entries that changed the status (the history is in recording order; the others carry it along).
    history = doc.get("history", [])
    changes = [(i, e) for i, e in enumerate(history) if i == 0 or e["status"] != history[i - 1]["status"]]
    known = [(effective(e), i, e["status"]) for i, e in changes if effective(e) <= day.isoformat()]
    return max(known)[2] if known else None


def register(db: ViewDatabase, *, program_id: str | None, status: str | None, sector: str | None,
             as_of: date | None, limit: int) -> list[dict[str, Any]]:
    """The agreements register; `as_of` answers from each alliance's history."""
    where, params = [], []
    for column, value in (("program_id", program_id), ("sector", sector)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if status and as_of is None:
        where.append("status = ?")
        params.append(status)
    sql = "SELECT doc FROM view_alliances" + (f" WHERE {' AND '.join(where)}" if where else "")
    with db.read() as tx:
        docs = [decode_doc(r["doc"]) for r in tx.fetchall(sql + " ORDER BY id", params)]
    items = []
    for doc in docs:
        if as_of is not None:
            then = status_on(doc, as_of)
            if then is None or (status and then != status):
                continue
            doc = {**doc, "status": then, "as_of": as_of.isoformat()}
        items.append(doc)
    return opened(db, items[:limit])


def in_progress(db: ViewDatabase) -> list[str]:
    with db.read() as tx:
        return [r["id"] for r in tx.fetchall("SELECT id FROM view_alliances WHERE status = 'in_progress'")]


def for_reviewer(doc: dict[str, Any], reviewer_id: str) -> dict[str, Any]:
    """Before declaring no conflict a reviewer sees only the title and the parties."""
    me = doc["reviewers"].get(reviewer_id, {})
    if me.get("declared"):
        return {**doc, "reviewers": {reviewer_id: me}}
    return {"id": doc["id"], "title": doc["title"], "parties": doc["parties"], "status": doc["status"],
            "declaration_required": True}
