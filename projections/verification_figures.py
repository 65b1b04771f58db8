"""Commissioned verification's figures for a period (受托核查): cases received, checked and
recommended in it (pass, conditional, fail), the amounts recommended, clawed back and recovered."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct

from projections.figures import Figures, Period
from projections.view import decode_doc


class VerificationFigures(Struct, frozen=True):
    received: Annotated[int, Meta(description="受理核查对象数（期内受理）(cases received)")]
    checked: Annotated[int, Meta(description="完成现场核查数（期内核查日期）(cases checked on site)")]
    passed: Annotated[int, Meta(description="核查意见通过 (recommended pass)")]
    conditional: Annotated[int, Meta(description="核查意见有条件通过 (recommended with conditions)")]
    failed: Annotated[int, Meta(description="核查意见不通过 (recommended fail)")]
    recommended_fen: Annotated[int, Meta(description="核查意见建议金额合计，分 (amounts recommended, fen)")]
    clawed_back_fen: Annotated[int, Meta(description="期内责令追回金额，分 (clawbacks ordered, fen)")]
    recovered_fen: Annotated[int, Meta(description="期内已追回金额，分 (recovered, fen)")]


def within_period(cases: list[dict[str, Any]], first: str, last: str) -> dict[str, int]:
    """The cases' figures for the days first..last (ISO, inclusive): each counted on its own date —
    received, checked, recommended, clawback ordered, money recovered."""

    def within(day: str | None) -> bool:
        return day is not None and first <= day <= last

    recommended = [c["recommendation"] for c in cases if c["recommendation"] and within(c["recommended_on"])]
    return {
        "received": sum(1 for c in cases if within(c["received_on"])),
        "checked": sum(1 for c in cases if within(c["checked_on"])),
        "passed": sum(1 for r in recommended if r["outcome"] == "pass"),
        "conditional": sum(1 for r in recommended if r["outcome"] == "conditional"),
        "failed": sum(1 for r in recommended if r["outcome"] == "fail"),
        "recommended_fen": sum(r["amount_fen"] or 0 for r in recommended),
        "clawed_back_fen": sum(b["amount_fen"] for c in cases for b in c["clawbacks"] if within(b["ordered_on"])),
        "recovered_fen": sum(r["amount_fen"] for c in cases for r in c["recoveries"] if within(r["recovered_on"]))}


def count(tx: Any, period: Period) -> VerificationFigures:
    first, last = period.start.isoformat(), period.end.isoformat()
    # Checks, recommendations and recoveries come after receipt: every case received by the end is read.
    cases = [decode_doc(r["doc"]) for r in tx.fetchall(
        "SELECT doc FROM view_verification_cases WHERE received_on <= ?", (last,))]
    return VerificationFigures(**within_period(cases, first, last))


FIGURES = Figures("verification", "受托核查 (commissioned verification)", VerificationFigures, count)
