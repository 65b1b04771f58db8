"""受托核查 commissioned verification (seed 000): commissions from bureaus, cases received by the
hundred, assignment without conflicts, site checks, recommendations and ratings, the client's
decision, clawbacks followed until recovered, and the report back to the client."""

from __future__ import annotations

from api.pages.verification import DeskVerificationPages
from api.pages.verification_texts import LABELS, MESSAGES
from api.verification import CommissionsController
from api.verification_cases import CasesController
from domain.verification import CaseRegister, Commission
from domain.verification_cases import VerificationCase
from projections.history.verification import HISTORY
from projections.verification import VIEWS
from projections.verification_figures import FIGURES
from qihui.contexts.base import Context, Nav
from service.verification import chase_recoveries

GLOSSARY = {
    "client": "委托方（局、区科技部门）(the client: a bureau or district office)",
    "scope": "委托范围 (scope of the work)",
    "thresholds": "评级标准：各等级的最低加权得分 (rating thresholds: the lowest weighted score per rating)",
    "criteria_version": "核查标准版本 (version of the criteria)",
    "fee_fen": "委托费用，分 (fee, fen)",
    "required_figures": "必填申报数据项，缺项在受理时标记 (declared figures required; missing ones flagged)",
    "commission_id": "受托事项标识 (commission id)",
    "organisation_name": "被核查单位名称 (the organisation checked)",
    "declared": "申报数据 {名称: 数值} (declared figures)",
    "documents": "申报材料引用 (references to the documents)",
    "checker_ids": "核查人员（工作人员或专家账号标识）(checkers: staff or expert account ids)",
    "case_ids": "核查对象标识；为空时分派全部未分派对象 (case ids; none: every case not yet assigned)",
    "visit_on": "计划现场核查日期 (planned day of the site visit)",
    "checked_on": "现场核查日期 (day of the site check)",
    "answers": "逐项核查结果 {标准编号: {met 或 score, note}} (answers per criterion)",
    "photos": "现场照片引用 (photo references)",
    "decided_on": "委托方决定日期 (day of the client's decision)",
    "recovered_on": "追回到账日期 (day the money came back)",
    "day": "日期，默认今天 (day, today by default)",
    "checker_id": "核查人员账号标识，默认本人 (checker, oneself by default)",
    "intake": "受理检查：complete、missing、duplicates (intake checks)",
    "conflicts": "回避声明 (conflict declarations)",
    "site_check": "现场核查记录 (the site check)",
    "recommendation": "核查意见记录 (the recommendation)",
    "recommended_on": "提出意见日期 (day recommended)",
    "clawbacks": "追回决定 (clawbacks ordered)",
    "recoveries": "追回到账记录 (recoveries)",
    "clawed_back_fen": "责令追回合计，分 (clawed back, fen)",
    "recovered_fen": "已追回合计，分 (recovered, fen)",
    "outstanding_fen": "尚未追回，分 (outstanding, fen)",
    "received": "受理数 / 受理记录 (cases received / the intake record)",
    "passed": "通过数 (passed)",
    "conditional": "有条件通过数 (passed with conditions)",
    "failed": "不通过数 (failed)",
    "recommended_fen": "建议金额合计，分 (amounts recommended, fen)",
    "figures": "进度与金额汇总 (progress and money)",
    "cases": "核查对象 (cases)",
    "by_status": "各状态核查对象数 (cases by status)",
    "commissioned": "登记人与时间 (who recorded the commission, when)",
    "versions": "核查标准各版本 (every version of the criteria)",
    "weight": "权重 (weight)",
    "min_score": "最低加权得分 (lowest weighted score)",
    "met": "是否符合 (met)",
}

CONTEXT = Context(
    name="verification", label="受托核查",
    aggregates=(Commission, VerificationCase, CaseRegister),
    views=lambda needs: tuple(view() for view in VIEWS),
    controllers=(CommissionsController, CasesController),
    history=HISTORY, jobs=(chase_recoveries,), figures=FIGURES, glossary=GLOSSARY,
    pages=(DeskVerificationPages,), messages=MESSAGES, labels=LABELS,
    nav=(Nav("desk", "/commissions", "nav.verification", frozenset({"staff", "auditor"})),
         Nav("desk", "/worklist", "nav.verification.worklist", frozenset({"staff", "reviewer"}))),
)
