"""Enterprise services (企业服务) in the audit log and on each organisation's history:
hook-ups, visits and forums, requests to their closure, surveys answered, check-ups."""

from __future__ import annotations

from domain.services import VISIT_KINDS
from domain.services import ServiceUnit as U
from domain.services import Visit as V
from domain.services_requests import CATEGORIES, CHANNELS, OUTCOMES
from domain.services_requests import ServiceRequest as R
from domain.services_surveys import DIMENSIONS
from domain.services_surveys import Checkup as C
from domain.services_surveys import CheckupAppointment as A
from domain.services_surveys import Survey as S
from domain.vocabularies import LIBRARY_NAMES, STAGE_NAMES, label
from projections.history import History, Names, nobody


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _unit_created(e: U.Created, n: Names) -> str:
    n.remember_title(e.originator_id, e.name)
    return f"设立服务处室「{e.name}」"


def _rule(rule: dict[str, str]) -> str:
    parts = []
    if rule.get("library"):
        parts.append(label(LIBRARY_NAMES, rule["library"]))
    if rule.get("growth_stage"):
        parts.append(label(STAGE_NAMES, rule["growth_stage"]))
    if rule.get("sector"):
        parts.append(f"{rule['sector']}行业")
    return "、".join(parts)


def _hooked_up(e: U.HookedUp, n: Names) -> str:
    whom = f"{len(e.organisation_ids)} 家单位" if e.organisation_ids else f"规则：{_rule(e.rule or {})}的全部会员"
    until = f"至 {e.ends_on}" if e.ends_on else "起"
    return f"「{n.title(e.originator_id)}」挂钩联系{whom}，{e.starts_on}{until}"


def _visit(e: V.Recorded, n: Names) -> str:
    what = f"{label(VISIT_KINDS, e.kind)}（{e.visited_on}，{len(e.organisation_ids)} 家单位）"
    return f"「{n.title(e.unit_id)}」{what}：{_short(e.findings)}"


def _raised(e: R.Raised, n: Names) -> str:
    n.remember_title(e.originator_id, f"{label(CATEGORIES, e.category)}：{_short(e.text, 20)}")
    return (f"经{label(CHANNELS, e.channel)}提出诉求「{n.title(e.originator_id)}」，"
            f"办理期限 {e.due_on}")


def _assigned(e: R.Assigned, n: Names) -> str:
    return f"诉求「{n.title(e.originator_id)}」交由「{n.title(e.unit_id)}」办理，期限 {e.due_on}"


def _closed(e: R.Closed, n: Names) -> str:
    why = f"：{_short(e.explanation)}" if e.explanation else ""
    return f"诉求「{n.title(e.originator_id)}」办结（{label(OUTCOMES, e.outcome)}）{why}"


def _survey_sent(e: S.Sent, n: Names) -> str:
    n.remember_title(e.originator_id, e.title)
    return f"发放满意度问卷「{e.title}」（{len(e.organisation_ids)} 家单位）"


def _checkup(e: C.Held, n: Names) -> str:
    scores = "，".join(f"{DIMENSIONS[d]} {e.scores[d]}" for d in DIMENSIONS)
    return f"创新体检（{e.held_on}）：{scores}；后续事项 {len(e.follow_ups)} 项转入诉求台账"


HISTORY = History(
    summaries={
        U.Created: _unit_created,
        U.StaffAdded: lambda e, n: f"「{n.title(e.originator_id)}」增加工作人员 1 名",
        U.HookedUp: _hooked_up,
        U.HookupEnded: lambda e, n: f"「{n.title(e.originator_id)}」挂钩联系于 {e.ends_on} 结束",
        V.Recorded: _visit,
        R.Raised: _raised,
        R.Assigned: _assigned,
        R.Replied: lambda e, n: f"答复诉求「{n.title(e.originator_id)}」：{_short(e.text)}",
        R.Closed: _closed,
        R.Reopened: lambda e, n: f"重新打开诉求「{n.title(e.originator_id)}」：{_short(e.reason)}，新期限 {e.due_on}",
        R.FlaggedOverdue: lambda e, n: f"诉求「{n.title(e.originator_id)}」逾期未办结（期限 {e.due_on}）",
        S.Sent: _survey_sent,
        S.Answered: lambda e, n: f"填写满意度问卷「{n.title(e.originator_id)}」",
        C.Held: _checkup,
        A.Appointed: lambda e, n: "聘请专家开展创新体检",
    },
    links={
        U.Created: nobody,
        U.StaffAdded: nobody,
        U.HookedUp: lambda e, n: list(e.organisation_ids),  # a rule's members are resolved when read
        U.HookupEnded: lambda e, n: list(e.organisation_ids),
        V.Recorded: lambda e, n: list(e.organisation_ids),
        R.Event: lambda e, n: [e.organisation_id],
        S.Sent: lambda e, n: list(e.organisation_ids),
        S.Answered: lambda e, n: [e.organisation_id],
        C.Held: lambda e, n: [e.organisation_id],
        A.Appointed: lambda e, n: [e.organisation_id],
    },
)
