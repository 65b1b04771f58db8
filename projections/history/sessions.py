"""Trainings and salons (活动) in the audit log, each line naming its session."""

from __future__ import annotations

from domain.sessions import Session as S
from domain.vocabularies import SESSION_KIND_NAMES, label
from projections.history import History, Names


def _scheduled(e: S.Scheduled, n: Names) -> str:
    n.remember_title(e.originator_id, e.title)
    return f"安排{label(SESSION_KIND_NAMES, e.kind)}「{e.title}」，容量 {e.capacity} 家"


def _rescheduled(e: S.Rescheduled, n: Names) -> str:
    return f"「{n.title(e.originator_id)}」改期至 {e.starts_at:%Y-%m-%d %H:%M} UTC：{e.reason}"


def _on(text: str):
    return lambda e, n: f"「{n.title(e.originator_id)}」{text}"


HISTORY = History(
    summaries={
        S.Scheduled: _scheduled,
        S.Registered: lambda e, n: (f"报名「{n.title(e.originator_id)}」："
                                    f"{'已确认' if e.outcome == 'confirmed' else '候补'}"),
        S.RegistrationCancelled: lambda e, n: (f"取消报名「{n.title(e.originator_id)}」"
                                               + ("（迟取消）" if e.late else "")),
        S.Promoted: _on("候补递补为确认"),
        S.CapacityChanged: lambda e, n: f"「{n.title(e.originator_id)}」容量由 {e.previous} 调整为 {e.capacity}",
        S.WaitlistMoved: lambda e, n: (f"「{n.title(e.originator_id)}」候补顺序 {e.from_position} → "
                                       f"{e.to_position}：{e.reason}"),
        S.AttendeeSubstituted: _on("更换参会人（1 人）"),  # persons are never named here (PIPL)
        S.RegistrationClosed: _on("报名截止"),
        S.Cancelled: lambda e, n: f"「{n.title(e.originator_id)}」取消：{e.reason}",
        S.Rescheduled: _rescheduled,
        S.CheckedIn: _on("签到（1 人）"),  # persons are never named here (PIPL)
        S.AttendanceClosed: lambda e, n: f"「{n.title(e.originator_id)}」结束，{len(e.no_shows)} 家单位缺席",
        S.FeedbackGiven: lambda e, n: f"评价「{n.title(e.originator_id)}」：满意度 {e.rating} 分",
    },
    links={
        S.AttendanceClosed: lambda e, n: list(e.no_shows),
        S.Cancelled: lambda e, n: list(e.registrants),
        S.Rescheduled: lambda e, n: list(e.registrants),
        S.Event: lambda e, n: [e.organisation_id] if getattr(e, "organisation_id", None) else [],
    },
)
