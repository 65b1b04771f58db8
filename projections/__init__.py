"""Read models: one module per view, the runner, and the storage backends."""

from projections.accounts import AccountsView, RevokedTokensView
from projections.alliances import AlliancesView, ProgramsView
from projections.roster import RosterView
from projections.sessions import AttendanceView, RegistrationsView, SessionsView
from projections.view import View


def all_views() -> list[View]:
    """Every view the platform keeps, in the order the runner applies them."""
    return [RosterView(), AccountsView(), RevokedTokensView(), SessionsView(), RegistrationsView(), AttendanceView(),
            ProgramsView(), AlliancesView()]
