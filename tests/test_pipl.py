"""Personal information (PIPL) on both backends: every personal field walked through the
event store, the views, the exports, the audit log, an organisation's history and a
JetStream consumer, before and after erasure; keys in a key store of their own; ids the
server's, scoped to their organisation; an erased id never keyed again."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import sqlite3
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import msgspec
import nats
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from openpyxl import load_workbook

from domain.values import Actor
from projections.personal import ERASED, LEGACY_FIELDS, is_sealed, unseal_all
from qihui import contexts
from service import membership, personal
from service.keystore import PersonErased
from tests.factories import application
from tests.test_relay import reset_stream, run_relay_until
from workers.relay import STREAM

CONTACT = {"name": "欧阳娜娜", "phone": "13912345678", "email": "ouyang.nana@example.com"}
OTHER_CONTACT = {"name": "张伟", "phone": "13800000000", "email": "zhang.wei@example.com"}
ATTENDEE = {"name": "司马相如", "phone": "13700001111", "position": "总工程师"}
REPLACED = {"name": "卓文君", "phone": "13700002222"}
SUBSTITUTE = {"name": "上官婉儿", "phone": "13600003333", "position": "研发总监"}
INVITEE = "shangguan.waner@example.org"
ERASED_LATER = ("欧阳娜娜", "13912345678", "ouyang.nana@example.com", "司马相如", "13700001111", INVITEE)
KEPT = ("张伟", "上官婉儿", "13600003333")
EVERY_SECRET = (*ERASED_LATER, *KEPT, "卓文君", "13700002222", "总工程师", "研发总监")


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def forms(text: str) -> tuple[str, ...]:
    """The text and its JSON-escaped form (stored JSON may escape non-ASCII)."""
    return text, json.dumps(text)[1:-1]


def leaked(blob: str, secrets=EVERY_SECRET) -> list[str]:
    return [s for s in secrets if any(f in blob for f in forms(s))]


def head(platform) -> int:
    platform.runner.catch_up()
    return platform.runner.head()


# -- what the databases hold ---------------------------------------------------------------------------
def event_store_text(platform) -> str:
    """Every stored event (and snapshot) record, as bytes decoded."""
    tables = [platform.app.recorder.events_table_name]
    if platform.app.snapshots is not None:
        tables.append(platform.app.snapshots.recorder.events_table_name)
    parts = []
    with platform.views.read() as tx:
        for table in tables:
            parts += [bytes(r["state"]).decode("utf-8", "replace") for r in tx.fetchall(f"SELECT state FROM {table}")]
    return "\n".join(parts)


def database_tables(platform) -> list[str]:
    with platform.views.read() as tx:
        if platform.views.dialect == "postgres":
            return [r["table_name"] for r in tx.fetchall(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")]
        return [r["name"] for r in tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")]


def database_text(platform) -> str:
    """Every row of every table of the events' and views' database (the key store is elsewhere)."""
    parts, tables = [], database_tables(platform)
    with platform.views.read() as tx:
        for table in tables:
            for row in tx.fetchall(f"SELECT * FROM {table}"):
                parts += [bytes(v).decode("utf-8", "replace") if isinstance(v, bytes | memoryview) else str(v)
                          for v in row.values()]
    return "\n".join(parts)


# -- the JetStream side -----------------------------------------------------------------------------------
async def consume(url: str) -> list[dict]:
    """A fresh durable pull consumer on QIHUI_EVENTS reads every message (explicit acks)."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe("qihui.events.>", durable=f"pipl-{uuid4().hex[:10]}", stream=STREAM)
        payloads: list[dict] = []
        while True:
            try:
                batch = await sub.fetch(100, timeout=1)
            except nats.errors.TimeoutError:
                break
            for msg in batch:
                payloads.append(msgspec.json.decode(msg.data))
                await msg.ack()
        return payloads
    finally:
        await nc.close()


def relay_and_consume(platform, url: str) -> list[dict]:
    target = platform.runner.head()
    run_relay_until(platform, url, lambda r: r.position() >= target)
    return asyncio.run(consume(url))


