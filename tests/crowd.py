"""Many admitted organisations at once, saved straight through the application
(the rush tests and benchmarks need a thousand members in a second, not the
HTTP path they are not measuring)."""

from __future__ import annotations

from datetime import date

from domain.organisations import Organisation
from domain.unique import UniqueClaim
from domain.values import Actor
from tests.factories import application

STAFF = Actor(id="setup", role="staff")


def admitted_members(platform, n: int, chunk: int = 500) -> list[str]:
    ids: list[str] = []
    for start in range(0, n, chunk):
        aggregates = []
        for _ in range(start, min(start + chunk, n)):
            fields = {**application(), "effective_on": date(2016, 1, 1)}
            org = Organisation.apply(actor=Actor.public(), **fields)
            org.admit(tier="member", note=None, effective_on=date(2016, 1, 2), actor=STAFF)
            # Dues paid, or the scheduler would lapse them during a long test.
            today = platform.clock.today()
            org.pay_dues(year=today.year, amount_fen=100_000, effective_on=today, actor=STAFF)
            aggregates += [org, UniqueClaim(kind="credit_code", value=org.credit_code, owner_id=org.id,
                                            actor=STAFF)]
            ids.append(str(org.id))
        platform.app.save(*aggregates)
    return ids
