"""企业服务 enterprise services (seed 001, 003): service units and hook-ups, visits and forums,
the request ledger, satisfaction surveys, innovation check-ups."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from api.pages.services import DeskServicePages, PortalServicePages
from api.pages.services_texts import LABELS, MESSAGES
from api.services import UnitsController, VisitsController
from api.services_requests import RequestsController
from api.services_surveys import CheckupsController, SurveysController
from domain.errors import DomainError
from domain.notices_services import NOTICES
from domain.services import ServiceUnit, Visit
from domain.services_requests import ServiceRequest
from domain.services_surveys import Checkup, CheckupAppointment, Survey
from domain.values import Actor
from projections.history.services import HISTORY
from projections.services import VIEWS
from projections.services_figures import FIGURES
from projections.services_queries import list_requests
from qihui.contexts.base import Context, Nav
from service.enterprise_services import on_request

log = logging.getLogger(__name__)


def flag_overdue_requests(platform: Any) -> int:
    """诉求逾期: open requests past their due date, flagged once per due date (the domain refuses a
    second flag, so a repeated tick or a second scheduler does nothing)."""
    today = platform.clock.today()
    flagged, after = 0, None
    while True:
        page = list_requests(platform.views, today=today, overdue=True, limit=500, after=after)
        for doc in page:
            if any(f["due_on"] == doc["due_on"] for f in doc["overdue_flags"]):
                continue
            try:
                platform.writer.execute(on_request(UUID(doc["id"]), lambda r: r.flag_overdue(
                    today=today, actor=Actor.system())))
                flagged += 1
            except DomainError as exc:  # closed meanwhile, or flagged by another scheduler
                log.info("request %s: %s", doc["id"], exc.code)
        if len(page) < 500:
            return flagged
        after = page[-1]["received_on"] + page[-1]["id"]


GLOSSARY = {
    "unit_id": "服务处室标识 (service unit id)",
    "owner_id": "责任人账号标识，须为该处室工作人员 (owner: a staff account of the unit)",
    "visited_on": "走访或恳谈会日期 (date of the visit or forum)",
    "visitors": "走访人员（工作人员账号标识）(visitors: staff account ids)",
    "follow_ups": "后续事项 (follow-up items)",
    "organisation_ids": "单位标识列表 (organisation ids)",
    "category": "诉求类别 policy、funding、talent、finance、technology、site、innovation、other (request category)",
    "text": "内容 (text)",
    "channel": "诉求渠道 online、visit、forum、hotline、group_chat、checkup (channel)",
    "explanation": "说明：无法解决的原因，explained 时必填 (explanation, required when explained)",
    "choices": "选项 (choices)",
    "questions": "题目 (questions)",
    "foresight": "前瞻力 0–100 (foresight)",
    "integration": "统合力 0–100 (integration)",
    "support": "支撑力 0–100 (support)",
    "realisation": "实现力 0–100 (realisation)",
    "dimension": "维度 foresight、integration、support、realisation (dimension)",
    "score": "得分 0–100 (score)",
    "held_on": "体检日期 (date of the check-up)",
    "diagnosis": "诊断结论 (diagnosis)",
    "staff": "处室工作人员账号标识 (staff accounts of the unit)",
    "hookups": "挂钩关系 (hook-ups)",
    "hookup_id": "挂钩关系标识 (hook-up id)",
    "quarter": "季度 YYYY-Qn，默认本季度 (quarter, this one by default)",
    "organisations": "单位 (organisations)",
    "counts": "统计 (counts)",
    "replied_on": "答复日期 (replied on)",
    "recorded_at": "记录时间 (recorded at)",
    "source_id": "来源走访或体检的标识 (the visit or check-up it came from)",
    "closed_on": "办结日期 (closed on)",
    "replies": "答复 (replies)",
    "reopenings": "重新打开记录 (reopenings)",
    "overdue": "逾期：未办结且已过办理期限 (open and past its due date)",
    "question_id": "题目编号 (question id)",
    "survey_id": "问卷标识 (survey id)",
    "response_rate": "回收率 0–1 (response rate)",
    "request_ids": "由后续事项转入诉求台账的诉求标识 (ledger requests raised from the follow-ups)",
    "units": "按处室 (per unit)",
    "mine": "只列本人所在处室的诉求 (only the requests of the caller's own units)",
}

CONTEXT = Context(
    name="services", label="企业服务",
    aggregates=(ServiceUnit, Visit, ServiceRequest, Survey, Checkup, CheckupAppointment),
    views=lambda needs: tuple(view() for view in VIEWS),
    controllers=(UnitsController, VisitsController, RequestsController, SurveysController, CheckupsController),
    history=HISTORY, jobs=(flag_overdue_requests,), figures=FIGURES, glossary=GLOSSARY,
    pages=(DeskServicePages, PortalServicePages), messages=MESSAGES, labels=LABELS, notices=NOTICES,
    nav=(Nav("desk", "/requests", "nav.services.ledger", frozenset({"staff", "auditor"})),
         Nav("portal", "/requests", "nav.services.mine", frozenset({"member"}))),
)