# -- the walk -----------------------------------------------------------------------------------------
class World:
    """One organisation with two contacts, a session with two attendees (one substituted),
    check-ins, and a member invitation."""

    def __init__(self, client, staff, platform):
        self.client, self.staff, self.platform = client, staff, platform
        body = application(contacts=[CONTACT, OTHER_CONTACT])
        self.org = ok(client.post("/api/v1/members", json=body), 201)["id"]
        ok(client.post(f"/api/v1/members/{self.org}/admit", json={}, headers=staff))
        start = platform.clock.now() + timedelta(days=3)
        self.session = ok(client.post("/api/v1/sessions", headers=staff, json={
            "kind": "salon", "title": "企业科协建设小集会", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(), "venue": "协会会议室", "seats_per_organisation": 2,
            "registration_closes_at": (start - timedelta(days=1)).isoformat()}), 201)["id"]
        ok(client.post(f"/api/v1/sessions/{self.session}/registrations", headers=staff,
                       json={"organisation_id": self.org, "attendees": [ATTENDEE, REPLACED]}), 201)
        ok(client.post(f"/api/v1/sessions/{self.session}/registrations/{self.org}/substitution", headers=staff,
                       json={"attendee_name": REPLACED["name"], "substitute": SUBSTITUTE}))
        platform.clock.offset += start - platform.clock.now() - timedelta(minutes=30)  # check-in is open
        for name in (ATTENDEE["name"], SUBSTITUTE["name"]):
            ok(client.post(f"/api/v1/sessions/{self.session}/check-ins", headers=staff,
                           json={"organisation_id": self.org, "attendee_name": name}))
        self.invitation = ok(client.post("/api/v1/auth/invitations", headers=staff, json={
            "email": INVITEE, "role": "member", "organisation_id": self.org}), 201)["id"]
        head(platform)

    def get(self, path):
        return ok(self.client.get(f"{path}{'&' if '?' in path else '?'}min_position={head(self.platform)}",
                                  headers=self.staff))

    def member(self):
        return self.get(f"/api/v1/members/{self.org}")

    def roster(self):
        return self.get(f"/api/v1/sessions/{self.session}/roster")

    def audit(self):
        return self.get("/api/v1/audit/events?limit=500")["items"]

    def history(self):
        return self.get(f"/api/v1/members/{self.org}/history?limit=500")["items"]

    def attendance(self):
        return self.get(f"/api/v1/members/{self.org}/sessions")

    def exported(self, fmt="csv"):
        return self.client.get(f"/api/v1/members/export?format={fmt}", headers=self.staff)

    def person_ids(self):
        contacts = self.member()["contacts"]
        attendees = {a["name"]: a["person_id"] for a in self.roster()["confirmed"][0]["attendees"]}
        issued = [i for i in self.audit() if i["aggregate_type"] == "Invitation" and i["type"] == "Issued"]
        return {"contact": contacts[0]["id"], "other_contact": contacts[1]["id"],
                "attendee": attendees[ATTENDEE["name"]], "substitute": attendees[SUBSTITUTE["name"]],
                "invitee": issued[0]["data"]["email"]["person_id"]}


def texts(world) -> dict[str, str]:
    csv_text = world.exported().content.decode("utf-8-sig")
    return {
        "member": json.dumps(world.member(), ensure_ascii=False),
        "roster": json.dumps(world.roster(), ensure_ascii=False),
        "attendance": json.dumps(world.attendance(), ensure_ascii=False),
        "export": csv_text,
        "audit": json.dumps(world.audit(), ensure_ascii=False),
        "history": json.dumps(world.history(), ensure_ascii=False),
    }


