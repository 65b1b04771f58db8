"""Commissioned verification (受托核查) in the audit log and on each organisation's history. A case
of an organisation not registered on the platform is linked by the case's own id."""

from __future__ import annotations

from domain.verification import KINDS, OUTCOMES, CaseRegister
from domain.verification import Commission as C
from domain.verification_cases import VerificationCase as K
from domain.vocabularies import label
from projections.history import History, Names, nobody, yuan


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _commissioned(e: C.Commissioned, n: Names) -> str:
    n.remember_title(e.originator_id, e.title)
    return f"受{e.client}委托开展{label(KINDS, e.kind)}「{e.title}」，{len(e.criteria)} 项标准，期限 {e.due_on}"


def _received(e: K.Received, n: Names) -> str:
    n.remember_title(e.originator_id, f"{e.organisation_name}（{e.year} 年度）")
    flags = []
    if not e.intake["complete"]:
        flags.append(f"缺申报数据 {'、'.join(e.intake['missing'])}")
    if e.intake["duplicates"]:
        flags.append(f"同一单位同一年度已有 {len(e.intake['duplicates'])} 件核查")
    note = f"（{'；'.join(flags)}）" if flags else ""
    return f"「{n.title(e.commission_id)}」受理核查对象「{n.title(e.originator_id)}」{note}"


def _link_received(e: K.Received, n: Names) -> list[str]:
    n.remember_parties(e.originator_id, [e.organisation_id or str(e.originator_id)])
    return n.parties(e.originator_id)


def _recommended(e: K.Recommended, n: Names) -> str:
    score = f"，得分 {e.score}" if e.score is not None else ""
    rating = f"，评级 {e.rating}" if e.rating else ""
    money = f"，建议金额 {yuan(e.amount_fen)}" if e.amount_fen else ""
    return f"核查对象「{n.title(e.originator_id)}」核查意见：{label(OUTCOMES, e.outcome)}{score}{rating}{money}"


def _recovered(e: K.Recovered, n: Names) -> str:
    rest = "，已全部追回" if e.outstanding_fen == 0 else f"，尚欠 {yuan(e.outstanding_fen)}"
    return f"核查对象「{n.title(e.originator_id)}」于 {e.recovered_on} 追回 {yuan(e.amount_fen)}{rest}"


HISTORY = History(
    summaries={
        C.Commissioned: _commissioned,
        C.CriteriaRevised: lambda e, n: (f"「{n.title(e.originator_id)}」核查标准修订为第 {e.version} 版："
                                         f"{_short(e.reason)}"),
        CaseRegister.Opened: lambda e, n: f"建立 {e.year} 年度核查登记",
        CaseRegister.Registered: lambda e, n: "登记一件核查对象（用于跨事项查重）",
        K.Received: _received,
        K.Assigned: lambda e, n: (f"核查对象「{n.title(e.originator_id)}」分派给 {len(e.checker_ids)} 名核查人员"
                                  + (f"，计划 {e.visit_on} 现场核查" if e.visit_on else "")),
        K.ConflictDeclared: lambda e, n: f"核查人员声明与「{n.title(e.originator_id)}」存在利益关系，回避",
        K.SiteChecked: lambda e, n: (f"核查对象「{n.title(e.originator_id)}」于 {e.checked_on} 完成现场核查"
                                     + (f"：{_short(e.findings)}" if e.findings else "，未发现问题")),
        K.Recommended: _recommended,
        K.Decided: lambda e, n: (f"委托方对「{n.title(e.originator_id)}」作出决定：{label(OUTCOMES, e.decision)}"
                                 f"（{e.decided_on}）"),
        K.ClawbackOrdered: lambda e, n: (f"核查对象「{n.title(e.originator_id)}」责令追回资金 {yuan(e.amount_fen)}："
                                         f"{_short(e.reason)}"),
        K.Recovered: _recovered,
        K.RecoveryChased: lambda e, n: (f"核查对象「{n.title(e.originator_id)}」追回资金催缴（{e.chased_on}），"
                                        f"尚欠 {yuan(e.outstanding_fen)}"),
    },
    links={
        C.Commissioned: nobody,
        C.CriteriaRevised: nobody,
        CaseRegister.Opened: nobody,
        CaseRegister.Registered: nobody,
        K.Received: _link_received,
        K.Event: lambda e, n: n.parties(e.originator_id),
    },
)
