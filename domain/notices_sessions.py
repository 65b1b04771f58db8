"""What the sessions context tells (活动通知): registrants of their seat, a promotion from the
waitlist, a cancelled or rescheduled session."""

from __future__ import annotations

from typing import Any

from domain.notices import Audience, Fact, Rule, Template


def _org(fact: Fact, names: Any) -> Audience:
    return Audience(organisations=[fact["data"]["organisation_id"]])


def _registrants(fact: Fact, names: Any) -> Audience:
    return Audience(organisations=list(fact["data"]["registrants"]))


def _session(fact: Fact, names: Any) -> dict[str, Any]:
    s = names.subject(fact["aggregate_id"])
    return {"title": s.get("title", "—"), "starts_at": names.local(s.get("starts_at")), "venue": s.get("venue", "—")}


NOTICES = (
    Rule("Session.Registered", "registration_confirmed", "报名确认",
         Template("报名已确认：{title}", "您单位报名的「{title}」已确认，时间 {starts_at}，地点 {venue}。",
                  "Registration confirmed: {title}",
                  "Your organisation's registration for \"{title}\" is confirmed: {starts_at} at {venue}."),
         _org, _session, when=lambda f: f["data"]["outcome"] == "confirmed"),
    Rule("Session.Registered", "registration_waitlisted", "进入候补",
         Template("已进入候补：{title}", "「{title}」名额已满，您单位已进入候补名单，有空位时将按顺序递补。",
                  "Waitlisted: {title}",
                  "\"{title}\" is full; your organisation is on the waitlist and moves up as seats free."),
         _org, _session, when=lambda f: f["data"]["outcome"] == "waitlisted"),
    Rule("Session.Promoted", "promoted", "候补递补",
         Template("候补递补成功：{title}",
                  "您单位已由候补递补为「{title}」的正式参会单位，时间 {starts_at}，地点 {venue}。",
                  "Promoted from the waitlist: {title}",
                  "A seat freed: your organisation is now confirmed for \"{title}\", {starts_at} at {venue}."),
         _org, _session),
    Rule("Session.Cancelled", "session_cancelled", "活动取消",
         Template("活动取消：{title}", "「{title}」已取消。原因：{reason}",
                  "Session cancelled: {title}", "\"{title}\" has been cancelled. Reason: {reason}"),
         _registrants, lambda f, n: {**_session(f, n), "reason": f["reason"] or "—"}),
    Rule("Session.Rescheduled", "session_rescheduled", "活动改期",
         Template("活动改期：{title}", "「{title}」改期至 {new_start}。原因：{reason}",
                  "Session rescheduled: {title}", "\"{title}\" now starts {new_start}. Reason: {reason}"),
         _registrants, lambda f, n: {**_session(f, n), "reason": f["reason"] or "—",
                                     "new_start": n.local(f["data"]["starts_at"])}),
)
