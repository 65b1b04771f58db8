"""Queries over the notices view: an account's inbox and its notice settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections import personal
from projections.notices import ACCOUNTS, INBOX
from projections.store import ViewDatabase
from projections.view import decode_doc

_COLUMNS = "id, kind, position, created_at, title_zh, body_zh, title_en, body_en, read_at"


def inbox(db: ViewDatabase, account_id: str, *, unread: bool = False, limit: int = 50,
          before: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """The account's notices, newest first (before position `before`), and how many are unread."""
    where, params = "account_id = ?", [account_id]
    if unread:
        where += " AND read_at IS NULL"
    if before is not None:
        where += " AND position < ?"
        params.append(before)
    with db.read() as tx:
        rows = tx.fetchall(f"SELECT {_COLUMNS} FROM {INBOX} WHERE {where} ORDER BY position DESC, id LIMIT ?",
                           [*params, limit])
        count = tx.scalar(f"SELECT COUNT(*) FROM {INBOX} WHERE account_id = ? AND read_at IS NULL", (account_id,))
    return [{**r, "read": r["read_at"] is not None} for r in rows], int(count or 0)


def owned(db: ViewDatabase, account_id: str, notice_ids: Sequence[str]) -> set[str]:
    """Which of these notices are the account's own."""
    if not notice_ids:
        return set()
    marks = ", ".join("?" for _ in notice_ids)
    with db.read() as tx:
        return {r["id"] for r in tx.fetchall(
            f"SELECT id FROM {INBOX} WHERE account_id = ? AND id IN ({marks})", (account_id, *notice_ids))}


def accounts(db: ViewDatabase, account_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The accounts as the notifier sees them: role, organisation, channels per kind, contact (sealed)."""
    found = {i: {"id": i, "channels": {}} for i in account_ids}
    ids = sorted(found)
    with db.read() as tx:
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            for row in tx.fetchall(f"SELECT id, doc FROM {ACCOUNTS} WHERE id IN ({marks})", chunk):
                found[row["id"]] = decode_doc(row["doc"])
    return found


def account(db: ViewDatabase, account_id: str) -> dict[str, Any]:
    return accounts(db, [account_id])[account_id]


def contacts(db: ViewDatabase, docs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Where each account is reached, opened (all keys fetched at once): the e-mail its invitation
    went to, overridden by the contact it gave. Once either person was erased, nothing: no channel
    reaches them."""
    sealed = [[v for v in (d.get("invited_email"), d.get("contact")) if v is not None] for d in docs]
    opened = personal.opened(db, sealed)
    found = []
    for values in opened:
        merged: dict[str, Any] = {}
        for value in values:
            value = value if isinstance(value, dict) else {"email": value}  # an e-mail from before sealing
            if value.get("erased"):
                merged = {}
                break
            merged.update({k: v for k, v in value.items() if k in ("email", "phone", "openid") and v})
        found.append(merged)
    return found


def contact(db: ViewDatabase, doc: dict[str, Any]) -> dict[str, Any]:
    return contacts(db, [doc])[0]
