"""The one place where the render loop and the training thread meet.

Trainer -> UI: immutable, versioned :class:`Snapshot` objects (numpy arrays the trainer never
touches again), :class:`Progress` and event dicts (epoch metrics, round ends, errors) that the
UI thread drains once per frame with :meth:`SharedBuffer.take_events`, so no UI, kiosk or
study code ever runs on the trainer thread. UI -> trainer: :class:`Targets`, α, λ, the
learning rate and :class:`Command` messages.
The lock is held only to swap a reference or append to a list, never while computing, so the
UI never waits on training and training never waits on drawing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np


class TrainerState(str, Enum):
    LOADING = "loading"
    IDLE = "idle"  # waiting for the next round
    TRAINING = "training"
    PAUSED = "paused"
    ERROR = "error"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Snapshot:
    """What the UI draws: the display sample's 2D points and the latest metrics."""

    version: int
    epoch: int
    step: int
    points: np.ndarray  # (N, 2) float32, latent units
    labels: np.ndarray  # (N,) int64
    predictions: np.ndarray  # (N,) int64
    metrics: dict[str, Any] = field(default_factory=dict)
    history: tuple[dict[str, Any], ...] = ()  # per-epoch metrics so far
    live: bool = False  # a mid-epoch refresh (kiosk live mode)
    class_names: tuple[str, ...] = ()
    # a class-balanced validation sample: (points, labels, predictions); None on live refreshes
    val: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    confidence: np.ndarray | None = None  # (N,) probability of each prediction
    baseline_predictions: np.ndarray | None = None  # (N,) the lockstep baseline's, once it runs
    samples: list[np.ndarray] | None = None  # the display sample rendered (images / series)


@dataclass(frozen=True)
class Targets:
    """HILL targets sent with a round: per-class center (C, 2) and spread (C,), NaN = no target."""

    centers: np.ndarray
    spreads: np.ndarray


class CommandKind(str, Enum):
    RUN_ROUND = "run_round"  # arg: number of epochs
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"  # end the worker thread
    SAVE = "save"  # arg: checkpoint path
    LOAD = "load"  # arg: checkpoint path (restores model, optimizer, epoch, targets)
    REFRESH = "refresh"  # publish a fresh snapshot now


@dataclass(frozen=True)
class Command:
    kind: CommandKind
    arg: Any = None


@dataclass(frozen=True)
class Progress:
    """Cheap, frequently updated training progress (no arrays)."""

    state: TrainerState = TrainerState.LOADING
    epoch: int = 0
    batch: int = 0
    batches_per_epoch: int = 0
    round_epochs_left: int = 0
    message: str = ""
    error: str | None = None
    device: str = ""


class SharedBuffer:
    """Lock-protected exchange between the trainer thread and the render loop."""

    def __init__(self, alpha: float = 0.5, lam: float = 0.1) -> None:
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._progress = Progress()
        self._targets: Targets | None = None
        self._alpha = alpha
        self._lam = lam
        self._lr: float | None = None  # None: the optimizer keeps its own
        self._commands: list[Command] = []
        self._events: list[dict[str, Any]] = []
        self._wakeup = threading.Event()

    # trainer -> UI -----------------------------------------------------------------
    def publish(self, snapshot: Snapshot) -> None:
        """Trainer: make a new snapshot visible (a reference swap)."""
        with self._lock:
            self._snapshot = snapshot

    def latest(self) -> Snapshot | None:
        """UI: the newest snapshot; compare `version` to know whether it changed."""
        with self._lock:
            return self._snapshot

    def set_progress(self, **changes: Any) -> None:
        with self._lock:
            self._progress = _replace(self._progress, changes)

    def progress(self) -> Progress:
        with self._lock:
            return self._progress

    def push_event(self, event: dict[str, Any]) -> None:
        """Trainer: queue an event (``{"type": ..., ...}``) for the UI thread to log."""
        with self._lock:
            self._events.append(dict(event))

    def take_events(self) -> list[dict[str, Any]]:
        """UI: every queued event, oldest first (called once per frame)."""
        with self._lock:
            events, self._events = self._events, []
        return events

    # UI -> trainer -----------------------------------------------------------------
    def set_targets(self, targets: Targets | None) -> None:
        """UI: targets for the next batches (copied so later edits cannot tear them)."""
        if targets is not None:
            targets = Targets(np.array(targets.centers, np.float32, copy=True),
                              np.array(targets.spreads, np.float32, copy=True))
        with self._lock:
            self._targets = targets

    def targets(self) -> Targets | None:
        with self._lock:
            return self._targets

    def set_weights(self, alpha: float | None = None, lam: float | None = None) -> None:
        with self._lock:
            if alpha is not None:
                self._alpha = float(alpha)
            if lam is not None:
                self._lam = float(lam)

    def weights(self) -> tuple[float, float]:
        with self._lock:
            return self._alpha, self._lam

    def set_lr(self, lr: float) -> None:
        """UI: learning rate for the next batches."""
        with self._lock:
            self._lr = float(lr)

    def lr(self) -> float | None:
        with self._lock:
            return self._lr

    def send(self, command: Command) -> None:
        with self._lock:
            self._commands.append(command)
        self._wakeup.set()

    def take_commands(self) -> list[Command]:
        """Trainer: all pending commands, oldest first."""
        with self._lock:
            commands, self._commands = self._commands, []
            self._wakeup.clear()
        return commands

    def wait_for_command(self, timeout: float) -> bool:
        """Trainer: sleep until a command arrives (or timeout); True if one is pending."""
        return self._wakeup.wait(timeout)


def _replace(progress: Progress, changes: dict[str, Any]) -> Progress:
    from dataclasses import replace

    return replace(progress, **changes)
