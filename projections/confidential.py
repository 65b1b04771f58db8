"""What an alliance's parties may not learn about their own review (seed 002:
expert review and public notice are confidential towards the applicants).

Staff and auditors see every event whole. Anyone else reading an
organisation's history sees review and objection events without the person
behind them: no reviewer, no scores' comments, no objector and no way to
reach them; an objection shows as "公示异议" with its grounds.
"""

from __future__ import annotations

from typing import Any

NOBODY = {"id": None, "role": None, "organisation_id": None, "name": "—"}

# (aggregate type, event type) -> the data fields a party may see.
_PARTY_VIEW: dict[tuple[str, str], tuple[str, ...]] = {
    ("Alliance", "ReviewerAssigned"): (),
    ("Alliance", "Declared"): (),
    ("Alliance", "Reviewed"): (),
    ("Alliance", "Objected"): ("objection_id", "grounds"),
    ("Alliance", "ObjectionResolved"): ("objection_id", "outcome"),
}
_PARTY_SUMMARY = {
    ("Alliance", "ReviewerAssigned"): "分配评审专家",
    ("Alliance", "Declared"): "评审专家声明无利益冲突",
    ("Alliance", "Reviewed"): "专家评审",
    ("Alliance", "Objected"): "公示异议",
}


def is_confidential(aggregate_type: str, event_type: str) -> bool:
    return (aggregate_type, event_type) in _PARTY_VIEW


def for_party(item: dict[str, Any]) -> dict[str, Any]:
    """An audit item (projections.audit._item) as a party may see it."""
    key = (item["aggregate_type"], item["type"])
    visible = _PARTY_VIEW.get(key)
    if visible is None:
        return item
    data = item.get("data") or {}
    summary = _PARTY_SUMMARY.get(key, item["summary"])
    if key == ("Alliance", "Objected"):
        summary = f"公示异议：{data.get('grounds', '')}"
    return {**item, "actor": dict(NOBODY), "summary": summary, "reason": item["reason"] if visible else None,
            "data": {k: data[k] for k in visible if k in data}}


def for_viewer(items: list[dict[str, Any]], role: str | None) -> list[dict[str, Any]]:
    if role in ("staff", "auditor"):
        return items
    return [for_party(i) for i in items]
