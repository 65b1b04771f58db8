"""The organisation aggregate and the credit code, without any database."""

from datetime import date

import pytest

from domain.errors import DomainError, IllegalTransition, InvalidValue
from domain.organisations import DuesNotOverdue, Organisation
from domain.values import Actor, normalise_credit_code
from tests.factories import credit_code, with_wrong_check_digit

STAFF = Actor(id="staff-1", role="staff")


def new_applicant(**overrides) -> Organisation:
    fields = dict(
        kind="enterprise", name="厦门鹭岛光电科技有限公司", credit_code=credit_code(),
        sector="光电", address=None,
        contacts=[{"name": "李娜", "phone": "13900000000", "email": "lina@example.com"}],
        annual_stats=None, effective_on=date(2016, 3, 1), actor=Actor.public(),
    )
    fields.update(overrides)
    return Organisation.apply(**fields)


class TestCreditCode:
    @pytest.mark.parametrize("code", [
        "914403001922038216",  # real published codes
        "9144030071526726XG",
        "91110000802100433B",
    ])
    def test_real_codes_pass(self, code):
        assert normalise_credit_code(code) == code

    def test_lower_case_and_spaces_are_normalised(self):
        assert normalise_credit_code(" 9144030071526726xg ") == "9144030071526726XG"

    def test_wrong_check_digit_is_refused_naming_the_field(self):
        with pytest.raises(InvalidValue) as caught:
            normalise_credit_code(with_wrong_check_digit("914403001922038216"))
        assert caught.value.field == "credit_code"
        assert "校验位" in caught.value.message

    @pytest.mark.parametrize("code", ["91440300192203821", "9144030019220382166", "91440300192203821I",
                                      "9144AB001922038216", ""])
    def test_malformed_codes_are_refused(self, code):
        with pytest.raises(InvalidValue):
            normalise_credit_code(code)

    def test_generated_codes_are_valid(self):
        for _ in range(200):
            code = credit_code()
            assert normalise_credit_code(code) == code


class TestMembershipLifecycle:
    def test_an_application_starts_as_applied_with_contact_ids(self):
        org = new_applicant()
        assert org.status == "applied"
        assert org.contacts[0]["id"]
        (applied,) = org.collect_events()
        assert applied.actor == Actor.public()

    def test_staff_admit_an_applicant_with_a_tier(self):
        org = new_applicant()
        org.admit(tier="council", note="第三次理事会审议通过", effective_on=date(2016, 3, 31), actor=STAFF)
        assert (org.status, org.tier) == ("admitted", "council")
        admitted = org.collect_events()[-1]
        assert (admitted.actor, admitted.reason) == (STAFF, "第三次理事会审议通过")
        assert admitted.effective_on == date(2016, 3, 31)

    def test_an_admitted_member_cannot_be_admitted_again(self):
        org = new_applicant()
        org.admit(tier="member", note=None, effective_on=date(2016, 3, 31), actor=STAFF)
        with pytest.raises(IllegalTransition) as caught:
            org.admit(tier="member", note=None, effective_on=date(2016, 4, 1), actor=STAFF)
        assert caught.value.code == "illegal_transition"
        assert len(org.collect_events()) == 2  # the refusal recorded nothing

    def test_rejection_needs_a_reason_and_is_final(self):
        org = new_applicant()
        with pytest.raises(InvalidValue):
            org.reject(reason="  ", effective_on=date(2016, 4, 1), actor=STAFF)
        org.reject(reason="不属于本市注册企业", effective_on=date(2016, 4, 1), actor=STAFF)
        assert org.status == "rejected"
        with pytest.raises(IllegalTransition):
            org.admit(tier="member", note=None, effective_on=date(2016, 4, 2), actor=STAFF)

    def test_unknown_kind_and_tier_are_refused(self):
        with pytest.raises(InvalidValue) as caught:
            new_applicant(kind="bank")
        assert caught.value.field == "kind"
        org = new_applicant()
        with pytest.raises(InvalidValue):
            org.admit(tier="emperor", note=None, effective_on=date(2016, 3, 31), actor=STAFF)

    def test_research_staff_cannot_exceed_employees(self):
        with pytest.raises(InvalidValue) as caught:
            new_applicant(annual_stats={"year": 2015, "employees": 10, "rd_staff": 11,
                                        "revenue_fen": 0, "rd_spend_fen": 0})
        assert caught.value.field == "annual_stats.rd_staff"


# -- the whole lifecycle (issue 4) --------------------------------------------------------------

DAY = date(2019, 1, 10)


