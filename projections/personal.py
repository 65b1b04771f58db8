"""Personal information under PIPL, the read side: opening sealed values.

Every personal field is stored sealed (service.personal seals it, on the write
side): a value `{"person_id": …, "sealed": …, "fields": [...]}` whose personal
fields are AES-GCM encrypted under that person's own key, with any other fields
beside it in the clear. Events, views, the audit log and the NATS stream hold
only that. Queries, exports and the audit log open sealed values when they
answer, with keys from the key store (service.keystore), which lives apart from
the views. A person whose key was destroyed (erasure) reads as ERASED
everywhere, while the facts around them stay.

Nothing computed at projection time (summaries, names copied into views) may
hold personal data: only sealed values are copied, and opened on the way out.
"""

from __future__ import annotations

import base64
import weakref
from collections.abc import Iterable
from typing import Any, Protocol

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ERASED = "（已删除 erased）"
# Fields a contact sealed before the value named its own fields.
LEGACY_FIELDS = ("name", "phone", "email")
_WRAPPING = ("sealed", "fields")


class KeyReader(Protocol):
    def keys_of(self, person_ids: Iterable[str]) -> dict[str, bytes]: ...


_bound: weakref.WeakKeyDictionary[Any, KeyReader] = weakref.WeakKeyDictionary()


def bind(views: Any, keys: KeyReader) -> None:
    """Tell the read side where the keys for these views' sealed values live (bootstrap)."""
    _bound[views] = keys


def keys_for(views: Any) -> KeyReader:
    keys = _bound.get(views)
    if keys is None:
        raise RuntimeError("no key store bound to these views (qihui.bootstrap binds one)")
    return keys


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and "sealed" in value and bool(value.get("person_id") or value.get("id"))


def person_of(value: dict[str, Any]) -> str:
    return str(value.get("person_id") or value["id"])


def open_with(key: bytes | None, value: dict[str, Any]) -> dict[str, Any]:
    """One sealed value opened with its key (None: destroyed), or marked erased."""
    person = person_of(value)
    clear = {k: v for k, v in value.items() if k not in _WRAPPING}
    fields = value.get("fields") or LEGACY_FIELDS
    if key is not None:
        raw = base64.b64decode(value["sealed"])
        try:
            opened = msgspec.json.decode(AESGCM(key).decrypt(raw[:12], raw[12:], person.encode()))
        except InvalidTag:
            opened = None
        if isinstance(opened, dict):
            return {**clear, **opened}
    return {**clear, **dict.fromkeys(fields, ERASED), "erased": True}


def _collect(value: Any, found: set[str]) -> None:
    if is_sealed(value):
        found.add(person_of(value))
    elif isinstance(value, dict):
        for v in value.values():
            _collect(v, found)
    elif isinstance(value, list):
        for v in value:
            _collect(v, found)


def _open(value: Any, keys: dict[str, bytes]) -> Any:
    if is_sealed(value):
        return open_with(keys.get(person_of(value)), value)
    if isinstance(value, dict):
        return {k: _open(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [_open(v, keys) for v in value]
    return value


def unseal_all(keys: KeyReader, value: Any) -> Any:
    """A copy of any JSON-like value (a document, a page of them, an audit record) with every
    sealed value in it opened, fetching all the keys it needs at once."""
    wanted: set[str] = set()
    _collect(value, wanted)
    if not wanted:
        return value
    return _open(value, keys.keys_of(wanted))


def unseal(keys: KeyReader, value: dict[str, Any]) -> dict[str, Any]:
    """One value opened (a value written before sealing existed is returned as it is)."""
    return unseal_all(keys, value)


def opened(views: Any, value: Any) -> Any:
    """`unseal_all` with the key store bound to `views`."""
    return unseal_all(keys_for(views), value)
