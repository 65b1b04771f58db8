"""Reminders (提醒): recorded by the scheduler as `Reminder.Recorded` events (so each is sent
once and shows on the organisation's history); one rule per kind of reminder."""

from __future__ import annotations

from domain.notices import Audience, Rule, Template

TEMPLATES = {
    "session_tomorrow": ("活动提醒", Template(
        "明日活动：{title}", "「{title}」将于 {starts_at} 在 {venue} 举行，请准时签到（开始前 1 小时起可签到）。",
        "Tomorrow: {title}", "\"{title}\" starts {starts_at} at {venue}; check-in opens an hour before.")),
    "registration_closing": ("报名截止提醒", Template(
        "报名即将截止：{title}", "「{title}」报名将于 {closes_at} 截止。",
        "Registration closing: {title}", "Registration for \"{title}\" closes {closes_at}.")),
    "dues_due": ("会费提醒", Template(
        "{year} 年会费待缴", "「{name}」{year} 年会费尚未缴纳，宽限期至 {grace_ends_on}。",
        "{year} dues unpaid", "\"{name}\"'s dues for {year} are unpaid; the grace period ends {grace_ends_on}.")),
    "lapse_approaching": ("会籍失效提醒", Template(
        "会籍将于 {grace_ends_on} 失效", "「{name}」{year} 年会费未缴，如 {grace_ends_on} 前仍未缴纳，会籍将失效。",
        "Membership lapses {grace_ends_on}",
        "\"{name}\"'s {year} dues are unpaid: the membership lapses after {grace_ends_on}.")),
    "report_due_30": ("报告到期提醒", Template(
        "报告 30 天后到期：{title}", "联盟「{title}」{year} 年度报告应于 {due_on} 前提交（还有 30 天）。",
        "Report due in 30 days: {title}", "\"{title}\"'s {year} annual report is due {due_on} (30 days).")),
    "rectification_due": ("整改到期提醒", Template(
        "整改将于 {due_on} 到期：{title}", "联盟「{title}」检查发现的问题须于 {due_on} 前完成整改（还有 {days} 天）。",
        "Rectification due {due_on}: {title}",
        "\"{title}\" must rectify what its inspection found by {due_on} ({days} days).")),
    "report_due_7": ("报告到期提醒", Template(
        "报告 7 天后到期：{title}", "联盟「{title}」{year} 年度报告应于 {due_on} 前提交（还有 7 天）。",
        "Report due in 7 days: {title}", "\"{title}\"'s {year} annual report is due {due_on} (7 days).")),
}


def _rule(kind: str) -> Rule:
    label, template = TEMPLATES[kind]
    return Rule("Reminder.Recorded", kind, label, template,
                lambda f, n: Audience(organisations=list(f["data"]["organisation_ids"])),
                lambda f, n: dict(f["data"]["values"]), when=lambda f: f["data"]["kind"] == kind)


NOTICES = tuple(_rule(kind) for kind in TEMPLATES)
