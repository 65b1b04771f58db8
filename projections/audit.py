"""The global audit log (审计日志), every organisation's activity history, and
the tamper-evident hash chain over the stored event log."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any, ClassVar

import msgspec

from domain.alliances import Alliance
from domain.organisations import Organisation
from domain.sessions import Session
from projections.records import event_record
from projections.store import Tx, ViewDatabase
from projections.summaries import summarise
from projections.view import View, decode_doc, encode

LOG = "view_audit_log"
ACTIVITY = "view_org_activity"
PARTIES = "view_audit_parties"


def _plain(value: Any) -> Any:
    """JSON-ready copy (UUIDs, dates, actors as text)."""
    return msgspec.json.decode(msgspec.json.encode(value, enc_hook=_hook))


def _hook(value: Any) -> Any:
    if hasattr(value, "as_dict"):
        return value.as_dict()
    raise TypeError(type(value))


class AuditLogView(View):
    """One row per stored event, with a readable Chinese summary; and, for each
    organisation an event concerns, a row linking it to that event."""

    name = "audit"
    tables = (LOG, ACTIVITY, PARTIES)
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
        f"CREATE TABLE IF NOT EXISTS {PARTIES} (alliance_id TEXT PRIMARY KEY, parties TEXT NOT NULL)",
    )

    def apply(self, tx: Tx, events: Sequence[tuple[int, Any]]) -> None:
        rows, links = [], []
        for pos, e in events:
            record = _plain(event_record(pos, e))
            actor = record["actor"] or {}
            rows.append((pos, record["event_id"], record["type"], record["aggregate_type"], record["aggregate_id"],
                         record["version"], record["recorded_at"], record["effective_on"], actor.get("id"),
                         actor.get("role"), actor.get("organisation_id"), record["reason"], summarise(e),
                         encode(record["data"])))
            links += [(org, pos) for org in self.organisations(tx, e)]
        tx.insert_rows(LOG, ("position", "event_id", "type", "aggregate_type", "aggregate_id", "version",
                             "recorded_at", "effective_on", "actor_id", "actor_role", "actor_org", "reason",
                             "summary", "data"), rows,
                       types=("BIGINT", "TEXT", "TEXT", "TEXT", "TEXT", "BIGINT", *("TEXT",) * 8))
        tx.insert_rows(ACTIVITY, ("org_id", "position"), links, types=("TEXT", "BIGINT"))

    @staticmethod
    def organisations(tx: Tx, e: Any) -> list[str]:
        """Which organisations' histories an event belongs to."""
        if isinstance(e, Organisation.Event):
            return [str(e.originator_id)]
        if isinstance(e, Session.AttendanceClosed):
            return list(e.no_shows)
        if isinstance(e, Session.Cancelled | Session.Rescheduled):
            return list(e.registrants)
        if isinstance(e, Session.Event):
            org = getattr(e, "organisation_id", None)
            return [org] if org else []
        if isinstance(e, Alliance.Event):
            alliance = str(e.originator_id)
            agreement = getattr(e, "agreement", None)
            if agreement:
                parties = [*agreement["enterprises"], *agreement["societies"]]
                tx.execute(f"DELETE FROM {PARTIES} WHERE alliance_id = ?", (alliance,))
                tx.execute(f"INSERT INTO {PARTIES} (alliance_id, parties) VALUES (?, ?)",
                           (alliance, encode(parties)))
                return parties
            known = tx.scalar(f"SELECT parties FROM {PARTIES} WHERE alliance_id = ?", (alliance,))
            return decode_doc(known) if known else []
        return []


# -- the hash chain ------------------------------------------------------------------------------
CHAIN = "qihui_hash_chain"


def link(key: bytes, previous: str, position: int, originator_id: Any, version: int, topic: str,
         state: bytes) -> str:
    """HMAC-SHA256 over the stored record's bytes and the previous link: changing,
    removing or reordering a record breaks every link from there on, and without
    the platform's key nobody can forge a new chain."""
    head = f"{previous}|{position}|{originator_id}|{version}|{topic}|".encode()
    return hmac.new(key, head + bytes(state), hashlib.sha256).hexdigest()


class HashChainView(View):
    """Links each stored record to the one before it, as records are projected."""

    name = "hash_chain"
    tables = (CHAIN,)
    ddl = (f"CREATE TABLE IF NOT EXISTS {CHAIN} (position BIGINT PRIMARY KEY, previous_position BIGINT, "
           "link TEXT NOT NULL)",)
    raw = True  # gets the stored notifications, not decoded events
    key: ClassVar[bytes] = b""

    def __init__(self, key: bytes):
        self.key = key

    def apply(self, tx: Tx, events: Sequence[tuple[int, Any]]) -> None:
        last = tx.fetchone(f"SELECT position, link FROM {CHAIN} ORDER BY position DESC LIMIT 1")
        previous_position, previous = (last["position"], last["link"]) if last else (None, "")
        rows = []
        for pos, n in events:
            previous = link(self.key, previous, pos, n.originator_id, n.originator_version, n.topic, n.state)
            rows.append((pos, previous_position, previous))
            previous_position = pos
        tx.insert_rows(CHAIN, ("position", "previous_position", "link"), rows, types=("BIGINT", "BIGINT", "TEXT"))


def verify(recorder: Any, db: ViewDatabase, key: bytes, batch: int = 2000) -> dict[str, Any]:
    """Recompute the chain over the stored log. `first_bad_position` names the
    first record altered, reordered or missing (a missing record by its own
    position, which the chain remembers)."""
    with db.read() as tx:
        chain = [(int(r["position"]), r["link"]) for r in tx.fetchall(
            f"SELECT position, link FROM {CHAIN} ORDER BY position")]
    previous, checked, index, after = "", 0, 0, 0
    while True:
        notes = recorder.select_notifications(start=after, limit=batch, inclusive_of_start=False)
        if not notes:
            break
        for n in notes:
            if index >= len(chain):  # recorded after the last projected link: not yet chained
                return {"ok": True, "checked": checked}
            position, expected = chain[index]
            if position < n.id:  # the chain knows a record the store no longer has
                return {"ok": False, "checked": checked, "first_bad_position": position}
            if position > n.id:  # a record the chain never saw, inside the chained range
                return {"ok": False, "checked": checked, "first_bad_position": n.id}
            previous = link(key, previous, n.id, n.originator_id, n.originator_version, n.topic, n.state)
            if previous != expected:
                return {"ok": False, "checked": checked, "first_bad_position": n.id}
            checked += 1
            index += 1
        after = notes[-1].id
    if index < len(chain):  # records at the end were removed
        return {"ok": False, "checked": checked, "first_bad_position": chain[index][0]}
    return {"ok": True, "checked": checked}


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
    return [_item(r) for r in rows]


def organisation_history(db: ViewDatabase, org_id: str, *, after: int, limit: int) -> list[dict[str, Any]]:
    with db.read() as tx:
        rows = tx.fetchall(
            f"SELECT l.* FROM {ACTIVITY} a JOIN {LOG} l ON l.position = a.position "
            "WHERE a.org_id = ? AND a.position > ? ORDER BY a.position LIMIT ?", (org_id, after, limit))
    return [_item(r) for r in rows]

