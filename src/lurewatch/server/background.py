"""A background loop: a daemon thread that runs one step at a time until stopped (jobs, alerts)."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class Loop:
    """Calls `step()` over and over; waits `poll` seconds after a step that found nothing to do (or failed)."""

    name = "lurewatch-loop"

    def __init__(self, poll: float) -> None:
        self.poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def step(self) -> bool:
        """Do one unit of work; True if there may be more right away."""
        raise NotImplementedError

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.step()
            except Exception:  # noqa: BLE001 - the database or the network briefly away: try again later
                log.exception("%s: a step failed", self.name)
                busy = False
            if not busy:
                self._stop.wait(self.poll)
