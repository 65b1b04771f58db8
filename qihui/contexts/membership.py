"""会员 membership: organisations from application to lapse, their profile and dues."""

from api.members import MembersController
from api.pages.desk_members import DeskMemberPages
from api.pages.membership import MembershipPages
from domain.notices_membership import NOTICES
from domain.organisations import Organisation
from projections.history.membership import HISTORY
from projections.member_figures import FIGURES
from projections.roster import RosterView
from qihui.contexts.base import Context
from workers.jobs import lapse_unpaid_dues

CONTEXT = Context(
    name="membership", label="会员", aggregates=(Organisation,), snapshot_every={Organisation: 50},
    views=lambda needs: (RosterView(),), controllers=(MembersController,), history=HISTORY,
    jobs=(lapse_unpaid_dues,), figures=FIGURES, pages=(MembershipPages, DeskMemberPages),
    personal={("Organisation", "Applied"): ("contacts",), ("Organisation", "ContactsChanged"): ("contacts",),
              ("Organisation", "ReapplicationFiled"): ("proposed.contacts",),
              ("Organisation", "ReapplicationAdopted"): ("details.contacts",)},
    notices=NOTICES,
)
