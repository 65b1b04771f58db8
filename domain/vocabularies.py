"""Built-in vocabularies of seed 002 (武汉市科协"企会协作创新计划"试点方案).

Stable English keys are what the platform stores and the API speaks; the
Chinese labels are the seed's own words. A client may send either: `key_of`
turns a label into its key and refuses anything outside the vocabulary, so
"光电子" and "optoelectronics" are the same sector and "光电" is none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, get_args

from domain.errors import InvalidValue

# The stored keys as types (msgspec and the OpenAPI document read them), each checked
# below against its labelled vocabulary so that the two never drift apart.
PrioritySector = Literal["optoelectronics", "biomedicine_health", "new_materials", "opto_mechatronics",
                         "resources_environment", "new_energy_efficiency", "high_tech_services",
                         "agriculture_rural"]
Sector = Literal[PrioritySector, "other"]
CooperationArea = Literal["strategy_consulting", "technology_information", "mass_innovation", "joint_research",
                          "technology_introduction", "talent_exchange", "other"]
ReportKind = Literal["annual", "completion"]
ProgressStatus = Literal["not_started", "in_progress", "done", "delayed"]
Rating = Literal["good", "fair", "poor"]
Grade = Literal["excellent", "good", "pass", "fail"]
ScreeningDecision = Literal["pass", "reject"]
ObjectionOutcome = Literal["dismissed", "upheld"]
PriorityBonus = Literal["priority_sector", "cross_sector", "multi_party"]
CorrectableDecision = Literal["approved", "terminated", "concluded"]
# An alliance's way (domain.alliances): approval puts it in progress.
AllianceStatus = Literal["draft", "submitted", "rejected", "under_review", "recommended", "not_recommended",
                         "in_public_notice", "not_approved", "in_progress", "concluded", "terminated"]


def keys(vocabulary: object) -> tuple[str, ...]:
    """The keys of a Literal vocabulary, in its order (nested Literals flattened)."""
    found: list[str] = []
    for arg in get_args(vocabulary):
        found += keys(arg) if get_args(arg) else [arg]
    return tuple(found)

# 三（三）2015年重点支持方向: the eight priority sectors, in the seed's order.
PRIORITY_SECTORS: Mapping[str, str] = {
    "optoelectronics": "光电子",
    "biomedicine_health": "生物医药与健康",
    "new_materials": "新材料",
    "opto_mechatronics": "光机电一体化",
    "resources_environment": "资源与环境",
    "new_energy_efficiency": "新能源与高效节能",
    "high_tech_services": "高技术服务业",
    "agriculture_rural": "农业与农村",
}
# An alliance (or organisation) outside the eight: the seed lists them "等行业", so others exist.
OTHER_SECTOR = "other"
SECTORS: Mapping[str, str] = {**PRIORITY_SECTORS, OTHER_SECTOR: "其他行业"}

# 二（一）实施内容 1–7: the seven cooperation contents; an alliance chooses one or more.
COOPERATION_CONTENTS: Mapping[str, str] = {
    "strategy_consulting": "开展企业科技战略咨询",
    "technology_information": "协助企业吸收转化先进技术信息",
    "mass_innovation": "推动企业群众性技术创新活动",
    "joint_research": "组织协同创新攻关项目",
    "technology_introduction": "帮助引进重大新技术项目或生产线",
    "talent_exchange": "促进人才交流和人才培养",
    "other": "其他有利于企业自主创新发展的产学研用合作内容",
}


# The platform's own vocabularies, labelled once for exports, imports, summaries and pages.
KIND_NAMES: Mapping[str, str] = {"enterprise": "企业", "society": "学会", "university_association": "高校科协",
                                 "institute": "科研院所", "service_agency": "服务机构"}
TIER_NAMES: Mapping[str, str] = {"member": "会员单位", "council": "理事单位", "vice_president": "副会长单位",
                                 "president": "会长单位"}
STATUS_NAMES: Mapping[str, str] = {"applied": "申请中", "admitted": "正常", "suspended": "暂停", "lapsed": "失效",
                                   "withdrawn": "已退会", "rejected": "未通过"}
LIBRARY_NAMES: Mapping[str, str] = {"tech_sme": "科技型中小企业库", "high_tech": "高新技术企业库",
                                    "advanced_service": "技术先进型服务企业库"}
STAGE_NAMES: Mapping[str, str] = {"startup_team": "创业团队", "tech_sme": "科技型中小企业",
                                  "high_tech": "高新技术企业", "little_giant": "科技小巨人领军企业"}
SESSION_KIND_NAMES: Mapping[str, str] = {"training": "小灶班", "salon": "小集会", "briefing": "政策宣讲",
                                         "matchmaking": "对接会"}
ROLE_NAMES: Mapping[str, str] = {"staff": "秘书处", "auditor": "审计", "reviewer": "评审专家", "member": "会员单位",
                                 "system": "系统", "public": "公众"}
RATING_NAMES: Mapping[str, str] = {"good": "好", "fair": "一般", "poor": "差"}
GRADE_NAMES: Mapping[str, str] = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}
REPORT_KIND_NAMES: Mapping[str, str] = {"annual": "年度报告", "completion": "总结报告"}

for _typed, _named in ((PrioritySector, PRIORITY_SECTORS), (Sector, SECTORS), (CooperationArea, COOPERATION_CONTENTS),
                       (Rating, RATING_NAMES), (Grade, GRADE_NAMES), (ReportKind, REPORT_KIND_NAMES)):
    assert keys(_typed) == tuple(_named), (_typed, tuple(_named))  # one vocabulary, two faces: same keys, same order


def require_key(vocabulary: object, value: str, field: str) -> str:
    """`value` when it is one of a Literal vocabulary's keys (a domain command called
    without the API's schema in front of it)."""
    allowed = keys(vocabulary)
    if value not in allowed:
        raise InvalidValue(f"{field} 须为 {' / '.join(allowed)}", field=field)
    return value


def label(vocabulary: Mapping[str, str], key: str | None) -> str:
    """The Chinese label of a key (the key itself when it has none, e.g. an old free-text value)."""
    return vocabulary.get(key or "", key or "—")


def key_of(vocabulary: Mapping[str, str], value: str, *, field: str, what: str) -> str:
    """The key for `value`, given as a key or as its Chinese label."""
    text = (value or "").strip()
    if text in vocabulary:
        return text
    for key, label in vocabulary.items():
        if text == label:
            return key
    choices = "、".join(vocabulary.values())
    raise InvalidValue(f"{what}「{text}」不在词表中，可选：{choices} (not in the vocabulary)", field=field)


def keys_of(vocabulary: Mapping[str, str], values: Iterable[str], *, field: str, what: str) -> list[str]:
    """Keys for several values, in the order given, without repeats."""
    keys: list[str] = []
    for value in values:
        key = key_of(vocabulary, value, field=field, what=what)
        if key not in keys:
            keys.append(key)
    return keys


def sector_key(value: str, field: str = "sector") -> str:
    return key_of(SECTORS, value, field=field, what="行业")


def priority_sector_keys(values: Iterable[str], field: str = "priority_sectors") -> list[str]:
    return keys_of(PRIORITY_SECTORS, values, field=field, what="重点支持方向")


def cooperation_keys(values: Iterable[str], field: str = "cooperation_areas") -> list[str]:
    return keys_of(COOPERATION_CONTENTS, values, field=field, what="合作内容")


def as_listing(vocabulary: Mapping[str, str]) -> list[dict[str, str]]:
    """The vocabulary as the API shows it: [{key, label}] in the seed's order."""
    return [{"key": k, "label": v} for k, v in vocabulary.items()]
