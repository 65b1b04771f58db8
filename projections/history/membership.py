"""Membership (会员) in the audit log: every Organisation event concerns that organisation."""

from __future__ import annotations

from domain.organisations import Organisation as O
from domain.people import Person
from domain.vocabularies import LIBRARY_NAMES, STAGE_NAMES, STATUS_NAMES, TIER_NAMES, label
from projections.history import History, yuan

HISTORY = History(
    summaries={
        O.Applied: lambda e, n: f"{e.name}（{e.credit_code}）提交入会申请",
        O.Reapplied: lambda e, n: f"{e.name} 重新提交入会申请",
        O.ReapplicationFiled: lambda e, n: f"重新提交入会申请（拟用名称：{e.proposed['name']}，待审批）",
        O.ReapplicationAdopted: lambda e, n: f"批准重新入会，申请资料生效：{e.details['name']}",
        O.Admitted: lambda e, n: f"批准入会，会员等级：{label(TIER_NAMES, e.tier)}，生效日期 {e.effective_on}",
        O.Rejected: lambda e, n: f"入会申请未通过：{e.reason}",
        O.Suspended: lambda e, n: f"暂停会籍：{e.reason}",
        O.Reinstated: lambda e, n: f"恢复会籍：{e.reason}",
        O.Withdrawn: lambda e, n: f"退会：{e.reason}",
        O.Lapsed: lambda e, n: f"会籍失效：{e.reason}",
        O.LapseCorrected: lambda e, n: (f"失效更正，恢复为{label(STATUS_NAMES, e.status)}（自 {e.effective_on} 起）："
                                        f"{e.reason}"),
        O.TierChanged: lambda e, n: f"会员等级由{label(TIER_NAMES, e.previous)}变更为{label(TIER_NAMES, e.tier)}",
        O.DuesPaid: lambda e, n: f"缴纳 {e.year} 年会费 {yuan(e.amount_fen)}",
        O.DuesPaidThrough: lambda e, n: f"会费已缴至 {e.year} 年（金额未详）：{e.reason}",
        O.ProfileChanged: lambda e, n: f"资料变更：{'、'.join(_FIELD_NAMES.get(k, k) for k in e.changes)}",
        O.ContactsChanged: lambda e, n: f"联系人变更（{len(e.contacts)} 人）",
        O.ContactErased: lambda e, n: "联系人个人信息依法删除",
        O.AnnualStatsRecorded: lambda e, n: f"登记 {e.stats['year']} 年度数据",
        O.LibraryTagged: lambda e, n: f"纳入{label(LIBRARY_NAMES, e.library)}",
        O.LibraryUntagged: lambda e, n: f"移出{label(LIBRARY_NAMES, e.library)}",
        O.GrowthStageChanged: lambda e, n: (f"成长阶梯：{label(STAGE_NAMES, e.previous)} → "
                                            f"{label(STAGE_NAMES, e.stage)}"),
        O.AttributesDeclared: lambda e, n: f"申报单位属性：{'、'.join(e.attributes)}（证明：{e.evidence}）",
        Person.Erased: lambda e, n: "个人信息依法删除（密钥已销毁，事实记录保留）",
    },
    links={
        O.Event: lambda e, n: [str(e.originator_id)],
        # A person's erasure shows in their organisation's history.
        Person.Event: lambda e, n: [e.organisation_id] if getattr(e, "organisation_id", None) else [],
    },
)

_FIELD_NAMES = {"name": "名称", "sector": "所属行业", "address": "地址", "kind": "单位类型"}
