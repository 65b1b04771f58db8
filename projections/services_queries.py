"""Reading enterprise services: who a unit is hooked to in a period (rules resolved against the
roster), quarterly coverage, the ledger's filtered lists, the year-end list, survey results
and an organisation's check-up trend."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.services_surveys import DIMENSIONS
from projections.roster import RosterQuery, list_members
from projections.sessions import REGISTRATIONS
from projections.store import ViewDatabase
from projections.view import decode_doc

OPEN = ("received", "assigned", "reopened")


def get_doc(db: ViewDatabase, table: str, doc_id: str) -> dict[str, Any] | None:
    with db.read() as tx:
        row = tx.fetchone(f"SELECT doc FROM {table} WHERE id = ?", (doc_id,))
    return decode_doc(row["doc"]) if row else None


def _in_list(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join('?' for _ in values)})"


def names(db: ViewDatabase, org_ids: list[str]) -> dict[str, str]:
    """Organisations' names from the roster."""
    found: dict[str, str] = {}
    ids = sorted(set(org_ids))
    with db.read() as tx:
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for r in tx.fetchall(f"SELECT id, name FROM view_roster WHERE {_in_list('id', chunk)}", chunk):
                found[r["id"]] = r["name"]
    return found


def by_rule(db: ViewDatabase, rule: dict[str, str], as_of: date) -> list[str]:
    """Admitted members matching the rule on `as_of` (membership as of that day; library, growth
    stage and sector as the roster holds them now)."""
    query = RosterQuery(status="admitted", as_of=as_of, library=rule.get("library"),
                        growth_stage=rule.get("growth_stage"), sector=rule.get("sector"))
    found: list[str] = []
    cursor = None
    while True:
        docs, cursor, _ = list_members(db, query, limit=500, cursor=cursor, with_total=False, open_personal=False)
        found += [d["id"] for d in docs]
        if cursor is None:
            return found


def hooked(db: ViewDatabase, unit: dict[str, Any], first: date, last: date, today: date) -> list[str]:
    """The organisations the unit is hooked to at some time between `first` and `last`."""
    found: dict[str, None] = {}
    for hookup in unit["hookups"]:
        if hookup["starts_on"] > last.isoformat() or (hookup["ends_on"] and hookup["ends_on"] < first.isoformat()):
            continue
        if hookup["rule"]:
            found.update(dict.fromkeys(by_rule(db, hookup["rule"], min(last, today))))
        else:
            found.update(dict.fromkeys(hookup["organisation_ids"]))
    return list(found)


