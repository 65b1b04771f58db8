"""Commissioned verification (API.md "Commissioned verification"): commissions, cases received one
by one or from the client's spreadsheet, bulk assignment, the board and the client's report.
A case's own steps: api/verification_cases.py."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from msgspec import Meta

from api.deps import platform_of, wait_for_view
from api.member_import import UPLOAD_LIMIT, ImportHasProblems, RowProblemOut, read_upload
from api.policy import actor_of, allow
from api.schemas import Done, MinPosition, Note, Reason, Strict, Text, answer, exported_as, file_media_types
from api.verification_answers import Board, BulkAssigned, CommissionAnswer, CommissionsPage, Received
from api.verification_cases import expert_of
from domain.errors import NotFound
from domain.verification import OUTCOMES, STATUSES
from domain.vocabularies import label
from projections import verification as q
from projections.verification_figures import within_period
from service import verification
from service.spreadsheets import MEDIA_TYPES, tabular
from service.verification_files import plan_cases

Kind = Literal["rd_appraisal", "subsidy_check", "high_tech_filing", "site_check", "space_rating",
               "policy_evaluation", "survey"]
Fen = Annotated[int, Meta(ge=0, le=10**13)]
Figure = Annotated[str, Meta(min_length=1, max_length=60)]
_FILES = file_media_types(MEDIA_TYPES)


class CriterionIn(Strict, omit_defaults=True):
    id: Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[\w.\-]+$")]
    text: Text
    weight: Annotated[float, Meta(gt=0, le=1000)] | None = None


class ThresholdIn(Strict):
    rating: Annotated[str, Meta(min_length=1, max_length=20)]
    min_score: Annotated[float, Meta(ge=0, le=100)]


Criteria = Annotated[list[CriterionIn], Meta(min_length=1, max_length=100)]
Thresholds = Annotated[list[ThresholdIn], Meta(max_length=20)]


class CommissionIn(Strict):
    client: Text
    kind: Kind
    title: Text
    due_on: date
    criteria: Criteria
    scope: Note = ""
    thresholds: Thresholds | None = None
    fee_fen: Fen | None = None
    required_figures: Annotated[list[Figure], Meta(max_length=50)] = []  # noqa: RUF012


class RevisionIn(Strict):
    criteria: Criteria
    reason: Reason
    thresholds: Thresholds | None = None


class CaseIn(Strict):
    organisation_name: Text
    credit_code: Annotated[str, Meta(min_length=1, max_length=30)]
    year: Annotated[int, Meta(ge=1990, le=2100)]
    declared: Annotated[dict[Figure, float | int], Meta(max_length=100)] = {}  # noqa: RUF012
    documents: Annotated[list[Text], Meta(max_length=100)] = []  # noqa: RUF012


class CaseFile(msgspec.Struct):
    file: Annotated[UploadFile, Meta(description="受理清单，.xlsx 或 .csv，首行为表头 (the client's list, headers on "
                                                 "row 1)")]
    dry_run: Annotated[bool, Meta(description="只检查、不受理 (check only, receive nothing)")] = False
    skip_bad: Annotated[bool, Meta(description="跳过错误行，受理其余各行 (receive the good rows)")] = False


class CaseImport(msgspec.Struct):
    dry_run: Annotated[bool, Meta(description="是否仅为检查 (a dry run: nothing written)")]
    rows: Annotated[int, Meta(description="文件中的数据行数 (data rows in the file)")]
    valid: Annotated[int, Meta(description="可受理的行数 (rows ready to receive)")]
    errors: Annotated[list[RowProblemOut], Meta(description="每一处错误，按行号 (every problem, by row)")]
    received: Annotated[list[dict[str, Any]], Meta(
        description="已受理：行号、核查对象标识与受理检查 (received: row, case id, intake checks)")]
    position: Annotated[int | None, Meta(description="事件位置；仅检查时为空 (the position; null on a dry run)")]


class BulkIn(Strict):
    checker_ids: Annotated[list[UUID], Meta(min_length=1, max_length=100)]
    case_ids: Annotated[list[UUID], Meta(min_length=1, max_length=5000)] | None = None
    visit_on: date | None = None
    reason: Note | None = None


def commission_doc(request: Request, commission_id: UUID) -> dict[str, Any]:
    doc = q.get_doc(platform_of(request).views, "view_verification_commissions", str(commission_id))
    if doc is None:
        raise NotFound(f"受托事项 {commission_id} 不存在 (no such commission)")
    return doc


def report_rows(cases: list[dict[str, Any]]) -> list[list[Any]]:
    def rec(c: dict[str, Any], key: str) -> Any:
        return (c["recommendation"] or {}).get(key)

    return [[c.get("row") or "", c["organisation_name"], c["credit_code"], c["year"], label(STATUSES, c["status"]),
             c["checked_on"] or "", (c["site_check"] or {}).get("findings", ""),
             label(OUTCOMES, c["outcome"]) if c["outcome"] else "", rec(c, "score") or "", rec(c, "rating") or "",
             rec(c, "amount_fen") or 0, label(OUTCOMES, (c["decision"] or {}).get("decision")) if c["decision"]
             else "", c["clawed_back_fen"], c["recovered_fen"]] for c in cases]


SUMMARY = {"received": "受理", "checked": "已核查", "passed": "通过", "conditional": "有条件通过", "failed": "不通过",
           "recommended_fen": "建议金额（分）", "clawed_back_fen": "追回金额（分）", "recovered_fen": "已追回（分）"}
REPORT_HEADERS = ["行号", "单位名称", "统一社会信用代码", "年度", "状态", "核查日期", "核查发现", "核查意见", "得分",
                  "评级", "建议金额（分）", "委托方决定", "追回金额（分）", "已追回（分）"]


class CommissionsController(Controller):
    path = "/api/v1/commissions"
    tags = ["verification 受托核查"]  # noqa: RUF012

    @post("/", opt=allow("staff"), operation_id="createCommission", status_code=201)
    async def create(self, request: Request, data: CommissionIn) -> Done:
        """登记受托事项: the client, the kind of work, criteria (a checklist, or a scoring sheet with every
        item weighted; a rated kind also needs the published thresholds), deadline, fee."""
        p = platform_of(request)
        fields = msgspec.to_builtins(data)
        fields["due_on"] = data.due_on
        commission_id, position = await p.writer.run(verification.create_commission(fields, p.clock.today(),
                                                                                    actor_of(request)))
        return Done(id=commission_id, position=position)

    @get("/", opt=allow("staff", "auditor"), operation_id="listCommissions", sync_to_thread=True)
    def list(self, request: Request, min_position: MinPosition = None) -> CommissionsPage:
        """受托事项列表 (by deadline)."""
        p = platform_of(request)
        wait_for_view(p, "verification_commissions", min_position)
        return answer({"items": q.all_commissions(p.views)}, CommissionsPage)

    @get("/{id:uuid}", opt=allow("staff", "auditor", "reviewer"), operation_id="getCommission",
         sync_to_thread=True)
    def show(self, request: Request, id: UUID, min_position: MinPosition = None) -> CommissionAnswer:
        """受托事项详情: criteria, progress figures and the cases; an expert sees only the cases assigned to
        it (and nothing of a commission it has none in: 404)."""
        p = platform_of(request)
        wait_for_view(p, "verification_cases", min_position)
        doc, checker = commission_doc(request, id), expert_of(request)
        cases = q.cases_of(p.views, str(id), checker)
        if checker and not cases:
            raise NotFound(f"受托事项 {id} 不存在 (no such commission)")
        return answer({**doc, "figures": q.figures_of(cases), "cases": cases}, CommissionAnswer)

    @post("/{id:uuid}/criteria", opt=allow("staff"), operation_id="reviseCriteria", status_code=201)
    async def revise(self, request: Request, id: UUID, data: RevisionIn) -> Done:
        """修订核查标准: a new version; site checks already made keep theirs."""
        criteria = msgspec.to_builtins(data.criteria)
        thresholds = msgspec.to_builtins(data.thresholds) if data.thresholds is not None else None
        _, position = await platform_of(request).writer.run(verification.revise_criteria(
            id, criteria, thresholds, actor_of(request), data.reason))
        return Done(id=id, position=position)

    @post("/{id:uuid}/cases", opt=allow("staff"), operation_id="receiveCase", status_code=201)
    async def receive(self, request: Request, id: UUID, data: CaseIn) -> Received:
        """受理核查对象: an organisation's application for a year (member or not); the intake flags missing
        declared figures and earlier cases of the same organisation and year in any commission."""
        p = platform_of(request)
        done, position = await p.writer.run(verification.receive_case(
            id, msgspec.to_builtins(data), p.clock.today(), actor_of(request)))
        return Received(id=str(done["id"]), position=position, intake=done["intake"])

    @post("/{id:uuid}/cases/import", opt=allow("staff"), operation_id="importCases", status_code=200,
          sync_to_thread=True, request_max_body_size=UPLOAD_LIMIT)
    def import_cases(self, request: Request, id: UUID,
                     data: Annotated[CaseFile, Body(media_type=RequestEncodingType.MULTI_PART)]) -> CaseImport:
        """导入受理清单 (XLSX or CSV): 单位名称, 统一社会信用代码, 年度, then `declared_*` / `申报*` figures.
        Every bad row is reported with its row number; `dry_run` writes nothing; otherwise 422
        import_has_problems while a row is bad unless `skip_bad` (the good rows received in one go)."""
        p = platform_of(request)
        p.writer.execute(verification.exists(id))  # 404 before reading a file for no commission
        plan = plan_cases(read_upload(data.file.file.read(), data.file.filename), p.clock.today())
        errors = [RowProblemOut(e.row, e.field, e.column, e.message) for e in plan.problems]
        if data.dry_run:
            return CaseImport(True, plan.rows, len(plan.ready), errors, [], None)
        if plan.problems and not data.skip_bad:
            raise ImportHasProblems(plan)  # type: ignore[arg-type]  (it reads only .problems)
        received, position = p.writer.execute(verification.receive_rows(id, plan.ready, p.clock.today(),
                                                                         actor_of(request)))
        return CaseImport(False, plan.rows, len(plan.ready), errors, received, position)

    @post("/{id:uuid}/assignments", opt=allow("staff"), operation_id="assignCases", status_code=200)
    async def assign_in_bulk(self, request: Request, id: UUID, data: BulkIn,
                             min_position: MinPosition = None) -> BulkAssigned:
        """分派 in bulk: the named cases (or every case not yet assigned) to the checkers in turn; a
        conflicted checker is passed over; cases every checker is conflicted with are listed."""
        p = platform_of(request)
        case_ids = data.case_ids
        if case_ids is None:
            wait_for_view(p, "verification_cases", min_position)  # the import's position: its cases listed
            case_ids = [UUID(c["id"]) for c in q.cases_of(p.views, str(commission_doc(request, id)["id"]))
                        if c["status"] == "received"]
        done, position = await p.writer.run(verification.assign_in_bulk(
            id, case_ids, data.checker_ids, data.visit_on, actor_of(request), data.reason))
        return BulkAssigned(assigned=done["assigned"], refused=done["refused"], position=position)

    @get("/{id:uuid}/board", opt=allow("staff", "auditor"), operation_id="commissionBoard", sync_to_thread=True)
    def board(self, request: Request, id: UUID, min_position: MinPosition = None,
              from_: Annotated[date | None, Parameter(query="from")] = None,
              to: date | None = None) -> Board:
        """受托事项看板: cases by status, per checker, overdue (past the deadline or the planned visit),
        money still being recovered; the figures of all time, or of the days `from`..`to` (each case
        counted on the day it was received, checked, recommended, clawed back, recovered)."""
        p = platform_of(request)
        wait_for_view(p, "verification_cases", min_position)
        doc = commission_doc(request, id)
        cases = q.cases_of(p.views, str(id))
        if from_ is None and to is None:
            figures = q.figures_of(cases)
        else:
            first, last = (from_ or date(1990, 1, 1)).isoformat(), (to or date(2100, 12, 31)).isoformat()
            figures = within_period(cases, first, last)
        return answer({"id": doc["id"], "title": doc["title"], "due_on": doc["due_on"], "figures": figures,
                       **q.board(doc, cases, p.clock.today())}, Board)

    @get("/{id:uuid}/report", opt=allow("staff", "auditor"), operation_id="commissionReport",
         sync_to_thread=True, operation_class=exported_as(*_FILES.values()))
    def report(self, request: Request, id: UUID, format: Literal["csv", "xlsx"] = "xlsx",
               min_position: MinPosition = None) -> Response[bytes]:
        """报送委托方的核查报告: one row per case, then the summary figures (formulas neutralised)."""
        p = platform_of(request)
        wait_for_view(p, "verification_cases", min_position)
        doc = commission_doc(request, id)
        cases = q.cases_of(p.views, str(id))
        figures = q.figures_of(cases)
        rows = [*report_rows(cases), [], ["汇总 (summary)"],
                *([SUMMARY[name], name, value] for name, value in figures.items())]
        body = tabular(REPORT_HEADERS, rows, format, doc["title"][:31])
        return Response(body, media_type=_FILES[format], headers={
            "Content-Disposition": f"attachment; filename=\"commission-{id}.{format}\""})

