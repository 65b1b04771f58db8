"""The projector as a child of `qihui serve` (issue 24): one Python process holds one core at
most, and the API's HTTP handling and writer already fill it, so the views are kept by
`qihui worker projector` beside it, on the second core. It polls the log every few
milliseconds; it is restarted if it dies, and stopped with the API. Its lease keeps it single
(workers.lease), so a second `qihui serve` on the same store adds a standby, not a rival.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)

POLL = 0.005  # seconds between the child's looks at the log when it is idle


class ProjectorProcess:
    def __init__(self, interval: float = POLL):
        self.interval = interval
        self._stop = threading.Event()
        self._child: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        qihui = str(Path(sys.executable).parent / "qihui")
        args = ["worker", "projector", "--interval", str(self.interval), "--with-parent", str(os.getpid())]
        command = [qihui, *args] if Path(qihui).exists() else [sys.executable, "-m", "qihui.cli", *args]
        return subprocess.Popen(command, env=dict(os.environ), stdout=subprocess.DEVNULL)

    def _supervise(self) -> None:
        while not self._stop.is_set():
            self._child = self._spawn()
            code = self._child.wait()
            if self._stop.is_set():
                return
            log.error("projector process ended (exit %s); starting it again", code)
            self._stop.wait(1.0)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._supervise, name="qihui-projector-process", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        child = self._child
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
        if self._thread is not None:
            self._thread.join(timeout=5)
