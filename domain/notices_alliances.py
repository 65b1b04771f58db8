"""What the alliance programme tells (企会协作通知): the secretariat of a submitted alliance,
an objection and a filed report; the parties of a report gone overdue."""

from __future__ import annotations

from typing import Any

from domain.notices import Audience, Fact, Rule, Template


def _staff(fact: Fact, names: Any) -> Audience:
    return Audience(staff=True)


def _title(fact: Fact, names: Any) -> dict[str, Any]:
    return {"title": names.title(fact["aggregate_id"])}


_REPORT = {"annual": ("年度", "annual"), "completion": ("总结", "completion")}


def _report(fact: Fact, names: Any) -> dict[str, Any]:
    zh, en = _REPORT.get(fact["data"]["report_kind"], (fact["data"]["report_kind"],) * 2)
    return {**_title(fact, names), "year": fact["data"]["year"], "report_zh": zh, "report_en": en,
            "due_on": fact["data"].get("due_on") or "—"}


NOTICES = (
    Rule("Alliance.Submitted", "alliance_submitted", "联盟申报",
         Template("新联盟申报：{title}", "联盟「{title}」已提交申报，请进行资格审查。",
                  "Alliance submitted: {title}", "The alliance \"{title}\" was submitted; please screen it."),
         _staff, _title),
    Rule("Alliance.Objected", "objection_submitted", "公示异议",
         Template("收到公示异议：{title}", "联盟「{title}」在公示期间收到一份异议，请处理。",
                  "Objection received: {title}", "An objection to \"{title}\" was lodged during its public notice."),
         _staff, _title),
    Rule("Alliance.ReportFiled", "report_submitted", "报告提交",
         Template("报告已提交：{title}", "联盟「{title}」提交了 {year} 年{report_zh}报告，请审阅。",
                  "Report filed: {title}", "\"{title}\" filed its {year} {report_en} report; please review it."),
         _staff, _report),
    Rule("Alliance.ReportOverdue", "report_overdue", "报告逾期",
         Template("报告已逾期：{title}", "联盟「{title}」{year} 年{report_zh}报告应于 {due_on} 前提交，现已逾期。",
                  "Report overdue: {title}", "\"{title}\"'s {year} {report_en} report was due {due_on}."),
         lambda f, n: Audience(organisations=n.parties(f["aggregate_id"])), _report),
)
