"""The `qihui` command and distributed mode: a projector in its own process
feeding an API replica that runs no workers, on both backends."""

import json
import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from api.app import create_app
from qihui.bootstrap import bootstrap
from qihui.settings import Settings
from tests.factories import application
from tests.http import in_process_client, login

QIHUI = str(Path(sys.executable).parent / "qihui")


def run(store_env, *args, stdin=None):
    env = {**os.environ, **store_env}
    return subprocess.run([QIHUI, *args], env=env, input=stdin, capture_output=True, text=True,
                          timeout=60)


def test_create_staff_then_sign_in(store_env):
    done = run(store_env, "users", "create-staff", "mishu", "--password-stdin",
               stdin="a-long-enough-password\n")
    assert done.returncode == 0, done.stderr
    again = run(store_env, "users", "create-staff", "MISHU", "--password-stdin",
                stdin="a-long-enough-password\n")
    assert again.returncode != 0 and "已存在" in again.stderr
    short = run(store_env, "users", "create-staff", "other", "--password-stdin", stdin="short\n")
    assert short.returncode != 0 and "password" in short.stderr.lower()
    platform = bootstrap(Settings.from_env(store_env))
    try:
        with in_process_client(create_app(platform)) as client:
            login(client, "mishu", "a-long-enough-password")
    finally:
        platform.close()


def test_projector_process_feeds_an_api_without_workers(store_env):
    api_env = {**store_env, "QIHUI_RUN_WORKERS": "n"}
    run(store_env, "users", "create-staff", "mishu", "--password-stdin",
        stdin="a-long-enough-password\n")
    platform = bootstrap(Settings.from_env(api_env))
    projector = subprocess.Popen([QIHUI, "worker", "projector"], env={**os.environ, **store_env},
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with in_process_client(create_app(platform)) as client:
            staff = login(client, "mishu", "a-long-enough-password")
            created = client.post("/api/v1/members", json=application()).json()
            page = client.get(f"/api/v1/members?min_position={created['position']}", headers=staff)
            assert page.status_code == 200
            assert [m["id"] for m in page.json()["items"]] == [created["id"]]
            projector.send_signal(signal.SIGTERM)
            projector.wait(10)
            # No projector now: asking for a later position answers 503, not stale data.
            platform.settings = replace(platform.settings, read_wait=1.0)
            later = client.post("/api/v1/members", json=application()).json()
            r = client.get(f"/api/v1/members?min_position={later['position']}", headers=staff)
            assert r.status_code == 503 and r.headers["retry-after"]
    finally:
        if projector.poll() is None:
            projector.kill()
        platform.close()


def test_projection_status_and_rebuild(store_env):
    platform = bootstrap(Settings.from_env(store_env))
    try:
        with in_process_client(create_app(platform)) as client:
            for _ in range(3):
                client.post("/api/v1/members", json=application())
        platform.runner.catch_up()
    finally:
        platform.close()
    status = json.loads(run(store_env, "projections", "status", "--json").stdout)
    assert status["roster"]["lag"] == 0 and status["roster"]["position"] == 6
    rebuilt = run(store_env, "projections", "rebuild", "roster", "--yes")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "replayed 6 events" in rebuilt.stdout
    unknown = run(store_env, "projections", "rebuild", "nonsense", "--yes")
    assert unknown.returncode != 0 and "roster" in unknown.stderr


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_relay_refuses_to_start_without_nats(store_env):
    done = run(store_env, "worker", "relay")
    assert done.returncode != 0 and "QIHUI_NATS_URL" in done.stderr


def test_invite_disable_and_list_from_the_command_line(store_env):
    run(store_env, "users", "create-staff", "mishu", "--password-stdin", stdin="a-long-enough-password\n")
    platform = bootstrap(Settings.from_env(store_env))
    try:
        with in_process_client(create_app(platform)) as client:
            staff = login(client, "mishu", "a-long-enough-password")
            org = client.post("/api/v1/members", json=application()).json()["id"]
            client.post(f"/api/v1/members/{org}/admit", json={}, headers=staff)
            invited = run(store_env, "users", "invite", org, "--email", "wang@example.com")
            assert invited.returncode == 0, invited.stderr
            token = invited.stdout.strip().splitlines()[-1]
            r = client.post("/api/v1/auth/invitations/accept",
                            json={"token": token, "username": "wangfang",
                                  "password": "another-long-password"})
            assert r.status_code == 201, r.text
            reviewer = run(store_env, "users", "invite", "--email", "zhuan@example.com", "--role", "reviewer",
                           "--affiliation", org)
            assert reviewer.returncode == 0, reviewer.stderr
            refused = run(store_env, "users", "invite", "3f0c9e4e-6d1a-4c7e-9a52-2b1f0d8e7a11",
                          "--email", "x@example.com")  # no such organisation
            assert refused.returncode != 0 and "organisation" in refused.stderr
            assert run(store_env, "users", "disable", "wangfang", "--reason", "离职").returncode == 0
            listed = run(store_env, "users", "list").stdout
            assert "wangfang" in listed and "disabled" in listed and "mishu" in listed
            r = client.post("/api/v1/auth/login",
                            json={"username": "wangfang", "password": "another-long-password"})
            # A disabled account gets the same answer as a wrong password (no hint that it exists).
            assert r.status_code == 401 and r.json()["code"] == "wrong_credentials"
    finally:
        platform.close()
