"""Notices, the read side: who can be told (accounts, their organisation, contact and
channels), the names templates use, and every account's inbox.

The inbox is a view like any other: each event that a rule answers (qihui.contexts'
`notices`) becomes one row per account told, written with the view's position, so
it is exact once and can be rebuilt from the log. The notifier (workers.notifier)
decides the same way, from the same tables, once this view has passed the event,
and sends on the channels each account chose.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from eventsourcing.domain import AggregateCreated

from domain.accounts import Account, Invitation
from domain.alliances import Alliance
from domain.notices import Audience, Fact, Inbox, Notice, NoticePreferences, Rule
from domain.organisations import Organisation
from domain.sessions import Session
from projections.records import event_record, names_of
from projections.store import Tx
from projections.view import View, decode_doc, encode

log = logging.getLogger(__name__)

ACCOUNTS = "notice_accounts"
INVITES = "notice_invites"
SUBJECTS = "notice_subjects"
INBOX = "notice_inbox"
_round_trip = msgspec.json.Encoder()


def fact_of(position: int, event: Any) -> dict[str, Any]:
    """The event as the rules see it: its published record, as JSON would carry it (so the
    embedded notifier and the JetStream one decide from the same values)."""
    return msgspec.json.decode(_round_trip.encode(event_record(position, event)))


class Names:
    """What rules and templates read, inside one transaction: titles of sessions, alliances and
    organisations, a session's time and place, an alliance's parties, and who to tell."""

    def __init__(self, tx: Tx, time_zone: ZoneInfo):
        self.tx = tx
        self.time_zone = time_zone
        # Read once a batch, kept as the batch writes them (a rebuild asked the database for the
        # same session, staff list and accounts for every event: 60 % of its time).
        self._subjects: dict[str, dict[str, Any]] = {}
        self._accounts: dict[str, dict[str, Any] | None] = {}
        self._recipients: dict[tuple[tuple[str, ...], bool], list[str]] = {}

    def subject(self, subject_id: Any) -> dict[str, Any]:
        key = str(subject_id)
        if key not in self._subjects:
            row = self.tx.fetchone(f"SELECT doc FROM {SUBJECTS} WHERE id = ?", (key,))
            self._subjects[key] = decode_doc(row["doc"]) if row else {}
        return self._subjects[key]

    def keep_subject(self, key: str, doc: dict[str, Any]) -> None:
        _upsert(self.tx, SUBJECTS, key, doc)
        self._subjects[key] = doc

    def keep_account(self, doc: dict[str, Any]) -> None:
        _account_columns(self.tx, doc)
        self._accounts[doc["id"]] = doc
        self._recipients.clear()

    def title(self, subject_id: Any) -> str:
        return self.subject(subject_id).get("title") or "—"

    def local(self, iso: str | None) -> str:
        """An instant in the association's time zone, as people read it."""
        if not iso:
            return "—"
        return datetime.fromisoformat(iso).astimezone(self.time_zone).strftime("%Y-%m-%d %H:%M")

    def parties(self, alliance_id: Any) -> list[str]:
        return list(self.subject(alliance_id).get("parties", []))

    def recipients(self, audience: Audience) -> list[str]:
        """Active accounts of the organisations named, and staff when asked (stable order)."""
        key = (tuple(str(o) for o in audience.organisations or ()), bool(audience.staff))
        if key not in self._recipients:
            self._recipients[key] = self._recipients_now(audience)
        return list(self._recipients[key])

    def _recipients_now(self, audience: Audience) -> list[str]:
        found: list[str] = []
        if audience.organisations:
            orgs = [str(o) for o in audience.organisations]
            marks = ", ".join("?" for _ in orgs)
            found += [r["id"] for r in self.tx.fetchall(
                f"SELECT id FROM {ACCOUNTS} WHERE status = 'active' AND role = 'member' "
                f"AND organisation_id IN ({marks}) ORDER BY id", orgs)]
        if audience.staff:
            found += [r["id"] for r in self.tx.fetchall(
                f"SELECT id FROM {ACCOUNTS} WHERE status = 'active' AND role = 'staff' ORDER BY id")]
        return list(dict.fromkeys(found))

    def account(self, account_id: str) -> dict[str, Any] | None:
        if account_id not in self._accounts:
            row = self.tx.fetchone(f"SELECT doc FROM {ACCOUNTS} WHERE id = ?", (account_id,))
            self._accounts[account_id] = decode_doc(row["doc"]) if row else None
        return self._accounts[account_id]


