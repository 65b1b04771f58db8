"""The organisation aggregate and the credit code, without any database."""

from datetime import date

import pytest

from domain.errors import IllegalTransition, InvalidValue
from domain.organisations import Organisation
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
