"""The roster (会员名录): one row per organisation, every status included."""

from __future__ import annotations

import base64
from typing import Any

from domain.organisations import Organisation
from projections.store import ViewDatabase
from projections.view import DocumentView, decode_doc


def _stamp(doc: dict[str, Any], e: Any, pos: int, what: str) -> None:
    doc["updated_position"] = pos
    doc.setdefault("status_history", []).append({
        "status": doc["status"],
        "event": what,
        "recorded_at": e.timestamp.isoformat(),
        "effective_on": e.effective_on.isoformat(),
        "actor": e.actor.as_dict(),
        "reason": getattr(e, "reason", None),
        "position": pos,
    })


def _applied(doc: dict[str, Any], e: Organisation.Applied, pos: int) -> None:
    doc.update(
        id=str(e.originator_id), kind=e.kind, name=e.name, credit_code=e.credit_code,
        sector=e.sector, address=e.address, contacts=e.contacts, status="applied", tier=None,
        annual_stats=[e.annual_stats] if e.annual_stats else [],
        applied_at=e.timestamp.isoformat(), applied_position=pos, admitted_on=None,
    )
    _stamp(doc, e, pos, "applied")


def _admitted(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="admitted", tier=e.tier, admitted_on=e.effective_on.isoformat())
    _stamp(doc, e, pos, "admitted")


def _rejected(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="rejected")
    _stamp(doc, e, pos, "rejected")


class RosterView(DocumentView):
    name = "roster"
    table = "view_roster"
    columns = {  # noqa: RUF012
        "kind": "TEXT", "name": "TEXT", "credit_code": "TEXT", "sector": "TEXT",
        "status": "TEXT", "tier": "TEXT", "applied_position": "BIGINT",
    }
    indexes = ("status", "kind", "credit_code", "applied_position")
    handlers = {  # noqa: RUF012
        Organisation.Applied: _applied,
        Organisation.Admitted: _admitted,
        Organisation.Rejected: _rejected,
    }


# -- queries ---------------------------------------------------------------------
FILTERS = ("status", "kind", "tier", "sector")


def list_members(db: ViewDatabase, *, filters: dict[str, str | None], q: str | None,
                 limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the roster in application order; `cursor` continues it."""
    where, params = [], []
    for column in FILTERS:
        if filters.get(column):
            where.append(f"{column} = ?")
            params.append(filters[column])
    if q:
        where.append("(name LIKE ? OR credit_code = ?)")
        params += [f"%{q}%", q.upper()]
    if cursor:
        where.append("applied_position > ?")
        params.append(decode_cursor(cursor))
    sql = "SELECT doc FROM view_roster"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY applied_position LIMIT ?"
    params.append(limit + 1)
    with db.read() as tx:
        docs = [decode_doc(r["doc"]) for r in tx.fetchall(sql, params)]
    more = len(docs) > limit
    docs = docs[:limit]
    return docs, (encode_cursor(docs[-1]["applied_position"]) if more else None)


def get_member(db: ViewDatabase, org_id: str) -> dict[str, Any] | None:
    with db.read() as tx:
        row = tx.fetchone("SELECT doc FROM view_roster WHERE id = ?", (org_id,))
    return decode_doc(row["doc"]) if row else None


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Raises ValueError for a cursor we did not make."""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    if not raw.startswith("p"):
        raise ValueError("bad cursor")
    return int(raw[1:])
