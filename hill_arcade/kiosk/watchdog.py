"""Keeps the kiosk's trainer alive: restarts a dead thread, rolls back after a failed round.

The watchdog runs on the UI thread (`check()` each frame or each second) and only talks to the
trainer through the SharedBuffer, like the rest of the UI. Checkpoints it uses:

* pristine: the exhibit's starting model (auto-reset and the fallback of last resort);
* last good: saved by the worker (Command SAVE) after each successful round via
  `snapshot_good()`; it counts only once the file exists (writes are atomic).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hill_arcade.shared import Command, CommandKind, Progress, SharedBuffer, TrainerState
from hill_arcade.stall import StallWatch, thread_stacks

if TYPE_CHECKING:
    from hill_arcade.training.worker import TrainerWorker

THREAD_DIED = "trainer thread died"
TRAINER_HUNG = "trainer hung"
TOO_MANY_HUNG = "too many hung trainers: restarting the process"
MAX_ABANDONED = 2  # hung threads kept alive in the process before the kiosk restarts itself
FAILED_TO_LOAD = "failed to load"  # TrainerWorker's message for a fatal error: the thread ends


class Watchdog:
    """Supervises one TrainerWorker at a time; counts and logs every recovered fault.

    It implements the :class:`~hill_arcade.session.Worker` protocol itself, so a kiosk's
    training session drives it like any worker.
    """

    checkpoint: Path | None = None

    def __init__(self, make_worker: Callable[[], TrainerWorker], buffer: SharedBuffer,
                 pristine_checkpoint: Path, log: Callable[[dict[str, Any]], None],
                 state_dir: Path | None = None, restart_backoff_s: float = 1.0,
                 hang_s: float = 120.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.make_worker = make_worker
        self.buffer = buffer
        self.pristine = Path(pristine_checkpoint)
        self.log = log
        self.restart_backoff_s = float(restart_backoff_s)
        self._stall = StallWatch(hang_s, clock)
        self.abandoned: list[TrainerWorker] = []  # hung threads given up on (cannot be killed)
        self.recovered = 0
        self.worker: TrainerWorker | None = None
        self._clock = clock
        self._own_dir = state_dir is None
        self.state_dir = Path(state_dir) if state_dir else Path(
            tempfile.mkdtemp(prefix="hill-kiosk-"))
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._good: Path | None = None  # newest complete last-good checkpoint
        self._pending: Path | None = None  # asked for, maybe not written yet
        self._saves = 0
        self._handled_error: Progress | None = None  # the ERROR progress already answered
        self._loading: Path | None = None  # checkpoint of the recovery LOAD in flight
        self._healthy = False  # the current worker reached IDLE/TRAINING since it started
        self._next_restart = 0.0
        self._failed_restarts = 0
        self._stopped = False

    # lifecycle --------------------------------------------------------------------------
    def start(self) -> TrainerWorker:
        """Create and start the first worker (its own checkpoint, if any, is kept)."""
        self._stopped = False
        self.worker = self.make_worker()
        self._healthy = False
        self.worker.start()
        return self.worker

    def stop(self, timeout: float = 5.0) -> None:
        """Stop supervising, end the worker thread and delete our own last-good files."""
        self._stopped = True
        if self.worker is not None:
            self.worker.stop(timeout)
        if self._own_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def is_alive(self) -> bool:
        """True while the supervised trainer thread runs."""
        return self.worker is not None and self.worker.is_alive()

    def send(self, command: Command) -> None:
        self.buffer.send(command)

    def close(self) -> None:
        """Same as :meth:`stop` (kept for callers that own a watchdog outright)."""
        self.stop()

    # checks -----------------------------------------------------------------------------
    def check(self) -> list[dict[str, Any]]:
        """Detect and repair a dead thread or a failed round; returns the records it logged."""
        if self._stopped or self.worker is None:
            return []
        if not self.worker.is_alive():
            return self._restart(THREAD_DIED)
        progress = self.buffer.progress()
        if self._stall.stalled(progress):
            self.log({"type": "stall", "stacks": thread_stacks()})
            self.worker.abandon()
            self.abandoned = [w for w in self.abandoned if w.is_alive()] + [self.worker]
            if len(self.abandoned) > MAX_ABANDONED:  # each keeps its model and data alive
                self._stopped = True
                return [self._record(TOO_MANY_HUNG, self.last_good())]
            return self._restart(TRAINER_HUNG)
        if progress.state in (TrainerState.IDLE, TrainerState.TRAINING, TrainerState.PAUSED):
            self._healthy = True
            self._failed_restarts = 0
            if self._loading is not None and progress.state is TrainerState.IDLE:
                self._loading = None
        if progress.state is TrainerState.ERROR and progress is not self._handled_error:
            if progress.message == FAILED_TO_LOAD:
                return []  # the thread is ending: the next check restarts it
            return self._roll_back(progress)
        return []

    def last_good(self) -> Path:
        """The newest checkpoint known to be complete: the last good round, else pristine."""
        if self._pending is not None and self._pending.exists():
            self._good, self._pending = self._pending, None
            for stale in self.state_dir.glob("last-good-*.pt"):
                if stale != self._good:
                    stale.unlink(missing_ok=True)
        return self._good or self.pristine

    # actions ----------------------------------------------------------------------------
    def snapshot_good(self) -> Path:
        """After a successful round: ask the worker to save a last-good checkpoint."""
        self.last_good()  # promote a finished earlier save before queueing a new one
        self._saves += 1
        path = self.state_dir / f"last-good-{self._saves}.pt"
        self._pending = path  # an older save still queued is tidied up once this one lands
        self.buffer.send(Command(CommandKind.SAVE, path))
        return path

    def reset_to_pristine(self) -> None:
        """Auto-reset for the next visitor: drop their targets and load the pristine model."""
        self.buffer.set_targets(None)
        self._forget_good()
        self.buffer.send(Command(CommandKind.LOAD, self.pristine))
        self.log({"type": "reset", "checkpoint": str(self.pristine)})

    # repairs ----------------------------------------------------------------------------
    def _roll_back(self, progress: Progress) -> list[dict[str, Any]]:
        self._handled_error = progress
        if self._loading is not None and self._loading != self.pristine:
            self._forget_good()  # the last-good file itself failed to load
        target = self.last_good()
        self._loading = target
        self.buffer.set_targets(None)  # the edit that broke the round is dropped
        self.buffer.send(Command(CommandKind.LOAD, target))
        return [self._record(progress.error or progress.message or "trainer error", target)]

    def _restart(self, reason: str) -> list[dict[str, Any]]:
        now = self._clock()
        if now < self._next_restart:
            return []
        if not self._healthy:  # it died before ever getting ready: trust nothing but pristine
            self._failed_restarts += 1
            self._forget_good()
        delay = self.restart_backoff_s * min(2 ** max(self._failed_restarts - 1, 0), 30)
        self._next_restart = now + delay
        self.buffer.take_commands()  # stale commands (a STOP, a failed round) must not replay
        target = self.last_good()
        self.worker = self.make_worker()
        self.worker.checkpoint = target
        self._healthy = False
        self._loading = None
        self._stall.reset()
        self._handled_error = self.buffer.progress()
        self.worker.start()
        return [self._record(reason, target)]

    def _forget_good(self) -> None:
        for path in (self._good, self._pending):
            if path is not None:
                path.unlink(missing_ok=True)
        self._good = self._pending = None

    def _record(self, reason: str, checkpoint: Path) -> dict[str, Any]:
        self.recovered += 1
        record = {"type": "recovered", "reason": reason, "checkpoint": str(checkpoint),
                  "faults": self.recovered}
        self.log(record)
        return record
