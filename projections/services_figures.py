"""Enterprise services' figures for a period: visits and forums, organisations visited, the
ledger's requests received / closed / resolved / explained / overdue and the median days to
close, surveys' response rate and average satisfaction, check-ups held, and each unit's visit
coverage per quarter (every quarter the period touches)."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date
from statistics import median
from typing import Annotated, Any

from msgspec import Meta, Struct

from domain.services import quarter_of
from projections.figures import Figures, Period
from projections.services_queries import all_units, coverage, rating_values
from projections.view import decode_doc


class QuarterCoverage(Struct, frozen=True):
    unit_id: Annotated[str, Meta(description="服务处室标识 (service unit id)")]
    unit: Annotated[str, Meta(description="服务处室 (the unit's name)")]
    quarter: Annotated[str, Meta(description="季度 YYYY-Qn (quarter)")]
    hooked: Annotated[int, Meta(description="挂钩单位数 (organisations hooked during the quarter)")]
    visited: Annotated[int, Meta(description="已走访单位数 (visited at least once)")]
    not_visited: Annotated[int, Meta(description="未走访单位数 (not visited)")]


class ServiceFigures(Struct, frozen=True):
    visits: Annotated[int, Meta(description="走访次数（期内走访日期）(visits made)")]
    forums: Annotated[int, Meta(description="恳谈会次数 (forums held)")]
    organisations_visited: Annotated[int, Meta(description="走访覆盖单位数 (organisations visited at least once)")]
    requests_received: Annotated[int, Meta(description="收到诉求数 (requests received)")]
    requests_closed: Annotated[int, Meta(description="办结次数 (closures in the period)")]
    requests_resolved: Annotated[int, Meta(description="已解决 (closed as resolved)")]
    requests_explained: Annotated[int, Meta(description="已说明 (closed as explained)")]
    requests_overdue: Annotated[int, Meta(description="期内被标记逾期的诉求数 (requests flagged overdue)")]
    median_days_to_close: Annotated[float | None, Meta(
        description="办结用时中位数（自然日），无办结为空 (median calendar days from receipt to closure)")]
    surveys_sent: Annotated[int, Meta(description="发放问卷数 (surveys sent)")]
    survey_response_rate: Annotated[float | None, Meta(
        description="问卷回收率 0–1，无问卷为空 (answers over organisations surveyed)")]
    average_satisfaction: Annotated[float | None, Meta(
        description="平均满意度 1–5（评分题），无评分为空 (average of rating answers)")]
    checkups_held: Annotated[int, Meta(description="创新体检家次 (check-ups held)")]
    coverage: Annotated[list[QuarterCoverage], Meta(
        description="各处室每季度走访覆盖（与期间相交的季度）(each unit's coverage per quarter of the period)")]


class _Within:
    """The period's read transaction where the queries expect a database (they only read)."""

    def __init__(self, tx: Any):
        self.tx = tx

    def read(self) -> Any:
        return nullcontext(self.tx)


def _quarters(start: date, end: date) -> list[str]:
    found = []
    year, q = start.year, (start.month - 1) // 3 + 1
    while date(year, 3 * q - 2, 1) <= end:
        found.append(f"{year}-Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return found


def _coverage(tx: Any, period: Period) -> list[QuarterCoverage]:
    db, today = _Within(tx), date.fromisoformat(period.now[:10])
    rows = []
    for unit in all_units(db):
        for quarter in _quarters(period.start, period.end):
            first, last = quarter_of(quarter)
            c = coverage(db, unit, quarter, first, last, today)["counts"]
            rows.append(QuarterCoverage(unit_id=unit["id"], unit=unit["name"], quarter=quarter, **c))
    return rows


def _docs(tx: Any, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [decode_doc(r["doc"]) for r in tx.fetchall(sql, params)]


def count(tx: Any, period: Period) -> ServiceFigures:
    first, last = period.start.isoformat(), period.end.isoformat()
    held = _docs(tx, "SELECT doc FROM view_service_visits WHERE visited_on >= ? AND visited_on <= ?", (first, last))
    visits = [v for v in held if v["kind"] == "visit"]
    # Closures and flags may come long after receipt: every request received by the period's end is read.
    requests = _docs(tx, "SELECT doc FROM view_service_requests WHERE received_on <= ?", (last,))
    closures = [(r, c) for r in requests for c in r["closures"] if first <= c["closed_on"] <= last]
    days = [(date.fromisoformat(c["closed_on"]) - date.fromisoformat(r["received_on"])).days for r, c in closures]
    overdue = [r for r in requests if any(first <= f["flagged_on"] <= last for f in r["overdue_flags"])]
    surveys = _docs(tx, "SELECT doc FROM view_service_surveys WHERE sent_on >= ? AND sent_on <= ?", (first, last))
    sent = sum(len(s["organisation_ids"]) for s in surveys)
    ratings = [v for s in surveys for v in rating_values(s)]
    checkups = tx.scalar("SELECT COUNT(*) FROM view_service_checkups WHERE held_on >= ? AND held_on <= ?",
                         (first, last))
    return ServiceFigures(
        visits=len(visits), forums=len(held) - len(visits),
        organisations_visited=len({o for v in visits for o in v["organisation_ids"]}),
        requests_received=sum(1 for r in requests if r["received_on"] >= first),
        requests_closed=len(closures),
        requests_resolved=sum(1 for _, c in closures if c["outcome"] == "resolved"),
        requests_explained=sum(1 for _, c in closures if c["outcome"] == "explained"),
        requests_overdue=len(overdue), median_days_to_close=float(median(days)) if days else None,
        surveys_sent=len(surveys),
        survey_response_rate=round(sum(len(s["answers"]) for s in surveys) / sent, 4) if sent else None,
        average_satisfaction=round(sum(ratings) / len(ratings), 2) if ratings else None,
        checkups_held=int(checkups or 0), coverage=_coverage(tx, period))


FIGURES = Figures("services", "企业服务 (enterprise services)", ServiceFigures, count)
