# ruff: noqa: E501  (the stored events are pasted literally, one line each)
"""Events stored before the alliance model was typed (issue 14) still load and behave
the same. The stored JSON below is what the code wrote before: captured from a run of
tests/test_alliance_dates.py and tests/test_alliances.py on SQLite, pasted literally.
Loaded now, the agreement and the report's progress come back as typed values
(domain.alliance_values), the audit log and the API show the same JSON as before, and
the alliance's commands go on from there."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

import msgspec
import pytest
from eventsourcing.persistence import StoredEvent

from domain.alliance_values import Agreement, ProgressItem
from domain.alliances import Alliance
from domain.application import Qihui
from domain.errors import DomainError
from domain.values import Actor
from projections.records import event_record
from tests.http import ok

PROGRAM_ID = UUID("03068935-f304-4713-81a7-9b7406134109")
ALLIANCE_ID = UUID("2e189516-8d8f-40c0-aaeb-7efeed87ad99")
# Program.Opened, version 1, as stored.
PROGRAM_OPENED = r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:00.703637+00:00"},"originator_topic":"domain.alliances:Program","year":2026,"title":"企会协作创新计划","budget_fen":100000000,"priority_sectors":["optoelectronics","biomedicine_health","new_materials"],"submission_opens_at":{"_type_":"datetime_iso","_data_":"2026-12-01T13:22:00.702097+00:00"},"submission_closes_at":{"_type_":"datetime_iso","_data_":"2027-01-01T13:22:00.702097+00:00"},"notice_days":7,"pass_score":null,"actor":{"_type_":"actor","_data_":{"id":"04391bb5-5cc0-42f9-afef-6445dbf137a9","role":"staff","organisation_id":null}},"reason":null,"settings":{"criteria":{"innovation":1.0,"feasibility":1.0,"team":1.0,"collaboration":1.0,"benefit":1.0},"bonuses":{},"tie_breakers":["priority_sector","cross_sector","multi_party"],"annual_report_due_days":90,"completion_report_due_days":90}}'''
# The alliance's events 1–18 as stored by one test run; 19 (Paid) and 20 (ReportFiled) as stored
# for another alliance of the same run (event states name no aggregate), to cover them too.
ALLIANCE_EVENTS = [
    ("domain.alliances:Alliance.Drafted",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:01.787952+00:00"},"originator_topic":"domain.alliances:Alliance","program_id":{"_type_":"uuid_hex","_data_":"03068935f304471381a79b7406134109"},"agreement":{"other_sectors":[],"work_plan":"企业提出需求、学会组织专家，按季度联合攻关","indicators":[{"due_on":"2027-06-30","indicator":"完成样机设计评审"},{"due_on":"2027-12-31","indicator":"样机通过第三方测试"}],"safeguards":"双方各派联络人，每月例会，专家驻企","contributions":[{"party_id":"5ef94670-145e-4855-8cb1-fcaeff551617","amount_fen":40000000}],"fund_use_direction":"样机材料、测试与专家劳务","fund_use_scope":"仅限本联盟任务，不得挪用","dedicated_account":{"bank":"中国银行武汉东湖支行","account_name":"企会协作创新联盟专账","account_number":"5700 1234 5678"},"workspace":"","expert_team":[{"speciality":"光纤传感","society_id":"e81da59a-5664-4262-96f4-9d310efaa9ed","person_id":"f0749e7b-8712-455d-bd14-7bff67766901","sealed":"Wzw0SMVhIrdFpn79RtFUGpogNik+4SbkR8cihui3xdVSqCCJ6jekztPY6/qMD23D+4chXrKqXPeCh4EAIdIcAcSUD5AZ+tCDbDX7Ouo7e6gnj2SFfkQGfUAEXGMjELaZuQ==","fields":["name","title","employer"]}],"title":"高性能光纤传感器联合攻关","enterprises":["5ef94670-145e-4855-8cb1-fcaeff551617"],"societies":["e81da59a-5664-4262-96f4-9d310efaa9ed"],"lead_enterprise_id":"5ef94670-145e-4855-8cb1-fcaeff551617","lead_society_id":"e81da59a-5664-4262-96f4-9d310efaa9ed","cooperation_areas":["joint_research","talent_exchange"],"sector":"optoelectronics","goals":"两年内完成样机并实现小批量生产","tasks":[{"title":"样机研制","due_on":"2027-06-30","indicator":"样机一台"},{"title":"小批量试产","due_on":"2027-12-31","indicator":"100 套"}],"starts_on":{"_type_":"date_iso","_data_":"2027-01-01"},"ends_on":{"_type_":"date_iso","_data_":"2028-12-31"},"budget_fen":80000000,"requested_funding_fen":30000000},"actor":{"_type_":"actor","_data_":{"id":"64f7453b-3bc5-4c86-a003-58f504336a79","role":"member","organisation_id":"5ef94670-145e-4855-8cb1-fcaeff551617"}},"reason":null}'''),
    ("domain.alliances:Alliance.PartyDeclared",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:01.794688+00:00"},"party_id":"5ef94670-145e-4855-8cb1-fcaeff551617","declaration":{"workspace":"企业研发中心三楼实验室 200 平方米及测试设备","evidence":"场地租赁合同"},"actor":{"_type_":"actor","_data_":{"id":"64f7453b-3bc5-4c86-a003-58f504336a79","role":"member","organisation_id":"5ef94670-145e-4855-8cb1-fcaeff551617"}},"reason":null}'''),
    ("domain.alliances:Alliance.PartyDeclared",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:01.797750+00:00"},"party_id":"e81da59a-5664-4262-96f4-9d310efaa9ed","declaration":{"service_experience":"近三年举办学术交流 12 场、培训 300 人次","work_plan_year":2026,"work_plan":"年度工作计划第 5 项：企会协作","responsible_staff":[{"person_id":"b5eacdce-3ff0-42f6-afb5-f91911a318bf","sealed":"wajGGVzXr55qFUnPb66hodzXqvIX+in7GvNLJdTdjkJoHYhNNV9AsETsdfHDHI9mImRC","fields":["name"]}],"evidence":"学会年度工作计划文件"},"actor":{"_type_":"actor","_data_":{"id":"9b1e8e27-5182-4fb4-b74d-b8edc646dcf4","role":"member","organisation_id":"e81da59a-5664-4262-96f4-9d310efaa9ed"}},"reason":null}'''),
    ("domain.alliances:Alliance.Signed",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:01.799780+00:00"},"party_id":"5ef94670-145e-4855-8cb1-fcaeff551617","agreement_version":1,"actor":{"_type_":"actor","_data_":{"id":"64f7453b-3bc5-4c86-a003-58f504336a79","role":"member","organisation_id":"5ef94670-145e-4855-8cb1-fcaeff551617"}},"reason":null}'''),
    ("domain.alliances:Alliance.Signed",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:01.806810+00:00"},"party_id":"e81da59a-5664-4262-96f4-9d310efaa9ed","agreement_version":1,"actor":{"_type_":"actor","_data_":{"id":"9b1e8e27-5182-4fb4-b74d-b8edc646dcf4","role":"member","organisation_id":"e81da59a-5664-4262-96f4-9d310efaa9ed"}},"reason":null}'''),
    ("domain.alliances:Alliance.Submitted",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:01.811936+00:00"},"agreement_version":1,"actor":{"_type_":"actor","_data_":{"id":"64f7453b-3bc5-4c86-a003-58f504336a79","role":"member","organisation_id":"5ef94670-145e-4855-8cb1-fcaeff551617"}},"reason":null}'''),
    ("domain.alliances:Alliance.Screened",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:01.819195+00:00"},"decision":"pass","eligibility":{"passed":true,"screened_on":"2026-12-02","figures_year":2025,"plan_year":2026,"parties":[{"party_id":"5ef94670-145e-4855-8cb1-fcaeff551617","name":"后续公司","kind":"enterprise","role":"enterprise","membership_status":"admitted"},{"party_id":"e81da59a-5664-4262-96f4-9d310efaa9ed","name":"武汉光学学会","kind":"society","role":"society","membership_status":"admitted"}],"checks":[{"name":"enterprise_legal_person","party_id":"5ef94670-145e-4855-8cb1-fcaeff551617","party_name":"后续公司","passed":true,"rule":"三（一）1 必须具有独立法人资格（申报单位声明为法人；分支机构不具有独立法人资格）","figures":{"kind":"enterprise","legal_form":"legal_person","evidence":"营业执照及企业科协成立批复"}},{"name":"enterprise_tech_sme","party_id":"5ef94670-145e-4855-8cb1-fcaeff551617","party_name":"后续公司","passed":true,"rule":"三（一）1 科技型中小企业：上一完整年度职工总数不超过500人、年销售收入不超过2亿元、资产总额不超过2亿元（科技型中小企业评价办法），或已列入科技型中小企业库","figures":{"tech_sme_library":true,"employees":120,"revenue_fen":500000000,"total_assets_fen":800000000,"limits":{"employees":500,"revenue_fen":20000000000,"total_assets_fen":20000000000},"note":null,"required_year":2025,"year":2025,"out_of_date":null}},{"name":"rd_staff_ratio","party_id":"5ef94670-145e-4855-8cb1-fcaeff551617","party_name":"后续公司","passed":true,"rule":"三（一）2 企业直接从事研究开发的科技人员占职工总数的比例10%以上（上一完整年度）","figures":{"employees":120,"rd_staff":18,"ratio":0.15,"threshold":0.1,"required_year":2025,"year":2025,"out_of_date":null}},{"name":"rd_spend_ratio","party_id":"5ef94670-145e-4855-8cb1-fcaeff551617","party_name":"后续公司","passed":true,"rule":"三（一）2 每年用于技术产品研究开发的经费不低于当年营业收入的5%（上一完整年度）","figures":{"revenue_fen":500000000,"rd_spend_fen":40000000,"ratio":0.08,"threshold":0.05,"required_year":2025,"year":2025,"out_of_date":null}},{"name":"workspace","party_id":"5ef94670-145e-4855-8cb1-fcaeff551617","party_name":"后续公司","passed":true,"rule":"三（一）3 企业能为企会协作创新联盟提供必要的工作场所和设备等基础条件","figures":{"workspace":"企业研发中心三楼实验室 200 平方米及测试设备","evidence":"场地租赁合同"}},{"name":"enterprise_science_association","party_id":"5ef94670-145e-4855-8cb1-fcaeff551617","party_name":"后续公司","passed":true,"rule":"三（一）4 企业须已建立或正在筹建企业科协组织","figures":{"science_association":"established","evidence":"营业执照及企业科协成立批复"}},{"name":"society_affiliation","party_id":"e81da59a-5664-4262-96f4-9d310efaa9ed","party_name":"武汉光学学会","passed":true,"rule":"三（二）1 申报学会须是市科协所属的学会或在汉高校科协","figures":{"kind":"society","affiliation":"city_society","evidence":"市科协所属学会名单（2026 年）"}},{"name":"society_experience","party_id":"e81da59a-5664-4262-96f4-9d310efaa9ed","party_name":"武汉光学学会","passed":true,"rule":"三（二）2 有开展服务企业技术创新活动的经历（如开展学术交流、人才培训等）","figures":{"service_experience":"近三年举办学术交流 12 场、培训 300 人次","evidence":"学会年度工作计划文件"}},{"name":"annual_plan_with_staff","party_id":"e81da59a-5664-4262-96f4-9d310efaa9ed","party_name":"武汉光学学会","passed":true,"rule":"三（二）3 学会要将该任务列入本年度的工作计划，有专门工作人员负责组织实施","figures":{"required_year":2026,"work_plan_year":2026,"work_plan":"年度工作计划第 5 项：企会协作","responsible_staff":[{"person_id":"b5eacdce-3ff0-42f6-afb5-f91911a318bf","sealed":"wajGGVzXr55qFUnPb66hodzXqvIX+in7GvNLJdTdjkJoHYhNNV9AsETsdfHDHI9mImRC","fields":["name"]}],"evidence":"学会年度工作计划文件"}},{"name":"expert_team","party_id":"e81da59a-5664-4262-96f4-9d310efaa9ed","party_name":"武汉光学学会","passed":true,"rule":"三（二）4 学会应派出完成协作任务所需要的专家团队","figures":{"experts":[{"speciality":"光纤传感","society_id":"e81da59a-5664-4262-96f4-9d310efaa9ed","person_id":"f0749e7b-8712-455d-bd14-7bff67766901","sealed":"Wzw0SMVhIrdFpn79RtFUGpogNik+4SbkR8cihui3xdVSqCCJ6jekztPY6/qMD23D+4chXrKqXPeCh4EAIdIcAcSUD5AZ+tCDbDX7Ouo7e6gnj2SFfkQGfUAEXGMjELaZuQ==","fields":["name","title","employer"]}]}},{"name":"agreement_content","party_id":null,"party_name":null,"passed":true,"rule":"二（一）、四（三）协议书须有协作目标任务、具体保障措施、工作思路、进度安排、定期考核指标、资金使用方向和使用范围，项目资金实行专账管理","figures":{"missing":[]}},{"name":"enterprise_led_investment","party_id":null,"party_name":null,"passed":true,"rule":"一（三）1 研发投入应以企业为主：企业自筹投入须大于申请资助金额","figures":{"enterprise_contribution_fen":40000000,"requested_funding_fen":30000000}}]},"actor":{"_type_":"actor","_data_":{"id":"04391bb5-5cc0-42f9-afef-6445dbf137a9","role":"staff","organisation_id":null}},"reason":"ok","override":null}'''),
    ("domain.alliances:Alliance.ReviewerAssigned",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:02.357015+00:00"},"reviewer_id":"6940cd14-36d5-41e3-9eee-b4cdf12c6445","actor":{"_type_":"actor","_data_":{"id":"04391bb5-5cc0-42f9-afef-6445dbf137a9","role":"staff","organisation_id":null}},"reason":null}'''),
    ("domain.alliances:Alliance.Declared",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:02.360699+00:00"},"reviewer_id":"6940cd14-36d5-41e3-9eee-b4cdf12c6445","statement":null,"actor":{"_type_":"actor","_data_":{"id":"6940cd14-36d5-41e3-9eee-b4cdf12c6445","role":"reviewer","organisation_id":null}},"reason":null}'''),
    ("domain.alliances:Alliance.Reviewed",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:02.363202+00:00"},"reviewer_id":"6940cd14-36d5-41e3-9eee-b4cdf12c6445","scores":{"innovation":90.0,"feasibility":90.0,"team":90.0,"collaboration":90.0,"benefit":90.0},"recommend":true,"comment":"好","actor":{"_type_":"actor","_data_":{"id":"6940cd14-36d5-41e3-9eee-b4cdf12c6445","role":"reviewer","organisation_id":null}},"reason":null}'''),
    ("domain.alliances:Alliance.ReviewConcluded",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:02.370180+00:00"},"score":{"alliance_id":"2e189516-8d8f-40c0-aaeb-7efeed87ad99","title":"高性能光纤传感器联合攻关","sector":"optoelectronics","raw_average":90.0,"weighted_average":90.0,"adjustments":[],"final":90.0,"priorities":{"priority_sector":true,"cross_sector":false,"multi_party":false},"recommend_votes":1,"reviews":1,"reviewers_assigned":1,"recommended":true,"rank":1},"rank":1,"recommended":true,"actor":{"_type_":"actor","_data_":{"id":"04391bb5-5cc0-42f9-afef-6445dbf137a9","role":"staff","organisation_id":null}},"reason":null,"round":1}'''),
    ("domain.alliances:Alliance.NoticeStarted",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:02.372836+00:00"},"ends_at":{"_type_":"datetime_iso","_data_":"2026-12-09T13:22:02.372650+00:00"},"actor":{"_type_":"actor","_data_":{"id":"04391bb5-5cc0-42f9-afef-6445dbf137a9","role":"staff","organisation_id":null}},"reason":null}'''),
    ("domain.alliances:Alliance.Approved",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:02.375149+00:00"},"granted_fen":10000000,"agreement_version":1,"approved_on":{"_type_":"date_iso","_data_":"2026-12-10"},"actor":{"_type_":"actor","_data_":{"id":"04391bb5-5cc0-42f9-afef-6445dbf137a9","role":"staff","organisation_id":null}},"reason":null}'''),
    ("domain.alliances:Alliance.AmendmentRequested",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:02.378219+00:00"},"amendment_id":"4a273ebf-e743-4266-8f58-f042177999fe","changes":{"ends_on":"2029-06-30"},"actor":{"_type_":"actor","_data_":{"id":"64f7453b-3bc5-4c86-a003-58f504336a79","role":"member","organisation_id":"5ef94670-145e-4855-8cb1-fcaeff551617"}},"reason":"样机测试周期延长"}'''),
    ("domain.alliances:Alliance.AmendmentDecided",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:02.384120+00:00"},"amendment_id":"4a273ebf-e743-4266-8f58-f042177999fe","approved":true,"agreement":{"other_sectors":[],"work_plan":"企业提出需求、学会组织专家，按季度联合攻关","indicators":[{"due_on":"2027-06-30","indicator":"完成样机设计评审"},{"due_on":"2027-12-31","indicator":"样机通过第三方测试"}],"safeguards":"双方各派联络人，每月例会，专家驻企","contributions":[{"party_id":"5ef94670-145e-4855-8cb1-fcaeff551617","amount_fen":40000000}],"fund_use_direction":"样机材料、测试与专家劳务","fund_use_scope":"仅限本联盟任务，不得挪用","dedicated_account":{"bank":"中国银行武汉东湖支行","account_name":"企会协作创新联盟专账","account_number":"5700 1234 5678"},"workspace":"","expert_team":[{"speciality":"光纤传感","society_id":"e81da59a-5664-4262-96f4-9d310efaa9ed","person_id":"f0749e7b-8712-455d-bd14-7bff67766901","sealed":"Wzw0SMVhIrdFpn79RtFUGpogNik+4SbkR8cihui3xdVSqCCJ6jekztPY6/qMD23D+4chXrKqXPeCh4EAIdIcAcSUD5AZ+tCDbDX7Ouo7e6gnj2SFfkQGfUAEXGMjELaZuQ==","fields":["name","title","employer"]}],"title":"高性能光纤传感器联合攻关","enterprises":["5ef94670-145e-4855-8cb1-fcaeff551617"],"societies":["e81da59a-5664-4262-96f4-9d310efaa9ed"],"lead_enterprise_id":"5ef94670-145e-4855-8cb1-fcaeff551617","lead_society_id":"e81da59a-5664-4262-96f4-9d310efaa9ed","cooperation_areas":["joint_research","talent_exchange"],"sector":"optoelectronics","goals":"两年内完成样机并实现小批量生产","tasks":[{"title":"样机研制","due_on":"2027-06-30","indicator":"样机一台"},{"title":"小批量试产","due_on":"2027-12-31","indicator":"100 套"}],"starts_on":{"_type_":"date_iso","_data_":"2027-01-01"},"ends_on":{"_type_":"date_iso","_data_":"2029-06-30"},"budget_fen":80000000,"requested_funding_fen":30000000},"actor":{"_type_":"actor","_data_":{"id":"04391bb5-5cc0-42f9-afef-6445dbf137a9","role":"staff","organisation_id":null}},"reason":"同意延期"}'''),
    ("domain.alliances:Alliance.Inspected",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:02.402359+00:00"},"inspection_id":"b8a9aeef-997c-45ac-bef8-25e91a6268dd","inspected_on":{"_type_":"date_iso","_data_":"2027-05-01"},"inspectors":[{"person_id":"86e47e2f-0b7a-484f-9a50-b408b55a79f4","sealed":"JKYnjiMJA9eeMGLZgR5oO+59aBiWl7xV922Du3jvJlxuZKvJV0TyH0dTEMPIZmYu","fields":["name"]}],"findings":"台账不全","rating":"fair","rectification_due_on":{"_type_":"date_iso","_data_":"2027-06-01"},"actor":{"_type_":"actor","_data_":{"id":"04391bb5-5cc0-42f9-afef-6445dbf137a9","role":"staff","organisation_id":null}},"reason":null}'''),
    ("domain.alliances:Alliance.RectificationClosed",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:02.420944+00:00"},"inspection_id":"b8a9aeef-997c-45ac-bef8-25e91a6268dd","actor":{"_type_":"actor","_data_":{"id":"04391bb5-5cc0-42f9-afef-6445dbf137a9","role":"staff","organisation_id":null}},"reason":"已补齐台账"}'''),
    ("domain.alliances:Alliance.ReportOverdue",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:22:02.457027+00:00"},"report_kind":"annual","year":2027,"due_on":{"_type_":"date_iso","_data_":"2028-03-30"},"actor":{"_type_":"actor","_data_":{"id":"system","role":"system","organisation_id":null}},"reason":"2027 年年度报告应于 2028-03-30 前提交 (report due 2028-03-30)"}'''),
    ("domain.alliances:Alliance.Paid",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:21:49.597722+00:00"},"amount_fen":10000000,"paid_on":{"_type_":"date_iso","_data_":"2027-07-10"},"actor":{"_type_":"actor","_data_":{"id":"6fab8620-2516-4261-a3f7-790a75535871","role":"staff","organisation_id":null}},"reason":null}'''),
    ("domain.alliances:Alliance.ReportFiled",
     r'''{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-02T13:21:49.602129+00:00"},"report_id":"13da494e-25cc-4a80-a3bc-5de220002c47","report_kind":"annual","year":2027,"progress":[{"task":"样机研制","status":"done","note":""},{"task":"小批量试产","status":"in_progress","note":""}],"spending_fen":12000000,"outcomes":"申请发明专利 2 项","actor":{"_type_":"actor","_data_":{"id":"a57fd106-334b-428c-98f2-48845f2c2fa7","role":"member","organisation_id":"fc5f0bb2-bb94-4abb-9d98-c94e26dc7dc7"}},"reason":null}'''),
]

STAFF = Actor(id="staff-1", role="staff")
REPORT_ID = "13da494e-25cc-4a80-a3bc-5de220002c47"


def old_history() -> list[StoredEvent]:
    return [StoredEvent(originator_id=PROGRAM_ID, originator_version=1, topic="domain.alliances:Program.Opened",
                        state=PROGRAM_OPENED.encode()),
            *(StoredEvent(originator_id=ALLIANCE_ID, originator_version=version, topic=topic, state=state.encode())
              for version, (topic, state) in enumerate(ALLIANCE_EVENTS, 1))]


def stored_field(kind: str, field: str) -> Any:
    """A field of the last stored event of a kind, as the old code's readers saw it
    (JSON, dates as YYYY-MM-DD)."""
    state = [json.loads(s) for t, s in ALLIANCE_EVENTS if t.endswith(f".{kind}")][-1]
    return _plain(state[field])


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return value["_data_"] if value.get("_type_") == "date_iso" else {k: _plain(v) for k, v in value.items()}
    return [_plain(v) for v in value] if isinstance(value, list) else value


def as_json(value: Any) -> Any:
    return msgspec.json.decode(msgspec.json.encode(value))


@pytest.fixture
def app() -> Qihui:
    return Qihui(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def test_old_events_load_with_typed_values_and_the_same_json(app):
    # Given the events as the code before issue 14 stored them
    events = [app.mapper.to_domain_event(s) for s in old_history()]
    by_kind = {type(e).__name__: e for e in events}
    # Then the agreement and the progress are typed values ...
    assert isinstance(by_kind["Drafted"].agreement, Agreement)
    assert isinstance(by_kind["AmendmentDecided"].agreement, Agreement)
    assert all(isinstance(item, ProgressItem) for item in by_kind["ReportFiled"].progress)
    assert by_kind["AmendmentDecided"].agreement.ends_on == date(2029, 6, 30)
    assert by_kind["Drafted"].agreement.tasks[0].due_on == date(2027, 6, 30)
    # ... whose JSON (what the audit log and the relay show) is the JSON stored before
    for kind in ("Drafted", "AmendmentDecided"):
        assert as_json(event_record(1, by_kind[kind])["data"]["agreement"]) == stored_field(kind, "agreement")
    assert as_json(event_record(1, by_kind["ReportFiled"])["data"]["progress"]) == stored_field("ReportFiled",
                                                                                              "progress")
    # And written again they are stored typed (version 2), and read back equal
    again = app.mapper.to_stored_event(by_kind["AmendmentDecided"])
    assert b'"_type_":"alliance_agreement"' in again.state and b'"class_version":2' in again.state
    assert app.mapper.to_domain_event(again) == by_kind["AmendmentDecided"]


def test_an_alliance_stored_the_old_way_keeps_its_state_and_its_rules(app):
    # Given the old events in the store
    app.recorder.insert_events(old_history())
    alliance = app.repository.get(ALLIANCE_ID)
    # Then the aggregate holds the amended agreement, typed, and what happened after approval
    assert isinstance(alliance.agreement, Agreement) and alliance.agreement_version == 2
    assert alliance.agreement.ends_on == date(2029, 6, 30) and alliance.agreement["title"] == "高性能光纤传感器联合攻关"
    assert (alliance.status, alliance.granted_fen, alliance.paid_fen) == ("in_progress", 10_000_000, 10_000_000)
    assert alliance.reports[REPORT_ID]["status"] == "filed"
    # When staff pay beyond the grant, it is refused as before
    with pytest.raises(DomainError) as refused:
        alliance.pay(amount_fen=1, paid_on=date(2027, 8, 1), actor=STAFF)
    assert refused.value.code == "over_grant"
    # When the old report is accepted and an amendment changes the workspace, the new facts are typed
    alliance.judge_report(report_id=REPORT_ID, accept=True, comment=None, actor=STAFF)
    alliance.request_amendment(amendment_id="a2", changes={"workspace": "中试基地"}, reason="扩建", actor=STAFF)
    alliance.decide_amendment(amendment_id="a2", approve=True, reason="同意", actor=STAFF)
    app.save(alliance)
    again = app.repository.get(ALLIANCE_ID)
    assert again.agreement.workspace == "中试基地" and again.agreement.ends_on == date(2029, 6, 30)
    assert again.reports[REPORT_ID]["status"] == "accepted" and again.agreement_version == 3


def test_a_snapshot_taken_before_the_agreement_was_typed_still_loads(app):
    app.recorder.insert_events(old_history())
    alliance = app.repository.get(ALLIANCE_ID)
    # A snapshot as the old code took it: version 1, the agreement a plain dict (dates as dates),
    # each report {key, kind, year, status, version}, each rectification {due_on (text), status}
    old = dict(vars(alliance), agreement={**alliance.agreement.plain(), "starts_on": date(2027, 1, 1),
                                          "ends_on": date(2029, 6, 30)},
               reports={REPORT_ID: {"key": "annual:2027", "kind": "annual", "year": 2027, "status": "filed",
                                    "version": 1}},
               rectifications={i: {"due_on": r.due_on.isoformat(), "status": r.status}
                               for i, r in alliance.rectifications.items()})
    for private in ("_id", "_version", "_pending_events"):
        old.pop(private)
    snapshot = Alliance.Snapshot(originator_id=ALLIANCE_ID, originator_version=alliance.version,
                                 timestamp=Alliance.Snapshot.create_timestamp(),
                                 topic="domain.alliances:Alliance", state=old)
    loaded = app.mapper.to_domain_event(app.mapper.to_stored_event(snapshot)).mutate(None)
    assert loaded.agreement == alliance.agreement and isinstance(loaded.agreement, Agreement)
    assert (loaded.reports, loaded.rectifications) == (alliance.reports, alliance.rectifications)
    assert loaded.rectifications and loaded.reports[REPORT_ID].key == "annual:2027"
    # And a snapshot taken now stores the typed values and loads them back
    app.take_snapshot(ALLIANCE_ID)
    assert app.repository.get(ALLIANCE_ID).state() == alliance.state()


def test_the_api_answers_an_old_alliance_as_before(platform, client, staff):
    # Given the old events in the store, on either backend, projected
    platform.app.recorder.insert_events(old_history())
    platform.runner.catch_up()
    # Then the record shows each agreement version with the JSON stored before (persons sealed apart)
    answer = ok(client.get(f"/api/v1/alliances/{ALLIANCE_ID}", headers=staff))

    def without_team(agreement: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in agreement.items() if k != "expert_team"}

    assert without_team(answer["agreement"]) == without_team(stored_field("AmendmentDecided", "agreement"))
    assert [without_team(v["agreement"]) for v in answer["versions"]] == [
        without_team(stored_field(kind, "agreement")) for kind in ("Drafted", "AmendmentDecided")]
    assert [e.get("person_id") for e in answer["agreement"]["expert_team"]] == [
        e["person_id"] for e in stored_field("AmendmentDecided", "agreement")["expert_team"]]
    report = answer["reports"][REPORT_ID]
    assert report["versions"][0]["progress"] == stored_field("ReportFiled", "progress")
    assert answer["payments"][0]["paid_on"] == "2027-07-10"
    # When staff accept the old report, and try to pay beyond the grant
    ok(client.post(f"/api/v1/alliances/{ALLIANCE_ID}/reports/{REPORT_ID}/acceptance", json={}, headers=staff))
    refused = client.post(f"/api/v1/alliances/{ALLIANCE_ID}/payments",
                          json={"amount_fen": 1, "paid_on": "2027-08-01"}, headers=staff)
    # Then the first is recorded and the second refused, as for an alliance recorded today
    assert refused.status_code == 409 and refused.json()["code"] == "over_grant"
    head = platform.runner.head()
    after = ok(client.get(f"/api/v1/alliances/{ALLIANCE_ID}?min_position={head}", headers=staff))
    assert after["reports"][REPORT_ID]["status"] == "accepted"