def test_every_personal_field_is_sealed_and_erasure_makes_it_unreadable_everywhere(client, staff, platform, nats):
    asyncio.run(reset_stream(nats.url))
    world = World(client, staff, platform)

    # Stored: the event store, the snapshots and every view hold none of it in the clear.
    assert leaked(event_store_text(platform)) == []
    assert leaked(database_text(platform)) == []
    # The summaries computed at projection time name nobody.
    summaries = {(i["type"], i["summary"]) for i in world.audit() if i["aggregate_type"] == "Session"}
    assert ("CheckedIn", "「企业科协建设小集会」签到（1 人）") in summaries
    assert ("AttendeeSubstituted", "「企业科协建设小集会」更换参会人（1 人）") in summaries
    # The declared personal fields of every stored event are sealed persons.
    events = [e for _, e in platform.runner.read_batch(0)]
    fields = personal.PersonalFields(contexts.personal())
    assert [(type(e).__qualname__, fields.clear_persons(e)) for e in events if fields.clear_persons(e)] == []
    declared = {type(e).__qualname__ for e in events if tuple(type(e).__qualname__.split(".")) in fields.declared}
    assert {"Organisation.Applied", "Session.Registered", "Session.AttendeeSubstituted", "Session.CheckedIn",
            "Invitation.Issued"} <= declared
    assert is_sealed(next(e for e in events if type(e).__qualname__ == "Session.CheckedIn").attendee)

    # Read: the views, the export, the audit log and the history open them for staff.
    before = texts(world)
    assert leaked(before["member"], [CONTACT["name"], CONTACT["phone"], CONTACT["email"]]) == [
        CONTACT["name"], CONTACT["phone"], CONTACT["email"]]
    roster = world.roster()["confirmed"][0]
    assert [a["name"] for a in roster["attendees"]] == [ATTENDEE["name"], SUBSTITUTE["name"]]
    assert roster["attendees"][0]["phone"] == ATTENDEE["phone"]
    assert roster["checked_in_attendees"] == [ATTENDEE["name"], SUBSTITUTE["name"]]
    assert CONTACT["name"] in before["export"] and CONTACT["phone"] in before["export"]
    for where in ("audit", "history", "attendance"):
        assert ATTENDEE["name"] in before[where], where
    assert INVITEE in before["audit"]

    # NATS: the relay publishes sealed payloads; with the platform's keys they open.
    published = relay_and_consume(platform, nats.url)
    assert len(published) == platform.runner.head()
    assert leaked(json.dumps(published, ensure_ascii=False)) == []
    assert ATTENDEE["name"] in json.dumps(unseal_all(platform.keys, published), ensure_ascii=False)

    # Erasure by person: a contact, an attendee (checked in), the invitee.
    ids = world.person_ids()
    keys_before = {who: platform.keys.get(pid) for who, pid in ids.items()}
    assert all(keys_before.values())
    for who in ("contact", "attendee", "invitee"):
        ok(client.post(f"/api/v1/people/{ids[who]}/erasure", json={"reason": "本人依法申请删除"}, headers=staff))
    again = client.post(f"/api/v1/people/{ids['attendee']}/erasure", json={"reason": "重复"}, headers=staff)
    assert (again.status_code, again.json()["code"]) == (409, "already_erased")
    unknown = client.post(f"/api/v1/people/{uuid4()}/erasure", json={"reason": "x"}, headers=staff)
    assert unknown.status_code == 404

    after = texts(world)
    for where, text in after.items():
        assert leaked(text, ERASED_LATER) == [], where
    assert ERASED in after["member"] and ERASED in after["export"] and ERASED in after["audit"]
    assert leaked(after["roster"], KEPT[1:]) == list(KEPT[1:])  # the others are untouched
    assert OTHER_CONTACT["name"] in after["member"] and OTHER_CONTACT["name"] in after["export"]
    roster = world.roster()["confirmed"][0]
    assert roster["attendees"][0]["erased"] is True and roster["attendees"][0]["name"] == ERASED
    assert roster["checked_in_attendees"] == [ERASED, SUBSTITUTE["name"]]
    assert world.attendance()["sessions"][0]["status"] == "attended"  # the facts stay
    xlsx = world.exported("xlsx")
    assert xlsx.status_code == 200
    cells = " ".join(str(c.value) for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows()
                     for c in row if c.value is not None)
    assert leaked(cells, ERASED_LATER) == [] and OTHER_CONTACT["name"] in cells
    erased = [i for i in world.history() if (i["aggregate_type"], i["type"]) == ("Person", "Erased")]
    assert len(erased) == 3 and {i["data"]["person_id"] for i in erased} == {ids["contact"], ids["attendee"],
                                                                             ids["invitee"]}
    logged = world.client.get("/api/v1/audit/events?format=csv", headers=staff).content.decode("utf-8-sig")
    assert leaked(logged) == [] and "个人信息依法删除" in logged
    assert ok(client.get("/api/v1/audit/verify", headers=staff))["ok"] is True

    # NATS after erasure: every payload, old and new, read by a fresh consumer: nothing opens.
    published = relay_and_consume(platform, nats.url)
    assert len(published) == platform.runner.head()
    opened = json.dumps(unseal_all(platform.keys, published), ensure_ascii=False)
    assert leaked(opened, ERASED_LATER) == [] and ERASED in opened and SUBSTITUTE["name"] in opened
    assert {p["type"] for p in published if p["aggregate_type"] == "Person"} == {"Erased"}

    # The keys are gone for good; a rebuilt view cannot bring anyone back; an erased id is never keyed again.
    assert [platform.keys.get(ids[w]) for w in ("contact", "attendee", "invitee")] == [None, None, None]
    assert platform.keys.get(ids["other_contact"]) == keys_before["other_contact"]
    platform.runner.rebuild()
    assert world.member()["contacts"][0]["name"] == ERASED
    with pytest.raises(PersonErased):
        platform.keys.create(ids["contact"], world.org)
    reuse = client.patch(f"/api/v1/members/{world.org}", headers=staff, json={
        "contacts": [{"id": ids["contact"], **CONTACT}]})
    assert reuse.status_code in (409, 422) and reuse.json()["errors"][0]["field"] == "contacts[0].id"
    if platform.settings.keystore_path is not None:  # SQLite: the destroyed key's bytes are overwritten
        stored = b"".join(p.read_bytes() for p in Path(platform.settings.keystore_path).parent.glob("keys.db*"))
        assert all(keys_before[w] not in stored for w in ("contact", "attendee", "invitee"))
        assert keys_before["other_contact"] in stored


