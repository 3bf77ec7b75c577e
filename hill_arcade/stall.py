"""Stall detection for the trainer thread, in every mode, and thread stacks for the log.

A trainer that is training reports progress with every batch (each report is a new
:class:`~hill_arcade.shared.Progress` object). When the state says TRAINING yet no new report
came for ``stall_s`` seconds, the trainer is stalled: the kiosk's watchdog replaces it, play
and study modes say so on screen; both log every thread's stack so the cause can be found.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Callable

from hill_arcade.shared import Progress, TrainerState


class StallWatch:
    """``check(progress)`` is True once per stall, when it has lasted ``stall_s``."""

    def __init__(self, stall_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.stall_s = float(stall_s)
        self._clock = clock
        self._seen: tuple[Progress | None, float] = (None, 0.0)  # (progress, since)
        self._reported: Progress | None = None

    def stalled(self, progress: Progress) -> bool:
        """Training, yet no progress report for ``stall_s`` (True for as long as it lasts)."""
        now = self._clock()
        if progress is not self._seen[0]:
            self._seen = (progress, now)
            return False
        return progress.state is TrainerState.TRAINING and now - self._seen[1] > self.stall_s

    def check(self, progress: Progress) -> bool:
        """True the first time a stall is seen (not again until progress moves)."""
        if not self.stalled(progress) or self._reported is progress:
            return False
        self._reported = progress
        return True

    def reset(self) -> None:
        """Forget what was seen (a new trainer starts)."""
        self._seen = (None, 0.0)
        self._reported = None


def thread_stacks() -> dict[str, str]:
    """Every live thread's current stack, by thread name (for the log after a stall)."""
    names = {t.ident: t.name for t in threading.enumerate()}
    return {names.get(ident, str(ident)): "".join(traceback.format_stack(frame))
            for ident, frame in sys._current_frames().items()}
