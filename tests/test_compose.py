"""compose.yaml as an operator runs it (issue 21): a migrate step the others wait for,
healthchecks on /ready, two API replicas behind one proxy port, every worker; and every
command it names is one `qihui` has. (No Docker engine here: the shape is checked.)"""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
QIHUI = str(Path(sys.executable).parent / "qihui")


def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


def test_every_process_waits_for_the_migrate_step_and_the_apis_are_checked_on_ready():
    services = compose()
    ours = {name: s for name, s in services.items() if s.get("image") == "qihui:latest"}
    assert {"migrate", "api-1", "api-2", "projector", "scheduler", "relay", "notifier"} <= set(ours)
    for name, service in ours.items():
        if name != "migrate":
            assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    assert services["migrate"]["restart"] == "no"
    for api in ("api-1", "api-2"):
        assert "/ready" in " ".join(services[api]["healthcheck"]["test"])
        assert "ports" not in services[api]  # reached through the proxy only
    proxy = services["proxy"]
    assert proxy["ports"] == ["8000:80"]
    assert proxy["depends_on"] == {"api-1": {"condition": "service_healthy"},
                                   "api-2": {"condition": "service_healthy"}}
    conf = (ROOT / proxy["volumes"][0].split(":")[0]).read_text()
    assert re.findall(r"server (api-\d):8000", conf) == ["api-1", "api-2"]


def test_every_command_compose_runs_is_a_qihui_command():
    for name, service in compose().items():
        command = service.get("command") or []
        if command[:1] == ["qihui"]:
            done = subprocess.run([QIHUI, *command[1:], "--help"], capture_output=True, text=True,
                                  env={**os.environ}, timeout=60)
            assert done.returncode == 0, (name, done.stderr)


def test_migrate_prepares_a_fresh_store(store_env):
    done = subprocess.run([QIHUI, "migrate"], capture_output=True, text=True, env={**os.environ, **store_env},
                          timeout=120)
    assert done.returncode == 0 and "schema ready" in done.stdout, done.stderr