class Rules:
    """Every context's rules, by the event they answer."""

    def __init__(self, rules: Iterable[Rule]):
        self.all = list(rules)
        self.by_event: dict[str, list[Rule]] = {}
        for rule in self.all:
            self.by_event.setdefault(rule.event, []).append(rule)

    def answers(self, event: Any) -> bool:
        return ".".join(names_of(event)) in self.by_event

    def decide(self, fact: Fact, names: Names) -> list[Notice]:
        """Who is told what of this event."""
        notices = []
        for rule in self.by_event.get(f"{fact['aggregate_type']}.{fact['type']}", ()):
            try:
                if not rule.when(fact):
                    continue
                values = {k: str(v) for k, v in rule.values(fact, names).items()}
                text = rule.template.render(values)
                told = names.recipients(rule.audience(fact, names))
            except (KeyError, ValueError, TypeError, IndexError):
                # A rule that cannot read this event must not stop the view (and every other notice).
                log.exception("notice rule %s failed on %s", rule.kind, fact["event_id"])
                continue
            for account_id in told:
                notices.append(Notice(event_id=fact["event_id"], position=fact["position"], kind=rule.kind,
                                      account_id=account_id, text=text, values=values))
        return notices


# -- keeping the directory ---------------------------------------------------------------------
def _upsert(tx: Tx, table: str, key: str, doc: dict[str, Any]) -> None:
    tx.execute(f"INSERT INTO {table} (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
               (key, encode(doc)))


def _account_columns(tx: Tx, doc: dict[str, Any]) -> None:
    tx.execute(
        f"INSERT INTO {ACCOUNTS} (id, role, organisation_id, status, doc) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET role = excluded.role, organisation_id = excluded.organisation_id, "
        "status = excluded.status, doc = excluded.doc",
        (doc["id"], doc.get("role"), doc.get("organisation_id"), doc.get("status", "active"), encode(doc)))


def _directory(tx: Tx, names: Names, e: Any) -> None:
    """Who can be told, and the names templates use, as the log has them at this event."""
    if isinstance(e, Account.Event):
        account_id = str(e.originator_id)
        doc = names.account(account_id) or {"id": account_id, "channels": {}}
        if isinstance(e, Account.Created):
            doc.update(role=e.role, organisation_id=str(e.organisation_id) if e.organisation_id else None,
                       status="active")
        elif isinstance(e, Account.RoleGranted):
            doc.update(role=e.role, organisation_id=str(e.organisation_id) if e.organisation_id else None)
        elif isinstance(e, Account.RoleRevoked):
            doc.update(role=None, organisation_id=None)
        elif isinstance(e, Account.Disabled | Account.Enabled):
            doc["status"] = "disabled" if isinstance(e, Account.Disabled) else "active"
        else:
            return
        names.keep_account(doc)
    elif isinstance(e, Invitation.Issued):
        _upsert(tx, INVITES, str(e.originator_id), {"email": e.email})
    elif isinstance(e, Invitation.Accepted):
        row = tx.fetchone(f"SELECT doc FROM {INVITES} WHERE id = ?", (str(e.originator_id),))
        doc = names.account(str(e.account_id)) or {"id": str(e.account_id), "channels": {}}
        doc["invited_email"] = decode_doc(row["doc"])["email"] if row else None
        names.keep_account(doc)
    elif isinstance(e, NoticePreferences.ChannelsChosen | NoticePreferences.ContactSet):
        doc = names.account(e.account_id) or {"id": e.account_id, "channels": {}, "status": "active"}
        if isinstance(e, NoticePreferences.ChannelsChosen):
            doc["channels"] = {**doc.get("channels", {}), e.kind: list(e.channels)}
        else:
            doc["contact"] = e.contact
        names.keep_account(doc)
    elif isinstance(e, Inbox.Read):
        marks = ", ".join("?" for _ in e.notice_ids)
        tx.execute(f"UPDATE {INBOX} SET read_at = ? WHERE read_at IS NULL AND id IN ({marks})",
                   (e.timestamp.isoformat(), *e.notice_ids))
    elif isinstance(e, Session.Scheduled | Session.Rescheduled):
        doc = names.subject(e.originator_id)
        if isinstance(e, Session.Scheduled):
            doc.update(title=e.title, venue=e.venue)
        doc.update(starts_at=e.starts_at.isoformat(), ends_at=e.ends_at.isoformat())
        names.keep_subject(str(e.originator_id), doc)
    elif isinstance(e, Organisation.Applied) or (isinstance(e, Organisation.ProfileChanged) and "name" in e.changes):
        name = e.name if isinstance(e, Organisation.Applied) else e.changes["name"]
        names.keep_subject(str(e.originator_id), {"title": name})
    elif isinstance(e, Alliance.Drafted | Alliance.Revised):
        a = e.agreement
        names.keep_subject(str(e.originator_id), {
            "title": a.get("title") or "—", "parties": [str(p) for p in (*a["enterprises"], *a["societies"])]})
    elif isinstance(e, AggregateCreated) and getattr(e, "organisation_id", None):
        # Any other context's aggregate created for an organisation (a need, a request…): whose it
        # is and its title, so that its later events can tell that organisation.
        names.keep_subject(str(e.originator_id), {"title": getattr(e, "title", None) or "—",
                                                     "organisation_id": str(e.organisation_id)})