def test_the_contact_route_erases_the_same_way_and_a_crash_before_the_key_is_destroyed_is_repaired(
        client, staff, platform, make_platform):
    body = application(contacts=[CONTACT])
    org = ok(client.post("/api/v1/members", json=body), 201)["id"]
    contact = ok(client.get(f"/api/v1/members/{org}?min_position={head(platform)}", headers=staff))["contacts"][0]
    ok(client.post(f"/api/v1/members/{org}/contacts/{contact['id']}/erasure", json={"reason": "本人要求"},
                   headers=staff))
    assert platform.keys.get(contact["id"]) is None
    assert ok(client.get(f"/api/v1/members/{org}?min_position={head(platform)}",
                         headers=staff))["contacts"][0]["name"] == ERASED

    # The erasure is recorded, then the process dies before the key is destroyed: the
    # projector's reaction destroys it when the platform next starts.
    other = ok(client.post("/api/v1/members", json=application(contacts=[OTHER_CONTACT])), 201)["id"]
    person = ok(client.get(f"/api/v1/members/{other}?min_position={head(platform)}",
                           headers=staff))["contacts"][0]["id"]
    platform.writer.execute(personal.erase(person, reason="本人要求", actor=Actor(id="test", role="staff")))
    assert platform.keys.get(person) is not None  # nobody destroyed it yet
    restarted = make_platform()
    restarted.runner.catch_up()
    assert restarted.keys.get(person) is None and platform.keys.lookup(person).erased