def in_status(status: str) -> Organisation:
    """An organisation brought to `status` through the real transitions."""
    org = new_applicant()
    if status == "applied":
        return org
    if status == "rejected":
        org.reject(reason="材料不全", effective_on=DAY, actor=STAFF)
        return org
    org.admit(tier="member", note=None, effective_on=date(2018, 5, 1), actor=STAFF)
    if status == "suspended":
        org.suspend(reason="违反章程", effective_on=DAY, actor=STAFF)
    elif status == "withdrawn":
        org.withdraw(reason="企业注销", effective_on=DAY, actor=STAFF)
    elif status == "lapsed":
        org.lapse_for_unpaid_dues(year=2019, today=date(2019, 6, 1), grace_days=90, actor=Actor.system())
    return org


LATER = date(2019, 7, 1)
ACTIONS = {
    "admit": lambda o: o.admit(tier="member", note=None, effective_on=LATER, actor=STAFF),
    "reject": lambda o: o.reject(reason="r", effective_on=LATER, actor=STAFF),
    "suspend": lambda o: o.suspend(reason="r", effective_on=LATER, actor=STAFF),
    "reinstate": lambda o: (o.status == "lapsed" and o.pay_dues(year=2019, amount_fen=1, effective_on=LATER,
                                                                 actor=STAFF),
                            o.reinstate(reason="r", effective_on=LATER, actor=STAFF)),
    "withdraw": lambda o: o.withdraw(reason="r", effective_on=LATER, actor=STAFF),
    "reapply": lambda o: o.reapply(kind="enterprise", name="新名称有限公司", sector="光电", address=None,
                                   contacts=[{"name": "李娜", "phone": "13900000000"}], annual_stats=None,
                                   effective_on=LATER, actor=Actor.public()),
}
# (status, action) -> status afterwards; every pair not listed is refused.
ALLOWED = {
    ("applied", "admit"): "admitted", ("applied", "reject"): "rejected",
    ("admitted", "suspend"): "suspended", ("admitted", "withdraw"): "withdrawn",
    ("suspended", "reinstate"): "admitted", ("suspended", "withdraw"): "withdrawn",
    ("lapsed", "reinstate"): "admitted",  # once the arrears are paid
    ("lapsed", "reapply"): "applied", ("withdrawn", "reapply"): "applied", ("rejected", "reapply"): "applied",
}


