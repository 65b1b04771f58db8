"""Personal information under PIPL: contact people's fields are sealed with a
key of their own (AES-GCM). The history keeps only the sealed text; erasing a
person destroys the key, after which every copy — the event store, the NATS
stream, backups — holds nothing readable, while the facts (an organisation
applied, registered, paid) and the hash chain stay intact.

The keys live in `qihui_personal_keys`, beside the views: the one table where a
row is deleted, because deleting it is the point.
"""

from __future__ import annotations

import base64
import os
from typing import Any

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from projections.store import Tx, ViewDatabase

KEYS = "qihui_personal_keys"
KEYS_DDL = f"CREATE TABLE IF NOT EXISTS {KEYS} (subject_id TEXT PRIMARY KEY, key_b64 TEXT)"
PERSONAL_FIELDS = ("name", "phone", "email")
ERASED = "（已删除 erased）"


def ensure_table(db: ViewDatabase) -> None:
    with db.transaction() as tx:
        tx.execute(KEYS_DDL)


def new_key(db: ViewDatabase, subject_id: str) -> None:
    with db.transaction() as tx:
        tx.execute(f"INSERT INTO {KEYS} (subject_id, key_b64) VALUES (?, ?) ON CONFLICT (subject_id) DO NOTHING",
                   (subject_id, base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()))


def key_of(tx: Tx, subject_id: str) -> bytes | None:
    raw = tx.scalar(f"SELECT key_b64 FROM {KEYS} WHERE subject_id = ?", (subject_id,))
    return base64.b64decode(raw) if raw else None


def destroy_key(db: ViewDatabase, subject_id: str) -> None:
    with db.transaction() as tx:
        tx.execute(f"DELETE FROM {KEYS} WHERE subject_id = ?", (subject_id,))


def seal_contacts(db: ViewDatabase, contacts: list[dict[str, Any]], new_id: Any) -> list[dict[str, Any]]:
    """Each contact as {id, sealed}: its personal fields encrypted under its own key."""
    sealed = []
    for contact in contacts:
        subject = contact.get("id") or str(new_id())
        new_key(db, subject)
        with db.read() as tx:
            key = key_of(tx, subject)
        if key is None:  # erased earlier: a new person gets a new id
            subject = str(new_id())
            new_key(db, subject)
            with db.read() as tx:
                key = key_of(tx, subject)
        fields = {k: contact.get(k) for k in PERSONAL_FIELDS if contact.get(k) is not None}
        nonce = os.urandom(12)
        blob = AESGCM(key).encrypt(nonce, msgspec.json.encode(fields), subject.encode())  # type: ignore[arg-type]
        sealed.append({"id": subject, "sealed": base64.b64encode(nonce + blob).decode()})
    return sealed


def unseal(tx: Tx, contact: dict[str, Any]) -> dict[str, Any]:
    """The contact readable, or marked erased when its key is gone."""
    if "sealed" not in contact:
        return contact  # written before sealing existed
    key = key_of(tx, contact["id"])
    if key is None:
        return {"id": contact["id"], **dict.fromkeys(PERSONAL_FIELDS, ERASED), "erased": True}
    raw = base64.b64decode(contact["sealed"])
    try:
        fields = msgspec.json.decode(AESGCM(key).decrypt(raw[:12], raw[12:], contact["id"].encode()))
    except InvalidTag:
        return {"id": contact["id"], **dict.fromkeys(PERSONAL_FIELDS, ERASED), "erased": True}
    return {"id": contact["id"], **fields}
