"""What the alliance routes answer (issue 14): programmes, alliances and the
vocabularies, typed, so the served OpenAPI document describes them. The outer
documents are typed field by field; the parts whose entries vary (an agreement
version, an eligibility report, a report's versions, the history) stay open
objects. Fields a document may lack are UNSET (left out of the JSON, as before)."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import UNSET, Meta, UnsetType

from api.schemas import Answer

_Open = dict[str, Any]
_Record = dict[str, _Open]  # entries by id (a party, a reviewer, a report, ...)


# -- vocabularies ----------------------------------------------------------------------------------
class Term(Answer):
    """One entry of a vocabulary."""

    key: Annotated[str, Meta(description="键，请求中使用 (the key, as requests send it)")]
    label: Annotated[str, Meta(description="中文名 (the Chinese label)")]


_Terms = list[Term]


class Vocabularies(Answer):
    """词表 of the programme (seed 002)."""

    priority_sectors: Annotated[_Terms, Meta(description="八个重点支持行业 (the seed's eight priority sectors)")]
    sectors: Annotated[_Terms, Meta(description="行业，含其他行业 (sectors, with 其他行业 for one outside them)")]
    cooperation_contents: Annotated[_Terms, Meta(description="七项合作内容 (the seven cooperation contents)")]
    priorities: Annotated[_Terms, Meta(description="计划可奖励的优先支持项 (the priorities a programme may reward)")]


# -- the programme ---------------------------------------------------------------------------------
_Labels = Annotated[list[str], Meta(description="优先支持领域的中文名 (the priority sectors' labels)")]
_Grants = Annotated[dict[str, int], Meta(description="各联盟的资助额，分 (granted per alliance id, fen)")]
_Settings = Annotated[_Open, Meta(description="计划设置：评审指标、加分、同分顺序、公示天数、报告期限 (the settings)")]
_Priorities = Annotated[dict[str, str], Meta(description="优先支持项及其依据 (each priority and the rule it rewards)")]
_Standings = Annotated[list[_Open] | None,
                       Meta(description="排名，最优在前 (standings, best first; null before a round)")]
_Rounds = Annotated[list[_Open], Meta(description="各轮排序 (every round of ranking)")]
_SettingsHistory = Annotated[list[_Open], Meta(description="设置变更记录 (settings changes, as recorded)")]


class ProgramAnswer(Answer):
    """年度计划: budget, grants, settings, every ranking round and the standings."""

    id: str
    year: int
    title: str
    budget_fen: int
    priority_sectors: list[str]
    priority_sector_labels: _Labels
    submission_opens_at: Annotated[str, Meta(description="申报开始时间 (submissions open at)")]
    submission_closes_at: Annotated[str, Meta(description="申报截止时间 (submissions close at)")]
    grants: _Grants
    granted_fen: Annotated[int, Meta(description="已资助总额，分 (granted in total, fen)")]
    remaining_fen: Annotated[int, Meta(description="预算余额，分 (budget left, fen)")]
    settings: _Settings
    notice_days: int
    pass_score: float | None
    priorities: _Priorities
    ranking: _Standings
    rankings: _Rounds | UnsetType = UNSET
    settings_history: _SettingsHistory | UnsetType = UNSET


# -- the alliance ----------------------------------------------------------------------------------
_Parties = Annotated[list[str], Meta(description="联盟各方，企业在前 (the parties, enterprises first)")]
_Glimpse = Annotated[bool, Meta(description="须先声明无利益冲突 (declare no conflict to see more)")]
_Agreement = Annotated[_Open, Meta(description="协议书当前版本 (the agreement in force)")]
_Versions = Annotated[list[_Open], Meta(description="协议书各版本 (every agreement version)")]
_Signatures = Annotated[list[str], Meta(description="已签署当前版本的各方 (parties that signed this version)")]
_Declarations = Annotated[_Record, Meta(description="各方申报声明 (each party's declaration)")]
_Eligibility = Annotated[_Open | None, Meta(description="资格审查报告 (the eligibility report)")]
_Reviewers = Annotated[_Record, Meta(description="评审专家及评分 (reviewers and their reviews)")]
_Score = Annotated[_Open | None, Meta(description="评审得分 (the score the ranking gave)")]
_Objections = Annotated[_Record, Meta(description="异议 (objections)")]
_Payments = Annotated[list[_Open], Meta(description="拨付记录 (tranches paid)")]
_Amendments = Annotated[_Record, Meta(description="变更申请 (amendments)")]
_Reports = Annotated[_Record, Meta(description="年度报告与总结报告，各含历次版本 (reports, each with its versions)")]
_Overdue = Annotated[list[_Open], Meta(description="逾期报告 (reports flagged overdue)")]
_Inspections = Annotated[list[_Open], Meta(description="检查评估 (inspections)")]
_Rectifications = Annotated[_Record, Meta(description="整改事项 (rectifications, by inspection)")]
_History = Annotated[list[_Open], Meta(description="状态记录 (status changes and decisions, as recorded)")]


class AllianceAnswer(Answer):
    """联盟档案: status, every agreement version, eligibility, scores, objections, grants,
    payments, reports, inspections. A reviewer who has not declared no conflict sees
    only id, title, parties and status, with `declaration_required`."""

    id: str
    title: str
    status: str
    parties: _Parties
    declaration_required: _Glimpse | UnsetType = UNSET
    program_id: str | UnsetType = UNSET
    sector: str | UnsetType = UNSET
    sector_label: Annotated[str, Meta(description="行业中文名 (the sector's label)")] | UnsetType = UNSET
    agreement: _Agreement | UnsetType = UNSET
    agreement_version: Annotated[int, Meta(description="协议书版本号 (the agreement's version)")] | UnsetType = UNSET
    versions: _Versions | UnsetType = UNSET
    signatures: _Signatures | UnsetType = UNSET
    signed_on: Annotated[dict[str, str], Meta(description="各方签署当前版本的日期（纸质签署按实际日期）(the day each "
                                                           "party signed this version)")] | UnsetType = UNSET
    declarations: _Declarations | UnsetType = UNSET
    eligibility: _Eligibility | UnsetType = UNSET
    reviewers: _Reviewers | UnsetType = UNSET
    score: _Score | UnsetType = UNSET
    rank: Annotated[int | None, Meta(description="排名 (rank)")] | UnsetType = UNSET
    ranking_round: Annotated[int | None, Meta(description="排序轮次 (the round that ranked it)")] | UnsetType = UNSET
    notice_ends_at: Annotated[str | None, Meta(description="公示结束时间 (notice ends at)")] | UnsetType = UNSET
    objections: _Objections | UnsetType = UNSET
    granted_fen: int | UnsetType = UNSET
    payments: _Payments | UnsetType = UNSET
    amendments: _Amendments | UnsetType = UNSET
    reports: _Reports | UnsetType = UNSET
    overdue_reports: _Overdue | UnsetType = UNSET
    inspections: _Inspections | UnsetType = UNSET
    rectifications: _Rectifications | UnsetType = UNSET
    grade: str | UnsetType = UNSET
    recover_fen: int | UnsetType = UNSET
    history: _History | UnsetType = UNSET
    approved_on: Annotated[str | None, Meta(description="批准日期 (day of the approval)")] | UnsetType = UNSET
    terminated_on: Annotated[str | None, Meta(description="终止日期 (day of the termination)")] | UnsetType = UNSET
    concluded_on: Annotated[str | None, Meta(description="结题日期 (day of the conclusion)")] | UnsetType = UNSET
    as_of: str | UnsetType = UNSET
    known_as_of: str | UnsetType = UNSET


class AlliancesPage(Answer):
    """协议书登记: the alliances the caller may see."""

    items: list[AllianceAnswer]
    next_cursor: str | None = None