@pytest.mark.parametrize("status", ["applied", "admitted", "suspended", "lapsed", "withdrawn", "rejected"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_transition_and_refusal(status, action):
    org = in_status(status)
    before = len(org.pending_events)
    if (status, action) in ALLOWED:
        ACTIONS[action](org)
        assert org.status == ALLOWED[(status, action)]
        assert org.pending_events[-1].actor in (STAFF, Actor.public())
    else:
        with pytest.raises(IllegalTransition):
            ACTIONS[action](org)
        assert len(org.pending_events) == before and org.status == status


def test_a_change_cannot_take_effect_before_the_current_status():
    org = in_status("admitted")  # admitted 2018-05-01
    with pytest.raises(InvalidValue) as caught:
        org.suspend(reason="违反章程", effective_on=date(2018, 4, 30), actor=STAFF)
    assert caught.value.field == "effective_on"


def test_status_changes_need_a_reason():
    org = in_status("admitted")
    with pytest.raises(InvalidValue):
        org.suspend(reason=" ", effective_on=DAY, actor=STAFF)


class TestDuesAndLapse:
    def test_dues_fall_due_on_1_january_or_on_admission_that_year(self):
        org = in_status("admitted")  # admitted 2018-05-01
        assert org.dues_due_on(2018) == date(2018, 5, 1)
        assert org.dues_due_on(2019) == date(2019, 1, 1)

    def test_a_member_lapses_only_after_the_grace_period(self):
        org = in_status("admitted")
        with pytest.raises(DuesNotOverdue):  # 1 Jan + 90 days = 1 April
            org.lapse_for_unpaid_dues(year=2019, today=date(2019, 4, 1), grace_days=90, actor=Actor.system())
        org.lapse_for_unpaid_dues(year=2019, today=date(2019, 4, 2), grace_days=90, actor=Actor.system())
        lapsed = org.pending_events[-1]
        assert org.status == "lapsed" and "2019" in lapsed.reason and "90" in lapsed.reason
        assert lapsed.actor == Actor.system()

    def test_paid_dues_prevent_the_lapse_and_cannot_be_paid_twice(self):
        org = in_status("admitted")
        org.pay_dues(year=2019, amount_fen=200_000, effective_on=date(2019, 2, 1), actor=STAFF)
        with pytest.raises(DuesNotOverdue):
            org.lapse_for_unpaid_dues(year=2019, today=date(2019, 12, 1), grace_days=90, actor=Actor.system())
        with pytest.raises(DomainError) as caught:
            org.pay_dues(year=2019, amount_fen=200_000, effective_on=date(2019, 3, 1), actor=STAFF)
        assert caught.value.code == "dues_already_paid"

    def test_a_lapsed_member_cannot_lapse_again_but_pays_its_arrears(self):
        org = in_status("lapsed")  # lapsed for 2019 on 2019-06-01
        with pytest.raises(IllegalTransition):
            org.lapse_for_unpaid_dues(year=2019, today=date(2019, 12, 1), grace_days=90, actor=Actor.system())
        org.pay_dues(year=2019, amount_fen=1, effective_on=date(2019, 7, 1), actor=STAFF)
        assert org.status == "lapsed" and org.dues_paid(2019)  # paying alone does not reinstate
        for status in ("withdrawn", "rejected", "applied"):
            with pytest.raises(IllegalTransition):
                in_status(status).pay_dues(year=2019, amount_fen=1, effective_on=LATER, actor=STAFF)

    def test_reinstatement_from_lapsed_needs_the_arrears_paid(self):
        org = in_status("lapsed")  # lapsed for 2019 on 2019-06-01
        on = date(2020, 5, 1)  # 2020's grace (to 31 March) has passed too
        with pytest.raises(DomainError) as caught:
            org.reinstate(reason="补缴会费", effective_on=on, actor=STAFF, grace_days=90)
        assert caught.value.code == "dues_in_arrears" and caught.value.years == [2019, 2020]
        org.pay_dues(year=2019, amount_fen=300_000, effective_on=on, actor=STAFF)
        with pytest.raises(DomainError) as caught:
            org.reinstate(reason="补缴会费", effective_on=on, actor=STAFF, grace_days=90)
        assert caught.value.years == [2020]
        org.pay_dues(year=2020, amount_fen=300_000, effective_on=on, actor=STAFF)
        org.reinstate(reason="已补缴 2019、2020 年会费", effective_on=on, actor=STAFF, grace_days=90)
        assert org.status == "admitted" and org.pending_events[-1].reason == "已补缴 2019、2020 年会费"
        assert not org.dues_overdue(2020, date(2020, 12, 31), 90)
        with pytest.raises(InvalidValue):  # a reason is required
            in_status("suspended").reinstate(reason=" ", effective_on=LATER, actor=STAFF)

    def test_a_wrong_lapse_is_corrected_as_of_its_own_day(self):
        org = in_status("admitted")
        org.suspend(reason="违反章程", effective_on=date(2019, 2, 1), actor=STAFF)
        org.lapse_for_unpaid_dues(year=2019, today=date(2019, 4, 2), grace_days=90, actor=Actor.system())
        # The dues were paid in March, recorded only now; this year's dues are still owed.
        with pytest.raises(DomainError) as caught:
            org.correct_lapse(reason="错误失效更正", today=date(2019, 4, 10), grace_days=90, actor=STAFF)
        assert caught.value.code == "dues_in_arrears"
        org.pay_dues(year=2019, amount_fen=300_000, effective_on=date(2019, 3, 20), actor=STAFF)
        org.correct_lapse(reason="错误失效更正", today=date(2019, 4, 10), grace_days=90, actor=STAFF)
        corrected = org.pending_events[-1]
        assert type(corrected).__name__ == "LapseCorrected" and corrected.effective_on == date(2019, 4, 2)
        assert org.status == "suspended" and corrected.status == "suspended"  # what it was before the lapse
        with pytest.raises(IllegalTransition):
            org.correct_lapse(reason="again", today=date(2019, 4, 10), grace_days=90, actor=STAFF)

    def test_a_dues_position_without_amounts_counts_every_year_up_to_it(self):
        org = in_status("admitted")  # admitted 2018-05-01
        org.record_dues_paid_through(year=2026, effective_on=DAY, actor=STAFF, reason="导入")
        assert org.dues_paid(2018) and org.dues_paid(2026) and not org.dues_paid(2027)
        assert not org.dues_overdue(2026, date(2026, 12, 31), 90)
        before = len(org.pending_events)
        org.record_dues_paid_through(year=2020, effective_on=DAY, actor=STAFF, reason="导入")
        assert len(org.pending_events) == before

    def test_money_must_be_positive(self):
        with pytest.raises(InvalidValue) as caught:
            in_status("admitted").pay_dues(year=2019, amount_fen=0, effective_on=DAY, actor=STAFF)
        assert caught.value.field == "amount_fen"


class TestReapplication:
    """Anyone may know a credit code: a re-application proposes, staff decide."""

    def reapply(self, org, **overrides):
        fields = dict(kind="enterprise", name="冒名顶替有限公司", sector="金融", address="别处",
                      contacts=[{"name": "冒名者", "phone": "13000000000"}],
                      annual_stats={"year": 2019, "employees": 1, "rd_staff": 0, "revenue_fen": 0, "rd_spend_fen": 0},
                      effective_on=LATER, actor=Actor.public())
        fields.update(overrides)
        org.reapply(**fields)

    @pytest.mark.parametrize("status", ["withdrawn", "lapsed", "rejected"])
    def test_a_reapplication_changes_nothing_until_admitted(self, status):
        org = in_status(status)
        before = {k: getattr(org, k) for k in ("kind", "name", "sector", "address", "contacts", "annual_stats")}
        self.reapply(org)
        assert {k: getattr(org, k) for k in before} == before
        assert org.status == "applied" and org.pending_application["name"] == "冒名顶替有限公司"
        assert type(org.pending_events[-1]).__name__ == "ReapplicationFiled"

    def test_admission_adopts_the_proposed_details(self):
        org = in_status("withdrawn")
        self.reapply(org, name="厦门鹭岛光电科技股份有限公司", actor=STAFF)
        org.admit(tier="member", note="重新入会", effective_on=LATER, actor=STAFF)
        assert org.name == "厦门鹭岛光电科技股份有限公司" and org.sector == "金融"
        assert org.contacts[0]["name"] == "冒名者" and org.annual_stats["2019"]["employees"] == 1
        assert org.pending_application is None and org.status == "admitted"
        assert [type(e).__name__ for e in org.pending_events[-2:]] == ["ReapplicationAdopted", "Admitted"]

    def test_rejection_drops_the_proposed_details(self):
        org = in_status("lapsed")
        name = org.name
        self.reapply(org)
        pending_contact = org.pending_application["contacts"][0]["id"]
        org.erase_contact(contact_id=pending_contact, reason="本人要求删除", actor=STAFF)
        org.reject(reason="非本单位提交", effective_on=LATER, actor=STAFF)
        assert org.name == name and org.pending_application is None and org.status == "rejected"


class TestProfileAndTags:
    def test_only_real_profile_changes_are_recorded(self):
        org = in_status("admitted")
        before = len(org.pending_events)
        org.update_profile(changes={"name": org.name}, actor=STAFF, reason=None)
        assert len(org.pending_events) == before
        org.update_profile(changes={"name": "厦门新名称科技有限公司", "sector": "新材料"}, actor=STAFF,
                           reason="工商变更")
        assert org.pending_events[-1].changes == {"name": "厦门新名称科技有限公司", "sector": "新材料"}

    def test_profile_refuses_other_fields(self):
        with pytest.raises(InvalidValue):
            in_status("admitted").update_profile(changes={"credit_code": "x"}, actor=STAFF, reason=None)

    def test_contacts_keep_their_ids_and_unknown_ids_are_refused(self):
        org = in_status("admitted")
        kept = org.contacts[0]
        org.change_contacts(contacts=[kept, {"name": "赵磊", "phone": "13700000000"}], actor=STAFF,
                            reason=None)
        assert org.contacts[0]["id"] == kept["id"] and org.contacts[1]["id"]
        with pytest.raises(InvalidValue):
            org.change_contacts(contacts=[{"id": "nope", "name": "x", "phone": "1"}], actor=STAFF, reason=None)

    def test_tier_libraries_and_growth_stage(self):
        org = in_status("admitted")
        org.change_tier(tier="council", reason="第二届理事会选举", effective_on=DAY, actor=STAFF)
        with pytest.raises(InvalidValue):
            org.change_tier(tier="council", reason="again", effective_on=DAY, actor=STAFF)
        org.change_libraries(add=["tech_sme", "high_tech"], remove=[], effective_on=DAY, actor=STAFF,
                             reason=None)
        org.change_libraries(add=[], remove=["tech_sme"], effective_on=DAY, actor=STAFF, reason=None)
        assert org.libraries == ["high_tech"]
        with pytest.raises(InvalidValue):
            org.change_libraries(add=["bank"], remove=[], effective_on=DAY, actor=STAFF, reason=None)
        org.move_growth_stage(stage="high_tech", effective_on=DAY, actor=STAFF, reason=None)
        assert org.growth_stage == "high_tech"
        with pytest.raises(IllegalTransition):
            in_status("lapsed").change_tier(tier="council", reason="r", effective_on=DAY, actor=STAFF)

    def test_yearly_figures_replace_the_same_year(self):
        org = in_status("admitted")
        stats = {"year": 2018, "employees": 50, "rd_staff": 6, "revenue_fen": 1, "rd_spend_fen": 1}
        org.record_annual_stats(stats=stats, actor=STAFF)
        org.record_annual_stats(stats={**stats, "employees": 60}, actor=STAFF)
        assert org.annual_stats["2018"]["employees"] == 60
