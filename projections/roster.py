"""The roster (会员名录): one row per organisation, every status included,
plus its membership periods so the roster can be asked "as of" any date."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, ClassVar, NamedTuple

import msgspec

from domain.organisations import Organisation
from projections.known import recorded_by
from projections.personal import is_sealed, keys_for, open_with, opened, person_of
from projections.spelling import spellings
from projections.store import Tx, ViewDatabase
from projections.view import DocumentView, decode_doc, encode


def _entry(doc: dict[str, Any], e: Any, pos: int, what: str, **extra: Any) -> dict[str, Any]:
    effective = getattr(e, "effective_on", None)
    return {
        "event": what,
        "recorded_at": e.timestamp.isoformat(),
        "effective_on": effective.isoformat() if effective else None,
        "actor": e.actor.as_dict(),
        "reason": getattr(e, "reason", None),
        "position": pos,
        **extra,
    }


def _status(doc: dict[str, Any], e: Any, pos: int, what: str, status: str) -> None:
    """A status change: the new status, and an entry in the status history."""
    doc["status"] = status
    doc.setdefault("status_history", []).append(
        _entry(doc, e, pos, what, status=status, tier=doc.get("tier")))


def _change(doc: dict[str, Any], e: Any, pos: int, what: str, **details: Any) -> None:
    # Spilled to view_roster_changes (RosterView.spills): the document keeps current state only.
    doc.setdefault("changes", []).append(_entry(doc, e, pos, what, **details))


def _stats(doc: dict[str, Any], stats: dict[str, Any] | None) -> None:
    if stats:
        by_year = {s["year"]: s for s in doc.get("annual_stats", [])}
        by_year[stats["year"]] = stats
        doc["annual_stats"] = [by_year[y] for y in sorted(by_year)]


def _applied(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(
        id=str(e.originator_id), kind=e.kind, name=e.name, credit_code=e.credit_code,
        sector=e.sector, address=e.address, contacts=e.contacts, tier=None,
        annual_stats=[], applied_at=e.timestamp.isoformat(), applied_position=pos,
        applied_on=e.effective_on.isoformat(), admitted_on=None, dues=[], last_dues_year=None, dues_key=",",
        libraries=[], libraries_key=",", growth_stage=None,
    )
    _stats(doc, e.annual_stats)
    _status(doc, e, pos, "applied", "applied")


def _reapplied(doc: dict[str, Any], e: Any, pos: int) -> None:
    """A re-application stored before issue 11 (details replaced at once)."""
    doc.update(kind=e.kind, name=e.name, sector=e.sector, address=e.address, contacts=e.contacts,
               tier=None, applied_on=e.effective_on.isoformat())
    _stats(doc, e.annual_stats)
    _status(doc, e, pos, "reapplied", "applied")


def _reapplication_filed(doc: dict[str, Any], e: Any, pos: int) -> None:
    """A re-application: the record stays as it is; staff see what it proposes."""
    doc.update(tier=None, applied_on=e.effective_on.isoformat(), pending_application={
        **e.proposed, "received_on": e.effective_on.isoformat(), "recorded_at": e.timestamp.isoformat(),
        "actor": e.actor.as_dict(), "position": pos})
    _status(doc, e, pos, "reapplied", "applied")


def _reapplication_adopted(doc: dict[str, Any], e: Any, pos: int) -> None:
    details = e.details
    changed = [k for k in ("kind", "name", "sector", "address", "contacts") if doc.get(k) != details.get(k)]
    doc.update({k: details.get(k) for k in ("kind", "name", "sector", "address", "contacts")},
               pending_application=None)
    _stats(doc, details.get("annual_stats"))
    _change(doc, e, pos, "reapplication_adopted", fields=changed)


def _rejected(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["pending_application"] = None  # a rejected re-application's details are dropped
    _status(doc, e, pos, "rejected", "rejected")


def _lapsed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["lapsed_for"] = e.year
    _status(doc, e, pos, "lapsed", "lapsed")


def _lapse_corrected(doc: dict[str, Any], e: Any, pos: int) -> None:
    """The lapse is undone as of its own day: the later recording wins that day,
    so the roster "as of" any date shows no lapsed period."""
    doc["lapsed_for"] = None
    _status(doc, e, pos, "lapse_corrected", e.status)


def _admitted(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(tier=e.tier, admitted_on=e.effective_on.isoformat())
    _status(doc, e, pos, "admitted", "admitted")


def _becomes(status: str, what: str) -> Any:
    return lambda doc, e, pos: _status(doc, e, pos, what, status)


def _tier_changed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["tier"] = e.tier
    # A tier change is part of the membership history the as-of roster reads.
    doc["status_history"].append(_entry(doc, e, pos, "tier_changed", status=doc["status"], tier=e.tier,
                                        previous=e.previous))


def _dues_years(doc: dict[str, Any]) -> None:
    """The years counted as paid: each payment's, and with an imported position
    "paid through" a year, every year from admission up to it."""
    years = {d["year"] for d in doc.get("dues", [])}
    through = doc.get("dues_paid_through")
    if through:
        start = int(doc["admitted_on"][:4]) if doc.get("admitted_on") else through
        years |= set(range(min(start, through), through + 1))
    doc["last_dues_year"] = max(years) if years else None
    doc["dues_key"] = "," + "".join(f"{y}," for y in sorted(years))


def _dues_paid(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["dues"] = sorted([*doc.get("dues", []), {"year": e.year, "amount_fen": e.amount_fen,
                                                  "paid_on": e.effective_on.isoformat(), "position": pos}],
                         key=lambda d: d["year"])
    _dues_years(doc)


def _dues_paid_through(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["dues_paid_through"] = e.year
    _dues_years(doc)
    _change(doc, e, pos, "dues_paid_through", year=e.year)


def _profile_changed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(e.changes)
    _change(doc, e, pos, "profile_changed", changes=e.changes)


def _contacts_changed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["contacts"] = e.contacts
    _change(doc, e, pos, "contacts_changed")


def _annual_stats(doc: dict[str, Any], e: Any, pos: int) -> None:
    _stats(doc, e.stats)
    _change(doc, e, pos, "annual_stats_recorded", year=e.stats["year"])


def _libraries(doc: dict[str, Any], libraries: list[str]) -> None:
    doc["libraries"] = libraries
    doc["libraries_key"] = "," + "".join(f"{x}," for x in libraries)


def _tagged(doc: dict[str, Any], e: Any, pos: int) -> None:
    _libraries(doc, [*doc.get("libraries", []), e.library])
    _change(doc, e, pos, "library_tagged", library=e.library)


def _untagged(doc: dict[str, Any], e: Any, pos: int) -> None:
    _libraries(doc, [x for x in doc.get("libraries", []) if x != e.library])
    _change(doc, e, pos, "library_untagged", library=e.library)


def _growth(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["growth_stage"] = e.stage
    _change(doc, e, pos, "growth_stage_changed", stage=e.stage, previous=e.previous)


def _erased(doc: dict[str, Any], e: Any, pos: int) -> None:
    _change(doc, e, pos, "contact_erased", contact_id=e.contact_id)


def _attributes(doc: dict[str, Any], e: Any, pos: int) -> None:
    """Declared attributes (legal form, 企业科协, affiliation), each with its evidence."""
    declared = {k: {"value": v, "evidence": e.evidence, "declared_on": e.effective_on.isoformat()}
                for k, v in e.attributes.items()}
    doc["attributes"] = {**(doc.get("attributes") or {}), **declared}
    _change(doc, e, pos, "attributes_declared", attributes=e.attributes, evidence=e.evidence)


PERIODS_DDL = (
    # Each period carries the organisation's applied_position, so a page as of a date is read
    # in the roster's order from the periods' own index, stopping at the page's end.
    "CREATE TABLE IF NOT EXISTS view_roster_periods ("
    "org_id TEXT NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT, status TEXT NOT NULL, "
    "tier TEXT, kind TEXT, sector TEXT, applied_position BIGINT NOT NULL)",
)


KNOWN_DDL = (
    # The periods as the records stood from `known_from` until `known_to` (recording time):
    # each recording of a status or tier change starts a new version of the organisation's periods.
    # Instants are microseconds since 1970 (UTC) and days yyyymmdd numbers, an open end the
    # largest value: a count as known at an instant compares numbers over narrow index entries.
    "CREATE TABLE IF NOT EXISTS view_roster_known ("
    "org_id TEXT NOT NULL, known_from BIGINT NOT NULL, known_to BIGINT NOT NULL, valid_from INTEGER NOT NULL, "
    "valid_to INTEGER NOT NULL, status TEXT NOT NULL, tier TEXT, applied_position BIGINT NOT NULL)",
    # counted by the instant (no status) or by status and day
    "CREATE INDEX IF NOT EXISTS ix_view_roster_known_at ON view_roster_known "
    "(known_from, known_to, valid_from, valid_to, status, tier)",
    "CREATE INDEX IF NOT EXISTS ix_view_roster_known_status ON view_roster_known "
    "(status, valid_from, known_from, valid_to, known_to, tier)",
    "CREATE INDEX IF NOT EXISTS ix_view_roster_known_org ON view_roster_known "
    "(org_id, known_from, known_to, valid_from, valid_to, status, tier)",
    # a page in the roster's order, by status or not
    "CREATE INDEX IF NOT EXISTS ix_view_roster_known_page ON view_roster_known "
    "(status, applied_position, known_from, known_to, valid_from, valid_to, tier, org_id)",
    "CREATE INDEX IF NOT EXISTS ix_view_roster_known_order ON view_roster_known "
    "(applied_position, known_from, known_to, valid_from, valid_to, status, tier, org_id)",
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_OPEN_INSTANT, _OPEN_DAY = 2**63 - 1, 99991231


def instant_number(instant: str | None) -> int:
    """A recorded instant (ISO 8601 with its offset) as view_roster_known holds it."""
    if instant is None:
        return _OPEN_INSTANT
    return (datetime.fromisoformat(instant) - _EPOCH) // timedelta(microseconds=1)


def day_number(day: str | None) -> int:
    """A day (ISO 8601) as view_roster_known holds it: 2016-03-31 is 20160331."""
    return _OPEN_DAY if day is None else int(day.replace("-", ""))


def periods(doc: dict[str, Any], known_at: str | None = None) -> list[tuple[str, str | None, str, str | None]]:
    """(valid_from, valid_to, status, tier) by effective date, from the entries recorded by
    `known_at` (all by default). Entries may be recorded out of date order (history entered
    later); the later recording wins among entries effective the same day."""
    entries = sorted((h for h in doc.get("status_history", []) if known_at is None or h["recorded_at"] <= known_at),
                     key=lambda h: (h["effective_on"], h["position"]))
    by_day: dict[str, dict[str, Any]] = {}
    for h in entries:
        by_day[h["effective_on"]] = h
    days = list(by_day)
    return [(day, days[i + 1] if i + 1 < len(days) else None, by_day[day]["status"], by_day[day]["tier"])
            for i, day in enumerate(days)]


def known_periods(doc: dict[str, Any]) -> list[tuple[str, str | None, str, str | None, str, str | None]]:
    """(known_from, known_to, valid_from, valid_to, status, tier): each period with the span of
    recording time in which the records held it. A period carries on unchanged through later
    recordings that do not touch it, so a history recorded in order costs two rows an entry."""
    instants = sorted({h["recorded_at"] for h in doc.get("status_history", [])})
    held: dict[tuple[str, str | None, str, str | None], str] = {}  # period -> known since
    rows: list[tuple[str, str | None, str, str | None, str, str | None]] = []
    for instant in instants:
        now = set(periods(doc, instant))
        for period in [p for p in held if p not in now]:
            rows.append((held.pop(period), instant, *period))
        for period in now:
            held.setdefault(period, instant)
    rows += [(since, None, *period) for period, since in held.items()]
    return rows


class RosterView(DocumentView):
    name = "roster"
    table = "view_roster"
    # 2: periods as known (view_roster_known), names' pinyin; 3: changes as rows; 4: periods in roster order
    version = 4
    spills = ("changes",)

    def spill(self, tx: Tx, name: str, entries: list[tuple[str, Any]]) -> None:
        tx.insert_rows(CHANGES, ("org_id", "position", "entry"),
                       [(key, entry["position"], encode(entry)) for key, entry in entries],
                       on_conflict="ON CONFLICT (org_id, position) DO NOTHING", types=("TEXT", "BIGINT", "TEXT"))

    def column_values(self, doc: dict[str, Any]) -> list[Any]:
        pinyin, initials = spellings(doc.get("name"))
        return [*(doc.get(c) for c in self.columns if c not in ("name_pinyin", "name_initials")), pinyin, initials]
    columns: ClassVar[dict[str, str]] = {
        "kind": "TEXT", "name": "TEXT", "credit_code": "TEXT", "sector": "TEXT",
        "status": "TEXT", "tier": "TEXT", "applied_position": "BIGINT", "admitted_on": "TEXT",
        "growth_stage": "TEXT", "libraries_key": "TEXT", "last_dues_year": "INTEGER", "dues_key": "TEXT",
        "name_pinyin": "TEXT", "name_initials": "TEXT",  # how people type the name (projections.spelling)
    }
    indexes = ("status", "kind", "credit_code", "applied_position", "name", "admitted_on")
    handlers: ClassVar[dict[type, Any]] = {
        Organisation.Applied: _applied,
        Organisation.Reapplied: _reapplied,
        Organisation.ReapplicationFiled: _reapplication_filed,
        Organisation.ReapplicationAdopted: _reapplication_adopted,
        Organisation.Admitted: _admitted,
        Organisation.Rejected: _rejected,
        Organisation.Suspended: _becomes("suspended", "suspended"),
        Organisation.Reinstated: _becomes("admitted", "reinstated"),
        Organisation.Withdrawn: _becomes("withdrawn", "withdrawn"),
        Organisation.Lapsed: _lapsed,
        Organisation.LapseCorrected: _lapse_corrected,
        Organisation.TierChanged: _tier_changed,
        Organisation.DuesPaid: _dues_paid,
        Organisation.DuesPaidThrough: _dues_paid_through,
        Organisation.ProfileChanged: _profile_changed,
        Organisation.ContactsChanged: _contacts_changed,
        Organisation.AnnualStatsRecorded: _annual_stats,
        Organisation.LibraryTagged: _tagged,
        Organisation.LibraryUntagged: _untagged,
        Organisation.GrowthStageChanged: _growth,
        Organisation.ContactErased: _erased,
        Organisation.AttributesDeclared: _attributes,
    }

    def derive(self, tx: Tx, docs: dict[str, dict[str, Any]]) -> None:
        keys = sorted(docs)
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            marks = ", ".join("?" for _ in chunk)
            tx.execute(f"DELETE FROM view_roster_periods WHERE org_id IN ({marks})", chunk)
            tx.execute(f"DELETE FROM view_roster_known WHERE org_id IN ({marks})", chunk)
        tx.insert_rows(
            "view_roster_periods",
            ("org_id", "valid_from", "valid_to", "status", "tier", "kind", "sector", "applied_position"),
            [(key, start, end, status, tier, doc["kind"], doc["sector"], doc["applied_position"])
             for key, doc in docs.items() for start, end, status, tier in periods(doc)],
            types=(*("TEXT",) * 7, "BIGINT"),
        )
        tx.insert_rows(
            "view_roster_known",
            ("org_id", "known_from", "known_to", "valid_from", "valid_to", "status", "tier", "applied_position"),
            [(key, instant_number(k_from), instant_number(k_to), day_number(v_from), day_number(v_to), status, tier,
              doc["applied_position"])
             for key, doc in docs.items() for k_from, k_to, v_from, v_to, status, tier in known_periods(doc)],
            types=("TEXT", "BIGINT", "BIGINT", "INTEGER", "INTEGER", "TEXT", "TEXT", "BIGINT"),
        )


# The roster's queries (list_members) first pick a page's ids from these indexes alone, then
# read the documents of that page only; the totals are counted from them too. Each holds
# every column a filter reads, so no filter or count touches the table's rows (documents).
_FILTERED = "status, kind, tier, sector, growth_stage, libraries_key, name, credit_code, name_pinyin, name_initials"
QUERY_DDL = (
    # status (with kind, tier) in applied order: the desk's and the API's usual filters
    "CREATE INDEX IF NOT EXISTS ix_view_roster_status_kind_tier ON view_roster "
    "(status, kind, tier, applied_position, id)",
    # kind alone (and kind first, any order)
    f"CREATE INDEX IF NOT EXISTS ix_view_roster_kind_cover ON view_roster (kind, applied_position, {_FILTERED}, id)",
    # by id, for the join as of a date
    f"CREATE INDEX IF NOT EXISTS ix_view_roster_id_cover ON view_roster "
    f"(id, applied_position, {_FILTERED}, admitted_on)",
    # any other filter or search, in each order the roster offers
    f"CREATE INDEX IF NOT EXISTS ix_view_roster_by_applied ON view_roster (applied_position, {_FILTERED}, id)",
    "CREATE INDEX IF NOT EXISTS ix_view_roster_by_name ON view_roster "
    "(name, applied_position, status, kind, tier, sector, growth_stage, libraries_key, credit_code, "
    "name_pinyin, name_initials, id)",
    "CREATE INDEX IF NOT EXISTS ix_view_roster_by_credit_code ON view_roster "
    "(credit_code, applied_position, status, kind, tier, sector, growth_stage, libraries_key, name, "
    "name_pinyin, name_initials, id)",
    "CREATE INDEX IF NOT EXISTS ix_view_roster_by_admitted_on ON view_roster "
    f"((COALESCE(admitted_on, '')), applied_position, {_FILTERED}, id)",
    # as of a date: the periods open that day counted by status, each organisation's periods,
    # and a page in the roster's order (by status or not)
    "CREATE INDEX IF NOT EXISTS ix_view_roster_periods_day ON view_roster_periods "
    "(status, valid_from, valid_to, tier)",
    "CREATE INDEX IF NOT EXISTS ix_view_roster_periods_org_day ON view_roster_periods "
    "(org_id, valid_from, valid_to, status, tier)",
    "CREATE INDEX IF NOT EXISTS ix_view_roster_periods_page ON view_roster_periods "
    "(status, applied_position, valid_from, valid_to, tier, org_id)",
    "CREATE INDEX IF NOT EXISTS ix_view_roster_periods_order ON view_roster_periods "
    "(applied_position, valid_from, valid_to, status, tier, org_id)",
)

# Every change of an organisation's profile, contacts, libraries, figures… one row each, read
# by page: an organisation edited 10,000 times writes and reads like one edited ten times.
CHANGES = "view_roster_changes"
CHANGES_DDL = (f"CREATE TABLE IF NOT EXISTS {CHANGES} (org_id TEXT NOT NULL, position BIGINT NOT NULL, "
               "entry TEXT NOT NULL, PRIMARY KEY (org_id, position))",)
RECENT_CHANGES = 50  # the profile shows the latest; the whole record is the organisation's history

RosterView.ddl = (*RosterView.ddl, *PERIODS_DDL, *KNOWN_DDL, *CHANGES_DDL, *QUERY_DDL)
RosterView.tables = (*RosterView.tables, "view_roster_periods", "view_roster_known", CHANGES)


# -- queries ---------------------------------------------------------------------------
SORTS = {
    "applied": "r.applied_position", "name": "r.name", "credit_code": "r.credit_code",
    "admitted_on": "COALESCE(r.admitted_on, '')",
    "relevance": "",  # by how well the search's first term matches (relevance_key)
}


def relevance_key(q: str | None) -> tuple[str, list[Any]]:
    """The sort key of a search by relevance: the credit code itself, then names that start
    with the term, then pinyin, then initials that start with it, then the rest (a match anywhere)."""
    term = (q or "").split()[0] if (q or "").split() else ""
    key = ("(CASE WHEN r.credit_code = ? THEN 0 WHEN r.name LIKE ? THEN 1 WHEN r.name_pinyin LIKE ? THEN 2 "
           "WHEN r.name_initials LIKE ? THEN 3 ELSE 4 END)")
    return key, [term.upper(), f"{term}%", f"{term.lower()}%", f"{term.lower()}%"]


class RosterQuery(msgspec.Struct, kw_only=True):
    status: str | None = None
    kind: str | None = None
    tier: str | None = None
    sector: str | None = None
    library: str | None = None
    growth_stage: str | None = None
    q: str | None = None
    as_of: date | None = None
    known_as_of: str | None = None  # a UTC instant (`known_instant`): the periods as recorded then
    sort: str = "applied"  # a key of SORTS, "-" in front for descending


class _Source(NamedTuple):
    """Where a roster query reads: its FROM and WHERE (after the SELECT's columns), the FROM and
    WHERE that count it, and the columns naming a row's organisation and its applied position."""
    sql: str
    params: list[Any]
    count_sql: str
    count_params: list[Any]
    id_col: str = "r.id"
    position_col: str = "r.applied_position"


def _where(query: RosterQuery, *, roster_order: bool = False) -> _Source:
    """The roster query's source. As of a date (or as known at an instant) it reads the periods
    open then; every period belongs to exactly one roster row (both are written from the same
    document), so with no filter on the roster's own columns the periods are read alone, in
    the roster's order (their applied_position), and counted alone; `roster_order`: the page
    is sorted by a roster column other than the applied order, so the roster is joined."""
    clauses: list[str] = []
    params: list[Any] = []
    periods_table = ""  # as of a date, or as known at an instant: the periods read
    period_clauses: list[str] = []  # the clauses on the periods alone, and theirs
    period_params: list[Any] = []
    if query.known_as_of is not None:
        # What the records said at that instant about the day asked (the instant's day by default).
        day = (query.as_of.isoformat() if query.as_of else query.known_as_of[:10])
        period_clauses += ["p.known_from <= ?", "p.known_to > ?", "p.valid_from <= ?", "p.valid_to > ?"]
        instant = instant_number(query.known_as_of)
        period_params += [instant, instant, day_number(day), day_number(day)]
        periods_table = "view_roster_known"
    elif query.as_of is not None:
        day = query.as_of.isoformat()
        period_clauses += ["p.valid_from <= ?", "(p.valid_to IS NULL OR p.valid_to > ?)"]
        period_params += [day, day]
        periods_table = "view_roster_periods"
    status_col, tier_col = ("p.status", "p.tier") if periods_table else ("r.status", "r.tier")
    for column, value in ((status_col, query.status), (tier_col, query.tier), ("r.kind", query.kind),
                          ("r.sector", query.sector), ("r.growth_stage", query.growth_stage)):
        if value:
            if column.startswith("p."):
                period_clauses.append(f"{column} = ?")
                period_params.append(value)
            else:
                clauses.append(f"{column} = ?")
                params.append(value)
    if query.library:
        clauses.append("r.libraries_key LIKE ?")
        params.append(f"%,{query.library},%")
    for term in (query.q or "").split():
        # Chinese names have no word breaks: each term matches anywhere in the name, or in its
        # pinyin or initials as people type them (厦门: xiamen, xm); a credit code only whole.
        spelled = f"%{term.lower()}%"
        clauses.append("(r.name LIKE ? OR r.name_pinyin LIKE ? OR r.name_initials LIKE ? OR r.credit_code = ?)")
        params += [f"%{term}%", spelled, spelled, term.upper()]
    columns = f"{status_col} AS status_then, {tier_col} AS tier_then"
    if not periods_table:
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return _Source(f"{columns} FROM view_roster r{where}", params, f" FROM view_roster r{where}", list(params))
    periods_where = " AND ".join(period_clauses)
    alone = f" FROM {periods_table} p WHERE {periods_where}"
    if not clauses and not roster_order:  # the periods alone
        return _Source(columns + alone, period_params, alone, list(period_params), "p.org_id", "p.applied_position")
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f" FROM view_roster r JOIN {periods_table} p ON p.org_id = r.id AND {periods_where}{where}"
    both = [*period_params, *params]
    if not clauses:
        return _Source(columns + sql, both, alone, list(period_params), "r.id", "p.applied_position")
    return _Source(columns + sql, both, sql, list(both), "r.id", "p.applied_position")


def list_members(db: ViewDatabase, query: RosterQuery, *, limit: int, cursor: str | None,
                 with_total: bool = True, open_personal: bool = True,
                 ) -> tuple[list[dict[str, Any]], str | None, int | None]:
    """One page of the roster; `cursor` continues it. Raises ValueError for a
    cursor we did not make or an unknown sort.

    The page's ids and sort keys are chosen from the indexes alone (QUERY_DDL), and only that
    page's documents are read and decoded. `open_personal=False` leaves personal fields (the
    contacts) sealed, for a caller that shows none of them; the answer is otherwise the same."""
    descending = query.sort.startswith("-")
    key = SORTS.get(query.sort.lstrip("-"))
    if key is None:
        raise ValueError("sort")
    key_params: list[Any] = []
    numeric = key == SORTS["applied"]
    if query.sort.lstrip("-") == "relevance":
        key, key_params = relevance_key(query.q)
        numeric = True
    source = _where(query, roster_order=not numeric or bool(key_params))
    if numeric and not key_params:
        key = source.position_col  # the applied order, read from the periods' index as of a date
    position = source.position_col
    page_sql = f"SELECT {source.id_col} AS id, {key} AS sort_key, {position} AS pos, " + source.sql
    page_params = [*key_params, *source.params]
    if cursor:
        value, after = decode_cursor(cursor, int if numeric else str)
        op = "<" if descending else ">"
        joiner = " AND " if " WHERE " in page_sql else " WHERE "
        page_sql += f"{joiner}({key} {op} ? OR ({key} = ? AND {position} {op} ?))"
        page_params += [*key_params, value, *key_params, value, after]
    direction = "DESC" if descending else "ASC"
    order = f"{key} {direction}" if key == position else f"{key} {direction}, {position} {direction}"
    page_sql += f" ORDER BY {order} LIMIT ?"
    page_params += [*key_params, limit + 1] if key_params else [limit + 1]
    outer = ("SELECT d.doc, s.sort_key, s.pos, s.status_then, s.tier_then "
             f"FROM ({page_sql}) s JOIN view_roster d ON d.id = s.id "
             f"ORDER BY s.sort_key {direction}, s.pos {direction}")
    count_source, count_params = source.count_sql, source.count_params
    with db.read() as tx:
        rows = tx.fetchall(outer, page_params)
        total = int(tx.scalar("SELECT COUNT(*)" + count_source, count_params)) if with_total else None
    raws = [row["doc"] for row in rows[:limit]]
    docs = []
    for row, raw in zip(rows, raws, strict=False):
        doc = _without_keys(decode_doc(raw))
        if query.as_of is not None or query.known_as_of is not None:
            doc.update(status=row["status_then"], tier=row["tier_then"])
            if query.as_of is not None:
                doc["as_of"] = query.as_of.isoformat()
            if query.known_as_of is not None:
                doc["known_as_of"] = query.known_as_of
        docs.append(doc)
    if open_personal:
        docs = _open_page(db, raws, docs)  # personal fields are sealed in the view: opened here
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1]
        nxt = encode_cursor(last["sort_key"], int(last["pos"]))
    return docs, nxt, total


