"""Accounts as the API's guard sees them (status, current role, organisation)
and the tokens revoked by signing out."""

from __future__ import annotations

from typing import Any

from domain.accounts import Account
from projections.store import ViewDatabase
from projections.view import DocumentView, decode_doc


def _created(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(
        id=str(e.originator_id), username=e.username, role=e.role,
        organisation_id=str(e.organisation_id) if e.organisation_id else None,
        affiliation_organisation_id=(str(e.affiliation_organisation_id)
                                     if e.affiliation_organisation_id else None),
        status="active", created_at=e.timestamp.isoformat(), last_sign_in_at=None,
        failed_sign_ins=0,
    )


def _role_granted(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(role=e.role, organisation_id=str(e.organisation_id) if e.organisation_id else None)


def _role_revoked(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(role=None, organisation_id=None)


def _disabled(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="disabled")


def _enabled(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(status="active", failed_sign_ins=0)


def _signed_in(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(last_sign_in_at=e.timestamp.isoformat(), failed_sign_ins=0)


def _sign_in_failed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc["failed_sign_ins"] = doc.get("failed_sign_ins", 0) + 1


def _password_changed(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(failed_sign_ins=0, password_changed_at=e.timestamp.isoformat())


class AccountsView(DocumentView):
    name = "accounts"
    table = "view_accounts"
    columns = {"username": "TEXT", "role": "TEXT", "organisation_id": "TEXT",  # noqa: RUF012
               "status": "TEXT"}
    indexes = ("username",)
    handlers = {  # noqa: RUF012
        Account.Created: _created,
        Account.RoleGranted: _role_granted,
        Account.RoleRevoked: _role_revoked,
        Account.Disabled: _disabled,
        Account.Enabled: _enabled,
        Account.SignedIn: _signed_in,
        Account.SignInFailed: _sign_in_failed,
        Account.PasswordChanged: _password_changed,
    }


def _signed_out(doc: dict[str, Any], e: Any, pos: int) -> None:
    doc.update(account_id=str(e.originator_id), expires_at=e.expires_at.isoformat())


class RevokedTokensView(DocumentView):
    name = "revoked_tokens"
    table = "view_revoked_tokens"
    columns = {"account_id": "TEXT"}  # noqa: RUF012
    handlers = {Account.SignedOut: _signed_out}  # noqa: RUF012

    def key(self, event: Any) -> str:
        return event.token_id


def principal_row(db: ViewDatabase, account_id: str, token_id: str) -> dict[str, Any] | None:
    """The account behind a token, or None if unknown or the token was revoked."""
    with db.read() as tx:
        row = tx.fetchone(
            "SELECT a.doc, (SELECT COUNT(*) FROM view_revoked_tokens r WHERE r.id = ?) AS revoked "
            "FROM view_accounts a WHERE a.id = ?", (token_id, account_id))
    if row is None or row["revoked"]:
        return None
    return decode_doc(row["doc"])


def list_accounts(db: ViewDatabase) -> list[dict[str, Any]]:
    with db.read() as tx:
        return [decode_doc(r["doc"]) for r in tx.fetchall("SELECT doc FROM view_accounts ORDER BY username")]
