"""Matchmaking read models: the needs catalogue (one document per need, with its
proposals, disclosures, feedback, meetings and deal), solvers, campaigns, and each
matchmaking session's agenda. The documents hold the confidential details; the API
decides who sees them (api.matchmaking_answers.for_viewer)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

from domain.matchmaking import Need
from domain.matchmaking_meetings import Agenda
from domain.matchmaking_parties import Campaign, Deal, Solver
from projections.spelling import spellings
from projections.store import ViewDatabase
from projections.view import DocumentView, decode_doc

N, A, D = Need, Agenda, Deal


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _stamp(e: Any, pos: int, **extra: Any) -> dict[str, Any]:
    return {"recorded_at": _iso(e.timestamp), "actor": e.actor.as_dict(), "position": pos, **extra}


# -- needs -------------------------------------------------------------------------------------
def _posted(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(organisation_id=e.organisation_id, campaign_id=e.campaign_id, title=e.title, field=e.field,
               summary=e.summary, details=e.details, budget_min_fen=e.budget_min_fen,
               budget_max_fen=e.budget_max_fen, deadline=_iso(e.deadline), cooperation=e.cooperation,
               status=e.status, posted_on=_iso(e.posted_on), posted=_stamp(e, pos), analysis=None,
               listed=0, renewals=[], disclosed=[], proposals=[], feedback=[], has_feedback=0, outcome=None,
               closed=None, deal=None, meetings=[])


def _status(status: str, **more: Any) -> Any:
    def handler(doc: dict[str, Any], e: Any, pos: int) -> None:
        doc.update(status=status, **{k: _iso(getattr(e, v)) for k, v in more.items()})
    return handler


def _published(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="published", published_on=_iso(e.published_on), listed=1)


def _analysed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="analysed", analysis=_stamp(e, pos, note=e.note, tags=e.tags))


def _renewed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="published", deadline=_iso(e.deadline))
    doc["renewals"].append(_stamp(e, pos, deadline=_iso(e.deadline), previous=_iso(e.previous)))


def _disclosed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["disclosed"].append(_stamp(e, pos, solver_id=e.solver_id))


def _proposed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["proposals"].append(_stamp(e, pos, id=e.proposal_id, solver_id=e.solver_id, summary=e.summary,
                                   approach=e.approach, team=e.team, price_fen=e.price_fen, status="submitted",
                                   decision_reason=None))


def _proposal(status: str) -> Any:
    def handler(doc: dict[str, Any], e: Any, pos: int) -> None:
        for p in doc["proposals"]:
            if p["id"] == e.proposal_id:
                p.update(status=status, decision_reason=e.reason)
    return handler


def _feedback(doc: dict[str, Any], e: Any, pos: int, text: str | None = None) -> None:
    doc["feedback"].append(_stamp(e, pos, text=text or e.text))
    doc["has_feedback"] = 1


def _closed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="closed", outcome=e.outcome, closed=_stamp(e, pos))
    _feedback(doc, e, pos, e.feedback)


def _deal_closed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="closed", outcome="deal", closed=_stamp(e, pos))
    _feedback(doc, e, pos, e.feedback)


def _signed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["deal_id"] = str(e.originator_id)
    doc["deal"] = {"id": str(e.originator_id), "solver_id": e.solver_id, "contract_fen": e.contract_fen,
                   "signed_on": _iso(e.signed_on), "evidence": e.evidence, "paid_fen": 0, "payments": []}


def _paid(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["deal"]["paid_fen"] += e.amount_fen
    doc["deal"]["payments"].append(_stamp(e, pos, amount_fen=e.amount_fen, paid_on=_iso(e.paid_on)))


def _met(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["meetings"].append({"id": e.meeting_id, "session_id": None, "agenda_id": str(e.originator_id),
                            "organisations": [e.from_org, e.with_org], "starts_at": e.starts_at,
                            "table": e.table, "outcome": None})


def _met_outcome(doc: dict[str, Any], e: Any, pos: int) -> None:
    for m in doc["meetings"]:
        if m["id"] == e.meeting_id:
            m["outcome"] = e.outcome


class NeedsView(DocumentView):
    name = "needs"
    table = "view_needs"
    version = 2  # 2: the title's pinyin and initials (projections.spelling)
    columns: ClassVar[dict[str, str]] = {
        "organisation_id": "TEXT", "campaign_id": "TEXT", "field": "TEXT", "status": "TEXT", "title": "TEXT",
        "summary": "TEXT", "deadline": "TEXT", "posted_on": "TEXT", "budget_max_fen": "BIGINT",
        "has_feedback": "INTEGER", "deal_id": "TEXT", "listed": "INTEGER",
        "title_pinyin": "TEXT", "title_initials": "TEXT"}  # how people type the title: 光纤 → guangxian, gx

    def column_values(self, doc: dict[str, Any]) -> list[Any]:
        pinyin, initials = spellings(doc.get("title"))
        return [*(doc.get(c) for c in self.columns if c not in ("title_pinyin", "title_initials")), pinyin, initials]

    indexes = ("organisation_id", "status", "deadline", "campaign_id", "deal_id")
    handlers: ClassVar[dict[type, Any]] = {
        N.Posted: _posted, N.Submitted: _status("submitted"), N.Analysed: _analysed,
        N.Published: _published,
        N.Expired: _status("expired", expired_on="expired_on"), N.Renewed: _renewed, N.DetailsDisclosed: _disclosed,
        N.ProposalMade: _proposed, N.ProposalShortlisted: _proposal("shortlisted"),
        N.ProposalDeclined: _proposal("declined"), N.ProposalWithdrawn: _proposal("withdrawn"),
        N.FeedbackGiven: _feedback, N.Closed: _closed, N.DealClosed: _deal_closed,
        D.Signed: _signed, D.PaymentRecorded: _paid, A.RequestAccepted: _met, A.OutcomeRecorded: _met_outcome,
    }

    def keys(self, event: Any) -> list[str]:
        if isinstance(event, D.Signed | D.PaymentRecorded):
            return [event.need_id]
        if isinstance(event, A.RequestAccepted | A.OutcomeRecorded):
            return [event.need_id] if event.need_id else []
        return [str(event.originator_id)]


# -- solvers, campaigns, agendas --------------------------------------------------------------------
def _signed_up(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(kind=e.kind, name=e.name, credit_code=e.credit_code, field=e.field, contacts=e.contacts,
               status="pending", signed_up=_stamp(e, pos), decided=None)


def _decided(status: str) -> Any:
    def handler(doc: dict[str, Any], e: Any, pos: int) -> None:
        doc.update(status=status, decided=_stamp(e, pos, reason=e.reason))
    return handler


class SolversView(DocumentView):
    name = "solvers"
    table = "view_solvers"
    columns: ClassVar[dict[str, str]] = {"status": "TEXT", "name": "TEXT", "kind": "TEXT"}
    indexes = ("status",)
    handlers: ClassVar[dict[type, Any]] = {Solver.SignedUp: _signed_up, Solver.Approved: _decided("approved"),
                                           Solver.Rejected: _decided("rejected")}


def _opened(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(title=e.title, opens_on=_iso(e.opens_on), closes_on=_iso(e.closes_on), organiser=e.organiser)


class CampaignsView(DocumentView):
    name = "campaigns"
    table = "view_campaigns"
    columns: ClassVar[dict[str, str]] = {"opens_on": "TEXT"}
    handlers: ClassVar[dict[type, Any]] = {Campaign.Opened: _opened}


def _agenda_opened(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(session_id=e.session_id, title=e.title, slots=[], requests={}, meetings={}, next_expiry=None)


def _slots(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["slots"] = sorted([*doc["slots"], *e.slots], key=lambda s: s["starts_at"])


def _requested(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["requests"][e.request_id] = _stamp(e, pos, id=e.request_id, from_organisation_id=e.from_org,
                                           with_organisation_id=e.with_org, need_id=e.need_id, note=e.note,
                                           expires_at=_iso(e.expires_at), status="open")
    _next_expiry(doc)


def _answered(status: str) -> Any:
    def handler(doc: dict[str, Any], e: Any, pos: int) -> None:
        doc["requests"][e.request_id]["status"] = status
        if status == "accepted":
            doc["meetings"][e.meeting_id] = {
                "id": e.meeting_id, "request_id": e.request_id, "organisations": [e.from_org, e.with_org],
                "need_id": e.need_id, "slot": e.slot, "starts_at": e.starts_at, "table": e.table,
                "outcome": None, "note": None}
        _next_expiry(doc)
    return handler


def _outcome(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["meetings"][e.meeting_id].update(outcome=e.outcome, note=e.note)


def _next_expiry(doc: dict[str, Any]) -> None:
    waiting = [r["expires_at"] for r in doc["requests"].values() if r["status"] == "open"]
    doc["next_expiry"] = min(waiting) if waiting else None


class AgendasView(DocumentView):
    name = "matchmaking_agendas"
    table = "view_agendas"
    columns: ClassVar[dict[str, str]] = {"session_id": "TEXT", "next_expiry": "TEXT"}
    indexes = ("session_id", "next_expiry")
    handlers: ClassVar[dict[type, Any]] = {
        A.Opened: _agenda_opened, A.SlotsAdded: _slots, A.MeetingRequested: _requested,
        A.RequestAccepted: _answered("accepted"), A.RequestDeclined: _answered("declined"),
        A.RequestExpired: _answered("expired"), A.OutcomeRecorded: _outcome,
    }


def views() -> tuple[DocumentView, ...]:
    return (NeedsView(), SolversView(), CampaignsView(), AgendasView())


# -- queries ---------------------------------------------------------------------------------------
def document(db: ViewDatabase, table: str, key: str) -> dict[str, Any] | None:
    with db.read() as tx:
        row = tx.fetchone(f"SELECT doc FROM {table} WHERE id = ?", (key,))
    return decode_doc(row["doc"]) if row else None


def need_of_deal(db: ViewDatabase, deal_id: str) -> dict[str, Any] | None:
    with db.read() as tx:
        row = tx.fetchone("SELECT doc FROM view_needs WHERE deal_id = ?", (deal_id,))
    return decode_doc(row["doc"]) if row else None


def agenda_of(db: ViewDatabase, session_id: str) -> dict[str, Any] | None:
    with db.read() as tx:
        row = tx.fetchone("SELECT doc FROM view_agendas WHERE session_id = ?", (session_id,))
    return decode_doc(row["doc"]) if row else None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_needs(db: ViewDatabase, *, viewer_org: str | None, everything: bool, campaign_id: str | None,
               field: str | None, status: str | None, q: str | None, min_budget_fen: int | None,
               limit: int, after: str | None) -> list[dict[str, Any]]:
    """The catalogue: needs ever published (closed ones too, with their outcome), plus the
    viewer's own in any status (staff and auditors: every need)."""
    where, params = [], []
    if not everything:
        where.append("(listed = 1 OR organisation_id = ?)")
        params.append(viewer_org or "")
    for clause, value in (("campaign_id = ?", campaign_id), ("field = ?", field), ("status = ?", status),
                          ("budget_max_fen >= ?", min_budget_fen), ("(posted_on || id) < ?", after)):
        if value is not None:
            where.append(clause)
            params.append(value)
    for term in (q or "").split():
        # each term anywhere in the title or summary, or in the title as typed in pinyin or initials
        spelled = _like(term.lower())
        where.append("(title LIKE ? ESCAPE '\\' OR summary LIKE ? ESCAPE '\\' OR title_pinyin LIKE ? ESCAPE '\\' "
                     "OR title_initials LIKE ? ESCAPE '\\')")
        params += [_like(term), _like(term), spelled, spelled]
    sql = "SELECT doc FROM view_needs" + (f" WHERE {' AND '.join(where)}" if where else "")
    with db.read() as tx:
        rows = tx.fetchall(sql + " ORDER BY posted_on DESC, id DESC LIMIT ?", [*params, limit])
    return [decode_doc(r["doc"]) for r in rows]