_TEXT = ("title_zh", "body_zh", "title_en", "body_en")


def decided(tx: Tx, event_ids: Sequence[str]) -> list[Notice]:
    """The notices the view decided for these events (the accounts told as the log stood then)."""
    found = []
    for start in range(0, len(event_ids), 500):
        chunk = list(event_ids[start:start + 500])
        marks = ", ".join("?" for _ in chunk)
        found += [Notice(event_id=r["event_id"], position=int(r["position"]), kind=r["kind"],
                         account_id=r["account_id"], text={k: r[k] for k in _TEXT}, values=decode_doc(r["vals"]))
                  for r in tx.fetchall(f"SELECT event_id, account_id, kind, position, title_zh, body_zh, title_en, "
                                       f"body_en, vals FROM {INBOX} WHERE event_id IN ({marks}) "
                                       "ORDER BY position, account_id, kind", chunk)]
    return found


class NoticesView(View):
    """The directory the rules read and every account's inbox (rebuildable like any view)."""

    name = "notices"
    version = 2  # 2: every context's aggregates created for an organisation are remembered (subjects)
    tables = (ACCOUNTS, INVITES, SUBJECTS, INBOX)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {ACCOUNTS} (id TEXT PRIMARY KEY, role TEXT, organisation_id TEXT, "
        "status TEXT NOT NULL, doc TEXT NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS ix_{ACCOUNTS}_org ON {ACCOUNTS} (organisation_id)",
        f"CREATE TABLE IF NOT EXISTS {INVITES} (id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {SUBJECTS} (id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {INBOX} (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, kind TEXT NOT NULL, "
        "event_id TEXT NOT NULL, position BIGINT NOT NULL, created_at TEXT NOT NULL, title_zh TEXT NOT NULL, "
        "body_zh TEXT NOT NULL, title_en TEXT NOT NULL, body_en TEXT NOT NULL, vals TEXT NOT NULL, read_at TEXT)",
        f"CREATE INDEX IF NOT EXISTS ix_{INBOX}_account ON {INBOX} (account_id, position)",
        f"CREATE INDEX IF NOT EXISTS ix_{INBOX}_event ON {INBOX} (event_id)",
    )

    def __init__(self, rules: Iterable[Rule], time_zone: ZoneInfo):
        self.rules = Rules(rules)
        self.time_zone = time_zone

    def apply(self, tx: Tx, events: Sequence[tuple[int, Any]]) -> None:
        names = Names(tx, self.time_zone)
        rows = []
        for position, e in events:
            _directory(tx, names, e)
            if self.rules.answers(e):
                for n in self.rules.decide(fact_of(position, e), names):
                    rows.append((n.id, n.account_id, n.kind, n.event_id, n.position, e.timestamp.isoformat(),
                                 n.text["title_zh"], n.text["body_zh"], n.text["title_en"], n.text["body_en"],
                                 encode(n.values)))
        if rows:
            tx.insert_rows(INBOX, ("id", "account_id", "kind", "event_id", "position", "created_at", "title_zh",
                                   "body_zh", "title_en", "body_en", "vals"), rows,
                           on_conflict="ON CONFLICT (id) DO NOTHING")