# The keys of a document that may hold sealed values, walked first (the rest after, if need be).
_PERSONAL_FIRST = ("contacts", "pending_application")


def _open_page(db: ViewDatabase, raws: list[Any], docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`projections.personal.opened` for a page of documents, every key fetched at once, without
    walking what holds no sealed value: a document whose JSON has no "sealed" key is answered as
    it is, and in one that has, the walk stops once it has found as many sealed values as the
    text holds (a sealed value is the one object with a "sealed" key; its fields are ciphertext)."""
    found: list[tuple[int, list[str]]] = []  # (index of the doc, its top-level keys holding sealed values)
    wanted: set[str] = set()
    for i, (raw, doc) in enumerate(zip(raws, docs, strict=True)):
        text = raw if isinstance(raw, str) else bytes(raw).decode()
        expected = text.count('"sealed"')
        if not expected:
            continue
        seen = 0
        holding: list[str] = []
        for name in (*(k for k in _PERSONAL_FIRST if k in doc), *(k for k in doc if k not in _PERSONAL_FIRST)):
            people: set[str] = set()
            count = _sealed_in(doc[name], people)
            if count:
                holding.append(name)
                wanted |= people
                seen += count
                if seen >= expected:
                    break
        if holding:
            found.append((i, holding))
    if not wanted:
        return docs
    keys = keys_for(db).keys_of(wanted)
    for i, holding in found:
        docs[i] = {**docs[i], **{name: _open_values(docs[i][name], keys) for name in holding}}
    return docs


def _sealed_in(value: Any, people: set[str]) -> int:
    if is_sealed(value):
        people.add(person_of(value))
        return 1
    if isinstance(value, dict):
        return sum(_sealed_in(v, people) for v in value.values())
    if isinstance(value, list):
        return sum(_sealed_in(v, people) for v in value)
    return 0


def _open_values(value: Any, keys: dict[str, bytes]) -> Any:
    if is_sealed(value):
        return open_with(keys.get(person_of(value)), value)
    if isinstance(value, dict):
        return {k: _open_values(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [_open_values(v, keys) for v in value]
    return value


def owing_dues(db: ViewDatabase, year: int) -> list[tuple[str, date | None]]:
    """(id, admitted_on) of members in good standing with no dues for `year`."""
    with db.read() as tx:
        rows = tx.fetchall(
            "SELECT id, admitted_on FROM view_roster WHERE status IN ('admitted', 'suspended') "
            "AND dues_key NOT LIKE ?", (f"%,{year},%",))
    return [(r["id"], date.fromisoformat(r["admitted_on"]) if r["admitted_on"] else None) for r in rows]


def get_member(db: ViewDatabase, org_id: str, *, with_changes: bool = False) -> dict[str, Any] | None:
    """The organisation's current state; `with_changes`: and its latest changes (RECENT_CHANGES,
    oldest first; every change is on its history, GET /members/{id}/history)."""
    with db.read() as tx:
        row = tx.fetchone("SELECT doc FROM view_roster WHERE id = ?", (org_id,))
        if row is None:
            return None
        doc = _opened(tx, decode_doc(row["doc"]))
        if with_changes:
            recent = tx.fetchall(f"SELECT entry FROM {CHANGES} WHERE org_id = ? ORDER BY position DESC LIMIT ?",
                                 (org_id, RECENT_CHANGES))
            doc["changes"] = [decode_doc(r["entry"]) for r in reversed(recent)]
        return opened(db, doc)  # personal fields opened with their keys


INTERNAL = ("dues_key", "libraries_key", "applied_position")  # the view's own search keys, not the answer's


def _opened(tx: Tx, doc: dict[str, Any]) -> dict[str, Any]:
    """The document as answered: without the view's own search keys. (Personal fields stay
    sealed in the view; the callers open them with projections.personal.opened.)"""
    return _without_keys(doc)


def _without_keys(doc: dict[str, Any]) -> dict[str, Any]:
    for key in INTERNAL:
        doc.pop(key, None)
    return doc


def encode_cursor(value: Any, position: int) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode([value, position])).decode().rstrip("=")


# What a cursor of ours holds: the sort key's value (a position for "applied",
# text otherwise) and the row's position, a 64-bit integer in both backends.
_CURSOR_POSITION = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
_CURSOR_TEXT = Annotated[str, msgspec.Meta(max_length=1000, pattern=r"^[^\x00]*\Z")]  # PostgreSQL: no NUL


def decode_cursor(cursor: str, value_type: type = str) -> tuple[Any, int]:
    """Raises ValueError for a cursor we did not make: not base64 or JSON, the
    wrong shape, a value of another type than the sort key's (PostgreSQL would
    refuse to compare them), or a number no 64-bit column holds."""
    kind = _CURSOR_POSITION if value_type is int else _CURSOR_TEXT
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, position = msgspec.json.decode(raw, type=tuple[kind, _CURSOR_POSITION])
    except (ValueError, TypeError, msgspec.DecodeError) as exc:
        raise ValueError("cursor") from exc
    return value, position


def member_as_known(db: ViewDatabase, app: Any, org_id: str, instant: str) -> dict[str, Any] | None:
    """The organisation's profile as the records stood at `instant` (known_instant): its events
    recorded by then, folded by the roster's own handlers; None if it was not yet known."""
    events = recorded_by(db, app, [org_id], instant)
    if not events:
        return None
    doc: dict[str, Any] = {"id": org_id}
    for position, event in events:
        handler = RosterView.handlers.get(type(event))
        if handler is not None:
            handler(doc, event, position)
    doc["known_as_of"] = instant
    doc["changes"] = doc.get("changes", [])[-RECENT_CHANGES:]
    return opened(db, _without_keys(doc))
