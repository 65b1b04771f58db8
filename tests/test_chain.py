"""The hash chain against someone who can write the database (both backends):
records altered, deleted, reordered; the newest records cut off with their
links; the chain's tracking row moved back; links re-signed with a wrong or a
retired key. Each is reported by verify at its position; anchors kept outside
the database catch what the database alone cannot. Plus key rotation, the
refusal of short keys, and private file modes."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from api.app import create_app
from projections.chain import (
    CHAIN,
    VIEW,
    ChainKeys,
    anchor_platform,
    fetch_anchors,
    key_id,
    link,
    new_key_file,
    read_anchors,
    verify,
    verify_platform,
)
from qihui.settings import Settings
from tests.factories import application
from tests.http import create_staff, in_process_client, login
from workers.scheduler import tick

QIHUI = str(Path(sys.executable).parent / "qihui")


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def fill(client, applications=3):
    for _ in range(applications):  # two records each: the organisation and its credit-code claim
        ok(client.post("/api/v1/members", json=application()), 201)


def head(platform):
    platform.runner.catch_up()
    return platform.runner.head()


def checked(client, staff):
    return ok(client.get("/api/v1/audit/verify", headers=staff))


def _table(platform):
    return platform.app.recorder.events_table_name


def _id(platform):
    return "rowid" if platform.views.dialect == "sqlite" else "notification_id"


def write(platform, sql, params=()):
    """The attacker: plain SQL on the database."""
    with platform.views.transaction() as tx:
        tx.execute(sql.format(table=_table(platform), id=_id(platform)), params)


def links(platform):
    with platform.views.read() as tx:
        return [(int(r["position"]), int(r["seq"]), r["key_id"], r["link"]) for r in tx.fetchall(
            f"SELECT position, seq, key_id, link FROM {CHAIN} ORDER BY position")]


def tracked(platform):
    return platform.views.positions([VIEW])[VIEW]


def re_sign(platform, key, kid, from_position):
    """The attacker re-signs every link from `from_position` on with a key of their choosing."""
    notes = platform.app.recorder.select_notifications(start=1, limit=10_000)
    previous = ""
    with platform.views.transaction() as tx:
        for seq, n in enumerate(notes, 1):
            if n.id >= from_position:
                previous = link(key, previous, seq, n.id, kid, n.originator_id, n.originator_version, n.topic,
                                n.state)
                tx.execute(f"UPDATE {CHAIN} SET link = ?, key_id = ? WHERE position = ?", (previous, kid, n.id))
            else:
                previous = tx.scalar(f"SELECT link FROM {CHAIN} WHERE position = ?", (n.id,))


def failure(result):
    return result["first_bad_position"], result["problem"]


# -- the stored records --------------------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["altered", "deleted", "reordered"])
def test_tampering_with_a_stored_record_is_found_at_its_position(client, staff, platform, damage):
    fill(client)
    head(platform)
    assert checked(client, staff)["ok"] is True
    victim = 4
    if damage == "altered":
        write(platform, "UPDATE {table} SET state = ? WHERE {id} = ?", (b'{"forged":true}', victim))
    elif damage == "deleted":
        write(platform, "DELETE FROM {table} WHERE {id} = ?", (victim,))
    else:  # swap the stored payloads of two records
        with platform.views.read() as tx:
            a, b = (bytes(tx.scalar(f"SELECT state FROM {_table(platform)} WHERE {_id(platform)} = ?", (p,)))
                    for p in (victim, 6))
        write(platform, "UPDATE {table} SET state = ? WHERE {id} = ?", (b, victim))
        write(platform, "UPDATE {table} SET state = ? WHERE {id} = ?", (a, 6))
    result = checked(client, staff)
    assert result["ok"] is False and result["checked"] == victim - 1
    assert failure(result) == (victim, "missing" if damage == "deleted" else "altered")


def test_a_record_deleted_with_its_link_is_named_by_its_own_position(client, staff, platform):
    fill(client)
    head(platform)
    write(platform, "DELETE FROM {table} WHERE {id} = ?", (4,))
    write(platform, f"DELETE FROM {CHAIN} WHERE position = ?", (4,))
    assert failure(checked(client, staff)) == (4, "missing")


# -- the newest records cut off, with their links ------------------------------------------------------------
def test_cutting_off_the_newest_records_and_their_links_is_caught_by_an_anchor(client, staff, platform, tmp_path,
                                                                                caplog):
    fill(client)
    h = head(platform)
    platform.anchors.path.unlink(missing_ok=True)  # whatever the start-up tick anchored
    anchor, _ = anchor_platform(platform, force=True)
    assert (anchor.position, anchor.seq) == (h, len(links(platform)))
    auditor_copy = tmp_path / "auditor-anchors.jsonl"
    shutil.copy(platform.anchors.path, auditor_copy)
    # The attacker removes the newest two records and their links and moves the tracking row to match.
    write(platform, "DELETE FROM {table} WHERE {id} > ?", (h - 2,))
    write(platform, f"DELETE FROM {CHAIN} WHERE position > ?", (h - 2,))
    write(platform, "UPDATE qihui_tracking SET position = ? WHERE name = ?", (h - 2, VIEW))
    # The database alone is consistent again …
    assert verify(platform.app.recorder, platform.views, platform.chain_keys)["ok"] is True
    # … but not against the anchor: in the platform's own file, and in an auditor's copy.
    result = checked(client, staff)
    assert failure(result) == (h, "anchor_missing") and result["anchors_checked"] >= 1
    assert "no longer in the chain" in result["detail"]
    assert failure(verify_platform(platform, [auditor_copy])) == (h, "anchor_missing")
    # New records come in; the projector does not re-sign the chain below the anchor.
    with caplog.at_level(logging.ERROR, logger="projections.runner"):
        fill(client, 1)
        head(platform)
    assert VIEW in platform.runner.halted
    assert "refusing" in caplog.text
    assert max(p for p, *_ in links(platform)) == h - 2
    assert ok(client.get(f"/api/v1/audit/events?after_position={h - 2}", headers=staff))["items"]  # others go on
    assert checked(client, staff)["first_bad_position"] == h


def test_a_projector_that_saw_a_longer_chain_refuses_to_sign_a_shorter_one(client, staff, platform):
    fill(client)
    h = head(platform)
    fill(client, 1)
    head(platform)  # this batch began from the chain up to h
    platform.anchors.path.unlink(missing_ok=True)  # no anchors: the database alone is consistent after the cut
    write(platform, "DELETE FROM {table} WHERE {id} > ?", (h - 2,))
    write(platform, f"DELETE FROM {CHAIN} WHERE position > ?", (h - 2,))
    write(platform, "UPDATE qihui_tracking SET position = ? WHERE name = ?", (h - 2, VIEW))
    fill(client, 1)
    head(platform)
    assert "shrank" in str(platform.runner.halted[VIEW])
    assert max(p for p, *_ in links(platform)) == h - 2
    result = checked(client, staff)
    assert failure(result) == (h - 1, "halted") and "shrank" in result["detail"]


def test_the_command_line_checks_an_anchors_file(store_env, tmp_path):
    env = {**os.environ, **store_env}
    platform = _platform_with_records(store_env)
    try:
        h = platform.runner.head()
    finally:
        platform.close()
    anchored = subprocess.run([QIHUI, "audit", "anchor"], env=env, capture_output=True, text=True, timeout=60)
    assert anchored.returncode == 0, anchored.stderr
    assert f"at position {h}" in anchored.stdout
    copy = tmp_path / "copy.jsonl"
    shutil.copy(Path(store_env["QIHUI_DATA_DIR"]) / "anchors.jsonl", copy)
    intact = subprocess.run([QIHUI, "audit", "verify", "--anchors", str(copy)], env=env, capture_output=True,
                            text=True, timeout=60)
    assert intact.returncode == 0 and "1 anchors held" in intact.stdout, intact.stderr
    platform = _platform_with_records(store_env, applications=0)
    try:
        write(platform, "DELETE FROM {table} WHERE {id} = ?", (h,))
        write(platform, f"DELETE FROM {CHAIN} WHERE position = ?", (h,))
        write(platform, "UPDATE qihui_tracking SET position = ? WHERE name = ?", (h - 1, VIEW))
    finally:
        platform.close()
    caught = subprocess.run([QIHUI, "audit", "verify", "--anchors", str(copy)], env=env, capture_output=True,
                            text=True, timeout=60)
    assert caught.returncode == 1 and f"position {h} (anchor_missing" in caught.stderr


def _platform_with_records(store_env, applications=2):
    from qihui.bootstrap import bootstrap

    platform = bootstrap(Settings.from_env({**store_env, "QIHUI_RUN_WORKERS": "n"}))  # no scheduler's anchors
    with in_process_client(create_app(platform)) as client:
        fill(client, applications)
    platform.runner.catch_up()
    return platform


# -- the chain's tracking row moved back ---------------------------------------------------------------------
def test_a_rewound_tracking_row_is_not_re_signed_and_verify_says_so(client, staff, platform, caplog):
    fill(client)
    h = head(platform)
    before = links(platform)
    write(platform, "UPDATE qihui_tracking SET position = ? WHERE name = ?", (3, VIEW))
    with caplog.at_level(logging.ERROR, logger="projections.runner"):
        fill(client, 1)
        new_head = head(platform)
    assert platform.runner.halted[VIEW].position == 4
    assert "stopped at position 4" in caplog.text
    assert links(platform) == before  # nothing signed again, nothing new signed
    assert platform.views.positions(["audit"])["audit"] == new_head  # the other views went on
    assert tracked(platform) == 3
    result = checked(client, staff)
    assert failure(result) == (4, "rewound") and result["checked"] == h


def test_rewinding_and_re_signing_altered_history_is_caught_by_the_anchors(make_platform, tmp_path):
    """The attack of issue 12: alter a record, delete the links from there on, move the
    tracking row back and let a fresh projector sign the altered history with the real key.
    The database then verifies; an anchor held elsewhere does not."""
    first = make_platform()
    create_staff(first)
    with in_process_client(create_app(first)) as client:
        fill(client)
        h = head(first)
        first.anchors.path.unlink(missing_ok=True)  # whatever the start-up tick anchored
        anchor_platform(first, force=True)
    auditor_copy = tmp_path / "auditor.jsonl"
    shutil.copy(first.anchors.path, auditor_copy)
    first.close()
    victim = 4
    attacker = make_platform()
    write(attacker, "UPDATE {table} SET state = ? WHERE {id} = ?", (b'{"forged":true}', victim))
    write(attacker, f"DELETE FROM {CHAIN} WHERE position >= ?", (victim,))
    write(attacker, "UPDATE qihui_tracking SET position = ? WHERE name = ?", (victim - 1, VIEW))
    attacker.anchors.path.unlink()  # the local anchors file is within the attacker's reach
    attacker.close()
    fresh = make_platform()  # no memory of the longer chain, no local anchor: it signs
    fresh.runner.catch_up()
    assert max(p for p, *_ in links(fresh)) == h
    assert verify(fresh.app.recorder, fresh.views, fresh.chain_keys)["ok"] is True
    result = verify_platform(fresh, [auditor_copy])
    assert failure(result) == (h, "anchor_mismatch")


# -- keys ----------------------------------------------------------------------------------------------------
def test_links_re_signed_with_a_wrong_key_are_reported(client, staff, platform):
    fill(client)
    head(platform)
    write(platform, "UPDATE {table} SET state = ? WHERE {id} = ?", (b'{"forged":true}', 4))
    forged = b"an-attackers-own-key-0123456789abcdef"
    real_id = platform.chain_keys.current()[0]
    re_sign(platform, forged, real_id, 4)  # under the real key's name
    assert failure(checked(client, staff)) == (4, "altered")
    re_sign(platform, forged, key_id(forged), 4)  # under its own name
    result = checked(client, staff)
    assert failure(result) == (4, "unknown_key") and key_id(forged) in result["detail"]


def _without_chain_key(store_env):
    return {k: v for k, v in store_env.items() if k != "QIHUI_CHAIN_KEY"}


def test_rotating_the_key_ring_keeps_old_links_verifiable(store_env):
    env = _without_chain_key(store_env)
    from qihui.bootstrap import bootstrap

    platform = bootstrap(Settings.from_env(env))
    try:
        create_staff(platform)
        with in_process_client(create_app(platform)) as client:
            staff = login(client)
            fill(client, 2)
            h = head(platform)
            first_id = platform.chain_keys.current()[0]
            rotated = subprocess.run([QIHUI, "audit", "rotate-key"], env={**os.environ, **env},
                                     capture_output=True, text=True, timeout=60)
            assert rotated.returncode == 0, rotated.stderr
            second_id = key_id(sorted(platform.settings.chain_key_dir.glob("*.key"))[-1].read_text().strip()
                               .encode())
            assert second_id != first_id and second_id in rotated.stdout
            fill(client, 2)
            new_head = head(platform)
            ids = {p: k for p, _, k, _ in links(platform)}
            assert {ids[p] for p in range(1, h + 1)} == {first_id}
            assert {ids[p] for p in range(h + 1, new_head + 1)} == {second_id}
            assert checked(client, staff)["ok"] is True
            # A link naming a key nobody has fails …
            write(platform, f"UPDATE {CHAIN} SET key_id = ? WHERE position = ?", ("deadbeef", h + 2))
            assert failure(checked(client, staff)) == (h + 2, "unknown_key")
            # … and so does history re-signed with a retired key after its successor took over.
            old_key = platform.chain_keys.get(first_id)
            write(platform, "UPDATE {table} SET state = ? WHERE {id} = ?", (b'{"forged":true}', h + 2))
            re_sign(platform, old_key, first_id, h + 2)
            assert failure(checked(client, staff)) == (h + 2, "key_order")
    finally:
        platform.close()


def test_keys_given_by_the_environment_rotate_too(make_platform, store_env):
    old = store_env["QIHUI_CHAIN_KEY"]
    new = "a-new-chain-key-from-the-environment-0123456789"
    first = make_platform()
    create_staff(first)
    h = head(first)
    first.close()
    second = make_platform(QIHUI_CHAIN_KEY=new, QIHUI_CHAIN_KEYS_RETIRED=old)
    create_staff(second, "another")
    new_head = head(second)
    ids = [k for _, _, k, _ in links(second)]
    assert ids == [key_id(old.encode())] * h + [key_id(new.encode())] * (new_head - h)
    assert verify(second.app.recorder, second.views, second.chain_keys)["ok"] is True
    forgetful = ChainKeys([new.encode()])  # the retired key dropped: its links cannot be checked
    assert failure(verify(second.app.recorder, second.views, forgetful)) == (1, "unknown_key")


def test_the_chain_is_never_rebuilt(client, staff, platform):
    fill(client)
    head(platform)
    before = links(platform)
    platform.runner.rebuild()  # every view but the chain
    assert links(platform) == before
    with pytest.raises(Exception, match="only grows"):
        platform.runner.rebuild([VIEW])
    assert links(platform) == before and checked(client, staff)["ok"] is True


# -- anchors on a schedule, and in JetStream -----------------------------------------------------------------
def test_the_scheduler_anchors_the_head_every_interval(client, staff, platform):
    fill(client)
    head(platform)
    platform.anchors.path.unlink(missing_ok=True)  # whatever the start-up tick did
    assert tick(platform)["anchor_chain"] == 1
    assert tick(platform)["anchor_chain"] == 0  # within the interval
    fill(client, 1)
    head(platform)
    platform.clock.offset += timedelta(seconds=platform.settings.anchor_interval + 1)
    assert tick(platform)["anchor_chain"] == 1
    anchors = read_anchors(platform.anchors.path)
    assert [a.position for a in anchors] == [platform.runner.head() - 2, platform.runner.head()]
    assert stat.S_IMODE(platform.anchors.path.stat().st_mode) == 0o600
    listed = ok(client.get("/api/v1/audit/anchors", headers=staff))
    assert [a["seq"] for a in listed] == [a.seq for a in anchors]
    assert checked(client, staff)["anchors_checked"] == 2
    # An anchor file whose line was edited does not pass for an anchor.
    text = platform.anchors.path.read_text().replace(anchors[0].link, "0" * 64)
    platform.anchors.path.write_text(text)
    assert failure(checked(client, staff)) == (anchors[0].position, "anchor_signature")
    with platform.anchors.path.open("a") as f:
        f.write("not an anchor\n")
    assert failure(checked(client, staff)) == (None, "anchor_file")


def _drop_anchor_stream(url):
    import nats
    from nats.js.errors import NotFoundError

    async def go():
        nc = await nats.connect(url)
        try:
            await nc.jetstream().delete_stream("QIHUI_ANCHORS")
        except NotFoundError:
            pass
        finally:
            await nc.close()

    asyncio.run(go())


def test_anchors_go_to_jetstream_in_distributed_mode(make_platform, nats):
    _drop_anchor_stream(nats.url)  # the server is shared by the whole run
    platform = make_platform(QIHUI_NATS_URL=nats.url)
    create_staff(platform)
    with in_process_client(create_app(platform)) as client:
        staff = login(client)
        fill(client)
        h = head(platform)
        anchor, _ = anchor_platform(platform, force=True)
        assert fetch_anchors(nats.url)[-1] == anchor
        # The local file is gone; the stream still holds the anchor.
        platform.anchors.path.unlink()
        write(platform, "DELETE FROM {table} WHERE {id} = ?", (h,))
        write(platform, f"DELETE FROM {CHAIN} WHERE position = ?", (h,))
        write(platform, "UPDATE qihui_tracking SET position = ? WHERE name = ?", (h - 1, VIEW))
        result = checked(client, staff)
        assert failure(result) == (h, "anchor_missing") and result["anchors_checked"] >= 1
    _drop_anchor_stream(nats.url)


# -- keys and files at start ---------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_short_or_shared_keys_are_refused_at_start(store_env):
    long = "x" * 40
    for extra, words in (({"QIHUI_SECRET_KEY": "test-secret-key"}, "QIHUI_SECRET_KEY is only 15 bytes"),
                         ({"QIHUI_SECRET_KEY": ""}, "QIHUI_SECRET_KEY is empty"),
                         ({"QIHUI_CHAIN_KEY": "short"}, "QIHUI_CHAIN_KEY is only 5 bytes"),
                         ({"QIHUI_CHAIN_KEY": long, "QIHUI_SECRET_KEY": long}, "must not be the token key"),
                         ({"QIHUI_CHAIN_KEYS_RETIRED": "y" * 40, "QIHUI_CHAIN_KEY": "z"},
                          "QIHUI_CHAIN_KEY is only 1 bytes")):
        with pytest.raises(ValueError, match=words):
            Settings.from_env({**store_env, **extra})
    with pytest.raises(ValueError, match="QIHUI_CHAIN_KEY is not set: in distributed mode"):
        Settings.from_env({**_without_chain_key(store_env), "QIHUI_NATS_URL": "nats://127.0.0.1:1"})
    refused = subprocess.run([QIHUI, "audit", "verify"], env={**os.environ, **store_env, "QIHUI_SECRET_KEY": "k"},
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "QIHUI_SECRET_KEY is only 1 bytes" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_data_and_key_files_are_private(store_env, tmp_path):
    from qihui.bootstrap import bootstrap

    data = tmp_path / "fresh" / "var"
    env = {k: v for k, v in store_env.items() if k not in ("QIHUI_SECRET_KEY", "QIHUI_CHAIN_KEY")}
    platform = bootstrap(Settings.from_env({**env, "QIHUI_DATA_DIR": str(data)}))
    try:
        create_staff(platform)
        head(platform)
        anchor_platform(platform, force=True)
    finally:
        platform.close()
    new_key_file(data / "chain_keys")  # as `qihui audit rotate-key` does

    def modes():
        return {str(p.relative_to(data)): stat.S_IMODE(p.stat().st_mode) for p in [data, *data.rglob("*")]}

    made = modes()
    assert {"qihui.db", "secret_key", "anchors.jsonl", "chain_keys/0001.key", "chain_keys/0002.key"} <= set(made)
    assert made == {name: 0o700 if (data / name).is_dir() else 0o600 for name in made}
    # A database made readable to others before this release is tightened at start.
    (data / "qihui.db").chmod(0o644)
    Settings.from_env({**env, "QIHUI_DATA_DIR": str(data)})
    assert modes()["qihui.db"] == 0o600