def visits_between(db: ViewDatabase, first: date, last: date, unit_id: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT doc FROM view_service_visits WHERE visited_on >= ? AND visited_on <= ?"
    params: list[Any] = [first.isoformat(), last.isoformat()]
    if unit_id is not None:
        sql += " AND unit_id = ?"
        params.append(unit_id)
    with db.read() as tx:
        return [decode_doc(r["doc"]) for r in tx.fetchall(sql + " ORDER BY visited_on, id", params)]


def coverage(db: ViewDatabase, unit: dict[str, Any], quarter: str, first: date, last: date,
             today: date) -> dict[str, Any]:
    """走访覆盖: each organisation hooked during the quarter with the unit's visits and forums that
    quarter; `not_visited` those with no visit (a forum does not count as the quarter's visit)."""
    orgs = hooked(db, unit, first, last, today)
    visits = visits_between(db, first, last, unit["id"])
    named = names(db, orgs)
    entries, missing = [], []
    for org in orgs:
        mine = [{"id": v["id"], "kind": v["kind"], "visited_on": v["visited_on"]}
                for v in visits if org in v["organisation_ids"]]
        entries.append({"organisation_id": org, "name": named.get(org), "visits": mine})
        if not any(v["kind"] == "visit" for v in mine):
            missing.append(org)
    return {"unit_id": unit["id"], "quarter": quarter, "from": first.isoformat(), "to": last.isoformat(),
            "organisations": entries, "not_visited": missing,
            "counts": {"hooked": len(orgs), "visited": len(orgs) - len(missing), "not_visited": len(missing)}}


def with_overdue(doc: dict[str, Any], today: date) -> dict[str, Any]:
    return {**doc, "overdue": doc["status"] in OPEN and doc["due_on"] < today.isoformat()}


def list_requests(db: ViewDatabase, *, today: date, organisation_id: str | None = None, unit_id: str | None = None,
                  owner_id: str | None = None, status: str | None = None, overdue: bool | None = None,
                  limit: int = 50, after: str | None = None, unit_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """The ledger, newest received first; `status=open` is any not closed; `overdue` compares the due
    date with today (the scheduler's flags are events; the list does not wait for them); `unit_ids`:
    assigned to one of these units."""
    where: list[str] = []
    params: list[Any] = []
    if unit_ids is not None:
        where.append(_in_list("unit_id", unit_ids) if unit_ids else "1 = 0")
        params += unit_ids
    for column, value in (("organisation_id", organisation_id), ("unit_id", unit_id), ("owner_id", owner_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if status == "open":
        where.append(_in_list("status", list(OPEN)))
        params += list(OPEN)
    elif status is not None:
        where.append("status = ?")
        params.append(status)
    if overdue is not None:
        where.append(("" if overdue else "NOT ") + f"({_in_list('status', list(OPEN))} AND due_on < ?)")
        params += [*OPEN, today.isoformat()]
    if after is not None:
        where.append("(received_on || id) < ?")
        params.append(after)
    sql = "SELECT doc FROM view_service_requests" + (f" WHERE {' AND '.join(where)}" if where else "")
    with db.read() as tx:
        rows = tx.fetchall(sql + " ORDER BY received_on DESC, id DESC LIMIT ?", [*params, limit])
    return [with_overdue(decode_doc(r["doc"]), today) for r in rows]


def year_end(db: ViewDatabase, units: list[dict[str, Any]], year: int, today: date) -> list[dict[str, Any]]:
    """年底挂钩联系企业问题专题会: requests of organisations hooked during the year that are still
    unresolved, or were closed as explained in that year."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    orgs: set[str] = set()
    for unit in units:
        orgs.update(hooked(db, unit, first, last, today))
    if not orgs:
        return []
    ids = sorted(orgs)
    found = []
    with db.read() as tx:
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            found += [decode_doc(r["doc"]) for r in tx.fetchall(
                f"SELECT doc FROM view_service_requests WHERE {_in_list('organisation_id', chunk)} "
                f"AND received_on <= ? AND ({_in_list('status', list(OPEN))} OR (status = 'explained' "
                "AND closed_on >= ? AND closed_on <= ?))", [*chunk, last.isoformat(), *OPEN, first.isoformat(),
                                                              last.isoformat()])]
    return sorted(found, key=lambda d: (d["received_on"], d["raised"]["position"]))


def all_surveys(db: ViewDatabase) -> list[dict[str, Any]]:
    with db.read() as tx:
        return [decode_doc(r["doc"]) for r in tx.fetchall("SELECT doc FROM view_service_surveys "
                                                          "ORDER BY sent_on DESC, id")]


def units_of(db: ViewDatabase, account_id: str) -> list[str]:
    """The units a staff account belongs to."""
    return [u["id"] for u in all_units(db) if account_id in u["staff"]]


def all_units(db: ViewDatabase) -> list[dict[str, Any]]:
    with db.read() as tx:
        return [decode_doc(r["doc"]) for r in tx.fetchall("SELECT doc FROM view_service_units ORDER BY name, id")]


def survey_results(survey: dict[str, Any], units: list[dict[str, Any]], hooked_now: dict[str, list[str]]) -> dict:
    """Per question (ratings: average and distribution; choices: counts; text: the answers), the
    response rate, and per unit the same for the organisations hooked to it."""
    answers = survey["answers"]

    def tally(orgs: list[str]) -> list[dict[str, Any]]:
        got = [answers[o]["answers"] for o in orgs if o in answers]
        out = []
        for q in survey["questions"]:
            values = [a[q["id"]] for a in got if q["id"] in a]
            entry: dict[str, Any] = {"question_id": q["id"], "kind": q["kind"], "text": q["text"],
                                     "answered": len(values)}
            if q["kind"] == "rating":
                entry["average"] = round(sum(values) / len(values), 2) if values else None
                entry["distribution"] = {str(n): values.count(n) for n in range(1, 6)}
            elif q["kind"] == "choice":
                entry["counts"] = {c: values.count(c) for c in q["choices"]}
            else:
                entry["texts"] = values
            out.append(entry)
        return out

    sent = survey["organisation_ids"]
    per_unit = []
    for unit in units:
        orgs = [o for o in sent if o in hooked_now.get(unit["id"], [])]
        if orgs:
            answered = sum(1 for o in orgs if o in answers)
            per_unit.append({"unit_id": unit["id"], "name": unit["name"], "sent": len(orgs), "answered": answered,
                             "questions": tally(orgs)})
    return {"survey_id": survey["id"], "title": survey["title"], "sent": len(sent), "answered": len(answers),
            "response_rate": round(len(answers) / len(sent), 4) if sent else 0.0,
            "questions": tally(sent), "units": per_unit}


def checkups_of(db: ViewDatabase, organisation_id: str) -> list[dict[str, Any]]:
    """An organisation's check-ups, oldest first, each with the change per dimension since the last."""
    with db.read() as tx:
        docs = [decode_doc(r["doc"]) for r in tx.fetchall(
            "SELECT doc FROM view_service_checkups WHERE organisation_id = ? ORDER BY held_on, id",
            (organisation_id,))]
    previous: dict[str, int] | None = None
    for doc in docs:
        doc["trend"] = {d: (doc["scores"][d] - previous[d]) if previous else None for d in DIMENSIONS}
        previous = doc["scores"]
    return docs


def rating_values(survey: dict[str, Any]) -> list[int]:
    ratings = {q["id"] for q in survey["questions"] if q["kind"] == "rating"}
    return [v for a in survey["answers"].values() for k, v in a["answers"].items() if k in ratings]


def attendees(db: ViewDatabase, session_id: str) -> list[str]:
    """The organisations that checked in at a session (a survey's audience)."""
    with db.read() as tx:
        return [r["organisation_id"] for r in tx.fetchall(
            f"SELECT organisation_id FROM {REGISTRATIONS} WHERE session_id = ? AND attendance = 'checked_in' "
            "ORDER BY queue_key", (session_id,))]
