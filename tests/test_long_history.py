"""No read-model cost that grows with an organisation's history (issue 24): its document holds
current state; every change is a row of its own, read by page."""

from uuid import UUID

from domain.values import Actor
from projections.roster import RECENT_CHANGES
from service import membership
from tests.factories import application
from tests.http import ok

STAFF = Actor(id="staff-1", role="staff")


def doc_size(platform, org):
    with platform.views.read() as tx:
        return len(tx.scalar("SELECT doc FROM view_roster WHERE id = ?", (org,)))


def test_an_organisation_edited_hundreds_of_times_keeps_a_document_of_the_same_size(client, staff, platform):
    org = ok(client.post("/api/v1/members", json=application()), 201)["id"]
    ok(client.post(f"/api/v1/members/{org}/admit", headers=staff, json={"tier": "member"}))
    platform.runner.catch_up()
    before = doc_size(platform, org)
    for n in range(300):
        platform.writer.execute(membership.update_profile(
            UUID(org), changes={"address": f"厦门市软件园二期 {n} 号"}, contacts=None, actor=STAFF, reason=None))
    platform.runner.catch_up()
    assert doc_size(platform, org) < before + 200  # the new address, not 300 entries
    with platform.views.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM view_roster_changes WHERE org_id = ?", (org,)) == 300
    profile = ok(client.get(f"/api/v1/members/{org}", headers=staff))
    assert profile["address"] == "厦门市软件园二期 299 号"
    assert len(profile["changes"]) == RECENT_CHANGES and profile["changes"][-1]["changes"]["address"].endswith("299 号")
    # Every change is still on the organisation's history, page by page.
    seen, cursor = 0, 0
    while True:
        page = ok(client.get(f"/api/v1/members/{org}/history?limit=100&cursor={cursor}", headers=staff))
        seen += sum(1 for i in page["items"] if i["type"] == "ProfileChanged")
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert seen == 300


def test_a_view_that_spills_a_list_must_say_where_it_goes():
    import pytest

    from projections.view import DocumentView

    with pytest.raises(TypeError, match="spill"):
        class Forgetful(DocumentView):
            name = "forgetful"
            table = "view_forgetful"
            columns = {}  # noqa: RUF012
            handlers = {}  # noqa: RUF012
            spills = ("changes",)
