"""One readable Chinese line per event, for the audit log and histories."""

from __future__ import annotations

from typing import Any

from projections.records import names_of

_YUAN = 100  # fen per yuan


def _yuan(fen: int) -> str:
    return f"{fen / _YUAN:,.2f} 元"


TEMPLATES: dict[tuple[str, str], Any] = {
    ("Organisation", "Applied"): lambda e: f"{e.name}（{e.credit_code}）提交入会申请",
    ("Organisation", "Reapplied"): lambda e: f"{e.name} 重新提交入会申请",
    ("Organisation", "Admitted"): lambda e: f"批准入会，会员等级：{e.tier}，生效日期 {e.effective_on}",
    ("Organisation", "Rejected"): lambda e: f"入会申请未通过：{e.reason}",
    ("Organisation", "Suspended"): lambda e: f"暂停会籍：{e.reason}",
    ("Organisation", "Reinstated"): lambda e: f"恢复会籍：{e.reason}",
    ("Organisation", "Withdrawn"): lambda e: f"退会：{e.reason}",
    ("Organisation", "Lapsed"): lambda e: f"会籍失效：{e.reason}",
    ("Organisation", "TierChanged"): lambda e: f"会员等级由 {e.previous} 变更为 {e.tier}",
    ("Organisation", "DuesPaid"): lambda e: f"缴纳 {e.year} 年会费 {_yuan(e.amount_fen)}",
    ("Organisation", "ProfileChanged"): lambda e: f"资料变更：{', '.join(e.changes)}",
    ("Organisation", "ContactsChanged"): lambda e: f"联系人变更（{len(e.contacts)} 人）",
    ("Organisation", "AnnualStatsRecorded"): lambda e: f"登记 {e.stats['year']} 年度数据",
    ("Organisation", "LibraryTagged"): lambda e: f"纳入企业库：{e.library}",
    ("Organisation", "LibraryUntagged"): lambda e: f"移出企业库：{e.library}",
    ("Organisation", "GrowthStageChanged"): lambda e: f"成长阶梯：{e.previous or '—'} → {e.stage}",
    ("Session", "Scheduled"): lambda e: f"安排活动「{e.title}」（{e.kind}），容量 {e.capacity} 家",
    ("Session", "Registered"): lambda e: f"报名活动：{'已确认' if e.outcome == 'confirmed' else '候补'}",
    ("Session", "RegistrationCancelled"): lambda e: "取消报名" + ("（迟取消）" if e.late else ""),
    ("Session", "Promoted"): lambda e: "候补递补为确认",
    ("Session", "CapacityChanged"): lambda e: f"容量由 {e.previous} 调整为 {e.capacity}",
    ("Session", "WaitlistMoved"): lambda e: f"候补顺序 {e.from_position} → {e.to_position}：{e.reason}",
    ("Session", "AttendeeSubstituted"): lambda e: f"更换参会人：{e.attendee_name} → {e.substitute['name']}",
    ("Session", "RegistrationClosed"): lambda e: "报名截止",
    ("Session", "Cancelled"): lambda e: f"活动取消：{e.reason}",
    ("Session", "Rescheduled"): lambda e: f"活动改期至 {e.starts_at:%Y-%m-%d %H:%M} UTC：{e.reason}",
    ("Session", "CheckedIn"): lambda e: f"签到：{e.attendee_name}",
    ("Session", "AttendanceClosed"): lambda e: f"活动结束，{len(e.no_shows)} 家单位缺席",
    ("Session", "FeedbackGiven"): lambda e: f"满意度评价 {e.rating} 分",
    ("Program", "Opened"): lambda e: f"发布 {e.year} 年度计划「{e.title}」，预算 {_yuan(e.budget_fen)}",
    ("Program", "Granted"): lambda e: f"从年度预算资助 {_yuan(e.amount_fen)}",
    ("Program", "Released"): lambda e: f"退回年度预算 {_yuan(e.amount_fen)}",
    ("Program", "Ranked"): lambda e: f"评审结束，{len(e.ranking)} 个联盟排序",
    ("Alliance", "Drafted"): lambda e: f"组建联盟，拟定协议书「{e.agreement['title']}」",
    ("Alliance", "Revised"): lambda e: "修改协议书（已有签署作废）",
    ("Alliance", "Signed"): lambda e: f"签署协议书第 {e.agreement_version} 版",
    ("Alliance", "Submitted"): lambda e: "联合申报",
    ("Alliance", "Screened"): lambda e: f"科协把关：{'通过' if e.decision == 'pass' else '不通过'}",
    ("Alliance", "ReviewerAssigned"): lambda e: "分配评审专家",
    ("Alliance", "Declared"): lambda e: "评审专家声明无利益冲突",
    ("Alliance", "Reviewed"): lambda e: f"专家评审：{'推荐' if e.recommend else '不推荐'}",
    ("Alliance", "ReviewConcluded"): lambda e: f"评审排名第 {e.rank}：{'推荐' if e.recommended else '不推荐'}",
    ("Alliance", "NoticeStarted"): lambda e: "开始社会公示",
    ("Alliance", "Objected"): lambda e: "公示期收到异议",
    ("Alliance", "ObjectionResolved"): lambda e: f"异议处理：{'成立' if e.outcome == 'upheld' else '驳回'}",
    ("Alliance", "Approved"): lambda e: f"批准立项，资助 {_yuan(e.granted_fen)}",
    ("Alliance", "Paid"): lambda e: f"拨付 {_yuan(e.amount_fen)}",
    ("Alliance", "AmendmentRequested"): lambda e: "申请变更协议书",
    ("Alliance", "AmendmentDecided"): lambda e: f"变更申请{'获批' if e.approved else '未获批'}",
    ("Alliance", "ReportFiled"): lambda e: f"提交 {e.year} 年{'年度' if e.report_kind == 'annual' else '总结'}报告",
    ("Alliance", "ReportJudged"): lambda e: f"报告{'通过' if e.accepted else '退回修改'}",
    ("Alliance", "ReportOverdue"): lambda e: f"{e.year} 年报告逾期（应于 {e.due_on} 前提交）",
    ("Alliance", "Inspected"): lambda e: f"检查评估：{e.rating}",
    ("Alliance", "RectificationClosed"): lambda e: "整改完成",
    ("Alliance", "Concluded"): lambda e: f"结题，评定 {e.grade}",
    ("Alliance", "Terminated"): lambda e: f"终止，追回 {_yuan(e.recover_fen)}：{e.reason}",
    ("Account", "Created"): lambda e: f"创建账号 {e.username}（{e.role}）",
    ("Account", "RoleGranted"): lambda e: f"授予角色 {e.role}",
    ("Account", "RoleRevoked"): lambda e: f"撤销角色 {e.role}",
    ("Account", "PasswordChanged"): lambda e: "修改密码",
    ("Account", "Disabled"): lambda e: f"停用账号：{e.reason}",
    ("Account", "SignedIn"): lambda e: "登录",
    ("Account", "SignInFailed"): lambda e: "登录失败",
    ("Account", "SignedOut"): lambda e: "退出登录",
    ("Invitation", "Issued"): lambda e: f"发出邀请（{e.role}）",
    ("Invitation", "Accepted"): lambda e: "接受邀请",
    ("UniqueClaim", "Claimed"): lambda e: f"登记唯一标识（{e.kind}）",
}


def summarise(event: Any) -> str:
    template = TEMPLATES.get(names_of(event))
    if template is None:
        return ".".join(names_of(event))
    try:
        return template(event)
    except (AttributeError, KeyError, TypeError):
        return ".".join(names_of(event))
