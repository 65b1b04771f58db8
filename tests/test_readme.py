"""The README's first steps, run as a newcomer pastes them, in a fresh folder
(only the port is changed, so the test cannot collide with a running server)."""

import contextlib
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent


def first_steps() -> str:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- first-steps -->\s*```sh\n(.*?)```", readme, re.S)
    assert block, "README.md lost its first-steps block"
    return block.group(1)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the README's steps are the embedded default
def test_the_first_steps_work_when_pasted(tmp_path, backend):
    for name in ("Makefile", "pyproject.toml", "constraints.txt", ".venv"):
        (tmp_path / name).symlink_to(ROOT / name)
    port = free_port()
    script = first_steps().replace("localhost:8000", f"localhost:{port}").replace(
        "make serve ", f"make serve PORT={port} ")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QIHUI_", "POSTGRES_"))}
    shell = subprocess.Popen(["bash", "-euo", "pipefail", "-c", f"set -x\n{script}"], cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
    try:
        output, _ = shell.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the server it started in the background
            os.killpg(shell.pid, signal.SIGTERM)
    assert shell.returncode == 0, output
    assert '"access_token"' in output, output
    assert (tmp_path / "var" / "qihui.db").exists()
