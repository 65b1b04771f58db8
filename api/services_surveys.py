"""Satisfaction surveys (满意度问卷) and innovation check-ups (创新体检), API.md "Enterprise
services"."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

import anyio.to_thread
import msgspec
from litestar import Controller, Request, get, post
from msgspec import Meta

from api.deps import platform_of, wait_for_view
from api.policy import actor_of, allow, principal_of
from api.schemas import Done, LongText, MinPosition, Note, Place, Reason, Strict, Text, answer, line
from api.services import Library
from api.services_answers import CheckupAnswer, CheckupOut, CheckupsPage, SurveyAnswer, SurveyResults, SurveysPage
from api.services_requests import own_only, owned
from domain.errors import InvalidValue, NotFound
from projections import services_queries as q
from service import enterprise_services as services

Score = Annotated[int, Meta(ge=0, le=100)]
Dimension = Literal["foresight", "integration", "support", "realisation"]
_surveyed = owned("service_surveys", lambda doc, org: org in doc["organisation_ids"])
_own_checkup = owned("service_checkups", lambda doc, org: doc["organisation_id"] == org)


class QuestionIn(Strict):
    id: Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_\-]+$",
                            description="题目编号，字母数字 (question id)")]
    kind: Literal["rating", "choice", "text"]
    text: Place
    choices: Annotated[list[Text], Meta(max_length=20)] | None = None


class AudienceIn(Strict, omit_defaults=True):
    organisation_ids: Annotated[list[UUID], Meta(max_length=5000)] | None = None
    unit_id: UUID | None = None
    library: Library | None = None
    session_id: UUID | None = None


class SurveyIn(Strict):
    title: Text
    questions: Annotated[list[QuestionIn], Meta(min_length=1, max_length=50)]
    audience: Annotated[AudienceIn | None, Meta(description="问卷对象：单位、挂钩处室、企业库或活动签到单位，可合并 "
                                                            "(organisations, hook-ups, a library, a session's "
                                                            "attendees)")] = None
    # API.md's form: the organisations themselves (the same as audience.organisation_ids).
    organisation_ids: Annotated[list[UUID], Meta(max_length=5000)] | None = None

    def audience_given(self) -> AudienceIn:
        if self.audience is not None and self.organisation_ids is not None:
            raise InvalidValue("audience 与 organisation_ids 只能给一个 (give audience or organisation_ids)",
                               field="organisation_ids")
        if self.audience is None and self.organisation_ids is None:
            raise InvalidValue("须指定问卷对象 (name the organisations surveyed)", field="audience")
        return self.audience or AudienceIn(organisation_ids=self.organisation_ids)


class AnswersIn(Strict):
    answers: Annotated[dict[Annotated[str, Meta(max_length=32)], int | line(2000, min_length=0)],
                       Meta(description="题目编号 → 答案（评分 1–5、选项或文字）(question id → answer)")]


class ScoresIn(Strict):
    foresight: Score
    integration: Score
    support: Score
    realisation: Score


class IndicatorIn(Strict):
    dimension: Dimension
    name: Text
    score: Score | None = None
    evidence: Note | None = None


class CheckupIn(Strict):
    organisation_id: UUID
    held_on: date
    scores: Annotated[ScoresIn, Meta(description="四维得分 0–100 (scores per dimension)")]
    diagnosis: LongText
    indicators: Annotated[list[IndicatorIn], Meta(max_length=100,
                                                  description="分项指标及依据 (sub-indicators)")] = []  # noqa: RUF012
    follow_ups: Annotated[list[Reason], Meta(max_length=50)] = []  # noqa: RUF012


class AppointmentIn(Strict):
    organisation_id: UUID
    expert_id: Annotated[UUID, Meta(description="专家账号标识（评审专家角色）(the expert's reviewer account)")]
    reason: Note | None = None


def _audience(p: Any, audience: AudienceIn) -> list[str]:
    """The organisations a survey goes to: the union of what its audience names, read once the
    views hold everything stored so far (a hook-up or a tag made a moment ago counts)."""
    stored = p.runner.head()
    for view in ("service_units", "roster", "session_registrations"):
        wait_for_view(p, view, stored)
    today = p.clock.today()
    found: dict[str, None] = dict.fromkeys(str(o) for o in audience.organisation_ids or [])
    if audience.unit_id is not None:
        unit = q.get_doc(p.views, "view_service_units", str(audience.unit_id))
        if unit is None:
            raise NotFound("服务处室不存在 (no such unit)", field="audience.unit_id")
        found.update(dict.fromkeys(q.hooked(p.views, unit, today, today, today)))
    if audience.library is not None:
        found.update(dict.fromkeys(q.by_rule(p.views, {"library": audience.library}, today)))
    if audience.session_id is not None:
        found.update(dict.fromkeys(q.attendees(p.views, str(audience.session_id))))
    if not found:
        raise InvalidValue("问卷对象为空 (the audience names no organisation)", field="audience")
    return list(found)


class SurveysController(Controller):
    path = "/api/v1/surveys"
    tags = ["services 企业服务"]  # noqa: RUF012

    @post("/", opt=allow("staff"), operation_id="sendSurvey", status_code=201)
    async def send(self, request: Request, data: SurveyIn) -> Done:
        """发放满意度问卷 (rating 1–5, choice, text questions) to the organisations its audience names."""
        p = platform_of(request)
        audience = data.audience_given()
        orgs = await anyio.to_thread.run_sync(_audience, p, audience)
        survey_id, position = await p.writer.run(services.send_survey(
            data.title, [msgspec.to_builtins(x) for x in data.questions], orgs,
            msgspec.to_builtins(audience), p.clock.today(), actor_of(request)))
        return Done(id=survey_id, position=position)

    @get("/", opt=allow("staff", "auditor", "member"), operation_id="listSurveys", sync_to_thread=True)
    def list(self, request: Request, min_position: MinPosition = None) -> SurveysPage:
        """问卷列表, newest first; an organisation's account sees the surveys sent to it."""
        p = platform_of(request)
        wait_for_view(p, "service_surveys", min_position)
        who = principal_of(request)
        docs = q.all_surveys(p.views)
        if who is not None and who.role == "member":
            docs = [d for d in docs if who.organisation_id in d["organisation_ids"]]
        return answer({"items": [_shown(d, who) for d in docs]}, SurveysPage)

    @get("/{id:uuid}", opt=allow("staff", "auditor", "member"), guards=[_surveyed], operation_id="getSurvey",
         sync_to_thread=True)
    def show(self, request: Request, id: UUID, min_position: MinPosition = None) -> SurveyAnswer:
        """问卷: its questions (a surveyed organisation sees whether it has answered)."""
        p = platform_of(request)
        wait_for_view(p, "service_surveys", min_position)
        return answer(_shown(_survey(p, id), principal_of(request)), SurveyAnswer)

    @post("/{id:uuid}/answers", opt=allow("member"), guards=[_surveyed], operation_id="answerSurvey",
          status_code=201)
    async def answer_survey(self, request: Request, id: UUID, data: AnswersIn) -> Done:
        """答卷: once per surveyed organisation (a second answer: 409 already_answered)."""
        _, position = await platform_of(request).writer.run(services.answer_survey(id, data.answers,
                                                                                   actor_of(request)))
        return Done(id=id, position=position)

    @get("/{id:uuid}/results", opt=allow("staff", "auditor"), operation_id="surveyResults", sync_to_thread=True)
    def results(self, request: Request, id: UUID, min_position: MinPosition = None) -> SurveyResults:
        """问卷结果: per question, per unit (its hooked organisations today) and the response rate."""
        p = platform_of(request)
        wait_for_view(p, "service_surveys", min_position)
        today = p.clock.today()
        units = q.all_units(p.views)
        hooked = {u["id"]: q.hooked(p.views, u, today, today, today) for u in units}
        return answer(q.survey_results(_survey(p, id), units, hooked), SurveyResults)


