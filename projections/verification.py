"""Commissioned verification as staff and checkers read it: commissions (with their criteria's
versions) and cases (one document each, from intake to the last recovery), and the queries the
routes, the client's report and the figures share."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, ClassVar

from domain.verification import Commission as C
from domain.verification_cases import VerificationCase as K
from projections.services_queries import get_doc
from projections.store import ViewDatabase
from projections.verification_figures import within_period
from projections.view import DocumentView, decode_doc


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _by(e: Any, pos: int) -> dict[str, Any]:
    return {"actor": e.actor.as_dict(), "recorded_at": _iso(e.timestamp), "position": pos}


# -- commissions ----------------------------------------------------------------------------------
def _commissioned(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(client=e.client, kind=e.kind, title=e.title, scope=e.scope, due_on=_iso(e.due_on),
               criteria=e.criteria, thresholds=e.thresholds, criteria_version=1, fee_fen=e.fee_fen,
               required_figures=e.required_figures, versions=[{"version": 1, "criteria": e.criteria,
                                                              "thresholds": e.thresholds, **_by(e, pos)}],
               commissioned=_by(e, pos))


def _revised(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(criteria=e.criteria, thresholds=e.thresholds, criteria_version=e.version)
    doc["versions"].append({"version": e.version, "criteria": e.criteria, "thresholds": e.thresholds,
                            "reason": e.reason, **_by(e, pos)})


class CommissionsView(DocumentView):
    name = "verification_commissions"
    table = "view_verification_commissions"
    columns: ClassVar[dict[str, str]] = {"kind": "TEXT", "due_on": "TEXT"}
    handlers: ClassVar[dict[type, Any]] = {C.Commissioned: _commissioned, C.CriteriaRevised: _revised}


# -- cases ----------------------------------------------------------------------------------------
def _received(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(commission_id=e.commission_id, organisation_name=e.organisation_name, credit_code=e.credit_code,
               year=e.year, declared=e.declared, documents=e.documents, organisation_id=e.organisation_id,
               intake=e.intake, received_on=_iso(e.received_on), row=e.row, status="received", checker_ids=[],
               visit_on=None, conflicts=[], site_check=None, checked_on=None, recommendation=None,
               recommended_on=None, outcome=None, decision=None, clawbacks=[], recoveries=[], chases=[],
               clawed_back_fen=0, recovered_fen=0, outstanding_fen=0, received=_by(e, pos))


def _assigned(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(checker_ids=e.checker_ids, visit_on=_iso(e.visit_on), status="assigned", checkers=",".join(
        e.checker_ids))


def _conflict(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["conflicts"].append({"checker_id": e.checker_id, "statement": e.reason, **_by(e, pos)})
    doc["checker_ids"] = [c for c in doc["checker_ids"] if c != e.checker_id]
    doc["checkers"] = ",".join(doc["checker_ids"])
    if not doc["checker_ids"]:
        doc["status"] = "received"


def _checked(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="checked", checked_on=_iso(e.checked_on), site_check={
        "checked_on": _iso(e.checked_on), "criteria_version": e.criteria_version, "answers": e.answers,
        "score": e.score, "findings": e.findings, "evidence": e.evidence, "photos": e.photos, **_by(e, pos)})


def _recommended(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="recommended", outcome=e.outcome, recommended_on=_iso(e.recommended_on), recommendation={
        "outcome": e.outcome, "score": e.score, "rating": e.rating, "amount_fen": e.amount_fen,
        "recommended_on": _iso(e.recommended_on), "reason": e.reason, **_by(e, pos)})


def _decided(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="decided", decision={"decision": e.decision, "decided_on": _iso(e.decided_on),
                                           "amount_fen": e.amount_fen, "reason": e.reason, **_by(e, pos)})


def _clawback(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["clawbacks"].append({"amount_fen": e.amount_fen, "reason": e.reason, "ordered_on": _iso(e.ordered_on),
                             **_by(e, pos)})
    doc["clawed_back_fen"] += e.amount_fen
    doc.update(status="clawback", outstanding_fen=doc["clawed_back_fen"] - doc["recovered_fen"])


def _chased(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.setdefault("chases", []).append({"chased_on": _iso(e.chased_on), "outstanding_fen": e.outstanding_fen})


def _recovered(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["recoveries"].append({"amount_fen": e.amount_fen, "recovered_on": _iso(e.recovered_on), **_by(e, pos)})
    doc["recovered_fen"] += e.amount_fen
    doc["outstanding_fen"] = e.outstanding_fen
    if e.outstanding_fen == 0:
        doc["status"] = "recovered"


class CasesView(DocumentView):
    name = "verification_cases"
    table = "view_verification_cases"
    columns: ClassVar[dict[str, str]] = {
        "commission_id": "TEXT", "organisation_id": "TEXT", "credit_code": "TEXT", "status": "TEXT",
        "checkers": "TEXT", "visit_on": "TEXT", "received_on": "TEXT"}
    indexes = ("commission_id", "organisation_id", "credit_code", "visit_on")
    handlers: ClassVar[dict[type, Any]] = {
        K.Received: _received, K.Assigned: _assigned, K.ConflictDeclared: _conflict, K.SiteChecked: _checked,
        K.Recommended: _recommended, K.Decided: _decided, K.ClawbackOrdered: _clawback, K.Recovered: _recovered,
        K.RecoveryChased: _chased}


VIEWS = (CommissionsView, CasesView)
__all__ = ["VIEWS", "get_doc"]  # get_doc: the routes read one document as the other contexts do


# -- queries ----------------------------------------------------------------------------------------
def _cases(tx: Any, where: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    rows = tx.fetchall(f"SELECT doc FROM view_verification_cases WHERE {where} ORDER BY received_on, id", params)
    return [decode_doc(r["doc"]) for r in rows]


def cases_of(db: ViewDatabase, commission_id: str, checker_id: str | None = None) -> list[dict[str, Any]]:
    """A commission's cases (only a checker's own when `checker_id` is given), in the order received."""
    with db.read() as tx:
        docs = _cases(tx, "commission_id = ?", (commission_id,))
    docs.sort(key=lambda d: (d["received_on"], d["row"] or 0, d["id"]))  # a day's import in the file's order
    return [d for d in docs if checker_id is None or checker_id in d["checker_ids"]]


def all_commissions(db: ViewDatabase) -> list[dict[str, Any]]:
    with db.read() as tx:
        return [decode_doc(r["doc"]) for r in tx.fetchall(
            "SELECT doc FROM view_verification_commissions ORDER BY due_on, id")]


def recovering(db: ViewDatabase) -> list[dict[str, Any]]:
    """Every case with a clawback not yet fully recovered (the follow-up's list)."""
    with db.read() as tx:
        return _cases(tx, "status = ?", ("clawback",))


def worklist(db: ViewDatabase, checker_id: str, day: date) -> list[dict[str, Any]]:
    """The checker's site visits planned for the day (still to check, or checked)."""
    with db.read() as tx:
        docs = _cases(tx, "visit_on = ?", (day.isoformat(),))
    return [d for d in docs if checker_id in d["checker_ids"]]


def figures_of(cases: list[dict[str, Any]]) -> dict[str, int]:
    """A set of cases' progress and money of all time, as the client's report sums it."""
    return within_period(cases, "0000-01-01", "9999-12-31")


def board(commission: dict[str, Any], cases: list[dict[str, Any]], today: date) -> dict[str, Any]:
    """The commission's board: cases by status, per checker, and those overdue (not yet recommended
    when the commission's deadline has passed, or not checked after their planned visit)."""
    late = commission["due_on"] < today.isoformat()
    overdue = [c["id"] for c in cases if c["status"] in ("received", "assigned", "checked") and (
        late or (c["status"] == "assigned" and c["visit_on"] and c["visit_on"] < today.isoformat()))]
    per_checker: dict[str, dict[str, int]] = {}
    for c in cases:
        for checker in c["checker_ids"]:
            row = per_checker.setdefault(checker, {"assigned": 0, "checked": 0})
            row["assigned"] += 1
            row["checked"] += 1 if c["checked_on"] else 0
    return {"by_status": dict(Counter(c["status"] for c in cases)), "per_checker": per_checker,
            "overdue": overdue, "outstanding_fen": sum(c["outstanding_fen"] for c in cases),
            "recovering": [c["id"] for c in cases if c["outstanding_fen"] > 0]}  # followed until recovered
