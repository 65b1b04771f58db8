"""The contexts registry: every context declares itself once, and forgetting a
summary or an organisation link for an event type fails here, not silently."""

from eventsourcing.domain import AggregateCreated, DomainEvent

from api.app import create_app
from projections.history import Names
from qihui import contexts
from tests.factories import application
from tests.roles import admitted_org, invited
from tests.test_alliances import ok


def event_types(aggregate: type) -> list[type]:
    """The event types an aggregate can record (the library's unused defaults left out)."""
    found = {name: value for name, value in vars(aggregate).items()
             if isinstance(value, type) and issubclass(value, DomainEvent) and name != "Event"}
    creations = [n for n, v in found.items() if issubclass(v, AggregateCreated)]
    if "Created" in found and len(creations) > 1:  # another event creates it: Created is never recorded
        del found["Created"]
    return list(found.values())


def test_every_event_type_has_a_summary_and_an_organisation_link():
    history = contexts.history()
    missing = [f"{c.name}: {e.__qualname__} ({what})"
               for c in contexts.CONTEXTS for aggregate in c.aggregates for e in event_types(aggregate)
               for what, found in (("summary", history.summary_of(e)), ("link", history.link_of(e)))
               if found is None]
    assert missing == []


def test_a_context_is_one_declaration_the_platform_iterates(platform):
    names = [c.name for c in contexts.CONTEXTS]
    assert len(names) == len(set(names))
    # Its views are the runner's, its jobs the scheduler's, its controllers the app's.
    declared_views = {type(v) for c in contexts.CONTEXTS for v in c.views(_needs(platform))}
    assert declared_views <= {type(v) for v in platform.runner.views}
    assert [j.__name__ for j in platform.jobs] == [j.__name__ for c in contexts.CONTEXTS for j in c.jobs]
    served = [route.path for route in create_app(platform).routes]
    for controller in contexts.controllers():
        assert any(path.startswith(controller.path) for path in served), controller
    assert platform.app.snapshot_every == contexts.snapshot_every()


def _needs(platform):
    from qihui.contexts.base import Needs

    return Needs(settings=platform.settings, chain_keys=platform.chain_keys, anchors=platform.anchors,
                 keys=platform.keys)


def test_histories_read_as_chinese_and_name_what_they_concern(client, staff, platform):
    org = admitted_org(client, staff)
    session = ok(client.post("/api/v1/sessions", headers=staff, json={
        "kind": "salon", "title": "光电企业小集会", "starts_at": "2030-05-10T09:00:00+08:00",
        "ends_at": "2030-05-10T11:00:00+08:00", "venue": "协会",
        "registration_closes_at": "2030-05-09T18:00:00+08:00"}),
        201)["id"]
    member = invited(client, staff, "guangdian", "member", organisation_id=org)
    ok(client.post(f"/api/v1/sessions/{session}/registrations", headers=member,
                   json={"organisation_id": org, "attendees": [{"name": "王五"}]}), 201)
    ok(client.post(f"/api/v1/members/{org}/tier", headers=staff, json={"tier": "council", "reason": "理事会决议"}))
    platform.runner.catch_up()
    items = ok(client.get(f"/api/v1/members/{org}/history?limit=100", headers=staff))["items"]
    summaries = [i["summary"] for i in items]
    assert "报名「光电企业小集会」：已确认" in summaries
    assert "会员等级由会员单位变更为理事单位" in summaries
    assert all("council" not in s and "salon" not in s for s in summaries)
    assert {i["actor"]["name"] for i in items} >= {"secretary", "guangdian"}
    assert next(i for i in items if i["type"] == "Applied")["actor"]["name"] == "公众"


def test_names_remember_titles_within_one_batch(platform):
    with platform.views.transaction() as tx:
        names = Names(tx)
        names.remember_title("s-1", "第 29 期小灶班")
        assert names.title("s-1") == "第 29 期小灶班" and names.title("unknown") == "—"
    assert application()["name"]  # the factories stay importable beside the registry


def test_declared_personal_fields_name_events_their_context_records():
    for c in contexts.CONTEXTS:
        recorded = {tuple(e.__qualname__.split(".")) for aggregate in c.aggregates for e in event_types(aggregate)}
        assert set(c.personal) <= recorded, c.name


def test_the_summary_has_every_contexts_section_and_the_document_describes_it(client, staff):
    figures = ok(client.get("/api/v1/stats/summary?from=2026-01-01&to=2026-12-31", headers=staff))
    sections = [f.section for f in contexts.figures()]
    assert {"members", "sessions", "alliances", "needs", "services"} <= set(sections)
    assert set(figures) == {"from", "to", *sections}
    document = client.get("/schema/openapi.json").json()
    answer = document["paths"]["/api/v1/stats/summary"]["get"]["responses"]["200"]["content"]["application/json"]
    summary = document["components"]["schemas"][answer["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert set(summary["properties"]) == {"from", "to", *sections}


def test_a_contexts_texts_and_fields_keep_one_meaning():
    import pytest

    from api import i18n, openapi

    with pytest.raises(ValueError, match=r"nav\.sessions"):
        i18n.extend({"nav.sessions": ("别的意思", "something else")}, {})
    with pytest.raises(ValueError, match="credit_code"):
        openapi.install(None, {"credit_code": "另一个意思 (something else)"})  # type: ignore[arg-type]
