"""The verification pages' texts and vocabulary labels, Chinese first (api.i18n)."""

from __future__ import annotations

from domain.verification import KINDS, OUTCOMES, STATUSES

MESSAGES: dict[str, tuple[str, str]] = {
    "nav.verification": ("受托核查", "Verification"),
    "nav.verification.worklist": ("核查日程", "My site checks"),
    "verification.commissions": ("受托事项", "Commissions"),
    "verification.client": ("委托方", "Client"),
    "verification.kind": ("事项类型", "Kind"),
    "verification.due_on": ("完成期限", "Due"),
    "verification.progress": ("受理 {received}，已核查 {checked}，通过 {passed}，有条件 {conditional}，不通过 {failed}",
                              "{received} received, {checked} checked, {passed} passed, {conditional} conditional, "
                              "{failed} failed"),
    "verification.money": ("建议金额 {recommended}，追回 {clawed}，已追回 {recovered}，尚欠 {outstanding}",
                           "Recommended {recommended}, clawed back {clawed}, recovered {recovered}, "
                           "outstanding {outstanding}"),
    "verification.by_status": ("各状态", "By status"),
    "verification.per_checker": ("核查人员", "Checkers"),
    "verification.checker_counts": ("分派 {assigned}，已核查 {checked}", "{assigned} assigned, {checked} checked"),
    "verification.overdue": ("逾期", "Overdue"),
    "verification.cases": ("核查对象", "Cases"),
    "verification.organisation": ("单位名称", "Organisation"),
    "verification.credit_code": ("统一社会信用代码", "Credit code"),
    "verification.year": ("年度", "Year"),
    "verification.visit_on": ("计划核查日", "Visit planned"),
    "verification.outcome": ("核查意见", "Recommendation"),
    "verification.report": ("下载核查报告（XLSX）", "Download the report (XLSX)"),
    "verification.empty": ("暂无记录", "Nothing yet"),
    "verification.declared": ("申报数据", "Declared figures"),
    "verification.intake": ("受理检查", "Intake checks"),
    "verification.incomplete": ("缺申报数据：{missing}", "Missing figures: {missing}"),
    "verification.duplicates": ("同一单位同一年度另有 {n} 件核查", "{n} other cases of this organisation and year"),
    "verification.site_check": ("现场核查", "Site check"),
    "verification.checked_on": ("核查日期", "Checked on"),
    "verification.met": ("是否符合", "Met"),
    "verification.yes": ("符合", "Met"),
    "verification.no": ("不符合", "Not met"),
    "verification.score": ("得分（0–100）", "Score (0–100)"),
    "verification.note": ("说明", "Note"),
    "verification.findings": ("核查发现", "Findings"),
    "verification.evidence": ("证据材料（每行一项）", "Evidence (one per line)"),
    "verification.record": ("保存核查记录", "Record the site check"),
    "verification.worklist": ("当日工作单", "Worklist for the day"),
    "verification.day": ("日期", "Day"),
    "verification.show": ("查看", "Show"),
    "verification.done.checked": ("已保存现场核查记录", "Site check recorded"),
}

_KINDS_EN = {"rd_appraisal": "R&D appraisal", "subsidy_check": "Subsidy check", "high_tech_filing": "High-tech filing",
             "site_check": "Site check", "space_rating": "Maker-space rating", "policy_evaluation": "Policy evaluation",
             "survey": "Survey"}
_OUTCOMES_EN = {"pass": "Pass", "conditional": "Conditional", "fail": "Fail"}
_STATUSES_EN = {"received": "Received", "assigned": "Assigned", "checked": "Checked", "recommended": "Recommended",
                "decided": "Decided", "clawback": "Clawback", "recovered": "Recovered"}
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "verification_kind": {k: (v, _KINDS_EN[k]) for k, v in KINDS.items()},
    "verification_outcome": {k: (v, _OUTCOMES_EN[k]) for k, v in OUTCOMES.items()},
    "verification_status": {k: (v, _STATUSES_EN[k]) for k, v in STATUSES.items()},
}
