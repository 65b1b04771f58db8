"""Persons under PIPL: erasure by person (API.md "Personal information")."""

from __future__ import annotations

import asyncio
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Request, post
from litestar.params import Parameter

from api.deps import platform_of
from api.policy import actor_of, allow
from api.schemas import Reason, Strict
from service import personal

PersonId = Annotated[str, Parameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


class ErasureIn(Strict):
    reason: Reason


class Erased(msgspec.Struct):
    person_id: str
    position: int


async def erase_person(request: Request, person_id: str, reason: str, *, organisation_id: UUID | None = None,
                       field: str = "person_id") -> int:
    """Record the erasure, then destroy the key at once. The projector's ErasureReaction
    destroys it too (idempotent): it is what repairs a crash between the two."""
    p = platform_of(request)
    _, position = await p.writer.run(personal.erase(person_id, reason=reason, actor=actor_of(request),
                                                    organisation_id=organisation_id, field=field))
    await asyncio.to_thread(p.keys.destroy, person_id)
    return position


class PeopleController(Controller):
    path = "/api/v1/people"
    tags = ["people 个人信息"]  # noqa: RUF012

    @post("/{person_id:str}/erasure", opt=allow("staff"), operation_id="erasePerson", status_code=200)
    async def erase(self, request: Request, person_id: PersonId, data: ErasureIn) -> Erased:
        """个人信息删除 (PIPL): any person the platform holds personal data of (a contact, an
        attendee, an invitee…), by the id the platform gave them. Recorded as `Person.Erased`;
        the person's key is destroyed, so their fields read 已删除 in every view, export, the audit
        log and any copy of the events (NATS, backups), while the facts and the hash chain stay.
        409 `already_erased` the second time; an erased id is never used again."""
        position = await erase_person(request, person_id, data.reason)
        return Erased(person_id=person_id, position=position)
