"""The secretariat's workbench (工作台): what waits today — applications, this week's
sessions with their fill rates, overdue reports, amendment requests,
rectifications and open objections — and the year's figures at a glance; and the
figures page (数据汇总) for any period, printable and exported as XLSX.

Every number comes from the views the JSON API reads: the roster
(projections.roster), sessions (projections.sessions), the alliance register
(projections.alliances) and the figures summary GET /api/v1/stats/summary answers
(Platform.summary, each context's section). Charts are SVG drawn by the template on the
server (desk/_charts.html): they print, and need no script and no library.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.params import Parameter
from litestar.response import Redirect, Template

from api import i18n
from api.deps import platform_of
from api.pages.desk_base import DESK, READERS, ROUTE, D, desk, fill_rate, local_day_bounds
from api.pages.web import lang_of, redirect, who
from domain.vocabularies import SECTORS
from projections import alliances as alliance_views
from projections import roster
from projections import sessions as session_views
from service.spreadsheets import MEDIA_TYPES, tabular

Day = Annotated[str | None, Parameter(max_length=10)]


def bars(rows: list[tuple[str, int | float]]) -> list[dict[str, Any]]:
    """Rows for a bar chart: each value's share of the largest, for the SVG's widths."""
    top = max((v for _, v in rows), default=0) or 1
    return [{"label": label, "value": value, "share": value / top} for label, value in rows]


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _period(p: Any, start: str | None, end: str | None) -> tuple[date, date]:
    """The period asked for; by default this year to date."""
    today = p.clock.today()
    first, last = _day(start) or date(today.year, 1, 1), _day(end) or today
    return (first, last) if first <= last else (last, first)


def _alliance_work(docs: list[dict[str, Any]], now: str, today: str) -> dict[str, list[dict[str, Any]]]:
    """What the alliance register says needs the secretariat (read from each alliance's record)."""
    work: dict[str, list[dict[str, Any]]] = {"overdue": [], "amendments": [], "rectifications": [],
                                             "objections": [], "reports": [], "to_screen": [], "notice_over": []}
    for a in docs:
        filed = {(r["kind"], r["year"]) for r in a.get("reports", {}).values() if r["status"] != "returned"}
        for due in a.get("overdue_reports", []):
            if (due["kind"], due["year"]) not in filed:
                work["overdue"].append({"a": a, **due})
        for amendment in a.get("amendments", {}).values():
            if amendment["status"] == "requested":
                work["amendments"].append({"a": a, **amendment})
        for inspection_id, rect in a.get("rectifications", {}).items():
            if rect["status"] == "open":
                work["rectifications"].append({"a": a, "id": inspection_id, "late": rect["due_on"] < today, **rect})
        for objection in a.get("objections", {}).values():
            if objection["status"] == "open":
                work["objections"].append({"a": a, **objection})
        for report in a.get("reports", {}).values():
            if report["status"] == "filed":
                work["reports"].append({"a": a, **report})
        if a["status"] == "submitted":
            work["to_screen"].append({"a": a})
        if a["status"] == "in_public_notice" and (a.get("notice_ends_at") or "") <= now:
            work["notice_over"].append({"a": a})
    return work


def figures_of(request: Request, start: date, end: date) -> dict[str, Any]:
    """GET /api/v1/stats/summary's answer for the period, and its charts' rows."""
    p = platform_of(request)
    lang = lang_of(request)
    figures = p.summary(start, end)
    members, sessions_, alliances_ = figures["members"], figures["sessions"], figures["alliances"]
    return {
        "figures": figures,
        "chart_members": bars([(i18n.t(lang, "desk.fig.at_start"), members["at_start"]),
                               (i18n.t(lang, "desk.fig.admitted"), members["admitted"]),
                               (i18n.t(lang, "desk.fig.left"), members["left"]),
                               (i18n.t(lang, "desk.fig.at_end"), members["at_end"])]),
        "chart_sessions": bars([(i18n.label(lang, "session_kind", k), n)
                                for k, n in sorted(sessions_["by_kind"].items())]),
        "chart_status": bars([(i18n.label(lang, "alliance_status", k), n)
                              for k, n in sorted(alliances_["by_status"].items())]),
        "chart_sectors": bars([(SECTORS.get(k, k), v["alliances"])
                               for k, v in sorted(alliances_["by_sector"].items())]),
    }


def figure_rows(lang: str, figures: dict[str, Any]) -> list[list[Any]]:
    """The summary as rows (section, item, value) for the spreadsheet."""
    t = lambda key: i18n.t(lang, key)  # noqa: E731
    m, s, a = figures["members"], figures["sessions"], figures["alliances"]
    rows: list[list[Any]] = [[t("desk.fig.period"), t("desk.fig.from"), figures["from"]],
                             [t("desk.fig.period"), t("desk.fig.to"), figures["to"]]]
    rows += [[t("desk.fig.members"), t(f"desk.fig.{k}"), m[k]] for k in ("at_start", "admitted", "left", "at_end")]
    rows.append([t("desk.fig.sessions"), t("desk.fig.held"), s["held"]])
    rows += [[t("desk.fig.sessions"), i18n.label(lang, "session_kind", k), n] for k, n in sorted(s["by_kind"].items())]
    rows.append([t("desk.fig.sessions"), t("desk.fig.attendees"), s["attendees"]])
    rows.append([t("desk.fig.sessions"), t("desk.fig.rating"), s["average_rating"] if s["average_rating"] else ""])
    rows.append([t("desk.fig.alliances"), t("desk.fig.submitted"), a["submitted"]])
    rows += [[t("desk.fig.alliances"), i18n.label(lang, "alliance_status", k), n]
             for k, n in sorted(a["by_status"].items())]
    rows += [[t("desk.fig.by_sector"), SECTORS.get(k, k), v["alliances"]] for k, v in sorted(a["by_sector"].items())]
    rows += [[t("desk.fig.by_sector_granted"), SECTORS.get(k, k), v["granted_fen"] / 100]
             for k, v in sorted(a["by_sector"].items())]
    rows.append([t("desk.fig.alliances"), t("desk.fig.granted"), a["granted_fen"] / 100])
    return rows


class DeskHomePages(Controller):
    path = ROUTE

    @get("/", opt=DESK, sync_to_thread=True)
    def dashboard(self, request: Request) -> Template | Redirect:
        """工作台."""
        principal: Any = who(request)
        if principal.role == "reviewer":
            return redirect(f"{D}/reviews")
        p = platform_of(request)
        today = p.clock.today()
        applications, _, pending = roster.list_members(
            p.views, roster.RosterQuery(status="applied", sort="applied"), limit=8, cursor=None)
        day_from, day_to = local_day_bounds(p, today, today)
        _, week_to = local_day_bounds(p, today, today + timedelta(days=6))
        week = session_views.list_sessions(p.views, kind=None, starts_from=day_from, starts_to=week_to, limit=200,
                                           after=None)
        numbers = session_views.counts(p.views, [s["id"] for s in week])
        rows = [{"s": s, "n": numbers[s["id"]], "fill": fill_rate(numbers[s["id"]]["confirmed"], s["capacity"]),
                 "today": s["starts_at"] < day_to} for s in week if s["status"] == "scheduled"]
        docs = alliance_views.register(p.views, program_id=None, status=None, sector=None, as_of=None, limit=100_000)
        year = figures_of(request, date(today.year, 1, 1), today)
        return desk(request, "desk/dashboard.html", applications=applications, pending=pending or 0,
                    sessions=rows, work=_alliance_work(docs, p.clock.now().isoformat(), today.isoformat()), today=today,
                    **year)

    @get("/figures", opt=READERS, sync_to_thread=True)
    def figures(self, request: Request, from_: Annotated[str | None, Parameter(query="from", max_length=10)] = None,
                to: Day = None) -> Template:
        """数据汇总: any period, as the seeds' annual work summaries."""
        p = platform_of(request)
        start, end = _period(p, from_, to)
        return desk(request, "desk/figures.html", start=start, end=end, **figures_of(request, start, end))

    @get("/figures/export", opt=READERS, sync_to_thread=True)
    def export(self, request: Request, from_: Annotated[str | None, Parameter(query="from", max_length=10)] = None,
               to: Day = None) -> Response[bytes]:
        """数据汇总.xlsx."""
        p = platform_of(request)
        lang = lang_of(request)
        start, end = _period(p, from_, to)
        figures = p.summary(start, end)
        body = tabular([i18n.t(lang, "desk.fig.section"), i18n.t(lang, "desk.fig.item"),
                        i18n.t(lang, "desk.fig.value")], figure_rows(lang, figures), "xlsx", "数据汇总")
        return Response(body, media_type=MEDIA_TYPES["xlsx"], headers={
            "Content-Disposition": f'attachment; filename="figures-{start}-{end}.xlsx"', "Cache-Control": "no-store"})
