"""The global audit log (审计日志) and every organisation's activity history.
The tamper-evident hash chain lives in projections/chain.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from domain.vocabularies import ROLE_NAMES, label
from projections.history import DDL as HISTORY_DDL
from projections.history import PARTIES, TITLES, History, Names
from projections.personal import opened
from projections.records import event_record
from projections.store import Tx, ViewDatabase
from projections.view import View, decode_doc, encode

LOG = "view_audit_log"
ACTIVITY = "view_org_activity"


def _plain(value: Any) -> Any:
    """JSON-ready copy (UUIDs, dates, actors as text)."""
    return msgspec.json.decode(msgspec.json.encode(value, enc_hook=_hook))


def _hook(value: Any) -> Any:
    if hasattr(value, "as_dict"):
        return value.as_dict()
    raise TypeError(type(value))


class AuditLogView(View):
    """One row per stored event, with a readable Chinese summary; and, for each
    organisation an event concerns, a row linking it to that event. What to say and
    whom an event concerns is each context's `History` (projections.history)."""

    name = "audit"
    tables = (LOG, ACTIVITY, PARTIES, TITLES)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {LOG} (position BIGINT PRIMARY KEY, event_id TEXT NOT NULL, "
        "type TEXT NOT NULL, aggregate_type TEXT NOT NULL, aggregate_id TEXT NOT NULL, version BIGINT NOT NULL, "
        "recorded_at TEXT NOT NULL, effective_on TEXT, actor_id TEXT, actor_role TEXT, actor_org TEXT, "
        "reason TEXT, summary TEXT NOT NULL, data TEXT NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS ix_{LOG}_aggregate ON {LOG} (aggregate_id)",
        f"CREATE INDEX IF NOT EXISTS ix_{LOG}_actor ON {LOG} (actor_id)",
        f"CREATE INDEX IF NOT EXISTS ix_{LOG}_recorded ON {LOG} (recorded_at)",
        f"CREATE TABLE IF NOT EXISTS {ACTIVITY} (org_id TEXT NOT NULL, position BIGINT NOT NULL, "
        "PRIMARY KEY (org_id, position))",
        *HISTORY_DDL,
    )

    def __init__(self, history: History):
        self.history = history

    def apply(self, tx: Tx, events: Sequence[tuple[int, Any]]) -> None:
        rows, links, names = [], [], Names(tx)
        for pos, e in events:
            record = _plain(event_record(pos, e))
            actor = record["actor"] or {}
            rows.append((pos, record["event_id"], record["type"], record["aggregate_type"], record["aggregate_id"],
                         record["version"], record["recorded_at"], record["effective_on"], actor.get("id"),
                         actor.get("role"), actor.get("organisation_id"), record["reason"],
                         self.history.summarise(e, names), encode(record["data"])))
            links += [(org, pos) for org in dict.fromkeys(self.history.organisations(e, names))]
        tx.insert_rows(LOG, ("position", "event_id", "type", "aggregate_type", "aggregate_id", "version",
                             "recorded_at", "effective_on", "actor_id", "actor_role", "actor_org", "reason",
                             "summary", "data"), rows,
                       types=("BIGINT", "TEXT", "TEXT", "TEXT", "TEXT", "BIGINT", *("TEXT",) * 8))
        tx.insert_rows(ACTIVITY, ("org_id", "position"), links, types=("TEXT", "BIGINT"))


# -- queries -----------------------------------------------------------------------------------------
class AuditQuery(msgspec.Struct, kw_only=True):
    recorded_from: str | None = None
    recorded_to: str | None = None
    actor: str | None = None
    type: str | None = None
    aggregate_id: str | None = None
    after_position: int = 0


def _item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "position": int(row["position"]), "event_id": row["event_id"], "type": row["type"],
        "aggregate_id": row["aggregate_id"], "aggregate_type": row["aggregate_type"], "version": int(row["version"]),
        "recorded_at": row["recorded_at"], "effective_on": row["effective_on"],
        "actor": {"id": row["actor_id"], "role": row["actor_role"], "organisation_id": row["actor_org"]},
        "reason": row["reason"], "summary": row["summary"], "data": decode_doc(row["data"]),
    }


def _with_actor_names(tx: Tx, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each actor with a name people recognise: the account's username, or what the
    system or the public is called (a UUID alone tells a reader nothing)."""
    ids = sorted({i["actor"]["id"] for i in items if i["actor"]["id"]})
    names: dict[str, str] = {}
    if ids:
        marks = ", ".join("?" for _ in ids)
        names = {r["id"]: r["username"] for r in tx.fetchall(
            f"SELECT id, username FROM view_accounts WHERE id IN ({marks})", ids)}
    for item in items:
        actor = item["actor"]
        actor["name"] = names.get(actor["id"] or "") or label(ROLE_NAMES, actor["role"])
    return items


def audit_events(db: ViewDatabase, query: AuditQuery, limit: int) -> list[dict[str, Any]]:
    where, params = ["position > ?"], [query.after_position]
    for clause, value in (("recorded_at >= ?", query.recorded_from), ("recorded_at < ?", query.recorded_to),
                          ("actor_id = ?", query.actor), ("type = ?", query.type),
                          ("aggregate_id = ?", query.aggregate_id)):
        if value is not None:
            where.append(clause)
            params.append(value)
    with db.read() as tx:
        rows = tx.fetchall(f"SELECT * FROM {LOG} WHERE {' AND '.join(where)} ORDER BY position LIMIT ?",
                           [*params, limit])
        items = _with_actor_names(tx, [_item(r) for r in rows])
    return opened(db, items)  # sealed persons in the data: opened (or 已删除) on reading


def organisation_history(db: ViewDatabase, org_id: str, *, after: int, limit: int,
                         known_as_of: str | None = None) -> list[dict[str, Any]]:
    """The organisation's history, oldest first; `known_as_of` (a UTC instant): only what had
    been recorded by then."""
    known = " AND l.recorded_at <= ?" if known_as_of else ""
    with db.read() as tx:
        rows = tx.fetchall(
            f"SELECT l.* FROM {ACTIVITY} a JOIN {LOG} l ON l.position = a.position "
            f"WHERE a.org_id = ? AND a.position > ?{known} ORDER BY a.position LIMIT ?",
            (org_id, after, *([known_as_of] if known_as_of else []), limit))
        items = _with_actor_names(tx, [_item(r) for r in rows])
    return opened(db, items)  # sealed persons in the data: opened (or 已删除) on reading