def _shown(doc: dict[str, Any], who: Any) -> dict[str, Any]:
    """A survey without its answers: a member learns whether it answered, staff the counts."""
    out = {k: doc[k] for k in ("id", "title", "questions", "sent_on")}
    if who is not None and who.role == "member":
        out["answered_by_you"] = who.organisation_id in doc["answers"]
    else:
        out.update(sent=len(doc["organisation_ids"]), answered=len(doc["answers"]))
    return out


def _survey(p: Any, survey_id: UUID) -> dict[str, Any]:
    doc = q.get_doc(p.views, "view_service_surveys", str(survey_id))
    if doc is None:
        raise NotFound(f"问卷 {survey_id} 不存在 (no such survey)")
    return doc


class CheckupsController(Controller):
    path = "/api/v1/checkups"
    tags = ["services 企业服务"]  # noqa: RUF012

    @post("/appointments", opt=allow("staff"), operation_id="appointCheckupExpert", status_code=201)
    async def appoint(self, request: Request, data: AppointmentIn) -> Done:
        """聘请体检专家: a reviewer account may then hold the organisation's check-ups (never one that
        works there: 409 conflict_of_interest)."""
        appointment, position = await platform_of(request).writer.run(services.appoint_expert(
            data.organisation_id, data.expert_id, actor_of(request), data.reason))
        return Done(id=appointment, position=position)

    @post("/", opt=allow("staff", "reviewer"), operation_id="holdCheckup", status_code=201)
    async def hold(self, request: Request, data: CheckupIn) -> CheckupOut:
        """创新体检 by staff or an appointed expert (others: 403 not_appointed): four dimensions 0–100
        with sub-indicators and evidence, a diagnosis, and follow-up items that each become a request in
        the ledger (category innovation, channel checkup)."""
        p = platform_of(request)
        fields = msgspec.structs.asdict(data)
        fields["scores"] = msgspec.to_builtins(data.scores)
        fields["indicators"] = [msgspec.to_builtins(i) for i in data.indicators]
        held, position = await p.writer.run(services.hold_checkup(fields, p.clock.today(), actor_of(request)))
        return CheckupOut(id=held["id"], request_ids=held["request_ids"], position=position)

    @get("/", opt=allow("staff", "auditor", "member"), operation_id="listCheckups", sync_to_thread=True)
    def list(self, request: Request, organisation_id: UUID, min_position: MinPosition = None) -> CheckupsPage:
        """一家单位的历次体检, oldest first, with the change per dimension since the previous one."""
        own_only(request, organisation_id)
        p = platform_of(request)
        wait_for_view(p, "service_checkups", min_position)
        return answer({"items": q.checkups_of(p.views, str(organisation_id))}, CheckupsPage)

    @get("/{id:uuid}", opt=allow("staff", "auditor", "member"), guards=[_own_checkup], operation_id="getCheckup",
         sync_to_thread=True)
    def show(self, request: Request, id: UUID, min_position: MinPosition = None) -> CheckupAnswer:
        """体检报告: scores, indicators, diagnosis and the ledger requests of its follow-ups."""
        p = platform_of(request)
        wait_for_view(p, "service_checkups", min_position)
        doc = q.get_doc(p.views, "view_service_checkups", str(id))
        if doc is None:
            raise NotFound(f"体检 {id} 不存在 (no such check-up)")
        return answer(doc, CheckupAnswer)
