"""Personal information under PIPL, the write side: the one way to declare a field
personal and to seal it.

A field is personal when its value is a *person*: a record some of whose fields
are declared in a `Personal` kind below. Commands seal such records before any
event carries them: `seal` (or `sealer` for a domain rule that decides when)
gives the person an id of the server's choosing (uuid4), makes their key in the
key store (create-if-absent, inside the command that first needs it) and
returns

    {"person_id": "…", "sealed": "<AES-GCM under the person's key>",
     "fields": ["name", "phone"], …the record's other fields, in the clear}

Aggregates and events simply hold that value (so declaring a field personal in
an aggregate and in its events is one act: put a sealed person in it). The
read side opens it (projections.personal). A person belongs to a scope (an
organisation's id, or None): a client may name an existing person only where
the command's own aggregate knows them (`check_own`), and never one of another
scope; an erased id is refused, never re-keyed.

Erasure (`erase`) records `Person.Erased`; `ErasureReaction` destroys the key.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import msgspec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.errors import InvalidValue, NotFound
from domain.organisations import Organisation
from domain.people import AlreadyErased, Person, person_aggregate_id
from domain.values import Actor
from projections import personal as read_side
from projections.store import Tx
from projections.view import View
from service.keystore import KeyStore, PersonErased
from service.writer import Command, UnitOfWork


@dataclass(frozen=True)
class Personal:
    """A kind of person: which of a record's fields are personal (sealed); the others stay
    in the clear beside them. The person id is under `person_id`, or under `id_key`
    (contacts have always been addressed by `id`)."""

    kind: str
    fields: tuple[str, ...]
    id_key: str | None = None


# Every personal field of the platform, declared once.
CONTACT = Personal("contact", ("name", "phone", "email"), id_key="id")  # Organisation contacts
ATTENDEE = Personal("attendee", ("name", "phone", "position"))  # Session attendees and substitutes
INVITEE = Personal("invitee", ("email",))  # Invitation e-mail
# The alliance programme's persons (applied by domain/service alliances; see the README).
OBJECTOR = Personal("objector", ("contact",))  # Alliance.Objected contact
EXPERT = Personal("expert", ("name", "title", "employer"))  # agreement expert_team members
PLAN_STAFF = Personal("plan_staff", ("name",))  # society declaration responsible_staff
INSPECTOR = Personal("inspector", ("name",))  # Alliance.Inspected inspectors
KINDS = (CONTACT, ATTENDEE, INVITEE, OBJECTOR, EXPERT, PLAN_STAFF, INSPECTOR)

class PersonalFields:
    """The declared personal fields of every event (each context declares its own, in
    (aggregate, event) -> event fields holding sealed persons: a person, or a list of them,
    or, for a dict field, the named sub-field)."""

    def __init__(self, declared: Mapping[tuple[str, str], tuple[str, ...]]):
        self.declared = dict(declared)

    def clear_persons(self, event: Any) -> list[str]:
        """The declared personal fields of an event that hold a person in the clear (none, ever)."""
        aggregate, _, kind = type(event).__qualname__.rpartition(".")
        bad = []
        for path in self.declared.get((aggregate, kind), ()):
            value: Any = event
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
            for person in value if isinstance(value, list) else [value]:
                if person is not None and not read_side.is_sealed(person):
                    bad.append(path)
        return bad

    def refuse_clear(self, aggregates: Iterable[Any]) -> None:
        """A guard for the write path (one call before saving): no declared personal field
        leaves in the clear, whoever forgot to seal it."""
        for aggregate in aggregates:
            for event in aggregate.pending_events:
                bad = self.clear_persons(event)
                if bad:
                    raise RuntimeError(f"{type(event).__qualname__}: personal field(s) {bad} not sealed "
                                       "(service.personal.seal)")


# -- the key store, from inside a command ------------------------------------------------------
def keys_of(uow: UnitOfWork) -> KeyStore:
    """The key store beside the application the command writes to (qihui.bootstrap wires it)."""
    keys = getattr(uow._cache.app, "keys", None)
    if keys is None:
        raise RuntimeError("no key store wired to the application (qihui.bootstrap does it)")
    return keys


def _blob(key: bytes, person_id: str, fields: Mapping[str, Any]) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, msgspec.json.encode(dict(fields)),
                                                        person_id.encode())).decode()


def seal(keys: KeyStore, kind: Personal, record: Mapping[str, Any], *, scope: str | None,
         person_id: str | None = None, field: str = "person_id") -> dict[str, Any]:
    """One person's record sealed. Without `person_id` the person is new (a fresh id);
    with one, the caller has checked it is theirs (`check_own`): refused here when it
    belongs to another scope or was erased (422 naming `field`)."""
    for name in ("person_id", "sealed", "fields"):
        if name in record:
            raise InvalidValue(f"{name} 是保留字段 (reserved field)", field=field)
    minted = person_id is None
    if person_id is None:
        person_id = str(uuid4())
    else:
        known = keys.lookup(person_id)
        if known is not None and known.scope is not None and scope is not None and known.scope != scope:
            raise InvalidValue("不是本单位的人员 (not one of this organisation's persons)", field=field)
    try:
        key = keys.create(person_id, scope, minted=minted)
    except PersonErased:
        raise InvalidValue("该人员的个人信息已删除，不能再使用此编号 (person erased: the id is never used again)",
                           code="person_erased", field=field) from None
    personal = {k: record[k] for k in kind.fields if record.get(k) is not None}
    value: dict[str, Any] = {k: v for k, v in record.items() if k not in kind.fields and k != kind.id_key}
    value[kind.id_key or "person_id"] = person_id
    return {**value, "sealed": _blob(key, person_id, personal), "fields": list(personal)}


def seal_in(uow: UnitOfWork, kind: Personal, record: Mapping[str, Any], *, scope: Any,
            person_id: str | None = None, field: str = "person_id") -> dict[str, Any]:
    """`seal` inside a command, with the application's key store."""
    return seal(keys_of(uow), kind, record, scope=str(scope) if scope is not None else None,
                person_id=person_id, field=field)


