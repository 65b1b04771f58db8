"""Accounts (issue 2 builds the mechanism; roles and invitations come in issue 3).

The password hash is computed outside the domain (it is a slow, memory-hard
function); the aggregate only stores it. `PRIVATE_FIELDS` keeps it out of
anything published or exported.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.errors import InvalidValue
from domain.model import Entity
from domain.values import Actor

ROLES = ("staff", "auditor", "reviewer", "member")

# Event fields that never leave the event store (relay, audit exports).
PRIVATE_FIELDS = frozenset({"password_hash"})


class Account(Entity):
    LABEL = "账号"

    @classmethod
    def create(
        cls, *, username: str, role: str, password_hash: str,
        organisation_id: UUID | None, actor: Actor, reason: str | None = None,
    ) -> Account:
        if role not in ROLES:
            raise InvalidValue(f"未知角色 {role!r} (unknown role)", field="role")
        if not username.strip():
            raise InvalidValue("用户名不能为空 (username is required)", field="username")
        return cls(
            username=username.strip(), role=role, password_hash=password_hash,
            organisation_id=organisation_id, actor=actor, reason=reason,
        )

    @event("Created")
    def __init__(
        self,
        username: str,
        role: str,
        password_hash: str,
        organisation_id: UUID | None,
        actor: Actor,
        reason: str | None = None,
    ):
        self.username = username
        self.role = role
        self.password_hash = password_hash
        self.organisation_id = organisation_id
        self.status = "active"
