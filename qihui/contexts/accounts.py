"""账号 accounts: sign-in, roles, invitations, password resets, unique names."""

from api.accounts import AccountsController, AuthController
from api.pages.auth import AuthPages
from domain.accounts import Account, Invitation, PasswordReset
from domain.notices_accounts import NOTICES
from domain.unique import UniqueClaim
from projections.accounts import AccountsView, RevokedTokensView
from projections.history.accounts import HISTORY
from qihui.contexts.base import Context

CONTEXT = Context(
    name="accounts", label="账号", aggregates=(Account, Invitation, PasswordReset, UniqueClaim),
    views=lambda needs: (AccountsView(), RevokedTokensView()), controllers=(AuthController, AccountsController),
    history=HISTORY, pages=(AuthPages,), personal={("Invitation", "Issued"): ("email",)},
    notices=NOTICES,
)