def test_ids_are_the_servers_and_an_organisation_names_only_its_own_persons(client, staff, platform):
    mine = ok(client.post("/api/v1/members", json=application(contacts=[{**CONTACT, "id": "chosen-by-me"}])
                          ), 201)["id"]
    theirs = ok(client.post("/api/v1/members", json=application(contacts=[OTHER_CONTACT])), 201)["id"]
    for org in (mine, theirs):
        ok(client.post(f"/api/v1/members/{org}/admit", json={}, headers=staff))
    h = head(platform)
    my_contact = ok(client.get(f"/api/v1/members/{mine}?min_position={h}", headers=staff))["contacts"][0]
    their_contact = ok(client.get(f"/api/v1/members/{theirs}", headers=staff))["contacts"][0]
    assert my_contact["id"] != "chosen-by-me" and platform.keys.lookup("chosen-by-me") is None
    assert platform.keys.lookup(my_contact["id"]).scope == mine

    # Naming another organisation's contact (to take it over, or to have its key re-used) is refused.
    r = client.patch(f"/api/v1/members/{mine}", headers=staff, json={
        "contacts": [{"id": their_contact["id"], "name": "冒名者", "phone": "13000000000", "email": "x@example.com"}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "contacts[0].id"
    r = client.patch(f"/api/v1/members/{mine}", headers=staff, json={
        "contacts": [{"id": "made-up", "name": "某人", "phone": "13000000000", "email": "x@example.com"}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "contacts[0].id"
    assert platform.keys.lookup("made-up") is None
    assert ok(client.get(f"/api/v1/members/{theirs}?min_position={head(platform)}",
                         headers=staff))["contacts"][0]["name"] == OTHER_CONTACT["name"]

    # Its own contact keeps its id and key; an unchanged list records no change.
    key = platform.keys.get(my_contact["id"])
    same = {k: my_contact[k] for k in ("id", "name", "phone", "email")}
    before = head(platform)
    ok(client.patch(f"/api/v1/members/{mine}", headers=staff, json={"contacts": [same]}))
    assert head(platform) == before
    moved = ok(client.patch(f"/api/v1/members/{mine}", headers=staff, json={
        "contacts": [{**same, "phone": "13911112222"}, {"name": "新联系人", "phone": "13500000000",
                                                        "email": "new@example.com"}]}))
    doc = ok(client.get(f"/api/v1/members/{mine}?min_position={moved['position']}", headers=staff))
    assert doc["contacts"][0]["id"] == my_contact["id"] and doc["contacts"][0]["phone"] == "13911112222"
    assert platform.keys.get(my_contact["id"]) == key and doc["contacts"][1]["id"] not in (my_contact["id"],)
    assert leaked(event_store_text(platform), ("13911112222", "新联系人")) == []

    # Erasing a person is for staff alone.
    member = client.post(f"/api/v1/people/{my_contact['id']}/erasure", json={"reason": "x"})
    assert member.status_code == 401


def test_keys_live_in_a_key_store_of_their_own(platform):
    platform.writer.execute(membership.apply_for_membership(
        {**application(contacts=[CONTACT]), "effective_on": platform.clock.today()}, Actor.public()))
    platform.runner.catch_up()
    with platform.views.read() as tx:
        contacts = json.loads(tx.scalar("SELECT doc FROM view_roster"))["contacts"]
    person = contacts[0]["id"]
    key = platform.keys.get(person)
    assert key is not None and len(key) == 32
    tables = database_tables(platform)
    assert not [t for t in tables if "key" in t.lower() and t.startswith("qihui_personal")]
    assert "person_keys" not in tables
    views_text = database_text(platform)
    assert key.hex() not in views_text and key.decode("latin-1") not in views_text
    if platform.settings.keystore_path is not None:
        path = Path(platform.settings.keystore_path)
        assert path != Path(platform.settings.sqlite_path) and path.name == "keys.db"
        assert os.stat(path).st_mode & 0o777 == 0o600
        assert key in path.read_bytes() + b"".join(p.read_bytes() for p in path.parent.glob("keys.db-wal"))
        assert key not in Path(platform.settings.sqlite_path).read_bytes()
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT COUNT(*) FROM person_keys WHERE person_id = ?", (person,)).fetchone() == (1,)
    else:
        with platform.views.read() as tx:
            schemas = [r["table_schema"] for r in tx.fetchall(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'person_keys'")]
        assert schemas == ["qihui_keys"]


def test_keys_kept_beside_the_views_before_move_into_the_key_store_once(platform, make_platform):
    with platform.views.transaction() as tx:
        tx.execute("CREATE TABLE IF NOT EXISTS qihui_personal_keys (subject_id TEXT PRIMARY KEY, key_b64 TEXT)")
        tx.execute("INSERT INTO qihui_personal_keys (subject_id, key_b64) VALUES (?, ?)",
                   ("legacy-contact", base64.b64encode(b"k" * 32).decode()))
    platform.keys.destroy("erased-meanwhile")
    with platform.views.transaction() as tx:
        tx.execute("INSERT INTO qihui_personal_keys (subject_id, key_b64) VALUES (?, ?)",
                   ("erased-meanwhile", base64.b64encode(b"e" * 32).decode()))
    restarted = make_platform()
    assert restarted.keys.get("legacy-contact") == b"k" * 32
    assert restarted.keys.get("erased-meanwhile") is None  # an erased person stays erased
    assert "qihui_personal_keys" not in database_tables(restarted)
    # A contact sealed under the old scheme ({"id", "sealed"}) opens with the moved key, and reads erased after.
    nonce = b"n" * 12
    old = {"id": "legacy-contact", "sealed": base64.b64encode(nonce + AESGCM(b"k" * 32).encrypt(
        nonce, msgspec.json.encode({"name": "老联系人"}), b"legacy-contact")).decode()}
    assert unseal_all(restarted.keys, old) == {"id": "legacy-contact", "name": "老联系人"}
    restarted.keys.destroy("legacy-contact")
    assert unseal_all(restarted.keys, old) == {"id": "legacy-contact", **dict.fromkeys(LEGACY_FIELDS, ERASED),
                                               "erased": True}



def test_the_write_path_guard_refuses_a_person_in_the_clear():
    from datetime import UTC, datetime

    from domain.sessions import Session

    now = datetime(2026, 5, 1, tzinfo=UTC)
    session = Session.schedule(kind="salon", title="t", topic=None, starts_at=now + timedelta(days=2),
                               ends_at=now + timedelta(days=2, hours=2), venue="v", capacity=None,
                               seats_per_organisation=1, registration_closes_at=now + timedelta(days=1),
                               members_only=False, waitlist=True, now=now, actor=Actor.system())
    session.register(organisation_id=uuid4(), is_member=True, attendees=[{"name": "明文"}], now=now,
                     actor=Actor.system(), seal=lambda people: people)  # someone forgot to seal
    with pytest.raises(RuntimeError, match="attendees"):
        personal.PersonalFields(contexts.personal()).refuse_clear([session])


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_any_kind_of_person_seals_and_erases_the_same_way(platform):
    """The alliance programme's persons (objection contacts, experts, plan staff, inspectors)
    take the same two calls: seal on the write side, open on the read side."""
    experts = [personal.seal(platform.keys, personal.EXPERT, {"name": "钱学森", "title": "研究员",
                                                              "employer": "某研究所", "speciality": "力学",
                                                              "society_id": "s-1"}, scope="s-1")]
    inspector = personal.seal(platform.keys, personal.INSPECTOR, {"name": "检查员甲"}, scope=None)
    objector = personal.seal(platform.keys, personal.OBJECTOR, {"contact": "13800001111 张举报"}, scope=None)
    doc = {"expert_team": experts, "inspectors": [inspector], "contact": objector}
    assert leaked(json.dumps(doc, ensure_ascii=False), ("钱学森", "研究员", "检查员甲", "张举报")) == []
    assert doc["expert_team"][0]["speciality"] == "力学"  # not personal: stays in the clear
    opened = unseal_all(platform.keys, doc)
    assert opened["expert_team"][0]["name"] == "钱学森" and opened["inspectors"][0]["name"] == "检查员甲"
    assert opened["contact"]["contact"] == "13800001111 张举报"
    platform.keys.destroy(experts[0]["person_id"])
    assert unseal_all(platform.keys, doc)["expert_team"][0] | {"person_id": None} == {
        "person_id": None, "speciality": "力学", "society_id": "s-1", "name": ERASED, "title": ERASED,
        "employer": ERASED, "erased": True}


def test_a_batch_stores_its_new_persons_keys_in_one_go_before_its_events(platform, monkeypatch):
    """The writer keeps the keys of persons minted in a batch until the batch saves: one
    key-store transaction for all of them, ahead of the events sealed with them. When the
    key store fails, none of the batch's events is stored."""
    import threading

    from service.keystore import KeyStoreUnavailable
    from service.writer import StoreUnavailable

    keys = platform.keys
    single, many = [], []
    real_execute, real_many = keys._execute, keys._insert_many
    monkeypatch.setattr(keys, "_execute", lambda sql, params=(): (
        single.append(sql) if sql.startswith("INSERT") else None, real_execute(sql, params))[1])
    monkeypatch.setattr(keys, "_insert_many", lambda sql, rows: (many.append(len(rows)), real_many(sql, rows))[1])

    def applications(n):
        gate, holding, outcomes = threading.Event(), threading.Event(), []
        platform.writer.submit(lambda uow: (holding.set(), gate.wait(5)), lambda outcome: None)
        assert holding.wait(5)  # the writer is busy: what comes now waits for one batch
        done = threading.Semaphore(0)
        for i in range(n):
            contacts = [{"name": f"联系人{i}", "phone": f"139{i:08d}", "email": f"p{i}@example.com"}]
            platform.writer.submit(membership.apply_for_membership(
                {**application(contacts=contacts), "effective_on": platform.clock.today()}, Actor.public()),
                lambda outcome: (outcomes.append(outcome), done.release()))
        gate.set()
        for _ in range(n):
            assert done.acquire(timeout=30)
        return outcomes

    outcomes = applications(30)
    assert all(o.error is None for o in outcomes)
    assert single == [] and many == [30]  # thirty keys, one transaction
    platform.runner.catch_up()
    with platform.views.read() as tx:
        docs = [json.loads(r["doc"]) for r in tx.fetchall("SELECT doc FROM view_roster")]
    persons = [c["id"] for d in docs for c in d["contacts"]]
    assert len(persons) == 30 and all(keys.get(p) is not None for p in persons)

    head = platform.runner.head()

    def refuse(sql, rows):
        raise KeyStoreUnavailable("key store down")

    monkeypatch.setattr(keys, "_insert_many", refuse)
    outcomes = applications(5)
    assert all(isinstance(o.error, StoreUnavailable) for o in outcomes)  # 503 to each caller
    assert platform.runner.head() == head  # no event sealed with a key that was never stored