def feedback_backlog(db: ViewDatabase, today: date, days: int) -> list[dict[str, Any]]:
    """Needs still open and without feedback `days` after their deadline (100%反馈, seed 003)."""
    cutoff = (today - timedelta(days=days)).isoformat()
    with db.read() as tx:
        rows = tx.fetchall("SELECT doc FROM view_needs WHERE has_feedback = 0 AND status <> 'draft' "
                           "AND deadline < ? ORDER BY deadline, id", (cutoff,))
    return [decode_doc(r["doc"]) for r in rows]


def due_to_expire(db: ViewDatabase, today: date) -> list[str]:
    with db.read() as tx:
        return [r["id"] for r in tx.fetchall("SELECT id FROM view_needs WHERE status = 'published' AND deadline < ?",
                                             (today.isoformat(),))]


def agendas_with_expired_requests(db: ViewDatabase, now: str) -> list[str]:
    with db.read() as tx:
        return [r["session_id"] for r in tx.fetchall(
            "SELECT session_id FROM view_agendas WHERE next_expiry IS NOT NULL AND next_expiry <= ?", (now,))]


def list_documents(db: ViewDatabase, table: str, status: str | None = None) -> list[dict[str, Any]]:
    sql, params = f"SELECT doc FROM {table}", []
    if status is not None:
        sql, params = sql + " WHERE status = ?", [status]
    with db.read() as tx:
        return [decode_doc(r["doc"]) for r in tx.fetchall(sql + " ORDER BY id", params)]
