"""报告、检查与结题: an approved alliance reports (四（四）"按年度或在完成任务后…
报送任务完成情况和总结报告"), is inspected at any time, rectifies what an
inspection found, and is concluded with a grade once its completion report is
accepted. The commands of `domain.alliances.Alliance`; the facts they record
(`ReportFiled`, `ReportJudged`, `ReportOverdue`, `Inspected`,
`RectificationClosed`, `Concluded`) are its @event methods.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from domain.alliance_agreement import effective_day, reason_given
from domain.alliance_values import progress_of
from domain.errors import DomainError, InvalidValue
from domain.values import Actor
from domain.vocabularies import (
    REPORT_KIND_NAMES,
    CorrectableDecision,
    Grade,
    Rating,
    ReportKind,
    keys,
    label,
    require_key,
)

# The decisions whose effective day may be corrected (each by an event of its own).
CORRECTABLE = keys(CorrectableDecision)


class Reporting:
    """Mixed into Alliance: reports and their deadlines, inspections, the conclusion."""

    def annual_report_years(self) -> list[int]:
        """The full calendar years of the agreed period, but the last: its report is
        the completion report. A part-year asks for no annual report."""
        starts_on, ends_on = self.agreement.starts_on, self.agreement.ends_on
        first = starts_on.year if starts_on <= date(starts_on.year, 1, 1) else starts_on.year + 1
        return [y for y in range(first, ends_on.year + 1) if date(y, 12, 31) < ends_on]

    def file_report(self, *, report_id: str, kind: str, year: int, progress: list[dict[str, Any]],
                    spending_fen: int, outcomes: str, actor: Actor, received_on: date | None = None,
                    today: date | None = None) -> str:
        """年度报告 / 总结报告. Filing again for a returned report is its resubmission.
        `received_on`: the day it reached the secretariat (a paper report entered later; never
        in the future), today by default (the association's day, passed as `today`)."""
        self.require_status("file a report", "in_progress")
        require_key(ReportKind, kind, "kind")
        if spending_fen < 0:
            raise InvalidValue("支出不能为负 (spending must not be negative)", field="spending_fen")
        starts_on, ends_on = self.agreement.starts_on, self.agreement.ends_on
        if kind == "annual" and not starts_on.year <= year <= ends_on.year:
            raise InvalidValue(f"年度报告的年份须在协议期 {starts_on.year}–{ends_on.year} 内 (year outside the "
                               "agreed period)", field="year")
        key = f"{kind}:{year}"
        existing = next((rid for rid, r in self.reports.items() if r.key == key), None)
        if existing is not None and self.reports[existing].status != "returned":
            raise DomainError("该报告已提交 (this report was already filed)", code="report_exists", field="year")
        report_id = existing or report_id
        self._report_filed(report_id=report_id, report_kind=kind, year=year, progress=progress_of(progress),
                           spending_fen=spending_fen, outcomes=outcomes, actor=actor,
                           received_on=effective_day(received_on, today, "received_on") if today is not None
                           else received_on)
        return report_id

    def judge_report(self, *, report_id: str, accept: bool, comment: str | None, actor: Actor) -> None:
        report = self.reports.get(report_id)
        if report is None:
            raise DomainError("报告不存在 (no such report)", code="not_found", field="report_id")
        if report.status != "filed":
            raise DomainError("报告不在待审状态 (the report is not awaiting a decision)", code="report_not_pending")
        if not accept:
            comment = reason_given(comment, "reasons")
        self._report_judged(report_id=report_id, accepted=accept, actor=actor, reason=comment)

    def reports_due(self, today: date, *, annual_due_days: int | None,
                    completion_due_days: int | None) -> list[tuple[str, int, date]]:
        """(kind, year, due date) of every report that should have been filed by
        `today`, by the programme's deadlines: an annual report `annual_due_days`
        after each full year ends, the completion report `completion_due_days` after
        the agreed end. A deadline the programme has not set asks for nothing."""
        if self.status != "in_progress":
            return []
        due = []
        if annual_due_days is not None:
            due += [("annual", y, date(y, 12, 31) + timedelta(days=annual_due_days))
                    for y in self.annual_report_years()]
        if completion_due_days is not None:
            ends_on = self.agreement.ends_on
            due.append(("completion", ends_on.year, ends_on + timedelta(days=completion_due_days)))
        filed = {r.key for r in self.reports.values()}
        return [(kind, year, on) for kind, year, on in due
                if on < today and f"{kind}:{year}" not in filed and f"{kind}:{year}" not in self.flagged]

    def flag_overdue_reports(self, *, today: date, actor: Actor, annual_due_days: int | None = None,
                             completion_due_days: int | None = None) -> int:
        """报告逾期 (the scheduler): each missing report is flagged once."""
        overdue = self.reports_due(today, annual_due_days=annual_due_days, completion_due_days=completion_due_days)
        for kind, year, due_on in overdue:
            self._report_overdue(report_kind=kind, year=year, due_on=due_on, actor=actor,
                                 reason=f"{year} 年{label(REPORT_KIND_NAMES, kind)}应于 {due_on} 前提交 "
                                        f"(report due {due_on})")
        return len(overdue)

    # -- inspections and the end -------------------------------------------------------------------
    def inspect(self, *, inspection_id: str, inspected_on: date, inspectors: list[Any], findings: str,
                rating: str, rectification_due_on: date | None, actor: Actor) -> None:
        """检查评估 at any time after approval; may set a rectification deadline."""
        self.require_status("inspect", "in_progress")
        require_key(Rating, rating, "rating")
        if not inspectors:
            raise InvalidValue("至少一名检查人员 (at least one inspector)", field="inspectors")
        self._inspected(inspection_id=inspection_id, inspected_on=inspected_on, inspectors=inspectors,
                        findings=findings, rating=rating, rectification_due_on=rectification_due_on, actor=actor)

    def close_rectification(self, *, inspection_id: str, note: str, actor: Actor) -> None:
        """整改完成: an inspection's rectification is closed, with a note."""
        found = self.rectifications.get(inspection_id)
        if found is None or found.status != "open":
            raise DomainError("没有待整改的事项 (no open rectification)", code="not_found", field="inspection_id")
        self._rectification_closed(inspection_id=inspection_id, actor=actor, reason=reason_given(note, "note"))

    def conclude(self, *, grade: str, actor: Actor, today: date | None = None, concluded_on: date | None = None,
                 ) -> None:
        """结题 with a grade, once the completion report is accepted; `concluded_on` the day of the decision."""
        self.require_status("conclude", "in_progress")
        require_key(Grade, grade, "grade")
        if not any(r.kind == "completion" and r.status == "accepted" for r in self.reports.values()):
            raise DomainError("总结报告尚未通过 (the completion report is not accepted)",
                              code="completion_report_missing")
        day = effective_day(concluded_on, today, "concluded_on") if today is not None else concluded_on
        self._concluded(grade=grade, actor=actor, effective_on=day)

    def effective_dates(self) -> dict[str, date]:
        """The effective day of each correctable decision taken so far."""
        found = {what: getattr(self, f"{what}_on", None) for what in CORRECTABLE}
        return {what: day for what, day in found.items() if day is not None}

    def rectifications_overdue(self, today: date) -> list[tuple[str, date]]:
        """(inspection, deadline) of each rectification still open after its deadline, not yet flagged."""
        return [(i, r.due_on) for i, r in self.rectifications.items()
                if r.status == "open" and r.due_on < today and not r.flagged]

    def flag_overdue_rectifications(self, *, today: date, actor: Actor) -> int:
        """整改逾期 (the scheduler): each missed rectification deadline is flagged once."""
        overdue = self.rectifications_overdue(today)
        for inspection_id, due_on in overdue:
            self._rectification_overdue(inspection_id=inspection_id, due_on=due_on, actor=actor,
                                        reason=f"整改应于 {due_on} 前完成 (rectification due {due_on})")
        return len(overdue)

    def correct_date(self, *, what: str, on: date, today: date, actor: Actor, reason: str,
                     ref: str | None = None) -> None:
        """更正生效日期: a wrong effective date is corrected by an event of its own (never an edit)."""
        current = self.effective_dates()
        require_key(CorrectableDecision, what, "what")
        if what not in current:
            raise DomainError("该事项尚未发生 (nothing of that kind has happened yet)", code="not_found", field="what")
        day = effective_day(on, today, "on")
        if day == current[what]:
            raise InvalidValue("日期未改变 (the date is unchanged)", field="on")
        self._date_corrected(what=what, ref=ref, on=day, previous=current[what], actor=actor,
                             reason=reason_given(reason))
