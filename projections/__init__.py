"""Read models: one module per view, the runner, and the storage backends."""

from projections.accounts import AccountsView, RevokedTokensView
from projections.alliances import AlliancesView, ProgramsView
from projections.audit import AuditLogView, HashChainView
from projections.roster import RosterView
from projections.sessions import AttendanceView, RegistrationsView, SessionsView
from projections.view import View


def all_views(secret_key: bytes) -> list[View]:
    """Every view the platform keeps, in the order the runner applies them."""
    return [HashChainView(secret_key), AuditLogView(), RosterView(), AccountsView(), RevokedTokensView(),
            SessionsView(), RegistrationsView(), AttendanceView(), ProgramsView(), AlliancesView()]
