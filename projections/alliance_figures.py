"""The alliance programme's figures: alliances submitted in a period by status and sector,
and the funding approved in it."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from msgspec import Meta, Struct

from projections.figures import Figures, Period
from projections.view import decode_doc


class SectorFigures(Struct, frozen=True):
    alliances: Annotated[int, Meta(description="联盟数 (alliances)")]
    granted_fen: Annotated[int, Meta(description="资助金额，分 (funding granted, fen)")]


class AllianceFigures(Struct, frozen=True):
    submitted: Annotated[int, Meta(description="期内提交的联盟 (alliances submitted in the period)")]
    by_status: Annotated[dict[str, int], Meta(description="按当前状态 (per current status)")]
    by_sector: Annotated[dict[str, SectorFigures], Meta(description="按行业 (per sector)")]
    granted_fen: Annotated[int, Meta(description="期内批准的资助，分 (funding approved in the period, fen)")]


def count(tx: Any, period: Period) -> AllianceFigures:
    alliances = [decode_doc(r["doc"]) for r in tx.fetchall("SELECT doc FROM view_alliances")]
    submitted = [a for a in alliances if any(h["event"] == "submitted" and period.holds(h["recorded_at"])
                                             for h in a["history"])]
    by_sector: dict[str, list[int]] = {}
    for a in submitted:
        tally = by_sector.setdefault(a["sector"], [0, 0])
        tally[0] += 1
        tally[1] += a.get("granted_fen", 0)
    granted = sum(h.get("granted_fen", 0) for a in alliances for h in a["history"]
                  if h["event"] == "approved" and period.holds(h["recorded_at"]))
    return AllianceFigures(
        submitted=len(submitted), by_status=dict(Counter(a["status"] for a in submitted)),
        by_sector={s: SectorFigures(alliances=n, granted_fen=fen) for s, (n, fen) in by_sector.items()},
        granted_fen=granted)


FIGURES = Figures("alliances", "企会协作创新联盟 (alliances)", AllianceFigures, count)
