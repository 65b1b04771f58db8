"""Import of an association's existing member list by upload (API.md "Organisations
and members"): the same checks and the same import as `qihui members import`
(service.roster_files.plan_import / run_import), for a file sent as a multipart
upload. The staff desk's import page (api.pages.desk_members) calls the same two
functions below, so the command line, the API and the page cannot disagree.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from msgspec import Meta

from api.deps import platform_of
from api.policy import actor_of, allow
from domain.errors import DomainError, InvalidValue
from domain.values import Actor
from service.roster_files import ImportPlan, plan_import, read_table, run_import

UPLOAD_LIMIT = 16 << 20  # some tens of thousands of rows (the app's default body limit is 1 MiB)
XLSX_MAGIC = b"PK\x03\x04"
Year = Annotated[int, Meta(ge=1949, le=2100)]


class ImportHasProblems(DomainError):
    """Nothing imported: some rows are bad (and `skip_bad` was not asked)."""

    code = "import_has_problems"
    status = 422

    def __init__(self, plan: ImportPlan):
        super().__init__(f"文件中有 {len(plan.problems)} 处错误，未导入任何数据；请改正后重新上传，或选择跳过错误行 "
                         f"(nothing imported: {len(plan.problems)} problems; fix them or pass skip_bad)",
                         field="file")


# -- what the API and the page share -------------------------------------------------------------
def _as_file(content: bytes, filename: str | None) -> tuple[bytes, str]:
    """The upload's bytes and its suffix: XLSX by its zip signature or name, else CSV (UTF-8,
    or GB18030 as spreadsheet programs on Chinese Windows save it, re-encoded as UTF-8)."""
    name = (filename or "").lower()
    if content.startswith(XLSX_MAGIC) or name.endswith(".xlsx"):
        return content, ".xlsx"
    if name and not name.endswith((".csv", ".txt")):
        raise InvalidValue("只接受 .xlsx 或 .csv 文件 (an .xlsx or .csv file only)", field="file")
    try:
        content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            content = content.decode("gb18030").encode("utf-8")
        except UnicodeDecodeError:
            raise InvalidValue("CSV 文件须为 UTF-8 或 GBK 编码 (CSV must be UTF-8 or GBK)", field="file") from None
    return content, ".csv"


def read_upload(content: bytes, filename: str | None) -> list[dict[str, Any]]:
    """The rows of an uploaded file, as `qihui members import` reads a file on disk."""
    if not content:
        raise InvalidValue("文件为空 (the file is empty)", field="file")
    content, suffix = _as_file(content, filename)
    with tempfile.TemporaryDirectory(prefix="qihui-import-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            return read_table(path)
        except Exception as exc:  # noqa: BLE001 (a damaged workbook, a CSV that is not one: any reader error)
            raise InvalidValue(f"无法读取此文件：{type(exc).__name__} (the file cannot be read)",
                               field="file") from None


def is_registered(platform: Any, credit_code: str) -> bool:
    """Whether the platform already knows the credit code (its claim, as the command line asks)."""
    from eventsourcing.application import AggregateNotFoundError

    from domain.unique import claim_id

    try:
        platform.app.repository.get(claim_id("credit_code", credit_code))
    except AggregateNotFoundError:
        return False
    return True


def plan_upload(platform: Any, content: bytes, filename: str | None, *,
                dues_paid_through: int | None = None) -> ImportPlan:
    return plan_import(read_upload(content, filename), lambda code: is_registered(platform, code),
                       today=platform.clock.today(), grace_days=platform.settings.dues_grace_days,
                       dues_paid_through=dues_paid_through)


def import_planned(platform: Any, plan: ImportPlan, actor: Actor, *, skip_bad: bool, allow_lapse: bool) -> int:
    """Import the plan's good rows: refused while rows are bad (unless `skip_bad`), and while
    members would lapse at the scheduler's next tick (unless `allow_lapse`), as on the command line."""
    if plan.problems and not skip_bad:
        raise ImportHasProblems(plan)
    return run_import(platform.writer, plan, actor, platform.views, allow_lapse=allow_lapse)


# -- the route -------------------------------------------------------------------------------------
class MemberFile(msgspec.Struct):
    file: Annotated[UploadFile, Meta(description="会员名单文件，.xlsx 或 .csv，首行为表头 (the member list, .xlsx or "
                                                 ".csv, headers on the first row)")]
    dry_run: Annotated[bool, Meta(description="只检查、不导入 (check only, import nothing)")] = False
    skip_bad: Annotated[bool, Meta(description="跳过错误行，导入其余各行 (import the good rows even if some are "
                                               "bad)")] = False
    allow_lapse: Annotated[bool, Meta(description="允许导入后即将因欠费失效的会员 (import even if members would "
                                                  "lapse at the scheduler's next tick)")] = False
    dues_paid_through: Annotated[Year | None, Meta(description="会费缴至年度，用于文件中未注明的各行 (dues paid up to "
                                                              "this year where the file says no later)")] = None