def sealer(uow: UnitOfWork, kind: Personal, scope: Any) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """For a domain rule that seals once it has decided: new persons of one scope."""
    return lambda records: [seal_in(uow, kind, r, scope=scope) for r in records]


def reveal(uow: UnitOfWork) -> Callable[[list[Any]], list[Any]]:
    """For a domain rule that must read persons it holds (a name to check someone in by)."""
    keys = keys_of(uow)
    return lambda values: [read_side.unseal_all(keys, v) for v in values]


def check_own(ids: Sequence[str | None], known: Iterable[str], field: str) -> None:
    """Ids a client sent must be persons the command's aggregate already holds: never
    another organisation's, never made up (422 naming `field[i].id`)."""
    mine = set(known)
    for i, person_id in enumerate(ids):
        if person_id is not None and person_id not in mine:
            raise InvalidValue(f"未知的人员编号 {person_id}（须为本单位已有的人员） "
                               "(unknown person id: not one of this organisation's persons)", field=f"{field}[{i}].id")


def seal_contacts(uow: UnitOfWork, contacts: Sequence[Mapping[str, Any]], *, scope: Any,
                  current: Sequence[Mapping[str, Any]] = (), field: str = "contacts") -> list[dict[str, Any]]:
    """Contacts sealed for `scope` (an organisation). New people get new ids; a contact sent
    with an id keeps it (the caller has checked it is one of `current`), and one whose fields
    did not change keeps its sealed value, so an unchanged list records no change."""
    keys = keys_of(uow)
    stored = {read_side.person_of(c): c for c in current if read_side.is_sealed(c)}
    out = []
    for i, contact in enumerate(contacts):
        person_id = contact.get("id")
        fields = {k: v for k, v in contact.items() if k != "id"}
        before = stored.get(person_id) if person_id else None
        if before is not None:
            opened = read_side.unseal_all(keys, before)
            if not opened.get("erased") and all(opened.get(k) == fields.get(k) for k in CONTACT.fields) \
                    and set(fields) <= set(CONTACT.fields):
                out.append(dict(before))
                continue
        out.append(seal(keys, CONTACT, fields, scope=str(scope), person_id=person_id, field=f"{field}[{i}].id"))
    return out


def new_organisation(uow: UnitOfWork, **application: Any) -> Organisation:
    """An organisation applying: its id first, so that its contacts are sealed as its own."""
    org_id = uuid4()
    contacts = [{k: v for k, v in c.items() if k != "id"} for c in application.pop("contacts")]
    return Organisation.apply(**application, contacts=seal_contacts(uow, contacts, scope=org_id), id=org_id)


# -- erasure -----------------------------------------------------------------------------------
def erase(person_id: str, *, reason: str, actor: Actor, organisation_id: UUID | None = None,
          field: str = "person_id") -> Command:
    """个人信息删除 (PIPL): record `Person.Erased` (once per person); the key is destroyed in
    reaction (ErasureReaction, and at once by the API after the commit). With
    `organisation_id` (the contact route) the person must be one of its contacts."""

    def command(uow: UnitOfWork) -> UUID:
        keys = keys_of(uow)
        record = keys.lookup(person_id)
        owner = None
        if organisation_id is not None:
            org = uow.get(Organisation, organisation_id)
            pending = getattr(org, "pending_application", None) or {}
            ids = {read_side.person_of(c) if read_side.is_sealed(c) else c.get("id")
                   for c in [*org.contacts, *pending.get("contacts", [])]}
            if person_id not in ids:
                raise NotFound("联系人不存在 (no such contact)", field=field)
            if person_id in getattr(org, "erased_contacts", []):
                raise AlreadyErased(field)
            owner = str(organisation_id)
        elif record is None:
            raise NotFound("人员不存在 (no such person)", field=field)
        elif record.scope and _is_uuid(record.scope):
            owner = record.scope
        if (record is not None and record.erased) or uow.find(Person, person_aggregate_id(person_id)) is not None:
            raise AlreadyErased(field)
        person = Person.erase(person_id=person_id, organisation_id=owner, reason=reason, actor=actor)
        uow.add(person)
        return person.id

    return command


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


def erased_person(event: Any) -> str | None:
    """The person an event erases (Person.Erased, or a contact erased before it existed)."""
    if isinstance(event, Person.Erased):
        return event.person_id
    if isinstance(event, Organisation.ContactErased):
        return event.contact_id
    return None


class ErasureReaction(View):
    """Destroys an erased person's key. Run by the projector like a view, with a tracking
    position of its own: at least once (a crash between the erasure and the destruction
    is repaired when the projector next starts, from its position) and idempotent (the key
    store only ever turns a key into a tombstone), so replays and rebuilds are harmless."""

    name = "erasures"
    tables = ()
    ddl = ()

    def __init__(self, keys: KeyStore):
        self.keys = keys

    def apply(self, tx: Tx, events: Sequence[tuple[int, Any]]) -> None:
        for _pos, event in events:
            person = erased_person(event)
            if person is not None:
                self.keys.destroy(person)