class RowProblemOut(msgspec.Struct):
    row: Annotated[int, Meta(description="文件中的行号（表头为第 1 行）(row number; the header is row 1)")]
    field: Annotated[str, Meta(description="平台的字段名 (the platform's field name)")]
    column: Annotated[str, Meta(description="文件中的列名 (the file's own column header)")]
    message: Annotated[str, Meta(description="错误说明及可接受的值 (what is wrong, and what is accepted)")]


class RowPlanOut(msgspec.Struct):
    row: Annotated[int, Meta(description="文件中的行号 (row number)")]
    credit_code: Annotated[str, Meta(description="统一社会信用代码 (credit code)")]
    name: Annotated[str, Meta(description="单位名称 (name)")]
    text: Annotated[str, Meta(description="导入此行将做什么 (what importing this row does)")]
    lapsing: Annotated[bool, Meta(description="导入后下次定时任务即失效 (lapses at the scheduler's next tick)")]


class ExistingRowOut(msgspec.Struct):
    row: Annotated[int, Meta(description="文件中的行号 (row number)")]
    credit_code: Annotated[str, Meta(description="已登记的统一社会信用代码 (the credit code already registered)")]


class ImportReport(msgspec.Struct):
    dry_run: Annotated[bool, Meta(description="是否仅为检查 (a dry run: nothing written)")]
    rows: Annotated[int, Meta(description="文件中的数据行数 (data rows in the file)")]
    to_import: Annotated[int, Meta(description="可导入的行数 (rows ready to import)")]
    problems: Annotated[list[RowProblemOut], Meta(description="每一处错误，按行号 (every problem, by row)")]
    plan: Annotated[list[RowPlanOut], Meta(description="每个可导入行将发生什么 (what happens to each good row)")]
    already_registered: Annotated[list[ExistingRowOut], Meta(
        description="平台上已有、将跳过的行 (rows already on the platform, skipped)")]
    lapsing: Annotated[int, Meta(description="导入后即将失效的会员数 (members who would lapse at the next tick)")]
    imported: Annotated[int | None, Meta(description="实际导入的单位数；仅检查时为空 (organisations imported; "
                                                     "null on a dry run)")] = None


def report(plan: ImportPlan, *, dry_run: bool, imported: int | None = None) -> ImportReport:
    return ImportReport(
        dry_run=dry_run, rows=plan.rows, to_import=len(plan.ready),
        problems=[RowProblemOut(p.row, p.field, p.column, p.message) for p in plan.problems],
        plan=[RowPlanOut(o.row, o.credit_code, o.name, o.text, o.lapsing) for o in plan.outcomes],
        already_registered=[ExistingRowOut(row, code) for row, code in plan.existing],
        lapsing=len(plan.lapsing), imported=imported)


class MemberImportController(Controller):
    path = "/api/v1/members/import"
    tags = ["members 会员"]  # noqa: RUF012

    @post("/", opt=allow("staff"), operation_id="importMembers", status_code=200, sync_to_thread=True,
          request_max_body_size=UPLOAD_LIMIT)
    def upload(self, request: Request,
               data: Annotated[MemberFile, Body(media_type=RequestEncodingType.MULTI_PART)]) -> ImportReport:
        """导入会员名单: the existing member list as XLSX or CSV (the columns `qihui members export`
        writes: 单位名称, 统一社会信用代码, 单位类型, 所属行业, 联系人, 联系电话, 入会日期, …).
        `dry_run` checks every row and says what would happen to it (including who would lapse at
        the scheduler's next tick), writing nothing. Without it the good rows are imported, each
        organisation admitted on its real 入会日期; 422 import_has_problems (nothing written) while a
        row is bad unless `skip_bad`; 409 import_would_lapse unless the dues are given or
        `allow_lapse`. A second upload of the same file changes nothing."""
        p = platform_of(request)
        plan = plan_upload(p, data.file.file.read(), data.file.filename, dues_paid_through=data.dues_paid_through)
        if data.dry_run:
            return report(plan, dry_run=True)
        imported = import_planned(p, plan, actor_of(request), skip_bad=data.skip_bad, allow_lapse=data.allow_lapse)
        return report(plan, dry_run=False, imported=imported)
